"""The glue used by the app, the CLI and the briefings: queries in, risk tables out.

Each function takes a DuckDB connection and a frozen :class:`~data.filters.Filters`, runs the
aggregate queries of :mod:`data.risk_queries` and :mod:`data.queries`, and hands the small frames
to the pure ``compute_*`` functions of :mod:`analytics` and :mod:`geo.spatial`. Nothing here draws
or caches; the app wraps these calls in its own cached functions.

What no filter changes (sources, routes, country names, each source's date span, route
crossings, the OC Index, how route and origin lists follow their text) is read once into a
:class:`Reference` by :func:`load_reference`; pass it as ``ref=`` to skip those reads (the app
caches one per published warehouse version). Without it each call reads what it needs.
:func:`key_messages` also takes tables the caller already has (``route_risk=``, ``alerts=``, ...)
instead of computing them again.

Filter scope: period, route and origin restrict both incidents (IOM) and detections (Frontex, by
nationality); UN region, IOM region, cause and minimum source quality restrict incidents only, so
a ratio of the two under those filters compares a filtered numerator with an unfiltered
denominator. The ``note`` column says so whenever it happens.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

import i18n
from analytics.alerts import (
    ALERT_WINDOWS,
    compute_alert_board,
    compute_alerts,
    compute_watch,
    compute_windows,
)
from analytics.catalogue import (
    CAP_QUANTILE,
    DETECTION_CAVEAT,
    INCIDENT_ONLY_FILTERS,
    MIN_ESTIMATE_CAVEAT,
    SOURCE_NAMES,
    Coverage,
    Figure,
    compute_headline,
)
from analytics.measures import (
    compute_origin_components,
    compute_route_risk,
    compute_route_series,
    compute_top_routes,
    compute_transit_components,
)
from analytics.messages import compute_key_messages, period_text
from analytics.robust import PROFILE_COLUMNS, compute_robust_components
from analytics.scores import (
    COMPONENTS,
    DEFAULT_ORIGIN_WEIGHTS,
    DEFAULT_SCOPE,
    DEFAULT_TRANSIT_WEIGHTS,
    DEFAULT_VARIANT,
    FRONTEX_COMPONENTS,
    MIN_DETECTIONS,
    MIN_INCIDENTS,
    ORIGIN_COMPONENTS,
    ROBUST_COLUMNS,
    SCOPE_LABELS,
    TRANSIT_COMPONENTS,
    VARIANT_LABELS,
    check_scope,
    check_variant,
    compute_ranks,
    compute_scores,
    normalise_weights,
    scope_routes,
    scope_weights,
    why_rank,
)
from data.filters import Filters, as_date
from data.queries import (
    Vintages,
    choose_vintages,
    query_countries,
    query_headline,
    query_indicator,
    query_routes,
    query_sources,
    query_waypoints,
)
from data.risk_queries import (
    ListsByText,
    coverage_from_months,
    query_country_incident_sizes,
    query_country_tables,
    query_detection_cube,
    query_detections_by_nationality_route,
    query_frontex_routes,
    query_indicator_editions,
    query_lists_by_text,
    query_monthly_series,
    query_origin_incident_sizes,
    query_origin_tables,
    query_route_detection_totals,
    query_route_incident_totals,
    query_route_monthly,
    query_source_spans,
)
from i18n import N_, _, get_lang
from i18n.names import source_text

# geo.spatial imports geopandas (about 0.5 s): it is imported where boundaries are needed, so
# the first page draws without it.

__all__ = [
    "DEFAULT_ORIGIN_WEIGHTS",
    "DEFAULT_SCOPE",
    "DEFAULT_VARIANT",
    "DEFAULT_TRANSIT_WEIGHTS",
    "COMPONENTS",
    "Reference",
    "alert_candidates",
    "alerts",
    "alert_series",
    "alert_board",
    "watch",
    "key_messages",
    "load_reference",
    "origin_risk",
    "route_risk",
    "route_risk_series",
    "source_labels",
    "transit_risk",
    "why_rank",
]

Con = duckdb.DuckDBPyConnection
Span = tuple[dt.date | None, dt.date | None]

OC_INDICATOR = "oc_human_smuggling"
DEATH_CAVEAT = f"{MIN_ESTIMATE_CAVEAT} {DETECTION_CAVEAT}"


# ---------------------------------------------------------------- what no filter changes


@dataclass(frozen=True, eq=False)
class Reference:
    """What the risk tables read that no filter changes, for one warehouse version.

    Build it with :func:`load_reference` and pass it as ``ref=`` to the functions of this
    module, always with a connection to the same warehouse version (a cache keyed on the
    version keeps them together).

    Attributes
    ----------
    sources, routes : DataFrame
        :func:`data.queries.query_sources` and :func:`data.queries.query_routes`.
    labels : mapping
        :func:`source_labels`.
    country_names : Series
        Country name by ISO-3.
    spans : mapping
        Incident ``source_id`` -> (first, last) incident date.
    coverage : mapping
        Detection ``source_id`` -> (first day, last day) of the months covered.
    frontex_routes : frozenset of str
        Routes with both a Frontex series and IOM incidents.
    crossing : DataFrame
        ``route_id``, ``iso3``: routes crossing each country (stored at ingest).
    oc_editions : DataFrame
        :func:`data.risk_queries.query_indicator_editions` of the OC Index.
    oc_values : mapping
        Edition -> :func:`data.queries.query_indicator` rows of that edition.
    lists : mapping
        Incident ``source_id`` -> :class:`~data.risk_queries.ListsByText` (``None`` where
        the text does not decide the list).
    detection_cube : pyarrow.Table
        :func:`data.risk_queries.query_detection_cube` (detections summed by source, route,
        nationality and month).
    """

    sources: pd.DataFrame
    labels: Mapping[str, str]
    routes: pd.DataFrame
    country_names: pd.Series
    spans: Mapping[str, Span]
    coverage: Mapping[str, Span]
    frontex_routes: frozenset[str]
    crossing: pd.DataFrame
    oc_editions: pd.DataFrame
    oc_values: Mapping[int, pd.DataFrame]
    lists: Mapping[str, ListsByText | None]
    detection_cube: pa.Table

    @cached_property
    def vintage_iso(self) -> dict[str, str | None]:
        """``source_id`` -> the source's vintage as an ISO date (first row of a source)."""
        out: dict[str, str | None] = {}
        for sid, vintage in zip(self.sources["source_id"], self.sources["vintage"], strict=True):
            d = as_date(vintage)
            out.setdefault(str(sid), d.isoformat() if d else None)
        return out


def load_reference(con: Con) -> Reference:
    """Read everything of :class:`Reference` (a few small queries and two scans per source).

    Checking how route and origin lists follow their text reads every incident once (about
    0.15 s per million incidents); the grouped queries then run about three times faster.
    """
    # What a reference holds is language-neutral (English names and labels, as the warehouse
    # has them): one cached reference serves readers of every language, each call of this
    # module translating what it shows (:class:`_Ctx`).
    with i18n.use_lang(i18n.DEFAULT_LANG):
        return _load_reference(con)


