"""Risk measures: route lethality and the components of origin and transit risk.

Pure functions over small aggregate frames (the output of :mod:`data.risk_queries`): no I/O,
no database, no Streamlit. Deaths (IOM Missing Migrants Project, minimum estimates), detections
(Frontex, events not persons) and index scores (GI-TOC, 1-10) stay in separate columns and are
never added together; the only thing that combines two measures is a ratio
(``deaths_per_1000_detections``) or, in :mod:`analytics.scores`, a weighted mean of 0-100 ranks.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

import i18n
from analytics.catalogue import (
    MIN_DETECTIONS_FOR_RATE,
    MIN_KNOWN_FOR_SHARE,
    MIN_PREVIOUS_FOR_CHANGE,
    pct_text,
)

# The thresholds are the catalogue's (one definition each).


# The frames here have a few hundred rows, where each pandas operation costs far more than its
# arithmetic; the functions work on numpy arrays and build each result frame once.


def _floats(values: pd.Series) -> np.ndarray:
    """Values as floats, ``NaN`` where missing or not a number."""
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        return values.to_numpy(dtype=float, na_value=np.nan)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _lookup(keys: np.ndarray, frame: pd.DataFrame, key: str) -> np.ndarray:
    """Row of ``frame`` for each key (by column ``key``, unique), ``-1`` where absent."""
    if frame.empty:
        return np.full(len(keys), -1, dtype=np.intp)
    return pd.Index(frame[key]).get_indexer(keys)


def _pick(values: np.ndarray, pos: np.ndarray, fill: float = np.nan) -> np.ndarray:
    """``values[pos]`` with ``fill`` where ``pos`` is -1."""
    v = np.asarray(values, dtype=float)
    out = np.full(len(pos), fill, dtype=float)
    hit = pos >= 0
    out[hit] = v[pos[hit]]
    return out


def _name(a: pd.Series, b: pd.Series) -> object:
    # The name pandas gives the result of arithmetic between two Series.
    return a.name if a.name == b.name else None


def compute_rate(
    numerator: pd.Series, denominator: pd.Series, scale: float, min_denominator: float = 0
) -> pd.Series:
    """``scale * numerator / denominator``: the one rate formula of the catalogue's ratios
    (per 1,000 detections, per 1,000 sea arrivals, detections per arrival).

    ``NaN`` where either value is missing or the denominator is below
    ``max(min_denominator, 1)``.
    """
    num, den = _floats(numerator), _floats(denominator)
    ok = ~np.isnan(den) & ~np.isnan(num) & (den >= max(min_denominator, 1))
    out = np.full(len(num), np.nan)
    out[ok] = scale * num[ok] / den[ok]
    return pd.Series(out, index=numerator.index, name=_name(numerator, denominator))


def compute_lethality(
    dead_and_missing: pd.Series, detections: pd.Series, min_detections: int = 0
) -> pd.Series:
    """Dead and missing per 1,000 detections.

    Parameters
    ----------
    dead_and_missing : Series
        Persons recorded dead or missing (IOM).
    detections : Series
        Detections of irregular border crossings (Frontex), aligned with ``dead_and_missing``.
    min_detections : int
        Detections needed for the ratio to be defined (at least 1 in every case).

    Returns
    -------
    Series of float
        ``1000 * dead_and_missing / detections`` (persons per 1,000 detections); ``NaN`` where
        either value is missing or ``detections`` is below ``max(min_detections, 1)``.
    """
    return compute_rate(dead_and_missing, detections, 1000.0, min_detections)


def compute_share(part: object, total: object) -> float:
    """``part / total`` as a 0-1 share (``NaN`` when the total is missing or not positive)."""
    try:
        p, t = float(part), float(total)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return p / t if t > 0 and not math.isnan(p) else math.nan


def compute_change_pct(
    current: pd.Series, previous: pd.Series, min_previous: float = 0
) -> pd.Series:
    """Percentage change from ``previous`` to ``current``.

    Parameters
    ----------
    min_previous : float
        Smallest ``previous`` value for which a change is computed (always above zero).

    Returns
    -------
    Series of float
        ``100 * (current - previous) / previous`` (percent); ``NaN`` where ``previous`` is
        missing, zero or below ``min_previous`` (a change from nothing has no percentage).
    """
    cur, prev = _floats(current), _floats(previous)
    ok = ~np.isnan(prev) & (prev > 0) & (prev >= min_previous) & ~np.isnan(cur)
    out = np.full(len(cur), np.nan)
    out[ok] = 100.0 * (cur[ok] - prev[ok]) / prev[ok]
    return pd.Series(out, index=current.index, name=_name(current, previous))


def compute_route_risk(
    routes: pd.DataFrame,
    incident_totals: pd.DataFrame,
    detection_totals: pd.DataFrame,
    detection_source_loaded: bool = True,
    detections_in_incident_months: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Deaths, detections and lethality per canonical route.

    Parameters
    ----------
    routes : DataFrame
        The route reference: ``route_id``, ``name``, ``colour``, ``frontex`` (bool: Frontex
        publishes a series), ``mmp`` (bool: IOM uses the route).
    incident_totals : DataFrame
        ``route_id``, ``incidents``, ``dead_and_missing``, ``multi_route_incidents``,
        ``dead_and_missing_in_detection_months`` (see
        :func:`data.risk_queries.query_route_incident_totals`).
    detection_totals : DataFrame
        ``route_id``, ``detections``.
    detection_source_loaded : bool
        ``False`` when no Frontex file is loaded: every route then has no detection series.
    detections_in_incident_months : DataFrame, optional
        ``route_id``, ``detections`` in the months the IOM vintage covers: the lethality
        denominator (the catalogue's rule: only months both sources cover). Default
        ``detection_totals`` (when the period lies inside IOM's span they are the same).

    Returns
    -------
    DataFrame
        One row per route in ``routes``: ``route_id``, ``name``, ``colour``, ``incidents``
        (count), ``dead_and_missing`` (persons, IOM minimum estimates; an incident with several
        route labels counts on each), ``multi_route_incidents`` (how many of the route's
        incidents carry several labels), ``detections`` (Frontex events; ``NaN`` where Frontex
        has no series for the route), ``dead_and_missing_in_detection_months`` (persons, the
        lethality numerator: incidents dated in months Frontex covers),
        ``detections_in_incident_months`` (events, the lethality denominator: detections in
        months the IOM vintage covers), ``deaths_per_1000_detections`` (persons per 1,000 detections; ``NaN`` unless the route
        has both series and at least one detection), ``has_both_series`` (bool). Sorted by
        ``dead_and_missing`` descending, the unclassified route last, then ``route_id``.
    """
    ids = routes["route_id"].to_numpy(dtype=object)
    pos = _lookup(ids, incident_totals, "route_id")
    cols = {}
    for col in (
        "incidents",
        "dead_and_missing",
        "multi_route_incidents",
        "dead_and_missing_in_detection_months",
    ):
        if col in incident_totals:
            vals = _pick(_floats(incident_totals[col]), pos)
            cols[col] = np.nan_to_num(vals, nan=0.0).astype(np.int64)
        else:
            cols[col] = np.zeros(len(ids), dtype=np.int64)
    has_fx = routes["frontex"].astype(bool).to_numpy() & bool(detection_source_loaded)
    if len(detection_totals):
        fx = _pick(
            _floats(detection_totals["detections"]), _lookup(ids, detection_totals, "route_id")
        )
    else:
        fx = np.full(len(ids), np.nan)
    detections = np.where(has_fx, np.nan_to_num(fx, nan=0.0), np.nan)
    both = has_fx & routes["mmp"].astype(bool).to_numpy()
    numerator = cols["dead_and_missing_in_detection_months"].astype(float)
    denominator = detections
    if detections_in_incident_months is not None:
        den = _pick(
            _floats(detections_in_incident_months["detections"]),
            _lookup(ids, detections_in_incident_months, "route_id"),
        )
        denominator = np.where(has_fx, np.nan_to_num(den, nan=0.0), np.nan)
    # The one formula (compute_lethality), with its threshold; undefined where not both.
    lethality = compute_lethality(
        pd.Series(np.where(both, numerator, np.nan)),
        pd.Series(denominator),
        min_detections=MIN_DETECTIONS_FOR_RATE,
    ).to_numpy()
    # Deadliest first, the unclassified route last, then route_id (a total order).
    dm = cols["dead_and_missing"]
    order = np.array(
        sorted(range(len(ids)), key=lambda i: (ids[i] == "unclassified", -dm[i], ids[i])),
        dtype=np.intp,
    )
    return pd.DataFrame(
        {
            "route_id": routes["route_id"].array.take(order),
            "name": routes["name"].array.take(order),
            "colour": routes["colour"].array.take(order),
            **{c: v[order] for c, v in cols.items()},
            "detections": detections[order],
            "detections_in_incident_months": denominator[order],
            "has_both_series": both[order],
            "deaths_per_1000_detections": lethality[order],
        }
    )


