"""Vectorised parsers for the cells of the source exports.

Each parser takes a pandas Series of raw text and returns parsed values plus a reason per row
where a value was unusable, so the loaders can flag or reject rows without losing the others.
These are the functions the property tests (hypothesis) exercise.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_R = TypeVar("_R")

MONTHS = {
    m.lower(): i
    for i, m in enumerate(
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
        start=1,
    )
}
MONTHS_ABBR = {k[:3]: v for k, v in MONTHS.items()}
MAX_COUNT = 1_000_000  # no single incident or monthly cell comes near this; above it is junk
_NUM = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
# One unambiguous separator (optional spaces around "," or ";", or a run of spaces): the older
# ``\s*[,;\s]\s*`` let a long run of spaces split three ways, so one hostile cell of 10,000
# spaces took seconds (quadratic backtracking).
_COORD_RE = re.compile(rf"^\(?\s*({_NUM})(?:\s*[,;]\s*|\s+)({_NUM})\s*\)?$")
MAX_COORD_CHARS = 100  # "-12.3456789012, 123.4567890123" is 30; longer is not a coordinate
# The plain "lat, lon" spellings that parse_coordinates reads in Arrow (RE2) over a whole column:
# ASCII digits, at most 18 of them, no "+" and no exponent (which Arrow's float parser and
# pandas.to_numeric read to the same double), separated as _COORD_RE separates them but with
# ASCII spaces only. Written so that each next character decides the branch, which lets RE2
# extract the groups in one pass (4x faster). Anything else goes through _COORD_RE.
_FAST_NUM = r"-?[0-9]{1,3}(?:\.[0-9]{1,15})?"
_FAST_COORD_RE = rf"^(?P<lat>{_FAST_NUM})(?: +(?:[,;] *)?|[,;] *)(?P<lon>{_FAST_NUM})$"
_SPLIT_RE = re.compile(r",(?! )")
_THOUSANDS_RE = re.compile(r"^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$")
_EDGE_RE = re.compile(r"^[\s,]+|[\s,]+$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def on_distinct(func: Callable[..., _R]) -> Callable[..., _R]:
    """Run a one-Series parser once per distinct cell value and broadcast the result back.

    Export columns repeat a lot (counts, months, quality codes, even coordinates), so this
    turns per-row string work into per-distinct-value work with identical results.
    """

    @functools.wraps(func)
    def wrapper(s: pd.Series, *args: Any, **kwargs: Any) -> _R:
        if len(s) < 4096 or _looks_distinct(s):
            return func(s, *args, **kwargs)
        codes, uniques = pd.factorize(_factorizable(s), use_na_sentinel=True)
        if len(uniques) > len(s) // 2:
            return func(s, *args, **kwargs)
        distinct = pd.Series([*uniques, None], dtype=object)
        idx = np.where(codes < 0, len(uniques), codes)

        def take(r: pd.Series) -> pd.Series:
            if isinstance(r.array, pd.arrays.ArrowStringArray) and not r.notna().any():
                # (reasons are usually all missing: no need to gather a million nulls)
                nulls = pd.arrays.ArrowStringArray(pa.nulls(len(idx), pa.large_string()))
                return pd.Series(nulls, index=s.index, name=r.name)
            return pd.Series(r.array.take(idx), index=s.index, name=r.name)

        res = func(distinct, *args, **kwargs)
        if isinstance(res, tuple):
            return tuple(take(r) for r in res)  # type: ignore[return-value]
        return take(res)  # type: ignore[arg-type]

    return wrapper


def _looks_distinct(s: pd.Series, windows: int = 4, size: int = 1024) -> bool:
    """True when a few stretches of ``s`` repeat no value (missing counts as a value).

    Hashing a column of a million distinct cells (ids, coordinates) only to learn that they
    are distinct costs more than parsing them. A column that repeats values shows repeats in
    a few stretches of a thousand rows and is factorised as before. Either way the parser
    returns the same values: this only chooses the faster route.
    """
    step = max(size, len(s) // windows)
    parts = [s.iloc[a : a + size] for a in range(0, len(s), step)][:windows]
    return not pd.concat(parts, ignore_index=True).duplicated().any()


def _factorizable(s: pd.Series) -> object:
    """What to hand to ``pd.factorize``: Arrow-backed text as it is (hashed in Arrow), else
    Python objects."""
    if _arrow_text(s) is not None:
        return s.array
    return s.astype(object)


def _arrow_text(s: pd.Series) -> pa.Array | pa.ChunkedArray | None:
    """The Arrow data of a Series of Arrow-backed text (no copy), else ``None``."""
    if isinstance(s.dtype, pd.StringDtype) and s.dtype.storage == "pyarrow":
        return pa.array(s.array)
    return None


def _string_buffers(arr: pa.Array | pa.ChunkedArray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(offsets, bytes) of each non-empty chunk of an Arrow (large) string array: the
    ``len + 1`` offsets of its cells into the chunk's data bytes."""
    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    for c in chunks:
        bufs = c.buffers()
        if len(c) == 0 or bufs[2] is None:
            continue
        width = np.int64 if pa.types.is_large_string(c.type) else np.int32
        offsets = np.frombuffer(bufs[1], dtype=width)[c.offset : c.offset + len(c) + 1]
        yield offsets, np.frombuffer(bufs[2], dtype=np.uint8)


