"""Unit tests for geo.layers: decks read back through their JSON, on small hand-made frames."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pydeck as pdk
import pytest
from shapely.geometry import MultiPolygon, Polygon, box

from analytics.theme import OTHER_COLOUR, SEQUENTIAL, SEQUENTIAL_LINES, cause_colour, hex_to_rgb
from geo import layers as gl

EVIL = "<img src=x onerror=alert(1)>"


def deck_json(deck: pdk.Deck) -> dict:
    return json.loads(deck.to_json())


def layer_of(deck: pdk.Deck, layer_id: str) -> dict:
    return next(layer for layer in deck_json(deck)["layers"] if layer["id"] == layer_id)


@pytest.fixture
def routes() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "route_id": ["central_mediterranean", "sahara_desert", "unclassified"],
            "name": ["Central Mediterranean", "Sahara <b>crossing</b>", "Unclassified"],
            "colour": ["#D55E00", "#F0E442", "#BBBBBB"],
        }
    )


@pytest.fixture
def waypoints() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "route_id": ["central_mediterranean"] * 3 + ["sahara_desert"] * 2,
            "seq": [2, 1, 3, 1, 2],
            "name": ["Tripoli", "Agadez", "Lampedusa", EVIL, "Sabha"],
            "lon": [13.19, 7.99, 12.6, 8.0, 14.4],
            "lat": [32.89, 16.97, 35.5, 17.0, 27.0],
            "role": ["departure point", "transit hub", "entry point", "transit hub", "transit hub"],
        }
    )


@pytest.fixture
def metrics() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "route_id": ["central_mediterranean", "sahara_desert"],
            "detections": pd.array([40_000, pd.NA], dtype="Int64"),
            "dead_and_missing": [800, 120],
            "incidents": [60, 30],
            "deaths_per_1000_detections": pd.array([20.0, pd.NA], dtype="Float64"),
        }
    )


@pytest.fixture
def points() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "lon": [12.5, 13.0, None],
            "lat": [35.0, 34.0, None],
            "dead_and_missing": [100, 1, 5],
            "cause": ["Drowning", "Violence", "Drowning"],
            "incident_date": pd.to_datetime(["2023-06-14", "2023-01-02", "2023-03-03"]),
            "location": [EVIL, "Off Lampedusa & Linosa", "nowhere"],
            "route": ["Central Mediterranean", "Central Mediterranean", None],
            "source_quality": [4, None, 2],
            "url": [None, None, None],
        }
    )


def test_offline_deck_has_no_map_provider_and_no_tile_style() -> None:
    d = deck_json(gl.build_deck([gl.build_ocean_layer()]))
    assert d.get("mapProvider") is None
    # The placeholder style keeps Streamlit from falling back to CARTO's online style.
    assert d["mapStyle"] == gl.NO_MAP_STYLE
    assert d["views"] == [{"@@type": "MapView", "controller": True}]
    assert d["layers"][0]["@@type"] == "SolidPolygonLayer"


def test_online_basemap_is_opt_in() -> None:
    d = deck_json(gl.build_deck([], online_basemap=True))
    assert d["mapProvider"] == "carto"
    assert "cartocdn" in d["mapStyle"]


def test_default_view_is_stable_across_data() -> None:
    a = deck_json(
        gl.build_deck(
            [
                gl.build_hex_layer(
                    pd.DataFrame(
                        {"h3": ["831e80fffffffff"], "incidents": [1], "dead_and_missing": [3]}
                    )
                )
            ]
        )
    )
    b = deck_json(
        gl.build_deck(
            [
                gl.build_hex_layer(
                    pd.DataFrame(
                        {"h3": ["831e81fffffffff"], "incidents": [9], "dead_and_missing": [900]}
                    )
                )
            ]
        )
    )
    assert a["initialViewState"] == b["initialViewState"]
    assert a["layers"] != b["layers"]


def test_compact_json_has_the_same_content_as_pydeck_json(points: pd.DataFrame) -> None:
    deck = gl.build_deck([gl.build_incident_layer(points)])
    compact = deck.to_json()
    assert "\n" not in compact
    assert json.loads(compact) == json.loads(pdk.Deck.to_json(deck))


def test_escape_text_makes_markup_inert_and_keeps_plain_text() -> None:
    assert gl.escape_text(EVIL) == "&lt;img src=x onerror=alert(1)&gt;"
    assert gl.escape_text("Bosnia & Herzegovina") == "Bosnia & Herzegovina"
    assert gl.escape_text("Côte d'Ivoire") == "Côte d'Ivoire"
    assert gl.escape_text(None) == ""
    assert gl.escape_text(float("nan")) == ""
    assert gl.escape_text(pd.NA) == ""
    assert len(gl.escape_text("x" * 500)) == 200


def test_incident_tooltips_are_escaped_and_layer_sized_by_dead_and_missing(
    points: pd.DataFrame,
) -> None:
    deck = gl.build_deck([gl.build_incident_layer(points)])
    raw = deck.to_json()
    assert "<img" not in raw
    layer = layer_of(deck, "incidents")
    assert layer["@@type"] == "ScatterplotLayer"
    assert layer["radiusUnits"] == "pixels"
    rows = layer["data"]
    assert len(rows) == 2  # the unlocated incident is not drawn
    assert rows[0]["tt_title"] == "100 dead and missing"
    assert "&lt;img src=x onerror=alert(1)&gt;" in rows[0]["tt_body"]
    assert "14 Jun 2023" in rows[0]["tt_body"]
    assert "Off Lampedusa & Linosa" in rows[1]["tt_body"]
    assert rows[0]["radius"] > rows[1]["radius"]
    assert rows[0]["color"][:3] == hex_to_rgb(cause_colour("Drowning"))
    assert rows[1]["color"][:3] == hex_to_rgb(cause_colour("Violence"))


def test_tooltip_template_only_uses_fields_every_pickable_layer_has(
    routes: pd.DataFrame, waypoints: pd.DataFrame, metrics: pd.DataFrame, points: pd.DataFrame
) -> None:
    deck = gl.build_deck(
        [
            gl.build_route_layer(routes, waypoints, metrics),
            gl.build_waypoint_layer(waypoints),
            gl.build_incident_layer(points),
        ]
    )
    assert gl.TOOLTIP["html"] == "<b>{tt_title}</b><br/>{tt_body}"
    for layer in deck_json(deck)["layers"]:
        for row in layer["data"]:
            assert set(row) >= {"tt_title", "tt_body"}


def test_route_layer_width_by_detections_colour_by_lethality(
    routes: pd.DataFrame, waypoints: pd.DataFrame, metrics: pd.DataFrame
) -> None:
    layer = layer_of(gl.build_deck([gl.build_route_layer(routes, waypoints, metrics)]), "routes")
    assert layer["@@type"] == "PathLayer"
    assert layer["widthUnits"] == "pixels"
    rows = {r["route_id"]: r for r in layer["data"]}
    assert set(rows) == {"central_mediterranean", "sahara_desert"}  # no waypoints, no path
    cm, sd = rows["central_mediterranean"], rows["sahara_desert"]
    # Waypoints are drawn in seq order, not file order.
    assert cm["path"] == [[7.99, 16.97], [13.19, 32.89], [12.6, 35.5]]
    assert cm["width"] == 12.0  # the most detections get the widest line
    assert sd["width"] == 2.0  # no Frontex series: the thinnest line
    assert cm["color"][:3] == hex_to_rgb(SEQUENTIAL_LINES[3])  # 20 per 1,000: the 15-30 class
    assert sd["color"][:3] == hex_to_rgb(OTHER_COLOUR)
    assert sd["tt_title"] == "Sahara &lt;b&gt;crossing&lt;/b&gt;"
    assert "Detections (Frontex): 40,000" in cm["tt_body"]
    assert "per 1,000 detections: no data" in sd["tt_body"]


def test_route_layer_route_colours_and_highlight(
    routes: pd.DataFrame, waypoints: pd.DataFrame, metrics: pd.DataFrame
) -> None:
    layer = layer_of(
        gl.build_deck(
            [
                gl.build_route_layer(
                    routes, waypoints, metrics, colour_by="route", highlight=["sahara_desert"]
                )
            ]
        ),
        "routes",
    )
    rows = {r["route_id"]: r for r in layer["data"]}
    assert rows["sahara_desert"]["color"][:3] == hex_to_rgb("#F0E442")
    assert rows["central_mediterranean"]["color"][:3] == hex_to_rgb("#D55E00")
    assert rows["central_mediterranean"]["color"][3] < rows["sahara_desert"]["color"][3]
    with pytest.raises(ValueError):
        gl.build_route_layer(routes, waypoints, metrics, colour_by="size")


def test_waypoint_layer_escapes_names(waypoints: pd.DataFrame) -> None:
    deck = gl.build_deck([gl.build_waypoint_layer(waypoints, {"sahara_desert": "Sahara"})])
    assert "<img" not in deck.to_json()
    rows = layer_of(deck, "waypoints")["data"]
    evil = next(r for r in rows if "img" in r["tt_title"])
    assert evil["tt_title"] == "&lt;img src=x onerror=alert(1)&gt;"
    assert evil["tt_body"] == "Transit hub on Sahara"


def test_hex_layer_classes() -> None:
    hexes = pd.DataFrame(
        {
            "h3": ["831e80fffffffff", "831e81fffffffff"],
            "incidents": [1, 40],
            "dead_and_missing": [3, 700],
        }
    )
    layer = layer_of(gl.build_deck([gl.build_hex_layer(hexes)]), "incident-hexagons")
    assert layer["@@type"] == "H3HexagonLayer"
    assert layer["getHexagon"] == "@@=h3"
    colours = [r["color"][:3] for r in layer["data"]]
    assert colours == [hex_to_rgb(SEQUENTIAL[0]), hex_to_rgb(SEQUENTIAL[4])]
    assert layer["data"][1]["tt_body"] == "40 incidents in this area"
    assert len(gl.hex_legend()) == len(SEQUENTIAL)


def test_choropleth_colours_scores_and_greys_out_missing_data() -> None:
    gj = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"iso3": iso3, "name": name},
                "geometry": box(i, 0, i + 1, 1).__geo_interface__,
            }
            for i, (iso3, name) in enumerate([("LBY", "Libya"), ("TUN", EVIL), ("MLT", "Malta")])
        ],
    }
    scores = pd.DataFrame(
        {
            "iso3": ["LBY", "TUN"],
            "score": [85.0, None],
            "rank": pd.array([1, pd.NA], dtype="Int64"),
            "confidence": ["high", "low"],
            "insufficient_data": [False, True],
        }
    )
    deck = gl.build_deck([gl.build_choropleth_layer(gj, scores, selected="LBY")])
    assert "<img" not in deck.to_json()
    layer = layer_of(deck, "choropleth")
    assert layer["@@type"] == "GeoJsonLayer"
    props = {f["properties"]["iso3"]: f["properties"] for f in layer["data"]["features"]}
    assert props["LBY"]["fill"][:3] == hex_to_rgb(SEQUENTIAL[4])
    assert props["LBY"]["line_width"] > props["MLT"]["line_width"]
    assert "Score: 85 / 100" in props["LBY"]["tt_body"]
    assert props["TUN"]["fill"][:3] == gl.NO_DATA_RGB
    assert props["TUN"]["tt_body"] == "Too little data to score (grey on the map)"
    assert props["TUN"]["tt_title"].startswith("&lt;img")
    assert props["MLT"]["tt_body"] == "No score for this country"


def test_simplify_countries_keeps_small_states_and_drops_specks() -> None:
    mainland = box(10, 40, 14, 44)
    speck = box(20, 40, 20.01, 40.01)  # about 1 km²
    island_state = box(30, 10, 30.2, 10.2)  # about 480 km²: its only part
    gdf = gpd.GeoDataFrame(
        {"iso3": ["AAA", "BBB"], "name": ["A", "B"]},
        geometry=[MultiPolygon([mainland, speck]), island_state],
        crs=4326,
    )
    out = gl.simplify_countries(gdf, tolerance_deg=0.01, min_area_km2=1000)
    assert out.crs.to_epsg() == 4326
    assert list(out["iso3"]) == ["AAA", "BBB"]
    a = out.geometry.iloc[0]
    assert isinstance(a, Polygon)  # the speck is gone
    assert a.equals(mainland)
    assert out.geometry.iloc[1].area == pytest.approx(island_state.area)
    gj = gl.countries_geojson(out)
    assert gj["features"][0]["properties"] == {"iso3": "AAA", "name": "A"}
    assert gl.build_basemap_layer(gdf).data["features"][1]["properties"]["iso3"] == "BBB"


def test_basemap_layer_is_not_pickable() -> None:
    layer = layer_of(
        gl.build_deck([gl.build_basemap_layer({"type": "FeatureCollection", "features": []})]),
        "basemap",
    )
    assert layer["@@type"] == "GeoJsonLayer"
    assert layer["pickable"] is False


def test_legends() -> None:
    lethality = gl.route_legend("lethality")
    assert [e["colour"] for e in lethality[:-1]] == list(SEQUENTIAL_LINES)
    assert lethality[-1]["label"] == "no comparable detections"
    by_route = gl.route_legend("route", pd.DataFrame({"name": ["A"], "colour": ["#000000"]}))
    assert by_route == [{"label": "A", "colour": "#000000", "shape": "line"}]
    assert [e["label"] for e in gl.cause_legend(["Drowning", None, "Drowning", "Violence"])] == [
        "Drowning",
        "Violence",
    ]
    # The classes, then what fading (app) or hatching (PNG, pack) and grey mean.
    assert len(gl.score_legend()) == len(SEQUENTIAL) + 2
    assert [e["shape"] for e in gl.score_legend()[len(SEQUENTIAL) :]] == ["hatched", "square"]
    assert [e["shape"] for e in gl.score_legend(static=True)[len(SEQUENTIAL) :]] == [
        "hatched",
        "hatched",
        "square",
    ]


def test_incident_dates_format_does_not_depend_on_type(points: pd.DataFrame) -> None:
    as_dates = points.assign(incident_date=[dt.date(2023, 6, 14), dt.date(2023, 1, 2), None])
    rows = layer_of(gl.build_deck([gl.build_incident_layer(as_dates)]), "incidents")["data"]
    assert rows[0]["tt_body"].startswith("14 Jun 2023")


# --------------------------------------------------------------------------- encoded basemap


def small_countries() -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"iso3": iso3, "name": name},
                "geometry": box(i, 0, i + 1, 1.5).__geo_interface__,
            }
            for i, (iso3, name) in enumerate(
                [("LBY", "Libya"), ("TUN", EVIL), ("CIV", "Côte d'Ivoire")]
            )
        ],
    }


def test_encoded_basemap_gives_the_same_deck_json_as_the_geojson() -> None:
    gj = json.loads(json.dumps(small_countries()))  # tuples from __geo_interface__ as lists
    plain = gl.build_deck([gl.build_ocean_layer(), gl.build_basemap_layer(gj)]).to_json()
    enc = gl.encode_countries(gj)
    encoded = gl.build_deck([gl.build_ocean_layer(), gl.build_basemap_layer(enc)]).to_json()
    assert encoded == plain
    layer = layer_of(gl.build_deck([gl.build_basemap_layer(enc)]), "basemap")
    assert [f["properties"]["iso3"] for f in layer["data"]["features"]] == ["LBY", "TUN", "CIV"]
    assert layer["data"]["features"][2]["properties"]["name"] == "Côte d'Ivoire"
    assert layer["data"]["features"][0]["geometry"]["type"] == "Polygon"


def test_encoded_choropleth_gives_the_same_deck_json_as_the_geojson() -> None:
    gj = json.loads(json.dumps(small_countries()))
    scores = pd.DataFrame(
        {
            "iso3": ["LBY", "TUN"],
            "score": [85.0, 12.0],
            "rank": pd.array([1, 2], dtype="Int64"),
            "confidence": ["high", None],
            "insufficient_data": [False, False],
        }
    )
    for selected in (None, "TUN"):
        plain = gl.build_deck([gl.build_choropleth_layer(gj, scores, selected)]).to_json()
        enc = gl.build_choropleth_layer(gl.encode_countries(gj), scores, selected)
        assert gl.build_deck([enc]).to_json() == plain
    props = {
        f["properties"]["iso3"]: f["properties"]
        for f in layer_of(gl.build_deck([enc]), "choropleth")["data"]["features"]
    }
    assert props["TUN"]["line_width"] == 1.8
    assert props["TUN"]["tt_title"].startswith("&lt;img")
    assert props["TUN"]["tt_body"] == "Score: 12 / 100\nRank: 2"
    assert props["CIV"]["tt_body"] == "No score for this country"


def test_raw_json_is_spliced_in_place_once_per_layer() -> None:
    a = pdk.Layer("GeoJsonLayer", id="a", data=gl.RawJSON('{"x":[1,2]}'))
    b = pdk.Layer("GeoJsonLayer", id="b", data=gl.RawJSON('"__routewatch_raw_json_x__"'))
    d = deck_json(gl.build_deck([a, b]))
    assert [layer["data"] for layer in d["layers"]] == [{"x": [1, 2]}, "__routewatch_raw_json_x__"]


def test_make_basemap_records_its_source_and_settings() -> None:
    gdf = gpd.GeoDataFrame(
        {"iso3": ["AAA"], "name": ["A"]}, geometry=[box(10, 40, 14, 44)], crs=4326
    )
    bm = gl.make_basemap(gdf, "abc")
    assert bm["routewatch"] == {
        "source_sha256": "abc",
        "tolerance_deg": gl.BASEMAP_TOLERANCE_DEG,
        "min_area_km2": gl.BASEMAP_MIN_AREA_KM2,
    }
    assert bm["features"][0]["properties"] == {"iso3": "AAA", "name": "A"}
    assert gl.basemap_is_current(bm, "abc")
    assert not gl.basemap_is_current(bm, "abd")
    assert not gl.basemap_is_current({"type": "FeatureCollection", "features": []}, "abc")


def test_basemap_file_round_trip_gives_the_geometries_as_decks_encode_them() -> None:
    gj = json.loads(json.dumps(small_countries()))
    bm = {**gj, "routewatch": {"source_sha256": "abc", "tolerance_deg": 0.15}}
    text = gl.basemap_text(bm)
    assert json.loads(text) == bm  # ordinary GeoJSON for any other reader
    meta, enc = gl.read_basemap_text(text)
    assert meta == bm["routewatch"]
    assert enc == gl.encode_countries(gj)
    with pytest.raises(ValueError):
        gl.read_basemap_text(json.dumps(bm))  # not laid out one feature a line


def test_shipped_basemap_is_built_from_the_shipped_countries() -> None:
    """Fails when countries.geojson changed: run ``scripts/build_basemap.py``."""
    ref = Path(__file__).resolve().parents[2] / "data" / "reference"
    sha = hashlib.sha256((ref / "countries.geojson").read_bytes()).hexdigest()
    text = (ref / "basemap.geojson").read_text(encoding="ascii")
    meta, enc = gl.read_basemap_text(text)
    assert gl.basemap_is_current(meta, sha), "run scripts/build_basemap.py"
    rebuilt = gl.make_basemap(gpd.read_file(ref / "countries.geojson"), sha)
    assert json.loads(text) == json.loads(json.dumps(rebuilt))
    assert enc == gl.encode_countries(json.loads(json.dumps(rebuilt)))


def test_incident_tooltips_leave_out_what_is_missing() -> None:
    """Each line of an incident's tooltip is there only when its value is; counts and dates
    repeated across incidents read the same (they are formatted once per distinct value)."""
    pts = pd.DataFrame(
        {
            "lon": [12.0, 13.0, 14.0, 15.0],
            "lat": [33.0, 34.0, 35.0, 36.0],
            "dead_and_missing": pd.array([5, 5, None, 0], dtype="Int64"),
            "cause": ["Drowning", None, "Drowning", "Violence"],
            "incident_date": [
                dt.date(2023, 6, 14),
                dt.date(2023, 6, 14),
                None,
                dt.date(2020, 1, 2),
            ],
            "location": pd.array(["Off <b>Zuwara</b>", None, "", "Van"], dtype="string"),
            "route": pd.array(
                ["Central Mediterranean", None, "", "Iran to Turkey"], dtype="string"
            ),
            "source_quality": pd.array([4, None, 1, 3], dtype="Int64"),
        }
    )
    rows = layer_of(gl.build_deck([gl.build_incident_layer(pts)]), "incidents")["data"]
    assert [r["tt_title"] for r in rows] == [
        "5 dead and missing",
        "5 dead and missing",
        "Dead and missing: no data",
        "0 dead and missing",
    ]
    assert rows[0]["tt_body"].split("\n") == [
        "14 Jun 2023",
        "Off &lt;b&gt;Zuwara&lt;/b&gt;",
        "Cause: Drowning",
        "Route: Central Mediterranean",
        "Source quality: 4 of 5",
    ]
    assert rows[1]["tt_body"].split("\n") == ["14 Jun 2023", "Cause: not recorded"]
    assert rows[2]["tt_body"].split("\n") == ["Cause: Drowning", "Source quality: 1 of 5"]
    assert rows[3]["tt_body"].split("\n")[0] == "02 Jan 2020"
