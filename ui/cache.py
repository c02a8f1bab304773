"""Every Streamlit cache in the app: the warehouse connection and the query wrappers.

The connection is a ``st.cache_resource`` keyed on the warehouse path and
:func:`data.db.warehouse_version`, so a newly published warehouse (an ingest replaces the file
atomically) is opened on the next rerun while sessions still using the old handle finish
undisturbed. Each data wrapper is a ``st.cache_data`` keyed on a small frozen :class:`Db`
(path + version) and the frozen :class:`~data.filters.Filters` plus other small hashable
arguments: never a DataFrame, never a figure or deck (their data is cached, not them).
Queries open one cursor each (see :mod:`data.queries`), so sessions on different threads
share the one connection safely. Within one script run a wrapper called again with the same
arguments hands back the value it already got (:func:`_per_run`), and the analytics module's
reference data for a warehouse version is read once and shared, like the connection
(:func:`_reference`).

The offline basemap is read from ``data/reference/basemap.geojson`` with each geometry kept as
JSON text (:func:`basemap_encoded`), so no page parses coordinates or imports geopandas.

:func:`clear_after_ingest` clears exactly these caches (not every cache in the process).
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd
import streamlit as st

import i18n
from analytics.alerts import compute_alerts, compute_watch
from analytics.catalogue import Coverage, Figure
from analytics.figures import vintage_dates as vintage_dates_of
from analytics.figures import vintage_labels as vintage_labels_of
from analytics.measures import compute_lethality_by_year
from data import queries as q
from data.db import WarehouseChanged, connect_read_only, db_path, warehouse_version
from data.filters import Filters
from export.tables import prepare_incident_table
from i18n import get_lang, use_lang
from services import money as money_service
from services import report
from services.reconcile import Reconciliation
from services.reconcile import reconcile as reconcile_route

if TYPE_CHECKING:
    from geo.layers import EncodedCountries

log = logging.getLogger(__name__)

TTL_S = 3600
MAX_ENTRIES = 128
REPO = Path(__file__).resolve().parents[1]
COUNTRIES_FILE = REPO / "data" / "reference" / "countries.geojson"
#: The basemap simplified ahead of time by scripts/build_basemap.py.
BASEMAP_FILE = REPO / "data" / "reference" / "basemap.geojson"


@dataclass(frozen=True)
class Db:
    """Which warehouse file, and which published version of it (a cache key)."""

    path: str
    version: str
    #: The reader's language: every cached table that holds text is kept per language.
    lang: str = "en"


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
        d = Db(str(p), warehouse_version(p), get_lang())
        try:
            if d.version != "missing":
                _connection(d.path, d.version)
            break
        except WarehouseChanged:
            continue  # published between reading the token and opening: read it again
    _run.db = d
    _run.memo = {}
    return d


def _per_run(fn: Any, *args: Any) -> Any:
    """``fn(*args)`` once per script run and arguments.

    A page asks for the same cached table several times in one run (the routes for the map,
    the legend and the download; the vintages for every caption). Each ``st.cache_data`` hit
    hashes its arguments and unpickles a copy of the value, a few tenths of a millisecond;
    within one run the first copy is handed out again. The memo lives as long as the run
    (it is replaced by :func:`pin_run_db`), so callers must not change what they get (none
    does: every change makes a new frame).
    """
    memo: dict[Any, Any] | None = getattr(_run, "memo", None)
    if memo is None:  # outside a script run (tools, tests): no memo
        return fn(*args)
    key = (fn, args)
    try:
        return memo[key]
    except KeyError:
        value = memo[key] = fn(*args)
        return value


def current_db() -> Db:
    """The warehouse of this run: the pinned one, else ``ROUTEWATCH_DB`` (or the default) now."""
    pinned: Db | None = getattr(_run, "db", None)
    if pinned is not None:
        return pinned
    p = db_path()
    return Db(str(p), warehouse_version(p), get_lang())


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
# What no filter changes (options, sources, reference tables), one entry per published version:
# no TTL, since the key already changes with the warehouse (an hourly expiry only made someone
# wait again, 0.6 s for the filter options at 5M incidents) and the entries are few and small.
_static = st.cache_data(max_entries=32, show_spinner=False)


# --------------------------------------------------------------------------- warehouse


@_data
def _vintages(db: Db, f: Filters) -> q.Vintages:
    return q.resolve_vintages(connection(db), f)


def vintages(f: Filters) -> q.Vintages:
    """The incident and detection vintages the filters resolve to (and whether demo)."""
    return _per_run(_vintages, current_db(), f)


@_static
def _filter_options(db: Db, vintage: str | None) -> dict[str, list[Any]]:
    return q.query_filter_options(connection(db), Filters(vintage=vintage))


def filter_options(vintage: str | None = None) -> dict[str, list[Any]]:
    """Allow-lists for every filter under one incident vintage."""
    return _per_run(_filter_options, current_db(), vintage)


@_data
def _headline(db: Db, f: Filters) -> dict[str, Any]:
    return q.query_headline(connection(db), f)


def headline(f: Filters) -> dict[str, Any]:
    """Headline figures (see :func:`data.queries.query_headline`)."""
    return _per_run(_headline, current_db(), f)


@_data
def _incidents_by(db: Db, f: Filters, dim: str, period: str | None) -> pd.DataFrame:
    return q.query_incidents_by(connection(db), f, dim, period)


def incidents_by(f: Filters, dim: str = "route", period: str | None = "month") -> pd.DataFrame:
    """Incidents and dead and missing by a dimension (and period)."""
    return _per_run(_incidents_by, current_db(), f, dim, period)


@_data
def _detections_by(db: Db, f: Filters, dim: str, period: str | None) -> pd.DataFrame:
    return q.query_detections_by(connection(db), f, dim, period)


def detections_by(f: Filters, dim: str = "route", period: str | None = "month") -> pd.DataFrame:
    """Frontex detections by a dimension (and period)."""
    return _per_run(_detections_by, current_db(), f, dim, period)


@_data
def _route_metrics(db: Db, f: Filters) -> pd.DataFrame:
    # The route-risk table is the one source of per-route figures (lethality over the months
    # both sources cover, as everywhere else); this only lays it out one row per route.
    return report.route_metrics_from_risk(_routes(db), _route_risk(db, f))


def route_metrics(f: Filters) -> pd.DataFrame:
    """Per-route dead and missing, incidents, detections and lethality, one row per route.

    Every reference route is listed; routes outside a route filter have no figures.
    """
    return _per_run(_route_metrics, current_db(), f)


@_data
def _lethality(db: Db, f: Filters, route_id: str) -> pd.DataFrame:
    return compute_lethality_by_year(_route_risk_series(db, f, route_id))


def lethality(f: Filters, route_id: str) -> pd.DataFrame:
    """One route's dead and missing per 1,000 detections by year (months both sources cover)."""
    return _per_run(_lethality, current_db(), f, route_id)


