"""Confidence you can see: low-confidence countries are faded on the app's map and hatched on
the map PNG (and so the pack's map), unscored ones grey and hatched; the ranked table's headers
carry their units; "driven by one incident" shows wherever the rank does."""

from __future__ import annotations

import io
import json

import geopandas as gpd
import matplotlib
import pandas as pd
import pytest
from matplotlib.colors import to_rgba
from PIL import Image
from shapely.geometry import box

from analytics.catalogue import NO_DATA
from analytics.theme import SEQUENTIAL, hex_to_rgb
from export import images as sn
from geo import layers as gl

matplotlib.use("Agg")

# AAA: scored, high confidence. BBB: scored, low confidence, one incident gives 71% of its dead
# and missing. CCC: too little data to score. DDD: no row at all.
SCORES = pd.DataFrame(
    {
        "iso3": ["AAA", "BBB", "CCC"],
        "name": ["Aland", "Bland", "Cland"],
        "score": [85.0, 70.0, None],
        "rank": pd.array([1, 2, pd.NA], dtype="Int64"),
        "confidence": ["high", "low", "low"],
        "insufficient_data": [False, False, True],
        "largest_incident_share": [0.2, 0.71, None],
        "driven_by_one_incident": [False, True, False],
    }
)


@pytest.fixture(scope="module")
def countries() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"iso3": ["AAA", "BBB", "CCC", "DDD"], "name": ["Aland", "Bland", "Cland", "Dland"]},
        geometry=[box(i * 10, 0, i * 10 + 10, 10) for i in range(4)],
        crs=4326,
    )


def _props(countries: gpd.GeoDataFrame, scores: pd.DataFrame) -> dict[str, dict]:
    gj = countries.__geo_interface__
    layer = gl.build_choropleth_layer(gj, scores)
    return {f["properties"]["iso3"]: f["properties"] for f in layer.data["features"]}


def test_app_map_fades_low_confidence_and_marks_one_incident(countries: gpd.GeoDataFrame) -> None:
    props = _props(countries, SCORES)
    assert props["AAA"]["fill"] == [*hex_to_rgb(SEQUENTIAL[4]), gl.SCORED_ALPHA]
    # BBB scores in the same colour class as its score, at the faded alpha, grey outline.
    assert props["BBB"]["fill"] == [*hex_to_rgb(SEQUENTIAL[3]), gl.FADED_ALPHA]
    assert gl.FADED_ALPHA < gl.SCORED_ALPHA / 2
    assert props["BBB"]["line"][:3] == gl.FADED_LINE_RGB
    assert "Data confidence: low (faded and hatched on the map)" in props["BBB"]["tt_body"]
    assert "Driven by one incident: 71% from its largest incident" in props["BBB"]["tt_body"]
    assert "Driven by one" not in props["AAA"]["tt_body"]
    assert props["CCC"]["fill"][:3] == gl.NO_DATA_RGB
    assert props["DDD"]["tt_body"] == "No score for this country"


def test_app_map_works_without_the_one_incident_columns(countries: gpd.GeoDataFrame) -> None:
    plain = SCORES.drop(columns=["largest_incident_share", "driven_by_one_incident"])
    props = _props(countries, plain)
    assert props["BBB"]["fill"][3] == gl.FADED_ALPHA
    assert "Driven by one" not in props["BBB"]["tt_body"]


def test_app_map_hatches_low_confidence_countries_only(countries: gpd.GeoDataFrame) -> None:
    paths = gl.compute_hatch_paths(countries.__geo_interface__, spacing_deg=2.0)
    assert set(paths) == {"AAA", "BBB", "CCC", "DDD"}
    # Stripes lie inside their country: BBB spans lon 10-20, lat 0-10.
    stripes = json.loads("[" + paths["BBB"] + "]")
    pts = [pt for s in stripes for pt in s["path"]]
    assert len(stripes) >= 5
    assert all(10 - 1e-6 <= x <= 20 + 1e-6 and -1e-6 <= y <= 10 + 1e-6 for x, y in pts)
    layer = gl.build_hatch_layer(paths, SCORES)
    assert layer is not None
    deck = json.loads(gl.build_deck([layer]).to_json())
    hatch = deck["layers"][0]
    assert hatch["id"] == "low-confidence-hatch" and hatch["@@type"] == "PathLayer"
    # Only BBB (low confidence, scored) is hatched; CCC is grey (too little data).
    assert len(hatch["data"]) == len(stripes)
    assert gl.build_hatch_layer(paths, SCORES.assign(confidence="high")) is None


def test_evidence_status_and_one_incident_text() -> None:
    rows = SCORES.to_dict("records")
    assert [gl.evidence_status(r) for r in rows] == ["ok", "low", "insufficient"]
    assert gl.evidence_status(None) == "none"
    assert gl.evidence_status({"score": float("nan"), "insufficient_data": float("nan")}) == "none"
    assert gl.driven_by_one_text(rows[1]) == "Driven by one incident: 71% from its largest incident"
    assert gl.driven_by_one_text(rows[0]) is None
    assert gl.driven_by_one_text({"driven_by_one_incident": None}) is None


