"""Spatial measures for the risk analytics: nearest country and routes crossing countries.

Both functions are pure: frames in, frames out, no I/O. Inputs are in EPSG:4326 (lon/lat
degrees). Distances are measured in the UTM zone of each point (a conformal projection whose
scale error stays under about 0.5% within a few hundred kilometres of its zone), never in
Web Mercator (EPSG:3857), whose scale error is 40% at 45 degrees of latitude.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import geopandas as gpd

# geopandas and shapely (about 0.3 s to import) are imported by the functions that use them, so
# importing this module (as services.report does) costs nothing until spatial work is done.

WGS84 = "EPSG:4326"
DEFAULT_MAX_KM = 100.0
DEFAULT_WAYPOINT_TOLERANCE_KM = 5.0
# UTM is defined between 80S and 84N; migration incidents never lie outside that band.
_UTM_LAT_LIMIT = 84.0


def compute_country_geodataframe(countries: pd.DataFrame) -> gpd.GeoDataFrame:
    """Turn the warehouse ``countries`` table (WKB boundaries) into a GeoDataFrame.

    Parameters
    ----------
    countries : DataFrame
        Columns ``iso3`` and ``geometry_wkb`` (WKB bytes, EPSG:4326); other columns are kept.
        Rows without a boundary are dropped.

    Returns
    -------
    GeoDataFrame
        One row per country with a boundary, ``geometry`` in EPSG:4326, without
        ``geometry_wkb``.
    """
    import geopandas as gpd

    df = countries[countries["geometry_wkb"].notna()].copy()
    geom = gpd.GeoSeries.from_wkb([bytes(b) for b in df["geometry_wkb"]], index=df.index, crs=WGS84)
    gdf = gpd.GeoDataFrame(df.drop(columns=["geometry_wkb"]), geometry=geom, crs=WGS84)
    return gdf.reset_index(drop=True)


def _utm_epsg(lon: float, lat: float) -> int:
    zone = int(math.floor((lon + 180.0) / 6.0)) % 60 + 1
    return (32600 if lat >= 0 else 32700) + zone


def compute_nearest_country(
    points: pd.DataFrame,
    countries: gpd.GeoDataFrame,
    max_km: float = DEFAULT_MAX_KM,
) -> pd.DataFrame:
    """Assign each point to the nearest country boundary within ``max_km`` kilometres.

    A point inside a country is at distance 0 from it. Each point is measured in the UTM zone
    that contains it (points are grouped by zone, so the work is vectorised per zone); only
    countries whose bounding box lies within ``max_km`` of the zone's points are projected.
    Points that are equally near two countries (to the metre) go to the one whose ISO-3 code
    sorts first, so the result does not depend on row order.

    Parameters
    ----------
    points : DataFrame
        Columns ``lon`` and ``lat`` (degrees, EPSG:4326); other columns are kept. Rows with
        a missing coordinate are returned unassigned.
    countries : GeoDataFrame
        Column ``iso3`` and polygon ``geometry`` in EPSG:4326.
    max_km : float
        Largest distance (kilometres) at which a point is still assigned.

    Returns
    -------
    DataFrame
        ``points`` with two new columns: ``nearest_iso3`` (ISO-3 code, ``None`` when no
        country is within ``max_km``) and ``distance_km`` (kilometres to that country's
        boundary, ``NaN`` when unassigned). Same index and row order as ``points``.
    """
    import geopandas as gpd

    if max_km < 0:
        raise ValueError("max_km must be zero or positive")
    if countries.crs is None or not countries.crs.equals(WGS84):
        countries = (
            countries.to_crs(WGS84) if countries.crs is not None else countries.set_crs(WGS84)
        )
    out = points.copy()
    out["nearest_iso3"] = pd.Series([None] * len(out), index=out.index, dtype=object)
    out["distance_km"] = np.nan
    if out.empty or countries.empty:
        return out
    lon = pd.to_numeric(out["lon"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    lat = pd.to_numeric(out["lat"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    ok = (np.abs(lon) <= 180) & (lat >= -80) & (lat <= _UTM_LAT_LIMIT)
    if not ok.any():
        return out
    cands = (
        countries[["iso3", "geometry"]].sort_values("iso3", kind="stable").reset_index(drop=True)
    )
    nearest = np.full(len(out), None, dtype=object)
    dist_km = np.full(len(out), np.nan)
    # Most points lie inside a country (distance 0): settle those with one point-in-polygon
    # join, and measure only the rest (at sea or just outside a coastline) zone by zone.
    pos = np.flatnonzero(ok)
    inside = gpd.sjoin(
        gpd.GeoDataFrame({"_row": pos}, geometry=gpd.points_from_xy(lon[pos], lat[pos]), crs=WGS84),
        cands,
        how="inner",
        predicate="intersects",
    )
    if len(inside):
        first = inside.sort_values(["_row", "iso3"], kind="stable").drop_duplicates("_row")
        r = first["_row"].to_numpy(dtype=int)
        nearest[r] = first["iso3"].to_numpy(dtype=object)
        dist_km[r] = 0.0
        pos = pos[~np.isin(pos, r)]
    zones = pd.Series([_utm_epsg(lon[i], lat[i]) for i in pos], index=pos, dtype="int64")
    for epsg, rows in zones.groupby(zones).groups.items():
        rows = np.asarray(rows)
        px, py = lon[rows], lat[rows]
        # Degrees of margin that cover max_km in any direction at these latitudes.
        dlat = max_km / 110.0 + 0.01
        coslat = max(math.cos(math.radians(min(float(np.abs(py).max()) + dlat, 89.0))), 0.01)
        dlon = min(max_km / (111.0 * coslat) + 0.01, 180.0)
        window = (
            float(px.min()) - dlon,
            max(float(py.min()) - dlat, -89.9),
            float(px.max()) + dlon,
            min(float(py.max()) + dlat, 89.9),
        )
        near = cands.cx[window[0] : window[2], window[1] : window[3]]
        if near.empty:
            continue
        # Clip candidates to the search window so far-away parts of large countries are not
        # projected into a zone where UTM is meaningless.
        clipped = near.clip(window)
        clipped = clipped[~clipped.geometry.is_empty].reset_index(drop=True)
        if clipped.empty:
            continue
        crs = f"EPSG:{int(epsg)}"
        poly = clipped.to_crs(crs)
        pts = gpd.GeoDataFrame(
            {"_row": rows}, geometry=gpd.points_from_xy(px, py), crs=WGS84
        ).to_crs(crs)
        # Every country within reach of each point (not just sjoin_nearest's single winner),
        # so that ties are settled by rule rather than by float noise.
        pairs = gpd.sjoin(
            pts, poly, how="inner", predicate="dwithin", distance=max(max_km * 1000.0, 1e-6)
        )
        if pairs.empty:
            continue
        hit = pd.DataFrame(
            {
                "_row": pairs["_row"].to_numpy(),
                "iso3": pairs["iso3"].to_numpy(),
                "_dist_m": pts.geometry.loc[pairs.index]
                .distance(poly.geometry.loc[pairs["index_right"]], align=False)
                .to_numpy(),
            }
        )
        # Distances equal to the metre are a tie, which goes to the first ISO-3 code.
        hit["_dist_key"] = hit["_dist_m"].round(0)
        hit = hit.sort_values(["_row", "_dist_key", "iso3"], kind="stable").drop_duplicates("_row")
        hit = hit[hit["_dist_m"] <= max_km * 1000.0]
        r = hit["_row"].to_numpy(dtype=int)
        nearest[r] = hit["iso3"].to_numpy(dtype=object)
        dist_km[r] = hit["_dist_m"].to_numpy(dtype=float) / 1000.0
    out["nearest_iso3"] = pd.Series(nearest, index=out.index, dtype=object)
    out["distance_km"] = dist_km
    return out


def compute_route_lines(waypoints: pd.DataFrame) -> gpd.GeoDataFrame:
    """One line per route through its waypoints, in order.

    Parameters
    ----------
    waypoints : DataFrame
        Columns ``route_id``, ``seq`` (order along the journey), ``lon``, ``lat`` (EPSG:4326).

    Returns
    -------
    GeoDataFrame
        ``route_id`` and a ``LineString`` ``geometry`` (EPSG:4326) for every route with at
        least two waypoints, sorted by ``route_id``.
    """
    import geopandas as gpd
    from shapely.geometry import LineString

    rows: list[tuple[str, LineString]] = []
    wp = waypoints.sort_values(["route_id", "seq"], kind="stable")
    for route_id, g in wp.groupby("route_id", sort=True):
        coords = list(zip(g["lon"].astype(float), g["lat"].astype(float), strict=True))
        if len(coords) >= 2:
            rows.append((str(route_id), LineString(coords)))
    return gpd.GeoDataFrame(
        {"route_id": [r for r, _ in rows]}, geometry=[g for _, g in rows], crs=WGS84
    )


def compute_routes_crossing(
    waypoints: pd.DataFrame,
    countries: gpd.GeoDataFrame,
    tolerance_km: float = DEFAULT_WAYPOINT_TOLERANCE_KM,
) -> pd.DataFrame:
    """Which countries each route's waypoint line passes through.

    The line joins consecutive waypoints with straight segments in lon/lat (the waypoints are
    approximate and for display, so the path between them is too). A country counts when the
    line intersects its boundary polygon (a topological test: no projection needed), or when
    one of the route's waypoints lies within ``tolerance_km`` of it (measured as in
    :func:`compute_nearest_country`). The tolerance exists because ports and islands such as
    Arrecife or Obock fall a few metres outside the simplified coastlines.

    Parameters
    ----------
    waypoints : DataFrame
        Columns ``route_id``, ``seq``, ``lon``, ``lat`` (EPSG:4326).
    countries : GeoDataFrame
        Column ``iso3`` and polygon ``geometry`` (EPSG:4326).
    tolerance_km : float
        Distance (kilometres) within which a waypoint counts for the nearest country.

    Returns
    -------
    DataFrame
        ``route_id``, ``iso3``: one row per route and country crossed, sorted, no duplicates.
    """
    import geopandas as gpd

    lines = compute_route_lines(waypoints)
    if lines.empty or countries.empty:
        return pd.DataFrame({"route_id": pd.Series(dtype=object), "iso3": pd.Series(dtype=object)})
    polys = countries[["iso3", "geometry"]]
    if polys.crs is None:
        polys = polys.set_crs(WGS84)
    elif not polys.crs.equals(WGS84):
        polys = polys.to_crs(WGS84)
    hit = gpd.sjoin(lines, polys, how="inner", predicate="intersects")
    near = compute_nearest_country(waypoints[["route_id", "lon", "lat"]], polys, tolerance_km)
    near = near[near["nearest_iso3"].notna()]
    out = (
        pd.concat(
            [
                pd.DataFrame(
                    {"route_id": hit["route_id"].astype(str), "iso3": hit["iso3"].astype(str)}
                ),
                pd.DataFrame(
                    {
                        "route_id": near["route_id"].astype(str),
                        "iso3": near["nearest_iso3"].astype(str),
                    }
                ),
            ],
            ignore_index=True,
        )
        .drop_duplicates()
        .sort_values(["route_id", "iso3"], kind="stable")
        .reset_index(drop=True)
    )
    return out
