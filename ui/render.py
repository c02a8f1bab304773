"""Small render helpers shared by the pages: banners, legends, captions, charts, maps, files.

Everything that puts data into HTML goes through :func:`html.escape` (legends, banners); chart
and map data reach the browser through plotly and pydeck, whose tooltips are escaped in
:mod:`geo.layers`.
"""

from __future__ import annotations

import contextvars
import dataclasses
import datetime as dt
import functools
import html
import importlib.util
import io
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import streamlit as st

import i18n
from analytics.catalogue import NO_DATA, Figure, component_measure, label_with_unit, measure
from analytics.figures import caption as make_caption
from analytics.figures import source_caption as make_source_caption
from analytics.figures import source_line as make_source_line
from data import queries as q
from data.filters import Filters, Vintages
from export.tables import prepare_incident_table, to_safe_csv, to_safe_xlsx
from i18n import N_, _
from i18n.names import source_text
from ui import access, address, cache

if TYPE_CHECKING:
    import pydeck as pdk
    from PIL import Image

# geo.layers (pydeck and jinja2, about 0.2 s to import) and PIL are imported where the maps and
# the favicon are made, so a page's first figures draw before they load.

REPO = Path(__file__).resolve().parents[1]
METHODOLOGY = REPO / "docs" / "methodology.md"


def _skip_pydeck_widget_probe() -> None:
    """Make pydeck's Jupyter-widget probe fail at once where it can only fail.

    Every ``pydeck.Deck()`` imports ``pydeck.widget`` five times to see whether the Jupyter
    widget is usable; without ``ipywidgets`` each attempt fails half-way and is retried from
    scratch, 1-10 ms a deck on every rerun. Marking the module as absent (what Python
    does for a module that cannot be imported) gives the same answer, no widget, at once.
    """
    if "pydeck.widget" not in sys.modules and importlib.util.find_spec("ipywidgets") is None:
        sys.modules["pydeck.widget"] = None  # type: ignore[assignment]


_skip_pydeck_widget_probe()

_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_SLUG = re.compile(r"[^a-z0-9]+")
# Cells a spreadsheet would read as a formula (CSV/Excel injection).


# --------------------------------------------------------------------------- banners


def render_demo_banner(is_demo: bool) -> None:
    """A banner on every page while the synthetic demo data is in use."""
    if is_demo:
        st.warning(
            _(
                "**Demo data.** These figures are synthetic, made to try RouteWatch without a "
                "download. Do not brief from them: load the real exports with "
                "`python -m data load FILE`."
            ),
            icon=":material/science:",
        )


def render_link_notices(notices: Sequence[str]) -> None:
    """Visible notice of values dropped from a shared link (never an error)."""
    if notices:
        st.warning(
            _("Part of this link could not be used, so it was left out:")
            + "\n\n"
            + "\n".join(f"- {n}" for n in notices),
            icon=":material/link_off:",
        )


def render_missing_warehouse(message: str) -> None:
    """The page shown when there is no warehouse to read (its path: to analysts only)."""
    st.error(
        _("RouteWatch has no data to show yet.")
        + f"\n\n{access.public_message(message)}\n\n"
        + _(
            "Run `make run` (it builds the demo data when nothing is loaded) or "
            "`python -m data load FILE` with the IOM and Frontex exports."
        ),
        icon=":material/database_off:",
    )


# --------------------------------------------------------------------------- legends


def legend_html(entries: Iterable[Mapping[str, str]], title: str, note: str | None = None) -> str:
    """A legend as HTML; every label, colour and note is escaped.

    Parameters
    ----------
    entries : iterable of mapping
        ``label``, ``colour`` (``#RRGGBB``; anything else is drawn grey) and ``shape``
        (``line``, ``circle``, ``square``, ``hexagon``, ``faded`` (a pale square with a grey
        outline) or ``hatched``).
    title : str
    note : str, optional
        A line under the swatches (e.g. what line width means).
    """
    items = []
    for e in entries:
        colour = e.get("colour", "#999999")
        colour = colour if _COLOUR.match(colour) else "#999999"
        shape = e.get("shape", "square")
        if shape == "line":
            style = f"width:26px;height:6px;border-radius:3px;background:{colour}"
        elif shape == "circle":
            style = f"width:14px;height:14px;border-radius:50%;background:{colour}"
        elif shape == "hexagon":
            style = (
                f"width:16px;height:14px;background:{colour};"
                "clip-path:polygon(25% 0,75% 0,100% 50%,75% 100%,25% 100%,0 50%)"
            )
        elif shape == "faded":
            r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
            style = (
                f"width:14px;height:14px;background:rgba({r},{g},{b},0.32);border:1px solid #787878"
            )
        elif shape == "hatched":
            style = (
                "width:14px;height:14px;border:1px solid #787878;background:repeating-linear-"
                f"gradient(45deg,#555 0 1px,{colour} 1px 4px)"
            )
        else:
            style = f"width:14px;height:14px;background:{colour};border:1px solid #bbb"
        items.append(
            '<span style="display:inline-flex;align-items:center;gap:6px;margin:2px 14px 2px 0">'
            f'<span style="display:inline-block;{html.escape(style)}"></span>'
            f"<span>{html.escape(str(e.get('label', '')))}</span></span>"
        )
    note_html = f'<div style="color:#555;margin-top:4px">{html.escape(note)}</div>' if note else ""
    if len(items) > 8:  # many entries: a compact grid under the title
        body = (
            f'<div style="font-weight:600">{html.escape(title)}</div>'
            '<div style="display:grid;grid-template-columns:repeat(auto-fill,minmax(250px,1fr));'
            'column-gap:10px;line-height:1.3;font-size:14px">' + "".join(items) + "</div>"
        )
    else:
        body = f'<b style="margin-right:12px">{html.escape(title)}</b>' + "".join(items)
    return (
        '<div class="rw-legend" style="font-size:15px;line-height:1.6;margin:2px 0 8px 0">'
        + body
        + note_html
        + "</div>"
    )


def render_legend(
    entries: Iterable[Mapping[str, str]], title: str, note: str | None = None
) -> None:
    """Draw a legend (see :func:`legend_html`)."""
    st.html(legend_html(entries, title, note))


# --------------------------------------------------------------------------- captions


def vintage_label(source_id: str | None) -> str | None:
    """``"09 Apr 2026"`` for a source id (``None`` when unknown)."""
    if not source_id:
        return None
    return cache.vintage_labels().get(source_id)


class SourceCaption(str):
    """A caption's full text (sources, vintages, caveats, filters: what every download carries)
    that also knows its short source line and the sources it names, so the page can show the
    short line with the full provenance one click away (:func:`show_caption`)."""

    short: str
    source_ids: tuple[str, ...]

    def __new__(cls, full: str, short: str, source_ids: Sequence[str]) -> SourceCaption:
        obj = super().__new__(cls, full)
        obj.short = short
        obj.source_ids = tuple(source_ids)
        return obj

    def __reduce__(self) -> tuple[Any, ...]:  # pickled by caches and worker threads
        return (SourceCaption, (str(self), self.short, self.source_ids))


