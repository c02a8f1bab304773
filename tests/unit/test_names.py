"""i18n.names: every cause and region the warehouse can hold has a French name."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from i18n import use_lang
from i18n.names import CAUSES, REGIONS, cause_name, region_name

REFERENCE = Path(__file__).resolve().parents[2] / "data" / "reference"
#: Names spelt the same in French.
SAME_IN_FRENCH = {"Violence", "Europe"}


def _mix(facet: str) -> set[str]:
    with (REFERENCE / "calibration" / "mmp_route_mix.csv").open(encoding="utf-8") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        return {r["key"] for r in rows if r["facet"] == facet and r["key"] != "(other)"}


def _left_over(cell: str, names: tuple[str, ...]) -> str:
    """What remains of an IOM cell (names joined by commas) once every known name is cut."""
    for name in sorted(names, key=len, reverse=True):  # a cause may itself hold a comma
        cell = cell.replace(name, "")
    return cell.replace(",", "").strip()


def test_every_un_region_and_subregion_is_listed() -> None:
    doc = json.loads((REFERENCE / "countries.geojson").read_text(encoding="utf-8"))
    names = {
        f["properties"][k]
        for f in doc["features"]
        for k in ("un_region", "un_subregion")
        if f["properties"].get(k)
    }
    assert names and names <= set(REGIONS), names - set(REGIONS)


@pytest.mark.parametrize(
    ("facet", "names"),
    [("cause", CAUSES), ("region_of_incident", REGIONS), ("unsd_grouping", REGIONS)],
)
def test_every_iom_value_is_listed(facet: str, names: tuple[str, ...]) -> None:
    cells = _mix(facet)
    assert cells
    assert not {c for c in cells if _left_over(c, names)}


def test_every_name_reads_in_french() -> None:
    with use_lang("fr"):
        same = {c for c in CAUSES if cause_name(c) == c} | {
            r for r in REGIONS if region_name(r) == r
        }
        assert cause_name("Drowning") == "Noyade"
        assert region_name("Northern Africa") == "Afrique du Nord"
    assert same <= SAME_IN_FRENCH, same - SAME_IN_FRENCH
    assert cause_name("Drowning") == "Drowning"  # English is the source's own word
