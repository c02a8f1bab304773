"""The GI-TOC Organized Crime Index as the publisher's workbook: a cover sheet first, one
``NNNN_dataset`` sheet per edition, pillar averages headed "Criminality avg,".

The workbooks built here are hand-made (a few invented scores); the tests marked ``shared``
compare the real workbook with the real CSV editions and skip when ../shared/data is absent.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import pytest

from data.cli import main as cli
from data.ingest import init_warehouse, load_bytes, load_file
from data.readers import IngestError, read_xlsx_text
from tests.conftest import shared_file
from tests.data.test_ingest_fixtures import rows

WORKBOOK = "oc_index/global_oc_index.xlsx"
CSV = {2023: "oc_index/global_oc_index_2023.csv", 2021: "oc_index/global_oc_index_2021.csv"}

HEAD_2023 = ["Continent", "Region", "Country", "Criminality avg,", "Human smuggling"]
HEAD_2023 += ["Criminal actors avg,", "Resilience avg, ", "Law enforcement"]
HEAD_2021 = ["Continent", "Region", "Country", "Criminality", "Human smuggling"]
HEAD_2021 += ["Criminal actors", "Resilience", "Law enforcement"]


def workbook(sheets: dict[str, list[list[object]]]) -> bytes:
    """An XLSX with the given sheets, in order (the first one replaces the default sheet)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, sheet_rows in sheets.items():
        ws = wb.create_sheet(title)
        for r in sheet_rows:
            ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


COVER = [[None, "GLOBAL ORGANIZED CRIME INDEX - 2023"], [None, "About the index ..."]]


def gitoc_workbook() -> bytes:
    return workbook(
        {
            "2023_Global_OC_Index": COVER,
            "2023_dataset": [
                HEAD_2023,
                ["Africa", "North Africa", "Libya", 6.25, 9.5, 7.75, 1.5, 2],
                ["Asia", "Western Asia", "Turkey", 5.5, 8, 6.5, 3.25, 4.5],
            ],
            "2021_dataset": [
                HEAD_2021,
                ["Africa", "North Africa", "Libya", 6.0, 9, 7.5, 1.75, 2.5],
                ["Asia", "Western Asia", "Turkey", 5.25, 7.5, 6, 3.5, 4],
            ],
        }
    )


def scores(db: Path, source_id: str) -> dict[tuple[str, str, int], float]:
    got = rows(
        db,
        "SELECT iso3, indicator, edition, value FROM country_indicators WHERE source_id = ?",
        [source_id],
    )
    return {(iso3, ind, ed): v for iso3, ind, ed, v in got}


# ---------------------------------------------------------------- hand-made workbooks


def test_newest_edition_sheet_loaded_by_default(tmp_db: Path) -> None:
    s = load_bytes(gitoc_workbook(), "global_oc_index.xlsx", db=tmp_db)
    assert s.status == "loaded" and s.kind == "oc-index"
    assert s.sheet == "2023_dataset" and s.vintage == "2023-01-01"
    assert s.origin == "global_oc_index.xlsx [sheet 2023_dataset]"
    # "Criminality avg," / "Resilience avg, " are the pillar columns of the CSV editions.
    assert scores(tmp_db, s.source_id) == {
        ("LBY", "oc_criminality", 2023): 6.25,
        ("LBY", "oc_human_smuggling", 2023): 9.5,
        ("LBY", "oc_criminal_actors", 2023): 7.75,
        ("LBY", "oc_resilience", 2023): 1.5,
        ("LBY", "oc_law_enforcement", 2023): 2.0,
        ("TUR", "oc_criminality", 2023): 5.5,
        ("TUR", "oc_human_smuggling", 2023): 8.0,
        ("TUR", "oc_criminal_actors", 2023): 6.5,
        ("TUR", "oc_resilience", 2023): 3.25,
        ("TUR", "oc_law_enforcement", 2023): 4.5,
    }
    # The user learns that the workbook holds another edition, and how to load it.
    note = " ".join(s.notes)
    assert "2021" in note and "--sheet 2021_dataset" in note
    assert rows(tmp_db, "SELECT origin, vintage FROM sources")[0][1].isoformat() == "2023-01-01"


@pytest.mark.parametrize("how", [{"sheet": "2021_dataset"}, {"edition": 2021}])
def test_other_edition_by_sheet_or_edition(tmp_db: Path, how: dict) -> None:
    raw = gitoc_workbook()
    new = load_bytes(raw, "global_oc_index.xlsx", db=tmp_db)
    old = load_bytes(raw, "global_oc_index.xlsx", db=tmp_db, **how)
    assert old.status == "loaded" and old.sheet == "2021_dataset"
    assert old.vintage == "2021-01-01" and old.source_id != new.source_id
    assert scores(tmp_db, old.source_id)[("TUR", "oc_resilience", 2021)] == 3.5
    assert "--sheet 2023_dataset" in " ".join(old.notes)
    # Same file, same sheet: recognised as already loaded, per sheet.
    again = load_bytes(raw, "copy.xlsx", db=tmp_db, sheet="2021_dataset")
    assert again.status == "unchanged" and again.source_id == old.source_id
    assert rows(tmp_db, "SELECT count(*), count(DISTINCT sha256) FROM sources") == [(2, 1)]
    assert rows(tmp_db, "SELECT DISTINCT edition FROM country_indicators ORDER BY 1") == [
        (2021,),
        (2023,),
    ]