def source_caption(
    v: Vintages,
    f: Filters,
    incidents: bool = True,
    detections: bool = False,
    note: str | None = None,
    arrivals: Sequence[str] = (),
) -> SourceCaption:
    """Caption text naming the sources and vintages used, the caveats and the filters (route
    and country names, never ids); its short line is :func:`analytics.figures.source_line`."""
    full = make_source_caption(
        v,
        f,
        cache.vintage_labels(),
        incidents,
        detections,
        note,
        arrivals=arrivals,
        names=cache.display_names(),
    )
    short = make_source_line(
        v, cache.vintage_dates(), incidents=incidents, detections=detections, arrivals=arrivals
    )
    if note:
        short = f"{short} · {note}" if short else note
    used = [
        *([v.incidents] if incidents and v.incidents else []),
        *([v.detections] if detections and v.detections else []),
        *arrivals,
    ]
    return SourceCaption(full, short, used)


_PAGE_CAPTIONS: contextvars.ContextVar[list[tuple[str, SourceCaption]] | None] = (
    contextvars.ContextVar("page_captions", default=None)
)


def begin_page_sources() -> None:
    """Start collecting this run's captions for :func:`render_page_sources` (the entry script
    calls it before the page runs; each session's script runs in its own thread)."""
    _PAGE_CAPTIONS.set([])


def show_caption(caption: str, title: str = "") -> None:
    """A caption under a chart, map or table. A :class:`SourceCaption` shows only its short
    source line; its full text (caveats and filters) and each source's provenance are collected
    for the page's one "Sources and caveats" block (:func:`render_page_sources`), one click away.
    One block per page, not a popover per caption: a popover is five elements to build and send
    on every rerun, and a page has up to seven captions. Any other text is shown as it is."""
    if not isinstance(caption, SourceCaption) or not caption.short:
        st.caption(caption)
        return
    st.caption(caption.short)
    collected = _PAGE_CAPTIONS.get()
    if collected is not None:
        collected.append((title, caption))


def render_page_sources() -> None:
    """The page's "Sources and caveats": every full caption shown on it (once, with the charts
    and maps it applies to) and each source's provenance (publisher, title, vintage, file,
    SHA-256, rows, licence, id). Drawn by the entry script after the page."""
    collected = _PAGE_CAPTIONS.get() or []
    _PAGE_CAPTIONS.set(None)
    if not collected:
        return
    by_text: dict[str, list[str]] = {}
    ids: list[str] = []
    for title, cap in collected:
        by_text.setdefault(str(cap), [])
        if title and title not in by_text[str(cap)]:
            by_text[str(cap)].append(title)
        ids.extend(sid for sid in cap.source_ids if sid not in ids)
    lines = []
    for text, titles in by_text.items():
        lead = f"**{'; '.join(titles)}.** " if titles else ""
        lines.append(f"- {lead}{text}")
    with st.expander(_("Sources and caveats"), icon=":material/info:"):
        st.markdown("\n".join(lines))
        rows = provenance_lines(ids)
        if rows:
            st.markdown("**" + _("Provenance") + "**\n\n" + "\n".join(rows))


def provenance_lines(source_ids: Sequence[str]) -> list[str]:
    """One markdown bullet per source: publisher and title, vintage, file and SHA-256, rows
    loaded, licence and the source's own caveat."""
    src = cache.source_records()
    out = []
    for sid in source_ids:
        r = src.get(sid)
        if r is None:
            continue
        out.append(
            _(
                "- **{publisher}**, {title}; vintage {vintage}; file `{file}` "
                "(SHA-256 `{sha}…`), {rows} rows loaded; licence: {licence}. Source id `{sid}`."
            ).format(
                publisher=source_text(r["publisher"]),
                title=source_text(r["title"]),
                vintage=vintage_label(sid) or _("unknown"),
                file=r["origin"],
                sha=str(r["sha256"])[:12],
                rows=i18n.fmt_number(int(r["rows_loaded"] or 0)),
                licence=source_text(r["licence"]),
                sid=sid,
            )
        )
    return out


def describe(f: Filters) -> str:
    """The filters in words with route and country names and vintage labels, never ids."""
    return f.describe(cache.display_names())


# --------------------------------------------------------------------------- charts


def filters_slug(f: Filters, max_len: int = 60) -> str:
    """A file-name-safe summary of the filters with names, never ids (:meth:`Filters.slug`)."""
    return f.slug(cache.display_names(), max_len)


def png_filename(chart: str, f: Filters, today: dt.date | None = None) -> str:
    """``<chart>_<filters>_<YYYY-MM-DD>`` (no extension: the browser adds ``.png``)."""
    day = (today or dt.date.today()).isoformat()
    name = _SLUG.sub("-", chart.lower()).strip("-") or "chart"
    return f"{name}_{filters_slug(f)}_{day}"


def plotly_config(chart: str, f: Filters, today: dt.date | None = None) -> dict[str, Any]:
    """Modebar config: PNG at scale 2 named after chart, filters and date; no plotly logo."""
    return {
        "toImageButtonOptions": {
            "format": "png",
            "filename": png_filename(chart, f, today),
            "scale": 2,
        },
        "displaylogo": False,
        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
    }


# --------------------------------------------------------------------------- maps


def render_deck(deck: pdk.Deck, key: str, height: int = 560, alt: str | None = None) -> None:
    """Draw a deck with a stable key, so the user's view survives reruns."""
    st.pydeck_chart(deck, key=key, height=height, alt=alt)


# --------------------------------------------------------------------------- metrics


# --------------------------------------------------------------------------- tables and files


def csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 CSV (with BOM, so Excel reads accents) with formula-like cells neutralised."""
    return to_safe_csv(df)


def excel_bytes(df: pd.DataFrame, sheet: str = "incidents", notes: Sequence[str] = ()) -> bytes:
    """An .xlsx that no spreadsheet will evaluate, with the notes (source, caveats, filters)."""
    return to_safe_xlsx(df, sheet_name=sheet, notes=list(notes))


# --------------------------------------------------------------------------- methodology


@st.cache_data(show_spinner=False, max_entries=4)
def _read_text(path: str, mtime_ns: int) -> str:
    del mtime_ns  # cache key only
    return Path(path).read_text(encoding="utf-8")


def methodology_markdown() -> str:
    """``docs/methodology.md`` as text, or its French translation ``docs/methodology.fr.md``
    when the reader reads French (shipped with the app: a missing file is an error)."""
    import i18n

    lang = i18n.get_lang()
    path = METHODOLOGY if lang == i18n.DEFAULT_LANG else METHODOLOGY.with_suffix(f".{lang}.md")
    return _read_text(str(path), path.stat().st_mtime_ns)


# --------------------------------------------------------------------------- headline and text


def shown_as(labels: Mapping[Any, str]) -> Callable[[Any], str]:
    """A widget's ``format_func`` from labels made now, in this run's language (AppTest calls
    a ``format_func`` again later, outside the run, where the language is not set)."""

    def fmt(value: Any) -> str:
        return labels.get(value, str(value))

    return fmt


def capitalise(text: str) -> str:
    """``str.capitalize`` in English (as before); in French only the first letter is raised,
    so acronyms (OIM, HCR) keep their capitals."""
    if i18n.get_lang() == i18n.DEFAULT_LANG:
        return text.capitalize()
    return text[:1].upper() + text[1:]


def render_headline(figures: Sequence[Figure]) -> None:
    """The headline figures (:func:`ui.cache.headline_figures`), each with its change against
    the previous period as the catalogue words it: a percentage, or why there is none."""
    cols = st.columns(len(figures))
    closed = False
    for col, fig in zip(cols, figures, strict=True):
        m = fig.measure
        ok = fig.change.status == "ok"
        closed = closed or fig.change.status != "no-previous"
        col.metric(
            _(m.label),
            fig.display,
            delta=fig.change.text or None,
            # Deaths up is bad news; detections are neither good nor bad. No arrow when the
            # text is not a percentage (partial coverage, too small a base).
            delta_color=("inverse" if m.sources == ("mmp",) else "off") if ok else "off",
            delta_arrow="auto" if ok else "off",
            help=f"{capitalise(_(m.unit))}. {_(m.caveat)}",
        )
    if not closed:
        st.caption(
            _(
                "Choose a period (a year, the last 12 months or custom dates) to compare with "
                "the period before."
            )
        )


#: Text inside a parenthesis, one level of nested parentheses allowed.
_INNER = r"(?:[^()]|\([^()]*\))*"
#: What a citation's placeholders hold: a year; free text is left to :data:`_INNER` around the
#: form's own words (a pattern for it there would only make the search backtrack).
_FIELDS = {"publisher": "", "date": "", "year": r"\d{4}"}


@functools.cache
def _citation(lang: str) -> re.Pattern[str]:
    """A parenthesis holding a citation in any of the forms :func:`services.report._labels`
    writes (``services.report.CITATION_FORMS``), as ``lang`` and English word them: "vintage
    2026-04-09", "millésime du 9 avril 2026", "2023 edition", "édition 2023"."""
    from services.report import CITATION_FORMS

    forms = []
    for form in CITATION_FORMS:
        for text in dict.fromkeys((form, i18n.gettext(form, lang))):
            parts = re.split(r"\{(\w+)\}", text)
            forms.append(
                "".join(_FIELDS[p] if i % 2 else re.escape(p) for i, p in enumerate(parts))
            )
    cite = "(?:" + "|".join(forms) + ")"
    return re.compile(rf"\s*(\({_INNER}{cite}{_INNER}\))(\.?)\s*(.*)$")


def split_citation(sentence: str) -> tuple[str, str]:
    """Split a sentence from its source citation (a parenthesis naming a vintage).

    Returns
    -------
    (str, str)
        The statement (with any text after the citation) and the citation without brackets
        (``""`` when there is none).
    """
    s = str(sentence).strip()
    m = _citation(i18n.get_lang()).search(s)
    if not m:
        return s, ""
    head = s[: m.start()].rstrip(" ;,\u00a0\u202f")
    tail = m.group(3).strip()
    if tail:
        statement = f"{head} {tail}"
    else:
        statement = head if head.endswith(".") else head + "."
    return statement, m.group(1)[1:-1]


def sentences_html(sentences: Iterable[str], css_class: str = "rw-sentences") -> str:
    """A bulleted list of sentences, each escaped; citations in smaller grey type."""
    items = []
    for sentence in sentences:
        statement, cite = split_citation(sentence)
        cite_html = (
            f'<br><span style="font-size:13px;color:#666">{html.escape(cite)}</span>'
            if cite
            else ""
        )
        items.append(f'<li style="margin-bottom:6px">{html.escape(statement)}{cite_html}</li>')
    items = "".join(items)
    return (
        f'<ul class="{html.escape(css_class)}" style="font-size:17px;line-height:1.45;'
        f'margin:0 0 0 1.1em;padding:0">{items}</ul>'
    )


def render_sentences(df: pd.DataFrame | None, empty: str) -> None:
    """The ``sentence`` column of a frame as a list (or ``empty`` when there is none)."""
    if df is None or df.empty or "sentence" not in df.columns:
        st.caption(empty)
        return
    st.html(sentences_html(df["sentence"].astype(str).tolist()))


# --------------------------------------------------------------------------- maps for pages

# 2,000 points + the basemap stay under the 1 MB map budget (about 271 bytes a point).
HEX_THRESHOLD = 2000


def base_layers() -> list[pdk.Layer]:
    """Ocean and bundled country polygons (nothing when the online basemap is switched on).

    The polygons come encoded once per basemap file (:func:`ui.cache.basemap_encoded`), so
    each deck splices them in rather than serialising them again.
    """
    from geo import layers as gl

    if cache.online_basemap():
        return []
    return [gl.build_ocean_layer(), gl.build_basemap_layer(cache.basemap_encoded())]


def make_deck(layers: Sequence[pdk.Layer], view: Mapping[str, float] | None = None) -> pdk.Deck:
    """A deck over the offline basemap, with the stable default view."""
    from geo import layers as gl

    return gl.build_deck(
        [*base_layers(), *layers], view_state=view, online_basemap=cache.online_basemap()
    )


#: Routes drawn in their own colours on a map coloured by route; the rest are grey.
TOP_ROUTES = 8
#: What the map controls can show or hide (``layers`` in the page address).
MAP_LAYERS = {"incidents": N_("Incidents"), "routes": N_("Routes"), "labels": N_("Place names")}


@dataclasses.dataclass(frozen=True)
class MapOptions:
    """The map controls' choices: layers shown and whether every route has its colour."""

    layers: frozenset[str] = frozenset(MAP_LAYERS)
    all_routes: bool = False


def render_map_controls(key: str = "map") -> MapOptions:
    """Layer toggles and "colour every route", kept in the page address."""
    left, right = st.columns([3, 2], vertical_alignment="center")
    with left:
        chosen = address.linked_control(
            st.pills,
            _("Show on the map"),
            list(MAP_LAYERS),
            selection_mode="multi",
            default=list(MAP_LAYERS),
            shown=shown_as({k: _(v) for k, v in MAP_LAYERS.items()}),
            multi=True,
            key=f"{key}_layers",
        )
    with right:
        all_routes = st.toggle(
            _("Colour every route"),
            key=f"{key}_all_routes",
            bind="query-params",
            help=_(
                "Off: the {n} routes with the most dead and missing in their own colours, the "
                "others grey."
            ).format(n=TOP_ROUTES),
        )
    return MapOptions(frozenset(chosen or ()), bool(all_routes))


def top_route_ids(f: Filters, n: int = TOP_ROUTES) -> list[str]:
    """The routes with the most dead and missing under ``f`` (then detections), best first."""
    m = cache.route_metrics(f)
    m = m[m["route_id"] != "unclassified"]
    m = m[(m["dead_and_missing"].fillna(0) > 0) | (m["detections"].fillna(0) > 0)]
    if f.routes:
        m = m[m["route_id"].isin(f.routes)]
    m = m.sort_values(
        ["dead_and_missing", "detections", "route_id"],
        ascending=[False, False, True],
        na_position="last",
    )
    return m["route_id"].head(n).tolist()


MAP_WIDTH_PX = 980.0  # the main column's width at 1440 px with the sidebar open


