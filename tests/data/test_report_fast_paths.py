"""The faster paths of the risk analytics give the same tables as the plain ones.

:func:`services.report.load_reference` (read once, passed as ``ref=``), the grouped scans of
:mod:`data.risk_queries` (grouped by text when :func:`~data.risk_queries.query_lists_by_text`
allows it, by the lists otherwise), the detection cube and the tables passed to
:func:`services.report.key_messages` are all shortcuts: each test compares a shortcut with the
long way, or with sums computed here from the incident rows with pandas.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from data import risk_queries as rq
from data.cube import build_incident_cube
from data.db import connect_read_only
from data.filters import Filters
from data.queries import incident_where, query_headline, resolve_vintages
from services import report

YEAR = {"date_from": dt.date(2023, 1, 1), "date_to": dt.date(2023, 12, 31)}
FILTERS = [
    Filters(),
    Filters(**YEAR),
    Filters(date_from=dt.date(2021, 3, 5), date_to=dt.date(2022, 8, 20)),
    Filters(routes=("central_mediterranean",)),
    Filters(routes=("central_mediterranean", "western_balkans"), **YEAR),
    Filters(causes=("Drowning",)),
    Filters(origins=("AFG",), **YEAR),
    Filters(min_source_quality=3),
]


@pytest.fixture(scope="module")
def db(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo warehouse with some incidents stripped of their country (and a few of their
    coordinates too), so that nearest-country placement runs."""
    path = tmp_path_factory.mktemp("fast") / "warehouse.duckdb"
    shutil.copyfile(demo_db, path)
    con = duckdb.connect(str(path))
    try:
        con.execute(
            "UPDATE incidents SET country_of_incident_iso3 = NULL WHERE row_number % 40 = 0"
        )
        con.execute("UPDATE incidents SET lat = NULL, lon = NULL WHERE row_number % 400 = 0")
        # The monthly rollup is the ingest's to keep in step with the incidents: a write
        # outside the ingest must rebuild it (data/cube.py).
        for (sid,) in con.execute("SELECT DISTINCT source_id FROM incidents").fetchall():
            build_incident_cube(con, sid)
    finally:
        con.close()
    return path


@pytest.fixture(scope="module")
def con(db: Path):
    c = connect_read_only(db)
    yield c
    c.close()


@pytest.fixture(scope="module")
def ref(con) -> report.Reference:
    return report.load_reference(con)


def test_the_demo_lists_follow_their_text(con, ref):
    v = resolve_vintages(con, Filters())
    lists = ref.lists[v.incidents]
    assert lists is not None, "the ingest parses each list from its text alone"
    rows = con.execute(
        "SELECT route_labels_raw, route_ids, origin_raw, origin_iso3 FROM incidents "
        "WHERE source_id = ? LIMIT 500",
        [v.incidents],
    ).fetchall()
    for route_text, routes, origin_text, origins in rows:
        assert lists.routes[route_text] == tuple(routes)
        assert lists.origins[origin_text] == tuple(origins)


@pytest.mark.parametrize("f", FILTERS, ids=lambda f: f.describe())
def test_a_reference_changes_nothing(con, ref, f):
    for fn in (report.route_risk, report.origin_risk, report.transit_risk):
        assert_frame_equal(fn(con, f, ref=ref), fn(con, f))
    for fn in (report.origin_risk, report.transit_risk):
        kw = {"scope": "world", "variant": "raw"}
        assert_frame_equal(fn(con, f, ref=ref, **kw), fn(con, f, **kw))
    assert_frame_equal(report.alert_candidates(con, f, ref=ref), report.alert_candidates(con, f))
    assert report.default_as_of(con, f, ref=ref) == report.default_as_of(con, f)
    assert report.source_labels(con, ref=ref) == report.source_labels(con)


