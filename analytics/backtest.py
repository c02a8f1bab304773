"""Backtest of the alert rules against the surges publishers themselves reported.

Pure functions, no I/O. :func:`compute_replay` slides the alert windows over a monthly series
computed once: for each month ``m`` from ``first`` to ``last`` it evaluates the rules as if
``m`` were "now" (``data_end`` is the end of ``m``, so only incidents dated up to ``m`` count;
the windows only look back, so a series truncated at ``m`` and the full series give the same
windows). :func:`compute_surge_matches` applies the match rule of
``docs/alerts-backtest-sources.md``; :func:`compute_backtest_summary` the hit rate, the median
delay and the alerts per year that match nothing; :func:`tune_death_rule` picks the
dead-and-missing thresholds on the tuning half only.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import numpy as np
import pandas as pd

from analytics.alerts import (
    ALERT_WINDOWS,
    BASELINE_MONTHS,
    DeathRule,
    add_months,
    compute_alert_board,
    month_end,
)
from i18n import _

#: Months either side allowed by the match rule, by ``start_precision`` (N = 2).
MATCH_N = 2
TUNING_YEARS = (2015, 2019)
REPORTING_YEARS = (2020, 2025)
#: The grid the dead-and-missing thresholds are tuned over (2015-2019 only).
GRID = {
    "alpha": (0.01, 0.05),
    "min_dead_and_missing": (10, 25, 50),
    "min_incidents": (1, 2, 3),
}
_LOOSEST = DeathRule(alpha=1.0, min_dead_and_missing=10, min_incidents=1)
_REPLAY_COLS = [
    "as_of",
    "level",
    "id",
    "measure",
    "window_months",
    "status",
    "direction",
    "current",
    "year_ago",
    "current_incidents",
    "year_ago_incidents",
    "p_year_ago",
    "p_baseline",
]


def _month(x: Any) -> dt.date:
    return dt.date(x.year, x.month, 1)


def compute_replay(
    monthly: pd.DataFrame,
    first: dt.date,
    last: dt.date,
    windows: tuple[int, ...] = ALERT_WINDOWS,
    data_start: dt.date | None = None,
) -> pd.DataFrame:
    """Evaluate both alert rules for every month from ``first`` to ``last`` as if it were now.

    The dead-and-missing rows are tested under the loosest thresholds of :data:`GRID` so that
    :func:`apply_death_rule` can re-derive their status under any rule of the grid without
    refitting; incident rows keep the shipped incident rule.

    Parameters
    ----------
    monthly : DataFrame
        :func:`analytics.alerts.compute_alert_candidates` input (``level``, ``key``, ``month``,
        ``incidents``, ``dead_and_missing``, ``largest_incident``), every month of the data.
    first, last : date
        First and last "now" months.
    windows : tuple of int
        Window lengths in months.
    data_start : date, optional
        First month of the data: a window whose 12-month baseline starts earlier is skipped.

    Returns
    -------
    DataFrame
        One row per month, series, measure and window whose status is ``alert`` or
        ``watch`` under the loosest rule: ``as_of`` (date, first day), ``level``, ``id``,
        ``measure``, ``window_months``, ``status``, ``direction``, ``current``, ``year_ago``
        (persons), ``current_incidents``, ``year_ago_incidents``, ``p_year_ago``,
        ``p_baseline``.
    """
    parts = []
    m = _month(first)
    start = _month(data_start) if data_start is not None else None
    while m <= _month(last):
        ws = tuple(
            k
            for k in windows
            if start is None or add_months(m, -(k - 1) - BASELINE_MONTHS) >= start
        )
        if ws:
            b = compute_alert_board(monthly, m, ws, data_end=month_end(m), rule=_LOOSEST)
            b = b[b["status"] != "none"]
            if len(b):
                parts.append(b.assign(as_of=m)[_REPLAY_COLS])
        m = add_months(m, 1)
    if not parts:
        return pd.DataFrame(columns=_REPLAY_COLS)
    return pd.concat(parts, ignore_index=True)


def apply_death_rule(replay: pd.DataFrame, rule: DeathRule) -> pd.DataFrame:
    """The replay with dead-and-missing statuses re-derived under ``rule`` (alerts only kept).

    Returns
    -------
    DataFrame
        The :func:`compute_replay` rows whose status is ``alert`` under ``rule`` (incident
        rows as replayed).
    """
    r = replay
    dm = r["measure"] == "dead_and_missing"
    bigger_now = r["current"] >= r["year_ago"]
    larger_dm = np.maximum(r["current"], r["year_ago"])
    larger_inc = np.where(bigger_now, r["current_incidents"], r["year_ago_incidents"])
    enough = (larger_dm >= rule.min_dead_and_missing) & (larger_inc >= rule.min_incidents)
    both = (r["p_year_ago"] < rule.alpha) & (r["p_baseline"] < rule.alpha)
    # A fall is never an alert in a replay: its window always ends within the reporting lag.
    dm_alert = dm & enough & both & (r["direction"] == "up")
    keep = dm_alert | (~dm & (r["status"] == "alert"))
    return r[keep].assign(status="alert").reset_index(drop=True)


def _in_time(a: dt.date, s: pd.Series) -> bool:
    start = s["start"]
    if s["start_precision"] == "month":
        return add_months(start, -1) <= a <= add_months(start, MATCH_N)
    if s["start_precision"] == "approx":
        return add_months(start, -2) <= a <= add_months(start, MATCH_N + 1)
    return start <= a <= s["end"]


def _scorable(s: pd.Series) -> tuple[bool, str]:
    if s["measure"] == "detections":
        return False, _(
            "Frontex detections: the alert rules test IOM incidents and dead and missing"
        )
    if s["scope_kind"] == "country":
        return False, _("no series for a sub-route")
    if "NGO" in str(s["publisher"]):
        return False, _("NGO counts, scored apart (not IOM, UNHCR or Frontex)")
    return True, ""


def compute_surge_matches(
    alerts: pd.DataFrame, surges: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Match alerts to reported surges (same measure, same scope, in time).

    One alert month (a series, measure and month, whatever the window) matches at most one
    surge: the earliest in-time surge not yet matched, else the earliest in-time one.

    Parameters
    ----------
    alerts : DataFrame
        :func:`apply_death_rule` output.
    surges : DataFrame
        ``data/reference/reported_surges.csv`` as read (text columns).

    Returns
    -------
    (DataFrame, DataFrame)
        Per surge: ``surge_id``, ``half``, ``measure``, ``scope``, ``start_month``,
        ``start_precision``, ``end_month``, ``publisher``, ``scorable`` (bool), ``note``,
        ``raised`` (bool), ``first_alert`` (``YYYY-MM`` or empty), ``delay_months`` (first
        alert minus start month; NaN if not raised), ``windows`` (e.g. ``1,3``). Per alert
        month: ``as_of``, ``level``, ``id``, ``measure``, ``windows``, ``surge_id`` (empty when
        it matches nothing).
    """
    s = surges.copy()
    s["start"] = [dt.date(int(x[:4]), int(x[5:7]), 1) for x in s["start_month"]]
    s["end"] = [
        dt.date(int(e[:4]), int(e[5:7]), 1) if isinstance(e, str) and e else st
        for e, st in zip(s["end_month"], s["start"], strict=True)
    ]
    s["level"] = np.where(s["scope_kind"] == "route", "route", s["scope_kind"])
    ok = [_scorable(r) for _, r in s.iterrows()]
    s["scorable"] = [o for o, _ in ok]
    s["note"] = [n for _, n in ok]
    ev = (
        alerts.groupby(["as_of", "level", "id", "measure"], as_index=False)["window_months"]
        .agg(lambda w: ",".join(str(x) for x in sorted(set(w))))
        .rename(columns={"window_months": "windows"})
        .sort_values(["as_of", "level", "id", "measure"], kind="stable")
        .reset_index(drop=True)
    )
    matched: dict[str, list[int]] = {}
    surge_of: list[str] = []
    live = s[s["scorable"]]
    for i, a in ev.iterrows():
        cand = live[
            (live["measure"] == a["measure"])
            & (live["level"] == a["level"])
            & (live["scope"] == a["id"])
        ]
        cand = cand[[_in_time(a["as_of"], r) for _, r in cand.iterrows()]]
        if not len(cand):
            surge_of.append("")
            continue
        cand = cand.sort_values("start", kind="stable")
        fresh = cand[~cand["surge_id"].isin(matched)]
        sid = str((fresh if len(fresh) else cand)["surge_id"].iloc[0])
        matched.setdefault(sid, []).append(int(str(i)))
        surge_of.append(sid)
    ev["surge_id"] = surge_of
    first, delay, wins = [], [], []
    for _i, r in s.iterrows():
        rows = matched.get(str(r["surge_id"]), [])
        if rows:
            a = ev.loc[rows[0], "as_of"]
            first.append(f"{a:%Y-%m}")
            delay.append(float((a.year - r["start"].year) * 12 + a.month - r["start"].month))
            wins.append(str(ev.loc[rows[0], "windows"]))
        else:
            first.append("")
            delay.append(np.nan)
            wins.append("")
    per_surge = s.assign(
        raised=[bool(x) for x in first], first_alert=first, delay_months=delay, windows=wins
    )[
        [
            "surge_id",
            "half",
            "measure",
            "scope",
            "start_month",
            "start_precision",
            "end_month",
            "publisher",
            "scorable",
            "note",
            "raised",
            "first_alert",
            "delay_months",
            "windows",
        ]
    ]
    return per_surge.reset_index(drop=True), ev


