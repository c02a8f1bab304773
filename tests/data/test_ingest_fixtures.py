"""Ingest on small fixture files that reproduce each known quirk of the real exports."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from unittest.mock import ANY

import duckdb
import openpyxl
import pytest

from data import db as dbmod
from data.cli import main as cli
from data.filters import Filters
from data.ingest import load_bytes, load_file
from data.readers import IngestError

FIX = Path(__file__).parent / "fixtures"


def rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def incident(db: Path, main_id: str) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        df = con.execute("SELECT * FROM incidents WHERE main_id = ?", [main_id]).df()
    finally:
        con.close()
    assert len(df) == 1, main_id
    return df.iloc[0].to_dict()


@pytest.fixture
def quirks_db(tmp_db: Path) -> Path:
    s = load_file(FIX / "mmp_quirks.csv", db=tmp_db)
    assert s.status == "loaded"
    return tmp_db


def test_quirks_summary_counts(quirks_db: Path) -> None:
    (read, loaded, rejected, flagged, vintage) = rows(
        quirks_db,
        "SELECT rows_read, rows_loaded, rows_rejected, rows_flagged, vintage FROM sources",
    )[0]
    assert (read, loaded, rejected) == (14, 11, 3)
    # flagged: T.0006 (date from year/month), T.0009 (swapped), T.0011 (total + coords),
    # T.0012 (impossible date -> year/month)
    assert flagged == 4
    assert vintage.isoformat() == "2023-09-02"


def test_rejected_rows_keep_row_number_and_reason(quirks_db: Path) -> None:
    got = rows(quirks_db, "SELECT row_number, reason FROM rejected_rows ORDER BY row_number")
    assert got == [
        (8, "no parseable incident date"),
        (9, "negative count in dead"),
        (14, "fractional count in dead"),
    ]
    raw = json.loads(rows(quirks_db, "SELECT raw FROM rejected_rows WHERE row_number = 9")[0][0])
    assert raw["Main ID"] == "T.0008"


def test_multi_valued_source_quality_keeps_max_and_raw(quirks_db: Path) -> None:
    r = incident(quirks_db, "T.0001")
    assert r["source_quality"] == 5 and r["source_quality_raw"] == "4,5"
    assert list(r["origin_iso3"]) == ["GIN", "MLI"]
    assert (r["lat"], r["lon"]) == (33.0, 12.0)  # latitude first
    assert r["dead_and_missing"] == 5 and r["route_ids"].tolist() == ["central_mediterranean"]


def test_cause_with_internal_commas_and_multi_route(quirks_db: Path) -> None:
    r = incident(quirks_db, "T.0002")
    assert list(r["causes"]) == [
        "Harsh environmental conditions / lack of adequate shelter, food, water"
    ]
    assert list(r["route_ids"]) == ["central_mediterranean", "sahara_desert"]
    assert r["n_routes"] == 2
    assert r["missing"] == 0  # empty missing is zero
    assert (r["lat"], r["lon"]) == (24.0, 23.0)  # low-precision coordinates kept


def test_label_drift_maps_to_canonical_routes(quirks_db: Path) -> None:
    assert list(incident(quirks_db, "T.0003")["route_ids"]) == ["iran_turkiye"]
    assert incident(quirks_db, "T.0003")["country_of_incident_iso3"] == "TUR"
    assert list(incident(quirks_db, "T.0004")["route_ids"]) == ["darien"]
    assert list(incident(quirks_db, "T.0005")["route_ids"]) == ["unclassified"]
    assert list(incident(quirks_db, "T.0014")["route_ids"]) == ["unclassified"]
    assert list(incident(quirks_db, "T.0006")["route_ids"]) == ["english_channel"]


def test_bad_fields_are_cleared_and_flagged_but_incident_counts(quirks_db: Path) -> None:
    r = incident(quirks_db, "T.0009")
    assert (r["lat"], r["lon"]) == (10.9, 134.7) and "coords_swapped" in list(r["flags"])
    r = incident(quirks_db, "T.0011")
    assert r["lat"] is None or r["lat"] != r["lat"]
    assert set(r["flags"]) == {"coords_unparseable", "total_disagrees_with_parts"}
    assert r["dead_and_missing"] == 5  # the publisher's total is kept, the mismatch flagged
    r = incident(quirks_db, "T.0006")
    assert r["incident_date"].isoformat()[:10] == "2023-06-01"
    assert "date_from_year_month" in list(r["flags"])
    total = rows(quirks_db, "SELECT sum(dead_and_missing) FROM incidents")[0][0]
    assert total == 5 + 4 + 1 + 1 + 12 + 1 + 3 + 2 + 5 + 1 + 1


def test_same_file_twice_changes_nothing(quirks_db: Path) -> None:
    con = duckdb.connect(str(quirks_db), read_only=True)
    before = dbmod.table_fingerprints(con)
    con.close()
    version = dbmod.warehouse_version(quirks_db)
    s = load_file(FIX / "mmp_quirks.csv", db=quirks_db)
    assert s.status == "unchanged"
    assert "nothing changed" in s.lines()[0]
    con = duckdb.connect(str(quirks_db), read_only=True)
    assert dbmod.table_fingerprints(con) == before
    con.close()
    assert dbmod.warehouse_version(quirks_db) == version  # the file was not even rewritten


def test_new_vintage_is_kept_beside_the_old(quirks_db: Path) -> None:
    raw = (FIX / "mmp_quirks.csv").read_bytes().replace(b"2023-09-02", b"2023-10-02")
    s = load_bytes(raw, "newer.csv", db=quirks_db)
    assert s.status == "loaded" and s.vintage == "2023-10-02"
    got = rows(quirks_db, "SELECT source_id, vintage FROM sources ORDER BY vintage")
    assert len(got) == 2
    n = rows(quirks_db, "SELECT source_id, count(*) FROM incidents GROUP BY 1 ORDER BY 1")
    assert [c for _, c in n] == [11, 11]


def test_pre2021_column_names(tmp_db: Path) -> None:
    s = load_file(FIX / "mmp_pre2021.csv", db=tmp_db)
    assert (s.rows_loaded, s.rows_rejected) == (2, 0)
    got = rows(
        tmp_db,
        "SELECT main_id, incident_date, dead, missing, dead_and_missing, lat, lon, route_ids "
        "FROM incidents ORDER BY main_id",
    )
    assert got[0][0] == "40001" and got[0][1].isoformat() == "2017-01-06"
    assert got[0][2:7] == (3, 2, 5, 33.1, 13.2)
    assert got[1][7] == ["us_mexico_border"]


def test_xlsx_with_float_cells_and_missing_date(tmp_db: Path) -> None:
    header = (FIX / "mmp_quirks.csv").read_text().splitlines()[0].split(",")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Worksheet"
    ws.append(header)
    base = [
        "X.1",
        "X.1",
        "Incident",
        "Mediterranean",
        "2024-01-05",
        2024.0,
        "January",
        2.0,
        None,
        2.0,
        None,
        None,
        None,
        None,
        "Mali",
        "Western Africa",
        "Drowning",
        "Libya",
        "Central Mediterranean",
        "Off Tripoli",
        "32.9, 13.2",
        "Uncategorized",
        "Fixture",
        None,
        4.0,
    ]
    ws.append(base)
    bad = list(base)
    bad[0] = bad[1] = "X.2"
    bad[4] = None
    bad[5] = None
    bad[6] = None
    ws.append(bad)
    buf = io.BytesIO()
    wb.save(buf)
    s = load_bytes(buf.getvalue(), "quirks.xlsx", db=tmp_db)
    assert (s.rows_read, s.rows_loaded, s.rows_rejected) == (2, 1, 1)
    assert rows(tmp_db, "SELECT dead, source_quality FROM incidents") == [(2, 4)]


def test_frontex_small(tmp_db: Path) -> None:
    s = load_file(FIX / "frontex_small.csv", db=tmp_db)
    assert (s.rows_loaded, s.rows_rejected) == (5, 1)
    got = dict(rows(tmp_db, "SELECT route_id, sum(detections) FROM detections GROUP BY 1"))
    assert got == {
        "central_mediterranean": 2900,
        "western_african_atlantic": 5000,
        "unclassified": 2,
    }
    assert rows(tmp_db, "SELECT vintage FROM sources")[0][0].isoformat() == "2023-10-01"


def test_oc_index_names_matched_and_unmatched_reported(tmp_db: Path) -> None:
    s = load_file(FIX / "oc_index_2023_small.csv", db=tmp_db)
    assert s.rows_rejected == 1 and "Atlantis" in " ".join(s.notes)
    got = dict(
        rows(
            tmp_db,
            "SELECT iso3, value FROM country_indicators WHERE indicator = 'oc_human_smuggling'",
        )
    )
    assert got == {"CIV": 5.0, "COD": 6.0, "TUR": 8.0}
    assert rows(tmp_db, "SELECT DISTINCT edition FROM country_indicators") == [(2023,)]


@pytest.mark.parametrize(
    ("content", "kind", "needle"),
    [
        (b"", None, "empty"),
        (b"\x00\x01\x02\x03" * 1000, None, "binary"),
        (b"a,b,c\n1,2,3\n", None, "not a recognised export"),
        (b"Main ID,Incident Date\nX,2020-01-01\n", None, "not a recognised export"),
        (b"Main ID,Number of Dead\nX,1\n", "mmp", "missing required columns"),
        (
            b"route,type,nat,t,n\nCentral Mediterranean Route,Sea,TUN,2023-01-01,5\n",
            "mmp",
            "looks like a Frontex",
        ),
        (b"PK\x03\x04garbage", None, "not a valid XLSX"),
    ],
)
def test_structurally_wrong_files_are_refused_and_db_unchanged(
    quirks_db: Path, content: bytes, kind: str | None, needle: str
) -> None:
    con = duckdb.connect(str(quirks_db), read_only=True)
    before = dbmod.table_fingerprints(con)
    con.close()
    with pytest.raises(IngestError, match=needle):
        load_bytes(content, "bad.csv", kind=kind, db=quirks_db)
    con = duckdb.connect(str(quirks_db), read_only=True)
    assert dbmod.table_fingerprints(con) == before
    con.close()


def test_cli_error_is_one_line_and_nonzero(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    bad = tmp_path / "junk.csv"
    bad.write_bytes(b"\x00\xff" * 500)
    code = cli(["--db", str(tmp_path / "w.duckdb"), "load", str(bad)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err


def test_cli_load_and_sources_json(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    db = str(tmp_path / "w.duckdb")
    assert cli(["--db", db, "load", str(FIX / "mmp_quirks.csv"), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out[0]["rows_loaded"] == 11
    assert cli(["--db", db, "sources", "--json"]) == 0
    src = json.loads(capsys.readouterr().out)
    assert src[0]["kind"] == "mmp" and src[0]["rows_rejected"] == 3
    assert src[0]["licence"].startswith("CC BY 4.0")


def test_reader_sees_new_vintage_after_publish_while_old_connection_open(quirks_db: Path) -> None:
    old = dbmod.connect_read_only(quirks_db)
    assert old.execute("SELECT count(*) FROM sources").fetchone()[0] == 1
    raw = (FIX / "mmp_quirks.csv").read_bytes().replace(b"2023-09-02", b"2023-11-02")
    load_bytes(raw, "newer.csv", db=quirks_db)
    new = dbmod.connect_read_only(quirks_db)
    assert new.execute("SELECT count(*) FROM sources").fetchone()[0] == 2
    assert old.execute("SELECT count(*) FROM sources").fetchone()[0] == 1  # a consistent snapshot
    old.close()
    new.close()
    assert not list(quirks_db.parent.glob(".*reader-*"))


def test_open_with_expected_version_refuses_a_newer_file(quirks_db: Path) -> None:
    token = dbmod.warehouse_version(quirks_db)
    dbmod.connect_read_only(quirks_db, expect_version=token).close()
    raw = (FIX / "mmp_quirks.csv").read_bytes().replace(b"2023-09-02", b"2023-12-02")
    load_bytes(raw, "newest.csv", db=quirks_db)  # publishes between the token and the open
    with pytest.raises(dbmod.WarehouseChanged):
        dbmod.connect_read_only(quirks_db, expect_version=token)
    assert not list(quirks_db.parent.glob(".*reader-*"))


def test_h3_cells_are_exact_64_bit_ids(quirks_db: Path) -> None:
    import h3

    r = incident(quirks_db, "T.0001")
    assert format(int(r["h3_r5"]), "x") == h3.latlng_to_cell(33.0, 12.0, 5)
    assert format(int(r["h3_r3"]), "x") == h3.latlng_to_cell(33.0, 12.0, 3)


def test_route_country_crossings_stored_at_ingest(quirks_db: Path) -> None:
    from data import reference
    from geo.spatial import compute_routes_crossing

    stored = rows(quirks_db, "SELECT route_id, iso3 FROM route_countries ORDER BY 1, 2")
    fresh = compute_routes_crossing(reference.read_waypoints(), reference.read_countries())
    assert stored == sorted(zip(fresh["route_id"], fresh["iso3"], strict=True))
    assert ("central_mediterranean", "LBY") in stored


def test_cli_reports_a_foreign_duckdb_file_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    import duckdb

    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).execute("CREATE TABLE x (a INTEGER)").close()
    assert cli(["--db", str(other), "sources"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: the warehouse could not be read") and "Traceback" not in err


def test_vintage_lookup_is_read_once_per_read_only_snapshot(tmp_path: Path) -> None:
    """``resolve_vintages`` keeps the sources it read for the life of a read-only connection:
    the connection's own snapshot never changes, and a new connection sees a newer vintage."""
    from data.queries import resolve_vintages

    db = tmp_path / "w.duckdb"
    raw = (FIX / "mmp_quirks.csv").read_bytes()
    load_bytes(raw, "first.csv", db=db)
    old = dbmod.connect_read_only(db)
    first = resolve_vintages(old, Filters())
    assert dbmod.snapshot_memo(old) == {"vintage_rows": ANY}
    load_bytes(raw.replace(b"2023-09-02", b"2023-11-02"), "newer.csv", db=db)
    new = dbmod.connect_read_only(db)
    newest = new.execute(
        "SELECT source_id FROM sources WHERE kind = 'mmp' "
        "ORDER BY is_demo, vintage DESC, ingested_at DESC LIMIT 1"
    ).fetchone()[0]
    assert resolve_vintages(new, Filters()).incidents == newest != first.incidents
    assert resolve_vintages(old, Filters()) == first  # its snapshot: still the first vintage
    assert old.execute("SELECT count(*) FROM sources").fetchone()[0] == 1
    old.close()
    new.close()
    # Connections not opened by connect_read_only are never memoised.
    scratch = duckdb.connect()
    assert dbmod.snapshot_memo(scratch) is None
    assert dbmod.snapshot_memo(scratch.cursor()) is None
    scratch.close()


