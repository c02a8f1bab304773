"""The UNHCR measures on hand-computed cases: refugee population by origin, the months two
sources both cover, and dead and missing per 1,000 sea arrivals (with no data and partial
coverage)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from analytics.catalogue import MIN_ARRIVALS_FOR_RATE, NO_DATA, measure
from analytics.measures import (
    compute_common_months,
    compute_deaths_per_1000_arrivals,
    compute_refugee_population,
)

D = dt.date


def _monthly(col: str, rows: dict[dt.date, float]) -> pd.DataFrame:
    return pd.DataFrame({"month": list(rows), col: list(rows.values())})


# ----------------------------------------------------------------- common months


def test_common_months_cuts_to_whole_months_of_every_span() -> None:
    # IOM from January 2014 to 9 April 2026; arrivals 1 October 2015 to 1 March 2026: March
    # 2026 has one day of arrivals, so the last whole month both cover is February 2026.
    window = compute_common_months(
        [(D(2014, 1, 1), D(2026, 4, 9)), (D(2015, 10, 1), D(2026, 3, 1))]
    )
    assert window == (D(2015, 10, 1), D(2026, 2, 28))


def test_common_months_within_the_period_and_partial_start() -> None:
    # The period 2015 (a full year) against arrivals from 3 October 2015: only November and
    # December are whole months both cover.
    window = compute_common_months(
        [(D(2014, 1, 1), D(2026, 4, 9)), (D(2015, 10, 3), D(2026, 3, 1))],
        (D(2015, 1, 1), D(2015, 12, 31)),
    )
    assert window == (D(2015, 11, 1), D(2015, 12, 31))


def test_common_months_none_without_data_or_overlap() -> None:
    assert compute_common_months([(None, None), (D(2015, 10, 1), D(2026, 3, 1))]) is None
    assert (
        compute_common_months([(D(2014, 1, 1), D(2014, 12, 31)), (D(2015, 10, 1), D(2026, 3, 1))])
        is None
    )
    # Overlap of only part of one month: no whole month.
    assert (
        compute_common_months([(D(2020, 1, 1), D(2020, 3, 15)), (D(2020, 3, 2), D(2020, 9, 30))])
        is None
    )


# ----------------------------------------------------------------- per 1,000 sea arrivals


def test_deaths_per_1000_arrivals_hand_computed() -> None:
    deaths = _monthly(
        "dead_and_missing", {D(2023, 1, 1): 30, D(2023, 2, 1): 10, D(2023, 3, 1): 500}
    )
    arrivals = _monthly("arrivals", {D(2023, 1, 1): 1500, D(2023, 2, 1): 2500, D(2023, 3, 1): 9000})
    # Window January-February: 40 dead and missing / 4,000 arrivals * 1,000 = 10.0.
    out = compute_deaths_per_1000_arrivals(deaths, arrivals, (D(2023, 1, 1), D(2023, 2, 28)))
    assert out["dead_and_missing"] == 40
    assert out["arrivals"] == 4000
    assert out["deaths_per_1000_sea_arrivals"] == pytest.approx(10.0)
    assert out["months"] == 2
    assert (out["first_month"], out["last_month"]) == (D(2023, 1, 1), D(2023, 2, 1))


def test_deaths_per_1000_arrivals_partial_coverage_counts_only_common_months() -> None:
    # Deaths in December 2022 fall outside the arrivals' window and must not count.
    deaths = _monthly("dead_and_missing", {D(2022, 12, 1): 999, D(2023, 1, 1): 12})
    arrivals = _monthly("arrivals", {D(2023, 1, 1): 3000})
    window = compute_common_months(
        [(D(2014, 1, 1), D(2026, 4, 9)), (D(2023, 1, 1), D(2023, 1, 31))],
        (D(2022, 12, 1), D(2023, 12, 31)),
    )
    out = compute_deaths_per_1000_arrivals(deaths, arrivals, window)
    assert window == (D(2023, 1, 1), D(2023, 1, 31))
    assert out["deaths_per_1000_sea_arrivals"] == pytest.approx(4.0)  # 12 / 3,000 * 1,000


def test_deaths_per_1000_arrivals_no_data_is_none_not_zero() -> None:
    deaths = _monthly("dead_and_missing", {D(2023, 1, 1): 12})
    out = compute_deaths_per_1000_arrivals(deaths, _monthly("arrivals", {}), None)
    assert out["deaths_per_1000_sea_arrivals"] is None
    assert out["dead_and_missing"] is None and out["arrivals"] is None
    assert (
        measure("deaths_per_1000_sea_arrivals").format(out["deaths_per_1000_sea_arrivals"])
        == NO_DATA
    )
    # A window but too few arrivals: the counts stand, the ratio is undefined.
    few = compute_deaths_per_1000_arrivals(
        deaths,
        _monthly("arrivals", {D(2023, 1, 1): MIN_ARRIVALS_FOR_RATE - 1}),
        (D(2023, 1, 1), D(2023, 1, 31)),
        min_arrivals=MIN_ARRIVALS_FOR_RATE,
    )
    assert few["arrivals"] == MIN_ARRIVALS_FOR_RATE - 1
    assert few["deaths_per_1000_sea_arrivals"] is None


# ----------------------------------------------------------------- refugee population


YEARLY = pd.DataFrame(
    {
        "year": [2022, 2023, 2024, 2025],
        "refugees": [100.0, 120.0, float("nan"), 150.0],
        "asylum_seekers": [10.0, 30.0, float("nan"), 5.0],
    }
)


def test_refugee_population_latest_year_up_to_the_period_end() -> None:
    out = compute_refugee_population(YEARLY, end_year=2023, provisional_year=2025)
    assert out["year"] == 2023
    assert out["refugee_population_origin"] == 150.0  # 120 + 30
    assert out["provisional"] is False
    latest = compute_refugee_population(YEARLY, provisional_year=2025)
    assert (latest["year"], latest["refugee_population_origin"], latest["provisional"]) == (
        2025,
        155.0,
        True,
    )


def test_refugee_population_skips_a_year_without_figures() -> None:
    # 2024 has neither figure: the period ending in 2024 shows 2023, named as such.
    out = compute_refugee_population(YEARLY, end_year=2024)
    assert out["year"] == 2023


def test_refugee_population_no_data() -> None:
    empty = YEARLY.iloc[0:0]
    out = compute_refugee_population(empty)
    assert out["year"] is None and out["refugee_population_origin"] is None
    assert measure("refugee_population_origin").format(out["refugee_population_origin"]) == NO_DATA
    # Nothing up to the period's end: no data, not the later years.
    assert compute_refugee_population(YEARLY, end_year=2019)["year"] is None


def test_catalogue_defines_the_new_measures_with_units() -> None:
    assert measure("refugee_population_origin").unit == "persons"
    m = measure("deaths_per_1000_sea_arrivals")
    assert m.unit == "per 1,000 sea arrivals"
    assert set(m.sources) == {"mmp", "unhcr-arrivals"}
    assert "Italy" in m.caveat
