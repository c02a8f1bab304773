"""Robust death components, scope selection and the "why this rank" text, on hand-computed cases."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analytics.robust import (
    DRIVEN_SHARE,
    compute_incident_cap,
    compute_incident_profile,
    compute_robust_components,
    compute_shrunk_rates,
)
from analytics.scores import (
    DEFAULT_ORIGIN_WEIGHTS,
    ROBUST_COLUMNS,
    compute_ranks,
    compute_scores,
    driven_text,
    scope_components,
    scope_routes,
    scope_weights,
    why_rank,
)


def test_cap_is_a_linear_quantile_of_incident_sizes():
    # Sizes 1, 2, 3, 4, 100 (the zero is left out): position 0.75 * 4 = 3 -> 4;
    # position 0.99 * 4 = 3.96 -> 4 + 0.96 * (100 - 4) = 96.16.
    sizes = np.array([0, 1, 2, 3, 4, 100])
    assert compute_incident_cap(sizes, quantile=0.75) == pytest.approx(4.0)
    assert compute_incident_cap(sizes, quantile=0.99) == pytest.approx(96.16)
    # Counts repeat a size: 1 x3 and 10 x1 -> sorted 1, 1, 1, 10; median = 1.
    assert compute_incident_cap([1, 10], [3, 1], quantile=0.5) == pytest.approx(1.0)
    assert np.isnan(compute_incident_cap([0, 0]))


def _incidents() -> pd.DataFrame:
    # AAA: one shipwreck of 90 (alone), two incidents of 5  -> raw 100, largest 90 (90%).
    # BBB: a 60 shared with CCC (30 each) and four of 10     -> raw 70, largest 30 (3/7).
    # CCC: its 30 from the shared wreck and a 10 on 2 Jan    -> raw 40, largest 30 (75%).
    return pd.DataFrame(
        {
            "countries": [("AAA",), ("AAA",), ("BBB", "CCC"), ("BBB",), ("CCC",), ()],
            "dead_and_missing": [90, 5, 60, 10, 10, 500],
            "incidents": [1, 2, 1, 4, 1, 1],
            "first_date": [
                dt.date(2023, 3, 12),
                dt.date(2023, 1, 1),
                dt.date(2023, 5, 1),
                dt.date(2023, 2, 1),
                dt.date(2023, 1, 2),
                dt.date(2023, 6, 1),
            ],
            "frontex": [True, False, True, True, False, False],
        }
    )


def test_profile_shares_caps_and_the_one_k_split():
    p = compute_incident_profile(_incidents(), cap=40.0).set_index("iso3")
    assert p.index.tolist() == ["AAA", "BBB", "CCC"]
    # Capped at 40: AAA 40 + 2*5 = 50; BBB 40/2 + 4*10 = 60; CCC 40/2 + 10 = 30.
    assert p["dead_and_missing_capped"].tolist() == pytest.approx([50, 60, 30])
    # On Frontex routes: AAA's wreck (40), BBB's shared wreck (20) and its four 10s (40).
    assert p["dead_and_missing_frontex_routes_capped"].tolist() == pytest.approx([40, 60, 20])
    assert p["largest_incident_dead_and_missing"].tolist() == pytest.approx([90, 30, 30])
    assert p["largest_incident_share"].tolist() == pytest.approx([0.9, 3 / 7, 0.75])
    assert p["driven_by_one_incident"].tolist() == [True, False, True]
    assert p.loc["AAA", "largest_incident_date"] == dt.date(2023, 3, 12)
    assert p.loc["CCC", "largest_incident_date"] == dt.date(2023, 5, 1)


def test_threshold_is_inclusive_and_ties_take_the_earliest_date():
    df = pd.DataFrame(
        {
            "countries": [("AAA",), ("AAA",)],
            "dead_and_missing": [5, 5],
            "incidents": [1, 1],
            "first_date": [dt.date(2024, 2, 1), dt.date(2024, 1, 1)],
        }
    )
    p = compute_incident_profile(df, cap=np.nan).iloc[0]
    assert p["largest_incident_share"] == pytest.approx(0.5) == DRIVEN_SHARE
    assert bool(p["driven_by_one_incident"])
    assert p["largest_incident_date"] == dt.date(2024, 1, 1)
    assert not compute_incident_profile(df, cap=np.nan, threshold=0.51).iloc[0][
        "driven_by_one_incident"
    ]


def test_shrunk_rates_by_hand():
    # d = 0, 10, 2 on e = 1, 1, 2 thousand detections: m = 12 / 4 = 3; raw rates 0, 10, 1;
    # s2 = (1*9 + 1*49 + 2*4) / 4 = 16.5; mean e = 4/3, so A = 16.5 - 3 / (4/3) = 14.25.
    # e = 1: weight 14.25 / 17.25 -> 3 - 3 * 0.826087 = 0.521739, 3 + 7 * 0.826087 = 8.782609
    # e = 2: weight 14.25 / 15.75 -> 3 - 2 * 0.904762 = 1.190476. No rate: stays NaN.
    out = compute_shrunk_rates(
        pd.Series([0.0, 10.0, 2.0, np.nan]), pd.Series([1000.0, 1000.0, 2000.0, 5000.0])
    )
    assert out.iloc[:3].tolist() == pytest.approx([0.521739, 8.782609, 1.190476], abs=1e-6)
    assert np.isnan(out.iloc[3])
    # No spread beyond Poisson noise: every rate goes to the mean (1 per 1,000).
    flat = compute_shrunk_rates(pd.Series([1.0, 1.0]), pd.Series([1000.0, 1000.0]))
    assert flat.tolist() == pytest.approx([1.0, 1.0])


def test_robust_components_add_capped_change_and_profile():
    comp = pd.DataFrame(
        {
            "iso3": ["AAA", "DDD"],
            "dead_and_missing": [100.0, 0.0],
            "dead_and_missing_previous": [20.0, 0.0],
            "change_pct": [400.0, np.nan],
            "detections": [2000.0, 800.0],
            "deaths_per_1000_detections": [50.0, 0.0],
        }
    )
    sizes = pd.DataFrame(
        {
            "current": [1, 1, 0],
            "countries": [("AAA",), ("AAA",), ("AAA",)],
            "dead_and_missing": [90, 10, 20],
            "incidents": [1, 1, 1],
            "first_date": [dt.date(2023, 3, 12), dt.date(2023, 4, 1), dt.date(2022, 1, 1)],
            "frontex": [True, True, True],
        }
    )
    out = compute_robust_components(comp, sizes, quantile=0.5)
    # Cap = median of the period's sizes (10, 90) = 50: AAA 50 + 10 = 60, before 20 -> +200%.
    assert out["incident_cap"].iloc[0] == pytest.approx(50)
    assert out["dead_and_missing_capped"].tolist() == pytest.approx([60, 0])
    assert out["change_pct_capped"].iloc[0] == pytest.approx(200.0)
    assert out["largest_incident_share"].iloc[0] == pytest.approx(0.9)
    assert out["driven_by_one_incident"].tolist() == [True, False]
    assert np.isnan(out["largest_incident_share"].iloc[1])
    # Shrunk rate of capped Frontex deaths 60 / 2 and 0 / 0.8: m = 60 / 2.8 = 21.43.
    assert out["deaths_per_1000_detections_shrunk"].notna().all()


def test_scope_routes_and_components():
    routes = pd.DataFrame(
        {
            "route_id": ["central_mediterranean", "darien", "belarus_eu_border", "black_sea"],
            "frontex": [True, False, False, True],
        }
    )
    assert scope_routes(routes, "europe") == (
        "belarus_eu_border",
        "black_sea",
        "central_mediterranean",
    )
    assert scope_routes(routes, "world") is None
    with pytest.raises(ValueError, match="scope must be one of"):
        scope_routes(routes, "moon")
    comps = tuple(c for c, _ in DEFAULT_ORIGIN_WEIGHTS)
    world = scope_components(comps, "world")
    assert "detections" not in world and "deaths_per_1000_detections" not in world
    # World: the Frontex weights (0.15 + 0.15) go to the others, rescaled by 1 / 0.7.
    w = dict(scope_weights(DEFAULT_ORIGIN_WEIGHTS, "world"))
    assert w["detections"] == 0 and w["deaths_per_1000_detections"] == 0
    assert w["dead_and_missing"] == pytest.approx(0.30 / 0.70)
    assert sum(w.values()) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="weight 0"):
        scope_weights((("detections", 1.0), ("dead_and_missing", 0.0)), "world")


def _two_country_table() -> pd.DataFrame:
    # AAA: 1,000 dead (one wreck of 900); BBB: 300 dead in many incidents.
    return pd.DataFrame(
        {
            "iso3": ["AAA", "BBB", "CCC"],
            "name": ["Aland", "Bland", "Cland"],
            "incidents": [5, 40, 30],
            "mean_source_quality": [4.0, 4.0, 4.0],
            "dead_and_missing": [1000.0, 300.0, 10.0],
            "dead_and_missing_capped": [140.0, 300.0, 10.0],
            "oc_human_smuggling": [5.0, 5.0, 5.0],
            "largest_incident_dead_and_missing": [900.0, 20.0, 1.0],
            "largest_incident_date": [dt.date(2023, 3, 12), dt.date(2023, 1, 1), None],
            "largest_incident_share": [0.9, 20 / 300, 0.1],
            "driven_by_one_incident": [True, False, False],
        }
    )


def test_robust_columns_change_the_ranking_and_why_says_what_moved():
    comp = _two_country_table()
    w = (("dead_and_missing", 0.5), ("oc_human_smuggling", 0.5))
    raw = compute_scores(comp, w).set_index("iso3")
    robust = compute_scores(comp, w, columns=ROBUST_COLUMNS).set_index("iso3")
    assert raw.loc["AAA", "rank"] == 1 and robust.loc["AAA", "rank"] == 2
    row = robust.loc["AAA"].to_dict() | {
        "iso3": "AAA",
        "variant": "robust",
        "rank_raw": 1,
        "rank_robust": 2,
    }
    text = why_rank(row)
    assert (
        "It ranks 2 (robust); 1 on raw counts, because one incident (900 dead and missing, " in text
    )
    assert "12 March 2023) gives 90% of its total." in text
    assert "Its dead and missing are driven by one incident." in text
    assert "(140 robust, 1,000 raw" in text
    # Raw variant: the same move told the other way round.
    raw_row = raw.loc["AAA"].to_dict() | {"variant": "raw", "rank_raw": 1, "rank_robust": 2}
    assert "It ranks 1 (raw counts); 2 on the robust scores, because one incident" in why_rank(
        raw_row
    )
    # BBB moved up without a dominant incident: the general reason.
    b = robust.loc["BBB"].to_dict() | {"variant": "robust", "rank_raw": 2, "rank_robust": 1}
    assert "It ranks 1 (robust); 2 on raw counts, because capping the largest" in why_rank(b)
    assert "one incident" not in why_rank(b)
    # Nothing moved and no single incident: none of it is said.
    c = robust.loc["CCC"].to_dict() | {"variant": "robust", "rank_raw": 3, "rank_robust": 3}
    assert "raw counts" not in why_rank(c) and "one incident" not in why_rank(c)


def test_driven_text():
    row = {
        "driven_by_one_incident": True,
        "largest_incident_dead_and_missing": 646.0,
        "dead_and_missing": 697.8,
        "largest_incident_date": dt.date(2023, 6, 14),
    }
    assert driven_text(row) == (
        "driven by one incident (646 of its 698 dead and missing, 14 June 2023)"
    )
    assert driven_text({"driven_by_one_incident": False}) == ""


def test_compute_ranks_agrees_with_compute_scores():
    comp = _two_country_table().iloc[::-1].reset_index(drop=True)  # any row order
    w = (("dead_and_missing", 0.5), ("oc_human_smuggling", 0.5))
    for columns in (None, ROBUST_COLUMNS):
        full = compute_scores(comp, w, columns=columns).set_index("iso3")
        score, rank = compute_ranks(comp, w, columns=columns)
        iso = comp["iso3"].tolist()
        assert score.tolist() == pytest.approx(full.loc[iso, "score"].tolist(), nan_ok=True)
        assert list(rank) == list(full.loc[iso, "rank"])
