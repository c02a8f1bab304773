"""Reconciliation on the real-format warehouse (../shared/data): the service and the command."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from analytics.catalogue import NO_DATA
from data.db import connect_read_only
from data.filters import Filters
from services.cli import main
from services.reconcile import as_records, reconcile
from tests.conftest import shared_file

pytestmark = pytest.mark.shared
D = dt.date
CM = "central_mediterranean"


@pytest.fixture(scope="module")
def con(real_db: Path):  # type: ignore[no-untyped-def]
    c = connect_read_only(real_db)
    yield c
    c.close()


def _sql(db: Path, sql: str, params: list) -> float:
    """Straight on the warehouse file, not through data.queries."""
    c = duckdb.connect(str(db), read_only=True)
    try:
        row = c.execute(sql, params).fetchone()
    finally:
        c.close()
    return float(row[0] or 0) if row else 0.0


def test_central_mediterranean_has_all_three_sources_in_overlapping_months(con) -> None:  # type: ignore[no-untyped-def]
    rec = reconcile(con, Filters(), CM)
    o = rec.overlap
    # IOM from Jan 2014, Frontex to Apr 2025, UNHCR from Oct 2015: all three Oct 2015 - Apr 2025.
    assert (o["first"], o["last"]) == (D(2015, 10, 1), D(2025, 4, 1))
    assert o["months"] == 115
    assert rec.sources["source_id"].notna().all()
    m = rec.months.set_index("month")
    both = m.loc[D(2015, 10, 1) : D(2025, 4, 1)]
    assert (both[["iom_status", "frontex_status", "unhcr_status"]] != NO_DATA).all().all()
    # Frontex ends in April 2025: May 2025 is no data, not 0; IOM and UNHCR go on.
    may = m.loc[D(2025, 5, 1)]
    assert np.isnan(may["detections"]) and may["frontex_status"] == NO_DATA
    assert may["arrivals"] > 0 and may["dead_and_missing"] > 0
    # UNHCR's last day is 1 March 2026: that month is partial and has no ratio.
    assert m.loc[D(2026, 3, 1), "unhcr_status"] == "partial month"
    # Two counts of the same crossings agree in the median month.
    assert rec.medians["detections_per_arrival"] == pytest.approx(1.0, abs=0.02)
    flagged = rec.divergence[rec.divergence["measure"] == "detections_per_arrival"]
    assert D(2019, 5, 1) in set(flagged["month"])  # 1,143 detections, 639 arrivals to Italy


def test_a_months_figures_equal_independent_sums(con, real_db: Path) -> None:  # type: ignore[no-untyped-def]
    rec = reconcile(con, Filters(date_from=D(2016, 1, 1), date_to=D(2016, 12, 31)), CM)
    may = rec.months.set_index("month").loc[D(2016, 5, 1)]
    src = rec.vintages.incidents
    dm = _sql(
        real_db,
        "SELECT sum(dead_and_missing) FROM incidents WHERE source_id = ? AND "
        "list_contains(route_ids, ?) AND incident_date BETWEEN ? AND ?",
        [src, CM, D(2016, 5, 1), D(2016, 5, 31)],
    )
    assert may["dead_and_missing"] == dm > 0
    det = _sql(
        real_db,
        "SELECT sum(detections) FROM detections WHERE source_id = ? AND route_id = ? AND month = ?",
        [rec.vintages.detections, CM, D(2016, 5, 1)],
    )
    assert may["detections"] == det > 0
    # Arrivals against the published file itself (days missing from the file count no one).
    raw = pd.read_csv(shared_file("unhcr/unhcr_daily_arrivals_italy.csv"))
    raw["data_date"] = pd.to_datetime(raw["data_date"])
    in_may = raw[(raw["data_date"] >= "2016-05-01") & (raw["data_date"] <= "2016-05-31")]
    assert may["arrivals"] == in_may["individuals"].sum() == 21_660
    assert may["detections_per_arrival"] == pytest.approx(det / 21_660)


def test_a_route_without_frontex_or_arrivals_is_silent_not_zero(con) -> None:  # type: ignore[no-untyped-def]
    rec = reconcile(
        con, Filters(date_from=D(2024, 1, 1), date_to=D(2024, 12, 31)), "english_channel"
    )
    assert len(rec.months) == 12
    assert rec.months["detections"].isna().all() and rec.months["arrivals"].isna().all()
    assert (rec.months["frontex_status"] == NO_DATA).all()
    assert rec.months["dead_and_missing"].notna().all()
    windows = dict(zip(rec.sources["kind"], rec.sources["window"], strict=True))
    assert windows["frontex"] == "no data: Frontex publishes no series for this route"
    assert rec.overlap["months"] == 0 and rec.divergence.empty
    json.dumps(as_records(rec))  # JSON-ready


def test_unknown_route_raises(con) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="unknown route id 'atlantis'"):
        reconcile(con, Filters(), "atlantis")


def test_command_json_parses_and_matches_the_service(
    real_db: Path,
    con,
    capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
) -> None:
    args = ["reconcile", "--route", CM, "--from", "2019-01-01", "--to", "2019-12-31"]
    assert main([*args, "--json", "--db", str(real_db)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["route"] == {"id": CM, "name": "Central Mediterranean"}
    assert [m["month"] for m in out["months"]] == [f"2019-{k:02d}" for k in range(1, 13)]
    rec = reconcile(con, Filters(date_from=D(2019, 1, 1), date_to=D(2019, 12, 31)), CM)
    may = next(m for m in out["months"] if m["month"] == "2019-05")
    row = rec.months.set_index("month").loc[D(2019, 5, 1)]
    assert may["arrivals"]["value"] == row["arrivals"] == 639
    assert may["detections"]["status"] == "data"
    assert "detections_per_arrival" in may["diverges"]
    assert {s["kind"] for s in out["sources"]} == {"mmp", "frontex", "unhcr-arrivals"}
    assert out["units"]["detections"] == "detections (events, not persons)"
    assert "1.25" in out["rule"]
    # Text output names every source window and the rule.
    assert main([*args, "--db", str(real_db)]) == 0
    text = capsys.readouterr().out
    assert "UNHCR sea arrivals: 01 Oct 2015 to 01 Mar 2026" in text and "diverges" in text


def test_command_errors_on_an_unknown_route(
    real_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["reconcile", "--route", "atlantis", "--db", str(real_db)]) == 2
    assert "unknown route id atlantis" in capsys.readouterr().err
    assert main(["reconcile", "--db", str(real_db)]) == 2
    assert "exactly one --route" in capsys.readouterr().err


def test_pack_has_a_reconciliation_slide_for_the_filtered_route(con) -> None:  # type: ignore[no-untyped-def]
    from services.pack import collect_pack

    f = Filters(date_from=D(2019, 1, 1), date_to=D(2019, 12, 31), routes=(CM,))
    pack = collect_pack(con, f, render_images=False)
    slide = next(
        s for s in pack.slides if s.title.startswith("Reconciliation, Central Mediterranean")
    )
    assert "UNHCR sea arrivals" in slide.caption and "1.25 times" in slide.caption
    figs = {(a.measure, dict(a.key).get("month")): a for a in slide.figures}
    rec = reconcile(con, f, CM)
    arrivals = figs[("arrivals", None)]
    assert arrivals.value == rec.months["arrivals"].sum() == rec.overlap["arrivals"]
    assert arrivals.source_ids == rec.arrival_sources
    assert figs[("detections_per_arrival", "2019-05")].display == "1.79"
    # Only what the slide draws: no deaths-per-detection figures that other slides define.
    assert not any(a.measure == "deaths_per_1000_detections" for a in slide.figures)
