"""Download buttons: chart snapshots (PNG, SVG, PDF), map snapshots (PNG) and briefing packs.

Every button uses Streamlit's deferred download: the file is made on the server only when it
is clicked (``data`` is a callable, run on a worker thread), and ``on_click="ignore"`` keeps the
page as it is (no rerun, no lost state). The callables capture only data the page already has
(figures, frames, filters) and call no ``st.*``.

Pages call, under a chart drawn with :func:`ui.charts.render_figure`::

    snapshots.render_download_buttons(fig, None, caption)

and under a map, one of :func:`render_route_map_download`, :func:`render_incident_map_download`
or :func:`render_risk_map_download` (or :func:`render_map_download` with a
:class:`~export.images.MapSpec`).

Chart images need a headless Chromium on the server (:mod:`export.images`); where there
is none, the buttons are disabled and say why, and the chart toolbar's camera icon still saves
a PNG from the user's browser.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import i18n
from analytics.figures import figure_name
from analytics.theme import OTHER_COLOUR
from data.filters import Filters
from export import images as sn
from i18n import N_, _
from ui import cache, render, state

if TYPE_CHECKING:
    import geopandas as gpd

log = logging.getLogger(__name__)

LABELS: Mapping[str, str] = {"png": "PNG", "svg": "SVG", "pdf": "PDF"}
HELP: Mapping[str, str] = {
    "png": N_("Image at twice screen resolution with its caption, for documents and slides."),
    "svg": N_("Vector image with its caption: stays sharp at any size, editable in design tools."),
    "pdf": N_("One-page PDF of the chart with its caption, for printing."),
}
#: The on-screen maps are about this many CSS pixels across and high.
MAP_VIEW_PX = (1100, 560)
#: The map area of a default map PNG in points (12 in wide, 0.35 in margins, aspect 0.52), where
#: place names are placed (their type is set in points).
PNG_MAP_PT = (11.3 * 72, 11.3 * 72 * 0.52)


@st.cache_resource(show_spinner=False)
def exporter() -> sn.FigureExporter:
    """The process's chart-export browser (started on the first export, then kept warm)."""
    return sn.shared_exporter()


@st.cache_data(ttl=60, show_spinner=False)
def export_unavailable() -> str | None:
    """Why chart images cannot be made on this server (``None`` when they can).

    Asked by every chart on every rerun; looking for the browser on disk is checked again
    after a minute, not each time.
    """
    return exporter().unavailable_reason()


def _key(*parts: object) -> str:
    return hashlib.sha1("|".join(str(p) for p in parts).encode()).hexdigest()[:10]


def _figure_title(fig: go.Figure) -> str:
    meta = fig.layout.meta
    if isinstance(meta, dict) and meta.get("title"):
        return str(meta["title"])
    return str(fig.layout.title.text or "")


def _chart_maker(drawn: go.Figure, fmt: str, caption: str) -> Callable[[], bytes]:
    lang = i18n.get_lang()  # the button's callable runs on a worker thread: take the language

    def make() -> bytes:
        # A validated copy of the figure as drawn, made only when the button is clicked.
        fig = go.Figure(drawn.to_dict())
        with i18n.use_lang(lang):
            return sn.export_figure(fig, fmt, caption=caption, scale=2, exporter=exporter())

    return make


