"""The monthly incident rollup (data/cube.py) gives exactly what the incidents table gives.

Every grouped query that may read the rollup is run twice on the same warehouse: once as the
app runs it (the rollup wherever the period is whole months) and once with the rollup turned
off, and the two results must be equal, for filters of every kind. The rollup must really be
read where it can be (else these comparisons prove nothing), never where it cannot (a period
starting mid-month, a rollup out of step with its incidents), and the ingest must write it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import data.cube as cube
from data import queries as q
from data import risk_queries as rq
from data.db import connect_read_only
from data.filters import Filters
from services import report

Y23 = {"date_from": dt.date(2023, 1, 1), "date_to": dt.date(2023, 12, 31)}
FILTERS = [
    Filters(),
    Filters(**Y23),
    Filters(date_from=dt.date(2021, 1, 1), date_to=dt.date(2022, 12, 31)),
    Filters(date_from=dt.date(2024, 2, 1), date_to=dt.date(2024, 2, 29)),  # leap February
    Filters(date_from=dt.date(2024, 4, 1), date_to=dt.date(2024, 6, 30)),
    Filters(date_to=dt.date(2019, 12, 31)),
    Filters(routes=("central_mediterranean",), **Y23),
    Filters(routes=("central_mediterranean", "western_balkans")),
    Filters(causes=("Drowning",), **Y23),
    Filters(origins=("AFG", "SYR")),
    Filters(min_source_quality=3, **Y23),
    Filters(un_regions=("Africa",)),
    Filters(mmp_regions=("Mediterranean",), date_from=dt.date(2022, 1, 1)),
]
MID_MONTH = Filters(date_from=dt.date(2023, 3, 5), date_to=dt.date(2023, 8, 20))


@pytest.fixture(scope="module")
def db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo warehouse with some incidents stripped of their country, coordinates,
    children and sex breakdown (so every kind of NULL meets the rollup), rebuilt."""
    path = tmp_path_factory.mktemp("cube") / "warehouse.duckdb"
    shutil.copyfile(demo_db, path)
    con = duckdb.connect(str(path))
    try:
        con.execute(
            "UPDATE incidents SET country_of_incident_iso3 = NULL WHERE row_number % 37 = 0"
        )
        con.execute("UPDATE incidents SET lat = NULL, lon = NULL WHERE row_number % 401 = 0")
        con.execute("UPDATE incidents SET children = NULL WHERE row_number % 3 = 0")
        con.execute("UPDATE incidents SET females = NULL, males = NULL WHERE row_number % 5 = 0")
        con.execute("UPDATE incidents SET source_quality = NULL WHERE row_number % 11 = 0")
        for (sid,) in con.execute("SELECT DISTINCT source_id FROM incidents").fetchall():
            cube.build_incident_cube(con, sid)
    finally:
        con.close()
    return path


