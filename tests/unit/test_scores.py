"""Composite scores: scaling, weights, confidence, ranks, reasons; plus hypothesis properties."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.scores import (
    DEFAULT_ORIGIN_WEIGHTS,
    DEFAULT_TRANSIT_WEIGHTS,
    ORIGIN_COMPONENTS,
    compute_confidence,
    compute_scaled,
    compute_scores,
    normalise_weights,
    why_rank,
)

# ---------------------------------------------------------------- scaling


def test_share_and_index_scaling_are_fixed_ranges():
    assert compute_scaled(pd.Series([0.0, 0.25, 1.0, np.nan]), "share").tolist()[:3] == [
        0.0,
        25.0,
        100.0,
    ]
    got = compute_scaled(pd.Series([1.0, 5.5, 10.0]), "index_1_10")
    assert got.tolist() == pytest.approx([0.0, 50.0, 100.0])
    assert math.isnan(compute_scaled(pd.Series([np.nan]), "share").iloc[0])


def test_log_scaling_by_hand():
    values = pd.Series([0.0, 9.0, 99.0, 999.0])
    got = compute_scaled(values, "log")
    logs = [0.0, math.log(10), math.log(100), math.log(1000)]
    # 5th percentile of four values with linear interpolation: 0 + 0.15 * (log 10 - 0).
    lo = 0.15 * logs[1]
    hi = logs[3]
    want = [max(0.0, (x - lo) / (hi - lo) * 100) for x in logs]
    assert got.tolist() == pytest.approx(want)
    # The top keeps its differences: 1,000 stays well above 100.
    assert got.iloc[3] == 100.0 and got.iloc[2] < 70


def test_winsor_scaling_clips_both_tails():
    values = pd.Series(list(range(0, 101, 5)) + [10_000.0])  # 0..100 and one huge change
    got = compute_scaled(values, "winsor")
    assert got.min() == 0.0 and got.max() == 100.0
    # The huge value no longer squashes the rest: 50 sits near the middle, not near 0.
    mid = got.iloc[10]
    assert 40 < mid < 60


def test_constant_component_scales_to_fifty():
    assert compute_scaled(pd.Series([7.0, 7.0, np.nan]), "log").tolist()[:2] == [50.0, 50.0]
    with pytest.raises(ValueError):
        compute_scaled(pd.Series([1.0]), "bogus")


# ---------------------------------------------------------------- weights


def test_normalise_weights():
    w = dict(normalise_weights(None, ORIGIN_COMPONENTS, DEFAULT_ORIGIN_WEIGHTS))
    assert sum(w.values()) == pytest.approx(1.0)
    assert w == pytest.approx(dict(DEFAULT_ORIGIN_WEIGHTS))
    user = dict(
        normalise_weights(
            (("dead_and_missing", 3), ("detections", 1)), ORIGIN_COMPONENTS, DEFAULT_ORIGIN_WEIGHTS
        )
    )
    assert user["dead_and_missing"] == 0.75 and user["detections"] == 0.25
    assert user["oc_human_smuggling"] == 0.0
    for bad in (
        (("nope", 1.0),),
        (("detections", -1.0),),
        (("detections", 0.0),),
        (("detections", float("nan")),),
    ):
        with pytest.raises(ValueError):
            normalise_weights(bad, ORIGIN_COMPONENTS, DEFAULT_ORIGIN_WEIGHTS)
    assert sum(w for _, w in DEFAULT_TRANSIT_WEIGHTS) == pytest.approx(1.0)
    assert sum(w for _, w in DEFAULT_ORIGIN_WEIGHTS) == pytest.approx(1.0)


# ---------------------------------------------------------------- scores


W2 = (("share_children", 0.5), ("oc_human_smuggling", 0.5))


def _frame():
    return pd.DataFrame(
        {
            "iso3": ["BBB", "AAA", "CCC", "DDD"],
            "incidents": [30, 30, 8, 1],
            "detections": [0, 0, 0, 0],
            "mean_source_quality": [4.0, 4.0, 3.0, 5.0],
            "share_children": [0.5, 1.0, np.nan, 1.0],
            "oc_human_smuggling": [1.0, 10.0, 5.5, 10.0],
        }
    )


def test_scores_by_hand():
    s = compute_scores(_frame(), W2).set_index("iso3")
    assert s.loc["AAA", "score"] == pytest.approx(100.0)  # 0.5*100 + 0.5*100
    assert s.loc["BBB", "score"] == pytest.approx(25.0)  # 0.5*50 + 0.5*0
    # CCC has only the index (50): its weight is re-normalised, score 50, coverage 50%.
    assert s.loc["CCC", "score"] == pytest.approx(50.0)
    assert s.loc["CCC", "available_weight"] == pytest.approx(0.5)
    # DDD has perfect components but a single incident: marked, not ranked at the top.
    assert s.loc["DDD", "insufficient_data"] and math.isnan(s.loc["DDD", "score"])
    assert pd.isna(s.loc["DDD", "rank"])
    assert s["rank"].dropna().astype(int).to_dict() == {"AAA": 1, "CCC": 2, "BBB": 3}
    assert (s["ranked_of"] == 3).all()
    assert s.loc["AAA", "contrib_share_children"] == pytest.approx(50.0)
    contrib = s[["contrib_share_children", "contrib_oc_human_smuggling"]].sum(axis=1)
    assert contrib[s["score"].notna()].tolist() == pytest.approx(s["score"].dropna().tolist())
    assert s.loc["AAA", "confidence"] == "high"
    assert s.loc["CCC", "confidence"] == "low"  # 50% of the weight is below the 60% for medium
    assert s.loc["DDD", "confidence"] == "low"
    # Output order: ranked first, then the rest.
    assert compute_scores(_frame(), W2)["iso3"].tolist() == ["AAA", "CCC", "BBB", "DDD"]


def test_ties_share_the_best_rank():
    df = _frame().assign(share_children=[0.5, 0.5, 0.5, 0.5], oc_human_smuggling=[5.0] * 4)
    s = compute_scores(df, W2)
    assert s["rank"].dropna().tolist() == [1, 1, 1]


def test_detections_alone_are_enough_evidence():
    df = _frame().assign(incidents=[0, 0, 0, 0], detections=[10, 5000, 0, 0])
    s = compute_scores(df, W2).set_index("iso3")
    assert not s.loc["AAA", "insufficient_data"]
    assert s.loc["BBB", "insufficient_data"]


def test_confidence_grades():
    got = compute_confidence(
        pd.Series([25, 25, 6, 6, 3]),
        pd.Series([4.0, 3.0, 3.0, 2.0, 5.0]),
        pd.Series([1.0, 1.0, 0.7, 1.0, 1.0]),
    )
    assert got.tolist() == ["high", "medium", "medium", "low", "low"]


def test_why_rank_names_the_drivers():
    s = compute_scores(_frame(), W2)
    s["name"] = s["iso3"].map({"AAA": "Aland", "BBB": "Bland", "CCC": "Cland", "DDD": "Dland"})
    aaa = why_rank(s[s["iso3"] == "AAA"].iloc[0])
    assert aaa.startswith("Aland ranks 1 of 3 (score 100/100)")
    assert "share of children among victims (100%" in aaa
    assert "human-smuggling score (10.0/10" in aaa
    assert aaa.count(".") >= 2 and "Confidence is high." in aaa
    bbb = why_rank(s[s["iso3"] == "BBB"].iloc[0])
    assert "share of children" in bbb and "human-smuggling" not in bbb  # the index adds 0 points
    ddd = why_rank(s[s["iso3"] == "DDD"].iloc[0])
    assert ddd.startswith("Dland is not ranked") and "1 incidents" in ddd


# ---------------------------------------------------------------- properties


def _countries(draw_values: list[tuple[int, float, float, float, float]]) -> pd.DataFrame:
    n = len(draw_values)
    return pd.DataFrame(
        {
            "iso3": [f"C{i:02d}" for i in range(n)],
            "incidents": [v[0] for v in draw_values],
            "mean_source_quality": [3.0] * n,
            "dead_and_missing": [float(v[0]) * v[1] for v in draw_values],
            "detections": [v[2] for v in draw_values],
            "deaths_per_1000_detections": [
                np.nan if v[2] < 500 else 1000 * v[0] * v[1] / v[2] for v in draw_values
            ],
            "change_pct": [v[3] for v in draw_values],
            "share_children": [v[4] for v in draw_values],
            "share_women": [1 - v[4] for v in draw_values],
            "oc_human_smuggling": [1 + 9 * v[4] for v in draw_values],
        }
    )


row = st.tuples(
    st.integers(0, 500),
    st.floats(0, 200, allow_nan=False),
    st.one_of(st.just(np.nan), st.floats(0, 1e6, allow_nan=False)),
    st.one_of(st.just(np.nan), st.floats(-100, 1e5, allow_nan=False)),
    st.floats(0, 1, allow_nan=False),
)
frames = st.lists(row, min_size=1, max_size=25)
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(frames)
def test_scores_stay_between_0_and_100(values):
    s = compute_scores(_countries(values), DEFAULT_ORIGIN_WEIGHTS)
    scores = s["score"].dropna()
    assert ((scores >= 0) & (scores <= 100)).all()
    for c, _ in DEFAULT_ORIGIN_WEIGHTS:
        col = s[f"c_{c}"].dropna()
        assert ((col >= 0) & (col <= 100)).all()
    # Unranked countries never sit above ranked ones.
    ranked = s["rank"].notna().to_numpy()
    assert not np.any(np.diff(ranked.astype(int)) > 0)


@FAST
@given(frames, st.integers(0, 24), st.floats(0.5, 1e5, allow_nan=False))
def test_adding_deaths_never_lowers_the_death_component(values, which, extra):
    df = _countries(values)
    i = which % len(df)
    before = compute_scores(df, DEFAULT_ORIGIN_WEIGHTS).set_index("iso3")
    more = df.copy()
    more.loc[i, "dead_and_missing"] += extra
    after = compute_scores(more, DEFAULT_ORIGIN_WEIGHTS).set_index("iso3")
    key = df.loc[i, "iso3"]
    assert after.loc[key, "c_dead_and_missing"] >= before.loc[key, "c_dead_and_missing"] - 1e-9
    # Its other components did not change, so its score cannot fall either.
    if not np.isnan(before.loc[key, "score"]):
        assert after.loc[key, "score"] >= before.loc[key, "score"] - 1e-9


@FAST
@given(frames, st.randoms(use_true_random=False))
def test_reordering_rows_changes_nothing(values, rnd):
    df = _countries(values)
    order = list(range(len(df)))
    rnd.shuffle(order)
    a = compute_scores(df, DEFAULT_ORIGIN_WEIGHTS)
    b = compute_scores(df.iloc[order].reset_index(drop=True), DEFAULT_ORIGIN_WEIGHTS)
    pd.testing.assert_frame_equal(a, b)


# ---------------------------------------------------------------- the methodology page


def test_methodology_states_the_numbers_the_code_uses():
    from pathlib import Path

    from analytics import alerts, measures, scores
    from geo import spatial

    text = (Path(__file__).resolve().parents[2] / "docs" / "methodology.md").read_text("utf-8")
    origin, transit = text.split("| Origin component | Weight |")[1].split(
        "| Transit component | Weight |"
    )
    for table, weights in ((origin, DEFAULT_ORIGIN_WEIGHTS), (transit, DEFAULT_TRANSIT_WEIGHTS)):
        for name, w in weights:
            label = scores.COMPONENTS[name].label
            assert f"| {label[0].upper()}{label[1:]} | {w:.2f} |" in table, name
    facts = [
        f"fewer than {scores.MIN_INCIDENTS}\nincidents *and* fewer than {scores.MIN_DETECTIONS} detections",
        f"at least {scores.HIGH_INCIDENTS} incidents, average MMP source quality at least {scores.HIGH_QUALITY}",
        f"at least {alerts.MIN_INCIDENTS} incidents and {alerts.MIN_DEAD_AND_MISSING} dead and missing",
        f"p below {alerts.ALPHA}",
        f"at least {alerts.DEATH_RULE.min_dead_and_missing} dead and missing in at least "
        f"{alerts.DEATH_RULE.min_incidents} incidents",
        f"for dead and missing, p below {alerts.DEATH_RULE.alpha}",
        f"within\n  {alerts.REPORTING_LAG_MONTHS} months",
        f"nearest country within {spatial.DEFAULT_MAX_KM:g} km",
        f"within {spatial.DEFAULT_WAYPOINT_TOLERANCE_KM:g} km of it",
        f"Needs at least {measures.MIN_DETECTIONS_FOR_RATE} detections",
        f"Needs at least {measures.MIN_PREVIOUS_FOR_CHANGE} dead and missing in the previous period",
        f"Needs at least {measures.MIN_KNOWN_FOR_SHARE} such victims",
        "5th percentile",
    ]
    for fact in facts:
        assert fact in text, fact