def compute_route_series(
    monthly: pd.DataFrame,
    has_detection_series: bool,
    incident_span: tuple[dt.date | None, dt.date | None] = (None, None),
) -> pd.DataFrame:
    """Monthly lethality series of one route.

    Parameters
    ----------
    monthly : DataFrame
        ``month``, ``incidents``, ``dead_and_missing``, ``detections`` (missing where Frontex
        has no figure), as from :func:`data.risk_queries.query_route_monthly`.
    has_detection_series : bool
        Whether Frontex publishes a series for the route at all.
    incident_span : (date, date)
        First and last day the IOM vintage covers: months outside it have no incident
        figures (``NaN``, not 0), so a series starts where its source starts.

    Returns
    -------
    DataFrame
        ``period`` (date, first day of the month), ``incidents`` (count; ``NaN`` outside the
        IOM span), ``dead_and_missing`` (persons; ``NaN`` outside the IOM span),
        ``detections`` (events; ``NaN`` where Frontex has no figure),
        ``deaths_per_1000_detections`` (persons per 1,000 detections; ``NaN`` where not
        both). Sorted by ``period``.
    """
    df = monthly.rename(columns={"month": "period"}).sort_values("period").reset_index(drop=True)
    det = pd.to_numeric(df["detections"], errors="coerce").astype(float)
    df["detections"] = det if has_detection_series else np.nan
    dm = df["dead_and_missing"].astype("float64")
    n = df["incidents"].astype("float64")
    lo, hi = incident_span
    if lo is not None and hi is not None and len(df):
        months = pd.to_datetime(df["period"]).dt.date
        first = lo.replace(day=1)
        outside = np.array([m < first or m > hi for m in months], dtype=bool)
        dm[outside] = np.nan
        n[outside] = np.nan
    df["dead_and_missing"] = dm
    df["incidents"] = n
    df["deaths_per_1000_detections"] = compute_lethality(df["dead_and_missing"], df["detections"])
    return df[
        ["period", "incidents", "dead_and_missing", "detections", "deaths_per_1000_detections"]
    ]


