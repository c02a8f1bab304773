"""Pure figure builders: DataFrames in, plotly figures out.

Every ``make_*_figure`` returns a :class:`plotly.graph_objects.Figure` whose title states the
finding (``"Central Mediterranean: 1,452 dead and missing in 2023, the most since 2016"``),
whose subtitle names the measure and unit, and whose ``layout.meta`` carries ``chart`` (a short
file-name stem for exports) and ``alt`` (alt text for screen readers): read them with
:func:`figure_name` and :func:`figure_alt`.

Different measures are never added together: dead and missing (IOM, persons, minimum
estimates), incidents (IOM, records) and detections (Frontex, events, not persons) are drawn on
separate axes or panels. A figure given an empty frame returns a labelled empty chart instead
of raising.

Each figure is built in one step from plain dicts (:func:`_figure`): its traces and layout are
validated once, when the figure is made. Property paths with underscores (``marker_color``) and
``update_*`` calls re-parse and re-validate on every call, which cost 10-20 ms a chart on every
rerun of a page.
"""

from __future__ import annotations

import calendar
import datetime as dt
import html
import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analytics.catalogue import (
    ARRIVAL_CAVEAT,
    DETECTION_CAVEAT,
    MIN_ESTIMATE_CAVEAT,
    NO_DATA,
    Coverage,
    compare,
)
from analytics.reconcile import PARTIAL, SILENT, STATUS_COLUMNS
from analytics.theme import (
    COMPONENT_COLOURS,
    MEASURE_COLOURS,
    OTHER_COLOUR,
    apply_theme,
    cause_colour,
    cause_label,
    sequential_colour,
)
from data.filters import Filters, Vintages, as_date
from i18n import (
    N_,
    _,
    country_name,
    fmt_number,
    fmt_percent,
    get_lang,
    join_list,
    month_name,
    month_year,
)
from i18n import route_name as _route_name
from i18n.names import cause_name

#: Codes the sources use for no country, with their display names (English; shown with ``_``).
UNKNOWN_CODES: Mapping[str, str] = {"UNK": N_("Unknown"), "OOO": N_("Not specified")}
#: English month abbreviations (the charts show :func:`i18n.month_name` ``short=True``).
MONTHS = tuple(calendar.month_abbr[1:])


# --------------------------------------------------------------------------- helpers


def figure_name(fig: go.Figure) -> str:
    """The chart's file-name stem (``layout.meta['chart']``)."""
    meta = fig.layout.meta
    return str(meta.get("chart", "chart")) if isinstance(meta, dict) else "chart"


def figure_alt(fig: go.Figure) -> str:
    """The chart's alt text (``layout.meta['alt']``)."""
    meta = fig.layout.meta
    return str(meta.get("alt", "")) if isinstance(meta, dict) else ""


def figure_title(fig: go.Figure) -> str:
    """The chart's title as plain text: the first line, without markup (``""`` when none)."""
    text = fig.layout.title.text or ""
    first = re.split(r"<br\s*/?>", str(text), maxsplit=1)[0]
    return html.unescape(re.sub(r"<[^>]+>", "", first)).strip()


TITLE_WRAP = 50
SUBTITLE_WRAP = 64


def wrap_text(text: str, width: int) -> str:
    """Break ``text`` into lines of at most ``width`` characters joined by ``<br>``."""
    return "<br>".join(textwrap.wrap(text, width=width, break_long_words=False)) or text


Layout = dict[str, Any]


def _figure(
    data: Sequence[Mapping[str, Any]],
    layout: Layout,
    *,
    chart: str,
    title: str,
    subtitle: str,
    alt: str,
    height: int = 460,
) -> go.Figure:
    """The figure of ``data`` (trace dicts with a ``type``) and ``layout``, with the house
    template, the wrapped title and subtitle, the top margin they need and ``meta``."""
    t = wrap_text(title, TITLE_WRAP)
    sub = wrap_text(subtitle, SUBTITLE_WRAP)
    lines = t.count("<br>") + 1
    sub_lines = sub.count("<br>") + 1
    top = 34 + 30 * lines + 22 * sub_lines + 20
    layout = {
        **layout,
        "title": {"text": t, "subtitle": {"text": sub}},
        "meta": {"chart": chart, "alt": alt, "title": title},
        "height": height + top - 100,
        "margin": {"t": top},
    }
    return apply_theme(go.Figure(data=[dict(d) for d in data], layout=layout))


def _panel_title(text: str, x: float) -> dict[str, object]:
    """A panel title above the plot area, as make_subplots' ``subplot_titles`` places it."""
    return {
        "font": {"size": 16},
        "showarrow": False,
        "text": text,
        "x": x,
        "xanchor": "center",
        "xref": "paper",
        "y": 1.0,
        "yanchor": "bottom",
        "yref": "paper",
    }


def _label(text: str, width: int = 30) -> str:
    return wrap_text(text, width)


def _prefixed(label: str, text: str) -> str:
    """``"Central Mediterranean: text"``; ``text`` alone (its first letter capitalised in
    French) without a label."""
    if label:
        return _("{label}: {text}").format(label=label, text=text)
    if get_lang() != "en":
        return text[:1].upper() + text[1:]
    return text


def _scope(label: str) -> str:
    """The scope named in an empty chart's title: the label, else "Selection"."""
    return label or _("Selection")


def _empty(chart: str, title: str, subtitle: str) -> go.Figure:
    layout: Layout = {
        "annotations": [
            {
                "text": _("No records for these filters"),
                "showarrow": False,
                "x": 0.5,
                "y": 0.5,
                "xref": "paper",
                "yref": "paper",
                "font": {"size": 18, "color": "#555555"},
            }
        ],
        "xaxis": {"visible": False},
        "yaxis": {"visible": False},
    }
    return _figure([], layout, chart=chart, title=title, subtitle=subtitle, alt=title, height=300)


def _fmt(n: float) -> str:
    return fmt_number(round(n))


def _fmt_big(n: float) -> str:
    if abs(n) >= 1_000_000:
        x = n / 1_000_000
        if round(abs(x), 1) >= 2:
            return _("{millions} million").format(millions=fmt_number(x, 1))
        return _("{n} million").format(n=fmt_number(x, 1))
    return _fmt(n)


def _month_label(d: dt.date | pd.Timestamp) -> str:
    return month_year(d)


def _short_month(month: int) -> str:
    """``4`` -> ``"Apr"`` / ``"avr."``."""
    return month_name(month, short=True)


def _short_month_year(d: dt.date | pd.Timestamp) -> str:
    """``2026-04-09`` -> ``"Apr 2026"`` / ``"avr. 2026"``."""
    return f"{_short_month(d.month)} {d.year}"


def _to_date(v: object) -> dt.date:
    d = as_date(v)
    if d is None:
        raise ValueError(f"not a date: {v!r}")
    return d


def country_label(code: str, names: Mapping[str, str] | None = None) -> str:
    """Display name of an ISO-3 code (``UNK`` -> ``Unknown``, ``OOO`` -> ``Not specified``),
    in the reader's language."""
    if code in UNKNOWN_CODES:
        return _(UNKNOWN_CODES[code])
    return country_name(code, (names or {}).get(code, code))


def last_complete_year(periods: Iterable[object], data_end: dt.date | None = None) -> int | None:
    """The latest calendar year fully covered by the data.

    Parameters
    ----------
    periods : iterable of date-like
        Periods present in the data.
    data_end : date, optional
        Where the data (or the date filter) ends; a year ending before 1 December is partial.
        When omitted, a year counts as complete if December is present.
    """
    dates = [pd.Timestamp(p) for p in periods if p is not None and not pd.isna(p)]
    if not dates:
        return None
    last = max(dates)
    if data_end is not None:
        end = pd.Timestamp(data_end)
        return end.year if end.month == 12 else end.year - 1
    return last.year if last.month == 12 else last.year - 1


