"""Place names and fitted views on the maps (geo.labels): which names are written, that they
never overlap, that small countries wait for a closer zoom, and that the view follows the data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from data.map_labels import read_map_labels
from data.reference import read_countries
from geo import labels as gll


@pytest.fixture(scope="module")
def labels() -> pd.DataFrame:
    return read_map_labels()


def _boxes(kept: pd.DataFrame, view: dict, w: float, h: float) -> list[tuple[float, ...]]:
    scale = gll.TILE_PX * 2.0 ** view["zoom"]
    cx = (view["longitude"] + 180) / 360 * scale
    cy = gll._merc_y(view["latitude"]) * scale
    out = []
    for r in kept.itertuples():
        x = (r.lon + 180) / 360 * scale - cx + w / 2
        y = gll._merc_y(r.lat) * scale - cy + h / 2
        bw = len(r.text) * 0.56 * r.size + 8
        bh = r.size * 1.3 + 4
        out.append((x - bw / 2, x + bw / 2, y - bh / 2, y + bh / 2))
    return out


def test_every_country_has_a_label_in_english_and_french(labels: pd.DataFrame) -> None:
    countries = read_countries()
    c = labels[labels["kind"] == "country"].set_index("code")
    assert set(c.index) == set(countries["iso3"])
    assert c.loc["CIV", "name_fr"].startswith("Côte d") and c.loc["DEU", "name_fr"] == "Allemagne"
    assert (c["name_en"] != "").all() and (c["name_fr"] != "").all()


def test_sea_label_points_lie_in_open_water(labels: pd.DataFrame) -> None:
    from shapely.geometry import Point

    land = read_countries().union_all()
    seas = labels[labels["kind"] != "country"]
    assert len(seas) >= 20
    on_land = [r.name_en for r in seas.itertuples() if land.contains(Point(r.lon, r.lat))]
    assert on_land == []


def test_larger_places_first_and_seas_give_way_to_a_country_of_their_size(
    labels: pd.DataFrame,
) -> None:
    rows = {r["text"]: r["priority"] for r in gll.label_rows(labels)}
    assert rows["Atlantic Ocean"] > rows["Russia"] > rows["Germany"] > rows["Malta"]
    assert rows["Italy"] > rows["Tyrrhenian Sea"]


@pytest.mark.parametrize(
    "view",
    [
        {"longitude": 0.0, "latitude": 20.0, "zoom": 1.5},
        {"longitude": 15.0, "latitude": 36.0, "zoom": 4.5},
        {"longitude": -100.0, "latitude": 25.0, "zoom": 3.0},
    ],
)
def test_names_kept_for_a_view_never_overlap_and_stay_inside(
    labels: pd.DataFrame, view: dict
) -> None:
    w, h = 980.0, 560.0
    kept = gll.labels_for_view(labels, view, w, h)
    assert len(kept) >= 8
    boxes = _boxes(kept, view, w, h)
    for i, a in enumerate(boxes):
        assert a[0] >= 0 and a[1] <= w and a[2] >= 0 and a[3] <= h, kept.iloc[i]["text"]
        for b in boxes[i + 1 :]:
            assert a[1] < b[0] or b[1] < a[0] or a[3] < b[2] or b[3] < a[2]


def test_small_countries_are_named_only_closer_in(labels: pd.DataFrame) -> None:
    world = gll.labels_for_view(labels, {"longitude": 0, "latitude": 20, "zoom": 1.5}, 980, 560)
    med = gll.labels_for_view(labels, {"longitude": 14.5, "latitude": 35.9, "zoom": 5.0}, 980, 560)
    assert "Malta" not in set(world["text"]) and "Malta" in set(med["text"])
    assert "Atlantic Ocean" in set(world["text"])


def test_french_names_on_request(labels: pd.DataFrame) -> None:
    kept = gll.labels_for_view(
        labels, {"longitude": 0, "latitude": 20, "zoom": 1.5}, 980, 560, "fr"
    )
    assert "Océan Atlantique" in set(kept["text"])
    with pytest.raises(ValueError, match="language"):
        gll.label_rows(labels, "de")


def test_data_extent_leaves_out_a_stray_incident_far_away() -> None:
    rng = np.random.default_rng(3)
    mexico = np.column_stack([rng.uniform(-117, -97, 300), rng.uniform(19, 33, 300)])
    pts = [*map(tuple, mexico), (118.9, 30.0)]  # one case recorded in China
    box = gll.data_extent(pts, weights=[1.0] * 301)
    assert box is not None and box[1] < -80
    view = gll.fit_view(box, 980, 560)
    assert -115 < view["longitude"] < -95 and view["zoom"] >= 3.0
    # Unweighted cells: a cell with one incident weighs as much as one with 500.
    heavy = gll.data_extent([(-110.0, 30.0), (118.9, 30.0)], weights=[500.0, 1.0])
    assert heavy is not None and heavy[1] < -100
    assert gll.data_extent([]) is None
    with pytest.raises(ValueError, match="weights"):
        gll.data_extent([(0.0, 0.0)], weights=[1.0, 2.0])


def test_fit_view_shows_the_whole_box_and_is_stable() -> None:
    box = (-20.0, 40.0, 10.0, 45.0)
    v = gll.fit_view(box, 980, 560)
    exact = gll.view_of_extent(box, 980, 560)
    assert v["zoom"] <= exact["zoom"]  # rounded down: the box is never cut
    assert v == gll.fit_view((-20.2, 40.1, 10.1, 45.2), 980, 560)  # nearly the same data
    world = gll.fit_view((-125.0, 140.0, -35.0, 60.0), 980, 560)
    assert world["zoom"] < 2.0 and -20 < world["longitude"] < 30


def test_static_maps_write_the_names_chosen_for_their_extent(labels: pd.DataFrame) -> None:
    """The map PNG and the pack draw the same names as the app would for that view."""
    from matplotlib.figure import Figure

    from export import images as sn
    from geo.layers import simplify_countries

    extent = (-30.0, 60.0, 0.0, 55.0)
    spec = sn.MapSpec(extent=extent)
    box_ll = sn.visible_extent(spec)
    names = gll.labels_for_extent(labels, box_ll, 800, 416)
    assert {"Mediterranean Sea", "Algeria"} <= set(names["text"])
    ax = Figure().add_subplot()
    sn._draw_layers(
        ax,
        simplify_countries(read_countries()),
        sn.MapSpec(extent=extent, labels=names),
        sn._fit_extent(extent, 0.52),
    )
    drawn = [t.get_text() for t in ax.texts]
    assert sorted(drawn) == sorted(names["text"])
