"""Alerts: has the latest window changed beyond chance against a year ago and the last 12 months?

Pure functions, no I/O. The rule (explained for policy readers in ``docs/methodology.md``):

1. Windows. The current window is the ``months`` months ending with the as-of month; the
   year-ago window is the same months one year earlier; the baseline is the 12 months just
   before the current window, expressed per window of the same length.
2. What is tested. Deaths come in clusters (one shipwreck can take 100 lives), so persons are
   not independent events and a test on them would flag every large shipwreck. The test is on
   the number of incidents, which behave much more like independent events; the dead and
   missing are reported with it.
3. The test. Given ``a`` incidents in the current window and ``b`` in a reference period that
   is ``r`` times as long, if nothing changed ``a`` would be a binomial draw from ``a + b``
   with probability ``1 / (1 + r)``. The two-sided exact p-value says how often a split at
   least this uneven happens by chance (the conditional test for two Poisson counts).
4. An alert needs: at least :data:`MIN_INCIDENTS` incidents and :data:`MIN_DEAD_AND_MISSING`
   dead and missing in the larger of the two windows compared; incidents and dead and
   missing moving in the same direction against both references; and p below :data:`ALPHA`
   against both (``p_value`` is the larger of the two). Significant against one reference
   only is a ``watch``, not an alert.
5. Reporting delay. IOM keeps adding incidents for months after they happen, so the last
   months of a vintage look emptier than they will. A fall whose window ends within
   :data:`REPORTING_LAG_MONTHS` months of the vintage's last incident is a ``watch``, not an
   alert.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd

ALPHA = 0.05
MIN_INCIDENTS = 5
MIN_DEAD_AND_MISSING = 10
BASELINE_MONTHS = 12
REPORTING_LAG_MONTHS = 6
_MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def add_months(month: dt.date, k: int) -> dt.date:
    """First day of the month ``k`` months after ``month`` (``k`` may be negative)."""
    idx = month.year * 12 + (month.month - 1) + k
    return dt.date(idx // 12, idx % 12 + 1, 1)


def month_end(month: dt.date) -> dt.date:
    """Last day of ``month``'s month."""
    return add_months(dt.date(month.year, month.month, 1), 1) - dt.timedelta(days=1)


def compute_windows(as_of: dt.date, months: int) -> dict[str, tuple[dt.date, dt.date]]:
    """The three windows compared by an alert.

    Parameters
    ----------
    as_of : date
        Any day of the last month of the current window.
    months : int
        Window length in months (1-12).

    Returns
    -------
    dict
        ``current``, ``year_ago`` and ``baseline`` -> (first day, last day), inclusive.
    """
    if not 1 <= int(months) <= 12:
        raise ValueError("months must be between 1 and 12")
    end = dt.date(as_of.year, as_of.month, 1)
    start = add_months(end, -(months - 1))
    return {
        "current": (start, month_end(end)),
        "year_ago": (add_months(start, -12), month_end(add_months(end, -12))),
        "baseline": (add_months(start, -BASELINE_MONTHS), month_end(add_months(start, -1))),
    }


def window_label(start: dt.date, end: dt.date) -> str:
    """``Oct-Dec 2023``, ``Nov 2023`` or ``Nov 2023-Jan 2024`` (an en dash in each case)."""
    a, b = _MONTH_ABBR[start.month - 1], _MONTH_ABBR[end.month - 1]
    if (start.year, start.month) == (end.year, end.month):
        return f"{a} {start.year}"
    if start.year == end.year:
        return f"{a}\u2013{b} {end.year}"
    return f"{a} {start.year}\u2013{b} {end.year}"