def _load_reference(con: Con) -> Reference:
    ctx = _Ctx(con, None)
    spans = query_source_spans(con)
    inc = spans[spans["kind"] == "incidents"]
    det = spans[spans["kind"] == "detections"]
    mmp = ctx.sources.loc[ctx.sources["kind"] == "mmp", "source_id"]
    return Reference(
        sources=ctx.sources,
        labels=ctx.labels,
        routes=ctx.routes,
        country_names=ctx.names,
        spans={
            str(r.source_id): (as_date(r.first_date), as_date(r.last_date))
            for r in inc.itertuples(index=False)
        },
        coverage={
            str(r.source_id): coverage_from_months(r.first_date, r.last_date)
            for r in det.itertuples(index=False)
        },
        frontex_routes=ctx.frontex_routes,
        crossing=ctx.crossing,
        oc_editions=ctx.oc_editions,
        oc_values={int(e): ctx.oc_values(int(e)) for e in ctx.oc_editions["edition"]},
        lists={str(sid): query_lists_by_text(con, str(sid)) for sid in mmp},
        detection_cube=query_detection_cube(con),
    )


class _Ctx:
    """One call's view of the warehouse: from ``ref`` where given, else read on first use."""

    def __init__(self, con: Con, ref: Reference | None) -> None:
        self.con = con
        self.ref = ref
        self._spans: dict[str | None, Span] = {}
        self._coverage: dict[str | None, Span] = {}
        self._oc: dict[int, pd.DataFrame] = {}

    @cached_property
    def sources(self) -> pd.DataFrame:
        return self.ref.sources if self.ref else query_sources(self.con)

    @cached_property
    def routes(self) -> pd.DataFrame:
        return self.ref.routes if self.ref else query_routes(self.con)

    @cached_property
    def names(self) -> pd.Series:
        """Country name by ISO-3, in the reader's language (:func:`i18n.country_names`)."""
        if self.ref:
            english = self.ref.country_names
        else:
            english = query_countries(self.con, with_geometry=False).set_index("iso3")["name"]
        if get_lang() == "en":
            return english
        return pd.Series(i18n.country_names(english.to_dict()), name=english.name)

    @cached_property
    def route_names(self) -> pd.Series:
        """Route name by route id, in the reader's language."""
        names = self.routes.set_index("route_id")["name"]
        return names if get_lang() == "en" else names.map(i18n.route_name)

    @cached_property
    def routes_shown(self) -> pd.DataFrame:
        """:attr:`routes` with the names in the reader's language."""
        if get_lang() == "en":
            return self.routes
        return self.routes.assign(name=self.routes["name"].map(i18n.route_name))

    @cached_property
    def labels(self) -> dict[str, str]:
        if get_lang() != "en":  # the reference holds the English labels
            return _labels(self.sources)
        return dict(self.ref.labels) if self.ref else _labels(self.sources)

    @cached_property
    def frontex_routes(self) -> frozenset[str]:
        return self.ref.frontex_routes if self.ref else query_frontex_routes(self.con)

    @cached_property
    def countries(self) -> Any:
        # Boundaries are only needed for incidents without a country (rare): read on demand.
        from geo.spatial import compute_country_geodataframe

        return compute_country_geodataframe(query_countries(self.con))

    @cached_property
    def crossing(self) -> pd.DataFrame:
        if self.ref:
            return self.ref.crossing
        return _routes_crossing(self.con, lambda: self.countries)

    @cached_property
    def oc_editions(self) -> pd.DataFrame:
        return (
            self.ref.oc_editions if self.ref else query_indicator_editions(self.con, OC_INDICATOR)
        )

    def oc_values(self, edition: int) -> pd.DataFrame:
        if self.ref and edition in self.ref.oc_values:
            return self.ref.oc_values[edition]
        if edition not in self._oc:
            self._oc[edition] = query_indicator(self.con, OC_INDICATOR, edition)
        return self._oc[edition]

    def vintages(self, f: Filters) -> Vintages:
        s = self.sources
        return choose_vintages(zip(s["source_id"], s["kind"], s["is_demo"], strict=True), f)

    def span(self, source_id: str | None) -> Span:
        if self.ref:
            return self.ref.spans.get(source_id or "", (None, None))
        if source_id not in self._spans:
            row = _one(
                self.con,
                "SELECT min(incident_date), max(incident_date) FROM incidents "
                "WHERE source_id = $src",
                {"src": source_id or ""},
            )
            self._spans[source_id] = (as_date(row[0]), as_date(row[1]))
        return self._spans[source_id]

    def coverage(self, source_id: str | None) -> Span:
        if self.ref:
            return self.ref.coverage.get(source_id or "", (None, None))
        if source_id not in self._coverage:
            row = _one(
                self.con,
                "SELECT min(month), max(month) FROM detections WHERE source_id = $dsrc",
                {"dsrc": source_id or ""},
            )
            self._coverage[source_id] = coverage_from_months(row[0], row[1])
        return self._coverage[source_id]

    @property
    def cube(self) -> pa.Table | None:
        return self.ref.detection_cube if self.ref else None

    def lists(self, source_id: str | None) -> ListsByText | None:
        # Without a reference the check would cost more than it saves in one call.
        return self.ref.lists.get(source_id or "") if self.ref else None

    def vintage_of(self, source_id: str | None) -> str | None:
        if not source_id:
            return None
        if self.ref:  # read once per warehouse version, not filtered per call (about 1 ms)
            return self.ref.vintage_iso.get(source_id)
        s = self.sources
        hit = s[s["source_id"] == source_id]
        if hit.empty:
            return None
        d = as_date(hit.iloc[0]["vintage"])
        return d.isoformat() if d else None

    def check_routes(self, route_ids: tuple[str, ...]) -> None:
        known = set(self.routes["route_id"])
        unknown = [r for r in route_ids if r not in known]
        if unknown:
            raise ValueError(
                _("unknown route id(s): {ids}; known ids: {known}").format(
                    ids=", ".join(unknown), known=", ".join(sorted(known))
                )
            )

    def oc_index(self, f: Filters) -> tuple[pd.DataFrame, str | None]:
        """The latest OC Index edition not newer than the period (else the oldest loaded)."""
        eds = self.oc_editions
        if eds.empty:
            return pd.DataFrame(columns=["iso3", "value", "edition", "source_id"]), None
        year = f.date_to.year if f.date_to else None
        ok = eds[eds["edition"] <= year] if year is not None else eds
        edition = int(ok["edition"].max()) if len(ok) else int(eds["edition"].min())
        df = self.oc_values(edition)
        sid = str(df["source_id"].iloc[0]) if len(df) else None
        return df, sid


def _one(con: Con, sql: str, params: dict[str, Any]) -> tuple[Any, ...]:
    cur = con.cursor()
    try:
        row = cur.execute(sql, params).fetchone()
    finally:
        cur.close()
    return tuple(row) if row else (None, None)


