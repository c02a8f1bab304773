"""Build ``data/reference/map_labels.csv``: where the maps write country and sea names.

Countries come from ``data/reference/countries.geojson`` (Natural Earth 5.1.1, built by
``scripts/build_countries.py``): the label point stored there (inside the country), the area
(equal-area projection, km²) that decides from which zoom a name is written and how large, and
the name in English (Natural Earth's) and French (CLDR territory names through Babel, the same
data the app formats numbers and dates with). Seas and oceans come from
``data/reference/sea_labels.csv`` (hand-placed label points, see its header), copied as they are.

Run from the repository root whenever either input changes::

    .venv/bin/python scripts/build_map_labels.py
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

REF = REPO / "data" / "reference"
OUTPUT = REF / "map_labels.csv"
FIELDS = ("kind", "code", "name_en", "name_fr", "lon", "lat", "area_km2")


def country_rows() -> list[dict[str, object]]:
    from babel import Locale

    from data.reference import read_countries

    c = read_countries()
    area = c.to_crs("ESRI:54034").area / 1e6  # World Cylindrical Equal Area, km²
    fr = Locale("fr").territories
    rows = []
    for (_, r), a in zip(c.iterrows(), area, strict=True):
        iso2 = str(r["iso2"]) if isinstance(r["iso2"], str) else ""
        rows.append(
            {
                "kind": "country",
                "code": r["iso3"],
                "name_en": r["name"],
                "name_fr": fr.get(iso2, r["name"]),
                "lon": round(float(r["centroid_lon"]), 3),
                "lat": round(float(r["centroid_lat"]), 3),
                "area_km2": int(round(float(a))),
            }
        )
    return sorted(rows, key=lambda x: -int(x["area_km2"]))  # type: ignore[call-overload]


def sea_rows() -> list[dict[str, object]]:
    with (REF / "sea_labels.csv").open(encoding="utf-8") as fh:
        lines = [ln for ln in fh if not ln.startswith("#")]
    return [
        {
            "kind": r["kind"],
            "code": r["code"],
            "name_en": r["name_en"],
            "name_fr": r["name_fr"],
            "lon": r["lon"],
            "lat": r["lat"],
            "area_km2": r["area_km2"],
        }
        for r in csv.DictReader(lines)
    ]


def main() -> int:
    rows = sea_rows() + country_rows()
    with OUTPUT.open("w", encoding="utf-8", newline="") as fh:
        fh.write(
            "# Built by scripts/build_map_labels.py from countries.geojson (Natural Earth 5.1.1, "
            "public domain; French names: CLDR via Babel) and sea_labels.csv. Do not edit.\n"
        )
        w = csv.DictWriter(fh, fieldnames=FIELDS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {len(rows)} labels to {OUTPUT.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