def render_download_buttons(
    fig: go.Figure,
    name: str | None,
    caption: str,
    f: Filters | None = None,
    *,
    key: str | None = None,
) -> None:
    """PNG (scale 2), SVG and PDF downloads of a chart with its caption, made on click.

    Parameters
    ----------
    fig : plotly Figure
        The figure as drawn on the page.
    name : str or None
        File-name stem of the chart; default the figure's own (``layout.meta['chart']``).
    caption : str
        The caption shown under the chart (drawn under it in the file).
    f : Filters, optional
        Filters named in the file name; default the sidebar's.
    key : str, optional
        Needed only when one page shows the same chart twice.

    Notes
    -----
    Files are named ``<chart>_<filters>_<YYYY-MM-DD>.<ext>``, like the toolbar's PNG.
    """
    chart = name or figure_name(fig)
    filters = f if f is not None else state.current_filters()
    stem = render.png_filename(chart, filters)
    reason = export_unavailable()
    tag = key or _key(chart, _figure_title(fig))
    # The files are made from the figure itself when a button is clicked: a figure is not
    # changed once drawn (no page does), and a validated go.Figure copy per button cost about
    # 15 ms a chart on every rerun, a plain copy (fig.to_dict) about 1 ms.
    with st.container(horizontal=True, gap="small", key=f"snap-{tag}"):
        for fmt, label in LABELS.items():
            st.download_button(
                label,
                data=b"" if reason else _chart_maker(fig, fmt, caption),
                file_name=f"{stem}.{fmt}",
                mime=sn.MIME_TYPES[fmt],
                key=f"snap-{tag}-{fmt}",
                on_click="ignore",
                disabled=reason is not None,
                icon=":material/download:",
                type="tertiary",
                help=_(HELP[fmt]) if reason is None else reason,
            )
    if reason:
        st.caption(_("Image downloads are off on this server: {reason}").format(reason=reason))


# --------------------------------------------------------------------------- maps


def map_countries() -> gpd.GeoDataFrame:
    """The app's simplified basemap boundaries as a GeoDataFrame (EPSG:4326)."""
    import geopandas as gpd  # only when a map image is made

    gj = cache.basemap_geojson()
    return gpd.GeoDataFrame.from_features(gj["features"], crs=4326)


def render_map_download(
    spec: sn.MapSpec | Callable[[], tuple[sn.MapSpec, Sequence[sn.MapLegend]]],
    *,
    name: str,
    title: str,
    caption: str,
    legends: Sequence[sn.MapLegend] = (),
    f: Filters | None = None,
    key: str | None = None,
) -> None:
    """A "Map PNG" download of a map view with its legend and caption, drawn on click.

    Parameters
    ----------
    spec : MapSpec, or a function returning a MapSpec and its legends
        Layers and extent (:mod:`export.images`). A function is called only when the
        button is clicked (on a worker thread: it must not call ``st.*``), so work such as
        styling the route lines is not redone on every rerun; its legends replace
        ``legends``.
    name : str
        File-name stem (``routes-map``).
    title, caption : str
        The map's finding and its sources, vintage, caveats and filters.
    legends : sequence of MapLegend
    f : Filters, optional
        For the file name; default the sidebar's.
    """
    filters = f if f is not None else state.current_filters()
    stem = render.png_filename(name, filters)
    lang = i18n.get_lang()  # make() runs on a worker thread: it takes the page's language

    def make() -> bytes:
        with i18n.use_lang(lang):
            s, lg = spec() if callable(spec) else (spec, legends)
            return sn.render_map_png(map_countries(), s, title=title, caption=caption, legends=lg)

    st.download_button(
        _("Map PNG"),
        data=make,
        file_name=f"{stem}.png",
        mime="image/png",
        key=key or f"map-{_key(name, title)}",
        on_click="ignore",
        icon=":material/download:",
        type="tertiary",
        help=_("The map with its legend and caption, drawn on the server (no internet needed)."),
    )


def _entries(items: Iterable[Mapping[str, str]]) -> tuple[Mapping[str, str], ...]:
    return tuple(dict(e) for e in items)


