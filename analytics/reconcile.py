"""Reconciliation: one route's sources side by side, month by month.

IOM (dead and missing, incidents), Frontex (detections) and UNHCR (sea arrivals) count
different things, at different times, over different windows. This module aligns their
monthly figures on one month axis, says for every month and source whether the source is
silent there (outside its window: "no data", never 0) or covered with nothing recorded (0),
and flags the months where two sources diverge: a ratio of the two far from the route's
usual ratio.

The divergence rule (written once, here; ``docs/methodology.md`` says the same): for each
ratio (:data:`RATIOS`), take the months shown where both sources cover the whole month and the
denominator is at least :data:`~analytics.catalogue.MIN_DETECTIONS_FOR_RATE`; if there are at
least :data:`MIN_MONTHS_FOR_MEDIAN` such months, a month diverges when its ratio is more than
the ratio's factor times the median of those months, or less than the median divided by it
(a ratio of 0, a source recording nothing in a month the other counts, diverges too).

The factors differ because the ratios do. Frontex detections and UNHCR arrivals count the same
crossings, so they should track each other: on the Central Mediterranean the median month has
1.00 detections per arrival and 90% of months lie between 0.99 and 1.12 (real data, 2015-2025),
so :data:`AGREEMENT_FACTOR` (1.25) flags the months a quarter apart (2019-2020, when Frontex
counted up to 1.8 detections per arrival to Italy: landings in Malta are on the route but not
in the Italian series). Deaths against crossings are lumpy (one shipwreck triples a month's
toll; the middle half of months lies between 11 and 45 dead and missing per 1,000 arrivals),
so :data:`DIVERGENCE_FACTOR` (3) flags only the months three times above or below the median.

Pure: no I/O, no database, no Streamlit.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd

import i18n
from analytics.catalogue import MIN_DETECTIONS_FOR_RATE, NO_DATA, measure, source_name
from analytics.measures import compute_rate
from i18n import N_, _

#: A month's deaths ratio diverges when it is more than this many times the route's median
#: month, or less than the median divided by it.
DIVERGENCE_FACTOR = 3.0
#: The same for two counts of the same crossings (detections per arrival).
AGREEMENT_FACTOR = 1.25
#: Fewer months with a ratio than this: no median, no divergence flags.
MIN_MONTHS_FOR_MEDIAN = 6

#: Month status for one source: figures for the whole month, nothing recorded in a covered
#: month, figures for part of the month only, or outside the source's window. Compared in
#: code in English; shown as ``_(status)``.
DATA, NONE_RECORDED, PARTIAL, SILENT = N_("data"), N_("none recorded"), N_("partial month"), NO_DATA

#: The monthly count measures, the source kind each comes from, in the order they are shown.
COUNTS: tuple[tuple[str, str], ...] = (
    ("dead_and_missing", "mmp"),
    ("incidents", "mmp"),
    ("detections", "frontex"),
    ("arrivals", "unhcr-arrivals"),
)

#: The ratios compared with the route's median: measure id -> (numerator, denominator,
#: scale, divergence factor).
RATIOS: Mapping[str, tuple[str, str, float, float]] = MappingProxyType(
    {
        "detections_per_arrival": ("detections", "arrivals", 1.0, AGREEMENT_FACTOR),
        "deaths_per_1000_sea_arrivals": ("dead_and_missing", "arrivals", 1000.0, DIVERGENCE_FACTOR),
        "deaths_per_1000_detections": (
            "dead_and_missing",
            "detections",
            1000.0,
            DIVERGENCE_FACTOR,
        ),
    }
)

#: Which route a country's sea-arrivals series counts on. Italy and Malta land the Central
#: Mediterranean crossings, Greece and Cyprus the Eastern Mediterranean ones. Spain is left
#: out on purpose: its series mixes the Western Mediterranean (mainland, Ceuta, Melilla) and
#: the Western African Atlantic (Canary Islands) routes, and a country total cannot be split.
ARRIVAL_ROUTES: Mapping[str, str] = MappingProxyType(
    {
        "ITA": "central_mediterranean",
        "MLT": "central_mediterranean",
        "GRC": "eastern_mediterranean",
        "CYP": "eastern_mediterranean",
    }
)


def select_arrival_series(series: pd.DataFrame, route_id: str, is_demo: bool) -> pd.DataFrame:
    """The arrivals series that count on ``route_id``: one per country of arrival (the newest
    vintage, as :func:`data.queries.query_arrival_series` orders them), demo with demo and real
    with real, in :data:`ARRIVAL_ROUTES` order (Italy first). The one choice the Routes ratio,
    the reconciliation view and the pack share."""
    order = {c: i for i, c in enumerate(ARRIVAL_ROUTES)}
    out = series[
        (series["country_iso3"].map(ARRIVAL_ROUTES) == route_id)
        & (series["is_demo"].astype(bool) == bool(is_demo))
    ].drop_duplicates("country_iso3")
    return out.iloc[sorted(range(len(out)), key=lambda i: order[out["country_iso3"].iloc[i]])]


#: The status column of each source kind in the monthly table.
STATUS_COLUMNS: Mapping[str, str] = MappingProxyType(
    {"mmp": "iom_status", "frontex": "frontex_status", "unhcr-arrivals": "unhcr_status"}
)


@dataclass(frozen=True)
class Window:
    """The days one source covers for the route (inclusive), or ``None`` where it is silent.

    ``reason`` says why a source is silent throughout ("not loaded", "Frontex publishes no
    series for this route", ...); empty when it has a window.
    """

    kind: str
    first: dt.date | None
    last: dt.date | None
    reason: str = ""

    @property
    def name(self) -> str:
        return source_name(self.kind)


def month_start(d: dt.date) -> dt.date:
    return dt.date(d.year, d.month, 1)


def month_end(d: dt.date) -> dt.date:
    return dt.date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


def _clip(
    w: Window, period: tuple[dt.date | None, dt.date | None]
) -> tuple[dt.date, dt.date] | None:
    """The window cut to the filter period (``None`` when they do not meet)."""
    if w.first is None or w.last is None:
        return None
    lo, hi = w.first, w.last
    if period[0] is not None:
        lo = max(lo, period[0])
    if period[1] is not None:
        hi = min(hi, period[1])
    return (lo, hi) if lo <= hi else None


def compute_months(
    windows: Mapping[str, Window], period: tuple[dt.date | None, dt.date | None] = (None, None)
) -> list[dt.date]:
    """The month axis: every month (first day) any source covers within the period."""
    spans = [s for s in (_clip(w, period) for w in windows.values()) if s is not None]
    if not spans:
        return []
    lo = month_start(min(s[0] for s in spans))
    hi = month_start(max(s[1] for s in spans))
    return list(pd.date_range(lo, hi, freq="MS").date)


def month_status(month: dt.date, span: tuple[dt.date, dt.date] | None, value: float) -> str:
    """One source's status in one month (``span`` is its window cut to the period)."""
    if span is None or month_end(month) < span[0] or month > span[1]:
        return SILENT
    if span[0] > month or span[1] < month_end(month):
        return PARTIAL
    return DATA if value > 0 else NONE_RECORDED


def compute_reconciliation(
    incidents: pd.DataFrame,
    detections: pd.DataFrame,
    arrivals: pd.DataFrame,
    windows: Mapping[str, Window],
    period: tuple[dt.date | None, dt.date | None] = (None, None),
    *,
    min_denominator: float = MIN_DETECTIONS_FOR_RATE,
    min_months: int = MIN_MONTHS_FOR_MEDIAN,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, float | None]]:
    """Align one route's sources by month, mark silence and flag divergent months.

    Parameters
    ----------
    incidents : DataFrame
        ``month`` (first day), ``incidents``, ``dead_and_missing``: IOM, months with incidents.
    detections : DataFrame
        ``month``, ``detections``: Frontex, months with detections on the route.
    arrivals : DataFrame
        ``month``, ``arrivals``: UNHCR sea arrivals (persons) landed from the route's
        crossings, months with arrivals.
    windows : mapping
        Source kind (``mmp``, ``frontex``, ``unhcr-arrivals``) -> its :class:`Window`.
    period : (date or None, date or None)
        The filter period; months outside it are left out.

    Returns
    -------
    (DataFrame, DataFrame, dict)
        The monthly table: ``month``; ``dead_and_missing`` and ``arrivals`` (persons),
        ``incidents``, ``detections`` (events), each ``NaN`` where its source is silent and
        0 in a covered month with nothing recorded; ``<kind>_status`` per source (:data:`DATA`,
        :data:`NONE_RECORDED`, :data:`PARTIAL`, :data:`SILENT`); ``silent`` (names of the
        sources silent that month, ``"; "``-joined); one column per ratio of :data:`RATIOS`
        (whole months of both sources only) and ``diverges`` (the ratio ids flagged, ``"; "``).

        The divergence table, one row per flagged month and ratio: ``month``, ``measure``,
        ``value``, ``median``, ``times_median``, ``numerator``, ``denominator``.

        The median of each ratio over its months (``None`` below ``min_months`` months).
    """
    months = compute_months(windows, period)
    out = pd.DataFrame({"month": months})
    spans = {k: _clip(w, period) for k, w in windows.items()}
    frames = {"mmp": incidents, "frontex": detections, "unhcr-arrivals": arrivals}
    for kind in ("mmp", "frontex", "unhcr-arrivals"):
        src = frames[kind]
        mids = [mid for mid, k in COUNTS if k == kind]
        values: dict[str, pd.Series] = {}
        for mid in mids:
            if len(src) and mid in src:
                s = src.assign(month=[as_month(m) for m in src["month"]]).groupby("month")[mid]
                values[mid] = out["month"].map(s.sum()).fillna(0).astype(float)
            else:
                values[mid] = pd.Series(0.0, index=out.index)
        recorded = sum(values.values(), pd.Series(0.0, index=out.index))
        status = [
            month_status(m, spans.get(kind), float(x))
            for m, x in zip(out["month"], recorded, strict=True)
        ]
        silent = np.array([st == SILENT for st in status], dtype=bool)
        for mid in mids:
            out[mid] = values[mid].mask(silent)
        out[STATUS_COLUMNS[kind]] = status
    out["silent"] = [
        "; ".join(source_name(k) for k, col in STATUS_COLUMNS.items() if out.at[i, col] == SILENT)
        for i in out.index
    ]
    whole = {mid: out[STATUS_COLUMNS[kind]].isin([DATA, NONE_RECORDED]) for mid, kind in COUNTS}
    medians: dict[str, float | None] = {}
    rows: list[dict[str, object]] = []
    flags: list[list[str]] = [[] for _ in out.index]
    for rid, (num, den, scale, factor) in RATIOS.items():
        n = out[num].where(whole[num] & whole[den])
        d = out[den].where(whole[num] & whole[den])
        ratio = compute_rate(n, d, scale, min_denominator)
        out[rid] = ratio
        defined = ratio.dropna()
        med = float(defined.median()) if len(defined) >= min_months else None
        medians[rid] = med
        if med is None or med <= 0:
            continue
        hi, lo = med * factor, med / factor
        for i in defined.index:
            x = float(ratio[i])
            if x > hi or x < lo:
                flags[i].append(rid)
                rows.append(
                    {
                        "month": out.at[i, "month"],
                        "measure": rid,
                        "value": x,
                        "median": med,
                        "times_median": x / med,
                        "numerator": float(out.at[i, num]),
                        "denominator": float(out.at[i, den]),
                    }
                )
    out["diverges"] = ["; ".join(f) for f in flags]
    div = pd.DataFrame(
        rows,
        columns=[
            "month",
            "measure",
            "value",
            "median",
            "times_median",
            "numerator",
            "denominator",
        ],
    )
    if len(div):
        div = div.sort_values(["month", "measure"]).reset_index(drop=True)
    return out, div, medians


