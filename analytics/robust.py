"""Robust death components: one incident's weight, incident capping and rate shrinkage.

Pure functions, no I/O. They answer two questions an official is asked in front of a minister:

- *Is this country's rank carried by one incident?* :func:`compute_incident_profile` gives the
  share of a country's dead and missing that its single largest incident provides
  (``largest_incident_share``) and marks ``driven_by_one_incident`` at or above
  :data:`DRIVEN_SHARE`.
- *What is the rank without that one incident's weight?* The robust variant of the scores
  (the default; the raw variant is one click away) uses

  * ``dead_and_missing_capped``: each incident's dead and missing winsorised at
    :data:`CAP_QUANTILE` of the sizes of all incidents of the period (one shipwreck of 646
    counts as the 95th-percentile incident, 10 to 14 persons in 2019-2025), then split 1/k across
    its k origins like the raw component;
  * ``change_pct_capped``: the change of those capped totals against the previous period
    (the same cap in both periods);
  * ``deaths_per_1000_detections_shrunk``: the capped deaths on Frontex routes per 1,000
    detections, shrunk toward the all-country mean by empirical Bayes (a gamma-Poisson model
    with a method-of-moments prior, Marshall 1991), so a rate on a small number of detections
    moves toward the mean in proportion to how little it rests on.

The reasons for these choices, with the 2019-2025 rankings under both variants, are in
``docs/methodology.md`` ("Robust and raw scores").
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

# The thresholds are the catalogue's (one definition each): CAP_QUANTILE caps each
# incident's dead and missing; DRIVEN_SHARE marks "driven by one incident".
from analytics.catalogue import CAP_QUANTILE, DRIVEN_SHARE, MIN_PREVIOUS_FOR_CHANGE
from analytics.measures import compute_change_pct

__all__ = [
    "CAP_QUANTILE",
    "DRIVEN_SHARE",
    "PROFILE_COLUMNS",
    "compute_incident_cap",
    "compute_incident_profile",
    "compute_robust_components",
    "compute_shrunk_rates",
]

PROFILE_COLUMNS = (
    "iso3",
    "dead_and_missing_capped",
    "dead_and_missing_frontex_routes_capped",
    "largest_incident_dead_and_missing",
    "largest_incident_date",
    "largest_incident_share",
    "driven_by_one_incident",
)


def compute_incident_cap(
    sizes: np.ndarray | pd.Series,
    counts: np.ndarray | pd.Series | None = None,
    quantile: float = CAP_QUANTILE,
) -> float:
    """The size at which one incident's dead and missing is capped.

    Parameters
    ----------
    sizes : array of int
        Dead and missing per incident (or per group of incidents of the same size).
    counts : array of int, optional
        How many incidents have each size (default 1 each).
    quantile : float
        0-1; linear interpolation between incident sizes (DuckDB ``quantile_cont``).

    Returns
    -------
    float
        The ``quantile`` of the sizes of incidents with at least one dead or missing person
        (persons); ``NaN`` when there is none.
    """
    s = np.asarray(sizes, dtype=float)
    c = np.ones(len(s), dtype=np.int64) if counts is None else np.asarray(counts, dtype=np.int64)
    keep = (s > 0) & (c > 0)
    if not keep.any():
        return float("nan")
    return float(np.quantile(np.repeat(s[keep], c[keep]), quantile))


def compute_incident_profile(
    incidents: pd.DataFrame, cap: float, threshold: float = DRIVEN_SHARE
) -> pd.DataFrame:
    """Per country: capped dead and missing and how much its largest incident weighs.

    Parameters
    ----------
    incidents : DataFrame
        One row per incident, or per group of incidents with the same countries and size:
        ``countries`` (tuple of ISO-3: the origins, or the one country of incident; an empty
        tuple counts for no country), ``dead_and_missing`` (persons per incident),
        ``incidents`` (how many incidents the row stands for, default 1), ``first_date``
        (the earliest date among them) and ``frontex`` (bool, default False: counts toward the
        deaths on Frontex routes).
    cap : float
        :func:`compute_incident_cap` (``NaN``: no cap).
    threshold : float
        The ``largest_incident_share`` from which ``driven_by_one_incident`` is true.

    Returns
    -------
    DataFrame
        One row per country listed, sorted by ``iso3``: ``dead_and_missing_capped`` and
        ``dead_and_missing_frontex_routes_capped`` (persons, each incident at most ``cap``,
        then 1/k per origin), ``largest_incident_dead_and_missing`` (persons: the country's
        1/k share of its largest incident), ``largest_incident_date`` (date of that incident;
        the earliest among equal ones), ``largest_incident_share`` (0-1 of the country's raw
        dead and missing; ``NaN`` when it has none) and ``driven_by_one_incident`` (bool).
    """
    arrays = _incident_arrays(incidents)
    prof = _profile(*arrays, cap=cap, threshold=threshold)
    if prof is None:
        return _empty_profile()
    out = pd.DataFrame({c: prof[c] for c in PROFILE_COLUMNS})
    out["iso3"] = out["iso3"].astype(object)
    return out


_Arrays = tuple[list[tuple[str, ...]], np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _incident_arrays(incidents: pd.DataFrame) -> _Arrays:
    """``countries``, ``dead_and_missing``, ``incidents``, ``frontex`` and ``first_date``
    (datetime64[D]) as plain arrays, with the defaults of :func:`compute_incident_profile`."""
    n = len(incidents)
    cols = incidents.columns
    countries = incidents["countries"].tolist() if n else []
    dm = incidents["dead_and_missing"].to_numpy(dtype=float) if n else np.zeros(0)
    count = incidents["incidents"].to_numpy(dtype=float) if "incidents" in cols else np.ones(n)
    fx = incidents["frontex"].to_numpy(dtype=bool) if "frontex" in cols else np.zeros(n, dtype=bool)
    if "first_date" in cols and n:
        days = np.asarray(incidents["first_date"].to_numpy(), dtype="datetime64[D]")
    else:
        days = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    return countries, dm, count, fx, days


def _profile(
    countries: list[tuple[str, ...]],
    dm: np.ndarray,
    count: np.ndarray,
    fx: np.ndarray,
    days: np.ndarray,
    *,
    cap: float,
    threshold: float,
) -> dict[str, np.ndarray] | None:
    """:func:`compute_incident_profile` on arrays; ``iso3`` sorted; ``None`` if no country."""
    n = len(countries)
    k = np.fromiter((len(t) for t in countries), dtype=np.int64, count=n)
    if k.sum() == 0:
        return None
    capped = np.minimum(dm, cap) if np.isfinite(cap) else dm
    share = np.where(k > 0, 1.0 / np.maximum(k, 1), 0.0)
    rep = np.repeat(np.arange(n), k)
    iso = np.array([c for t in countries for c in t], dtype=str)
    keys, inv = np.unique(iso, return_inverse=True)
    inv = inv.reshape(-1)
    m = len(keys)
    total = np.bincount(inv, weights=(dm * share * count)[rep], minlength=m)
    total_cap = np.bincount(inv, weights=(capped * share * count)[rep], minlength=m)
    total_fx = np.bincount(inv, weights=np.where(fx, capped * share * count, 0.0)[rep], minlength=m)
    one = (dm * share)[rep]
    # The largest one-incident share per country; the earliest date breaks ties.
    day = days[rep]
    order = np.lexsort((day, -one, inv))
    first = np.ones(len(order), dtype=bool)
    first[1:] = inv[order][1:] != inv[order][:-1]
    top = order[first]
    largest = one[top]
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(total > 0, largest / np.where(total > 0, total, 1.0), np.nan)
    ratio = np.clip(ratio, 0.0, 1.0)
    dates = np.array(
        [None if np.isnat(d) else dt.date.fromisoformat(str(d)) for d in day[top]], dtype=object
    )
    return {
        "iso3": keys,
        "dead_and_missing_capped": total_cap,
        "dead_and_missing_frontex_routes_capped": total_fx,
        "largest_incident_dead_and_missing": largest,
        "largest_incident_date": dates,
        "largest_incident_share": ratio,
        "driven_by_one_incident": np.nan_to_num(ratio, nan=0.0) >= threshold - 1e-12,
    }


def _lookup(keys: np.ndarray, iso: np.ndarray) -> np.ndarray:
    """Position of each ``iso`` in the sorted ``keys``, ``-1`` where absent."""
    if len(keys) == 0:
        return np.full(len(iso), -1)
    pos = np.clip(np.searchsorted(keys, iso), 0, len(keys) - 1)
    return np.where(keys[pos] == iso, pos, -1)


def _empty_profile() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "iso3": pd.Series(dtype=object),
            "dead_and_missing_capped": pd.Series(dtype=float),
            "dead_and_missing_frontex_routes_capped": pd.Series(dtype=float),
            "largest_incident_dead_and_missing": pd.Series(dtype=float),
            "largest_incident_date": pd.Series(dtype=object),
            "largest_incident_share": pd.Series(dtype=float),
            "driven_by_one_incident": pd.Series(dtype=bool),
        }
    )


def compute_shrunk_rates(deaths: pd.Series, exposure: pd.Series, per: float = 1000.0) -> pd.Series:
    """Empirical-Bayes rates: each country's rate shrunk toward the all-country mean.

    Gamma-Poisson model, ``deaths_i ~ Poisson(rate_i * e_i)`` with ``e_i = exposure_i / per``
    and ``rate_i ~ Gamma`` of mean ``m`` and variance ``A``, estimated by the method of moments
    (Marshall 1991): ``m = sum(d) / sum(e)``, ``s2 = sum(e_i (r_i - m)^2) / sum(e)``,
    ``A = max(0, s2 - m / mean(e))``. The posterior mean is
    ``m + (r_i - m) * A / (A + m / e_i)``: a rate resting on many detections stays close to
    its raw value, one resting on few moves toward ``m``.

    Parameters
    ----------
    deaths : Series
        Dead and missing (persons) per country; ``NaN`` = no rate for that country.
    exposure : Series
        Detections (events) per country, same index; ``NaN`` or 0 = no rate.
    per : float
        Rate per ``per`` units of exposure (1,000 detections).

    Returns
    -------
    Series of float
        Shrunk rate per ``per`` detections, ``NaN`` wherever ``deaths`` or ``exposure`` is
        missing (those countries do not enter the prior either).
    """
    d = pd.to_numeric(deaths, errors="coerce").to_numpy(dtype=float)
    e = pd.to_numeric(exposure, errors="coerce").to_numpy(dtype=float) / per
    ok = np.isfinite(d) & np.isfinite(e) & (e > 0)
    out = np.full(len(d), np.nan)
    if ok.any():
        dd, ee = d[ok], e[ok]
        m = dd.sum() / ee.sum()
        r = dd / ee
        s2 = float((ee * (r - m) ** 2).sum() / ee.sum())
        a = max(0.0, s2 - m / ee.mean()) if m > 0 else 0.0
        with np.errstate(invalid="ignore", divide="ignore"):
            weight = np.where(a > 0, a / (a + m / ee), 0.0)
        out[ok] = m + (r - m) * weight
    return pd.Series(out, index=deaths.index, name="deaths_per_1000_detections_shrunk")


def compute_robust_components(
    components: pd.DataFrame,
    sizes: pd.DataFrame,
    quantile: float = CAP_QUANTILE,
    threshold: float = DRIVEN_SHARE,
) -> pd.DataFrame:
    """Add the robust death components and the incident profile to a component table.

    Parameters
    ----------
    components : DataFrame
        :func:`analytics.measures.compute_origin_components` or
        :func:`~analytics.measures.compute_transit_components` output (``iso3``,
        ``dead_and_missing``, ``change_pct``; for origins also ``detections`` and
        ``deaths_per_1000_detections``).
    sizes : DataFrame
        Incidents by size as :func:`compute_incident_profile` takes them, plus ``current``
        (1 in the period, 0 in the previous one).
    quantile, threshold : float
        :data:`CAP_QUANTILE` and :data:`DRIVEN_SHARE`.

    Returns
    -------
    DataFrame
        ``components`` (same rows and order) plus the :data:`PROFILE_COLUMNS` of the period
        (0 dead and missing, share ``NaN`` and not driven where a country has no incident),
        ``dead_and_missing_capped_previous`` (persons, the same cap), ``incident_cap``
        (persons), ``change_pct_capped`` (percent; ``NaN`` like ``change_pct``) and, where
        ``deaths_per_1000_detections`` is defined, ``deaths_per_1000_detections_shrunk``
        (capped deaths on Frontex routes per 1,000 detections, :func:`compute_shrunk_rates`).
    """
    countries, dm, count, fx, days = _incident_arrays(sizes)
    current = sizes["current"].to_numpy() if len(sizes) else np.zeros(0)
    now, before_rows = np.flatnonzero(current == 1), np.flatnonzero(current == 0)

    def part(rows: np.ndarray) -> _Arrays:
        return [countries[i] for i in rows], dm[rows], count[rows], fx[rows], days[rows]

    cap = compute_incident_cap(dm[now], count[now], quantile)
    prof = _profile(*part(now), cap=cap, threshold=threshold)
    iso = components["iso3"].astype(str).to_numpy()
    at = _lookup(prof["iso3"] if prof else np.zeros(0, dtype=str), iso)
    found = at >= 0

    def pick(col: str, fill: object) -> np.ndarray:
        if prof is None:
            return np.full(len(iso), fill, dtype=object if fill is None else type(fill))
        values = prof[col]
        res = np.full(len(iso), fill, dtype=object if fill is None else values.dtype)
        res[found] = values[at[found]]
        return res

    index = components.index
    new: dict[str, object] = {
        "dead_and_missing_capped": pick("dead_and_missing_capped", 0.0),
        "dead_and_missing_frontex_routes_capped": pick(
            "dead_and_missing_frontex_routes_capped", 0.0
        ),
        "largest_incident_dead_and_missing": pick("largest_incident_dead_and_missing", 0.0),
        "largest_incident_date": pick("largest_incident_date", None),
        "largest_incident_share": pick("largest_incident_share", np.nan),
        "driven_by_one_incident": pick("driven_by_one_incident", False).astype(bool),
        "incident_cap": np.full(len(iso), cap),
    }
    had_previous = (
        "dead_and_missing_previous" in components.columns
        and components["dead_and_missing_previous"].notna().any()
    )
    if len(before_rows) or had_previous:
        before = _profile(*part(before_rows), cap=cap, threshold=threshold)
        capped_prev = np.zeros(len(iso))
        if before is not None:
            at_prev = _lookup(before["iso3"], iso)
            hit = at_prev >= 0
            capped_prev[hit] = before["dead_and_missing_capped"][at_prev[hit]]
        new["dead_and_missing_capped_previous"] = capped_prev
        new["change_pct_capped"] = compute_change_pct(
            pd.Series(new["dead_and_missing_capped"], index=index),
            pd.Series(capped_prev, index=index),
            MIN_PREVIOUS_FOR_CHANGE,
        ).to_numpy()
    else:
        new["dead_and_missing_capped_previous"] = np.full(len(iso), np.nan)
        new["change_pct_capped"] = np.full(len(iso), np.nan)
    if "deaths_per_1000_detections" in components.columns:
        has_rate = components["deaths_per_1000_detections"].notna()
        new["deaths_per_1000_detections_shrunk"] = compute_shrunk_rates(
            pd.Series(new["dead_and_missing_frontex_routes_capped"], index=index).where(has_rate),
            components["detections"].where(has_rate),
        ).to_numpy()
    keep = components.drop(columns=[c for c in new if c in components.columns])
    return pd.concat([keep, pd.DataFrame(new, index=index)], axis=1)
