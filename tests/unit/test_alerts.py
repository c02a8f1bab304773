"""Alerts: windows, the exact test on small counts, the rule and its sentences."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from math import comb

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analytics.alerts import (
    DeathRule,
    binom_two_sided_p,
    compare_counts_p,
    compute_alert_board,
    compute_alert_candidates,
    compute_alerts,
    compute_death_candidates,
    compute_watch,
    compute_windows,
    quasi_poisson_test,
    window_label,
)
from analytics.catalogue import Coverage, compute_headline
from analytics.messages import compute_key_messages, period_text

D = dt.date


def exact_two_sided(k: int, n: int, p: Fraction) -> float:
    """Independent exact computation with rational arithmetic."""
    pmf = [comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(n + 1)]
    return float(sum(x for x in pmf if x <= pmf[k]))


def test_binomial_p_by_hand():
    # 3 of 4 at p = 1/2: outcomes 0, 1, 3, 4 are no more likely than 3 -> 10/16.
    assert binom_two_sided_p(3, 4, 0.5) == pytest.approx(10 / 16)
    # 0 of 6 at p = 1/2: only 0 and 6 -> 2/64.
    assert binom_two_sided_p(0, 6, 0.5) == pytest.approx(2 / 64)
    assert binom_two_sided_p(0, 0, 0.5) == 1.0
    assert binom_two_sided_p(20, 31, 0.5) == pytest.approx(exact_two_sided(20, 31, Fraction(1, 2)))
    assert binom_two_sided_p(20, 58, 0.2) == pytest.approx(exact_two_sided(20, 58, Fraction(1, 5)))
    with pytest.raises(ValueError):
        binom_two_sided_p(5, 4, 0.5)


def test_one_to_three_is_within_chance():
    # The example: a jump from 1 to 3 incidents.
    assert compare_counts_p(3, 1, 1.0) == pytest.approx(10 / 16)
    # Against a 12-month baseline four times as long, p0 = 1/5.
    assert compare_counts_p(3, 4, 4.0) == pytest.approx(exact_two_sided(3, 7, Fraction(1, 5)))


def test_windows():
    w = compute_windows(D(2023, 12, 15), 3)
    assert w["current"] == (D(2023, 10, 1), D(2023, 12, 31))
    assert w["year_ago"] == (D(2022, 10, 1), D(2022, 12, 31))
    assert w["baseline"] == (D(2022, 10, 1), D(2023, 9, 30))
    w = compute_windows(D(2024, 1, 1), 3)
    assert w["current"] == (D(2023, 11, 1), D(2024, 1, 31))
    assert w["baseline"] == (D(2022, 11, 1), D(2023, 10, 31))
    w = compute_windows(D(2024, 2, 10), 1)
    assert w["current"] == (D(2024, 2, 1), D(2024, 2, 29))
    with pytest.raises(ValueError):
        compute_windows(D(2024, 1, 1), 13)
    assert window_label(D(2023, 10, 1), D(2023, 12, 31)) == "Oct\u2013Dec 2023"
    assert window_label(D(2023, 11, 1), D(2024, 1, 31)) == "Nov 2023\u2013Jan 2024"
    assert window_label(D(2023, 11, 1), D(2023, 11, 30)) == "Nov 2023"


def _monthly(level, key, counts):
    """counts: {date: (incidents, dead_and_missing, largest)}."""
    return pd.DataFrame(
        [
            {
                "level": level,
                "key": key,
                "month": m,
                "incidents": c[0],
                "dead_and_missing": c[1],
                "largest_incident": c[2],
            }
            for m, c in counts.items()
        ]
    )


def _series(key, current, year_ago, baseline_each, level="route"):
    """Oct-Dec 2023 current, Oct-Dec 2022 year ago, Jan-Sep 2023 baseline months."""
    counts = {}
    for i, m in enumerate((10, 11, 12)):
        counts[D(2023, m, 1)] = current[i]
        counts[D(2022, m, 1)] = year_ago[i]
    for m in range(1, 10):
        counts[D(2023, m, 1)] = baseline_each
    return _monthly(level, key, counts)


def test_alert_rule_by_hand():
    monthly = pd.concat(
        [
            # 1 -> 3 incidents: too few to test at all.
            _series(
                "tiny",
                [(1, 1, 1), (1, 1, 1), (1, 1, 1)],
                [(1, 1, 1), (0, 0, 0), (0, 0, 0)],
                (0, 0, 0),
            ),
            # 30 incidents against 6 a year ago and 2 a month before: an alert, up.
            _series(
                "surge",
                [(10, 40, 9), (10, 40, 9), (10, 40, 9)],
                [(2, 8, 4), (2, 8, 4), (2, 8, 4)],
                (2, 8, 4),
            ),
            # Up against the quiet 12 months but not against a busy year-ago window: watch.
            _series(
                "season",
                [(8, 30, 5), (8, 30, 5), (8, 30, 5)],
                [(7, 25, 5), (7, 25, 5), (7, 25, 5)],
                (1, 3, 3),
            ),
            # Incidents up but dead and missing down: mixed, no alert.
            _series(
                "mixed",
                [(10, 10, 1), (10, 10, 1), (10, 10, 1)],
                [(2, 50, 40), (2, 50, 40), (2, 50, 40)],
                (2, 50, 40),
            ),
        ],
        ignore_index=True,
    )
    names = pd.Series({"surge": "Surge Route"})
    c = compute_alert_candidates(
        monthly,
        D(2023, 12, 1),
        3,
        names,
        "IOM Missing Migrants Project, vintage 2026-04-09",
        "mmp-x",
    ).set_index("id")
    assert c.loc["tiny", "status"] == "none" and c.loc["tiny", "reason"].startswith("Too few")
    s = c.loc["surge"]
    assert s["status"] == "alert" and s["direction"] == "up"
    assert (s["current"], s["year_ago"], s["current_incidents"], s["year_ago_incidents"]) == (
        120,
        24,
        30,
        6,
    )
    # Baseline: Oct-Dec 2022 (6 incidents, 24 dead) + Jan-Sep 2023 (18, 72) -> per 3 months.
    assert s["baseline_12m_avg"] == pytest.approx((24 + 72) / 4)
    assert s["baseline_incidents_12m_avg"] == pytest.approx(24 / 4)
    assert s["p_year_ago"] == pytest.approx(exact_two_sided(30, 36, Fraction(1, 2)))
    assert s["p_baseline"] == pytest.approx(exact_two_sided(30, 54, Fraction(1, 5)))
    assert s["p_value"] == max(s["p_year_ago"], s["p_baseline"])
    assert s["name"] == "Surge Route" and s["period_label"] == "Oct\u2013Dec 2023"
    assert s["sentence"] == (
        "Dead and missing on the Surge Route route rose to 120 in Oct\u2013Dec 2023 from 24 in "
        "Oct\u2013Dec 2022 (30 vs 6 incidents; average 24 per 3 months over Oct 2022\u2013Sep 2023; "
        "exact test on incidents p < 0.001; IOM Missing Migrants Project, vintage 2026-04-09)."
    )
    assert c.loc["season", "status"] == "watch"
    assert c.loc["season", "p_year_ago"] >= 0.05 and c.loc["season", "p_baseline"] < 0.05
    assert "within chance against one reference" in c.loc["season", "reason"]
    assert c.loc["mixed", "direction"] == "mixed" and c.loc["mixed", "status"] == "none"
    assert (c["source_id"] == "mmp-x").all()
    # Alerts first; compute_alerts keeps only them.
    assert list(c.index)[0] == "surge"
    assert compute_alerts(c.reset_index())["id"].tolist() == ["surge"]


def test_fall_near_the_end_of_the_data_is_only_a_watch():
    monthly = _series("drop", [(1, 2, 1), (1, 2, 1), (0, 0, 0)], [(10, 30, 5)] * 3, (10, 30, 5))
    far = compute_alert_candidates(monthly, D(2023, 12, 1), 3, data_end=D(2025, 4, 29))
    assert far.iloc[0]["status"] == "alert" and far.iloc[0]["direction"] == "down"
    near = compute_alert_candidates(monthly, D(2023, 12, 1), 3, data_end=D(2024, 2, 10))
    assert near.iloc[0]["status"] == "watch"
    assert near.iloc[0]["reason"].startswith("Possible reporting delay")


def test_input_order_does_not_matter():
    monthly = pd.concat(
        [
            _series("a", [(10, 40, 9)] * 3, [(2, 8, 4)] * 3, (2, 8, 4)),
            _series("b", [(5, 20, 9)] * 3, [(5, 20, 4)] * 3, (5, 8, 4), level="country"),
        ],
        ignore_index=True,
    )
    a = compute_alert_candidates(monthly, D(2023, 12, 1), 3)
    b = compute_alert_candidates(monthly.sample(frac=1, random_state=3), D(2023, 12, 1), 3)
    pd.testing.assert_frame_equal(a, b)


# ---------------------------------------------------------------- messages


def test_period_text():
    assert period_text(D(2023, 1, 1), D(2023, 12, 31)) == "in 2023"
    assert period_text(D(2022, 1, 1), D(2023, 12, 31)) == "in 2022\u20132023"
    assert period_text(D(2023, 10, 1), D(2023, 12, 31)) == "in Oct\u2013Dec 2023"
    assert period_text(D(2023, 1, 3), D(2023, 3, 15)) == "from 3 Jan 2023 to 15 Mar 2023"
    assert period_text(None, None) == "over all recorded years"


def test_key_messages_cite_sources_and_never_add_measures():
    head = {
        "incidents": 100,
        "dead_and_missing": 1000,
        "incident_source": "mmp-1",
        "detection_source": "fx-1",
    }
    prev = {"incidents": 80, "dead_and_missing": 800}
    year = (dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    before = (dt.date(2022, 1, 1), dt.date(2022, 12, 31))
    cover = {"mmp": Coverage("IOM", dt.date(2014, 1, 1), dt.date(2026, 4, 9)), "frontex": None}

    def figs(now: dict, then: dict) -> tuple:
        return compute_headline(now, then, period=year, previous_period=before, coverage=cover)

    routes = pd.DataFrame(
        {
            "route_id": ["cm", "unclassified", "wb"],
            "name": ["Central Mediterranean", "Unclassified", "Western Balkans"],
            "dead_and_missing": [600, 900, 10],
            "dead_and_missing_in_detection_months": [600, 900, 10],
            "detections": [40000.0, float("nan"), 20000.0],
            "detections_in_incident_months": [40000.0, float("nan"), 20000.0],
            "deaths_per_1000_detections": [15.0, float("nan"), 0.5],
        }
    )
    origins = pd.DataFrame(
        {
            "iso3": ["AFG", "SYR"],
            "name": ["Afghanistan", "Syria"],
            "dead_and_missing": [300.5, 100.0],
            "split_incidents": [2, 0],
        }
    )
    transit = pd.DataFrame(
        {"iso3": ["LBY", "TUN"], "name": ["Libya", "Tunisia"], "dead_and_missing": [500, 20]}
    )
    alerts = pd.DataFrame(columns=["sentence", "source_id"])
    labels = {
        "mmp-1": "IOM Missing Migrants Project, vintage 2025-04-29, mmp-1",
        "fx-1": "Frontex, vintage 2025-04-01, fx-1",
    }
    m = compute_key_messages(
        head, figs(head, prev), routes, origins, transit, alerts, "in 2023", labels, n=5
    )
    assert m["rank"].tolist() == [1, 2, 3, 4, 5]
    assert m["kind"].tolist() == ["total", "deadliest_route", "change", "lethality", "transit"]
    s = m.set_index("kind")["sentence"]
    assert s["total"].startswith(
        "At least 1,000 people were recorded dead or missing in 100 incidents in 2023"
    )
    # Unclassified is not a route to name, even when it is the largest.
    assert "Central Mediterranean was the deadliest route in 2023, with 600" in s["deadliest_route"]
    assert "(60% of all recorded" in s["deadliest_route"]
    assert "25% more" in s["change"]
    assert "15.0 dead and missing per 1,000 Frontex detections" in s["lethality"]
    assert m.set_index("kind").loc["lethality", "source_ids"] == "mmp-1, fx-1"
    for sentence in m["sentence"]:
        assert "mmp-1" in sentence and sentence.endswith(".")
        assert "41,000" not in sentence and "40,600" not in sentence  # never deaths + detections
    m7 = compute_key_messages(
        head, figs(head, prev), routes, origins, transit, alerts, "in 2023", labels, n=7
    )
    assert "even share of 2 incidents" in m7.iloc[-1]["sentence"]
    assert "Libya than in any other country in 2023 (500;" in m7.iloc[-2]["sentence"]
    # Nothing to compare: one country, one route with deaths, a change from a base of 4.
    lone = compute_key_messages(
        {**head, "incidents": 1},
        figs({**head, "incidents": 1}, {"dead_and_missing": 4, "incidents": 1}),
        routes.iloc[:1],
        origins.iloc[:1],
        transit.iloc[:1],
        alerts,
        "in 2023",
        labels,
        n=7,
    )
    assert lone["kind"].tolist() == ["total", "lethality"]
    assert "in 1 incident in 2023" in lone.iloc[0]["sentence"]


def test_key_messages_break_ties_on_the_smaller_key_whatever_the_row_order():
    head = {"incidents": 10, "dead_and_missing": 100, "incident_source": "mmp-1"}
    routes = pd.DataFrame(
        {
            "route_id": ["wb", "unclassified", "cm"],
            "name": ["Western Balkans", "Unclassified", "Central Mediterranean"],
            "dead_and_missing": [40, 90, 40],
        }
    )
    transit = pd.DataFrame(
        {
            "iso3": ["TUN", "LBY", "ITA"],
            "name": ["Tunisia", "Libya", "Italy"],
            "dead_and_missing": [30, 30, 5],
        }
    )
    origins = pd.DataFrame(
        {
            "iso3": ["SYR", None, "AFG"],
            "name": ["Syria", "Unknown", "Afghanistan"],
            "dead_and_missing": [7.0, 9.0, 9.0],
        }
    )
    none = pd.DataFrame(columns=["sentence", "source_id"])
    for order in ([0, 1, 2], [2, 1, 0]):
        m = compute_key_messages(
            head,
            (),
            routes.iloc[order],
            origins.iloc[order],
            transit.iloc[order],
            none,
            "in 2023",
            {},
            n=7,
        ).set_index("kind")["sentence"]
        assert "The Central Mediterranean was the deadliest route" in m["deadliest_route"]
        assert "in Libya than in any other country" in m["transit"]
        # A missing key comes after every other, as in a sort.
        assert "Nationals of Afghanistan" in m["origin"]


# ---------------------------------------------------------------- dead and missing


def _deviance(y: np.ndarray, mu: np.ndarray) -> float:
    """Poisson deviance by hand (0 log 0 = 0)."""
    safe = np.where(y > 0, y, 1.0)
    return float(2 * (np.where(y > 0, y * np.log(safe / mu), 0.0) - (y - mu)).sum())


def test_quasi_poisson_by_hand_on_a_tiny_series():
    # 12 baseline months, then a 3-month window: 61 dead against 11 in a year.
    y = np.array([2, 0, 5, 0, 1, 0, 3, 0, 0, 0, 0, 0, 50, 3, 8], dtype=float)
    p, phi = quasi_poisson_test(y, ["b"] * 12 + ["c"] * 3, ["all"] * 15)
    mu = np.r_[np.full(12, 11 / 12), np.full(3, 61 / 3)]
    phi_hand = float(((y - mu) ** 2 / mu).sum() / (15 - 2))  # Pearson X2 / residual df
    assert phi == pytest.approx(phi_hand) and phi == pytest.approx(7.468187550, rel=1e-8)
    f_stat = (_deviance(y, np.full(15, y.mean())) - _deviance(y, mu)) / phi_hand
    assert p == pytest.approx(stats.f.sf(f_stat, 1, 13))
    # Under-dispersed data are never treated as less variable than Poisson.
    p1, phi1 = quasi_poisson_test([5, 5, 5, 5, 9, 9], list("aaaabb"), list("cccccc"))
    assert phi1 == 1.0
    dev = _deviance(np.array([5, 5, 5, 5, 9, 9.0]), np.full(6, 38 / 6))
    assert p1 == pytest.approx(stats.f.sf(dev, 1, 4))
    assert quasi_poisson_test([0, 0, 0], list("aab"), list("ccc"))[0] == 1.0


def test_closed_form_fit_equals_statsmodels_glm():
    """The hot path's closed-form quasi-Poisson fit is the statsmodels GLM's, on many series."""
    rng = np.random.default_rng(3)
    full = ["b"] * 12 + ["c"] * 3
    for _ in range(40):
        y = rng.negative_binomial(2, 0.1, size=15).astype(float)
        y[rng.random(15) < 0.2] = 0  # quiet months
        for null in (["all"] * 15, ["a"] * 15):
            got = quasi_poisson_test(y, full, null)
            ref = quasi_poisson_test(y, full, null, engine="statsmodels")
            assert got == pytest.approx(ref, rel=1e-7, abs=1e-12), y
    # Three groups merged into two, and a series with an all-zero group.
    y = np.array([0, 0, 0, 0, 4, 6, 2, 9, 12, 0, 1, 3], dtype=float)
    g3, g2 = list("aaaabbbbcccc"), list("aaaadddddddd")
    assert quasi_poisson_test(y, g3, g2) == pytest.approx(
        quasi_poisson_test(y, g3, g2, engine="statsmodels"), rel=1e-7
    )


def test_death_rule_allows_for_clusters_and_a_minimum_size():
    rule = DeathRule(alpha=0.05, min_dead_and_missing=50, min_incidents=3)
    monthly = pd.concat(
        [
            # Steady deaths every month, then five times as many in many incidents: alert.
            _series("steady", [(8, 100, 20)] * 3, [(2, 20, 10)] * 3, (2, 20, 10)),
            # One death against none: never tested, whatever the ratio.
            _series("one", [(1, 1, 1), (0, 0, 0), (0, 0, 0)], [(0, 0, 0)] * 3, (0, 0, 0)),
            # One shipwreck of 80 in otherwise quiet months: too few incidents for this rule.
            _series("wreck", [(1, 80, 80), (0, 0, 0), (0, 0, 0)], [(1, 2, 2)] * 3, (1, 2, 2)),
        ],
        ignore_index=True,
    )
    c = compute_death_candidates(monthly, D(2023, 12, 1), 3, rule=rule).set_index("id")
    assert c.loc["steady", "status"] == "alert" and c.loc["steady", "direction"] == "up"
    y = np.array([20.0] * 12 + [100.0] * 3)  # Oct 2022-Sep 2023, then Oct-Dec 2023
    p_base, _ = quasi_poisson_test(y, ["b"] * 12 + ["c"] * 3, ["a"] * 15)
    assert c.loc["steady", "p_baseline"] == pytest.approx(p_base)
    assert c.loc["one", "status"] == "none" and c.loc["one", "reason"].startswith("Too few")
    assert np.isnan(c.loc["one", "p_value"])
    assert c.loc["wreck", "status"] == "none"
    loose = compute_death_candidates(
        monthly, D(2023, 12, 1), 3, rule=DeathRule(0.05, 50, 1)
    ).set_index("id")
    assert loose.loc["wreck", "dispersion"] > 1  # the cluster inflates the variance
    assert "quasi-Poisson test on dead and missing" in loose.loc["wreck", "sentence"]
    assert "quarterly window" in loose.loc["wreck", "sentence"]


def test_board_takes_names_as_a_series_or_a_mapping():
    monthly = pd.concat(
        [
            _series("steady", [(8, 100, 20)] * 3, [(2, 20, 10)] * 3, (2, 20, 10)),
            _series("ITA", [(3, 30, 5)] * 3, [(2, 20, 10)] * 3, (2, 8, 4), level="country"),
        ],
        ignore_index=True,
    )
    names = pd.Series({"steady": "Steady Route", "ITA": "Italy"})
    a = compute_alert_board(monthly, D(2023, 12, 1), names=names)
    b = compute_alert_board(monthly, D(2023, 12, 1), names=names.to_dict())
    pd.testing.assert_frame_equal(a, b)
    assert set(a["name"]) == {"Steady Route", "Italy"}


def test_board_has_both_measures_both_windows_and_a_watch_list():
    monthly = _series("steady", [(8, 100, 20)] * 3, [(2, 20, 10)] * 3, (2, 20, 10))
    b = compute_alert_board(monthly, D(2023, 12, 1), source_label="IOM MMP, vintage x")
    assert set(zip(b["measure"], b["window_months"], strict=True)) == {
        ("incidents", 1),
        ("incidents", 3),
        ("dead_and_missing", 1),
        ("dead_and_missing", 3),
    }
    assert list(b["status"]) == sorted(b["status"], key=["alert", "watch", "none"].index)
    for r in b.to_dict("records"):
        window = "monthly window" if r["window_months"] == 1 else "quarterly window"
        assert window in r["sentence"] and r["sentence"].endswith("IOM MMP, vintage x).")
        test = "exact test on incidents" if r["measure"] == "incidents" else "quasi-Poisson"
        assert test in r["sentence"]
        lead = "Incidents on the" if r["measure"] == "incidents" else "Dead and missing on the"
        assert r["sentence"].startswith(lead)
    inc = b[(b["measure"] == "incidents") & (b["window_months"] == 3)].iloc[0]
    # 24 vs 6 incidents (1:1), and 24 vs 24 over the 12 months before (3:12).
    p = max(exact_two_sided(24, 30, Fraction(1, 2)), exact_two_sided(24, 48, Fraction(1, 5)))
    assert f"{p:.3f}" == "0.001"
    assert inc["sentence"] == (
        "Incidents on the steady route rose to 24 in Oct\u2013Dec 2023 from 6 in "
        "Oct\u2013Dec 2022 (quarterly window; 300 vs 60 dead and missing; average 6.0 incidents "
        "per 3 months over Oct 2022\u2013Sep 2023; exact test on incidents p = 0.001; "
        "IOM MMP, vintage x)."
    )
    assert set(compute_watch(b)["status"]) <= {"watch"}
    assert set(compute_alerts(b)["status"]) <= {"alert"}