def test_cli_sheet_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "global_oc_index.xlsx"
    path.write_bytes(gitoc_workbook())
    db = str(tmp_path / "w.duckdb")
    assert cli(["--db", db, "load", str(path), "--sheet", "2021_dataset", "--json"]) == 0
    (out,) = json.loads(capsys.readouterr().out)
    assert out["sheet"] == "2021_dataset" and out["vintage"] == "2021-01-01"
    assert cli(["--db", db, "load", str(path), "--sheet", "Cover sheet"]) == 2
    err = capsys.readouterr().err
    assert "no sheet 'Cover sheet'" in err and "'2023_dataset'" in err


def _assert_nothing_loaded(db: Path) -> None:
    assert rows(db, "SELECT count(*) FROM sources") == [(0,)]
    assert rows(db, "SELECT count(*) FROM country_indicators") == [(0,)]


def test_workbook_without_data_sheet_refused(tmp_db: Path) -> None:
    init_warehouse(tmp_db)
    raw = workbook({"2023_Global_OC_Index": COVER, "Notes": [["Methodology"], ["..."]]})
    with pytest.raises(IngestError) as exc:
        load_bytes(raw, "oc.xlsx", db=tmp_db)
    msg = str(exc.value)
    assert "\n" not in msg
    assert "sheet '2023_Global_OC_Index' is not a recognised export" in msg
    assert "'Notes'" in msg and "named like '2023_dataset'" in msg
    _assert_nothing_loaded(tmp_db)


def test_data_sheet_that_is_not_the_index_refused(tmp_db: Path) -> None:
    init_warehouse(tmp_db)
    raw = workbook({"Cover": COVER, "2023_dataset": [["Country", "Score"], ["Libya", 3]]})
    with pytest.raises(IngestError, match="sheet '2023_dataset' is not a recognised export"):
        load_bytes(raw, "oc.xlsx", db=tmp_db)
    _assert_nothing_loaded(tmp_db)


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"sheet": "2019_dataset"}, "has no sheet '2019_dataset'; its sheets are"),
        ({"edition": 2019}, "has no 2019 edition sheet; it holds editions 2021, 2023"),
        ({"sheet": "2021_dataset", "edition": 2023}, "holds the 2021 edition, not 2023"),
        ({"sheet": "2023_Global_OC_Index"}, "Its GI-TOC data sheets are '2023_dataset'"),
    ],
)
def test_wrong_sheet_or_edition_refused(tmp_db: Path, kwargs: dict, needle: str) -> None:
    init_warehouse(tmp_db)
    with pytest.raises(IngestError, match=needle):
        load_bytes(gitoc_workbook(), "global_oc_index.xlsx", db=tmp_db, **kwargs)
    _assert_nothing_loaded(tmp_db)


def test_sheet_for_a_csv_refused(tmp_db: Path) -> None:
    csv = ",".join(HEAD_2021).encode() + b"\nAfrica,North Africa,Libya,6,9,7.5,1.75,2.5\n"
    with pytest.raises(IngestError, match="not an XLSX workbook"):
        load_bytes(csv, "oc_2021.csv", db=tmp_db, sheet="2021_dataset")
    assert load_bytes(csv, "oc_2021.csv", db=tmp_db).vintage == "2021-01-01"


def test_plain_workbook_still_reads_first_sheet() -> None:
    raw = workbook({"First": [["a", "b"], [1, 2]], "Second": [["c"], [3]]})
    assert list(read_xlsx_text(raw, "w.xlsx").columns) == ["a", "b"]
    assert list(read_xlsx_text(raw, "w.xlsx", sheet="Second").columns) == ["c"]


# ---------------------------------------------------------------- the real files


@pytest.mark.shared
def test_real_workbook_loads_newest_edition(tmp_db: Path) -> None:
    s = load_file(shared_file(WORKBOOK), db=tmp_db)
    assert s.sheet == "2023_dataset" and s.vintage == "2023-01-01"
    assert s.rows_read == 193 and s.rows_rejected == 0
    assert "--sheet 2021_dataset" in " ".join(s.notes)


@pytest.mark.shared
@pytest.mark.parametrize("edition", [2023, 2021])
def test_real_workbook_equals_csv_edition(tmp_db: Path, edition: int) -> None:
    csv = load_file(shared_file(CSV[edition]), db=tmp_db)
    xlsx = load_file(shared_file(WORKBOOK), db=tmp_db, sheet=f"{edition}_dataset")
    assert xlsx.vintage == csv.vintage == f"{edition}-01-01"
    from_csv, from_xlsx = scores(tmp_db, csv.source_id), scores(tmp_db, xlsx.source_id)
    assert len(from_csv) == 193 * 13  # 193 countries, the 13 indicators both editions carry
    assert {ed for _, _, ed in from_xlsx} == {edition}
    assert from_xlsx == from_csv
