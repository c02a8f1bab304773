"""The monthly incident rollup (``incident_cube``): written at ingest, read by page queries.

A page's aggregates (totals, monthly series, per route, per country, per origin, per map
cell) never look at one incident alone: they filter by period, route, cause, origin, country,
region and source quality, then sum. The rollup holds those sums once per distinct
combination of what the filters and groups look at (source, month, route list, cause list,
origin list, country of incident, MMP region list, source quality, H3 resolution-3 cell, and
the incident's own dead and missing, for the distribution of sizes), so an aggregate that
scanned every incident scans the combinations instead: about 30,000 rows at 100k benchmark
incidents, 50,000 at 1M and 58,000 at 5M; the number grows with the variety of the data, not
its size.

It answers exactly what the incidents table answers when every date bound of a query falls on
whole months (a period from the first of a month to the last day of a month, as every Period
preset does): the rollup keeps ``incident_date`` as the first day of the month, so
``incident_date >= first-of-month`` and ``incident_date <= end-of-month`` select the same
incidents on both tables. A custom period that starts or ends mid-month reads the incidents
table. Queries choose with :func:`incident_table`, which also checks the rollup was built
for the source vintage and over all of its incidents (else the incidents table is read).

The rollup is written by :func:`build_incident_cube` in the ingest's own transaction, so a
published warehouse never holds incidents without their rollup (a warehouse from before the
rollup existed is read from the incidents table until ``python -m data init``, run by
``make run``, or its next ingest builds it). The ingest is the only writer of incidents:
anything else that edits them (a test, a repair by hand) must call
:func:`build_incident_cube` after. The check made before reading the rollup (the number of
incidents it was built from) catches added or removed rows, not edited ones; a checksum of
every row would cost about 0.1 s per million incidents on the first page of each warehouse
version.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb

from data.db import snapshot_memo
from data.schema import TABLES

Con = duckdb.DuckDBPyConnection

TABLE = "incident_cube"

# What the rollup groups by: every column a filter or a page aggregate groups or filters on
# (the same names as in ``incidents``; ``incident_date`` becomes the first day of its month).
KEYS = (
    "source_id",
    "incident_date",
    "year",
    "month",
    "route_ids",
    "n_routes",
    "causes",
    "origin_iso3",
    "country_of_incident_iso3",
    "region_of_incident_list",
    "source_quality",
    "h3_r3",
    "size",
)

_BUILD = (
    "INSERT INTO incident_cube SELECT source_id, "
    "CAST(date_trunc('month', incident_date) AS DATE) AS incident_date, year, month, "
    "route_ids, n_routes, causes, origin_iso3, country_of_incident_iso3, "
    "region_of_incident_list, source_quality, h3_r3, dead_and_missing AS size, "
    "count(*) AS n, sum(dead) AS dead, sum(missing) AS missing, "
    "sum(dead_and_missing) AS dead_and_missing, max(dead_and_missing) AS largest, "
    "min(incident_date) AS first_date, max(incident_date) AS last_date, "
    "sum(children) AS children, "
    "sum(dead_and_missing) FILTER (WHERE children IS NOT NULL) AS dm_children_known, "
    "sum(coalesce(females, 0)) FILTER (WHERE females IS NOT NULL OR males IS NOT NULL) "
    "AS females_known, "
    "sum(coalesce(males, 0)) FILTER (WHERE females IS NOT NULL OR males IS NOT NULL) "
    "AS males_known "
    "FROM incidents WHERE source_id = $src "
    "GROUP BY ALL ORDER BY incident_date, country_of_incident_iso3"
)

_META_KEY = "incident_cube:"

DETECTION_TABLE = "detection_cube"
_DETECTION_META_KEY = "detection_cube:"
# Frontex publishes one row per route, border type, nationality and month; no detection query
# of the pages filters or groups by border type or the raw route label, so their sums come
# from this cube (the benchmark's 1.5 million rows have 26,000 keys).


def detection_sums(table: str, where: str = "") -> str:
    """The one grouping of the detection cube: sums by source, route, nationality and month
    over ``table`` (``detections``, or the cube itself, whose sums it leaves as they are),
    optionally restricted by ``where`` (fixed SQL text only)."""
    return (
        "SELECT source_id, route_id, nationality_iso3, month, "  # noqa: S608 - fixed names
        f"CAST(sum(detections) AS BIGINT) AS detections FROM {table} {where} "
        "GROUP BY ALL ORDER BY source_id, month, route_id, nationality_iso3"
    )


def build_incident_cube(con: Con, source_id: str) -> int:
    """(Re)write the rollup of one incident source; returns its number of rows.

    Run inside the transaction that loads the source. Records in ``meta`` how many incidents
    it was built from, so a reader can tell the rollup covers every incident of the source.
    """
    con.execute(TABLES[TABLE])
    con.execute("DELETE FROM incident_cube WHERE source_id = $src", {"src": source_id})
    con.execute(_BUILD, {"src": source_id})
    row = con.execute(
        "SELECT count(*) FROM incidents WHERE source_id = $src", {"src": source_id}
    ).fetchone()
    con.execute(
        "INSERT OR REPLACE INTO meta VALUES ($k, $v)",
        {"k": _META_KEY + source_id, "v": str(row[0] if row else 0)},
    )
    out = con.execute(
        "SELECT count(*) FROM incident_cube WHERE source_id = $src", {"src": source_id}
    ).fetchone()
    return int(out[0]) if out else 0


def build_detection_cube(con: Con, source_id: str) -> int:
    """(Re)write the detection cube of one Frontex source; returns its number of rows (as
    :func:`build_incident_cube`, in the transaction that loads the source)."""
    con.execute(TABLES[DETECTION_TABLE])
    con.execute("DELETE FROM detection_cube WHERE source_id = $src", {"src": source_id})
    con.execute(
        "INSERT INTO detection_cube " + detection_sums("detections", "WHERE source_id = $src"),
        {"src": source_id},
    )
    row = con.execute(
        "SELECT count(*) FROM detections WHERE source_id = $src", {"src": source_id}
    ).fetchone()
    con.execute(
        "INSERT OR REPLACE INTO meta VALUES ($k, $v)",
        {"k": _DETECTION_META_KEY + source_id, "v": str(row[0] if row else 0)},
    )
    out = con.execute(
        "SELECT count(*) FROM detection_cube WHERE source_id = $src", {"src": source_id}
    ).fetchone()
    return int(out[0]) if out else 0


def _missing(con: Con, table: str, key: str) -> list[str]:
    return [
        str(r[0])
        for r in con.execute(
            f"SELECT DISTINCT source_id FROM {table} WHERE source_id NOT IN "  # noqa: S608 - fixed names
            "(SELECT substr(key, $n) FROM meta WHERE starts_with(key, $k)) ORDER BY 1",
            {"n": len(key) + 1, "k": key},
        ).fetchall()
    ]


def missing_cubes(con: Con) -> list[str]:
    """Incident and detection sources without their rollup (a warehouse written before the
    rollups existed)."""
    return _missing(con, "incidents", _META_KEY) + _missing(con, "detections", _DETECTION_META_KEY)


def build_missing_cubes(con: Con) -> list[str]:
    """Build the rollup of every source that has none; returns the sources built."""
    con.execute(TABLES[TABLE])
    con.execute(TABLES[DETECTION_TABLE])
    todo = _missing(con, "incidents", _META_KEY)
    for sid in todo:
        build_incident_cube(con, sid)
    det = _missing(con, "detections", _DETECTION_META_KEY)
    for sid in det:
        build_detection_cube(con, sid)
    return todo + det


def _covers(con: Con, facts: str, key: str, source_id: str) -> bool:
    """Whether the rollup recorded under ``key`` was built from all rows of the source."""
    cur = con.cursor()
    try:
        built = cur.execute("SELECT value FROM meta WHERE key = $k", {"k": key}).fetchone()
        if built is None:
            return False
        n = cur.execute(
            f"SELECT count(*) FROM {facts} WHERE source_id = $src",  # noqa: S608 - fixed names
            {"src": source_id},
        ).fetchone()
    finally:
        cur.close()
    return n is not None and str(n[0]) == str(built[0])


def _ready(con: Con, facts: str, prefix: str, source_id: str | None) -> bool:
    if not source_id:
        return False
    memo = snapshot_memo(con)
    key = prefix + source_id
    if memo is not None and key in memo:
        return bool(memo[key])
    ok = _covers(con, facts, key, source_id)
    if memo is not None:
        memo[key] = ok
    return ok


def cube_ready(con: Con, source_id: str | None) -> bool:
    """Whether the rollup can stand in for the incidents of ``source_id`` (read once per
    read-only connection; checked on every call on any other connection)."""
    return _ready(con, "incidents", _META_KEY, source_id)


def detection_cube_ready(con: Con, source_id: str | None) -> bool:
    """Whether the detection cube can stand in for the detections of ``source_id`` (as
    :func:`cube_ready`)."""
    return _ready(con, "detections", _DETECTION_META_KEY, source_id)


def _month_start(d: dt.date) -> bool:
    return d.day == 1


def _month_end(d: dt.date) -> bool:
    return (d + dt.timedelta(days=1)).day == 1


Window = tuple[dt.date | None, dt.date | None]


def whole_months(windows: Iterable[Window]) -> bool:
    """Whether every date window starts on a first of the month and ends on a last day of a
    month (an open end counts as whole; an empty window, start after end, selects nothing on
    either table)."""
    for lo, hi in windows:
        if lo is not None and hi is not None and lo > hi:
            continue
        if lo is not None and not _month_start(lo):
            return False
        if hi is not None and not _month_end(hi):
            return False
    return True


@dataclass(frozen=True)
class IncidentTable:
    """Where one incident aggregate reads from, and how it counts there.

    ``name`` is ``incidents`` or ``incident_cube``; the expressions give the same value on
    either (alias ``i``). Only fixed SQL text: no value is ever formatted in.
    """

    name: str
    rollup: bool

    def count(self, where: str | None = None) -> str:
        """``count(*)`` of incidents (optionally ``FILTER (WHERE where)``, a condition on
        the rollup's keys only), as BIGINT."""
        flt = f" FILTER (WHERE {where})" if where else ""
        if self.rollup:
            return f"CAST(coalesce(sum(i.n){flt}, 0) AS BIGINT)"
        return f"count(*){flt}"

    @property
    def size(self) -> str:
        """The dead and missing of one incident (a key of the rollup: group or filter by it
        and count, as for the distribution of incident sizes)."""
        return "i.size" if self.rollup else "i.dead_and_missing"

    @property
    def largest(self) -> str:
        """The most dead and missing in one incident."""
        return "max(i.largest)" if self.rollup else "max(i.dead_and_missing)"

    @property
    def first_date(self) -> str:
        return "min(i.first_date)" if self.rollup else "min(i.incident_date)"

    @property
    def last_date(self) -> str:
        return "max(i.last_date)" if self.rollup else "max(i.incident_date)"

    @property
    def quality_sum(self) -> str:
        """Sum of the incidents' source quality (NULL when none records one)."""
        return "sum(i.source_quality * i.n)" if self.rollup else "sum(i.source_quality)"

    @property
    def quality_n(self) -> str:
        """Incidents that record a source quality."""
        return (
            self.count("i.source_quality IS NOT NULL") if self.rollup else "count(i.source_quality)"
        )

    @property
    def children_known_dm(self) -> str:
        """Dead and missing in incidents that record a number of children (NULL if none)."""
        if self.rollup:
            return "sum(i.dm_children_known)"
        return "sum(i.dead_and_missing) FILTER (WHERE i.children IS NOT NULL)"

    @property
    def females(self) -> str:
        """Females over incidents with a sex breakdown (NULL if none)."""
        if self.rollup:
            return "sum(i.females_known)"
        return (
            "sum(coalesce(i.females, 0)) FILTER (WHERE i.females IS NOT NULL OR "
            "i.males IS NOT NULL)"
        )

    @property
    def males(self) -> str:
        """Males over incidents with a sex breakdown (NULL if none)."""
        if self.rollup:
            return "sum(i.males_known)"
        return (
            "sum(coalesce(i.males, 0)) FILTER (WHERE i.females IS NOT NULL OR i.males IS NOT NULL)"
        )


RAW = IncidentTable("incidents", rollup=False)
ROLLUP = IncidentTable(TABLE, rollup=True)


def incident_table(con: Con, source_id: str | None, windows: Iterable[Window]) -> IncidentTable:
    """The rollup when it covers ``source_id`` and every date window of the query is whole
    months, else the incidents table."""
    if whole_months(windows) and cube_ready(con, source_id):
        return ROLLUP
    return RAW
