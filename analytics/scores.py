"""Composite 0-100 risk scores: scaling, weights, confidence and the reasons behind a rank.

Pure functions, no I/O. A score is a weighted mean of components that have each been put on a
0-100 scale first, so deaths, detections and index scores are compared as ranks on a common
scale and never added as raw numbers.

Scaling (documented for policy readers in ``docs/methodology.md``):

- counts and rates (``log``): ``log(1 + x)``, then values below the 5th percentile of the
  countries compared are raised to it, then the range from that percentile to the largest value
  is mapped linearly to 0-100. On the log scale ten times more is a fixed step more, so a few
  huge values cannot squash everybody else, while the top of the list (where prevention choices
  are made) keeps its differences: 1,000 deaths stays above 200.
- changes (``winsor``): percent changes clipped at the 5th and 95th percentiles (changes from
  small bases run to thousands of percent), then mapped linearly to 0-100.
- shares (``share``): a known 0-1 range mapped to 0-100.
- the GI-TOC index (``index_1_10``): its fixed 1-10 range mapped to 0-100.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from analytics.catalogue import SOURCE_NAMES, measure


@dataclass(frozen=True)
class Component:
    """How one component is labelled and scaled; its unit and sources are its catalogue
    measure's (:mod:`analytics.catalogue`), so they are defined once."""

    label: str
    measure_id: str
    scaling: str  # "log" | "winsor" | "share" | "index_1_10"

    @property
    def unit(self) -> str:
        return measure(self.measure_id).unit

    @property
    def source(self) -> str:
        return " and ".join(SOURCE_NAMES[k] for k in measure(self.measure_id).sources)


COMPONENTS: Mapping[str, Component] = MappingProxyType(
    {
        "dead_and_missing": Component("dead and missing", "dead_and_missing", "log"),
        "detections": Component("detections of its nationals", "origin_detections", "log"),
        "deaths_per_1000_detections": Component(
            "deaths per 1,000 detections", "deaths_per_1000_detections", "log"
        ),
        "change_pct": Component("change against the previous period", "change_pct", "winsor"),
        "share_children": Component("share of children among victims", "share_children", "share"),
        "share_women": Component("share of women and girls among victims", "share_women", "share"),
        "share_violence": Component("share of deaths from violence", "share_violence", "share"),
        "detections_on_routes_crossing": Component(
            "detections on routes crossing it", "detections_on_routes_crossing", "log"
        ),
        "oc_human_smuggling": Component(
            "Organized Crime Index human-smuggling score", "oc_human_smuggling", "index_1_10"
        ),
    }
)

DEFAULT_ORIGIN_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("dead_and_missing", 0.30),
    ("deaths_per_1000_detections", 0.15),
    ("detections", 0.15),
    ("change_pct", 0.10),
    ("share_children", 0.10),
    ("share_women", 0.05),
    ("oc_human_smuggling", 0.15),
)
DEFAULT_TRANSIT_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("dead_and_missing", 0.40),
    ("share_violence", 0.15),
    ("change_pct", 0.10),
    ("detections_on_routes_crossing", 0.20),
    ("oc_human_smuggling", 0.15),
)
ORIGIN_COMPONENTS: tuple[str, ...] = tuple(c for c, _ in DEFAULT_ORIGIN_WEIGHTS)
TRANSIT_COMPONENTS: tuple[str, ...] = tuple(c for c, _ in DEFAULT_TRANSIT_WEIGHTS)

WINSOR_LOW = 0.05
WINSOR_HIGH = 0.95
# A country needs this share of the total weight in components with data to get a score.
MIN_AVAILABLE_WEIGHT = 0.5
# Evidence needed to be scored: at least this many incidents, or this many detections.
MIN_INCIDENTS = 5
MIN_DETECTIONS = 500
# Confidence grades (see docs/methodology.md).
HIGH_INCIDENTS, HIGH_QUALITY, HIGH_WEIGHT = 20, 3.5, 0.8
MEDIUM_INCIDENTS, MEDIUM_QUALITY, MEDIUM_WEIGHT = 5, 2.5, 0.6


def normalise_weights(
    weights: Iterable[tuple[str, float]] | None,
    allowed: tuple[str, ...],
    default: tuple[tuple[str, float], ...],
) -> tuple[tuple[str, float], ...]:
    """Check user weights and rescale them to sum to 1.

    Parameters
    ----------
    weights : iterable of (component, weight) or None
        ``None`` means ``default``. Components left out get weight 0.
    allowed : tuple of str
        Components valid for this score.
    default : tuple of (str, float)
        The default weights.

    Returns
    -------
    tuple of (str, float)
        Every allowed component with its weight, in ``allowed`` order, summing to 1.

    Raises
    ------
    ValueError
        Unknown component, negative or non-finite weight, or all weights zero.
    """
    given = dict(default) if weights is None else {}
    if weights is not None:
        for name, w in weights:
            if name not in allowed:
                raise ValueError(
                    f"unknown component {name!r}; expected one of {', '.join(allowed)}"
                )
            wf = float(w)
            if not math.isfinite(wf) or wf < 0:
                raise ValueError(f"weight of {name!r} must be a finite number >= 0")
            given[name] = given.get(name, 0.0) + wf
    total = sum(given.get(c, 0.0) for c in allowed)
    if total <= 0:
        raise ValueError("at least one weight must be above zero")
    return tuple((c, given.get(c, 0.0) / total) for c in allowed)


