"""Risk measures: route lethality and the components of origin and transit risk.

Pure functions over small aggregate frames (the output of :mod:`data.risk_queries`): no I/O,
no database, no Streamlit. Deaths (IOM Missing Migrants Project, minimum estimates), detections
(Frontex, events not persons) and index scores (GI-TOC, 1-10) stay in separate columns and are
never added together; the only thing that combines two measures is a ratio
(``deaths_per_1000_detections``) or, in :mod:`analytics.scores`, a weighted mean of 0-100 ranks.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Below this many detections a ratio of deaths to detections is mostly noise (one death among
# 20 detections would read as 50 per 1,000), so it is left undefined.
MIN_DETECTIONS_FOR_RATE = 500
# Shares among victims need this many victims with the attribute recorded; below it one or two
# records would read as 0% or 100%.
MIN_KNOWN_FOR_SHARE = 20
# A percentage change needs at least this many dead and missing in the earlier period; from a
# base of 1 or 2 any change reads as hundreds of percent.
MIN_PREVIOUS_FOR_CHANGE = 10


def compute_lethality(
    dead_and_missing: pd.Series, detections: pd.Series, min_detections: int = 0
) -> pd.Series:
    """Dead and missing per 1,000 detections.

    Parameters
    ----------
    dead_and_missing : Series
        Persons recorded dead or missing (IOM).
    detections : Series
        Detections of irregular border crossings (Frontex), aligned with ``dead_and_missing``.
    min_detections : int
        Detections needed for the ratio to be defined (at least 1 in every case).

    Returns
    -------
    Series of float
        ``1000 * dead_and_missing / detections`` (persons per 1,000 detections); ``NaN`` where
        either value is missing or ``detections`` is below ``max(min_detections, 1)``.
    """
    dm = pd.to_numeric(dead_and_missing, errors="coerce").astype(float)
    det = pd.to_numeric(detections, errors="coerce").astype(float)
    ok = det.notna() & dm.notna() & (det >= max(min_detections, 1))
    return (1000.0 * dm / det.where(ok)).where(ok)


def compute_change_pct(
    current: pd.Series, previous: pd.Series, min_previous: float = 0
) -> pd.Series:
    """Percentage change from ``previous`` to ``current``.

    Parameters
    ----------
    min_previous : float
        Smallest ``previous`` value for which a change is computed (always above zero).

    Returns
    -------
    Series of float
        ``100 * (current - previous) / previous`` (percent); ``NaN`` where ``previous`` is
        missing, zero or below ``min_previous`` (a change from nothing has no percentage).
    """
    cur = pd.to_numeric(current, errors="coerce").astype(float)
    prev = pd.to_numeric(previous, errors="coerce").astype(float)
    ok = prev.notna() & (prev > 0) & (prev >= min_previous) & cur.notna()
    return (100.0 * (cur - prev) / prev.where(ok)).where(ok)


def compute_route_risk(
    routes: pd.DataFrame,
    incident_totals: pd.DataFrame,
    detection_totals: pd.DataFrame,
    detection_source_loaded: bool = True,
) -> pd.DataFrame:
    """Deaths, detections and lethality per canonical route.

    Parameters
    ----------
    routes : DataFrame
        The route reference: ``route_id``, ``name``, ``colour``, ``frontex`` (bool: Frontex
        publishes a series), ``mmp`` (bool: IOM uses the route).
    incident_totals : DataFrame
        ``route_id``, ``incidents``, ``dead_and_missing``, ``multi_route_incidents``,
        ``dead_and_missing_in_detection_months`` (see
        :func:`data.risk_queries.query_route_incident_totals`).
    detection_totals : DataFrame
        ``route_id``, ``detections``.
    detection_source_loaded : bool
        ``False`` when no Frontex file is loaded: every route then has no detection series.

    Returns
    -------
    DataFrame
        One row per route in ``routes``: ``route_id``, ``name``, ``colour``, ``incidents``
        (count), ``dead_and_missing`` (persons, IOM minimum estimates; an incident with several
        route labels counts on each), ``multi_route_incidents`` (how many of the route's
        incidents carry several labels), ``detections`` (Frontex events; ``NaN`` where Frontex
        has no series for the route), ``dead_and_missing_in_detection_months`` (persons, the
        lethality numerator: incidents dated in months Frontex covers),
        ``deaths_per_1000_detections`` (persons per 1,000 detections; ``NaN`` unless the route
        has both series and at least one detection), ``has_both_series`` (bool). Sorted by
        ``dead_and_missing`` descending, the unclassified route last, then ``route_id``.
    """
    r = routes[["route_id", "name", "colour", "frontex", "mmp"]].copy()
    inc = incident_totals.set_index("route_id")
    det = detection_totals.set_index("route_id")["detections"] if len(detection_totals) else None
    for col in ("incidents", "dead_and_missing", "multi_route_incidents"):
        r[col] = r["route_id"].map(inc[col] if col in inc else {}).fillna(0).astype("int64")
    r["dead_and_missing_in_detection_months"] = (
        r["route_id"]
        .map(inc["dead_and_missing_in_detection_months"] if len(inc) else {})
        .fillna(0)
        .astype("int64")
    )
    has_fx = r["frontex"].astype(bool) & bool(detection_source_loaded)
    fx = r["route_id"].map(det if det is not None else {}).astype(float)
    r["detections"] = fx.fillna(0.0).where(has_fx, np.nan)
    r["has_both_series"] = has_fx & r["mmp"].astype(bool)
    r["deaths_per_1000_detections"] = compute_lethality(
        r["dead_and_missing_in_detection_months"], r["detections"].where(r["has_both_series"])
    )
    r["_last"] = r["route_id"] == "unclassified"
    r = r.sort_values(
        ["_last", "dead_and_missing", "route_id"], ascending=[True, False, True], kind="stable"
    )
    return r.drop(columns=["_last", "frontex", "mmp"]).reset_index(drop=True)


def compute_route_series(monthly: pd.DataFrame, has_detection_series: bool) -> pd.DataFrame:
    """Monthly lethality series of one route.

    Parameters
    ----------
    monthly : DataFrame
        ``month``, ``incidents``, ``dead_and_missing``, ``detections`` (missing where Frontex
        has no figure), as from :func:`data.risk_queries.query_route_monthly`.
    has_detection_series : bool
        Whether Frontex publishes a series for the route at all.

    Returns
    -------
    DataFrame
        ``period`` (date, first day of the month), ``incidents`` (count),
        ``dead_and_missing`` (persons), ``detections`` (events; ``NaN`` where Frontex has no
        figure), ``deaths_per_1000_detections`` (persons per 1,000 detections; ``NaN`` where
        not both). Sorted by ``period``.
    """
    df = monthly.rename(columns={"month": "period"}).sort_values("period").reset_index(drop=True)
    det = pd.to_numeric(df["detections"], errors="coerce").astype(float)
    df["detections"] = det if has_detection_series else np.nan
    df["dead_and_missing"] = df["dead_and_missing"].astype("int64")
    df["incidents"] = df["incidents"].astype("int64")
    df["deaths_per_1000_detections"] = compute_lethality(df["dead_and_missing"], df["detections"])
    return df[
        ["period", "incidents", "dead_and_missing", "detections", "deaths_per_1000_detections"]
    ]


def compute_top_routes(
    by_route: pd.DataFrame,
    value: str,
    route_names: pd.Series,
    n: int = 3,
    label: str = "",
) -> pd.DataFrame:
    """The main routes of each country, as one readable string.

    Parameters
    ----------
    by_route : DataFrame
        ``iso3``, ``route_id`` and the column named by ``value``.
    value : str
        Column to rank routes by (for example ``detections``).
    route_names : Series
        Route display names indexed by ``route_id``.
    n : int
        How many routes to name.
    label : str
        Appended in brackets to say what the shares are of (for example
        ``"of Frontex detections"``).

    Returns
    -------
    DataFrame
        ``iso3``, ``top_routes`` (e.g. ``"Central Mediterranean 62%, Western Balkans 20% (of
        Frontex detections)"``; shares of the country's total over its routes). Countries whose
        total is zero are left out.
    """
    if by_route.empty:
        return pd.DataFrame(
            {"iso3": pd.Series(dtype=object), "top_routes": pd.Series(dtype=object)}
        )
    df = by_route[["iso3", "route_id", value]].copy()
    df[value] = pd.to_numeric(df[value], errors="coerce").fillna(0).astype(float)
    df = df[df[value] > 0]
    df["total"] = df.groupby("iso3")[value].transform("sum")
    df["share"] = df[value] / df["total"]
    df = df.sort_values(["iso3", value, "route_id"], ascending=[True, False, True], kind="stable")
    df = df.groupby("iso3", sort=True).head(n)
    df["name"] = df["route_id"].map(route_names).fillna(df["route_id"])
    df["text"] = df["name"] + " " + (100 * df["share"]).round().astype(int).astype(str) + "%"
    suffix = f" ({label})" if label else ""
    out = df.groupby("iso3", sort=True)["text"].agg(", ".join).reset_index()
    out["top_routes"] = out["text"] + suffix
    return out[["iso3", "top_routes"]]


def compute_origin_components(
    current: pd.DataFrame,
    previous: pd.DataFrame | None,
    detections: pd.DataFrame,
    oc_index: pd.DataFrame,
    min_detections_for_rate: int = MIN_DETECTIONS_FOR_RATE,
    min_known_for_share: float = MIN_KNOWN_FOR_SHARE,
    min_previous_for_change: float = MIN_PREVIOUS_FOR_CHANGE,
) -> pd.DataFrame:
    """Components of origin risk, one row per country of origin.

    Parameters
    ----------
    current, previous : DataFrame
        Per-origin incident aggregates for the period and for the previous period of equal
        length (``previous`` may be ``None`` for an open-ended period), as from
        :func:`data.risk_queries.query_origin_incidents`.
    detections : DataFrame
        ``iso3``, ``route_id``, ``detections`` (Frontex detections by nationality and route).
    oc_index : DataFrame
        ``iso3``, ``value`` (GI-TOC human-smuggling score, 1-10).
    min_detections_for_rate : int
        Detections needed before ``deaths_per_1000_detections`` is defined.
    min_known_for_share : float
        Victims with the attribute recorded needed before a share is defined.
    min_previous_for_change : float
        Dead and missing needed in the previous period before ``change_pct`` is defined.

    Returns
    -------
    DataFrame
        One row per country with incidents or detections, sorted by ``iso3``: ``iso3``,
        ``incidents`` (count of incidents listing the country), ``split_incidents`` (of which
        listed several origins and were split evenly), ``dead_and_missing`` (persons,
        fractional), ``dead_and_missing_previous`` (persons, previous period),
        ``change_pct`` (percent, ``NaN`` if the previous period had fewer than
        ``min_previous_for_change``),
        ``detections`` (Frontex events of the country's nationals; ``NaN`` where none is
        recorded), ``dead_and_missing_frontex_routes`` (persons on routes with a Frontex
        series), ``deaths_per_1000_detections`` (persons per 1,000 detections on those routes),
        ``share_children`` (children / dead and missing, over incidents that record children;
        0-1), ``share_women`` (females / (females + males) over incidents that record sex;
        0-1; both ``NaN`` below ``min_known_for_share`` victims with the attribute known), ``oc_human_smuggling`` (score 1-10), ``mean_source_quality`` (IOM 1-5).
    """
    cur = current.set_index("iso3")
    det = (
        detections.groupby("iso3")["detections"].sum().astype(float)
        if len(detections)
        else pd.Series(dtype=float)
    )
    keys = sorted(set(cur.index.astype(str)) | set(det[det > 0].index.astype(str)))
    out = pd.DataFrame({"iso3": keys})

    def col(frame: pd.DataFrame, name: str) -> pd.Series:
        if name not in frame.columns:
            return pd.Series(np.nan, index=out.index)
        return out["iso3"].map(frame[name]).astype(float)

    out["incidents"] = col(cur, "incidents").fillna(0).astype("int64")
    out["split_incidents"] = col(cur, "split_incidents").fillna(0).astype("int64")
    out["dead_and_missing"] = col(cur, "dead_and_missing").fillna(0.0)
    if previous is not None:
        prev = previous.set_index("iso3")
        out["dead_and_missing_previous"] = col(prev, "dead_and_missing").fillna(0.0)
    else:
        out["dead_and_missing_previous"] = np.nan
    out["change_pct"] = compute_change_pct(
        out["dead_and_missing"], out["dead_and_missing_previous"], min_previous_for_change
    )
    d = out["iso3"].map(det).astype(float)
    out["detections"] = d.where(d > 0)
    out["dead_and_missing_frontex_routes"] = col(cur, "dead_and_missing_frontex_routes").fillna(0.0)
    out["deaths_per_1000_detections"] = compute_lethality(
        out["dead_and_missing_frontex_routes"], out["detections"], min_detections_for_rate
    )
    known_children = col(cur, "dead_and_missing_children_known")
    floor = max(float(min_known_for_share), 1e-9)
    out["share_children"] = (
        col(cur, "children") / known_children.where(known_children >= floor)
    ).clip(0, 1)
    sexed = col(cur, "females") + col(cur, "males")
    out["share_women"] = (col(cur, "females") / sexed.where(sexed >= floor)).clip(0, 1)
    oc = oc_index.drop_duplicates("iso3").set_index("iso3")["value"] if len(oc_index) else {}
    out["oc_human_smuggling"] = out["iso3"].map(oc).astype(float)
    out["mean_source_quality"] = col(cur, "mean_source_quality")
    return out


def compute_transit_components(
    by_country: pd.DataFrame,
    assigned: pd.DataFrame,
    previous_by_country: pd.DataFrame | None,
    previous_assigned: pd.DataFrame | None,
    crossing: pd.DataFrame,
    route_detections: pd.DataFrame,
    oc_index: pd.DataFrame,
    min_known_for_share: float = MIN_KNOWN_FOR_SHARE,
    min_previous_for_change: float = MIN_PREVIOUS_FOR_CHANGE,
) -> pd.DataFrame:
    """Components of transit risk, one row per country where people died or detected routes cross.

    Parameters
    ----------
    by_country : DataFrame
        Incidents with a recorded country: ``iso3``, ``incidents``, ``dead_and_missing``,
        ``dead_and_missing_violence``, ``source_quality_sum``, ``source_quality_n`` (see
        :func:`data.risk_queries.query_country_incidents`).
    assigned : DataFrame
        Incidents without a recorded country, with ``nearest_iso3`` from
        :func:`geo.spatial.compute_nearest_country` (``None`` when no country is near enough)
        and the same count columns.
    previous_by_country, previous_assigned : DataFrame or None
        The same for the previous period of equal length (``None`` if open-ended).
    crossing : DataFrame
        ``route_id``, ``iso3``: routes whose waypoint line crosses the country.
    route_detections : DataFrame
        ``route_id``, ``detections`` (Frontex events per route under the filters).
    oc_index : DataFrame
        ``iso3``, ``value`` (GI-TOC human-smuggling score, 1-10).
    min_known_for_share : float
        Dead and missing needed before ``share_violence`` is defined.
    min_previous_for_change : float
        Dead and missing needed in the previous period before ``change_pct`` is defined.

    Returns
    -------
    DataFrame
        One row per country with incidents (incl. assigned ones) or with Frontex detections on
        a route crossing it, sorted by ``iso3``: ``iso3``, ``incidents`` (count, incl.
        nearest-country assigned),
        ``dead_and_missing`` (persons, incl. assigned), ``dead_and_missing_assigned`` (persons
        placed by nearest country), ``dead_and_missing_previous`` (persons), ``change_pct``
        (percent), ``share_violence`` (share of dead and missing in incidents whose causes
        include violence, 0-1), ``detections_on_routes_crossing`` (Frontex events on routes
        whose waypoints cross the country; ``NaN`` when no such route has a Frontex series),
        ``crossing_routes`` (comma-separated route ids), ``oc_human_smuggling`` (score 1-10),
        ``mean_source_quality`` (IOM 1-5).
    """
    cols = [
        "incidents",
        "dead_and_missing",
        "dead_and_missing_violence",
        "source_quality_sum",
        "source_quality_n",
    ]

    def combine(located: pd.DataFrame | None, near: pd.DataFrame | None) -> pd.DataFrame:
        parts = []
        if located is not None and len(located):
            parts.append(located[["iso3", *cols]].assign(dead_and_missing_assigned=0.0))
        if near is not None and len(near):
            n = near[near["nearest_iso3"].notna()]
            parts.append(
                n[cols]
                .assign(
                    iso3=n["nearest_iso3"].astype(str),
                    dead_and_missing_assigned=n["dead_and_missing"],
                )
                .loc[:, ["iso3", *cols, "dead_and_missing_assigned"]]
            )
        if not parts:
            return pd.DataFrame(columns=["iso3", *cols, "dead_and_missing_assigned"]).set_index(
                "iso3"
            )
        df = pd.concat(parts, ignore_index=True)
        df[cols + ["dead_and_missing_assigned"]] = df[cols + ["dead_and_missing_assigned"]].astype(
            float
        )
        return df.groupby("iso3").sum()

    cur = combine(by_country, assigned)
    prev = (
        combine(previous_by_country, previous_assigned) if previous_by_country is not None else None
    )
    det = (
        route_detections.set_index("route_id")["detections"].astype(float)
        if len(route_detections)
        else pd.Series(dtype=float)
    )
    cr = crossing[["route_id", "iso3"]].drop_duplicates().copy()
    cr["detections"] = cr["route_id"].map(det)
    cross_det = cr.groupby("iso3")["detections"].sum(min_count=1)
    cross_names = cr.sort_values(["iso3", "route_id"]).groupby("iso3")["route_id"].agg(", ".join)
    crossed = cross_det[cross_det > 0].index.astype(str)
    keys = sorted(set(cur.index.astype(str)) | set(crossed))
    out = pd.DataFrame({"iso3": keys})
    for c in ("incidents", "dead_and_missing", "dead_and_missing_assigned"):
        out[c] = out["iso3"].map(cur[c]).astype(float).fillna(0.0).round().astype("int64")
    if prev is not None:
        out["dead_and_missing_previous"] = (
            out["iso3"].map(prev["dead_and_missing"]).astype(float).fillna(0.0)
        )
    else:
        out["dead_and_missing_previous"] = np.nan
    out["change_pct"] = compute_change_pct(
        out["dead_and_missing"], out["dead_and_missing_previous"], min_previous_for_change
    )
    violence = out["iso3"].map(cur["dead_and_missing_violence"]).astype(float)
    dm = out["dead_and_missing"].where(out["dead_and_missing"] >= max(min_known_for_share, 1e-9))
    out["share_violence"] = (violence / dm).clip(0, 1)
    out["detections_on_routes_crossing"] = out["iso3"].map(cross_det).astype(float)
    out["crossing_routes"] = out["iso3"].map(cross_names).fillna("")
    oc = oc_index.drop_duplicates("iso3").set_index("iso3")["value"] if len(oc_index) else {}
    out["oc_human_smuggling"] = out["iso3"].map(oc).astype(float)
    q_n = out["iso3"].map(cur["source_quality_n"]).astype(float)
    q_sum = out["iso3"].map(cur["source_quality_sum"]).astype(float)
    out["mean_source_quality"] = q_sum / q_n.where(q_n > 0)
    return out
