"""Reading source files safely into frames of text, and recognising what they are.

Everything here works on bytes already in memory (an upload) or a path, never executes
anything from the file, and refuses structurally wrong files with :class:`IngestError` whose
message is one plain line naming the problem.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import os
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_XLSX_UNCOMPRESSED = 400 * 1024 * 1024
MAX_XLSX_RATIO = 200  # zip bombs compress far better than any real sheet
MAX_FIELD_BYTES = 20 * 1024 * 1024  # also the longest CSV line accepted
MAX_MESSAGE_CHARS = 500
_HEAD_CHARS = 2**22  # the text the delimiter, header and binary checks look at
# pyarrow.csv parses blocks of this size in parallel, and each block becomes one chunk of every
# column. Blocks of 100,000+ rows keep DuckDB's insert (row groups of 122,880) fast, where
# chunks of a few thousand rows cost it half as much again; a row longer than a block goes
# to pandas.
ARROW_BLOCK_BYTES = 64 << 20


def _one_line(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    # File and column names come from the file's author: a newline, an ANSI escape or a bidi
    # override in them must not forge extra lines (or hide text) in a terminal or a log.
    out = "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in str(text)
    )
    return out if len(out) <= limit else out[: limit - 3] + "..."


class IngestError(Exception):
    """A file that cannot be loaded at all; the message names the problem in one line.

    Control and invisible formatting characters in the message (which often quotes a file or
    column name) are escaped and the message is capped at ``MAX_MESSAGE_CHARS`` characters.
    """

    def __init__(self, message: str = "") -> None:
        super().__init__(_one_line(message))


def _decode(raw: bytes, name: str = "The file") -> tuple[str, str]:
    """Decode CSV bytes: BOMs first, then UTF-8, then Windows-1252/Latin-1."""
    if raw.startswith(codecs.BOM_UTF8):
        return raw[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise IngestError(f"{name} says it is UTF-16 but does not decode as UTF-16.") from exc
    utf16 = _bomless_utf16(raw[:65536])
    if utf16 is not None:
        try:
            return raw.decode(utf16), utf16
        except UnicodeDecodeError as exc:
            raise IngestError(f"{name} looks like UTF-16 but does not decode as UTF-16.") from exc
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    sample = raw[:65536]
    if sample.count(b"\x00") > len(sample) // 10:
        raise IngestError(f"{name} is binary, not a CSV or XLSX export.")
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def _bomless_utf16(sample: bytes) -> str | None:
    """``"utf-16-le"``/``"utf-16-be"`` for UTF-16 text saved without a BOM, else ``None``.

    Text in a Latin script saved as UTF-16 has a NUL in (almost) every other byte; binary junk
    has NULs scattered over both halves.
    """
    n = len(sample) // 2 * 2
    if n < 4:
        return None
    even, odd = sample[0:n:2], sample[1:n:2]
    z_even, z_odd = even.count(0), odd.count(0)
    half = n // 2
    if z_odd > 0.9 * half and z_even < 0.05 * half:
        return "utf-16-le"
    if z_even > 0.9 * half and z_odd < 0.05 * half:
        return "utf-16-be"
    return None


def _is_blank(raw: bytes) -> bool:
    # Only look at the whole file when its start is blank: no 100 MB copy for a normal file.
    return not raw[:4096].strip() and not raw.strip()


def _longest_line(raw: bytes, chunk: int = 8 * 2**20) -> tuple[int, int]:
    """Length in bytes and 1-based number of the longest line, scanned in bounded chunks.

    Lines end at LF, CRLF or a lone CR (old Mac exports), as the CSV parser reads them.
    """
    longest, at, line_no, start = 0, 1, 1, 0
    for off in range(0, len(raw), chunk):
        n = min(chunk, len(raw) - off)
        view = np.frombuffer(raw, np.uint8, min(n + 1, len(raw) - off), off)
        cur, nxt = view[:n], view[1 : n + 1]
        lone_cr = cur == 13
        lone_cr[: len(nxt)] &= nxt != 10
        nl = np.flatnonzero((cur == 10) | lone_cr)
        if len(nl):
            ends = nl + off
            lengths = np.diff(ends, prepend=start - 1) - 1
            i = int(lengths.argmax())
            if lengths[i] > longest:
                longest, at = int(lengths[i]), line_no + i
            line_no += len(nl)
            start = int(ends[-1]) + 1
    if len(raw) - start > longest:
        longest, at = len(raw) - start, line_no
    return longest, at


def _may_have_long_line(raw: bytes, limit: int = MAX_FIELD_BYTES) -> bool:
    """False when no line of ``raw`` can be longer than ``limit`` bytes (a cheap test).

    A line longer than ``limit`` covers a whole aligned block of ``limit // 2`` bytes, so if
    every such block holds a line feed no line is that long (a lone CR only shortens lines).
    Each ``find`` stops at the block's first line feed: microseconds for a normal file.
    """
    step = max(1, limit // 2)
    for off in range(0, len(raw) - step + 1, step):
        if raw.find(b"\n", off, off + step) < 0:
            return True
    return False


def column_key(name: str) -> str:
    """A column name as header matching sees it: case, spaces and punctuation do not count
    (``"Number of Dead"``, ``"number of dead"`` and ``"Number_of-Dead"`` are one column)."""
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", name).casefold())


def _check_columns(columns: Sequence[str], name: str) -> None:
    seen: set[str] = set()
    dupes: list[str] = []
    for c in columns:
        if c and c in seen and c not in dupes:
            dupes.append(c)
        seen.add(c)
    if dupes:
        shown = ", ".join(repr(d) for d in dupes[:5]) + (" ..." if len(dupes) > 5 else "")
        raise IngestError(
            f"{name} has duplicate columns: {shown}. Keep one of each and load it again."
        )
    # Names that differ only in case, spaces or punctuation are the same column to the
    # recognisers: which of two spellings wins would decide which values load.
    by_key: dict[str, list[str]] = {}
    for c in columns:
        k = column_key(c)
        if k:
            by_key.setdefault(k, []).append(c)
    variants = [v for v in by_key.values() if len(v) > 1]
    if variants:
        shown = "; ".join(" and ".join(repr(c) for c in v) for v in variants[:3])
        more = " ..." if len(variants) > 3 else ""
        raise IngestError(
            f"{name} has duplicate columns: {shown}{more} differ only in case, spaces or "
            "punctuation. Keep one of each and load it again."
        )


def _clean_header(columns: Iterable[object]) -> list[str]:
    # "Number of\nDead" (a wrapped header cell) and "Number of Dead " are the same column.
    return [" ".join(str(c).replace("\x00", "").split()) for c in columns]


def _looks_binary(text: str) -> bool:
    sample = text[:65536]
    if not sample:
        return False
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\r\n\t") or ch == "\ufffd")
    return bad > max(8, len(sample) // 100)


def _utf8_body(raw: bytes) -> tuple[int, str] | None:
    """``(offset, encoding)`` of a UTF-8 file's text (after any BOM), or ``None``.

    ``None`` for anything :func:`_decode` might read another way: UTF-16 with or without a
    BOM, any NUL byte, or bytes that are not valid UTF-8 (checked on the whole file by Arrow's
    validator, an order of magnitude faster than decoding it into a ``str``).
    """
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in raw:
        return None
    start = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
    buf = pa.py_buffer(raw)
    offsets = pa.array([0, len(raw) - start], type=pa.int64()).buffers()[1]
    as_text = pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, buf.slice(start)])
    try:
        as_text.validate(full=True)
    except pa.ArrowInvalid:
        return None
    return start, "utf-8-sig" if start else "utf-8"


def _head_text(raw: bytes, start: int) -> str:
    """The first :data:`_HEAD_CHARS` characters of a file known to be valid UTF-8."""
    dec = codecs.getincrementaldecoder("utf-8")()
    return dec.decode(raw[start : start + 4 * _HEAD_CHARS + 4], final=False)[:_HEAD_CHARS]


def _read_csv_arrow(raw: bytes, start: int, sep: str, header: list[str]) -> pd.DataFrame | None:
    """Parse valid UTF-8 CSV bytes with ``pyarrow.csv``, all columns as text.

    Returns the frame ``pandas.read_csv`` would give, or ``None`` whenever pyarrow refuses the
    file or could read it differently (rows of unequal length, a header that is not exactly
    the one the ``csv`` module read, empty or repeated column names, a single column, a lone
    CR, a row longer than a block, a quote left open at the end): those files go to pandas,
    which also words the error.
    """
    names = list(header)
    if len(names) < 2 or any(n == "" for n in names) or len(set(names)) != len(names):
        # (pandas skips a line of spaces; in a one-column file pyarrow would read it as a row)
        return None
    # The header row is read as data (generated names), so the column types can be fixed
    # before reading: every column is text, whatever it holds.
    auto = [f"f{i}" for i in range(len(names))]
    buf = pa.py_buffer(raw).slice(start)
    if not raw.endswith((b"\n", b"\r")):
        # A final line break (which changes nothing for pandas) makes a quote left open at
        # the end of the file show in the last cell, below.
        buf = pa.py_buffer(raw[start:] + b"\n")
    try:
        table = pacsv.read_csv(
            buf,
            read_options=pacsv.ReadOptions(
                autogenerate_column_names=True, block_size=ARROW_BLOCK_BYTES
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=sep,
                quote_char='"',
                double_quote=True,
                escape_char=False,
                newlines_in_values=True,
                ignore_empty_lines=True,
            ),
            convert_options=pacsv.ConvertOptions(
                check_utf8=False,  # the whole file was validated by _utf8_body
                column_types=dict.fromkeys(auto, pa.large_string()),
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.column_names != auto or table.num_rows == 0:
        return None
    if any(table.column(i)[0].as_py() != n for i, n in enumerate(names)):
        return None
    # pyarrow ends a quoted cell left open at the end of the file there (taking the final line
    # break into it), where pandas refuses the file ("EOF inside string"): let pandas decide
    # whenever the last cell ends with a line break.
    last = table.column(len(names) - 1)[-1].as_py()
    if last is not None and last.endswith(("\n", "\r")):
        return None
    body = table.slice(1)
    return pd.DataFrame(
        {n: pd.arrays.ArrowStringArray(body.column(i)) for i, n in enumerate(names)},
        index=pd.RangeIndex(body.num_rows),
    )


def _has_lone_cr(raw: bytes) -> bool:
    """Whether a CR ends a line on its own (old Mac files), not as part of a CRLF."""
    return raw.find(b"\r") != -1 and raw.count(b"\r") != raw.count(b"\r\n")


def read_csv_text(raw: bytes, name: str = "file") -> tuple[pd.DataFrame, str]:
    """Parse CSV bytes into a frame of strings (empty cells as missing).

    Valid UTF-8 files are parsed by ``pyarrow.csv`` when it reads them exactly as
    ``pandas.read_csv`` would (same header, every row as long as the header); everything else
    (other encodings, ragged rows, odd headers, a lone CR, which the two parsers split
    differently next to a delimiter) is decoded to text and parsed by pandas.

    Returns
    -------
    (frame, encoding)
    """
    table, encoding = _read_csv(raw, name)
    return table.frame, encoding


def _read_csv(raw: bytes, name: str, accept_partial: bool = False) -> tuple[SourceTable, str]:
    """:func:`read_csv_text`, with the line where each record starts (:class:`SourceTable`).

    With ``accept_partial``, a file that ends inside a quoted field (cut off there) has that
    field closed, so its complete records can be read; the last record is then marked
    incomplete (``ended_in_quote``) for the loader to reject.
    """
    if _is_blank(raw):
        raise IngestError(f"{name} is empty.")
    ended_in_quote = False
    raw = _drop_cut_character(raw)
    if accept_partial and _ascii_compatible(raw) and raw.count(b'"') % 2 == 1:
        raw = raw + b'"\n'
        ended_in_quote = True
    if len(raw) > MAX_FIELD_BYTES and _may_have_long_line(raw):
        # Checked on the bytes, before decoding: a 100 MB field is refused without ever
        # being copied into text, a parser buffer and a frame.
        longest, line_no = _longest_line(raw)
        if longest > MAX_FIELD_BYTES:
            raise IngestError(
                f"{name} has a line of {longest / 2**20:.0f} MB (line {line_no}); no field or "
                f"row may exceed {MAX_FIELD_BYTES // 2**20} MB: refused."
            )
    utf8 = _utf8_body(raw)
    text: str | None = None
    if utf8 is None:
        text, encoding = _decode(raw, name)
        head_text = text[:_HEAD_CHARS]
    else:
        start, encoding = utf8
        head_text = _head_text(raw, start)
    if _looks_binary(head_text):
        raise IngestError(f"{name} is binary data, not a CSV export.")
    first = head_text[:65536].split("\n", 1)[0]
    try:
        dialect = csv.Sniffer().sniff(first, delimiters=",;\t|")
        sep = dialect.delimiter
    except csv.Error:
        sep = ","
    try:
        head = list(
            itertools.islice((r for r in csv.reader(io.StringIO(head_text), delimiter=sep) if r), 2)
        )
    except csv.Error:  # a header cell longer than the csv module's limit: pandas decides
        head = []
    header = head[0] if head else []
    if len(head) == 2 and len(head[1]) > len(header):
        # pandas would silently take the first column as an index and shift every other
        # column one place to the left: refuse instead.
        raise IngestError(
            f"{name}: the first data row has {len(head[1])} fields but the header has "
            f"{len(header)}; the columns would not line up."
        )
    lone_cr = _has_lone_cr(raw)
    frame = None if utf8 is None or lone_cr else _read_csv_arrow(raw, utf8[0], sep, header)
    if frame is None:
        if text is None:
            text, encoding = _decode(raw, name)
        frame = _read_csv_pandas(text, sep, name)
    # pandas renames a repeated "X" to "X.1"; judge duplicates on the header as written.
    if len(header) == len(frame.columns):
        _check_columns(_clean_header(header), name)
    frame.columns = _clean_header(frame.columns)
    _check_columns(list(frame.columns), name)
    if len(raw) > MAX_FIELD_BYTES:  # a quoted field can span lines: measure the fields too
        for c in frame.columns:
            if _max_bytes(frame[c]) <= MAX_FIELD_BYTES:
                continue  # no more characters than bytes: the count below cannot exceed it
            longest = frame[c].str.len().max()
            if pd.notna(longest) and longest > MAX_FIELD_BYTES:
                raise IngestError(
                    f"{name} has a field of {longest / 2**20:.0f} MB in column {c!r}; no field "
                    f"may exceed {MAX_FIELD_BYTES // 2**20} MB: refused."
                )
    rows = _record_lines(raw, text, encoding, sep, len(frame), lone_cr)
    ends_nl, last_fields, prev_fields = _last_record(raw if text is None else text, sep)
    table = SourceTable(
        frame,
        source_rows=rows,
        ends_with_newline=ends_nl and not ended_in_quote,
        last_record_fields=last_fields,
        previous_record_fields=prev_fields,
        ended_in_quote=ended_in_quote,
    )
    return table, encoding


def _drop_cut_character(raw: bytes) -> bytes:
    """``raw`` without a UTF-8 character cut in half at its very end (a file cut off there).

    Otherwise the whole file would fail UTF-8 validation and be decoded as Windows-1252,
    garbling every accent. Only done when the rest of the file is valid UTF-8.
    """
    if not raw or raw[-1] < 0x80 or raw.endswith((b"\n", b"\r")):
        return raw
    for k in range(1, 5):
        if len(raw) < k:
            break
        lead = raw[-k]
        if lead >= 0xC0:  # the start of the last character, k bytes from the end
            need = 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
            if need > k and _utf8_body(raw) is None and _utf8_body(raw[:-k]) is not None:
                return raw[:-k]
            return raw
        if lead < 0x80:
            return raw
    return raw


def _ascii_compatible(raw: bytes) -> bool:
    """Whether quotes and line breaks are single ASCII bytes in this file (not UTF-16)."""
    return not raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and (
        _bomless_utf16(raw[:65536]) is None
    )


def _last_record(
    buf: bytes | str, sep: str, max_steps: int = 10_000
) -> tuple[bool, int | None, int | None]:
    """Whether a CSV file ends with a line break, and how many fields its last two records have.

    A record starts after a line break outside any quoted field: one with an even number of
    quote characters before it (doubled quotes inside a field come in pairs). Only the end of
    the file is read, and quotes are counted in C (``bytes.count``).

    Returns
    -------
    (ends_with_newline, last_fields, previous_fields)
        A count is ``None`` when it cannot be told (the record is not found within
        ``max_steps`` line breaks, or does not parse); ``previous_fields`` is the header's own
        count for a file of one record.
    """
    # Written once for bytes (UTF-8, cp1252: quotes and line breaks are single bytes) and
    # str (decoded UTF-16): the same operations on either.
    b: Any = buf
    q: Any
    breaks: Any
    blank: Any
    if isinstance(buf, bytes):
        q, breaks, blank = b'"', (b"\n", b"\r"), b"\r\n"
    else:
        q, breaks, blank = '"', ("\n", "\r"), "\r\n"
    # The end of the text without its trailing line breaks, found without copying the file
    # (``rstrip`` would copy all of it): every search below is bounded by ``end``.
    body: Any = b
    end = len(b)
    while end > 0 and b[end - 1 : end] in blank:
        end -= 1
    ends_nl = end < len(buf)
    counts: list[int | None] = []
    quotes_before_end = body.count(q, 0, end)
    for _ in range(2):
        if end <= 0:
            counts.append(None)
            break
        p = max(body.rfind(nl, 0, end) for nl in breaks)
        steps = 0
        while p >= 0 and (quotes_before_end - body.count(q, p, end)) % 2:
            steps += 1
            if steps > max_steps:
                p = -2
                break
            p = max(body.rfind(nl, 0, p) for nl in breaks)
        if p == -2:
            counts.append(None)
            break
        counts.append(_fields_in(body[p + 1 : end], sep))
        quotes_before_end -= body.count(q, p, end)
        end = p
        while end > 0 and body[end - 1 : end] in breaks:  # blank lines between records
            end -= 1
    counts += [None] * (2 - len(counts))
    return ends_nl, counts[0], counts[1]


def _fields_in(record: bytes | str, sep: str) -> int | None:
    text = record.decode("utf-8", errors="replace") if isinstance(record, bytes) else record
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        return len(next(csv.reader(io.StringIO(text, newline=""), delimiter=sep), []))
    except csv.Error:
        return None


def _max_bytes(s: pd.Series) -> float:
    """An upper bound of the longest cell of a text column in characters (its UTF-8 bytes
    when the column is Arrow-backed), without counting characters."""
    if isinstance(s.array, pd.arrays.ArrowStringArray):
        longest = pc.max(pc.binary_length(pa.array(s.array))).as_py()
        return 0 if longest is None else longest
    return float("inf")


def _read_csv_pandas(text: str, sep: str, name: str) -> pd.DataFrame:
    try:
        return pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype="string",
            keep_default_na=False,
            na_values=[""],
            engine="c",
            on_bad_lines="error",
            index_col=False,
        )
    except pd.errors.EmptyDataError as exc:
        raise IngestError(f"{name} has no header row.") from exc
    except (pd.errors.ParserError, ValueError, OverflowError) as exc:
        msg = str(exc).splitlines()[0][:160]
        raise IngestError(f"{name} is not a well-formed CSV ({msg}).") from exc


def _check_zip(raw: bytes, name: str) -> None:
    """Refuse a workbook that is damaged, a zip bomb, carries macros or external links, or
    declares XML entities, before any spreadsheet or XML parser sees it."""
    try:
        _check_zip_members(raw, name)
    except (IngestError, MemoryError):
        raise
    except zipfile.BadZipFile as exc:
        raise IngestError(f"{name} is not a valid XLSX file (damaged or truncated).") from exc
    except zlib.error as exc:
        raise IngestError(f"{name} is damaged (corrupt compressed data).") from exc
    except Exception as exc:  # zipfile raises many kinds for a damaged archive
        raise IngestError(f"{name} is damaged ({type(exc).__name__}).") from exc


def _check_zip_members(raw: bytes, name: str) -> None:
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        infos = zf.infolist()
        total = sum(i.file_size for i in infos)
        packed = max(1, sum(i.compress_size for i in infos))
        if total > MAX_XLSX_UNCOMPRESSED or total / packed > MAX_XLSX_RATIO:
            raise IngestError(
                f"{name} expands to {total / 1e6:.0f} MB ({total / packed:.0f}x): "
                "refused as a possible zip bomb."
            )
        names = {i.filename for i in infos}
        lower = {n.lower() for n in names}  # part names in an Office file are case-blind
        if not any(n.startswith("xl/worksheets/") for n in lower):
            raise IngestError(f"{name} is a zip file but not an Excel workbook.")
        types = zf.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
        if (
            any("vbaproject" in n for n in lower)
            or b"vbaProject" in types
            or b"macroEnabled" in types
        ):
            raise IngestError(f"{name} contains macros: save it as a plain .xlsx and try again.")
        if any(n.startswith("xl/externallinks/") for n in lower):
            raise IngestError(f"{name} links to external workbooks: remove the links first.")
        bad = zf.testzip()  # reads every member: CRC errors, scrambled or encrypted data
        if bad is not None:
            raise IngestError(f"{name} is damaged (bad entry {bad}).")
        for info in infos:
            if info.filename.lower().endswith((".xml", ".rels", ".vml")):
                with zf.open(info) as fh:
                    head = fh.read(4096)
                # No genuine workbook declares a DTD; entities are how XML bombs and external
                # entity (XXE) reads work, so refuse them before any XML parser sees them.
                if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                    raise IngestError(
                        f"{name} contains an XML document type declaration ({info.filename}): "
                        "refused as a possible XML entity attack."
                    )


SheetChoice = str | Callable[[Sequence[str]], str] | None
"""Which sheet of a workbook to read: its name, a function choosing one from the sheet names
(in workbook order), or ``None`` for the first sheet."""


@dataclass(frozen=True, eq=False)
class SourceTable:
    """A file read into a frame of text, and where in the file it came from.

    ``sheet`` is the sheet read and ``sheets`` every sheet of the workbook, in order (``None``
    and ``()`` for a CSV).
    """

    frame: pd.DataFrame
    sheet: str | None = None
    sheets: tuple[str, ...] = ()
    #: The file's line (CSV) or row (XLSX) number, 1-based, where each record of ``frame``
    #: starts; ``None`` when that is simply the record's position + 2 (header, then one line
    #: per record). Blank lines, blank sheet rows and quoted line breaks shift them.
    source_rows: np.ndarray | None = None
    #: CSV only (``None`` for a workbook): whether the file ends with a line break, how many
    #: fields its last record has, and whether it ended inside a quoted field (then closed
    #: here, so that a partial file can be read with ``accept_partial``).
    ends_with_newline: bool | None = None
    last_record_fields: int | None = None
    previous_record_fields: int | None = None
    ended_in_quote: bool = False

    @property
    def header_fields(self) -> int:
        return len(self.frame.columns)

    def row_numbers(self, positions: np.ndarray) -> np.ndarray:
        """The file's row number of each record position (0-based, in ``frame``'s order)."""
        pos = np.asarray(positions, dtype="int64")
        return pos + 2 if self.source_rows is None else self.source_rows[pos]


def _sheet_list(names: Sequence[str]) -> str:
    shown = ", ".join(repr(n) for n in names[:10])
    return shown + (" ..." if len(names) > 10 else "")


def _open_xlsx(raw: bytes, name: str):  # type: ignore[no-untyped-def]
    import openpyxl  # imported here: only XLSX loads need it

    _check_zip(raw, name)
    try:
        return openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise IngestError(f"{name} cannot be read as XLSX ({type(exc).__name__}).") from exc


def xlsx_sheet_names(raw: bytes, name: str = "file") -> list[str]:
    """The sheet names of an XLSX workbook, in order (after the same safety checks as a read)."""
    wb = _open_xlsx(raw, name)
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def read_xlsx_text(raw: bytes, name: str = "file", sheet: SheetChoice = None) -> pd.DataFrame:
    """Read the first (or chosen) sheet of an XLSX into a frame of strings, values only.

    Formulas are never evaluated: openpyxl returns the cached values the publisher saved.
    A sheet named but absent from the workbook is refused with :class:`IngestError` naming
    the sheets it has.
    """
    return read_xlsx_sheet(raw, name, sheet).frame


def read_xlsx_sheet(raw: bytes, name: str = "file", sheet: SheetChoice = None) -> SourceTable:
    """:func:`read_xlsx_text`, also saying which sheet was read and which sheets there are."""
    wb = _open_xlsx(raw, name)
    try:
        names = list(wb.sheetnames)
        chosen = sheet(names) if callable(sheet) else sheet
        if chosen is not None and chosen not in names:
            raise IngestError(
                f"{name} has no sheet {chosen!r}; its sheets are {_sheet_list(names)}."
            )
        ws = wb[chosen] if chosen is not None else wb.worksheets[0]
        where = "first sheet" if ws.title == names[0] else f"sheet {ws.title!r}"
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise IngestError(f"{name} has an empty {where}.")
        cols = _clean_header("" if c is None else c for c in header)
        while cols and cols[-1] == "":
            cols.pop()
        if not any(cols):
            raise IngestError(f"{name} has no header row.")
        _check_columns(cols, name)
        cols = [c or f"Unnamed: {i}" for i, c in enumerate(cols)]
        data = []
        kept: list[int] = []
        for row_no, r in enumerate(rows, start=2):  # the header is row 1
            vals = list(r[: len(cols)])
            if all(v is None or v == "" for v in vals):
                continue
            data.append(vals + [None] * (len(cols) - len(vals)))
            kept.append(row_no)
    except IngestError:
        raise
    except Exception as exc:  # a damaged sheet fails mid-read, after the workbook opened
        raise IngestError(f"{name} cannot be read as XLSX ({type(exc).__name__}).") from exc
    finally:
        wb.close()
    frame = pd.DataFrame(data, columns=cols, dtype="object")
    for c in frame.columns:
        frame[c] = frame[c].map(_cell_text, na_action="ignore")
    shifted = kept != list(range(2, len(kept) + 2))
    rows_in_sheet = np.asarray(kept, dtype="int64") if shifted else None
    return SourceTable(frame.astype("string"), ws.title, tuple(names), rows_in_sheet)


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
    return read_source(raw, name).frame


def is_xlsx(raw: bytes) -> bool:
    """Whether ``raw`` is a zip container (what every XLSX is), judged by its first bytes."""
    return raw[:4] == b"PK\x03\x04"


def read_source(
    raw: bytes, name: str, sheet: SheetChoice = None, accept_partial: bool = False
) -> SourceTable:
    """Read CSV or XLSX bytes (recognised by content, not by the file name).

    ``sheet`` chooses the sheet of a workbook (see :data:`SheetChoice`); naming a sheet for a
    CSV is refused, a function choosing one is ignored for a CSV. ``accept_partial`` reads a
    CSV cut off inside a quoted field (see :func:`_read_csv`).
    """
    if len(raw) > MAX_FILE_BYTES:
        raise IngestError(f"{name} is larger than {MAX_FILE_BYTES // 2**20} MB.")
    if is_xlsx(raw):
        return read_xlsx_sheet(raw, name, sheet)
    if raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        if "EncryptedPackage".encode("utf-16-le") in raw[: 2**20]:
            # Excel saves a password-protected .xlsx inside an OLE container.
            raise IngestError(f"{name} is password-protected: save it without a password.")
        raise IngestError(f"{name} is an old binary .xls workbook: save it as .xlsx or CSV.")
    if name.lower().endswith((".xlsx", ".xlsm")):
        raise IngestError(f"{name} is named .xlsx but is not an Excel workbook.")
    if isinstance(sheet, str):
        raise IngestError(
            f"{name} is a CSV file, which has no sheets: sheet {sheet!r} applies to XLSX only."
        )
    return _read_csv(raw, name, accept_partial)[0]


def _record_lines(
    raw: bytes, text: str | None, encoding: str, sep: str, n_records: int, lone_cr: bool
) -> np.ndarray | None:
    """The line where each CSV record starts (1-based), or ``None`` if it is position + 2.

    Counting line breaks settles the usual file (header, then one line per record) without
    parsing; only a file with blank lines, quoted line breaks or lone CRs is read again with
    the ``csv`` module, which reports the line it has reached after each record.
    """
    if n_records == 0:
        return None
    if not encoding.lower().replace("_", "-").startswith("utf-16") and not lone_cr:
        breaks = raw.count(b"\n")  # about 0.2 s for a 363 MB file (1M IOM rows)
        if (breaks if raw.endswith(b"\n") else breaks + 1) == n_records + 1:
            return None
    if text is None:
        text = raw.decode(encoding, errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    starts: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    end = 0
    try:
        for record in reader:
            first = end + 1
            end = reader.line_num
            if record:  # a blank line is no record (pandas and pyarrow skip it too)
                starts.append(first)
    except csv.Error:  # a field over the csv module's limit: keep positions
        return None
    rows = np.asarray(starts[1:], dtype="int64")  # the header is the first record
    if len(rows) != n_records:
        return None  # read differently from the parser that made the frame: keep positions
    return rows


def read_path(path: str | Path) -> bytes:
    """Read a file's bytes with a clear error for missing or oversized files."""
    p = Path(path)
    try:
        if not p.is_file():
            raise IngestError(f"No such file: {p}")
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise IngestError(f"{p.name} is larger than {MAX_FILE_BYTES // 2**20} MB.")
        return p.read_bytes()
    except OSError as exc:  # unreadable (permissions, I/O error): one line, not a traceback
        cause = os.strerror(exc.errno) if exc.errno is not None else type(exc).__name__
        raise IngestError(f"Cannot read {p}: {cause}.") from exc