#: How a reader sees a source cited (:func:`_labels`): publisher and vintage, or the edition
#: year of an annual index. :func:`ui.render.split_citation` recognises a citation by these, in
#: every language, so a new form added here is set apart on the pages too.
VINTAGE_CITATION = N_("{publisher}, vintage {date}")
EDITION_CITATION = N_("{publisher}, {year} edition")
CITATION_FORMS: tuple[str, ...] = (VINTAGE_CITATION, EDITION_CITATION)


def _labels(s: pd.DataFrame) -> dict[str, str]:
    """The citation of each source a reader sees, in the reader's language: publisher and
    vintage ("IOM Missing Migrants Project, vintage 2026-04-09"; "..., 2023 edition" for the
    OC Index; "... (SYNTHETIC DEMO DATA)" for demo sources), never the internal source id.

    The one definition for every language: English keeps the ISO date it always had, other
    languages write the date in words (``9 avril 2026``). The id stays in the audit trail,
    ``--json`` and the "Sources and caveats" provenance, one click away.
    """
    english = get_lang() == i18n.DEFAULT_LANG
    out: dict[str, str] = {}
    for r in s.to_dict("records"):
        vint = as_date(r.get("vintage"))
        publisher = source_text(r["publisher"])
        if r.get("kind") == "oc-index" and vint:
            text = _(EDITION_CITATION).format(publisher=publisher, year=vint.year)
        elif vint:
            date = vint.isoformat() if english else i18n.fmt_date(vint)
            text = _(VINTAGE_CITATION).format(publisher=publisher, date=date)
        else:
            text = publisher
        if bool(r.get("is_demo")):
            text += " (" + _("SYNTHETIC DEMO DATA") + ")"
        out[str(r["source_id"])] = text
    return out


def source_labels(con: Con, *, ref: Reference | None = None) -> dict[str, str]:
    """Citation text per ``source_id``: publisher and vintage (never the internal id).

    Returns
    -------
    dict
        ``source_id`` -> e.g. ``"IOM Missing Migrants Project, vintage 2026-04-09"``; demo
        sources say ``SYNTHETIC DEMO DATA``.
    """
    return _Ctx(con, ref).labels


def display_names(con: Con, *, ref: Reference | None = None) -> dict[str, str]:
    """Route id, ISO3 code and source id -> the name a reader sees (route and country names,
    vintage labels), for :meth:`~data.filters.Filters.describe` in packs and commands."""
    from analytics.figures import vintage_labels

    ctx = _Ctx(con, ref)
    return {
        **{str(k): str(v) for k, v in ctx.names.items()},
        **{str(k): str(v) for k, v in ctx.route_names.items()},
        **vintage_labels(ctx.sources),
    }


def _scope_note(f: Filters) -> str:
    mixed = bool(f.un_regions or f.un_subregions or f.mmp_regions or f.causes)
    mixed = mixed or bool(f.min_source_quality)
    caveat = _(MIN_ESTIMATE_CAVEAT) + " " + _(DETECTION_CAVEAT)
    return caveat + (" " + _(INCIDENT_ONLY_FILTERS) if mixed else "")


# ---------------------------------------------------------------- headline figures


def coverage(con: Con, f: Filters, *, ref: Reference | None = None) -> dict[str, Coverage | None]:
    """The span each source vintage in use covers: ``"mmp"`` and ``"frontex"`` ->
    :class:`~analytics.catalogue.Coverage` (``None`` when no vintage of it is loaded).

    IOM covers from the first day of the month of its first incident to its last incident;
    Frontex from its first to the last day of its last month.
    """
    return _coverage(_Ctx(con, ref), f)


def _coverage(ctx: _Ctx, f: Filters) -> dict[str, Coverage | None]:
    v = ctx.vintages(f)
    out: dict[str, Coverage | None] = {"mmp": None, "frontex": None}
    if v.incidents:
        lo, hi = ctx.span(v.incidents)
        if lo is not None and hi is not None:
            out["mmp"] = Coverage(SOURCE_NAMES["mmp"], lo.replace(day=1), hi)
    if v.detections:
        lo, hi = ctx.coverage(v.detections)
        if lo is not None and hi is not None:
            out["frontex"] = Coverage(SOURCE_NAMES["frontex"], lo, hi)
    return out


def headline(
    con: Con,
    f: Filters,
    *,
    current: Mapping[str, Any] | None = None,
    previous: Mapping[str, Any] | None = None,
    ref: Reference | None = None,
) -> tuple[Figure, ...]:
    """The headline figures (dead and missing, of whom missing, incidents, detections) with
    their change against the previous period, by the catalogue's rules.

    ``current`` and ``previous`` are :func:`data.queries.query_headline` for ``f`` and
    ``f.previous_period()`` when the caller already has them (read here otherwise).
    """
    ctx = _Ctx(con, ref)
    head = current if current is not None else query_headline(con, f)
    return _headline_figures(ctx, f, head, previous)


def _headline_figures(
    ctx: _Ctx,
    f: Filters,
    head: Mapping[str, Any],
    previous: Mapping[str, Any] | None = None,
) -> tuple[Figure, ...]:
    pf = f.previous_period()
    prev = previous if previous is not None else (query_headline(ctx.con, pf) if pf else None)
    return compute_headline(
        head,
        prev,
        period=f.period(),
        previous_period=pf.period() if pf is not None else None,
        coverage=_coverage(ctx, f),
    )


# ---------------------------------------------------------------- routes


def route_risk(con: Con, f: Filters, *, ref: Reference | None = None) -> pd.DataFrame:
    """Deaths, detections and lethality per canonical route under the filters.

    Parameters
    ----------
    ref : Reference, optional
        From :func:`load_reference` for the same warehouse version (skips those reads).

    Returns
    -------
    DataFrame
        One row per route (only the filtered routes when a route filter is set), sorted by dead
        and missing: ``route_id``, ``name``, ``colour``, ``incidents`` (count),
        ``dead_and_missing`` (persons, IOM minimum estimates; an incident with several route
        labels counts on each), ``multi_route_incidents`` (count of such incidents on the
        route), ``detections`` (Frontex events; ``NaN`` where Frontex has no series),
        ``deaths_per_1000_detections`` (persons per 1,000 detections over the months both
        series cover; ``NaN`` where not both), ``dead_and_missing_in_detection_months`` and ``detections_in_incident_months``
        (persons, the numerator), ``has_both_series`` (bool), ``incident_source``,
        ``detection_source`` (``source_id``; ``None`` where no series), ``incident_vintage``,
        ``detection_vintage`` (ISO dates), ``lethality_period`` (text), ``note`` (caveats and
        filter scope).
    """
    return _route_risk(_Ctx(con, ref), f)


