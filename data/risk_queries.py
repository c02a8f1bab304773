"""Aggregate queries behind the risk measures (route, origin and transit risk, alerts).

Every function takes a connection and a frozen :class:`~data.filters.Filters`, binds every value
as a parameter (the only text spliced into SQL comes from :func:`~data.queries.incident_where`,
:func:`~data.queries.detection_where` and the allow-lists below), runs on its own cursor and
returns a pandas DataFrame whose columns name their measure and unit. The heavy grouping happens
in DuckDB; the pure functions in :mod:`analytics` only combine a few hundred rows.

Filter scope (as in :mod:`data.queries`): period, route and origin restrict both incidents (IOM)
and detections (Frontex, by nationality); UN region, IOM region, cause and minimum source quality
restrict incidents only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import duckdb
import pandas as pd

from data.filters import Filters
from data.queries import Vintages, detection_where, incident_where, resolve_vintages

Con = duckdb.DuckDBPyConnection

# The IOM cause label for deaths from violence (exact text of the export).
VIOLENCE_CAUSE = "Violence"
UNKNOWN_ROUTE = "unclassified"

# Allowed monthly series levels: name -> SQL key expression over incidents i (fixed text only).
SERIES_LEVELS: Mapping[str, str] = MappingProxyType(
    {
        "route": "unnest(i.route_ids)",
        "country": "i.country_of_incident_iso3",
        "origin": "unnest(i.origin_iso3)",
    }
)


def _df(con: Con, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    # One cursor per query: a DuckDB connection is not thread-safe, its cursors are.
    cur = con.cursor()
    try:
        return cur.execute(sql, params or {}).df()
    finally:
        cur.close()


def _vintages(con: Con, f: Filters, v: Vintages | None) -> Vintages:
    return v if v is not None else resolve_vintages(con, f)


def _as_date(value: object) -> dt.date | None:
    # NaT subclasses datetime, so the missing check must come before any isinstance test.
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(str(value)).date()


def query_detection_coverage(
    con: Con, f: Filters, v: Vintages | None = None
) -> tuple[dt.date | None, dt.date | None]:
    """First and last month of the detection source, whatever the filters.

    Returns
    -------
    (date or None, date or None)
        First day of the first month and last day of the last month Frontex covers; ``None``
        when no detection source is loaded.
    """
    v = _vintages(con, f, v)
    row = _df(
        con,
        "SELECT min(month) AS lo, max(month) AS hi FROM detections WHERE source_id = $dsrc",
        {"dsrc": v.detections or ""},
    ).iloc[0]
    lo, hi = _as_date(row["lo"]), _as_date(row["hi"])
    if lo is None or hi is None:
        return None, None
    nxt = dt.date(hi.year + (hi.month == 12), hi.month % 12 + 1, 1)
    return lo, nxt - dt.timedelta(days=1)


def _coverage_params(coverage: tuple[dt.date | None, dt.date | None] | None) -> dict[str, Any]:
    lo, hi = coverage if coverage else (None, None)
    # With no detection source the window is empty, so the "within coverage" sums are 0.
    return {
        "cov_from": lo or dt.date(9999, 12, 31),
        "cov_to": hi or dt.date(1, 1, 1),
    }


def query_route_incident_totals(
    con: Con,
    f: Filters,
    coverage: tuple[dt.date | None, dt.date | None] | None = None,
    v: Vintages | None = None,
) -> pd.DataFrame:
    """Incidents and dead and missing per route (an incident counts on each of its routes).

    Parameters
    ----------
    coverage : (date, date), optional
        Months covered by the detection source (see :func:`query_detection_coverage`); the
        ``*_in_detection_months`` column sums only incidents dated inside it.

    Returns
    -------
    DataFrame
        ``route_id``, ``incidents`` (count), ``dead_and_missing`` (persons, IOM minimum
        estimates), ``multi_route_incidents`` (incidents that carry more than one route label,
        counted here on each), ``dead_and_missing_in_detection_months`` (persons),
        ``mean_source_quality`` (IOM 1-5 scale).
    """
    v = _vintages(con, f, v)
    w, p = incident_where(f, v)
    p = {**p, **_coverage_params(coverage)}
    df = _df(
        con,
        "SELECT route_id, count(*) AS incidents, "  # noqa: S608 - w is fixed text from incident_where
        "CAST(coalesce(sum(dead_and_missing), 0) AS BIGINT) AS dead_and_missing, "
        "CAST(coalesce(sum(CASE WHEN n_routes > 1 THEN 1 ELSE 0 END), 0) AS BIGINT) "
        "AS multi_route_incidents, "
        "CAST(coalesce(sum(CASE WHEN incident_date BETWEEN $cov_from AND $cov_to "
        "THEN dead_and_missing ELSE 0 END), 0) AS BIGINT) AS dead_and_missing_in_detection_months, "
        "avg(source_quality) AS mean_source_quality FROM ("
        "SELECT unnest(i.route_ids) AS route_id, i.dead_and_missing, i.n_routes, "
        f"i.incident_date, i.source_quality FROM incidents i WHERE {w}) GROUP BY route_id "
        "ORDER BY route_id",
        p,
    )
    return df


def query_route_detection_totals(con: Con, f: Filters, v: Vintages | None = None) -> pd.DataFrame:
    """Frontex detections per route under the filters (period, route, nationality).

    Returns
    -------
    DataFrame
        ``route_id``, ``detections`` (events, not persons), ``first_month``, ``last_month``
        (dates, first day of the month).
    """
    v = _vintages(con, f, v)
    w, p = detection_where(f, v)
    df = _df(
        con,
        "SELECT d.route_id, CAST(sum(d.detections) AS BIGINT) AS detections, "  # noqa: S608
        "min(d.month) AS first_month, max(d.month) AS last_month "
        f"FROM detections d WHERE {w} GROUP BY d.route_id ORDER BY d.route_id",
        p,
    )
    return df


def query_origin_incidents(
    con: Con,
    f: Filters,
    coverage: tuple[dt.date | None, dt.date | None] | None = None,
    v: Vintages | None = None,
) -> pd.DataFrame:
    """Dead and missing per country of origin, split evenly across an incident's origins.

    An incident listing ``k`` origin countries gives each ``1/k`` of its dead and missing (and
    of its recorded females, males and children). Incidents without a known origin are left
    out (they belong to no country).

    Returns
    -------
    DataFrame
        ``iso3``; ``incidents`` (incidents listing the country, whole count);
        ``split_incidents`` (those that list more than one origin and were split);
        ``dead_and_missing`` (persons, fractional share); ``dead_and_missing_frontex_routes``
        (persons, fractional share, on routes that also have a Frontex series and dated inside
        the detection coverage); ``children`` and ``dead_and_missing_children_known``
        (persons, over incidents where IOM records a number of children, 0 included);
        ``females``, ``males`` (persons, over incidents where a sex breakdown is recorded);
        ``mean_source_quality`` (IOM 1-5).
    """
    v = _vintages(con, f, v)
    w, p = incident_where(f, v)
    p = {**p, **_coverage_params(coverage)}
    df = _df(
        con,
        "WITH shared AS (SELECT list(route_id) AS ids FROM routes WHERE frontex AND mmp), "  # noqa: S608
        "base AS (SELECT i.origin_iso3, len(i.origin_iso3) AS n_orig, i.dead_and_missing AS dm, "
        "i.children, i.females, i.males, i.source_quality, "
        "list_has_any(i.route_ids, (SELECT ids FROM shared)) "
        "AND i.incident_date BETWEEN $cov_from AND $cov_to AS on_frontex "
        f"FROM incidents i WHERE {w} AND len(i.origin_iso3) > 0), "
        "u AS (SELECT unnest(origin_iso3) AS iso3, 1.0 / n_orig AS share, * EXCLUDE (origin_iso3) "
        "FROM base) "
        "SELECT iso3, count(*) AS incidents, "
        "CAST(sum(CASE WHEN n_orig > 1 THEN 1 ELSE 0 END) AS BIGINT) AS split_incidents, "
        "CAST(sum(share * dm) AS DOUBLE) AS dead_and_missing, "
        "CAST(coalesce(sum(CASE WHEN on_frontex THEN share * dm END), 0) AS DOUBLE) "
        "AS dead_and_missing_frontex_routes, "
        "CAST(sum(share * children) AS DOUBLE) AS children, "
        "CAST(sum(CASE WHEN children IS NOT NULL THEN share * dm END) AS DOUBLE) "
        "AS dead_and_missing_children_known, "
        "CAST(sum(CASE WHEN females IS NOT NULL OR males IS NOT NULL "
        "THEN share * coalesce(females, 0) END) AS DOUBLE) AS females, "
        "CAST(sum(CASE WHEN females IS NOT NULL OR males IS NOT NULL "
        "THEN share * coalesce(males, 0) END) AS DOUBLE) AS males, "
        "avg(source_quality) AS mean_source_quality "
        "FROM u GROUP BY iso3 ORDER BY iso3",
        p,
    )
    return df


def query_unknown_origin(con: Con, f: Filters, v: Vintages | None = None) -> pd.DataFrame:
    """Incidents whose victims' origin is not recorded (they count for no country of origin).

    Returns
    -------
    DataFrame
        One row: ``incidents`` (count), ``dead_and_missing`` (persons).
    """
    v = _vintages(con, f, v)
    w, p = incident_where(f, v)
    return _df(
        con,
        "SELECT count(*) AS incidents, "  # noqa: S608
        "CAST(coalesce(sum(i.dead_and_missing), 0) AS BIGINT) AS dead_and_missing "
        f"FROM incidents i WHERE {w} AND len(i.origin_iso3) = 0",
        p,
    )


def query_origin_incident_routes(con: Con, f: Filters, v: Vintages | None = None) -> pd.DataFrame:
    """Dead and missing per origin country and route (fractional origin shares).

    Returns
    -------
    DataFrame
        ``iso3``, ``route_id``, ``dead_and_missing`` (persons, fractional share).
    """
    v = _vintages(con, f, v)
    w, p = incident_where(f, v)
    return _df(
        con,
        "SELECT iso3, route_id, CAST(sum(dm) AS DOUBLE) AS dead_and_missing FROM ("  # noqa: S608
        "SELECT unnest(o) AS iso3, route_id, dm FROM ("
        "SELECT i.origin_iso3 AS o, unnest(i.route_ids) AS route_id, "
        "i.dead_and_missing * 1.0 / len(i.origin_iso3) AS dm "
        f"FROM incidents i WHERE {w} AND len(i.origin_iso3) > 0)) "
        "GROUP BY iso3, route_id ORDER BY iso3, route_id",
        p,
    )


def query_detections_by_nationality_route(
    con: Con, f: Filters, v: Vintages | None = None
) -> pd.DataFrame:
    """Frontex detections per nationality and route under the filters.

    Returns
    -------
    DataFrame
        ``iso3`` (nationality, ISO-3; rows without one are left out), ``route_id``,
        ``detections`` (events, not persons).
    """
    v = _vintages(con, f, v)
    w, p = detection_where(f, v)
    return _df(
        con,
        "SELECT d.nationality_iso3 AS iso3, d.route_id, "  # noqa: S608
        "CAST(sum(d.detections) AS BIGINT) AS detections FROM detections d "
        f"WHERE {w} AND d.nationality_iso3 IS NOT NULL "
        "GROUP BY 1, 2 ORDER BY 1, 2",
        p,
    )


def query_country_incidents(con: Con, f: Filters, v: Vintages | None = None) -> pd.DataFrame:
    """Dead and missing per country of incident (incidents whose country is recorded).

    Returns
    -------
    DataFrame
        ``iso3``, ``incidents`` (count), ``dead_and_missing`` (persons),
        ``dead_and_missing_violence`` (persons, in incidents whose causes include violence),
        ``source_quality_sum`` and ``source_quality_n`` (to average IOM 1-5 quality after
        adding nearest-country assignments).
    """
    v = _vintages(con, f, v)
    w, p = incident_where(f, v)
    p = {**p, "violence": VIOLENCE_CAUSE}
    return _df(
        con,
        "SELECT i.country_of_incident_iso3 AS iso3, count(*) AS incidents, "  # noqa: S608
        "CAST(sum(i.dead_and_missing) AS BIGINT) AS dead_and_missing, "
        "CAST(sum(CASE WHEN list_contains(i.causes, $violence) THEN i.dead_and_missing "
        "ELSE 0 END) AS BIGINT) AS dead_and_missing_violence, "
        "CAST(coalesce(sum(i.source_quality), 0) AS BIGINT) AS source_quality_sum, "
        "count(i.source_quality) AS source_quality_n "
        f"FROM incidents i WHERE {w} AND i.country_of_incident_iso3 IS NOT NULL "
        "GROUP BY 1 ORDER BY 1",
        p,
    )


def query_unlocated_incidents(con: Con, f: Filters, v: Vintages | None = None) -> pd.DataFrame:
    """Incidents without a recorded country, grouped by their coordinates.

    Returns
    -------
    DataFrame
        ``lon``, ``lat`` (EPSG:4326 degrees; both missing for incidents without coordinates),
        ``incidents``, ``dead_and_missing``, ``dead_and_missing_violence`` (persons),
        ``source_quality_sum``, ``source_quality_n``.
    """
    v = _vintages(con, f, v)
    w, p = incident_where(f, v)
    p = {**p, "violence": VIOLENCE_CAUSE}
    return _df(
        con,
        "SELECT i.lon, i.lat, count(*) AS incidents, "  # noqa: S608
        "CAST(sum(i.dead_and_missing) AS BIGINT) AS dead_and_missing, "
        "CAST(sum(CASE WHEN list_contains(i.causes, $violence) THEN i.dead_and_missing "
        "ELSE 0 END) AS BIGINT) AS dead_and_missing_violence, "
        "CAST(coalesce(sum(i.source_quality), 0) AS BIGINT) AS source_quality_sum, "
        "count(i.source_quality) AS source_quality_n "
        f"FROM incidents i WHERE {w} AND i.country_of_incident_iso3 IS NULL "
        "GROUP BY i.lon, i.lat ORDER BY i.lon, i.lat",
        p,
    )


def query_country_incident_routes(con: Con, f: Filters, v: Vintages | None = None) -> pd.DataFrame:
    """Dead and missing per country of incident and route.

    Returns
    -------
    DataFrame
        ``iso3``, ``route_id``, ``dead_and_missing`` (persons; an incident counts on each of
        its routes).
    """
    v = _vintages(con, f, v)
    w, p = incident_where(f, v)
    return _df(
        con,
        "SELECT iso3, route_id, CAST(sum(dm) AS BIGINT) AS dead_and_missing FROM ("  # noqa: S608
        "SELECT i.country_of_incident_iso3 AS iso3, unnest(i.route_ids) AS route_id, "
        f"i.dead_and_missing AS dm FROM incidents i WHERE {w} "
        "AND i.country_of_incident_iso3 IS NOT NULL) GROUP BY 1, 2 ORDER BY 1, 2",
        p,
    )


def query_monthly_counts(
    con: Con, f: Filters, level: str, v: Vintages | None = None
) -> pd.DataFrame:
    """Monthly incidents and dead and missing per route, country of incident or origin.

    Parameters
    ----------
    level : {"route", "country", "origin"}
        What to group by (allow-listed). ``origin`` counts an incident under each origin
        (whole, not split): alerts need counts of events.

    Returns
    -------
    DataFrame
        ``key`` (route id or ISO-3), ``month`` (date, first day), ``incidents`` (count),
        ``dead_and_missing`` (persons), ``largest_incident`` (persons, the most dead and
        missing in one incident that month). Months without incidents are absent.
    """
    if level not in SERIES_LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {', '.join(SERIES_LEVELS)}")
    v = _vintages(con, f, v)
    w, p = incident_where(f, v)
    expr = SERIES_LEVELS[level]
    df = _df(
        con,
        "SELECT key, month, count(*) AS incidents, "  # noqa: S608 - expr from SERIES_LEVELS
        "CAST(sum(dm) AS BIGINT) AS dead_and_missing, "
        "CAST(max(dm) AS BIGINT) AS largest_incident FROM ("
        f"SELECT {expr} AS key, CAST(date_trunc('month', i.incident_date) AS DATE) AS month, "
        f"i.dead_and_missing AS dm FROM incidents i WHERE {w}) "
        "WHERE key IS NOT NULL GROUP BY key, month ORDER BY key, month",
        p,
    )
    df["month"] = pd.to_datetime(df["month"]).dt.date
    return df


def query_route_monthly(
    con: Con, f: Filters, route_id: str, v: Vintages | None = None
) -> pd.DataFrame:
    """Monthly dead and missing (IOM) and detections (Frontex) on one route.

    Returns
    -------
    DataFrame
        ``month`` (date, first day), ``incidents`` (count), ``dead_and_missing`` (persons,
        0 in months without incidents), ``detections`` (events; missing where Frontex has no
        figure for the month). Every month that has either figure.
    """
    v = _vintages(con, f, v)
    fr = f.replace(routes=(route_id,))
    w, p = incident_where(fr, v)
    dw, dp = detection_where(fr, v)
    df = _df(
        con,
        "WITH inc AS (SELECT CAST(date_trunc('month', i.incident_date) AS DATE) AS month, "  # noqa: S608
        "count(*) AS incidents, CAST(sum(i.dead_and_missing) AS BIGINT) AS dead_and_missing "
        f"FROM incidents i WHERE {w} GROUP BY 1), "
        "det AS (SELECT CAST(d.month AS DATE) AS month, CAST(sum(d.detections) AS BIGINT) "
        f"AS detections FROM detections d WHERE {dw} GROUP BY 1) "
        "SELECT coalesce(inc.month, det.month) AS month, coalesce(inc.incidents, 0) AS incidents, "
        "coalesce(inc.dead_and_missing, 0) AS dead_and_missing, det.detections "
        "FROM inc FULL OUTER JOIN det ON inc.month = det.month ORDER BY 1",
        {**p, **dp},
    )
    df["month"] = pd.to_datetime(df["month"]).dt.date
    df["detections"] = df["detections"].astype("Float64")
    return df


def query_indicator_editions(con: Con, indicator: str) -> pd.DataFrame:
    """Editions of one country indicator that are loaded.

    Returns
    -------
    DataFrame
        ``edition`` (year), ``source_id``, ``countries`` (count), newest first.
    """
    return _df(
        con,
        "SELECT edition, any_value(source_id) AS source_id, count(*) AS countries "
        "FROM country_indicators WHERE indicator = $ind GROUP BY edition ORDER BY edition DESC",
        {"ind": indicator},
    )


def query_incident_span(con: Con, f: Filters, v: Vintages | None = None) -> pd.DataFrame:
    """First and last incident date of the chosen vintage, whatever the other filters.

    Returns
    -------
    DataFrame
        One row: ``first_date``, ``last_date`` (dates).
    """
    v = _vintages(con, f, v)
    return _df(
        con,
        "SELECT min(incident_date) AS first_date, max(incident_date) AS last_date "
        "FROM incidents WHERE source_id = $src",
        {"src": v.incidents or ""},
    )