def binom_two_sided_p(k: int, n: int, p: float) -> float:
    """Exact two-sided binomial p-value (the sum of outcomes no more likely than ``k``).

    Parameters
    ----------
    k, n : int
        Successes and trials (``0 <= k <= n``).
    p : float
        Success probability under the null hypothesis (0-1).

    Returns
    -------
    float
        p-value in [0, 1]; 1.0 when ``n`` is 0.
    """
    if n <= 0:
        return 1.0
    if not 0 <= k <= n:
        raise ValueError("k must be between 0 and n")
    if p <= 0:
        return 1.0 if k == 0 else 0.0
    if p >= 1:
        return 1.0 if k == n else 0.0
    ks = np.arange(n + 1)
    # log k! for k = 0..n by cumulative sums: vectorised, exact enough for any n seen here.
    log_fact = np.concatenate(([0.0], np.cumsum(np.log(np.arange(1, n + 1, dtype=float)))))
    logpmf = (
        log_fact[n] - log_fact[ks] - log_fact[n - ks] + ks * math.log(p) + (n - ks) * math.log1p(-p)
    )
    pmf = np.exp(logpmf)
    # Same relative tolerance as common statistics packages, so ties in probability count.
    total = float(pmf[pmf <= pmf[k] * (1 + 1e-7)].sum())
    return min(1.0, total)


def compare_counts_p(current: int, reference: int, reference_to_current: float) -> float:
    """Exact conditional test of two Poisson counts with different exposures.

    Parameters
    ----------
    current, reference : int
        Event counts in the current window and in the reference period.
    reference_to_current : float
        How many times longer the reference period is (1 for the same months a year ago,
        ``12 / months`` for the 12-month baseline).

    Returns
    -------
    float
        Two-sided p-value that the rate per month is the same in both.
    """
    n = int(current) + int(reference)
    return binom_two_sided_p(int(current), n, 1.0 / (1.0 + float(reference_to_current)))


def _window_sums(monthly: pd.DataFrame, lo: dt.date, hi: dt.date) -> pd.DataFrame:
    m = monthly[(monthly["month"] >= lo) & (monthly["month"] <= hi)]
    return m.groupby(["level", "key"]).agg(
        incidents=("incidents", "sum"),
        dead_and_missing=("dead_and_missing", "sum"),
        largest_incident=("largest_incident", "max"),
    )


