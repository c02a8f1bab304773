"""Ingest adapters: recognise a source file, validate and normalise it, load it in one go.

Each ``prepare_*`` function is pure (frame of text in, normalised facts + rejected rows out);
:func:`load_bytes` runs detection, preparation and the transactional write. A structurally
wrong file raises :class:`~data.readers.IngestError` before anything is written; bad rows in a
good file are either flagged (a non-essential field cleared, the incident still counts) or
rejected into ``rejected_rows`` with their row number and reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import re
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from data import parsing, reference
from data.cube import (
    build_detection_cube,
    build_incident_cube,
    build_missing_cubes,
    missing_cubes,
)
from data.db import connect_read_only, writing
from data.readers import IngestError, SourceTable, is_xlsx, read_path, read_source
from geo.spatial import compute_routes_crossing

Progress = Callable[[float, str], None]
_T = TypeVar("_T")


def _no_progress(_f: float, _m: str) -> None:
    return None


@dataclass(frozen=True)
class SourceMeta:
    """What the ``sources`` table records about a publisher's dataset."""

    kind: str
    publisher: str
    title: str
    licence: str
    caveat: str


SOURCE_META: dict[str, SourceMeta] = {
    "mmp": SourceMeta(
        "mmp",
        "IOM Missing Migrants Project",
        "Missing Migrants Project incident data",
        "CC BY 4.0 (IOM's Missing Migrants Project)",
        "Minimum estimates of dead and missing, revised between vintages without notice.",
    ),
    "frontex": SourceMeta(
        "frontex",
        "Frontex",
        "Detections of illegal border crossings, monthly, by route and nationality",
        "Reproduction authorised with the source acknowledged (Frontex)",
        "Detections are events, not persons; the latest month is preliminary.",
    ),
    "unhcr-population": SourceMeta(
        "unhcr-population",
        "UNHCR",
        "Refugee Data Finder: population statistics by origin and asylum",
        "CC BY 4.0 (UNHCR Refugee Data Finder)",
        "Stocks at year end; the latest year is provisional.",
    ),
    "unhcr-arrivals": SourceMeta(
        "unhcr-arrivals",
        "UNHCR",
        "Sea arrivals to Italy, daily (Operational Data Portal)",
        "UNHCR Operational Data Portal, with attribution",
        "Arrivals are persons landed; recent days are revised.",
    ),
    "oc-index": SourceMeta(
        "oc-index",
        "Global Initiative Against Transnational Organized Crime",
        "Global Organized Crime Index",
        "GI-TOC, cite 'Global Organized Crime Index'",
        "Expert scores from 1 (low) to 10 (high); not comparable to counts.",
    ),
}
KINDS = tuple(SOURCE_META)

# ---------------------------------------------------------------- column recognition


