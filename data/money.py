"""Corridor economics: the cited reference tables and the persons counts they multiply.

The four tables in ``data/reference/`` are authored by hand from public
documents (``docs/money.md`` says how each row was read): smuggling fees, exchange rates and
deflators, statements of the share of migrants who used a smuggler, and published revenue
estimates. The readers return them as they are (numbers as numbers, empty cells as ``""``);
:mod:`analytics.money` does the arithmetic.

The queries count the persons moved on each route and year: Frontex detections (events, not
persons) or UNHCR sea arrivals (persons landed; Italy only in the shipped data). Every value is
bound; the vintage comes from :class:`~data.filters.Filters` as for every other query.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from data.filters import Filters
from data.queries import detection_where, resolve_vintages

Con = duckdb.DuckDBPyConnection

#: ``data.reference.REFERENCE_DIR``, named here so the first page need not import geopandas.
REFERENCE_DIR = Path(__file__).resolve().parent / "reference"

FEES_FILE = "smuggling_fees.csv"
FX_FILE = "fx_deflators.csv"
SHARE_FILE = "smuggler_use_share.csv"
PUBLISHED_FILE = "published_revenue_estimates.csv"

_NUMERIC = {
    FEES_FILE: ("year", "fee_low", "fee_high", "publication_year"),
    FX_FILE: ("year", "value", "publication_year"),
    SHARE_FILE: ("year", "share_low", "share_high", "publication_year"),
    PUBLISHED_FILE: ("year", "low", "high", "publication_year"),
}


def _read(name: str) -> pd.DataFrame:
    df = pd.read_csv(REFERENCE_DIR / name, dtype=str, keep_default_na=False)
    for col in _NUMERIC[name]:
        # A malformed number is an error in a shipped file: raise, never coerce to NaN.
        df[col] = pd.to_numeric(df[col], errors="raise")
    return df


def read_fees() -> pd.DataFrame:
    """``smuggling_fees.csv``: one cited fee per route or leg and year.

    Returns
    -------
    DataFrame
        ``fee_id``, ``route_id``, ``leg``, ``year`` (int), ``fee_low``, ``fee_high`` (per person,
        in ``currency`` of ``year``), ``currency``, ``service``, ``fee_kind`` (``crossing``,
        ``journey``, ``leg`` or ``toll``), ``part_of`` (the ``fee_id`` of the whole a leg or
        toll belongs to, else ``""``), the citation columns and ``source_type``.
    """
    return _read(FEES_FILE)


def read_fx() -> pd.DataFrame:
    """``fx_deflators.csv``: ``series_id`` (``fx_usd_per_eur``, ``fx_gbp_per_eur``,
    ``cpi_u_us``), ``year`` (int), ``value`` (float) and the citation columns."""
    return _read(FX_FILE)


def read_smuggler_share() -> pd.DataFrame:
    """``smuggler_use_share.csv``: ``share_id``, ``route_id`` (ids joined with ``;``), ``year``,
    ``share_low``, ``share_high`` (0-1) and the citation columns."""
    return _read(SHARE_FILE)


def read_published_estimates() -> pd.DataFrame:
    """``published_revenue_estimates.csv``: ``estimate_id``, ``route_id`` (ids joined with ``;``;
    empty for the global estimate), ``year``, ``low``, ``high`` (in ``currency`` of ``year``),
    ``bound``, ``covers``, ``method_stated`` and the citation columns."""
    return _read(PUBLISHED_FILE)


# ----------------------------------------------------------------------------- persons


def query_detections_by_route_year(con: Con, f: Filters) -> pd.DataFrame:
    """Frontex detections by route and year under ``f`` (period, routes, nationalities).

    Returns
    -------
    DataFrame
        ``route_id``, ``year`` (int), ``persons`` (detections: events, not persons),
        ``first_month``, ``last_month`` (dates: the months of the year with a row),
        ``source_id``.
    """
    v = resolve_vintages(con, f)
    if v.detections is None:
        return pd.DataFrame(
            columns=["route_id", "year", "persons", "first_month", "last_month", "source_id"]
        )
    w, p = detection_where(f, v)
    sql = (
        "SELECT d.route_id, year(d.month) AS year, sum(d.detections) AS persons, "  # noqa: S608
        "min(d.month) AS first_month, max(d.month) AS last_month, any_value(d.source_id) "
        f"AS source_id FROM detections d WHERE {w} AND d.route_id <> 'unclassified' "
        "GROUP BY 1, 2 ORDER BY 1, 2"
    )
    cur = con.cursor()
    try:
        df = cur.execute(sql, p).df()
    finally:
        cur.close()
    df["year"] = df["year"].astype("int64")
    df["persons"] = df["persons"].astype("int64")
    return df


def query_arrivals_source(con: Con, f: Filters) -> str | None:
    """The UNHCR arrivals source matching the vintage in use (real with real, demo with demo),
    newest first; ``None`` when none is loaded."""
    v = resolve_vintages(con, f)
    cur = con.cursor()
    try:
        row = cur.execute(
            "SELECT source_id FROM sources WHERE kind = 'unhcr-arrivals' AND is_demo = $demo "
            "ORDER BY vintage DESC, ingested_at DESC LIMIT 1",
            {"demo": bool(v.is_demo)},
        ).fetchone()
    finally:
        cur.close()
    return str(row[0]) if row else None


def query_arrivals_by_country_year(con: Con, f: Filters) -> pd.DataFrame:
    """UNHCR sea arrivals by country of arrival and year within ``f``'s period.

    Returns
    -------
    DataFrame
        ``country_iso3``, ``year`` (int), ``persons`` (arrivals: persons disembarked),
        ``first_day``, ``last_day`` (the source's first and last day, whole series),
        ``source_id``.
    """
    sid = query_arrivals_source(con, f)
    cols = ["country_iso3", "year", "persons", "first_day", "last_day", "source_id"]
    if sid is None:
        return pd.DataFrame(columns=cols)
    params: dict[str, Any] = {"sid": sid}
    clauses = ["a.source_id = $sid"]
    if f.date_from:
        clauses.append("a.date >= $a_from")
        params["a_from"] = f.date_from
    if f.date_to:
        clauses.append("a.date <= $a_to")
        params["a_to"] = f.date_to
    sql = (
        "SELECT a.country_iso3, year(a.date) AS year, sum(a.arrivals) AS persons, "  # noqa: S608
        "any_value(s.first_day) AS first_day, any_value(s.last_day) AS last_day, "
        "any_value(a.source_id) AS source_id FROM arrivals a CROSS JOIN (SELECT min(date) AS "
        "first_day, max(date) AS last_day FROM arrivals WHERE source_id = $sid) s "
        f"WHERE {' AND '.join(clauses)} GROUP BY 1, 2 ORDER BY 1, 2"
    )
    cur = con.cursor()
    try:
        df = cur.execute(sql, params).df()
    finally:
        cur.close()
    df["year"] = df["year"].astype("int64")
    df["persons"] = df["persons"].astype("int64")
    for c in ("first_day", "last_day"):
        df[c] = pd.to_datetime(df[c]).dt.date
    return df


def frontex_span(con: Con, f: Filters) -> tuple[dt.date | None, dt.date | None]:
    """First and last month of the Frontex vintage in use (``None`` when none is loaded)."""
    v = resolve_vintages(con, f)
    if v.detections is None:
        return None, None
    cur = con.cursor()
    try:
        row = cur.execute(
            "SELECT min(month), max(month) FROM detections WHERE source_id = $sid",
            {"sid": v.detections},
        ).fetchone()
    finally:
        cur.close()
    if not row or row[0] is None:
        return None, None
    return pd.Timestamp(row[0]).date(), pd.Timestamp(row[1]).date()