def compute_lethality_by_year(monthly: pd.DataFrame) -> pd.DataFrame:
    """Dead and missing per 1,000 detections by year, over the months both sources cover.

    Parameters
    ----------
    monthly : DataFrame
        :func:`compute_route_series` output: ``period``, ``dead_and_missing`` (``NaN`` outside
        the IOM span) and ``detections`` (``NaN`` outside Frontex's).

    Returns
    -------
    DataFrame
        ``year``, ``months`` (months with both figures), ``dead_and_missing`` and
        ``detections`` in those months only, ``deaths_per_1000_detections`` (by
        :func:`compute_lethality`, ``NaN`` below the catalogue's minimum detections). Years
        with no month of both are left out: a series starts where both sources start.
    """
    cols = ["year", "months", "dead_and_missing", "detections", "deaths_per_1000_detections"]
    if monthly.empty or "detections" not in monthly.columns:
        return pd.DataFrame(columns=cols)
    dm = pd.to_numeric(monthly["dead_and_missing"], errors="coerce")
    det = pd.to_numeric(monthly["detections"], errors="coerce")
    both = dm.notna() & det.notna()
    if not both.any():
        return pd.DataFrame(columns=cols)
    df = pd.DataFrame(
        {
            "year": pd.to_datetime(monthly.loc[both, "period"]).dt.year,
            "dead_and_missing": dm[both].astype("float64"),
            "detections": det[both].astype("float64"),
        }
    )
    out = df.groupby("year", as_index=False).agg(
        months=("year", "size"),
        dead_and_missing=("dead_and_missing", "sum"),
        detections=("detections", "sum"),
    )
    out["dead_and_missing"] = out["dead_and_missing"].round().astype("int64")
    out["detections"] = out["detections"].round().astype("int64")
    out["deaths_per_1000_detections"] = compute_lethality(
        out["dead_and_missing"], out["detections"], min_detections=MIN_DETECTIONS_FOR_RATE
    )
    return out[cols].reset_index(drop=True)


