"""Every Streamlit cache in the app: the warehouse connection and the query wrappers.

The connection is a ``st.cache_resource`` keyed on the warehouse path and
:func:`data.db.warehouse_version`, so a newly published warehouse (an ingest replaces the file
atomically) is opened on the next rerun while sessions still using the old handle finish
undisturbed. Each data wrapper is a ``st.cache_data`` keyed on a small frozen :class:`Db`
(path + version) and the frozen :class:`~data.filters.Filters` plus other small hashable
arguments: never a DataFrame, never a figure or deck (their data is cached, not them).
Queries open one cursor each (see :mod:`data.queries`), so sessions on different threads
share the one connection safely.

:func:`clear_after_ingest` clears exactly these caches (not every cache in the process).
"""

from __future__ import annotations

import importlib
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from analytics.figures import compute_lethality, compute_route_metrics
from data import queries as q
from data.db import WarehouseChanged, connect_read_only, db_path, warehouse_version
from data.filters import Filters
from data.reference import read_countries
from geo.layers import countries_geojson, simplify_countries

log = logging.getLogger(__name__)

TTL_S = 3600
MAX_ENTRIES = 128
REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Db:
    """Which warehouse file, and which published version of it (a cache key)."""

    path: str
    version: str


_run = threading.local()


def pin_run_db() -> Db:
    """Fix the warehouse version for the rest of this script run and open it.

    ``app.py`` calls this first on every run, so every figure of one page comes from one
    published version even when an ingest publishes a new one mid-run (without the pin, each
    wrapper would read the version again and a page could mix the old and the new vintage).
    Streamlit runs each script run in its own thread; the pin is per thread.
    """
    p = db_path()
    for _ in range(5):
        d = Db(str(p), warehouse_version(p))
        try:
            if d.version != "missing":
                _connection(d.path, d.version)
            break
        except WarehouseChanged:
            continue  # published between reading the token and opening: read it again
    _run.db = d
    return d


def unpin_run_db() -> None:
    """Forget this thread's pin (tests and tools that outlive a script run)."""
    _run.db = None


def current_db() -> Db:
    """The warehouse of this run: the pinned one, else ``ROUTEWATCH_DB`` (or the default) now."""
    pinned: Db | None = getattr(_run, "db", None)
    if pinned is not None:
        return pinned
    p = db_path()
    return Db(str(p), warehouse_version(p))


@st.cache_resource(max_entries=4, show_spinner=False)
def _connection(path: str, version: str) -> duckdb.DuckDBPyConnection:
    # A new published file gets a new read-only handle; the handle opened is checked to be
    # exactly ``version`` so cached results are never keyed on the wrong version.
    return connect_read_only(path, expect_version=version)


def connection(db: Db | None = None) -> duckdb.DuckDBPyConnection:
    """The shared read-only connection for ``db`` (the current warehouse by default)."""
    d = db or current_db()
    return _connection(d.path, d.version)


_data = st.cache_data(ttl=TTL_S, max_entries=MAX_ENTRIES, show_spinner=False)


# --------------------------------------------------------------------------- warehouse


@_data
def _vintages(db: Db, f: Filters) -> q.Vintages:
    return q.resolve_vintages(connection(db), f)


def vintages(f: Filters) -> q.Vintages:
    """The incident and detection vintages the filters resolve to (and whether demo)."""
    return _vintages(current_db(), f)


@_data
def _filter_options(db: Db, vintage: str | None) -> dict[str, list[Any]]:
    return q.query_filter_options(connection(db), Filters(vintage=vintage))


def filter_options(vintage: str | None = None) -> dict[str, list[Any]]:
    """Allow-lists for every filter under one incident vintage."""
    return _filter_options(current_db(), vintage)


@_data
def _headline(db: Db, f: Filters) -> dict[str, Any]:
    return q.query_headline(connection(db), f)


def headline(f: Filters) -> dict[str, Any]:
    """Headline figures (see :func:`data.queries.query_headline`)."""
    return _headline(current_db(), f)


@_data
def _incidents_by(db: Db, f: Filters, dim: str, period: str | None) -> pd.DataFrame:
    return q.query_incidents_by(connection(db), f, dim, period)


def incidents_by(f: Filters, dim: str = "route", period: str | None = "month") -> pd.DataFrame:
    """Incidents and dead and missing by a dimension (and period)."""
    return _incidents_by(current_db(), f, dim, period)


@_data
def _detections_by(db: Db, f: Filters, dim: str, period: str | None) -> pd.DataFrame:
    return q.query_detections_by(connection(db), f, dim, period)


def detections_by(f: Filters, dim: str = "route", period: str | None = "month") -> pd.DataFrame:
    """Frontex detections by a dimension (and period)."""
    return _detections_by(current_db(), f, dim, period)


_ROUTE_METRIC_COLUMNS = [
    "route_id",
    "name",
    "colour",
    "incidents",
    "dead_and_missing",
    "detections",
    "deaths_per_1000_detections",
]


