"""The Risk page on the real-format warehouse: the ranked table's headers carry their units and
a country card shows the UNHCR refugee population; the Routes page puts the Central
Mediterranean's per 1,000 sea arrivals beside its per 1,000 detections."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

pytestmark = pytest.mark.shared


def _assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.body for e in at.error]


def test_risk_table_units_and_country_card_unhcr(real_app: AppTest, real_db: Path) -> None:
    at = real_app.run()
    at.switch_page("pages/risk.py").run()
    _assert_clean(at)
    table = at.dataframe[-1]
    heads = {k: v["label"] for k, v in json.loads(table.proto.columns).items() if "label" in v}
    assert heads["value_dead_and_missing"] == "Dead and missing (persons)"
    assert heads["contrib_dead_and_missing"] == "Dead and missing (points)"
    assert heads["score"] == "Score (0-100)"
    assert heads["incidents"] == "Incidents (count)"
    assert heads["value_change_pct"].endswith("(%)")
    # The label already says "detections": the unit is not said twice.
    assert heads["value_detections"] == "Detections of its nationals"
    for col, (head) in heads.items():
        if col.startswith("contrib_"):
            assert head.endswith("(points)"), head
    df = table.value
    # Dead and missing in persons (the first-ranked country, all years: thousands), not
    # score points; a missing value reads "no data", never blank or 0.
    first = df.iloc[0]
    assert first["value_dead_and_missing"] > 1000
    assert first["contrib_dead_and_missing"] <= 100
    assert table.proto.placeholder == "no data"
    assert df["value_change_pct"].isna().all()  # all years: no previous period
    assert df["contrib_change_pct"].isna().all()  # so no points, not 0.0
    assert not (df == "").any().any()

    at.selectbox(key="country").set_value("ERI").run()
    _assert_clean(at)
    con = duckdb.connect(str(real_db), read_only=True)
    try:
        year, total = con.execute(
            "SELECT year, sum(refugees) + sum(asylum_seekers) FROM refugee_population "
            "WHERE origin_iso3 = 'ERI' GROUP BY year ORDER BY year DESC LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    shown = {m.label: m.value for m in at.metric}
    label = f"End-{year}, provisional (persons)"
    assert shown[label] == f"{int(total):,}"
    assert any("Refugees and asylum-seekers" in md.value for md in at.markdown)


def test_routes_page_central_med_per_1000_arrivals_beside_detections(real_app: AppTest) -> None:
    at = real_app.run()
    at.switch_page("pages/routes.py").run()
    _assert_clean(at)
    at.selectbox(key="focus").set_value("central_mediterranean").run()
    _assert_clean(at)
    labels = [m.label for m in at.metric]
    assert "Dead and missing per 1,000 sea arrivals (Italy)" in labels
    assert "Dead and missing per 1,000 detections" in labels
    captions = " ".join(c.value for c in at.caption)
    assert "October 2015 to February 2026" in captions
    assert "never add or average them" in captions
    at.selectbox(key="focus").set_value("eastern_mediterranean").run()
    assert not any("sea arrivals" in m.label for m in at.metric)