@pytest.fixture(scope="module")
def con(db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = connect_read_only(db)
    yield c
    c.close()


def _calls(con: duckdb.DuckDBPyConnection, f: Filters) -> Iterator[tuple[str, Callable[[], Any]]]:
    cov = report.coverage(con, f)["frontex"]
    window = (cov.first, cov.last) if cov else None
    ref = report.load_reference(con)
    lists = ref.lists.get(q.resolve_vintages(con, f).incidents or "")
    yield "headline", lambda: q.query_headline(con, f)
    for dim, per in itertools.product(q.INCIDENT_DIMENSIONS, ("month", "year", None)):
        yield f"by {dim} {per}", lambda dim=dim, per=per: q.query_incidents_by(con, f, dim, per)
    yield "hex", lambda: q.query_incident_hex(con, f, 3)
    yield "count", lambda: q.query_incident_count(con, f)
    yield "monthly", lambda: rq.query_monthly_series(con, f, None, lists)
    for prev, routes, detail in itertools.product((True, False), repeat=3):
        yield (
            f"origins {prev} {routes} {detail}",
            lambda p=prev, r=routes, d=detail: rq.query_origin_tables(
                con, f, window, None, lists, previous=p, routes=r, detail=d
            ),
        )
    for prev, routes, violence in itertools.product((True, False), repeat=3):
        yield (
            f"countries {prev} {routes} {violence}",
            lambda p=prev, r=routes, vi=violence: rq.query_country_tables(
                con, f, None, lists, previous=p, routes=r, violence=vi
            ),
        )
    fx = rq.query_frontex_routes(con)
    yield (
        "origin sizes",
        lambda: _sizes(
            rq.query_origin_incident_sizes(con, f, window, None, lists, frontex_routes=fx)
        ),
    )
    yield "route totals", lambda: rq.query_route_incident_totals(con, f, window, None, lists)
    yield "route monthly", lambda: rq.query_route_monthly(con, f, "central_mediterranean")
    for dim in ("route", "nationality", "none"):
        for per in ("month", "year", None):
            yield (
                f"detections by {dim} {per}",
                lambda dim=dim, per=per: q.query_detections_by(con, f, dim, per),
            )
    yield "detection totals", lambda: rq.query_route_detection_totals(con, f)
    yield "detections by nationality", lambda: rq.query_detections_by_nationality_route(con, f)


def _sizes(df: pd.DataFrame) -> pd.DataFrame:
    """Incident sizes as a distribution: the same incidents may come in other row splits
    (grouped by origin text on the table, by origin list on the rollup) and row order."""
    keys = ["current", "countries", "dead_and_missing", "frontex"]
    return (
        df.groupby(keys, sort=True)
        .agg(incidents=("incidents", "sum"), first_date=("first_date", "min"))
        .reset_index()
    )


def _equal(a: Any, b: Any, where: str) -> None:
    if isinstance(a, pd.DataFrame):
        assert_frame_equal(a, b, obj=where)
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), where
        for k in a:
            _equal(a[k], b[k], f"{where}.{k}")
    elif hasattr(a, "__dataclass_fields__"):
        for k in a.__dataclass_fields__:
            _equal(getattr(a, k), getattr(b, k), f"{where}.{k}")
    elif a is None or (isinstance(a, float) and a != a):
        assert b is None or (isinstance(b, float) and b != b), where
    else:
        assert a == b, where