@_data
def _route_metrics(db: Db, f: Filters) -> pd.DataFrame:
    con = connection(db)
    mod = report_module()
    if mod is not None:
        # The analytics module's lethality uses only the months both sources cover, the same
        # figures as the key messages.
        rr = mod.route_risk(con, f)
        out = q.query_routes(con)[["route_id"]].merge(rr, on="route_id", how="left")
        out["incidents"] = out["incidents"].fillna(0).astype("int64")
        out["dead_and_missing"] = out["dead_and_missing"].fillna(0).astype("int64")
        out["detections"] = out["detections"].astype("Float64").round().astype("Int64")
        out["deaths_per_1000_detections"] = out["deaths_per_1000_detections"].astype("Float64")
        routes = q.query_routes(con).set_index("route_id")
        out["name"] = out["route_id"].map(routes["name"])
        out["colour"] = out["route_id"].map(routes["colour"])
        return out[_ROUTE_METRIC_COLUMNS]
    return compute_route_metrics(
        q.query_incidents_by(con, f, "route", None),
        q.query_detections_by(con, f, "route", None),
        q.query_routes(con),
    )


def route_metrics(f: Filters) -> pd.DataFrame:
    """Per-route dead and missing, incidents, detections and lethality, one row per route.

    Every reference route is listed; routes outside a route filter have no figures.
    """
    return _route_metrics(current_db(), f)


@_data
def _lethality(db: Db, f: Filters, route_id: str) -> pd.DataFrame:
    con = connection(db)
    mod = report_module()
    if mod is not None:
        monthly = mod.route_risk_series(con, f, route_id)
    else:
        fr = f.replace(routes=(route_id,))
        inc = q.query_incidents_by(con, fr, "none", "month")[["period", "dead_and_missing"]]
        det = q.query_detections_by(con, fr, "none", "month")[["period", "detections"]]
        monthly = inc.merge(det, on="period", how="outer")
    return compute_lethality(monthly)


def lethality(f: Filters, route_id: str) -> pd.DataFrame:
    """One route's dead and missing per 1,000 detections by year (months both sources cover)."""
    return _lethality(current_db(), f, route_id)


@_data
def _incidents(db: Db, f: Filters, limit: int, offset: int) -> pd.DataFrame:
    return q.query_incidents(connection(db), f, limit, offset)


def incidents(f: Filters, limit: int = 1000, offset: int = 0) -> pd.DataFrame:
    """Incident rows, newest first."""
    return _incidents(current_db(), f, limit, offset)


@_data
def _incident_count(db: Db, f: Filters) -> int:
    return q.query_incident_count(connection(db), f)


def incident_count(f: Filters) -> int:
    """Number of incidents under ``f``."""
    return _incident_count(current_db(), f)


@_data
def _incident_points(db: Db, f: Filters, limit: int) -> pd.DataFrame:
    return q.query_incident_points(connection(db), f, limit)


def incident_points(f: Filters, limit: int = 3000) -> pd.DataFrame:
    """Located incidents (largest first) for a point map."""
    return _incident_points(current_db(), f, limit)


@_data
def _incident_hex(db: Db, f: Filters, resolution: int) -> pd.DataFrame:
    return q.query_incident_hex(connection(db), f, resolution)


def incident_hex(f: Filters, resolution: int = 3) -> pd.DataFrame:
    """Incidents aggregated to H3 cells."""
    return _incident_hex(current_db(), f, resolution)


@_data
def _data_quality(db: Db, f: Filters) -> dict[str, Any]:
    return q.query_data_quality(connection(db), f)


def data_quality(f: Filters) -> dict[str, Any]:
    """Shares without coordinates / origin / route and incidents by source quality."""
    return _data_quality(current_db(), f)


@_data
def _sources(db: Db) -> pd.DataFrame:
    return q.query_sources(connection(db))


def sources() -> pd.DataFrame:
    """Every loaded source with provenance."""
    return _sources(current_db())


@_data
def _rejected(db: Db, source_id: str, limit: int) -> pd.DataFrame:
    return q.query_rejected(connection(db), source_id, limit)


def rejected(source_id: str, limit: int = 200) -> pd.DataFrame:
    """Rejected rows of one source."""
    return _rejected(current_db(), source_id, limit)


@_data
def _routes(db: Db) -> pd.DataFrame:
    return q.query_routes(connection(db))


def routes() -> pd.DataFrame:
    """The route reference table."""
    return _routes(current_db())


@_data
def _waypoints(db: Db) -> pd.DataFrame:
    return q.query_waypoints(connection(db))


def waypoints() -> pd.DataFrame:
    """Route waypoints in order."""
    return _waypoints(current_db())


@_data
def _country_names(db: Db) -> dict[str, str]:
    c = q.query_countries(connection(db), with_geometry=False)
    return dict(zip(c["iso3"], c["name"], strict=True))


def country_names() -> dict[str, str]:
    """ISO-3 -> country name."""
    return _country_names(current_db())


@_data
def _indicator(db: Db, indicator: str) -> pd.DataFrame:
    return q.query_indicator(connection(db), indicator)


