"""The ingest's plausibility limits against the publishers' real history (../shared/data).

A limit must reject junk (one incident with a million dead) and never a real row: each is
checked to sit well above the largest value of its field in every real file, and every real
file loads with no row rejected for a limit or an implausible date.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from data import ingest
from data.ingest import load_file
from tests.conftest import shared_file

pytestmark = pytest.mark.shared

MMP = (
    "mmp/Missing_Migrants_Global_Figures_allData_2025-04.csv",
    "mmp/Missing_Migrants_Global_Figures_allData_2026-04.csv",
)
MMP_FIELDS = {
    "dead": "Number of Dead",
    "missing": "Minimum Estimated Number of Missing",
    "total": "Total Number of Dead and Missing",
    "survivors": "Number of Survivors",
    "females": "Number of Females",
    "males": "Number of Males",
    "children": "Number of Children",
}


def _max(path: Path, column: str) -> float:
    df = pd.read_csv(path, dtype=str, keep_default_na=False, usecols=[column])
    return float(pd.to_numeric(df[column].str.replace(",", ""), errors="coerce").max())


@pytest.mark.parametrize("rel", MMP)
def test_mmp_limits_are_far_above_every_real_incident(rel: str) -> None:
    path = shared_file(rel)
    for key, column in MMP_FIELDS.items():
        biggest = _max(path, column)
        assert 0 < biggest * 5 <= ingest.MMP_COUNT_LIMITS[key], (key, biggest)


def test_other_limits_are_far_above_every_real_cell() -> None:
    fx = _max(shared_file("frontex/frontex_ibc_detections_monthly_2009-2025.csv"), "n")
    assert fx == 204_286 and fx * 5 <= ingest.FRONTEX_DETECTIONS_LIMIT
    arr = _max(shared_file("unhcr/unhcr_daily_arrivals_italy.csv"), "individuals")
    assert arr * 5 <= ingest.ARRIVALS_PER_DAY_LIMIT
    pop_path = shared_file("unhcr/population.csv")
    for col in ingest._UNHCR_POP:
        assert _max(pop_path, col) * 5 <= ingest.POPULATION_CELL_LIMIT, col


@pytest.mark.parametrize(
    "rel",
    [
        *MMP,
        "frontex/frontex_ibc_detections_monthly_2009-2025.csv",
        "unhcr/unhcr_daily_arrivals_italy.csv",
    ],
)
def test_no_real_row_is_rejected_for_a_limit_or_an_implausible_date(rel: str, tmp_db: Path) -> None:
    s = load_file(shared_file(rel), db=tmp_db, today=dt.date(2026, 4, 30))
    odd = {
        r: n
        for r, n in s.reject_reasons.items()
        if "too large" in r or "load day" in r or "source began" in r
    }
    assert odd == {} and not s.partial
    assert s.fields_cut == 0  # no real text cell is longer than its field allows