def _has_nul(arr: pa.Array | pa.ChunkedArray) -> bool:
    """Whether any string of an Arrow (large) string array holds a NUL character."""
    for offsets, data in _string_buffers(arr):
        if not data[int(offsets[0]) : int(offsets[-1])].all():
            return True
    return False


def _edges_plain(arr: pa.Array | pa.ChunkedArray) -> bool:
    """True when every string starts and ends with a printable ASCII character other than a
    space, so that trimming whitespace (ASCII or Unicode) cannot change any of them."""
    for offsets, data in _string_buffers(arr):
        starts: np.ndarray = offsets[:-1].astype(np.int64)
        ends: np.ndarray = offsets[1:].astype(np.int64)
        full = ends > starts  # empty (or missing) cells have no edges
        edges = np.concatenate([data[starts[full]], data[ends[full] - 1]])
        if ((edges < 0x21) | (edges > 0x7E)).any():
            return False
    return True


def _null_where(arr: pa.Array | pa.ChunkedArray, mask: pa.ChunkedArray | pa.Array) -> object:
    """``arr`` with the cells where ``mask`` holds set missing; only the validity bitmap of
    each chunk is rebuilt (``pc.if_else`` would copy every string)."""
    chunks = arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr]
    masks = mask.chunks if isinstance(mask, pa.ChunkedArray) else [mask]
    if [len(c) for c in chunks] != [len(m) for m in masks]:
        return pc.if_else(mask, pa.scalar(None, arr.type), arr)
    out = []
    for c, m in zip(chunks, masks, strict=True):
        keep = pc.and_not(pc.is_valid(c), pc.fill_null(m, False))
        bufs = c.buffers()
        width = 8 if pa.types.is_large_string(c.type) else 4
        out.append(
            pa.Array.from_buffers(
                c.type,
                len(c),
                [keep.buffers()[1], bufs[1].slice(c.offset * width), bufs[2]],
                offset=0,
            )
            if keep.offset == 0
            else pc.if_else(m, pa.scalar(None, c.type), c)
        )
    return pa.chunked_array(out, type=arr.type)


def clean_text(s: pd.Series, max_len: int = 2000) -> pd.Series:
    """Strip whitespace and NUL bytes, turn empty strings into missing, cap the length."""
    out = s.astype("string")
    arr = _arrow_text(out)
    if arr is None:
        out = out.str.replace("\x00", "", regex=False).str.strip()
        out = out.mask(out == "", pd.NA)
        return out.str.slice(0, max_len)
    # The kernels pandas' Arrow strings run for .str.replace / .str.strip / .str.slice, each
    # skipped when it would change nothing (no NUL; no whitespace at either end; nothing
    # longer than max_len bytes, so nothing longer than max_len characters).
    if _has_nul(arr):
        arr = pc.replace_substring(arr, "\x00", "")
    if not _edges_plain(arr):
        arr = pc.utf8_trim_whitespace(arr)
    nbytes = pc.binary_length(arr)
    empty = pc.equal(nbytes, 0)
    if pc.any(empty).as_py():
        arr = _null_where(arr, empty)
    longest = pc.max(nbytes).as_py()
    if longest is not None and longest > max_len:
        arr = pc.utf8_slice_codeunits(arr, 0, max_len)
    return pd.Series(pd.arrays.ArrowStringArray(arr), index=s.index, name=s.name)