def indicator(name: str) -> pd.DataFrame:
    """One country indicator, latest edition (``iso3``, ``value``, ``edition``)."""
    return _indicator(current_db(), name)


@st.cache_data(show_spinner=False, max_entries=2)
def basemap_geojson(tolerance_deg: float = 0.15, min_area_km2: float = 1000.0) -> dict[str, Any]:
    """The bundled country polygons, simplified for the offline basemap (GeoJSON, EPSG:4326)."""
    return countries_geojson(simplify_countries(read_countries(), tolerance_deg, min_area_km2))


# --------------------------------------------------------------------------- risk analytics


def report_module() -> ModuleType | None:
    """``analytics.report`` if it is installed and imports cleanly, else ``None``."""
    try:
        return importlib.import_module("analytics.report")
    except Exception as exc:  # noqa: BLE001 - any failure means "not available yet"
        log.warning("analytics.report not available: %s", exc)
        return None


def _report() -> ModuleType:
    mod = report_module()
    if mod is None:
        raise RuntimeError("risk analytics not available yet")
    return mod


@_data
def _route_risk(db: Db, f: Filters) -> pd.DataFrame:
    return _report().route_risk(connection(db), f)


def route_risk(f: Filters) -> pd.DataFrame:
    """Route risk table from :mod:`analytics.report`."""
    return _route_risk(current_db(), f)


@_data
def _route_risk_series(db: Db, f: Filters, route_id: str) -> pd.DataFrame:
    return _report().route_risk_series(connection(db), f, route_id)


def route_risk_series(f: Filters, route_id: str) -> pd.DataFrame:
    """One route's risk series from :mod:`analytics.report`."""
    return _route_risk_series(current_db(), f, route_id)


@_data
def _country_risk(
    db: Db, f: Filters, kind: str, weights: tuple[tuple[str, float], ...]
) -> pd.DataFrame:
    rep = _report()
    fn = rep.origin_risk if kind == "origin" else rep.transit_risk
    return fn(connection(db), f, weights)


def country_risk(f: Filters, kind: str, weights: tuple[tuple[str, float], ...]) -> pd.DataFrame:
    """Origin or transit risk scores under ``weights`` (a tuple of (component, weight))."""
    if kind not in ("origin", "transit"):
        raise ValueError(f"kind must be 'origin' or 'transit', got {kind!r}")
    return _country_risk(current_db(), f, kind, tuple((str(c), float(w)) for c, w in weights))


def default_weights(kind: str) -> tuple[tuple[str, float], ...]:
    """The analytics module's default weights for ``kind`` (empty if not available)."""
    mod = report_module()
    if mod is None:
        return ()
    w = mod.DEFAULT_ORIGIN_WEIGHTS if kind == "origin" else mod.DEFAULT_TRANSIT_WEIGHTS
    return tuple((str(c), float(v)) for c, v in w)


def component_labels() -> dict[str, str]:
    """Component id -> plain label (from the analytics module; ids when not available)."""
    mod = report_module()
    comps = getattr(mod, "COMPONENTS", {}) if mod is not None else {}
    return {k: str(getattr(c, "label", k)).capitalize() for k, c in comps.items()}


@_data
def _alerts(db: Db, f: Filters) -> pd.DataFrame:
    return _report().alerts(connection(db), f)


def alerts(f: Filters) -> pd.DataFrame:
    """Current alerts (``sentence`` column) from :mod:`analytics.report`."""
    return _alerts(current_db(), f)


@_data
def _key_messages(db: Db, f: Filters, n: int) -> pd.DataFrame:
    return _report().key_messages(connection(db), f, n=n)


def key_messages(f: Filters, n: int = 5) -> pd.DataFrame:
    """Key messages (``sentence`` column) from :mod:`analytics.report`."""
    return _key_messages(current_db(), f, n)


def why_rank(row: pd.Series) -> str:
    """Plain-language reasons for one country's rank (:func:`analytics.report.why_rank`)."""
    return str(_report().why_rank(row))


# --------------------------------------------------------------------------- housekeeping

DATA_CACHES = (
    _vintages,
    _filter_options,
    _headline,
    _incidents_by,
    _detections_by,
    _route_metrics,
    _lethality,
    _incidents,
    _incident_count,
    _incident_points,
    _incident_hex,
    _data_quality,
    _sources,
    _rejected,
    _routes,
    _waypoints,
    _country_names,
    _indicator,
    _route_risk,
    _route_risk_series,
    _country_risk,
    _alerts,
    _key_messages,
)


def clear_after_ingest() -> None:
    """Drop the warehouse connection and every warehouse-derived cache (not other caches).

    Not needed for correctness (keys include the warehouse version); frees memory at once.
    """
    for fn in DATA_CACHES:
        fn.clear()
    _connection.clear()


def online_basemap() -> bool:
    """Whether the opt-in online tile basemap is on (``ROUTEWATCH_ONLINE_BASEMAP=1``)."""
    return os.environ.get("ROUTEWATCH_ONLINE_BASEMAP", "").strip() == "1"
