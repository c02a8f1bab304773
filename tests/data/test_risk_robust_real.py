"""Robust origin scores on the real files: one shipwreck must not carry a country to the top.

The expected side is computed here from the raw IOM CSV with pandas (no project code).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from data.filters import Filters
from services import report
from tests.conftest import shared_file

pytestmark = pytest.mark.shared

MMP_2026 = "mmp/Missing_Migrants_Global_Figures_allData_2026-04.csv"
SPLIT = re.compile(r",(?!\s)")
NOT_A_COUNTRY = {"Unknown", "Mixed", "Mixed/Unknown"}  # the ingest drops these from origins
YEAR_2023 = Filters(date_from=dt.date(2023, 1, 1), date_to=dt.date(2023, 12, 31))


@pytest.fixture(scope="module")
def con(real_db: Path):
    c = duckdb.connect(str(real_db), read_only=True)
    yield c
    c.close()


@pytest.fixture(scope="module")
def pakistan_2023() -> pd.DataFrame:
    raw = pd.read_csv(shared_file(MMP_2026), dtype=str)
    raw = raw[raw["Incident Date"].str.startswith("2023", na=False)]
    origins = (
        raw["Country of Origin"]
        .fillna("")
        .map(
            lambda s: list(
                dict.fromkeys(
                    x.strip()
                    for x in SPLIT.split(s)
                    if x.strip() and x.strip() not in NOT_A_COUNTRY
                )
            )
        )
    )
    dm = pd.to_numeric(raw["Total Number of Dead and Missing"], errors="coerce").fillna(0)
    rows = [
        {"date": d, "share": n / len(o)}
        for d, n, o in zip(raw["Incident Date"], dm, origins, strict=True)
        if "Pakistan" in o and n > 0
    ]
    return pd.DataFrame(rows)


def test_pakistan_2023_is_driven_by_one_shipwreck_and_moves_down(con, pakistan_2023):
    # By hand from the CSV: the Pylos shipwreck of 14 June 2023 (646 dead and missing, all
    # recorded as Pakistani) against about 700 in all: some 92% from one incident.
    largest = pakistan_2023.sort_values("share", ascending=False).iloc[0]
    expected_share = largest["share"] / pakistan_2023["share"].sum()
    assert largest["date"] == "2023-06-14" and largest["share"] == 646
    assert expected_share > 0.9
    for scope in ("world", "europe"):
        robust = report.origin_risk(con, YEAR_2023, scope=scope, variant="robust")
        raw = report.origin_risk(con, YEAR_2023, scope=scope, variant="raw")
        pak = robust.set_index("iso3").loc["PAK"]
        assert bool(pak["driven_by_one_incident"]) is True
        assert pak["largest_incident_dead_and_missing"] == pytest.approx(646)
        assert pak["largest_incident_date"] == dt.date(2023, 6, 14)
        if scope == "world":  # the CSV sum above runs over every route
            assert pak["largest_incident_share"] == pytest.approx(expected_share)
        # The robust variant moves it down, and both ranks are in both tables.
        raw_rank = int(raw.set_index("iso3").loc["PAK", "rank"])
        assert int(pak["rank"]) > raw_rank
        assert int(pak["rank_raw"]) == raw_rank and int(pak["rank_robust"]) == int(pak["rank"])
        assert raw_rank <= 3  # the complaint: one shipwreck put it near the top
        assert "driven by one incident" in pak["why"]
        assert "because one incident (646 dead and missing, 14 June 2023)" in pak["why"]
        # Capping costs a country without a dominant incident (Afghanistan) far less.
        afg = robust.set_index("iso3").loc["AFG"]
        assert not bool(afg["driven_by_one_incident"])
        kept = {
            c["iso3"]: c["dead_and_missing_capped"] / c["dead_and_missing"]
            for c in (afg.to_dict() | {"iso3": "AFG"}, pak.to_dict() | {"iso3": "PAK"})
        }
        assert kept["AFG"] > 0.5 > 0.2 > kept["PAK"]


def test_world_scope_has_no_frontex_component_and_europe_keeps_its_routes(con):
    world = report.origin_risk(con, YEAR_2023, scope="world")
    assert world["detections"].isna().all() and world["c_detections"].isna().all()
    assert "Frontex" not in str(world["sources"].iloc[0])
    europe = report.origin_risk(con, YEAR_2023, scope="europe")
    # Mexico's dead are on the Americas' routes: towards Europe it has next to nothing.
    mex_world = world.set_index("iso3").loc["MEX"]
    assert mex_world["rank"] <= 10
    mex = europe.set_index("iso3")["dead_and_missing"].get("MEX", 0.0)
    assert mex < 0.05 * mex_world["dead_and_missing"]
    assert europe["detections"].notna().any()