def _months_in(first: dt.date, last: dt.date, years: tuple[int, int]) -> int:
    lo = max(_month(first), dt.date(years[0], 1, 1))
    hi = min(_month(last), dt.date(years[1], 12, 1))
    return max(0, (hi.year - lo.year) * 12 + hi.month - lo.month + 1)


def compute_backtest_summary(
    per_surge: pd.DataFrame,
    events: pd.DataFrame,
    first: dt.date,
    last: dt.date,
    halves: tuple[tuple[int, int], ...] = (TUNING_YEARS, REPORTING_YEARS),
) -> pd.DataFrame:
    """Hit rate, median delay and unmatched alerts per year, for each half.

    The reporting half runs to ``last`` (the last month of the data) when that is later than
    its last year; its alerts per year divide by the months replayed in it.

    Returns
    -------
    DataFrame
        One row per half: ``half`` (``2015-2019``), ``months_replayed``, ``scorable_surges``,
        ``raised``, ``hit_rate`` (0-1; NaN without scorable surges), ``median_delay_months``,
        ``unmatched_dead_and_missing_per_year`` and ``unmatched_incidents_per_year`` (alert
        months, a series in alert two months running counts twice),
        ``unmatched_episodes_per_year`` (runs of consecutive alert months on one series and
        measure that match nothing, both measures).
    """
    rows = []
    for k, (y0, y1) in enumerate(halves):
        label = f"{y0}-{y1}"
        end_year = max(y1, last.year) if k == len(halves) - 1 else y1
        n_months = _months_in(first, last, (y0, end_year))
        years = n_months / 12 if n_months else np.nan
        ps = per_surge[(per_surge["half"] == label) & per_surge["scorable"]]
        hits = ps[ps["raised"]]
        in_half = events[
            [(y0 <= a.year <= end_year) for a in events["as_of"]]
            if len(events)
            else np.zeros(0, dtype=bool)
        ]
        un = in_half[in_half["surge_id"] == ""]
        rows.append(
            {
                "half": label,
                "months_replayed": n_months,
                "scorable_surges": len(ps),
                "raised": len(hits),
                "hit_rate": len(hits) / len(ps) if len(ps) else np.nan,
                "median_delay_months": float(hits["delay_months"].median())
                if len(hits)
                else np.nan,
                "unmatched_dead_and_missing_per_year": float(
                    (un["measure"] == "dead_and_missing").sum() / years
                ),
                "unmatched_incidents_per_year": float((un["measure"] == "incidents").sum() / years),
                "unmatched_episodes_per_year": float(_episodes(un) / years),
            }
        )
    return pd.DataFrame(rows)


