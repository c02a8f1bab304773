"""scripts/risk_churn.py: the churn tables of docs/methodology.md, regenerated at a small scale
on the demo warehouse (the real numbers are not asserted here)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import duckdb
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def churn():
    spec = importlib.util.spec_from_file_location("risk_churn", REPO / "scripts" / "risk_churn.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _ranks(order: list[str], driven: tuple[str, ...] = ()) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "iso3": order,
            "rank": range(1, len(order) + 1),
            "driven_by_one_incident": [c in driven for c in order],
            "largest_incident_share": [0.9 if c in driven else 0.2 for c in order],
        }
    )


def test_churn_and_spearman_by_hand(churn):
    # Top 2 of 2021: A, B; of 2022: A, D -> one newcomer. Common countries A, B, C:
    # ranks (1, 2, 3) then (1, 4, 3): Spearman of (1,2,3) vs (1,3,2) = 1 - 6*2/(3*8) = 0.5.
    r = {2021: _ranks(["A", "B", "C"]), 2022: _ranks(["A", "D", "C", "B"], driven=("D",))}
    (row,) = churn.churn_rows(r, top=2)
    assert row == {"years": "2021-2022", "churn": 1, "spearman": pytest.approx(0.5), "common": 3}
    d = churn.driven_rows(r, top=2)
    assert [x["driven_top"] for x in d] == [0, 1]
    assert d[1]["driven_ranked"] == pytest.approx(0.25)


def test_tables_regenerate_on_the_demo(churn, demo_db, tmp_path):
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        md = churn.render_churn(con, years=(2023, 2024))
    finally:
        con.close()
    for scope in ("routes towards Europe", "all routes worldwide"):
        assert f"**Scope: {scope}.**" in md
        assert f"| {scope} | robust, cap at the 95% quantile (default) |" in md
    assert md.count("| 2023-2024 |") == 2  # one pair of years per scope
    assert md.count("| 2024 |") == 2
    # It replaces the block of a document, and only the block.
    doc = tmp_path / "m.md"
    doc.write_text("before\n<!-- churn:start -->\nold\n<!-- churn:end -->\nafter\n")
    churn.write_block(md, doc)
    text = doc.read_text()
    assert text.startswith("before\n<!-- churn:start -->\n**Scope")
    assert "old" not in text and text.endswith("<!-- churn:end -->\nafter\n")