def year_finding(yearly: pd.Series, year: int, *, rate: bool = False) -> str:
    """How ``yearly[year]`` compares with earlier years, in words (in the reader's language).

    Parameters
    ----------
    yearly : Series
        Values indexed by integer year.
    year : int
        The year described.
    rate : bool
        The values are a rate: "the highest" and "the lowest" instead of "the most" and "the
        fewest".

    Returns
    -------
    str
        ``"the most since 2016"``, ``"the most on record (since 2014)"``, ``"the fewest since
        2019"`` (a "since" year at least three years back), else ``"up 12% on 2022"``,
        ``"down 12% on 2022"`` or ``"level with 2022"``.
    """
    value = float(yearly.get(year, 0))
    earlier = yearly[yearly.index < year]
    if earlier.empty:
        return _("the first year on record")
    at_least = earlier[earlier >= value]
    at_most = earlier[earlier <= value]
    first = int(earlier.index.min())
    record = len(earlier) >= 2  # "on record" needs more than one earlier year
    if at_least.empty and record:
        most = (
            _("the highest on record (since {year})")
            if rate
            else _("the most on record (since {year})")
        )
        return most.format(year=first)
    # "Since" only when at least two years lie between; otherwise the change is clearer.
    if not at_least.empty and int(at_least.index.max()) < year - 2:
        most = _("the highest since {year}") if rate else _("the most since {year}")
        return most.format(year=int(at_least.index.max()))
    if at_most.empty and record:
        fewest = (
            _("the lowest on record (since {year})")
            if rate
            else _("the fewest on record (since {year})")
        )
        return fewest.format(year=first)
    if not at_most.empty and int(at_most.index.max()) < year - 2:
        fewest = _("the lowest since {year}") if rate else _("the fewest since {year}")
        return fewest.format(year=int(at_most.index.max()))
    prev = float(yearly.get(year - 1, 0))
    if prev == 0:
        if year - 1 >= first:
            return _("none recorded in {year}").format(year=year - 1)
        return _("the first year on record")
    # The catalogue's change rule (two whole calendar years the data cover; a small base
    # gives no percentage).
    ch = compare(
        value,
        prev,
        period=(dt.date(year, 1, 1), dt.date(year, 12, 31)),
        previous_period=(dt.date(year - 1, 1, 1), dt.date(year - 1, 12, 31)),
        coverage=Coverage("data", dt.date(first, 1, 1), dt.date(year, 12, 31)),
    )
    if ch.status != "ok" or ch.pct is None:
        return _("against {value} in {year}").format(value=fmt_number(prev), year=year - 1)
    if abs(ch.pct) < 0.5:
        return _("level with {year}").format(year=year - 1)
    change = _("up {pct} on {year}") if ch.pct > 0 else _("down {pct} on {year}")
    return change.format(pct=fmt_percent(abs(ch.pct)), year=year - 1)


#: Headline templates per counted column: (a year against earlier years, a span of months).
_HEADLINES: Mapping[str, tuple[str, str]] = {
    "dead_and_missing": (
        N_("{n} dead and missing in {year}, {finding}"),
        N_("{n} dead and missing, {start} to {end}"),
    ),
    "detections": (
        N_("{n} detections in {year}, {finding}"),
        N_("{n} detections, {start} to {end}"),
    ),
}


def _headline_title(
    series: pd.DataFrame, value_col: str, label: str, data_end: dt.date | None
) -> str:
    """Title for a dated series (``value_col``: ``dead_and_missing`` or ``detections``): the
    latest complete year against earlier years."""
    df = series[series["period"].notna()]  # dropna(subset=...) costs four times as much
    years = pd.to_datetime(df["period"]).dt.year
    yearly = df.groupby(years)[value_col].sum()
    year = last_complete_year(df["period"], data_end)
    in_year, over_span = _HEADLINES[value_col]
    if year is not None and year in yearly.index and len(yearly) > 1:
        text = _(in_year).format(
            n=_fmt(yearly[year]), year=year, finding=year_finding(yearly, year)
        )
        return _prefixed(label, text)
    start, end = _to_date(df["period"].min()), _to_date(df["period"].max())
    text = _(over_span).format(
        n=_fmt(df[value_col].sum()), start=_short_month_year(start), end=_short_month_year(end)
    )
    return _prefixed(label, text)


def _hover_month() -> str:
    """The month of a bar in a hover: plotly's own date format, whose month names are
    English; in another language the month is written as a number (``04/2026``)."""
    return "%{x|%B %Y}" if get_lang() == "en" else "%{x|%m/%Y}"


def _dm_hover(field: str = "y") -> str:
    """``"%{y:,} dead and missing"`` in the reader's language (``field``: the plotly value)."""
    return _("{value} dead and missing").format(value="%{" + field + ":,}")


# --------------------------------------------------------------------------- frames


def compute_contributions(
    scores: pd.DataFrame, weights: Sequence[tuple[str, float]]
) -> pd.DataFrame:
    """Split each composite score into the weighted contribution of each component.

    Contributions are proportional to ``weight * c_<component>`` and scaled so they add up to
    the row's ``score`` exactly (the bar length is the score the table shows).

    Returns
    -------
    DataFrame
        ``iso3``, ``name``, ``score`` and one column per component (score points, 0-100 in
        total).
    """
    comps = [c for c, w in weights if f"c_{c}" in scores.columns and w > 0]
    out = scores[["iso3", "name", "score"]].copy()
    # On arrays: a few thousand rows at most, and pandas costs a millisecond per column here
    # on every rerun of the Risk page. The same operations in the same order as the frame
    # version (a row sum over a (components x rows) block), so the same floats.
    w = dict(weights)
    raw = np.zeros((len(comps), len(scores)), dtype="float64")
    for i, c in enumerate(comps):
        col = scores[f"c_{c}"].to_numpy(dtype="float64", na_value=np.nan)
        raw[i] = np.where(np.isnan(col), 0.0, col) * float(w[c])
    total = raw.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = raw / np.where(total > 0, total, np.nan)
    share[np.isnan(share)] = 0.0
    score = out["score"].to_numpy(dtype="float64", na_value=np.nan)
    for i, c in enumerate(comps):
        out[c] = share[i] * score
    return out


# --------------------------------------------------------------------------- figures


def make_monthly_figure(
    monthly: pd.DataFrame,
    label: str = "",
    colour: str | None = None,
    data_end: dt.date | None = None,
) -> go.Figure:
    """Dead and missing per month (bars).

    Parameters
    ----------
    monthly : DataFrame
        ``period`` (first day of month), ``dead_and_missing`` (persons), optional ``incidents``.
    label : str
        Scope named in the title ("Central Mediterranean", "All routes").
    colour : str, optional
        Bar colour (a route's colour); the dead-and-missing colour by default.
    data_end : date, optional
        Where the data or the date filter ends (decides whether the last year is complete).
    """
    chart = "monthly-dead-and-missing"
    subtitle = _("Dead and missing per month, persons (IOM minimum estimates)")
    if monthly.empty or monthly["dead_and_missing"].sum() == 0:
        return _empty(
            chart,
            _("{label}: no dead or missing recorded").format(label=_scope(label)),
            subtitle,
        )
    df = monthly.sort_values("period").reset_index(drop=True)
    title = _headline_title(df, "dead_and_missing", label, data_end)
    peak = df.loc[df["dead_and_missing"].idxmax()]
    bar = {
        "type": "bar",
        "x": pd.to_datetime(df["period"]),
        "y": df["dead_and_missing"],
        "name": _("Dead and missing"),
        "marker": {"color": colour or MEASURE_COLOURS["dead_and_missing"]},
        "hovertemplate": _hover_month() + "<br>" + _dm_hover() + "<extra></extra>",
    }
    layout: Layout = {"yaxis": {"title": {"text": _("Persons")}, "rangemode": "tozero"}}
    alt = _(
        "Bar chart of dead and missing per month from {start} to {end}; total {total}; "
        "deadliest month {peak} with {peak_n}. {title}."
    ).format(
        start=_month_label(_to_date(df["period"].min())),
        end=_month_label(_to_date(df["period"].max())),
        total=_fmt(df["dead_and_missing"].sum()),
        peak=_month_label(_to_date(peak["period"])),
        peak_n=_fmt(peak["dead_and_missing"]),
        title=title,
    )
    return _figure([bar], layout, chart=chart, title=title, subtitle=subtitle, alt=alt)


def _capital(text: str) -> str:
    """``text`` with its first letter in capitals (the rest as it is)."""
    return text[:1].upper() + text[1:]