def label_layer(view: Mapping[str, float], height_px: float, lang: str | None = None) -> pdk.Layer:
    """Country and sea names that fit ``view`` without overlapping (larger places first), in
    ``lang`` (default: the reader's language)."""
    lang = lang or i18n.get_lang()
    return _label_layer(cache.current_db(), lang, tuple(sorted(view.items())), height_px)


@functools.lru_cache(maxsize=64)
def _label_layer(
    db: cache.Db, lang: str, view: tuple[tuple[str, float], ...], height_px: float
) -> pdk.Layer:
    # The names that fit a view depend only on the view, the language and the warehouse's
    # place names: a rerun that keeps the view (most filter changes) reuses the layer.
    from geo import labels as gll

    return gll.build_label_layer(cache.map_labels(), lang, dict(view), MAP_WIDTH_PX, height_px)


def fitted_view(
    f: Filters,
    points: pd.DataFrame | None = None,
    *,
    width_px: float = MAP_WIDTH_PX,
    height_px: float = 560,
) -> dict[str, float]:
    """The view fitted to where the filtered data are: incidents (``lon``/``lat`` of the
    points or hexagon centres drawn) and the waypoints of the routes in the filters."""
    from geo import labels as gll
    from geo import layers as gl

    pts: list[tuple[float, float]] = []
    w: list[float] = []
    if points is not None and len(points):
        pts += list(zip(points["lon"].astype(float), points["lat"].astype(float), strict=True))
        w += (
            points["incidents"].astype(float).tolist()
            if "incidents" in points.columns
            else [1.0] * len(points)
        )
    if f.routes:
        wps = cache.waypoints()
        wps = wps[wps["route_id"].isin(f.routes)]
        pts += list(zip(wps["lon"].astype(float), wps["lat"].astype(float), strict=True))
        # The route itself always shows: each waypoint weighs as much as the heaviest cell.
        w += [max(w, default=1.0)] * len(wps)
    extent = gll.data_extent(pts, weights=w)
    return gll.fit_view(extent, width_px, height_px, default=gl.DEFAULT_VIEW)


def route_map_layers(
    f: Filters,
    colour_by: str = "lethality",
    highlight: Iterable[str] = (),
    coloured: Iterable[str] | None = None,
) -> list[pdk.Layer]:
    """Route paths (width by detections, colour by lethality or route) and their waypoints.

    ``coloured``: with ``colour_by="route"``, the routes drawn in their colours (the others
    grey); ``None`` colours all.
    """
    from geo import layers as gl

    routes = cache.routes()
    wps = cache.waypoints()
    names = dict(zip(routes["route_id"], routes["name"], strict=True))
    shown = list(f.routes) or None
    if shown:
        routes = routes[routes["route_id"].isin(shown)]
        wps = wps[wps["route_id"].isin(shown)]
    return [
        gl.build_route_layer(
            routes,
            wps,
            cache.route_metrics(f),
            colour_by=colour_by,
            highlight=highlight,
            coloured=coloured,
        ),
        gl.build_waypoint_layer(wps, names),
    ]


def render_route_legend(colour_by: str, f: Filters, coloured: Sequence[str] | None = None) -> None:
    """Legend for :func:`route_map_layers` (by route: only routes with data under ``f``)."""
    from geo import layers as gl

    routes = cache.routes()
    if f.routes:
        routes = routes[routes["route_id"].isin(f.routes)]
    m = cache.route_metrics(f)
    with_data = m[(m["dead_and_missing"] > 0) | (m["detections"].fillna(0) > 0)]["route_id"]
    routes = routes[(routes["route_id"] != "unclassified") & routes["route_id"].isin(with_data)]
    title = _("Dead and missing per 1,000 detections") if colour_by == "lethality" else _("Routes")
    render_legend(
        gl.route_legend(colour_by, routes, coloured),
        title,
        note=_(
            "Line width: Frontex detections in the period (thin lines: no Frontex series). "
            "Waypoints are approximate, for display."
        ),
    )


def incident_map_layer(
    f: Filters, max_points: int = HEX_THRESHOLD, force_points: bool = False
) -> tuple[pdk.Layer, bool]:
    """Incidents as points, or as H3 hexagons aggregated in the warehouse above ``max_points``.

    Returns
    -------
    (pdk.Layer, bool)
        The layer and whether it is the hexagon aggregate.
    """
    from geo import layers as gl

    n = cache.incident_count(f)
    if n > max_points and not force_points:
        return gl.build_hex_layer(cache.incident_hex(f, 3)), True
    return gl.build_incident_layer(cache.incident_points(f, max_points)), False


def incident_positions(f: Filters, hexagons: bool, max_points: int = HEX_THRESHOLD) -> pd.DataFrame:
    """``lon``, ``lat`` and ``incidents`` of what the incident layer draws (points, or hexagon
    centres) under ``f``: what :func:`fitted_view` fits the map to."""
    if hexagons:
        import h3

        hx = cache.incident_hex(f, 3)
        lat_lon = [h3.cell_to_latlng(c) for c in hx["h3"].astype(str)]
        return pd.DataFrame(
            {
                "lon": [p[1] for p in lat_lon],
                "lat": [p[0] for p in lat_lon],
                "incidents": hx["incidents"].astype(float).to_numpy(),
            }
        )
    pts = cache.incident_points(f, max_points)
    out = pd.DataFrame({"lon": pts["lon"].astype(float), "lat": pts["lat"].astype(float)})
    out["incidents"] = 1.0
    return out


def render_incident_legend(f: Filters, hexagons: bool, max_points: int = HEX_THRESHOLD) -> None:
    """Legend for :func:`incident_map_layer`."""
    from geo import layers as gl

    n = cache.incident_count(f)
    if hexagons:
        render_legend(
            gl.hex_legend(),
            _("Dead and missing per area"),
            note=hex_note(n),
        )
    else:
        pts = cache.incident_points(f, max_points)
        note = (
            _("Circle size: dead and missing. Showing the {shown} largest of {n} incidents.")
            if n > len(pts)
            else _("Circle size: dead and missing. Showing all {shown} located incidents.")
        )
        render_legend(
            gl.cause_legend(pts["cause"].dropna().unique().tolist()) if len(pts) else [],
            _("Cause of death"),
            note=note.format(shown=i18n.fmt_number(len(pts)), n=i18n.fmt_number(n)),
        )


def hex_note(n: int) -> str:
    """What the hexagon map shows: ``n`` incidents in H3 cells of about 12,000 km²."""
    return _("{n} incidents, aggregated to H3 hexagons (about {area} km² each).").format(
        n=i18n.fmt_number(n), area=i18n.fmt_number(12000)
    )


def choropleth_layer(scores: pd.DataFrame, selected: str | None = None) -> pdk.Layer:
    """Countries filled by risk score over the bundled boundaries."""
    from geo import layers as gl

    return gl.build_choropleth_layer(cache.basemap_encoded(), scores, selected=selected)


