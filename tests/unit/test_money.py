"""The revenue estimator on tiny hand-made tables, every expected number worked by hand."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from analytics import money as am
from analytics.money_figures import make_leg_shares_figure, make_revenue_band_figure
from data import money as dm

# A made-up rate table with round numbers: USD 1.25 per EUR in 2020 and 1.00 in 2024, GBP 0.80
# per EUR in 2020, US CPI 200 in 2020 and 250 in 2024 (prices up 25%).
FX = pd.DataFrame(
    {
        "series_id": ["fx_usd_per_eur", "fx_usd_per_eur", "fx_gbp_per_eur", "cpi_u_us", "cpi_u_us"],
        "year": [2020, 2024, 2020, 2020, 2024],
        "value": [1.25, 1.00, 0.80, 200.0, 250.0],
    }
)
SHARES = pd.DataFrame(
    {
        "share_id": ["a", "b"],
        "route_id": ["r1;r2", "r1"],
        "share_low": [0.9, 0.95],
        "share_high": [1.0, 0.95],
    }
)


def fee(fee_id, route, year, low, high, currency="EUR", kind="crossing", part_of="", leg="leg"):
    return {
        "fee_id": fee_id,
        "route_id": route,
        "leg": leg,
        "year": year,
        "fee_low": low,
        "fee_high": high,
        "currency": currency,
        "fee_kind": kind,
        "part_of": part_of,
    }


def test_conversion_to_eur_at_2024_prices_by_hand() -> None:
    # EUR 100 (2020) -> USD 125 (2020) -> x 250/200 = USD 156.25 (2024) -> / 1.00 = EUR 156.25.
    assert am.to_price_year(100, "EUR", 2020, FX) == pytest.approx(156.25)
    # GBP 80 (2020) -> / 0.80 = EUR 100 -> the same EUR 156.25.
    assert am.to_price_year(80, "GBP", 2020, FX) == pytest.approx(156.25)
    # USD 100 (2020) -> x 1.25 = USD 125 (2024) -> EUR 125.
    assert am.to_price_year(100, "USD", 2020, FX) == pytest.approx(125.0)


def test_conversion_with_the_shipped_table_matches_the_worked_example() -> None:
    # docs/money.md: EUR 1,300 (2017) x 1.1297 x 313.689 / 245.120 / 1.0824 = EUR 1,736.
    fx = dm.read_fx()
    assert am.to_price_year(1300, "EUR", 2017, fx) == pytest.approx(
        1300 * 1.1297 * 313.689 / 245.120 / 1.0824
    )
    assert round(am.to_price_year(1300, "EUR", 2017, fx)) == 1736


def test_conversion_never_falls_back() -> None:
    with pytest.raises(ValueError, match="no fx_usd_per_eur value for 2019"):
        am.to_price_year(100, "EUR", 2019, FX)
    with pytest.raises(ValueError, match="no exchange rate series for 'CHF'"):
        am.to_price_year(100, "CHF", 2020, FX)


def test_revenue_is_a_range_from_the_envelope_of_crossing_fees() -> None:
    fees = pd.DataFrame(
        [
            fee("f1", "r1", 2020, 100, 200),
            fee("f2", "r1", 2020, 120, 300),
            # A whole-journey package is never multiplied by the route's count.
            fee("f3", "r1", 2020, 5000, 9000, kind="journey"),
        ]
    )
    persons = pd.DataFrame({"route_id": ["r1"], "year": [2020], "persons": [1000], "months": [12]})
    out = am.compute_revenue(persons, fees, FX, SHARES)
    r = out.iloc[0]
    # Fee envelope EUR 100-300 (2020) = EUR 156.25-468.75 (2024); share 0.9-1.0 (both rows).
    assert r["fee_low_eur"] == pytest.approx(156.25)
    assert r["fee_high_eur"] == pytest.approx(468.75)
    assert (r["share_low"], r["share_high"]) == (0.9, 1.0)
    assert r["revenue_low_eur"] == pytest.approx(1000 * 0.9 * 156.25)  # 140,625
    assert r["revenue_high_eur"] == pytest.approx(1000 * 1.0 * 468.75)  # 468,750
    assert r["fee_ids"] == "f1;f2"
    assert r["status"] == am.STATUS_OK
    assert r["share_basis"] == "cited: a;b"


def test_no_fee_for_the_route_year_is_no_data_not_zero() -> None:
    fees = pd.DataFrame([fee("f1", "r1", 2020, 100, 200)])
    persons = pd.DataFrame({"route_id": ["r1", "r2"], "year": [2024, 2020], "persons": [500, 700]})
    out = am.compute_revenue(persons, fees, FX, SHARES).set_index(["route_id", "year"])
    # r1 2024 has a count but no fee (the 2020 fee is not carried forward); r2 has no fee at all.
    for key in (("r1", 2024), ("r2", 2020)):
        assert math.isnan(out.loc[key, "revenue_low_eur"])
        assert math.isnan(out.loc[key, "revenue_high_eur"])
        assert out.loc[key, "status"] == am.STATUS_NO_FEE
    # r1 2020 has a fee but no count: listed, no data.
    assert out.loc[("r1", 2020), "status"] == am.STATUS_NO_PERSONS
    assert math.isnan(out.loc[("r1", 2020), "revenue_low_eur"])
    assert am.revenue_with_data(out.reset_index()).empty


def test_user_share_applies_to_every_route_and_a_route_without_a_cited_share_has_no_data() -> None:
    fees = pd.DataFrame([fee("f1", "r3", 2020, 100, 100)])
    persons = pd.DataFrame({"route_id": ["r3"], "year": [2020], "persons": [10]})
    cited = am.compute_revenue(persons, fees, FX, SHARES).iloc[0]
    assert cited["status"] == am.STATUS_NO_SHARE and math.isnan(cited["revenue_low_eur"])
    user = am.compute_revenue(persons, fees, FX, SHARES, share=am.ShareRange(0.5, 0.8)).iloc[0]
    assert user["share_basis"] == "set by the user"
    assert user["revenue_low_eur"] == pytest.approx(10 * 0.5 * 156.25)
    assert user["revenue_high_eur"] == pytest.approx(10 * 0.8 * 156.25)
    with pytest.raises(ValueError):
        am.ShareRange(0.8, 0.5)


def test_usd_and_gbp_fees_convert_before_the_envelope() -> None:
    # USD 100 (2020) = EUR 125 at 2024 prices; GBP 160 (2020) = EUR 312.50.
    fees = pd.DataFrame(
        [fee("u", "r1", 2020, 100, 100, currency="USD"), fee("g", "r1", 2020, 160, 160, "GBP")]
    )
    persons = pd.DataFrame({"route_id": ["r1"], "year": [2020], "persons": [2]})
    r = am.compute_revenue(persons, fees, FX, SHARES).iloc[0]
    assert (r["fee_low_eur"], r["fee_high_eur"]) == (pytest.approx(125.0), pytest.approx(312.5))
    assert r["revenue_low_eur"] == pytest.approx(2 * 0.9 * 125.0)
    assert r["revenue_high_eur"] == pytest.approx(2 * 1.0 * 312.5)


def test_leg_shares_by_hand() -> None:
    fees = pd.DataFrame(
        [
            fee("whole", "r1", 2020, 1000, 1300, kind="journey", leg="A - C"),
            fee("leg", "r1", 2020, 500, 1000, kind="leg", part_of="whole", leg="B - C"),
            fee("toll", "r2", 2020, 100, 100, currency="USD", kind="toll", part_of="whole"),
        ]
    )
    legs = am.compute_leg_shares(am.compute_fees_eur(fees, FX)).set_index("part_fee_id")
    # 500 / 1300 = 0.3846; 1000 / 1000 = 1.0 (capped at 1).
    assert legs.loc["leg", "share_low"] == pytest.approx(500 / 1300)
    assert legs.loc["leg", "share_high"] == pytest.approx(1.0)
    # USD 100 = EUR 80 (2020 money): 80 / 1300 and 80 / 1000, same prices both sides.
    assert legs.loc["toll", "share_low"] == pytest.approx(80 / 1300)
    assert legs.loc["toll", "share_high"] == pytest.approx(80 / 1000)
    assert legs.loc["toll", "route_id"] == "r1" and legs.loc["toll", "part_route_id"] == "r2"
    bad = pd.DataFrame([fee("x", "r1", 2020, 1, 1, kind="leg", part_of="nowhere")])
    with pytest.raises(ValueError, match="nowhere"):
        am.compute_leg_shares(am.compute_fees_eur(bad, FX))


def test_shipped_leg_shares() -> None:
    legs = am.compute_leg_shares(am.compute_fees_eur(dm.read_fees(), dm.read_fx()))
    by = legs.set_index("part_fee_id")
    # Europol 2022: EUR 500-1,000 of EUR 10,000-13,000 -> 3.8% to 10%.
    assert by.loc["by_poland_germany_leg_2022_europol", "share_low"] == pytest.approx(500 / 13000)
    assert by.loc["by_poland_germany_leg_2022_europol", "share_high"] == pytest.approx(0.1)
    # The cartel piso USD 1,300 of USD 8,600.
    assert by.loc["usmx_cartel_piso_2022_wt", "share_low"] == pytest.approx(1300 / 8600)


def test_validation_ratio_only_where_every_route_has_a_range() -> None:
    fees = pd.DataFrame([fee("f1", "r1", 2020, 100, 100)])
    persons = pd.DataFrame({"route_id": ["r1", "r2"], "year": [2020, 2020], "persons": [1000, 5]})
    rev = am.compute_revenue(persons, fees, FX, SHARES)
    published = pd.DataFrame(
        {
            "estimate_id": ["one", "two"],
            "route_id": ["r1", "r1;r2"],
            "year": [2020, 2020],
            "low": [100000, 1],
            "high": [100000, 1],
            "currency": ["EUR", "EUR"],
            "bound": ["point", "point"],
        }
    )
    v = am.compute_validation(rev, published, FX).set_index("estimate_id")
    # Product EUR 140,625-156,250 (2024); published EUR 100,000 (2020) = EUR 156,250 (2024).
    assert v.loc["one", "ratio_low"] == pytest.approx(0.9)
    assert v.loc["one", "ratio_high"] == pytest.approx(1.0)
    assert math.isnan(v.loc["two", "ratio_low"])
    assert v.loc["two", "routes_without_range"] == "r2"
    assert "r2: no fee for this route and year" in v.loc["two", "note"]


def test_band_figure_draws_filled_ranges_never_a_line() -> None:
    rev = pd.DataFrame(
        {
            "route_id": ["r1", "r1", "r1"],
            "name": ["Route one"] * 3,
            "year": [2017, 2018, 2023],
            "revenue_low_eur": [1e6, 2e6, 5e6],
            "revenue_high_eur": [3e6, 4e6, 9e6],
            "months": [12, 12, 4],
            "partial": [False, False, True],
        }
    )
    fig = make_revenue_band_figure(rev, {"r1": "#D55E00"})
    spec = json.loads(fig.to_json())
    band = [t for t in spec["data"] if t.get("fill") == "toself"]
    assert len(band) == 1
    ys = [y for y in band[0]["y"] if y is not None]
    assert min(ys) == 1e6 and max(ys) == 9e6
    # 2017-2018 is one band, 2023 another: two closed outlines separated by a gap.
    assert band[0]["x"].count(None) == 2
    assert (
        "Route one 2023: the largest estimate, EUR 5.0 million to EUR 9.0 million"
        == (spec["layout"]["meta"]["title"])
    )
    assert "open circles" in spec["layout"]["title"]["subtitle"]["text"]
    empty = make_revenue_band_figure(rev.iloc[0:0])
    assert "no route-year" in empty.layout.meta["title"]


def test_leg_figure_labels_ranges() -> None:
    legs = am.compute_leg_shares(am.compute_fees_eur(dm.read_fees(), dm.read_fx()))
    spec = json.loads(make_leg_shares_figure(legs).to_json())
    assert "4-10%" in spec["data"][0]["text"]
    assert spec["data"][0]["base"][0] >= 0


def test_revenue_layer_width_follows_the_upper_estimate() -> None:
    from geo.layers import build_revenue_route_layer

    routes = pd.DataFrame(
        {"route_id": ["a", "b", "c"], "name": ["A", "B", "C"], "colour": ["#112233"] * 3}
    )
    wps = pd.DataFrame(
        {
            "route_id": ["a", "a", "b", "b", "c", "c"],
            "seq": [1, 2] * 3,
            "lon": [0, 1, 0, 1, 0, 1],
            "lat": [0, 1, 2, 3, 4, 5],
        }
    )
    totals = pd.DataFrame(
        {
            "route_id": ["a", "b"],
            "revenue_low_eur": [1e6, 1e6],
            "revenue_high_eur": [4e8, 1e8],
            "first_year": [2017, 2015],
            "last_year": [2018, 2015],
        }
    )
    rows = {r["route_id"]: r for r in build_revenue_route_layer(routes, wps, totals).data}
    assert rows["a"]["width"] == 16.0
    assert rows["b"]["width"] == pytest.approx(round(2 + 14 * math.sqrt(0.25), 1))
    assert rows["c"]["width"] == 1.5 and "no data" in rows["c"]["tt_body"]
    assert "EUR 1.0 million to EUR 400.0 million" in rows["a"]["tt_body"]
