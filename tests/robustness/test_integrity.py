"""Ingest integrity (issue 13): truncated files, implausible dates, day/month order, case-variant
headers, long fields and implausible counts, write faults and read-only warehouses.

Each case ends as in test_hostile_files.py: refused with one line and the warehouse unchanged
(fingerprints, inode, mtime, folder listing), or loaded with exactly the right rows rejected or
flagged. Faults that root would not meet (a full disk, a folder without write permission) are
simulated by patching the system call, or judged from the mode bits, so the tests hold when the
suite runs as root in CI.
"""

from __future__ import annotations

import datetime as dt
import errno
import io
import json
import os
import random
import stat
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from data import cli, readers
from data import db as dbmod
from data.db import WarehouseError
from data.ingest import load_bytes, load_file
from data.readers import IngestError
from tests.conftest import shared_file
from tests.robustness.builders import (
    FRONTEX_HEADER,
    MMP_HEADER,
    csv_text,
    good_mmp_rows,
    mmp_csv,
    mmp_row,
    run_cli,
    xlsx_bytes,
)
from tests.robustness.conftest import file_state, fingerprints
from tests.robustness.test_hostile_files import load_ok, refuse, rows_of

MMP_26 = "mmp/Missing_Migrants_Global_Figures_allData_2026-04.csv"
MMP_25 = "mmp/Missing_Migrants_Global_Figures_allData_2025-04.csv"
TODAY = dt.date(2026, 5, 1)


def sources_row(db: Path, source_id: str) -> dict[str, object]:
    """The source as the app and the CLI list it (``sources`` with its integrity checks)."""
    from data.queries import query_sources

    con = duckdb.connect(str(db), read_only=True)
    try:
        df = query_sources(con)
    finally:
        con.close()
    return df[df["source_id"] == source_id].iloc[0].to_dict()


# ---------------------------------------------------------------- 1. truncated files


def _offsets_outside_quotes(raw: bytes, n: int, seed: int) -> list[int]:
    """``n`` random cut points past the header that are not inside a quoted field."""
    rng = random.Random(seed)
    start = raw.index(b"\n") + 1
    out: list[int] = []
    while len(out) < n:
        off = rng.randrange(start + 1, len(raw) - 1)
        if raw.count(b'"', 0, off) % 2 == 0:
            out.append(off)
    return out


@pytest.mark.shared
def test_real_export_cut_at_20_random_offsets_is_refused_and_changes_nothing(
    warehouse: Path,
) -> None:
    path = shared_file(MMP_26)
    raw = path.read_bytes()
    fp, fs = fingerprints(warehouse), file_state(warehouse)
    seed = int(os.environ.get("ROUTEWATCH_CUT_SEED", "13"))
    for off in _offsets_outside_quotes(raw, 20, seed):
        with pytest.raises(IngestError) as info:
            load_bytes(raw[:off], path.name, db=warehouse)
        msg = str(info.value)
        assert "\n" not in msg and "looks truncated" in msg and "--accept-partial" in msg, off
    assert fingerprints(warehouse) == fp and file_state(warehouse) == fs


@pytest.mark.shared
def test_real_export_cut_and_accepted_as_partial_is_marked_partial(tmp_path: Path) -> None:
    path = shared_file(MMP_26)
    raw = path.read_bytes()
    full = pd.read_csv(path, dtype=str, keep_default_na=False)
    db = tmp_path / "w.duckdb"
    for off in _offsets_outside_quotes(raw, 4, seed=26):
        s = load_bytes(raw[:off], path.name, db=db, accept_partial=True)
        assert s.partial and s.partial_reason
        # Every complete record loads; the cut one is rejected, never loaded half-empty.
        complete = len(pd.read_csv(io.BytesIO(raw[: raw.rindex(b"\n", 0, off) + 1]), dtype=str))
        assert s.rows_loaded == complete and s.rows_rejected == 1
        assert s.reject_reasons == {"incomplete last record: the file is cut off": 1}
        row = sources_row(db, s.source_id)
        assert bool(row["partial"]) and row["partial_reason"] == s.partial_reason
        # A partial file is no newer than its data: it cannot pass for the 2026-04 vintage.
        loaded = rows_of(
            db, "SELECT max(incident_date) AS d FROM incidents WHERE source_id = ?", [s.source_id]
        )
        assert s.vintage == pd.Timestamp(loaded["d"].iloc[0]).date().isoformat()
        assert s.vintage < "2026-04-09" and len(full) > s.rows_loaded
        assert "PARTIAL" in s.lines()[0]