def _route_risk(ctx: _Ctx, f: Filters) -> pd.DataFrame:
    if f.routes:
        ctx.check_routes(f.routes)
    v = ctx.vintages(f)
    cov = ctx.coverage(v.detections)
    inc = query_route_incident_totals(ctx.con, f, cov, v, ctx.lists(v.incidents))
    det = query_route_detection_totals(ctx.con, f, v, ctx.cube)
    # The months both sources cover (the catalogue's rule for lethality): the period cut to
    # the IOM vintage's span and to the Frontex vintage's. The numerator (incidents in
    # Frontex's months) is cut by the query; the denominator is cut to IOM's months here.
    first, last = ctx.span(v.incidents)
    window: tuple[dt.date, dt.date] | None = None
    if first is not None and last is not None and cov[0] and cov[1]:
        lo = max(f.date_from or first, first.replace(day=1), cov[0])
        hi = min(f.date_to or last, last, cov[1])
        window = (lo, hi) if lo <= hi else None
    det_both = (
        query_route_detection_totals(
            ctx.con, f.replace(date_from=window[0], date_to=window[1]), v, ctx.cube
        )
        if window
        else det.iloc[0:0]
    )
    rr = compute_route_risk(ctx.routes_shown, inc, det, v.detections is not None, det_both)
    if f.routes:
        rr = rr[rr["route_id"].isin(f.routes)].reset_index(drop=True)
    leth = (
        _("{start} to {end}").format(start=window[0].isoformat(), end=window[1].isoformat())
        if window
        else _("no months with both series")
    )
    has_det = rr["detections"].notna()
    det_vintage = ctx.vintage_of(v.detections)
    rr["incident_source"] = v.incidents
    rr["detection_source"] = [v.detections if h else None for h in has_det]
    rr["incident_vintage"] = ctx.vintage_of(v.incidents)
    rr["detection_vintage"] = [det_vintage if h else None for h in has_det]
    rr["lethality_period"] = [leth if b else None for b in rr["has_both_series"]]
    rr["note"] = _scope_note(f)
    return rr


_ROUTE_METRIC_COLUMNS = [
    "route_id",
    "name",
    "colour",
    "incidents",
    "dead_and_missing",
    "detections",
    "deaths_per_1000_detections",
]


def route_metrics_from_risk(routes: pd.DataFrame, rr: pd.DataFrame) -> pd.DataFrame:
    """One row per reference route (in ``routes`` order) with the :func:`route_risk` figures
    (routes outside a route filter have none): what maps and route bars draw.

    Plain numpy over the ~30 routes: the pandas merge and casts it replaces cost 4-5 ms a
    rerun, for what is a lookup.
    """
    ids = routes["route_id"].tolist()
    pos = {r: i for i, r in enumerate(rr["route_id"].tolist())}
    idx = np.array([pos.get(r, -1) for r in ids], dtype=np.intp)
    hit = idx >= 0

    def take(col: str, fill: float) -> np.ndarray:
        out = np.full(len(ids), fill, dtype="float64")
        if col in rr.columns:
            out[hit] = rr[col].to_numpy(dtype="float64", na_value=np.nan)[idx[hit]]
        return out

    det = take("detections", np.nan)
    out = pd.DataFrame(
        {
            "route_id": routes["route_id"].to_numpy(),
            "name": routes["name"].to_numpy(),
            "colour": routes["colour"].to_numpy(),
            "incidents": np.nan_to_num(take("incidents", 0.0)).astype("int64"),
            "dead_and_missing": np.nan_to_num(take("dead_and_missing", 0.0)).astype("int64"),
            "detections": pd.array(np.round(det), dtype="Float64").astype("Int64"),
            "deaths_per_1000_detections": pd.array(
                take("deaths_per_1000_detections", np.nan), dtype="Float64"
            ),
        }
    )
    return out[_ROUTE_METRIC_COLUMNS]


def route_metrics(con: Con, f: Filters, *, ref: Reference | None = None) -> pd.DataFrame:
    """:func:`route_metrics_from_risk` of :func:`route_risk` for ``f``."""
    ctx = _Ctx(con, ref)
    return route_metrics_from_risk(ctx.routes_shown, _route_risk(ctx, f))


def route_risk_series(
    con: Con, f: Filters, route_id: str, *, ref: Reference | None = None
) -> pd.DataFrame:
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
    ctx = _Ctx(con, ref)
    ctx.check_routes((route_id,))
    routes = ctx.routes.set_index("route_id")
    v = ctx.vintages(f)
    monthly = query_route_monthly(con, f, route_id, v)
    both = bool(routes.loc[route_id, "frontex"]) and bool(routes.loc[route_id, "mmp"])
    return compute_route_series(monthly, both, ctx.span(v.incidents))


# ---------------------------------------------------------------- countries


def _sources_text(labels: dict[str, str], *ids: str | None) -> str:
    return i18n.join_list(labels.get(i, i) for i in dict.fromkeys(i for i in ids if i))


# Columns the robust scores add (after the components, before the tail of the table).
_ROBUST_EXTRA = [
    "variant",
    "scope",
    "score_raw",
    "rank_raw",
    "score_robust",
    "rank_robust",
    *PROFILE_COLUMNS[1:],
    "dead_and_missing_capped_previous",
    "change_pct_capped",
    "deaths_per_1000_detections_shrunk",
    "incident_cap",
]


def _in_scope(ctx: _Ctx, f: Filters, scope: str) -> Filters:
    """``f`` with its routes limited to ``scope`` (see :func:`analytics.scores.scope_routes`).

    Raises
    ------
    ValueError
        When the routes chosen in ``f`` are all outside the scope.
    """
    keep = scope_routes(ctx.routes, scope)
    if keep is None:
        return f
    if not f.routes:
        return f.replace(routes=keep)
    inside = tuple(r for r in f.routes if r in keep)
    if not inside:
        raise ValueError(
            _(
                "none of the routes chosen is in the scope {scope}; choose the scope 'world' to "
                "score them"
            ).format(scope=repr(_(SCOPE_LABELS[scope])))
        )
    return f.replace(routes=inside)


def _scope_text(scope: str, variant: str) -> str:
    extra = (
        " "
        + _(
            "Frontex reports only on routes into the EU, so in this scope its components have "
            "no data and their weight goes to the others."
        )
        if scope == "world"
        else ""
    )
    text = _("Scope: {scope}. Scores: {variant}.").format(
        scope=_(SCOPE_LABELS[scope]), variant=_(VARIANT_LABELS[variant])
    )
    return f"{text}{extra} "


