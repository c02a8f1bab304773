"""Generators for the hostile and bulk files the robustness tests load.

Every file is built by the tests themselves (in ``tmp_path``), never committed: small ones in
memory, big ones streamed to disk so the test process never holds them whole.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from data.demo import MMP_HEADER as DEMO_MMP_HEADER

REPO = Path(__file__).resolve().parents[2]

MMP_HEADER: list[str] = list(DEMO_MMP_HEADER)  # the official 25-column IOM header
FRONTEX_HEADER = ["route", "type", "nat", "t", "n"]

_BASE_ROW = {
    "Main ID": "H.0001",
    "Incident ID": "H.0001",
    "Incident Type": "Incident",
    "Region of Incident": "Mediterranean",
    "Incident Date": "2024-03-01",
    "Incident Year": "2024",
    "Month": "March",
    "Number of Dead": "2",
    "Minimum Estimated Number of Missing": "1",
    "Total Number of Dead and Missing": "3",
    "Number of Survivors": "10",
    "Number of Females": "",
    "Number of Males": "2",
    "Number of Children": "",
    "Country of Origin": "Guinea,Mali",
    "Region of Origin": "Western Africa",
    "Cause of Death": "Drowning",
    "Country of Incident": "Libya",
    "Migration Route": "Central Mediterranean",
    "Location of Incident": "Off Zuwara",
    "Coordinates": "33.0, 12.0",
    "UNSD Geographical Grouping": "Uncategorized",
    "Information Source": "Robustness test",
    "URL": "https://example.org/h",
    "Source Quality": "3",
}


def mmp_row(i: int = 1, **overrides: str) -> dict[str, str]:
    """One valid MMP row (2 dead + 1 missing = 3, Central Mediterranean) with ``overrides``.

    Keyword names are the official column names with spaces as underscores
    (``Number_of_Dead="-1"``); ids default to ``H.<i>``.
    """
    row = dict(_BASE_ROW)
    row["Main ID"] = row["Incident ID"] = f"H.{i:04d}"
    for k, v in overrides.items():
        col = k.replace("_", " ")
        assert col in row, col
        row[col] = v
    return row


def csv_text(
    rows: Iterable[dict[str, str]] | Iterable[Sequence[str]],
    header: Sequence[str] = MMP_HEADER,
    delimiter: str = ",",
) -> str:
    """CSV text (``\\n`` line ends) of ``rows`` under ``header``, quoted as Excel quotes."""
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow([r.get(c, "") for c in header] if isinstance(r, dict) else r)
    return buf.getvalue()


def mmp_csv(rows: Iterable[dict[str, str]], **kw: object) -> bytes:
    return csv_text(rows, **kw).encode("utf-8")  # type: ignore[arg-type]


def good_mmp_rows(n: int = 3, start: int = 1) -> list[dict[str, str]]:
    return [mmp_row(i) for i in range(start, start + n)]


def xlsx_bytes(
    rows: Sequence[Sequence[object]],
    extra_parts: dict[str, bytes] | None = None,
    sheet_title: str = "Worksheet",
) -> bytes:
    """An XLSX (first sheet = ``rows``), optionally with extra zip members added verbatim."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet_title
    for r in rows:
        ws.append(list(r))
    buf = io.BytesIO()
    wb.save(buf)
    if not extra_parts:
        return buf.getvalue()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename))
        for name, data in extra_parts.items():
            dst.writestr(name, data)
    return out.getvalue()


def mmp_xlsx(rows: Iterable[dict[str, str]], **kw: object) -> bytes:
    return xlsx_bytes([MMP_HEADER, *([r[c] for c in MMP_HEADER] for r in rows)], **kw)  # type: ignore[arg-type]


def write_zip_bomb(path: Path, expanded_mb: int = 300) -> None:
    """A real zip bomb with an XLSX layout: one sheet entry of ``expanded_mb`` MB of zeros.

    Streamed in 1 MB chunks, so building it needs no more than a few MB of memory; it
    compresses about 1000:1 (a real workbook is nearer 5-20:1).
    """
    chunk = b"\0" * 2**20
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            for _ in range(expanded_mb):
                fh.write(chunk)


def write_mmp_bulk(path: Path, n_rows: int, narrow: bool = False, seed: int = 0) -> None:
    """Stream a valid MMP CSV of ``n_rows`` incidents to ``path`` (official header).

    ``narrow`` keeps only the required columns (Main ID, Region, Date, Number of Dead), for a
    million-row file that stays small on disk and cheap to validate.
    """
    routes = [
        "Central Mediterranean",
        "Western Mediterranean",
        "English Channel to the UK",
        "Eastern Mediterranean",
        "US-Mexico border crossing",
    ]
    regions = ["Mediterranean", "Europe", "Northern Africa", "Central America"]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        if narrow:
            fh.write("Main ID,Region of Incident,Incident Date,Number of Dead\n")
            lines = (
                f"B.{i},{regions[i % 4]},20{14 + i % 11}-{1 + i % 12:02d}-{1 + i % 28:02d},"
                f"{1 + (i * 7 + seed) % 5}\n"
                for i in range(n_rows)
            )
        else:
            fh.write(",".join(MMP_HEADER) + "\n")
            lines = (
                f"B.{i},B.{i},Incident,{regions[i % 4]},"
                f"20{14 + i % 11}-{1 + i % 12:02d}-{1 + i % 28:02d},20{14 + i % 11},"
                f"{1 + i % 12},{1 + (i * 7 + seed) % 5},{i % 3},{1 + (i * 7 + seed) % 5 + i % 3},"
                f",,,,Guinea,Western Africa,Drowning,Libya,{routes[i % 5]},Off the coast,"
                f'"{30 + (i % 1000) / 100:.2f}, {10 + (i % 700) / 100:.2f}",Uncategorized,'
                f"Bulk test,,{1 + i % 5}\n"
                for i in range(n_rows)
            )
        buf: list[str] = []
        for line in lines:
            buf.append(line)
            if len(buf) >= 20000:
                fh.write("".join(buf))
                buf.clear()
        fh.write("".join(buf))


def cli_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("ROUTEWATCH_DB", None)
    return env


def run_cli(db: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m data --db DB ARGS...`` in a subprocess (the way an official runs it)."""
    return subprocess.run(
        [sys.executable, "-m", "data", "--db", str(db), *args],
        cwd=REPO,
        env=cli_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
