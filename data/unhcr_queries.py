"""Read queries over the UNHCR tables: refugee populations and daily sea arrivals.

Bound parameters only, one cursor per query (as :mod:`data.queries`). The two UNHCR tables are
separate measures from the incident and detection tables: populations are end-year stocks of
persons, arrivals are persons landed per day. Nothing here adds them to deaths or detections.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

Con = duckdb.DuckDBPyConnection


def _df(con: Con, sql: str, params: dict[str, Any]) -> pd.DataFrame:
    cur = con.cursor()
    try:
        return cur.execute(sql, params).df()
    finally:
        cur.close()


def query_unhcr_source(con: Con, kind: str, is_demo: bool) -> str | None:
    """The ``source_id`` of the newest loaded source of ``kind`` (``unhcr-population`` or
    ``unhcr-arrivals``), preferring one whose ``is_demo`` matches (real with real)."""
    if kind not in ("unhcr-population", "unhcr-arrivals"):
        raise ValueError(f"not a UNHCR source kind: {kind!r}")
    cur = con.cursor()
    try:
        row = cur.execute(
            "SELECT source_id FROM sources WHERE kind = $kind "
            "ORDER BY (is_demo = $demo) DESC, vintage DESC, ingested_at DESC LIMIT 1",
            {"kind": kind, "demo": bool(is_demo)},
        ).fetchone()
    finally:
        cur.close()
    return None if row is None else str(row[0])


def query_refugee_population_by_year(con: Con, source_id: str, origin_iso3: str) -> pd.DataFrame:
    """Refugees and asylum-seekers from one country of origin, per year.

    Returns
    -------
    DataFrame
        ``year`` (int), ``refugees`` and ``asylum_seekers`` (persons, summed over the countries
        of asylum; ``NaN`` where UNHCR reports none), ``last_year`` (the newest year of the
        source, the provisional one), oldest first.
    """
    return _df(
        con,
        "SELECT year, CAST(sum(refugees) AS DOUBLE) AS refugees, "
        "CAST(sum(asylum_seekers) AS DOUBLE) AS asylum_seekers, "
        "(SELECT max(year) FROM refugee_population WHERE source_id = $sid) AS last_year "
        "FROM refugee_population WHERE source_id = $sid AND origin_iso3 = $iso3 "
        "GROUP BY year ORDER BY year",
        {"sid": source_id, "iso3": origin_iso3},
    )