def compute_top_routes(
    by_route: pd.DataFrame,
    value: str,
    route_names: pd.Series,
    n: int = 3,
    label: str = "",
) -> pd.DataFrame:
    """The main routes of each country, as one readable string.

    Parameters
    ----------
    by_route : DataFrame
        ``iso3``, ``route_id`` and the column named by ``value``.
    value : str
        Column to rank routes by (for example ``detections``).
    route_names : Series
        Route display names indexed by ``route_id``.
    n : int
        How many routes to name.
    label : str
        Appended in brackets to say what the shares are of (for example
        ``"of Frontex detections"``).

    Returns
    -------
    DataFrame
        ``iso3``, ``top_routes`` (e.g. ``"Central Mediterranean 62%, Western Balkans 20% (of
        Frontex detections)"``; shares of the country's total over its routes). Countries whose
        total is zero are left out.
    """
    if by_route.empty:
        return pd.DataFrame(
            {"iso3": pd.Series(dtype=object), "top_routes": pd.Series(dtype=object)}
        )
    values = np.nan_to_num(_floats(by_route[value]), nan=0.0)
    groups: dict[str, list[tuple[float, str]]] = {}
    for iso3, route_id, x in zip(
        by_route["iso3"].tolist(), by_route["route_id"].tolist(), values, strict=True
    ):
        if x > 0:
            groups.setdefault(iso3, []).append((float(x), route_id))
    names = route_names.to_dict()
    suffix = f" ({label})" if label else ""
    keys, texts = [], []
    for iso3 in sorted(groups):
        items = groups[iso3]
        total = math.fsum(x for x, _ in items)
        items.sort(key=lambda t: (-t[0], t[1]))
        parts = []
        for x, route_id in items[:n]:
            name = names.get(route_id)
            name = route_id if name is None or name != name else name
            parts.append(f"{i18n.route_name(str(name))} {pct_text(round(100 * (x / total)))}")
        keys.append(iso3)
        texts.append(", ".join(parts) + suffix)
    return pd.DataFrame(
        {
            "iso3": pd.Series(keys, dtype=by_route["iso3"].dtype),
            "top_routes": pd.Series(texts, dtype="str"),
        }
    )


