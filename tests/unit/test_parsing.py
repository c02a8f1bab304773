"""Cell parsers: hand-made cases for each known trap, and property tests."""

from __future__ import annotations

import math

import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from data import parsing


def s(*values: object) -> pd.Series:
    return pd.Series(list(values), dtype="object")


def test_counts_empty_is_zero_and_bad_values_have_reasons() -> None:
    vals, reasons = parsing.parse_counts(s("3", "", None, "12.0", "-1", "1.5", "abc", "inf", "2e9"))
    assert vals.tolist()[:4] == [3, 0, 0, 12]
    assert reasons.tolist()[4:] == [
        "negative count",
        "fractional count",
        "not a number",
        "not a number",
        "count too large",
    ]
    assert vals[4:].isna().all()


def test_optional_counts_keep_unknown_as_missing() -> None:
    vals = parsing.parse_optional_counts(s("", "2", "-3", None))
    assert vals.isna().tolist() == [True, False, True, True]
    assert vals[1] == 2


def test_dates_iso_dmy_long_and_impossible() -> None:
    out = parsing.parse_dates(
        s(
            "2023-03-01",
            "2023-03-01T00:00:00",
            "06/01/2017",
            "January 06, 2017",
            "2023-02-30",
            "not a date",
            "",
            "1850-01-01",
        )
    )
    got = [None if pd.isna(x) else x.date().isoformat() for x in out]
    assert got == ["2023-03-01", "2023-03-01", "2017-01-06", "2017-01-06", None, None, None, None]


def test_year_month_fallback() -> None:
    out = parsing.parse_year_month(
        s("2023", "2020", "", "2023"), s("June", "Sep", "May", "Thirteen")
    )
    got = [None if pd.isna(x) else x.date().isoformat() for x in out]
    assert got == ["2023-06-01", "2020-09-01", None, None]


def test_coordinates_lat_first_swapped_out_of_range_and_junk() -> None:
    lat, lon, flag = parsing.parse_coordinates(
        s(
            "31.650259, -110.366453",
            "24, 23",
            "134.7, 10.9",
            "95, 200",
            "abc, def",
            "NaN, 1",
            "Infinity, 3",
            "",
            None,
        )
    )
    assert (lat[0], lon[0]) == (31.650259, -110.366453)
    assert (lat[1], lon[1]) == (24.0, 23.0)
    assert (lat[2], lon[2], flag[2]) == (10.9, 134.7, "coords_swapped")
    assert pd.isna(lat[3]) and flag[3] == "coords_out_of_range"
    assert flag[4] == flag[5] == flag[6] == "coords_unparseable"
    assert pd.isna(flag[7]) and pd.isna(flag[8]) and pd.isna(lat[7])


def arrow_text(*chunks: list[object]) -> pd.Series:
    """Text as pyarrow.csv hands it over: Arrow-backed, in chunks."""
    arr = pa.chunked_array([pa.array(c, pa.large_string()) for c in chunks])
    return pd.Series(pd.arrays.ArrowStringArray(arr))


def test_fast_coordinates_read_plain_pairs_in_arrow_and_the_rest_in_python() -> None:
    cells = ["31.65, -110.36", "12.5;3.25", "  -0.5   14 ", "(12.5, 3.5)", "1e1, 2", "+5.5, 3",
             "١٢.٥, 3", "134.7, 10.9", "1.5" + " " * 200 + "2.5", "", None]  # fmt: skip
    for col in (s(*cells), arrow_text(cells[:4], cells[4:])):
        lat, lon, flag = parsing.parse_coordinates(col)
        ref = parsing.parse_coordinates_python(col)
        for got, want in zip((lat, lon, flag), ref, strict=True):
            pd.testing.assert_series_equal(got, want)
    assert (lat[0], lon[0], lat[2], lon[2]) == (31.65, -110.36, -0.5, 14.0)
    assert (lat[3], lat[4], lat[5], flag[7]) == (12.5, 10.0, 5.5, "coords_swapped")
    assert flag[6] == flag[8] == "coords_unparseable" and pd.isna(flag[9])