def compute_scaled(values: pd.Series, scaling: str) -> pd.Series:
    """Put one component on a 0-100 scale.

    Parameters
    ----------
    values : Series
        Component values; ``NaN`` means no data (kept as ``NaN``).
    scaling : {"log", "winsor", "share", "index_1_10"}
        See the module docstring.

    Returns
    -------
    Series of float
        0-100 (``NaN`` where the value is missing). When every value is the same the scaled
        value is 50: there is nothing to compare.
    """
    out = _scaled(_floats(values), scaling)
    return pd.Series(out, index=values.index, name=values.name)


def _floats(values: pd.Series) -> np.ndarray:
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        return values.to_numpy(dtype=float, na_value=np.nan)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _scaled(x: np.ndarray, scaling: str) -> np.ndarray:
    """:func:`compute_scaled` on a float array (``NaN`` = no data)."""
    if scaling == "share":
        return np.clip(x, 0, 1) * 100.0
    if scaling == "index_1_10":
        return (np.clip(x, 1, 10) - 1.0) / 9.0 * 100.0
    if scaling not in ("log", "winsor"):
        raise ValueError(f"unknown scaling {scaling!r}")
    if scaling == "log":
        x = np.log1p(np.clip(x, 0, None))
    present = x[~np.isnan(x)]
    if present.size == 0:
        return x
    lo = float(np.quantile(present, WINSOR_LOW))
    hi = float(present.max()) if scaling == "log" else float(np.quantile(present, WINSOR_HIGH))
    if not hi > lo:
        return np.where(np.isnan(x), x, 50.0)
    return (np.clip(x, lo, hi) - lo) / (hi - lo) * 100.0


def compute_confidence(
    incidents: pd.Series, mean_source_quality: pd.Series, available_weight: pd.Series
) -> pd.Series:
    """Confidence grade from the number of incidents, their source quality and data coverage.

    Returns
    -------
    Series of str
        ``high`` (at least 20 incidents, mean IOM source quality at least 3.5 of 5, and at
        least 80% of the weight in components with data), ``medium`` (at least 5, 2.5 and
        60%), otherwise ``low``.
    """
    grades = _confidence(
        _floats(incidents), _floats(mean_source_quality), _floats(available_weight)
    )
    return pd.Series(grades, index=incidents.index, dtype=object)


def _confidence(n: np.ndarray, q: np.ndarray, w: np.ndarray) -> np.ndarray:
    n, q, w = (np.nan_to_num(a, nan=0.0) for a in (n, q, w))
    high = (n >= HIGH_INCIDENTS) & (q >= HIGH_QUALITY) & (w >= HIGH_WEIGHT - 1e-9)
    medium = (n >= MEDIUM_INCIDENTS) & (q >= MEDIUM_QUALITY) & (w >= MEDIUM_WEIGHT - 1e-9)
    return np.where(high, "high", np.where(medium, "medium", "low")).astype(object)


