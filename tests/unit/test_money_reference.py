"""Shape checks for the cited corridor-economics reference tables in data/reference/.

The tables are authored by hand from public documents (see docs/money.md). These tests do not
judge the figures; they check that every row is well formed, cites a source with a locator,
uses route ids that exist in routes.json, and can be converted to one currency and price year
with the cited exchange-rate and deflator table.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
REF = REPO / "data" / "reference"
FEES = REF / "smuggling_fees.csv"
FX = REF / "fx_deflators.csv"
REVENUE = REF / "published_revenue_estimates.csv"
SHARE = REF / "smuggler_use_share.csv"
DOC = REPO / "docs" / "money.md"

BASE_CURRENCY = "EUR"
FX_SERIES = {"fx_usd_per_eur": "USD", "fx_gbp_per_eur": "GBP"}
DEFLATOR_SERIES = "cpi_u_us"
#: The years the product needs converted in any case (the Frontex and MMP data it shows).
REQUIRED_YEARS = range(2014, 2026)

#: Every cited row ends with where it was read.
CITATION = ["source_document", "publisher", "publication_year", "locator", "url"]
FEE_COLUMNS = [
    "fee_id",
    "route_id",
    "leg",
    "origin_or_departure",
    "destination",
    "year",
    "fee_low",
    "fee_high",
    "currency",
    "unit",
    "service",
    *CITATION,
    "notes",
]
FX_COLUMNS = [
    "series_id",
    "year",
    "currency",
    "value",
    "unit",
    *CITATION,
    "notes",
]
REVENUE_COLUMNS = [
    "estimate_id",
    "route_id",
    "scope",
    "year",
    "low",
    "high",
    "currency",
    "covers",
    *CITATION,
]
SHARE_COLUMNS = [
    "share_id",
    "route_id",
    "scope",
    "year",
    "share_low",
    "share_high",
    "source_document",
    "publisher",
    "publication_year",
    "locator",
    "url",
]
SOURCE_FIELDS = ("source_document", "publisher", "locator", "url")
SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
ISO_4217 = re.compile(r"^[A-Z]{3}$")


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


def _route_ids() -> set[str]:
    routes = json.loads((REF / "routes.json").read_text(encoding="utf-8"))["routes"]
    return {r["route_id"] for r in routes}


def _split_routes(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(";") if part.strip()]


def _fx_years() -> dict[str, set[int]]:
    """currency -> years with an exchange rate (EUR is the base and needs none)."""
    _, rows = _read(FX)
    years: dict[str, set[int]] = {}
    for r in rows:
        if r["series_id"] in FX_SERIES:
            years.setdefault(r["currency"], set()).add(int(r["year"]))
    return years


def _deflator_years() -> set[int]:
    _, rows = _read(FX)
    return {int(r["year"]) for r in rows if r["series_id"] == DEFLATOR_SERIES}


def _assert_cited(name: str, row: dict[str, str], key: str) -> None:
    for field in SOURCE_FIELDS:
        assert row[field].strip(), f"{name} {row[key]}: empty {field}"
    assert row["url"].startswith(("http://", "https://")), f"{name} {row[key]}: url {row['url']!r}"
    assert 1990 <= int(row["publication_year"]) <= 2030, f"{name} {row[key]}: publication_year"


def _assert_convertible(name: str, row: dict[str, str], key: str) -> None:
    currency, year = row["currency"], int(row["year"])
    assert ISO_4217.match(currency), f"{name} {row[key]}: currency {currency!r} is not ISO 4217"
    if currency != BASE_CURRENCY:
        fx = _fx_years()
        assert currency in fx, f"{name} {row[key]}: no exchange rate series for {currency}"
        assert year in fx[currency], f"{name} {row[key]}: no {currency} rate for {year}"
    assert year in _deflator_years(), f"{name} {row[key]}: no deflator for {year}"


# --- smuggling_fees.csv ------------------------------------------------------------------


def test_fees_have_the_required_columns_and_rows() -> None:
    columns, rows = _read(FEES)
    missing = [c for c in FEE_COLUMNS if c not in columns]
    assert not missing, f"missing columns: {missing}"
    assert len(rows) >= 10


def test_fee_ids_are_unique_snake_case() -> None:
    _, rows = _read(FEES)
    ids = [r["fee_id"] for r in rows]
    assert len(ids) == len(set(ids)), "duplicate fee_id"
    bad = [i for i in ids if not SNAKE.match(i)]
    assert not bad, f"fee_id not snake_case: {bad}"


def test_fee_route_ids_exist() -> None:
    known = _route_ids()
    _, rows = _read(FEES)
    bad = {r["fee_id"]: r["route_id"] for r in rows if r["route_id"] not in known}
    assert not bad, f"route_id not in routes.json: {bad}"


def test_fee_ranges_are_positive_and_ordered() -> None:
    _, rows = _read(FEES)
    for r in rows:
        low, high = float(r["fee_low"]), float(r["fee_high"])
        assert 0 < low <= high, f"{r['fee_id']}: fee_low {low} > fee_high {high} or not positive"
        year = int(r["year"])
        assert 1990 <= year <= 2030, f"{r['fee_id']}: year {year}"
        assert int(r["publication_year"]) >= year, f"{r['fee_id']}: published before its year"


def test_fee_rows_are_cited() -> None:
    _, rows = _read(FEES)
    for r in rows:
        _assert_cited("fee", r, "fee_id")
        for field in ("leg", "unit", "service"):
            assert r[field].strip(), f"fee {r['fee_id']}: empty {field}"


def test_every_fee_can_be_converted() -> None:
    _, rows = _read(FEES)
    for r in rows:
        _assert_convertible("fee", r, "fee_id")


# --- fx_deflators.csv --------------------------------------------------------------------


def test_fx_table_has_the_required_columns_and_known_series() -> None:
    columns, rows = _read(FX)
    missing = [c for c in FX_COLUMNS if c not in columns]
    assert not missing, f"missing columns: {missing}"
    series = {r["series_id"] for r in rows}
    assert series == set(FX_SERIES) | {DEFLATOR_SERIES}
    keys = [(r["series_id"], r["year"]) for r in rows]
    assert len(keys) == len(set(keys)), "duplicate (series_id, year)"


def test_fx_table_covers_the_product_years() -> None:
    _, rows = _read(FX)
    for series in [*FX_SERIES, DEFLATOR_SERIES]:
        years = {int(r["year"]) for r in rows if r["series_id"] == series}
        missing = sorted(set(REQUIRED_YEARS) - years)
        assert not missing, f"{series}: no value for {missing}"


def test_fx_values_are_plausible_and_cited() -> None:
    _, rows = _read(FX)
    for r in rows:
        value = float(r["value"])
        if r["series_id"] in FX_SERIES:
            assert r["currency"] == FX_SERIES[r["series_id"]]
            assert 0.5 < value < 2.0, f"{r['series_id']} {r['year']}: {value}"
        else:
            assert 150 < value < 400, f"{r['series_id']} {r['year']}: {value}"
        for field in SOURCE_FIELDS:
            assert r[field].strip(), f"{r['series_id']} {r['year']}: empty {field}"


def test_fx_spot_values() -> None:
    """ECB annual averages as published (USD per EUR) and the BLS CPI-U annual average."""
    _, rows = _read(FX)
    value = {(r["series_id"], int(r["year"])): float(r["value"]) for r in rows}
    assert value[("fx_usd_per_eur", 2015)] == pytest.approx(1.1095)
    assert value[("fx_usd_per_eur", 2024)] == pytest.approx(1.0824)
    assert value[("cpi_u_us", 2024)] == pytest.approx(313.689)


# --- published_revenue_estimates.csv -----------------------------------------------------


def test_revenue_estimates_shape() -> None:
    columns, rows = _read(REVENUE)
    missing = [c for c in REVENUE_COLUMNS if c not in columns]
    assert not missing, f"missing columns: {missing}"
    assert rows
    ids = [r["estimate_id"] for r in rows]
    assert len(ids) == len(set(ids)) and all(SNAKE.match(i) for i in ids)


def test_revenue_route_ids_exist() -> None:
    known = _route_ids()
    _, rows = _read(REVENUE)
    for r in rows:
        routes = _split_routes(r["route_id"])
        if not routes:
            assert r["scope"] == "global", (
                f"{r['estimate_id']}: empty route_id needs scope 'global'"
            )
        unknown = [x for x in routes if x not in known]
        assert not unknown, f"{r['estimate_id']}: route ids not in routes.json: {unknown}"


def test_revenue_ranges_cited_and_convertible() -> None:
    _, rows = _read(REVENUE)
    for r in rows:
        assert 0 < float(r["low"]) <= float(r["high"]), f"{r['estimate_id']}: low > high"
        assert r["covers"].strip(), f"{r['estimate_id']}: empty covers"
        _assert_cited("estimate", r, "estimate_id")
        _assert_convertible("estimate", r, "estimate_id")


# --- smuggler_use_share.csv --------------------------------------------------------------


def test_smuggler_share_rows() -> None:
    columns, rows = _read(SHARE)
    missing = [c for c in SHARE_COLUMNS if c not in columns]
    assert not missing, f"missing columns: {missing}"
    known = _route_ids()
    assert rows
    for r in rows:
        routes = _split_routes(r["route_id"])
        assert routes and all(x in known for x in routes), f"{r['share_id']}: route ids"
        low, high = float(r["share_low"]), float(r["share_high"])
        assert 0 <= low <= high <= 1, f"{r['share_id']}: share {low}-{high}"
        _assert_cited("share", r, "share_id")


# --- docs/money.md -----------------------------------------------------------------------


def test_every_row_is_described_in_the_doc() -> None:
    doc = DOC.read_text(encoding="utf-8")
    for path, key in ((FEES, "fee_id"), (REVENUE, "estimate_id"), (SHARE, "share_id")):
        _, rows = _read(path)
        absent = [r[key] for r in rows if f"`{r[key]}`" not in doc]
        assert not absent, f"{path.name}: ids not described in docs/money.md: {absent}"