@_data
def _incidents(db: Db, f: Filters, limit: int, offset: int) -> pd.DataFrame:
    return q.query_incidents(connection(db), f, limit, offset)


def incidents(f: Filters, limit: int = 1000, offset: int = 0) -> pd.DataFrame:
    """Incident rows, newest first."""
    return _per_run(_incidents, current_db(), f, limit, offset)


@_data
def _incident_table(db: Db, f: Filters, limit: int) -> pd.DataFrame:
    return prepare_incident_table(q.query_incidents(connection(db), f, limit, 0))


def incident_table(f: Filters, limit: int = 1000) -> pd.DataFrame:
    """The newest incident rows as the Incidents page shows them
    (:func:`export.tables.prepare_incident_table`: lists joined, only http(s) links, dates).

    Cached prepared: the raw rows' list and Arrow string columns take ten times longer to
    copy in and out of the cache than the joined text.
    """
    return _per_run(_incident_table, current_db(), f, limit)


@_data
def _incident_count(db: Db, f: Filters) -> int:
    return q.query_incident_count(connection(db), f)


def incident_count(f: Filters) -> int:
    """Number of incidents under ``f``."""
    return _per_run(_incident_count, current_db(), f)


@_data
def _incident_points(db: Db, f: Filters, limit: int) -> pd.DataFrame:
    return q.query_incident_points(connection(db), f, limit)


