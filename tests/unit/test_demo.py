"""The synthetic demo data: official formats, determinism, calibration, placement, marking.

Expected figures are recomputed here from the generated CSV bytes with plain pandas and compared
with the committed calibration tables read directly from disk, not through ``data.demo``.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from data import demo, reference
from data.ingest import load_bytes

REPO = Path(__file__).resolve().parents[2]
CALIBRATION = REPO / "data" / "reference" / "calibration"
OFFICIAL_MMP_HEADER = [
    "Main ID",
    "Incident ID",
    "Incident Type",
    "Region of Incident",
    "Incident Date",
    "Incident Year",
    "Month",
    "Number of Dead",
    "Minimum Estimated Number of Missing",
    "Total Number of Dead and Missing",
    "Number of Survivors",
    "Number of Females",
    "Number of Males",
    "Number of Children",
    "Country of Origin",
    "Region of Origin",
    "Cause of Death",
    "Country of Incident",
    "Migration Route",
    "Location of Incident",
    "Coordinates",
    "UNSD Geographical Grouping",
    "Information Source",
    "URL",
    "Source Quality",
]
SPLIT = re.compile(r",(?! )")
#: Jitter is clipped at 0.8 degrees; the margin leaves room for it and nothing else.
BBOX_MARGIN_DEG = 1.0


@pytest.fixture(scope="module")
def mmp_bytes() -> bytes:
    return demo.make_demo_mmp_csv()


@pytest.fixture(scope="module")
def frontex_bytes() -> bytes:
    return demo.make_demo_frontex_csv()


@pytest.fixture(scope="module")
def mmp(mmp_bytes: bytes) -> pd.DataFrame:
    return pd.read_csv(io.BytesIO(mmp_bytes), dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def frontex(frontex_bytes: bytes) -> pd.DataFrame:
    frame = pd.read_csv(io.BytesIO(frontex_bytes), dtype=str, keep_default_na=False)
    frame["n"] = frame["n"].astype(int)
    frame["year"] = frame["t"].str.slice(0, 4).astype(int)
    return frame


def _calibration(name: str) -> pd.DataFrame:
    return pd.read_csv(CALIBRATION / name, comment="#", dtype=str, keep_default_na=False)


# ---------------------------------------------------------------- format and determinism


def test_mmp_csv_is_deterministic_and_seeded(mmp_bytes: bytes) -> None:
    assert demo.make_demo_mmp_csv() == mmp_bytes
    assert demo.make_demo_mmp_csv(seed=7) != mmp_bytes


def test_frontex_csv_is_deterministic_and_seeded(frontex_bytes: bytes) -> None:
    assert demo.make_demo_frontex_csv() == frontex_bytes
    assert demo.make_demo_frontex_csv(seed=7) != frontex_bytes


def test_mmp_header_is_the_official_25_columns(mmp_bytes: bytes, mmp: pd.DataFrame) -> None:
    first_line = mmp_bytes.split(b"\n", 1)[0].decode("utf-8")
    assert first_line.split(",") == OFFICIAL_MMP_HEADER
    assert list(mmp.columns) == OFFICIAL_MMP_HEADER
    assert len(mmp) > 15_000


def test_frontex_header_and_months(frontex_bytes: bytes, frontex: pd.DataFrame) -> None:
    assert frontex_bytes.split(b"\n", 1)[0] == b"route,type,nat,t,n"
    assert frontex["t"].min() == "2014-01-01"
    assert frontex["t"].max() == "2025-03-01"
    assert frontex["t"].str.fullmatch(r"\d{4}-\d{2}-01").all()
    assert frontex["nat"].str.fullmatch(r"[A-Z]{3}").all()
    assert set(frontex["type"]) == {"Sea", "Land"}
    assert (frontex["n"] > 0).all()


def test_every_incident_is_marked_synthetic(mmp: pd.DataFrame) -> None:
    assert mmp["Location of Incident"].str.startswith("[DEMO] ").all()
    assert (mmp["Information Source"] == "Synthetic demo data (RouteWatch)").all()
    assert (mmp["URL"] == "").all()
    assert mmp["Main ID"].str.fullmatch(r"DEMO\.(20\d\d)\.\d{5}").all()
    assert mmp["Main ID"].is_unique
    assert (mmp["Main ID"].str.slice(5, 9) == mmp["Incident Year"]).all()


def test_cells_are_internally_consistent(mmp: pd.DataFrame) -> None:
    dead = mmp["Number of Dead"].astype(int)
    missing = mmp["Minimum Estimated Number of Missing"].astype(int)
    total = mmp["Total Number of Dead and Missing"].astype(int)
    assert (dead + missing == total).all()
    assert (total >= 1).all()
    for col in ("Number of Females", "Number of Males", "Number of Children"):
        known = mmp[col] != ""
        assert known.any(), col
        assert (mmp.loc[known, col].astype(int) <= total[known]).all(), col
    date = pd.to_datetime(mmp["Incident Date"], format="%Y-%m-%d")
    assert (date.dt.year.astype(str) == mmp["Incident Year"]).all()
    assert (date.dt.month_name() == mmp["Month"]).all()
    lat_lon = mmp["Coordinates"].str.extract(r"^(-?\d+\.\d+), (-?\d+\.\d+)$").astype(float)
    assert lat_lon.notna().all().all()
    assert lat_lon[0].between(-90, 90).all() and lat_lon[1].between(-180, 180).all()


def test_quirks_of_the_real_export_are_present(mmp: pd.DataFrame) -> None:
    no_route = (mmp["Migration Route"] == "").mean()
    assert 0.08 < no_route < 0.18  # about one in eight, as in the real export
    multi = mmp["Migration Route"].str.contains(SPLIT)
    assert 5 <= multi.sum() <= 100
    assert (mmp["Source Quality"] == "4,5").sum() >= 3
    quality = mmp["Source Quality"].str.split(",").map(lambda v: max(int(x) for x in v))
    assert quality.between(1, 5).all()
    assert set(quality) == {1, 2, 3, 4, 5}


# ---------------------------------------------------------------- calibration


def test_route_year_totals_match_the_calibration(mmp: pd.DataFrame) -> None:
    rows = mmp.assign(
        route_label=mmp["Migration Route"].map(SPLIT.split),
        dam=mmp["Total Number of Dead and Missing"].astype(int),
        year=mmp["Incident Year"].astype(int),
    ).explode("route_label")
    got = rows.groupby(["route_label", "year"]).agg(
        incidents=("dam", "size"), dead_and_missing=("dam", "sum")
    )
    cal = _calibration("mmp_route_year.csv").astype({"year": int})
    cal = cal.set_index(["route_label", "year"])[["incidents", "dead_and_missing"]].astype(int)
    assert set(got.index) <= set(cal.index)
    big = cal[cal["incidents"] >= 30]
    assert len(big) >= 80
    joined = big.join(got, rsuffix="_demo", how="left").fillna(0)
    for col in ("incidents", "dead_and_missing"):
        ratio = joined[f"{col}_demo"] / joined[col]
        assert ratio.between(0.9, 1.1).all(), ratio[~ratio.between(0.9, 1.1)]
    # The big routes, by name, so a renamed label cannot silently drop out of the check.
    for label in ("Central Mediterranean", "US-Mexico border crossing", "Afghanistan to Iran"):
        assert (label, 2023) in big.index


def test_frontex_route_year_totals_match_the_calibration(frontex: pd.DataFrame) -> None:
    got = frontex.groupby(["route", "type", "year"])["n"].sum()
    cal = _calibration("frontex_route_year.csv").astype({"year": int, "detections": int})
    cal = cal.set_index(["route", "border_type", "year"])["detections"]
    full_years = cal[(cal.index.get_level_values("year").isin(range(2014, 2025))) & (cal >= 500)]
    assert len(full_years) >= 50
    ratio = got.reindex(full_years.index).fillna(0) / full_years
    assert ratio.between(0.9, 1.1).all(), ratio[~ratio.between(0.9, 1.1)]
    # 2025: the demo stops at March, the calibration covers January-April.
    y2025 = got.xs(2025, level="year")
    cal2025 = cal.xs(2025, level="year").reindex(y2025.index)
    assert (y2025 <= cal2025 * 1.01).all()
    assert y2025.sum() > 0.5 * cal2025.sum()


def test_frontex_main_nationality_matches_the_calibration(frontex: pd.DataFrame) -> None:
    nat = _calibration("frontex_route_nat.csv").astype({"share": float})
    recent = frontex[frontex["year"].between(2019, 2024)]
    for route in ("Central Mediterranean Route", "Western Balkan Route", "Western African Route"):
        expected = nat[(nat["route"] == route) & (nat["rank"] == "1")]["nationality"].item()
        by_nat = recent[recent["route"] == route].groupby("nat")["n"].sum()
        assert by_nat.idxmax() == expected, route


def test_causes_follow_the_route_mix(mmp: pd.DataFrame) -> None:
    mix = _calibration("mmp_route_mix.csv")
    cm = mmp[mmp["Migration Route"] == "Central Mediterranean"]
    expected = float(
        mix[
            (mix["route_label"] == "Central Mediterranean")
            & (mix["facet"] == "cause")
            & (mix["key"] == "Drowning")
        ]["share"].item()
    )
    assert abs((cm["Cause of Death"] == "Drowning").mean() - expected) < 0.05


# ---------------------------------------------------------------- placement


def test_points_lie_near_their_route_waypoints(mmp: pd.DataFrame) -> None:
    labels = reference.read_route_labels()
    route_of = dict(
        zip(
            labels.loc[labels["source_kind"] == "mmp", "label"],
            labels.loc[labels["source_kind"] == "mmp", "route_id"],
            strict=True,
        )
    )
    wp = reference.read_waypoints()
    boxes = wp.groupby("route_id").agg(
        lon_min=("lon", "min"),
        lon_max=("lon", "max"),
        lat_min=("lat", "min"),
        lat_max=("lat", "max"),
    )
    lat_lon = mmp["Coordinates"].str.split(", ", expand=True).astype(float)
    checked = 0
    for label, rows in mmp.groupby("Migration Route"):
        first = SPLIT.split(label)[0] if label else ""
        route_id = route_of.get(first)
        if route_id not in boxes.index:
            continue
        b = boxes.loc[route_id]
        lat, lon = lat_lon.loc[rows.index, 0], lat_lon.loc[rows.index, 1]
        inside = lon.between(
            b["lon_min"] - BBOX_MARGIN_DEG, b["lon_max"] + BBOX_MARGIN_DEG
        ) & lat.between(b["lat_min"] - BBOX_MARGIN_DEG, b["lat_max"] + BBOX_MARGIN_DEG)
        assert inside.all(), (label, rows.loc[~inside, "Coordinates"].head().tolist())
        checked += len(rows)
    assert checked > 0.8 * len(mmp)


def test_sea_route_incidents_lie_on_the_crossing(mmp: pd.DataFrame) -> None:
    # Central Mediterranean: departures from Tripoli/Zuwara (about 32.9 N), never the Sahara.
    cm = mmp[mmp["Migration Route"] == "Central Mediterranean"]
    lat = cm["Coordinates"].str.split(", ").str[0].astype(float)
    assert (lat > 32.0).all()


# ---------------------------------------------------------------- through the real ingest


def test_demo_loads_through_ingest_without_rejections(
    tmp_path: Path, mmp_bytes: bytes, frontex_bytes: bytes, mmp: pd.DataFrame
) -> None:
    db = tmp_path / "w.duckdb"
    summaries = [
        load_bytes(mmp_bytes, "routewatch-demo-mmp.csv", kind="mmp", db=db, is_demo=True),
        load_bytes(
            frontex_bytes, "routewatch-demo-frontex.csv", kind="frontex", db=db, is_demo=True
        ),
    ]
    for s in summaries:
        assert s.status == "loaded"
        assert s.source_id.startswith("demo-")
        assert s.rows_rejected == 0
        assert s.rows_flagged == 0
    assert summaries[0].rows_loaded == len(mmp)
    assert summaries[0].vintage is not None and summaries[0].vintage.startswith("2025-12")
    assert summaries[1].vintage == "2025-03-01"
    con = duckdb.connect(str(db), read_only=True)
    try:
        sources = con.execute("SELECT source_id, is_demo, origin FROM sources").fetchall()
        assert {o for _, _, o in sources} == {
            "routewatch-demo-mmp.csv",
            "routewatch-demo-frontex.csv",
        }
        assert all(is_demo and sid.startswith("demo-") for sid, is_demo, _ in sources)
        n_inc, n_demo, dam = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE source_id LIKE 'demo-%'), "
            "sum(dead_and_missing) FROM incidents"
        ).fetchone()
        assert n_inc == n_demo == len(mmp)
        assert dam == mmp["Total Number of Dead and Missing"].astype(int).sum()
        unmarked = con.execute(
            "SELECT count(*) FROM incidents WHERE location NOT LIKE '[DEMO] %'"
        ).fetchone()[0]
        assert unmarked == 0
        unclassified = con.execute(
            "SELECT count(*) FROM incidents WHERE list_contains(route_ids, 'unclassified') "
            "AND route_labels_raw IS NOT NULL"
        ).fetchone()[0]
        assert unclassified == 0  # every demo route label is in the route cross-walk
        det = con.execute(
            "SELECT sum(detections), count(*) FILTER (WHERE source_id NOT LIKE 'demo-%') "
            "FROM detections"
        ).fetchone()
        fx = pd.read_csv(io.BytesIO(frontex_bytes))
        assert det == (fx["n"].sum(), 0)
    finally:
        con.close()
    # load_demo builds the same bytes and sends them through the same ingest as demo data:
    # the warehouse recognises both files as already loaded.
    again = demo.load_demo(db=db)
    assert [(s.status, s.source_id) for s in again] == [
        ("unchanged", s.source_id) for s in summaries
    ]