def compute_scores(
    components: pd.DataFrame,
    weights: tuple[tuple[str, float], ...],
    evidence: tuple[tuple[str, float], ...] = (
        ("incidents", MIN_INCIDENTS),
        ("detections", MIN_DETECTIONS),
    ),
) -> pd.DataFrame:
    """Scale components, weight them into a 0-100 score, grade confidence and rank.

    Parameters
    ----------
    components : DataFrame
        One row per country: ``iso3``, ``incidents``, ``mean_source_quality`` and one column
        per weighted component (``NaN`` = no data).
    weights : tuple of (component, weight)
        Already normalised (see :func:`normalise_weights`); components with weight 0 are still
        scaled and returned but do not count.
    evidence : tuple of (column, minimum)
        A country is scored only if at least one of these columns reaches its minimum (and at
        least :data:`MIN_AVAILABLE_WEIGHT` of the weight has data).

    Returns
    -------
    DataFrame
        ``components`` plus, per component, ``c_<component>`` (0-100 scaled value) and
        ``contrib_<component>`` (points it adds to the score; they sum to ``score``), then
        ``available_weight`` (0-1), ``score`` (0-100, ``NaN`` if insufficient),
        ``insufficient_data`` (bool), ``confidence`` (``high``/``medium``/``low``),
        ``rank`` (Int64, 1 = highest score, ``NA`` if insufficient; ties share the best rank)
        and ``ranked_of`` (how many countries are ranked). Sorted by rank, then unranked
        countries by ``iso3``. The result does not depend on the input row order.
    """
    n = len(components)
    by_iso = np.argsort(components["iso3"].to_numpy(dtype=object), kind="stable")
    df = components.take(by_iso).reset_index(drop=True)
    names = [c for c, _ in weights]
    w = np.array([float(x) for _, x in weights])
    scaled = np.zeros((n, len(names)))
    present = np.zeros((n, len(names)), dtype=bool)
    new: dict[str, Any] = {}
    for j, name in enumerate(names):
        vals = _floats(df[name]) if name in df.columns else np.full(n, np.nan)
        c = _scaled(vals, COMPONENTS[name].scaling)
        new[f"c_{name}"] = c
        present[:, j] = ~np.isnan(c)
        scaled[:, j] = np.nan_to_num(c, nan=0.0)
    avail = (present * w).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        contrib = np.where(present, scaled * w, 0.0) / np.where(avail > 0, avail, np.nan)[:, None]
    new["available_weight"] = avail
    enough = np.zeros(n, dtype=bool)
    for col, minimum in evidence:
        if col in df.columns:
            enough |= np.nan_to_num(_floats(df[col]), nan=0.0) >= minimum
    insufficient = ~enough | (avail < MIN_AVAILABLE_WEIGHT - 1e-9)
    score = np.clip(np.nansum(contrib, axis=1), 0.0, 100.0)
    new["score"] = np.where(insufficient, np.nan, score)
    for j, name in enumerate(names):
        new[f"contrib_{name}"] = np.where(insufficient, np.nan, contrib[:, j])
    new["insufficient_data"] = insufficient
    inc = _floats(df["incidents"]) if "incidents" in df.columns else np.zeros(n)
    q = (
        _floats(df["mean_source_quality"])
        if "mean_source_quality" in df.columns
        else np.full(n, np.nan)
    )
    grades = np.where(insufficient, "low", _confidence(inc, q, avail)).astype(object)
    new["confidence"] = pd.Series(grades, index=df.index, dtype=object)
    # Round before ranking so float noise from the input order cannot split a tie.
    rounded = np.round(new["score"], 9)
    ranked = ~np.isnan(rounded)
    asc = np.sort(rounded[ranked])
    rank = np.zeros(n, dtype=np.int64)
    rank[ranked] = 1 + len(asc) - np.searchsorted(asc, rounded[ranked], side="right")
    new["rank"] = pd.array(np.where(ranked, rank, 0), dtype="Int64")
    new["rank"][~ranked] = pd.NA
    new["ranked_of"] = int(ranked.sum())
    order = np.lexsort((np.arange(n), np.where(ranked, rank, np.iinfo(np.int64).max)))
    for key, value in new.items():
        if key in df.columns:
            df[key] = value
    extra = pd.DataFrame({k: v for k, v in new.items() if k not in df.columns}, index=df.index)
    out = pd.concat([df, extra], axis=1) if len(extra.columns) else df
    return out.take(order).reset_index(drop=True)


def _fmt_value(name: str, value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "no data"
    if name in ("dead_and_missing", "detections", "detections_on_routes_crossing"):
        return f"{value:,.0f}"
    if name == "deaths_per_1000_detections":
        return f"{value:,.1f} per 1,000 detections"
    if name == "change_pct":
        return f"{value:+.0f}%"
    if name.startswith("share_"):
        return f"{100 * value:.0f}%"
    if name == "oc_human_smuggling":
        return f"{value:.1f}/10"
    return f"{value:,.2f}"


def why_rank(row: pd.Series) -> str:
    """One or two plain sentences on why a country ranks where it does.

    Parameters
    ----------
    row : Series
        A row of :func:`compute_scores` output with ``name`` (or ``iso3``).

    Returns
    -------
    str
        Which components add the most points to the score, with their values, and the
        confidence; or why the country is not ranked.
    """
    name = str(row.get("name") or row.get("iso3") or "This country")
    if bool(row.get("insufficient_data", False)) or pd.isna(row.get("score")):
        inc = int(row.get("incidents", 0) or 0)
        det = row.get("detections", row.get("detections_on_routes_crossing", np.nan))
        det_txt = "no" if det is None or pd.isna(det) else f"{float(det):,.0f}"
        return (
            f"{name} is not ranked: too little data to compare ({inc} incidents and {det_txt} "
            f"detections in the period, or too few components with data)."
        )
    contribs = {
        k[len("contrib_") :]: float(v)
        for k, v in row.items()
        if isinstance(k, str) and k.startswith("contrib_") and pd.notna(v) and float(v) > 0
    }
    top = sorted(contribs.items(), key=lambda kv: (-kv[1], kv[0]))[:2]
    rank = row.get("rank")
    of = row.get("ranked_of")
    where = f"ranks {int(rank)}" + (f" of {int(of)}" if of is not None and pd.notna(of) else "")
    if not top:
        return f"{name} {where} with a score of {float(row['score']):.0f}/100."
    parts = [
        f"its {COMPONENTS[c].label} ({_fmt_value(c, row.get(c, np.nan))}, "
        f"{float(row.get(f'c_{c}', np.nan)):.0f}/100 on the scale)"
        for c, _ in top
    ]
    share = sum(v for _, v in top) / max(float(row["score"]), 1e-9)
    drivers = " and ".join(parts)
    return (
        f"{name} {where} (score {float(row['score']):.0f}/100) mainly because of {drivers}, "
        f"which give {min(share, 1.0):.0%} of its score. Confidence is "
        f"{row.get('confidence', 'low')}."
    )