def test_minus_zero_is_read_as_pandas_reads_the_whole_column() -> None:
    # pandas.to_numeric reads a column of whole numbers as integers: "-0" is then 0.0, but
    # -0.0 in a column that also holds a decimal number. The fast path keeps both.
    whole, _, _ = parsing.parse_coordinates(s("-0, 5", "3, 4"))
    mixed, _, _ = parsing.parse_coordinates(s("-0, 5", "3.5, 4.5"))
    assert math.copysign(1, whole[0]) == 1.0 and math.copysign(1, mixed[0]) == -1.0


def test_clean_text_on_arrow_chunks_matches_the_python_strings() -> None:
    cells = ["  Tripoli ", "\x00Zuwara\x00", "", "   ", None, "Évros\u2003", "=1+1", "x" * 30]
    arrow = parsing.clean_text(arrow_text(cells[:3], cells[3:]), 20)
    python = parsing.clean_text(s(*cells), 20)
    pd.testing.assert_series_equal(arrow, python)
    assert arrow.tolist()[:3] == ["Tripoli", "Zuwara", pd.NA] and arrow[5] == "Évros"
    assert arrow[6] == "=1+1" and arrow[7] == "x" * 20  # formulas stay text; capped


def test_split_multi_respects_commas_inside_values() -> None:
    out = parsing.split_multi_series(
        s(
            "Harsh environmental conditions / lack of adequate shelter, food, water,Drowning",
            "China, Hong Kong Special Administrative Region",
            "Central Mediterranean,Sahara Desert crossing,Central Mediterranean",
            "",
            None,
        )
    )
    assert out[0] == [
        "Harsh environmental conditions / lack of adequate shelter, food, water",
        "Drowning",
    ]
    assert out[1] == ["China, Hong Kong Special Administrative Region"]
    assert out[2] == ["Central Mediterranean", "Sahara Desert crossing"]
    assert out[3] == [] and out[4] == []


def test_source_quality_keeps_the_maximum() -> None:
    out = parsing.parse_source_quality(s("4,5", "1,3", "2", "", "9", "5.0"))
    assert out.tolist()[:3] == [5, 3, 2]
    assert pd.isna(out[3]) and pd.isna(out[4])
    assert out[5] == 5


# ---------------------------------------------------------------- properties


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=12), st.integers(-10, 10**7).map(str)), max_size=30))
def test_counts_never_negative_and_reason_xor_value(cells: list[str]) -> None:
    vals, reasons = parsing.parse_counts(pd.Series(cells, dtype="object"))
    for v, r in zip(vals, reasons, strict=True):
        assert pd.isna(v) != pd.isna(r)
        if not pd.isna(v):
            assert 0 <= v <= parsing.MAX_COUNT


@settings(max_examples=200, deadline=None)
@given(
    st.floats(-90, 90, allow_nan=False),
    st.floats(-180, 180, allow_nan=False),
)
def test_valid_coordinates_round_trip(lat: float, lon: float) -> None:
    la, lo, flag = parsing.parse_coordinates(pd.Series([f"{lat!r}, {lon!r}"]))
    assert math.isclose(la[0], lat, abs_tol=1e-9) and math.isclose(lo[0], lon, abs_tol=1e-9)
    assert pd.isna(flag[0])


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_coordinates_never_out_of_range(text: str) -> None:
    la, lo, _ = parsing.parse_coordinates(pd.Series([text]))
    if not pd.isna(la[0]):
        assert -90 <= la[0] <= 90 and -180 <= lo[0] <= 180


@settings(max_examples=200, deadline=None)
@given(st.dates())
def test_iso_dates_parse_within_range(d) -> None:  # type: ignore[no-untyped-def]
    out = parsing.parse_dates(pd.Series([d.isoformat()]))
    if 1990 <= d.year <= 2100:
        assert out[0].date() == d
    else:
        assert pd.isna(out[0])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.from_regex(r"[A-Za-z][A-Za-z /()-]{0,20}", fullmatch=True), max_size=5))
def test_split_multi_round_trips_bare_comma_joins(values: list[str]) -> None:
    clean = [v.strip() for v in values if v.strip()]
    joined = ",".join(clean)
    out = parsing.split_multi_series(pd.Series([joined]))[0]
    assert out == list(dict.fromkeys(clean))
