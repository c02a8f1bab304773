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

import pandas as pd

from analytics.alerts import window_label
from analytics.catalogue import MIN_DETECTIONS_FOR_RATE, Figure
from analytics.measures import compute_share

_MONTHS = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip


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
            return "over all recorded years"
        if date_from is None:
            return f"up to {_day(date_to)}"
        return f"since {_day(date_from)}"
    if _is_month_start(date_from) and _is_month_end(date_to):
        if date_from.month == 1 and date_to.month == 12:
            if date_from.year == date_to.year:
                return f"in {date_from.year}"
            return f"in {date_from.year}\u2013{date_to.year}"
        return f"in {window_label(date_from, date_to)}"
    return f"from {_day(date_from)} to {_day(date_to)}"


def _day(d: dt.date | None) -> str:
    if d is None:
        return "the start"
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def _cite(labels: Mapping[str, str], *ids: str | None) -> str:
    return "; ".join(labels.get(i, i) for i in ids if i)


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
    incidents_word = "incident" if n_inc == 1 else "incidents"
    msgs.append(
        (
            "total",
            f"At least {total:,} people were recorded dead or missing in {n_inc:,} "
            f"{incidents_word} {period} (minimum estimates; {iom}).",
            str(inc_src or ""),
        )
    )
    if len(alerts):
        a = alerts.iloc[0]
        extra = f" \u2014 one of {len(alerts)} alerts" if len(alerts) > 1 else ""
        msgs.append(("alert", str(a["sentence"]).rstrip(".") + extra + ".", str(a["source_id"])))
    named = routes[routes["route_id"] != "unclassified"] if len(routes) else routes
    if len(named) and int((named["dead_and_missing"] > 0).sum()) >= 2 and total > 0:
        r = named.sort_values(["dead_and_missing", "route_id"], ascending=[False, True]).iloc[0]
        share = compute_share(r["dead_and_missing"], total)
        msgs.append(
            (
                "deadliest_route",
                f"The {r['name']} was the deadliest route {period}, with {int(r['dead_and_missing']):,} "
                f"dead and missing ({share:.0%} of all recorded; {iom}).",
                str(inc_src or ""),
            )
        )
    dm = next((x for x in figures if x.measure.id == "dead_and_missing"), None)
    if dm is not None and dm.change.status == "ok" and dm.previous is not None:
        change = (dm.change.pct or 0.0) / 100.0
        word = "more" if change >= 0 else "fewer"
        msgs.append(
            (
                "change",
                f"That is {abs(change):.0%} {word} dead and missing than in the previous "
                f"period ({total:,} against {dm.previous:,.0f}; {iom}).",
                str(inc_src or ""),
            )
        )
    if len(routes) and "deaths_per_1000_detections" in routes:
        leth = routes[routes["deaths_per_1000_detections"].notna()]
        leth = leth[leth["detections_in_incident_months"] >= MIN_DETECTIONS_FOR_RATE]
        if len(leth):
            r = leth.sort_values(
                ["deaths_per_1000_detections", "route_id"], ascending=[False, True]
            ).iloc[0]
            msgs.append(
                (
                    "lethality",
                    f"The {r['name']} route was the most lethal per crossing {period}: "
                    f"{r['deaths_per_1000_detections']:.1f} dead and missing per 1,000 Frontex "
                    f"detections ({int(r['dead_and_missing_in_detection_months']):,} dead and missing, "
                    f"{int(r['detections_in_incident_months']):,} detections, which are events not persons, "
                    f"in the months both sources cover; "
                    f"{_cite(labels, inc_src, det_src)}).",
                    ", ".join(x for x in (inc_src, det_src) if x),
                )
            )
    if len(transit) and int((transit["dead_and_missing"] > 0).sum()) >= 2:
        t = transit.sort_values(["dead_and_missing", "iso3"], ascending=[False, True]).iloc[0]
        msgs.append(
            (
                "transit",
                f"More people were recorded dead or missing in {t['name']} than in any other "
                f"country {period} ({int(round(t['dead_and_missing'])):,}; {iom}).",
                str(inc_src or ""),
            )
        )
    if len(origins) and int((origins["dead_and_missing"] > 0).sum()) >= 2:
        o = origins.sort_values(["dead_and_missing", "iso3"], ascending=[False, True]).iloc[0]
        split = int(o.get("split_incidents", 0) or 0)
        note = (
            f", counting an even share of {split} incidents with several origins" if split else ""
        )
        msgs.append(
            (
                "origin",
                f"Nationals of {o['name']} were the largest recorded group of victims {period}: "
                f"{o['dead_and_missing']:,.0f} dead and missing{note} ({iom}).",
                str(inc_src or ""),
            )
        )
    out = pd.DataFrame(msgs[: max(int(n), 0)], columns=["kind", "sentence", "source_ids"])
    out.insert(0, "rank", range(1, len(out) + 1))
    return out[["rank", "sentence", "source_ids", "kind"]]