def as_month(value: object) -> dt.date:
    """The first day of the month of a date-like value."""
    d = pd.Timestamp(value).date()  # type: ignore[arg-type]
    return dt.date(d.year, d.month, 1)


def diverges_text(flags: object) -> str:
    """The ``diverges`` cell of :func:`compute_reconciliation` (ratio ids, ``"; "``) as a reader
    sees it: each ratio's catalogue label, in the reader's language ("" when none)."""
    ids = [x.strip() for x in str(flags or "").split("; ") if x.strip()]
    return i18n.join_list(measure(x).label for x in ids)


def divergence_rule_text(min_months: int = MIN_MONTHS_FOR_MEDIAN) -> str:
    """The divergence rule in words, for captions and the command line."""
    return _(
        "A month diverges when its ratio is far from the route's median month: detections per "
        "arrival more than {agree} times the median or less than the median divided by {agree} "
        "(two counts of the same crossings should agree); dead and missing per 1,000 arrivals "
        "or detections more than {diverge} times the median or less than a {fraction} of it "
        "(deaths are lumpy). Medians over the months shown where both sources cover the whole "
        "month and the denominator is at least {min_den}, with at least {min_months} such "
        "months."
    ).format(
        agree=_g(AGREEMENT_FACTOR),
        diverge=_g(DIVERGENCE_FACTOR),
        fraction=_fraction(DIVERGENCE_FACTOR),
        min_den=i18n.fmt_number(MIN_DETECTIONS_FOR_RATE),
        min_months=min_months,
    )


def _g(x: float) -> str:
    """``1.25`` / ``1,25``; ``3``."""
    text = f"{x:g}"
    return text if i18n.get_lang() == i18n.DEFAULT_LANG else text.replace(".", ",")


def describe_ratio(rid: str, value: float, med: float) -> str:
    """``"0.31 detections per arrival, 0.3 times the median month (1.02)"``."""
    m = measure(rid)
    times = value / med if med else math.nan
    if math.isnan(times):
        return f"{m.format(value)} {m.unit}"
    return _("{value} {unit}, {times} times the median month ({median})").format(
        value=m.format(value), unit=m.unit, times=_plain(times, 1), median=m.format(med)
    )


def _plain(x: float, decimals: int) -> str:
    text = f"{x:.{decimals}f}"
    return text if i18n.get_lang() == i18n.DEFAULT_LANG else text.replace(".", ",")


def _fraction(factor: float) -> str:
    names = {2.0: N_("half"), 3.0: N_("third"), 4.0: N_("quarter")}
    return _(names[factor]) if factor in names else f"1/{_g(factor)}"
