"""Synthetic demo data: an IOM-format incident export and a Frontex-format detections file.

The demo lets RouteWatch run with no download. Both files are built in memory, in the exact
formats the publishers use, and loaded through :func:`data.ingest.load_bytes` with
``is_demo=True``, so the demo exercises the same ingest as real data and is stored under
``demo-`` source ids that never mix with real rows.

Magnitudes are calibrated to small aggregate tables computed from the real exports by
``scripts/build_calibration.py`` (``data/reference/calibration/``): incidents and dead and
missing per IOM route label and year, each label's mix (causes, origins, places, months,
demographics, source quality, incident sizes), Frontex detections per route, border type and
year, the main nationalities per route and the monthly pattern. Every individual incident is
invented: places are drawn along the authored route waypoints (``data/reference/routes.json``),
not copied from any real incident. Every ``Location of Incident`` starts with ``[DEMO]`` and
every ``Information Source`` reads ``Synthetic demo data (RouteWatch)``.

The same seed always gives byte-identical files: each route-year draws from its own random
stream, seeded by (seed, label, year).
"""

from __future__ import annotations

import calendar
import csv
import io
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from data import reference
from data.ingest import LoadSummary, load_bytes

DEFAULT_SEED = 20261128
CALIBRATION_DIR: Path = Path(__file__).resolve().parent / "reference" / "calibration"
DEMO_MARKER = "[DEMO] "
DEMO_INFORMATION_SOURCE = "Synthetic demo data (RouteWatch)"
DEMO_MMP_NAME = "routewatch-demo-mmp.csv"
DEMO_FRONTEX_NAME = "routewatch-demo-frontex.csv"
FRONTEX_FIRST_MONTH = pd.Timestamp("2014-01-01")
FRONTEX_LAST_MONTH = pd.Timestamp("2025-03-01")

#: The official 25-column header of the IOM Missing Migrants export (2021 onwards).
MMP_HEADER: tuple[str, ...] = (
    "Main ID",
    "Incident ID",
    "Incident Type",
    "Region of Incident",
    "Incident Date",
    "Incident Year",
    "Month",
    "Number of Dead",
    "Minimum Estimated Number of Missing",
    "Total Number of Dead and Missing",
    "Number of Survivors",
    "Number of Females",
    "Number of Males",
    "Number of Children",
    "Country of Origin",
    "Region of Origin",
    "Cause of Death",
    "Country of Incident",
    "Migration Route",
    "Location of Incident",
    "Coordinates",
    "UNSD Geographical Grouping",
    "Information Source",
    "URL",
    "Source Quality",
)
FRONTEX_HEADER: tuple[str, ...] = ("route", "type", "nat", "t", "n")

#: Incidents that IOM files under two routes; one per year is made from the first route's
#: smallest incident, so the second route's totals move by well under 1%.
MULTI_ROUTE_PAIRS: tuple[tuple[str, str], ...] = (
    ("Central Mediterranean", "Sahara Desert crossing"),
    ("Western Mediterranean", "Sahara Desert crossing"),
)
OTHER = "(other)"
DROWNING = "Drowning"
SAMPLES_PER_LEG = 160
#: Jitter around a point on the route, in degrees (standard deviation, then clipped).
JITTER_SD_DEG = 0.25
JITTER_MAX_DEG = 0.8
#: An Equal Earth projection: distances from route points to countries are compared in metres.
METRIC_CRS = "EPSG:8857"
Progress = Callable[[float, str], None]


def _no_progress(_fraction: float, _message: str) -> None:
    return None


# ---------------------------------------------------------------- calibration tables


def read_calibration(name: str, directory: Path | None = None) -> pd.DataFrame:
    """Read one calibration table written by ``scripts/build_calibration.py``.

    Parameters
    ----------
    name : str
        File name in ``data/reference/calibration`` (for example ``"mmp_route_year.csv"``).
    directory : pathlib.Path, optional
        Another folder holding the tables (tests).

    Returns
    -------
    pandas.DataFrame
        The table with its ``#`` comment lines dropped. Text columns keep ``""`` (the empty
        IOM route label); ``share`` and ``value`` are floats (NaN when empty).
    """
    path = (directory or CALIBRATION_DIR) / name
    frame = pd.read_csv(path, comment="#", dtype=str, keep_default_na=False)
    for col in ("share", "value", "incidents", "dead_and_missing", "detections", "year"):
        if col in frame.columns:
            frame[col] = pd.to_numeric(frame[col], errors="coerce")
    for col in ("incidents", "dead_and_missing", "detections", "year", "months", "month"):
        if col in frame.columns:
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("int64")
    return frame