@pytest.mark.parametrize("f", FILTERS, ids=lambda f: f.describe())
def test_key_messages_with_passed_tables_equal_computed(con, ref, f):
    computed = report.key_messages(con, f, n=10)
    assert len(computed) >= 1
    head = query_headline(con, f)
    figures = report.headline(con, f, current=head)
    al = report.alerts(con, f)
    everything = {
        "route_risk": report.route_risk(con, f),
        # Messages speak of every route: the tables in the scope "world".
        "origin_risk": report.origin_risk(con, f, scope="world"),
        "transit_risk": report.transit_risk(con, f, scope="world"),
        "alerts": al,
        "headline": head,
        "figures": figures,
    }
    assert_frame_equal(report.key_messages(con, f, n=10, **everything), computed)
    assert_frame_equal(report.key_messages(con, f, n=10, ref=ref, **everything), computed)
    # What the Overview has at hand: the route table, the alerts and the headline figures;
    # origin and country figures are then computed without the scored tables.
    some = {k: everything[k] for k in ("route_risk", "alerts", "headline", "figures")}
    assert_frame_equal(report.key_messages(con, f, n=10, ref=ref, **some), computed)
    # Scores under other weights rank differently but give the same dead and missing.
    weights = (("dead_and_missing", 1.0), ("share_violence", 2.0))
    other = {
        **everything,
        "origin_risk": report.origin_risk(
            con, f, (("oc_human_smuggling", 1.0),), scope="world", variant="raw"
        ),
        "transit_risk": report.transit_risk(con, f, weights, scope="world"),
    }
    assert_frame_equal(report.key_messages(con, f, n=10, **other), computed)


def test_key_messages_check_routes_before_using_passed_tables(con):
    with pytest.raises(ValueError, match="unknown route"):
        report.key_messages(con, Filters(routes=("atlantis",)), route_risk=pd.DataFrame())


def _incidents(con, f: Filters) -> pd.DataFrame:
    """The filtered incident rows, one per incident, read without the grouped queries."""
    v = resolve_vintages(con, f)
    w, p = incident_where(f, v)
    return con.execute(
        "SELECT i.route_ids, i.origin_iso3, i.country_of_incident_iso3 AS iso3, i.lon, i.lat, "  # noqa: S608
        "i.incident_date, i.dead_and_missing AS dm, i.children, i.females, i.males, "
        f"i.source_quality AS q, i.causes FROM incidents i WHERE {w}",
        p,
    ).df()


@pytest.mark.parametrize("text_keys", [True, False], ids=["by text", "by list"])
@pytest.mark.parametrize("f", FILTERS[:4], ids=lambda f: f.describe())
def test_grouped_scans_match_sums_over_incidents(con, ref, f, text_keys):
    v = resolve_vintages(con, f)
    lists = ref.lists[v.incidents] if text_keys else None
    rows = _incidents(con, f)
    rows["routes"] = rows["route_ids"].map(list)
    rows["origins"] = rows["origin_iso3"].map(list)

    by_route = rows.explode("routes").groupby("routes")["dm"].agg(["size", "sum"])
    got = rq.query_route_incident_totals(con, f, None, v, lists).set_index("route_id")
    assert got["incidents"].to_dict() == by_route["size"].to_dict()
    assert got["dead_and_missing"].to_dict() == by_route["sum"].to_dict()

    known = rows[rows["origins"].map(len) > 0].copy()
    known["share"] = known["dm"] / known["origins"].map(len)
    per_origin = known.explode("origins").groupby("origins")["share"].sum()
    tables = rq.query_origin_tables(con, f, None, v, lists, frontex_routes=ref.frontex_routes)
    cur = tables.current.set_index("iso3")["dead_and_missing"]
    assert cur.index.tolist() == per_origin.index.tolist()
    np.testing.assert_allclose(cur.to_numpy(), per_origin.to_numpy(), rtol=1e-12)
    unknown = rows[rows["origins"].map(len) == 0]
    assert tables.unknown.iloc[0].tolist() == [len(unknown), int(unknown["dm"].sum())]
    pair = known.explode("origins").explode("routes").groupby(["origins", "routes"])["share"]
    np.testing.assert_allclose(
        tables.by_route["dead_and_missing"].to_numpy(), pair.sum().to_numpy(), rtol=1e-12
    )

    located = rows[rows["iso3"].notna()]
    violent = located["causes"].map(lambda c: "Violence" in list(c))
    countries = rq.query_country_tables(con, f, v, lists).located.set_index("iso3")
    assert countries["dead_and_missing"].to_dict() == located.groupby("iso3")["dm"].sum().to_dict()
    assert (
        countries["dead_and_missing_violence"].to_dict()
        == located["dm"].where(violent, 0).groupby(located["iso3"]).sum().to_dict()
    )
    unlocated = rq.query_country_tables(con, f, v, lists).unlocated
    assert unlocated["incidents"].sum() == rows["iso3"].isna().sum()