#: Per measure of :func:`make_route_bars_figure`: the unit, the subtitle, the title when one
#: route leads others, the title for a single route, the empty chart's title, the alt text's
#: opening sentence.
_ROUTE_BARS: Mapping[str, tuple[str, str, str, str, str, str]] = {
    "dead_and_missing": (
        N_("dead and missing"),
        N_(
            "Dead and missing by route, persons (IOM minimum estimates; an incident on two "
            "routes counts on both)"
        ),
        N_("{route}: the most dead and missing of any route ({value})"),
        N_("{route}: {value} dead and missing"),
        N_("No dead and missing recorded on any route for these filters"),
        N_("Horizontal bar chart of dead and missing by route."),
    ),
    "incidents": (
        N_("incidents"),
        N_("Incidents by route (IOM records)"),
        N_("{route}: the most incidents of any route ({value})"),
        N_("{route}: {value} incidents"),
        N_("No incidents recorded on any route for these filters"),
        N_("Horizontal bar chart of incidents by route."),
    ),
    "detections": (
        N_("detections"),
        N_("Detections by route, events (Frontex; not persons)"),
        N_("{route}: the most detections of any route ({value})"),
        N_("{route}: {value} detections"),
        N_("No detections recorded on any route for these filters"),
        N_("Horizontal bar chart of detections by route."),
    ),
    "deaths_per_1000_detections": (
        N_("dead and missing per 1,000 detections"),
        N_("Dead and missing (IOM) per 1,000 detections (Frontex): a rough lethality indicator"),
        N_("{route}: the most dead and missing per 1,000 detections of any route ({value})"),
        N_("{route}: {value} dead and missing per 1,000 detections"),
        N_("No dead and missing per 1,000 detections recorded on any route for these filters"),
        N_("Horizontal bar chart of dead and missing per 1,000 detections by route."),
    ),
}


def make_route_bars_figure(
    metrics: pd.DataFrame, measure: str = "dead_and_missing", top: int = 12
) -> go.Figure:
    """Routes ranked by one measure (horizontal bars in each route's colour).

    Parameters
    ----------
    metrics : DataFrame
        From :func:`services.report.route_metrics_from_risk`.
    measure : {"dead_and_missing", "incidents", "detections", "deaths_per_1000_detections"}
    top : int
        How many routes to show.
    """
    if measure not in _ROUTE_BARS:
        raise ValueError(f"unknown measure {measure!r}")
    unit, subtitle, most, one, none, alt_head = (_(t) for t in _ROUTE_BARS[measure])
    chart = f"routes-by-{measure.replace('_', '-')}"
    df = metrics[["route_id", "name", "colour", measure]].copy()
    df[measure] = pd.to_numeric(df[measure], errors="coerce").astype("float64")
    df = df[(df[measure] > 0) & (df["route_id"] != "unclassified")]
    if df.empty:
        return _empty(chart, none, subtitle)
    df = df.sort_values(measure, ascending=False).head(top)
    df["name"] = [_route_name(str(n)) for n in df["name"]]
    lead = df.iloc[0]
    fmt = (lambda v: fmt_number(v, 1)) if measure == "deaths_per_1000_detections" else _fmt_big
    if len(df) > 1:
        ratio = lead[measure] / df.iloc[1][measure]
        extra = (
            _(", {ratio} times the next route").format(ratio=fmt_number(ratio, 1))
            if ratio >= 1.5
            else ""
        )
        title = most.format(route=lead["name"], value=fmt(lead[measure])) + extra
    else:
        title = one.format(route=lead["name"], value=fmt(lead[measure]))
    df = df.iloc[::-1]
    hover_fmt = ":,.1f" if measure == "deaths_per_1000_detections" else ":,"
    bar = {
        "type": "bar",
        "x": df[measure],
        "y": [_label(n) for n in df["name"]],
        "orientation": "h",
        "marker": {"color": df["colour"].tolist()},
        "name": _capital(unit),
        "customdata": df["route_id"],
        "hovertemplate": f"%{{y}}<br>%{{x{hover_fmt}}} {unit}<extra></extra>",
        "text": [fmt(v) for v in df[measure]],
        "textposition": "outside",
        "cliponaxis": False,
    }
    layout: Layout = {
        "xaxis": {
            "title": {"text": _capital(unit)},
            "range": [0, float(df[measure].max()) * 1.22],
        },
        "yaxis": {"showgrid": False},
    }
    alt = (
        alt_head
        + " "
        + join_list(
            _("{name}: {value}").format(name=n, value=fmt(v))
            for n, v in zip(df["name"][::-1], df[measure][::-1], strict=True)
        )
    )
    max_lines = max(_label(n).count("<br>") + 1 for n in df["name"])
    return _figure(
        [bar],
        layout,
        chart=chart,
        title=title,
        subtitle=subtitle,
        alt=alt,
        height=max(380, 90 + len(df) * (17 * max_lines + 16)),
    )


def make_causes_figure(by_cause: pd.DataFrame, label: str = "") -> go.Figure:
    """Dead and missing by recorded cause of death (horizontal bars, one colour per cause).

    Parameters
    ----------
    by_cause : DataFrame
        ``key`` (IOM cause), ``dead_and_missing``, ``incidents``.
    """
    chart = "causes-of-death"
    subtitle = _(
        "Dead and missing by recorded cause, persons (an incident with two causes counts under "
        "both)"
    )
    df = by_cause[by_cause["dead_and_missing"] > 0].sort_values("dead_and_missing", ascending=False)
    if df.empty:
        return _empty(
            chart, _("{label}: no cause of death recorded").format(label=_scope(label)), subtitle
        )
    lead = df.iloc[0]
    known = df[df["key"] != "Mixed or unknown"]
    if not known.empty:
        k = known.iloc[0]
        text = _("{cause} is the leading recorded cause ({n} dead and missing)").format(
            cause=cause_label(k["key"]), n=_fmt(k["dead_and_missing"])
        )
    else:
        text = _("cause unknown for {n} dead and missing").format(n=_fmt(lead["dead_and_missing"]))
    title = _prefixed(label, text)
    df = df.iloc[::-1]
    labels = [_label(cause_label(c)) for c in df["key"]]
    bar = {
        "type": "bar",
        "x": df["dead_and_missing"],
        "y": labels,
        "orientation": "h",
        "marker": {"color": [cause_colour(c) for c in df["key"]]},
        "name": _("Dead and missing"),
        "customdata": [cause_name(c) for c in df["key"]],
        "hovertemplate": "%{customdata}<br>" + _dm_hover("x") + "<extra></extra>",
        "text": [_fmt(v) for v in df["dead_and_missing"]],
        "textposition": "outside",
        "cliponaxis": False,
    }
    layout: Layout = {
        "xaxis": {
            "title": {"text": _("Persons")},
            "range": [0, float(df["dead_and_missing"].max()) * 1.22],
        },
        "yaxis": {"showgrid": False},
    }
    alt = (
        _("Horizontal bar chart of dead and missing by cause.")
        + " "
        + join_list(
            _("{name}: {value}").format(name=cause_name(c), value=_fmt(v))
            for c, v in zip(df["key"][::-1], df["dead_and_missing"][::-1], strict=True)
        )
    )
    return _figure(
        [bar],
        layout,
        chart=chart,
        title=title,
        subtitle=subtitle,
        alt=alt,
        height=max(340, 80 + 48 * len(df)),
    )