def _episodes(events: pd.DataFrame) -> int:
    n = 0
    for _k, g in events.groupby(["level", "id", "measure"]):
        idx = sorted(a.year * 12 + a.month for a in g["as_of"])
        n += 1 + sum(1 for a, b in itertools.pairwise(idx) if b - a > 1)
    return n


def tune_death_rule(
    replay: pd.DataFrame, surges: pd.DataFrame, first: dt.date, last: dt.date
) -> tuple[DeathRule, pd.DataFrame]:
    """Pick the dead-and-missing thresholds on the tuning half (2015-2019) only.

    Objective, fixed before looking at 2020-2025: the highest tuning-half hit rate; among
    ties, the fewest unmatched dead-and-missing alert months per year; then the stricter rule
    (lower alpha, larger minimums).

    Returns
    -------
    (DeathRule, DataFrame)
        The chosen rule and the grid: ``alpha``, ``min_dead_and_missing``, ``min_incidents``,
        ``hit_rate``, ``median_delay_months``, ``unmatched_dead_and_missing_per_year`` (tuning
        half).
    """
    tune_last = min(_month(last), dt.date(TUNING_YEARS[1], 12, 1))
    r = replay[[a <= tune_last for a in replay["as_of"]]] if len(replay) else replay
    s = surges[surges["half"] == f"{TUNING_YEARS[0]}-{TUNING_YEARS[1]}"]
    grid = []
    for alpha, mdm, minc in itertools.product(*GRID.values()):
        rule = DeathRule(float(alpha), int(mdm), int(minc))
        per, ev = compute_surge_matches(apply_death_rule(r, rule), s)
        summ = compute_backtest_summary(per, ev, first, tune_last, (TUNING_YEARS,)).iloc[0]
        grid.append(
            {
                "alpha": alpha,
                "min_dead_and_missing": mdm,
                "min_incidents": minc,
                "hit_rate": summ["hit_rate"],
                "median_delay_months": summ["median_delay_months"],
                "unmatched_dead_and_missing_per_year": summ["unmatched_dead_and_missing_per_year"],
            }
        )
    g = pd.DataFrame(grid)
    best = g.assign(_h=-g["hit_rate"].fillna(0)).sort_values(
        [
            "_h",
            "unmatched_dead_and_missing_per_year",
            "alpha",
            "min_dead_and_missing",
            "min_incidents",
        ],
        ascending=[True, True, True, False, False],
        kind="stable",
    )
    b = best.iloc[0]
    return (
        DeathRule(float(b["alpha"]), int(b["min_dead_and_missing"]), int(b["min_incidents"])),
        g,
    )
