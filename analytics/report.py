"""The glue used by the app, the CLI and the briefings: queries in, risk tables out.

Each function takes a DuckDB connection and a frozen :class:`~data.filters.Filters`, runs the
aggregate queries of :mod:`data.risk_queries` and :mod:`data.queries`, and hands the small frames
to the pure ``compute_*`` functions of :mod:`analytics` and :mod:`geo.spatial`. Nothing here draws
or caches; the app wraps these calls in its own cached functions.

Filter scope: period, route and origin restrict both incidents (IOM) and detections (Frontex, by
nationality); UN region, IOM region, cause and minimum source quality restrict incidents only, so
a ratio of the two under those filters compares a filtered numerator with an unfiltered
denominator. The ``note`` column says so whenever it happens.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from analytics.alerts import compute_alert_candidates, compute_alerts, compute_windows
from analytics.measures import (
    compute_origin_components,
    compute_route_risk,
    compute_route_series,
    compute_top_routes,
    compute_transit_components,
)
from analytics.messages import compute_key_messages, period_text
from analytics.scores import (
    COMPONENTS,
    DEFAULT_ORIGIN_WEIGHTS,
    DEFAULT_TRANSIT_WEIGHTS,
    MIN_DETECTIONS,
    MIN_INCIDENTS,
    ORIGIN_COMPONENTS,
    TRANSIT_COMPONENTS,
    compute_scores,
    normalise_weights,
    why_rank,
)
from data.filters import Filters
from data.queries import (
    Vintages,
    query_countries,
    query_headline,
    query_indicator,
    query_routes,
    query_sources,
    query_waypoints,
    resolve_vintages,
)
from data.risk_queries import (
    query_country_incident_routes,
    query_country_incidents,
    query_detection_coverage,
    query_detections_by_nationality_route,
    query_incident_span,
    query_indicator_editions,
    query_monthly_counts,
    query_origin_incident_routes,
    query_origin_incidents,
    query_route_detection_totals,
    query_route_incident_totals,
    query_route_monthly,
    query_unknown_origin,
    query_unlocated_incidents,
)
from geo.spatial import (
    DEFAULT_MAX_KM,
    compute_country_geodataframe,
    compute_nearest_country,
    compute_routes_crossing,
)

__all__ = [
    "DEFAULT_ORIGIN_WEIGHTS",
    "DEFAULT_TRANSIT_WEIGHTS",
    "COMPONENTS",
    "alert_candidates",
    "alerts",
    "key_messages",
    "origin_risk",
    "route_risk",
    "route_risk_series",
    "source_labels",
    "transit_risk",
    "why_rank",
]

Con = duckdb.DuckDBPyConnection

OC_INDICATOR = "oc_human_smuggling"
DEATH_CAVEAT = (
    "Dead and missing are IOM minimum estimates; Frontex detections are events, not persons, "
    "and the latest month is preliminary."
)
INCIDENT_ONLY_FILTERS = (
    "UN region, IOM region, cause and minimum source quality filters apply to dead and missing "
    "only, not to detections."
)


def _date(value: Any) -> dt.date | None:
    # NaT subclasses datetime, so the missing check must come before any isinstance test.
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if pd.isna(value):
        return None
    return pd.Timestamp(str(value)).date()


def source_labels(con: Con) -> dict[str, str]:
    """Citation text per ``source_id``: publisher, vintage and id.

    Returns
    -------
    dict
        ``source_id`` -> e.g. ``"IOM Missing Migrants Project, vintage 2026-04-09,
        mmp-20260409-9e0d10c6"``; demo sources say ``SYNTHETIC DEMO DATA``.
    """
    s = query_sources(con)
    out: dict[str, str] = {}
    for r in s.to_dict("records"):
        vint = _date(r.get("vintage"))
        demo = " (SYNTHETIC DEMO DATA)" if bool(r.get("is_demo")) else ""
        v = f", vintage {vint.isoformat()}" if vint else ""
        if r.get("kind") == "oc-index" and vint:
            v = f", {vint.year} edition"
        out[str(r["source_id"])] = f"{r['publisher']}{v}{demo}, {r['source_id']}"
    return out


def _vintage_of(con: Con, source_id: str | None) -> str | None:
    if not source_id:
        return None
    s = query_sources(con)
    hit = s[s["source_id"] == source_id]
    if hit.empty:
        return None
    d = _date(hit.iloc[0]["vintage"])
    return d.isoformat() if d else None


def _names(con: Con) -> pd.Series:
    c = query_countries(con, with_geometry=False)
    return c.set_index("iso3")["name"]


def _route_names(con: Con) -> pd.Series:
    return query_routes(con).set_index("route_id")["name"]


def _scope_note(f: Filters) -> str:
    mixed = bool(f.un_regions or f.un_subregions or f.mmp_regions or f.causes)
    mixed = mixed or bool(f.min_source_quality)
    return DEATH_CAVEAT + (" " + INCIDENT_ONLY_FILTERS if mixed else "")


def _oc_index(con: Con, f: Filters) -> tuple[pd.DataFrame, str | None]:
    """The latest OC Index edition not newer than the period (else the oldest loaded)."""
    eds = query_indicator_editions(con, OC_INDICATOR)
    if eds.empty:
        return pd.DataFrame(columns=["iso3", "value", "edition", "source_id"]), None
    year = f.date_to.year if f.date_to else None
    ok = eds[eds["edition"] <= year] if year is not None else eds
    edition = int(ok["edition"].max()) if len(ok) else int(eds["edition"].min())
    df = query_indicator(con, OC_INDICATOR, edition)
    sid = str(df["source_id"].iloc[0]) if len(df) else None
    return df, sid


def _period_bounds(con: Con, f: Filters, v: Vintages) -> tuple[dt.date | None, dt.date | None]:
    span = query_incident_span(con, f, v).iloc[0]
    lo = f.date_from or _date(span["first_date"])
    hi = f.date_to or _date(span["last_date"])
    return lo, hi


def _check_routes(con: Con, route_ids: tuple[str, ...]) -> None:
    known = set(query_routes(con)["route_id"])
    unknown = [r for r in route_ids if r not in known]
    if unknown:
        raise ValueError(
            f"unknown route id(s): {', '.join(unknown)}; known ids: {', '.join(sorted(known))}"
        )


# ---------------------------------------------------------------- routes


def route_risk(con: Con, f: Filters) -> pd.DataFrame:
    """Deaths, detections and lethality per canonical route under the filters.

    Returns
    -------
    DataFrame
        One row per route (only the filtered routes when a route filter is set), sorted by dead
        and missing: ``route_id``, ``name``, ``colour``, ``incidents`` (count),
        ``dead_and_missing`` (persons, IOM minimum estimates; an incident with several route
        labels counts on each), ``multi_route_incidents`` (count of such incidents on the
        route), ``detections`` (Frontex events; ``NaN`` where Frontex has no series),
        ``deaths_per_1000_detections`` (persons per 1,000 detections over the months both
        series cover; ``NaN`` where not both), ``dead_and_missing_in_detection_months``
        (persons, the numerator), ``has_both_series`` (bool), ``incident_source``,
        ``detection_source`` (``source_id``; ``None`` where no series), ``incident_vintage``,
        ``detection_vintage`` (ISO dates), ``lethality_period`` (text), ``note`` (caveats and
        filter scope).
    """
    if f.routes:
        _check_routes(con, f.routes)
    v = resolve_vintages(con, f)
    cov = query_detection_coverage(con, f, v)
    inc = query_route_incident_totals(con, f, cov, v)
    det = query_route_detection_totals(con, f, v)
    rr = compute_route_risk(query_routes(con), inc, det, v.detections is not None)
    if f.routes:
        rr = rr[rr["route_id"].isin(f.routes)].reset_index(drop=True)
    lo, hi = _period_bounds(con, f, v)
    if cov[0] and cov[1] and lo and hi and max(lo, cov[0]) <= min(hi, cov[1]):
        leth = f"{max(lo, cov[0]).isoformat()} to {min(hi, cov[1]).isoformat()}"
    else:
        leth = "no months with both series"
    has_det = rr["detections"].notna()
    det_vintage = _vintage_of(con, v.detections)
    rr["incident_source"] = v.incidents
    rr["detection_source"] = [v.detections if h else None for h in has_det]
    rr["incident_vintage"] = _vintage_of(con, v.incidents)
    rr["detection_vintage"] = [det_vintage if h else None for h in has_det]
    rr["lethality_period"] = [leth if b else None for b in rr["has_both_series"]]
    rr["note"] = _scope_note(f)
    return rr


def route_risk_series(con: Con, f: Filters, route_id: str) -> pd.DataFrame:
    """Monthly dead and missing, detections and lethality of one route.

    Returns
    -------
    DataFrame
        ``period`` (date, first day of the month), ``incidents`` (count), ``dead_and_missing``
        (persons), ``detections`` (Frontex events; ``NaN`` where no figure),
        ``deaths_per_1000_detections`` (persons per 1,000 detections; ``NaN`` where not both).

    Raises
    ------
    ValueError
        If ``route_id`` is not a known route.
    """
    _check_routes(con, (route_id,))
    routes = query_routes(con).set_index("route_id")
    v = resolve_vintages(con, f)
    monthly = query_route_monthly(con, f, route_id, v)
    both = bool(routes.loc[route_id, "frontex"]) and bool(routes.loc[route_id, "mmp"])
    return compute_route_series(monthly, both)


# ---------------------------------------------------------------- countries


def _sources_text(labels: dict[str, str], *ids: str | None) -> str:
    return "; ".join(labels.get(i, i) for i in dict.fromkeys(i for i in ids if i))


def _finish_country_table(
    scored: pd.DataFrame,
    components: tuple[str, ...],
    names: pd.Series,
    top_routes: pd.DataFrame,
    sources: str,
    extra: list[str],
) -> pd.DataFrame:
    df = scored.copy()
    df["name"] = df["iso3"].map(names).fillna(df["iso3"])
    tr = top_routes.set_index("iso3")["top_routes"] if len(top_routes) else pd.Series(dtype=object)
    df["top_routes"] = df["iso3"].map(tr).fillna("")
    df["sources"] = sources
    df["rank"] = df["rank"].astype("Int64")
    df["insufficient_data"] = df["insufficient_data"].astype(bool)
    df["why"] = [why_rank(r) for _, r in df.iterrows()]
    lead = ["iso3", "name", "score", "rank", "confidence", "insufficient_data"]
    comp = list(components)
    scaled = [f"c_{c}" for c in components]
    contrib = [f"contrib_{c}" for c in components]
    tail = ["split_incidents", "incidents", "top_routes", "sources", "why"]
    rest = [c for c in extra if c in df.columns and c not in lead + comp + tail]
    ordered = lead + comp + scaled + contrib + tail + rest + ["available_weight", "ranked_of"]
    for c in ordered:
        if c not in df.columns:
            df[c] = np.nan
    return df[ordered].reset_index(drop=True)


def origin_risk(
    con: Con, f: Filters, weights: tuple[tuple[str, float], ...] | None = None
) -> pd.DataFrame:
    """Origin risk per country of origin of the victims.

    Scores are computed across every origin under the other filters; an origin filter then
    keeps only the chosen countries, with their rank among all (so a single country is not
    scored against itself).

    Parameters
    ----------
    weights : tuple of (component, weight), optional
        Components of :data:`~analytics.scores.ORIGIN_COMPONENTS`; rescaled to sum to 1.
        Default :data:`DEFAULT_ORIGIN_WEIGHTS`.

    Returns
    -------
    DataFrame
        One row per country with incidents or Frontex detections, ranked first: ``iso3``,
        ``name``, ``score`` (0-100, ``NaN`` if insufficient), ``rank`` (Int64), ``confidence``,
        ``insufficient_data``, the components ``dead_and_missing`` (persons, split evenly
        across an incident's origins), ``deaths_per_1000_detections``, ``detections``
        (events), ``change_pct`` (percent vs the previous period of equal length),
        ``share_children``, ``share_women`` (0-1), ``oc_human_smuggling`` (1-10); their
        0-100 scaled values ``c_*`` and points ``contrib_*``; ``split_incidents``,
        ``incidents``, ``top_routes`` (main routes by Frontex detections, else by IOM dead and
        missing), ``sources``, ``why`` (one or two sentences), then ``mean_source_quality``,
        ``dead_and_missing_previous``, ``dead_and_missing_frontex_routes``,
        ``available_weight``, ``ranked_of``, ``note`` (incidents without an origin, splitting,
        caveats and filter scope), ``oc_source`` and ``oc_edition`` (the OC Index used).
    """
    w = normalise_weights(weights, ORIGIN_COMPONENTS, DEFAULT_ORIGIN_WEIGHTS)
    if f.routes:
        _check_routes(con, f.routes)
    fa = f.replace(origins=())
    v = resolve_vintages(con, fa)
    cov = query_detection_coverage(con, fa, v)
    cur = query_origin_incidents(con, fa, cov, v)
    pf = fa.previous_period()
    prev = query_origin_incidents(con, pf, cov, v) if pf is not None else None
    det = query_detections_by_nationality_route(con, fa, v)
    names = _names(con)
    # Frontex pseudo-nationalities (unknown, other, stateless) are not countries of origin.
    det = det[det["iso3"].isin(names.index)]
    oc, oc_src = _oc_index(con, fa)
    comp = compute_origin_components(cur, prev, det, oc[["iso3", "value"]])
    scored = compute_scores(
        comp, w, evidence=(("incidents", MIN_INCIDENTS), ("detections", MIN_DETECTIONS))
    )
    rn = _route_names(con)
    by_det = compute_top_routes(det, "detections", rn, label="of Frontex detections")
    by_dm = compute_top_routes(
        query_origin_incident_routes(con, fa, v),
        "dead_and_missing",
        rn,
        label="of IOM dead and missing",
    )
    top = pd.concat([by_det, by_dm[~by_dm["iso3"].isin(by_det["iso3"])]], ignore_index=True)
    labels = source_labels(con)
    sources = _sources_text(labels, v.incidents, v.detections if len(det) else None, oc_src)
    out = _finish_country_table(
        scored,
        ORIGIN_COMPONENTS,
        names,
        top,
        sources,
        ["mean_source_quality", "dead_and_missing_previous", "dead_and_missing_frontex_routes"],
    )
    unk = query_unknown_origin(con, fa, v).iloc[0]
    out["note"] = (
        f"{int(unk['incidents']):,} incidents ({int(unk['dead_and_missing']):,} dead and missing) "
        "have no recorded country of origin and count for no country. Incidents with several "
        "origins are split evenly (split_incidents). " + _scope_note(f)
    )
    out["oc_source"] = oc_src
    out["oc_edition"] = int(oc["edition"].iloc[0]) if len(oc) else None
    if f.origins:
        out = out[out["iso3"].isin(f.origins)].reset_index(drop=True)
    return out


def _routes_crossing(con: Any, countries: Any) -> pd.DataFrame:
    """Route x country crossings stored at ingest; computed here for older warehouses."""
    cur = con.cursor()
    try:
        stored = cur.execute(
            "SELECT route_id, iso3 FROM route_countries ORDER BY route_id, iso3"
        ).df()
    except duckdb.Error:
        stored = pd.DataFrame()
    finally:
        cur.close()
    if len(stored):
        return stored
    return compute_routes_crossing(query_waypoints(con), countries)


def transit_risk(
    con: Con,
    f: Filters,
    weights: tuple[tuple[str, float], ...] | None = None,
    max_km: float = DEFAULT_MAX_KM,
) -> pd.DataFrame:
    """Transit risk per country where people die or that routes cross.

    Incidents without a recorded country are placed in the nearest country within ``max_km``
    kilometres (measured in the point's UTM zone; see :func:`geo.spatial.compute_nearest_country`).

    Parameters
    ----------
    weights : tuple of (component, weight), optional
        Components of :data:`~analytics.scores.TRANSIT_COMPONENTS`; default
        :data:`DEFAULT_TRANSIT_WEIGHTS`.
    max_km : float
        Largest distance for nearest-country assignment.

    Returns
    -------
    DataFrame
        Same shape as :func:`origin_risk`, with components ``dead_and_missing`` (persons,
        country of incident incl. nearest-country assigned), ``share_violence`` (0-1),
        ``change_pct`` (percent), ``detections_on_routes_crossing`` (Frontex events on routes
        whose waypoints cross the country), ``oc_human_smuggling`` (1-10); plus
        ``dead_and_missing_assigned`` (persons placed by nearest country),
        ``crossing_routes``, ``split_incidents`` (always 0: an incident has one country) and
        ``note`` (how many incidents were placed by distance or not placed; caveats),
        ``oc_source`` and ``oc_edition``.
    """
    w = normalise_weights(weights, TRANSIT_COMPONENTS, DEFAULT_TRANSIT_WEIGHTS)
    if f.routes:
        _check_routes(con, f.routes)
    v = resolve_vintages(con, f)
    countries = compute_country_geodataframe(query_countries(con))

    def assigned_for(ff: Filters) -> tuple[pd.DataFrame, pd.DataFrame]:
        located = query_country_incidents(con, ff, v)
        loose = query_unlocated_incidents(con, ff, v)
        if len(loose):
            loose = compute_nearest_country(loose, countries, max_km)
        return located, loose

    located, loose = assigned_for(f)
    pf = f.previous_period()
    prev_located, prev_loose = assigned_for(pf) if pf is not None else (None, None)
    crossing = _routes_crossing(con, countries)
    if f.routes:
        crossing = crossing[crossing["route_id"].isin(f.routes)]
    route_det = query_route_detection_totals(con, f, v)
    oc, oc_src = _oc_index(con, f)
    comp = compute_transit_components(
        located, loose, prev_located, prev_loose, crossing, route_det, oc[["iso3", "value"]]
    )
    comp["split_incidents"] = 0
    scored = compute_scores(
        comp,
        w,
        evidence=(("incidents", MIN_INCIDENTS), ("detections_on_routes_crossing", MIN_DETECTIONS)),
    )
    top = compute_top_routes(
        query_country_incident_routes(con, f, v),
        "dead_and_missing",
        _route_names(con),
        label="of IOM dead and missing",
    )
    labels = source_labels(con)
    sources = _sources_text(labels, v.incidents, v.detections if len(route_det) else None, oc_src)
    unplaced = loose[loose["nearest_iso3"].isna()] if len(loose) else loose
    n_un = int(unplaced["incidents"].sum()) if len(unplaced) else 0
    dm_un = int(unplaced["dead_and_missing"].sum()) if len(unplaced) else 0
    n_as = int(loose["incidents"].sum()) - n_un if len(loose) else 0
    note = (
        f"{n_as:,} incidents without a recorded country were placed in the nearest country "
        f"within {max_km:g} km; {n_un:,} ({dm_un:,} dead and missing) were not placed and count "
        "for no country. " + _scope_note(f)
    )
    out = _finish_country_table(
        scored,
        TRANSIT_COMPONENTS,
        _names(con),
        top,
        sources,
        [
            "mean_source_quality",
            "dead_and_missing_previous",
            "dead_and_missing_assigned",
            "crossing_routes",
        ],
    )
    out["note"] = note
    out["oc_source"] = oc_src
    out["oc_edition"] = int(oc["edition"].iloc[0]) if len(oc) else None
    return out


# ---------------------------------------------------------------- alerts


def default_as_of(con: Con, f: Filters) -> dt.date:
    """The month alerts look at by default (first day of that month).

    The last complete month of the incident vintage; when the filters end earlier
    (``f.date_to``), the last complete month of the filtered period instead.
    """
    v = resolve_vintages(con, f)
    last = _date(query_incident_span(con, f, v).iloc[0]["last_date"])
    if last is None:
        raise ValueError("no incident data is loaded")
    ends = [last] + ([f.date_to] if f.date_to is not None else [])
    months = []
    for end in ends:
        first = dt.date(end.year, end.month, 1)
        if (end + dt.timedelta(days=1)).month == end.month:  # not a month end: month before
            prev = first - dt.timedelta(days=1)
            first = dt.date(prev.year, prev.month, 1)
        months.append(first)
    return min(months)


def alert_candidates(
    con: Con, f: Filters, as_of: dt.date | None = None, months: int = 3
) -> pd.DataFrame:
    """Every route and country series evaluated against the alert rule (alerts, watches, rest).

    The filters' own dates are replaced by the alert windows; the other filters apply. Routes
    are the canonical routes except ``unclassified``; countries are countries of incident.

    Returns
    -------
    DataFrame
        :func:`analytics.alerts.compute_alert_candidates` columns.

    Raises
    ------
    ValueError
        If ``as_of`` is after the last month of the incident vintage.
    """
    if f.routes:
        _check_routes(con, f.routes)
    v = resolve_vintages(con, f)
    last = _date(query_incident_span(con, f, v).iloc[0]["last_date"])
    if as_of is None:
        as_of = default_as_of(con, f)
    if last is None or (as_of.year, as_of.month) > (last.year, last.month):
        raise ValueError(
            f"as-of month {as_of:%Y-%m} is after the last month of the incident data ({last:%Y-%m})"
            if last
            else "no incident data is loaded"
        )
    win = compute_windows(as_of, months)
    fw = f.replace(date_from=win["baseline"][0], date_to=win["current"][1])
    parts = []
    for level in ("route", "country"):
        m = query_monthly_counts(con, fw, level, v)
        if level == "route":
            m = m[m["key"] != "unclassified"]
            if f.routes:
                m = m[m["key"].isin(f.routes)]
        parts.append(m.assign(level=level))
    monthly = pd.concat(parts, ignore_index=True)
    names = pd.concat([_route_names(con), _names(con)])
    names = names[~names.index.duplicated()]
    labels = source_labels(con)
    return compute_alert_candidates(
        monthly,
        as_of,
        months,
        names=names,
        source_label=labels.get(v.incidents or "", "IOM Missing Migrants Project"),
        source_id=v.incidents or "",
        data_end=last,
    )


def alerts(con: Con, f: Filters, as_of: dt.date | None = None, months: int = 3) -> pd.DataFrame:
    """Routes and countries whose latest months changed beyond chance.

    Parameters
    ----------
    as_of : date, optional
        Any day of the last month of the window; default :func:`default_as_of` (the last
        complete month of the vintage, or of the filtered period if it ends earlier).
    months : int
        Window length (1-12 months).

    Returns
    -------
    DataFrame
        Only alerts: ``level`` (``route``/``country``), ``id``, ``name``, ``period_label``,
        ``current``, ``year_ago`` (dead and missing, persons), ``baseline_12m_avg`` (dead and
        missing per window of the same length over the previous 12 months), ``p_value``,
        ``direction``, ``sentence``, ``source_id``, then the incident counts, ``p_year_ago``,
        ``p_baseline``, ``status`` and ``reason``.
    """
    return compute_alerts(alert_candidates(con, f, as_of, months))


# ---------------------------------------------------------------- messages


def key_messages(con: Con, f: Filters, n: int = 5) -> pd.DataFrame:
    """The ``n`` most important facts for the filters, one sentence each.

    Returns
    -------
    DataFrame
        ``rank``, ``sentence`` (cites source and vintage), ``source_ids`` (comma-separated),
        ``kind``.
    """
    v = resolve_vintages(con, f)
    head = query_headline(con, f)
    pf = f.previous_period()
    prev = query_headline(con, pf) if pf is not None else None
    routes = route_risk(con, f)
    origins = origin_risk(con, f)
    transit = transit_risk(con, f)
    try:
        al = alerts(con, f)
    except ValueError:
        al = pd.DataFrame(columns=["sentence", "source_id"])
    labels = source_labels(con)
    if v.incidents is None:
        return pd.DataFrame(columns=["rank", "sentence", "source_ids", "kind"])
    # "Deadliest" and "largest" compare; with a single route or chosen origins there is
    # nothing to compare against, so those messages are left out.
    if len(f.routes) == 1:
        routes = routes.iloc[0:0]
    if f.origins:
        origins = origins.iloc[0:0]
    return compute_key_messages(
        head,
        prev,
        routes,
        origins,
        transit,
        al,
        period_text(f.date_from, f.date_to),
        labels,
        n=n,
    )