def _rng(seed: int, *parts: object) -> np.random.Generator:
    """An independent, reproducible random stream per (seed, label, year, ...)."""
    keys = [zlib.crc32(str(p).encode("utf-8")) for p in parts]
    return np.random.default_rng([seed, *keys])


def _choice(
    rng: np.random.Generator, keys: list[str], weights: np.ndarray, n: int, default: str = ""
) -> np.ndarray:
    """``n`` keys drawn with the given weights; ``default`` when there is nothing to draw from."""
    w = np.asarray(weights, dtype=float)
    if not keys or w.sum() <= 0:
        return np.full(n, default, dtype=object)
    return np.asarray(keys, dtype=object)[rng.choice(len(keys), size=n, p=w / w.sum())]


# ---------------------------------------------------------------- route geometry


@dataclass(frozen=True)
class _Pool:
    """Points along one leg of a route, and which of them lie closest to each country."""

    lon: np.ndarray
    lat: np.ndarray
    by_country: dict[str, np.ndarray]  # place country name -> indices into lon/lat


def _densify(lon: np.ndarray, lat: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``k`` points evenly spaced along a lon/lat polyline (spacing in cos(lat)-scaled degrees).

    Good enough for spreading display points along a route; distances that matter are measured
    in :data:`METRIC_CRS`.
    """
    if len(lon) == 1:
        return np.repeat(lon, k), np.repeat(lat, k)
    mid = np.radians((lat[:-1] + lat[1:]) / 2)
    seg = np.hypot(np.diff(lon) * np.cos(mid), np.diff(lat))
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    if cum[-1] == 0:
        return np.repeat(lon[:1], k), np.repeat(lat[:1], k)
    s = np.linspace(0.0, cum[-1], k)
    return np.interp(s, cum, lon), np.interp(s, cum, lat)


def _sea_leg(wp: pd.DataFrame) -> pd.DataFrame:
    """Waypoints from the first departure point to the last entry point (the crossing)."""
    roles = wp["role"].tolist()
    if "departure point" not in roles or "entry point" not in roles:
        return wp
    first = roles.index("departure point")
    last = len(roles) - 1 - roles[::-1].index("entry point")
    return wp.iloc[first : last + 1] if last > first else wp


def _country_geoms(countries: gpd.GeoDataFrame, names: Iterable[str]) -> dict[str, object]:
    """Geometry in :data:`METRIC_CRS` of each named country that the name table knows.

    Simplified to 5 km: only used to tell which stretch of a route is closest to a country.
    """
    isos = {name: reference.country_iso3(name) for name in names}
    sub = countries[countries["iso3"].isin([i for i in isos.values() if i])]
    if sub.empty:
        return {}
    metric = (
        sub.set_index("iso3").geometry.to_crs(METRIC_CRS).simplify(5000, preserve_topology=False)
    )
    return {name: metric.loc[iso] for name, iso in isos.items() if iso in metric.index}


def _build_pool(wp: pd.DataFrame, places: list[str], geoms: dict[str, object]) -> _Pool:
    lon, lat = _densify(wp["lon"].to_numpy(float), wp["lat"].to_numpy(float), SAMPLES_PER_LEG)
    known = [p for p in places if p in geoms]
    by_country: dict[str, np.ndarray] = {}
    if known:
        pts = shapely.points(*_to_metric(lon, lat))
        dist = np.column_stack([shapely.distance(pts, geoms[p]) for p in known])
        nearest = dist.argmin(axis=1)
        for j, name in enumerate(known):
            idx = np.flatnonzero(nearest == j)
            if len(idx) < 10:  # a country the route only grazes: its closest stretch
                idx = np.sort(np.argsort(dist[:, j], kind="stable")[:10])
            by_country[name] = idx
    return _Pool(lon, lat, by_country)


def _to_metric(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Project lon/lat degrees (EPSG:4326) to :data:`METRIC_CRS` metres."""
    tr = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
    x, y = tr.transform(lon, lat)
    return np.asarray(x), np.asarray(y)


def _haversine_km(
    lon1: np.ndarray, lat1: np.ndarray, lon2: np.ndarray, lat2: np.ndarray
) -> np.ndarray:
    """Great-circle distance in km (spherical Earth, radius 6371 km); arrays broadcast."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(lon2 - lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 6371.0 * 2 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


# ---------------------------------------------------------------- the IOM-format export


@dataclass(frozen=True)
class _Mix:
    """One route label's calibrated mix (see ``compute_mmp_route_mix`` in the build script)."""

    quantiles: dict[str, float]
    scalars: dict[str, float]
    facets: dict[str, tuple[list[str], np.ndarray]]


def _mixes(mix: pd.DataFrame) -> dict[str, _Mix]:
    out: dict[str, _Mix] = {}
    for label, g in mix.groupby("route_label", sort=True):
        q = g[g["facet"] == "dead_and_missing_quantile"]
        scalars = {
            f: float(v)
            for f, v in g.groupby("facet")["share"].first().items()
            if f.startswith("with_") or f == "missing_share"
        }
        surv = g.loc[g["facet"] == "survivors_median", "value"]
        scalars["survivors_median"] = float(surv.iloc[0]) if len(surv) else 0.0
        facets = {
            f: (h["key"].tolist(), h["share"].to_numpy(float))
            for f, h in g.groupby("facet", sort=False)
            if f not in {"dead_and_missing_quantile", "incidents", "survivors_median"}
        }
        out[str(label)] = _Mix(
            dict(zip(q["key"], q["value"].astype(float), strict=True)), scalars, facets
        )
    return out


def _sizes(rng: np.random.Generator, q: dict[str, float], n: int, total: int) -> np.ndarray:
    """``n`` incident sizes (persons, each >= 1) summing exactly to ``total``.

    Draws from a log-linear quantile function through the route's p50/p75/p90/p98 (so the
    heavy tail of shipwrecks survives), then rescales the part above one person.
    """
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    p98 = max(q.get("p98", 1.0), 1.0)
    knots_u = np.array([0.0, 0.5, 0.75, 0.9, 0.98, 1.0])
    knots_v = np.array(
        [1.0, q.get("p50", 1.0), q.get("p75", 1.0), q.get("p90", 1.0), p98, 2.5 * p98]
    )
    knots_v = np.maximum.accumulate(np.maximum(knots_v, 1.0))
    raw = np.exp(np.interp(rng.random(n), knots_u, np.log(knots_v)))
    excess = np.maximum(raw - 1.0, 0.0)
    target = max(total - n, 0)
    if target == 0:
        return np.ones(n, dtype=np.int64)
    if excess.sum() <= 0:
        excess = rng.random(n) ** 4
    scaled = excess * target / excess.sum()
    base = np.floor(scaled).astype(np.int64)
    short = int(target - base.sum())
    if short:
        order = np.argsort(-(scaled - base), kind="stable")[:short]
        base[order] += 1
    return base + 1


def _split_counts(rng: np.random.Generator, total: np.ndarray, mix: _Mix) -> dict[str, np.ndarray]:
    """Dead/missing split and the optional demographic counts (-1 = not recorded)."""
    n = len(total)
    s = mix.scalars
    p_missing = s.get("with_missing", 0.0)
    q = min(1.0, s.get("missing_share", 0.0) / p_missing) if p_missing > 0 else 0.0
    has_missing = rng.random(n) < p_missing
    missing = np.where(has_missing, rng.binomial(total, max(q, 0.05)), 0)
    dead = total - missing
    males = np.where(rng.random(n) < s.get("with_males", 0.0), 1 + rng.binomial(total - 1, 0.7), -1)
    room = total - np.maximum(males, 0)
    want_f = rng.random(n) < s.get("with_females", 0.0)
    females = np.where(want_f & (room > 0), 1 + rng.binomial(np.maximum(room - 1, 0), 0.5), -1)
    children = np.where(
        rng.random(n) < s.get("with_children", 0.0), 1 + rng.binomial(total - 1, 0.25), -1
    )
    med = max(s.get("survivors_median", 0.0), 1.0)
    survivors = np.where(
        rng.random(n) < s.get("with_survivors", 0.0),
        np.maximum(1, np.round(med * rng.lognormal(0.0, 0.9, n))).astype(np.int64),
        -1,
    )
    return {
        "dead": dead,
        "missing": missing,
        "males": males,
        "females": females,
        "children": children,
        "survivors": survivors,
    }


def _facet(mix: _Mix, facet: str, fold_other_into: str | None) -> tuple[list[str], np.ndarray]:
    keys, w = mix.facets.get(facet, ([], np.zeros(0)))
    keys, w = list(keys), np.nan_to_num(np.asarray(w, dtype=float))
    if OTHER in keys:
        i = keys.index(OTHER)
        other = w[i]
        keys.pop(i)
        w = np.delete(w, i)
        if fold_other_into is not None:
            if fold_other_into in keys:
                w[keys.index(fold_other_into)] += other
            else:
                keys.append(fold_other_into)
                w = np.append(w, other)
    return keys, w


@dataclass(frozen=True)
class _Geo:
    """Everything the placement of incidents needs, built once per export."""

    label_route: dict[str, str]
    route_mode: dict[str, str]  # route_id -> sea / land / mixed
    waypoints: dict[str, pd.DataFrame]
    countries: gpd.GeoDataFrame  # reference.read_countries(), EPSG:4326
    subregion: dict[str, str]  # iso3 -> UN subregion


def _load_geo() -> _Geo:
    labels = reference.read_route_labels()
    labels = labels[labels["source_kind"] == "mmp"]
    wp = reference.read_waypoints().sort_values(["route_id", "seq"])
    routes = reference.read_routes()
    countries = reference.read_countries()
    return _Geo(
        label_route=dict(zip(labels["label"], labels["route_id"], strict=True)),
        route_mode=dict(zip(routes["route_id"], routes["mode"], strict=True)),
        waypoints={r: g.reset_index(drop=True) for r, g in wp.groupby("route_id")},
        countries=countries,
        subregion={
            str(i): str(r)
            for i, r in zip(countries["iso3"], countries["un_subregion"], strict=True)
            if isinstance(r, str)
        },
    )


def _region_of_origin(subregion: dict[str, str], name: str) -> str:
    """IOM's region of origin approximated by the UN subregion of the origin country."""
    if name in ("Unknown", "Mixed", "Mixed/Unknown", ""):
        return name or "Unknown"
    return subregion.get(reference.country_iso3(name) or "", "Unknown")


def _place_label(
    label: str, geo: _Geo, places: list[str]
) -> Callable[[np.random.Generator, np.ndarray, np.ndarray], tuple[np.ndarray, ...]]:
    """A function that places incidents of ``label`` given their country and cause."""
    countries = geo.countries
    route_id = geo.label_route.get(label)
    wp = geo.waypoints.get(route_id) if route_id else None
    country_names = sorted({p.split(" | ")[0] for p in places})
    geoms = _country_geoms(countries, country_names)

    if wp is None or wp.empty:
        by_iso = countries.set_index("iso3")

        def place_free(
            rng: np.random.Generator, country: np.ndarray, _cause: np.ndarray
        ) -> tuple[np.ndarray, ...]:
            n = len(country)
            lon = np.full(n, np.nan)
            lat = np.full(n, np.nan)
            for c in sorted(set(country)):
                iso = reference.country_iso3(c)
                if iso and iso in by_iso.index:
                    lon[country == c] = by_iso.at[iso, "centroid_lon"]
                    lat[country == c] = by_iso.at[iso, "centroid_lat"]
            where = np.array(
                [
                    f"{DEMO_MARKER}synthetic incident in {c or 'an unknown country'}"
                    for c in country
                ],
                dtype=object,
            )
            jit = np.clip(
                rng.normal(0, 2 * JITTER_SD_DEG, (n, 2)), -3 * JITTER_MAX_DEG, 3 * JITTER_MAX_DEG
            )
            return lon + jit[:, 0], lat + jit[:, 1], where

        return place_free

    sea_route = geo.route_mode.get(route_id or "") == "sea"
    pools = {
        "sea": _build_pool(_sea_leg(wp), country_names, geoms),
        "any": _build_pool(wp, country_names, geoms),
    }
    wp_lon = wp["lon"].to_numpy(float)
    wp_lat = wp["lat"].to_numpy(float)
    wp_names = wp["name"].tolist()

    def place_route(
        rng: np.random.Generator, country: np.ndarray, cause: np.ndarray
    ) -> tuple[np.ndarray, ...]:
        n = len(country)
        lon = np.empty(n)
        lat = np.empty(n)
        u = rng.random(n)
        # On a sea route every incident is on the crossing; elsewhere drownings are.
        sea = (cause == DROWNING) | sea_route
        for leg, pool in pools.items():
            for c in sorted(set(country)):
                rows = np.flatnonzero((country == c) & (sea == (leg == "sea")))
                if not len(rows):
                    continue
                idx = pool.by_country.get(c, np.arange(len(pool.lon)))
                j = idx[(u[rows] * len(idx)).astype(int)]
                lon[rows], lat[rows] = pool.lon[j], pool.lat[j]
        jit = np.clip(rng.normal(0, JITTER_SD_DEG, (n, 2)), -JITTER_MAX_DEG, JITTER_MAX_DEG)
        lon, lat = lon + jit[:, 0], lat + jit[:, 1]
        dist = _haversine_km(lon[:, None], lat[:, None], wp_lon[None, :], wp_lat[None, :])
        k = dist.argmin(axis=1)
        km = (np.round(dist[np.arange(n), k] / 5.0) * 5).astype(int)
        where = np.array(
            [
                f"{DEMO_MARKER}{f'about {d} km from' if d >= 5 else 'near'} {wp_names[w]} "
                f"({c or 'country unknown'}), {label}"
                for d, w, c in zip(km, k, country, strict=True)
            ],
            dtype=object,
        )
        return lon, lat, where

    return place_route


def _label_year_rows(
    seed: int,
    label: str,
    year: int,
    n: int,
    total: int,
    mix: _Mix,
    placer: Callable,
    subregion: dict[str, str],
) -> dict[str, np.ndarray]:
    """The synthetic incidents of one route label and year, as column arrays."""
    rng = _rng(seed, "mmp", label, year)
    size = _sizes(rng, mix.quantiles, n, total)
    counts = _split_counts(rng, size, mix)

    m_keys, m_w = _facet(mix, "month", None)
    month_w = np.full(12, 1 / 12)
    for k, w in zip(m_keys, m_w, strict=True):
        month_w[int(k) - 1] = 0.6 * w + 0.4 / 12
    month = rng.choice(np.arange(1, 13), size=n, p=month_w / month_w.sum())
    days = np.array([calendar.monthrange(year, int(m))[1] for m in month])
    day = 1 + (rng.random(n) * days).astype(int)

    # Labels with very few real incidents have no calibrated origins, quality or demographics
    # (see the build script); they get neutral defaults.
    cause = _choice(rng, *_facet(mix, "cause", "Mixed or unknown"), n, "Mixed or unknown")
    itype = _choice(rng, *_facet(mix, "incident_type", "Incident"), n, "Incident")
    place = _choice(rng, *_facet(mix, "place", None), n)
    origin = _choice(rng, *_facet(mix, "origin", "Unknown"), n, "Unknown")
    quality = _choice(rng, *_facet(mix, "source_quality", None), n, "3").astype(object)
    u = rng.random(n)
    quality = np.where((quality == "5") & (u < 0.02), "4,5", quality)
    quality = np.where((quality == "4") & (u < 0.005), "3,4", quality)

    parts = [str(p).split(" | ") + ["", "", ""] for p in place]
    country = np.array([p[0] for p in parts], dtype=object)
    region = np.array([p[1] for p in parts], dtype=object)
    unsd = np.array([p[2] for p in parts], dtype=object)
    lon, lat, where = placer(rng, country, cause)
    regions = {o: _region_of_origin(subregion, o) for o in set(origin)}
    region_of_origin = np.array([regions[o] for o in origin], dtype=object)
    return {
        "route": np.full(n, label, dtype=object),
        "year": np.full(n, year),
        "month": month,
        "day": day,
        "incident_type": itype,
        "region": region,
        **counts,
        "total": size,
        "origin": origin,
        "region_of_origin": region_of_origin,
        "cause": cause,
        "country": country,
        "location": where,
        "lon": lon,
        "lat": lat,
        "unsd": unsd,
        "quality": quality,
    }


def _blank(v: np.ndarray) -> list[str]:
    return ["" if x < 0 else str(int(x)) for x in v]


def make_demo_mmp_frame(
    seed: int = DEFAULT_SEED, years: Iterable[int] = range(2014, 2026)
) -> pd.DataFrame:
    """Build the synthetic incidents as a frame of text in the official 25-column layout.

    Parameters
    ----------
    seed : int
        Seed of every random draw; the same seed gives the same rows.
    years : iterable of int
        Incident years to generate (calibrated years are 2014-2025).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`MMP_HEADER`, all text (empty string for an empty cell), sorted by
        incident date. Counts are persons; ``Coordinates`` is ``"lat, lon"`` in EPSG:4326
        degrees.
    """
    wanted = {int(y) for y in years}
    calib = read_calibration("mmp_route_year.csv")
    calib = calib[calib["year"].isin(wanted)]
    mixes = _mixes(read_calibration("mmp_route_mix.csv"))
    geo = _load_geo()
    frames = []
    for label, g in calib.groupby("route_label", sort=True):
        label = str(label)
        mix = mixes[label]
        placer = _place_label(label, geo, _facet(mix, "place", None)[0])
        for year, n, total in zip(g["year"], g["incidents"], g["dead_and_missing"], strict=True):
            frames.append(
                _label_year_rows(
                    seed, label, int(year), int(n), int(total), mix, placer, geo.subregion
                )
            )
    if not frames:
        return pd.DataFrame(columns=list(MMP_HEADER), dtype=object)
    rows = pd.DataFrame({c: np.concatenate([f[c] for f in frames]) for c in frames[0]})
    rows = _add_multi_route(rows, calib)
    rows = rows.sort_values(["year", "month", "day", "route", "total"], kind="stable").reset_index(
        drop=True
    )
    year = rows["year"].to_numpy()
    seq = rows.groupby("year").cumcount().to_numpy() + 1
    main_id = [f"DEMO.{y}.{i:05d}" for y, i in zip(year, seq, strict=True)]
    dates = [
        f"{y}-{m:02d}-{d:02d}" for y, m, d in zip(year, rows["month"], rows["day"], strict=True)
    ]
    coords = [
        "" if np.isnan(la) else f"{la:.5f}, {lo:.5f}"
        for la, lo in zip(rows["lat"], rows["lon"], strict=True)
    ]
    out = pd.DataFrame(
        {
            "Main ID": main_id,
            "Incident ID": main_id,
            "Incident Type": rows["incident_type"],
            "Region of Incident": rows["region"],
            "Incident Date": dates,
            "Incident Year": year.astype(str),
            "Month": [calendar.month_name[m] for m in rows["month"]],
            "Number of Dead": rows["dead"].astype(str),
            "Minimum Estimated Number of Missing": rows["missing"].astype(str),
            "Total Number of Dead and Missing": rows["total"].astype(str),
            "Number of Survivors": _blank(rows["survivors"].to_numpy()),
            "Number of Females": _blank(rows["females"].to_numpy()),
            "Number of Males": _blank(rows["males"].to_numpy()),
            "Number of Children": _blank(rows["children"].to_numpy()),
            "Country of Origin": rows["origin"],
            "Region of Origin": rows["region_of_origin"],
            "Cause of Death": rows["cause"],
            "Country of Incident": rows["country"],
            "Migration Route": rows["route"],
            "Location of Incident": rows["location"],
            "Coordinates": coords,
            "UNSD Geographical Grouping": rows["unsd"],
            "Information Source": DEMO_INFORMATION_SOURCE,
            "URL": "",
            "Source Quality": rows["quality"],
        }
    )
    return out[list(MMP_HEADER)].astype(object)


def _add_multi_route(rows: pd.DataFrame, calib: pd.DataFrame) -> pd.DataFrame:
    """Give the smallest incident of a few route-years a second, comma-joined route label."""
    have = set(zip(calib["route_label"], calib["year"], strict=True))
    rows = rows.copy()
    year = rows["year"]
    for first, second in MULTI_ROUTE_PAIRS:
        for y in sorted(set(year[rows["route"] == first])):
            if (second, y) not in have:
                continue
            cand = rows[(rows["route"] == first) & (year == y)]
            i = cand["total"].idxmin()
            rows.at[i, "route"] = f"{first},{second}"
    return rows


def _to_csv_bytes(frame: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(frame.columns)
    columns = [[str(v) for v in frame[c].tolist()] for c in frame.columns]
    writer.writerows(zip(*columns, strict=True))
    return buf.getvalue().encode("utf-8")


def make_demo_mmp_csv(seed: int = DEFAULT_SEED, years: Iterable[int] = range(2014, 2026)) -> bytes:
    """Build a synthetic incident export in the official IOM Missing Migrants CSV format.

    Parameters
    ----------
    seed : int
        Seed of every random draw; the same seed gives byte-identical output.
    years : iterable of int
        Incident years (the calibration covers 2014-2025).

    Returns
    -------
    bytes
        UTF-8 CSV with the official 25-column header (see :data:`MMP_HEADER`), one row per
        synthetic incident. Per route label and year the number of incidents and the total
        dead and missing match ``mmp_route_year.csv`` (a few incidents carry two labels, as
        in the real export, and count on both). Every ``Location of Incident`` starts with
        ``[DEMO] ``; ``Main ID`` reads ``DEMO.<year>.<nnnnn>``.
    """
    return _to_csv_bytes(make_demo_mmp_frame(seed, years))


# ---------------------------------------------------------------- the Frontex-format file


def _nationality_shares(nats: pd.DataFrame, route: str) -> pd.Series:
    """A route's nationality shares, its ``(other)`` part spread over other routes' main ones.

    Putting the whole remainder on one code would make it the route's largest "nationality";
    instead it is shared evenly by the nationalities that lead on other routes, none getting
    more than the route's tenth nationality, and what is left goes to ``OOO`` (unspecified).
    """
    own = nats[(nats["route"] == route) & (nats["nationality"] != OTHER)]
    share = own.set_index("nationality")["share"].astype(float)
    rest = float(nats[(nats["route"] == route) & (nats["nationality"] == OTHER)]["share"].sum())
    if share.empty:
        return pd.Series({"OOO": 1.0})
    pool = sorted(set(nats["nationality"]) - set(share.index) - {OTHER, "OOO", "OOS"})
    if rest > 0 and pool:
        each = min(rest / len(pool), float(share.min()) * 0.9)
        share = pd.concat([share, pd.Series(each, index=pool)])
        rest -= each * len(pool)
    if rest > 1e-9:
        share["OOO"] = share.get("OOO", 0.0) + rest
    return share.groupby(level=0).sum().sort_index()


def make_demo_frontex_frame(seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Build synthetic monthly Frontex detections, 2014-01 to 2025-03.

    Each route, border type and year's detections (``frontex_route_year.csv``) are spread over
    months (``frontex_route_season.csv``) and nationalities (``frontex_route_nat.csv``; the
    remainder is shared by other routes' main nationalities) by one multinomial draw, so the yearly
    totals are exact. For 2025 (January-April in the calibration) January-March get their
    seasonal part of the four months.

    Returns
    -------
    pandas.DataFrame
        Columns ``route``, ``type`` (Sea/Land), ``nat`` (ISO-3), ``t`` (first day of the month,
        ``YYYY-MM-DD``), ``n`` (detections, events), no zero cells, sorted like the real file.
    """
    years = read_calibration("frontex_route_year.csv")
    nats = read_calibration("frontex_route_nat.csv")
    season = read_calibration("frontex_route_season.csv")
    first, last = FRONTEX_FIRST_MONTH, FRONTEX_LAST_MONTH
    years = years[years["year"].between(first.year, last.year)]
    out = []
    for (route, btype), g in years.groupby(["route", "border_type"], sort=True):
        share = _nationality_shares(nats, route)
        s = season[season["route"] == route].set_index("month")["share"]
        s = s.reindex(range(1, 13), fill_value=0.0).to_numpy(float)
        if s.sum() <= 0:
            s = np.full(12, 1 / 12)
        for year, total, months in zip(g["year"], g["detections"], g["months"], strict=True):
            in_range = [m for m in range(1, 13) if first <= pd.Timestamp(int(year), m, 1) <= last]
            # The calibration year may cover other months than the demo (2025: January-April
            # against January-March): keep the demo months' seasonal part of the total.
            covered = s[: min(int(months), 12)].sum()
            w = s[np.array(in_range) - 1]
            frac = min(1.0, float(w.sum() / covered)) if covered > 0 else 1.0
            n_year = int(round(total * frac))
            if n_year <= 0 or w.sum() <= 0:
                continue
            p = np.outer(w / w.sum(), share.to_numpy(float) / share.sum()).ravel()
            rng = _rng(seed, "frontex", route, btype, year)
            draw = rng.multinomial(n_year, p / p.sum()).reshape(len(in_range), len(share))
            mi, ni = np.nonzero(draw)
            out.append(
                pd.DataFrame(
                    {
                        "route": route,
                        "type": btype,
                        "nat": share.index.to_numpy()[ni],
                        "t": [f"{int(year)}-{in_range[i]:02d}-01" for i in mi],
                        "n": draw[mi, ni],
                    }
                )
            )
    frame = pd.concat(out, ignore_index=True)
    frame = frame.sort_values(["route", "type", "nat", "t"], kind="stable").reset_index(drop=True)
    return frame[list(FRONTEX_HEADER)]


def make_demo_frontex_csv(seed: int = DEFAULT_SEED) -> bytes:
    """Build synthetic Frontex detections in the ``route,type,nat,t,n`` CSV format.

    Parameters
    ----------
    seed : int
        Seed of every random draw; the same seed gives byte-identical output.

    Returns
    -------
    bytes
        UTF-8 CSV; see :func:`make_demo_frontex_frame` for the columns. Per route and year
        the detections match ``frontex_route_year.csv`` (summed over border types).
    """
    return _to_csv_bytes(make_demo_frontex_frame(seed))


# ---------------------------------------------------------------- loading


def load_demo(
    db: str | Path | None = None, progress: Progress | None = None, seed: int = DEFAULT_SEED
) -> list[LoadSummary]:
    """Build both demo files and load them through the normal ingest, marked as demo.

    Parameters
    ----------
    db : str or pathlib.Path, optional
        Warehouse file (default: ``ROUTEWATCH_DB`` or ``data/routewatch.duckdb``).
    progress : callable, optional
        ``progress(fraction, message)`` with ``fraction`` rising from 0 to 1.
    seed : int
        Seed of the synthetic data.

    Returns
    -------
    list of LoadSummary
        The IOM-format load, then the Frontex-format load. Their ``source_id`` starts with
        ``demo-``; loading the same demo twice reports ``unchanged``.
    """
    report = progress or _no_progress

    def scaled(lo: float, hi: float) -> Progress:
        return lambda f, m: report(lo + (hi - lo) * min(max(f, 0.0), 1.0), m)

    report(0.0, "building demo incidents")
    mmp = make_demo_mmp_csv(seed)
    first = load_bytes(
        mmp, DEMO_MMP_NAME, kind="mmp", db=db, is_demo=True, progress=scaled(0.15, 0.6)
    )
    report(0.6, "building demo detections")
    fx = make_demo_frontex_csv(seed)
    second = load_bytes(
        fx, DEMO_FRONTEX_NAME, kind="frontex", db=db, is_demo=True, progress=scaled(0.65, 1.0)
    )
    return [first, second]