def _score_variants(
    comp: pd.DataFrame,
    weights: tuple[tuple[str, float], ...],
    evidence: tuple[tuple[str, float], ...],
    scope: str,
    variant: str,
) -> pd.DataFrame:
    """Score under both variants; keep ``variant``'s table with the other's score and rank."""
    if scope == "world":
        comp = comp.copy()
        for c in (*FRONTEX_COMPONENTS, "deaths_per_1000_detections_shrunk"):
            if c in comp.columns:
                comp[c] = np.nan
    shown = ROBUST_COLUMNS if variant == "robust" else None
    out = compute_scores(comp, weights, evidence=evidence, columns=shown)
    other_score, other_rank = compute_ranks(
        comp, weights, evidence, None if variant == "robust" else ROBUST_COLUMNS
    )
    other = "raw" if variant == "robust" else "robust"
    at = pd.Index(comp["iso3"]).get_indexer(out["iso3"].to_numpy())
    new: dict[str, Any] = {
        f"score_{variant}": out["score"].to_numpy(dtype=float),
        f"rank_{variant}": out["rank"].array,
        f"score_{other}": other_score[at],
        f"rank_{other}": other_rank.take(at),
        "variant": np.full(len(out), variant, dtype=object),
        "scope": np.full(len(out), scope, dtype=object),
    }
    new = {
        k: new[k]
        for k in ("score_raw", "rank_raw", "score_robust", "rank_robust", "variant", "scope")
    }
    return pd.concat([out, pd.DataFrame(new, index=out.index)], axis=1)


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
    df["why"] = [why_rank(r) for r in _rows(df)]
    lead = ["iso3", "name", "score", "rank", "confidence", "insufficient_data"]
    comp = list(components)
    scaled = [f"c_{c}" for c in components]
    contrib = [f"contrib_{c}" for c in components]
    tail = ["split_incidents", "incidents", "top_routes", "sources", "why"]
    extra = [*_ROBUST_EXTRA, *extra]
    rest = [c for c in extra if c in df.columns and c not in lead + comp + tail]
    ordered = lead + comp + scaled + contrib + tail + rest + ["available_weight", "ranked_of"]
    for c in ordered:
        if c not in df.columns:
            df[c] = np.nan
    return df[ordered].reset_index(drop=True)


def _rows(df: pd.DataFrame) -> list[dict[str, Any]]:
    # Plain dicts per row: what iterrows gives, without building a Series per row (10x faster).
    names = list(df.columns)
    values = [df[c].tolist() for c in names]
    return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]