@pytest.mark.shared
def test_real_export_cut_at_a_line_end_is_caught_by_its_dates(warehouse: Path) -> None:
    # A cut just after a line break leaves a well-formed file; its data end years before the
    # April 2026 its name gives, and (loaded next to 2025-04) before the vintage loaded.
    path = shared_file(MMP_26)
    raw = path.read_bytes()
    at = raw.index(b"\n", len(raw) // 2) + 1
    refuse(warehouse, raw[:at], path.name, ["looks truncated", "months before the 2026-04"])
    db = warehouse.parent / "with25.duckdb"
    load_file(shared_file(MMP_25), db=db)
    fp = fingerprints(db)
    with pytest.raises(IngestError, match="before those of the vintage already loaded"):
        load_bytes(raw[:at], "mmp_export_2026-04-09.csv", db=db)
    assert fingerprints(db) == fp


CUT_CASES = {
    # id -> (file bytes, words of the reason)
    "last-record-short": (
        csv_text(good_mmp_rows(3)) + "H.0009,H.0009,Incident,Mediterranean,2024-03-0\n",
        ["last record has 5 of the header's 25 fields"],
    ),
    "last-record-cut-no-final-newline": (
        csv_text(good_mmp_rows(3)) + csv_text([mmp_row(4)]).split("\n", 1)[1][:-12],
        ["last record has 24 of the header's 25 fields", "does not end with a line break"],
    ),
    "cut-in-last-field-no-final-newline": (
        csv_text(good_mmp_rows(3)).rstrip("\n"),
        ["does not end with a line break"],
    ),
    "frontex-cut-mid-row": (
        csv_text(
            [
                ["Central Mediterranean Route", "Sea", "TUN", "2024-01-01", "120"],
                ["Central Mediterranean Route", "Sea", "TUN", "2024-02-01", "80"],
            ],
            header=FRONTEX_HEADER,
        )[:-9],
        ["last record has 4 of the header's 5 fields"],
    ),
}


@pytest.mark.parametrize("case", list(CUT_CASES))
def test_cut_files_are_refused_by_default(warehouse: Path, case: str) -> None:
    text, words = CUT_CASES[case]
    refuse(warehouse, text.encode(), "cut.csv", ["cut.csv looks truncated", *words])


@pytest.mark.parametrize("case", list(CUT_CASES))
def test_cut_files_load_with_accept_partial_and_reject_the_cut_record(
    warehouse: Path, case: str
) -> None:
    text, _ = CUT_CASES[case]
    s = load_bytes(text.encode(), "cut.csv", db=warehouse, accept_partial=True)
    assert s.status == "loaded" and s.partial and s.rows_rejected == 1
    last_line = text.rstrip("\n").count("\n") + 1
    rej = rows_of(
        warehouse, "SELECT row_number, reason FROM rejected_rows WHERE source_id = ?", [s.source_id]
    )
    assert rej.values.tolist() == [[last_line, "incomplete last record: the file is cut off"]]
    assert bool(sources_row(warehouse, s.source_id)["partial"])


def test_file_ending_inside_a_quoted_field_loads_only_with_accept_partial(
    warehouse: Path,
) -> None:
    text = csv_text(good_mmp_rows(2) + [mmp_row(3, Location_of_Incident='Off "Zuwara", port')])
    cut = text[: text.rindex("Zuwara")].encode()
    refuse(warehouse, cut, "q.csv", ["EOF inside string"])
    s = load_bytes(cut, "q.csv", db=warehouse, accept_partial=True)
    assert s.partial and s.rows_loaded == 2 and s.rows_rejected == 1
    assert "ends inside a quoted field" in (s.partial_reason or "")


def test_a_whole_file_with_accept_partial_is_not_marked_partial(warehouse: Path) -> None:
    s = load_bytes(mmp_csv(good_mmp_rows(3)), "whole.csv", db=warehouse, accept_partial=True)
    assert not s.partial and s.rows_loaded == 3
    assert not bool(sources_row(warehouse, s.source_id)["partial"])


def test_newer_named_file_whose_data_end_before_the_loaded_vintage_is_refused(
    warehouse: Path,
) -> None:
    # The base warehouse holds IOM data to 2023-09-02. A file named for a later day whose
    # data stop in July 2023 would become the newest vintage with weeks of data missing.
    rows = [mmp_row(i, Incident_Date=f"2023-07-0{i}") for i in range(1, 4)]
    refuse(
        warehouse,
        mmp_csv(rows),
        "export_2023-09-20.csv",
        ["looks truncated", "before those of the vintage already loaded (2023-09-02"],
    )
    # The same rows in a file whose name claims nothing are an older vintage: loaded.
    s, _, _ = load_ok(warehouse, mmp_csv(rows), "older.csv")
    assert s.vintage == "2023-07-03" and not s.partial


def test_partial_vintage_is_marked_in_the_sources_command(warehouse: Path, tmp_path: Path) -> None:
    text, _ = CUT_CASES["last-record-short"]
    p = tmp_path / "cut.csv"
    p.write_text(text)
    refused = run_cli(warehouse, "load", str(p))
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.count("\n") == 1 and "--accept-partial" in refused.stderr
    ok = run_cli(warehouse, "load", "--accept-partial", str(p))
    assert ok.returncode == 0, ok.stderr
    assert "PARTIAL" in ok.stdout and "incomplete last record" in ok.stdout
    listing = run_cli(warehouse, "sources")
    block = [b for b in listing.stdout.split("\n\n") if "cut.csv" in b] or [listing.stdout]
    assert "[PARTIAL:" in listing.stdout and "last record has 5" in listing.stdout, block
    assert "(partial)" in listing.stdout
    as_json = json.loads(run_cli(warehouse, "sources", "--json").stdout)
    assert [r["partial"] for r in as_json if r["origin"] == "cut.csv"] == [True]


# ---------------------------------------------------------------- 2. implausible dates


def test_dates_after_the_load_day_or_before_the_source_are_rejected(warehouse: Path) -> None:
    rows = [
        mmp_row(1, Incident_Date="2024-03-01"),
        mmp_row(2, Incident_Date="2099-12-31", Incident_Year="2099", Month="December"),
        mmp_row(3, Incident_Date="2013-12-31", Incident_Year="2013", Month="December"),
        mmp_row(4, Incident_Date="2026-05-03"),  # within the tolerance of the load day
        mmp_row(5, Incident_Date="2026-05-04"),
        mmp_row(6, Incident_Date="", Incident_Year="2031", Month="January"),  # year/month too
    ]
    fp = fingerprints(warehouse)
    s = load_bytes(mmp_csv(rows), "dates.csv", db=warehouse, today=TODAY)
    assert fingerprints(warehouse)["incidents"][0] == fp["incidents"][0] + 2
    rej = rows_of(
        warehouse,
        "SELECT row_number, reason FROM rejected_rows WHERE source_id = ? ORDER BY 1",
        [s.source_id],
    )
    assert rej.values.tolist() == [
        [3, "incident date after the load day"],
        [4, "incident date before the source began (2014-01)"],
        [6, "incident date after the load day"],
        [7, "incident date after the load day"],
    ]
    # One absurd row does not set the vintage: the latest plausible date does, and says so.
    assert s.vintage == "2026-05-03" and s.vintage_from == "latest plausible date"
    assert "from the latest plausible date" in s.lines()[0]
    assert sources_row(warehouse, s.source_id)["vintage_from"] == "latest plausible date"


def test_vintage_from_the_file_name_and_from_metadata(tmp_path: Path) -> None:
    rows = [mmp_row(1, Incident_Date="2024-03-01"), mmp_row(2, Incident_Date="2024-03-09")]
    raw = mmp_csv(rows)
    s = load_bytes(raw, "iom_export_2024-03-15.csv", db=tmp_path / "a.duckdb", today=TODAY)
    assert (s.vintage, s.vintage_from, s.data_end) == ("2024-03-15", "file name", "2024-03-09")
    s = load_bytes(
        raw, "iom_2024-03.csv", db=tmp_path / "b.duckdb", today=TODAY, vintage="2024-03-20"
    )
    assert (s.vintage, s.vintage_from) == ("2024-03-20", "given vintage")
    # A month in the name confirms the latest date when that falls within it.
    s = load_bytes(raw, "iom_allData_2024-03.csv", db=tmp_path / "c.duckdb", today=TODAY)
    assert s.vintage == "2024-03-09" and s.vintage_from.startswith("latest plausible date")
    # A date in the name after the load day is not believed.
    s = load_bytes(raw, "iom_2099-01-01.csv", db=tmp_path / "d.duckdb", today=TODAY)
    assert s.vintage == "2024-03-09" and any("after the load day: ignored" in n for n in s.notes)


def test_future_frontex_months_and_arrival_days_are_rejected(warehouse: Path) -> None:
    fx = csv_text(
        [
            ["Central Mediterranean Route", "Sea", "TUN", "2024-01-01", "120"],
            ["Central Mediterranean Route", "Sea", "TUN", "2099-01-01", "5"],
            ["Central Mediterranean Route", "Sea", "TUN", "2008-12-01", "5"],
        ],
        header=FRONTEX_HEADER,
    ).encode()
    s = load_bytes(fx, "fx.csv", db=warehouse, today=TODAY)
    assert s.reject_reasons == {
        "month after the load day": 1,
        "month before the source began (2009-01)": 1,
    }
    assert s.vintage == "2024-01-01"
    arr = b"data_date,individuals\n2024-01-02,10\n2090-01-01,3\n"
    s = load_bytes(arr, "arr.csv", db=warehouse, today=TODAY)
    assert s.reject_reasons == {"date after the load day": 1} and s.vintage == "2024-01-02"


# ---------------------------------------------------------------- 3. day/month order


def _dated(dates: list[str]) -> bytes:
    return mmp_csv(
        [mmp_row(i, Incident_Date=d) for i, d in enumerate(dates, start=1)]
    )  # Incident Year/Month stay 2024/March: only the date decides


def test_month_first_file_is_read_month_first_throughout(warehouse: Path) -> None:
    s, facts, rej = load_ok(warehouse, _dated(["04/13/2024", "04/03/2024", "12/25/2024"]), "us.csv")
    got = sorted(pd.Timestamp(d).date().isoformat() for d in facts["incident_date"])
    assert got == ["2024-04-03", "2024-04-13", "2024-12-25"] and rej == []
    assert any("read month first (MM/DD/YYYY)" in n for n in s.notes)


def test_day_first_file_is_read_day_first_throughout(warehouse: Path) -> None:
    s, facts, _ = load_ok(warehouse, _dated(["13/04/2024", "04/03/2024"]), "eu.csv")
    got = sorted(pd.Timestamp(d).date().isoformat() for d in facts["incident_date"])
    assert got == ["2024-03-04", "2024-04-13"]
    assert any("read day first (DD/MM/YYYY)" in n for n in s.notes)


def test_all_ambiguous_dates_are_read_day_first_and_said(warehouse: Path) -> None:
    s, facts, _ = load_ok(warehouse, _dated(["04/03/2024", "05/06/2024"]), "amb.csv")
    got = sorted(pd.Timestamp(d).date().isoformat() for d in facts["incident_date"])
    assert got == ["2024-03-04", "2024-06-05"]
    assert any("none of the 2 shows the order" in n for n in s.notes)


def test_file_mixing_day_first_and_month_first_is_refused(warehouse: Path) -> None:
    refuse(
        warehouse,
        _dated(["04/13/2024", "13/04/2024", "04/03/2024"]),
        "mixed.csv",
        ["mixed.csv", "both day first", "month first", "refused"],
    )


def test_frontex_month_first_file_is_decided_per_file(warehouse: Path) -> None:
    fx = csv_text(
        [
            ["Central Mediterranean Route", "Sea", "TUN", "01/31/2024", "1"],
            ["Central Mediterranean Route", "Sea", "TUN", "02/01/2024", "2"],
        ],
        header=FRONTEX_HEADER,
    ).encode()
    s, facts, _ = load_ok(warehouse, fx, "fx.csv")
    assert sorted(pd.Timestamp(m).date().isoformat() for m in facts["month"]) == [
        "2024-01-01",
        "2024-02-01",
    ]


# ---------------------------------------------------------------- 4. case-variant headers


@pytest.mark.parametrize(
    "variant",
    ["number of dead", "NUMBER OF DEAD", "Number_of_Dead", "Number-of-Dead", "NumberOfDead"],
)
def test_header_variants_differing_in_case_space_or_punctuation_are_refused(
    warehouse: Path, variant: str
) -> None:
    raw = csv_text([[*mmp_row(1).values(), "999"]], header=[*MMP_HEADER, variant]).encode()
    refuse(warehouse, raw, "v.csv", ["duplicate columns", repr(variant), "'Number of Dead'"])


def test_header_variant_in_a_workbook_and_in_frontex_is_refused(warehouse: Path) -> None:
    x = xlsx_bytes([["number of dead", *MMP_HEADER], ["9", *mmp_row(1).values()]])
    refuse(warehouse, x, "v.xlsx", ["duplicate columns", "'number of dead'"])
    fx = csv_text([["r", "Sea", "TUN", "2024-01-01", "1", "2"]], header=[*FRONTEX_HEADER, "N"])
    refuse(warehouse, fx.encode(), "fx.csv", ["duplicate columns", "'n' and 'N'"])


# ---------------------------------------------------------------- 5. long fields, limits


def test_long_text_fields_are_cut_flagged_and_counted(warehouse: Path) -> None:
    rows = [
        mmp_row(1, Location_of_Incident="L" * 2_000_000),
        mmp_row(2, URL="https://example.org/" + "u" * 3000, Cause_of_Death="C" * 1500),
        mmp_row(3),
    ]
    s, facts, rej = load_ok(warehouse, mmp_csv(rows), "long.csv")
    assert rej == [] and s.fields_cut == 3
    got = {k: list(v["flags"]) for k, v in facts.set_index("main_id").iterrows()}
    assert got == {"H.0001": ["field_truncated"], "H.0002": ["field_truncated"], "H.0003": []}
    assert facts.set_index("main_id").loc["H.0001", "location"] == "L" * 1000
    note = next(n for n in s.notes if "were cut" in n)
    assert "Location of Incident (1,000 characters): 1" in note and "URL (2,000" in note
    assert sources_row(warehouse, s.source_id)["fields_cut"] == 3
    assert "text fields cut 3" in s.lines()[1]


def test_implausible_counts_are_rejected_with_their_field(warehouse: Path) -> None:
    def r(i: int, **kw: str) -> dict[str, str]:
        base = {
            "Number_of_Dead": "2",
            "Minimum_Estimated_Number_of_Missing": "1",
            "Total_Number_of_Dead_and_Missing": "",
        }
        return mmp_row(i, **{**base, **kw})

    rows = [
        r(1),
        r(2, Number_of_Dead="1000000"),
        r(3, Minimum_Estimated_Number_of_Missing="50000"),
        r(4, Total_Number_of_Dead_and_Missing="250000"),
        r(5, Number_of_Survivors="1000000"),
        r(6, Number_of_Children="20000"),
        r(7, Number_of_Dead="750", Minimum_Estimated_Number_of_Missing="750"),  # real maxima
    ]
    s, facts, rej = load_ok(warehouse, mmp_csv(rows), "big.csv")
    assert rej == [
        (3, "count too large in dead"),
        (4, "count too large in missing"),
        (5, "count too large in total dead and missing"),
        (6, "count too large in survivors"),
        (7, "count too large in children"),
    ]
    assert sorted(facts["main_id"]) == ["H.0001", "H.0007"]


def test_implausible_frontex_arrivals_and_population_cells_are_rejected(warehouse: Path) -> None:
    fx = csv_text(
        [
            ["Central Mediterranean Route", "Sea", "TUN", "2024-01-01", "204286"],
            ["Central Mediterranean Route", "Sea", "TUN", "2024-02-01", "5000000"],
        ],
        header=FRONTEX_HEADER,
    ).encode()
    assert load_bytes(fx, "fx.csv", db=warehouse).reject_reasons == {
        "count too large in detections": 1
    }
    arr = b"data_date,individuals\n2024-01-02,5504\n2024-01-03,900000\n"
    assert load_bytes(arr, "arr.csv", db=warehouse).reject_reasons == {
        "count too large in individuals": 1
    }
    pop = (
        b"year,coo_iso,coa_iso,refugees\n2023,SYR,TUR,3752317\n2023,SYR,DEU,1000000000\n"
        b"3023,SYR,DEU,5\n"
    )
    assert load_bytes(pop, "pop.csv", db=warehouse).reject_reasons == {
        "count too large in refugees": 1,
        "no parseable year": 1,
    }


# ---------------------------------------------------------------- 9. write faults


def _no_staging_left(db: Path) -> None:
    assert not list(db.parent.glob(db.name + ".staging-*"))


def test_disk_full_during_the_staging_copy_is_one_line_and_leaves_nothing(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fp, before = fingerprints(warehouse), warehouse.read_bytes()

    def full_disk(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        with open(src, "rb") as fin, open(dst, "wb") as fout:
            fout.write(fin.read(4096))  # a partial copy, as a full disk leaves it
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(dst))

    monkeypatch.setattr(dbmod.shutil, "copyfile", full_disk)
    with pytest.raises(WarehouseError) as info:
        load_bytes(mmp_csv(good_mmp_rows(2)), "ok.csv", db=warehouse)
    msg = str(info.value)
    assert "\n" not in msg and str(warehouse) in msg and "No space left on device" in msg
    _no_staging_left(warehouse)
    assert warehouse.read_bytes() == before and fingerprints(warehouse) == fp


def test_cli_disk_full_is_one_error_line_and_exit_2(
    warehouse: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    p = tmp_path / "ok.csv"
    p.write_bytes(mmp_csv(good_mmp_rows(2)))

    def full_disk(*_a: object, **_k: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(dbmod.shutil, "copyfile", full_disk)
    assert cli.main(["--db", str(warehouse), "load", str(p)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "No space left" in err
    assert "Traceback" not in err
    _no_staging_left(warehouse)


def test_disk_full_while_writing_the_staging_file_is_one_line(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fp = fingerprints(warehouse)
    real_replace = dbmod.os.replace

    def fail_publish(*a: object, **k: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(dbmod.os, "replace", fail_publish)
    with pytest.raises(WarehouseError, match="No space left on device"):
        load_bytes(mmp_csv(good_mmp_rows(2)), "ok.csv", db=warehouse)
    monkeypatch.setattr(dbmod.os, "replace", real_replace)
    _no_staging_left(warehouse)
    assert fingerprints(warehouse) == fp


def test_folder_without_write_permission_is_one_line(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # By its mode (holds for root too) ...
    fp = fingerprints(warehouse)
    mode = warehouse.parent.stat().st_mode
    warehouse.parent.chmod(0o555)
    try:
        with pytest.raises(WarehouseError) as info:
            load_bytes(mmp_csv(good_mmp_rows(2)), "ok.csv", db=warehouse)
    finally:
        warehouse.parent.chmod(stat.S_IMODE(mode))
    msg = str(info.value)
    assert "\n" not in msg and str(warehouse.parent) in msg and "not writable" in msg
    assert fingerprints(warehouse) == fp
    # ... and an EACCES from the system (an ACL, a read-only mount), simulated.
    real_open = dbmod.os.open

    def denied(path: object, *a: object, **k: object) -> int:
        if str(path).endswith(".lock"):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return real_open(path, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(dbmod.os, "open", denied)
    with pytest.raises(WarehouseError, match="Permission denied"):
        load_bytes(mmp_csv(good_mmp_rows(2)), "ok.csv", db=warehouse)
    monkeypatch.setattr(dbmod.os, "open", real_open)
    new_db = tmp_path / "ro" / "new.duckdb"
    new_db.parent.mkdir()
    new_db.parent.chmod(0o500)
    try:
        r = run_cli(new_db, "load", str(_fixture_file(tmp_path)))
    finally:
        new_db.parent.chmod(0o700)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert "not writable" in r.stderr and not new_db.exists()


def _fixture_file(tmp_path: Path) -> Path:
    p = tmp_path / "ok.csv"
    p.write_bytes(mmp_csv(good_mmp_rows(2)))
    return p


def test_unreadable_source_file_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = _fixture_file(tmp_path)

    def denied(self: Path) -> bytes:
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))

    monkeypatch.setattr(readers.Path, "read_bytes", denied)
    with pytest.raises(IngestError, match=r"Cannot read .*ok.csv: Permission denied"):
        readers.read_path(p)


# ---------------------------------------------------------------- 10. read-only warehouse


def test_read_only_warehouse_is_refused_and_left_as_it_is(warehouse: Path, tmp_path: Path) -> None:
    warehouse.chmod(0o444)
    before, fs = warehouse.read_bytes(), file_state(warehouse)
    with pytest.raises(WarehouseError) as info:
        load_bytes(mmp_csv(good_mmp_rows(2)), "ok.csv", db=warehouse)
    msg = str(info.value)
    assert "\n" not in msg and "read-only (mode 0444)" in msg and str(warehouse) in msg
    assert warehouse.read_bytes() == before and file_state(warehouse) == fs
    assert stat.S_IMODE(warehouse.stat().st_mode) == 0o444
    r = run_cli(warehouse, "load", str(_fixture_file(tmp_path)))
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "read-only" in r.stderr


def test_publish_keeps_the_warehouse_mode_and_group(warehouse: Path) -> None:
    warehouse.chmod(0o640)
    gid = warehouse.stat().st_gid
    if os.geteuid() == 0:  # root may give it any group: prove the group is carried over
        gid = 1 if gid != 1 else 2
        os.chown(warehouse, -1, gid)
    ino = warehouse.stat().st_ino
    load_bytes(mmp_csv(good_mmp_rows(2)), "ok.csv", db=warehouse)
    st = warehouse.stat()
    assert st.st_ino != ino  # a new file was published ...
    assert stat.S_IMODE(st.st_mode) == 0o640 and st.st_gid == gid  # ... as the old one was


def test_writing_refuses_a_read_only_warehouse_before_any_copy(warehouse: Path) -> None:
    warehouse.chmod(0o444)
    with pytest.raises(WarehouseError, match="read-only"), dbmod.writing(warehouse) as con:
        con.execute("SELECT 1")
    _no_staging_left(warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as c:
        assert c.execute("SELECT count(*) FROM sources").fetchone() == (2,)


def test_file_cut_inside_a_utf8_character_keeps_every_accent(warehouse: Path) -> None:
    # Cut between the two bytes of "ü": without care the whole file fails UTF-8 and is read
    # as Windows-1252, garbling every accent of every row ("CÃ´te d'Ivoire").
    rows = [
        mmp_row(1, Location_of_Incident="Côte d'Ivoire, Évros"),
        mmp_row(2, Location_of_Incident="Türkiye"),
    ]
    raw = mmp_csv(rows)
    cut = raw[: raw.index("ü".encode()) + 1]
    refuse(warehouse, cut, "cut.csv", ["looks truncated"])
    s = load_bytes(cut, "cut.csv", db=warehouse, accept_partial=True)
    assert s.partial and s.rows_loaded == 1 and s.rows_rejected == 1
    got = rows_of(warehouse, "SELECT location FROM incidents WHERE source_id = ?", [s.source_id])
    assert got["location"].tolist() == ["Côte d'Ivoire, Évros"]