def compute_origin_components(
    current: pd.DataFrame,
    previous: pd.DataFrame | None,
    detections: pd.DataFrame,
    oc_index: pd.DataFrame,
    min_detections_for_rate: int = MIN_DETECTIONS_FOR_RATE,
    min_known_for_share: float = MIN_KNOWN_FOR_SHARE,
    min_previous_for_change: float = MIN_PREVIOUS_FOR_CHANGE,
) -> pd.DataFrame:
    """Components of origin risk, one row per country of origin.

    Parameters
    ----------
    current, previous : DataFrame
        Per-origin incident aggregates for the period and for the previous period of equal
        length (``previous`` may be ``None`` for an open-ended period), as from
        ``current`` / ``previous`` of :class:`data.risk_queries.OriginIncidents`.
    detections : DataFrame
        ``iso3``, ``route_id``, ``detections`` (Frontex detections by nationality and route).
    oc_index : DataFrame
        ``iso3``, ``value`` (GI-TOC human-smuggling score, 1-10).
    min_detections_for_rate : int
        Detections needed before ``deaths_per_1000_detections`` is defined.
    min_known_for_share : float
        Victims with the attribute recorded needed before a share is defined.
    min_previous_for_change : float
        Dead and missing needed in the previous period before ``change_pct`` is defined.

    Returns
    -------
    DataFrame
        One row per country with incidents or detections, sorted by ``iso3``: ``iso3``,
        ``incidents`` (count of incidents listing the country), ``split_incidents`` (of which
        listed several origins and were split evenly), ``dead_and_missing`` (persons,
        fractional), ``dead_and_missing_previous`` (persons, previous period),
        ``change_pct`` (percent, ``NaN`` if the previous period had fewer than
        ``min_previous_for_change``),
        ``detections`` (Frontex events of the country's nationals; ``NaN`` where none is
        recorded), ``dead_and_missing_frontex_routes`` (persons on routes with a Frontex
        series), ``deaths_per_1000_detections`` (persons per 1,000 detections on those routes),
        ``share_children`` (children / dead and missing, over incidents that record children;
        0-1), ``share_women`` (females / (females + males) over incidents that record sex;
        0-1; both ``NaN`` below ``min_known_for_share`` victims with the attribute known), ``oc_human_smuggling`` (score 1-10), ``mean_source_quality`` (IOM 1-5).
    """
    det: dict[str, float] = {}
    if len(detections):
        for iso3, x in zip(
            detections["iso3"].tolist(), _floats(detections["detections"]), strict=True
        ):
            det[iso3] = det.get(iso3, 0.0) + x
    cur_keys = {str(k) for k in current["iso3"].tolist()}
    keys = sorted(cur_keys | {str(k) for k, x in det.items() if x > 0})
    iso = np.array(keys, dtype=object)
    pos = _lookup(iso, current, "iso3")

    def col(name: str, frame: pd.DataFrame = current, at: np.ndarray = pos) -> np.ndarray:
        if name not in frame.columns:
            return np.full(len(keys), np.nan)
        return _pick(_floats(frame[name]), at)

    dm = np.nan_to_num(col("dead_and_missing"), nan=0.0)
    if previous is not None:
        dm_prev = np.nan_to_num(
            col("dead_and_missing", previous, _lookup(iso, previous, "iso3")), nan=0.0
        )
    else:
        dm_prev = np.full(len(keys), np.nan)
    index = pd.RangeIndex(len(keys))
    change = compute_change_pct(
        pd.Series(dm, index=index), pd.Series(dm_prev, index=index), min_previous_for_change
    ).to_numpy()
    d = np.array([det.get(k, np.nan) for k in keys], dtype=float)
    d = np.where(d > 0, d, np.nan)
    dm_fx = np.nan_to_num(col("dead_and_missing_frontex_routes"), nan=0.0)
    rate = compute_lethality(
        pd.Series(dm_fx, index=index), pd.Series(d, index=index), min_detections_for_rate
    ).to_numpy()
    floor = max(float(min_known_for_share), 1e-9)
    known_children = col("dead_and_missing_children_known")
    females, males = col("females"), col("males")
    sexed = females + males
    with np.errstate(invalid="ignore", divide="ignore"):
        share_children = np.clip(
            col("children") / np.where(known_children >= floor, known_children, np.nan), 0, 1
        )
        share_women = np.clip(females / np.where(sexed >= floor, sexed, np.nan), 0, 1)
    return pd.DataFrame(
        {
            "iso3": keys,
            "incidents": np.nan_to_num(col("incidents"), nan=0.0).astype(np.int64),
            "split_incidents": np.nan_to_num(col("split_incidents"), nan=0.0).astype(np.int64),
            "dead_and_missing": dm,
            "dead_and_missing_previous": dm_prev,
            "change_pct": change,
            "detections": d,
            "dead_and_missing_frontex_routes": dm_fx,
            "deaths_per_1000_detections": rate,
            "share_children": share_children,
            "share_women": share_women,
            "oc_human_smuggling": _index_values(keys, oc_index),
            "mean_source_quality": col("mean_source_quality"),
        }
    )


def _index_values(keys: list[str], oc_index: pd.DataFrame) -> np.ndarray:
    """The OC Index value of each country (the first row of a country listed twice)."""
    oc: dict[str, float] = {}
    if len(oc_index):
        for iso3, x in zip(oc_index["iso3"].tolist(), _floats(oc_index["value"]), strict=True):
            oc.setdefault(iso3, x)
    return np.array([oc.get(k, np.nan) for k in keys], dtype=float)


