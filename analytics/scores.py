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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

import i18n
from analytics.catalogue import NO_DATA, measure, pct_text, plain_number, source_name
from i18n import N_, _


@dataclass(frozen=True)
class Component:
    """How one component is labelled and scaled; its unit and sources are its catalogue
    measure's (:mod:`analytics.catalogue`), so they are defined once."""

    #: The label in English (marked for translation); :attr:`label` is it in the current language.
    english: str
    measure_id: str
    scaling: str  # "log" | "winsor" | "share" | "index_1_10"

    @property
    def label(self) -> str:
        return _(self.english)

    @property
    def unit(self) -> str:
        return measure(self.measure_id).unit

    @property
    def source(self) -> str:
        names = [source_name(k) for k in measure(self.measure_id).sources]
        text = names[0]
        for name in names[1:]:
            text = _("{first} and {second}").format(first=text, second=name)
        return text


COMPONENTS: Mapping[str, Component] = MappingProxyType(
    {
        "dead_and_missing": Component(N_("dead and missing"), "dead_and_missing", "log"),
        "detections": Component(N_("detections of its nationals"), "origin_detections", "log"),
        "deaths_per_1000_detections": Component(
            N_("deaths per 1,000 detections"), "deaths_per_1000_detections", "log"
        ),
        "change_pct": Component(N_("change against the previous period"), "change_pct", "winsor"),
        "share_children": Component(
            N_("share of children among victims"), "share_children", "share"
        ),
        "share_women": Component(
            N_("share of women and girls among victims"), "share_women", "share"
        ),
        "share_violence": Component(N_("share of deaths from violence"), "share_violence", "share"),
        "detections_on_routes_crossing": Component(
            N_("detections on routes crossing it"), "detections_on_routes_crossing", "log"
        ),
        "oc_human_smuggling": Component(
            N_("Organized Crime Index human-smuggling score"), "oc_human_smuggling", "index_1_10"
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

# Scope: "europe" keeps the incidents on routes towards Europe, where Frontex, IOM and UNHCR
# all report (the routes with a Frontex detection series, plus IOM's Belarus-EU border, which
# Frontex counts in its Eastern Borders route); "world" keeps every route, scored on IOM and
# the OC Index alone (Frontex does not speak there, so its components have no data and their
# weight goes to the others). See docs/methodology.md, "Scope".
SCOPES: tuple[str, ...] = ("europe", "world")
DEFAULT_SCOPE = "europe"
SCOPE_LABELS: Mapping[str, str] = MappingProxyType(
    {"europe": N_("routes towards Europe"), "world": N_("all routes worldwide")}
)
EUROPE_EXTRA_ROUTES: tuple[str, ...] = ("belarus_eu_border",)
FRONTEX_COMPONENTS: tuple[str, ...] = (
    "detections",
    "deaths_per_1000_detections",
    "detections_on_routes_crossing",
)
# Variant: "robust" scores the death components on capped incidents and shrunk rates
# (analytics.robust); "raw" on the recorded counts.
VARIANTS: tuple[str, ...] = ("robust", "raw")
DEFAULT_VARIANT = "robust"
VARIANT_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "robust": N_("robust (each incident capped, rates shrunk)"),
        "raw": N_("raw counts"),
    }
)
# The column each component reads in the robust variant (the others read their own name).
ROBUST_COLUMNS: Mapping[str, str] = MappingProxyType(
    {
        "dead_and_missing": "dead_and_missing_capped",
        "change_pct": "change_pct_capped",
        "deaths_per_1000_detections": "deaths_per_1000_detections_shrunk",
    }
)

WINSOR_LOW = 0.05
WINSOR_HIGH = 0.95
# A country needs this share of the total weight in components with data to get a score.
MIN_AVAILABLE_WEIGHT = 0.5
# Evidence needed to be scored: at least this many incidents, or this many detections.
MIN_INCIDENTS = 5
MIN_DETECTIONS = 500
#: Confidence grades as a reader sees them (shown as ``_(CONFIDENCE_LABELS[grade])``).
CONFIDENCE_LABELS: Mapping[str, str] = MappingProxyType(
    {"high": N_("high"), "medium": N_("medium"), "low": N_("low")}
)
# Confidence grades (see docs/methodology.md).
HIGH_INCIDENTS, HIGH_QUALITY, HIGH_WEIGHT = 20, 3.5, 0.8
MEDIUM_INCIDENTS, MEDIUM_QUALITY, MEDIUM_WEIGHT = 5, 2.5, 0.6


def check_scope(scope: str) -> str:
    """``scope`` if it is one of :data:`SCOPES`, else ``ValueError``."""
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {', '.join(SCOPES)}, got {scope!r}")
    return scope


def check_variant(variant: str) -> str:
    """``variant`` if it is one of :data:`VARIANTS`, else ``ValueError``."""
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {', '.join(VARIANTS)}, got {variant!r}")
    return variant


def scope_for(routes: pd.DataFrame, chosen: Sequence[str]) -> str:
    """The scope that scores every route chosen in the filters: :data:`DEFAULT_SCOPE` (routes
    towards Europe) unless a chosen route lies outside it, then ``"world"``.

    Scoring the US-Mexico border in the Europe scope has nothing to rank (the pack and the
    Risk page failed with "none of the routes chosen is in the scope"); a reader who picks a
    route outside Europe wants that route scored, on IOM and the OC Index.
    """
    keep = scope_routes(routes, DEFAULT_SCOPE)
    if keep is None or all(r in keep for r in chosen):
        return DEFAULT_SCOPE
    return "world"


def routes_outside(routes: pd.DataFrame, chosen: Sequence[str], scope: str) -> tuple[str, ...]:
    """The routes of ``chosen`` that ``scope`` leaves out (empty for ``"world"``)."""
    keep = scope_routes(routes, scope)
    return () if keep is None else tuple(r for r in chosen if r not in keep)


def scope_routes(routes: pd.DataFrame, scope: str) -> tuple[str, ...] | None:
    """The routes a scope keeps.

    Parameters
    ----------
    routes : DataFrame
        The route reference table: ``route_id`` and ``frontex`` (bool, a Frontex series).
    scope : {"europe", "world"}

    Returns
    -------
    tuple of str or None
        ``None`` for ``world`` (every route, unclassified incidents included); for ``europe``
        the routes with a Frontex series plus :data:`EUROPE_EXTRA_ROUTES`, sorted.
    """
    if check_scope(scope) == "world":
        return None
    # On lists: the Risk page asks three times a rerun, and a masked .loc on the route table
    # cost several times the whole lookup.
    ids = routes["route_id"].astype(str).tolist()
    flags = routes["frontex"].astype(bool).tolist()
    fx = [r for r, on in zip(ids, flags, strict=True) if on]
    known = set(ids)
    return tuple(sorted(set(fx) | {r for r in EUROPE_EXTRA_ROUTES if r in known}))


def scope_components(allowed: tuple[str, ...], scope: str) -> tuple[str, ...]:
    """The components of ``allowed`` that have data in ``scope`` (no Frontex in ``world``)."""
    if check_scope(scope) == "world":
        return tuple(c for c in allowed if c not in FRONTEX_COMPONENTS)
    return allowed


def scope_weights(
    weights: tuple[tuple[str, float], ...], scope: str
) -> tuple[tuple[str, float], ...]:
    """Normalised weights with the components that have no data in ``scope`` at 0.

    Raises
    ------
    ValueError
        When every component left has weight 0.
    """
    live = set(scope_components(tuple(c for c, _ in weights), scope))
    kept = tuple((c, w if c in live else 0.0) for c, w in weights)
    total = sum(w for _, w in kept)
    if total <= 0:
        raise ValueError(
            f"every component with data in the scope {SCOPE_LABELS[scope]!r} has weight 0; "
            "give one of them a weight above zero"
        )
    return tuple((c, w / total) for c, w in kept)


def describe_settings(
    scope: str | None,
    variant: str | None,
    weights: Iterable[tuple[str, float]] | None = None,
) -> str:
    """The scope, variant and weights a ranking used, in one plain sentence for captions,
    slides and the command line.

    Parameters
    ----------
    scope, variant : str or None
        As given to the risk tables (``None``: not said).
    weights : iterable of (component, weight), optional
        The weights as chosen (rescaled here to sum to 1); components without data in
        ``scope`` are said to be so.

    Returns
    -------
    str
        E.g. ``"Scope: routes towards Europe. Scores: raw counts. Weights: dead and missing
        0.50, Organized Crime Index human-smuggling score 0.50."``
    """
    parts = []
    if scope is not None and scope in SCOPE_LABELS:
        parts.append(_("Scope: {scope}.").format(scope=_(SCOPE_LABELS[scope])))
    if variant is not None and variant in VARIANT_LABELS:
        parts.append(_("Scores: {variant}.").format(variant=_(VARIANT_LABELS[variant])))
    if weights is not None:
        given = [(c, float(w)) for c, w in weights]
        live = set(scope_components(tuple(c for c, _ in given), scope)) if scope in SCOPES else None
        total = sum(w for c, w in given if live is None or c in live)
        items = []
        for c, w in given:
            label = COMPONENTS[c].label if c in COMPONENTS else c
            if live is not None and c not in live:
                items.append(_("{label} no data in this scope").format(label=label))
            else:
                weight = plain_number(w / total if total > 0 else 0.0, 2)
                items.append(_("{label} {weight}").format(label=label, weight=weight))
        parts.append(_("Weights: {items}.").format(items=", ".join(items)))
    return " ".join(parts)


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
    columns: Mapping[str, str] | None = None,
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
    columns : mapping, optional
        Component -> the column holding its values (default: the component's own name), e.g.
        :data:`ROBUST_COLUMNS` for the robust variant; ``c_*`` and ``contrib_*`` keep the
        component's name.

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
    scaled, avail, contrib, insufficient, score = _score_arrays(df, weights, evidence, columns)
    new: dict[str, Any] = {f"c_{name}": scaled[:, j] for j, name in enumerate(names)}
    new["available_weight"] = avail
    new["score"] = score
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
    rank, ranked = _ranks(score)
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


def _score_arrays(
    df: pd.DataFrame,
    weights: tuple[tuple[str, float], ...],
    evidence: tuple[tuple[str, float], ...],
    columns: Mapping[str, str] | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Scaled components, available weight, points, insufficient flag and score (``NaN`` if
    insufficient), in ``df``'s row order (:func:`compute_scores` without the frame)."""
    n = len(df)
    names = [c for c, _ in weights]
    w = np.array([float(x) for _, x in weights])
    scaled = np.full((n, len(names)), np.nan)
    for j, name in enumerate(names):
        src = (columns or {}).get(name, name)
        vals = _floats(df[src]) if src in df.columns else np.full(n, np.nan)
        scaled[:, j] = _scaled(vals, COMPONENTS[name].scaling)
    present = ~np.isnan(scaled)
    avail = (present * w).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        contrib = (
            np.where(present, np.nan_to_num(scaled, nan=0.0) * w, 0.0)
            / np.where(avail > 0, avail, np.nan)[:, None]
        )
    enough = np.zeros(n, dtype=bool)
    for col, minimum in evidence:
        if col in df.columns:
            enough |= np.nan_to_num(_floats(df[col]), nan=0.0) >= minimum
    insufficient = ~enough | (avail < MIN_AVAILABLE_WEIGHT - 1e-9)
    score = np.where(insufficient, np.nan, np.clip(np.nansum(contrib, axis=1), 0.0, 100.0))
    return scaled, avail, contrib, insufficient, score


def _ranks(score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rank (1 = highest; ties share the best rank) and whether each score is ranked."""
    # Round before ranking so float noise from the input order cannot split a tie.
    rounded = np.round(score, 9)
    ranked = ~np.isnan(rounded)
    asc = np.sort(rounded[ranked])
    rank = np.zeros(len(score), dtype=np.int64)
    rank[ranked] = 1 + len(asc) - np.searchsorted(asc, rounded[ranked], side="right")
    return rank, ranked


def compute_ranks(
    components: pd.DataFrame,
    weights: tuple[tuple[str, float], ...],
    evidence: tuple[tuple[str, float], ...] = (
        ("incidents", MIN_INCIDENTS),
        ("detections", MIN_DETECTIONS),
    ),
    columns: Mapping[str, str] | None = None,
) -> tuple[np.ndarray, pd.api.extensions.ExtensionArray]:
    """The ``score`` and ``rank`` of :func:`compute_scores`, in ``components``' row order,
    without building its table (for the variant a page does not show).

    Returns
    -------
    (ndarray of float, Int64 array)
        Score 0-100 (``NaN`` if insufficient) and rank (``NA`` if insufficient).
    """
    *_, score = _score_arrays(components, weights, evidence, columns)
    rank, ranked = _ranks(score)
    out = pd.array(np.where(ranked, rank, 0), dtype="Int64")
    out[~ranked] = pd.NA
    return score, out


def _fmt_value(name: str, value: float) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return _(NO_DATA)
    if name in ("dead_and_missing", "detections", "detections_on_routes_crossing"):
        return i18n.fmt_number(value)
    if name == "deaths_per_1000_detections":
        return _("{rate} per 1,000 detections").format(rate=i18n.fmt_number(value, 1))
    if name == "change_pct":
        return pct_text(value, signed=True)
    if name.startswith("share_"):
        return pct_text(100 * value)
    if name == "oc_human_smuggling":
        return f"{plain_number(value, 1)}/10"
    return i18n.fmt_number(value, 2)


def _day(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return _("date unknown")
    return i18n.fmt_date(pd.Timestamp(value).date())


def driven_text(row: Mapping[str, Any]) -> str:
    """``"driven by one incident (646 of its 700 dead and missing, 14 June 2023)"``, or ``""``
    when the country's largest incident gives less than the threshold share."""
    if not bool(row.get("driven_by_one_incident", False)):
        return ""
    largest = row.get("largest_incident_dead_and_missing")
    total = row.get("dead_and_missing")
    if largest is None or pd.isna(largest) or total is None or pd.isna(total):
        return _("driven by one incident")
    return _("driven by one incident ({largest} of its {total} dead and missing, {day})").format(
        largest=i18n.fmt_number(float(largest)),
        total=i18n.fmt_number(float(total)),
        day=_day(row.get("largest_incident_date")),
    )


def _moved(row: Mapping[str, Any], rank: Any) -> tuple[str, bool]:
    """What moved between the robust and the raw rank (``""`` when nothing did), and whether
    the text names the one incident that moved it."""
    variant = row.get("variant")
    other_col = "rank_raw" if variant == "robust" else "rank_robust"
    other = row.get(other_col)
    if variant not in VARIANTS or other is None or pd.isna(other) or int(other) == int(rank):
        return "", False
    share = row.get("largest_incident_share")
    by_one = bool(row.get("driven_by_one_incident", False)) and share is not None
    by_one = by_one and bool(pd.notna(share))
    if by_one:
        why = _(", because one incident ({n} dead and missing, {day}) gives {share} of its total")
        why = why.format(
            n=i18n.fmt_number(float(row.get("largest_incident_dead_and_missing") or 0)),
            day=_day(row.get("largest_incident_date")),
            share=pct_text(100 * float(share)),  # type: ignore[arg-type]
        )
    else:
        why = _(
            ", because capping the largest incidents and shrinking rates on few detections "
            "changes how it compares"
        )
    text = (
        _(" It ranks {rank} (robust); {other} on raw counts{why}.")
        if variant == "robust"
        else _(" It ranks {rank} (raw counts); {other} on the robust scores{why}.")
    )
    return text.format(rank=int(rank), other=int(other), why=why), by_one


def why_rank(row: Mapping[str, Any]) -> str:
    """One to three plain sentences on why a country ranks where it does.

    Parameters
    ----------
    row : mapping
        A row of :func:`compute_scores` output with ``name`` (or ``iso3``); when present,
        ``variant``, ``rank_raw`` / ``rank_robust`` and the incident profile of
        :func:`analytics.robust.compute_incident_profile` add what moved between the robust
        and the raw rank and whether one incident drives the country's dead and missing.

    Returns
    -------
    str
        Which components add the most points to the score, with their values, and the
        confidence; what moved between variants; "driven by one incident" where it is; or why
        the country is not ranked.
    """
    name = str(row.get("name") or row.get("iso3") or _("This country"))
    driven = driven_text(row)
    driven_tail = _(" Its dead and missing are {driven}.").format(driven=driven) if driven else ""
    if bool(row.get("insufficient_data", False)) or pd.isna(row.get("score")):
        inc = int(row.get("incidents", 0) or 0)
        det = row.get("detections", row.get("detections_on_routes_crossing", np.nan))
        if det is None or pd.isna(det):
            text = _(
                "{name} is not ranked: too little data to compare ({inc} incidents and no "
                "detections in the period, or too few components with data)."
            )
        else:
            text = _(
                "{name} is not ranked: too little data to compare ({inc} incidents and {det} "
                "detections in the period, or too few components with data)."
            )
        det_txt = "" if det is None or pd.isna(det) else i18n.fmt_number(float(det))
        return text.format(name=name, inc=inc, det=det_txt) + driven_tail
    contribs = {
        k[len("contrib_") :]: float(v)
        for k, v in row.items()
        if isinstance(k, str) and k.startswith("contrib_") and pd.notna(v) and float(v) > 0
    }
    top = sorted(contribs.items(), key=lambda kv: (-kv[1], kv[0]))[:2]
    rank: Any = row.get("rank")
    of = row.get("ranked_of")
    where = (
        _("ranks {rank} of {of}").format(rank=int(rank), of=int(of))
        if of is not None and pd.notna(of)
        else _("ranks {rank}").format(rank=int(rank))
    )
    moved, by_one = _moved(row, rank)
    if driven and by_one:
        driven = _("driven by one incident")
    tail = moved + (
        _(" Its dead and missing are {driven}.").format(driven=driven) if driven else ""
    )
    score = plain_number(float(row["score"]))
    if not top:
        return (
            _("{name} {where} with a score of {score}/100.").format(
                name=name, where=where, score=score
            )
            + tail
        )
    robust = row.get("variant") == "robust"
    parts = []
    for c, _w in top:
        value = _fmt_value(c, row.get(c, np.nan))
        if robust and c in ROBUST_COLUMNS and ROBUST_COLUMNS[c] in row:
            value = _("{robust} robust, {raw} raw").format(
                robust=_fmt_value(c, row.get(ROBUST_COLUMNS[c], np.nan)), raw=value
            )
        parts.append(
            _("its {label} ({value}, {scaled}/100 on the scale)").format(
                label=COMPONENTS[c].label,
                value=value,
                scaled=plain_number(float(row.get(f"c_{c}", np.nan))),
            )
        )
    share = sum(v for _, v in top) / max(float(row["score"]), 1e-9)
    drivers = parts[0]
    for part in parts[1:]:
        drivers = _("{first} and {second}").format(first=drivers, second=part)
    grade = str(row.get("confidence", "low"))
    return (
        _(
            "{name} {where} (score {score}/100) mainly because of {drivers}, which give "
            "{share} of its score. Confidence is {confidence}."
        ).format(
            name=name,
            where=where,
            score=score,
            drivers=drivers,
            share=pct_text(100 * min(share, 1.0)),
            confidence=_(CONFIDENCE_LABELS.get(grade, grade)),
        )
        + tail
    )