def make_seasonality_figure(
    monthly: pd.DataFrame,
    label: str = "",
    span: tuple[dt.date, dt.date] | None = None,
) -> go.Figure:
    """Heatmap of dead and missing by calendar month (x) and year (y).

    Parameters
    ----------
    monthly : DataFrame
        ``period`` (first day of month), ``dead_and_missing``.
    span : (date, date), optional
        The days the data cover under the filters (default: the first to the last month in
        ``monthly``). A month inside it with no incident is 0; a month outside it is blank
        ("no data"), never 0.
    """
    chart = "seasonality-month-by-year"
    subtitle = _("Dead and missing by month and year, persons (IOM minimum estimates)")
    if monthly.empty or monthly["dead_and_missing"].sum() == 0:
        return _empty(
            chart, _("{label}: no seasonal pattern to show").format(label=_scope(label)), subtitle
        )
    p = pd.to_datetime(monthly["period"])
    df = pd.DataFrame({"year": p.dt.year, "month": p.dt.month, "v": monthly["dead_and_missing"]})
    lo, hi = span if span is not None else (p.min().date(), p.max().date())
    first, last = (lo.year, lo.month), (hi.year, hi.month)
    grid = df.pivot_table(index="year", columns="month", values="v", aggfunc="sum", fill_value=0)
    grid = grid.reindex(columns=range(1, 13), fill_value=0)
    grid = grid.reindex(range(lo.year, hi.year + 1), fill_value=0).astype("float64")
    for y in grid.index:
        for mo in grid.columns:
            if (y, mo) < first or (y, mo) > last:
                grid.loc[y, mo] = np.nan
    months_covered = int(grid.notna().to_numpy().sum())
    by_month = grid.sum(axis=0)
    share = by_month / by_month.sum()
    m = int(share.idxmax())
    if months_covered >= 24:
        across = (_("{n} years") if len(grid) > 1 else _("{n} year")).format(n=len(grid))
    else:
        across = (_("{n} months") if months_covered > 1 else _("{n} month")).format(
            n=months_covered
        )
    title = _prefixed(
        label,
        _("{month} is the deadliest month ({share} of dead and missing across {span})").format(
            month=month_name(m), share=fmt_percent(share[m] * 100), span=across
        ),
    )
    heatmap = {
        "type": "heatmap",
        "z": grid.values,
        "x": [_short_month(i) for i in range(1, 13)],
        "y": [str(y) for y in grid.index],
        "colorscale": [
            [0, "#FFFFFF"],
            [0.0001, "#FEE6CE"],
            [0.25, "#FDAE6B"],
            [0.5, "#F16913"],
            [0.75, "#D94801"],
            [1, "#7F2704"],
        ],
        "colorbar": {"title": {"text": _("Persons")}},
        "hovertemplate": "%{x} %{y}<br>" + _dm_hover("z") + "<extra></extra>",
        "hoverongaps": False,
        "xgap": 2,
        "ygap": 2,
    }
    layout: Layout = {
        "yaxis": {"autorange": "reversed", "showgrid": False, "type": "category"},
        "xaxis": {"showgrid": False, "side": "top"},
    }
    alt = _(
        "Heatmap of dead and missing by calendar month and year, {start} to {end}. Share by "
        "month: {shares}. Months outside the data ({n}) are blank: no data."
    ).format(
        start=grid.index.min(),
        end=grid.index.max(),
        shares=", ".join(f"{_short_month(i)} {fmt_percent(share[i] * 100)}" for i in range(1, 13)),
        n=len(grid) * 12 - months_covered,
    )
    return _figure(
        [heatmap],
        layout,
        chart=chart,
        title=title,
        subtitle=subtitle,
        alt=alt,
        height=max(360, 150 + 30 * len(grid)),
    )


def _hbar_panel(
    frame: pd.DataFrame,
    measure: str,
    name: str,
    unit: str,
    names: Mapping[str, str] | None,
    xaxis: str,
    yaxis: str,
) -> dict[str, Any]:
    """One horizontal bar trace of a two-panel chart: countries on y, one measure on x."""
    return {
        "type": "bar",
        "x": frame[measure],
        "y": [country_label(k, names) for k in frame["key"]],
        "orientation": "h",
        "name": name,
        "marker": {"color": MEASURE_COLOURS[measure]},
        "hovertemplate": "%{y}<br>%{x:,} " + unit + "<extra></extra>",
        "xaxis": xaxis,
        "yaxis": yaxis,
    }


def make_nationalities_figure(
    detected: pd.DataFrame,
    victims: pd.DataFrame,
    names: Mapping[str, str] | None = None,
    top: int = 10,
    label: str = "",
) -> go.Figure:
    """Nationalities of people detected (Frontex) beside origins of the dead and missing (IOM).

    Two panels with their own axes: the measures differ (events vs persons) and are never
    summed.

    Parameters
    ----------
    detected : DataFrame
        ``key`` (nationality ISO-3, ``OOO``/``UNK`` for not specified), ``detections``.
    victims : DataFrame
        ``key`` (origin ISO-3, ``UNK`` unknown), ``dead_and_missing``.
    names : mapping, optional
        ISO-3 -> country name.
    """
    chart = "nationalities-detected-vs-victims"
    subtitle = _(
        "Left: detections by nationality, events (Frontex). Right: dead and missing by origin, "
        "persons (IOM). Not comparable, never added."
    )
    det = detected[detected["detections"] > 0].sort_values("detections", ascending=False).head(top)
    vic = (
        victims[victims["dead_and_missing"] > 0]
        .sort_values("dead_and_missing", ascending=False)
        .head(top)
    )
    if det.empty and vic.empty:
        return _empty(
            chart, _("{label}: no nationality data").format(label=_scope(label)), subtitle
        )
    parts = []
    det_known = det[~det["key"].isin(list(UNKNOWN_CODES))]
    vic_known = vic[~vic["key"].isin(list(UNKNOWN_CODES))]
    if not det_known.empty:
        parts.append(
            _("most detected: {country}").format(
                country=country_label(det_known.iloc[0]["key"], names)
            )
        )
    if not vic_known.empty:
        parts.append(
            _("most dead and missing of known origin: {country}").format(
                country=country_label(vic_known.iloc[0]["key"], names)
            )
        )
    text = join_list(parts) if parts else _("origins mostly unknown")
    title = _prefixed(label, text)
    title = title[0].upper() + title[1:]
    d = det.iloc[::-1]
    v = vic.iloc[::-1]
    # Two panels side by side with their own axes, laid out as make_subplots(rows=1, cols=2,
    # horizontal_spacing=0.22, subplot_titles=...) would, without its cost (about 0.2 s).
    bars = [
        _hbar_panel(d, "detections", _("Detections (events)"), _("detections"), names, "x", "y"),
        _hbar_panel(
            v,
            "dead_and_missing",
            _("Dead and missing (persons)"),
            _("dead and missing"),
            names,
            "x2",
            "y2",
        ),
    ]
    x_axis = {"rangemode": "tozero", "tickformat": "~s"}
    layout: Layout = {
        "xaxis": {"anchor": "y", "domain": [0.0, 0.39], **x_axis},
        "yaxis": {"anchor": "x", "domain": [0.0, 1.0], "showgrid": False},
        "xaxis2": {"anchor": "y2", "domain": [0.61, 1.0], **x_axis},
        "yaxis2": {"anchor": "x2", "domain": [0.0, 1.0], "showgrid": False},
        "annotations": [
            _panel_title(_("Detected (Frontex, events)"), 0.195),
            _panel_title(_("Dead and missing (IOM, persons)"), 0.805),
        ],
        "showlegend": False,
    }
    alt = _(
        "Two bar charts side by side. Detections by nationality: {detected}. Dead and missing "
        "by origin: {victims}."
    ).format(
        detected=join_list(
            f"{country_label(k, names)} {_fmt(x)}"
            for k, x in zip(det["key"], det["detections"], strict=True)
        ),
        victims=join_list(
            f"{country_label(k, names)} {_fmt(x)}"
            for k, x in zip(vic["key"], vic["dead_and_missing"], strict=True)
        ),
    )
    height = max(420, 120 + 34 * max(len(det), len(vic)))
    return _figure(
        bars, layout, chart=chart, title=title, subtitle=subtitle, alt=alt, height=height
    )