def compute_transit_components(
    by_country: pd.DataFrame,
    assigned: pd.DataFrame,
    previous_by_country: pd.DataFrame | None,
    previous_assigned: pd.DataFrame | None,
    crossing: pd.DataFrame,
    route_detections: pd.DataFrame,
    oc_index: pd.DataFrame,
    min_known_for_share: float = MIN_KNOWN_FOR_SHARE,
    min_previous_for_change: float = MIN_PREVIOUS_FOR_CHANGE,
) -> pd.DataFrame:
    """Components of transit risk, one row per country where people died or detected routes cross.

    Parameters
    ----------
    by_country : DataFrame
        Incidents with a recorded country: ``iso3``, ``incidents``, ``dead_and_missing``,
        ``dead_and_missing_violence``, ``source_quality_sum``, ``source_quality_n`` (see
        ``located`` of :class:`data.risk_queries.CountryIncidents`).
    assigned : DataFrame
        Incidents without a recorded country, with ``nearest_iso3`` from
        :func:`geo.spatial.compute_nearest_country` (``None`` when no country is near enough)
        and the same count columns.
    previous_by_country, previous_assigned : DataFrame or None
        The same for the previous period of equal length (``None`` if open-ended).
    crossing : DataFrame
        ``route_id``, ``iso3``: routes whose waypoint line crosses the country.
    route_detections : DataFrame
        ``route_id``, ``detections`` (Frontex events per route under the filters).
    oc_index : DataFrame
        ``iso3``, ``value`` (GI-TOC human-smuggling score, 1-10).
    min_known_for_share : float
        Dead and missing needed before ``share_violence`` is defined.
    min_previous_for_change : float
        Dead and missing needed in the previous period before ``change_pct`` is defined.

    Returns
    -------
    DataFrame
        One row per country with incidents (incl. assigned ones) or with Frontex detections on
        a route crossing it, sorted by ``iso3``: ``iso3``, ``incidents`` (count, incl.
        nearest-country assigned),
        ``dead_and_missing`` (persons, incl. assigned), ``dead_and_missing_assigned`` (persons
        placed by nearest country), ``dead_and_missing_previous`` (persons), ``change_pct``
        (percent), ``share_violence`` (share of dead and missing in incidents whose causes
        include violence, 0-1), ``detections_on_routes_crossing`` (Frontex events on routes
        whose waypoints cross the country; ``NaN`` when no such route has a Frontex series),
        ``crossing_routes`` (comma-separated route ids), ``oc_human_smuggling`` (score 1-10),
        ``mean_source_quality`` (IOM 1-5).
    """
    cols = (
        "incidents",
        "dead_and_missing",
        "dead_and_missing_violence",
        "source_quality_sum",
        "source_quality_n",
        "dead_and_missing_assigned",
    )

    def combine(
        located: pd.DataFrame | None, near: pd.DataFrame | None
    ) -> dict[str, dict[str, float]]:
        """Per country: the located counts plus the nearest-country placed ones."""
        sums: dict[str, dict[str, float]] = {}

        def add(frame: pd.DataFrame, iso3: pd.Series, assigned: bool) -> None:
            values = {c: _floats(frame[c]) for c in cols[:-1]}
            values["dead_and_missing_assigned"] = (
                values["dead_and_missing"] if assigned else np.zeros(len(frame))
            )
            for i, k in enumerate(iso3.tolist()):
                acc = sums.setdefault(k, dict.fromkeys(cols, 0.0))
                for c in cols:
                    acc[c] += values[c][i]

        if located is not None and len(located):
            add(located, located["iso3"], False)
        if near is not None and len(near):
            n = near[near["nearest_iso3"].notna()]
            add(n, n["nearest_iso3"].astype(str), True)
        return sums

    cur = combine(by_country, assigned)
    prev = (
        combine(previous_by_country, previous_assigned) if previous_by_country is not None else None
    )
    det: dict[str, float] = {}
    if len(route_detections):
        det = dict(
            zip(
                route_detections["route_id"].tolist(),
                _floats(route_detections["detections"]),
                strict=True,
            )
        )
    cross: dict[str, list[str]] = {}
    for route_id, iso3 in set(
        zip(crossing["route_id"].tolist(), crossing["iso3"].tolist(), strict=True)
    ):
        cross.setdefault(iso3, []).append(route_id)
    cross_det: dict[str, float] = {}
    for iso3, rids in cross.items():
        known = [det[r] for r in rids if r in det and not math.isnan(det[r])]
        cross_det[iso3] = math.fsum(known) if known else np.nan
    crossed = {str(k) for k, x in cross_det.items() if x > 0}
    keys = sorted({str(k) for k in cur} | crossed)
    empty = dict.fromkeys(cols, np.nan)

    def get(sums: dict[str, dict[str, float]], c: str) -> np.ndarray:
        return np.array([sums.get(k, empty)[c] for k in keys], dtype=float)

    counts = {
        c: np.round(np.nan_to_num(get(cur, c), nan=0.0)).astype(np.int64)
        for c in ("incidents", "dead_and_missing", "dead_and_missing_assigned")
    }
    dm_prev = (
        np.nan_to_num(get(prev, "dead_and_missing"), nan=0.0)
        if prev is not None
        else np.full(len(keys), np.nan)
    )
    index = pd.RangeIndex(len(keys))
    change = compute_change_pct(
        pd.Series(counts["dead_and_missing"], index=index),
        pd.Series(dm_prev, index=index),
        min_previous_for_change,
    ).to_numpy()
    dm = counts["dead_and_missing"].astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        share_violence = np.clip(
            get(cur, "dead_and_missing_violence")
            / np.where(dm >= max(min_known_for_share, 1e-9), dm, np.nan),
            0,
            1,
        )
        q_n = get(cur, "source_quality_n")
        mean_q = get(cur, "source_quality_sum") / np.where(q_n > 0, q_n, np.nan)
    return pd.DataFrame(
        {
            "iso3": keys,
            **counts,
            "dead_and_missing_previous": dm_prev,
            "change_pct": change,
            "share_violence": share_violence,
            "detections_on_routes_crossing": np.array(
                [cross_det.get(k, np.nan) for k in keys], dtype=float
            ),
            "crossing_routes": pd.Series(
                [", ".join(sorted(cross.get(k, []))) for k in keys], dtype="str"
            ),
            "oc_human_smuggling": _index_values(keys, oc_index),
            "mean_source_quality": mean_q,
        }
    )