def make_choropleth_deck(scores: pd.DataFrame, selected: str | None = None) -> pdk.Deck:
    """The risk map: ocean, score-filled countries (they are the basemap)."""
    from geo import layers as gl

    layers = [] if cache.online_basemap() else [gl.build_ocean_layer()]
    hatch = gl.build_hatch_layer(cache.hatch_paths(), scores)
    return gl.build_deck(
        [*layers, choropleth_layer(scores, selected), *([hatch] if hatch is not None else [])],
        view_state=gl.WORLD_VIEW,
        online_basemap=cache.online_basemap(),
    )


def render_score_legend() -> None:
    """Legend for the risk choropleth."""
    from geo import layers as gl

    render_legend(
        gl.score_legend(),
        _("Composite risk score (0-100)"),
        note=_(gl.LOW_CONFIDENCE_NOTE)
        + " "
        + _(
            "Hover a country for its confidence and whether one incident drives its dead and "
            "missing."
        ),
    )


# --------------------------------------------------------------------------- page helpers


def data_span(f: Filters) -> tuple[dt.date, dt.date] | None:
    """The days the IOM vintage in use covers within the filters' period (``None``: no data)."""
    cov = cache.coverage(f)["mmp"]
    if cov is None or cov.first is None or cov.last is None:
        return None
    lo = max(f.date_from or cov.first, cov.first)
    hi = min(f.date_to or cov.last, cov.last)
    return (lo, hi) if lo <= hi else None


def scope_label(f: Filters) -> str:
    """What the figures cover, for titles: a route's name, "Selected routes" or "All routes"."""
    if len(f.routes) == 1:
        names = dict(zip(cache.routes()["route_id"], cache.routes()["name"], strict=True))
        return names.get(f.routes[0], f.routes[0])
    return _("Selected routes") if f.routes else _("All routes")


def route_choices(metrics: pd.DataFrame, f: Filters) -> list[str]:
    """Routes to pick from: the filtered routes, else every route, deadliest first."""
    m = metrics[metrics["route_id"] != "unclassified"]
    if f.routes:
        m = m[m["route_id"].isin(f.routes)]
    return m.sort_values(["dead_and_missing", "incidents"], ascending=False)["route_id"].tolist()