def make_lethality_figure(
    lethality: pd.DataFrame, label: str = "", colour: str | None = None
) -> go.Figure:
    """Dead and missing per 1,000 detections, by year (line).

    Parameters
    ----------
    lethality : DataFrame
        From :func:`analytics.measures.compute_lethality_by_year`.
    """
    chart = "lethality-per-1000-detections"
    subtitle = _(
        "Dead and missing (IOM) per 1,000 detections (Frontex), by year, over the months both "
        "cover: a rough indicator"
    )
    df = lethality.dropna(subset=["deaths_per_1000_detections"]).sort_values("year")
    if df.empty:
        return _empty(
            chart, _("{label}: no detections to compare with").format(label=_scope(label)), subtitle
        )
    months = df["months"] if "months" in df.columns else pd.Series(12, index=df.index)
    full = df[months >= 12]
    last = (full if len(full) else df).iloc[-1]
    year = int(last["year"])
    series = (full if len(full) else df).set_index("year")["deaths_per_1000_detections"]
    phrase = year_finding(series, year, rate=True) if len(series) > 1 else ""
    text = _("{value} dead and missing per 1,000 detections in {year}").format(
        value=fmt_number(last["deaths_per_1000_detections"], 1), year=year
    )
    title = _prefixed(label, text + (f", {phrase}" if phrase else ""))
    partial = months < 12
    line = {
        "type": "scatter",
        "x": df["year"],
        "y": df["deaths_per_1000_detections"],
        "mode": "lines+markers",
        "name": _("Per 1,000 detections"),
        "line": {
            "color": colour or MEASURE_COLOURS["deaths_per_1000_detections"],
            "width": 4,
        },
        "marker": {
            "size": 11,
            "symbol": ["circle-open" if p else "circle" for p in partial],
            "line": {"width": 2},
        },
        "customdata": np.column_stack([df["dead_and_missing"], df["detections"], months]),
        "hovertemplate": "%{x}<br>"
        + _(
            "%{y:.1f} per 1,000 detections<br>%{customdata[0]:,} dead and missing / "
            "%{customdata[1]:,} detections<br>%{customdata[2]} months with both sources"
        )
        + "<extra></extra>",
    }
    if partial.any():
        subtitle += _("; open circles: years only partly covered")
    layout: Layout = {
        "xaxis": {"dtick": 1},
        "yaxis": {"title": {"text": _("Per 1,000 detections")}, "rangemode": "tozero"},
    }
    alt = _("Line chart of dead and missing per 1,000 detections by year: {values}").format(
        values=join_list(
            f"{int(y)} {fmt_number(v, 1)}"
            for y, v in zip(df["year"], df["deaths_per_1000_detections"], strict=True)
        )
    )
    return _figure([line], layout, chart=chart, title=title, subtitle=subtitle, alt=alt, height=400)


def make_series_figure(
    incidents: pd.DataFrame,
    detections: pd.DataFrame,
    label: str = "",
    colour: str | None = None,
    period: str = "month",
    data_end: dt.date | None = None,
) -> go.Figure:
    """Dead and missing (top panel) over detections (bottom panel), sharing the time axis.

    Parameters
    ----------
    incidents : DataFrame
        ``period``, ``dead_and_missing``.
    detections : DataFrame
        ``period``, ``detections`` (may be empty: the route has no Frontex counts).
    period : {"month", "year"}
    """
    chart = f"{period}ly-series"
    subtitle = (
        _(
            "Top: dead and missing per month, persons (IOM). Bottom: detections per month, events (Frontex)."
        )
        if period == "month"
        else _(
            "Top: dead and missing per year, persons (IOM). Bottom: detections per year, events (Frontex)."
        )
    )
    if incidents.empty and detections.empty:
        return _empty(chart, _("{label}: no records").format(label=_scope(label)), subtitle)
    has_det = not detections.empty and detections["detections"].sum() > 0
    # Panels stacked on a shared time axis, laid out as make_subplots(rows=2, cols=1,
    # shared_xaxes=True, vertical_spacing=0.08) would (one panel without detections).
    if has_det:
        layout: Layout = {
            "xaxis": {
                "anchor": "y",
                "domain": [0.0, 1.0],
                "matches": "x2",
                "showticklabels": False,
            },
            "yaxis": {
                "anchor": "x",
                "domain": [0.54, 1.0],
                "title": {"text": _("Dead and missing")},
            },
            "xaxis2": {"anchor": "y2", "domain": [0.0, 1.0]},
            "yaxis2": {
                "anchor": "x2",
                "domain": [0.0, 0.46],
                "title": {"text": _("Detections")},
                "tickformat": "~s",
            },
        }
    else:
        layout = {
            "xaxis": {"anchor": "y", "domain": [0.0, 1.0]},
            "yaxis": {
                "anchor": "x",
                "domain": [0.0, 1.0],
                "title": {"text": _("Dead and missing")},
            },
        }
    layout["legend"] = {"y": 1.02}
    x_fmt = _hover_month() if period == "month" else "%{x|%Y}"
    bars: list[dict[str, Any]] = []
    if not incidents.empty:
        bars.append(
            {
                "type": "bar",
                "x": pd.to_datetime(incidents["period"]),
                "y": incidents["dead_and_missing"],
                "name": _("Dead and missing (persons)"),
                "marker": {"color": colour or MEASURE_COLOURS["dead_and_missing"]},
                "hovertemplate": x_fmt + "<br>" + _dm_hover() + "<extra></extra>",
                "xaxis": "x",
                "yaxis": "y",
            }
        )
    if has_det:
        bars.append(
            {
                "type": "bar",
                "x": pd.to_datetime(detections["period"]),
                "y": detections["detections"],
                "name": _("Detections (events)"),
                "marker": {"color": MEASURE_COLOURS["detections"]},
                "hovertemplate": x_fmt
                + "<br>"
                + _("{value} detections").format(value="%{y:,}")
                + "<extra></extra>",
                "xaxis": "x2",
                "yaxis": "y2",
            }
        )
    if not incidents.empty and incidents["dead_and_missing"].sum() > 0:
        title = _headline_title(incidents, "dead_and_missing", label, data_end)
    elif has_det:
        title = _headline_title(detections, "detections", label, data_end)
    else:
        title = _("{label}: no dead or missing recorded").format(label=_scope(label))
    alt = (
        _("Two stacked bar charts over time. {title}.")
        if has_det
        else _("Bar chart over time. {title}.")
    ).format(title=title)
    if not has_det:
        subtitle = (
            _(
                "Dead and missing per month, persons (IOM). No Frontex detections for this selection."
            )
            if period == "month"
            else _(
                "Dead and missing per year, persons (IOM). No Frontex detections for this selection."
            )
        )
    height = 520 if has_det else 420
    return _figure(
        bars, layout, chart=chart, title=title, subtitle=subtitle, alt=alt, height=height
    )


def make_risk_figure(
    scores: pd.DataFrame,
    weights: Sequence[tuple[str, float]],
    kind: str = "origin",
    top: int = 15,
    component_labels: Mapping[str, str] | None = None,
) -> go.Figure:
    """Countries ranked by composite risk score, each bar split into weighted components.

    Parameters
    ----------
    scores : DataFrame
        ``iso3``, ``name``, ``score`` (0-100), ``rank``, ``c_<component>`` columns and
        optionally ``insufficient_data`` (bool: such rows are left out).
    weights : sequence of (component, weight)
    kind : {"origin", "transit"}
    """
    transit = kind == "transit"
    chart = f"{kind}-risk-ranking"
    subtitle = (
        _(
            "Composite transit risk score, 0-100; each bar split into the weighted contribution "
            "of its components"
        )
        if transit
        else _(
            "Composite origin risk score, 0-100; each bar split into the weighted contribution "
            "of its components"
        )
    )
    # Only the columns the chart uses, before any row is filtered or sorted: the table has
    # about sixty, and each filter copies every one of them.
    keep = [c for c in ("iso3", "name", "score", "insufficient_data") if c in scores.columns]
    keep += [f"c_{c}" for c, _w in weights if f"c_{c}" in scores.columns]
    df = scores[list(dict.fromkeys(keep))]
    if "insufficient_data" in df.columns:
        df = df[~df["insufficient_data"].fillna(False).astype(bool)]
    df = df.dropna(subset=["score"]).sort_values("score", ascending=False).head(top)
    if df.empty:
        return _empty(
            chart,
            _("No transit country has enough data to score")
            if transit
            else _("No origin country has enough data to score"),
            subtitle,
        )
    contrib = compute_contributions(df, weights)
    contrib["name"] = [
        country_name(str(i), str(n)) for i, n in zip(contrib["iso3"], contrib["name"], strict=True)
    ]
    comps = [c for c in contrib.columns if c not in ("iso3", "name", "score")]
    given = {k: _(v) for k, v in (component_labels or {}).items()}

    def label_of(comp: str) -> str:
        return given.get(comp) or _(comp.replace("_", " "))

    lead = contrib.iloc[0]
    top_comp = max(comps, key=lambda c: lead[c]) if comps else None
    title = (
        _("{country} ranks first for transit risk ({score}/100)")
        if transit
        else _("{country} ranks first for origin risk ({score}/100)")
    ).format(country=lead["name"], score=fmt_number(lead["score"]))
    if top_comp:
        driver = label_of(top_comp)
        title += _(", driven most by {component}").format(component=driver[:1].lower() + driver[1:])
    c = contrib.iloc[::-1]
    # Arrays and lists rather than Series: plotly converts each Series it is given (a
    # millisecond a chart), and the JSON it writes is the same.
    names = c["name"].tolist()
    traces: list[dict[str, Any]] = [
        {
            "type": "bar",
            "x": c[comp].to_numpy(),
            "y": names,
            "orientation": "h",
            "name": label_of(comp),
            "marker": {"color": COMPONENT_COLOURS[i % len(COMPONENT_COLOURS)]},
            "hovertemplate": "%{y}<br>"
            + _("{component}: {value} points").format(component=label_of(comp), value="%{x:.1f}")
            + "<extra></extra>",
        }
        for i, comp in enumerate(comps)
    ]
    traces.append(
        {
            "type": "scatter",
            "x": c["score"].to_numpy(),
            "y": names,
            "mode": "text",
            "text": [" " + fmt_number(s) for s in c["score"]],
            "textposition": "middle right",
            "showlegend": False,
            "hoverinfo": "skip",
            "cliponaxis": False,
        }
    )
    layout: Layout = {
        "barmode": "stack",
        "legend": {
            "orientation": "h",
            "yanchor": "top",
            "y": -0.2,
            "x": 0.0,
            "xanchor": "left",
            "traceorder": "normal",
        },
        "xaxis": {"title": {"text": _("Score points (0-100)")}, "range": [0, 108]},
        "yaxis": {"showgrid": False},
    }
    alt = (
        (
            _("Stacked horizontal bars of the {top} highest transit risk scores.")
            if transit
            else _("Stacked horizontal bars of the {top} highest origin risk scores.")
        ).format(top=top)
        + " "
        + join_list(
            f"{n} {fmt_number(s)}" for n, s in zip(contrib["name"], contrib["score"], strict=True)
        )
    )
    return _figure(
        traces,
        layout,
        chart=chart,
        title=title,
        subtitle=subtitle,
        alt=alt,
        height=max(480, 220 + 32 * len(df)),
    )


