"""Key messages: the few most important facts for the current filters, one sentence each.

Pure functions over the outputs of the other measures; no I/O. Every sentence cites its source
and vintage, and no sentence adds deaths to detections (a ratio between them is stated as one).

Messages are chosen in a fixed order of importance (documented in ``docs/methodology.md``):
the total dead and missing, any alert, the deadliest route, the change against the previous
period, the most lethal route per 1,000 detections, the deadliest country of incident and the
origin with the most recorded victims. A message whose data is missing is skipped, and so is a
comparison with nothing to compare (fewer than two routes or countries with deaths, or a change
from fewer than 10 dead and missing).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

import i18n
from analytics.alerts import window_label
from analytics.catalogue import MIN_DETECTIONS_FOR_RATE, Figure, plain_number, plain_percent
from analytics.measures import compute_share
from i18n import _


def _is_month_start(d: dt.date) -> bool:
    return d.day == 1


def _is_month_end(d: dt.date) -> bool:
    return (d + dt.timedelta(days=1)).day == 1


def period_text(date_from: dt.date | None, date_to: dt.date | None) -> str:
    """A period as words for a sentence.

    Returns
    -------
    str
        ``in 2023`` (whole calendar years), ``in Oct-Dec 2023`` (whole months, en dash),
        ``from 3 Jan 2023 to 15 Mar 2023`` otherwise; ``over all recorded years`` when open.
    """
    if date_from is None or date_to is None:
        if date_from is None and date_to is None:
            return _("over all recorded years")
        if date_from is None:
            return _("up to {day}").format(day=_day(date_to))
        return _("since {day}").format(day=_day(date_from))
    if _is_month_start(date_from) and _is_month_end(date_to):
        if date_from.month == 1 and date_to.month == 12:
            if date_from.year == date_to.year:
                return _("in {year}").format(year=date_from.year)
            return _("in {first}\u2013{last}").format(first=date_from.year, last=date_to.year)
        return _("in {window}").format(window=window_label(date_from, date_to))
    return _("from {start} to {end}").format(start=_day(date_from), end=_day(date_to))


def _day(d: dt.date | None) -> str:
    if d is None:
        return _("the start")
    return f"{d.day} {i18n.month_name(d.month, short=True)} {d.year}"


def _cite(labels: Mapping[str, str], *ids: str | None) -> str:
    return i18n.join_list(labels.get(i, i) for i in ids if i)


def _numbers(frame: pd.DataFrame, col: str) -> np.ndarray:
    return frame[col].to_numpy(dtype=float, na_value=np.nan)


def _top(frame: pd.DataFrame, value: str, key: str, among: np.ndarray | None = None) -> int:
    """Position of the row with the largest ``value`` (ties: the smallest ``key``, then the
    first), among the rows where ``among`` is true (default all): the first row of
    ``frame.sort_values([value, key], ascending=[False, True])`` without sorting the table.
    At least one of those rows must have a ``value``."""
    v = _numbers(frame, value)
    rows = np.arange(len(v)) if among is None else np.flatnonzero(among)
    best = rows[v[rows] == np.nanmax(v[rows])]
    keys = frame[key].iloc[best].tolist()
    # As sort_values: a missing key after every other, then the first of equal keys.
    first = min(
        range(len(best)), key=lambda i: (pd.isna(keys[i]), "" if pd.isna(keys[i]) else keys[i])
    )
    return int(best[first])


def compute_key_messages(
    headline: Mapping[str, Any],
    figures: Sequence[Figure],
    routes: pd.DataFrame,
    origins: pd.DataFrame,
    transit: pd.DataFrame,
    alerts: pd.DataFrame,
    period: str,
    labels: Mapping[str, str],
    n: int = 5,
) -> pd.DataFrame:
    """Pick and word the ``n`` most important facts.

    Parameters
    ----------
    headline : mapping
        :func:`data.queries.query_headline` for the period: ``incidents``,
        ``dead_and_missing``, ``incident_source``, ``detection_source``.
    figures : sequence of Figure
        :func:`analytics.catalogue.compute_headline` for the same filters: the change against
        the previous period is worded only where its status is ``ok`` (the catalogue's rule).
    routes : DataFrame
        :func:`services.report.route_risk` output.
    origins, transit : DataFrame
        :func:`services.report.origin_risk` / :func:`services.report.transit_risk` output
        (``iso3``, ``name``, ``dead_and_missing``, ``split_incidents``).
    alerts : DataFrame
        :func:`services.report.alerts` output.
    period : str
        The period in words, from :func:`period_text` (e.g. ``in 2023``).
    labels : mapping
        ``source_id`` -> citation text (publisher and vintage).
    n : int
        How many messages to return.

    Returns
    -------
    DataFrame
        ``rank`` (1 = most important), ``sentence`` (one sentence citing source and vintage),
        ``source_ids`` (comma-separated ``source_id`` values behind the sentence), ``kind``
        (which rule produced it).
    """
    inc_src = headline.get("incident_source")
    det_src = headline.get("detection_source")
    iom = _cite(labels, inc_src)
    msgs: list[tuple[str, str, str]] = []
    total = int(headline.get("dead_and_missing", 0) or 0)
    n_inc = int(headline.get("incidents", 0) or 0)
    total_text = (
        _(
            "At least {total} people were recorded dead or missing in {n} incident {period} "
            "(minimum estimates; {source})."
        )
        if n_inc == 1 or (n_inc == 0 and i18n.get_lang() == "fr")
        else _(
            "At least {total} people were recorded dead or missing in {n} incidents {period} "
            "(minimum estimates; {source})."
        )
    )
    msgs.append(
        (
            "total",
            total_text.format(
                total=i18n.fmt_number(total), n=i18n.fmt_number(n_inc), period=period, source=iom
            ),
            str(inc_src or ""),
        )
    )
    if len(alerts):
        first = alerts["sentence"].iloc[0], alerts["source_id"].iloc[0]
        extra = _(" \u2014 one of {n} alerts").format(n=len(alerts)) if len(alerts) > 1 else ""
        msgs.append(("alert", str(first[0]).rstrip(".") + extra + ".", str(first[1])))
    # Each rule reads only the cells it words: no table is filtered, sorted or copied.
    named = (
        (routes["route_id"] != "unclassified").to_numpy(dtype=bool)
        if len(routes)
        else np.zeros(0, dtype=bool)
    )
    if (
        named.any()
        and int((named & (_numbers(routes, "dead_and_missing") > 0)).sum()) >= 2
        and total > 0
    ):
        i = _top(routes, "dead_and_missing", "route_id", named)
        r = {c: routes[c].iloc[i] for c in ("name", "dead_and_missing")}
        share = compute_share(r["dead_and_missing"], total)
        msgs.append(
            (
                "deadliest_route",
                _(
                    "The {name} was the deadliest route {period}, with {n} dead and missing "
                    "({share} of all recorded; {source})."
                ).format(
                    name=i18n.route_name(str(r["name"])),
                    period=period,
                    n=i18n.fmt_number(int(r["dead_and_missing"])),
                    share=plain_percent(share),
                    source=iom,
                ),
                str(inc_src or ""),
            )
        )
    dm = next((x for x in figures if x.measure.id == "dead_and_missing"), None)
    if dm is not None and dm.change.status == "ok" and dm.previous is not None:
        change = (dm.change.pct or 0.0) / 100.0
        text = (
            _(
                "That is {pct} more dead and missing than in the previous period "
                "({now} against {before}; {source})."
            )
            if change >= 0
            else _(
                "That is {pct} fewer dead and missing than in the previous period "
                "({now} against {before}; {source})."
            )
        )
        msgs.append(
            (
                "change",
                text.format(
                    pct=plain_percent(abs(change)),
                    now=i18n.fmt_number(total),
                    before=i18n.fmt_number(dm.previous),
                    source=iom,
                ),
                str(inc_src or ""),
            )
        )
    if len(routes) and "deaths_per_1000_detections" in routes:
        rate = _numbers(routes, "deaths_per_1000_detections")
        leth = ~np.isnan(rate) & (
            _numbers(routes, "detections_in_incident_months") >= MIN_DETECTIONS_FOR_RATE
        )
        if leth.any():
            i = _top(routes, "deaths_per_1000_detections", "route_id", leth)
            r = {
                c: routes[c].iloc[i]
                for c in (
                    "name",
                    "deaths_per_1000_detections",
                    "dead_and_missing_in_detection_months",
                    "detections_in_incident_months",
                )
            }
            msgs.append(
                (
                    "lethality",
                    _(
                        "The {name} route was the most lethal per crossing {period}: {rate} dead "
                        "and missing per 1,000 Frontex detections ({dead} dead and missing, "
                        "{detections} detections, which are events not persons, in the months "
                        "both sources cover; {sources})."
                    ).format(
                        name=i18n.route_name(str(r["name"])),
                        period=period,
                        rate=plain_number(r["deaths_per_1000_detections"], 1),
                        dead=i18n.fmt_number(int(r["dead_and_missing_in_detection_months"])),
                        detections=i18n.fmt_number(int(r["detections_in_incident_months"])),
                        sources=_cite(labels, inc_src, det_src),
                    ),
                    ", ".join(x for x in (inc_src, det_src) if x),
                )
            )
    if len(transit) and int((_numbers(transit, "dead_and_missing") > 0).sum()) >= 2:
        i = _top(transit, "dead_and_missing", "iso3")
        t = {c: transit[c].iloc[i] for c in ("iso3", "name", "dead_and_missing")}
        msgs.append(
            (
                "transit",
                _(
                    "More people were recorded dead or missing in {name} than in any other "
                    "country {period} ({n}; {source})."
                ).format(
                    name=i18n.country_name(str(t["iso3"]), str(t["name"])),
                    period=period,
                    n=i18n.fmt_number(int(round(t["dead_and_missing"]))),
                    source=iom,
                ),
                str(inc_src or ""),
            )
        )
    if len(origins) and int((_numbers(origins, "dead_and_missing") > 0).sum()) >= 2:
        i = _top(origins, "dead_and_missing", "iso3")
        o = {c: origins[c].iloc[i] for c in ("iso3", "name", "dead_and_missing")}
        split = int(
            (origins["split_incidents"].iloc[i] if "split_incidents" in origins else 0) or 0
        )
        note = (
            _(", counting an even share of {n} incidents with several origins").format(n=split)
            if split
            else ""
        )
        msgs.append(
            (
                "origin",
                _(
                    "Nationals of {name} were the largest recorded group of victims {period}: "
                    "{n} dead and missing{note} ({source})."
                ).format(
                    name=i18n.country_name(str(o["iso3"]), str(o["name"])),
                    period=period,
                    n=i18n.fmt_number(o["dead_and_missing"]),
                    note=note,
                    source=iom,
                ),
                str(inc_src or ""),
            )
        )
    kept = msgs[: max(int(n), 0)]
    dtype: Any = "str" if kept else object

    def column(j: int) -> pd.Series:
        return pd.Series([m[j] for m in kept], dtype=dtype)

    return pd.DataFrame(
        {
            "rank": np.arange(1, len(kept) + 1, dtype=np.int64),
            "sentence": column(1),
            "source_ids": column(2),
            "kind": column(0),
        }
    )