def compute_alert_candidates(
    monthly: pd.DataFrame,
    as_of: dt.date,
    months: int = 3,
    names: pd.Series | None = None,
    source_label: str = "IOM Missing Migrants Project",
    source_id: str = "",
    data_end: dt.date | None = None,
) -> pd.DataFrame:
    """Evaluate every route or country series against the alert rule.

    Parameters
    ----------
    monthly : DataFrame
        ``level`` (``route`` or ``country``), ``key`` (route id or ISO-3), ``month`` (date,
        first day), ``incidents`` (count), ``dead_and_missing`` (persons), ``largest_incident``
        (persons, the largest single incident of the month).
    as_of : date
        Any day of the last month of the current window.
    months : int
        Window length in months.
    names : Series, optional
        Display names indexed by ``key``.
    source_label : str
        How sentences cite the source and vintage, e.g. ``"IOM Missing Migrants Project,
        vintage 2026-04-09"``.
    source_id : str
        The incident ``source_id``, copied to every row.
    data_end : date, optional
        Date of the vintage's last incident. A fall in a window ending less than
        :data:`REPORTING_LAG_MONTHS` months before it is only a ``watch``.

    Returns
    -------
    DataFrame
        One row per series with any incident in the three windows: ``level``, ``id``, ``name``,
        ``period_label`` (e.g. ``Oct-Dec 2023``), ``current``, ``year_ago`` (dead and missing,
        persons), ``baseline_12m_avg`` (dead and missing per window of the same length over the
        previous 12 months, persons), ``current_incidents``, ``year_ago_incidents``,
        ``baseline_incidents_12m_avg`` (incidents), ``largest_incident`` (persons, current
        window), ``p_year_ago``, ``p_baseline`` (exact two-sided p-values on incidents),
        ``p_value`` (the larger), ``direction`` (``up``/``down``/``mixed``), ``status``
        (``alert``/``watch``/``none``), ``reason`` (plain text), ``sentence`` (one sentence
        with numbers, period and source), ``source_id``. Sorted by status (alerts first), then
        ``p_value``, ``level``, ``id``.
    """
    w = compute_windows(as_of, months)
    cols = ["level", "key", "month", "incidents", "dead_and_missing", "largest_incident"]
    m = monthly.reindex(columns=cols).copy()
    m["largest_incident"] = m["largest_incident"].fillna(0)
    m["month"] = pd.to_datetime(m["month"]).dt.date
    cur = _window_sums(m, *w["current"])
    ya = _window_sums(m, *w["year_ago"])
    base = _window_sums(m, *w["baseline"])
    idx = cur.index.union(ya.index).union(base.index)
    out = pd.DataFrame(index=idx)
    out["current"] = cur["dead_and_missing"].reindex(idx).fillna(0).astype("int64")
    out["current_incidents"] = cur["incidents"].reindex(idx).fillna(0).astype("int64")
    out["largest_incident"] = cur["largest_incident"].reindex(idx).fillna(0).astype("int64")
    out["year_ago"] = ya["dead_and_missing"].reindex(idx).fillna(0).astype("int64")
    out["year_ago_incidents"] = ya["incidents"].reindex(idx).fillna(0).astype("int64")
    base_dm = base["dead_and_missing"].reindex(idx).fillna(0).astype(float)
    base_inc = base["incidents"].reindex(idx).fillna(0).astype(float)
    ratio = BASELINE_MONTHS / months
    out["baseline_12m_avg"] = base_dm / ratio
    out["baseline_incidents_12m_avg"] = base_inc / ratio
    out = out.reset_index().rename(columns={"key": "id"})
    out["p_year_ago"] = [
        compare_counts_p(a, b, 1.0)
        for a, b in zip(out["current_incidents"], out["year_ago_incidents"], strict=True)
    ]
    out["p_baseline"] = [
        compare_counts_p(a, int(b), ratio)
        for a, b in zip(out["current_incidents"], base_inc, strict=True)
    ]
    out["p_value"] = out[["p_year_ago", "p_baseline"]].max(axis=1)

    def sign(a: pd.Series, b: pd.Series) -> pd.Series:
        return np.sign(a.astype(float) - b.astype(float))

    s = pd.concat(
        [
            sign(out["current_incidents"], out["year_ago_incidents"]),
            sign(out["current_incidents"], out["baseline_incidents_12m_avg"]),
            sign(out["current"], out["year_ago"]),
            sign(out["current"], out["baseline_12m_avg"]),
        ],
        axis=1,
    )
    up = (s > 0).all(axis=1)
    down = (s < 0).all(axis=1)
    out["direction"] = np.where(up, "up", np.where(down, "down", "mixed"))
    big_inc = np.maximum(out["current_incidents"], out["year_ago_incidents"]) >= MIN_INCIDENTS
    big_dm = np.maximum(out["current"], out["year_ago"]) >= MIN_DEAD_AND_MISSING
    enough = big_inc & big_dm
    both = (out["p_year_ago"] < ALPHA) & (out["p_baseline"] < ALPHA)
    one = (out["p_year_ago"] < ALPHA) | (out["p_baseline"] < ALPHA)
    consistent = up | down
    out["status"] = np.where(
        enough & consistent & both, "alert", np.where(enough & consistent & one, "watch", "none")
    )
    lagging = np.zeros(len(out), dtype=bool)
    if data_end is not None:
        lag_start = add_months(dt.date(data_end.year, data_end.month, 1), -REPORTING_LAG_MONTHS)
        if w["current"][1] >= lag_start:
            lagging = (out["direction"] == "down").to_numpy() & (
                out["status"] == "alert"
            ).to_numpy()
            out.loc[lagging, "status"] = "watch"
    name_map = names if names is not None else pd.Series(dtype=object)
    out["name"] = out["id"].map(name_map).fillna(out["id"]).astype(str)
    cur_lbl = window_label(*w["current"])
    ya_lbl = window_label(*w["year_ago"])
    base_lbl = window_label(w["baseline"][0], w["baseline"][1])
    out["period_label"] = cur_lbl
    records = out.to_dict("records")
    out["reason"] = [
        _reason(r, bool(e), bool(c)) for r, e, c in zip(records, enough, consistent, strict=True)
    ]
    if lagging.any():
        out.loc[lagging, "reason"] = (
            "Possible reporting delay, not an alert: the fall is beyond chance, but the window "
            f"ends within {REPORTING_LAG_MONTHS} months of the data's last incident "
            f"({data_end:%Y-%m-%d}) and IOM keeps adding records for recent months. "
        ) + out.loc[lagging, "reason"]
    out["sentence"] = [
        _sentence(r, cur_lbl, ya_lbl, base_lbl, months, source_label) for r in records
    ]
    out["source_id"] = source_id
    order = {"alert": 0, "watch": 1, "none": 2}
    out["_o"] = out["status"].map(order)
    out = out.sort_values(["_o", "p_value", "level", "id"], kind="stable").drop(columns="_o")
    return out[
        [
            "level",
            "id",
            "name",
            "period_label",
            "current",
            "year_ago",
            "baseline_12m_avg",
            "current_incidents",
            "year_ago_incidents",
            "baseline_incidents_12m_avg",
            "largest_incident",
            "p_year_ago",
            "p_baseline",
            "p_value",
            "direction",
            "status",
            "reason",
            "sentence",
            "source_id",
        ]
    ].reset_index(drop=True)


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _reason(r: dict[str, Any], enough: bool, consistent: bool) -> str:
    g = r.__getitem__
    ci, yi, bi = g("current_incidents"), g("year_ago_incidents"), g("baseline_incidents_12m_avg")
    if not enough:
        return (
            f"Too few to test: {ci} incidents and {g('current')} dead and missing now against "
            f"{yi} and {g('year_ago')} a year earlier (an alert needs at least {MIN_INCIDENTS} "
            f"incidents and {MIN_DEAD_AND_MISSING} dead and missing)."
        )
    if not consistent:
        return (
            "Mixed signals: incidents and dead and missing do not move in the same direction "
            "against both the year-ago window and the 12-month baseline."
        )
    py, pb = g("p_year_ago"), g("p_baseline")
    against_ya = f"{ci} vs {yi} incidents a year earlier ({_p(py)})"
    against_b = f"{ci} vs {bi:.1f} per window over the previous 12 months ({_p(pb)})"
    big = g("largest_incident")
    cluster = ""
    if g("current") > 0 and big >= 0.3 * g("current"):
        cluster = (
            f" The largest single incident accounts for {big} of the {g('current')} "
            f"dead and missing."
        )
    if py < ALPHA and pb < ALPHA:
        return f"Beyond chance against both references: {against_ya}; {against_b}.{cluster}"
    if py >= ALPHA and pb >= ALPHA:
        return f"Within chance against both references: {against_ya}; {against_b}.{cluster}"
    weak = against_ya if py >= ALPHA else against_b
    strong = against_b if py >= ALPHA else against_ya
    return (
        f"Not an alert: within chance against one reference ({weak}) although beyond "
        f"chance against the other ({strong}).{cluster}"
    )