def make_quality_figure(by_quality: pd.DataFrame) -> go.Figure:
    """Incidents by IOM source quality (1 = single unverified source ... 5 = official/multiple).

    Parameters
    ----------
    by_quality : DataFrame
        ``source_quality`` (0 = not rated), ``incidents``.
    """
    chart = "incidents-by-source-quality"
    subtitle = _("Incidents by source quality (IOM scale 1-5; 0 = not rated)")
    df = by_quality.sort_values("source_quality")
    if df.empty or df["incidents"].sum() == 0:
        return _empty(chart, _("No incidents for these filters"), subtitle)
    total = df["incidents"].sum()
    high = df[df["source_quality"] >= 4]["incidents"].sum()
    title = _("{share} of incidents rest on sources rated 4 or 5").format(
        share=fmt_percent(high / total * 100)
    )
    colours = [
        sequential_colour((q - 0.5) / 5) if q else OTHER_COLOUR for q in df["source_quality"]
    ]
    bar = {
        "type": "bar",
        "x": [str(int(q)) for q in df["source_quality"]],
        "y": df["incidents"],
        "marker": {"color": colours},
        "name": _("Incidents"),
        "hovertemplate": _("Quality %{x}<br>%{y:,} incidents") + "<extra></extra>",
        "text": [_fmt(v) for v in df["incidents"]],
        "textposition": "outside",
        "cliponaxis": False,
    }
    layout: Layout = {
        "xaxis": {"title": {"text": _("Source quality")}, "type": "category"},
        "yaxis": {"title": {"text": _("Incidents")}, "rangemode": "tozero"},
    }
    alt = _("Bar chart of incidents by source quality: {values}").format(
        values=join_list(
            _("quality {q}: {n}").format(q=int(q), n=_fmt(n))
            for q, n in zip(df["source_quality"], df["incidents"], strict=True)
        )
    )
    return _figure([bar], layout, chart=chart, title=title, subtitle=subtitle, alt=alt, height=380)


# --------------------------------------------------------------------------- reconciliation

#: The panels of the reconciliation chart: column, panel title, colour, source kind.
#: (Panel titles in English; shown with ``_``.)
_RECON_COUNTS: tuple[tuple[str, str, str, str], ...] = (
    ("dead_and_missing", N_("Dead and missing, persons (IOM)"), "#D55E00", "mmp"),
    ("incidents", N_("Incidents (IOM)"), "#555555", "mmp"),
    ("detections", N_("Detections, events not persons (Frontex)"), "#0072B2", "frontex"),
    ("arrivals", N_("Sea arrivals, persons (UNHCR)"), "#009E73", "unhcr-arrivals"),
)
_RECON_RATIOS: tuple[tuple[str, str], ...] = (
    ("detections_per_arrival", N_("Frontex detections per UNHCR arrival")),
    ("deaths_per_1000_sea_arrivals", N_("Dead and missing per 1,000 arrivals")),
    ("deaths_per_1000_detections", N_("Dead and missing per 1,000 detections")),
)
_SILENT_FILL = "#BBBBBB"
_FLAG_COLOUR = "#B2182B"


def _runs(flags: Sequence[bool]) -> list[tuple[int, int]]:
    """Index ranges ``(start, end)`` (inclusive) of consecutive true values."""
    out: list[tuple[int, int]] = []
    start: int | None = None
    for i, on in enumerate([*flags, False]):
        if on and start is None:
            start = i
        elif not on and start is not None:
            out.append((start, i - 1))
            start = None
    return out