def render_route_map_download(
    f: Filters,
    colour_by: str = "lethality",
    highlight: Iterable[str] = (),
    *,
    with_incidents: bool = False,
    key: str | None = None,
    view: Mapping[str, float] | None = None,
    coloured: Sequence[str] | None = None,
    labels: bool = False,
    show_routes: bool = True,
) -> None:
    """Map PNG of the routes map as the page draws it (width by detections, colour by
    lethality or route; optionally the incidents as hexagons or points).

    ``view`` (the page's fitted view), ``coloured`` (with ``colour_by="route"``: the routes in
    colour, the others grey), ``labels`` (country and sea names) and ``show_routes`` make the
    PNG match what the page's map shows."""
    from geo import labels as gll
    from geo import layers as gl

    label_table = cache.map_labels() if labels else None
    lang = i18n.get_lang()
    # The legends' words, in the page's language (build() runs on a worker thread).
    lethality_title = _("Dead and missing per 1,000 detections")
    lethality_note = _(
        "Line width: Frontex detections in the period (thin lines: no Frontex series). "
        "Waypoints are approximate, for display."
    )
    routes_title = _("Routes")
    routes_note = _("Line width: Frontex detections in the period. Waypoints are approximate.")

    routes = cache.routes()
    wps = cache.waypoints()
    if f.routes:
        routes = routes[routes["route_id"].isin(f.routes)]
        wps = wps[wps["route_id"].isin(f.routes)]
    routes = routes[routes["route_id"] != "unclassified"]
    metrics = cache.route_metrics(f)
    shown = tuple(highlight)
    points = hexes = None
    inc_legend = None
    if with_incidents:
        hexes, points, inc_legend = _incident_layer(f)

    def build() -> tuple[sn.MapSpec, list[sn.MapLegend]]:
        # Styling the route lines takes a few tens of ms: done when the button is clicked.
        lines = sn.compute_route_lines(routes, wps, metrics, colour_by, shown)
        if colour_by == "route" and coloured is not None:
            keep = set(coloured)
            lines["colour"] = [
                c if r in keep else OTHER_COLOUR
                for r, c in zip(lines["route_id"], lines["colour"], strict=True)
            ]
            lines["alpha"] = [0.95 if r in keep else 0.45 for r in lines["route_id"]]
        if view is not None:
            extent = sn.extent_from_view(view, int(render.MAP_WIDTH_PX), MAP_VIEW_PX[1])
        elif f.routes:
            extent = sn.route_extent(wps, 5.0)
        else:
            extent = sn.extent_from_view(gl.DEFAULT_VIEW, *MAP_VIEW_PX)
        view_box = sn.visible_extent(sn.MapSpec(extent=extent))
        names = (
            gll.labels_for_extent(label_table, view_box, *PNG_MAP_PT, lang=lang)
            if label_table is not None
            else None
        )
        if colour_by == "lethality":
            legend = sn.MapLegend(
                lethality_title, _entries(gl.route_legend("lethality")), lethality_note
            )
        else:
            legend = sn.MapLegend(
                routes_title, sn.route_legend_entries(lines, view_box), routes_note
            )
        legends = [legend] if inc_legend is None else [legend, inc_legend]
        spec = sn.MapSpec(
            routes=lines if show_routes else None,
            waypoints=wps if show_routes else None,
            hexes=hexes,
            points=points,
            extent=extent,
            labels=names,
        )
        return spec, legends

    v = cache.vintages(f)
    render_map_download(
        build,
        name="routes-map",
        title=_("Migration routes and incidents") if with_incidents else _("Migration routes"),
        caption=render.source_caption(v, f, detections=True),
        f=f,
        key=key,
    )


def _incident_layer(
    f: Filters, max_points: int = render.HEX_THRESHOLD, force_points: bool = False
) -> tuple[pd.DataFrame | None, pd.DataFrame | None, sn.MapLegend]:
    from geo import layers as gl

    n = cache.incident_count(f)
    if n > max_points and not force_points:
        return (
            cache.incident_hex(f, 3),
            None,
            sn.MapLegend(
                _("Dead and missing per area"),
                _entries(gl.hex_legend()),
                render.hex_note(n),
            ),
        )
    pts = cache.incident_points(f, max_points)
    return (
        None,
        pts,
        sn.MapLegend(
            _("Cause of death"),
            _entries(gl.cause_legend(pts["cause"].dropna().unique().tolist()) if len(pts) else []),
            _("Circle size: dead and missing. {shown} of {n} incidents.").format(
                shown=i18n.fmt_number(len(pts)), n=i18n.fmt_number(n)
            ),
        ),
    )