def origin_risk(
    con: Con,
    f: Filters,
    weights: tuple[tuple[str, float], ...] | None = None,
    *,
    ref: Reference | None = None,
    scope: str = DEFAULT_SCOPE,
    variant: str = DEFAULT_VARIANT,
    cap_quantile: float = CAP_QUANTILE,
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
    ref : Reference, optional
        From :func:`load_reference` for the same warehouse version (skips those reads).
    scope : {"europe", "world"}
        Routes towards Europe (default) or every route, without the Frontex components
        (:data:`analytics.scores.SCOPES`).
    variant : {"robust", "raw"}
        Score the death components on capped incidents and shrunk rates (default) or on the
        recorded counts (:mod:`analytics.robust`); both scores and ranks are returned.
    cap_quantile : float
        The quantile of the period's incident sizes at which the robust variant caps each
        incident (default :data:`analytics.catalogue.CAP_QUANTILE`; other values are for
        sensitivity analyses such as ``scripts/risk_churn.py``).

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
        The robust scores add ``variant``, ``scope``, ``score_raw``, ``rank_raw``,
        ``score_robust``, ``rank_robust``, ``dead_and_missing_capped`` (persons, each incident
        capped at ``incident_cap``), ``dead_and_missing_frontex_routes_capped``,
        ``largest_incident_dead_and_missing`` (persons, the country's 1/k share of its largest
        incident), ``largest_incident_date``, ``largest_incident_share`` (0-1),
        ``driven_by_one_incident`` (bool), ``dead_and_missing_capped_previous``,
        ``change_pct_capped`` (percent) and ``deaths_per_1000_detections_shrunk``.
    """
    return _origin_risk(_Ctx(con, ref), f, weights, scope, variant, cap_quantile)


def _origin_risk(
    ctx: _Ctx,
    f: Filters,
    weights: tuple[tuple[str, float], ...] | None,
    scope: str = DEFAULT_SCOPE,
    variant: str = DEFAULT_VARIANT,
    cap_quantile: float = CAP_QUANTILE,
) -> pd.DataFrame:
    check_scope(scope)
    check_variant(variant)
    w = scope_weights(normalise_weights(weights, ORIGIN_COMPONENTS, DEFAULT_ORIGIN_WEIGHTS), scope)
    if f.routes:
        ctx.check_routes(f.routes)
    fa = _in_scope(ctx, f, scope).replace(origins=())
    v = ctx.vintages(fa)
    cov = ctx.coverage(v.detections)
    inc = query_origin_tables(
        ctx.con, fa, cov, v, ctx.lists(v.incidents), frontex_routes=ctx.frontex_routes
    )
    det = query_detections_by_nationality_route(ctx.con, fa, v, ctx.cube)
    names = ctx.names
    # Frontex pseudo-nationalities (unknown, other, stateless) are not countries of origin.
    det = det[det["iso3"].isin(names.index)]
    oc, oc_src = ctx.oc_index(fa)
    comp = compute_origin_components(inc.current, inc.previous, det, oc[["iso3", "value"]])
    sizes = query_origin_incident_sizes(
        ctx.con, fa, cov, v, ctx.lists(v.incidents), frontex_routes=ctx.frontex_routes
    )
    comp = compute_robust_components(comp, sizes, cap_quantile)
    scored = _score_variants(
        comp,
        w,
        (("incidents", MIN_INCIDENTS), ("detections", MIN_DETECTIONS)),
        scope,
        variant,
    )
    rn = ctx.route_names
    by_det = compute_top_routes(det, "detections", rn, label=_("of Frontex detections"))
    by_dm = compute_top_routes(
        inc.by_route, "dead_and_missing", rn, label=_("of IOM dead and missing")
    )
    top = pd.concat([by_det, by_dm[~by_dm["iso3"].isin(by_det["iso3"])]], ignore_index=True)
    with_fx = len(det) > 0 and scope != "world"
    sources = _sources_text(ctx.labels, v.incidents, v.detections if with_fx else None, oc_src)
    out = _finish_country_table(
        scored,
        ORIGIN_COMPONENTS,
        names,
        top,
        sources,
        ["mean_source_quality", "dead_and_missing_previous", "dead_and_missing_frontex_routes"],
    )
    unk = inc.unknown.iloc[0]
    out["note"] = (
        _(
            "{n} incidents ({dm} dead and missing) have no recorded country of origin and count "
            "for no country. Incidents with several origins are split evenly (split_incidents)."
        ).format(
            n=i18n.fmt_number(int(unk["incidents"])),
            dm=i18n.fmt_number(int(unk["dead_and_missing"])),
        )
        + " "
        + _scope_text(scope, variant)
        + _scope_note(f)
    )
    out["oc_source"] = oc_src
    out["oc_edition"] = int(oc["edition"].iloc[0]) if len(oc) else None
    if f.origins:
        out = out[out["iso3"].isin(f.origins)].reset_index(drop=True)
    return out


def _routes_crossing(con: Any, countries: Any) -> pd.DataFrame:
    """Route x country crossings stored at ingest; computed here for older warehouses.

    ``countries`` is the country GeoDataFrame or a function returning it (only called when
    nothing is stored).
    """
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
    gdf = countries() if callable(countries) else countries
    from geo.spatial import compute_routes_crossing

    return compute_routes_crossing(query_waypoints(con), gdf)


def _max_km(max_km: float | None) -> float:
    if max_km is not None:
        return max_km
    from geo.spatial import DEFAULT_MAX_KM

    return DEFAULT_MAX_KM


def _place(ctx: _Ctx, loose: pd.DataFrame, max_km: float | None) -> pd.DataFrame:
    if not len(loose):
        return loose
    from geo.spatial import compute_nearest_country

    return compute_nearest_country(loose, ctx.countries, _max_km(max_km))


def transit_risk(
    con: Con,
    f: Filters,
    weights: tuple[tuple[str, float], ...] | None = None,
    max_km: float | None = None,
    *,
    ref: Reference | None = None,
    scope: str = DEFAULT_SCOPE,
    variant: str = DEFAULT_VARIANT,
) -> pd.DataFrame:
    """Transit risk per country where people die or that routes cross.

    Incidents without a recorded country are placed in the nearest country within ``max_km``
    kilometres (measured in the point's UTM zone; see :func:`geo.spatial.compute_nearest_country`).

    Parameters
    ----------
    weights : tuple of (component, weight), optional
        Components of :data:`~analytics.scores.TRANSIT_COMPONENTS`; default
        :data:`DEFAULT_TRANSIT_WEIGHTS`.
    max_km : float, optional
        Largest distance (default :data:`geo.spatial.DEFAULT_MAX_KM`) for nearest-country assignment.
    ref : Reference, optional
        From :func:`load_reference` for the same warehouse version (skips those reads).

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
        ``oc_source`` and ``oc_edition``; the scope, variant and robust columns of
        :func:`origin_risk` (``scope`` and ``variant`` as there; each incident counts whole
        for its one country).
    """
    return _transit_risk(_Ctx(con, ref), f, weights, max_km, scope, variant)


def _transit_risk(
    ctx: _Ctx,
    f: Filters,
    weights: tuple[tuple[str, float], ...] | None,
    max_km: float | None,
    scope: str = DEFAULT_SCOPE,
    variant: str = DEFAULT_VARIANT,
) -> pd.DataFrame:
    check_scope(scope)
    check_variant(variant)
    w = scope_weights(
        normalise_weights(weights, TRANSIT_COMPONENTS, DEFAULT_TRANSIT_WEIGHTS), scope
    )
    if f.routes:
        ctx.check_routes(f.routes)
    f_user = f
    f = _in_scope(ctx, f, scope)
    v = ctx.vintages(f)
    inc = query_country_tables(ctx.con, f, v, ctx.lists(v.incidents))
    loose = _place(ctx, inc.unlocated, max_km)
    prev_loose = (
        _place(ctx, inc.previous_unlocated, max_km) if inc.previous_unlocated is not None else None
    )
    crossing = ctx.crossing
    if f.routes:
        crossing = crossing[crossing["route_id"].isin(f.routes)]
    route_det = query_route_detection_totals(ctx.con, f, v, ctx.cube)
    oc, oc_src = ctx.oc_index(f)
    comp = compute_transit_components(
        inc.located,
        loose,
        inc.previous_located,
        prev_loose,
        crossing,
        route_det,
        oc[["iso3", "value"]],
    )
    comp["split_incidents"] = 0
    comp = compute_robust_components(comp, _country_sizes(ctx, f, v, loose, prev_loose))
    scored = _score_variants(
        comp,
        w,
        (("incidents", MIN_INCIDENTS), ("detections_on_routes_crossing", MIN_DETECTIONS)),
        scope,
        variant,
    )
    top = compute_top_routes(
        inc.by_route, "dead_and_missing", ctx.route_names, label=_("of IOM dead and missing")
    )
    sources = _sources_text(
        ctx.labels,
        v.incidents,
        v.detections if len(route_det) and scope != "world" else None,
        oc_src,
    )
    unplaced = loose[loose["nearest_iso3"].isna()] if len(loose) else loose
    n_un = int(unplaced["incidents"].sum()) if len(unplaced) else 0
    dm_un = int(unplaced["dead_and_missing"].sum()) if len(unplaced) else 0
    n_as = int(loose["incidents"].sum()) - n_un if len(loose) else 0
    km = _max_km(max_km)
    note = (
        _(
            "{n} incidents without a recorded country were placed in the nearest country within "
            "{km} km; {n_un} ({dm_un} dead and missing) were not placed and count for no country."
        ).format(
            n=i18n.fmt_number(n_as),
            km=f"{km:g}" if get_lang() == "en" else i18n.fmt_number(km, 0 if km == int(km) else 1),
            n_un=i18n.fmt_number(n_un),
            dm_un=i18n.fmt_number(dm_un),
        )
        + " "
        + _scope_text(scope, variant)
        + _scope_note(f_user)
    )
    out = _finish_country_table(
        scored,
        TRANSIT_COMPONENTS,
        ctx.names,
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


def _country_sizes(
    ctx: _Ctx,
    f: Filters,
    v: Vintages,
    loose: pd.DataFrame,
    prev_loose: pd.DataFrame | None,
) -> pd.DataFrame:
    """Incidents by size and country of incident, those without a country placed where the
    transit table placed them (by their coordinates)."""
    sizes = query_country_incident_sizes(ctx.con, f, v)
    placed = [t for t in (loose, prev_loose) if t is not None and len(t)]
    nearest: dict[tuple[float, float], Any] = {}
    for t in placed:
        for lon, lat, iso in zip(t["lon"], t["lat"], t["nearest_iso3"], strict=True):
            if pd.notna(lon) and pd.notna(lat):
                nearest[(float(lon), float(lat))] = iso
    iso3 = [
        i if i is not None else nearest.get((float(lo), float(la)))
        for i, lo, la in zip(sizes["iso3"], sizes["lon"], sizes["lat"], strict=True)
    ]
    sizes["countries"] = [(str(i),) if i is not None and pd.notna(i) else () for i in iso3]
    return sizes


# ---------------------------------------------------------------- alerts


def default_as_of(con: Con, f: Filters, *, ref: Reference | None = None) -> dt.date:
    """The month alerts look at by default (first day of that month).

    The last complete month of the incident vintage; when the filters end earlier
    (``f.date_to``), the last complete month of the filtered period instead.
    """
    return _default_as_of(_Ctx(con, ref), f)


def _default_as_of(ctx: _Ctx, f: Filters) -> dt.date:
    last = ctx.span(ctx.vintages(f).incidents)[1]
    if last is None:
        raise ValueError(_("no incident data is loaded"))
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
    con: Con,
    f: Filters,
    as_of: dt.date | None = None,
    months: int | None = None,
    *,
    ref: Reference | None = None,
) -> pd.DataFrame:
    """Every route and country series evaluated against the alert rules (alerts, watches, rest).

    Both measures (incidents: exact test; dead and missing: quasi-Poisson test) over each
    window: ``months`` alone when given, else the latest month and the latest quarter
    (:data:`analytics.alerts.ALERT_WINDOWS`). The filters' own dates are replaced by the
    alert windows; the other filters apply. Routes are the canonical routes except
    ``unclassified``; countries are countries of incident.

    Returns
    -------
    DataFrame
        :func:`analytics.alerts.compute_alert_board` columns (``measure``, ``window_months``).

    Raises
    ------
    ValueError
        If ``as_of`` is after the last month of the incident vintage.
    """
    return _alert_candidates(_Ctx(con, ref), f, as_of, months)


def _alert_candidates(
    ctx: _Ctx, f: Filters, as_of: dt.date | None, months: int | None
) -> pd.DataFrame:
    if f.routes:
        ctx.check_routes(f.routes)
    v = ctx.vintages(f)
    last = ctx.span(v.incidents)[1]
    if as_of is None:
        as_of = _default_as_of(ctx, f)
    if last is None or (as_of.year, as_of.month) > (last.year, last.month):
        raise ValueError(
            _("as-of month {month} is after the last month of the incident data ({last})").format(
                month=f"{as_of:%Y-%m}", last=f"{last:%Y-%m}"
            )
            if last
            else _("no incident data is loaded")
        )
    windows = ALERT_WINDOWS if months is None else (int(months),)
    win = compute_windows(as_of, max(windows))
    fw = f.replace(date_from=win["baseline"][0], date_to=win["current"][1])
    series = query_monthly_series(ctx.con, fw, v, ctx.lists(v.incidents))
    # Names by key; a key with two names keeps the first (a route's over a country's).
    keys = ctx.route_names.index.tolist() + ctx.names.index.tolist()
    names = ctx.route_names.tolist() + ctx.names.tolist()
    return compute_alert_board(
        _alert_input(series, f.routes),
        as_of,
        windows,
        names=dict(zip(reversed(keys), reversed(names), strict=True)),
        source_label=ctx.labels.get(v.incidents or "", _("IOM Missing Migrants Project")),
        source_id=v.incidents or "",
        data_end=last,
    )


def _alert_input(series: dict[str, pd.DataFrame], routes: tuple[str, ...]) -> pd.DataFrame:
    """The :func:`analytics.alerts.compute_alert_board` input from :func:`query_monthly_series`:
    the route rows (``unclassified`` left out; only ``routes`` when given), then the country
    rows, with their ``level``. Stacked as arrays: this runs on every Overview rerun."""
    route, country = series["route"], series["country"]
    keep = (route["key"] != "unclassified").to_numpy(dtype=bool)
    if routes:
        keep = keep & route["key"].isin(routes).to_numpy(dtype=bool)
    columns = ("key", "month", "incidents", "dead_and_missing", "largest_incident")
    return pd.DataFrame(
        {
            "level": ["route"] * int(keep.sum()) + ["country"] * len(country),
            **{
                c: np.concatenate([route[c].to_numpy()[keep], country[c].to_numpy()])
                for c in columns
            },
        }
    )


def alerts(
    con: Con,
    f: Filters,
    as_of: dt.date | None = None,
    months: int | None = None,
    *,
    ref: Reference | None = None,
) -> pd.DataFrame:
    """Routes and countries whose latest months changed beyond chance.

    Parameters
    ----------
    as_of : date, optional
        Any day of the last month of the window; default :func:`default_as_of` (the last
        complete month of the vintage, or of the filtered period if it ends earlier).
    months : int, optional
        Window length (1-12 months); default both the latest month and the latest quarter.
    ref : Reference, optional
        From :func:`load_reference` for the same warehouse version (skips those reads).

    Returns
    -------
    DataFrame
        Only alerts (``measure`` and ``window_months`` say which rule raised each): ``level`` (``route``/``country``), ``id``, ``name``, ``period_label``,
        ``current``, ``year_ago`` (dead and missing, persons), ``baseline_12m_avg`` (dead and
        missing per window of the same length over the previous 12 months), ``p_value``,
        ``direction``, ``sentence``, ``source_id``, then the incident counts, ``p_year_ago``,
        ``p_baseline``, ``status`` and ``reason``.
    """
    ctx = _Ctx(con, ref)
    if as_of is None and ctx.span(ctx.vintages(f).incidents)[1] is None:
        # No incident data under these filters' vintage: no alert (not an error to hide).
        return compute_alerts(_empty_board(months))
    return compute_alerts(_alert_candidates(ctx, f, as_of, months))


def _empty_board(months: int | None) -> pd.DataFrame:
    windows = ALERT_WINDOWS if months is None else (int(months),)
    return compute_alert_board(pd.DataFrame(), dt.date(2000, 1, 1), windows)


def alert_board(
    con: Con,
    f: Filters,
    as_of: dt.date | None = None,
    months: int | None = None,
    *,
    ref: Reference | None = None,
) -> pd.DataFrame:
    """The alerts and the watch list in one table (``status`` says which), alerts first.

    Same arguments as :func:`alerts`; no incident data gives an empty table, not an error.
    """
    ctx = _Ctx(con, ref)
    if as_of is None and ctx.span(ctx.vintages(f).incidents)[1] is None:
        return _empty_board(months)
    b = _alert_candidates(ctx, f, as_of, months)
    return b[b["status"] != "none"].reset_index(drop=True)


def watch(
    con: Con,
    f: Filters,
    as_of: dt.date | None = None,
    months: int | None = None,
    *,
    ref: Reference | None = None,
) -> pd.DataFrame:
    """Routes and countries on watch: beyond chance against one reference only, or a recent
    fall the reporting delay may explain. Same arguments and columns as :func:`alerts`."""
    ctx = _Ctx(con, ref)
    if as_of is None and ctx.span(ctx.vintages(f).incidents)[1] is None:
        return compute_watch(_empty_board(months))
    return compute_watch(_alert_candidates(ctx, f, as_of, months))


def alert_series(
    con: Con, f: Filters, *, ref: Reference | None = None
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Every month of every route's incidents and dead and missing, read once (for replays).

    Returns
    -------
    (DataFrame, dict)
        :func:`analytics.alerts.compute_alert_candidates` input for the routes (``level`` =
        ``route``, ``unclassified`` left out), and ``source_id``, ``source_label``,
        ``first`` and ``last`` (incident dates of the vintage).
    """
    ctx = _Ctx(con, ref)
    v = ctx.vintages(f)
    first, last = ctx.span(v.incidents)
    if last is None:
        raise ValueError(_("no incident data is loaded"))
    series = query_monthly_series(con, f, v, ctx.lists(v.incidents))
    m = series["route"]
    m = m[m["key"] != "unclassified"].assign(level="route")
    meta = {
        "source_id": v.incidents or "",
        "source_label": ctx.labels.get(v.incidents or "", _("IOM Missing Migrants Project")),
        "first": first,
        "last": last,
        "vintages": v,
    }
    return m.reset_index(drop=True), meta


# ---------------------------------------------------------------- messages


def key_messages(
    con: Con,
    f: Filters,
    n: int = 5,
    *,
    route_risk: pd.DataFrame | None = None,
    origin_risk: pd.DataFrame | None = None,
    transit_risk: pd.DataFrame | None = None,
    alerts: pd.DataFrame | None = None,
    headline: Mapping[str, Any] | None = None,
    figures: tuple[Figure, ...] | None = None,
    ref: Reference | None = None,
) -> pd.DataFrame:
    """The ``n`` most important facts for the filters, one sentence each.

    Every table the messages draw on can be passed in when the caller already has it (the
    app's cached results for the same filters and warehouse version); what is not passed is
    computed here. Passing a table changes nothing in the result, only the time taken.

    Parameters
    ----------
    route_risk : DataFrame, optional
        :func:`route_risk` ``(con, f)``.
    origin_risk, transit_risk : DataFrame, optional
        :func:`origin_risk` / :func:`transit_risk` ``(con, f, scope="world")`` (the
        messages speak of every route; any weights and either variant give the same
        messages: only the recorded dead and missing per country are used). When
        not passed only those figures are computed, not the whole scored tables.
    alerts : DataFrame, optional
        :func:`alerts` ``(con, f)``; pass ``None`` also when it raised ``ValueError``.
    headline : mapping, optional
        :func:`data.queries.query_headline` for ``f``.
    figures : tuple of Figure, optional
        :func:`headline` for ``f`` (the change against the previous period).
    ref : Reference, optional
        From :func:`load_reference` for the same warehouse version.

    Returns
    -------
    DataFrame
        ``rank``, ``sentence`` (cites source and vintage), ``source_ids`` (comma-separated),
        ``kind``.
    """
    ctx = _Ctx(con, ref)
    if f.routes:
        ctx.check_routes(f.routes)
    v = ctx.vintages(f)
    if v.incidents is None:
        return pd.DataFrame(columns=["rank", "sentence", "source_ids", "kind"])
    head = headline if headline is not None else query_headline(con, f)
    figs = figures if figures is not None else _headline_figures(ctx, f, head)
    routes = route_risk if route_risk is not None else _route_risk(ctx, f)
    # "Deadliest" and "largest" compare; with a single route or chosen origins there is
    # nothing to compare against, so those messages are left out.
    if f.origins:
        origins = pd.DataFrame(columns=["iso3", "name", "dead_and_missing", "split_incidents"])
    elif origin_risk is not None:
        origins = origin_risk
    else:
        origins = _origin_deaths(ctx, f, v)
    transit = transit_risk if transit_risk is not None else _country_deaths(ctx, f, v)
    al = alerts
    if al is None:
        try:
            al = compute_alerts(_alert_candidates(ctx, f, None, None))
        except ValueError:
            al = pd.DataFrame(columns=["sentence", "source_id"])
    if len(f.routes) == 1:
        routes = routes.iloc[0:0]
    return compute_key_messages(
        head,
        figs,
        routes,
        origins,
        transit,
        al,
        period_text(f.date_from, f.date_to),
        ctx.labels,
        n=n,
    )


def origin_deaths(con: Con, f: Filters, *, ref: Reference | None = None) -> pd.DataFrame:
    """Dead and missing by country of origin (the catalogue's ``origin_dead_and_missing``:
    an incident with k origins counts 1/k for each), as in :func:`origin_risk`.

    Returns
    -------
    DataFrame
        ``iso3``, ``name``, ``dead_and_missing`` (persons, float: shares of split incidents),
        ``split_incidents``; sorted by ``dead_and_missing`` descending. Incidents without a
        recorded origin count for no country.
    """
    ctx = _Ctx(con, ref)
    if f.routes:
        ctx.check_routes(f.routes)
    v = ctx.vintages(f)
    if v.incidents is None:
        return pd.DataFrame(columns=["iso3", "name", "dead_and_missing", "split_incidents"])
    out = _origin_deaths(ctx, f.replace(origins=()), v)
    if f.origins:
        out = out[out["iso3"].isin(f.origins)]
    return out.sort_values(["dead_and_missing", "iso3"], ascending=[False, True]).reset_index(
        drop=True
    )


def origin_deaths_of(origin_table: pd.DataFrame) -> pd.DataFrame:
    """:func:`origin_deaths`'s table taken from an :func:`origin_risk` table of the same
    filters in the scope ``world`` (its ``dead_and_missing`` is the same 1/k split; the scope
    ``europe`` keeps fewer routes), for callers that have both."""
    cols = ["iso3", "name", "dead_and_missing", "split_incidents"]
    has = pd.to_numeric(origin_table["dead_and_missing"], errors="coerce").fillna(0) > 0
    out = origin_table.loc[has, cols].copy()
    out["dead_and_missing"] = out["dead_and_missing"].astype(float)
    return out.sort_values(["dead_and_missing", "iso3"], ascending=[False, True]).reset_index(
        drop=True
    )


def _origin_deaths(ctx: _Ctx, f: Filters, v: Vintages) -> pd.DataFrame:
    """The origin figures a message uses: as in :func:`origin_risk`, without the scoring."""
    inc = query_origin_tables(
        ctx.con, f, None, v, ctx.lists(v.incidents), previous=False, routes=False, detail=False
    )
    cur = inc.current
    return pd.DataFrame(
        {
            "iso3": cur["iso3"],
            "name": cur["iso3"].map(ctx.names).fillna(cur["iso3"]),
            "dead_and_missing": cur["dead_and_missing"].astype(float),
            "split_incidents": cur["split_incidents"].astype("int64"),
        }
    )


def _country_deaths(ctx: _Ctx, f: Filters, v: Vintages) -> pd.DataFrame:
    """The country-of-incident figures a message uses: as in :func:`transit_risk` (with
    nearest-country placement), without the scoring."""
    inc = query_country_tables(
        ctx.con, f, v, ctx.lists(v.incidents), previous=False, routes=False, violence=False
    )
    loose = _place(ctx, inc.unlocated, None)
    parts = [inc.located[["iso3", "dead_and_missing"]]]
    if len(loose):
        placed = loose[loose["nearest_iso3"].notna()]
        parts.append(
            pd.DataFrame(
                {
                    "iso3": placed["nearest_iso3"].astype(str),
                    "dead_and_missing": placed["dead_and_missing"],
                }
            )
        )
    df = pd.concat(parts, ignore_index=True)
    df["dead_and_missing"] = df["dead_and_missing"].astype(float)
    dm = df.groupby("iso3")["dead_and_missing"].sum().round().astype("int64").reset_index()
    dm["name"] = dm["iso3"].map(ctx.names).fillna(dm["iso3"])
    return dm