class _Spy:
    """Counts which table :func:`data.cube.incident_table` hands out."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, enabled: bool) -> None:
        self.used: list[str] = []
        real = cube.incident_table
        if not enabled:
            monkeypatch.setattr(cube, "cube_ready", lambda con, source_id: False)
            for mod in (q, rq):
                monkeypatch.setattr(mod, "detection_cube_ready", lambda con, source_id: False)

        def spy(*args: Any, **kwargs: Any) -> cube.IncidentTable:
            t = real(*args, **kwargs)
            self.used.append(t.name)
            return t

        for mod in (q, rq):
            monkeypatch.setattr(mod, "incident_table", spy)


@pytest.mark.parametrize("f", FILTERS, ids=lambda f: f.describe())
def test_every_grouped_query_gives_the_same_table_on_the_rollup(con, f, monkeypatch):
    results = {}
    with monkeypatch.context() as m:
        spy = _Spy(m, enabled=True)
        for name, fn in _calls(con, f):
            results[name] = fn()
    assert cube.TABLE in spy.used, "the rollup was never read: nothing is compared"
    with monkeypatch.context() as m:
        spy = _Spy(m, enabled=False)
        for name, fn in _calls(con, f):
            _equal(results[name], fn(), f"{name} under {f.describe()}")
    assert set(spy.used) == {"incidents"}


@pytest.mark.parametrize("f", FILTERS[:7], ids=lambda f: f.describe())
def test_the_services_give_the_same_tables_and_messages_on_the_rollup(con, f, monkeypatch):
    def everything() -> dict[str, Any]:
        return {
            "route_risk": report.route_risk(con, f),
            "origin_risk": report.origin_risk(con, f),
            "transit_risk": report.transit_risk(con, f),
            "alert_board": report.alert_board(con, f),
            "key_messages": report.key_messages(con, f, n=10),
            "headline": report.headline(con, f),
        }

    with_rollup = everything()
    with monkeypatch.context() as m:
        m.setattr(cube, "cube_ready", lambda con, source_id: False)
        for mod in (q, rq):
            m.setattr(mod, "detection_cube_ready", lambda con, source_id: False)
        without = everything()
    _equal(with_rollup, without, f.describe())


def test_a_period_that_is_not_whole_months_reads_the_incidents(con, monkeypatch):
    spy = _Spy(monkeypatch, enabled=True)
    q.query_headline(con, MID_MONTH)
    rq.query_monthly_series(con, MID_MONTH)
    assert spy.used == ["incidents", "incidents"]
    spy.used.clear()
    q.query_headline(con, Filters(**Y23))
    assert spy.used == [cube.TABLE]


def test_a_resolution_five_map_reads_the_incidents(con, monkeypatch):
    spy = _Spy(monkeypatch, enabled=True)
    q.query_incident_hex(con, Filters(**Y23), 5)
    assert spy.used == []  # the rollup keeps resolution-3 cells only: never asked
    assert len(q.query_incident_hex(con, Filters(**Y23), 5)) > 0


@pytest.mark.parametrize(
    ("windows", "whole"),
    [
        ([(None, None)], True),
        ([(dt.date(2024, 1, 1), dt.date(2024, 12, 31))], True),
        ([(dt.date(2024, 2, 1), dt.date(2024, 2, 29))], True),
        ([(dt.date(2023, 2, 1), dt.date(2023, 2, 28))], True),
        ([(dt.date(2023, 2, 1), dt.date(2023, 2, 27))], False),
        ([(dt.date(2023, 2, 2), None)], False),
        ([(None, dt.date(2023, 6, 30))], True),
        (
            [
                (dt.date(2024, 1, 1), dt.date(2024, 12, 31)),
                (dt.date(2023, 1, 1), dt.date(2023, 12, 30)),
            ],
            False,
        ),
        # An empty window (the "no detection coverage" sentinel) selects nothing anywhere.
        ([(dt.date(9999, 12, 31), dt.date(1, 1, 1))], True),
    ],
)
def test_whole_months(windows, whole):
    assert cube.whole_months(windows) is whole


def test_a_rollup_out_of_step_with_its_incidents_is_not_read(db, tmp_path):
    path = tmp_path / "stale.duckdb"
    shutil.copyfile(db, path)
    con = duckdb.connect(str(path))
    try:
        sid = con.execute("SELECT min(source_id) FROM incidents").fetchone()[0]
        assert cube.cube_ready(con, sid)
        before = q.query_headline(con, Filters(**Y23))
        con.execute(
            "INSERT INTO incidents SELECT * REPLACE (row_number + 10000000 AS row_number) "
            "FROM incidents WHERE source_id = $s AND year = 2023 LIMIT 1",
            {"s": sid},
        )
        assert not cube.cube_ready(con, sid)
        after = q.query_headline(con, Filters(**Y23))
        assert after["incidents"] == before["incidents"] + 1
        cube.build_incident_cube(con, sid)
        assert cube.cube_ready(con, sid)
        assert q.query_headline(con, Filters(**Y23)) == after
    finally:
        con.close()


def test_the_ingest_writes_the_rollup_and_init_fills_in_a_missing_one(demo_db, tmp_path):
    from data.ingest import build_rollups

    path = tmp_path / "w.duckdb"
    shutil.copyfile(demo_db, path)
    con = duckdb.connect(str(path))
    try:
        (sid,) = con.execute("SELECT DISTINCT source_id FROM incidents").fetchone()
        n = con.execute("SELECT count(*) FROM incidents").fetchone()[0]
        assert con.execute("SELECT sum(n) FROM incident_cube").fetchone()[0] == n
        # A warehouse from before the rollup: no rollup, no record of one.
        con.execute("DROP TABLE incident_cube")
        con.execute("DELETE FROM meta WHERE starts_with(key, 'incident_cube:')")
        assert not cube.cube_ready(con, sid)
    finally:
        con.close()
    assert build_rollups(path) == [sid]  # what `python -m data init` (make run) does
    assert build_rollups(path) == []
    con = connect_read_only(path)
    try:
        assert cube.cube_ready(con, sid)
        assert con.execute("SELECT sum(n) FROM incident_cube").fetchone()[0] == n
    finally:
        con.close()


def test_the_detection_cube_written_at_ingest_is_the_one_summed_on_reading(db):
    con = duckdb.connect(str(db), read_only=True)  # not memoised: read each time
    try:
        written = q.read_detection_cube(con)
        summed = con.sql(q.DETECTION_CUBE_SQL).to_arrow_table()
        assert written.num_rows > 0
        assert written.equals(summed)
        n = con.execute("SELECT count(*) FROM detections").fetchone()[0]
        assert n > written.num_rows  # border types summed away: the cube is smaller
    finally:
        con.close()
