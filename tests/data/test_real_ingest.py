"""Integration: the real files in ../shared/data, against figures computed here from the raw files.

These skip with a reason when ../shared/data is absent (a user's clone) and fail in CI.
"""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from data.filters import Filters
from data.queries import query_detections_by, query_headline, query_incidents_by, resolve_vintages
from tests.conftest import shared_file

pytestmark = pytest.mark.shared

MMP_26 = "mmp/Missing_Migrants_Global_Figures_allData_2026-04.csv"
MMP_25 = "mmp/Missing_Migrants_Global_Figures_allData_2025-04.csv"
FRONTEX = "frontex/frontex_ibc_detections_monthly_2009-2025.csv"


def raw(rel: str) -> pd.DataFrame:
    return pd.read_csv(shared_file(rel), dtype=str, keep_default_na=False)


def con_of(db: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(db), read_only=True)


def source_id(con: duckdb.DuckDBPyConnection, vintage: str) -> str:
    row = con.execute(
        "SELECT source_id FROM sources WHERE kind = 'mmp' AND vintage = ? AND origin LIKE '%.csv'",
        [vintage],
    ).fetchone()
    assert row, vintage
    return row[0]


def test_2026_export_loads_fast_and_whole(tmp_db: Path) -> None:
    from data.ingest import load_file

    t0 = time.perf_counter()
    s = load_file(shared_file(MMP_26), db=tmp_db)
    elapsed = time.perf_counter() - t0
    assert elapsed < 10, f"load took {elapsed:.1f} s"
    assert s.rows_read == 21_615
    # Every row of this vintage is usable; the five IOM corrections (negative missing that
    # still add up) are kept and flagged, not dropped.
    assert s.rows_loaded == 21_615 and s.rows_rejected == 0
    assert s.vintage == "2026-04-09"


def test_dead_and_missing_per_year_matches_raw_2026(real_db: Path) -> None:
    df = raw(MMP_26)
    expected = (
        df.assign(
            y=df["Incident Date"].str[:4].astype(int),
            t=pd.to_numeric(df["Total Number of Dead and Missing"]),
        )
        .groupby("y")
        .agg(incidents=("t", "size"), dam=("t", "sum"))
    )
    con = con_of(real_db)
    f = Filters()
    got = query_incidents_by(con, f, dim="year", period=None).set_index("key")
    con.close()
    assert got.index.tolist() == expected.index.tolist()
    assert got["incidents"].tolist() == expected["incidents"].tolist()
    assert got["dead_and_missing"].tolist() == expected["dam"].astype(int).tolist()


def test_2025_vintage_rejects_exactly_the_dateless_rows(real_db: Path) -> None:
    df = raw(MMP_25)
    bad_date = ~df["Incident Date"].str.match(r"^\d{4}-\d\d-\d\d$")
    no_year_month = (df["Incident Year"] == "") | (df["Month"] == "")
    expected_rejected = int((bad_date & no_year_month).sum())
    con = con_of(real_db)
    sid = source_id(con, "2025-04-29")
    n_rej, reasons = con.execute(
        "SELECT count(*), list(DISTINCT reason) FROM rejected_rows WHERE source_id = ?", [sid]
    ).fetchone()
    loaded = con.execute("SELECT count(*) FROM incidents WHERE source_id = ?", [sid]).fetchone()
    con.close()
    assert expected_rejected == 13
    assert n_rej == expected_rejected and reasons == ["no parseable incident date"]
    assert loaded[0] == len(df) - expected_rejected


def test_both_vintages_kept_and_latest_is_default(real_db: Path) -> None:
    con = con_of(real_db)
    v = resolve_vintages(con, Filters())
    older = source_id(con, "2025-04-29")
    h_new = query_headline(con, Filters())
    h_old = query_headline(con, Filters(vintage=older))
    con.close()
    assert v.incidents is not None and v.incidents.startswith("mmp-20260409")
    assert h_new["incidents"] == 21_615
    assert h_old["incidents"] == 19_255 - 13


def test_frontex_central_med_2023_and_top_nationality(real_db: Path) -> None:
    fx = raw(FRONTEX)
    fx["n"] = pd.to_numeric(fx["n"])
    y23 = fx[fx["t"].str.startswith("2023")]
    cm = int(y23.loc[y23["route"] == "Central Mediterranean Route", "n"].sum())
    top = y23.groupby("nat")["n"].sum().sort_values(ascending=False)
    assert cm == 158_026 and top.index[0] == "SYR" and int(top.iloc[0]) == 106_525
    con = con_of(real_db)
    f = Filters(
        date_from=pd.Timestamp("2023-01-01").date(), date_to=pd.Timestamp("2023-12-31").date()
    )
    by_route = query_detections_by(con, f, dim="route", period=None).set_index("key")
    by_nat = query_detections_by(con, f, dim="nationality", period=None).set_index("key")
    con.close()
    assert int(by_route.loc["central_mediterranean", "detections"]) == cm
    assert by_nat["detections"].idxmax() == "SYR"
    assert int(by_nat["detections"].max()) == 106_525


def test_route_labels_all_classified(real_db: Path) -> None:
    con = con_of(real_db)
    unclassified_raw = con.execute(
        "SELECT DISTINCT route_labels_raw FROM incidents "
        "WHERE list_contains(route_ids, 'unclassified') AND route_labels_raw IS NOT NULL"
    ).fetchall()
    con.close()
    assert unclassified_raw == []  # only rows with no route label are unclassified


def test_central_med_2023_dead_and_missing_by_route(real_db: Path) -> None:
    df = raw(MMP_26)
    df = df[df["Incident Date"].str.startswith("2023")]
    labels = df["Migration Route"].str.split(r",(?! )", regex=True)
    has_cm = labels.map(lambda v: "Central Mediterranean" in v)
    expected = int(pd.to_numeric(df.loc[has_cm, "Total Number of Dead and Missing"]).sum())
    con = con_of(real_db)
    f = Filters(
        date_from=pd.Timestamp("2023-01-01").date(),
        date_to=pd.Timestamp("2023-12-31").date(),
        routes=("central_mediterranean",),
    )
    h = query_headline(con, f)
    con.close()
    assert h["dead_and_missing"] == expected


def test_oc_index_every_country_matched(real_db: Path) -> None:
    con = con_of(real_db)
    rej = con.execute(
        "SELECT count(*) FROM rejected_rows r JOIN sources s USING (source_id) "
        "WHERE s.kind = 'oc-index'"
    ).fetchone()[0]
    n = con.execute(
        "SELECT edition, count(DISTINCT iso3) FROM country_indicators "
        "WHERE indicator = 'oc_human_smuggling' GROUP BY 1 ORDER BY 1"
    ).fetchall()
    con.close()
    assert rej == 0
    assert n == [(2021, 193), (2023, 193)]