def incident_points(f: Filters, limit: int = 3000) -> pd.DataFrame:
    """Located incidents (largest first) for a point map."""
    return _per_run(_incident_points, current_db(), f, limit)


@_data
def _incident_hex(db: Db, f: Filters, resolution: int) -> pd.DataFrame:
    return q.query_incident_hex(connection(db), f, resolution)


def incident_hex(f: Filters, resolution: int = 3) -> pd.DataFrame:
    """Incidents aggregated to H3 cells."""
    return _per_run(_incident_hex, current_db(), f, resolution)


@_data
def _data_quality(db: Db, f: Filters) -> dict[str, Any]:
    return q.query_data_quality(connection(db), f)


def data_quality(f: Filters) -> dict[str, Any]:
    """Shares without coordinates / origin / route and incidents by source quality."""
    return _per_run(_data_quality, current_db(), f)


@_static
def _sources(db: Db) -> pd.DataFrame:
    return q.query_sources(connection(db))


def sources() -> pd.DataFrame:
    """Every loaded source with provenance."""
    return _per_run(_sources, current_db())


@_static
def _demo_flags(db: Db) -> dict[str, bool]:
    src = _sources(db)
    return dict(zip(src["source_id"], src["is_demo"], strict=True))


def demo_flags() -> dict[str, bool]:
    """``source_id`` -> whether it is synthetic demo data (the sidebar's vintage labels read it
    on every rerun: a small dict rather than the whole :func:`sources` table)."""
    return _per_run(_demo_flags, current_db())  # type: ignore[no-any-return]


@_static
def _source_records(db: Db) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for r in _sources(db).to_dict("records"):
        out.setdefault(str(r["source_id"]), r)  # the first row of a source, as everywhere
    return out


def source_records() -> dict[str, dict[str, Any]]:
    """``source_id`` -> its :func:`sources` row as a dict (a page's provenance lines read a
    few of them; filtering the frame once per source cost ~5 ms each)."""
    return _per_run(_source_records, current_db())


@_static
def _vintage_labels(db: Db) -> dict[str, str]:
    return vintage_labels_of(q.query_sources(connection(db)))


def vintage_labels() -> dict[str, str]:
    """Source id -> its vintage as shown in captions (``"09 Apr 2026"``); sources without a
    vintage are left out. A small dict: every caption of a page reads it."""
    return _per_run(_vintage_labels, current_db())


@_static
def _vintage_dates(db: Db) -> dict[str, Any]:
    return vintage_dates_of(_sources(db))


def vintage_dates() -> dict[str, Any]:
    """``source_id`` -> the date of its vintage (for the short source lines)."""
    return _per_run(_vintage_dates, current_db())


@_data
def _rejected(db: Db, source_id: str, limit: int) -> pd.DataFrame:
    return q.query_rejected(connection(db), source_id, limit)


def rejected(source_id: str, limit: int = 200) -> pd.DataFrame:
    """Rejected rows of one source."""
    return _per_run(_rejected, current_db(), source_id, limit)


@_static
def _routes(db: Db) -> pd.DataFrame:
    r = q.query_routes(connection(db))
    if db.lang != "en":
        with use_lang(db.lang):
            r["name"] = r["name"].map(i18n.route_name)
    return r


def routes() -> pd.DataFrame:
    """The route reference table."""
    return _per_run(_routes, current_db())


@_static
def _waypoints(db: Db) -> pd.DataFrame:
    return q.query_waypoints(connection(db))


def waypoints() -> pd.DataFrame:
    """Route waypoints in order."""
    return _per_run(_waypoints, current_db())


@_static
def _country_names(db: Db) -> dict[str, str]:
    c = q.query_countries(connection(db), with_geometry=False)
    with use_lang(db.lang):
        return i18n.country_names(dict(zip(c["iso3"], c["name"], strict=True)))


def country_names() -> dict[str, str]:
    """ISO-3 -> country name."""
    return _per_run(_country_names, current_db())


@st.cache_resource(show_spinner=False)
def map_labels() -> pd.DataFrame:
    """Country and sea names for the maps (reference file shipped with the app; read once)."""
    from data.map_labels import read_map_labels

    return read_map_labels()


