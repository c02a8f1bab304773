"""Integration tests of the reference cross-walks against the real exports in ../shared/data.

Skipped with a reason when ../shared/data is absent (a user's clone), failed instead in CI.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from data import reference

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
MMP_CSVS = (
    "mmp/Missing_Migrants_Global_Figures_allData_2025-04.csv",
    "mmp/Missing_Migrants_Global_Figures_allData_2026-04.csv",
)
FRONTEX_CSV = "frontex/frontex_ibc_detections_monthly_2009-2025.csv"
OC_INDEX_CSVS = ("oc_index/global_oc_index_2021.csv", "oc_index/global_oc_index_2023.csv")
# MMP values that are not a country: they must not map to one.
NOT_A_COUNTRY = {"Unknown", "Mixed", "Mixed/Unknown"}
# RouteWatch codes Kosovo KOS, as Natural Earth does; the shared tables use XKX.
KOSOVO_CODES = {"XKX": "KOS"}
# GI-TOC files Cyprus under Europe; Natural Earth (like UN M49) under Asia / Western Asia.
CONTINENT_EXCEPTIONS = {"CYP"}

pytestmark = pytest.mark.shared


def shared_file(relative: str) -> Path:
    """Path of a shared file; skip the test if it is absent, but fail in CI."""
    path = SHARED_DATA / relative
    if not path.is_file():
        message = f"{path} not found: the real shared data sets are not beside this clone"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message} (CI=true, so this must not be skipped)")
        pytest.skip(message)
    return path


def distinct_counts(relative: str, column: str) -> Counter[str | None]:
    """Row count per distinct value of one column of a shared CSV, read as text."""
    path = shared_file(relative)
    con = duckdb.connect()
    try:
        rows = con.execute(
            f'SELECT "{column}" AS value, count(*) FROM read_csv($path, all_varchar = true) '
            "GROUP BY ALL",
            {"path": str(path)},
        ).fetchall()
    finally:
        con.close()
    return Counter({value: count for value, count in rows})


@pytest.mark.parametrize("relative", MMP_CSVS)
def test_every_mmp_route_label_maps_to_a_route(relative: str) -> None:
    cells = distinct_counts(relative, "Migration Route")
    route_ids = set(reference.read_routes()["route_id"])
    atoms = {atom for cell in cells for atom in reference.split_multi(cell)}
    assert len(atoms) >= 25
    unmapped = sorted(
        atom for atom in atoms if reference.route_ids_for_label(atom, "mmp") == ("unclassified",)
    )
    assert unmapped == [], f"MMP route labels with no route: {unmapped}"
    for cell in cells:
        ids = reference.route_ids_for_label(cell, "mmp")
        assert set(ids) <= route_ids
        assert len(ids) == len(reference.split_multi(cell)) or ids == ("unclassified",)
        if not reference.split_multi(cell):
            assert ids == ("unclassified",)
    # The empty route is common (about one row in eight) and goes to unclassified.
    assert cells[None] > 1000


def test_mmp_multi_route_cells_split_into_both_routes() -> None:
    cells = distinct_counts(MMP_CSVS[-1], "Migration Route")
    assert reference.route_ids_for_label("Central Mediterranean,Sahara Desert crossing", "mmp") == (
        "central_mediterranean",
        "sahara_desert",
    )
    assert "Central Mediterranean,Sahara Desert crossing" in cells


def test_every_frontex_route_maps_and_only_other_is_unclassified() -> None:
    cells = distinct_counts(FRONTEX_CSV, "route")
    route_ids = set(reference.read_routes()["route_id"])
    mapped = {cell: reference.route_ids_for_label(cell, "frontex") for cell in cells}
    unclassified = sorted(cell for cell, ids in mapped.items() if ids == ("unclassified",))
    assert unclassified == ["Other"]
    assert all(len(ids) == 1 and ids[0] in route_ids for ids in mapped.values())
    frontex_routes = set(reference.read_routes().query("frontex")["route_id"])
    # Every Frontex route in the export is one RouteWatch flags as published by Frontex.
    assert {ids[0] for ids in mapped.values()} - {"unclassified"} <= frontex_routes


def test_shared_corridors_are_named_alike_in_both_sources() -> None:
    mmp = {
        route_id
        for relative in MMP_CSVS
        for cell in distinct_counts(relative, "Migration Route")
        for route_id in reference.route_ids_for_label(cell, "mmp")
    }
    frontex = {
        reference.route_ids_for_label(cell, "frontex")[0]
        for cell in distinct_counts(FRONTEX_CSV, "route")
    }
    shared = set(reference.read_routes().query("frontex and mmp")["route_id"])
    assert shared - {"unclassified"} == (mmp & frontex) - {"unclassified"}


@pytest.mark.parametrize("relative", OC_INDEX_CSVS)
def test_every_oc_index_country_maps_to_a_boundary(relative: str) -> None:
    path = shared_file(relative)
    con = duckdb.connect()
    try:
        rows = con.execute(
            'SELECT "Continent", "Country" FROM read_csv($path, all_varchar = true)',
            {"path": str(path)},
        ).fetchall()
    finally:
        con.close()
    countries = reference.read_countries().set_index("iso3")
    codes = {name: reference.country_iso3(name) for _, name in rows}
    unmatched = sorted(name for name, code in codes.items() if code not in countries.index)
    if unmatched:
        print(f"{relative}: OC Index names with no ISO-3 boundary: {unmatched}")
    assert unmatched == [], f"OC Index names with no ISO-3 boundary: {unmatched}"
    assert len(rows) == 193
    assert len(set(codes.values())) == 193, "two OC Index names map to one code"
    # Independent check of the codes: the continent GI-TOC gives agrees with Natural Earth's.
    wrong_continent = sorted(
        (name, codes[name], continent, countries.loc[codes[name], "un_region"])
        for continent, name in rows
        if countries.loc[codes[name], "un_region"] != continent
        and codes[name] not in CONTINENT_EXCEPTIONS
    )
    assert wrong_continent == []


@pytest.mark.parametrize("relative", MMP_CSVS)
def test_mmp_country_of_origin_maps(relative: str) -> None:
    atoms: Counter[str] = Counter()
    for cell, count in distinct_counts(relative, "Country of Origin").items():
        for atom in reference.split_multi(cell):
            atoms[atom] += count
    countries = {name: count for name, count in atoms.items() if name not in NOT_A_COUNTRY}
    unmatched = {name: n for name, n in countries.items() if reference.country_iso3(name) is None}
    if unmatched:
        print(f"{relative}: unmatched Country of Origin values: {sorted(unmatched)}")
    share = 1 - sum(unmatched.values()) / sum(countries.values())
    assert share >= 0.99, f"only {share:.2%} matched; unmatched: {sorted(unmatched)}"
    assert all(reference.country_iso3(name) is None for name in NOT_A_COUNTRY & set(atoms))


@pytest.mark.parametrize("relative", MMP_CSVS)
def test_mmp_country_of_incident_maps(relative: str) -> None:
    cells = distinct_counts(relative, "Country of Incident")
    unmatched = sorted(
        str(cell) for cell in cells if cell is None or reference.country_iso3(cell) is None
    )
    assert unmatched == [], f"unmatched Country of Incident values: {unmatched}"
    assert reference.country_iso3("China, Hong Kong Special Administrative Region") == "HKG"


@pytest.mark.parametrize(
    ("relative", "name_columns", "code_column"),
    [
        ("countries/countrynames.csv", ("name", "name_sort", "name_text"), "iso3"),
        ("unhcr/countries.csv", ("name",), "iso_code"),
    ],
)
def test_aliases_agree_with_shared_country_tables(
    relative: str, name_columns: tuple[str, ...], code_column: str
) -> None:
    # Independent check of the hand-made alias table: where a shared country table spells a
    # name the same way, it must give the same code.
    path = shared_file(relative)
    con = duckdb.connect()
    try:
        table = con.execute(
            "SELECT * FROM read_csv($path, all_varchar = true)", {"path": str(path)}
        ).df()
    finally:
        con.close()
    aliases = reference.read_country_aliases()
    checked = 0
    disagreements = []
    for column in name_columns:
        for name, code in zip(table[column], table[code_column], strict=True):
            if not isinstance(name, str):
                continue
            ours = aliases.get(reference.normalise_label(name))
            if ours is None:
                continue
            checked += 1
            if ours != KOSOVO_CODES.get(code, code):
                disagreements.append((name, ours, code))
    assert disagreements == []
    assert checked > 150


def test_every_incident_country_has_a_boundary_and_un_region(real_db: Path) -> None:
    """Mayotte (44 incidents) and French Guiana were missed by UN-region filters until the
    overseas departments got features of their own."""
    con = duckdb.connect(str(real_db), read_only=True)
    try:
        missing = con.execute(
            """
            SELECT DISTINCT country_of_incident_iso3 FROM incidents
            WHERE country_of_incident_iso3 IS NOT NULL
              AND country_of_incident_iso3 NOT IN (SELECT iso3 FROM countries)
            """
        ).fetchall()
        myt = con.execute(
            "SELECT un_region, un_subregion FROM countries WHERE iso3 = 'MYT'"
        ).fetchone()
        n_myt = con.execute(
            "SELECT count(*) FROM incidents WHERE country_of_incident_iso3 = 'MYT'"
        ).fetchone()
    finally:
        con.close()
    assert missing == []
    assert myt == ("Africa", "Eastern Africa")
    assert n_myt is not None and n_myt[0] >= 44
