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
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

import i18n
from analytics.catalogue import plain_number
from i18n import N_, _

ALPHA = 0.05
MIN_INCIDENTS = 5
MIN_DEAD_AND_MISSING = 10
BASELINE_MONTHS = 12
REPORTING_LAG_MONTHS = 6
_WINDOW_NAMES = {1: N_("monthly window; "), 3: N_("quarterly window; ")}


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
    a, b = i18n.month_name(start.month, short=True), i18n.month_name(end.month, short=True)
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
    if n > 0 and not 0 <= k <= n:
        raise ValueError("k must be between 0 and n")
    return float(_binom_two_sided_many(np.array([k]), np.array([n]), p)[0])


def _binom_two_sided_many(k: np.ndarray, n: np.ndarray, p: float | np.ndarray) -> np.ndarray:
    """:func:`binom_two_sided_p` for many ``(k, n)`` pairs, vectorised (``p``: one probability
    for all, or one per pair).

    The binomial pmf rises to its mode and falls after it, so the outcomes no more likely
    than ``k`` (with the usual relative tolerance of 1e-7, so ties count) are a left tail
    ``0..a`` and a right tail ``b..n``; ``a`` and ``b`` are found by bisection on all pairs at
    once, and the p-value is ``cdf(a) + sf(b - 1)``.
    """
    from scipy import special

    def logpmf(j: np.ndarray, n: np.ndarray) -> np.ndarray:  # scipy.stats' binom without its checks
        return (
            special.gammaln(n + 1.0)
            - special.gammaln(j + 1.0)
            - special.gammaln(n - j + 1.0)
            + special.xlogy(j, pp)
            + special.xlog1py(n - j, -pp)
        )

    k = np.asarray(k, dtype=np.int64)
    n = np.asarray(n, dtype=np.int64)
    p = np.broadcast_to(np.asarray(p, dtype=float), k.shape)
    # p = 0 or 1: the one certain outcome has p-value 1, any other 0 (and no trials: 1).
    edge = (p <= 0) | (p >= 1)
    out = np.where((n > 0) & edge & (k != np.where(p <= 0, 0, n)), 0.0, 1.0)
    live = (n > 0) & ~edge
    kk, nn, pp = k[live], n[live], p[live]
    limit = logpmf(kk, nn) + math.log1p(1e-7)
    mode = np.clip(np.floor((nn + 1) * pp), 0, nn).astype(np.int64)
    # Left tail: the largest a in -1..mode with pmf(a) <= pmf(k) (-1: none).
    lo, hi = np.full(len(kk), -1, dtype=np.int64), mode + 1
    while np.any(hi - lo > 1):
        mid = (lo + hi) // 2
        low = (hi - lo > 1) & (logpmf(mid, nn) <= limit)
        lo, hi = np.where(low, mid, lo), np.where((hi - lo > 1) & ~low, mid, hi)
    left = lo
    # Right tail: the smallest b in mode+1..n+1 with pmf(b) <= pmf(k) (n + 1: none).
    lo, hi = mode, nn + 1
    while np.any(hi - lo > 1):
        mid = (lo + hi) // 2
        high = (hi - lo > 1) & (logpmf(mid, nn) <= limit)
        hi, lo = np.where(high, mid, hi), np.where((hi - lo > 1) & ~high, mid, lo)
    right = hi
    total = np.where(left >= 0, special.bdtr(np.maximum(left, 0), nn, pp), 0.0) + np.where(
        right <= nn, special.bdtrc(np.minimum(right - 1, nn), nn, pp), 0.0
    )
    out[live] = np.minimum(1.0, total)
    return out


def _compare_many(
    current: np.ndarray, reference: np.ndarray, ratio: float | np.ndarray
) -> np.ndarray:
    """:func:`compare_counts_p` for many pairs at once (``ratio``: one for all, or one each)."""
    cur = np.asarray(current, dtype=np.int64)
    n = cur + np.asarray(reference, dtype=np.int64)
    return _binom_two_sided_many(cur, n, 1.0 / (1.0 + np.asarray(ratio, dtype=float)))


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