def country_series(f: Filters, kind: str, iso3: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Yearly dead and missing and detections for one country card.

    Origin: victims from the country and Frontex detections of its nationals. Transit:
    dead and missing recorded in the country (no detections: Frontex counts by nationality).
    """
    if kind == "origin":
        fo = f.replace(origins=(iso3,))
        inc = cache.incidents_by(fo, "none", "year")
        det = cache.detections_by(fo, "none", "year")
        return inc, det
    by_country = cache.incidents_by(f, "country", "year")
    inc = by_country[by_country["key"] == iso3]
    return inc, pd.DataFrame(columns=["period", "detections"])


def country_indicators(iso3: str, names: Sequence[str]) -> dict[str, float | None]:
    """Latest GI-TOC index values of one country (``None`` where absent)."""
    return {name: cache.indicator_values(name).get(iso3) for name in names}


INCIDENT_COLUMN_ORDER = (
    "incident_date", "dead_and_missing", "dead", "missing", "location", "country_of_incident",
    "route_labels_raw", "causes", "origin_raw", "survivors", "females", "males", "children",
    "source_quality", "url", "information_source", "region_of_incident", "incident_type",
    "flags", "main_id", "lat", "lon", "source_id",
)  # fmt: skip


def incident_column_config() -> dict[str, Any]:
    """Column labels and formats for the incident table."""
    cc = st.column_config
    return {
        "incident_date": cc.DateColumn(_("Date"), format="YYYY-MM-DD"),
        "main_id": cc.TextColumn(_("IOM id")),
        "incident_type": cc.TextColumn(_("Type")),
        "region_of_incident": cc.TextColumn(_("Region")),
        "country_of_incident": cc.TextColumn(_("Country")),
        "route_labels_raw": cc.TextColumn(_("Route (IOM)")),
        "dead": cc.NumberColumn(_("Dead"), format="%d"),
        "missing": cc.NumberColumn(_("Missing"), format="%d"),
        "dead_and_missing": cc.NumberColumn(_("Dead and missing"), format="%d"),
        "survivors": cc.NumberColumn(_("Survivors"), format="%d"),
        "females": cc.NumberColumn(_("Women/girls"), format="%d"),
        "males": cc.NumberColumn(_("Men/boys"), format="%d"),
        "children": cc.NumberColumn(_("Children"), format="%d"),
        "origin_raw": cc.TextColumn(_("Origin")),
        "causes": cc.TextColumn(_("Cause")),
        "location": cc.TextColumn(_("Location")),
        "lat": cc.NumberColumn(_("Lat"), format="%.3f"),
        "lon": cc.NumberColumn(_("Lon"), format="%.3f"),
        "information_source": cc.TextColumn(_("Information source")),
        "url": cc.LinkColumn(_("Source link"), display_text=_("open")),
        "source_quality": cc.ProgressColumn(
            _("Source quality"), min_value=0, max_value=5, format="%d / 5"
        ),
        "flags": cc.TextColumn(_("Data flags")),
        "source_id": cc.TextColumn(_("Source id")),
    }


def render_incident_downloads(
    f: Filters, n: int, notes: Sequence[str], max_rows: int = 200_000
) -> None:
    """CSV and Excel downloads of every filtered row, built only when clicked."""
    con = cache.connection()
    limit = min(n, max_rows)

    def rows() -> pd.DataFrame:
        return prepare_incident_table(q.query_incidents(con, f, limit=limit, offset=0))

    stem = f"incidents_{filters_slug(f)}_{dt.date.today().isoformat()}"
    c1, c2, _rest = st.columns([1, 1, 3])
    c1.download_button(
        _("CSV ({n} rows)").format(n=i18n.fmt_number(limit)),
        data=lambda: csv_bytes(rows()),
        file_name=f"{stem}.csv",
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
    )
    c2.download_button(
        _("Excel ({n} rows)").format(n=i18n.fmt_number(limit)),
        data=lambda: excel_bytes(rows(), notes=notes),
        file_name=f"{stem}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        on_click="ignore",
        icon=":material/download:",
    )


# --------------------------------------------------------------------------- risk page

OC_INDICATORS: tuple[tuple[str, str], ...] = (
    ("oc_human_smuggling", N_("Human smuggling")),
    ("oc_human_trafficking", N_("Human trafficking")),
    ("oc_criminality", N_("Criminality")),
    ("oc_resilience", N_("Resilience")),
)


SCOPE_OPTIONS: Mapping[str, str] = {
    "europe": N_("Routes towards Europe"),
    "world": N_("All routes worldwide"),
}
VARIANT_OPTIONS: Mapping[str, str] = {
    "robust": N_("Robust (one incident capped)"),
    "raw": N_("Raw counts"),
}


def scope_problem(f: Filters, scope: str) -> str | None:
    """Why ``scope`` has nothing to score for the routes chosen in ``f`` (all outside it), or
    ``None``. Picking the scope that covers them is the reader's choice, so it is said, not
    done behind their back."""
    from analytics.scores import routes_outside

    outside = routes_outside(cache.routes(), f.routes, scope)
    if not f.routes or len(outside) < len(f.routes):
        return None
    names = cache.display_names()
    return _(
        "None of the routes chosen ({routes}) is a route towards Europe. Choose the scope "
        "“{world}” to score them."
    ).format(
        routes=i18n.join_list([i18n.route_name(names.get(r, r)) for r in outside]),
        world=_(SCOPE_OPTIONS["world"]),
    )


def weights_problem(kind: str, weights: Sequence[tuple[str, float]], scope: str) -> str | None:
    """Why these weights cannot rank anything in ``scope`` (all zero where there is data), or
    ``None``."""
    from analytics.scores import (
        DEFAULT_ORIGIN_WEIGHTS,
        DEFAULT_TRANSIT_WEIGHTS,
        ORIGIN_COMPONENTS,
        TRANSIT_COMPONENTS,
        normalise_weights,
        scope_weights,
    )

    allowed, default = (
        (ORIGIN_COMPONENTS, DEFAULT_ORIGIN_WEIGHTS)
        if kind == "origin"
        else (TRANSIT_COMPONENTS, DEFAULT_TRANSIT_WEIGHTS)
    )
    try:
        scope_weights(normalise_weights(tuple(weights), allowed, default), scope)
    except ValueError as exc:
        return _("Nothing to rank: {reason}.").format(reason=exc)
    return None


def render_scope_components(
    defaults: Sequence[tuple[str, float]], scope: str, labels: Mapping[str, str]
) -> None:
    """Say which components have no data in ``scope`` (their weight goes to the others)."""
    from analytics.scores import SCOPE_LABELS, scope_components

    comps = tuple(c for c, _ in defaults)
    idle = [c for c in comps if c not in scope_components(comps, scope)]
    if idle:
        label = _(SCOPE_LABELS[scope])
        quoted = repr(label) if i18n.get_lang() == i18n.DEFAULT_LANG else f"« {label} »"
        st.caption(
            _(
                "No data in the scope {scope} (Frontex reports only on routes into the EU): "
                "{components}. Their sliders do not count; their weight goes to the other "
                "components."
            ).format(scope=quoted, components=", ".join(labels.get(c, c) for c in idle))
        )


def reset_weights(kind: str, defaults: Sequence[tuple[str, float]]) -> None:
    """Put the weight sliders of ``kind`` back to their defaults (a button callback)."""
    for comp, w in defaults:
        st.session_state[f"w_{kind}_{comp}"] = float(w)


def current_weights(
    kind: str, defaults: Sequence[tuple[str, float]]
) -> tuple[tuple[str, float], ...]:
    """The weights set on the sliders (defaults where a slider has no value yet)."""
    return tuple((comp, float(st.session_state.get(f"w_{kind}_{comp}", w))) for comp, w in defaults)


def ranked_countries(scores: pd.DataFrame) -> list[str]:
    """ISO-3 codes to pick from: ranked countries first (by rank), then the unranked."""
    if i18n.get_lang() == i18n.DEFAULT_LANG:
        return scores.sort_values(["rank", "name"], na_position="last")["iso3"].tolist()
    # Unranked countries by their French names as a reader sorts them (Égypte among the E).
    return scores.sort_values(
        ["rank", "name"],
        na_position="last",
        key=lambda col: col.map(i18n.sort_key) if col.name == "name" else col,
    )["iso3"].tolist()


def country_name_lookup(scores: pd.DataFrame) -> Any:
    """A ``format_func`` showing a country's name (also what a bound link stores)."""
    names = dict(zip(scores["iso3"], scores["name"], strict=True))

    def fmt(iso3: str) -> str:
        return str(names.get(iso3, iso3))

    return fmt


def risk_caption(
    scores: pd.DataFrame,
    v: Vintages,
    f: Filters,
    weights: Sequence[tuple[str, float]] | None = None,
) -> str:
    """Caption for the risk views: the sources the scores used, the scope, the variant and
    the weights (when given), and the caveats."""
    from analytics.scores import describe_settings

    srcs = (
        scores["sources"].dropna().iloc[0]
        if "sources" in scores.columns and scores["sources"].notna().any()
        else ""
    )

    def first(col: str) -> str | None:
        return str(scores[col].iloc[0]) if col in scores.columns and len(scores) else None

    settings = describe_settings(first("scope"), first("variant"), weights)
    return make_caption(
        [srcs or _("IOM Missing Migrants Project, Frontex, GI-TOC Organized Crime Index")],
        minimum_estimate=True,
        detections=True,
        filters=describe(f),
        note=(settings + " " if settings else "")
        + _(
            "Scores rank countries against each other under these filters; they are not "
            "probabilities. Countries with too little data are not ranked"
        ),
    )


def component_table(
    row: pd.Series, weights: Sequence[tuple[str, float]], labels: Mapping[str, str], kind: str
) -> pd.DataFrame:
    """One country's components: value (with its unit, "no data" where none), 0-100 scaled
    value and points added to the score."""
    return pd.DataFrame(
        [
            {
                _("Component"): labels.get(c, c),
                _("Value"): component_measure(kind, c).format(row.get(c), with_unit=True),
                _("Scaled (0-100)"): row.get(f"c_{c}"),
                _("Points in score"): row.get(f"contrib_{c}"),
                _("Weight"): w,
            }
            for c, w in weights
        ]
    )


#: The unit a table header shows for a catalogue unit (the help text carries the full one).
_HEADER_UNITS = {
    "persons": N_("persons"),
    "detections (events, not persons)": N_("detections"),
    "per 1,000 detections": N_("per 1,000 detections"),
    "percent": "%",
    "share": "%",
    "index points (1-10)": N_("1-10 points"),
    "points (0-100)": "0-100",
}


def _header_width(header: str) -> int:
    """Pixels for a header to show uncut (about 7.5 px a character at the table's font)."""
    return max(90, int(len(header) * 7.6) + 34)


def _table_kind(weights: Sequence[tuple[str, float]]) -> str:
    from analytics.catalogue import COMPONENT_MEASURES

    comps = {c for c, _ in weights}
    return "origin" if comps <= set(COMPONENT_MEASURES["origin"]) else "transit"


#: The risk scores' confidence levels (as :mod:`analytics.scores` writes them), translated
#: where shown.
CONFIDENCE_LEVELS = (N_("high"), N_("medium"), N_("low"))


def driven_by_one_cell(row: Mapping[str, Any]) -> str:
    """The ranked table's "Driven by one incident" cell: ``"yes: 71% from its largest
    incident"``, ``"no"``, or "no data" where the share is not known."""
    from geo import layers as gl

    share = row.get("largest_incident_share")
    known = share is not None and not pd.isna(share)
    if gl.driven_by_one_text(row) is not None:
        if not known:
            return _("yes")
        return _("yes: {share} from its largest incident").format(
            share=i18n.fmt_percent(float(share) * 100)  # type: ignore[arg-type]
        )
    return _("no") if known else _(NO_DATA)


def risk_table(
    scores: pd.DataFrame, weights: Sequence[tuple[str, float]], labels: Mapping[str, str]
) -> tuple[pd.DataFrame, dict[str, tuple[str, str, str | None]]]:
    """The ranked table as shown: one column per value, each header with its unit.

    Returns
    -------
    (DataFrame, dict)
        The table (numbers stay numbers, so columns sort; ``NaN`` where a value is missing,
        shown as "no data", never 0: a component without data adds no points) and, per
        column, its header, help text and number format (``None`` for text).
    """
    kind = _table_kind(weights)
    score_m = measure("risk_score")
    heads: dict[str, tuple[str, str, str | None]] = {
        "rank": (_("Rank"), _("1 = highest score; no data: too little data to rank"), "%d"),
        "name": (_("Country"), "", None),
        "score": (
            _("Score (0-100)"),
            f"{_(score_m.label)}, {_(score_m.unit)}. {_(score_m.caveat)}",
            "%.0f",
        ),
        "confidence": (
            _("Data confidence"),
            _(
                "high, medium or low, from the incidents, their source quality and the share "
                "of the weight with data; low-confidence countries are faded on the map"
            ),
            None,
        ),
    }
    # Columns gathered as arrays and the frame built once: a column set at a time costs a
    # millisecond or more each, on every rerun of the Risk page.
    table: dict[str, Any] = {}
    for c in ("rank", "name", "score", "confidence"):
        if c in scores.columns:
            table[c] = scores[c].to_numpy()
    if "confidence" in table and i18n.get_lang() != i18n.DEFAULT_LANG:
        table["confidence"] = np.array(
            [_(x) if isinstance(x, str) else x for x in table["confidence"]], dtype=object
        )
    if "driven_by_one_incident" in scores.columns or "largest_incident_share" in scores.columns:
        cols = [c for c in ("driven_by_one_incident", "largest_incident_share") if c in scores]
        # Row dicts from the columns' lists (the same values to_dict gives, without a copy).
        lists = [scores[c].tolist() for c in cols]
        records = [dict(zip(cols, v, strict=True)) for v in zip(*lists, strict=True)]
        table["driven_by_one"] = [driven_by_one_cell(r) for r in records]
        heads["driven_by_one"] = (
            _("Driven by one incident (% of dead and missing)"),
            _(
                "Whether one incident provides most of the country's dead and missing, with "
                "the share its largest incident provides (%)"
            ),
            None,
        )
    for c, _w in weights:
        m = component_measure(kind, c)
        label = labels.get(c, _(m.label))
        values = _float_array(scores[c]) if c in scores.columns else None
        if values is not None:
            table[f"value_{c}"] = np.round(values * 100.0 if m.share else values, m.decimals)
            unit = _(_HEADER_UNITS.get(m.unit, m.unit))
            # A label that already names its unit ("... per 1,000 detections") keeps it once.
            head = label_with_unit(label, unit)
            heads[f"value_{c}"] = (
                head,
                f"{_(m.label)}, {_(m.unit)}. {_(m.caveat)}",
                _number_format(m),
            )
        if f"contrib_{c}" in scores.columns:
            # Points only where the component has data; "no data" otherwise, never 0.0.
            has = ~np.isnan(values) if values is not None else np.zeros(len(scores), dtype=bool)
            table[f"contrib_{c}"] = np.where(has, _float_array(scores[f"contrib_{c}"]), np.nan)
            heads[f"contrib_{c}"] = (
                _("{label} (points)").format(label=label),
                _("Points this component adds to the score (0-100 points in all)"),
                "%.1f",
            )
    if "incidents" in scores.columns:
        table["incidents"] = _float_array(scores["incidents"])
        heads["incidents"] = (_("Incidents (count)"), _(measure("incidents").caveat), "localized")
    if "top_routes" in scores.columns:
        table["top_routes"] = scores["top_routes"].fillna(_(NO_DATA)).to_numpy()
        heads["top_routes"] = (_("Main routes (% of dead and missing)"), "", None)
    return pd.DataFrame(table), heads


def _float_array(values: pd.Series) -> np.ndarray:
    """Values as a float array, ``NaN`` where missing or not a number."""
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        return values.to_numpy(dtype="float64", na_value=np.nan)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def _number_format(m: Any) -> str:
    """A Streamlit number format showing ``m``'s values as :meth:`Measure.format` does."""
    if m.share or m.percent:
        return f"%{'+' if m.signed else ''}.{m.decimals}f%%"
    return "localized" if m.decimals == 0 else f"%.{m.decimals}f"


def render_risk_table(
    scores: pd.DataFrame, weights: Sequence[tuple[str, float]], labels: Mapping[str, str]
) -> None:
    """The ranked table: score, confidence, each component's value (with its unit) and its
    points, incidents, routes; full headers with help text."""
    table, heads = risk_table(scores, weights, labels)
    cc: dict[str, Any] = {}
    for col, (head, help_text, fmt) in heads.items():
        width = _header_width(head)
        if col == "score":
            cc[col] = st.column_config.ProgressColumn(
                head, min_value=0, max_value=100, format="%.0f", help=help_text, width=width
            )
        elif fmt is not None:
            cc[col] = st.column_config.NumberColumn(
                head,
                format=fmt,  # type: ignore[arg-type]
                help=help_text or None,
                width=width,
            )
        else:
            cc[col] = st.column_config.TextColumn(
                head, help=help_text or None, width=max(width, 160) if col == "name" else width
            )
    # Numbers stay numbers (the columns sort); a missing value reads "no data", never blank.
    st.dataframe(table, column_config=cc, hide_index=True, height=420, placeholder=_(NO_DATA))


def render_arrival_ratio(ratio: Mapping[str, Any]) -> None:
    """Dead and missing per 1,000 sea arrivals (UNHCR) beside per 1,000 detections (Frontex),
    each with its own months, source and caveat (:func:`services.unhcr.route_arrival_ratio`)."""
    from services.unhcr import window_text

    arr_m = measure("deaths_per_1000_sea_arrivals")
    det_m = measure("deaths_per_1000_detections")
    persons = measure("dead_and_missing")
    country = cache.country_names().get(str(ratio.get("arrival_country")), "")
    left, right = st.columns(2)
    with left, st.container(border=True):
        st.metric(
            f"{_(arr_m.label)} ({country})" if country else _(arr_m.label),
            arr_m.format(ratio.get("deaths_per_1000_sea_arrivals")),
        )
        st.caption(
            _(
                "{deaths} dead and missing (IOM, persons) against {arrivals} sea arrivals to "
                "{country} (UNHCR, persons), {window} (the whole months both cover)."
            ).format(
                deaths=persons.format(ratio.get("dead_and_missing_in_arrival_months")),
                arrivals=measure("arrivals").format(ratio.get("arrivals")),
                country=country or _("the country of arrival"),
                window=window_text(ratio.get("arrival_window")),
            )
            + " "
            + _(arr_m.caveat)
        )
    with right, st.container(border=True):
        st.metric(_(det_m.label), det_m.format(ratio.get("deaths_per_1000_detections")))
        window = ratio.get("detection_window") or _("no months both sources cover")
        st.caption(
            _(
                "Dead and missing (IOM, persons) against Frontex detections (events, not "
                "persons), {window} (the months both cover)."
            ).format(window=window)
            + " "
            + _(det_m.caveat)
        )
    st.caption(
        _(
            "Two denominators, two measures: persons landed in Italy and border-crossing "
            "events. Read them side by side; never add or average them."
        )
    )


# --------------------------------------------------------------------------- data page


def download_notes(v: Vintages, f: Filters) -> list[str]:
    """Notes written beside exported rows: source, vintage, caveats, filters."""
    return [
        source_caption(v, f),
        _("Incident vintage: {vintage}").format(vintage=vintage_label(v.incidents) or v.incidents),
        _("Exported {date} from RouteWatch.").format(date=dt.date.today().isoformat()),
    ]


def render_vintages_in_use(v: Vintages) -> None:
    """Which incident and detection vintages the app is showing."""
    c = st.columns(2)
    c[0].metric(_("Incidents (IOM) vintage in use"), vintage_label(v.incidents) or _("none loaded"))
    c[0].caption(_("Source id: {id}").format(id=v.incidents or "-"))
    c[1].metric(
        _("Detections (Frontex) vintage in use"), vintage_label(v.detections) or _("none loaded")
    )
    c[1].caption(_("Source id: {id}").format(id=v.detections or "-"))
    if v.is_demo:
        st.caption(_("These are the synthetic demo data."))


def render_sources_table(src: pd.DataFrame) -> None:
    """Every loaded source with publisher, licence, as-of date and row counts."""
    cols = [
        "publisher", "title", "kind", "vintage", "licence", "rows_read", "rows_loaded",
        "rows_rejected", "rows_flagged", "ingested_at", "origin", "is_demo", "partial",
        "partial_reason", "caveat", "source_id",
    ]  # fmt: skip
    cc = st.column_config
    shown = src[[c for c in cols if c in src.columns]].copy()
    for col in ("publisher", "title", "licence", "caveat"):  # in the reader's language
        if col in shown:
            shown[col] = shown[col].map(lambda x: source_text(x) if isinstance(x, str) else x)
    st.dataframe(
        shown,
        hide_index=True,
        column_config={
            "publisher": cc.TextColumn(_("Publisher")),
            "title": cc.TextColumn(_("Title")),
            "kind": cc.TextColumn(_("Kind")),
            "vintage": cc.DateColumn(_("As of"), format="YYYY-MM-DD"),
            "licence": cc.TextColumn(_("Licence")),
            "rows_read": cc.NumberColumn(_("Rows read"), format="%d"),
            "rows_loaded": cc.NumberColumn(_("Loaded"), format="%d"),
            "rows_rejected": cc.NumberColumn(_("Rejected"), format="%d"),
            "rows_flagged": cc.NumberColumn(_("Flagged"), format="%d"),
            "ingested_at": cc.DatetimeColumn(_("Loaded at"), format="YYYY-MM-DD HH:mm"),
            "origin": cc.TextColumn(_("File")),
            "is_demo": cc.CheckboxColumn(_("Demo")),
            "partial": cc.CheckboxColumn(
                _("Partial"), help=_("Loaded from a file that looked cut off")
            ),
            "partial_reason": cc.TextColumn(_("Why partial")),
            "caveat": cc.TextColumn(_("Caveat")),
            "source_id": cc.TextColumn(_("Source id")),
        },
    )


def render_rejected(src: pd.DataFrame) -> None:
    """Rejected rows of the sources that have any, with reasons."""
    with_rejects = src[src["rows_rejected"] > 0]
    if with_rejects.empty:
        st.caption(_("No rows were rejected in any loaded source."))
        return
    sid = st.selectbox(
        _("Source"),
        with_rejects["source_id"].tolist(),
        format_func=shown_as(
            {
                s: _("{source} ({n} rejected)").format(source=s, n=i18n.fmt_number(int(n)))
                for s, n in zip(
                    with_rejects["source_id"], with_rejects["rows_rejected"], strict=True
                )
            }
        ),
        key="rejected_source",
    )
    st.dataframe(cache.rejected(sid), hide_index=True, height=280)


def render_quality_metrics(dq: Mapping[str, Any]) -> None:
    """Shares of incidents missing coordinates, origin or route, and flagged rows."""
    c = st.columns(4)
    c[0].metric(_("Incidents"), i18n.fmt_number(dq["incidents"]))
    c[1].metric(_("Without coordinates"), i18n.fmt_percent(dq["share_no_coords"] * 100, 1))
    c[2].metric(_("Without country of origin"), i18n.fmt_percent(dq["share_no_origin"] * 100, 1))
    c[3].metric(_("Without a known route"), i18n.fmt_percent(dq["share_no_route"] * 100, 1))
    st.caption(
        _(
            "{share} of incidents carry a data-quality flag from the ingest (see the Data flags "
            "column on the Incidents page)."
        ).format(share=i18n.fmt_percent(dq["share_flagged"] * 100, 2))
    )


# --------------------------------------------------------------------------- app icon and page


#: House CSS on every page. Captions in Streamlit's default grey (#828180) have a contrast of
#: 3.88:1 on white, under WCAG AA's 4.5:1 for small text; this grey has 6.4:1 (5.7:1 on the
#: sidebar's background).
GLOBAL_CSS = """<style>
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p { color: #5C5B59 !important; opacity: 1 !important; }
</style>"""


def render_global_css() -> None:
    """The house CSS (contrast fixes) for this run."""
    st.html(GLOBAL_CSS)


def configure_page() -> None:
    """``st.set_page_config`` for every run: title, the local favicon, wide layout.

    The favicon is an image made here: a ``:material/...`` page icon would be fetched from
    fonts.gstatic.com, which offline browsers cannot reach.
    """
    st.set_page_config(
        page_title="RouteWatch",
        page_icon=_app_icon_png(),
        layout="wide",
        initial_sidebar_state="expanded",
    )


@functools.lru_cache(maxsize=1)
def _app_icon_png() -> bytes:
    # Drawn once per process (tens of ms): configure_page runs on every rerun.
    buf = io.BytesIO()
    app_icon().save(buf, format="PNG")
    return buf.getvalue()


def app_icon(size: int = 64) -> Image.Image:
    """The favicon, drawn here so the app never fetches an icon from the internet.

    A blue rounded square crossed by an orange route with white end points.
    """
    from PIL import Image

    y, x = np.mgrid[0:size, 0:size].astype("float64") / (size - 1)
    img = np.zeros((size, size, 4), dtype="uint8")
    r = 0.18
    cx = np.clip(x, r, 1 - r)
    cy = np.clip(y, r, 1 - r)
    inside = (x - cx) ** 2 + (y - cy) ** 2 <= r**2
    img[inside] = [0, 114, 178, 255]
    # Route: a gentle S-curve from bottom left to top right.
    t = np.linspace(0.0, 1.0, 400)
    px = 0.2 + 0.6 * t
    py = 0.8 - 0.6 * t + 0.12 * np.sin(2 * np.pi * t)
    d = np.min((x[..., None] - px) ** 2 + (y[..., None] - py) ** 2, axis=-1)
    img[(d <= 0.07**2) & inside] = [230, 159, 0, 255]
    for ex, ey in ((px[0], py[0]), (px[-1], py[-1])):
        img[((x - ex) ** 2 + (y - ey) ** 2 <= 0.1**2) & inside] = [255, 255, 255, 255]
    return Image.fromarray(img, mode="RGBA")
