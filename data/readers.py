"""Reading source files safely into frames of text, and recognising what they are.

Everything here works on bytes already in memory (an upload) or a path, never executes
anything from the file, and refuses structurally wrong files with :class:`IngestError` whose
message is one plain line naming the problem.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from pathlib import Path

import pandas as pd

MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_XLSX_UNCOMPRESSED = 400 * 1024 * 1024
MAX_XLSX_RATIO = 200  # zip bombs compress far better than any real sheet
MAX_FIELD_BYTES = 20 * 1024 * 1024


class IngestError(Exception):
    """A file that cannot be loaded at all; the message names the problem in one line."""


def _decode(raw: bytes) -> tuple[str, str]:
    """Decode CSV bytes: BOMs first, then UTF-8, then Windows-1252/Latin-1."""
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise IngestError("The file says it is UTF-16 but does not decode as UTF-16.") from exc
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    sample = raw[:65536]
    if sample.count(b"\x00") > len(sample) // 10:
        raise IngestError("The file is binary, not a CSV or XLSX export.")
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def _looks_binary(text: str) -> bool:
    sample = text[:65536]
    if not sample:
        return False
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\r\n\t") or ch == "\ufffd")
    return bad > max(8, len(sample) // 100)


def read_csv_text(raw: bytes, name: str = "file") -> tuple[pd.DataFrame, str]:
    """Parse CSV bytes into a frame of strings (empty cells as missing).

    Returns
    -------
    (frame, encoding)
    """
    if not raw.strip():
        raise IngestError(f"{name} is empty.")
    text, encoding = _decode(raw)
    if _looks_binary(text):
        raise IngestError(f"{name} is binary data, not a CSV export.")
    first = text.split("\n", 1)[0]
    try:
        dialect = csv.Sniffer().sniff(first, delimiters=",;\t|")
        sep = dialect.delimiter
    except csv.Error:
        sep = ","
    csv.field_size_limit(MAX_FIELD_BYTES)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype="string",
            keep_default_na=False,
            na_values=[""],
            engine="c",
            on_bad_lines="error",
        )
    except pd.errors.EmptyDataError as exc:
        raise IngestError(f"{name} has no header row.") from exc
    except (pd.errors.ParserError, ValueError, OverflowError) as exc:
        msg = str(exc).splitlines()[0][:160]
        raise IngestError(f"{name} is not a well-formed CSV ({msg}).") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    dupes = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
    mangled = [c for c in frame.columns if c.endswith(tuple(f".{i}" for i in range(1, 10)))]
    if dupes or any(c[:-2] in frame.columns for c in mangled):
        raise IngestError(f"{name} has duplicate columns: {', '.join(dupes or mangled)}.")
    return frame, encoding


def _check_zip(raw: bytes, name: str) -> None:
    try:
        zf = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile as exc:
        raise IngestError(f"{name} is not a valid XLSX file (damaged or truncated).") from exc
    with zf:
        infos = zf.infolist()
        total = sum(i.file_size for i in infos)
        packed = max(1, sum(i.compress_size for i in infos))
        if total > MAX_XLSX_UNCOMPRESSED or total / packed > MAX_XLSX_RATIO:
            raise IngestError(
                f"{name} expands to {total / 1e6:.0f} MB ({total / packed:.0f}x): "
                "refused as a possible zip bomb."
            )
        names = {i.filename for i in infos}
        if not any(n.startswith("xl/worksheets/") for n in names):
            raise IngestError(f"{name} is a zip file but not an Excel workbook.")
        if "xl/vbaProject.bin" in names:
            raise IngestError(f"{name} contains macros: save it as a plain .xlsx and try again.")
        if any(n.startswith("xl/externalLinks/") for n in names):
            raise IngestError(f"{name} links to external workbooks: remove the links first.")
        bad = zf.testzip()
        if bad is not None:
            raise IngestError(f"{name} is damaged (bad entry {bad}).")


def read_xlsx_text(raw: bytes, name: str = "file", sheet: str | None = None) -> pd.DataFrame:
    """Read the first (or named) sheet of an XLSX into a frame of strings, values only.

    Formulas are never evaluated: openpyxl returns the cached values the publisher saved.
    """
    import openpyxl  # imported here: only XLSX loads need it

    _check_zip(raw, name)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise IngestError(f"{name} cannot be read as XLSX ({type(exc).__name__}).") from exc
    try:
        ws = wb[sheet] if sheet and sheet in wb.sheetnames else wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise IngestError(f"{name} has an empty first sheet.")
        cols = [str(c).strip() if c is not None else "" for c in header]
        while cols and cols[-1] == "":
            cols.pop()
        if not any(cols):
            raise IngestError(f"{name} has no header row.")
        data = []
        for r in rows:
            vals = list(r[: len(cols)])
            if all(v is None or v == "" for v in vals):
                continue
            data.append(vals + [None] * (len(cols) - len(vals)))
    finally:
        wb.close()
    frame = pd.DataFrame(data, columns=cols, dtype="object")
    for c in frame.columns:
        frame[c] = frame[c].map(_cell_text, na_action="ignore")
    return frame.astype("string")


def _cell_text(v: object) -> object:
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return str(v)


def read_table(raw: bytes, name: str) -> pd.DataFrame:
    """Read CSV or XLSX bytes (recognised by content, not by the file name)."""
    if len(raw) > MAX_FILE_BYTES:
        raise IngestError(f"{name} is larger than {MAX_FILE_BYTES // 2**20} MB.")
    if raw[:4] == b"PK\x03\x04":
        return read_xlsx_text(raw, name)
    if raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise IngestError(f"{name} is an old binary .xls workbook: save it as .xlsx or CSV.")
    if name.lower().endswith((".xlsx", ".xlsm")):
        raise IngestError(f"{name} is named .xlsx but is not an Excel workbook.")
    frame, _ = read_csv_text(raw, name)
    return frame


def read_path(path: str | Path) -> bytes:
    """Read a file's bytes with a clear error for missing or oversized files."""
    p = Path(path)
    if not p.is_file():
        raise IngestError(f"No such file: {p}")
    size = p.stat().st_size
    if size > MAX_FILE_BYTES:
        raise IngestError(f"{p.name} is larger than {MAX_FILE_BYTES // 2**20} MB.")
    return p.read_bytes()
