"""Filters: URL round trip, allow-lists, hostile values never reaching SQL as text."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.filters import Filters, filters_from_query, filters_to_query
from data.queries import Vintages, incident_where

ALLOWED = {
    "routes": ["central_mediterranean", "darien"],
    "origins": ["SYR", "AFG"],
    "causes": ["Drowning", "Violence"],
    "mmp_regions": ["Mediterranean"],
    "un_regions": ["Africa"],
    "un_subregions": ["Northern Africa"],
    "vintage": ["mmp-20260409-9e0d10c6"],
}


def test_round_trip() -> None:
    f = Filters(
        date_from=dt.date(2023, 1, 1),
        date_to=dt.date(2023, 12, 31),
        routes=("central_mediterranean",),
        origins=("SYR", "AFG"),
        causes=("Drowning",),
        min_source_quality=3,
        vintage="mmp-20260409-9e0d10c6",
    )
    back, notices = filters_from_query(filters_to_query(f), ALLOWED)
    assert back == f and notices == []
    assert hash(back) == hash(f)


def test_invalid_values_dropped_with_notices() -> None:
    params = {
        "from": "2023-13-45",
        "route": ["central_mediterranean", "x'; DROP TABLE incidents; --"],
        "origin": ["SYR", "<script>alert(1)</script>"],
        "q": "99",
        "vintage": "../../etc/passwd",
        "cause": "Drowning",
    }
    f, notices = filters_from_query(params, ALLOWED)
    assert f.date_from is None
    assert f.routes == ("central_mediterranean",)
    assert f.origins == ("SYR",)
    assert f.min_source_quality == 0 and f.vintage is None
    assert f.causes == ("Drowning",)
    assert len(notices) == 5
    assert all("<script>" not in n and "DROP" not in n for n in notices)


def test_swapped_dates_are_swapped() -> None:
    f, notices = filters_from_query({"from": "2024-01-01", "to": "2023-01-01"})
    assert (f.date_from, f.date_to) == (dt.date(2023, 1, 1), dt.date(2024, 1, 1))
    assert notices


def test_previous_period_has_equal_length() -> None:
    f = Filters(date_from=dt.date(2023, 10, 1), date_to=dt.date(2023, 12, 31))
    p = f.previous_period()
    assert p is not None and p.date_to == dt.date(2023, 9, 30)
    assert (p.date_to - p.date_from) == (f.date_to - f.date_from)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=4))
def test_hostile_values_are_bound_not_spliced(values: list[str]) -> None:
    """Whatever a caller puts in the filters, the SQL text is the same fixed template."""
    f = Filters(causes=tuple(values), mmp_regions=tuple(values), origins=tuple(values))
    sql, params = incident_where(f, Vintages("src", None, False))
    # The same SQL text as for harmless values of the same number: nothing of a value is spliced
    # (testing "value not in sql" is wrong: a value such as "caus" is part of a column name).
    template, _ = incident_where(
        Filters(
            causes=tuple(f"c{i}" for i in range(len(f.causes))),
            mmp_regions=tuple(f"r{i}" for i in range(len(f.mmp_regions))),
            origins=tuple(f"o{i}" for i in range(len(f.origins))),
        ),
        Vintages("src", None, False),
    )
    assert sql == template
    assert params["causes"] == list(values)
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE incidents (source_id VARCHAR, causes VARCHAR[], region_of_incident_list "
        "VARCHAR[], origin_iso3 VARCHAR[]); INSERT INTO incidents VALUES ('src', ['a'], ['b'], ['c'])"
    )
    assert con.execute(f"SELECT count(*) FROM incidents i WHERE {sql}", params).fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM incidents").fetchone() == (1,)


@pytest.mark.parametrize("raw", ["", "2023-01-01T00:00", "20230101", "2023-1-1"])
def test_date_parsing_variants(raw: str) -> None:
    f, _ = filters_from_query({"from": raw})
    assert f.date_from in (None, dt.date(2023, 1, 1))


def test_describe_shows_names_never_ids() -> None:
    f = Filters(
        routes=("central_mediterranean", "unknown_route"),
        origins=("CIV",),
        vintage="mmp-20260409-9e0d10c6",
    )
    names = {
        "central_mediterranean": "Central Mediterranean",
        "CIV": "Côte d'Ivoire",
        "mmp-20260409-9e0d10c6": "09 Apr 2026",
    }
    text = f.describe(names)
    assert "route: Central Mediterranean, unknown_route" in text  # no name: shown as it is
    assert "origin: Côte d'Ivoire" in text and "vintage 09 Apr 2026" in text
    assert "central_mediterranean" not in text and "mmp-2026" not in text
    assert f.describe() == f.describe({})  # without names: the codes, as before


def test_slug_names_routes_countries_and_vintages_never_ids() -> None:
    """File names carry what the reader sees (issue 16): names folded to ASCII, no ids."""
    import i18n

    names = {
        "central_mediterranean": "Central Mediterranean",
        "CIV": "Côte d’Ivoire",
        "AFG": "Afghanistan",
        "mmp-20260409-9e0d10c6": "09 Apr 2026",
    }
    f = Filters(
        date_from=dt.date(2024, 1, 1),
        date_to=dt.date(2024, 12, 31),
        routes=("central_mediterranean",),
        origins=("CIV", "AFG"),
        vintage="mmp-20260409-9e0d10c6",
    )
    assert f.slug(names, 200) == (
        "2024-01-01-2024-12-31-route-central-mediterranean-origin-cote-d-ivoire-afghanistan"
        "-vintage-09-apr-2026"
    )
    with i18n.use_lang("fr"):
        fr = f.slug(names, 200)
    assert "mediterranee-centrale" in fr and "cote-d-ivoire" in fr
    for text in (f.slug(names, 200), fr):
        assert "civ" not in text.split("-") and "afg" not in text.split("-")
        assert "9e0d10c6" not in text and text == text.encode("ascii").decode()
    assert Filters().slug(names) == "all-data"
    assert len(Filters(origins=tuple(f"A{i:02d}" for i in range(40))).slug()) <= 60