def display_names() -> dict[str, str]:
    """Route id, ISO3 code and source id -> the name a reader sees (route and country names,
    vintage labels): what filter summaries and captions show instead of internal ids."""
    r = routes()
    return {
        **country_names(),
        **dict(zip(r["route_id"], r["name"], strict=True)),
        **vintage_labels(),
    }


@_static
def _indicator(db: Db, indicator: str) -> pd.DataFrame:
    return q.query_indicator(connection(db), indicator)


def indicator(name: str) -> pd.DataFrame:
    """One country indicator, latest edition (``iso3``, ``value``, ``edition``)."""
    return _per_run(_indicator, current_db(), name)


@_static
def _indicator_values(db: Db, indicator: str) -> dict[str, float | None]:
    ind = _indicator(db, indicator)
    out: dict[str, float | None] = {}
    for iso3, value in zip(ind["iso3"].tolist(), ind["value"].tolist(), strict=True):
        # The first row of a country, as a lookup in the frame finds it.
        out.setdefault(iso3, float(value) if value is not None and pd.notna(value) else None)
    return out


def indicator_values(name: str) -> dict[str, float | None]:
    """One indicator's latest value per ISO-3 code (``None`` where the value is missing): the
    country card reads four of them on every rerun, a dict rather than four frames."""
    return _per_run(_indicator_values, current_db(), name)  # type: ignore[no-any-return]


