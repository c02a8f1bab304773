"""UNHCR figures for pages, the pack and the CLI: refugee populations by origin and the
Central Mediterranean's dead and missing per 1,000 sea arrivals (beside per 1,000 detections).

A connection and :class:`~data.filters.Filters` in, plain values out; the formulas are
:func:`analytics.measures.compute_refugee_population`,
:func:`analytics.measures.compute_common_months` and
:func:`analytics.measures.compute_deaths_per_1000_arrivals` (catalogue ids
``refugee_population_origin`` and ``deaths_per_1000_sea_arrivals``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb

import i18n
from analytics.catalogue import MIN_ARRIVALS_FOR_RATE
from analytics.measures import (
    compute_common_months,
    compute_deaths_per_1000_arrivals,
    compute_refugee_population,
)
from analytics.reconcile import select_arrival_series
from data.filters import Filters, as_date
from data.queries import query_arrival_series, query_arrivals_monthly, resolve_vintages
from data.risk_queries import query_route_monthly, query_source_spans
from data.unhcr_queries import query_refugee_population_by_year, query_unhcr_source
from i18n import _
from services import report

Con = duckdb.DuckDBPyConnection


def refugee_population(con: Con, f: Filters, iso3: str) -> dict[str, Any]:
    """Refugees and asylum-seekers originating from ``iso3`` (UNHCR, persons).

    Returns
    -------
    dict
        :func:`analytics.measures.compute_refugee_population` (``year``, ``refugees``,
        ``asylum_seekers``, ``refugee_population_origin``, ``provisional``) for the latest year
        not newer than the period's end, plus ``source_id`` (``None`` and no values where no
        UNHCR population file is loaded or the country has no row).
    """
    v = resolve_vintages(con, f)
    sid = query_unhcr_source(con, "unhcr-population", v.is_demo)
    if sid is None:
        return {**compute_refugee_population(_empty_years()), "source_id": None}
    yearly = query_refugee_population_by_year(con, sid, iso3)
    last = yearly["last_year"].dropna()
    out = compute_refugee_population(
        yearly,
        end_year=f.date_to.year if f.date_to else None,
        provisional_year=int(last.iloc[0]) if len(last) else None,
    )
    return {**out, "source_id": sid if out["year"] is not None else None}


def _empty_years() -> Any:
    import pandas as pd

    return pd.DataFrame({"year": [], "refugees": [], "asylum_seekers": []})


def route_arrival_ratio(con: Con, f: Filters, route_id: str) -> dict[str, Any] | None:
    """Dead and missing per 1,000 sea arrivals (UNHCR) beside per 1,000 detections (Frontex)
    on a route with an arrivals series (``None`` for any other route).

    Each ratio has its own months: the arrivals ratio the whole months both the IOM vintage and
    the UNHCR series cover within the period, the detections ratio those of IOM and Frontex
    (:func:`services.report.route_risk`). The two are shown side by side, never added.

    Returns
    -------
    dict or None
        ``route_id``, ``arrival_country`` (ISO-3), ``deaths_per_1000_sea_arrivals``,
        ``dead_and_missing_in_arrival_months`` (persons), ``arrivals`` (persons),
        ``arrival_window`` ((date, date) or ``None``), ``arrival_source``;
        ``deaths_per_1000_detections``, ``detections`` (events), ``detection_window`` (text),
        ``detection_source``, ``incident_source``.
    """
    fr = f.replace(routes=(route_id,))
    v = resolve_vintages(con, fr)
    chosen = select_arrival_series(query_arrival_series(con), route_id, v.is_demo)
    if chosen.empty:
        return None
    first_series = chosen.iloc[0]
    country, sid = str(first_series["country_iso3"]), str(first_series["source_id"])
    window = None
    res = compute_deaths_per_1000_arrivals(
        _empty_monthly("dead_and_missing"), _empty_monthly("arrivals"), None
    )
    if v.incidents is not None:
        arrivals = query_arrivals_monthly(con, sid, country)
        a_first, a_last = first_series["first_date"], first_series["last_date"]
        spans = query_source_spans(con)
        row = spans[spans["source_id"] == v.incidents]
        i_first = as_date(row["first_date"].iloc[0]) if len(row) else None
        i_last = as_date(row["last_date"].iloc[0]) if len(row) else None
        window = compute_common_months(
            [
                # IOM covers from the month of its first incident (as for detections).
                (i_first.replace(day=1) if i_first else None, i_last),
                (as_date(a_first), as_date(a_last)),
            ],
            (f.date_from, f.date_to),
        )
        if window is not None:
            deaths = query_route_monthly(con, fr, route_id, v)
            res = compute_deaths_per_1000_arrivals(
                deaths, arrivals, window, min_arrivals=MIN_ARRIVALS_FOR_RATE
            )
    rr = report.route_risk(con, fr)
    det = rr[rr["route_id"] == route_id]
    d = det.iloc[0].to_dict() if len(det) else {}
    return {
        "route_id": route_id,
        "arrival_country": country,
        "deaths_per_1000_sea_arrivals": res["deaths_per_1000_sea_arrivals"],
        "dead_and_missing_in_arrival_months": res["dead_and_missing"],
        "arrivals": res["arrivals"],
        "arrival_window": window,
        "arrival_source": sid if window is not None else None,
        "deaths_per_1000_detections": _num(d.get("deaths_per_1000_detections")),
        "detections": _num(d.get("detections_in_incident_months", d.get("detections"))),
        "detection_window": d.get("lethality_period"),
        "detection_source": d.get("detection_source"),
        "incident_source": v.incidents,
    }


def _empty_monthly(col: str) -> Any:
    import pandas as pd

    return pd.DataFrame({"month": [], col: []})


def _num(x: object) -> float | None:
    try:
        val = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if val != val else val


def window_text(window: tuple[dt.date, dt.date] | None) -> str:
    """``"October 2015 to February 2026"``, or ``"no months both sources cover"``."""
    if window is None:
        return _("no months both sources cover")
    lo, hi = window
    if (lo.year, lo.month) == (hi.year, hi.month):
        return i18n.month_year(lo)
    return _("{first} to {last}").format(first=i18n.month_year(lo), last=i18n.month_year(hi))
