"""Static snapshots: charts through a warm headless browser, maps through matplotlib.

Charts
    :func:`export_figure` turns a plotly figure into PNG, SVG or PDF bytes with its caption line
    (filters, source, vintage, caveat) drawn under the chart in the same template as on
    screen. Rendering goes through kaleido and one headless Chromium per process
    (:class:`FigureExporter`): it starts on first use (about 2-6 s), then each export takes
    0.15-0.5 s. Exports from several threads (Streamlit sessions) share it safely. Where no
    Chromium exists, or the browser stops answering, the export raises
    :class:`SnapshotUnavailable` with a plain reason the app can show.

Maps
    :func:`render_map_png` draws a map view with matplotlib over the bundled country
    boundaries: no browser and no internet. Routes are lines in their own colours, incidents
    are circles or H3 hexagons, scores fill countries; the legend and caption sit under the
    map. The builders :func:`compute_route_lines`, :func:`route_extent` and
    :func:`extent_from_view` prepare the layers the way :mod:`geo.layers` draws them on screen.

Nothing here imports Streamlit; the only process-wide object is the lazily started export
browser returned by :func:`shared_exporter` (a handle, like a database connection).
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import functools
import importlib.util
import io
import math
import os
import shutil
import textwrap
import threading
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from analytics.theme import (
    FONT_FAMILY,
    HEX_BREAKS,
    LETHALITY_BREAKS,
    OTHER_COLOUR,
    SCORE_BREAKS,
    SEQUENTIAL,
    SEQUENTIAL_LINES,
    cause_colour,
    class_colour,
)
from geo.layers import FADED_ALPHA, evidence_status
from i18n import N_, _, fmt_number, get_lang

Format = Literal["png", "svg", "pdf"]
FORMATS: tuple[str, ...] = ("png", "svg", "pdf")
MIME_TYPES: Mapping[str, str] = {
    "png": "image/png",
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
}

#: Width of an exported chart in CSS pixels (PNG pixels are this times ``scale``).
EXPORT_WIDTH_PX = 1200
CAPTION_FONT_PX = 14
CAPTION_COLOUR = "#444444"
_CAPTION_LINE_PX = 19
#: The template's fonts, each name quoted, plus the metric-compatible fonts a Linux server has.
#: Unquoted, "Source Sans 3" is invalid CSS (a name part starting with a digit), the browser
#: drops the whole font-family and draws a serif; quoted, it falls through to Arial/Liberation.
EXPORT_FONT_FAMILY = ", ".join(
    [f"'{n.strip()}'" for n in FONT_FAMILY.split(",") if n.strip() != "sans-serif"]
    + ["'Liberation Sans'", "'DejaVu Sans'", "sans-serif"]
)
_CAPTION_PAD_PX = 14

#: Marked for translation (shown with ``_()``), as :data:`MAP_CREDIT`.
NO_BROWSER_REASON = N_(
    "Chart images are made by a headless Chromium on the server, and none was found "
    "(install the Debian package 'chromium', or set BROWSER_PATH to a Chrome or Chromium). "
    "The camera icon in each chart's toolbar still saves a PNG from your browser."
)


class SnapshotUnavailable(RuntimeError):
    """Static chart export cannot run here; ``str(exc)`` says why in plain words."""


# --------------------------------------------------------------------------- export browser


def find_browser() -> str | None:
    """Path of the Chrome or Chromium kaleido would start, or ``None`` (no browser launched)."""
    try:
        from choreographer.browsers.chromium import Chromium

        path = Chromium.find_browser(skip_local=False)
    except Exception:  # noqa: BLE001 - a private helper of choreographer: fall back below
        path = os.environ.get("BROWSER_PATH") or next(
            (
                p
                for p in (
                    shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                )
                if p
            ),
            None,
        )
    if path and Path(path).is_file() and os.access(path, os.X_OK):
        return str(path)
    return None


def _is_browser_failure(exc: BaseException) -> bool:
    mod = type(exc).__module__ or ""
    name = type(exc).__name__
    return mod.startswith("choreographer") or name in ("BrowserClosedError", "BrowserFailedError")


class FigureExporter:
    """One headless Chromium (through kaleido) serving figure exports for a whole process.

    The browser starts on the first :meth:`export` (or :meth:`start`), runs an asyncio loop on
    a daemon thread, and is shared by every caller: :meth:`export` may be called from any
    thread at the same time (kaleido queues the renders on its tab). A browser that crashes or
    stops answering is closed and started again on the next call.

    Parameters
    ----------
    timeout_s : float
        Longest wait for one export, in seconds.
    start_timeout_s : float
        Longest wait for the browser to start, in seconds.
    """

    def __init__(self, *, timeout_s: float = 60.0, start_timeout_s: float = 60.0) -> None:
        self._timeout_s = timeout_s
        self._start_timeout_s = start_timeout_s
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido: Any = None
        self._missing: str | None = None
        self._atexit = False

    # -- state -------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether the browser is up now."""
        return self._kaleido is not None

    def unavailable_reason(self) -> str | None:
        """Why exports cannot run here (``None`` when a browser is found or running).

        Cheap: looks for the executable without starting it.
        """
        if self.running:
            return None
        if self._missing:
            return self._missing
        # Looked up, not imported: every chart asks on every rerun, and importing kaleido
        # (about 0.1 s) waits until the first export.
        if importlib.util.find_spec("kaleido") is None:
            return _("Chart images need the Python package kaleido, which is not installed.")
        return None if find_browser() else _(NO_BROWSER_REASON)

    # -- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        """Start the browser now if it is not running (otherwise do nothing).

        Raises
        ------
        SnapshotUnavailable
            No browser was found, or it did not start.
        """
        with self._lock:
            if self._kaleido is not None:
                return
            reason = self.unavailable_reason()
            if reason:
                raise SnapshotUnavailable(reason)
            import kaleido

            loop = asyncio.new_event_loop()
            thread = threading.Thread(
                target=loop.run_forever, name="routewatch-export-browser", daemon=True
            )
            thread.start()

            async def _open() -> Any:
                k = kaleido.Kaleido(n=1, mathjax=False, timeout=self._timeout_s)
                await k.open()
                return k

            try:
                k = asyncio.run_coroutine_threadsafe(_open(), loop).result(self._start_timeout_s)
            except BaseException as exc:  # noqa: BLE001 - every failure becomes a plain reason
                loop.call_soon_threadsafe(loop.stop)
                thread.join(5)
                if type(exc).__name__ == "ChromeNotFoundError":
                    self._missing = _(NO_BROWSER_REASON)
                    raise SnapshotUnavailable(_(NO_BROWSER_REASON)) from None
                if isinstance(exc, FutureTimeout):
                    msg = _("did not start within {seconds} s").format(
                        seconds=fmt_g(self._start_timeout_s)
                    )
                else:
                    msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise SnapshotUnavailable(
                    f"The chart-export browser did not start ({msg[:200]}). "
                    "The camera icon in each chart's toolbar still saves a PNG."
                ) from None
            self._loop, self._thread, self._kaleido = loop, thread, k
            if not self._atexit:
                atexit.register(self.close)
                self._atexit = True

    def close(self) -> None:
        """Close the browser (the next export starts a new one)."""
        with self._lock:
            loop, thread, k = self._loop, self._thread, self._kaleido
            self._loop = self._thread = self._kaleido = None
        if loop is None:
            return
        if k is not None:
            with contextlib.suppress(BaseException):
                asyncio.run_coroutine_threadsafe(k.close(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(5)

    # -- work --------------------------------------------------------------------------

    def export(
        self, fig: go.Figure | Mapping[str, Any], fmt: str, width: int, height: int, scale: float
    ) -> bytes:
        """Render ``fig`` as it is (no caption added) and return the file's bytes.

        Raises
        ------
        SnapshotUnavailable
            No browser, or it crashed or timed out (it is restarted on the next call).
        ValueError
            Unknown format.
        """
        if fmt not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
        self.start()
        loop, k = self._loop, self._kaleido
        if loop is None or k is None:  # closed by another thread between start() and here
            raise SnapshotUnavailable(_("The chart-export browser was closed; try again."))
        spec = fig.to_dict() if isinstance(fig, go.Figure) else dict(fig)
        opts = {"format": fmt, "width": int(width), "height": int(height), "scale": scale}
        fut = asyncio.run_coroutine_threadsafe(k.calc_fig(spec, opts=opts), loop)
        try:
            data = fut.result(self._timeout_s + 5)
        except FutureTimeout:
            fut.cancel()
            self.close()
            raise SnapshotUnavailable(
                _(
                    "The chart-export browser did not answer within {seconds} s; it will be "
                    "restarted on the next download."
                ).format(seconds=fmt_g(self._timeout_s))
            ) from None
        except Exception as exc:
            if _is_browser_failure(exc):
                self.close()
                raise SnapshotUnavailable(
                    _(
                        "The chart-export browser stopped; it will be restarted on the next "
                        "download."
                    )
                ) from exc
            raise
        return bytes(data)


@functools.lru_cache(maxsize=1)
def shared_exporter() -> FigureExporter:
    """The process-wide :class:`FigureExporter` (created here, started on first export)."""
    return FigureExporter()


def export_unavailable_reason(exporter: FigureExporter | None = None) -> str | None:
    """Why chart exports cannot run in this process (``None`` when they can)."""
    return (exporter or shared_exporter()).unavailable_reason()


# --------------------------------------------------------------------------- charts


def wrap_caption(text: str, width_px: int, font_px: int = CAPTION_FONT_PX) -> list[str]:
    """Break a caption into lines that fit ``width_px`` at ``font_px`` (sans-serif)."""
    chars = max(40, int(width_px / (font_px * 0.52)))
    return textwrap.wrap(" ".join(str(text).split()), width=chars, break_long_words=False) or [""]


def _has_axis_title(axis: Any) -> bool:
    title = getattr(axis, "title", None)
    return bool(title is not None and getattr(title, "text", None))


def _bottom_legend_px(fig: go.Figure, width: int) -> int:
    """Height of a horizontal legend placed under the plot (``legend.y < 0``), estimated."""
    leg = fig.layout.legend
    if fig.layout.showlegend is False or leg.y is None or leg.y >= 0 or leg.orientation != "h":
        return 0
    names = [str(t.name) for t in fig.data if t.showlegend is not False and t.name]
    if not names:
        return 0
    px_per_char = 0.55 * (leg.font.size or 15)
    item_px = [len(n) * px_per_char + 40 for n in names]
    rows, used = 1, 0.0
    for w in item_px:
        if used + w > width * 0.9 and used > 0:
            rows, used = rows + 1, 0.0
        used += w
    return rows * 24 + 12


def _bottom_axis_px(fig: go.Figure, width: int = EXPORT_WIDTH_PX) -> int:
    """Room the bottom x-axes (tick labels, title) and a bottom legend need, in CSS pixels."""
    need = 0
    layout = fig.layout
    for name in layout:
        if not name.startswith("xaxis"):
            continue
        ax = layout[name]
        if ax.visible is False or ax.side == "top":
            continue
        px = 0 if ax.showticklabels is False else 32
        if _has_axis_title(ax):
            px += 32
        need = max(need, px)
    return need + 8 + _bottom_legend_px(fig, width)


def add_caption(fig: go.Figure, caption: str, width: int = EXPORT_WIDTH_PX) -> go.Figure:
    """A copy of ``fig`` with ``caption`` drawn in a band under the chart.

    The plot keeps its size: the figure grows by the caption's height, the bottom margin
    makes room for it below the axis labels, and the caption is a left-aligned paper
    annotation in the template's font, grey and smaller than the axis labels.

    Parameters
    ----------
    fig : plotly Figure
        Left unchanged.
    caption : str
        Plain text; wrapped to the export width.
    width : int
        Export width in CSS pixels (sets the wrapping).

    Returns
    -------
    plotly Figure
        With ``layout.width`` and ``layout.height`` set for export.
    """
    out = go.Figure(fig)
    out.update_layout(font_family=EXPORT_FONT_FAMILY)
    height = int(out.layout.height or 500)
    margin = out.layout.margin
    top = int(margin.t if margin.t is not None else 100)
    bottom = int(margin.b if margin.b is not None else 40)
    lines = wrap_caption(caption, int(width * 0.86)) if caption.strip() else []
    if not lines:
        out.update_layout(width=width, height=height)
        return out
    band = _CAPTION_LINE_PX * len(lines) + _CAPTION_PAD_PX
    new_bottom = max(bottom, _bottom_axis_px(out, width)) + band
    new_height = height + (new_bottom - bottom)
    plot_h = max(40, new_height - top - new_bottom)
    out.add_annotation(
        text="<br>".join(lines),
        xref="paper",
        yref="paper",
        x=0,
        y=-(new_bottom - 6) / plot_h,
        xanchor="left",
        yanchor="bottom",
        align="left",
        showarrow=False,
        font={"size": CAPTION_FONT_PX, "color": CAPTION_COLOUR},
        name="rw-caption",
    )
    out.update_layout(width=width, height=new_height, margin={"b": new_bottom})
    return out


def export_figure(
    fig: go.Figure,
    fmt: str,
    *,
    caption: str,
    scale: float = 2,
    width: int = EXPORT_WIDTH_PX,
    exporter: FigureExporter | None = None,
) -> bytes:
    """A chart as PNG, SVG or PDF bytes, with its caption line under it.

    Parameters
    ----------
    fig : plotly Figure
        A figure from :mod:`analytics.figures` (its title and template are kept).
    fmt : {"png", "svg", "pdf"}
    caption : str
        The caption shown under the chart on screen (filters, source, vintage, caveat).
    scale : float
        Pixel density of PNG output (2 gives 2,400 pixels across at the default width).
    width : int
        Width in CSS pixels; the height is the figure's own plus the caption band.
    exporter : FigureExporter, optional
        Default :func:`shared_exporter`.

    Returns
    -------
    bytes
        The file's content.

    Raises
    ------
    SnapshotUnavailable
        No headless browser here, or it failed (the reason is in the message).
    """
    out = add_caption(fig, caption, width)
    ex = exporter or shared_exporter()
    return ex.export(out, fmt, int(out.layout.width), int(out.layout.height), scale)


# --------------------------------------------------------------------------- maps: inputs

OCEAN_COLOUR = "#DFE9F2"
LAND_COLOUR = "#F6F5F1"
BORDER_COLOUR = "#A8A8A8"
NO_DATA_COLOUR = "#E8E8E8"
MAP_CREDIT = N_("Boundaries: Natural Earth (public domain), Web Mercator.")

#: Europe, Africa and the Middle East: (lon_min, lon_max, lat_min, lat_max).
ROUTES_EXTENT: tuple[float, float, float, float] = (-30.0, 75.0, -2.0, 60.0)
WORLD_EXTENT: tuple[float, float, float, float] = (-170.0, 180.0, -56.0, 78.0)


def compute_route_lines(
    routes: pd.DataFrame,
    waypoints: pd.DataFrame,
    metrics: pd.DataFrame | None = None,
    colour_by: str = "route",
    highlight: Iterable[str] = (),
    max_width_px: float = 16.0,
) -> pd.DataFrame:
    """Route lines for :class:`MapSpec`, styled as :func:`geo.layers.build_route_layer` does.

    Parameters
    ----------
    routes : DataFrame
        ``route_id``, ``name``, ``colour``.
    waypoints : DataFrame
        ``route_id``, ``seq``, ``lon``, ``lat`` (EPSG:4326).
    metrics : DataFrame, optional
        ``route_id``, ``detections``, ``deaths_per_1000_detections``.
    colour_by : {"route", "lethality"}
    highlight : iterable of str
        Route ids drawn at full strength; the others fade.

    Returns
    -------
    DataFrame
        ``route_id``, ``name``, ``colour`` (``#RRGGBB``), ``width_px`` (line width on screen,
        2-16 by the square root of detections), ``alpha`` (0-1), ``path`` (list of
        ``[lon, lat]``, EPSG:4326). Routes with fewer than two waypoints are left out.
    """
    if colour_by not in ("route", "lethality"):
        raise ValueError(f"colour_by must be 'route' or 'lethality', got {colour_by!r}")
    wp = waypoints.sort_values(["route_id", "seq"])
    paths = (
        wp.assign(pt=[[float(x), float(y)] for x, y in zip(wp["lon"], wp["lat"], strict=True)])
        .groupby("route_id")["pt"]
        .agg(list)
        .rename("path")
        .reset_index()
    )
    paths = paths[paths["path"].map(len) >= 2]
    df = routes[["route_id", "name", "colour"]].merge(paths, on="route_id", how="inner")
    m = metrics if metrics is not None else pd.DataFrame(columns=["route_id"])
    m = m.reindex(columns=["route_id", "detections", "deaths_per_1000_detections"])
    df = df.merge(m, on="route_id", how="left")
    det = pd.to_numeric(df["detections"], errors="coerce").astype("float64")
    top = float(det.max()) if det.notna().any() and float(det.max()) > 0 else 1.0
    df["width_px"] = 2.0 + (max_width_px - 2.0) * np.sqrt(det.fillna(0).clip(lower=0) / top)
    if colour_by == "lethality":
        # The same palette as the route lines on screen (geo.layers.build_route_layer).
        df["colour"] = [
            class_colour(v, LETHALITY_BREAKS, SEQUENTIAL_LINES)
            for v in df["deaths_per_1000_detections"]
        ]
    hl = set(highlight)
    df["alpha"] = [0.3 if hl and r not in hl else 0.92 for r in df["route_id"]]
    return df[["route_id", "name", "colour", "width_px", "alpha", "path"]].reset_index(drop=True)


def route_extent(
    waypoints: pd.DataFrame, pad_deg: float = 4.0
) -> tuple[float, float, float, float]:
    """The waypoints' bounding box plus ``pad_deg`` degrees: (lon_min, lon_max, lat_min, lat_max)."""
    if waypoints.empty:
        return ROUTES_EXTENT
    lon = pd.to_numeric(waypoints["lon"], errors="coerce")
    lat = pd.to_numeric(waypoints["lat"], errors="coerce")
    return (
        max(-180.0, float(lon.min()) - pad_deg),
        min(180.0, float(lon.max()) + pad_deg),
        max(-80.0, float(lat.min()) - pad_deg),
        min(84.0, float(lat.max()) + pad_deg),
    )