def test_static_map_hatches_low_confidence_and_unscored(countries: gpd.GeoDataFrame) -> None:
    import matplotlib.pyplot as plt
    from matplotlib.collections import PatchCollection

    fills, hatched = sn.choropleth_fills(SCORES)
    assert hatched == {"BBB": "low", "CCC": "insufficient"}
    assert fills["AAA"] == SEQUENTIAL[4]
    assert fills["BBB"] == pytest.approx(to_rgba(SEQUENTIAL[3], gl.FADED_ALPHA / 255))
    assert "CCC" not in fills  # grey no-data fill

    spec = sn.MapSpec(choropleth=SCORES, extent=(-2, 42, -2, 12))
    fig, ax = plt.subplots()
    try:
        box_ = sn._fit_extent(spec.extent, 0.5)
        sn._draw_layers(ax, countries, spec, box_)
        hatches = {
            c.get_gid(): c for c in ax.collections if isinstance(c, PatchCollection) and c.get_gid()
        }
        assert set(hatches) == {"hatch-low", "hatch-insufficient"}
        assert hatches["hatch-low"].get_hatch() == sn.HATCH == "///"
        assert len(hatches["hatch-low"].get_paths()) == 1  # BBB
        assert len(hatches["hatch-insufficient"].get_paths()) == 1  # CCC
        # The country fills: BBB's face colour carries the faded alpha, AAA's is opaque.
        base = next(c for c in ax.collections if isinstance(c, PatchCollection) and not c.get_gid())
        alphas = sorted(round(float(a), 3) for a in base.get_facecolors()[:, 3])
        assert alphas == [round(gl.FADED_ALPHA / 255, 3), 1.0, 1.0, 1.0]
    finally:
        plt.close(fig)


def test_static_map_png_shows_the_hatch_and_its_legend(countries: gpd.GeoDataFrame) -> None:
    spec = sn.MapSpec(choropleth=SCORES, extent=(-2, 42, -2, 12))
    legend = sn.MapLegend("Score", tuple(gl.score_legend(static=True)), note=gl.LOW_CONFIDENCE_NOTE)
    png = sn.render_map_png(countries, spec, title="", caption="", legends=[legend])
    img = Image.open(io.BytesIO(png)).convert("RGB")
    dark = hex_to_rgb(sn.HATCH_COLOUR)
    px = img.getdata()
    # Hatch lines of the low-confidence colour are drawn (map and legend swatch).
    assert sum(1 for p in px if all(abs(a - b) <= 12 for a, b in zip(p, dark, strict=True))) > 200
    handles, labels = sn._legend_handles(legend.entries)
    hatched = [h for h, lab in zip(handles, labels, strict=True) if "hatched" in lab]
    assert len(hatched) == 2 and all(h.get_hatch() == "///" for h in hatched)


def test_ranked_table_headers_carry_units_and_no_data() -> None:
    from ui import render

    scores = SCORES.assign(
        dead_and_missing=[6695.107, 12.0, None],
        contrib_dead_and_missing=[33.3333, 10.0, None],
        c_dead_and_missing=[100.0, 30.0, None],
        deaths_per_1000_detections=[0.64, None, None],
        contrib_deaths_per_1000_detections=[1.9, 0.0, None],
        incidents=[5429, 8, 2],
        top_routes=["Eastern Mediterranean 72%", None, None],
    )
    weights = (("dead_and_missing", 0.6), ("deaths_per_1000_detections", 0.4))
    labels = {
        "dead_and_missing": "Dead and missing",
        "deaths_per_1000_detections": "Deaths per 1,000 detections",
    }
    table, heads = render.risk_table(scores, weights, labels)
    head = {c: h for c, (h, _, _) in heads.items()}
    fmt = {c: f for c, (_, _, f) in heads.items()}
    assert head["value_dead_and_missing"] == "Dead and missing (persons)"
    assert head["contrib_dead_and_missing"] == "Dead and missing (points)"
    assert head["value_deaths_per_1000_detections"] == "Deaths per 1,000 detections"
    assert head["score"] == "Score (0-100)"
    assert head["incidents"] == "Incidents (count)"
    # Persons (rounded as the catalogue prints them, thousands separators), not points.
    assert table["value_dead_and_missing"].tolist()[:2] == [6695.0, 12.0]
    assert fmt["value_dead_and_missing"] == "localized"
    assert table["contrib_dead_and_missing"].tolist()[:2] == pytest.approx([33.3333, 10.0])
    assert fmt["contrib_dead_and_missing"] == "%.1f"
    assert fmt["value_deaths_per_1000_detections"] == "%.1f"
    # Missing values stay missing (shown as "no data"), never 0.0: BBB has no detections
    # ratio, so no points for it either, although the score table holds 0.0 there.
    assert pd.isna(table.loc[2, "value_dead_and_missing"])
    assert pd.isna(table.loc[1, "contrib_deaths_per_1000_detections"])
    assert pd.isna(table.loc[1, "value_deaths_per_1000_detections"])
    assert table["driven_by_one"].tolist() == ["no", "yes: 71% from its largest incident", NO_DATA]
    assert table["top_routes"].tolist()[1] == NO_DATA
    # Every header fits its column (none cut): the width grows with the header.
    for h in head.values():
        assert render._header_width(h) >= len(h) * 7.5
    # Without the one-incident columns the table has no such column.
    plain, _ = render.risk_table(
        scores.drop(columns=["largest_incident_share", "driven_by_one_incident"]), weights, labels
    )
    assert "driven_by_one" not in plain.columns