# ---------------------------------------------------------------- UNHCR: populations, arrivals


def _month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def _month_end(d: dt.date) -> dt.date:
    nxt = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def compute_common_months(
    spans: list[tuple[dt.date | None, dt.date | None]],
    period: tuple[dt.date | None, dt.date | None] = (None, None),
) -> tuple[dt.date, dt.date] | None:
    """The whole calendar months that every source covers, within the period.

    Parameters
    ----------
    spans : list of (date, date)
        Each source's coverage, inclusive days (``None`` ends: the source has no data).
    period : (date or None, date or None)
        The filters' period; an open end is no restriction.

    Returns
    -------
    (date, date) or None
        First day of the first whole month and last day of the last whole month inside every
        span and the period; ``None`` when there is none (a source without data, or spans
        that do not overlap by a whole month).
    """
    lo: dt.date | None = period[0]
    hi: dt.date | None = period[1]
    for first, last in spans:
        if first is None or last is None:
            return None
        lo = first if lo is None else max(lo, first)
        hi = last if hi is None else min(hi, last)
    if lo is None or hi is None:
        return None
    # Whole months only: a month that one source covers for a few days is left out.
    if lo != _month_start(lo):
        lo = _month_end(lo) + dt.timedelta(days=1)
    if hi != _month_end(hi):
        hi = _month_start(hi) - dt.timedelta(days=1)
    return (lo, hi) if lo <= hi else None


