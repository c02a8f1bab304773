"""Place names on the maps, and the view that fits the data. Pure: no I/O.

Labels come from ``data/reference/map_labels.csv`` (:func:`data.reference.read_map_labels`):
one row per country (Natural Earth label point and area, English and French names) and per sea
or ocean. On the interactive maps a deck.gl ``TextLayer`` with the ``CollisionFilterExtension``
writes them: where two names would overlap the larger place wins, so zoomed out only oceans,
seas and large countries are named and zooming in reveals the rest. On static maps (PNG, pack)
:func:`labels_for_extent` makes the same choice once for the fixed extent.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pydeck as pdk

from i18n import get_lang

LANGUAGES = ("en", "fr")
COUNTRY_INK = (40, 40, 40)
SEA_INK = (38, 92, 140)
HALO = (255, 255, 255)
FONT_FAMILY = '"Source Sans 3", "Source Sans Pro", "Liberation Sans", Arial, sans-serif'
# Web Mercator: the world is 512 px wide at zoom 0 in deck.gl.
TILE_PX = 512.0
MAX_LAT = 85.0
#: A country is named from the zoom where its area reaches this / 4**zoom km² (zoom 1.5:
#: 12,500 km², so not Gibraltar or Malta; zoom 4.5: 195 km², so Malta).
MIN_AREA_AT_ZOOM_0 = 100_000.0


def _name_column(lang: str | None) -> str:
    """The label table's name column for ``lang`` (``None``: the reader's language)."""
    lang = lang or get_lang()
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {lang!r}")
    return f"name_{lang}"


def label_rows(labels: pd.DataFrame, lang: str | None = None) -> list[dict[str, Any]]:
    """Rows for the text layer: ``text``, ``position``, ``priority`` (larger places first;
    oceans and seas above countries of the same size), ``size`` (px) and ``color``."""
    col = _name_column(lang)
    area = pd.to_numeric(labels["area_km2"], errors="coerce").fillna(0.0).to_numpy(dtype=float)
    kind = labels["kind"].astype(str).to_numpy()
    sea = kind != "country"
    # log10 of the area in km² (1e2..1e8) -> 0..1000; oceans get a head start, seas give way
    # to a country of about their size (Italy before the Tyrrhenian Sea).
    bonus = np.where(kind == "ocean", 150, np.where(sea, -50, 0))
    pri = np.clip(np.log10(np.maximum(area, 1.0)) * 125.0, 0, 1000) + bonus
    size = np.where(kind == "ocean", 15, np.where(sea, 13, np.where(area >= 1e6, 14, 12)))
    out = []
    for name, lon, lat, p, s, is_sea in zip(
        labels[col].astype(str), labels["lon"], labels["lat"], pri, size, sea, strict=True
    ):
        out.append(
            {
                "text": name,
                "position": [round(float(lon), 3), round(float(lat), 3)],
                "priority": int(p),
                "size": int(s),
                "color": [*(SEA_INK if is_sea else COUNTRY_INK), 235],
            }
        )
    return out


def build_label_layer(
    labels: pd.DataFrame,
    lang: str | None = None,
    view: Mapping[str, float] | None = None,
    width_px: float = 1100.0,
    height_px: float = 560.0,
) -> pdk.Layer:
    """Country and sea names as a text layer.

    With ``view``, only the names that fit that view without overlapping are written (larger
    places first: :func:`labels_for_view`); zooming in then leaves room around them.
    """
    rows = label_rows(labels, lang)
    if view is not None:
        keep = set(labels_for_view(labels, view, width_px, height_px, lang)["row"])
        rows = [r for i, r in enumerate(rows) if i in keep]
    return pdk.Layer(
        "TextLayer",
        id="place-labels",
        data=rows,
        get_position="position",
        get_text="text",
        get_size="size",
        get_color="color",
        font_family=pdk.types.String(FONT_FAMILY),
        character_set=pdk.types.String("auto"),
        get_text_anchor=pdk.types.String("middle"),
        get_alignment_baseline=pdk.types.String("center"),
        pickable=False,
    )


# --------------------------------------------------------------------------- fitted views


def _merc_y(lat: float) -> float:
    """Web Mercator y of a latitude, in world units (0..1 from north to south)."""
    la = math.radians(max(-MAX_LAT, min(MAX_LAT, lat)))
    return 0.5 - math.log(math.tan(math.pi / 4 + la / 2)) / (2 * math.pi)


def _merc_lat(y: float) -> float:
    return math.degrees(2 * math.atan(math.exp((0.5 - y) * 2 * math.pi)) - math.pi / 2)


def _weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    order = np.argsort(x, kind="stable")
    cw = np.cumsum(w[order])
    return float(x[order][min(len(x) - 1, int(np.searchsorted(cw, q * cw[-1])))])


def data_extent(
    points: Iterable[Sequence[float]],
    *,
    weights: Iterable[float] | None = None,
    trim: float = 0.02,
    pad_deg: float = 4.0,
) -> tuple[float, float, float, float] | None:
    """The box (lon_min, lon_max, lat_min, lat_max) holding the data, or ``None`` if empty.

    The ``trim`` share of the weight (incidents) at each edge is left out: a few incidents
    recorded far from the rest (a wrong coordinate, one case on another continent) must not
    zoom the map out to the whole world. Then ``pad_deg`` degrees are added around.
    """
    arr = np.asarray(list(points), dtype=float).reshape(-1, 2)
    w = np.ones(len(arr)) if weights is None else np.asarray(list(weights), dtype=float).reshape(-1)
    if len(w) != len(arr):
        raise ValueError(f"{len(w)} weights for {len(arr)} points")
    ok = np.isfinite(arr).all(axis=1) & np.isfinite(w) & (w > 0)
    arr, w = arr[ok], w[ok]
    if not len(arr):
        return None
    box = [_weighted_quantile(arr[:, k], w, q) for k in (0, 1) for q in (trim, 1 - trim)]
    return (
        max(-180.0, box[0] - pad_deg),
        min(180.0, box[1] + pad_deg),
        max(-MAX_LAT, box[2] - pad_deg),
        min(MAX_LAT, box[3] + pad_deg),
    )


def fit_view(
    extent: tuple[float, float, float, float] | None,
    width_px: float = 1100.0,
    height_px: float = 560.0,
    *,
    default: Mapping[str, float] | None = None,
    min_zoom: float = 0.6,
    max_zoom: float = 6.0,
) -> dict[str, float]:
    """A deck.gl view state showing ``extent`` in a map of the given size.

    The centre is rounded to half a degree and the zoom down to a quarter step, so filters
    whose data sit in nearly the same place give the same view (the map keeps the user's pan
    and zoom across such changes) and the box is never cut.
    """
    if extent is None:
        return dict(default or {"longitude": 18.0, "latitude": 24.0, "zoom": 1.9})
    lon0, lon1, lat0, lat1 = extent
    dx = max((lon1 - lon0) / 360.0, 1e-6)
    y0, y1 = _merc_y(lat1), _merc_y(lat0)
    dy = max(y1 - y0, 1e-6)
    zoom = math.log2(min(width_px / (dx * TILE_PX), height_px / (dy * TILE_PX)))
    zoom = max(min_zoom, min(max_zoom, math.floor(zoom * 4) / 4))
    lon = (lon0 + lon1) / 2
    lat = _merc_lat((y0 + y1) / 2)
    return {
        "longitude": round(lon * 2) / 2,
        "latitude": round(lat * 2) / 2,
        "zoom": zoom,
        "pitch": 0,
        "bearing": 0,
    }


# --------------------------------------------------------------------------- static maps


def labels_for_view(
    labels: pd.DataFrame,
    view: Mapping[str, float],
    width_px: float,
    height_px: float,
    lang: str | None = None,
    *,
    char_px: float = 0.56,
    max_labels: int = 80,
) -> pd.DataFrame:
    """The names a map of ``view`` (deck.gl ``longitude``, ``latitude``, ``zoom``) and size can
    write without overlaps: larger places first; a name is kept when its box (estimated from
    its length and type size, ``char_px`` em per character) lies inside the map and overlaps
    no name already kept.

    Returns
    -------
    DataFrame
        ``row`` (position in ``labels``), ``text``, ``lon``, ``lat``, ``kind``, ``size``.
    """
    _name_column(lang)
    scale = TILE_PX * 2.0 ** float(view["zoom"])
    cx = (float(view["longitude"]) + 180.0) / 360.0 * scale
    cy = _merc_y(float(view["latitude"])) * scale
    rows = label_rows(labels, lang)
    kinds = labels["kind"].astype(str).tolist()
    area = pd.to_numeric(labels["area_km2"], errors="coerce").fillna(0.0).tolist()
    # Small countries are named only once the map is close enough for them to be seen.
    min_area = MIN_AREA_AT_ZOOM_0 / 4.0 ** float(view["zoom"])
    order = sorted(range(len(rows)), key=lambda i: (-rows[i]["priority"], i))
    kept: list[tuple[float, float, float, float]] = []
    out = []
    for i in order:
        if kinds[i] == "country" and area[i] < min_area:
            continue
        lon, lat = rows[i]["position"]
        size = float(rows[i]["size"])
        x = (lon + 180.0) / 360.0 * scale - cx + width_px / 2
        y = _merc_y(lat) * scale - cy + height_px / 2
        w = len(rows[i]["text"]) * char_px * size + 8
        h = size * 1.3 + 4
        box = (x - w / 2, x + w / 2, y - h / 2, y + h / 2)
        if box[0] < 0 or box[1] > width_px or box[2] < 0 or box[3] > height_px:
            continue
        if any(
            not (b[1] < box[0] or box[1] < b[0] or b[3] < box[2] or box[3] < b[2]) for b in kept
        ):
            continue
        kept.append(box)
        out.append(
            {
                "row": i,
                "text": rows[i]["text"],
                "lon": lon,
                "lat": lat,
                "kind": kinds[i],
                "size": size,
            }
        )
        if len(out) >= max_labels:
            break
    return pd.DataFrame(out, columns=["row", "text", "lon", "lat", "kind", "size"])


def view_of_extent(
    extent: tuple[float, float, float, float], width_px: float, height_px: float
) -> dict[str, float]:
    """The (unrounded) view that shows exactly ``extent`` in a map of the given size."""
    lon0, lon1, lat0, lat1 = extent
    dx = max((lon1 - lon0) / 360.0, 1e-9)
    y0, y1 = _merc_y(lat1), _merc_y(lat0)
    zoom = math.log2(min(width_px / (dx * TILE_PX), height_px / (max(y1 - y0, 1e-9) * TILE_PX)))
    return {"longitude": (lon0 + lon1) / 2, "latitude": _merc_lat((y0 + y1) / 2), "zoom": zoom}


def labels_for_extent(
    labels: pd.DataFrame,
    extent: tuple[float, float, float, float],
    width: float,
    height: float,
    lang: str | None = None,
) -> pd.DataFrame:
    """:func:`labels_for_view` for a static map showing exactly ``extent`` in ``width`` x
    ``height`` units (points on a PNG, whose type is set in points)."""
    return labels_for_view(labels, view_of_extent(extent, width, height), width, height, lang)
