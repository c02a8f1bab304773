"""Aggregate queries behind the risk measures (route, origin and transit risk, alerts).

Every function takes a connection and a frozen :class:`~data.filters.Filters`, binds every value
as a parameter (the only text spliced into SQL comes from :func:`~data.queries.incident_where`,
:func:`~data.queries.detection_where` and the allow-lists below), runs on its own cursor and
returns a pandas DataFrame whose columns name their measure and unit. The heavy grouping happens
in DuckDB; the pure functions in :mod:`analytics` only combine a few hundred rows.

One scan per table: each measure needs several breakdowns of the same incidents (per route and
per country, this period and the previous one), so the queries group the incidents once by every
key involved (a few hundred groups) and split the groups in Python. An incident's routes and
origins are lists; DuckDB 2.0 groups by a list column 3 to 4 times slower than by text, and the
ingest derives each list from one text column alone, so when :func:`query_lists_by_text` confirms
that for a source the queries group by the text and look the lists up (see :class:`ListsByText`).

Filter scope (as in :mod:`data.queries`): period, route and origin restrict both incidents (IOM)
and detections (Frontex, by nationality); UN region, IOM region, cause and minimum source quality
restrict incidents only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from data.cube import (
    DETECTION_TABLE,
    RAW,
    IncidentTable,
    detection_cube_ready,
    incident_table,
)
from data.filters import Filters, as_date
from data.queries import (
    Vintages,
    detection_where,
    incident_where,
    memo_detection_cube,
    read_detection_cube,
    resolve_vintages,
)

Con = duckdb.DuckDBPyConnection

# The IOM cause label for deaths from violence (exact text of the export).
VIOLENCE_CAUSE = "Violence"
UNKNOWN_ROUTE = "unclassified"


def _df(con: Con, sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    # One cursor per query: a DuckDB connection is not thread-safe, its cursors are.
    cur = con.cursor()
    try:
        return cur.execute(sql, params or {}).df()
    finally:
        cur.close()


# The name a detection cube (:func:`query_detection_cube`) is registered under on a cursor.
_CUBE = "rw_detection_cube"


def _detections_df(
    con: Con, sql: str, params: dict[str, Any], cube: pa.Table | None
) -> pd.DataFrame:
    """Run ``sql`` (which reads ``{table} d``) on the detections table or on ``cube``.

    Without a ``cube``, a read-only connection's memoised cube is used where it is worth it
    (:func:`data.queries.memo_detection_cube`): the same sums, read from a smaller table.
    """
    if detection_cube_ready(con, params.get("dsrc")):
        # The cube the ingest wrote beside the detections (data/cube.py): a native table.
        return _df(con, sql.replace("{table}", DETECTION_TABLE), params)
    if cube is None:
        cube = memo_detection_cube(con)
    cur = con.cursor()
    try:
        if cube is not None:
            cur.register(_CUBE, cube)
        return cur.execute(
            sql.replace("{table}", _CUBE if cube is not None else "detections"), params
        ).df()
    finally:
        cur.close()


def query_detection_cube(con: Con) -> pa.Table:
    """Detections summed over what no filter selects (border type, raw route label).

    Every detection query here filters and groups only by source, route, nationality and
    month, so it gives the same sums on this cube as on the table. Frontex publishes one row
    per route, border type, nationality and month; a warehouse may hold many more rows than
    distinct keys (the benchmark's 1.5 million rows have 26,000), so the cube is read once
    (see :class:`services.report.Reference`) and each query scans it instead.

    Returns
    -------
    pyarrow.Table
        ``source_id``, ``route_id``, ``nationality_iso3``, ``month`` (first day),
        ``detections`` (events, not persons).
    """
    return read_detection_cube(con)


def _vintages(con: Con, f: Filters, v: Vintages | None) -> Vintages:
    return v if v is not None else resolve_vintages(con, f)


def query_detection_coverage(
    con: Con, f: Filters, v: Vintages | None = None
) -> tuple[dt.date | None, dt.date | None]:
    """First and last month of the detection source, whatever the filters.

    Returns
    -------
    (date or None, date or None)
        First day of the first month and last day of the last month Frontex covers; ``None``
        when no detection source is loaded.
    """
    v = _vintages(con, f, v)
    row = _df(
        con,
        "SELECT min(month) AS lo, max(month) AS hi FROM detections WHERE source_id = $dsrc",
        {"dsrc": v.detections or ""},
    ).iloc[0]
    return coverage_from_months(row["lo"], row["hi"])


def _coverage_params(coverage: tuple[dt.date | None, dt.date | None] | None) -> dict[str, Any]:
    lo, hi = coverage if coverage else (None, None)
    # With no detection source the window is empty, so the "within coverage" sums are 0.
    return {
        "cov_from": lo or dt.date(9999, 12, 31),
        "cov_to": hi or dt.date(1, 1, 1),
    }


# ---------------------------------------------------------------- list columns


@dataclass(frozen=True)
class ListsByText:
    """The route and origin lists of one incident source, keyed by the text they come from.

    The ingest parses ``route_ids`` from ``route_labels_raw`` alone and ``origin_iso3`` from
    ``origin_raw`` alone (:func:`data.ingest.prepare_mmp`), so incidents with the same text
    have the same list. Grouping a million incidents by the text instead of the list gives the
    same groups about three times faster; the lists are then looked up here. Build it with
    :func:`query_lists_by_text`, which checks that the text does decide the list.
    """

    routes: Mapping[str | None, tuple[str, ...]]
    origins: Mapping[str | None, tuple[str, ...]]


def query_lists_by_text(con: Con, source_id: str) -> ListsByText | None:
    """Every route and origin text of an incident source with the list parsed from it.

    Returns
    -------
    ListsByText or None
        ``None`` when some text goes with two different lists in this source (then the
        queries group by the lists themselves, which is slower but needs no such rule).
    """
    out: dict[str, dict[str | None, tuple[str, ...]]] = {}
    for name, text, ids in (
        ("routes", "route_labels_raw", "route_ids"),
        ("origins", "origin_raw", "origin_iso3"),
    ):
        df = _df(
            con,
            f"SELECT {text} AS text, {ids} AS ids FROM incidents "  # noqa: S608 - fixed names
            "WHERE source_id = $src GROUP BY ALL",
            {"src": source_id},
        )
        keys = [_text_key(t) for t in df["text"]]
        if len(set(keys)) != len(keys):
            return None
        out[name] = dict(zip(keys, _tuples(df["ids"]), strict=True))
    return ListsByText(
        routes=MappingProxyType(out["routes"]), origins=MappingProxyType(out["origins"])
    )


def _text_key(value: object) -> str | None:
    # DuckDB hands NULL text to pandas as None or NaN depending on the string dtype.
    return None if value is None or value is pd.NA or value != value else str(value)


def _tuples(values: Sequence[Any] | np.ndarray) -> list[tuple[str, ...]]:
    return [
        () if x is None or (isinstance(x, float) and x != x) else tuple(str(e) for e in x)
        for x in values
    ]


def _has_items(lists: Sequence[tuple[str, ...]]) -> np.ndarray:
    return np.fromiter((len(t) > 0 for t in lists), dtype=bool, count=len(lists))


def _str(values: Any) -> pd.Series:
    # Text columns as DuckDB hands them to pandas: the default string dtype, object if empty.
    s = pd.Series(values, dtype=object)
    return s.astype("str") if len(s) else s


def _lists_for(t: IncidentTable, lists: ListsByText | None) -> ListsByText | None:
    """The rollup has no raw text columns: it is grouped by the lists themselves."""
    return None if t.rollup else lists


def _group_keys(lists: ListsByText | None) -> tuple[str, str]:
    """SQL group keys for an incident's routes and origins (fixed text only)."""
    if lists is None:
        return "i.route_ids", "i.origin_iso3"
    return "i.route_labels_raw", "i.origin_raw"


def _lists_of(
    keys: Sequence[Any] | np.ndarray, table: Mapping[str | None, tuple[str, ...]] | None
) -> list[tuple[str, ...]]:
    """The lists behind grouped keys: the keys themselves, or looked up by their text."""
    if table is None:
        return _tuples(keys)
    try:
        return [table[_text_key(k)] for k in keys]
    except KeyError as exc:
        raise ValueError(
            "the route and origin lists passed do not belong to this warehouse version"
        ) from exc


def _arrays(con: Con, sql: str, params: dict[str, Any]) -> dict[str, np.ndarray]:
    """Columns as plain numpy arrays (NULL: ``NaN`` in numbers, ``None`` in objects).

    The grouped results are small; numpy arrays skip building a DataFrame per query.
    """
    cur = con.cursor()
    try:
        raw = cur.execute(sql, params).fetchnumpy()
    finally:
        cur.close()
    out: dict[str, np.ndarray] = {}
    for name, col in raw.items():
        data = np.asarray(np.ma.getdata(col))
        mask = np.ma.getmaskarray(col)
        if mask.any():
            if data.dtype.kind in "iufb":
                data = np.where(mask, np.nan, data.astype(float))
            else:
                data = data.copy()
                data[mask] = None if data.dtype.kind == "O" else np.datetime64("NaT")
        out[name] = data
    return out


def _take(cols: Mapping[str, np.ndarray], rows: np.ndarray) -> dict[str, np.ndarray]:
    return {k: v[rows] for k, v in cols.items()}


def _groups(*keys: Sequence[Any] | np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Distinct key tuples (sorted like SQL ``ORDER BY`` the keys) and each row's group."""
    n = len(keys[0])
    if n == 0:
        return [np.array([], dtype=object) for _ in keys], np.array([], dtype=np.intp)
    uniq, codes = [], np.zeros(n, dtype=np.int64)
    for k in keys:
        u, inv = np.unique(np.asarray(k, dtype=object), return_inverse=True)
        uniq.append(u)
        codes = codes * len(u) + inv.reshape(-1)
    cu, cinv = np.unique(codes, return_inverse=True)
    out = []
    for u in reversed(uniq):
        out.append(u[cu % len(u)])
        cu = cu // len(u)
    return out[::-1], cinv.reshape(-1)


def _sum(inv: np.ndarray, n: int, values: np.ndarray) -> np.ndarray:
    """Sums per group (float; exact for whole numbers below 2**53, summed in row order)."""
    return np.bincount(inv, weights=np.asarray(values, dtype=float), minlength=n).astype(float)


def _int(inv: np.ndarray, n: int, values: np.ndarray) -> np.ndarray:
    return _sum(inv, n, values).round().astype(np.int64)


def _nullable(inv: np.ndarray, n: int, values: np.ndarray) -> np.ndarray:
    """Sums per group that are ``NaN`` when every value is missing (as SQL ``sum``)."""
    v = np.asarray(values, dtype=float)
    known = ~np.isnan(v)
    s = np.bincount(inv, weights=np.where(known, v, 0.0), minlength=n)
    return np.where(np.bincount(inv, weights=known, minlength=n) > 0, s, np.nan)


def _explode(lists: Sequence[tuple[str, ...]]) -> tuple[np.ndarray, np.ndarray]:
    """Row positions repeated once per list element, and the elements."""
    lens = np.fromiter((len(t) for t in lists), dtype=np.int64, count=len(lists))
    items = np.array([e for t in lists for e in t], dtype=object)
    return np.repeat(np.arange(len(lists)), lens), items


def _window(f: Filters, v: Vintages, previous: bool) -> tuple[str, dict[str, Any], str, bool]:
    """``WHERE`` body over the period (and the previous one) and a SQL flag: 1 in the period,
    0 in the previous one.

    Returns
    -------
    (str, dict, str, bool)
        The ``WHERE`` body, its parameters, the flag expression and whether a previous
        period exists (only when ``f`` has both dates).
    """
    pf = f.previous_period() if previous else None
    if pf is None or f.date_from is None or f.date_to is None:
        w, p = incident_where(f, v)
        return w, p, "1", False
    assert pf.date_from is not None and pf.date_to is not None
    lo, hi = min(f.date_from, pf.date_from), max(f.date_to, pf.date_to)
    w, p = incident_where(f.replace(date_from=lo, date_to=hi), v)
    p = {**p, "cur_from": f.date_from}
    if f.date_from <= f.date_to:
        # The previous period ends the day before this one starts: one comparison splits them.
        return w, p, "CAST(i.incident_date >= $cur_from AS INTEGER)", True
    p.update(cur_to=f.date_to, prev_from=pf.date_from, prev_to=pf.date_to)
    flag = (
        "CASE WHEN i.incident_date BETWEEN $cur_from AND $cur_to THEN 1 "
        "WHEN i.incident_date BETWEEN $prev_from AND $prev_to THEN 0 END"
    )
    return w, p, flag, True


def _table(
    con: Con,
    f: Filters,
    v: Vintages,
    previous: bool,
    coverage: tuple[dt.date | None, dt.date | None] | None = None,
) -> IncidentTable:
    """The table a grouped scan over ``f`` (and its previous period, and the ``coverage``
    window when the scan uses it) reads: the monthly rollup when every one of those windows
    is whole months (:func:`data.cube.incident_table`)."""
    windows = [(f.date_from, f.date_to)]
    pf = f.previous_period() if previous else None
    if pf is not None:
        windows.append((pf.date_from, pf.date_to))
    if coverage is not None:
        c = _coverage_params(coverage)
        windows.append((c["cov_from"], c["cov_to"]))
    return incident_table(con, v.incidents, windows)


# ---------------------------------------------------------------- grouped scans


@dataclass(frozen=True)
class OriginIncidents:
    """Per-origin incident aggregates for a period and the one before, from one scan.

    ``current``: one row per country of origin, an incident listing ``k`` origins giving each
    ``1/k`` of its dead and missing (and of its recorded females, males and children);
    incidents without a known origin are left out. Columns: ``iso3``; ``incidents``
    (incidents listing the country, whole count); ``split_incidents`` (those listing more than
    one origin, split); ``dead_and_missing`` (persons, fractional share);
    ``dead_and_missing_frontex_routes`` (persons, fractional share, on routes that also have a
    Frontex series and dated inside the detection coverage); ``children`` and
    ``dead_and_missing_children_known`` (persons, over incidents where IOM records a number of
    children, 0 included); ``females``, ``males`` (persons, over incidents with a sex
    breakdown); ``mean_source_quality`` (IOM 1-5).

    ``previous``: the same for the previous period (``None`` unless the filters have both
    dates); only ``incidents``, ``split_incidents`` and ``dead_and_missing`` are filled, the
    rest is ``NaN``.

    ``by_route`` (the period; empty unless asked for): ``iso3``, ``route_id``,
    ``dead_and_missing`` (persons, fractional share).

    ``unknown`` (the period): one row, ``incidents`` (count) and ``dead_and_missing``
    (persons) of incidents whose victims' origin is not recorded.
    """

    current: pd.DataFrame
    previous: pd.DataFrame | None
    by_route: pd.DataFrame
    unknown: pd.DataFrame


def query_frontex_routes(con: Con) -> frozenset[str]:
    """Routes with both a Frontex series and IOM incidents (where deaths per detection mean
    something)."""
    return frozenset(_df(con, "SELECT route_id FROM routes WHERE frontex AND mmp")["route_id"])


_ORIGIN_SUMS = ("n", "dm", "dm_fx", "sq_sum", "sq_n")


def _origin_detail(t: IncidentTable) -> str:
    """The detail sums of :func:`query_origin_tables` on ``t`` (fixed SQL text)."""
    return (
        "CAST(coalesce(sum(i.dead_and_missing) FILTER "
        "(WHERE i.incident_date BETWEEN $cov_from AND $cov_to), 0) AS BIGINT) AS dm_cov, "
        "CAST(sum(i.children) AS BIGINT) AS children, "
        f"CAST({t.children_known_dm} AS BIGINT) AS dm_children_known, "
        f"CAST({t.females} AS BIGINT) AS females, "
        f"CAST({t.males} AS BIGINT) AS males, "
        f"CAST(coalesce({t.quality_sum}, 0) AS BIGINT) AS sq_sum, "
        f"{t.quality_n} AS sq_n"
    )


_ORIGIN_NULLABLE = ("children", "dm_children_known", "females", "males")


def query_origin_tables(
    con: Con,
    f: Filters,
    coverage: tuple[dt.date | None, dt.date | None] | None = None,
    v: Vintages | None = None,
    lists: ListsByText | None = None,
    *,
    previous: bool = True,
    routes: bool = True,
    detail: bool = True,
    frontex_routes: frozenset[str] | None = None,
) -> OriginIncidents:
    """Dead and missing per country of origin, this period and the previous one, in one scan.

    An incident listing ``k`` origin countries gives each ``1/k`` of its dead and missing (and
    of its recorded females, males and children); incidents without a known origin go to
    ``unknown``. Sums stay whole numbers per origin list until the one ``1/k`` share, so the
    result does not depend on how the scan was grouped.

    Parameters
    ----------
    coverage : (date, date), optional
        Months covered by the detection source (``dead_and_missing_frontex_routes`` counts
        only incidents dated inside it, on routes in ``frontex_routes``).
    lists : ListsByText, optional
        From :func:`query_lists_by_text` for ``v.incidents``: group by text (faster).
    previous : bool
        Also aggregate the previous period of equal length (when the filters have both dates).
    routes : bool
        Also group by route: without it ``by_route`` is empty and
        ``dead_and_missing_frontex_routes`` is ``NaN`` (a cheaper scan for the totals only).
    detail : bool
        Also sum children, females, males and source quality: without it those columns
        are ``NaN`` (only ``incidents``, ``split_incidents`` and ``dead_and_missing`` are
        filled).
    frontex_routes : frozenset of str, optional
        :func:`query_frontex_routes` (read when not given).

    Returns
    -------
    OriginIncidents
    """
    v = _vintages(con, f, v)
    if routes and frontex_routes is None:
        frontex_routes = query_frontex_routes(con)
    pf = f.previous_period() if previous else None
    if pf is not None and detail:
        # The previous period needs only its totals: a light scan of its own is cheaper than
        # carrying every detail sum through a scan of both periods.
        period = query_origin_tables(
            con,
            f,
            coverage,
            v,
            lists,
            previous=False,
            routes=routes,
            frontex_routes=frontex_routes,
        )
        before = query_origin_tables(
            con, pf, None, v, lists, previous=False, routes=False, detail=False
        )
        return OriginIncidents(period.current, before.current, period.by_route, period.unknown)
    tab = _table(con, f, v, previous, coverage if detail else None)
    lists = _lists_for(tab, lists)
    rk, ok = _group_keys(lists)
    w, p, flag, has_prev = _window(f, v, previous)
    if detail:  # only the detail sums use the coverage window (DuckDB refuses unused params)
        p = {**p, **_coverage_params(coverage)}
    sums = (
        _origin_detail(tab)
        if detail
        else "NULL AS dm_cov, "
        + ", ".join(f"NULL AS {c}" for c in (*_ORIGIN_NULLABLE, "sq_sum", "sq_n"))
    )
    g = _arrays(
        con,
        f"SELECT {ok} AS okey, {rk if routes else 'NULL'} AS rkey, {flag} AS cur, "  # noqa: S608
        f"{tab.count()} AS n, CAST(sum(i.dead_and_missing) AS BIGINT) AS dm, {sums} "
        f"FROM {tab.name} i WHERE {w} GROUP BY ALL",
        p,
    )
    g = _take(g, np.flatnonzero(~np.isnan(g["cur"].astype(float))))
    for c in ("dm_cov", *_ORIGIN_NULLABLE, "sq_sum", "sq_n"):
        g[c] = np.asarray(g[c], dtype=float)
    olists = _lists_of(g["okey"], lists.origins if lists else None)
    if routes:
        assert frontex_routes is not None
        rlists = _lists_of(g["rkey"], lists.routes if lists else None)
        on_fx = np.array([not frontex_routes.isdisjoint(r) for r in rlists], dtype=bool)
        g["dm_fx"] = np.where(on_fx, g["dm_cov"], 0)
    else:
        rlists = [()] * len(olists)
        g["dm_fx"] = np.zeros(len(olists))
    known = _has_items(olists)
    cur = g["cur"] == 1
    unknown = pd.DataFrame(
        {
            "incidents": [int(g["n"][cur & ~known].sum())],
            "dead_and_missing": [int(g["dm"][cur & ~known].sum())],
        }
    )
    tables = {}
    for flag_value in (1, 0) if has_prev else (1,):
        rows = np.flatnonzero((g["cur"] == flag_value) & known)
        tables[flag_value] = _origin_shares(_take(g, rows), [olists[i] for i in rows])
        if not routes or not detail:
            tables[flag_value]["dead_and_missing_frontex_routes"] = np.nan
        if not detail:
            tables[flag_value]["mean_source_quality"] = np.nan
    rows = np.flatnonzero(cur & known)
    by_route = _origin_routes(g["dm"][rows], [olists[i] for i in rows], [rlists[i] for i in rows])
    return OriginIncidents(tables[1], tables.get(0), by_route, unknown)


def _origin_shares(g: Mapping[str, np.ndarray], olists: list[tuple[str, ...]]) -> pd.DataFrame:
    """Per-origin shares from groups of incidents with the same (non-empty) origin list."""
    # Whole-number sums per origin list first (exact), then one 1/k share per list.
    (keys,), inv = _groups(["\x1f".join(t) for t in olists])
    n = len(keys)
    first: dict[int, tuple[str, ...]] = {}
    for row, code in enumerate(inv):
        first.setdefault(int(code), olists[row])
    per_lists = [first[c] for c in range(n)]
    per = {c: _sum(inv, n, g[c]) for c in _ORIGIN_SUMS}
    per.update({c: _nullable(inv, n, g[c]) for c in _ORIGIN_NULLABLE})
    k = np.array([len(t) for t in per_lists], dtype=float)
    per["split"] = np.where(k > 1, per["n"], 0.0)
    share = 1.0 / k
    for c in ("dm", "dm_fx", *_ORIGIN_NULLABLE):
        per[c] = share * per[c]
    rep, iso = _explode(per_lists)
    (iso3,), inv2 = _groups(iso)
    m = len(iso3)
    out = {c: _sum(inv2, m, per[c][rep]) for c in ("n", "split", "sq_sum", "sq_n", "dm", "dm_fx")}
    out.update({c: _nullable(inv2, m, per[c][rep]) for c in _ORIGIN_NULLABLE})
    n_q = out["sq_n"]
    return pd.DataFrame(
        {
            "iso3": _str(iso3),
            "incidents": out["n"].round().astype(np.int64),
            "split_incidents": out["split"].round().astype(np.int64),
            "dead_and_missing": out["dm"],
            "dead_and_missing_frontex_routes": out["dm_fx"],
            "children": out["children"],
            "dead_and_missing_children_known": out["dm_children_known"],
            "females": out["females"],
            "males": out["males"],
            "mean_source_quality": out["sq_sum"] / np.where(n_q > 0, n_q, np.nan),
        }
    )


def _origin_routes(
    dm: np.ndarray, olists: list[tuple[str, ...]], rlists: list[tuple[str, ...]]
) -> pd.DataFrame:
    """Dead and missing per origin and route, each origin taking its 1/k share."""
    (okeys, rkeys), inv = _groups(
        ["\x1f".join(t) for t in olists], ["\x1f".join(t) for t in rlists]
    )
    n = len(okeys)
    per = _sum(inv, n, dm)
    lists_o = {str(k): t for k, t in zip(["\x1f".join(t) for t in olists], olists, strict=True)}
    lists_r = {str(k): t for k, t in zip(["\x1f".join(t) for t in rlists], rlists, strict=True)}
    po = [lists_o[str(k)] for k in okeys]
    pr = [lists_r[str(k)] for k in rkeys]
    per = per / np.array([len(t) for t in po], dtype=float)
    rep_o, iso = _explode(po)
    rep_r, route = _explode([pr[i] for i in rep_o])
    (iso3, route_id), inv2 = _groups(iso[rep_r], route)
    return pd.DataFrame(
        {
            "iso3": _str(iso3),
            "route_id": _str(route_id),
            "dead_and_missing": _sum(inv2, len(iso3), per[rep_o][rep_r]),
        }
    )


@dataclass(frozen=True)
class CountryIncidents:
    """Per-country-of-incident aggregates for a period and the one before, from one scan.

    ``located`` / ``previous_located``: incidents whose country is recorded, per country:
    ``iso3``, ``incidents`` (count), ``dead_and_missing`` (persons),
    ``dead_and_missing_violence`` (persons, in incidents whose causes include violence),
    ``source_quality_sum`` and ``source_quality_n`` (to average IOM 1-5 quality after adding
    nearest-country assignments).

    ``unlocated`` / ``previous_unlocated``: incidents without a recorded country, grouped by
    their coordinates: ``lon``, ``lat`` (EPSG:4326 degrees; both missing for incidents without
    coordinates) and the same count columns.

    The previous ones are ``None`` unless the filters have both dates; their
    ``dead_and_missing_violence`` may be 0 (only totals are read for them).

    ``by_route`` (the period; empty unless asked for): ``iso3``, ``route_id``,
    ``dead_and_missing`` (persons; an incident counts on each of its routes).
    """

    located: pd.DataFrame
    unlocated: pd.DataFrame
    previous_located: pd.DataFrame | None
    previous_unlocated: pd.DataFrame | None
    by_route: pd.DataFrame


_COUNT_COLUMNS = (
    "incidents",
    "dead_and_missing",
    "dead_and_missing_violence",
    "source_quality_sum",
    "source_quality_n",
)


def query_country_tables(
    con: Con,
    f: Filters,
    v: Vintages | None = None,
    lists: ListsByText | None = None,
    *,
    previous: bool = True,
    routes: bool = True,
    violence: bool = True,
) -> CountryIncidents:
    """Dead and missing per country of incident (and, without a country, per coordinate pair),
    this period and the previous one, in one scan.

    Parameters
    ----------
    lists : ListsByText, optional
        From :func:`query_lists_by_text` for ``v.incidents``: group by text (faster).
    previous, routes : bool
        Also aggregate the previous period of equal length; also break the period down by
        route (else ``by_route`` is empty).
    violence : bool
        Also sum the dead and missing in incidents whose causes include violence (else
        ``dead_and_missing_violence`` is 0).

    Returns
    -------
    CountryIncidents
    """
    v = _vintages(con, f, v)
    pf = f.previous_period() if previous else None
    if pf is not None and (routes or violence):
        # The previous period needs only its totals (see query_origin_tables).
        period = query_country_tables(
            con, f, v, lists, previous=False, routes=routes, violence=violence
        )
        before = query_country_tables(
            con, pf, v, lists, previous=False, routes=False, violence=False
        )
        return CountryIncidents(
            period.located, period.unlocated, before.located, before.unlocated, period.by_route
        )
    tab = _table(con, f, v, previous)
    lists = _lists_for(tab, lists)
    rk, _ = _group_keys(lists)
    w, p, flag, has_prev = _window(f, v, previous)
    p = {**p, "violence": VIOLENCE_CAUSE} if violence else p

    def counts(t: IncidentTable) -> str:
        return (
            f"{flag} AS cur, {t.count()} AS incidents, "
            "CAST(sum(i.dead_and_missing) AS BIGINT) AS dead_and_missing, "
            + (
                "CAST(sum(CASE WHEN list_contains(i.causes, $violence) THEN "
                "i.dead_and_missing ELSE 0 END) AS BIGINT)"
                if violence
                else "NULL"
            )
            + " AS dead_and_missing_violence, "
            f"CAST(coalesce({t.quality_sum}, 0) AS BIGINT) AS source_quality_sum, "
            f"{t.quality_n} AS source_quality_n "
        )

    # Incidents without a country are not grouped by route (rare: a second, filtered scan
    # groups them by coordinates for nearest-country placement, only when there are any).
    route_key = f"CASE WHEN i.country_of_incident_iso3 IS NULL THEN NULL ELSE {rk} END"
    g = _arrays(
        con,
        "SELECT i.country_of_incident_iso3 AS iso3, "  # noqa: S608 - keys from _group_keys
        f"{route_key if routes else 'NULL'} AS rkey, {counts(tab)}"
        f"FROM {tab.name} i WHERE {w} GROUP BY ALL",
        p,
    )
    if not violence:
        g["dead_and_missing_violence"] = np.zeros(len(g["cur"]))
    if any(x is None for x in g["iso3"]):
        # The rollup keeps no coordinates: these few incidents are read from the table.
        loose = _arrays(
            con,
            f"SELECT i.lon, i.lat, {counts(RAW)}"  # noqa: S608 - as above
            f"FROM incidents i WHERE {w} AND i.country_of_incident_iso3 IS NULL GROUP BY ALL",
            p,
        )
    else:
        loose = {c: np.zeros(0) for c in ("lon", "lat", "cur", *_COUNT_COLUMNS)}
    loose_cur = np.asarray(loose["cur"], dtype=float)
    cur = np.asarray(g["cur"], dtype=float)
    has_country = np.array([x is not None for x in g["iso3"]], dtype=bool)

    def located(rows: np.ndarray) -> pd.DataFrame:
        (iso3,), inv = _groups(g["iso3"][rows])
        out = {"iso3": _str(iso3)}
        out.update({c: _int(inv, len(iso3), g[c][rows]) for c in _COUNT_COLUMNS})
        return pd.DataFrame(out)

    def unlocated(rows: np.ndarray) -> pd.DataFrame:
        if len(rows) == 0:
            empty = {"lon": np.zeros(0), "lat": np.zeros(0)}
            return pd.DataFrame(empty | {c: np.zeros(0, dtype=np.int64) for c in _COUNT_COLUMNS})
        part = pd.DataFrame({c: loose[c][rows] for c in ("lon", "lat", *_COUNT_COLUMNS)})
        out = part.groupby(["lon", "lat"], sort=False, dropna=False)[list(_COUNT_COLUMNS)].sum()
        out = out.astype("int64").reset_index()
        out = out.sort_values(["lon", "lat"], na_position="last", kind="stable")
        out[["lon", "lat"]] = out[["lon", "lat"]].astype(float)
        return out.reset_index(drop=True)

    now = np.flatnonzero((cur == 1) & has_country)
    if routes:
        rep, route = _explode(_lists_of(g["rkey"][now], lists.routes if lists else None))
        (iso3, route_id), inv = _groups(g["iso3"][now][rep], route)
        by_route = pd.DataFrame(
            {
                "iso3": _str(iso3),
                "route_id": _str(route_id),
                "dead_and_missing": _int(inv, len(iso3), g["dead_and_missing"][now][rep]),
            }
        )
    else:
        by_route = pd.DataFrame(
            {
                "iso3": pd.Series(dtype=object),
                "route_id": pd.Series(dtype=object),
                "dead_and_missing": pd.Series(dtype="int64"),
            }
        )
    before = cur == 0
    return CountryIncidents(
        located=located(now),
        unlocated=unlocated(np.flatnonzero(loose_cur == 1)),
        previous_located=located(np.flatnonzero(before & has_country)) if has_prev else None,
        previous_unlocated=unlocated(np.flatnonzero(loose_cur == 0)) if has_prev else None,
        by_route=by_route,
    )


def query_origin_incident_sizes(
    con: Con,
    f: Filters,
    coverage: tuple[dt.date | None, dt.date | None] | None = None,
    v: Vintages | None = None,
    lists: ListsByText | None = None,
    *,
    frontex_routes: frozenset[str] = frozenset(),
) -> pd.DataFrame:
    """Incidents with dead or missing by size and origin list, this period and the previous one.

    The robust scores cap each incident's dead and missing and look for the largest one per
    country (:mod:`analytics.robust`); incidents of the same size, origins and routes are one
    row (a few thousand rows for ten years).

    Parameters
    ----------
    coverage : (date, date), optional
        Months covered by the detection source (``frontex`` counts only incidents inside it).
    frontex_routes : frozenset of str
        Routes with a Frontex series (``frontex`` is true for incidents on one of them).

    Returns
    -------
    DataFrame
        ``current`` (1 in the period, 0 in the previous one, which exists only when the
        filters have both dates), ``countries`` (tuple of origin ISO-3, empty when unknown),
        ``dead_and_missing`` (persons per incident), ``incidents`` (count),
        ``first_date`` (earliest incident date of the row), ``frontex`` (bool).
    """
    v = _vintages(con, f, v)
    tab = _table(con, f, v, True, coverage)
    lists = _lists_for(tab, lists)
    rk, ok = _group_keys(lists)
    w, p, flag, _ = _window(f, v, True)
    p = {**p, **_coverage_params(coverage)}
    g = _arrays(
        con,
        f"SELECT {ok} AS okey, {rk} AS rkey, {flag} AS cur, "  # noqa: S608 - fixed keys
        f"{tab.size} AS dm, i.incident_date BETWEEN $cov_from AND $cov_to AS in_cov, "
        f"{tab.count()} AS n, {tab.first_date} AS first_date "
        f"FROM {tab.name} i WHERE {w} AND {tab.size} > 0 GROUP BY ALL",
        p,
    )
    cur = np.asarray(g["cur"], dtype=float)
    keep = np.flatnonzero(~np.isnan(cur))
    g = _take(g, keep)
    olists = _lists_of(g["okey"], lists.origins if lists else None)
    rlists = _lists_of(g["rkey"], lists.routes if lists else None)
    on_fx = np.array([not frontex_routes.isdisjoint(r) for r in rlists], dtype=bool)
    # NULL-free (the window needs a date), but a masked value must not read as true.
    in_cov = np.array([x is not None and x == 1 for x in g["in_cov"]], dtype=bool)
    return pd.DataFrame(
        {
            "current": np.asarray(g["cur"], dtype=float).astype(np.int64),
            "countries": pd.Series(olists, dtype=object),
            "dead_and_missing": np.asarray(g["dm"], dtype=float),
            "incidents": np.asarray(g["n"], dtype=float).astype(np.int64),
            "first_date": np.asarray(g["first_date"], dtype="datetime64[D]"),
            "frontex": on_fx.astype(bool) & in_cov,
        }
    )


def query_country_incident_sizes(con: Con, f: Filters, v: Vintages | None = None) -> pd.DataFrame:
    """Incidents with dead or missing by size and country of incident, this period and the
    previous one.

    Returns
    -------
    DataFrame
        ``current`` (1/0 as :func:`query_origin_incident_sizes`), ``iso3`` (country of
        incident, ``None`` when not recorded), ``lon``, ``lat`` (EPSG:4326 degrees, only for
        incidents without a country, to place them as :func:`query_country_tables` does),
        ``dead_and_missing`` (persons per incident), ``incidents`` (count), ``first_date``.
    """
    v = _vintages(con, f, v)
    w, p, flag, _ = _window(f, v, True)
    g = _arrays(
        con,
        "SELECT i.country_of_incident_iso3 AS iso3, "  # noqa: S608 - fixed keys
        "CASE WHEN i.country_of_incident_iso3 IS NULL THEN i.lon END AS lon, "
        "CASE WHEN i.country_of_incident_iso3 IS NULL THEN i.lat END AS lat, "
        f"{flag} AS cur, i.dead_and_missing AS dm, count(*) AS n, "
        "min(i.incident_date) AS first_date "
        f"FROM incidents i WHERE {w} AND i.dead_and_missing > 0 GROUP BY ALL",
        p,
    )
    cur = np.asarray(g["cur"], dtype=float)
    g = _take(g, np.flatnonzero(~np.isnan(cur)))
    return pd.DataFrame(
        {
            "current": np.asarray(g["cur"], dtype=float).astype(np.int64),
            "iso3": pd.Series(list(g["iso3"]), dtype=object),
            "lon": np.asarray(g["lon"], dtype=float),
            "lat": np.asarray(g["lat"], dtype=float),
            "dead_and_missing": np.asarray(g["dm"], dtype=float),
            "incidents": np.asarray(g["n"], dtype=float).astype(np.int64),
            "first_date": np.asarray(g["first_date"], dtype="datetime64[D]"),
        }
    )


def query_monthly_series(
    con: Con,
    f: Filters,
    v: Vintages | None = None,
    lists: ListsByText | None = None,
) -> dict[str, pd.DataFrame]:
    """Monthly incidents and dead and missing per route and per country of incident, one scan.

    Returns
    -------
    dict
        ``route`` and ``country`` -> ``key`` (route id or ISO-3), ``month`` (date, first
        day), ``incidents`` (count), ``dead_and_missing`` (persons), ``largest_incident``
        (persons, the most dead and missing in one incident that month). Months without
        incidents are absent.
    """
    v = _vintages(con, f, v)
    t = incident_table(con, v.incidents, [(f.date_from, f.date_to)])
    lists = _lists_for(t, lists)
    rk, _ = _group_keys(lists)
    w, p = incident_where(f, v)
    g = _arrays(
        con,
        f"SELECT {rk} AS rkey, i.country_of_incident_iso3 AS iso3, "  # noqa: S608
        "CAST(date_trunc('month', i.incident_date) AS DATE) AS month, "
        f"{t.count()} AS incidents, "
        "CAST(sum(i.dead_and_missing) AS BIGINT) AS dead_and_missing, "
        f"CAST({t.largest} AS BIGINT) AS largest_incident "
        f"FROM {t.name} i WHERE {w} GROUP BY ALL",
        p,
    )
    month = np.asarray(g["month"]).astype("datetime64[D]").astype(object)

    def series(keys: np.ndarray, rows: np.ndarray) -> pd.DataFrame:
        (key, mon), inv = _groups(keys, month[rows])
        n = len(key)
        big = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
        np.maximum.at(big, inv, np.asarray(g["largest_incident"][rows], dtype=np.int64))
        return pd.DataFrame(
            {
                "key": _str(key),
                "month": pd.Series(mon, dtype=object),
                "incidents": _int(inv, n, g["incidents"][rows]),
                "dead_and_missing": _int(inv, n, g["dead_and_missing"][rows]),
                "largest_incident": big,
            }
        )

    rep, route = _explode(_lists_of(g["rkey"], lists.routes if lists else None))
    located = np.flatnonzero(np.array([x is not None for x in g["iso3"]], dtype=bool))
    return {"route": series(route, rep), "country": series(g["iso3"][located], located)}


def query_monthly_region_series(con: Con, f: Filters, v: Vintages | None = None) -> pd.DataFrame:
    """Monthly incidents and dead and missing per MMP ``Region of Incident``, one scan.

    An incident listing two regions counts in each.

    Returns
    -------
    DataFrame
        ``key`` (region name as MMP spells it), ``month`` (date, first day), ``incidents``
        (count), ``dead_and_missing`` (persons), ``largest_incident`` (persons). Months
        without incidents are absent.
    """
    v = _vintages(con, f, v)
    w, p = incident_where(f, v)
    cur = con.cursor()
    try:
        df = cur.execute(
            "SELECT r.region AS key, "  # noqa: S608
            "CAST(date_trunc('month', r.incident_date) AS DATE) AS month, "
            "count(*) AS incidents, "
            "CAST(coalesce(sum(r.dead_and_missing), 0) AS BIGINT) AS dead_and_missing, "
            "CAST(coalesce(max(r.dead_and_missing), 0) AS BIGINT) AS largest_incident "
            "FROM (SELECT unnest(i.region_of_incident_list) AS region, i.incident_date, "
            f"i.dead_and_missing FROM incidents i WHERE {w}) r "
            "WHERE r.region IS NOT NULL GROUP BY ALL ORDER BY key, month",
            p,
        ).df()
    finally:
        cur.close()
    df["month"] = [d.date() if hasattr(d, "date") else d for d in pd.to_datetime(df["month"])]
    return df


def query_source_spans(con: Con) -> pd.DataFrame:
    """First and last date of every incident and detection source, whatever the filters.

    Returns
    -------
    DataFrame
        ``source_id``, ``kind`` (``incidents`` or ``detections``), ``first_date`` and
        ``last_date`` (dates; for detections the first day of the first and last month).
    """
    return _df(
        con,
        "SELECT source_id, 'incidents' AS kind, min(incident_date) AS first_date, "
        "max(incident_date) AS last_date FROM incidents GROUP BY source_id "
        "UNION ALL SELECT source_id, 'detections', min(month), max(month) FROM detections "
        "GROUP BY source_id ORDER BY 1",
    )


def coverage_from_months(
    first_month: object, last_month: object
) -> tuple[dt.date | None, dt.date | None]:
    """Detection coverage from the first and last month: (first day, last day of last month)."""
    lo, hi = as_date(first_month), as_date(last_month)
    if lo is None or hi is None:
        return None, None
    nxt = dt.date(hi.year + (hi.month == 12), hi.month % 12 + 1, 1)
    return lo, nxt - dt.timedelta(days=1)


# ---------------------------------------------------------------- single measures


def query_route_incident_totals(
    con: Con,
    f: Filters,
    coverage: tuple[dt.date | None, dt.date | None] | None = None,
    v: Vintages | None = None,
    lists: ListsByText | None = None,
) -> pd.DataFrame:
    """Incidents and dead and missing per route (an incident counts on each of its routes).

    Parameters
    ----------
    coverage : (date, date), optional
        Months covered by the detection source (see :func:`query_detection_coverage`); the
        ``*_in_detection_months`` column sums only incidents dated inside it.
    lists : ListsByText, optional
        From :func:`query_lists_by_text` for ``v.incidents``: group by text (faster).

    Returns
    -------
    DataFrame
        ``route_id``, ``incidents`` (count), ``dead_and_missing`` (persons, IOM minimum
        estimates), ``multi_route_incidents`` (incidents that carry more than one route label,
        counted here on each), ``dead_and_missing_in_detection_months`` (persons),
        ``mean_source_quality`` (IOM 1-5 scale).
    """
    v = _vintages(con, f, v)
    w, p = incident_where(f, v)
    p = {**p, **_coverage_params(coverage)}
    tab = _table(con, f, v, False, coverage)
    lists = _lists_for(tab, lists)
    rk, _ = _group_keys(lists)
    g = _arrays(
        con,
        f"SELECT {rk} AS rkey, {tab.count()} AS incidents, "  # noqa: S608 - w is fixed text from incident_where
        "CAST(coalesce(sum(i.dead_and_missing), 0) AS BIGINT) AS dead_and_missing, "
        f"{tab.count('i.n_routes > 1')} AS multi_route_incidents, "
        "CAST(coalesce(sum(i.dead_and_missing) FILTER "
        "(WHERE i.incident_date BETWEEN $cov_from AND $cov_to), 0) AS BIGINT) "
        "AS dead_and_missing_in_detection_months, "
        f"CAST(coalesce({tab.quality_sum}, 0) AS BIGINT) AS sq_sum, "
        f"{tab.quality_n} AS sq_n "
        f"FROM {tab.name} i WHERE {w} GROUP BY 1",
        p,
    )
    rep, route = _explode(_lists_of(g["rkey"], lists.routes if lists else None))
    (route_id,), inv = _groups(route)
    n = len(route_id)
    out = {"route_id": _str(route_id)}
    for c in (
        "incidents",
        "dead_and_missing",
        "multi_route_incidents",
        "dead_and_missing_in_detection_months",
    ):
        out[c] = _int(inv, n, g[c][rep])
    n_q = _sum(inv, n, g["sq_n"][rep])
    out["mean_source_quality"] = _sum(inv, n, g["sq_sum"][rep]) / np.where(n_q > 0, n_q, np.nan)
    return pd.DataFrame(out)


def query_route_detection_totals(
    con: Con, f: Filters, v: Vintages | None = None, cube: pa.Table | None = None
) -> pd.DataFrame:
    """Frontex detections per route under the filters (period, route, nationality).

    Parameters
    ----------
    cube : pyarrow.Table, optional
        :func:`query_detection_cube` of this warehouse: the same sums, read faster.

    Returns
    -------
    DataFrame
        ``route_id``, ``detections`` (events, not persons), ``first_month``, ``last_month``
        (dates, first day of the month).
    """
    v = _vintages(con, f, v)
    w, p = detection_where(f, v)
    return _detections_df(
        con,
        "SELECT d.route_id, CAST(sum(d.detections) AS BIGINT) AS detections, "  # noqa: S608
        "min(d.month) AS first_month, max(d.month) AS last_month "
        f"FROM {{table}} d WHERE {w} GROUP BY d.route_id ORDER BY d.route_id",
        p,
        cube,
    )


def query_detections_by_nationality_route(
    con: Con, f: Filters, v: Vintages | None = None, cube: pa.Table | None = None
) -> pd.DataFrame:
    """Frontex detections per nationality and route under the filters.

    Parameters
    ----------
    cube : pyarrow.Table, optional
        :func:`query_detection_cube` of this warehouse: the same sums, read faster.

    Returns
    -------
    DataFrame
        ``iso3`` (nationality, ISO-3; rows without one are left out), ``route_id``,
        ``detections`` (events, not persons).
    """
    v = _vintages(con, f, v)
    w, p = detection_where(f, v)
    return _detections_df(
        con,
        "SELECT d.nationality_iso3 AS iso3, d.route_id, "  # noqa: S608
        "CAST(sum(d.detections) AS BIGINT) AS detections FROM {table} d "
        f"WHERE {w} AND d.nationality_iso3 IS NOT NULL "
        "GROUP BY 1, 2 ORDER BY 1, 2",
        p,
        cube,
    )


def query_route_monthly(
    con: Con, f: Filters, route_id: str, v: Vintages | None = None
) -> pd.DataFrame:
    """Monthly dead and missing (IOM) and detections (Frontex) on one route.

    Returns
    -------
    DataFrame
        ``month`` (date, first day), ``incidents`` (count), ``dead_and_missing`` (persons,
        0 in months without incidents), ``detections`` (events; missing where Frontex has no
        figure for the month). Every month that has either figure.
    """
    v = _vintages(con, f, v)
    fr = f.replace(routes=(route_id,))
    w, p = incident_where(fr, v)
    dw, dp = detection_where(fr, v)
    tab = _table(con, fr, v, False)
    # Monthly sums by route: the detection cube holds them where the ingest wrote it.
    det = DETECTION_TABLE if detection_cube_ready(con, v.detections) else "detections"
    df = _df(
        con,
        "WITH inc AS (SELECT CAST(date_trunc('month', i.incident_date) AS DATE) AS month, "  # noqa: S608
        f"{tab.count()} AS incidents, "
        "CAST(sum(i.dead_and_missing) AS BIGINT) AS dead_and_missing "
        f"FROM {tab.name} i WHERE {w} GROUP BY 1), "
        "det AS (SELECT CAST(d.month AS DATE) AS month, CAST(sum(d.detections) AS BIGINT) "
        f"AS detections FROM {det} d WHERE {dw} GROUP BY 1) "
        "SELECT coalesce(inc.month, det.month) AS month, coalesce(inc.incidents, 0) AS incidents, "
        "coalesce(inc.dead_and_missing, 0) AS dead_and_missing, det.detections "
        "FROM inc FULL OUTER JOIN det ON inc.month = det.month ORDER BY 1",
        {**p, **dp},
    )
    df["month"] = pd.to_datetime(df["month"]).dt.date
    df["detections"] = df["detections"].astype("Float64")
    return df


def query_indicator_editions(con: Con, indicator: str) -> pd.DataFrame:
    """Editions of one country indicator that are loaded.

    Returns
    -------
    DataFrame
        ``edition`` (year), ``source_id``, ``countries`` (count), newest first.
    """
    return _df(
        con,
        "SELECT edition, any_value(source_id) AS source_id, count(*) AS countries "
        "FROM country_indicators WHERE indicator = $ind GROUP BY edition ORDER BY edition DESC",
        {"ind": indicator},
    )