def _sentence(
    r: dict[str, Any], cur_lbl: str, ya_lbl: str, base_lbl: str, months: int, source_label: str
) -> str:
    g = r.__getitem__
    where = f"on the {g('name')} route" if g("level") == "route" else f"in {g('name')}"
    per = "month" if months == 1 else f"{months} months"
    if g("direction") in ("up", "down"):
        verb = "rose to" if g("direction") == "up" else "fell to"
        change = f"{verb} {g('current'):,} in {cur_lbl} from {g('year_ago'):,} in {ya_lbl}"
    else:
        change = f"were {g('current'):,} in {cur_lbl} against {g('year_ago'):,} in {ya_lbl}"
    return (
        f"Dead and missing {where} {change} "
        f"({g('current_incidents')} vs {g('year_ago_incidents')} incidents; "
        f"average {g('baseline_12m_avg'):,.0f} per {per} over {base_lbl}; exact test on "
        f"incidents {_p(g('p_value'))}; {source_label})."
    )


def compute_alerts(candidates: pd.DataFrame) -> pd.DataFrame:
    """Keep only the alerts from :func:`compute_alert_candidates`.

    Returns
    -------
    DataFrame
        The rows with ``status == "alert"`` and the columns ``level``, ``id``, ``name``,
        ``period_label``, ``current``, ``year_ago``, ``baseline_12m_avg`` (persons),
        ``p_value``, ``direction``, ``sentence``, ``source_id`` followed by the other
        candidate columns.
    """
    lead = [
        "level",
        "id",
        "name",
        "period_label",
        "current",
        "year_ago",
        "baseline_12m_avg",
        "p_value",
        "direction",
        "sentence",
        "source_id",
    ]
    alerts = candidates[candidates["status"] == "alert"].reset_index(drop=True)
    return alerts[lead + [c for c in alerts.columns if c not in lead]]