def compute_alert_candidates(
    monthly: pd.DataFrame,
    as_of: dt.date,
    months: int = 3,
    names: pd.Series | Mapping[Any, Any] | None = None,
    source_label: str = N_("IOM Missing Migrants Project"),
    source_id: str = "",
    data_end: dt.date | None = None,
    window_in_sentence: bool = False,
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
    names : Series or mapping, optional
        Display names by ``key`` (a Series indexed by key, or a dict).
    source_label : str
        How sentences cite the source and vintage, e.g. ``"IOM Missing Migrants Project,
        vintage 2026-04-09"``.
    source_id : str
        The incident ``source_id``, copied to every row.
    data_end : date, optional
        Date of the vintage's last incident. A fall in a window ending less than
        :data:`REPORTING_LAG_MONTHS` months before it is only a ``watch``.
    window_in_sentence : bool
        For tables mixing windows and measures: the sentence leads with the incidents (the
        measure tested) and names the window (``monthly window``).

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
    w = _window(_read_monthly(monthly), as_of, months)
    c = _incident_rule(w, _series_names(w.data, names), source_label, data_end, window_in_sentence)
    # Alerts first, then by p-value, level and key (the keys as given, not as text).
    key = list(
        zip(_status_rank(c["status"]), c["p_value"].tolist(), c["level"], c["id"], strict=True)
    )
    rows = sorted(range(len(key)), key=key.__getitem__)
    return _table(c, rows, source_id)


#: The columns read from the monthly input.
_INPUT = ("level", "key", "month", "incidents", "dead_and_missing", "largest_incident")
#: The numeric columns of the alert tables, in their order.
_NUMBERS = (
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
)
_STATUS_RANK = {"alert": 0, "watch": 1, "none": 2}
#: What the reason and sentence helpers read of a row.
_TEXT_KEYS = ("level", "name", "direction", *_NUMBERS)


@dataclass(frozen=True)
class _Monthly:
    """The monthly input of :func:`compute_alert_candidates` read once into arrays (one element
    per input row), for every window and both rules of the board.

    Attributes
    ----------
    groups : list of (level, key)
        The distinct series, sorted.
    group : ndarray of int
        Each row's series (position in ``groups``).
    month : ndarray of int
        Each row's month in months since January 1970 (NumPy's ``datetime64[M]``); a missing
        month is the smallest int64, inside no window.
    incidents, dead_and_missing, largest : ndarray of float
        Incidents (count), dead and missing and the largest single incident (persons); a
        missing value counts 0, as pandas sums.
    """

    groups: list[tuple[Any, Any]]
    group: np.ndarray
    month: np.ndarray
    incidents: np.ndarray
    dead_and_missing: np.ndarray
    largest: np.ndarray


def _read_monthly(monthly: pd.DataFrame) -> _Monthly:
    """:class:`_Monthly` from the ``monthly`` table (other columns are ignored)."""
    whole = set(_INPUT) <= set(monthly.columns)
    m = monthly if whole else monthly.reindex(columns=list(_INPUT))

    def counts(col: str) -> np.ndarray:
        return np.nan_to_num(m[col].to_numpy(dtype=float, na_value=np.nan), nan=0.0)

    month = pd.to_datetime(m["month"]).to_numpy().astype("datetime64[M]").astype(np.int64)
    keys = list(zip(m["level"].tolist(), m["key"].tolist(), strict=True))
    groups = sorted(set(keys))
    code = {g: i for i, g in enumerate(groups)}
    return _Monthly(
        groups=groups,
        group=np.array([code[k] for k in keys], dtype=np.intp),
        month=month,
        incidents=counts("incidents"),
        dead_and_missing=counts("dead_and_missing"),
        largest=counts("largest_incident"),
    )


@dataclass(frozen=True)
class _Window:
    """The input rows of one window length: its 12-month baseline and its current window.

    Attributes
    ----------
    data : _Monthly
        The whole input.
    months : int
        Window length (months).
    bounds : dict
        :func:`compute_windows`.
    series : ndarray of int
        The series with a row in the window (positions in ``data.groups``, sorted): one output
        row each.
    inside : ndarray of bool
        Which input rows fall in the baseline or the current window.
    row, col : ndarray of int
        For each row inside: its series (position in ``series``) and its month (0 = the
        baseline's first, ``12 + months - 1`` = the as-of month).
    """

    data: _Monthly
    months: int
    bounds: dict[str, tuple[dt.date, dt.date]]
    series: np.ndarray
    inside: np.ndarray
    row: np.ndarray
    col: np.ndarray


def _window(data: _Monthly, as_of: dt.date, months: int) -> _Window:
    """The rows of ``data`` that the ``months``-month windows ending in ``as_of`` compare.

    The year-ago window lies within the baseline (``months`` is at most 12), so a series with a
    row in any of the three windows has one in the baseline or the current window.
    """
    bounds = compute_windows(as_of, months)
    first = int(np.datetime64(bounds["baseline"][0], "M").astype(np.int64))
    inside = (data.month >= first) & (data.month < first + BASELINE_MONTHS + months)
    series, row = np.unique(data.group[inside], return_inverse=True)
    return _Window(
        data, months, bounds, series, inside, row.astype(np.intp), data.month[inside] - first
    )


def _series_names(data: _Monthly, names: pd.Series | Mapping[Any, Any] | None) -> list[str]:
    """The display name of each series of ``data.groups`` (its key where ``names`` has none)."""
    if isinstance(names, pd.Series):
        found = dict(zip(names.index.tolist(), names.tolist(), strict=True))
    else:
        found = dict(names or {})
    return [str(_name_of(found, key)) for _, key in data.groups]


def _status_rank(status: list[str]) -> list[int]:
    return [_STATUS_RANK[s] for s in status]


def _lagging(
    w: _Window, direction: np.ndarray, status: np.ndarray, data_end: dt.date | None
) -> np.ndarray:
    """Which ``alert`` rows are falls recent enough for the reporting delay to explain (these
    become ``watch``: ``status`` is changed in place)."""
    lagging = np.zeros(len(status), dtype=bool)
    if data_end is not None:
        lag_start = add_months(dt.date(data_end.year, data_end.month, 1), -REPORTING_LAG_MONTHS)
        if w.bounds["current"][1] >= lag_start:
            lagging = (direction == "down") & (status == "alert")
            status[lagging] = "watch"
    return lagging


def _records(c: dict[str, Any], keys: tuple[str, ...]) -> list[dict[str, Any]]:
    """One ``{column: value}`` per row of ``c`` (plain Python values), for the text helpers."""
    cols = [c[k].tolist() if isinstance(c[k], np.ndarray) else c[k] for k in keys]
    return [dict(zip(keys, vals, strict=True)) for vals in zip(*cols, strict=True)]


def _incident_rule(
    w: _Window,
    names: list[str],
    source_label: str,
    data_end: dt.date | None,
    window_in_sentence: bool,
) -> dict[str, Any]:
    """The incidents rule on every series of ``w`` (in ``w.series`` order): the columns of
    :func:`compute_alert_candidates`, numbers as arrays and text as lists, unsorted."""
    n, months = len(w.series), w.months
    inc = w.data.incidents[w.inside]
    dm = w.data.dead_and_missing[w.inside]
    big = w.data.largest[w.inside]

    def sums(sel: np.ndarray) -> tuple[np.ndarray, ...]:
        g = w.row[sel]
        present = np.bincount(g, minlength=n) > 0
        largest = np.full(n, -np.inf)
        np.maximum.at(largest, g, big[sel])
        return (
            np.bincount(g, weights=inc[sel], minlength=n),
            np.bincount(g, weights=dm[sel], minlength=n),
            np.where(present, largest, 0.0),
        )

    cur_inc, cur_dm, cur_big = sums(w.col >= BASELINE_MONTHS)
    ya_inc, ya_dm, _ = sums(w.col < months)
    base_inc, base_dm, _ = sums(w.col < BASELINE_MONTHS)
    ratio = BASELINE_MONTHS / months
    c: dict[str, Any] = {
        "level": [w.data.groups[i][0] for i in w.series],
        "id": [w.data.groups[i][1] for i in w.series],
        "name": [names[i] for i in w.series],
        "current": cur_dm.astype(np.int64),
        "current_incidents": cur_inc.astype(np.int64),
        "largest_incident": cur_big.astype(np.int64),
        "year_ago": ya_dm.astype(np.int64),
        "year_ago_incidents": ya_inc.astype(np.int64),
        "baseline_12m_avg": base_dm / ratio,
        "baseline_incidents_12m_avg": base_inc / ratio,
    }
    # Both comparisons in one vectorised call: against the year-ago window (as long as the
    # current one) and against the baseline (``ratio`` times as long).
    p = _compare_many(
        np.concatenate([c["current_incidents"], c["current_incidents"]]),
        np.concatenate([c["year_ago_incidents"], base_inc.astype(np.int64)]),
        np.repeat([1.0, ratio], n),
    )
    p_ya, p_base = p[:n], p[n:]
    c["p_year_ago"], c["p_baseline"], c["p_value"] = p_ya, p_base, np.maximum(p_ya, p_base)
    s = np.stack(
        [
            np.sign(c["current_incidents"] - c["year_ago_incidents"].astype(float)),
            np.sign(c["current_incidents"] - c["baseline_incidents_12m_avg"]),
            np.sign(c["current"] - c["year_ago"].astype(float)),
            np.sign(c["current"] - c["baseline_12m_avg"]),
        ],
        axis=1,
    )
    up, down = (s > 0).all(axis=1), (s < 0).all(axis=1)
    direction = np.where(up, "up", np.where(down, "down", "mixed"))
    big_inc = np.maximum(c["current_incidents"], c["year_ago_incidents"]) >= MIN_INCIDENTS
    big_dm = np.maximum(c["current"], c["year_ago"]) >= MIN_DEAD_AND_MISSING
    enough = np.asarray(big_inc & big_dm, dtype=bool)
    both = (p_ya < ALPHA) & (p_base < ALPHA)
    one = (p_ya < ALPHA) | (p_base < ALPHA)
    consistent = np.asarray(up | down, dtype=bool)
    ok = enough & consistent
    status = np.where(ok & both, "alert", np.where(ok & one, "watch", "none")).astype(object)
    lagging = _lagging(w, direction, status, data_end)
    c["direction"], c["status"] = direction.tolist(), status.tolist()
    cur_lbl, ya_lbl = window_label(*w.bounds["current"]), window_label(*w.bounds["year_ago"])
    base_lbl = window_label(*w.bounds["baseline"])
    c["period_label"] = [cur_lbl] * n
    records = _records(c, _TEXT_KEYS)
    reason = [
        _reason(r, e, k)
        for r, e, k in zip(records, enough.tolist(), consistent.tolist(), strict=True)
    ]
    for i in np.flatnonzero(lagging):
        reason[i] = _lag_text(data_end) + reason[i]
    c["reason"] = reason
    c["sentence"] = [
        _sentence(r, cur_lbl, ya_lbl, base_lbl, months, source_label, window_in_sentence)
        for r in records
    ]
    return c


def _table(
    c: dict[str, Any], rows: list[int], source_id: str, extra: tuple[str, ...] = ()
) -> pd.DataFrame:
    """The alert table: the columns of ``c`` in their documented order (then ``extra``), its
    rows in the order ``rows``, built once."""
    n = len(rows)
    take = np.asarray(rows, dtype=np.intp)

    def text(col: str, empty: Any = "str") -> Any:
        values = [c[col][i] for i in rows]
        return pd.array(values, dtype="str") if n else pd.Series(values, dtype=empty)

    columns: dict[str, Any] = {
        "level": text("level"),
        "id": text("id", object),
        "name": text("name"),
        "period_label": text("period_label"),
    }
    for col in _NUMBERS:
        columns[col] = c[col][take]
    columns["direction"] = text("direction")
    columns["status"] = text("status")
    columns["reason"] = text("reason", float)
    columns["sentence"] = text("sentence", float)
    columns["source_id"] = pd.array([source_id] * n, dtype="str")
    for col in extra:
        columns[col] = text(col) if col in ("measure", "test") else c[col][take]
    return pd.DataFrame(columns)


def _lag_text(data_end: dt.date | None) -> str:
    return _(
        "Possible reporting delay, not an alert: the fall is beyond chance, but the window "
        "ends within {lag} months of the data's last incident ({date}) and IOM keeps adding "
        "records for recent months. "
    ).format(lag=REPORTING_LAG_MONTHS, date=f"{data_end:%Y-%m-%d}")


def _window_text(months: int) -> str:
    """``"quarterly window; "`` (the window's name, leading a sentence's details)."""
    name = _WINDOW_NAMES.get(months)
    return _(name) if name else _("{n}-month window; ").format(n=months)


def _per_text(months: int) -> str:
    return _("month") if months == 1 else _("{n} months").format(n=months)


def _where_text(level: object, name: object) -> str:
    if level == "route":
        return _("on the {name} route").format(name=i18n.route_name(str(name)))
    return _("in {name}").format(name=name)


def _change_text(direction: object, now: object, before: object, cur_lbl: str, ya_lbl: str) -> str:
    """``"rose to 120 in Oct-Dec 2023 from 80 in Oct-Dec 2022"`` (or fell to, or were)."""
    values = {
        "now": i18n.fmt_number(now),  # type: ignore[arg-type]
        "before": i18n.fmt_number(before),  # type: ignore[arg-type]
        "cur": cur_lbl,
        "ya": ya_lbl,
    }
    if direction == "up":
        return _("rose to {now} in {cur} from {before} in {ya}").format(**values)
    if direction == "down":
        return _("fell to {now} in {cur} from {before} in {ya}").format(**values)
    return _("were {now} in {cur} against {before} in {ya}").format(**values)


def _name_of(names: dict[Any, Any], key: Any) -> Any:
    name = names.get(key)
    return key if name is None or (isinstance(name, float) and name != name) else name


def _p(p: float) -> str:
    if p < 0.001:
        return _("p < {p}").format(p=plain_number(0.001, 3))
    return _("p = {p}").format(p=plain_number(p, 3))


def _reason(r: dict[str, Any], enough: bool, consistent: bool) -> str:
    g = r.__getitem__
    ci, yi, bi = g("current_incidents"), g("year_ago_incidents"), g("baseline_incidents_12m_avg")
    if not enough:
        return _(
            "Too few to test: {ci} incidents and {dm} dead and missing now against {yi} and "
            "{ydm} a year earlier (an alert needs at least {min_inc} incidents and {min_dm} "
            "dead and missing)."
        ).format(
            ci=plain_number(ci),
            dm=plain_number(g("current")),
            yi=plain_number(yi),
            ydm=plain_number(g("year_ago")),
            min_inc=MIN_INCIDENTS,
            min_dm=MIN_DEAD_AND_MISSING,
        )
    if not consistent:
        return _(
            "Mixed signals: incidents and dead and missing do not move in the same direction "
            "against both the year-ago window and the 12-month baseline."
        )
    py, pb = g("p_year_ago"), g("p_baseline")
    against_ya = _("{now} vs {before} incidents a year earlier ({p})").format(
        now=plain_number(ci), before=plain_number(yi), p=_p(py)
    )
    against_b = _("{now} vs {base} per window over the previous 12 months ({p})").format(
        now=plain_number(ci), base=plain_number(bi, 1), p=_p(pb)
    )
    big = g("largest_incident")
    cluster = ""
    if g("current") > 0 and big >= 0.3 * g("current"):
        cluster = _(
            " The largest single incident accounts for {big} of the {n} dead and missing."
        ).format(big=plain_number(big), n=plain_number(g("current")))
    return _verdict(py, pb, ALPHA, against_ya, against_b, cluster)


def _verdict(py: float, pb: float, alpha: float, against_ya: str, against_b: str, tail: str) -> str:
    """The reason text of one series: beyond or within chance against each reference."""
    if py < alpha and pb < alpha:
        return _("Beyond chance against both references: {a}; {b}.{tail}").format(
            a=against_ya, b=against_b, tail=tail
        )
    if py >= alpha and pb >= alpha:
        return _("Within chance against both references: {a}; {b}.{tail}").format(
            a=against_ya, b=against_b, tail=tail
        )
    weak = against_ya if py >= alpha else against_b
    strong = against_b if py >= alpha else against_ya
    return _(
        "Not an alert: within chance against one reference ({weak}) although beyond "
        "chance against the other ({strong}).{tail}"
    ).format(weak=weak, strong=strong, tail=tail)


def _sentence(
    r: dict[str, Any],
    cur_lbl: str,
    ya_lbl: str,
    base_lbl: str,
    months: int,
    source_label: str,
    window_in_sentence: bool = False,
) -> str:
    g = r.__getitem__
    where = _where_text(g("level"), g("name"))
    per = _per_text(months)
    if window_in_sentence:
        # Beside the dead-and-missing rule's rows: lead with the measure this rule tests.
        ci, yi = g("current_incidents"), g("year_ago_incidents")
        return _(
            "Incidents {where} {change} ({window}{now} vs {before} dead and missing; average "
            "{avg} incidents per {per} over {base}; exact test on incidents {p}; {source})."
        ).format(
            where=where,
            change=_change_text(g("direction"), ci, yi, cur_lbl, ya_lbl),
            window=_window_text(months),
            now=i18n.fmt_number(g("current")),
            before=i18n.fmt_number(g("year_ago")),
            avg=i18n.fmt_number(g("baseline_incidents_12m_avg"), 1),
            per=per,
            base=base_lbl,
            p=_p(g("p_value")),
            source=_(source_label),
        )
    return _(
        "Dead and missing {where} {change} ({now} vs {before} incidents; average {avg} per "
        "{per} over {base}; exact test on incidents {p}; {source})."
    ).format(
        where=where,
        change=_change_text(g("direction"), g("current"), g("year_ago"), cur_lbl, ya_lbl),
        now=plain_number(g("current_incidents")),
        before=plain_number(g("year_ago_incidents")),
        avg=i18n.fmt_number(g("baseline_12m_avg")),
        per=per,
        base=base_lbl,
        p=_p(g("p_value")),
        source=_(source_label),
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


# ---------------------------------------------------------------- dead and missing

#: Windows the alert board evaluates: the latest month and the latest quarter (3 months).
ALERT_WINDOWS: tuple[int, ...] = (1, 3)
#: Shown as ``_(MEASURE_LABELS[...])``.
MEASURE_LABELS = {"incidents": N_("incidents"), "dead_and_missing": N_("dead and missing")}


@dataclass(frozen=True)
class DeathRule:
    """Thresholds of the dead-and-missing alert (tuned on 2015-2019 in ``docs/alerts-backtest.md``).

    Attributes
    ----------
    alpha : float
        Significance level of each quasi-Poisson comparison.
    min_dead_and_missing : int
        Persons in the larger of the current and year-ago windows (so one death never alerts).
    min_incidents : int
        Incidents in that same window (so one shipwreck alone alerts only if set to 1).
    """

    alpha: float = 0.05
    min_dead_and_missing: int = 50
    min_incidents: int = 3


DEATH_RULE = DeathRule()


def _poisson_groups_fit(y: np.ndarray, labels: np.ndarray) -> tuple[float, float, int]:
    """Poisson GLM of ``y`` on one indicator per label, fitted by statsmodels: deviance,
    dispersion (Pearson chi-square / residual df) and residual df.

    The reference implementation of :func:`_poisson_groups_many` (a test asserts the
    two agree); ``quasi_poisson_test(..., engine="statsmodels")`` uses it.
    """
    import statsmodels.api as sm
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    levels = np.unique(labels)
    x = (labels[:, None] == levels[None, :]).astype(float)
    # The maximum-likelihood fit of a cell-means Poisson model is the group means: start there
    # so IRLS converges in one step (an all-zero group has its rate floored, not minus infinity).
    means = np.array([y[labels == lv].mean() for lv in levels])
    start = np.log(np.maximum(means, 1e-10))
    with warnings.catch_warnings():
        # An all-zero group is "perfect prediction" to statsmodels; its rate is 0 as intended.
        warnings.simplefilter("ignore", category=PerfectSeparationWarning)
        res = sm.GLM(y, x, family=sm.families.Poisson()).fit(scale="X2", start_params=start)
    return float(res.deviance), float(res.scale), int(res.df_resid)


def _poisson_groups_many(ys: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """:func:`_poisson_groups_fit` in closed form for many series sharing one grouping of
    their months: the maximum-likelihood rates of a Poisson model with one rate per group are
    the group means, so the deviance (``2 * sum(y log(y / mu) - (y - mu))``, scipy's
    ``xlogy``) and the Pearson chi-square follow directly. ``ys`` is series x months; returns
    each series' deviance and dispersion (Pearson chi-square over residual df) and the shared
    residual df. The Overview tests about 200 series on every filter change: one matrix
    product instead of 400 fits (a statsmodels fit is about 3 ms each).
    """
    from scipy.special import xlogy

    levels, inv = np.unique(np.asarray(labels), return_inverse=True)
    member = np.zeros((len(inv), len(levels)))
    member[np.arange(len(inv)), inv] = 1.0
    means = (ys @ member) / member.sum(axis=0)
    mu = means @ member.T
    deviance = 2.0 * np.sum(xlogy(ys, ys) - xlogy(ys, mu) - (ys - mu), axis=1)
    df_resid = ys.shape[1] - len(levels)
    fitted = mu > 0  # an all-zero group fits exactly: no Pearson contribution
    pearson = np.sum(np.where(fitted, (ys - mu) ** 2 / np.where(fitted, mu, 1.0), 0.0), axis=1)
    phi = pearson / df_resid if df_resid > 0 else np.full(len(ys), np.nan)
    return deviance, phi, df_resid


def quasi_poisson_test(
    counts: np.ndarray | list[float],
    full: np.ndarray | list[str],
    null: np.ndarray | list[str],
    engine: str = "closed-form",
) -> tuple[float, float]:
    """Quasi-Poisson F test of a group model against a coarser one (analysis of deviance).

    Both models are Poisson GLMs with one rate per group (``engine="statsmodels"`` fits them
    with statsmodels; the default computes the same maximum-likelihood fit in closed form,
    and a test asserts the two agree); the
    dispersion (over-dispersion factor) is the full model's Pearson chi-square over its
    residual degrees of freedom, floored at 1 (never less variance than Poisson). The
    statistic is ``(D_null - D_full) / (df_diff * dispersion)`` on ``F(df_diff, df_resid)``,
    as in R's ``anova(glm(..., family = quasipoisson), test = "F")``.

    Parameters
    ----------
    counts : array
        One count per month (persons).
    full, null : array of labels
        Group of each month under the full and the null model (``null`` merges groups of
        ``full``).

    Returns
    -------
    (float, float)
        Two-sided p-value (1.0 when every count is 0) and the dispersion used.
    """
    y = np.asarray(counts, dtype=float)
    if engine == "statsmodels":
        if y.sum() <= 0:
            return 1.0, float("nan")
        d_full, phi, df_full = _poisson_groups_fit(y, np.asarray(full))
        d_null, _, df_null = _poisson_groups_fit(y, np.asarray(null))
        p, used = _f_test(np.array([d_full]), np.array([phi]), df_full, np.array([d_null]), df_null)
        return float(p[0]), float(used[0])
    p, used = quasi_poisson_tests(y[None, :], full, null)
    return float(p[0]), float(used[0])


def quasi_poisson_tests(
    counts: np.ndarray, full: np.ndarray | list[str], null: np.ndarray | list[str]
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`quasi_poisson_test` for every row of ``counts`` (series x months), all with the
    same ``full`` and ``null`` groupings of the months: the p-values and dispersions."""
    ys = np.asarray(counts, dtype=float)
    d_full, phi, df_full = _poisson_groups_many(ys, np.asarray(full))
    d_null, _, df_null = _poisson_groups_many(ys, np.asarray(null))
    p, used = _f_test(d_full, phi, df_full, d_null, df_null)
    empty = ys.sum(axis=1) <= 0
    return np.where(empty, 1.0, p), np.where(empty, np.nan, used)


def _f_test(
    d_full: np.ndarray, phi: np.ndarray, df_full: int, d_null: np.ndarray, df_null: int
) -> tuple[np.ndarray, np.ndarray]:
    """The F test of :func:`quasi_poisson_test` from the two fits: p-values and dispersions."""
    from scipy import special

    df_diff = df_null - df_full
    if df_diff <= 0 or df_full <= 0:
        raise ValueError("the null model must merge groups of the full model, with months to spare")
    used = np.maximum(1.0, phi)
    stat = np.maximum(0.0, d_null - d_full) / (df_diff * used)
    # Upper tail of F(df_diff, df_full) (scipy's ufunc behind ``stats.f.sf``).
    return special.fdtrc(df_diff, df_full, stat), used


def compute_death_candidates(
    monthly: pd.DataFrame,
    as_of: dt.date,
    months: int = 3,
    names: pd.Series | Mapping[Any, Any] | None = None,
    source_label: str = N_("IOM Missing Migrants Project"),
    source_id: str = "",
    data_end: dt.date | None = None,
    rule: DeathRule = DEATH_RULE,
) -> pd.DataFrame:
    """Evaluate every series' dead and missing against the over-dispersed alert rule.

    Deaths come in clusters, so the months are not Poisson draws: the comparison is a
    quasi-Poisson F test (:func:`quasi_poisson_test`) on the monthly dead and missing of the
    12-month baseline and the current window, whose dispersion is estimated from the same
    months. Against the year-ago window, the full model has three rates (current window,
    year-ago window, the rest of the baseline) and the null merges the first two; against
    the baseline, current window against the 12 months before it.

    An alert needs: ``rule.min_dead_and_missing`` persons in ``rule.min_incidents`` incidents
    in the larger of the current and year-ago windows; dead and missing moving the same way
    against both references; p below ``rule.alpha`` against both. One only: ``watch``. A fall
    ending within :data:`REPORTING_LAG_MONTHS` of ``data_end``: ``watch``.

    Parameters
    ----------
    monthly, as_of, months, names, source_label, source_id, data_end
        As :func:`compute_alert_candidates`.
    rule : DeathRule
        The thresholds.

    Returns
    -------
    DataFrame
        The :func:`compute_alert_candidates` columns (``p_*`` now from the quasi-Poisson test
        on dead and missing, NaN where the series is too small or mixed and was not tested)
        plus ``dispersion`` (the larger of the two tests' dispersion factors).
    """
    w = _window(_read_monthly(monthly), as_of, months)
    c = _death_rule(w, _series_names(w.data, names), source_label, data_end, rule)
    key = list(
        zip(
            _status_rank(c["status"]),
            _p_rank(c["p_value"]),
            map(str, c["level"]),
            map(str, c["id"]),
            strict=True,
        )
    )
    rows = sorted(range(len(key)), key=key.__getitem__)
    return _table(c, rows, source_id, ("dispersion",))


def _p_rank(p: np.ndarray) -> list[float]:
    """P-values for sorting: an untested series (NaN) after every tested one."""
    return np.where(np.isnan(p), 2.0, p).tolist()


def _death_rule(
    w: _Window, names: list[str], source_label: str, data_end: dt.date | None, rule: DeathRule
) -> dict[str, Any]:
    """The dead-and-missing rule on every series of ``w`` (in ``w.series`` order): the columns of
    :func:`compute_death_candidates`, numbers as arrays and text as lists, unsorted."""
    n, months = len(w.series), w.months
    n_months = BASELINE_MONTHS + months
    dm = np.zeros((n, n_months))
    inc = np.zeros((n, n_months))
    big = np.zeros((n, n_months))
    cell = (w.row, w.col)
    np.add.at(dm, cell, w.data.dead_and_missing[w.inside])
    np.add.at(inc, cell, w.data.incidents[w.inside])
    np.maximum.at(big, cell, w.data.largest[w.inside])
    cur = slice(BASELINE_MONTHS, n_months)
    ya = slice(0, months)
    ratio = BASELINE_MONTHS / months
    c: dict[str, Any] = {
        "level": [w.data.groups[i][0] for i in w.series],
        "id": [w.data.groups[i][1] for i in w.series],
        "name": [names[i] for i in w.series],
        "current": dm[:, cur].sum(axis=1).astype(np.int64),
        "current_incidents": inc[:, cur].sum(axis=1).astype(np.int64),
        "largest_incident": big[:, cur].max(axis=1, initial=0).astype(np.int64),
        "year_ago": dm[:, ya].sum(axis=1).astype(np.int64),
        "year_ago_incidents": inc[:, ya].sum(axis=1).astype(np.int64),
        "baseline_12m_avg": dm[:, :BASELINE_MONTHS].sum(axis=1) / ratio,
        "baseline_incidents_12m_avg": inc[:, :BASELINE_MONTHS].sum(axis=1) / ratio,
    }
    s = np.stack(
        [
            np.sign(c["current"] - c["year_ago"].astype(float)),
            np.sign(c["current"] - c["baseline_12m_avg"]),
        ],
        axis=1,
    )
    up, down = (s > 0).all(axis=1), (s < 0).all(axis=1)
    direction = np.where(up, "up", np.where(down, "down", "mixed"))
    larger_dm = np.maximum(c["current"], c["year_ago"])
    larger_inc = np.where(
        c["current"] >= c["year_ago"], c["current_incidents"], c["year_ago_incidents"]
    )
    enough = np.asarray(
        (larger_dm >= rule.min_dead_and_missing) & (larger_inc >= rule.min_incidents), dtype=bool
    )
    consistent = np.asarray(up | down, dtype=bool)
    p_ya = np.full(n, np.nan)
    p_base = np.full(n, np.nan)
    disp = np.full(n, np.nan)
    labels_ya = np.array(
        ["year_ago"] * months + ["rest"] * (BASELINE_MONTHS - months) + ["cur"] * months
    )
    null_ya = np.where(labels_ya == "rest", "rest", "cur_or_year_ago")
    labels_b = np.array(["baseline"] * BASELINE_MONTHS + ["cur"] * months)
    null_b = np.full(n_months, "all")
    tested = np.flatnonzero(enough & consistent)
    if len(tested):
        p_ya[tested], d1 = quasi_poisson_tests(dm[tested], labels_ya, null_ya)
        p_base[tested], d2 = quasi_poisson_tests(dm[tested], labels_b, null_b)
        disp[tested] = np.maximum(d1, d2)
    c["p_year_ago"], c["p_baseline"], c["p_value"] = p_ya, p_base, np.fmax(p_ya, p_base)
    c["dispersion"] = disp
    both = (p_ya < rule.alpha) & (p_base < rule.alpha)
    one = (p_ya < rule.alpha) | (p_base < rule.alpha)
    ok = enough & consistent
    status = np.where(ok & both, "alert", np.where(ok & one, "watch", "none")).astype(object)
    lagging = _lagging(w, direction, status, data_end)
    c["direction"], c["status"] = direction.tolist(), status.tolist()
    cur_lbl, ya_lbl = window_label(*w.bounds["current"]), window_label(*w.bounds["year_ago"])
    base_lbl = window_label(*w.bounds["baseline"])
    c["period_label"] = [cur_lbl] * n
    records = _records(c, (*_TEXT_KEYS, "dispersion"))
    reason = [
        _death_reason(r, e, k, rule)
        for r, e, k in zip(records, enough.tolist(), consistent.tolist(), strict=True)
    ]
    for i in np.flatnonzero(lagging):
        reason[i] = _lag_text(data_end) + reason[i]
    c["reason"] = reason
    c["sentence"] = [
        _death_sentence(r, cur_lbl, ya_lbl, base_lbl, months, source_label) for r in records
    ]
    return c


def _death_reason(r: dict[str, Any], enough: bool, consistent: bool, rule: DeathRule) -> str:
    g = r.__getitem__
    if not enough:
        return _(
            "Too few to test: {dm} dead and missing in {ci} incidents now against {ydm} in {yi} "
            "a year earlier (an alert on dead and missing needs at least {min_dm} in at least "
            "{min_inc} incidents)."
        ).format(
            dm=plain_number(g("current")),
            ci=plain_number(g("current_incidents")),
            ydm=plain_number(g("year_ago")),
            yi=plain_number(g("year_ago_incidents")),
            min_dm=rule.min_dead_and_missing,
            min_inc=rule.min_incidents,
        )
    if not consistent:
        return _(
            "Mixed signals: dead and missing do not move in the same direction against both "
            "the year-ago window and the 12-month baseline."
        )
    py, pb = g("p_year_ago"), g("p_baseline")
    against_ya = _("{now} vs {before} a year earlier ({p})").format(
        now=plain_number(g("current")), before=plain_number(g("year_ago")), p=_p(py)
    )
    against_b = _("{now} vs {base} per window over the previous 12 months ({p})").format(
        now=plain_number(g("current")), base=plain_number(g("baseline_12m_avg"), 1), p=_p(pb)
    )
    disp = _(" Dispersion {d}: deaths come in clusters.").format(d=plain_number(g("dispersion"), 1))
    big = g("largest_incident")
    if g("current") > 0 and big >= 0.3 * g("current"):
        disp += _(" The largest single incident accounts for {big} of the {n}.").format(
            big=plain_number(big), n=plain_number(g("current"))
        )
    return _verdict(py, pb, rule.alpha, against_ya, against_b, disp)


def _death_sentence(
    r: dict[str, Any], cur_lbl: str, ya_lbl: str, base_lbl: str, months: int, source_label: str
) -> str:
    g = r.__getitem__
    test = (
        _("quasi-Poisson test on dead and missing {p}").format(p=_p(g("p_value")))
        if g("p_value") == g("p_value")
        else _("not tested")
    )
    return _(
        "Dead and missing {where} {change} ({window}{now} vs {before} incidents; average {avg} "
        "per {per} over {base}; {test}; {source})."
    ).format(
        where=_where_text(g("level"), g("name")),
        change=_change_text(g("direction"), g("current"), g("year_ago"), cur_lbl, ya_lbl),
        window=_window_text(months),
        now=plain_number(g("current_incidents")),
        before=plain_number(g("year_ago_incidents")),
        avg=i18n.fmt_number(g("baseline_12m_avg")),
        per=_per_text(months),
        base=base_lbl,
        test=test,
        source=_(source_label),
    )


def compute_alert_board(
    monthly: pd.DataFrame,
    as_of: dt.date,
    windows: tuple[int, ...] = ALERT_WINDOWS,
    names: pd.Series | Mapping[Any, Any] | None = None,
    source_label: str = N_("IOM Missing Migrants Project"),
    source_id: str = "",
    data_end: dt.date | None = None,
    rule: DeathRule = DEATH_RULE,
) -> pd.DataFrame:
    """Both alert rules (incidents, dead and missing) over each window, in one table.

    Parameters
    ----------
    monthly, as_of, names, source_label, source_id, data_end
        As :func:`compute_alert_candidates`.
    windows : tuple of int
        Window lengths in months (default: the latest month and the latest quarter).
    rule : DeathRule
        Thresholds of the dead-and-missing rule.

    Returns
    -------
    DataFrame
        The :func:`compute_alert_candidates` columns plus ``measure`` (``incidents`` or
        ``dead_and_missing``: what the test is on), ``window_months`` (1 or 3), ``test``
        (plain name of the comparison) and ``dispersion`` (NaN for incidents). Alerts
        first, then watches, each by p-value.

    Notes
    -----
    The input is read into arrays once, every rule works on arrays and the table is built
    once at the end: the Overview computes the board on every filter change (issue 17).
    """
    data = _read_monthly(monthly)
    series_names = _series_names(data, names)
    parts = []
    for k in windows:
        w = _window(data, as_of, k)
        inc = _incident_rule(w, series_names, source_label, data_end, True)
        inc["dispersion"] = np.full(len(w.series), np.nan)
        parts.append((inc, "incidents", _("exact conditional test on incident counts")))
        dead = _death_rule(w, series_names, source_label, data_end, rule)
        parts.append(
            (dead, "dead_and_missing", _("quasi-Poisson F test on monthly dead and missing"))
        )
    board: dict[str, Any] = {}
    for col in parts[0][0]:
        if isinstance(parts[0][0][col], np.ndarray):
            board[col] = np.concatenate([c[col] for c, _m, _t in parts])
        else:
            board[col] = [v for c, _m, _t in parts for v in c[col]]
    sizes = [len(c["id"]) for c, _m, _t in parts]
    board["measure"] = [
        m for (_c, m, _t), size in zip(parts, sizes, strict=True) for _ in range(size)
    ]
    board["test"] = [t for (_c, _m, t), size in zip(parts, sizes, strict=True) for _ in range(size)]
    board["window_months"] = np.repeat(np.repeat(np.asarray(windows, dtype=np.int64), 2), sizes)
    # Alerts first, then by p-value (untested last), measure, window, level and key.
    key = list(
        zip(
            _status_rank(board["status"]),
            _p_rank(board["p_value"]),
            board["measure"],
            board["window_months"].tolist(),
            map(str, board["level"]),
            map(str, board["id"]),
            strict=True,
        )
    )
    rows = sorted(range(len(key)), key=key.__getitem__)
    return _table(board, rows, source_id, ("measure", "window_months", "test", "dispersion"))


def compute_watch(candidates: pd.DataFrame) -> pd.DataFrame:
    """Keep only the ``watch`` rows (same columns as :func:`compute_alerts`)."""
    lead = ["level", "id", "name", "period_label", "current", "year_ago", "baseline_12m_avg"]
    lead += ["p_value", "direction", "sentence", "source_id"]
    if "status" not in candidates:
        return candidates
    watch = candidates[candidates["status"] == "watch"].reset_index(drop=True)
    return watch[lead + [c for c in watch.columns if c not in lead]]