def make_reconcile_figure(
    months: pd.DataFrame,
    medians: Mapping[str, float | None] | None = None,
    label: str = "",
    ratios: Sequence[str] | None = None,
    panel_height: int = 150,
) -> go.Figure:
    """One route's sources side by side: one panel per measure on a shared month axis.

    Counts of different measures are never on one axis: dead and missing (persons), incidents,
    detections (events) and arrivals (persons) each have their panel, then one panel per ratio
    (``ratios``: ids, default all) with a defined month, its median dashed and divergent
    months marked.
    Months where a source is silent are shaded grey and carry no bar ("no data", not 0);
    partly covered months are drawn pale.

    Parameters
    ----------
    months : DataFrame
        :func:`analytics.reconcile.compute_reconciliation`'s monthly table.
    medians : mapping, optional
        Ratio id -> the route's median month.
    panel_height : int
        Pixels per panel (a slide wants them lower than a page).
    """
    chart = "reconcile-sources"
    subtitle = _(
        "Per month, one panel per measure on a shared month axis; grey: the source has no "
        "data there (not 0); pale bars: month partly covered"
    )
    if months.empty:
        return _empty(
            chart,
            _("{label}: no source covers this period").format(label=label or _("Route")),
            subtitle,
        )
    medians = medians or {}
    df = months.sort_values("month").reset_index(drop=True)
    x = pd.to_datetime(df["month"])
    panels: list[tuple[str, str, str]] = [(c, _(t), "count") for c, t, _c, _k in _RECON_COUNTS]
    panels += [
        (c, _(t), "ratio")
        for c, t in _RECON_RATIOS
        if (ratios is None or c in ratios) and df[c].notna().any()
    ]
    n = len(panels)
    # Room for each panel title (about 30 px) between panels, whatever their height.
    gap = max(0.045 if n > 4 else 0.06, 32 / (panel_height * n))
    h = (1.0 - gap * (n - 1)) / n
    layout: Layout = {"showlegend": False, "bargap": 0.15, "annotations": [], "shapes": []}
    data: list[dict[str, Any]] = []
    half = pd.Timedelta(days=15)
    colours = {c: col for c, _t, col, _k in _RECON_COUNTS}
    kinds = {c: k for c, _t, _c, k in _RECON_COUNTS}
    for i, (col, title, kind) in enumerate(panels, start=1):
        top = 1.0 - (i - 1) * (h + gap)
        ax, ay = ("x" if i == 1 else f"x{i}"), ("y" if i == 1 else f"y{i}")
        layout[f"xaxis{'' if i == 1 else i}"] = {
            "anchor": ay,
            "domain": [0.0, 1.0],
            **({"matches": "x"} if i > 1 else {}),
            "showticklabels": i == n,
            "type": "date",
        }
        layout[f"yaxis{'' if i == 1 else i}"] = {
            "anchor": ax,
            "domain": [max(top - h, 0.0), top],
            "rangemode": "tozero",
            "tickformat": "~s" if kind == "count" else None,
            "nticks": 4,
            # A panel whose source is silent throughout has no scale to read.
            "showticklabels": bool(df[col].notna().any()),
        }
        layout["annotations"].append(
            {
                "text": f"<b>{title}</b>",
                "showarrow": False,
                "x": 0.0,
                "xanchor": "left",
                "xref": "paper",
                "y": top,
                "yanchor": "bottom",
                "yref": "paper",
                "font": {"size": 13},
            }
        )
        if kind == "count":
            status = df[STATUS_COLUMNS[kinds[col]]]
            data.append(
                {
                    "type": "bar",
                    "x": x,
                    "y": df[col],
                    "name": title,
                    "marker": {
                        "color": colours[col],
                        "opacity": [0.4 if s == PARTIAL else 1.0 for s in status],
                    },
                    "customdata": [_(str(s)) for s in status],
                    "hovertemplate": _hover_month()
                    + "<br>%{y:,} "
                    + title.split(",")[0].split(" (")[0].lower()
                    + " (%{customdata})<extra></extra>",
                    "xaxis": ax,
                    "yaxis": ay,
                }
            )
            silent = [s == SILENT for s in status]
            for a, b in _runs(silent):
                layout["shapes"].append(
                    {
                        "type": "rect",
                        "xref": ax,
                        "yref": f"{ay} domain",
                        "x0": x.iloc[a] - half,
                        "x1": x.iloc[b] + half,
                        "y0": 0,
                        "y1": 1,
                        "fillcolor": _SILENT_FILL,
                        "opacity": 0.35,
                        "line": {"width": 0},
                        "layer": "below",
                    }
                )
                if b - a >= 5 or len(df) <= 12:
                    layout["annotations"].append(
                        {
                            "text": _(NO_DATA),
                            "showarrow": False,
                            "x": x.iloc[a] + (x.iloc[b] - x.iloc[a]) / 2,
                            "xref": ax,
                            "y": 0.5,
                            "yref": f"{ay} domain",
                            "font": {"size": 12, "color": "#444444"},
                        }
                    )
        else:
            flagged = df["diverges"].str.split("; ").map(lambda xs, c=col: c in xs)
            data.append(
                {
                    "type": "scatter",
                    "mode": "lines+markers",
                    "x": x,
                    "y": df[col],
                    "name": title,
                    "line": {"color": "#CC79A7", "width": 2},
                    "marker": {"size": 4},
                    "connectgaps": False,
                    "hovertemplate": _hover_month()
                    + "<br>%{y:,.2f} "
                    + title.lower()
                    + "<extra></extra>",
                    "xaxis": ax,
                    "yaxis": ay,
                }
            )
            if flagged.any():
                data.append(
                    {
                        "type": "scatter",
                        "mode": "markers",
                        "x": x[flagged],
                        "y": df.loc[flagged, col],
                        "name": _("Diverges from the median month"),
                        "marker": {"color": _FLAG_COLOUR, "size": 9, "symbol": "diamond"},
                        "hovertemplate": _hover_month()
                        + "<br>"
                        + _("%{y:,.2f}: far from the route's median")
                        + "<extra></extra>",
                        "xaxis": ax,
                        "yaxis": ay,
                    }
                )
            med = medians.get(col)
            if med is not None:
                layout["shapes"].append(
                    {
                        "type": "line",
                        "xref": f"{ax} domain",
                        "yref": ay,
                        "x0": 0,
                        "x1": 1,
                        "y0": med,
                        "y1": med,
                        "line": {"color": "#333333", "width": 1, "dash": "dash"},
                    }
                )
    n_div = int((df["diverges"] != "").sum()) if "diverges" in df else 0
    ratio = df["detections_per_arrival"].dropna() if "detections_per_arrival" in df else None
    med = medians.get("detections_per_arrival")
    if ratio is not None and len(ratio) and med is not None:
        k = int(df["diverges"].str.contains("detections_per_arrival").sum())
        text = _(
            "{ratio} Frontex detections per UNHCR arrival in the median month; "
            "{k} of {n} months diverge"
        ).format(ratio=fmt_number(med, 2), k=k, n=len(ratio))
    elif n_div:
        text = _("{k} of {n} months where the sources diverge").format(k=n_div, n=len(df))
    else:
        text = _("IOM, Frontex and UNHCR side by side, {n} months").format(n=len(df))
    title = _prefixed(label, text)
    silent_cols = [c for c, _t, _c, k in _RECON_COUNTS if df[STATUS_COLUMNS[k]].eq(SILENT).all()]
    if get_lang() != "en":  # the panels' names; English keeps the column ids it always showed
        names = {c: _(t) for c, t, _c, _k in _RECON_COUNTS}
        silent_cols = [names[c] for c in silent_cols]
    alt = _("{n} stacked panels sharing a month axis from {start} to {end}: {panels}").format(
        n=n,
        start=_month_label(_to_date(df["month"].min())),
        end=_month_label(_to_date(df["month"].max())),
        panels=join_list(t for _c, t, _k in panels),
    )
    if silent_cols:
        alt += _(". No data at all for: {sources}").format(sources=", ".join(silent_cols))
    alt += f". {title}."
    return _figure(
        data,
        layout,
        chart=chart,
        title=title,
        subtitle=subtitle,
        alt=alt,
        height=60 + panel_height * n,
    )


def make_coverage_figure(
    sources: pd.DataFrame,
    period: tuple[dt.date | None, dt.date | None] = (None, None),
    overlap: tuple[dt.date | None, dt.date | None] = (None, None),
    label: str = "",
) -> go.Figure:
    """The coverage strip: each source's window as a bar on one date axis.

    Parameters
    ----------
    sources : DataFrame
        ``source`` (name), ``first``, ``last`` (dates or ``None`` where the source is silent
        on the route), ``window`` (text).
    period : (date or None, date or None)
        The filter period, outlined.
    overlap : (date or None, date or None)
        The first and last month all sources cover (named in the title).
    """
    chart = "source-coverage"
    subtitle = _("The days each source covers for this route; the dashed box is the period shown")
    if sources.empty:
        return _empty(
            chart, _("{label}: no source loaded").format(label=label or _("Route")), subtitle
        )
    names = list(sources["source"])[::-1]
    rows = sources.iloc[::-1].reset_index(drop=True)
    data: list[dict[str, Any]] = []
    annotations: list[dict[str, Any]] = []
    palette = {
        "IOM Missing Migrants": "#D55E00",
        "Frontex": "#0072B2",
        "UNHCR sea arrivals": "#009E73",
    }
    # The same colours for the sources' names in the reader's language.
    palette.update({_(k): v for k, v in palette.items()})
    starts = [d for d in rows["first"] if d is not None and not pd.isna(d)]
    ends = [d for d in rows["last"] if d is not None and not pd.isna(d)]
    for r in rows.to_dict("records"):
        first, last = r["first"], r["last"]
        if first is None or last is None or pd.isna(first) or pd.isna(last):
            annotations.append(
                {
                    "text": str(r["window"]),
                    "showarrow": False,
                    "x": 0.01,
                    "xref": "paper",
                    "xanchor": "left",
                    "y": r["source"],
                    "yref": "y",
                    "font": {"size": 12, "color": "#444444"},
                }
            )
            continue
        span_ms = (pd.Timestamp(last) + pd.Timedelta(days=1) - pd.Timestamp(first)).total_seconds()
        data.append(
            {
                "type": "bar",
                "orientation": "h",
                "y": [r["source"]],
                "x": [span_ms * 1000],
                "base": [pd.Timestamp(first).isoformat()],
                "marker": {"color": palette.get(str(r["source"]), OTHER_COLOUR)},
                "name": str(r["source"]),
                "text": [str(r["window"])],
                "textposition": "inside",
                "insidetextanchor": "middle",
                "hovertemplate": f"{r['source']}: {r['window']}<extra></extra>",
            }
        )
    shapes: list[dict[str, Any]] = []
    lo = period[0] or (min(starts) if starts else None)
    hi = period[1] or (max(ends) if ends else None)
    if (period[0] or period[1]) and lo and hi:
        shapes.append(
            {
                "type": "rect",
                "xref": "x",
                "yref": "paper",
                "x0": pd.Timestamp(lo),
                "x1": pd.Timestamp(hi) + pd.Timedelta(days=1),
                "y0": 0,
                "y1": 1,
                "line": {"color": "#333333", "width": 1.5, "dash": "dash"},
            }
        )
    if overlap[0] and overlap[1]:
        o0, o1 = _to_date(overlap[0]), _to_date(overlap[1])
        text = _("all three sources cover {start} to {end}").format(
            start=_short_month_year(o0), end=_short_month_year(o1)
        )
    else:
        text = _("no month that all three sources cover")
    title = _prefixed(label, text)
    layout: Layout = {
        "barmode": "overlay",
        "showlegend": False,
        "xaxis": {"type": "date"},
        "yaxis": {"categoryorder": "array", "categoryarray": names, "automargin": True},
        "annotations": annotations,
        "shapes": shapes,
    }
    alt = _("Timeline of source coverage: {sources}").format(
        sources=join_list(
            _("{name}: {value}").format(name=s, value=w)
            for s, w in zip(sources["source"], sources["window"], strict=True)
        )
    )
    fig = _figure(
        data, layout, chart=chart, title=title, subtitle=subtitle, alt=alt + ".", height=330
    )
    # The house title sits at 97% of the height: too near the edge on a short figure.
    top = int(fig.layout.margin.t or 100) + 24
    height = int(fig.layout.height or 400) + 24
    fig.update_layout(title={"y": 1 - 30 / height}, margin={"t": top}, height=height)
    return fig