_R = 6378137.0


def _merc(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    lon_a = np.asarray(lon, dtype="float64")
    lat_a = np.clip(np.asarray(lat, dtype="float64"), -85.0, 85.0)
    return np.radians(lon_a) * _R, _R * np.log(np.tan(np.pi / 4 + np.radians(lat_a) / 2))


def _inv_merc(x: float, y: float) -> tuple[float, float]:
    return math.degrees(x / _R), math.degrees(2 * math.atan(math.exp(y / _R)) - math.pi / 2)


def extent_from_view(
    view: Mapping[str, float], width_px: int = 1100, height_px: int = 560
) -> tuple[float, float, float, float]:
    """The lon/lat box a deck.gl view shows in a ``width_px`` x ``height_px`` map.

    Parameters
    ----------
    view : mapping
        ``longitude``, ``latitude``, ``zoom`` (as :data:`geo.layers.DEFAULT_VIEW`).

    Returns
    -------
    tuple
        (lon_min, lon_max, lat_min, lat_max), clipped to the world.
    """
    world_px = 512.0 * 2 ** float(view.get("zoom", 1.0))
    m_per_px = 2 * math.pi * _R / world_px
    cx, cy = _merc(float(view.get("longitude", 0.0)), float(view.get("latitude", 0.0)))
    half_w, half_h = width_px / 2 * m_per_px, height_px / 2 * m_per_px
    lon0, lat0 = _inv_merc(float(cx) - half_w, float(cy) - half_h)
    lon1, lat1 = _inv_merc(float(cx) + half_w, float(cy) + half_h)
    return (max(-180.0, lon0), min(180.0, lon1), max(-80.0, lat0), min(84.0, lat1))


@dataclass(frozen=True)
class MapLegend:
    """One legend block under a map.

    ``entries`` are mappings with ``label``, ``colour`` (``#RRGGBB``) and ``shape`` (``line``,
    ``circle``, ``square`` or ``hexagon``), as the ``*_legend`` functions of
    :mod:`geo.layers` return them.
    """

    title: str
    entries: tuple[Mapping[str, str], ...]
    note: str | None = None


@dataclass(frozen=True)
class MapSpec:
    """What a static map shows (every frame optional, all coordinates EPSG:4326).

    Attributes
    ----------
    routes : DataFrame, optional
        From :func:`compute_route_lines`: ``name``, ``colour``, ``width_px``, ``alpha``,
        ``path``.
    waypoints : DataFrame, optional
        ``lon``, ``lat``: small white dots.
    points : DataFrame, optional
        Incidents: ``lon``, ``lat``, ``dead_and_missing`` (circle area), ``cause`` (colour).
    hexes : DataFrame, optional
        ``h3`` (cell id, hex string), ``dead_and_missing``; coloured by :data:`HEX_BREAKS`.
    choropleth : DataFrame, optional
        ``iso3``, ``score`` (0-100), optional ``insufficient_data`` and ``confidence``;
        :data:`SCORE_BREAKS`. "Low" confidence countries are faded and hatched, too little
        data grey and hatched (:func:`choropleth_fills`).
    selected : str, optional
        ISO-3 of a country outlined in black.
    labels : DataFrame, optional
        Place names to write (:func:`geo.labels.labels_for_extent`): ``text``, ``lon``,
        ``lat``, ``kind`` (``country``, ``sea``, ``ocean``), ``size`` (points).
    extent : tuple, optional
        (lon_min, lon_max, lat_min, lat_max); default the routes' box, else the world.
    """

    routes: pd.DataFrame | None = None
    waypoints: pd.DataFrame | None = None
    points: pd.DataFrame | None = None
    hexes: pd.DataFrame | None = None
    choropleth: pd.DataFrame | None = None
    selected: str | None = None
    extent: tuple[float, float, float, float] | None = None
    labels: pd.DataFrame | None = None


# --------------------------------------------------------------------------- maps: drawing

_FONT_CANDIDATES = ("Liberation Sans", "Arial", "Source Sans 3", "DejaVu Sans")


@functools.lru_cache(maxsize=1)
def map_font_family() -> str:
    """The first installed sans-serif of the house stack (DejaVu Sans ships with matplotlib)."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((n for n in _FONT_CANDIDATES if n in names), "DejaVu Sans")


def _ring_codes(n: int) -> np.ndarray:
    from matplotlib.path import Path as MPath

    codes = np.full(n, MPath.LINETO, dtype=np.uint8)
    codes[0] = MPath.MOVETO
    codes[-1] = MPath.CLOSEPOLY
    return codes


def _geom_path(geom: Any) -> Any:
    """A matplotlib Path (holes included) of a projected (Multi)Polygon."""
    from matplotlib.path import Path as MPath

    verts: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    polys = getattr(geom, "geoms", [geom])
    for poly in polys:
        if poly.is_empty or poly.geom_type != "Polygon":
            continue
        for ring in [poly.exterior, *poly.interiors]:
            xy = np.asarray(ring.coords)[:, :2]
            if len(xy) < 3:
                continue
            verts.append(xy)
            codes.append(_ring_codes(len(xy)))
    if not verts:
        return None
    return MPath(np.concatenate(verts), np.concatenate(codes))


def _project_countries(countries: Any, extent: tuple[float, float, float, float]) -> Any:
    """Countries cut to the extent (plus a margin) and projected to Web Mercator."""
    import shapely

    lon0, lon1, lat0, lat1 = extent
    pad = 12.0
    g = countries.to_crs(4326) if countries.crs is not None else countries
    box = (
        max(-180.0, lon0 - pad),
        max(-85.0, lat0 - pad),
        min(180.0, lon1 + pad),
        min(85.0, lat1 + pad),
    )
    geoms = shapely.clip_by_rect(np.asarray(g.geometry.values), *box)
    keep = ~shapely.is_empty(geoms)
    sub = g.loc[keep].copy()
    geoms = geoms[keep]
    projected = shapely.transform(geoms, lambda xy: np.column_stack(_merc(xy[:, 0], xy[:, 1])))
    sub = sub.set_geometry(list(projected), crs=None)
    return sub


def _legend_handles(entries: Sequence[Mapping[str, str]]) -> tuple[list[Any], list[str]]:
    from matplotlib.lines import Line2D

    handles: list[Any] = []
    labels: list[str] = []
    for e in entries:
        colour = str(e.get("colour", OTHER_COLOUR))
        shape = e.get("shape", "square")
        h: Any
        if shape == "line":
            h = Line2D([0], [0], color=colour, lw=5, solid_capstyle="round")
        elif shape == "circle":
            h = Line2D([0], [0], marker="o", ls="none", ms=11, mfc=colour, mec="white", alpha=0.9)
        elif shape == "hexagon":
            h = Line2D([0], [0], marker="h", ls="none", ms=13, mfc=colour, mec="white")
        elif shape in ("hatched", "faded"):
            from matplotlib.colors import to_rgba
            from matplotlib.patches import Patch

            grey = colour == NO_DATA_COLOUR
            fc = to_rgba(colour, 1.0 if grey else FADED_FILL_ALPHA)
            h = Patch(
                facecolor=fc,
                edgecolor=INSUFFICIENT_HATCH_COLOUR if grey else HATCH_COLOUR,
                hatch=HATCH if shape == "hatched" else None,
                linewidth=0.6,
            )
        else:
            h = Line2D([0], [0], marker="s", ls="none", ms=12, mfc=colour, mec="#AAAAAA")
        handles.append(h)
        labels.append(str(e.get("label", "")))
    return handles, labels


def _fit_extent(
    extent: tuple[float, float, float, float], aspect_hw: float
) -> tuple[float, float, float, float]:
    """Mercator box of ``extent`` widened in one direction to height/width ``aspect_hw``."""
    x0, y0 = _merc(extent[0], extent[2])
    x1, y1 = _merc(extent[1], extent[3])
    x0f, x1f, y0f, y1f = float(x0), float(x1), float(y0), float(y1)
    w, h = x1f - x0f, y1f - y0f
    if h / w < aspect_hw:
        grow = (w * aspect_hw - h) / 2
        y0f, y1f = y0f - grow, y1f + grow
    else:
        grow = (h / aspect_hw - w) / 2
        x0f, x1f = x0f - grow, x1f + grow
    return x0f, x1f, y0f, y1f


#: Hatch of low-confidence and too-little-data countries on static maps (the app fades them).
HATCH = "///"
#: Hatch colours: darker over a low-confidence score colour, lighter over the grey of a country
#: with too little data (large unscored countries would otherwise dominate the map).
HATCH_COLOUR = "#5A5A5A"
INSUFFICIENT_HATCH_COLOUR = "#A3A3A3"
#: Fill opacity of a low-confidence country's score colour (the app's faded alpha, 0-1).
FADED_FILL_ALPHA = FADED_ALPHA / 255


def choropleth_fills(
    choropleth: pd.DataFrame | None,
) -> tuple[dict[str, Any], dict[str, str]]:
    """Fill per ISO-3 of a score table, and the countries to hatch.

    Returns
    -------
    (dict, dict)
        ``iso3`` -> fill (``#RRGGBB``, or an RGBA tuple with :data:`FADED_FILL_ALPHA` for a
        "low" confidence country); and ``iso3`` -> ``"low"`` or ``"insufficient"`` for the
        countries hatched (:data:`HATCH`): low confidence, and too little data to score
        (those keep the grey no-data fill).
    """
    from matplotlib.colors import to_rgba

    fills: dict[str, Any] = {}
    hatched: dict[str, str] = {}
    if choropleth is None or not len(choropleth):
        return fills, hatched
    for row in choropleth.to_dict("records"):
        iso3 = str(row["iso3"])
        status = evidence_status(row)
        if status in ("ok", "low"):
            colour = class_colour(row["score"], SCORE_BREAKS)
            fills[iso3] = to_rgba(colour, FADED_FILL_ALPHA) if status == "low" else colour
        if status in ("low", "insufficient"):
            hatched[iso3] = status
    return fills, hatched


def _draw_layers(
    ax: Any, countries: Any, spec: MapSpec, box: tuple[float, float, float, float]
) -> None:
    """Draw the basemap and every layer of ``spec`` into ``ax`` (Web Mercator metres)."""
    import matplotlib.patheffects as pe
    from matplotlib.collections import LineCollection, PatchCollection
    from matplotlib.patches import PathPatch, Polygon

    x0, x1, y0, y1 = box
    ax.add_patch(
        Polygon(
            [(x0, y0), (x1, y0), (x1, y1), (x0, y1)],
            closed=True,
            fc=OCEAN_COLOUR,
            ec="none",
            zorder=0,
        )
    )
    lon0, lat0 = _inv_merc(x0, y0)
    lon1, lat1 = _inv_merc(x1, y1)
    g = _project_countries(countries, (lon0, lon1, lat0, lat1))
    fills, hatched = choropleth_fills(spec.choropleth)
    base = NO_DATA_COLOUR if spec.choropleth is not None else LAND_COLOUR
    patches: list[Any] = []
    colours: list[Any] = []
    hatch_patches: dict[str, list[Any]] = {"low": [], "insufficient": []}
    selected_path = None
    for iso3, geom in zip(g["iso3"], g.geometry, strict=True):
        p = _geom_path(geom)
        if p is None:
            continue
        patches.append(PathPatch(p))
        colours.append(fills.get(str(iso3), base))
        if str(iso3) in hatched:
            hatch_patches[hatched[str(iso3)]].append(PathPatch(p))
        if spec.selected and iso3 == spec.selected:
            selected_path = p
    ax.add_collection(
        PatchCollection(
            patches, facecolors=colours, edgecolors=BORDER_COLOUR, linewidths=0.35, zorder=1
        )
    )
    # Low confidence and too little data: hatched over the (faded or grey) fill, so the
    # colour cannot be read as well-evidenced even in greyscale print.
    for status, colour in (("insufficient", INSUFFICIENT_HATCH_COLOUR), ("low", HATCH_COLOUR)):
        if hatch_patches[status]:
            ax.add_collection(
                PatchCollection(
                    hatch_patches[status],
                    facecolors="none",
                    edgecolors=colour,
                    hatch=HATCH,
                    linewidths=0.0,
                    zorder=1.5,
                    gid=f"hatch-{status}",
                )
            )
    if selected_path is not None:
        ax.add_patch(PathPatch(selected_path, fc="none", ec="black", lw=1.8, zorder=2))

    if spec.hexes is not None and len(spec.hexes):
        import h3

        polys = []
        cols = []
        for cell, dm in zip(spec.hexes["h3"], spec.hexes["dead_and_missing"], strict=True):
            try:
                ring = h3.cell_to_boundary(str(cell))
            except Exception:  # noqa: BLE001 - a bad cell id is skipped, not fatal
                continue
            lat_a = np.array([pt[0] for pt in ring])
            lon_a = np.array([pt[1] for pt in ring])
            if lon_a.max() - lon_a.min() > 180:  # crosses the antimeridian
                continue
            mx, my = _merc(lon_a, lat_a)
            polys.append(Polygon(np.column_stack([mx, my]), closed=True))
            cols.append(class_colour(dm, HEX_BREAKS))
        ax.add_collection(
            PatchCollection(
                polys, facecolors=cols, edgecolors="white", linewidths=0.3, alpha=0.85, zorder=3
            )
        )

    if spec.routes is not None and len(spec.routes):
        r = spec.routes.assign(
            w_px=pd.to_numeric(spec.routes.get("width_px", 4.0), errors="coerce").fillna(4.0)
        )
        for row in r.sort_values("w_px", ascending=False).itertuples(index=False):
            path = np.asarray(row.path, dtype="float64")
            mx, my = _merc(path[:, 0], path[:, 1])
            lw = 0.55 * float(row.w_px) + 0.8
            alpha = float(getattr(row, "alpha", 0.92))
            halo = pe.Stroke(linewidth=lw + 1.6, foreground="white", alpha=alpha * 0.8)
            ax.add_collection(
                LineCollection(
                    [np.column_stack([mx, my])],
                    colors=[row.colour],
                    linewidths=lw,
                    alpha=alpha,
                    capstyle="round",
                    joinstyle="round",
                    zorder=4,
                    path_effects=[halo, pe.Normal()],
                )
            )
            if len(mx) >= 2 and alpha > 0.5:
                # A small arrowhead on the last leg shows the direction of travel.
                ax.annotate(
                    "",
                    xy=(mx[-1], my[-1]),
                    xytext=(mx[-2] + (mx[-1] - mx[-2]) * 0.6, my[-2] + (my[-1] - my[-2]) * 0.6),
                    arrowprops={
                        "arrowstyle": "-|>",
                        "color": row.colour,
                        "lw": 0,
                        "mutation_scale": 10 + lw * 1.4,
                    },
                    zorder=5,
                    annotation_clip=True,
                )
    if spec.waypoints is not None and len(spec.waypoints):
        wx, wy = _merc(spec.waypoints["lon"], spec.waypoints["lat"])
        ax.scatter(wx, wy, s=9, c="white", edgecolors="#555555", linewidths=0.6, zorder=6)

    if spec.points is not None and len(spec.points):
        pts = spec.points.dropna(subset=["lon", "lat"])
        dm = pd.to_numeric(pts["dead_and_missing"], errors="coerce").fillna(0).clip(lower=0)
        size = ((2.5 + 1.6 * np.sqrt(dm)).clip(upper=40) * 0.75) ** 2
        order = np.argsort(-size.to_numpy(), kind="stable")
        mx, my = _merc(pts["lon"].to_numpy()[order], pts["lat"].to_numpy()[order])
        cols = [cause_colour(str(c)) for c in pts["cause"].to_numpy()[order]]
        ax.scatter(
            mx,
            my,
            s=size.to_numpy()[order],
            c=cols,
            alpha=0.75,
            edgecolors="white",
            linewidths=0.4,
            zorder=7,
        )
    if spec.labels is not None and len(spec.labels):
        lx, ly = _merc(spec.labels["lon"].to_numpy(float), spec.labels["lat"].to_numpy(float))
        name_halo = [pe.withStroke(linewidth=2.2, foreground="white", alpha=0.85)]
        for x, y, text, kind, size in zip(
            lx, ly, spec.labels["text"], spec.labels["kind"], spec.labels["size"], strict=True
        ):
            sea = kind != "country"
            ax.text(
                x,
                y,
                str(text),
                ha="center",
                va="center",
                fontsize=float(size) * 0.62,
                color="#265C8C" if sea else "#333333",
                style="italic" if sea else "normal",
                family=map_font_family(),
                path_effects=name_halo,
                zorder=8,
                clip_on=True,
            )
    ax.add_patch(
        Polygon(
            [(x0, y0), (x1, y0), (x1, y1), (x0, y1)],
            closed=True,
            fc="none",
            ec="#BBBBBB",
            lw=0.8,
            zorder=9,
        )
    )
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")


def default_extent(spec: MapSpec) -> tuple[float, float, float, float]:
    """The extent a map shows when none is given: the routes' box, the world, else EMEA."""
    if spec.extent is not None:
        return spec.extent
    if spec.routes is not None and len(spec.routes):
        pts = [p for path in spec.routes["path"] for p in path]
        return route_extent(pd.DataFrame(pts, columns=["lon", "lat"]), 6.0)
    if spec.choropleth is not None:
        return WORLD_EXTENT
    return ROUTES_EXTENT


def visible_extent(spec: MapSpec, map_aspect: float = 0.52) -> tuple[float, float, float, float]:
    """The lon/lat box actually drawn: the extent widened to the map's shape."""
    x0, x1, y0, y1 = _fit_extent(default_extent(spec), map_aspect)
    lon0, lat0 = _inv_merc(x0, y0)
    lon1, lat1 = _inv_merc(x1, y1)
    return lon0, lon1, lat0, lat1


def render_map_png(
    countries: Any,
    spec: MapSpec,
    *,
    title: str,
    caption: str,
    legends: Sequence[MapLegend] = (),
    width_in: float = 12.0,
    dpi: int = 150,
    map_aspect: float = 0.52,
    legend_side: str = "bottom",
) -> bytes:
    """A PNG snapshot of a map view, drawn offline with matplotlib.

    Parameters
    ----------
    countries : GeoDataFrame
        Country boundaries with ``iso3`` (EPSG:4326; simplified ones draw faster, e.g.
        :func:`geo.layers.simplify_countries`).
    spec : MapSpec
        The layers and the extent.
    title : str
        The finding, as on screen (wrapped over up to three lines); empty for none.
    caption : str
        Sources, vintage, caveats and filters; a boundaries credit is appended. An empty
        caption draws none (for a slide that sets the caption as text beside the image).
    legends : sequence of MapLegend
        One block each, under the map in as many columns as fit, or beside it.
    width_in, dpi : float, int
        Image width in inches and resolution (12 in at 150 dpi = 1,800 pixels).
    map_aspect : float
        Height / width of the map area (the extent is widened to this shape, never stretched).
    legend_side : {"bottom", "right"}
        Where the legends go; "right" suits a 16:9 slide (labels wrap at 30 characters).

    Returns
    -------
    bytes
        PNG, ``width_in * dpi`` pixels wide; no timestamp in its metadata, so the same input
        gives the same bytes.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties
    from matplotlib.transforms import Bbox

    if legend_side not in ("bottom", "right"):
        raise ValueError(f"legend_side must be 'bottom' or 'right', got {legend_side!r}")
    family = map_font_family()
    margin_in = 0.35
    side_w = 3.3 if legend_side == "right" and legends else 0.0
    map_w = width_in - 2 * margin_in - side_w
    map_h = map_w * map_aspect
    scratch_h = map_h + 14.0  # generous: the image is cropped to what was drawn

    fig = Figure(figsize=(width_in, scratch_h), dpi=dpi, facecolor="white")
    renderer = FigureCanvasAgg(fig).get_renderer()
    left = margin_in / width_in

    def fy(inches_from_top: float) -> float:
        return 1.0 - inches_from_top / scratch_h

    def height_in(artist: Any) -> float:
        return float(artist.get_window_extent(renderer).height) / dpi

    cursor = 0.25
    if title.strip():
        title_text = fig.text(
            left,
            fy(cursor),
            "\n".join(textwrap.wrap(" ".join(title.split()), 90)[:3]),
            ha="left",
            va="top",
            fontsize=17,
            fontweight="bold",
            family=family,
            color="#1A1A1A",
            linespacing=1.25,
        )
        cursor += height_in(title_text) + 0.2

    ax = fig.add_axes((left, fy(cursor + map_h), map_w / width_in, map_h / scratch_h))
    ax.set_axis_off()
    _draw_layers(ax, countries, spec, _fit_extent(default_extent(spec), map_aspect))
    map_top = cursor
    cursor += map_h + 0.22

    label_font = FontProperties(family=family, size=11)
    title_font = FontProperties(family=family, size=11.5, weight="bold")
    side_cursor = map_top
    for lg in legends:
        if not lg.entries:
            continue
        if legend_side == "right":
            entries = [
                {**e, "label": "\n".join(textwrap.wrap(str(e.get("label", "")), 30))}
                for e in lg.entries
            ]
            handles, labels = _legend_handles(entries)
            leg = fig.legend(
                handles,
                labels,
                loc="upper left",
                bbox_to_anchor=((margin_in + map_w + 0.25) / width_in, fy(side_cursor)),
                ncol=1,
                frameon=False,
                title="\n".join(textwrap.wrap(lg.title, 30)),
                title_fontproperties=title_font,
                prop=label_font,
                alignment="left",
                handlelength=1.8,
                borderaxespad=0.0,
                borderpad=0.1,
            )
            side_cursor += height_in(leg) + 0.05
            if lg.note:
                note = fig.text(
                    (margin_in + map_w + 0.25) / width_in,
                    fy(side_cursor),
                    "\n".join(textwrap.wrap(lg.note, 42)),
                    ha="left",
                    va="top",
                    fontsize=9.5,
                    family=family,
                    color="#555555",
                )
                side_cursor += height_in(note)
            side_cursor += 0.22
            continue
        handles, labels = _legend_handles(lg.entries)
        bottom_leg: Any = None
        for ncol in range(min(len(labels), 6), 0, -1):
            bottom_leg = fig.legend(
                handles,
                labels,
                loc="upper left",
                bbox_to_anchor=(left - 0.004, fy(cursor)),
                ncol=ncol,
                frameon=False,
                title=lg.title,
                title_fontproperties=title_font,
                prop=label_font,
                alignment="left",
                handlelength=1.8,
                columnspacing=1.8,
                borderaxespad=0.0,
                borderpad=0.1,
            )
            if ncol == 1 or bottom_leg.get_window_extent(renderer).width / dpi <= map_w:
                break
            bottom_leg.remove()
        if bottom_leg is not None:
            cursor += height_in(bottom_leg) + 0.05
        if lg.note:
            note = fig.text(
                left,
                fy(cursor),
                "\n".join(textwrap.wrap(lg.note, 150)),
                ha="left",
                va="top",
                fontsize=10,
                family=family,
                color="#555555",
            )
            cursor += height_in(note)
        cursor += 0.18
    cursor = max(cursor, side_cursor)

    if caption.strip():
        cap_text = " ".join(f"{caption} {_(MAP_CREDIT)}".split())
        cap = fig.text(
            left,
            fy(cursor + 0.05),
            "\n".join(textwrap.wrap(cap_text, int((width_in - 2 * margin_in) * 15.5))),
            ha="left",
            va="top",
            fontsize=9.5,
            family=family,
            color=CAPTION_COLOUR,
            linespacing=1.35,
        )
        cursor += 0.05 + height_in(cap)
    cursor += 0.25
    used = min(cursor, scratch_h)
    buf = io.BytesIO()
    fig.savefig(
        buf,
        format="png",
        dpi=dpi,
        facecolor="white",
        metadata={"Software": None},
        bbox_inches=Bbox([[0.0, scratch_h - used], [width_in, scratch_h]]),
    )
    return buf.getvalue()


# --------------------------------------------------------------------------- legends


def route_legend_entries(
    routes: pd.DataFrame, extent: tuple[float, float, float, float] | None = None
) -> tuple[Mapping[str, str], ...]:
    """Legend entries (one line per route) for :func:`compute_route_lines` output.

    With ``extent`` (lon_min, lon_max, lat_min, lat_max), only routes with a waypoint inside
    it are listed (a legend names what the map shows).
    """
    seen = routes.drop_duplicates("name")
    if extent is not None:
        lon0, lon1, lat0, lat1 = extent
        inside = [
            any(lon0 <= p[0] <= lon1 and lat0 <= p[1] <= lat1 for p in path)
            for path in seen["path"]
        ]
        seen = seen[inside]
    return tuple(
        {"label": str(n), "colour": str(c), "shape": "line"}
        for n, c in zip(seen["name"], seen["colour"], strict=True)
    )


def fmt_g(x: float) -> str:
    """``f"{x:g}"`` in English (as it always was); the reader's decimal comma otherwise."""
    text = f"{x:g}"
    if get_lang() == "en" or "e" in text:
        return text
    decimals = len(text.split(".")[1]) if "." in text else 0
    return fmt_number(x, decimals)


def class_legend_entries(
    breaks: Sequence[float], shape: str, low: float | None = None, high: float | None = None
) -> tuple[Mapping[str, str], ...]:
    """Legend entries of a stepped sequential scale (``under 5``, ``5 to 20``, ... or 0-20)."""
    b = list(breaks)
    if low is not None and high is not None:
        labels = [f"{fmt_g(lo)}-{fmt_g(hi)}" for lo, hi in zip([low, *b], [*b, high], strict=True)]
    else:
        labels = (
            [_("under {n}").format(n=fmt_g(b[0]))]
            + [
                _("{low} to {high}").format(low=fmt_g(lo), high=fmt_g(hi))
                for lo, hi in zip(b[:-1], b[1:], strict=True)
            ]
            + [_("{n} or more").format(n=fmt_g(b[-1]))]
        )
    return tuple(
        {"label": lab, "colour": col, "shape": shape}
        for lab, col in zip(labels, SEQUENTIAL, strict=True)
    )