def render_incident_map_download(
    f: Filters, force_points: bool = False, *, key: str | None = None
) -> None:
    """Map PNG of the incidents map (points, or hexagons above a few thousand incidents)."""
    from geo import layers as gl

    hexes, points, legend = _incident_layer(f, force_points=force_points)
    v = cache.vintages(f)
    render_map_download(
        sn.MapSpec(
            hexes=hexes, points=points, extent=sn.extent_from_view(gl.DEFAULT_VIEW, *MAP_VIEW_PX)
        ),
        name="incidents-map",
        title=_("Incidents: dead and missing"),
        caption=render.source_caption(v, f),
        legends=[legend],
        f=f,
        key=key,
    )


def render_risk_map_download(
    scores: pd.DataFrame,
    kind: str,
    f: Filters,
    selected: str | None = None,
    *,
    key: str | None = None,
) -> None:
    """Map PNG of the risk choropleth (``scores`` as the page shows them)."""
    from geo import layers as gl

    v = cache.vintages(f)
    ranked = scores[scores["rank"].notna()].sort_values("rank") if "rank" in scores else scores
    what = (
        _("Composite origin risk score by country")
        if kind == "origin"
        else _("Composite transit risk score by country")
    )
    title = (
        _("{title}: {country} ranks first").format(title=what, country=ranked.iloc[0]["name"])
        if len(ranked)
        else what
    )
    render_map_download(
        sn.MapSpec(
            choropleth=scores[
                [c for c in ("iso3", "score", "insufficient_data", "confidence") if c in scores]
            ].copy(),
            selected=selected,
            extent=sn.extent_from_view(gl.WORLD_VIEW, *MAP_VIEW_PX),
        ),
        name=f"{kind}-risk-map",
        title=title,
        caption=render.risk_caption(scores, v, f),
        legends=[
            sn.MapLegend(
                _("Composite risk score (0-100)"),
                _entries(gl.score_legend(static=True)),
                note=_(gl.LOW_CONFIDENCE_NOTE),
            )
        ],
        f=f,
        key=key,
    )


# --------------------------------------------------------------------------- briefing pack


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def _pack(db: cache.Db, f: Filters, day: dt.date) -> Any:
    from services import pack as briefing

    return briefing.collect_pack(cache.connection(db), f, generated_on=day, exporter=exporter())


def pack_bytes(
    f: Filters, fmt: str, day: dt.date | None = None, db: cache.Db | None = None
) -> bytes:
    """The briefing pack for ``f`` (collected once per filters and day, rendered per format)
    from ``db`` (default: the current warehouse, in the current language).

    A download's callable runs on a worker thread, which has neither the run's pinned
    warehouse nor its language: the page passes its ``db``, which carries both."""
    from export import pack as briefing

    db = db or cache.current_db()
    with i18n.use_lang(db.lang):
        return briefing.render_pack(_pack(db, f, day or dt.date.today()), fmt)


def render_pack_buttons(f: Filters) -> None:
    """ "PDF pack" and "PowerPoint pack" buttons: one click builds and downloads the pack."""
    from export.pack import MIME_TYPES, file_stem

    day = dt.date.today()
    stem = file_stem(f, day, cache.display_names())
    reason = export_unavailable()
    db = cache.current_db()
    with st.container(horizontal=True, gap="small", key="pack-buttons"):
        for fmt, label, icon in (
            ("pdf", N_("Briefing pack (PDF)"), ":material/picture_as_pdf:"),
            ("pptx", N_("Briefing pack (PowerPoint)"), ":material/slideshow:"),
            ("json", N_("Audit trail (JSON)"), ":material/data_object:"),
        ):
            st.download_button(
                _(label),
                data=lambda fmt=fmt: pack_bytes(f, fmt, day, db),
                file_name=f"{stem}.{fmt}",
                mime=MIME_TYPES[fmt],
                key=f"pack-{fmt}",
                on_click="ignore",
                icon=icon,
                type="primary" if fmt == "pdf" else "secondary",
            )
    st.caption(
        _(
            "Built on the server for the filters in the sidebar: about 10-20 seconds the "
            "first time (the button spins), then instant in the other formats. The audit "
            "trail lists every figure the pack shows with its measure, unit, period, sources "
            "and slide."
        )
        + (
            " " + _("Charts will show their numbers as text: {reason}").format(reason=reason)
            if reason
            else ""
        )
    )