def caption(
    sources: Iterable[str],
    vintage: str | None = None,
    minimum_estimate: bool = True,
    detections: bool = False,
    filters: str | None = None,
    note: str | None = None,
) -> str:
    """One caption line: source, vintage, caveats and the filters in force.

    Parameters
    ----------
    sources : iterable of str
        Publisher names ("IOM Missing Migrants Project", "Frontex").
    vintage : str, optional
        The data vintage(s), as shown to users.
    minimum_estimate : bool
        Add the IOM minimum-estimate caveat.
    detections : bool
        Add the Frontex events-not-persons caveat.
    filters : str, optional
        :meth:`data.filters.Filters.describe` output.
    note : str, optional
        Any chart-specific note.

    Returns
    -------
    str
        Plain text (no markup).
    """
    names = ", ".join(sources)
    parts = [
        (
            _("Source: {sources} (vintage {vintage}).").format(sources=names, vintage=vintage)
            if vintage
            else _("Source: {sources}.").format(sources=names)
        )
    ]
    if minimum_estimate:
        parts.append(_(MIN_ESTIMATE_CAVEAT))
    if detections:
        parts.append(_(DETECTION_CAVEAT))
    if note:
        parts.append(note.rstrip(".") + ".")
    if filters:
        parts.append(_("Filters: {filters}.").format(filters=filters))
    return " ".join(parts)


def vintage_labels(sources: pd.DataFrame) -> dict[str, str]:
    """``source_id`` -> its vintage as captions show it (``"09 Apr 2026"``, ``"09 Apr 2026
    (partial)"`` for a vintage loaded from a cut file with ``--accept-partial``); sources
    without a vintage are left out. The one vintage-label builder (pages, map images, packs)."""
    partial = sources["partial"] if "partial" in sources else pd.Series(False, index=sources.index)
    out: dict[str, str] = {}
    for sid, vintage, cut in zip(sources["source_id"], sources["vintage"], partial, strict=True):
        d = as_date(vintage)
        if d is not None:
            day = f"{d.day:02d} {_short_month(d.month)} {d.year}"
            # A vintage loaded from a file that looked cut off says so wherever it is shown.
            if not pd.isna(cut) and bool(cut):
                day = _("{date} (partial)").format(date=day)
            out.setdefault(str(sid), day)
    return out


def source_caption(
    v: Vintages,
    f: Filters,
    labels: Mapping[str, str],
    incidents: bool = True,
    detections: bool = False,
    note: str | None = None,
    arrivals: Sequence[str] = (),
    names: Mapping[str, str] | None = None,
) -> str:
    """The caption under a chart or map: sources and vintages (``labels`` from
    :func:`vintage_labels`), caveats and filters (with ``names`` for route ids, ISO3 codes and
    source ids: see :meth:`~data.filters.Filters.describe`). The one caption builder.

    ``arrivals`` names the UNHCR sea-arrivals series shown (source ids), if any."""
    srcs: list[str] = []
    vints: list[str] = []
    for used, name, sid, short in (
        (incidents, _("IOM Missing Migrants Project"), v.incidents, _("IOM")),
        (detections, "Frontex", v.detections, "Frontex"),
        *((True, _("UNHCR sea arrivals"), a, _("UNHCR")) for a in arrivals),
    ):
        if not used:
            continue
        srcs.append(_("{source} (synthetic demo)").format(source=name) if v.is_demo else name)
        vl = labels.get(sid) if sid else None
        if vl:
            vints.append(f"{short} {vl}")
    return caption(
        srcs,
        vintage=", ".join(vints) or None,
        minimum_estimate=incidents,
        detections=detections,
        filters=f.describe({**labels, **(names or {})}),
        note=" ".join(x for x in (_(ARRIVAL_CAVEAT) if arrivals else "", note or "") if x) or None,
    )


def vintage_dates(sources: pd.DataFrame) -> dict[str, dt.date]:
    """``source_id`` -> the date of its vintage (sources without one are left out)."""
    out: dict[str, dt.date] = {}
    for sid, vintage in zip(sources["source_id"], sources["vintage"], strict=True):
        d = as_date(vintage)
        if d is not None:
            out[str(sid)] = d
    return out


def source_line(
    v: Vintages,
    dates: Mapping[str, dt.date],
    incidents: bool = True,
    detections: bool = False,
    arrivals: Sequence[str] = (),
) -> str:
    """The short source line under a chart or map: ``"Source: IOM Missing Migrants, April 2026;
    Frontex, April 2025"`` (each source with the month of its vintage, ``dates`` from
    :func:`vintage_dates`). The full provenance (caveats, filters, files) is
    :func:`source_caption`, one click away in the app and in full in every download."""
    parts: list[str] = []
    for used, name, sid in (
        (incidents, _("IOM Missing Migrants"), v.incidents),
        (detections, "Frontex", v.detections),
        *((True, _("UNHCR sea arrivals"), a) for a in arrivals),
    ):
        if not used:
            continue
        d = dates.get(sid) if sid else None
        parts.append(
            name if d is None else _("{source}, {month}").format(source=name, month=month_year(d))
        )
    if not parts:
        return ""
    line = join_list(parts)
    if v.is_demo:
        line = _("{sources} (synthetic demo)").format(sources=line)
    return _("Source: {sources}").format(sources=line)


def route_colour_map(route_ids: Iterable[str], colours: Mapping[str, str]) -> dict[str, str]:
    """Colour of each route id from ``colours`` (the route table's; grey for an unknown id)."""
    return {r: colours.get(r, OTHER_COLOUR) for r in route_ids}


def on_dark(fig: go.Figure, *, height: int) -> go.Figure:
    """A copy of ``fig`` for presenter mode: light text and grid on the dark slide, and a plot
    area ``height`` pixels high below its title (the title keeps the top margin it needs).
    Colours of the data are kept (they are chosen for contrast on both)."""
    out = go.Figure(fig)
    ink, grid = "#FFFFFF", "#4A4A4A"
    top = out.layout.margin.t if out.layout.margin.t is not None else 100
    out.update_layout(
        paper_bgcolor="#0B0B0B",
        plot_bgcolor="#0B0B0B",
        font_color=ink,
        title_font_color=ink,
        title_subtitle_font_color="#E6E6E6",
        legend_font_color=ink,
        margin_t=int(top + 16),  # room above the title's larger glyphs on the slide
        height=int(height + top + 16 + 60),
    )
    out.update_xaxes(color=ink, gridcolor=grid, linecolor=grid, zerolinecolor=grid)
    out.update_yaxes(color=ink, gridcolor=grid, linecolor=grid, zerolinecolor=grid)
    out.update_annotations(font_color=ink)
    return out
