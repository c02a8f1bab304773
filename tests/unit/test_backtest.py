"""The alerts backtest at a small scale: a synthetic route with one surge, and the CLI."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from analytics.alerts import DeathRule, compute_alert_board, month_end
from analytics.backtest import (
    apply_death_rule,
    compute_backtest_summary,
    compute_replay,
    compute_surge_matches,
)
from tests.unit.test_analytics_cli import fixture_db  # noqa: F401  (the CLI's fixture warehouse)

D = dt.date
RULE = DeathRule(alpha=0.05, min_dead_and_missing=50, min_incidents=3)


def _route(key: str, surge: set[dt.date]) -> pd.DataFrame:
    """2014-2016, 2 incidents and 6 dead a month (alternating 4 and 8), 60 in 6 incidents
    a month during ``surge``."""
    rows = []
    for y in (2014, 2015, 2016):
        for m in range(1, 13):
            month = D(y, m, 1)
            inc, dead = (6, 60) if month in surge else (2, 4 if m % 2 else 8)
            rows.append(
                {
                    "level": "route",
                    "key": key,
                    "month": month,
                    "incidents": inc,
                    "dead_and_missing": dead,
                    "largest_incident": dead // inc + 1,
                }
            )
    return pd.DataFrame(rows)


SURGES = pd.DataFrame(
    {
        "surge_id": ["r1_2015_06", "r1_detections", "r2_never"],
        "half": ["2015-2019"] * 3,
        "measure": ["dead_and_missing", "detections", "dead_and_missing"],
        "scope_kind": ["route"] * 3,
        "scope": ["r1", "r1", "r2"],
        "start_month": ["2015-06", "2015-06", "2016-03"],
        "start_precision": ["month", "month", "period"],
        "end_month": ["2015-08", "", "2016-06"],
        "publisher": ["IOM", "Frontex", "IOM"],
    }
)


@pytest.fixture(scope="module")
def monthly() -> pd.DataFrame:
    surge = {D(2015, 6, 1), D(2015, 7, 1), D(2015, 8, 1)}
    return pd.concat([_route("r1", surge), _route("r2", set())], ignore_index=True)


@pytest.fixture(scope="module")
def replay(monthly: pd.DataFrame) -> pd.DataFrame:
    return compute_replay(monthly, D(2015, 1, 1), D(2016, 12, 1), data_start=D(2014, 1, 1))


def test_replay_sees_only_the_data_then_available(monthly, replay):
    # Each month's rows equal the board computed on the incidents dated up to that month.
    for now in (D(2015, 6, 1), D(2015, 9, 1), D(2016, 2, 1)):
        upto = monthly[[m <= now for m in monthly["month"]]]
        b = compute_alert_board(
            upto, now, (1, 3), data_end=month_end(now), rule=DeathRule(1.0, 10, 1)
        )
        b = b[b["status"] != "none"]
        r = replay[replay["as_of"] == now]
        assert sorted(
            zip(b["id"], b["measure"], b["window_months"], b["status"], strict=True)
        ) == sorted(zip(r["id"], r["measure"], r["window_months"], r["status"], strict=True))
    # The quarterly window needs 15 months of data: none before 2015-03.
    assert not ((replay["window_months"] == 3) & (replay["as_of"] < D(2015, 3, 1))).any()


def test_surge_table_regenerated_at_small_scale(replay):
    alerts = apply_death_rule(replay, RULE)
    per, events = compute_surge_matches(alerts, SURGES)
    p = per.set_index("surge_id")
    # The surge starts in June 2015: the monthly window raises it that month, delay 0.
    assert p.loc["r1_2015_06", "raised"] and p.loc["r1_2015_06", "first_alert"] == "2015-06"
    assert p.loc["r1_2015_06", "delay_months"] == 0
    assert "1" in p.loc["r1_2015_06", "windows"].split(",")
    assert not p.loc["r1_detections", "scorable"]
    assert p.loc["r2_never", "scorable"] and not p.loc["r2_never", "raised"]
    # Unmatched alerts: every dead-and-missing alert outside May-Aug 2015 on r1.
    dm = events[events["measure"] == "dead_and_missing"]
    matched = dm[dm["surge_id"] == "r1_2015_06"]
    assert all(D(2015, 5, 1) <= a <= D(2015, 8, 1) for a in matched["as_of"])
    unmatched = events[events["surge_id"] == ""]
    s = compute_backtest_summary(per, events, D(2015, 1, 1), D(2016, 12, 1), ((2015, 2019),))
    row = s.iloc[0]
    assert row["scorable_surges"] == 2 and row["raised"] == 1 and row["hit_rate"] == 0.5
    assert row["median_delay_months"] == 0 and row["months_replayed"] == 24
    n_dm = int((unmatched["measure"] == "dead_and_missing").sum())
    assert row["unmatched_dead_and_missing_per_year"] == pytest.approx(n_dm / 2)
    # A stricter minimum than the surge's 60 a month silences it.
    strict = apply_death_rule(replay, DeathRule(0.05, 500, 3))
    assert not (strict["measure"] == "dead_and_missing").any()


def test_backtest_command_on_the_fixture_warehouse(fixture_db, capsys):  # noqa: F811
    from services.cli import main

    assert main(["backtest", "--json", "--db", str(fixture_db)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["tuned_rule_is_shipped"] in (True, False)
    assert {r["half"] for r in out["summary"]} == {"2015-2019", "2020-2025"}
    assert len(out["surges"]) == 29
    assert "No report-date column" in out["limitation"]