def clean_text_cut(s: pd.Series, max_len: int) -> tuple[pd.Series, np.ndarray]:
    """:func:`clean_text`, and which cells were longer than ``max_len`` characters (and so cut).

    Returns
    -------
    (text, cut)
        ``cut`` is a boolean array, one per row.
    """
    out = clean_text(s, max_len=2**62)  # nothing cut yet: measure first
    arr = _arrow_text(out)
    if arr is not None:
        longest = pc.max(pc.binary_length(arr)).as_py()
        if longest is None or longest <= max_len:  # bytes >= characters: nothing to cut
            return out, np.zeros(len(out), dtype=bool)
        n_chars = pc.utf8_length(arr).to_numpy(zero_copy_only=False)
        cut = np.nan_to_num(np.asarray(n_chars, dtype=float), nan=0.0) > max_len
    else:
        cut = out.str.len().fillna(0).to_numpy(dtype=float) > max_len
    if not cut.any():
        return out, cut
    return clean_text(out, max_len), cut


@on_distinct
def parse_counts(s: pd.Series, max_count: int = MAX_COUNT) -> tuple[pd.Series, pd.Series]:
    """Parse non-negative whole-number counts.

    Empty cells become 0 (the exports leave zero cells empty). ``"12.0"`` is accepted (the xlsx
    stores numbers as floats).

    Returns
    -------
    (values, reasons)
        ``values`` is Int64 (missing where unusable); ``reasons`` is a string Series naming the
        problem (``"not a number"``, ``"negative count"``, ``"fractional count"``,
        ``"count too large"``) or missing when the cell was fine.
    """
    txt = s.astype("string").str.strip()
    # "1,200" is a thousands separator; "2,0" or "4,5" (a decimal comma, a list) is not a count,
    # and dropping its comma would silently read it as 20 or 45.
    grouped = txt.str.fullmatch(_THOUSANDS_RE).fillna(False)
    txt = txt.mask(grouped, txt.str.replace(",", "", regex=False))
    empty = txt.isna() | (txt == "")
    num = pd.to_numeric(txt.mask(empty, "0"), errors="coerce")
    num = num.astype("Float64")
    finite = num.notna() & np.isfinite(num.fillna(0).to_numpy(dtype=float))
    reasons = pd.Series(pd.NA, index=s.index, dtype="string")
    reasons = reasons.mask(~finite, "not a number")
    reasons = reasons.mask(finite & (num < 0), "negative count")
    frac = finite & ((num % 1) != 0)
    reasons = reasons.mask(frac & reasons.isna(), "fractional count")
    reasons = reasons.mask(finite & (num > max_count) & reasons.isna(), "count too large")
    ok = reasons.isna()
    values = num.where(ok).round().astype("Int64")
    return values, reasons


@on_distinct
def parse_optional_counts(s: pd.Series) -> pd.Series:
    """Parse counts where empty means unknown (survivors, females, males, children).

    Unusable values become missing: these fields never decide whether an incident counts.
    """
    txt = s.astype("string").str.strip()
    values, reasons = parse_counts(txt)
    values = values.mask(txt.isna() | (txt == "") | reasons.notna())
    return values.astype("Int64")


_SLASH_DATE_RE = r"^\s*([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})\s*$"


