"""Vectorised parsers for the cells of the source exports.

Each parser takes a pandas Series of raw text and returns parsed values plus a reason per row
where a value was unusable, so the loaders can flag or reject rows without losing the others.
These are the functions the property tests (hypothesis) exercise.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import pandas as pd

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
        if len(s) < 4096:
            return func(s, *args, **kwargs)
        codes, uniques = pd.factorize(s.astype(object), use_na_sentinel=True)
        if len(uniques) > len(s) // 2:
            return func(s, *args, **kwargs)
        distinct = pd.Series([*uniques, None], dtype=object)
        idx = np.where(codes < 0, len(uniques), codes)

        def take(r: pd.Series) -> pd.Series:
            out = r.iloc[idx]
            out.index = s.index
            return out

        res = func(distinct, *args, **kwargs)
        if isinstance(res, tuple):
            return tuple(take(r) for r in res)  # type: ignore[return-value]
        return take(res)  # type: ignore[arg-type]

    return wrapper


def clean_text(s: pd.Series, max_len: int = 2000) -> pd.Series:
    """Strip whitespace and NUL bytes, turn empty strings into missing, cap the length."""
    out = s.astype("string").str.replace("\x00", "", regex=False).str.strip()
    out = out.mask(out == "", pd.NA)
    return out.str.slice(0, max_len)


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


@on_distinct
def parse_dates(s: pd.Series) -> pd.Series:
    """Parse incident dates: ISO (optionally with a time), ``DD/MM/YYYY`` or ``Month D, YYYY``.

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
        dmy = pd.to_datetime(txt[rest], format="%d/%m/%Y", errors="coerce")
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

    Returns
    -------
    (lat, lon, flag)
        Float64 degrees in EPSG:4326 (missing when cleared) and a string flag
        (``"coords_swapped"``, ``"coords_out_of_range"``, ``"coords_unparseable"``) or missing.
    """
    txt = s.astype("string").str.strip()
    parts = txt.where(txt.str.len() <= MAX_COORD_CHARS).str.extract(_COORD_RE)
    lat = pd.to_numeric(parts[0], errors="coerce").astype("Float64")
    lon = pd.to_numeric(parts[1], errors="coerce").astype("Float64")
    present = txt.notna() & (txt != "")
    parsed = lat.notna() & lon.notna()
    lat_f = lat.fillna(0).to_numpy(dtype=float)
    lon_f = lon.fillna(0).to_numpy(dtype=float)
    finite = pd.Series(np.isfinite(lat_f) & np.isfinite(lon_f), index=s.index) & parsed
    in_range = finite & lat.between(-90, 90) & lon.between(-180, 180)
    swapped = finite & ~in_range & lon.between(-90, 90) & lat.between(-180, 180)
    flag = pd.Series(pd.NA, index=s.index, dtype="string")
    flag = flag.mask(present & ~parsed, "coords_unparseable")
    flag = flag.mask(present & parsed & ~finite, "coords_unparseable")
    flag = flag.mask(finite & ~in_range & ~swapped, "coords_out_of_range")
    flag = flag.mask(swapped, "coords_swapped")
    out_lat = lat.where(in_range).astype("Float64")
    out_lon = lon.where(in_range).astype("Float64")
    out_lat = out_lat.mask(swapped, lon)
    out_lon = out_lon.mask(swapped, lat)
    return out_lat, out_lon, flag


def split_multi_series(s: pd.Series) -> pd.Series:
    """Split comma-joined multi-valued cells into lists.

    IOM joins values with a bare comma; commas followed by a space belong to a value
    (``"Harsh environmental conditions / lack of adequate shelter, food, water"``,
    ``"China, Hong Kong Special Administrative Region"``). Order is kept, duplicates dropped.
    """

    def _one(v: object) -> list[str]:
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

    return s.astype("object").map(_one)


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


def neutralise_formula(value: object) -> object:
    """Prefix a text cell that a spreadsheet would run as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
