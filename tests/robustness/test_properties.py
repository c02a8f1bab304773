"""Property tests (hypothesis) for the cell parsers, beyond the examples in
``tests/unit/test_parsing.py``: arbitrary text never raises, one output per input, outputs
always in their documented range, flags consistent with values, and round trips / idempotence;
and the whole-column (Arrow) fast paths give exactly what the per-cell reference code gives.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from unittest import mock

import pandas as pd
import pyarrow as pa
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from data import parsing, readers
from export.tables import FORMULA_START, neutralise_text

PROFILE = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

TRICKY = [
    "", " ", "\t", "\x00", "NaN", "nan", "None", "null", "inf", "-inf", "Infinity", "1e999",
    "-0", "0x10", "1_000", "١٢", "²", "½", "٫", "1,2,3", ",", ",,", ", ,", "  ,  ",
    "(", ")", "()", "(1)", "1;", ";1", "1 ; 2", "--1", "+-1", "1e", "e1", ".", "-.", "1.2.3",
    "\u202e12", "12\u200b", "9" * 400, "0." + "0" * 400 + "1", " " * 300 + "x",
]  # fmt: skip
cell_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(TRICKY),
    st.from_regex(r"\s?[-+]?\d{0,7}(,\d{3})?([.,]\d{0,3})?([eE][-+]?\d{1,3})?\s?", fullmatch=True),
    st.from_regex(
        r"\(?[-+]?\d{1,3}(\.\d{1,6})?[ ,;]{1,3}[-+]?\d{1,3}(\.\d{1,6})?\)?", fullmatch=True
    ),
)
cells = st.lists(st.one_of(st.none(), cell_text), max_size=25)


def series(values: list[object]) -> pd.Series:
    # An index that is not 0..n-1: parsers must keep the caller's index, not rebuild one.
    return pd.Series(values, index=[10 + 3 * i for i in range(len(values))], dtype="object")


def blank(v: object) -> bool:
    return v is None or (isinstance(v, str) and v.strip() == "")


# ---------------------------------------------------------------- counts

COUNT_REASONS = {"not a number", "negative count", "fractional count", "count too large"}


@PROFILE
@given(cells)
def test_counts_total_one_value_or_one_reason_never_negative_or_fractional(values) -> None:
    s = series(values)
    vals, reasons = parsing.parse_counts(s)
    assert list(vals.index) == list(s.index) == list(reasons.index)
    assert str(vals.dtype) == "Int64"
    for raw, v, r in zip(values, vals, reasons, strict=True):
        assert pd.isna(v) != pd.isna(r), (raw, v, r)
        if pd.isna(r):
            assert 0 <= v <= parsing.MAX_COUNT and float(v).is_integer()
        else:
            assert r in COUNT_REASONS
        if blank(raw):
            assert v == 0  # the exports leave zero cells empty


@PROFILE
@given(
    st.integers(0, parsing.MAX_COUNT),
    st.sampled_from(["{n}", " {n} ", "{n}.0", "{g}", "+{n}", "{n}.", "{n}e0"]),
)
def test_whole_counts_round_trip_in_every_spelling(n: int, spelling: str) -> None:
    text = spelling.format(n=n, g=f"{n:,}")
    vals, reasons = parsing.parse_counts(series([text]))
    assert vals.iloc[0] == n and pd.isna(reasons.iloc[0]), text
    again, _ = parsing.parse_counts(series([str(vals.iloc[0])]))  # idempotent
    assert again.iloc[0] == n


@PROFILE
@given(st.integers(1, 10**12), st.integers(1, 9))
def test_bad_counts_get_the_right_reason(n: int, tenth: int) -> None:
    _, reasons = parsing.parse_counts(
        series([str(-n), f"{n % 1000}.{tenth}", str(parsing.MAX_COUNT + n), f"{n % 1000},{tenth}"])
    )
    assert reasons.tolist() == [
        "negative count", "fractional count", "count too large", "not a number",
    ]  # fmt: skip


@PROFILE
@given(cells)
def test_optional_counts_are_a_valid_count_or_missing(values) -> None:
    s = series(values)
    opt = parsing.parse_optional_counts(s)
    vals, reasons = parsing.parse_counts(s)
    assert list(opt.index) == list(s.index)
    for raw, o, v, r in zip(values, opt, vals, reasons, strict=True):
        if blank(raw) or not pd.isna(r):
            assert pd.isna(o)  # unknown stays unknown, junk becomes unknown
        else:
            assert o == v and o >= 0


# ---------------------------------------------------------------- coordinates

COORD_FLAGS = {"coords_swapped", "coords_out_of_range", "coords_unparseable"}


@PROFILE
@given(cells)
@example([" " * 20_000 + "1" + " " * 20_000 + "x"])
def test_coordinates_total_in_range_or_missing_and_flags_consistent(values) -> None:
    s = series(values)
    lat, lon, flag = parsing.parse_coordinates(s)
    assert list(lat.index) == list(lon.index) == list(flag.index) == list(s.index)
    for raw, la, lo, f in zip(values, lat, lon, flag, strict=True):
        assert pd.isna(la) == pd.isna(lo)
        if not pd.isna(la):
            assert -90 <= la <= 90 and -180 <= lo <= 180
            assert math.isfinite(la) and math.isfinite(lo)
            assert pd.isna(f) or f == "coords_swapped"
        else:
            # nothing cleared silently: a missing output is a blank input or is flagged
            assert blank(raw) == pd.isna(f), (raw, f)
            assert pd.isna(f) or f in {"coords_out_of_range", "coords_unparseable"}


finite_lat = st.floats(-90, 90, allow_nan=False)
finite_lon = st.floats(-180, 180, allow_nan=False)


@PROFILE
@given(
    finite_lat,
    finite_lon,
    st.sampled_from(["{a}, {b}", "{a},{b}", "{a}; {b}", "{a} {b}", "({a}, {b})", "  {a} ,  {b}  "]),
)
def test_valid_pairs_round_trip_in_every_layout_and_are_idempotent(a, b, layout) -> None:
    lat, lon, flag = parsing.parse_coordinates(series([layout.format(a=repr(a), b=repr(b))]))
    assert (lat.iloc[0], lon.iloc[0]) == (a, b) and pd.isna(flag.iloc[0])
    lat2, lon2, flag2 = parsing.parse_coordinates(
        series([f"{float(lat.iloc[0])!r}, {float(lon.iloc[0])!r}"])
    )
    assert (lat2.iloc[0], lon2.iloc[0]) == (a, b) and pd.isna(flag2.iloc[0])


@PROFILE
@given(finite_lat, st.floats(90, 180, exclude_min=True), st.booleans())
def test_lon_first_pairs_are_swapped_back_and_flagged(la, lo_abs, west) -> None:
    lo = -lo_abs if west else lo_abs  # |lon| > 90: only valid as a longitude
    lat, lon, flag = parsing.parse_coordinates(series([f"{lo!r}, {la!r}"]))
    assert (lat.iloc[0], lon.iloc[0], flag.iloc[0]) == (la, lo, "coords_swapped")


@PROFILE
@given(st.floats(allow_nan=True, allow_infinity=True), st.floats(allow_infinity=True))
def test_any_float_pair_is_in_range_or_flagged(a, b) -> None:
    lat, lon, flag = parsing.parse_coordinates(series([f"{a}, {b}"]))
    if abs(a) <= 90 and abs(b) <= 180:
        assert pd.isna(flag.iloc[0]) and lat.iloc[0] == a
    else:
        assert flag.iloc[0] in COORD_FLAGS


# ---------------------------------------------------------------- dates

LOW, HIGH = pd.Timestamp("1990-01-01"), pd.Timestamp("2100-12-31")
in_range_dates = st.dates(dt.date(1990, 1, 1), dt.date(2100, 12, 31))


@PROFILE
@given(cells)
def test_dates_total_and_within_range_or_missing(values) -> None:
    s = series(values)
    out = parsing.parse_dates(s)
    assert list(out.index) == list(s.index) and str(out.dtype) == "datetime64[s]"
    for raw, d in zip(values, out, strict=True):
        assert pd.isna(d) or LOW <= d <= HIGH
        if blank(raw):
            assert pd.isna(d)


@PROFILE
@given(
    in_range_dates,
    st.sampled_from(
        [
            "%Y-%m-%d",
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%d %H:%M",
            "%d/%m/%Y",
            "%B %d, %Y",
            "%A, %B %d, %Y",
            "%d %B %Y",
            " %Y-%m-%d ",
        ]
    ),
    st.times(),
)
def test_every_supported_layout_round_trips(d: dt.date, fmt: str, t: dt.time) -> None:
    text = dt.datetime.combine(d, t).strftime(fmt)
    out = parsing.parse_dates(series([text]))
    assert out.iloc[0].date() == d, text
    again = parsing.parse_dates(series([out.iloc[0].strftime("%Y-%m-%d")]))  # idempotent
    assert again.iloc[0] == out.iloc[0]


@PROFILE
@given(
    st.integers(1990, 2100),
    st.integers(1, 12),
    st.integers(29, 35),
    st.sampled_from(["{y:04d}-{m:02d}-{d:02d}", "{d:02d}/{m:02d}/{y:04d}"]),
)
def test_impossible_days_are_missing_never_rolled_over(y, m, day, layout) -> None:
    assume(day > calendar.monthrange(y, m)[1])
    out = parsing.parse_dates(series([layout.format(y=y, m=m, d=day)]))
    assert pd.isna(out.iloc[0])


@PROFILE
@given(
    st.lists(
        st.tuples(st.one_of(st.none(), cell_text), st.one_of(st.none(), cell_text)), max_size=20
    )
)
def test_year_month_fallback_is_total_and_a_month_start(pairs) -> None:
    year = series([p[0] for p in pairs])
    month = series([p[1] for p in pairs])
    out = parsing.parse_year_month(year, month)
    assert list(out.index) == list(year.index)
    for d in out:
        assert pd.isna(d) or (d.day == 1 and LOW <= d <= HIGH)


@PROFILE
@given(st.integers(1990, 2100), st.integers(1, 12), st.booleans())
def test_year_month_by_name_or_number(y: int, m: int, by_name: bool) -> None:
    month = calendar.month_name[m] if by_name else str(m)
    out = parsing.parse_year_month(series([str(y)]), series([month]))
    assert out.iloc[0] == pd.Timestamp(y, m, 1)


# ---------------------------------------------------------------- multi-valued fields


@PROFILE
@given(cells)
@example(["a, ,b"])
@example([",a,,a, b,"])
def test_split_is_total_clean_and_idempotent(values) -> None:
    s = series(values)
    out = parsing.split_multi_series(s)
    assert list(out.index) == list(s.index)
    for parts in out:
        assert isinstance(parts, list) and len(parts) == len(set(parts))
        for p in parts:
            assert p and p == p.strip() and not p.startswith(",") and not p.endswith(",")
            # every comma left inside a value is one followed by a space (the IOM convention)
            assert all(p[i + 1] == " " for i, ch in enumerate(p) if ch == ",")
        rejoined = parsing.split_multi_series(series([",".join(parts)])).iloc[0]
        assert rejoined == parts


value_text = st.from_regex(
    r"[A-Za-zÀ-ÿ()/'-]([A-Za-zÀ-ÿ ()/'-]|, ){0,25}[A-Za-zÀ-ÿ()/'-]", fullmatch=True
)


@PROFILE
@given(st.lists(value_text, max_size=6))
def test_bare_comma_joins_round_trip_keeping_inner_comma_space(values: list[str]) -> None:
    out = parsing.split_multi_series(series([",".join(values)])).iloc[0]
    assert out == list(dict.fromkeys(v.strip() for v in values if v.strip()))


@PROFILE
@given(cells)
def test_source_quality_is_1_to_5_or_missing(values) -> None:
    out = parsing.parse_source_quality(series(values))
    assert len(out) == len(values)
    assert all(pd.isna(v) or 1 <= v <= 5 for v in out)


@PROFILE
@given(st.lists(st.integers(0, 9), min_size=1, max_size=4))
def test_source_quality_keeps_the_maximum_valid_value(grades: list[int]) -> None:
    out = parsing.parse_source_quality(series([",".join(map(str, grades))])).iloc[0]
    valid = [g for g in grades if 1 <= g <= 5]
    assert (pd.isna(out) and not valid) or out == max(valid)


# ---------------------------------------------------------------- text


@PROFILE
@given(cells, st.integers(1, 50))
def test_clean_text_is_trimmed_capped_and_never_empty(values, cap: int) -> None:
    out = parsing.clean_text(series(values), cap)
    assert len(out) == len(values)
    for v in out:
        if not pd.isna(v):
            assert v and len(v) <= cap and "\x00" not in v and v == v.lstrip()
            assert len(v) == cap or v == v.strip()  # the cap may cut just before a space


@PROFILE
@given(st.text(max_size=30))
def test_neutralised_text_never_starts_a_formula_and_loses_nothing(text: str) -> None:
    for fn in (neutralise_text,):
        out = fn(text)
        if text.startswith(("=", "+", "-", "@", "\t", "\r")):
            assert out == "'" + text
        if fn is neutralise_text:
            assert not out.startswith(FORMULA_START)
            assert out in (text, "'" + text)


# ---------------------------------------------------------------- the reader's line scan


@PROFILE
@given(
    st.lists(st.binary(max_size=12).map(lambda b: b.replace(b"\n", b"").replace(b"\r", b""))),
    st.lists(st.sampled_from([b"\n", b"\r\n", b"\r"]), min_size=1),
    st.integers(1, 16),
)
def test_longest_line_matches_a_plain_split_at_any_chunk_size(lines, ends, chunk) -> None:
    # The 20 MB line check scans the raw bytes in chunks; a line or a CRLF split across two
    # chunks must not change the answer.
    raw = b"".join(line + ends[i % len(ends)] for i, line in enumerate(lines))
    longest, at = readers._longest_line(raw, chunk=chunk)
    # reference: split at LF and at a CR not followed by LF (a CRLF's CR stays on its line)
    expected = [len(x) for x in re.split(rb"\n|\r(?!\n)", raw)]
    assert (longest, at) == (max(expected), expected.index(max(expected)) + 1)


@PROFILE
@given(
    st.lists(st.binary(max_size=12).map(lambda b: b.replace(b"\n", b"")), max_size=30),
    st.integers(2, 40),
)
@example([b"x" * 30], 20)
def test_the_quick_long_line_test_never_misses_a_long_line(lines, limit) -> None:
    raw = b"\n".join(lines)
    if readers._longest_line(raw)[0] > limit:
        assert readers._may_have_long_line(raw, limit)


# ---------------------------------------------------------------- fast paths = reference paths
# Whole-column (Arrow) versions of the parsers and of the CSV reader must give exactly what the
# per-cell Python code gives: same values (floats bit for bit, -0.0 included), same missing
# cells, same flags, same errors.

fast_pair = st.from_regex(
    r"-?[0-9]{1,3}(\.[0-9]{0,16})?( *[,;] *| +)-?[0-9]{1,3}(\.[0-9]{0,16})?", fullmatch=True
)
whole_pair = st.from_regex(r"-?[0-9]{1,3}( *[,;] *| +)[-+]?[0-9]{1,3}", fullmatch=True)
coord_cells = st.lists(
    st.one_of(st.none(), fast_pair, whole_pair, cell_text, st.sampled_from(["-0, -0.0", "-0, 5"])),
    max_size=30,
)


def arrow_series(values: list[object], split: int) -> pd.Series:
    """Arrow-backed text in two chunks (as pyarrow.csv hands it over), same index as series()."""
    arr = pa.chunked_array(
        [pa.array(values[:split], pa.large_string()), pa.array(values[split:], pa.large_string())]
    )
    return pd.Series(pd.arrays.ArrowStringArray(arr), index=series(values).index)


def same_floats(a: pd.Series, b: pd.Series) -> bool:
    x = a.to_numpy(dtype=float, na_value=math.nan)
    y = b.to_numpy(dtype=float, na_value=math.nan)
    return bool((a.isna() == b.isna()).all() and (x.view("int64") == y.view("int64")).all())


@PROFILE
@given(coord_cells, st.integers(0, 30))
@example(["-0, -0.0", "12.5, 3"], 1)
@example(["-0, 0", "1 2"], 0)
@example(["1.5" + " " * 200 + "2.5", "1.5, 2.5"], 1)
def test_fast_coordinates_agree_with_the_python_parser(values, split) -> None:
    for s in (series(values), arrow_series(values, min(split, len(values)))):
        fast = parsing.parse_coordinates(s)
        ref = parsing.parse_coordinates_python(s)
        assert same_floats(fast[0], ref[0]) and same_floats(fast[1], ref[1]), values
        for got, want in zip(fast, ref, strict=True):
            pd.testing.assert_series_equal(got, want)  # dtype, index, name, missing cells


def clean_text_reference(s: pd.Series, max_len: int) -> pd.Series:
    """clean_text as pandas string methods, one call after the other."""
    out = s.astype("string").str.replace("\x00", "", regex=False).str.strip()
    out = out.mask(out == "", pd.NA)
    return out.str.slice(0, max_len)


text_cells = st.lists(
    st.one_of(
        st.none(),
        cell_text,
        st.text(st.sampled_from(list("ab ,\t\x00\xa0\u2003é😀\x1c\x85")), max_size=8),
    ),
    max_size=25,
)


@PROFILE
@given(text_cells, st.integers(1, 12), st.integers(0, 25), st.booleans())
def test_clean_text_agrees_with_pandas_string_methods(values, cap, split, sliced) -> None:
    s = arrow_series(values, min(split, len(values)))
    if sliced and len(s) > 1:
        s = s.iloc[1:]  # an Arrow array with an offset
    pd.testing.assert_series_equal(parsing.clean_text(s, cap), clean_text_reference(s, cap))
    obj = series(values)
    pd.testing.assert_series_equal(parsing.clean_text(obj, cap), clean_text_reference(obj, cap))


@PROFILE
@given(st.binary(max_size=64), st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe"]))
@example(b"\xed\xa0\x80", b"")  # a UTF-16 surrogate written as UTF-8: not valid UTF-8
@example(b"\xc0\xaf", b"")  # an overlong "/"
def test_utf8_check_agrees_with_python(body: bytes, bom: bytes) -> None:
    raw = bom + body
    try:
        raw[len(bom) if bom == b"\xef\xbb\xbf" else 0 :].decode("utf-8")
        valid = True
    except UnicodeDecodeError:
        valid = False
    expected = valid and bom != b"\xff\xfe" and b"\x00" not in raw
    assert (readers._utf8_body(raw) is not None) == expected


csv_text = st.lists(
    st.sampled_from(list('ab1 ,;"\n\r\té€\u2028') + ["\r\n", '""', '","']), max_size=40
).map("".join)


def read_both(raw: bytes) -> tuple[object, object]:
    """(fast result, pandas-only result): a (frame, encoding) pair or the IngestError text."""
    out = []
    for fast in (True, False):
        try:
            if fast:
                res: object = readers.read_csv_text(raw, "f.csv")
            else:
                with mock.patch.object(readers, "_read_csv_arrow", return_value=None):
                    res = readers.read_csv_text(raw, "f.csv")
        except readers.IngestError as exc:
            res = str(exc)
        out.append(res)
    return out[0], out[1]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["a,b,c\n", '"a","b","c"\r\n', "a;b\n", "a\n", "a,b\n"]), csv_text)
@example("a,b,c\n", '1,"x\ny",3\n"q""r",,\n')
@example("a,b,c\n", "1,2\n")
@example("a,b,c\n", '1,2,"3\n')
@example("a,b,c\n", "\n\n1,2,3\n   \n")
@example("a,b\n", 'x"1,"2"z\n')
@example("a,b,c\r\n", '1,2,3\r\n\r,"x",y\r\n')  # a lone CR before a delimiter
@example("a\n", " ")  # one column: pandas skips a line of spaces
def test_arrow_reader_reads_what_pandas_reads(header: str, body: str) -> None:
    fast, ref = read_both((header + body).encode())
    if isinstance(ref, str) or isinstance(fast, str):
        assert fast == ref
    else:
        pd.testing.assert_frame_equal(fast[0], ref[0])
        assert fast[1] == ref[1]


# ---------------------------------------------------------------- issue 13: order, records, cuts

day_month = st.tuples(st.integers(2014, 2026), st.integers(1, 12), st.integers(1, 28))


@PROFILE
@given(st.lists(day_month, min_size=1, max_size=30), st.booleans())
def test_dates_of_one_order_round_trip_in_that_order(
    days: list[tuple[int, int, int]], dayfirst: bool
) -> None:
    cells = [f"{d:02d}/{m:02d}/{y}" if dayfirst else f"{m:02d}/{d:02d}/{y}" for y, m, d in days]
    s = pd.Series(cells, dtype="string")
    d_first, m_first, ambiguous = parsing.slash_date_order(s)
    assert d_first + m_first + ambiguous == len(cells)
    assert (m_first if dayfirst else d_first) == 0  # a file of one order never contradicts
    got = parsing.parse_dates(s, dayfirst=dayfirst)
    assert [t.date() for t in got] == [dt.date(y, m, d) for y, m, d in days]


csv_field = st.one_of(
    st.text(alphabet='ab ,"\n\r1é', max_size=8), st.sampled_from(["", '"', '""', "\r\n", ","])
)


@PROFILE
@given(st.lists(st.lists(csv_field, min_size=1, max_size=5), min_size=1, max_size=6))
def test_last_record_fields_agree_with_the_csv_module(rows: list[list[str]]) -> None:
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    text = buf.getvalue()
    assume(text.strip("\r\n"))
    records = [r for r in csv.reader(io.StringIO(text.rstrip("\r\n"), newline="")) if r]
    assume(records)
    for body in (text.encode(), text):  # bytes (UTF-8) and str (decoded UTF-16) alike
        ends, last, prev = readers._last_record(body, ",")
        assert ends and last == len(records[-1])
        if len(records) > 1:
            assert prev == len(records[-2])


@PROFILE
@given(st.text(alphabet="aé€😀,\n", min_size=1, max_size=30), st.integers(1, 3))
def test_a_cut_character_is_dropped_and_nothing_else(text: str, cut: int) -> None:
    raw = text.encode()
    assume(not raw.endswith((b"\n", b"\r")))
    trimmed = readers._drop_cut_character(raw[:-cut] if len(raw) > cut else raw)
    trimmed.decode("utf-8")  # always valid UTF-8 again
    assert raw.startswith(trimmed) and len(raw) - len(trimmed) <= cut + 3
