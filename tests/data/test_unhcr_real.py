"""UNHCR figures on the real files: the Central Mediterranean's dead and missing per 1,000 sea
arrivals for a year, and the refugee population of a country of origin, each checked against a
sum computed here, independently (warehouse SQL and the raw CSV, not the project's queries)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from data.filters import Filters
from services import unhcr
from tests.conftest import shared_file

pytestmark = pytest.mark.shared

ARRIVALS = "unhcr/unhcr_daily_arrivals_italy.csv"
POPULATION = "unhcr/population.csv"


@pytest.mark.parametrize("year", [2016, 2023])
def test_central_med_per_1000_arrivals_equals_independent_sums(real_db: Path, year: int) -> None:
    f = Filters(date_from=dt.date(year, 1, 1), date_to=dt.date(year, 12, 31))
    con = duckdb.connect(str(real_db), read_only=True)
    try:
        got = unhcr.route_arrival_ratio(con, f, "central_mediterranean")
        vintage = con.execute(
            "SELECT source_id FROM sources WHERE kind = 'mmp' AND NOT is_demo "
            "ORDER BY vintage DESC LIMIT 1"
        ).fetchone()[0]
        (dm,) = con.execute(
            "SELECT sum(dead_and_missing) FROM incidents WHERE source_id = ? "
            "AND list_contains(route_ids, 'central_mediterranean') AND year(incident_date) = ?",
            [vintage, year],
        ).fetchone()
        (arr,) = con.execute(
            "SELECT sum(arrivals) FROM arrivals WHERE year(date) = ?", [year]
        ).fetchone()
    finally:
        con.close()
    raw = pd.read_csv(shared_file(ARRIVALS))
    raw_year = raw[raw["data_date"].str.startswith(str(year))]["individuals"].sum()
    assert arr == raw_year  # the warehouse holds the file's arrivals for the year
    assert got is not None
    assert got["arrival_window"] == (dt.date(year, 1, 1), dt.date(year, 12, 31))
    assert got["dead_and_missing_in_arrival_months"] == dm
    assert got["arrivals"] == arr
    assert got["deaths_per_1000_sea_arrivals"] == pytest.approx(dm / arr * 1000)
    # The detections ratio sits beside it with its own months, and is a different number.
    assert got["deaths_per_1000_detections"] is not None
    assert got["detection_window"] == f"{year}-01-01 to {year}-12-31"


def test_arrival_ratio_only_on_routes_with_arrivals_and_window_of_both(real_db: Path) -> None:
    con = duckdb.connect(str(real_db), read_only=True)
    try:
        assert unhcr.route_arrival_ratio(con, Filters(), "eastern_mediterranean") is None
        every = unhcr.route_arrival_ratio(con, Filters(), "central_mediterranean")
        # 2014: IOM only, UNHCR arrivals start in October 2015: no months both cover.
        y2014 = unhcr.route_arrival_ratio(
            con,
            Filters(date_from=dt.date(2014, 1, 1), date_to=dt.date(2014, 12, 31)),
            "central_mediterranean",
        )
    finally:
        con.close()
    assert every is not None and y2014 is not None
    # The arrivals file starts on 1 October 2015 and its last day is 1 March 2026: the whole
    # months are October 2015 to February 2026.
    assert every["arrival_window"] == (dt.date(2015, 10, 1), dt.date(2026, 2, 28))
    assert y2014["arrival_window"] is None
    assert y2014["deaths_per_1000_sea_arrivals"] is None
    assert unhcr.window_text(y2014["arrival_window"]) == "no months both sources cover"


def test_refugee_population_of_an_origin_equals_the_raw_file(real_db: Path) -> None:
    raw = pd.read_csv(
        shared_file(POPULATION), usecols=["year", "coo_iso", "refugees", "asylum_seekers"]
    )
    eri = raw[(raw["coo_iso"] == "ERI") & (raw["year"] == 2023)]
    expected = eri["refugees"].sum() + eri["asylum_seekers"].sum()
    con = duckdb.connect(str(real_db), read_only=True)
    try:
        got = unhcr.refugee_population(
            con, Filters(date_from=dt.date(2023, 1, 1), date_to=dt.date(2023, 12, 31)), "ERI"
        )
        latest = unhcr.refugee_population(con, Filters(), "ERI")
        none = unhcr.refugee_population(con, Filters(), "ZZZ")
    finally:
        con.close()
    assert got["year"] == 2023 and got["provisional"] is False
    assert got["refugee_population_origin"] == pytest.approx(expected)
    assert latest["year"] == int(raw["year"].max()) and latest["provisional"] is True
    assert none["year"] is None and none["refugee_population_origin"] is None


def test_risk_command_carries_the_unhcr_figures(
    real_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 14, item 6 in the CLI: the route table gives Central Mediterranean deaths per 1,000
    sea arrivals beside per 1,000 detections; the origin table the UNHCR population."""
    import json

    from services.cli import main

    period = ["--from", "2023-01-01", "--to", "2023-12-31", "--db", str(real_db)]
    assert main(["risk", "--level", "route", "--json", *period]) == 0
    routes = json.loads(capsys.readouterr().out)
    (cm,) = [o for o in routes if o["id"] == "central_mediterranean"]
    con = duckdb.connect(str(real_db), read_only=True)
    try:
        f = Filters(date_from=dt.date(2023, 1, 1), date_to=dt.date(2023, 12, 31))
        ratio = unhcr.route_arrival_ratio(con, f, "central_mediterranean")
        pop = unhcr.refugee_population(con, f, "ERI")
    finally:
        con.close()
    assert ratio is not None
    sea = cm["sea_arrivals"]
    assert sea["value"] == pytest.approx(ratio["deaths_per_1000_sea_arrivals"])
    assert sea["arrival_country"] == "ITA" and sea["unit"] == "per 1,000 sea arrivals"
    assert sea["value"] == pytest.approx(1000 * sea["dead_and_missing"] / sea["arrivals"])
    assert not any("sea_arrivals" in o for o in routes if o["id"] != "central_mediterranean")

    assert main(["risk", "--level", "route", *period]) == 0
    text = capsys.readouterr().out
    assert "per 1,000 sea arrivals to Italy" in text and "never add" in text

    assert main(["risk", "--level", "origin", "--scope", "world", "--json", *period]) == 0
    origins = {o["id"]: o for o in json.loads(capsys.readouterr().out)}
    eri = origins["ERI"]["refugee_population"]
    assert eri["value"] == pytest.approx(pop["refugee_population_origin"]) and eri["year"] == 2023
    assert eri["unit"] == "persons"


def test_pack_audit_and_command_give_the_same_per_1000_arrivals(
    real_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One number: the pack's audit trail and ``risk --json`` carry the same Central
    Mediterranean deaths per 1,000 sea arrivals (the Routes page is checked against the service
    in tests/app/test_risk_confidence.py)."""
    import json

    from data.db import connect_read_only
    from services.cli import main
    from services.pack import build_pack

    f = Filters(date_from=dt.date(2023, 1, 1), date_to=dt.date(2023, 12, 31))
    con = connect_read_only(real_db)
    try:
        audit = json.loads(build_pack(con, f, "json"))
    finally:
        con.close()
    (fig,) = [
        x
        for x in audit["figures"]
        if x["measure"] == "deaths_per_1000_sea_arrivals"
        and x["key"].get("route_id") == "central_mediterranean"
    ]
    assert main(["risk", "--level", "route", "--json", "--from", "2023-01-01", "--to",
                 "2023-12-31", "--db", str(real_db)]) == 0  # fmt: skip
    (cm,) = [o for o in json.loads(capsys.readouterr().out) if o["id"] == "central_mediterranean"]
    assert fig["value"] == pytest.approx(cm["sea_arrivals"]["value"])
    assert fig["display"] == cm["sea_arrivals"]["display"]
