"""Risk measures and their spatial helpers on small hand-built frames (answers worked by hand)."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Geod
from shapely.geometry import Polygon, box

from analytics.measures import (
    compute_change_pct,
    compute_lethality,
    compute_origin_components,
    compute_route_risk,
    compute_route_series,
    compute_top_routes,
    compute_transit_components,
)
from geo.spatial import compute_nearest_country, compute_route_lines, compute_routes_crossing

GEOD = Geod(ellps="WGS84")


# ---------------------------------------------------------------- ratios


def test_lethality_is_per_thousand_and_undefined_without_a_denominator():
    got = compute_lethality(pd.Series([16, 5, 3, 7, np.nan]), pd.Series([1000, 0, np.nan, 400, 10]))
    assert got.iloc[0] == pytest.approx(16.0)
    assert math.isnan(got.iloc[1])  # 0 detections: no ratio, not infinity
    assert math.isnan(got.iloc[2])
    assert got.iloc[3] == pytest.approx(17.5)
    assert math.isnan(got.iloc[4])


def test_lethality_minimum_detections():
    got = compute_lethality(pd.Series([1, 10]), pd.Series([20, 600]), min_detections=500)
    assert math.isnan(got.iloc[0])
    assert got.iloc[1] == pytest.approx(1000 * 10 / 600)


def test_change_pct_needs_a_base():
    got = compute_change_pct(pd.Series([15, 5, 4, 30]), pd.Series([10, 0, 2, 20]), 10)
    assert got.iloc[0] == pytest.approx(50.0)
    assert math.isnan(got.iloc[1])
    assert math.isnan(got.iloc[2])  # base of 2 is below the minimum of 10
    assert got.iloc[3] == pytest.approx(50.0)


# ---------------------------------------------------------------- routes


ROUTES = pd.DataFrame(
    {
        "route_id": ["central_mediterranean", "sahara_desert", "black_sea", "unclassified"],
        "name": ["Central Mediterranean", "Sahara", "Black Sea", "Unclassified"],
        "colour": ["#D55E00", "#F0E442", "#000000", "#BBBBBB"],
        "frontex": [True, False, True, False],
        "mmp": [True, True, False, True],
    }
)


def test_route_risk_keeps_measures_apart_and_flags_multi_route_incidents():
    inc = pd.DataFrame(
        {
            "route_id": ["central_mediterranean", "sahara_desert", "unclassified"],
            "incidents": [3, 1, 9],
            "dead_and_missing": [30, 4, 500],
            "multi_route_incidents": [1, 1, 0],
            "dead_and_missing_in_detection_months": [24, 4, 500],
        }
    )
    det = pd.DataFrame({"route_id": ["central_mediterranean"], "detections": [2000]})
    rr = compute_route_risk(ROUTES, inc, det).set_index("route_id")
    cm = rr.loc["central_mediterranean"]
    assert cm["dead_and_missing"] == 30 and cm["multi_route_incidents"] == 1
    assert cm["detections"] == 2000
    # Numerator: only incidents dated in months Frontex covers (24), per 1,000 of 2,000.
    assert cm["deaths_per_1000_detections"] == pytest.approx(12.0)
    # No Frontex series: detections NaN (not 0) and no lethality.
    assert math.isnan(rr.loc["sahara_desert", "detections"])
    assert math.isnan(rr.loc["sahara_desert", "deaths_per_1000_detections"])
    # Frontex series but not an IOM route and no detections in the period: 0, no lethality.
    assert rr.loc["black_sea", "detections"] == 0
    assert math.isnan(rr.loc["black_sea", "deaths_per_1000_detections"])
    assert not rr.loc["black_sea", "has_both_series"]
    # Sorted by dead and missing, unclassified last even though it is the largest.
    order = compute_route_risk(ROUTES, inc, det)["route_id"].tolist()
    assert order == ["central_mediterranean", "sahara_desert", "black_sea", "unclassified"]


def test_route_risk_without_a_frontex_file_has_no_detections():
    inc = pd.DataFrame(
        {
            "route_id": ["central_mediterranean"],
            "incidents": [1],
            "dead_and_missing": [5],
            "multi_route_incidents": [0],
            "dead_and_missing_in_detection_months": [0],
        }
    )
    empty = pd.DataFrame(columns=["route_id", "detections"])
    rr = compute_route_risk(ROUTES, inc, empty, detection_source_loaded=False)
    assert rr["detections"].isna().all() and rr["deaths_per_1000_detections"].isna().all()


def test_route_series_lethality_per_month():
    monthly = pd.DataFrame(
        {
            "month": [pd.Timestamp("2023-02-01").date(), pd.Timestamp("2023-01-01").date()],
            "incidents": [1, 2],
            "dead_and_missing": [3, 10],
            "detections": [pd.NA, 5000],
        }
    )
    s = compute_route_series(monthly, True)
    assert s["period"].astype(str).tolist() == ["2023-01-01", "2023-02-01"]
    assert s["deaths_per_1000_detections"].iloc[0] == pytest.approx(2.0)
    assert math.isnan(s["deaths_per_1000_detections"].iloc[1])
    s2 = compute_route_series(monthly, False)
    assert s2["detections"].isna().all()


def test_top_routes_text():
    by = pd.DataFrame(
        {
            "iso3": ["AFG", "AFG", "AFG", "AFG", "SYR"],
            "route_id": ["a", "b", "c", "d", "a"],
            "detections": [50, 30, 15, 5, 0],
        }
    )
    names = pd.Series({"a": "Route A", "b": "Route B", "c": "Route C"})
    got = compute_top_routes(by, "detections", names, n=2, label="of detections")
    assert got["iso3"].tolist() == ["AFG"]  # SYR has nothing
    assert got["top_routes"].iloc[0] == "Route A 50%, Route B 30% (of detections)"


# ---------------------------------------------------------------- origin


def _origin_rows(**over):
    base = {
        "iso3": ["GIN", "MLI", "AFG"],
        "incidents": [4, 2, 30],
        "split_incidents": [2, 2, 0],
        # An incident of 5 with origins GIN+MLI gives 2.5 each (split in SQL, mirrored here).
        "dead_and_missing": [12.5, 2.5, 100.0],
        "dead_and_missing_frontex_routes": [12.5, 2.5, 0.0],
        "children": [5.0, 0.0, 10.0],
        "dead_and_missing_children_known": [25.0, 2.5, 40.0],
        "females": [10.0, 1.0, 5.0],
        "males": [10.0, 1.0, 45.0],
        "mean_source_quality": [4.0, 4.0, 3.0],
    }
    base.update(over)
    return pd.DataFrame(base)


def test_origin_components_by_hand():
    cur = _origin_rows()
    prev = pd.DataFrame({"iso3": ["GIN", "AFG"], "dead_and_missing": [10.0, 5.0]})
    det = pd.DataFrame(
        {
            "iso3": ["GIN", "GIN", "SYR"],
            "route_id": ["central_mediterranean", "western_mediterranean", "western_balkans"],
            "detections": [1000, 250, 800],
        }
    )
    oc = pd.DataFrame({"iso3": ["GIN", "AFG"], "value": [5.5, 9.5]})
    c = compute_origin_components(cur, prev, det, oc).set_index("iso3")
    assert list(c.index) == ["AFG", "GIN", "MLI", "SYR"]
    assert c.loc["GIN", "split_incidents"] == 2
    assert c.loc["GIN", "change_pct"] == pytest.approx(25.0)  # 10 -> 12.5
    assert math.isnan(c.loc["AFG", "change_pct"])  # base of 5 is below the minimum
    assert c.loc["GIN", "detections"] == 1250
    assert c.loc["GIN", "deaths_per_1000_detections"] == pytest.approx(10.0)  # 12.5 / 1250
    assert math.isnan(c.loc["AFG", "detections"])  # no Frontex record: no data, not zero
    assert c.loc["GIN", "share_children"] == pytest.approx(0.2)  # 5 of 25 known
    assert math.isnan(c.loc["MLI", "share_children"])  # 2.5 known: too few
    assert c.loc["AFG", "share_women"] == pytest.approx(0.1)  # 5 / (5 + 45)
    assert c.loc["GIN", "share_women"] == pytest.approx(0.5)
    assert math.isnan(c.loc["MLI", "share_women"])
    assert c.loc["AFG", "oc_human_smuggling"] == 9.5
    # Detections only (no incidents): a row with zero deaths.
    assert c.loc["SYR", "dead_and_missing"] == 0 and c.loc["SYR", "detections"] == 800


def test_origin_components_open_period_has_no_change():
    c = compute_origin_components(
        _origin_rows(),
        None,
        pd.DataFrame(columns=["iso3", "route_id", "detections"]),
        pd.DataFrame(columns=["iso3", "value"]),
    )
    assert c["change_pct"].isna().all()
    assert c["detections"].isna().all()


# ---------------------------------------------------------------- transit


def _located(iso3, inc, dm, violence, qsum):
    return pd.DataFrame(
        {
            "iso3": iso3,
            "incidents": inc,
            "dead_and_missing": dm,
            "dead_and_missing_violence": violence,
            "source_quality_sum": qsum,
            "source_quality_n": inc,
        }
    )


def test_transit_components_by_hand():
    located = _located(["LBY", "TUN"], [10, 2], [100, 30], [20, 0], [40, 6])
    # Two incidents without a country: one placed in Tunisia, one too far from land.
    loose = pd.DataFrame(
        {
            "lon": [11.0, 20.0],
            "lat": [34.0, 34.0],
            "incidents": [1, 1],
            "dead_and_missing": [5, 7],
            "dead_and_missing_violence": [5, 0],
            "source_quality_sum": [2, 3],
            "source_quality_n": [1, 1],
            "nearest_iso3": ["TUN", None],
            "distance_km": [40.0, np.nan],
        }
    )
    prev = _located(["LBY"], [5], [50], [0], [20])
    crossing = pd.DataFrame(
        {
            "route_id": ["central_mediterranean", "central_mediterranean", "sahara_desert"],
            "iso3": ["LBY", "ITA", "NER"],
        }
    )
    det = pd.DataFrame({"route_id": ["central_mediterranean"], "detections": [1000]})
    oc = pd.DataFrame({"iso3": ["LBY"], "value": [9.5]})
    t = compute_transit_components(located, loose, prev, None, crossing, det, oc).set_index("iso3")
    # NER: crossed only by a route without Frontex detections and no incidents -> left out.
    assert list(t.index) == ["ITA", "LBY", "TUN"]
    assert t.loc["TUN", "dead_and_missing"] == 35 and t.loc["TUN", "incidents"] == 3
    assert t.loc["TUN", "dead_and_missing_assigned"] == 5
    assert t.loc["LBY", "share_violence"] == pytest.approx(0.2)
    assert t.loc["TUN", "share_violence"] == pytest.approx(5 / 35)
    assert t.loc["LBY", "change_pct"] == pytest.approx(100.0)
    assert t.loc["LBY", "detections_on_routes_crossing"] == 1000
    assert t.loc["ITA", "dead_and_missing"] == 0
    assert t.loc["ITA", "detections_on_routes_crossing"] == 1000
    assert math.isnan(t.loc["TUN", "detections_on_routes_crossing"])
    assert t.loc["LBY", "mean_source_quality"] == pytest.approx(4.0)
    assert t.loc["TUN", "mean_source_quality"] == pytest.approx(8 / 3)
    assert t.loc["LBY", "crossing_routes"] == "central_mediterranean"


# ---------------------------------------------------------------- spatial


def _squares() -> gpd.GeoDataFrame:
    # Two 1-degree squares on the equator and one at 60N (where 3857 distorts by a factor 2).
    return gpd.GeoDataFrame(
        {"iso3": ["AAA", "BBB", "CCC"]},
        geometry=[box(0, 0, 1, 1), box(2, 0, 3, 1), box(10, 60, 11, 61)],
        crs="EPSG:4326",
    )


def test_nearest_country_distances_are_geodesic_not_web_mercator():
    pts = pd.DataFrame(
        {"lon": [1.2, 0.5, 11.5, 5.0], "lat": [0.5, 0.5, 60.5, 0.5], "id": [1, 2, 3, 4]}
    )
    got = compute_nearest_country(pts, _squares(), max_km=100)
    assert got["id"].tolist() == [1, 2, 3, 4]
    assert got["nearest_iso3"].tolist() == ["AAA", "AAA", "CCC", None]
    # Expected distances from pyproj's geodesic on the ellipsoid, computed independently.
    _, _, d1 = GEOD.inv(1.2, 0.5, 1.0, 0.5)
    _, _, d3 = GEOD.inv(11.5, 60.5, 11.0, 60.5)
    assert got["distance_km"].iloc[0] == pytest.approx(d1 / 1000, rel=5e-3)
    assert got["distance_km"].iloc[1] == 0.0
    # At 60N, half a degree of longitude is ~27.9 km; Web Mercator would say ~55.7 km.
    assert got["distance_km"].iloc[2] == pytest.approx(d3 / 1000, rel=5e-3)
    assert got["distance_km"].iloc[2] < 30
    assert math.isnan(got["distance_km"].iloc[3])


def test_nearest_country_threshold_and_ties():
    # Point on UTM zone 31's central meridian (3E), squares mirrored about it: an exact tie,
    # which goes to the code that sorts first whatever the row order.
    twins = gpd.GeoDataFrame(
        {"iso3": ["ZZZ", "AAA"]}, geometry=[box(3.5, 0, 4, 1), box(2, 0, 2.5, 1)], crs="EPSG:4326"
    )
    tie = pd.DataFrame({"lon": [3.0], "lat": [0.5]})
    assert compute_nearest_country(tie, twins, 100)["nearest_iso3"].tolist() == ["AAA"]
    assert compute_nearest_country(tie, twins.iloc[::-1], 100)["nearest_iso3"].tolist() == ["AAA"]
    pts = pd.DataFrame({"lon": [1.5, 1.5], "lat": [0.5, 0.5]})
    none = compute_nearest_country(pts, _squares(), max_km=50)  # ~55.7 km away: too far
    assert none["nearest_iso3"].isna().all()
    with pytest.raises(ValueError):
        compute_nearest_country(pts, _squares(), max_km=-1)


def test_nearest_country_ignores_missing_coordinates():
    pts = pd.DataFrame({"lon": [np.nan, 0.5], "lat": [0.5, 0.5]})
    got = compute_nearest_country(pts, _squares(), 10)
    assert got["nearest_iso3"].tolist() == [None, "AAA"]


def test_routes_crossing_line_and_endpoint_tolerance():
    wp = pd.DataFrame(
        {
            "route_id": ["r1", "r1", "r2", "r2", "r3"],
            "seq": [2, 1, 1, 2, 1],
            # r1 runs west to east through AAA and BBB; r2 ends 1 km outside CCC's east edge.
            "lon": [3.5, -0.5, 12.0, 11.0 + 0.018, 0.5],
            "lat": [0.5, 0.5, 60.5, 60.5, 0.5],
        }
    )
    got = compute_routes_crossing(wp, _squares(), tolerance_km=5)
    # r3 is a single waypoint inside AAA: it has no line but does lie in AAA.
    assert got.values.tolist() == [["r1", "AAA"], ["r1", "BBB"], ["r2", "CCC"], ["r3", "AAA"]]
    strict = compute_routes_crossing(wp, _squares(), tolerance_km=0)
    assert strict.values.tolist() == [["r1", "AAA"], ["r1", "BBB"], ["r3", "AAA"]]
    lines = compute_route_lines(wp)
    assert lines["route_id"].tolist() == ["r1", "r2"]  # r3 has one waypoint: no line
    assert list(lines.geometry.iloc[0].coords)[0] == (-0.5, 0.5)  # ordered by seq


def test_routes_crossing_is_topological():
    tri = gpd.GeoDataFrame(
        {"iso3": ["TRI"]}, geometry=[Polygon([(0, 0), (2, 0), (1, 2)])], crs="EPSG:4326"
    )
    wp = pd.DataFrame({"route_id": ["x", "x"], "seq": [1, 2], "lon": [-1, 3], "lat": [1, 1]})
    assert compute_routes_crossing(wp, tri, 0)["iso3"].tolist() == ["TRI"]