def _stamp(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def _basemap_fallback(sha: str) -> dict[str, Any]:
    # The shipped basemap is missing or was built from another countries file: simplify
    # here (about 1.4 s, with geopandas) and say how to fix it.
    log.warning(
        "%s does not match %s: simplifying the basemap at start-up; run "
        "scripts/build_basemap.py to rebuild it",
        BASEMAP_FILE.name,
        COUNTRIES_FILE.name,
    )
    from data.reference import read_countries
    from geo.layers import make_basemap

    return make_basemap(read_countries(), sha)


def _read_basemap() -> tuple[str, str]:
    """(countries file SHA-256, basemap file text or "" when unreadable)."""
    sha = hashlib.sha256(COUNTRIES_FILE.read_bytes()).hexdigest()
    try:
        return sha, BASEMAP_FILE.read_text(encoding="ascii")
    except (OSError, ValueError) as exc:
        log.warning("basemap %s unreadable (%s)", BASEMAP_FILE, exc)
        return sha, ""


@st.cache_data(show_spinner=False, max_entries=2)
def _basemap_encoded(countries_mtime_ns: int, basemap_mtime_ns: int) -> EncodedCountries:
    del countries_mtime_ns, basemap_mtime_ns  # cache keys only: a rebuilt file is read again
    from geo.layers import basemap_is_current, encode_countries, read_basemap_text

    sha, text = _read_basemap()
    try:
        meta, countries = read_basemap_text(text)
    except ValueError:
        meta, countries = {}, None
    if countries is not None and basemap_is_current(meta, sha):
        return countries
    return encode_countries(_basemap_fallback(sha))


def basemap_encoded() -> EncodedCountries:
    """The offline basemap's country polygons, each geometry as JSON text (EPSG:4326).

    Read from ``data/reference/basemap.geojson`` (``scripts/build_basemap.py``) without
    parsing a coordinate or importing geopandas, and spliced into every deck as it is;
    simplified here only when that file is missing or was built from another
    ``countries.geojson``.
    """
    return _basemap_encoded(_stamp(COUNTRIES_FILE), _stamp(BASEMAP_FILE))


@st.cache_data(show_spinner=False, max_entries=2)
def _basemap_geojson(countries_mtime_ns: int, basemap_mtime_ns: int) -> dict[str, Any]:
    del countries_mtime_ns, basemap_mtime_ns
    from geo.layers import basemap_is_current

    sha, text = _read_basemap()
    try:
        basemap = json.loads(text)
    except ValueError:
        basemap = None
    if isinstance(basemap, dict) and basemap_is_current(basemap, sha):
        return basemap
    return _basemap_fallback(sha)


def basemap_geojson() -> dict[str, Any]:
    """The same polygons as a GeoJSON mapping (EPSG:4326), for the map images drawn on the
    server; the pages' maps use :func:`basemap_encoded`."""
    return _basemap_geojson(_stamp(COUNTRIES_FILE), _stamp(BASEMAP_FILE))


@st.cache_data(show_spinner=False, max_entries=2)
def _hatch_paths(countries_mtime_ns: int, basemap_mtime_ns: int) -> dict[str, str]:
    from geo.layers import compute_hatch_paths

    return compute_hatch_paths(_basemap_geojson(countries_mtime_ns, basemap_mtime_ns))


def hatch_paths() -> dict[str, str]:
    """Hatch stripes per country over the basemap (:func:`geo.layers.compute_hatch_paths`),
    computed once per basemap file."""
    return _per_run(_hatch_paths, _stamp(COUNTRIES_FILE), _stamp(BASEMAP_FILE))  # type: ignore[no-any-return]


# --------------------------------------------------------------------------- risk analytics


@st.cache_resource(max_entries=4, show_spinner=False)
def _reference(path: str, version: str) -> Any:
    # What no filter changes (sources, routes, coverage, lists...), read once per published
    # version, like the connection it belongs with; read-only, so shared rather than copied
    # (it holds mapping proxies, which st.cache_data cannot copy).
    return report.load_reference(_connection(path, version))


def analytics_reference() -> report.Reference:
    """The services' reference data for the current warehouse version."""
    d = current_db()
    return _reference(d.path, d.version)


def _ref(db: Db) -> dict[str, Any]:
    """``{"ref": ...}`` for the service calls: what no filter changes, read once per version."""
    return {"ref": _reference(db.path, db.version)}


@_data
def _route_risk(db: Db, f: Filters) -> pd.DataFrame:
    return report.route_risk(connection(db), f, **_ref(db))


def route_risk(f: Filters) -> pd.DataFrame:
    """Route risk table from :mod:`services.report`."""
    return _per_run(_route_risk, current_db(), f)


@_data
def _route_risk_series(db: Db, f: Filters, route_id: str) -> pd.DataFrame:
    return report.route_risk_series(connection(db), f, route_id, **_ref(db))


def route_risk_series(f: Filters, route_id: str) -> pd.DataFrame:
    """One route's risk series from :mod:`services.report`."""
    return _per_run(_route_risk_series, current_db(), f, route_id)


@_data
def _country_risk(
    db: Db,
    f: Filters,
    kind: str,
    weights: tuple[tuple[str, float], ...],
    scope: str = report.DEFAULT_SCOPE,
    variant: str = report.DEFAULT_VARIANT,
) -> pd.DataFrame:
    fn = report.origin_risk if kind == "origin" else report.transit_risk
    return fn(connection(db), f, weights, scope=scope, variant=variant, **_ref(db))


def country_risk(
    f: Filters,
    kind: str,
    weights: tuple[tuple[str, float], ...],
    scope: str = report.DEFAULT_SCOPE,
    variant: str = report.DEFAULT_VARIANT,
) -> pd.DataFrame:
    """Origin or transit risk scores under ``weights`` (a tuple of (component, weight)), in
    ``scope`` (``europe`` or ``world``) and ``variant`` (``robust`` or ``raw``)."""
    if kind not in ("origin", "transit"):
        raise ValueError(f"kind must be 'origin' or 'transit', got {kind!r}")
    return _per_run(
        _country_risk,
        current_db(),
        f,
        kind,
        tuple((str(c), float(w)) for c, w in weights),
        str(scope),
        str(variant),
    )


def default_weights(kind: str) -> tuple[tuple[str, float], ...]:
    """The default component weights for ``kind`` (``origin`` or ``transit``)."""
    w = report.DEFAULT_ORIGIN_WEIGHTS if kind == "origin" else report.DEFAULT_TRANSIT_WEIGHTS
    return tuple((str(c), float(v)) for c, v in w)


def component_labels() -> dict[str, str]:
    """Component id -> plain label."""
    if get_lang() == i18n.DEFAULT_LANG:
        return {k: str(c.label).capitalize() for k, c in report.COMPONENTS.items()}
    # French: translated, first letter raised only (acronyms such as OIM keep their capitals).
    out = {}
    for k, c in report.COMPONENTS.items():
        label = i18n.gettext(str(c.label))
        out[k] = label[:1].upper() + label[1:]
    return out


@_data
def _headline_figures(db: Db, f: Filters) -> tuple[Figure, ...]:
    pf = f.previous_period()
    return report.headline(
        connection(db),
        f,
        current=_headline(db, f),
        previous=_headline(db, pf) if pf is not None else None,
        **_ref(db),
    )


def headline_figures(f: Filters) -> tuple[Figure, ...]:
    """The headline figures with their changes (:func:`services.report.headline`)."""
    return _per_run(_headline_figures, current_db(), f)


@_data
def _coverage(db: Db, f: Filters) -> dict[str, Coverage | None]:
    return report.coverage(connection(db), f, **_ref(db))


def coverage(f: Filters) -> dict[str, Coverage | None]:
    """The span each source vintage in use covers (:func:`services.report.coverage`)."""
    return _per_run(_coverage, current_db(), f)


@_data
def _origin_deaths(db: Db, f: Filters) -> pd.DataFrame:
    return report.origin_deaths(connection(db), f, **_ref(db))


def origin_deaths(f: Filters) -> pd.DataFrame:
    """Dead and missing by country of origin, split 1/k (:func:`services.report.origin_deaths`)."""
    return _per_run(_origin_deaths, current_db(), f)


@_data
def _plan_countries(db: Db, f: Filters) -> tuple[str, ...]:
    from services import planner

    return planner.default_countries(connection(db), f, **_ref(db))


def plan_countries(f: Filters) -> tuple[str, ...]:
    """The prevention planner's default countries (:func:`services.planner.default_countries`)."""
    return _per_run(_plan_countries, current_db(), f)


@_data
def _plan(db: Db, f: Filters, origins: tuple[str, ...]) -> Any:
    from services import planner

    fa = f.replace(origins=())
    scope = planner.PLANNER_SCOPE
    origin = _country_risk(db, fa, "origin", default_weights("origin"), scope)
    transit = _country_risk(db, fa, "transit", default_weights("transit"), scope)
    return planner.plan(
        connection(db), f, origins, origin_table=origin, transit_table=transit, **_ref(db)
    )


def plan(f: Filters, origins: tuple[str, ...]) -> Any:
    """The prevention planner's cards (:func:`services.planner.plan`, a ``Plan``)."""
    return _per_run(_plan, current_db(), f, tuple(origins))


@_data
def _alert_board(db: Db, f: Filters) -> pd.DataFrame:
    return report.alert_board(connection(db), f, **_ref(db))


@_data
def _alerts(db: Db, f: Filters) -> pd.DataFrame:
    return compute_alerts(_alert_board(db, f))


def alerts(f: Filters) -> pd.DataFrame:
    """Current alerts (``sentence`` column) from :mod:`services.report`."""
    return _per_run(_alerts, current_db(), f)


def watch(f: Filters) -> pd.DataFrame:
    """The "On watch" list (``sentence`` column): beyond chance against one reference only,
    or a recent fall the reporting delay may explain."""
    return compute_watch(_per_run(_alert_board, current_db(), f))


@_data
def _key_messages(db: Db, f: Filters, n: int) -> pd.DataFrame:
    # The page has (or is about to have) the route table, the alerts and the headline
    # figures for the same filters in the caches: handing them over spares computing them
    # twice. The country figures are left to the service, which needs only a part of them.
    return report.key_messages(
        connection(db),
        f,
        n=n,
        route_risk=_route_risk(db, f),
        alerts=_alerts(db, f),
        headline=_headline(db, f),
        figures=_headline_figures(db, f),
        **_ref(db),
    )


def key_messages(f: Filters, n: int = 5) -> pd.DataFrame:
    """Key messages (``sentence`` column) from :mod:`services.report`."""
    return _per_run(_key_messages, current_db(), f, n)


# --------------------------------------------------------------------------- follow the money


@_data
def _money(
    db: Db, f: Filters, persons: str, share: tuple[float, float] | None
) -> money_service.MoneyTables:
    from analytics.money import ShareRange

    rng = ShareRange(*share) if share is not None else None
    return money_service.money_tables(connection(db), f, persons=persons, share=rng)


def money(
    f: Filters, persons: str = "detections", share: tuple[float, float] | None = None
) -> money_service.MoneyTables:
    """Revenue ranges, route totals, leg shares and fee rows (:func:`services.money.money_tables`);
    ``share`` ``None`` is the cited share per route."""
    return _per_run(_money, current_db(), f, persons, share)


# --------------------------------------------------------------------------- housekeeping


@_data
def _refugee_population(db: Db, f: Filters, iso3: str) -> dict[str, Any]:
    from services import unhcr

    return unhcr.refugee_population(connection(db), f, iso3)


def refugee_population(f: Filters, iso3: str) -> dict[str, Any]:
    """Refugees and asylum-seekers from ``iso3`` (:func:`services.unhcr.refugee_population`)."""
    return _per_run(_refugee_population, current_db(), f, iso3)  # type: ignore[no-any-return]


@_data
def _route_arrival_ratio(db: Db, f: Filters, route_id: str) -> dict[str, Any] | None:
    from services import unhcr

    return unhcr.route_arrival_ratio(connection(db), f, route_id)


def route_arrival_ratio(f: Filters, route_id: str) -> dict[str, Any] | None:
    """Per 1,000 sea arrivals beside per 1,000 detections
    (:func:`services.unhcr.route_arrival_ratio`; ``None`` for a route without arrivals)."""
    return _per_run(_route_arrival_ratio, current_db(), f, route_id)  # type: ignore[no-any-return]


@_data
def _reconcile(db: Db, f: Filters, route_id: str) -> Reconciliation:
    return reconcile_route(connection(db), f, route_id, **_ref(db))


def reconcile(f: Filters, route_id: str) -> Reconciliation:
    """One route's sources side by side from :mod:`services.reconcile`."""
    return _per_run(_reconcile, current_db(), f, route_id)  # type: ignore[no-any-return]


DATA_CACHES = (
    _money,
    _vintages,
    _plan_countries,
    _plan,
    _filter_options,
    _headline,
    _incidents_by,
    _detections_by,
    _route_metrics,
    _lethality,
    _incidents,
    _incident_table,
    _incident_count,
    _incident_points,
    _incident_hex,
    _data_quality,
    _sources,
    _demo_flags,
    _vintage_labels,
    _rejected,
    _routes,
    _waypoints,
    _country_names,
    _indicator,
    _indicator_values,
    _route_risk,
    _route_risk_series,
    _country_risk,
    _alert_board,
    _alerts,
    _key_messages,
    _headline_figures,
    _origin_deaths,
    _coverage,
    _refugee_population,
    _route_arrival_ratio,
    _reconcile,
)


_settled = threading.Lock()
_settled_done = False


def settle_memory() -> None:
    """Once per process, after its first complete run: collect garbage, then freeze what is
    left (``gc.freeze``) so later collections skip it.

    What is alive then (the imported libraries, the warm caches: some 170,000 objects) lives as
    long as the process. Left to the collector, a full collection walks all of it every dozen
    reruns or so, a few hundred milliseconds at once under load on whichever rerun triggers it
    (the Risk page's slowest reruns at 1M incidents); frozen, collections walk only what later
    runs create. Objects freed by reference counting are freed as before, and the collection
    just before the freeze leaves no garbage in it. The cost: a frozen object that later ends
    up in an unreachable reference cycle (say the first session's state, or a cache entry
    cleared after an ingest) is never collected; that is bounded by what the first run left.
    """
    global _settled_done
    if _settled_done or not _settled.acquire(blocking=False):
        return
    try:
        if not _settled_done:
            gc.collect()
            gc.freeze()
            _settled_done = True
    finally:
        _settled.release()


def clear_after_ingest() -> None:
    """Drop the warehouse connection and every warehouse-derived cache (not other caches).

    Not needed for correctness (keys include the warehouse version); frees memory at once.
    """
    for fn in DATA_CACHES:
        fn.clear()
    _reference.clear()
    _connection.clear()


def online_basemap() -> bool:
    """Whether the opt-in online tile basemap is on (``ROUTEWATCH_ONLINE_BASEMAP=1``)."""
    return os.environ.get("ROUTEWATCH_ONLINE_BASEMAP", "").strip() == "1"