def test_previous_period_comes_from_its_own_scan(con, ref):
    f = Filters(**YEAR)
    v = resolve_vintages(con, f)
    lists = ref.lists[v.incidents]
    pf = f.previous_period()
    tables = rq.query_origin_tables(con, f, None, v, lists, frontex_routes=ref.frontex_routes)
    alone = rq.query_origin_tables(con, pf, None, v, lists, previous=False)
    cols = ["iso3", "incidents", "split_incidents", "dead_and_missing"]
    assert_frame_equal(tables.previous[cols], alone.current[cols])
    c = rq.query_country_tables(con, f, v, lists)
    c_alone = rq.query_country_tables(con, pf, v, lists, previous=False)
    cols = ["iso3", "incidents", "dead_and_missing"]
    assert_frame_equal(c.previous_located[cols], c_alone.located[cols])
    assert c.previous_unlocated["incidents"].sum() == c_alone.unlocated["incidents"].sum()


@pytest.mark.parametrize("f", FILTERS, ids=lambda f: f.describe())
def test_the_detection_cube_gives_the_same_sums(con, ref, f):
    v = resolve_vintages(con, f)
    assert_frame_equal(
        rq.query_route_detection_totals(con, f, v, ref.detection_cube),
        rq.query_route_detection_totals(con, f, v),
    )
    assert_frame_equal(
        rq.query_detections_by_nationality_route(con, f, v, ref.detection_cube),
        rq.query_detections_by_nationality_route(con, f, v),
    )


def test_lists_that_do_not_follow_their_text_are_not_grouped_by_text(db, tmp_path):
    path = tmp_path / "edited.duckdb"
    shutil.copyfile(db, path)
    con = duckdb.connect(str(path))
    try:
        con.execute(
            "UPDATE incidents SET route_ids = ['darien'] WHERE row_number = "
            "(SELECT min(row_number) FROM incidents WHERE list_contains(route_ids, "
            "'central_mediterranean'))"
        )
        for (sid,) in con.execute("SELECT DISTINCT source_id FROM incidents").fetchall():
            build_incident_cube(con, sid)  # an edit outside the ingest rebuilds the rollup
    finally:
        con.close()
    edited = connect_read_only(path)
    try:
        v = resolve_vintages(edited, Filters())
        assert rq.query_lists_by_text(edited, str(v.incidents)) is None
        ref = report.load_reference(edited)
        assert ref.lists[str(v.incidents)] is None
        assert_frame_equal(
            report.route_risk(edited, Filters(), ref=ref), report.route_risk(edited, Filters())
        )
        darien = report.route_risk(edited, Filters(), ref=ref).set_index("route_id")
    finally:
        edited.close()
    before = connect_read_only(db)
    try:
        original = report.route_risk(before, Filters()).set_index("route_id")
    finally:
        before.close()
    assert darien.loc["darien", "incidents"] == original.loc["darien", "incidents"] + 1


def test_a_reference_from_another_warehouse_is_refused(con, fixture_mmp_db):
    other = connect_read_only(fixture_mmp_db)
    try:
        stale = report.load_reference(other)
    finally:
        other.close()
    v = resolve_vintages(con, Filters())
    wrong = {v.incidents: next(iter(stale.lists.values()))}
    ref = report.load_reference(con)
    mixed = report.Reference(**{**ref.__dict__, "lists": wrong})
    # Lists are read where the incidents table is grouped by text: a period that is not whole
    # months (whole months read the monthly rollup, grouped by the lists themselves).
    mid_month = Filters(date_from=dt.date(2021, 3, 5), date_to=dt.date(2022, 8, 20))
    with pytest.raises(ValueError, match="do not belong to this warehouse"):
        report.route_risk(con, mid_month, ref=mixed)


@pytest.fixture(scope="module")
def fixture_mmp_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from data.ingest import load_file
    from tests.conftest import FIXTURES

    path = tmp_path_factory.mktemp("other") / "other.duckdb"
    load_file(FIXTURES / "mmp_quirks.csv", db=path)
    return path