def test_unhcr_population_keeps_country_codes_whole(tmp_path: Path) -> None:
    """ISO-3 codes stay three-letter strings (a vectorised cleaner once stored 'UNK' as the
    list of its letters); codes that are not three letters are left empty, not guessed."""
    db = tmp_path / "w.duckdb"
    header = "year,coo_name,coo,coo_iso,coa_name,coa,coa_iso,refugees,asylum_seekers"
    body = [
        "2022,Unknown,UKN,UNK,Germany,GFR,DEU,120,5",
        "2022,Syria,SYR,syr ,Germany,GFR,DEU,3000,40",
        "2023,Somewhere,XX,XX,Italy,ITA,ITA,7,0",
    ]
    load_bytes(("\n".join([header, *body]) + "\n").encode(), "population.csv", db=db)
    got = rows(
        db,
        "SELECT year, origin_iso3, asylum_iso3, typeof(origin_iso3) FROM refugee_population "
        "ORDER BY year, origin_iso3 NULLS LAST",
    )
    assert got == [
        (2022, "SYR", "DEU", "VARCHAR"),
        (2022, "UNK", "DEU", "VARCHAR"),
        (2023, None, "ITA", "VARCHAR"),
    ]


def _rejected_lines(db: Path) -> dict[str, int]:
    """Rejected rows' ``Main ID`` -> the row number the warehouse gives for them."""
    out = {}
    for row_number, raw in rows(db, "SELECT row_number, raw FROM rejected_rows"):
        out[json.loads(raw)["Main ID"]] = row_number
    return out