def compute_deaths_per_1000_arrivals(
    dead_and_missing: pd.DataFrame,
    arrivals: pd.DataFrame,
    window: tuple[dt.date, dt.date] | None,
    min_arrivals: int = 1,
) -> dict[str, object]:
    """Dead and missing (IOM) per 1,000 sea arrivals (UNHCR) over the months both cover.

    Parameters
    ----------
    dead_and_missing : DataFrame
        ``month`` (date, first day), ``dead_and_missing`` (persons) on the route.
    arrivals : DataFrame
        ``month`` (date, first day), ``arrivals`` (persons landed).
    window : (date, date) or None
        From :func:`compute_common_months`; only months inside it count on either side.
    min_arrivals : int
        Arrivals needed for the ratio to be defined (at least 1).

    Returns
    -------
    dict
        ``dead_and_missing`` (persons), ``arrivals`` (persons), ``deaths_per_1000_sea_arrivals``
        (persons dead or missing per 1,000 persons landed), ``first_month`` and ``last_month``
        (dates) and ``months`` (count). Every value is ``None`` where there is no window; the
        ratio is ``None`` below ``min_arrivals``. The two counts are never added.
    """
    out: dict[str, object] = {
        "dead_and_missing": None,
        "arrivals": None,
        "deaths_per_1000_sea_arrivals": None,
        "first_month": None,
        "last_month": None,
        "months": 0,
    }
    if window is None:
        return out
    lo, hi = window

    def total(frame: pd.DataFrame, col: str) -> float:
        if frame.empty:
            return 0.0
        months = pd.to_datetime(frame["month"]).dt.date
        inside = ((months >= lo) & (months <= hi)).to_numpy()
        return float(np.nansum(_floats(frame[col])[inside]))

    dm = total(dead_and_missing, "dead_and_missing")
    arr = total(arrivals, "arrivals")
    out.update(
        dead_and_missing=dm,
        arrivals=arr,
        first_month=lo,
        last_month=_month_start(hi),
        months=(hi.year - lo.year) * 12 + hi.month - lo.month + 1,
    )
    rate = float(compute_rate(pd.Series([dm]), pd.Series([arr]), 1000.0, min_arrivals).iloc[0])
    if not np.isnan(rate):
        out["deaths_per_1000_sea_arrivals"] = rate
    return out


def compute_refugee_population(
    yearly: pd.DataFrame, end_year: int | None = None, provisional_year: int | None = None
) -> dict[str, object]:
    """Refugees and asylum-seekers originating from one country (UNHCR, persons, end-year stock).

    Parameters
    ----------
    yearly : DataFrame
        ``year``, ``refugees``, ``asylum_seekers`` (persons, summed over countries of asylum;
        ``NaN`` where UNHCR reports none) for one country of origin.
    end_year : int, optional
        The latest year to use (the period's last year); the latest year in the table if omitted.
    provisional_year : int, optional
        The year UNHCR still calls provisional (the newest year of the file).

    Returns
    -------
    dict
        ``year`` (int), ``refugees``, ``asylum_seekers`` and ``refugee_population_origin``
        (refugees + asylum-seekers, persons; other groups, such as "other people in need of
        international protection", are not included), ``provisional`` (bool). ``None`` values
        (and ``year`` ``None``) where no year up to ``end_year`` has either figure.
    """
    out: dict[str, object] = {
        "year": None,
        "refugees": None,
        "asylum_seekers": None,
        "refugee_population_origin": None,
        "provisional": False,
    }
    if yearly.empty:
        return out
    years = _floats(yearly["year"])
    ref = _floats(yearly["refugees"])
    asy = _floats(yearly["asylum_seekers"])
    has = ~(np.isnan(ref) & np.isnan(asy)) & ~np.isnan(years)
    if end_year is not None:
        has &= years <= end_year
    if not has.any():
        return out
    i = int(np.flatnonzero(has)[np.argmax(years[has])])
    year = int(years[i])
    r = None if np.isnan(ref[i]) else float(ref[i])
    a = None if np.isnan(asy[i]) else float(asy[i])
    out.update(
        year=year,
        refugees=r,
        asylum_seekers=a,
        refugee_population_origin=(r or 0.0) + (a or 0.0),
        provisional=provisional_year is not None and year >= provisional_year,
    )
    return out
