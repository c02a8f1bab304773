"""The alerts backtest: replay the alert rules month by month and match reported surges.

``python -m analytics backtest [--json] [--db PATH]`` prints what :func:`run_backtest` returns;
``docs/alerts-backtest.md`` is its write-up. The monthly series are read from the warehouse once
(routes, and the MMP ``Mediterranean`` region for the region rows of the reference table);
every "now" month is then a window slid over them (:func:`analytics.backtest.compute_replay`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from typing import Any

import pandas as pd

from analytics.alerts import DEATH_RULE, DeathRule, add_months
from analytics.backtest import (
    apply_death_rule,
    compute_backtest_summary,
    compute_replay,
    compute_surge_matches,
    tune_death_rule,
)
from data.filters import Filters
from data.reference import read_reported_surges
from data.risk_queries import query_monthly_region_series
from i18n import _
from services import report

REGIONS = ("Mediterranean",)
REPLAY_FIRST = dt.date(2015, 1, 1)


def run_backtest(
    con: Any,
    *,
    first: dt.date = REPLAY_FIRST,
    last: dt.date | None = None,
    surges: pd.DataFrame | None = None,
    rule: DeathRule = DEATH_RULE,
) -> dict[str, Any]:
    """Replay both alert rules from ``first`` to ``last`` and score them against the surges.

    Parameters
    ----------
    con : duckdb connection
    first, last : date
        First and last "now" months (default 2015-01 to the last complete month of the data).
    surges : DataFrame, optional
        The reference table (default ``data/reference/reported_surges.csv``).
    rule : DeathRule
        The dead-and-missing rule scored (default the shipped one). The grid tuned on
        2015-2019 is reported beside it, with ``tuned_rule_is_shipped``.

    Returns
    -------
    dict
        ``vintage``, ``replayed`` (first and last month), ``rule`` and ``tuned_rule``,
        ``tuned_rule_is_shipped``, ``summary`` (:func:`compute_backtest_summary` records),
        ``surges`` (per-surge records), ``tuning_grid``, ``unmatched_alerts`` (records),
        ``series`` (count), ``runtime_seconds``.
    """
    t0 = time.perf_counter()
    f = Filters()
    routes, meta = report.alert_series(con, f)
    region = query_monthly_region_series(con, f, meta["vintages"])
    region = region[region["key"].isin(REGIONS)].assign(level="region")
    monthly = pd.concat([routes, region], ignore_index=True)
    data_last: dt.date = meta["last"]
    if last is None:
        # The last complete month of the vintage.
        last = dt.date(data_last.year, data_last.month, 1)
        if (data_last + dt.timedelta(days=1)).month == data_last.month:
            last = add_months(last, -1)
    data_start = dt.date(meta["first"].year, meta["first"].month, 1)
    replay = compute_replay(monthly, first, last, data_start=data_start)
    s = surges if surges is not None else read_reported_surges()
    tuned, grid = tune_death_rule(replay, s, first, last)
    alerts = apply_death_rule(replay, rule)
    per_surge, events = compute_surge_matches(alerts, s)
    summary = compute_backtest_summary(per_surge, events, first, last)
    unmatched = events[events["surge_id"] == ""].assign(
        as_of=lambda d: [f"{a:%Y-%m}" for a in d["as_of"]]
    )
    return {
        "vintage": meta["source_label"],
        "source_id": meta["source_id"],
        "replayed": [f"{first:%Y-%m}", f"{last:%Y-%m}"],
        "limitation": _(
            "No report-date column: a month's replay uses every incident dated up to that month "
            "in this vintage, including records IOM added or revised later."
        ),
        "series": int(monthly[["level", "key"]].drop_duplicates().shape[0]),
        "rule": dataclasses.asdict(rule),
        "tuned_rule": dataclasses.asdict(tuned),
        "tuned_rule_is_shipped": tuned == rule,
        "summary": summary.to_dict("records"),
        "surges": per_surge.to_dict("records"),
        "tuning_grid": grid.to_dict("records"),
        "unmatched_alerts": unmatched.to_dict("records"),
        "runtime_seconds": round(time.perf_counter() - t0, 2),
    }


def _num(x: Any, fmt: str) -> str:
    return "" if x is None or x != x else format(x, fmt)


def format_backtest_markdown(out: dict[str, Any]) -> str:
    """The results tables of ``docs/alerts-backtest.md`` (between its markers), from
    :func:`run_backtest` output; runtime is left out so the text is reproducible. English
    only, as the documentation is."""
    rule = out["rule"]
    lines = [
        f"Replayed {out['replayed'][0]} to {out['replayed'][1]} on {out['vintage']} "
        f"({out['series']} series: every route and the MMP Mediterranean region). "
        f"Dead-and-missing rule shipped: alpha {rule['alpha']}, at least "
        f"{rule['min_dead_and_missing']} dead and missing in at least {rule['min_incidents']} "
        f"incidents; tuned on 2015-2019: "
        f"{'the same' if out['tuned_rule_is_shipped'] else out['tuned_rule']}.",
        "",
        "| half | months replayed | scorable surges | raised | hit rate | median delay (months) "
        "| unmatched dead-and-missing alerts / year | unmatched incident alerts / year "
        "| unmatched alert episodes / year |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in out["summary"]:
        lines.append(
            f"| {r['half']} | {r['months_replayed']} | {r['scorable_surges']} | {r['raised']} "
            f"| {_num(r['hit_rate'], '.0%')} | {_num(r['median_delay_months'], '.1f')} "
            f"| {r['unmatched_dead_and_missing_per_year']:.1f} "
            f"| {r['unmatched_incidents_per_year']:.1f} | {r['unmatched_episodes_per_year']:.1f} |"
        )
    lines += [
        "",
        "| surge_id | half | measure | scope | start | raised | first alert | delay (months) "
        "| windows |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in out["surges"]:
        raised = ("yes" if r["raised"] else "no") if r["scorable"] else f"not scored: {r['note']}"
        lines.append(
            f"| `{r['surge_id']}` | {r['half']} | {r['measure']} | {r['scope']} "
            f"| {r['start_month']} ({r['start_precision']}) | {raised} | {r['first_alert']} "
            f"| {_num(r['delay_months'], '+.0f')} | {r['windows']} |"
        )
    lines += [
        "",
        "Tuning grid (2015-2019 only):",
        "",
        "| alpha | min dead and missing | min incidents | hit rate | median delay (months) "
        "| unmatched dead-and-missing alerts / year |",
        "|---|---|---|---|---|---|",
    ]
    for r in out["tuning_grid"]:
        lines.append(
            f"| {r['alpha']} | {r['min_dead_and_missing']} | {r['min_incidents']} "
            f"| {_num(r['hit_rate'], '.0%')} | {_num(r['median_delay_months'], '.1f')} "
            f"| {r['unmatched_dead_and_missing_per_year']:.1f} |"
        )
    return "\n".join(lines) + "\n"