def _line_of(text: str, main_id: str) -> int:
    return next(i for i, ln in enumerate(text.split("\n"), start=1) if ln.startswith(main_id + ","))


def test_rejected_rows_keep_their_line_in_the_file(tmp_path: Path) -> None:
    """Blank lines and a quoted line break shift the lines after them: a rejected row is
    reported at the line a user finds it on, and so is every loaded incident."""
    plain = (FIX / "mmp_quirks.csv").read_text(encoding="utf-8")
    head, *body = plain.rstrip("\n").split("\n")
    body[0] = body[0].replace("Off Zuwara", '"Off\nZuwara"')  # a quoted line break
    text = "\n".join([head, "", *body[:3], "", "", *body[3:]]) + "\n"
    load_bytes(text.encode(), "gaps.csv", db=tmp_path / "g.duckdb")
    load_bytes(plain.encode(), "plain.csv", db=tmp_path / "p.duckdb")
    gaps, straight = _rejected_lines(tmp_path / "g.duckdb"), _rejected_lines(tmp_path / "p.duckdb")
    assert gaps.keys() == straight.keys() and len(gaps) == 3
    for main_id, line in gaps.items():
        assert line == _line_of(text, main_id), main_id
        assert straight[main_id] == _line_of(plain, main_id)  # no gaps: position + 2
    # A loaded incident too: T.0004 moved from line 5 to line 9 (4 lines above it added).
    assert rows(
        tmp_path / "g.duckdb", "SELECT row_number FROM incidents WHERE main_id = 'T.0004'"
    ) == [(_line_of(text, "T.0004"),)]
    assert _line_of(text, "T.0004") == _line_of(plain, "T.0004") + 4


def test_rejected_rows_keep_their_row_in_the_sheet(tmp_path: Path) -> None:
    plain = (FIX / "mmp_quirks.csv").read_text(encoding="utf-8")
    table = list(csv.reader(io.StringIO(plain)))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(table[0])
    ws.append([])  # a blank row under the header
    sheet_row = {}
    for r in table[1:]:
        ws.append(r)
        sheet_row[r[0]] = ws.max_row
    buf = io.BytesIO()
    wb.save(buf)
    load_bytes(buf.getvalue(), "gaps.xlsx", db=tmp_path / "x.duckdb")
    got = _rejected_lines(tmp_path / "x.duckdb")
    assert len(got) == 3 and all(got[k] == sheet_row[k] for k in got)