def _norm_col(c: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", c.lower()).strip()


MMP_COLUMNS: dict[str, tuple[str, ...]] = {
    "main_id": ("Main ID", "Web ID"),
    "incident_id": ("Incident ID", "Web ID"),
    "incident_type": ("Incident Type",),
    "region_of_incident": ("Region of Incident",),
    "incident_date": ("Incident Date", "Reported Date"),
    "year": ("Incident Year", "Reported Year"),
    "month": ("Month", "Reported Month", "Incident Month"),
    "dead": ("Number of Dead", "Number Dead"),
    "missing": ("Minimum Estimated Number of Missing", "Minimum Estimated Number of Missing "),
    "total": ("Total Number of Dead and Missing", "Total Dead and Missing"),
    "survivors": ("Number of Survivors",),
    "females": ("Number of Females",),
    "males": ("Number of Males",),
    "children": ("Number of Children",),
    "origin": ("Country of Origin",),
    "region_of_origin": ("Region of Origin",),
    "cause": ("Cause of Death",),
    "country_of_incident": ("Country of Incident",),
    "route": ("Migration Route", "Migration route"),
    "location": ("Location of Incident", "Location Description", "Location"),
    "coords": ("Coordinates", "Location Coordinates"),
    "unsd": ("UNSD Geographical Grouping",),
    "info_source": ("Information Source",),
    "url": ("URL",),
    "quality": ("Source Quality", "Reliability"),
}
FRONTEX_COLUMNS = {"route", "type", "nat", "t", "n"}
UNHCR_POP_COLUMNS = {"year", "coo_iso", "coa_iso", "refugees"}
ARRIVALS_COLUMNS = {"data_date", "individuals"}
OC_COLUMNS = {"country", "human smuggling", "criminality"}


def _oc_norm(c: str) -> str:
    # The GI-TOC workbook heads its pillar averages "Criminality avg," where the CSV editions
    # say "Criminality": the same column.
    return re.sub(r"\s+(avg|average)$", "", _norm_col(c))


def map_mmp_columns(columns: list[str]) -> dict[str, str]:
    """Map canonical MMP field names to the file's columns (official and pre-2021 names)."""
    by_norm = {_norm_col(c): c for c in columns}
    out: dict[str, str] = {}
    for key, names in MMP_COLUMNS.items():
        for n in names:
            if _norm_col(n) in by_norm:
                out[key] = by_norm[_norm_col(n)]
                break
    return out


def detect_kind(frame: pd.DataFrame) -> str | None:
    """Recognise a source by its header; ``None`` if it is none of the known exports."""
    raw = {str(c).strip() for c in frame.columns}
    if FRONTEX_COLUMNS <= raw:
        return "frontex"
    if UNHCR_POP_COLUMNS <= raw:
        return "unhcr-population"
    if ARRIVALS_COLUMNS <= raw:
        return "unhcr-arrivals"
    if OC_COLUMNS <= {_oc_norm(str(c)) for c in frame.columns}:
        return "oc-index"
    m = map_mmp_columns(list(frame.columns))
    if "main_id" in m and ("dead" in m or "total" in m):
        return "mmp"
    return None


_KIND_NAMES = {
    "mmp": "an IOM Missing Migrants export",
    "frontex": "a Frontex detections file",
    "unhcr-population": "a UNHCR population file",
    "unhcr-arrivals": "a UNHCR arrivals file",
    "oc-index": "a GI-TOC Organized Crime Index file",
}

# ---------------------------------------------------------------- preparation


@dataclass
class Prepared:
    """Normalised facts ready to insert, plus what was rejected and flagged."""

    table: str
    facts: pd.DataFrame
    rejected: pd.DataFrame  # row_number, reason, raw
    rows_read: int
    rows_flagged: int
    vintage: dt.date | None
    notes: list[str] = field(default_factory=list)
    fields_cut: int = 0  # loaded rows with a text cell cut to its field's limit


def _rejected(frame: pd.DataFrame, mask: pd.Series, reasons: pd.Series) -> pd.DataFrame:
    if not mask.any():  # no rows: skip selecting nothing from every column
        return pd.DataFrame(
            {
                "row_number": np.array([], dtype="int64"),
                "reason": np.array([], dtype=object),
                "raw": np.array([], dtype=float),  # as pandas types an empty list
            }
        )
    sub = frame[mask]
    raw = [
        json.dumps({k: (None if pd.isna(v) else str(v)[:500]) for k, v in r.items()})
        for r in sub.to_dict("records")
    ]
    return pd.DataFrame(
        {
            "row_number": (sub.index.to_numpy() + 2).astype("int64"),  # 1-based + header line
            "reason": reasons[mask].astype(str).to_numpy(),
            "raw": raw,
        }
    )


def _split_one(v: str | None) -> list[str]:
    return parsing.split_multi(v) if v else []


def _factorize_text(s: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Per row, the index of its value among the distinct values (-1 where missing)."""
    values = s.array if parsing._arrow_text(s) is not None else s.astype(object)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)  # type: ignore[call-overload]
    return np.asarray(codes), list(uniques)


def _map_unique(s: pd.Series, fn: Callable[[str | None], object]) -> pd.Series:
    """Apply ``fn`` once per distinct value of ``s`` (missing values passed as None)."""
    codes, uniques = _factorize_text(s)
    table = np.empty(len(uniques) + 1, dtype=object)
    for i, u in enumerate(uniques):
        table[i] = fn(u)
    table[-1] = fn(None)
    return pd.Series(table[np.where(codes < 0, len(uniques), codes)], index=s.index, dtype=object)


def _map_unique_arrow(
    s: pd.Series, fn: Callable[[str | None], object], type_: pa.DataType
) -> pd.Series:
    """:func:`_map_unique` into an Arrow-backed Series of ``type_`` (lists stay in Arrow)."""
    codes, uniques = _factorize_text(s)
    table = pa.array([*(fn(u) for u in uniques), fn(None)], type=type_)
    taken = table.take(pa.array(np.where(codes < 0, len(uniques), codes)))
    return pd.Series(pd.arrays.ArrowExtensionArray(taken), index=s.index)


def _flag_lists(
    flags: list[tuple[np.ndarray, str | np.ndarray]], n: int
) -> tuple[pa.ListArray, np.ndarray]:
    """The ``flags`` list of every row, in the order of ``flags``, and how many each row has.

    Each flag is ``(present, name)``: a boolean per row and the flag's name, one for all rows
    or one per row.
    """
    present = np.column_stack([p for p, _ in flags]) if flags else np.zeros((n, 0), dtype=bool)
    counts = present.sum(axis=1)
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(counts, out=offsets[1:])
    rows = np.flatnonzero(counts)  # few: only these rows need their names looked at
    names = np.empty((len(rows), len(flags)), dtype=object)
    for j, (_, name) in enumerate(flags):
        names[:, j] = name if isinstance(name, str) else name[rows]
    values = pa.array(names[present[rows]], type=pa.string())
    return pa.ListArray.from_arrays(pa.array(offsets), values), counts


def _h3_cells(lat: pd.Series, lon: pd.Series, res: int) -> pd.Series:
    from h3 import _cy as h3c

    ok = (lat.notna() & lon.notna()).to_numpy()
    la = lat.to_numpy(dtype=float, na_value=0.0)[ok].tolist()
    lo = lon.to_numpy(dtype=float, na_value=0.0)[ok].tolist()
    out = np.zeros(len(lat), dtype="uint64")
    # Python floats: h3 is 3-4x faster on them than on NumPy scalars. (Every point of a large
    # export is distinct, so a cache of points only costs time.) h3.api.basic_int's
    # latlng_to_cell is this Cython function behind two identity wrappers; calling it through
    # map() with no Python frame per point takes a third of the time.
    cells = map(h3c.latlng_to_cell, la, lo, itertools.repeat(res, len(la)))
    out[ok] = np.fromiter(cells, dtype="uint64", count=len(la))
    # Build the masked array directly: going through float (as .where does) corrupts
    # 64-bit cell ids.
    return pd.Series(pd.arrays.IntegerArray(out, mask=~ok), index=lat.index)


# The H3 index's bit layout (https://h3geo.org/docs/library/index/cell): the resolution in
# bits 52-55, then one 3-bit digit per resolution 1-15, resolution 1 highest; the digits below
# a cell's resolution are all 7.
_H3_RES_SHIFT = 52
_H3_RES_MASK = np.uint64(0xF << _H3_RES_SHIFT)
_H3_DIGIT_BITS = 3
_H3_MAX_RES = 15


def _h3_parent(cells: pd.Series, res: int) -> pd.Series:
    """Coarser cells from finer ones (``h3.cell_to_parent`` for cells at resolution ``res`` or
    finer), as h3's C library computes them: the resolution field set to ``res`` and every
    digit below it set to 7, in NumPy over the whole column."""
    ok = cells.notna().to_numpy()
    vals = cells.to_numpy(dtype="uint64", na_value=0)
    below = 0
    for r in range(res + 1, _H3_MAX_RES + 1):
        below |= 0b111 << ((_H3_MAX_RES - r) * _H3_DIGIT_BITS)
    out = (vals & ~_H3_RES_MASK) | np.uint64((res << _H3_RES_SHIFT) | below)
    out[~ok] = 0
    return pd.Series(pd.arrays.IntegerArray(out, mask=~ok), index=cells.index)


def _date32(date: pd.Series) -> pd.Series:
    """Calendar days of a datetime Series as an Arrow ``date32`` Series (what ``.dt.date``
    gives, without a Python object per row)."""
    days = date.to_numpy(dtype="datetime64[s]").astype("datetime64[D]")
    arr = pa.array(days, type=pa.date32(), mask=np.isnat(days))
    return pd.Series(pd.arrays.ArrowExtensionArray(arr), index=date.index)


_LIST_OF_TEXT = pa.list_(pa.string())

#: The first day each publisher's series can hold: an earlier date is a typo or junk.
SOURCE_START: dict[str, dt.date] = {
    "mmp": dt.date(2014, 1, 1),  # the Missing Migrants Project began recording in 2014
    "frontex": dt.date(2009, 1, 1),  # the monthly detections series starts in January 2009
    "unhcr-arrivals": dt.date(2014, 1, 1),  # the portal's daily Mediterranean series
    "unhcr-population": dt.date(1951, 1, 1),  # the Refugee Convention; UNHCR's tables start
}
#: A date may lie this far after the load day (time zones, a publisher a day ahead).
FUTURE_TOLERANCE = dt.timedelta(days=2)

#: Plausibility limits per field: above them a cell is rejected (``count too large in ...``).
#: Each is several times the largest value in the publishers' whole history as of 2026
#: (checked by tests/data/test_plausibility_limits.py on the real files): IOM's largest
#: incident counts 1,022 dead and missing (750 dead, 750 missing, 1,950 survivors); Frontex's
#: largest monthly cell 204,286 detections; UNHCR's largest daily arrivals to Italy 5,504 and
#: largest population cell 16.5 million.
MMP_COUNT_LIMITS: dict[str, int] = {
    "dead": 10_000,
    "missing": 10_000,
    "total": 10_000,
    "survivors": 100_000,
    "females": 10_000,
    "males": 10_000,
    "children": 10_000,
}
FRONTEX_DETECTIONS_LIMIT = 2_000_000
ARRIVALS_PER_DAY_LIMIT = 100_000
POPULATION_CELL_LIMIT = 200_000_000


def _today(today: dt.date | None) -> dt.date:
    return dt.date.today() if today is None else today


def _implausible_dates(date: pd.Series, kind: str, today: dt.date | None, what: str) -> pd.Series:
    """Per row, why a parsed date cannot be right (after the load day, or before the source
    began), else missing."""
    late = pd.Timestamp(_today(today) + FUTURE_TOLERANCE)
    start = pd.Timestamp(SOURCE_START[kind])
    out = pd.Series(pd.NA, index=date.index, dtype="string")
    out = out.mask((date > late).fillna(False), f"{what} after the load day")
    out = out.mask((date < start).fillna(False), f"{what} before the source began ({start:%Y-%m})")
    return out


def _date_order(s: pd.Series, name: str, column: str) -> tuple[bool, list[str]]:
    """Decide once per file whether ``NN/NN/YYYY`` dates are day first (IOM's way) or month
    first, from the cells that can only be read one way; refuse a file that has both.

    Returns
    -------
    (dayfirst, notes)
    """
    day_first, month_first, ambiguous = parsing.slash_date_order(s)
    if day_first and month_first:
        raise IngestError(
            f"{name} writes {column!r} both day first ({day_first:,} dates such as 13/04/2026) "
            f"and month first ({month_first:,} such as 04/13/2026), so the order of the other "
            f"{ambiguous:,} cannot be told: refused. Save the column as YYYY-MM-DD dates."
        )
    total = day_first + month_first + ambiguous
    if not total:
        return True, []
    if month_first:
        return False, [
            f"Dates written NN/NN/YYYY in {column!r} were read month first (MM/DD/YYYY), as "
            f"{month_first:,} of the {total:,} can only be read that way."
        ]
    if day_first:
        return True, [
            f"Dates written NN/NN/YYYY in {column!r} were read day first (DD/MM/YYYY), as "
            f"{day_first:,} of the {total:,} can only be read that way."
        ]
    return True, [
        f"Dates written NN/NN/YYYY in {column!r} were read day first (DD/MM/YYYY), as IOM "
        f"writes them: none of the {total:,} shows the order (no day above 12)."
    ]


def _cut_note(cuts: dict[str, tuple[int, int]]) -> list[str]:
    """The summary's note on text cells cut to their field's limit."""
    parts = [f"{col} ({limit:,} characters): {n:,}" for col, (n, limit) in cuts.items() if n]
    if not parts:
        return []
    total = sum(n for n, _ in cuts.values())
    return [
        f"{total:,} text cells were longer than their field allows and were cut, flagged "
        f"'field_truncated': " + ", ".join(parts) + "."
    ]


def _dated_counts(
    frame: pd.DataFrame,
    date_col: tuple[str, str],
    count_col: tuple[str, str],
    max_count: int,
    kind: str,
    name: str,
    today: dt.date | None,
) -> tuple[pd.Series, pd.Series, pd.Series, list[str]]:
    """Dates and counts of a date,count file with the reason each bad row is rejected.

    ``date_col`` and ``count_col`` are (column, word in the reason). Returns the parsed dates,
    the counts, the reasons (``NA`` for a good row) and the notes on the day/month order used.
    """
    (dcol, dword), (ccol, cword) = date_col, count_col
    dayfirst, order_notes = _date_order(frame[dcol], name, dcol)
    dates = parsing.parse_dates(frame[dcol], dayfirst=dayfirst)
    counts, r_counts = parsing.parse_counts(frame[ccol], max_count=max_count)
    reasons = pd.Series(pd.NA, index=frame.index, dtype="string")
    reasons = reasons.mask(dates.isna(), f"no parseable {dword}")
    odd = _implausible_dates(dates, kind, today, dword)
    reasons = reasons.mask(reasons.isna() & odd.notna(), odd)
    reasons = reasons.mask(reasons.isna() & r_counts.notna(), r_counts + f" in {cword}")
    return dates, counts, reasons, order_notes


def prepare_mmp(
    frame: pd.DataFrame, *, name: str = "The file", today: dt.date | None = None
) -> Prepared:
    """Validate and normalise an IOM Missing Migrants export.

    ``today`` is the load day (default: today): incident dates after it (beyond
    :data:`FUTURE_TOLERANCE`) or before 2014 are rejected with their reason.

    Returns
    -------
    Prepared
        ``facts`` has the columns of the ``incidents`` table (counts in persons, lat/lon in
        EPSG:4326 degrees) except ``source_id``. List columns (route ids, origins, causes,
        regions, flags) and the incident date are Arrow-backed (``pd.ArrowDtype``).
    """
    cols = map_mmp_columns(list(frame.columns))
    missing = [k for k in ("main_id", "region_of_incident") if k not in cols]
    if "incident_date" not in cols and "year" not in cols:
        missing.append("incident_date")
    if "dead" not in cols and "total" not in cols:
        missing.append("dead")
    if missing:
        names = ", ".join(MMP_COLUMNS[k][0] for k in missing)
        raise IngestError(f"The IOM export is missing required columns: {names}.")
    n = len(frame)
    frame = frame.reset_index(drop=True)
    empty = pd.Series(pd.NA, index=frame.index, dtype="string")

    def col(key: str) -> pd.Series:
        return frame[cols[key]] if key in cols else empty

    reasons = pd.Series(pd.NA, index=frame.index, dtype="string")
    flags: list[tuple[np.ndarray, str | np.ndarray]] = []

    dayfirst, order_notes = _date_order(col("incident_date"), name, cols.get("incident_date", ""))
    date = parsing.parse_dates(col("incident_date"), dayfirst=dayfirst)
    # The year/month fallback is row by row: only the rows without a date need it.
    need = date.isna()
    fallback = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[s]")
    if need.any():
        fallback[need] = parsing.parse_year_month(col("year")[need], col("month")[need])
    use_fb = date.isna() & fallback.notna()
    date = date.mask(use_fb, fallback)
    flags.append((use_fb.to_numpy(dtype=bool), "date_from_year_month"))
    reasons = reasons.mask(date.isna(), "no parseable incident date")
    odd_date = _implausible_dates(date, "mmp", today, "incident date")
    reasons = reasons.mask(reasons.isna() & odd_date.notna(), odd_date)

    lim = MMP_COUNT_LIMITS
    dead, r_dead = parsing.parse_counts(col("dead"), max_count=lim["dead"])
    miss, r_miss = parsing.parse_counts(col("missing"), max_count=lim["missing"])
    total, r_total = parsing.parse_counts(col("total"), max_count=lim["total"])
    # IOM records a later correction (bodies found of people first counted missing) as a
    # negative "missing" whose row still adds up: keep it, so sums match IOM's totals.
    negative = (r_miss == "negative count").fillna(False)
    if negative.any():
        raw_missing = pd.to_numeric(col("missing").astype("string").str.strip(), errors="coerce")
        correction = (
            negative
            & (raw_missing % 1 == 0).fillna(False)
            & (dead.fillna(-1) + raw_missing.fillna(0) == total.fillna(-1)).fillna(False)
            & (total.fillna(-1) >= 0).fillna(False)
        )
        miss = miss.mask(correction, raw_missing.round().astype("Int64"))
        r_miss = r_miss.mask(correction, pd.NA)
    else:
        correction = negative
    flags.append((correction.to_numpy(dtype=bool), "negative_missing_correction"))
    for name, r in (("dead", r_dead), ("missing", r_miss), ("total dead and missing", r_total)):
        reasons = reasons.mask(reasons.isna() & r.notna(), r + " in " + name)
    total_given = col("total").astype("string").str.strip().fillna("") != ""
    if "dead" not in cols:
        dead = (total - miss).clip(lower=0)
    parts = dead.fillna(0) + miss.fillna(0)
    dam = total.where(total_given, parts)
    mismatch = total_given & (total != parts) & reasons.isna()
    flags.append((mismatch.fillna(False).to_numpy(dtype=bool), "total_disagrees_with_parts"))
    reasons = reasons.mask(
        reasons.isna() & (dam.fillna(0) <= 0) & (parts.fillna(0) <= 0),
        "no dead or missing recorded",
    )

    optional: dict[str, pd.Series] = {}
    for key in ("survivors", "females", "males", "children"):
        optional[key], r_opt = parsing.parse_optional_counts_checked(col(key), lim[key])
        too_large = r_opt.notna()
        reasons = reasons.mask(reasons.isna() & too_large, f"count too large in {key}")

    lat, lon, cflag = parsing.parse_coordinates(col("coords"))
    flags.append((cflag.notna().to_numpy(), cflag.to_numpy(dtype=object, na_value=None)))

    quality = parsing.parse_source_quality(col("quality"))
    cut_any = np.zeros(n, dtype=bool)
    cuts: dict[str, tuple[int, int]] = {}

    def text(key: str, limit: int) -> pd.Series:
        # Every text field is capped; a cell cut to its cap is flagged and counted, never
        # shortened silently.
        out, cut = parsing.clean_text_cut(col(key), limit)
        if cut.any():
            np.logical_or(cut_any, cut, out=cut_any)
            cuts[cols.get(key, key)] = (int(cut.sum()), limit)
        return out

    region_txt = text("region_of_incident", 200)
    country_txt = text("country_of_incident", 200)
    origin_txt = text("origin", 1000)
    route_txt = text("route", 500)
    # Cells repeat a lot (a few hundred distinct labels over 20k-5M rows): parse each distinct
    # value once and map, instead of calling the parsers row by row.
    cause_lists = _map_unique_arrow(
        text("cause", 1000),
        lambda v: _split_one(v) or ["Mixed or unknown"],
        _LIST_OF_TEXT,
    )
    origin_lists = _map_unique_arrow(
        origin_txt,
        lambda v: [c for c in dict.fromkeys(reference.country_iso3(x) for x in _split_one(v)) if c],
        _LIST_OF_TEXT,
    )
    route_ids = _map_unique_arrow(
        route_txt, lambda v: list(reference.route_ids_for_label(v, "mmp")), _LIST_OF_TEXT
    )
    country_iso = _map_unique_arrow(country_txt, reference.country_iso3, pa.string())
    region_lists = _map_unique_arrow(region_txt, _split_one, _LIST_OF_TEXT)

    main_id = text("main_id", 64)
    # IOM lists every incident of a merged record in its Incident ID (up to 152 characters in
    # the 2026 export): a cap that real rows never reach.
    incident_id = text("incident_id", 1000)
    incident_type = text("incident_type", 100)
    region_of_origin = text("region_of_origin", 200)
    location = text("location", 1000)
    # A coordinates cell over 100 characters is no coordinate: it is flagged
    # coords_unparseable already (parsing.MAX_COORD_CHARS), so its cut is not flagged again.
    coords_raw = parsing.clean_text(col("coords"), parsing.MAX_COORD_CHARS)
    unsd = text("unsd", 200)
    info_source = text("info_source", 1000)
    url = text("url", 2000)
    quality_raw = text("quality", 50)
    flags.append((cut_any, "field_truncated"))

    good = reasons.isna()
    flag_arr, n_flags = _flag_lists(flags, n)
    facts = pd.DataFrame(
        {
            "row_number": (frame.index.to_numpy() + 2).astype("int64"),
            "main_id": main_id,
            "incident_id": incident_id,
            "incident_type": incident_type,
            "incident_date": _date32(date),
            "year": date.dt.year.astype("Int64"),
            "month": date.dt.month.astype("Int64"),
            "region_of_incident": region_txt,
            "region_of_incident_list": region_lists,
            "country_of_incident": country_txt,
            "country_of_incident_iso3": country_iso,
            "route_labels_raw": route_txt,
            "route_ids": route_ids,
            "n_routes": pc.list_value_length(pa.array(route_ids.array))
            .to_numpy(zero_copy_only=False)
            .astype("int64"),
            "dead": dead,
            "missing": miss,
            "dead_and_missing": dam,
            "survivors": optional["survivors"],
            "females": optional["females"],
            "males": optional["males"],
            "children": optional["children"],
            "origin_raw": origin_txt,
            "origin_iso3": origin_lists,
            "region_of_origin": region_of_origin,
            "causes": cause_lists,
            "location": location,
            "lat": lat,
            "lon": lon,
            "coords_raw": coords_raw,
            "flags": pd.Series(pd.arrays.ArrowExtensionArray(flag_arr), index=frame.index),
            "unsd_grouping": unsd,
            "information_source": info_source,
            "url": url,
            "source_quality": quality,
            "source_quality_raw": quality_raw,
        },
        index=frame.index,
        copy=False,  # every column is a fresh array already
    )
    all_good = bool(good.all())
    if not all_good:
        facts = facts[good]
    facts["h3_r5"] = _h3_cells(facts["lat"], facts["lon"], 5)
    facts["h3_r3"] = _h3_parent(facts["h3_r5"], 3)
    vintage = pc.max(pa.array(facts["incident_date"].array)).as_py() if len(facts) else None
    rejected = _rejected(frame, ~good, reasons)
    flagged = int((n_flags[good.to_numpy()] > 0).sum())
    multi = int((facts["n_routes"] > 1).sum())
    notes = [f"{multi} incidents carry several route labels (counted on each route)."]
    notes += order_notes + _cut_note(cuts)
    prep = Prepared("incidents", facts, rejected, n, flagged, vintage, notes)
    prep.fields_cut = sum(k for k, _ in cuts.values())
    return prep


def prepare_frontex(
    frame: pd.DataFrame, *, name: str = "The file", today: dt.date | None = None
) -> Prepared:
    """Validate and normalise the Frontex monthly detections file (``route,type,nat,t,n``)."""
    frame = frame.reset_index(drop=True)
    n = len(frame)
    month, counts, reasons, order_notes = _dated_counts(
        frame, ("t", "month"), ("n", "detections"), FRONTEX_DETECTIONS_LIMIT, "frontex", name, today
    )
    route_raw, route_cut = parsing.clean_text_cut(frame["route"], 200)
    reasons = reasons.mask(reasons.isna() & route_raw.isna(), "no route")
    # Frontex writes Kosovo as XKX; our boundaries (Natural Earth) use KOS.
    nat = parsing.clean_text(frame["nat"], 10).str.upper().replace({"XKX": "KOS"})
    good = reasons.isna()
    route_id = _map_unique(route_raw, lambda v: reference.route_ids_for_label(v, "frontex")[0])
    facts = pd.DataFrame(
        {
            "route_id": route_id,
            "route_raw": route_raw,
            "border_type": parsing.clean_text(frame["type"], 20),
            "nationality_iso3": nat.where(nat.str.fullmatch(r"[A-Z]{3}").fillna(False)),
            "month": month.dt.to_period("M").dt.to_timestamp().dt.date,
            "detections": counts,
        }
    )[good]
    vintage = facts["month"].max() if len(facts) else None
    notes = order_notes + _cut_note({"route": (int(route_cut.sum()), 200)})
    prep = Prepared("detections", facts, _rejected(frame, ~good, reasons), n, 0, vintage, notes)
    prep.fields_cut = int(route_cut.sum())
    return prep


_UNHCR_POP = {
    "refugees": "refugees",
    "asylum_seekers": "asylum_seekers",
    "returned_refugees": "returned_refugees",
    "idps": "idps",
    "returned_idps": "returned_idps",
    "stateless": "stateless",
    "ooc": "others_of_concern",
    "oip": "other_in_need_of_protection",
    "hst": "host_community",
}


POPULATION_MAX = POPULATION_CELL_LIMIT  # (the name older code imports)


def prepare_unhcr_population(
    frame: pd.DataFrame, *, name: str = "The file", today: dt.date | None = None
) -> Prepared:
    """Normalise UNHCR population statistics (origin x asylum x year)."""
    frame = frame.reset_index(drop=True)
    year = pd.to_numeric(frame["year"], errors="coerce")
    reasons = pd.Series(pd.NA, index=frame.index, dtype="string")
    reasons = reasons.mask(~year.between(1900, 2100), "no parseable year")
    # Years before UNHCR's statistics began are junk. Later years are kept (up to 2100): the
    # series is yearly stocks, with projections and synthetic fixtures dated ahead.
    start = SOURCE_START["unhcr-population"].year
    reasons = reasons.mask(
        reasons.isna() & (year < start), f"year before the source began ({start})"
    )
    out = pd.DataFrame({"year": year.astype("Int64")})
    for c in ("coo_iso", "coa_iso"):
        v = parsing.clean_text(frame[c], 10).str.upper()
        out["origin_iso3" if c == "coo_iso" else "asylum_iso3"] = v.where(
            v.str.fullmatch(r"[A-Z]{3}").fillna(False)
        )
    for src, dst in _UNHCR_POP.items():
        if src in frame.columns:
            vals, r = parsing.parse_counts(frame[src], max_count=POPULATION_CELL_LIMIT)
            out[dst] = vals
            reasons = reasons.mask(reasons.isna() & r.notna(), r + " in " + src)
        else:
            out[dst] = pd.Series(pd.NA, index=frame.index, dtype="Int64")
    good = reasons.isna()
    facts = out[good]
    y = int(facts["year"].max()) if len(facts) else None
    vintage = dt.date(y, 12, 31) if y else None
    return Prepared(
        "refugee_population", facts, _rejected(frame, ~good, reasons), len(frame), 0, vintage
    )


def prepare_unhcr_arrivals(
    frame: pd.DataFrame,
    country_iso3: str = "ITA",
    *,
    name: str = "The file",
    today: dt.date | None = None,
) -> Prepared:
    """Normalise UNHCR daily sea arrivals (``data_date,individuals``) for one country."""
    frame = frame.reset_index(drop=True)
    date, counts, reasons, order_notes = _dated_counts(
        frame,
        ("data_date", "date"),
        ("individuals", "individuals"),
        ARRIVALS_PER_DAY_LIMIT,
        "unhcr-arrivals",
        name,
        today,
    )
    good = reasons.isna()
    facts = pd.DataFrame({"country_iso3": country_iso3, "date": date.dt.date, "arrivals": counts})[
        good
    ]
    vintage = facts["date"].max() if len(facts) else None
    return Prepared(
        "arrivals", facts, _rejected(frame, ~good, reasons), len(frame), 0, vintage, order_notes
    )


OC_INDICATORS = {
    "criminality": "oc_criminality",
    "human trafficking": "oc_human_trafficking",
    "human smuggling": "oc_human_smuggling",
    "criminal networks": "oc_criminal_networks",
    "criminal actors": "oc_criminal_actors",
    "state embedded actors": "oc_state_embedded_actors",
    "resilience": "oc_resilience",
    "territorial integrity": "oc_territorial_integrity",
    "international cooperation": "oc_international_cooperation",
    "law enforcement": "oc_law_enforcement",
    "anti money laundering": "oc_anti_money_laundering",
    "victim and witness support": "oc_victim_witness_support",
    "prevention": "oc_prevention",
}


def prepare_oc_index(frame: pd.DataFrame, edition: int) -> Prepared:
    """Reshape the GI-TOC Organized Crime Index (country names -> ISO-3) to long form.

    Names that do not match the tested name table are rejected and listed in the notes.
    """
    frame = frame.reset_index(drop=True)
    by_norm = {_oc_norm(c): c for c in frame.columns}
    names = parsing.clean_text(frame[by_norm["country"]], 200)
    iso = names.astype(object).map(lambda v: None if pd.isna(v) else reference.country_iso3(v))
    reasons = pd.Series(pd.NA, index=frame.index, dtype="string")
    reasons = reasons.mask(iso.isna(), "country name not in the name table")
    good = reasons.isna()
    parts = []
    for norm, indicator in OC_INDICATORS.items():
        if norm not in by_norm:
            continue
        vals = pd.to_numeric(frame[by_norm[norm]], errors="coerce")
        vals = vals.where(vals.between(0, 10))
        parts.append(
            pd.DataFrame(
                {
                    "iso3": iso,
                    "indicator": indicator,
                    "edition": edition,
                    "value": vals.astype("Float64"),
                    "unit": "score 1-10",
                }
            )[good]
        )
    facts = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    unmatched = sorted(names[~good].dropna().unique().tolist())
    notes = [f"Unmatched country names: {', '.join(unmatched)}"] if unmatched else []
    return Prepared(
        "country_indicators",
        facts,
        _rejected(frame, ~good, reasons),
        len(frame),
        0,
        dt.date(edition, 1, 1),
        notes,
    )


# A GI-TOC workbook opens on a cover sheet and holds one data sheet per edition.
OC_SHEET = re.compile(r"^\s*((?:19|20)\d\d)[ _-]*dataset\s*$", re.IGNORECASE)
_OC_WORKBOOK_HINT = re.compile(r"oc[ _-]*index|organi[sz]ed[ _-]*crime", re.IGNORECASE)


def oc_edition_sheets(sheets: Sequence[str]) -> dict[int, str]:
    """The GI-TOC data sheets of a workbook by edition year (``{2023: "2023_dataset"}``)."""
    out: dict[int, str] = {}
    for s in sheets:
        m = OC_SHEET.match(s)
        if m:
            out.setdefault(int(m.group(1)), s)
    return out


def _sheet_chooser(
    name: str, sheet: str | None, edition: int | None
) -> Callable[[Sequence[str]], str]:
    """The sheet to read from a workbook's sheet names: ``sheet`` when given; else, in a GI-TOC
    workbook, the data sheet of ``edition`` or of the newest edition; else the first sheet."""

    def choose(sheets: Sequence[str]) -> str:
        if sheet is not None:
            return sheet
        editions = oc_edition_sheets(sheets)
        if not editions:
            return sheets[0]
        if edition is None:
            return editions[max(editions)]
        if edition not in editions:
            have = ", ".join(str(y) for y in sorted(editions))
            raise IngestError(f"{name} has no {edition} edition sheet; it holds editions {have}.")
        return editions[edition]

    return choose


def _unrecognised(name: str, table: SourceTable) -> IngestError:
    shown = ", ".join(list(table.frame.columns)[:6])
    if table.sheet is None or len(table.sheets) < 2:
        return IngestError(f"{name} is not a recognised export (columns: {shown[:200]}).")
    sheets = ", ".join(repr(s) for s in table.sheets[:10])
    oc_sheets = oc_edition_sheets(table.sheets)
    if oc_sheets:
        listed = ", ".join(repr(s) for _, s in sorted(oc_sheets.items(), reverse=True))
        hint = f" Its GI-TOC data sheets are {listed}."
    elif any(_OC_WORKBOOK_HINT.search(s) for s in table.sheets):
        hint = (
            " It looks like a GI-TOC Organized Crime Index workbook, but no sheet is named like "
            "'2023_dataset' (one data sheet per edition)."
        )
    else:
        hint = " Choose the sheet that holds the data (CLI: --sheet NAME)."
    return IngestError(
        f"{name}: sheet {table.sheet!r} is not a recognised export (columns: {shown[:160]}); "
        f"the workbook's sheets are {sheets}.{hint}"
    )


def _other_editions_note(table: SourceTable, edition: int) -> list[str]:
    others = {y: s for y, s in oc_edition_sheets(table.sheets).items() if y != edition}
    if not others:
        return []
    listed = ", ".join(f"{y} (sheet {s!r})" for y, s in sorted(others.items(), reverse=True))
    first = others[max(others)]
    return [
        f"This workbook also holds edition(s) {listed}; only {edition} was loaded. Load the "
        f"file again choosing that sheet to add it (CLI: --sheet {first})."
    ]


_SHEET_SUFFIX = re.compile(r" \[sheet (.*)\]$")


def _origin(name: str, sheet: str | None) -> str:
    base = Path(name).name if "://" not in name else name
    return base if sheet is None else f"{base} [sheet {sheet}]"


def _origin_sheet(origin: str) -> str | None:
    m = _SHEET_SUFFIX.search(origin)
    return m.group(1) if m else None


# ---------------------------------------------------------------- loading


@dataclass
class LoadSummary:
    """What one load did, for the CLI, the app and the tests."""

    status: str  # "loaded" | "unchanged"
    source_id: str
    kind: str
    origin: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_flagged: int = 0
    vintage: str | None = None
    seconds: float = 0.0
    reject_reasons: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    sheet: str | None = None  # the workbook sheet loaded (workbooks of several sheets only)
    #: Loaded with ``accept_partial`` from a file that looks cut off (and why it looks so).
    partial: bool = False
    partial_reason: str | None = None
    #: Where the vintage came from: "file name", "given vintage" (the caller's metadata, CLI
    #: --vintage), "latest plausible date" (with why, when the name's month confirms it or the
    #: file is partial), "edition" (OC Index) or "latest year" (UNHCR population).
    vintage_from: str | None = None
    data_end: str | None = None  # the latest plausible date in the data
    fields_cut: int = 0  # text cells cut to their field's limit (and flagged)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def lines(self) -> list[str]:
        if self.status == "unchanged":
            return [f"{self.origin}: already loaded as {self.source_id}; nothing changed."]
        partial = " PARTIAL" if self.partial else ""
        source = f" from the {self.vintage_from}" if self.vintage_from else ""
        out = [
            f"Loaded {self.origin} as {self.source_id} ({_KIND_NAMES[self.kind]}, vintage "
            f"{self.vintage}{partial}{source}) in {self.seconds:.1f} s:",
            f"  rows read {self.rows_read:,}, loaded {self.rows_loaded:,}, rejected "
            f"{self.rows_rejected:,}, loaded with a flag {self.rows_flagged:,}, text fields "
            f"cut {self.fields_cut:,}",
        ]
        if self.partial:
            out.append(
                f"  partial: loaded with --accept-partial although the file looks cut off "
                f"({self.partial_reason}); the vintage is marked partial wherever it is shown"
            )
        for reason, k in sorted(self.reject_reasons.items(), key=lambda kv: -kv[1]):
            out.append(f"  rejected: {k:,} x {reason}")
        out.extend(f"  note: {n}" for n in self.notes)
        return out


_ARROW_LISTS = (
    "route_ids",
    "origin_iso3",
    "causes",
    "flags",
    "region_of_incident_list",
)


def _to_arrow(facts: pd.DataFrame) -> pa.Table:
    cols: dict[str, pa.Array | pa.ChunkedArray] = {}
    for c in facts.columns:
        s = facts[c]
        if isinstance(s.array, pd.arrays.ArrowExtensionArray):
            cols[c] = pa.array(s.array)  # already Arrow (text, lists, dates): no copy
        elif c in _ARROW_LISTS and s.dtype == object and isinstance(s.iloc[0], list):
            # Only lists: a text column of another table may share a name (UNHCR's
            # "origin_iso3"), and a string is not a list of its characters.
            cols[c] = pa.array(s.tolist(), type=pa.list_(pa.string()))
        elif s.dtype == object and len(s) and isinstance(s.iloc[0], dt.date):
            cols[c] = pa.array(s.tolist(), type=pa.date32())
        else:
            cols[c] = pa.Array.from_pandas(s)
    return pa.table(cols)


def _insert(con, table: str, source_id: str, facts: pd.DataFrame) -> None:
    if facts.empty:
        return
    arrow = _to_arrow(facts)
    con.register("_incoming", arrow)
    try:
        names = ", ".join(f'"{c}"' for c in facts.columns)  # columns come from our code
        con.execute(
            f"INSERT INTO {table} (source_id, {names}) SELECT $sid, {names} FROM _incoming",  # noqa: S608
            {"sid": source_id},
        )
    finally:
        con.unregister("_incoming")


def reference_frames() -> list[tuple[str, pd.DataFrame]]:
    """The authored reference tables (routes, labels, countries) as frames, table by table.

    Pure (reads only the packaged reference files), so a large load computes it in a worker
    thread while it parses the file.
    """
    routes = reference.read_routes()
    waypoints = reference.read_waypoints()
    labels = reference.read_route_labels()[["source_kind", "label", "route_id"]]
    countries = reference.read_countries()
    cdf = pd.DataFrame(
        {
            "iso3": countries["iso3"],
            "iso2": countries["iso2"],
            "m49": pd.to_numeric(countries["m49"], errors="coerce").astype("Int64"),
            "name": countries["name"],
            "un_region": countries["un_region"],
            "un_subregion": countries["un_subregion"],
            "centroid_lon": countries["centroid_lon"].astype(float),
            "centroid_lat": countries["centroid_lat"].astype(float),
            "geometry_wkb": countries.geometry.to_wkb(),
        }
    ).drop_duplicates("iso3")
    return [
        ("routes", routes[list(reference.ROUTE_COLUMNS)]),
        ("route_waypoints", waypoints[["route_id", "seq", "name", "lon", "lat", "role"]]),
        ("route_labels", labels),
        ("countries", cdf),
        # Which countries each route crosses depends on reference data only: computed here
        # once per load instead of on every transit-risk query (0.3-0.8 s each).
        ("route_countries", compute_routes_crossing(waypoints, countries)[["route_id", "iso3"]]),
    ]


def refresh_reference(con, frames: list[tuple[str, pd.DataFrame]] | None = None) -> None:
    """Replace the authored reference tables (routes, labels, countries) from ``data/reference``
    (or from ``frames``, :func:`reference_frames` computed beforehand)."""
    for table, df in reference_frames() if frames is None else frames:
        con.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
        con.register("_ref", df)
        try:
            cols = ", ".join(df.columns)
            con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _ref")  # noqa: S608
        finally:
            con.unregister("_ref")


class _Meanwhile(Generic[_T]):
    """``fn()``, run in a worker thread once :meth:`start` is called (for a large load), else
    called when its result is first needed.

    A large load computes the reference tables while it validates the file: that work runs
    mostly in one thread, so the second core is otherwise idle.
    """

    def __init__(self, fn: Callable[[], _T], background: bool) -> None:
        self._fn = fn
        self._background = background
        self._pool: ThreadPoolExecutor | None = None
        self._future: Future[_T] | None = None

    def start(self) -> None:
        if self._background and self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="ingest")
            self._future = self._pool.submit(self._fn)

    def result(self) -> _T:
        return self._future.result() if self._future is not None else self._fn()

    def close(self) -> None:
        if self._pool is not None:  # a refused file does not wait for the worker
            self._pool.shutdown(wait=False, cancel_futures=True)


# Files at least this large compute the reference tables in a worker thread (once the file has
# been read and recognised, so a refused file never starts it).
BACKGROUND_BYTES = 16 * 1024 * 1024


def prepare(
    frame: pd.DataFrame,
    kind: str,
    name: str,
    edition: int | None = None,
    *,
    today: dt.date | None = None,
) -> Prepared:
    """Dispatch to the adapter for ``kind`` (``today``: the load day, default today)."""
    if kind == "mmp":
        return prepare_mmp(frame, name=name, today=today)
    if kind == "frontex":
        return prepare_frontex(frame, name=name, today=today)
    if kind == "unhcr-population":
        return prepare_unhcr_population(frame, name=name, today=today)
    if kind == "unhcr-arrivals":
        return prepare_unhcr_arrivals(frame, name=name, today=today)
    if kind == "oc-index":
        if edition is None:
            m = re.search(r"(20\d\d)", name)
            if not m:
                raise IngestError(
                    "Cannot tell the OC Index edition from the file name: pass --edition YEAR."
                )
            edition = int(m.group(1))
        return prepare_oc_index(frame, edition)
    raise IngestError(f"Unknown kind {kind!r}; expected one of {', '.join(KINDS)}.")


def _already_loaded(
    db: str | Path | None, sha: str, is_demo: bool, sheet: str | None = None
) -> tuple[str, str] | None:
    """Cheap pre-check (read-only) so re-loading a known file skips parsing entirely.

    A workbook of several sheets is known per sheet (recorded in the source's origin).
    """
    con = _read_only_or_none(db)
    if con is None:
        return None
    try:
        rows = con.execute(
            "SELECT source_id, kind, origin FROM sources WHERE sha256 = ? AND is_demo = ?",
            [sha, is_demo],
        ).fetchall()
    except duckdb.Error:
        return None
    finally:
        con.close()
    for sid, kind, origin in rows:
        if _origin_sheet(str(origin)) == sheet:
            return str(sid), str(kind)
    return None


class _Unchanged(Exception):
    """Internal: the file is already loaded; abandon the staged write."""


#: Kinds whose publishers end every CSV export with a line break (checked on the real files in
#: ../shared/data): a file of theirs without one was cut off.
ENDS_WITH_NEWLINE = frozenset({"mmp", "frontex", "unhcr-population", "unhcr-arrivals", "oc-index"})
#: Kinds whose vintage is a day in the data, which a date in the file name can give.
DATED_KINDS = frozenset({"mmp", "frontex", "unhcr-arrivals"})
#: A file's data may end this long before the month its name gives (publication lag: Frontex
#: publishes a month's figures some weeks later) before it looks cut off.
NAME_LAG = dt.timedelta(days=92)
# A date written with separators ("2026-04", "2026_04_09"): a run of digits ("s20261128", a
# seed or an id) is not read as a date.
_NAME_DATE = re.compile(
    r"(?<![0-9])((?:19|20)[0-9]{2})[-_.](0[1-9]|1[0-2])(?:([-_.])(0[1-9]|[12][0-9]|3[01]))?(?![0-9])"
)


def name_vintage(name: str) -> tuple[dt.date, dt.date] | None:
    """The dates a file name gives (``..._allData_2026-04.csv``: April 2026), as the first and
    last day they cover; ``None`` when the name holds no date (or an impossible one)."""
    base = name.rsplit("/", 1)[-1]
    hits = list(_NAME_DATE.finditer(base))
    if not hits:
        return None
    m = hits[-1]  # a name may carry a range ("2009-2025"): the last date is the as-of date
    y, mo = int(m.group(1)), int(m.group(2))
    try:
        if m.group(4):
            d = dt.date(y, mo, int(m.group(4)))
            return d, d
        first = dt.date(y, mo, 1)
    except ValueError:
        return None
    nxt = dt.date(y + (mo == 12), mo % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)


def _record_cut(table: SourceTable, kind: str) -> list[str]:
    """Why the file's last record looks cut off (empty when it looks whole)."""
    why: list[str] = []
    if table.ended_in_quote:
        why.append("its last record ends inside a quoted field")
    elif (
        table.last_record_fields is not None
        and table.last_record_fields < table.header_fields
        # A file whose other records are short too is ragged, not cut off: its rows are
        # judged one by one.
        and (table.previous_record_fields or 0) >= table.header_fields
    ):
        why.append(
            f"its last record has {table.last_record_fields} of the header's "
            f"{table.header_fields} fields"
        )
    if table.ends_with_newline is False and kind in ENDS_WITH_NEWLINE and not table.ended_in_quote:
        why.append(
            f"it does not end with a line break, as every {SOURCE_META[kind].publisher} export does"
        )
    return why


def _read_only_or_none(db: str | Path | None) -> duckdb.DuckDBPyConnection | None:
    """A read-only look at the warehouse before a load, or ``None`` when there is none yet
    (or it cannot be opened: the load itself then says why)."""
    from data.db import WarehouseError, connect_read_only

    try:
        return connect_read_only(db)
    except (WarehouseError, duckdb.Error):
        return None


def _previous_vintage(
    db: str | Path | None, kind: str, is_demo: bool
) -> tuple[str, dt.date, dt.date] | None:
    """The newest complete vintage of ``kind`` already loaded: (source id, vintage, data end)."""
    con = _read_only_or_none(db)
    if con is None:
        return None
    try:
        has_checks = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'source_checks'"
        ).fetchone()
        if has_checks and has_checks[0]:
            row = con.execute(
                "SELECT s.source_id, s.vintage, coalesce(c.data_end, s.vintage) FROM sources s "
                "LEFT JOIN source_checks c USING (source_id) "
                "WHERE s.kind = ? AND s.is_demo = ? AND s.vintage IS NOT NULL "
                "AND NOT coalesce(c.partial, false) "
                "ORDER BY s.vintage DESC, s.ingested_at DESC LIMIT 1",
                [kind, is_demo],
            ).fetchone()
        else:  # a warehouse from before the checks were recorded
            row = con.execute(
                "SELECT source_id, vintage, vintage FROM sources "
                "WHERE kind = ? AND is_demo = ? AND vintage IS NOT NULL "
                "ORDER BY vintage DESC, ingested_at DESC LIMIT 1",
                [kind, is_demo],
            ).fetchone()
    except duckdb.Error:
        return None
    finally:
        con.close()
    if row is None:
        return None
    return str(row[0]), row[1], row[2]


def _as_date(v: object) -> dt.date | None:
    if v is None or (not isinstance(v, dt.date) and pd.isna(v)):  # type: ignore[arg-type]
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    return pd.Timestamp(v).date()  # type: ignore[arg-type]


def _vintage_of(
    kind: str,
    name: str,
    data_end: dt.date | None,
    given: dt.date | None,
    today: dt.date,
) -> tuple[dt.date | None, str, list[str]]:
    """The load's vintage, where it came from, and notes.

    The caller's date (file metadata) first; else, for dated kinds, the file name's date (a
    name that gives only a month confirms the latest date in the data when that falls in the
    month); else the latest plausible date in the data.
    """
    if given is not None:
        return given, "given vintage", []
    named = name_vintage(name) if kind in DATED_KINDS else None
    if named is not None and named[0] > today + FUTURE_TOLERANCE:
        return (
            data_end,
            "latest plausible date",
            [f"The date in the file name ({named[0]:%Y-%m-%d}) is after the load day: ignored."],
        )
    if named is not None:
        first, last = named
        if first == last:
            return first, "file name", []
        if data_end is not None and first <= data_end <= last:
            return (
                data_end,
                f"latest plausible date, in the month the file name gives ({first:%Y-%m})",
                [],
            )
        return min(last, today), "file name", []
    return data_end, "latest plausible date", []


def load_bytes(
    raw: bytes,
    name: str,
    *,
    kind: str | None = None,
    db: str | Path | None = None,
    edition: int | None = None,
    sheet: str | None = None,
    is_demo: bool = False,
    progress: Progress = _no_progress,
    wait_s: float = 0.0,
    accept_partial: bool = False,
    vintage: dt.date | str | None = None,
    today: dt.date | None = None,
) -> LoadSummary:
    """Load one source file (already read into memory) into the warehouse.

    Parameters
    ----------
    raw : bytes
        File content (CSV or XLSX).
    name : str
        File name or URL, recorded as the source's origin.
    kind : str, optional
        One of :data:`KINDS`; detected from the header when omitted.
    edition : int, optional
        OC Index edition year: from the sheet name (``2023_dataset``) or the file name
        (``..._2023.csv``) when omitted. In a GI-TOC workbook it also chooses the sheet.
    sheet : str, optional
        The workbook sheet to read (XLSX only). By default a GI-TOC workbook's newest
        ``NNNN_dataset`` sheet, and the first sheet of any other workbook; the summary's notes
        name the other editions a GI-TOC workbook holds.
    accept_partial : bool
        Load a file that looks cut off (its last record incomplete, no final line break where
        the publisher always writes one, data ending before the vintage already loaded or
        months before the date its name gives): the complete rows load, the cut record is
        rejected, and the vintage is marked partial. Without it such a file is refused.
    vintage : date or str, optional
        The vintage from the file's metadata (for example the publisher's release date), used
        instead of the file name's date or the latest date in the data.
    today : date, optional
        The load day (default today): dates after it, beyond a small tolerance, are rejected.

    Raises
    ------
    IngestError
        For a structurally wrong, truncated or self-contradicting file; the warehouse is then
        unchanged.
    """
    t0 = time.perf_counter()
    refs = _Meanwhile(reference_frames, background=len(raw) >= BACKGROUND_BYTES)
    opts = _LoadOptions(
        accept_partial=accept_partial,
        vintage=_given_vintage(vintage, name),
        today=_today(today),
    )
    try:
        return _load(raw, name, kind, db, edition, sheet, is_demo, progress, wait_s, t0, refs, opts)
    finally:
        refs.close()


@dataclass(frozen=True)
class _LoadOptions:
    accept_partial: bool
    vintage: dt.date | None
    today: dt.date


def _given_vintage(v: dt.date | str | None, name: str) -> dt.date | None:
    if v is None or isinstance(v, dt.date):
        return v
    try:
        return dt.date.fromisoformat(str(v).strip())
    except ValueError as exc:
        raise IngestError(f"{name}: the vintage {str(v)[:40]!r} is not a YYYY-MM-DD date.") from exc


def _load(
    raw: bytes,
    name: str,
    kind: str | None,
    db: str | Path | None,
    edition: int | None,
    sheet: str | None,
    is_demo: bool,
    progress: Progress,
    wait_s: float,
    t0: float,
    refs: _Meanwhile[list[tuple[str, pd.DataFrame]]],
    opts: _LoadOptions,
) -> LoadSummary:
    sha = hashlib.sha256(raw).hexdigest()

    def unchanged(known: tuple[str, str], sheet_read: str | None) -> LoadSummary:
        return LoadSummary(
            status="unchanged",
            source_id=known[0],
            kind=known[1],
            origin=_origin(name, sheet_read),
            seconds=time.perf_counter() - t0,
            sheet=sheet_read,
        )

    if sheet is not None and not is_xlsx(raw):
        raise IngestError(f"{name} is not an XLSX workbook: it has no sheet {sheet!r} to choose.")
    # Which sheet of a workbook is loaded is only known once it is open: workbooks are
    # checked again below, once the sheet is known.
    known = None if is_xlsx(raw) else _already_loaded(db, sha, is_demo)
    if known is not None:
        return unchanged(known, None)
    progress(0.05, "reading")
    table = read_source(
        raw, name, _sheet_chooser(name, sheet, edition), accept_partial=opts.accept_partial
    )
    # The sheet is recorded (and part of the source's identity) only where there is a choice.
    sheet_read = table.sheet if len(table.sheets) > 1 else None
    m = OC_SHEET.match(table.sheet or "")
    if m and edition is not None and edition != int(m.group(1)):
        raise IngestError(
            f"{name}: sheet {table.sheet!r} holds the {m.group(1)} edition, not {edition}."
        )
    if is_xlsx(raw):
        known = _already_loaded(db, sha, is_demo, sheet_read)
        if known is not None:
            return unchanged(known, sheet_read)
    frame = table.frame
    if frame.empty:
        raise IngestError(f"{name} has a header but no data rows.")
    detected = detect_kind(frame)
    if kind is not None and kind not in SOURCE_META:
        raise IngestError(f"Unknown kind {kind!r}; expected one of {', '.join(KINDS)}.")
    if detected is None:
        if kind == "mmp":
            prepare_mmp(frame)  # raises with the list of missing columns
        raise _unrecognised(name, table)
    if kind is not None and detected != kind:
        raise IngestError(f"{name} looks like {_KIND_NAMES[detected]}, not {_KIND_NAMES[kind]}.")
    kind = detected
    oc_notes: list[str] = []
    if kind == "oc-index" and m:
        edition = int(m.group(1))  # the sheet name is the publisher's word on the edition
        oc_notes = _other_editions_note(table, edition)
    cut = _record_cut(table, kind)
    if cut and not opts.accept_partial:
        raise _truncated(name, cut)
    cut_record: pd.DataFrame | None = None
    if cut:  # the last record is incomplete: rejected, never loaded as a (wrong) incident
        last = frame.iloc[-1:]
        cut_record = _rejected(
            last,
            pd.Series(True, index=last.index),
            pd.Series("incomplete last record: the file is cut off", index=last.index),
        )
        frame = frame.iloc[:-1]
        if frame.empty:
            raise IngestError(f"{name}: no usable rows (1 rejected).")
    refs.start()
    progress(0.3, f"validating {len(frame):,} rows")
    prep = prepare(frame, kind, name, edition, today=opts.today)
    if cut_record is not None:
        prep.rejected = pd.concat([prep.rejected, cut_record], ignore_index=True)
        prep.rows_read += 1
    if table.source_rows is not None:  # blank lines or quoted line breaks: the file's numbers
        for part in (prep.facts, prep.rejected):
            if "row_number" in part.columns and len(part):
                pos = part["row_number"].to_numpy(dtype="int64") - 2
                part["row_number"] = table.row_numbers(pos)
    if len(prep.facts) == 0:
        raise IngestError(f"{name}: no usable rows ({len(prep.rejected):,} rejected).")
    data_end = _as_date(prep.vintage)
    notes: list[str] = []
    if kind in DATED_KINDS:
        vintage, vintage_from, notes = _vintage_of(kind, name, data_end, opts.vintage, opts.today)
        cut += _dates_cut(name, kind, db, is_demo, vintage, data_end, opts.today)
        if cut and not opts.accept_partial:
            raise _truncated(name, cut)
        if cut and data_end is not None and vintage is not None and vintage > data_end:
            # A partial file is as new as its data, whatever its name says: it must not pass
            # for a newer vintage than it holds.
            vintage, vintage_from = data_end, "latest plausible date (the file is partial)"
    else:
        vintage = data_end
        vintage_from = "edition" if kind == "oc-index" else "latest year"
    # Two sheets of one workbook are two sources: the sheet is part of the id's hash.
    key = sha if sheet_read is None else hashlib.sha256(f"{sha}\0{sheet_read}".encode()).hexdigest()
    source_id = f"{kind}-{vintage:%Y%m%d}-{key[:8]}" if vintage else f"{kind}-{key[:12]}"
    if is_demo:
        source_id = "demo-" + source_id
    meta = SOURCE_META[kind]
    summary = LoadSummary(
        status="loaded",
        source_id=source_id,
        kind=kind,
        origin=_origin(name, sheet_read),
        rows_read=prep.rows_read,
        rows_loaded=len(prep.facts),
        rows_rejected=len(prep.rejected),
        rows_flagged=prep.rows_flagged,
        vintage=vintage.isoformat() if vintage else None,
        reject_reasons=prep.rejected["reason"].value_counts().to_dict()
        if len(prep.rejected)
        else {},
        notes=prep.notes + oc_notes + notes,
        sheet=sheet_read,
        partial=bool(cut),
        partial_reason="; ".join(cut) if cut else None,
        vintage_from=vintage_from,
        data_end=data_end.isoformat() if data_end else None,
        fields_cut=prep.fields_cut,
    )
    progress(0.6, "writing")
    try:
        with writing(db, wait_s=wait_s) as con:
            hits = con.execute(
                "SELECT source_id, origin FROM sources WHERE sha256 = ? AND is_demo = ?",
                [sha, is_demo],
            ).fetchall()
            hit = next((h for h in hits if _origin_sheet(str(h[1])) == sheet_read), None)
            if hit:
                summary.status = "unchanged"
                summary.source_id = hit[0]
                raise _Unchanged  # discard the staging copy: the live file is not touched
            refresh_reference(con, refs.result())
            con.execute(
                "INSERT INTO sources (source_id, kind, publisher, title, licence, origin, "
                "sha256, rows_read, rows_loaded, rows_rejected, rows_flagged, vintage, "
                "ingested_at, is_demo, caveat) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    source_id,
                    kind,
                    meta.publisher,
                    meta.title + (" (SYNTHETIC DEMO DATA)" if is_demo else ""),
                    "synthetic, no licence needed" if is_demo else meta.licence,
                    summary.origin,
                    sha,
                    summary.rows_read,
                    summary.rows_loaded,
                    summary.rows_rejected,
                    summary.rows_flagged,
                    vintage,
                    dt.datetime.now(dt.UTC).replace(tzinfo=None),
                    is_demo,
                    meta.caveat,
                ],
            )
            con.execute(
                "INSERT INTO source_checks (source_id, partial, partial_reason, vintage_from, "
                "data_end, fields_cut) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    source_id,
                    summary.partial,
                    summary.partial_reason,
                    vintage_from,
                    data_end,
                    summary.fields_cut,
                ],
            )
            _insert(con, prep.table, source_id, prep.facts)
            if len(prep.rejected):
                _insert(con, "rejected_rows", source_id, prep.rejected)
            if prep.table == "incidents":
                progress(0.9, "writing the monthly rollup")
                build_incident_cube(con, source_id)
            elif prep.table == "detections":
                build_detection_cube(con, source_id)
            # A warehouse written before the rollup existed gets it for every vintage.
            build_missing_cubes(con)
    except _Unchanged:
        pass
    summary.seconds = time.perf_counter() - t0
    progress(1.0, "done")
    return summary


def _truncated(name: str, why: list[str]) -> IngestError:
    return IngestError(
        f"{name} looks truncated: {'; '.join(why)}. Refused: nothing was loaded. If the file is "
        "known to be incomplete, load it with --accept-partial (in the app: 'Accept a partial "
        "file') and its vintage is marked partial."
    )


def _dates_cut(
    name: str,
    kind: str,
    db: str | Path | None,
    is_demo: bool,
    vintage: dt.date | None,
    data_end: dt.date | None,
    today: dt.date,
) -> list[str]:
    """Why the data's date range says the file was cut off: it ends months before the date
    its name gives, or before the data of the newest vintage already loaded while claiming to
    be at least as new."""
    if data_end is None:
        return []
    why: list[str] = []
    named = name_vintage(name)
    if named is not None and named[0] > today + FUTURE_TOLERANCE:
        named = None  # not believed (see _vintage_of)
    if named is not None and data_end < named[0] - NAME_LAG:
        why.append(
            f"its data end on {data_end:%Y-%m-%d}, months before the {named[0]:%Y-%m} its "
            "file name gives"
        )
    prev = _previous_vintage(db, kind, is_demo)
    if prev is not None and vintage is not None:
        prev_id = prev[0]
        prev_vintage, prev_end = _as_date(prev[1]), _as_date(prev[2])
        if prev_vintage and prev_end and vintage >= prev_vintage and data_end < prev_end:
            why.append(
                f"its data end on {data_end:%Y-%m-%d}, before those of the vintage already "
                f"loaded ({prev_end:%Y-%m-%d}, {prev_id})"
            )
    return why


def load_file(path: str | Path, **kwargs) -> LoadSummary:  # type: ignore[no-untyped-def]
    """Load a source file from disk; see :func:`load_bytes`."""
    raw = read_path(path)
    return load_bytes(raw, str(path), **kwargs)


def build_rollups(db: str | Path | None = None) -> list[str]:
    """Write the monthly incident rollup (:mod:`data.cube`) of every vintage that has none,
    in one published transaction; returns those vintages (none: the file is not touched)."""
    con = connect_read_only(db)
    try:
        todo = missing_cubes(con)
    finally:
        con.close()
    if not todo:
        return []
    with writing(db) as con:
        return build_missing_cubes(con)


def init_warehouse(db: str | Path | None = None) -> None:
    """Create the schema and the reference tables (no facts)."""
    with writing(db) as con:
        refresh_reference(con)
