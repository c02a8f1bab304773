"""Each page's work after a filter change, called directly (no browser, no script runner).

Every function here does what its page script in ``pages/`` does on a rerun whose filters
changed: the same cached wrappers of :mod:`ui.cache` (so calls repeated inside one rerun are
served once, as in the app), the same builders of :mod:`ui.render`, :mod:`geo.layers` and
:mod:`analytics.figures`, and the serialisation Streamlit does before sending: ``deck.to_json()``
for a map, ``plotly.io.to_json(fig, validate=False)`` for a chart and Arrow for a table.
Nothing is drawn. :func:`forget_filtered` empties the filter-keyed caches first, while the
caches that no filter reaches (routes, waypoints, sources, basemap, country names, indicators,
filter options) stay warm, as in a running app.

Keep this in step with ``pages/*.py`` (the AppTest part of the benchmark runs the real pages).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pyarrow as pa
import pydeck as pdk

from analytics import figures as fg
from analytics.scores import scope_for
from data.filters import Filters
from ui import cache, render

Sizes = dict[str, int]

# Caches keyed by filters: a filter change misses them.
FILTERED = (
    "_vintages",
    "_headline",
    "_incidents_by",
    "_detections_by",
    "_route_metrics",
    "_lethality",
    "_incidents",
    "_incident_table",
    "_incident_count",
    "_incident_points",
    "_incident_hex",
    "_data_quality",
    "_route_risk",
    "_route_risk_series",
    "_country_risk",
    "_alert_board",
    "_alerts",
    "_key_messages",
    "_headline_figures",
    "_origin_deaths",
    "_coverage",
)


def forget_filtered() -> None:
    """Empty the filter-keyed caches (what a filter change makes the app recompute)."""
    for name in FILTERED:
        getattr(cache, name).clear()


def warm_static(f: Filters) -> None:
    """Fill the caches no filter reaches, as a running app has them."""
    cache.filter_options(None)
    cache.filter_options(f.vintage)
    cache.routes()
    cache.waypoints()
    cache.sources()
    cache.demo_flags()
    cache.vintage_labels()
    cache.country_names()
    cache.basemap_encoded()
    cache.analytics_reference()
    for name, _ in render.OC_INDICATORS:
        cache.indicator(name)
        cache.indicator_values(name)
    src = cache.sources()
    for sid in src.loc[src["rows_rejected"] > 0, "source_id"]:
        cache.rejected(str(sid))


def _deck(sizes: Sizes, name: str, deck: pdk.Deck) -> None:
    sizes[f"map:{name}"] = len(deck.to_json().encode())


def _fig(sizes: Sizes, name: str, fig: go.Figure) -> None:
    sizes[f"chart:{name}"] = len(pio.to_json(fig, validate=False).encode())


def _table(df: pd.DataFrame) -> int:
    sink = io.BytesIO()
    t = pa.Table.from_pandas(df.astype({c: str for c in df.columns if df[c].dtype == object}))
    with pa.ipc.new_stream(sink, t.schema) as w:
        w.write_table(t)
    return sink.tell()


def overview(f: Filters, analytics: bool = True) -> Sizes:
    """``pages/overview.py``; ``analytics=False`` leaves out the key messages and alerts (the
    part the pandas baseline has no counterpart for)."""
    s: Sizes = {}
    cache.vintages(f)
    h = cache.headline(f)
    cache.headline_figures(f)
    layer, hexagons = render.incident_map_layer(f)
    _deck(s, "overview", render.make_deck([layer, *render.route_map_layers(f, "route")]))
    if not hexagons:
        cache.incident_points(f, render.HEX_THRESHOLD)
    _fig(
        s,
        "overview-monthly",
        fg.make_monthly_figure(
            cache.incidents_by(f, "none", "month"),
            label=render.scope_label(f),
            data_end=f.date_to or h["last_date"],
        ),
    )
    _fig(
        s,
        "overview-route-bars",
        fg.make_route_bars_figure(cache.route_metrics(f), "dead_and_missing", top=10),
    )
    if analytics:
        cache.key_messages(f, 5)
        cache.alerts(f)
    return s


def routes(f: Filters) -> Sizes:
    """``pages/routes.py`` (the route in depth is the first choice, the deadliest)."""
    s: Sizes = {}
    cache.vintages(f)
    metrics = cache.route_metrics(f)
    choices = render.route_choices(metrics, f)
    if not choices:
        return s
    route_id = choices[0]
    names = dict(zip(metrics["route_id"], metrics["name"], strict=True))
    _deck(
        s, "routes", render.make_deck(render.route_map_layers(f, "lethality", highlight=[route_id]))
    )
    _fig(s, "routes-bars", fg.make_route_bars_figure(metrics, "dead_and_missing"))
    fr = f.replace(routes=(route_id,))
    label = names.get(route_id, route_id)
    colour = fg.route_colour_map(
        [route_id], dict(zip(metrics["route_id"], metrics["colour"], strict=True))
    )[route_id]
    monthly = cache.incidents_by(fr, "none", "month")
    _fig(
        s,
        "routes-series",
        fg.make_series_figure(
            monthly,
            cache.detections_by(fr, "none", "month"),
            label=label,
            colour=colour,
            data_end=f.date_to or cache.headline(fr)["last_date"],
        ),
    )
    _fig(
        s,
        "routes-causes",
        fg.make_causes_figure(cache.incidents_by(fr, "cause", None), label=label),
    )
    _fig(
        s,
        "routes-seasonality",
        fg.make_seasonality_figure(monthly, label=label, span=render.data_span(f)),
    )
    _fig(
        s,
        "routes-nationalities",
        fg.make_nationalities_figure(
            cache.detections_by(fr, "nationality", None),
            cache.origin_deaths(fr).rename(columns={"iso3": "key"}),
            names=cache.country_names(),
            label=label,
        ),
    )
    _fig(
        s,
        "routes-lethality",
        fg.make_lethality_figure(cache.lethality(f, route_id), label=label, colour=colour),
    )
    return s


def risk(f: Filters, kind: str = "origin") -> Sizes:
    """``pages/risk.py`` with default weights; the card shows the top-ranked country."""
    s: Sizes = {}
    cache.vintages(f)
    defaults = cache.default_weights(kind)
    if not defaults:
        return s
    labels = cache.component_labels()
    weights = defaults
    # The page's default scope: worldwide when a chosen route lies outside Europe.
    scope = scope_for(cache.routes(), f.routes)
    scores = cache.country_risk(f, kind, weights, scope)
    if scores is None or scores.empty:
        return s
    ranked = render.ranked_countries(scores)
    country = ranked[0]
    _deck(s, f"risk-{kind}", render.make_choropleth_deck(scores, selected=country))
    _fig(
        s,
        f"risk-{kind}-bars",
        fg.make_risk_figure(scores, weights, kind, top=15, component_labels=labels),
    )
    row = scores[scores["iso3"] == country].iloc[0]
    inc_s, det_s = render.country_series(f, kind, country)
    _fig(
        s,
        f"risk-{kind}-card-series",
        fg.make_series_figure(inc_s, det_s, label=str(row["name"]), period="year"),
    )
    render.component_table(row, weights, labels, kind)
    render.country_indicators(country, [k for k, _ in render.OC_INDICATORS])
    s[f"table:risk-{kind}"] = _table(scores)
    return s


def incidents(f: Filters) -> Sizes:
    """``pages/incidents.py`` (map as the page opens: hexagons above the threshold)."""
    s: Sizes = {}
    cache.vintages(f)
    cache.incident_count(f)
    layer, hexagons = render.incident_map_layer(f)
    _deck(s, "incidents", render.make_deck([layer]))
    if not hexagons:
        cache.incident_points(f, render.HEX_THRESHOLD)
    rows = cache.incident_table(f, limit=1000)
    s["table:incidents"] = _table(rows)
    return s


def data_sources(f: Filters) -> Sizes:
    """``pages/data_sources.py``."""
    s: Sizes = {}
    cache.vintages(f)
    cache.sources()
    dq = cache.data_quality(f)
    _fig(s, "data-quality", fg.make_quality_figure(dq["by_quality"]))
    return s


def payload_extras(f: Filters) -> Sizes:
    """Maps a user can switch on without a filter change (sizes only, not timed): the
    Incidents page's "show the largest incidents as points" toggle."""
    s: Sizes = {}
    layer, _ = render.incident_map_layer(f, force_points=True)
    _deck(s, "incidents-points-toggle", render.make_deck([layer]))
    return s


PAGES: dict[str, Callable[[Filters], Sizes]] = {
    "overview": overview,
    "routes": routes,
    "risk": risk,
    "incidents": incidents,
    "data_sources": data_sources,
}

#: Page name -> script, for AppTest.
PAGE_FILES: dict[str, str] = {
    "overview": "pages/overview.py",
    "routes": "pages/routes.py",
    "risk": "pages/risk.py",
    "incidents": "pages/incidents.py",
    "data_sources": "pages/data_sources.py",
}


#: The part of each page that the pandas baseline also does (same charts, same map content).
CORE: dict[str, Callable[[Filters], Sizes]] = {
    "overview": lambda f: overview(f, analytics=False),
    "routes": routes,
    "incidents": incidents,
}


def run_page(name: str, f: Filters, core: bool = False) -> tuple[float, dict[str, Any]]:
    """Forget the filtered caches, run one page (or its :data:`CORE`), return (seconds, sizes)."""
    import time

    forget_filtered()
    fn = CORE[name] if core else PAGES[name]
    t0 = time.perf_counter()
    sizes = fn(f)
    return time.perf_counter() - t0, sizes
