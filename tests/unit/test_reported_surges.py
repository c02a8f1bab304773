"""Shape checks for data/reference/reported_surges.csv, the cited table of publisher-reported surges.

The table is read as plain text (no pandas type guessing) so that every cell is checked as written.
See docs/alerts-backtest-sources.md for how each row was read and what counts as a match.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CSV_PATH = REPO / "data" / "reference" / "reported_surges.csv"
ROUTES_PATH = REPO / "data" / "reference" / "routes.json"

REQUIRED_COLUMNS = [
    "surge_id",
    "measure",
    "scope_kind",
    "scope",
    "start_month",
    "end_month",
    "reported_on",
    "publisher",
    "title",
    "locator",
    "url",
    "quote",
    "notes",
]
MEASURES = {"dead_and_missing", "incidents", "detections"}
SCOPE_KINDS = {"route", "region", "country"}
HALVES = {"2015-2019", "2020-2025"}
PRECISIONS = {"month", "approx", "period"}
#: Region names as the IOM Missing Migrants Project spells them in `Region of Incident`.
IOM_REGIONS = {
    "Caribbean",
    "Central America",
    "Central Asia",
    "Eastern Africa",
    "Eastern Asia",
    "Europe",
    "Mediterranean",
    "Middle Africa",
    "North America",
    "Northern Africa",
    "South America",
    "South-eastern Asia",
    "Southern Africa",
    "Southern Asia",
    "Western Africa",
    "Western Asia",
}
SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def _month(text: str) -> tuple[int, int]:
    """(year, month) of a YYYY-MM cell; raises ValueError when the cell is not one."""
    m = MONTH.match(text)
    if not m:
        raise ValueError(f"not YYYY-MM: {text!r}")
    year, month = int(m.group(1)), int(m.group(2))
    if not 1 <= month <= 12:
        raise ValueError(f"month out of range: {text!r}")
    return year, month


@pytest.fixture(scope="module")
def header() -> list[str]:
    with CSV_PATH.open(newline="", encoding="utf-8") as fh:
        return next(csv.reader(fh))


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with CSV_PATH.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def route_ids() -> set[str]:
    doc = json.loads(ROUTES_PATH.read_text(encoding="utf-8"))
    return {r["route_id"] for r in doc["routes"]}


def test_required_columns_present(header: list[str]) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    assert not missing, f"missing columns: {missing}"
    assert len(header) == len(set(header)), "duplicate column names"


def test_rows_are_complete_and_not_ragged(rows: list[dict[str, str]]) -> None:
    assert 15 <= len(rows) <= 40
    for r in rows:
        assert None not in r, f"{r.get('surge_id')}: more cells than columns"
        assert all(v is not None for v in r.values()), (
            f"{r.get('surge_id')}: fewer cells than columns"
        )


def test_surge_ids_are_unique_snake_case(rows: list[dict[str, str]]) -> None:
    ids = [r["surge_id"] for r in rows]
    assert len(ids) == len(set(ids)), "duplicate surge_id"
    bad = [i for i in ids if not SNAKE.match(i)]
    assert not bad, f"not snake_case: {bad}"


def test_measure_and_scope_kind_vocabularies(rows: list[dict[str, str]]) -> None:
    for r in rows:
        assert r["measure"] in MEASURES, r["surge_id"]
        assert r["scope_kind"] in SCOPE_KINDS, r["surge_id"]
        assert r["scope"].strip() == r["scope"] and r["scope"], r["surge_id"]


def test_months_parse_and_start_not_after_end(rows: list[dict[str, str]]) -> None:
    for r in rows:
        start = _month(r["start_month"])
        assert (2015, 1) <= start <= (2025, 12), f"{r['surge_id']}: start outside 2015-2025"
        if r["end_month"]:
            end = _month(r["end_month"])
            assert start <= end, (
                f"{r['surge_id']}: start {r['start_month']} after end {r['end_month']}"
            )


def test_reported_on_is_a_date_or_month_or_empty(rows: list[dict[str, str]]) -> None:
    for r in rows:
        text = r["reported_on"]
        if not text:
            assert r["notes"], f"{r['surge_id']}: empty reported_on needs a note saying why"
            continue
        m = DAY.match(text)
        if m:
            date(int(m.group(1)), int(m.group(2)), int(m.group(3)))  # raises on a bad date
        else:
            _month(text)
        # A publication cannot report a surge before the surge began.
        assert text[:7] >= r["start_month"], f"{r['surge_id']}: reported before start"


def test_route_scopes_exist_in_routes_json(rows: list[dict[str, str]], route_ids: set[str]) -> None:
    bad = [
        (r["surge_id"], r["scope"])
        for r in rows
        if r["scope_kind"] == "route" and r["scope"] not in route_ids
    ]
    assert not bad, f"unknown route ids: {bad}"
    assert not any(r["scope_kind"] == "route" and r["scope"] == "unclassified" for r in rows)


def test_region_scopes_are_iom_region_names(rows: list[dict[str, str]]) -> None:
    bad = [
        (r["surge_id"], r["scope"])
        for r in rows
        if r["scope_kind"] == "region" and r["scope"] not in IOM_REGIONS
    ]
    assert not bad, f"not an IOM region name: {bad}"


def test_every_row_has_url_quote_and_source(rows: list[dict[str, str]]) -> None:
    for r in rows:
        assert r["url"].startswith(("http://", "https://")), r["surge_id"]
        assert not any(ch.isspace() for ch in r["url"]), r["surge_id"]
        assert r["quote"].strip(), r["surge_id"]
        assert len(r["quote"]) <= 300, f"{r['surge_id']}: quote longer than 300 characters"
        assert r["publisher"].strip() and r["title"].strip() and r["locator"].strip(), r["surge_id"]


def test_half_matches_start_month(rows: list[dict[str, str]]) -> None:
    if rows and "half" not in rows[0]:
        pytest.skip("no half column")
    for r in rows:
        assert r["half"] in HALVES, r["surge_id"]
        expected = "2015-2019" if _month(r["start_month"])[0] <= 2019 else "2020-2025"
        assert r["half"] == expected, r["surge_id"]


def test_start_precision_vocabulary(rows: list[dict[str, str]]) -> None:
    if rows and "start_precision" not in rows[0]:
        pytest.skip("no start_precision column")
    for r in rows:
        assert r["start_precision"] in PRECISIONS, r["surge_id"]
        if r["start_precision"] == "period":
            assert r["end_month"], f"{r['surge_id']}: a period row needs its end month"


def test_both_halves_measures_and_enough_scopes(rows: list[dict[str, str]]) -> None:
    assert {r["half"] for r in rows} == HALVES
    assert {"dead_and_missing", "detections"} <= {r["measure"] for r in rows}
    assert len({r["scope"] for r in rows}) >= 5


@pytest.mark.parametrize("bad", ["2015", "2015-13", "15-04", "2015-4", "2015-04-01", ""])
def test_month_parser_rejects_malformed(bad: str) -> None:
    with pytest.raises(ValueError):
        _month(bad)
