"""Pure pydeck builders: DataFrames in, ``pdk.Layer`` / ``pdk.Deck`` out.

Maps must draw with no internet, so :func:`build_deck` sets ``map_provider=None`` and the
basemap is a :func:`build_basemap_layer` of the bundled country polygons over a plain ocean
(:func:`build_ocean_layer`). An online tile basemap is an explicit opt-in
(``online_basemap=True``; the app reads ``ROUTEWATCH_ONLINE_BASEMAP=1``).

Tooltips show data as text. Every value placed in a tooltip field goes through
:func:`escape_text` first, so a location such as ``<img src=x onerror=alert(1)>`` reaches the
browser as ``&lt;img ...&gt;`` and stays inert whatever the renderer does with the template.
Every pickable layer carries the same two fields, ``tt_title`` and ``tt_body`` (lines joined
by newlines), so one deck-wide template (:data:`TOOLTIP`) serves all layers.

Legends: pydeck draws none, so each colour rule here has a matching ``*_legend`` function that
returns the entries (label, colour, shape) the UI turns into HTML.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk
import shapely
from pydeck.bindings.json_tools import default_serialize

from analytics.theme import (
    OTHER_COLOUR,
    SEQUENTIAL,
    SEQUENTIAL_LINES,
    cause_colour,
    cause_label,
    hex_to_rgb,
)

#: The deck-wide tooltip template: fixed markup, data only through escaped fields.
TOOLTIP: dict[str, Any] = {
    "html": "<b>{tt_title}</b><br/>{tt_body}",
    "style": {
        "backgroundColor": "#1A1A1A",
        "color": "#FFFFFF",
        "fontSize": "15px",
        "fontFamily": "sans-serif",
        "whiteSpace": "pre-line",
        "maxWidth": "360px",
        "padding": "8px 10px",
        "borderRadius": "4px",
    },
}

#: Europe, Africa and the Middle East in view: where most routes are; the map keeps it
#: across filter changes (a stable initial view state is not reset by the frontend).
DEFAULT_VIEW = {"longitude": 18.0, "latitude": 24.0, "zoom": 1.9, "pitch": 0, "bearing": 0}
WORLD_VIEW = {"longitude": 10.0, "latitude": 15.0, "zoom": 1.1, "pitch": 0, "bearing": 0}

#: pydeck's placeholder style; Streamlit removes it and then draws no tile basemap (with no
#: style at all it would request CARTO's positron style from the internet).
NO_MAP_STYLE = "__MAP_STYLE__"

OCEAN_RGB = [223, 233, 242]
LAND_RGB = [246, 245, 241]
BORDER_RGB = [190, 190, 190]
NO_DATA_RGB = [232, 232, 232]

#: pydeck reads a plain string as a data accessor ("@@=pixels"); units must be literal strings.
PIXELS = pdk.types.String("pixels")

#: Lethality classes (dead and missing per 1,000 detections): (lower bound, label).
LETHALITY_BREAKS: tuple[float, ...] = (1.0, 5.0, 15.0, 30.0)
#: Hexagon classes (dead and missing per cell).
HEX_BREAKS: tuple[float, ...] = (5, 20, 100, 500)
#: Score classes (composite risk 0-100).
SCORE_BREAKS: tuple[float, ...] = (20, 40, 60, 80)


def escape_text(value: object, max_len: int = 200) -> str:
    """Make one data value safe to show in a tooltip.

    ``<`` and ``>`` become ``&lt;`` and ``&gt;``: without a literal ``<`` no markup can be
    created whether the frontend inserts the field as HTML or escapes it again. ``&`` and
    quotes are left as they are (they cannot open a tag in text content, and escaping them
    would show ``&amp;`` in renderers that escape once more, as Streamlit's does).
    Missing values become an empty string; long values are cut at ``max_len`` characters.

    Parameters
    ----------
    value : object
        Any value (None and NaN give ``""``).
    max_len : int
        Longest text kept.

    Returns
    -------
    str
    """
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    try:
        if pd.isna(value):  # type: ignore[call-overload]
            return ""
    except (TypeError, ValueError):
        pass
    text = str(value)
    if len(text) > max_len:
        text = text[: max_len - 1] + "\u2026"
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _tooltip_lines(*lines: object) -> str:
    return "\n".join(escape_text(x) for x in lines if x is not None and escape_text(x) != "")


def _rgba(colour: str, alpha: int = 255) -> list[int]:
    return [*hex_to_rgb(colour), alpha]


def _class_index(value: float, breaks: Sequence[float]) -> int:
    return int(np.searchsorted(np.asarray(breaks, dtype="float64"), value, side="right"))


def _fmt_int(v: object) -> str:
    try:
        if v is None or pd.isna(v):  # type: ignore[call-overload]
            return "n/a"
    except (TypeError, ValueError):
        pass
    return f"{int(round(float(v))):,}"  # type: ignore[arg-type]


# --------------------------------------------------------------------------- basemap


def simplify_countries(
    countries: gpd.GeoDataFrame, tolerance_deg: float = 0.1, min_area_km2: float = 400.0
) -> gpd.GeoDataFrame:
    """Simplify country polygons further for a small-scale web basemap.

    Geometry is simplified in degrees (display only) and parts smaller than ``min_area_km2``
    are dropped, measured in an equal-area CRS (EPSG:6933); a country's largest part is always
    kept, so small island states stay on the map. Coordinates are rounded to 0.01 degrees.

    Parameters
    ----------
    countries : GeoDataFrame
        ``iso3``, ``name``, ``geometry`` in EPSG:4326 (as :func:`data.reference.read_countries`).

    Returns
    -------
    GeoDataFrame
        ``iso3``, ``name``, ``geometry`` (EPSG:4326), one row per input country with a
        non-empty geometry.
    """
    g = countries[["iso3", "name", "geometry"]].to_crs(4326).reset_index(drop=True)
    g["geometry"] = g.geometry.simplify(tolerance_deg, preserve_topology=True)
    parts = g.explode(index_parts=False)
    parts = parts[~parts.geometry.is_empty]
    area = parts.geometry.to_crs(6933).area / 1e6
    biggest = area.groupby(level=0).transform("max")
    parts = parts[(area >= min_area_km2) | (area == biggest)]
    geoms = parts.geometry.groupby(level=0).agg(
        lambda s: shapely.multipolygons(list(s.values)) if len(s) > 1 else s.values[0]
    )
    out = g.loc[geoms.index, ["iso3", "name"]].copy()
    out = gpd.GeoDataFrame(
        out, geometry=shapely.set_precision(np.asarray(geoms.values), 0.01), crs=4326
    )
    return out[~out.geometry.is_empty].reset_index(drop=True)


def countries_geojson(countries: gpd.GeoDataFrame) -> dict[str, Any]:
    """GeoJSON FeatureCollection of countries, properties ``iso3`` and ``name`` only.

    Parameters
    ----------
    countries : GeoDataFrame
        EPSG:4326 (see :func:`simplify_countries`).
    """
    geoms = shapely.to_geojson(np.asarray(countries.geometry.values))
    features = [
        {"type": "Feature", "properties": {"iso3": iso3, "name": name}, "geometry": json.loads(gj)}
        for iso3, name, gj in zip(countries["iso3"], countries["name"], geoms, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


def _as_geojson(countries: gpd.GeoDataFrame | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(countries, gpd.GeoDataFrame):
        return countries_geojson(simplify_countries(countries))
    return dict(countries)


def build_ocean_layer() -> pdk.Layer:
    """A plain ocean rectangle under the countries (the deck has no tile basemap offline)."""
    ring = [[-180, -85], [180, -85], [180, 85], [-180, 85], [-180, -85]]
    return pdk.Layer(
        "SolidPolygonLayer",
        id="ocean",
        data=[{"polygon": ring}],
        get_polygon="polygon",
        get_fill_color=OCEAN_RGB,
        pickable=False,
    )


def build_basemap_layer(countries: gpd.GeoDataFrame | Mapping[str, Any]) -> pdk.Layer:
    """Country polygons as an offline basemap (light land, grey borders, not pickable).

    Parameters
    ----------
    countries : GeoDataFrame or GeoJSON mapping
        A GeoDataFrame is simplified with :func:`simplify_countries` first; a GeoJSON mapping
        (already simplified, e.g. cached by the app) is used as it is.
    """
    return pdk.Layer(
        "GeoJsonLayer",
        id="basemap",
        data=_as_geojson(countries),
        stroked=True,
        filled=True,
        get_fill_color=LAND_RGB,
        get_line_color=BORDER_RGB,
        line_width_min_pixels=0.6,
        pickable=False,
    )


# --------------------------------------------------------------------------- routes


def _lethality_colour(v: object) -> list[int]:
    try:
        if v is None or pd.isna(v):  # type: ignore[call-overload]
            return _rgba(OTHER_COLOUR, 200)
    except (TypeError, ValueError):
        return _rgba(OTHER_COLOUR, 200)
    return _rgba(SEQUENTIAL_LINES[_class_index(float(v), LETHALITY_BREAKS)], 235)  # type: ignore[arg-type]


def route_paths(routes: pd.DataFrame, waypoints: pd.DataFrame) -> pd.DataFrame:
    """One row per drawable route: ``route_id``, ``name``, ``colour``, ``path`` (list of
    ``[lon, lat]`` in EPSG:4326, in waypoint order). Routes with fewer than two waypoints are
    left out."""
    wp = waypoints.sort_values(["route_id", "seq"])
    paths = (
        wp.assign(
            pt=[
                [round(float(x), 4), round(float(y), 4)]
                for x, y in zip(wp["lon"], wp["lat"], strict=True)
            ]
        )
        .groupby("route_id")["pt"]
        .agg(list)
        .rename("path")
        .reset_index()
    )
    paths = paths[paths["path"].map(len) >= 2]
    return routes[["route_id", "name", "colour"]].merge(paths, on="route_id", how="inner")


def build_route_layer(
    routes: pd.DataFrame,
    waypoints: pd.DataFrame,
    metrics: pd.DataFrame | None = None,
    colour_by: str = "lethality",
    highlight: Iterable[str] | None = None,
    max_width_px: float = 12.0,
) -> pdk.Layer:
    """Routes as paths: width by detections, colour by lethality or by the route's colour.

    Parameters
    ----------
    routes : DataFrame
        ``route_id``, ``name``, ``colour``.
    waypoints : DataFrame
        ``route_id``, ``seq``, ``lon``, ``lat`` (EPSG:4326).
    metrics : DataFrame, optional
        Per route: ``route_id``, ``detections``, ``dead_and_missing``, ``incidents``,
        ``deaths_per_1000_detections`` (from :func:`analytics.figures.compute_route_metrics`).
    colour_by : {"lethality", "route"}
    highlight : iterable of str, optional
        Route ids drawn at full strength; the others are faded.
    max_width_px : float
        Width of the route with the most detections; routes without detections get 2 px.
    """
    if colour_by not in ("lethality", "route"):
        raise ValueError(f"colour_by must be 'lethality' or 'route', got {colour_by!r}")
    df = route_paths(routes, waypoints)
    m = metrics if metrics is not None else pd.DataFrame(columns=["route_id"])
    cols = ["detections", "dead_and_missing", "incidents", "deaths_per_1000_detections"]
    m = m.reindex(columns=["route_id", *cols])
    df = df.merge(m, on="route_id", how="left")
    det = pd.to_numeric(df["detections"], errors="coerce").astype("float64")
    top = float(det.max()) if det.notna().any() and float(det.max()) > 0 else 1.0
    df["width_px"] = (
        2.0 + (max_width_px - 2.0) * np.sqrt(det.fillna(0).clip(lower=0) / top)
    ).round(1)
    hl = set(highlight or ())
    rows = []
    for r in df.itertuples(index=False):
        if colour_by == "lethality":
            colour = _lethality_colour(r.deaths_per_1000_detections)
        else:
            colour = _rgba(r.colour, 190)
        if hl and r.route_id not in hl:
            colour = [*colour[:3], 110]
        leth = r.deaths_per_1000_detections
        leth_txt = "n/a (no comparable detections)" if pd.isna(leth) else f"{float(leth):,.1f}"
        rows.append(
            {
                "route_id": r.route_id,
                "path": r.path,
                "color": colour,
                "width": float(r.width_px) * (1.4 if r.route_id in hl else 1.0),
                "tt_title": escape_text(r.name),
                "tt_body": _tooltip_lines(
                    f"Dead and missing: {_fmt_int(r.dead_and_missing)}",
                    f"Incidents: {_fmt_int(r.incidents)}",
                    f"Detections (events): {_fmt_int(r.detections)}",
                    f"Dead and missing per 1,000 detections: {leth_txt}",
                ),
            }
        )
    return pdk.Layer(
        "PathLayer",
        id="routes",
        data=rows,
        get_path="path",
        get_color="color",
        get_width="width",
        width_units=PIXELS,
        width_min_pixels=2,
        cap_rounded=True,
        joint_rounded=True,
        pickable=True,
        auto_highlight=True,
    )


def build_waypoint_layer(
    waypoints: pd.DataFrame, route_names: Mapping[str, str] | None = None
) -> pdk.Layer:
    """Small white dots at route waypoints, with name and role in the tooltip."""
    names = route_names or {}
    rows = [
        {
            "position": [float(r.lon), float(r.lat)],
            "tt_title": escape_text(r.name),
            "tt_body": _tooltip_lines(
                f"{str(r.role).capitalize()} on {names.get(r.route_id, r.route_id)}"
            ),
        }
        for r in waypoints.itertuples(index=False)
    ]
    return pdk.Layer(
        "ScatterplotLayer",
        id="waypoints",
        data=rows,
        get_position="position",
        get_radius=2,
        radius_units=PIXELS,
        get_fill_color=[255, 255, 255, 200],
        get_line_color=[80, 80, 80, 160],
        stroked=True,
        line_width_min_pixels=0.8,
        pickable=True,
    )


def route_legend(
    colour_by: str = "lethality", routes: pd.DataFrame | None = None
) -> list[dict[str, str]]:
    """Legend entries for :func:`build_route_layer`.

    Returns
    -------
    list of dict
        ``label``, ``colour`` (``#RRGGBB``) and ``shape`` (``"line"``).
    """
    if colour_by == "route":
        if routes is None:
            return []
        return [
            {"label": n, "colour": c, "shape": "line"}
            for n, c in zip(routes["name"], routes["colour"], strict=True)
        ]
    b = LETHALITY_BREAKS
    labels = (
        [f"under {b[0]:g}"]
        + [f"{lo:g} to {hi:g}" for lo, hi in zip(b[:-1], b[1:], strict=True)]
        + [f"{b[-1]:g} or more"]
    )
    entries = [
        {"label": lab, "colour": col, "shape": "line"}
        for lab, col in zip(labels, SEQUENTIAL_LINES, strict=True)
    ]
    entries.append({"label": "no comparable detections", "colour": OTHER_COLOUR, "shape": "line"})
    return entries


# --------------------------------------------------------------------------- incidents


def build_incident_layer(points: pd.DataFrame) -> pdk.Layer:
    """Incidents as circles sized by dead and missing, coloured by (first listed) cause.

    Parameters
    ----------
    points : DataFrame
        ``lon``, ``lat`` (EPSG:4326), ``dead_and_missing``, ``cause``, ``incident_date``,
        ``location``, ``route``, ``source_quality`` (as :func:`data.queries.query_incident_points`).
    """
    df = points.dropna(subset=["lon", "lat"])
    n = pd.to_numeric(df["dead_and_missing"], errors="coerce").fillna(0).clip(lower=0)
    radius = (2.5 + 1.6 * np.sqrt(n)).clip(upper=40).round(1)
    dates = pd.to_datetime(df["incident_date"], errors="coerce").dt.strftime("%d %b %Y")
    rows = [
        {
            "position": [round(float(lon), 4), round(float(lat), 4)],
            "radius": float(rad),
            "color": _rgba(cause_colour(str(cause)), 190),
            "tt_title": f"{_fmt_int(dm)} dead and missing",
            "tt_body": _tooltip_lines(
                date,
                loc,
                f"Cause: {cause_label(str(cause))}"
                if isinstance(cause, str)
                else "Cause: not recorded",
                f"Route: {route}" if isinstance(route, str) and route else None,
                f"Source quality: {_fmt_int(q)} of 5" if q is not None and not pd.isna(q) else None,
            ),
        }
        for lon, lat, rad, cause, dm, date, loc, route, q in zip(
            df["lon"],
            df["lat"],
            radius,
            df["cause"],
            df["dead_and_missing"],
            dates,
            df["location"],
            df["route"],
            df["source_quality"],
            strict=True,
        )
    ]
    return pdk.Layer(
        "ScatterplotLayer",
        id="incidents",
        data=rows,
        get_position="position",
        get_radius="radius",
        radius_units=PIXELS,
        get_fill_color="color",
        get_line_color=[255, 255, 255, 200],
        stroked=True,
        line_width_min_pixels=0.5,
        pickable=True,
        auto_highlight=True,
    )


def cause_legend(causes: Iterable[str]) -> list[dict[str, str]]:
    """Legend entries (``label``, ``colour``, ``shape="circle"``) for the causes shown."""
    seen: list[str] = []
    for c in causes:
        if isinstance(c, str) and c not in seen:
            seen.append(c)
    return [{"label": cause_label(c), "colour": cause_colour(c), "shape": "circle"} for c in seen]


def build_hex_layer(hex_df: pd.DataFrame) -> pdk.Layer:
    """Incidents aggregated to H3 cells (server-side), coloured by dead and missing per cell.

    Parameters
    ----------
    hex_df : DataFrame
        ``h3`` (cell id as hex string), ``incidents``, ``dead_and_missing``
        (as :func:`data.queries.query_incident_hex`).
    """
    rows = [
        {
            "h3": str(cell),
            "color": _rgba(SEQUENTIAL[_class_index(float(dm), HEX_BREAKS)], 210),
            "tt_title": f"{_fmt_int(dm)} dead and missing",
            "tt_body": _tooltip_lines(f"{_fmt_int(n)} incidents in this area"),
        }
        for cell, n, dm in zip(
            hex_df["h3"], hex_df["incidents"], hex_df["dead_and_missing"], strict=True
        )
    ]
    return pdk.Layer(
        "H3HexagonLayer",
        id="incident-hexagons",
        data=rows,
        get_hexagon="h3",
        get_fill_color="color",
        get_line_color=[255, 255, 255, 120],
        line_width_min_pixels=0.5,
        stroked=True,
        filled=True,
        extruded=False,
        pickable=True,
        auto_highlight=True,
    )


def _class_labels(breaks: Sequence[float]) -> list[str]:
    b = list(breaks)
    return (
        [f"under {b[0]:g}"]
        + [f"{lo:g} to {hi:g}" for lo, hi in zip(b[:-1], b[1:], strict=True)]
        + [f"{b[-1]:g} or more"]
    )


def hex_legend() -> list[dict[str, str]]:
    """Legend entries for :func:`build_hex_layer` (dead and missing per cell)."""
    return [
        {"label": lab, "colour": col, "shape": "hexagon"}
        for lab, col in zip(_class_labels(HEX_BREAKS), SEQUENTIAL, strict=True)
    ]


# --------------------------------------------------------------------------- choropleth


def build_choropleth_layer(
    countries: gpd.GeoDataFrame | Mapping[str, Any],
    scores: pd.DataFrame,
    selected: str | None = None,
) -> pdk.Layer:
    """Countries filled by composite risk score (0-100); no score or too little data in grey.

    Parameters
    ----------
    countries : GeoDataFrame or GeoJSON mapping
        As for :func:`build_basemap_layer`.
    scores : DataFrame
        ``iso3``, ``score`` (0-100), optional ``rank``, ``confidence``, ``insufficient_data``.
    selected : str, optional
        ISO-3 code outlined in black.
    """
    gj = _as_geojson(countries)
    s = scores.set_index("iso3") if "iso3" in scores.columns else scores
    features = []
    for feat in gj["features"]:
        props = dict(feat["properties"])
        iso3 = props.get("iso3")
        name = escape_text(props.get("name", iso3))
        fill = NO_DATA_RGB + [255]
        body = "No score for this country"
        if iso3 in s.index:
            row = s.loc[iso3]
            insufficient = (
                bool(row.get("insufficient_data", False)) if hasattr(row, "get") else False
            )
            score = row.get("score") if hasattr(row, "get") else None
            if score is not None and not pd.isna(score) and not insufficient:
                fill = _rgba(SEQUENTIAL[_class_index(float(score), SCORE_BREAKS)], 235)
                rank = row.get("rank")
                conf = row.get("confidence")
                body = _tooltip_lines(
                    f"Score: {float(score):.0f} / 100",
                    f"Rank: {_fmt_int(rank)}" if rank is not None and not pd.isna(rank) else None,
                    f"Data confidence: {conf}" if conf is not None and not pd.isna(conf) else None,
                )
            elif insufficient:
                body = "Too little data to score"
        features.append(
            {
                "type": "Feature",
                "geometry": feat["geometry"],
                "properties": {
                    "iso3": iso3,
                    "fill": fill,
                    "line": [40, 40, 40, 255] if iso3 == selected else BORDER_RGB + [255],
                    "line_width": 1.8 if iso3 == selected else 0.6,
                    "tt_title": name,
                    "tt_body": body,
                },
            }
        )
    return pdk.Layer(
        "GeoJsonLayer",
        id="choropleth",
        data={"type": "FeatureCollection", "features": features},
        stroked=True,
        filled=True,
        get_fill_color="properties.fill",
        get_line_color="properties.line",
        get_line_width="properties.line_width",
        line_width_units=PIXELS,
        line_width_min_pixels=0.6,
        pickable=True,
        auto_highlight=True,
    )


def score_legend() -> list[dict[str, str]]:
    """Legend entries for :func:`build_choropleth_layer`."""
    labels = [f"{lo}-{hi}" for lo, hi in zip((0, *SCORE_BREAKS), (*SCORE_BREAKS, 100), strict=True)]
    entries = [
        {"label": lab, "colour": col, "shape": "square"}
        for lab, col in zip(labels, SEQUENTIAL, strict=True)
    ]
    entries.append({"label": "no score / too little data", "colour": "#E8E8E8", "shape": "square"})
    return entries


# --------------------------------------------------------------------------- deck


class CompactDeck(pdk.Deck):
    """A :class:`pydeck.Deck` whose JSON has no indentation.

    Streamlit sends ``deck.to_json()`` to the browser on every rerun; pydeck indents it, which
    makes a basemap plus a few thousand points about six times larger and five times slower to
    serialise. The content is identical.
    """

    def to_json(self) -> str:
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"))


def build_deck(
    layers: Sequence[pdk.Layer],
    view_state: Mapping[str, float] | pdk.ViewState | None = None,
    tooltip: Mapping[str, Any] | bool | None = None,
    online_basemap: bool = False,
) -> pdk.Deck:
    """A deck that draws offline: no map provider, no tile style.

    Parameters
    ----------
    layers : sequence of pdk.Layer
        Drawn in order (put :func:`build_ocean_layer` and the basemap first).
    view_state : mapping or pdk.ViewState, optional
        Initial view; :data:`DEFAULT_VIEW` when omitted. Keep it the same across reruns so
        the user's pan and zoom survive a filter change.
    tooltip : mapping or bool, optional
        Defaults to :data:`TOOLTIP`; ``False`` for none.
    online_basemap : bool
        Opt-in: draw CARTO light tiles under the layers (needs the internet).
    """
    if view_state is None:
        vs = pdk.ViewState(**DEFAULT_VIEW)
    elif isinstance(view_state, pdk.ViewState):
        vs = view_state
    else:
        vs = pdk.ViewState(**dict(view_state))
    tt = TOOLTIP if tooltip is None else tooltip
    if online_basemap:
        return CompactDeck(
            layers=list(layers),
            initial_view_state=vs,
            map_provider="carto",
            map_style=pdk.map_styles.CARTO_LIGHT,
            tooltip=tt,
        )
    # No provider and the pydeck placeholder style: Streamlit's frontend drops the placeholder
    # and, unlike a missing style, does not fall back to fetching CARTO tiles.
    return CompactDeck(
        layers=list(layers),
        initial_view_state=vs,
        map_provider=None,
        map_style=NO_MAP_STYLE,
        tooltip=tt,
    )