def slash_date_order(s: pd.Series) -> tuple[int, int, int]:
    """How the ``NN/NN/YYYY`` dates of a column show their day/month order.

    Returns
    -------
    (day_first, month_first, ambiguous)
        Counts of cells that can only be day first (``13/04/2026``), only month first
        (``04/13/2026``), or either (``04/03/2026``). A file whose cells are of both unambiguous
        kinds contradicts itself.
    """
    txt = s.astype("string")
    arr = _arrow_text(txt)
    if arr is not None and not pc.any(pc.fill_null(pc.match_substring(arr, "/"), False)).as_py():
        return 0, 0, 0  # no slash anywhere (ISO dates): nothing to decide, no regex per row
    slashed = txt[txt.str.contains("/", regex=False).fillna(False)]
    uniq = slashed.drop_duplicates()
    parts = uniq.str.extract(_SLASH_DATE_RE)  # once per distinct cell
    weight = slashed.value_counts().reindex(uniq.to_numpy()).to_numpy(dtype="int64")
    a = pd.to_numeric(parts[0], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    b = pd.to_numeric(parts[1], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    ok_a = (a >= 1) & (a <= 31)
    ok_b = (b >= 1) & (b <= 31)
    day_first = int(weight[ok_a & ok_b & (a > 12) & (b <= 12)].sum())
    month_first = int(weight[ok_a & ok_b & (b > 12) & (a <= 12)].sum())
    ambiguous = int(weight[ok_a & ok_b & (a <= 12) & (b <= 12)].sum())
    return day_first, month_first, ambiguous


@on_distinct
def parse_optional_counts_checked(
    s: pd.Series, max_count: int = MAX_COUNT
) -> tuple[pd.Series, pd.Series]:
    """:func:`parse_optional_counts`, and ``"count too large"`` where a cell exceeds
    ``max_count`` (a plausibility limit), in one pass over the distinct cells.

    Returns
    -------
    (values, too_large)
        ``values`` Int64 (missing where empty or unusable); ``too_large`` a string Series,
        missing where the cell is within the limit.
    """
    txt = s.astype("string").str.strip()
    values, reasons = parse_counts(txt, max_count=max_count)
    blank = txt.isna() | (txt == "")
    too_large = reasons.where(reasons == "count too large")
    return values.mask(blank | reasons.notna()).astype("Int64"), too_large


@on_distinct
def parse_dates(s: pd.Series, dayfirst: bool = True) -> pd.Series:
    """Parse incident dates: ISO (optionally with a time), ``DD/MM/YYYY`` or ``Month D, YYYY``.

    ``dayfirst=False`` reads ``NN/NN/YYYY`` month first (``MM/DD/YYYY``) instead: the loaders
    decide the order once per file (:func:`slash_date_order`), never cell by cell.

    Returns
    -------
    pandas.Series
        ``datetime64[s]`` values; ``NaT`` where the cell is empty, unparseable or impossible
        (such as 2023-02-30) or outside 1990-2100.
    """
    txt = s.astype("string").str.strip()
    iso = pd.to_datetime(txt.str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    rest = iso.isna() & txt.notna()
    if rest.any():
        fmt = "%d/%m/%Y" if dayfirst else "%m/%d/%Y"
        dmy = pd.to_datetime(txt[rest], format=fmt, errors="coerce")
        iso.loc[rest] = dmy
        rest = iso.isna() & txt.notna()
    for fmt in ("%B %d, %Y", "%A, %B %d, %Y", "%d %B %Y", "%m/%d/%Y %H:%M"):
        rest = iso.isna() & txt.notna()
        if not rest.any():
            break
        iso.loc[rest] = pd.to_datetime(txt[rest], format=fmt, errors="coerce")
    bad_range = (iso < pd.Timestamp("1990-01-01")) | (iso > pd.Timestamp("2100-12-31"))
    return iso.mask(bad_range).astype("datetime64[s]")


def parse_year_month(year: pd.Series, month: pd.Series) -> pd.Series:
    """First day of the month from separate year and month-name columns (a fallback date)."""
    y = pd.to_numeric(year.astype("string").str.strip(), errors="coerce")
    y_arr = y.to_numpy(dtype=float, na_value=np.nan)

    def _month(t: object) -> float:
        if not isinstance(t, str) or not t.strip():
            return np.nan
        t = t.strip().lower()
        if t.isdigit():
            # isdigit() is also true for "²"; int() of a huge digit string raises
            return float(int(t)) if t.isdecimal() and len(t) <= 2 else np.nan
        return float(MONTHS.get(t, MONTHS_ABBR.get(t[:3], np.nan)))

    m_codes, m_uniques = pd.factorize(month.astype(object), use_na_sentinel=True)
    m_vals = np.array([*(_month(t) for t in m_uniques), np.nan], dtype=float)
    m_arr = m_vals[np.where(m_codes < 0, len(m_uniques), m_codes)]
    ok = (
        (y_arr >= 1990)
        & (y_arr <= 2100)
        & (m_arr >= 1)
        & (m_arr <= 12)
        & (np.nan_to_num(y_arr) % 1 == 0)
        & (np.nan_to_num(m_arr) % 1 == 0)
    )
    out = pd.Series(pd.NaT, index=year.index, dtype="datetime64[s]")
    if ok.any():
        idx = year.index[ok]
        out.loc[idx] = pd.to_datetime(
            pd.DataFrame({"year": y_arr[ok].astype(int), "month": m_arr[ok].astype(int), "day": 1})
        ).to_numpy(dtype="datetime64[s]")
    return out


@on_distinct
def parse_coordinates(s: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse ``"lat, lon"`` strings (latitude first, as IOM publishes them).

    A pair that is out of range but valid when swapped is swapped and flagged; anything else
    that is not a finite in-range pair is cleared and flagged. The incident itself still counts.

    Plain pairs (``"12.5, -3.25"``) are read in Arrow over the whole column; the other cells go
    through the regular expression of :func:`parse_coordinates_python`, with the same results.

    Returns
    -------
    (lat, lon, flag)
        Float64 degrees in EPSG:4326 (missing when cleared) and a string flag
        (``"coords_swapped"``, ``"coords_out_of_range"``, ``"coords_unparseable"``) or missing.
    """
    txt = s.astype("string").str.strip()
    arr = _arrow_text(txt)
    if arr is None or len(arr) == 0:
        return parse_coordinates_python(s)
    pairs = pc.extract_regex(arr, _FAST_COORD_RE)
    # The separator may be any run of spaces: longer cells are unparseable, as in _COORD_RE.
    short = pc.fill_null(pc.less_equal(pc.binary_length(arr), MAX_COORD_CHARS), False)
    fast_arr = pc.and_kleene(pc.is_valid(pairs), short)
    lat_tok = pc.struct_field(pairs, "lat")
    lon_tok = pc.struct_field(pairs, "lon")
    # pandas.to_numeric reads a column of whole numbers as integers ("-0" becomes 0, not -0.0).
    # With one decimal number in each of lat and lon it reads every value as a float, as here.
    if not all(
        pc.any(pc.and_kleene(fast_arr, pc.match_substring(tok, "."))).as_py()
        for tok in (lat_tok, lon_tok)
    ):
        return parse_coordinates_python(s)
    fast = fast_arr.to_numpy(zero_copy_only=False)
    lat_v = np.array(pc.cast(lat_tok, pa.float64()).to_numpy(zero_copy_only=False), dtype=float)
    lon_v = np.array(pc.cast(lon_tok, pa.float64()).to_numpy(zero_copy_only=False), dtype=float)
    missing = ~fast
    lat_na, lon_na = missing.copy(), missing.copy()
    slow = missing & txt.notna().to_numpy()
    if slow.any():
        sub_lat, sub_lon = _coord_numbers(txt[slow], force_float=True)
        lat_v[slow] = sub_lat.to_numpy(dtype=float, na_value=np.nan)
        lon_v[slow] = sub_lon.to_numpy(dtype=float, na_value=np.nan)
        lat_na[slow] = sub_lat.isna().to_numpy()
        lon_na[slow] = sub_lon.isna().to_numpy()
    present = (txt.notna() & (txt != "")).to_numpy(dtype=bool, na_value=False)
    return _checked_coordinate_arrays(s.index, present, lat_v, lat_na, lon_v, lon_na)


def _checked_coordinate_arrays(
    index: pd.Index,
    present: np.ndarray,
    lat: np.ndarray,
    lat_na: np.ndarray,
    lon: np.ndarray,
    lon_na: np.ndarray,
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """:func:`_checked_coordinates` on NumPy arrays (values, missing masks)."""
    parsed = ~lat_na & ~lon_na
    with np.errstate(invalid="ignore"):
        finite = parsed & np.isfinite(lat) & np.isfinite(lon)
        lat_ok, lon_ok = (lat >= -90) & (lat <= 90), (lon >= -180) & (lon <= 180)
        in_range = finite & lat_ok & lon_ok
        swapped = finite & ~in_range & (lon >= -90) & (lon <= 90) & (lat >= -180) & (lat <= 180)
    code = np.full(len(index), -1, dtype=np.int64)
    code[present & ~parsed] = 0
    code[present & parsed & ~finite] = 0
    code[finite & ~in_range & ~swapped] = 1
    code[swapped] = 2
    names = pa.array(["coords_unparseable", "coords_out_of_range", "coords_swapped"])
    flag = pc.take(names.cast(pa.large_string()), pa.array(code, mask=code < 0))
    keep = in_range | swapped
    out_lat = np.where(swapped, lon, lat)
    out_lon = np.where(swapped, lat, lon)
    lat_out = pd.arrays.FloatingArray(np.where(keep, out_lat, np.nan), ~keep)
    lon_out = pd.arrays.FloatingArray(np.where(keep, out_lon, np.nan), ~keep)
    return (
        pd.Series(lat_out, index=index, name=0),  # named as str.extract names its groups
        pd.Series(lon_out, index=index, name=1),
        pd.Series(pd.arrays.ArrowStringArray(flag), index=index),
    )


def parse_coordinates_python(s: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """:func:`parse_coordinates` with Python's ``re`` on every cell (the reference)."""
    txt = s.astype("string").str.strip()
    lat, lon = _coord_numbers(txt)
    return _checked_coordinates(txt, lat, lon)


def _coord_numbers(txt: pd.Series, force_float: bool = False) -> tuple[pd.Series, pd.Series]:
    """Latitude and longitude text of stripped cells, as ``pandas.to_numeric`` reads them.

    ``force_float`` reads whole numbers as floats too, as ``to_numeric`` does in a column that
    also holds decimal numbers (the only case :func:`parse_coordinates` hands over rows).
    """
    parts = txt.where(txt.str.len() <= MAX_COORD_CHARS).str.extract(_COORD_RE)
    out = []
    for part in (parts[0], parts[1]):
        if force_float:
            pad = pd.Series(["0.5"], dtype="string")
            both = pd.concat([part.astype("string"), pad], ignore_index=True)
            num = pd.to_numeric(both, errors="coerce").iloc[:-1]
            num.index = txt.index
        else:
            num = pd.to_numeric(part, errors="coerce")
        out.append(num.astype("Float64"))
    return out[0], out[1]


def _checked_coordinates(
    txt: pd.Series, lat: pd.Series, lon: pd.Series
) -> tuple[pd.Series, pd.Series, pd.Series]:
    present = txt.notna() & (txt != "")
    parsed = lat.notna() & lon.notna()
    lat_f = lat.fillna(0).to_numpy(dtype=float)
    lon_f = lon.fillna(0).to_numpy(dtype=float)
    finite = pd.Series(np.isfinite(lat_f) & np.isfinite(lon_f), index=txt.index) & parsed
    in_range = finite & lat.between(-90, 90) & lon.between(-180, 180)
    swapped = finite & ~in_range & lon.between(-90, 90) & lat.between(-180, 180)
    flag = pd.Series(pd.NA, index=txt.index, dtype="string")
    flag = flag.mask(present & ~parsed, "coords_unparseable")
    flag = flag.mask(present & parsed & ~finite, "coords_unparseable")
    flag = flag.mask(finite & ~in_range & ~swapped, "coords_out_of_range")
    flag = flag.mask(swapped, "coords_swapped")
    out_lat = lat.where(in_range).astype("Float64")
    out_lon = lon.where(in_range).astype("Float64")
    out_lat = out_lat.mask(swapped, lon)
    out_lon = out_lon.mask(swapped, lat)
    return out_lat, out_lon, flag


def split_multi(v: object) -> list[str]:
    """One cell of :func:`split_multi_series` (missing gives an empty list)."""
    if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
        return []
    out: list[str] = []
    for part in _SPLIT_RE.split(str(v)):
        # "a, ,b" leaves "a," : drop edge commas too, so splitting a re-joined list gives
        # the same list back.
        p = _EDGE_RE.sub("", part)
        if p and p not in out:
            out.append(p)
    return out


def split_multi_series(s: pd.Series) -> pd.Series:
    """Split comma-joined multi-valued cells into lists.

    IOM joins values with a bare comma; commas followed by a space belong to a value
    (``"Harsh environmental conditions / lack of adequate shelter, food, water"``,
    ``"China, Hong Kong Special Administrative Region"``). Order is kept, duplicates dropped.
    """
    return s.astype("object").map(split_multi)


@on_distinct
def parse_source_quality(s: pd.Series) -> pd.Series:
    """The maximum of a possibly multi-valued source-quality cell (``"4,5"`` -> 5), 1-5."""
    txt = s.astype("string").str.strip()
    nums = txt.str.findall(r"\d+(?:\.0+)?")

    def _max(v: object) -> float:
        if not isinstance(v, list) or not v:
            return np.nan
        vals = [float(x) for x in v if 1 <= float(x) <= 5]
        return max(vals) if vals else np.nan

    return nums.map(_max).astype("Float64").round().astype("Int64")
