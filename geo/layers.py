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

The country polygons are the largest part of every map (about 300 kB of JSON). They are encoded
once (:func:`encode_countries`) and spliced into each deck's JSON as text (:class:`RawJSON`,
:class:`CompactDeck`) instead of being serialised again on every rerun. The app's basemap is
simplified ahead of time by ``scripts/build_basemap.py`` (:func:`make_basemap`), so a page needs
neither geopandas nor shapely: both are imported only by the functions that simplify.
"""

from __future__ import annotations

import json
import math
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

from analytics.catalogue import NO_DATA, is_value, measure
from analytics.theme import (
    HEX_BREAKS,
    LETHALITY_BREAKS,
    OTHER_COLOUR,
    SCORE_BREAKS,
    SEQUENTIAL,
    SEQUENTIAL_LINES,
    cause_colour,
    cause_label,
    class_index,
    hex_to_rgb,
)
from i18n import N_, _, country_name, fmt_number, fmt_percent, month_name, route_name

if TYPE_CHECKING:
    import geopandas as gpd

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
    if isinstance(value, str):  # the usual case: no missing-value checks needed
        text = value
    else:
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
    texts = (escape_text(x) for x in lines if x is not None)
    return "\n".join(t for t in texts if t != "")


@lru_cache(maxsize=256)
def _rgb(colour: str) -> tuple[int, int, int]:
    r, g, b = hex_to_rgb(colour)
    return r, g, b


def _rgba(colour: str, alpha: int = 255) -> list[int]:
    return [*_rgb(colour), alpha]


def _dead_and_missing_text(v: object) -> str:
    """``"5 dead and missing"``, or ``"Dead and missing: no data"`` (never a 0 for nothing)."""
    m = measure("dead_and_missing")
    if is_value(v):
        return f"{m.format(v)} {_(m.noun)}"
    return _("{label}: {value}").format(label=_(m.label), value=_(NO_DATA))


def _fmt_int(v: object) -> str:
    try:
        if v is None or pd.isna(v):  # type: ignore[call-overload]
            return _(NO_DATA)
    except (TypeError, ValueError):
        pass
    return fmt_number(int(round(float(v))))  # type: ignore[arg-type]


def _measure_line(mid: str, value: object) -> str:
    """``"Dead and missing: 5"`` (a measure's label and value) in the reader's language."""
    m = measure(mid)
    return _("{label}: {value}").format(label=_(m.label), value=m.format(value))


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
    import geopandas as gpd
    import shapely

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
    import shapely

    geoms = shapely.to_geojson(np.asarray(countries.geometry.values))
    features = [
        {"type": "Feature", "properties": {"iso3": iso3, "name": name}, "geometry": json.loads(gj)}
        for iso3, name, gj in zip(countries["iso3"], countries["name"], geoms, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


#: How the app's basemap is simplified (``scripts/build_basemap.py`` writes it ahead of time).
BASEMAP_TOLERANCE_DEG = 0.15
BASEMAP_MIN_AREA_KM2 = 1000.0


def make_basemap(countries: gpd.GeoDataFrame, source_sha256: str) -> dict[str, Any]:
    """The app's basemap: simplified country polygons with a note of what they were made from.

    Parameters
    ----------
    countries : GeoDataFrame
        ``iso3``, ``name``, ``geometry`` (as :func:`data.reference.read_countries`).
    source_sha256 : str
        SHA-256 of the countries file they were read from, so the app can tell a basemap
        built from an older file.

    Returns
    -------
    dict
        A GeoJSON FeatureCollection (EPSG:4326; properties ``iso3`` and ``name``) with a
        foreign member ``routewatch``: ``source_sha256``, ``tolerance_deg``, ``min_area_km2``.
    """
    gj = countries_geojson(
        simplify_countries(countries, BASEMAP_TOLERANCE_DEG, BASEMAP_MIN_AREA_KM2)
    )
    gj["routewatch"] = {
        "source_sha256": source_sha256,
        "tolerance_deg": BASEMAP_TOLERANCE_DEG,
        "min_area_km2": BASEMAP_MIN_AREA_KM2,
    }
    return gj


def basemap_is_current(basemap: Mapping[str, Any] | None, source_sha256: str) -> bool:
    """Whether a basemap was built from this countries file, as the app simplifies it now.

    Parameters
    ----------
    basemap : mapping
        A basemap (:func:`make_basemap`) or just its ``routewatch`` member.
    source_sha256 : str
        SHA-256 of the countries file in use.
    """
    if not isinstance(basemap, Mapping):
        return False
    meta = basemap.get("routewatch", basemap)
    return (
        isinstance(meta, Mapping)
        and meta.get("source_sha256") == source_sha256
        and meta.get("tolerance_deg") == BASEMAP_TOLERANCE_DEG
        and meta.get("min_area_km2") == BASEMAP_MIN_AREA_KM2
    )


class RawJSON:
    """JSON text that :class:`CompactDeck` writes into the deck's JSON as it is.

    Use it as a layer's ``data`` for large data encoded once (see :func:`encode_countries`);
    the text must be one valid JSON value.
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"RawJSON({len(self.text):,} characters)"


#: What ``json.dumps(value, sort_keys=True, separators=(",", ":"))`` builds on every call
#: (the same encoder, made once: the risk map encodes a few hundred country properties a rerun).
_ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"))


def _dumps(value: Any) -> str:
    # The same encoding CompactDeck uses for the whole deck, so spliced parts are identical.
    return _ENCODER.encode(value)


@dataclass(frozen=True)
class EncodedCountries:
    """Country polygons whose geometry is already JSON text (see :func:`encode_countries`).

    Attributes
    ----------
    iso3, names : tuple of str
        One entry per country.
    geometries : tuple of str
        Each country's GeoJSON geometry (EPSG:4326) as compact JSON with sorted keys.
    """

    iso3: tuple[str, ...]
    names: tuple[str, ...]
    geometries: tuple[str, ...]

    def feature_collection(self, properties: Sequence[Mapping[str, Any]] | None = None) -> str:
        """The countries as a GeoJSON FeatureCollection, as JSON text.

        Parameters
        ----------
        properties : sequence of mapping, optional
            Each country's properties, in order; ``iso3`` and ``name`` by default.

        Returns
        -------
        str
            The same text ``json.dumps(..., sort_keys=True, separators=(",", ":"))`` gives
            for the collection.
        """
        props = properties or [
            {"iso3": i, "name": n} for i, n in zip(self.iso3, self.names, strict=True)
        ]
        features = ",".join(
            f'{{"geometry":{g},"properties":{_dumps(p)},"type":"Feature"}}'
            for g, p in zip(self.geometries, props, strict=True)
        )
        return f'{{"features":[{features}],"type":"FeatureCollection"}}'


def encode_countries(countries: Mapping[str, Any]) -> EncodedCountries:
    """Encode each country's geometry as JSON text once, for :func:`build_basemap_layer` and
    :func:`build_choropleth_layer` to splice into every deck.

    Parameters
    ----------
    countries : GeoJSON mapping
        A FeatureCollection whose features have ``iso3`` and ``name`` properties
        (:func:`countries_geojson` or :func:`make_basemap`).
    """
    feats = countries.get("features", [])
    props = [f["properties"] for f in feats]
    names = [p.get("name", p.get("iso3")) for p in props]
    return EncodedCountries(
        iso3=tuple(str(p.get("iso3")) for p in props),
        names=tuple("" if n is None else str(n) for n in names),
        geometries=tuple(_dumps(f["geometry"]) for f in feats),
    )


_FEATURE_HEAD = '{"type":"Feature","properties":'
_GEOMETRY_KEY = ',"geometry":'
_FEATURES_KEY = ',"features":['


def basemap_text(basemap: Mapping[str, Any]) -> str:
    """A basemap (:func:`make_basemap`) as GeoJSON text, one feature a line.

    Each feature is written ``{"type":"Feature","properties":{...},"geometry":{...}}``, the
    geometry encoded exactly as decks encode it (sorted keys, compact), so that
    :func:`read_basemap_text` takes each geometry as text without parsing its coordinates.
    The file stays ordinary GeoJSON for any other reader.
    """
    head = _dumps({"type": "FeatureCollection", "routewatch": dict(basemap["routewatch"])})
    feats = list(basemap["features"])
    lines = [head[:-1] + _FEATURES_KEY]
    for i, feat in enumerate(feats):
        props = {"iso3": feat["properties"]["iso3"], "name": feat["properties"]["name"]}
        end = "," if i < len(feats) - 1 else ""
        lines.append(
            f"{_FEATURE_HEAD}{_dumps(props)}{_GEOMETRY_KEY}{_dumps(feat['geometry'])}}}{end}"
        )
    lines.append("]}")
    return "\n".join(lines) + "\n"


def read_basemap_text(text: str) -> tuple[dict[str, Any], EncodedCountries]:
    """Read :func:`basemap_text` output without parsing any coordinates.

    Parsing 300 kB of nested coordinate lists takes 40-800 ms on a busy server (most of it
    garbage collection over a large heap); the decks only need each geometry as text.

    Returns
    -------
    (dict, EncodedCountries)
        The ``routewatch`` member (see :func:`make_basemap`) and the countries.

    Raises
    ------
    ValueError
        ``text`` is not laid out as :func:`basemap_text` writes it.
    """
    lines = text.splitlines()
    if len(lines) < 2 or not lines[0].endswith(_FEATURES_KEY) or lines[-1] != "]}":
        raise ValueError("not a basemap written by geo.layers.basemap_text")
    meta = json.loads(lines[0] + "]}").get("routewatch")
    decoder = json.JSONDecoder()
    iso3: list[str] = []
    names: list[str] = []
    geometries: list[str] = []
    for line in lines[1:-1]:
        body = line[:-1] if line.endswith(",") else line
        if not (body.startswith(_FEATURE_HEAD) and body.endswith("}")):
            raise ValueError("not a basemap written by geo.layers.basemap_text")
        props, end = decoder.raw_decode(body, len(_FEATURE_HEAD))
        if not body.startswith(_GEOMETRY_KEY, end) or not isinstance(props, dict):
            raise ValueError("not a basemap written by geo.layers.basemap_text")
        name = props.get("name", props.get("iso3"))
        iso3.append(str(props.get("iso3")))
        names.append("" if name is None else str(name))
        geometries.append(body[end + len(_GEOMETRY_KEY) : -1])
    return (
        dict(meta) if isinstance(meta, Mapping) else {},
        EncodedCountries(tuple(iso3), tuple(names), tuple(geometries)),
    )


def _as_geojson(countries: Any) -> dict[str, Any]:
    if isinstance(countries, Mapping):
        return dict(countries)
    return countries_geojson(simplify_countries(countries))


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


def build_basemap_layer(
    countries: gpd.GeoDataFrame | Mapping[str, Any] | EncodedCountries,
) -> pdk.Layer:
    """Country polygons as an offline basemap (light land, grey borders, not pickable).

    Parameters
    ----------
    countries : GeoDataFrame, GeoJSON mapping or EncodedCountries
        A GeoDataFrame is simplified with :func:`simplify_countries` first; a GeoJSON mapping
        (already simplified, e.g. cached by the app) is used as it is; encoded countries
        (:func:`encode_countries`) are spliced into the deck's JSON without serialising them
        again (draw the layer with :func:`build_deck`).
    """
    data: Any = (
        RawJSON(countries.feature_collection())
        if isinstance(countries, EncodedCountries)
        else _as_geojson(countries)
    )
    return pdk.Layer(
        "GeoJsonLayer",
        id="basemap",
        data=data,
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
    return _rgba(SEQUENTIAL_LINES[class_index(float(v), LETHALITY_BREAKS)], 235)  # type: ignore[arg-type]


def _paths_by_route(waypoints: pd.DataFrame) -> dict[Any, list[list[float]]]:
    """``[lon, lat]`` lists per route id, in waypoint order (positions to 4 decimals)."""
    pts = sorted(
        zip(
            waypoints["route_id"].tolist(),
            waypoints["seq"].tolist(),
            waypoints["lon"].tolist(),
            waypoints["lat"].tolist(),
            strict=True,
        ),
        key=lambda t: (t[0], t[1]),
    )
    paths: dict[Any, list[list[float]]] = {}
    for rid, _seq, lon, lat in pts:
        paths.setdefault(rid, []).append([round(float(lon), 4), round(float(lat), 4)])
    return paths


def _number_or_none(v: object) -> float | None:
    """``v`` as a float; ``None`` for missing or non-numeric values (NA, NaN, text)."""
    try:
        x = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def build_route_layer(
    routes: pd.DataFrame,
    waypoints: pd.DataFrame,
    metrics: pd.DataFrame | None = None,
    colour_by: str = "lethality",
    highlight: Iterable[str] | None = None,
    max_width_px: float = 12.0,
    coloured: Iterable[str] | None = None,
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
        ``deaths_per_1000_detections`` (from :func:`services.report.route_metrics_from_risk`).
    colour_by : {"lethality", "route"}
    highlight : iterable of str, optional
        Route ids drawn at full strength; the others are faded.
    max_width_px : float
        Width of the route with the most detections; routes without detections get 2 px.
    coloured : iterable of str, optional
        With ``colour_by="route"``: the route ids drawn in their colours (the top routes);
        the others are grey and thinner, so a few colours stay tellable apart. ``None``: all.
    """
    if colour_by not in ("lethality", "route"):
        raise ValueError(f"colour_by must be 'lethality' or 'route', got {colour_by!r}")
    # Plain lists and dicts over the ~30 routes (pandas merges here cost several ms a rerun).
    paths = _paths_by_route(waypoints)
    drawn = [
        (rid, name, colour)
        for rid, name, colour in zip(
            routes["route_id"].tolist(),
            routes["name"].tolist(),
            routes["colour"].tolist(),
            strict=True,
        )
        if rid in paths and len(paths[rid]) >= 2
    ]
    cols = ["detections", "dead_and_missing", "incidents", "deaths_per_1000_detections"]
    per_route: dict[Any, dict[str, object]] = {}
    if metrics is not None and "route_id" in metrics.columns:
        values = {c: metrics[c].tolist() if c in metrics.columns else None for c in cols}
        for i, rid in enumerate(metrics["route_id"].tolist()):
            if rid not in per_route:  # the first row of a route listed twice, as a merge keeps
                per_route[rid] = {c: (v[i] if v is not None else None) for c, v in values.items()}
    det = {rid: _number_or_none(per_route.get(rid, {}).get("detections")) for rid, _, _ in drawn}
    known = [x for x in det.values() if x is not None]
    top = max(known) if known and max(known) > 0 else 1.0
    hl = set(highlight or ())
    keep = None if coloured is None else set(coloured)
    rows = []
    for rid, name, route_colour in drawn:
        m = per_route.get(rid, {})
        d = det[rid]
        width = round(2.0 + (max_width_px - 2.0) * math.sqrt(max(d or 0.0, 0.0) / top), 1)
        leth = _number_or_none(m.get("deaths_per_1000_detections"))
        if colour_by == "lethality":
            colour = _lethality_colour(leth)
        elif keep is not None and rid not in keep:
            colour = _rgba(OTHER_COLOUR, 150)
            width = max(2.0, round(width * 0.7, 1))
        else:
            colour = _rgba(route_colour, 190)
        if hl and rid not in hl:
            colour = [*colour[:3], 110]
        rows.append(
            {
                "route_id": rid,
                "path": paths[rid],
                "color": colour,
                "width": float(width) * (1.4 if rid in hl else 1.0),
                "tt_title": escape_text(route_name(str(name))),
                "tt_body": _tooltip_lines(
                    *(
                        _measure_line(mid, v)
                        for mid, v in (
                            ("dead_and_missing", m.get("dead_and_missing")),
                            ("incidents", m.get("incidents")),
                            ("detections", d),
                            ("deaths_per_1000_detections", leth),
                        )
                    )
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


#: A waypoint's role on its route (``data/reference/routes.json``), as its tooltip says it.
_WAYPOINT_LINES: Mapping[str, str] = {
    "origin": N_("Origin on {route}"),
    "transit hub": N_("Transit hub on {route}"),
    "departure point": N_("Departure point on {route}"),
    "entry point": N_("Entry point on {route}"),
}


def _waypoint_line(role: str, route: str) -> str:
    """``"Transit hub on Central Mediterranean"`` in the reader's language."""
    template = _WAYPOINT_LINES.get(role)
    if template is None:
        return _("{role} on {route}").format(role=role.capitalize(), route=route)
    return _(template).format(route=route)


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
                _waypoint_line(str(r.role), route_name(str(names.get(r.route_id, r.route_id))))
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
    colour_by: str = "lethality",
    routes: pd.DataFrame | None = None,
    coloured: Sequence[str] | None = None,
) -> list[dict[str, str]]:
    """Legend entries for :func:`build_route_layer`.

    Parameters
    ----------
    coloured : sequence of str, optional
        As in :func:`build_route_layer`: these routes are listed in this order, then one grey
        entry for the others.

    Returns
    -------
    list of dict
        ``label``, ``colour`` (``#RRGGBB``) and ``shape`` (``"line"``).
    """
    if colour_by == "route":
        if routes is None:
            return []
        ids = routes["route_id"] if "route_id" in routes.columns else routes["name"]
        pairs = dict(zip(ids, zip(routes["name"], routes["colour"], strict=True), strict=True))
        if coloured is None:
            return [
                {"label": route_name(str(n)), "colour": c, "shape": "line"}
                for n, c in pairs.values()
            ]
        out = [
            {"label": route_name(str(pairs[r][0])), "colour": pairs[r][1], "shape": "line"}
            for r in coloured
            if r in pairs
        ]
        others = len(set(pairs) - set(coloured))
        if others:
            label = (_("{n} other routes") if others > 1 else _("{n} other route")).format(n=others)
            out.append({"label": label, "colour": OTHER_COLOUR, "shape": "line"})
        return out
    entries = [
        {"label": lab, "colour": col, "shape": "line"}
        for lab, col in zip(_class_labels(LETHALITY_BREAKS), SEQUENTIAL_LINES, strict=True)
    ]
    entries.append(
        {"label": _("no comparable detections"), "colour": OTHER_COLOUR, "shape": "line"}
    )
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
    # A few thousand rows on every rerun: plain lists (iterating Arrow-backed columns costs
    # several times more), and every text that depends on one value (date, place, cause,
    # route, source quality, count) made once per distinct value.
    codes, days = pd.factorize(pd.to_datetime(df["incident_date"], errors="coerce"))
    # One text per distinct day; code -1 (no date) takes the trailing None.
    day_text = np.array(
        [f"{d.day:02d} {month_name(d.month, short=True)} {d.year}" for d in days] + [None],
        dtype=object,
    )[codes]
    colours: dict[object, list[int]] = {}
    cause_lines: dict[object, str] = {}
    quality_lines: dict[object, str] = {}
    places: dict[object, str] = {}
    route_lines: dict[object, str] = {}
    counts: dict[object, str] = {}
    rows = []
    for lon, lat, rad, cause, dm, date, loc, route, q in zip(
        df["lon"].tolist(),
        df["lat"].tolist(),
        radius.tolist(),
        df["cause"].tolist(),
        df["dead_and_missing"].tolist(),
        day_text.tolist(),
        df["location"].tolist(),
        df["route"].tolist(),
        df["source_quality"].tolist(),
        strict=True,
    ):
        key = cause if isinstance(cause, str) else None
        if key not in cause_lines:
            colours[key] = _rgba(cause_colour(str(cause)), 190)
            cause_lines[key] = escape_text(
                _("Cause: {cause}").format(cause=cause_label(cause))
                if isinstance(cause, str)
                else _("Cause: not recorded")
            )
        lines = [date] if date else []
        if loc not in places:
            places[loc] = escape_text(loc)
        if places[loc]:
            lines.append(places[loc])
        lines.append(cause_lines[key])
        if isinstance(route, str) and route:
            if route not in route_lines:
                route_lines[route] = escape_text(
                    _("Route: {route}").format(route=route_name(route))
                )
            lines.append(route_lines[route])
        if isinstance(q, int) or (q is not None and not pd.isna(q)):  # ints: the usual case
            if q not in quality_lines:
                quality_lines[q] = _("Source quality: {q} of 5").format(q=_fmt_int(q))
            lines.append(quality_lines[q])
        if dm not in counts:
            counts[dm] = _dead_and_missing_text(dm)
        rows.append(
            {
                "position": [round(float(lon), 4), round(float(lat), 4)],
                "radius": float(rad),
                "color": list(colours[key]),
                "tt_title": counts[dm],
                "tt_body": "\n".join(lines),
            }
        )
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
            "color": _rgba(SEQUENTIAL[class_index(float(dm), HEX_BREAKS)], 210),
            "tt_title": _dead_and_missing_text(dm),
            "tt_body": _tooltip_lines(_("{n} incidents in this area").format(n=_fmt_int(n))),
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


def _g(x: float) -> str:
    """A class break as a legend writes it: ``5``, ``2.5`` / ``2,5``."""
    return fmt_number(x, 0 if float(x).is_integer() else 1)


def _class_labels(breaks: Sequence[float]) -> list[str]:
    b = list(breaks)
    return (
        [_("under {x}").format(x=_g(b[0]))]
        + [
            _("{lo} to {hi}").format(lo=_g(lo), hi=_g(hi))
            for lo, hi in zip(b[:-1], b[1:], strict=True)
        ]
        + [_("{x} or more").format(x=_g(b[-1]))]
    )


def hex_legend() -> list[dict[str, str]]:
    """Legend entries for :func:`build_hex_layer` (dead and missing per cell)."""
    return [
        {"label": lab, "colour": col, "shape": "hexagon"}
        for lab, col in zip(_class_labels(HEX_BREAKS), SEQUENTIAL, strict=True)
    ]


# --------------------------------------------------------------------------- choropleth


#: Fill opacity of a scored country (0-255) and of one whose score rests on little evidence
#: ("low" confidence): the faded fill says "read this colour with care" on every map.
SCORED_ALPHA = 235
FADED_ALPHA = 80
#: Outline of a faded country: grey, so the faded fill does not read as a border.
FADED_LINE_RGB = [120, 120, 120]
#: What fading (app) and hatching (map PNG, pack) mean, worded once for every legend (in
#: English: show it with ``_(LOW_CONFIDENCE_NOTE)``).
LOW_CONFIDENCE_NOTE = N_(
    "Low confidence: few incidents, low source quality or few components with data; "
    "read a faded or hatched colour with care."
)


def evidence_status(row: Mapping[str, Any] | None) -> str:
    """How well a country's score is evidenced: ``"none"`` (no row or no score),
    ``"insufficient"`` (too little data to score), ``"low"`` (scored, "low" confidence) or
    ``"ok"``. Maps fade (app) or hatch (PNG, pack) ``low`` and ``insufficient``."""
    if row is None:
        return "none"
    bad = row.get("insufficient_data", False)
    if bad is not None and not (isinstance(bad, float) and math.isnan(bad)) and bool(bad):
        return "insufficient"
    score = row.get("score")
    if score is None or pd.isna(score):
        return "none"
    conf = row.get("confidence")
    return "low" if isinstance(conf, str) and conf.lower() == "low" else "ok"


def driven_by_one_text(row: Mapping[str, Any] | None) -> str | None:
    """``"Driven by one incident: 71% from its largest incident"`` where the risk table marks
    the country (columns ``driven_by_one_incident``, ``largest_incident_share``, 0-1), else
    ``None`` (also when the table has no such columns)."""
    if row is None:
        return None
    flag = row.get("driven_by_one_incident")
    if flag is None or (not isinstance(flag, bool | np.bool_) and pd.isna(flag)) or not bool(flag):
        return None
    share = row.get("largest_incident_share")
    if not is_value(share):
        return _("Driven by one incident")
    pct = float(share) * 100  # type: ignore[arg-type]
    return _("Driven by one incident: {share} from its largest incident").format(
        share=fmt_percent(pct)
    )


def _choropleth_properties(
    iso3: str | None, name: object, row: Mapping[str, Any] | None, selected: str | None
) -> dict[str, Any]:
    fill = NO_DATA_RGB + [255]
    line = BORDER_RGB + [255]
    body = _("No score for this country")
    status = evidence_status(row)
    if row is not None and status in ("ok", "low"):
        score = float(row["score"])
        faded = status == "low"
        fill = _rgba(
            SEQUENTIAL[class_index(score, SCORE_BREAKS)], FADED_ALPHA if faded else SCORED_ALPHA
        )
        if faded:
            line = FADED_LINE_RGB + [255]
        rank = row.get("rank")
        conf = row.get("confidence")
        body = _tooltip_lines(
            _("Score: {score} / 100").format(score=fmt_number(score)),
            _("Rank: {rank}").format(rank=_fmt_int(rank))
            if rank is not None and not pd.isna(rank)
            else None,
            _confidence_line(conf, faded) if conf is not None and not pd.isna(conf) else None,
            driven_by_one_text(row),
        )
    elif status == "insufficient":
        body = _("Too little data to score (grey on the map)")
    return {
        "iso3": iso3,
        "fill": fill,
        "line": [40, 40, 40, 255] if iso3 == selected else line,
        "line_width": 1.8 if iso3 == selected else 0.6,
        "tt_title": escape_text(
            country_name(str(iso3), name) if iso3 and isinstance(name, str) else name
        ),
        "tt_body": body,
    }


#: The risk table's confidence grades as a tooltip says them.
_CONFIDENCE_LINES: Mapping[str, str] = {
    "high": N_("Data confidence: high"),
    "medium": N_("Data confidence: medium"),
    "low": N_("Data confidence: low"),
}


def _confidence_line(conf: object, faded: bool) -> str:
    """``"Data confidence: low (faded and hatched on the map)"`` in the reader's language."""
    template = _CONFIDENCE_LINES.get(str(conf))
    line = _(template) if template else _("Data confidence: {grade}").format(grade=conf)
    return line + (_(" (faded and hatched on the map)") if faded else "")


def _records(df: pd.DataFrame, columns: Sequence[str]) -> list[dict[str, Any]]:
    """``df[columns].to_dict("records")`` for the columns ``df`` has, from each column's
    ``tolist`` (the same Python values, without copying the frame first)."""
    used = [c for c in columns if c in df.columns]
    if not used:
        return [{} for _row in range(len(df))]
    lists = [df[c].tolist() for c in used]
    return [dict(zip(used, v, strict=True)) for v in zip(*lists, strict=True)]


#: The columns of a risk table that :func:`_choropleth_properties` reads (through
#: :func:`evidence_status` and :func:`driven_by_one_text`).
_CHOROPLETH_COLUMNS = (
    "score",
    "rank",
    "confidence",
    "insufficient_data",
    "driven_by_one_incident",
    "largest_incident_share",
)


def build_choropleth_layer(
    countries: gpd.GeoDataFrame | Mapping[str, Any] | EncodedCountries,
    scores: pd.DataFrame,
    selected: str | None = None,
) -> pdk.Layer:
    """Countries filled by composite risk score (0-100); no score or too little data in grey.

    Parameters
    ----------
    countries : GeoDataFrame, GeoJSON mapping or EncodedCountries
        As for :func:`build_basemap_layer`.
    scores : DataFrame
        ``iso3``, ``score`` (0-100), optional ``rank``, ``confidence``, ``insufficient_data``,
        ``driven_by_one_incident`` and ``largest_incident_share`` (0-1). A "low" confidence
        country is faded (:data:`FADED_ALPHA`, grey outline); the tooltip says why.
    selected : str, optional
        ISO-3 code outlined in black.
    """
    keys = scores["iso3"] if "iso3" in scores.columns else scores.index
    # One dict per country looked up below, rather than a .loc per country, holding only the
    # columns a country's fill and tooltip read (the risk table has about sixty).
    rows: dict[Any, dict[str, Any]] = dict(
        zip(keys, _records(scores, _CHOROPLETH_COLUMNS), strict=True)
    )
    data: Any
    if isinstance(countries, EncodedCountries):
        props = [
            _choropleth_properties(iso3, name, rows.get(iso3), selected)
            for iso3, name in zip(countries.iso3, countries.names, strict=True)
        ]
        data = RawJSON(countries.feature_collection(props))
    else:
        gj = _as_geojson(countries)
        features = []
        for feat in gj["features"]:
            iso3 = feat["properties"].get("iso3")
            name = feat["properties"].get("name", iso3)
            features.append(
                {
                    "type": "Feature",
                    "geometry": feat["geometry"],
                    "properties": _choropleth_properties(iso3, name, rows.get(iso3), selected),
                }
            )
        data = {"type": "FeatureCollection", "features": features}
    return pdk.Layer(
        "GeoJsonLayer",
        id="choropleth",
        data=data,
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


#: Spacing of the app map's hatch stripes, in degrees of longitude (about 5 px at world zoom).
HATCH_SPACING_DEG = 1.6
#: Colour of the hatch stripes over a faded country (RGBA).
HATCH_RGBA = [60, 60, 60, 150]


def compute_hatch_paths(
    countries: Mapping[str, Any], spacing_deg: float = HATCH_SPACING_DEG
) -> dict[str, str]:
    """Diagonal stripes ("///", in lon/lat) clipped to each country, as JSON text per ISO-3.

    Deck.gl's FillStyleExtension pattern fails under the WebGL renderer the app is tested
    with, so hatching is plain lines: computed once per basemap (about a second), then a
    page joins the texts of the countries it hatches (:func:`build_hatch_layer`).

    Parameters
    ----------
    countries : GeoJSON mapping
        FeatureCollection with ``iso3`` properties (EPSG:4326).
    spacing_deg : float
        Distance between stripes along the x axis, in degrees.

    Returns
    -------
    dict
        ``iso3`` -> JSON text of ``{"path": [[lon, lat], ...]}`` objects, comma-joined
        (no brackets); countries too small for a stripe are left out.
    """
    from shapely.geometry import LineString, MultiLineString, shape

    out: dict[str, str] = {}
    for feat in countries.get("features", []):
        iso3 = feat.get("properties", {}).get("iso3")
        if not iso3 or not feat.get("geometry"):
            continue
        geom = shape(feat["geometry"])
        if geom.is_empty:
            continue
        x0, y0, x1, y1 = geom.bounds
        # Lines lat = lon - c, for c on the spacing grid, covering the bounding box.
        c_lo = math.floor((x0 - y1) / spacing_deg) * spacing_deg
        c_hi = x1 - y0
        lines = []
        c = c_lo
        while c <= c_hi:
            lines.append(LineString([(x0 - 1, x0 - 1 - c), (x1 + 1, x1 + 1 - c)]))
            c += spacing_deg
        if not lines:
            continue
        cut = MultiLineString(lines).intersection(geom)
        parts = getattr(cut, "geoms", [cut])
        paths = [
            [[round(x, 3), round(y, 3)] for x, y in part.coords]
            for part in parts
            if isinstance(part, LineString) and not part.is_empty and len(part.coords) >= 2
        ]
        if paths:
            out[str(iso3)] = ",".join(_dumps({"path": pth}) for pth in paths)
    return out


def build_hatch_layer(hatch_paths: Mapping[str, str], scores: pd.DataFrame) -> pdk.Layer | None:
    """Stripes over the countries whose score rests on little evidence ("low" confidence, see
    :func:`evidence_status`), drawn above :func:`build_choropleth_layer`'s faded fill.

    Parameters
    ----------
    hatch_paths : mapping
        From :func:`compute_hatch_paths`.
    scores : DataFrame
        As for :func:`build_choropleth_layer`.

    Returns
    -------
    pdk.Layer or None
        A ``PathLayer`` (id ``low-confidence-hatch``), ``None`` when no country is low
        confidence.
    """
    keys = scores["iso3"] if "iso3" in scores.columns else scores.index
    rows = _records(scores, ("score", "confidence", "insufficient_data"))
    low = [str(k) for k, r in zip(keys, rows, strict=True) if evidence_status(r) == "low"]
    texts = [hatch_paths[k] for k in low if k in hatch_paths]
    if not texts:
        return None
    return pdk.Layer(
        "PathLayer",
        id="low-confidence-hatch",
        data=RawJSON("[" + ",".join(texts) + "]"),
        get_path="path",
        get_color=HATCH_RGBA,
        get_width=1,
        width_units=PIXELS,
        width_min_pixels=1,
        pickable=False,
    )


def score_legend(static: bool = False) -> list[dict[str, str]]:
    """Legend entries for :func:`build_choropleth_layer` (``static=False``) or the static map
    PNG and pack map, which hatch what the app fades (``static=True``)."""
    labels = [f"{lo}-{hi}" for lo, hi in zip((0, *SCORE_BREAKS), (*SCORE_BREAKS, 100), strict=True)]
    entries = [
        {"label": lab, "colour": col, "shape": "square"}
        for lab, col in zip(labels, SEQUENTIAL, strict=True)
    ]
    low = {
        "label": _("faded, hatched: low confidence"),
        "colour": SEQUENTIAL[2],
        "shape": "hatched",
    }
    if static:
        entries += [
            low,
            {
                "label": _("grey, hatched: too little data"),
                "colour": "#E8E8E8",
                "shape": "hatched",
            },
            {"label": _("grey: no score"), "colour": "#E8E8E8", "shape": "square"},
        ]
    else:
        entries += [
            low,
            {
                "label": _("grey: no score / too little data"),
                "colour": "#E8E8E8",
                "shape": "square",
            },
        ]
    return entries


# --------------------------------------------------------------------------- deck


class CompactDeck(pdk.Deck):
    """A :class:`pydeck.Deck` whose JSON has no indentation and may hold pre-encoded data.

    Streamlit sends ``deck.to_json()`` to the browser on every rerun; pydeck indents it, which
    makes a basemap plus a few thousand points about six times larger and five times slower to
    serialise. The content is identical. Layer data given as :class:`RawJSON` (the country
    polygons) is written as it is, not serialised again.
    """

    def to_json(self) -> str:
        raw: dict[str, str] = {}

        def default(o: Any) -> Any:
            if isinstance(o, RawJSON):
                token = f"__routewatch_raw_json_{uuid.uuid4().hex}__"
                raw[json.dumps(token)] = o.text
                return token
            return default_serialize(o)

        text = json.dumps(self, sort_keys=True, default=default, separators=(",", ":"))
        for quoted, value in raw.items():
            text = text.replace(quoted, value, 1)
        return text


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


def build_revenue_route_layer(
    routes: pd.DataFrame,
    waypoints: pd.DataFrame,
    totals: pd.DataFrame,
    max_width_px: float = 16.0,
) -> pdk.Layer:
    """Routes as paths whose width follows smugglers' estimated gross revenue.

    Parameters
    ----------
    routes : DataFrame
        ``route_id``, ``name``, ``colour``.
    waypoints : DataFrame
        ``route_id``, ``seq``, ``lon``, ``lat`` (EPSG:4326).
    totals : DataFrame
        Per route: ``route_id``, ``revenue_low_eur``, ``revenue_high_eur`` (EUR at 2024 prices,
        summed over the years with a range), ``first_year``, ``last_year`` (from
        :func:`analytics.money.compute_route_totals`).
    max_width_px : float
        Width of the route with the highest upper estimate (width grows with its square root);
        routes without an estimate are thin and grey, marked "no data".
    """
    from analytics.money import format_range

    paths = _paths_by_route(waypoints)
    per_route = {r["route_id"]: r for r in totals.to_dict("records")}
    highs = [
        float(r["revenue_high_eur"]) for r in per_route.values() if is_value(r["revenue_high_eur"])
    ]
    top = max(highs) if highs and max(highs) > 0 else 1.0
    rows = []
    for rid, name, colour in zip(
        routes["route_id"].tolist(), routes["name"].tolist(), routes["colour"].tolist(), strict=True
    ):
        if rid not in paths or len(paths[rid]) < 2:
            continue
        t = per_route.get(rid)
        if t is None or not is_value(t["revenue_high_eur"]):
            width, rgba = 1.5, [150, 150, 150, 120]
            body = _tooltip_lines(
                _("{label}: {value}").format(
                    label=_(measure("smuggling_revenue").label), value=_(NO_DATA)
                )
            )
        else:
            high = float(t["revenue_high_eur"])
            width = round(2.0 + (max_width_px - 2.0) * math.sqrt(max(high, 0.0) / top), 1)
            rgba = _rgba(colour, 210)
            years = (
                str(t["first_year"])
                if t["first_year"] == t["last_year"]
                else _("{first}-{last}, years with a cited fee").format(
                    first=t["first_year"], last=t["last_year"]
                )
            )
            body = _tooltip_lines(
                _("{label} ({years}):").format(
                    label=_(measure("smuggling_revenue").label), years=years
                ),
                format_range(t["revenue_low_eur"], high),
            )
        rows.append(
            {
                "route_id": rid,
                "path": paths[rid],
                "color": rgba,
                "width": float(width),
                "tt_title": escape_text(route_name(str(name))),
                "tt_body": body,
            }
        )
    return pdk.Layer(
        "PathLayer",
        id="revenue-routes",
        data=rows,
        get_path="path",
        get_color="color",
        get_width="width",
        width_units=PIXELS,
        width_min_pixels=1,
        cap_rounded=True,
        joint_rounded=True,
        pickable=True,
        auto_highlight=True,
    )
