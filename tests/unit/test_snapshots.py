"""Chart and map snapshots: the files are opened and their content checked.

Charts go through one export browser for the whole test session (the process-wide
:func:`export.images.shared_exporter`); maps are drawn offline with matplotlib over small
hand-made countries.
"""

from __future__ import annotations

import io
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from PIL import Image
from shapely.geometry import box

from analytics.figures import caption as make_caption
from analytics.figures import make_monthly_figure
from analytics.theme import SEQUENTIAL, SEQUENTIAL_LINES
from data.filters import Filters
from export import images as sn

FILTERS = Filters(
    date_from=pd.Timestamp("2023-01-01").date(), date_to=pd.Timestamp("2023-12-31").date()
)
CAPTION = make_caption(
    ["IOM Missing Migrants Project"], vintage="IOM 09 Apr 2026", filters=FILTERS.describe()
)


@pytest.fixture(scope="module")
def exporter() -> sn.FigureExporter:
    ex = sn.shared_exporter()
    reason = ex.unavailable_reason()
    if reason:
        pytest.skip(reason)
    return ex


@pytest.fixture(scope="module")
def figure() -> go.Figure:
    months = pd.date_range("2022-01-01", "2023-12-01", freq="MS")
    monthly = pd.DataFrame(
        {"period": months.date, "dead_and_missing": [10 * (i % 7) + 5 for i in range(len(months))]}
    )
    return make_monthly_figure(monthly, label="Test route", data_end=FILTERS.date_to)


def _dark_pixels(img: Image.Image, top: int = 0, bottom: int | None = None) -> int:
    grey = np.asarray(img.convert("L").crop((0, top, img.width, bottom or img.height)))
    return int((grey < 160).sum())


# --------------------------------------------------------------------------- charts


def test_add_caption_adds_a_band_and_leaves_the_figure(figure: go.Figure) -> None:
    before = figure.to_json()
    out = sn.add_caption(figure, CAPTION)
    assert figure.to_json() == before
    assert out.layout.width == sn.EXPORT_WIDTH_PX
    assert out.layout.height > figure.layout.height
    notes = [a for a in out.layout.annotations if a.name == "rw-caption"]
    assert len(notes) == 1
    assert "Filters: 2023-01-01 to 2023-12-31" in notes[0].text.replace("<br>", " ")
    assert notes[0].y < 0  # under the plot
    assert "'Liberation Sans'" in out.layout.font.family


def test_wrap_caption_fits_the_width() -> None:
    lines = sn.wrap_caption("word " * 200, 600, font_px=14)
    assert len(lines) > 1
    assert max(len(x) for x in lines) <= int(600 / (14 * 0.52))
    assert " ".join(lines) == ("word " * 200).strip()


def test_png_has_the_right_size_and_is_drawn(
    exporter: sn.FigureExporter, figure: go.Figure
) -> None:
    png = sn.export_figure(figure, "png", caption=CAPTION, scale=2, exporter=exporter)
    img = Image.open(io.BytesIO(png))
    expected_h = sn.add_caption(figure, CAPTION).layout.height
    assert img.size == (2 * sn.EXPORT_WIDTH_PX, 2 * expected_h)
    assert _dark_pixels(img) > 5_000
    # The caption band (bottom 40 CSS pixels) holds text, and so does the title (top 60).
    assert _dark_pixels(img, img.height - 80) > 300
    assert _dark_pixels(img, 0, 120) > 300


def test_svg_contains_title_and_caption(exporter: sn.FigureExporter, figure: go.Figure) -> None:
    svg = sn.export_figure(figure, "svg", caption=CAPTION, exporter=exporter).decode("utf-8")
    assert svg.lstrip().startswith("<svg")
    assert "Test route:" in svg
    assert "Filters: 2023-01-01 to 2023-12-31." in svg
    assert "IOM Missing Migrants Project" in svg


def test_pdf_has_one_page_with_filters_and_source(
    exporter: sn.FigureExporter, figure: go.Figure
) -> None:
    from pypdf import PdfReader

    pdf = sn.export_figure(figure, "pdf", caption=CAPTION, exporter=exporter)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    text = " ".join(reader.pages[0].extract_text().split())
    assert "Filters: 2023-01-01 to 2023-12-31" in text
    assert "Source: IOM Missing Migrants Project (vintage IOM 09 Apr 2026)" in text
    assert "Test route:" in text


def test_exports_from_several_threads_share_one_browser(
    exporter: sn.FigureExporter, figure: go.Figure
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(3) as pool:
        out = list(
            pool.map(
                lambda fmt: sn.export_figure(figure, fmt, caption="c", exporter=exporter),
                ["png", "svg", "pdf"],
            )
        )
    assert out[0].startswith(b"\x89PNG") and b"<svg" in out[1][:200] and out[2].startswith(b"%PDF")


def test_without_a_browser_the_reason_is_plain(
    monkeypatch: pytest.MonkeyPatch, figure: go.Figure
) -> None:
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    ex = sn.FigureExporter()
    reason = ex.unavailable_reason()
    assert reason is not None and "Chromium" in reason and "toolbar" in reason
    with pytest.raises(sn.SnapshotUnavailable, match="Chromium"):
        sn.export_figure(figure, "png", caption="c", exporter=ex)
    assert not ex.running


def test_unknown_format_is_refused(figure: go.Figure) -> None:
    with pytest.raises(ValueError, match="format"):
        sn.FigureExporter().export(figure, "gif", 100, 100, 1)


# --------------------------------------------------------------------------- maps


@pytest.fixture(scope="module")
def countries() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"iso3": ["AAA", "BBB"], "name": ["Aland", "Bland"]},
        geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)],
        crs=4326,
    )


ROUTES = pd.DataFrame(
    {"route_id": ["r1", "r2"], "name": ["Route one", "Route two"], "colour": ["#0072B2", "#009E73"]}
)
WAYPOINTS = pd.DataFrame(
    {
        "route_id": ["r1", "r1", "r1", "r2", "r2"],
        "seq": [1, 2, 3, 1, 2],
        "lon": [1.0, 5.0, 9.0, 12.0, 18.0],
        "lat": [1.0, 5.0, 9.0, 2.0, 8.0],
    }
)
METRICS = pd.DataFrame(
    {
        "route_id": ["r1", "r2"],
        "detections": [400.0, 100.0],
        "deaths_per_1000_detections": [40.0, 2.0],
    }
)


def _has_colour(img: Image.Image, hexcol: str, tol: int = 10) -> bool:
    target = np.array([int(hexcol.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4)])
    px = np.asarray(img.convert("RGB")).reshape(-1, 3).astype(int)
    return bool((np.abs(px - target) <= tol).all(axis=1).any())


def test_route_lines_follow_the_screen_styling() -> None:
    lines = sn.compute_route_lines(ROUTES, WAYPOINTS, METRICS, colour_by="route", highlight=["r2"])
    r1 = lines.set_index("route_id").loc["r1"]
    r2 = lines.set_index("route_id").loc["r2"]
    assert r1["width_px"] == pytest.approx(16.0)  # the most detections
    assert r2["width_px"] == pytest.approx(2.0 + 14.0 * math.sqrt(100 / 400))
    assert r1["path"] == [[1.0, 1.0], [5.0, 5.0], [9.0, 9.0]]
    assert r1["alpha"] < r2["alpha"]  # only r2 is highlighted
    leth = sn.compute_route_lines(ROUTES, WAYPOINTS, METRICS, colour_by="lethality")
    # The palette of the route lines on screen (geo.layers), not the fill palette.
    assert list(leth["colour"]) == [SEQUENTIAL_LINES[4], SEQUENTIAL_LINES[1]]  # 40 >= 30; 2 in 1-5


def test_extent_from_view_matches_deck_gl_zoom() -> None:
    # At zoom 0 the world is 512 pixels wide: a 512-pixel map shows every longitude.
    lon0, lon1, lat0, lat1 = sn.extent_from_view(
        {"longitude": 0, "latitude": 0, "zoom": 0}, 512, 256
    )
    assert (lon0, lon1) == (pytest.approx(-180.0), pytest.approx(180.0))
    assert lat0 == pytest.approx(-lat1)
    lon0, lon1, *_ = sn.extent_from_view({"longitude": 10, "latitude": 0, "zoom": 1}, 512, 256)
    assert lon1 - lon0 == pytest.approx(180.0)


def test_route_map_png_draws_routes_legend_and_caption(countries: gpd.GeoDataFrame) -> None:
    lines = sn.compute_route_lines(ROUTES, WAYPOINTS, METRICS)
    png = sn.render_map_png(
        countries,
        sn.MapSpec(routes=lines, waypoints=WAYPOINTS, extent=(-2, 22, -2, 12)),
        title="Two routes",
        caption=CAPTION,
        legends=[sn.MapLegend("Routes", sn.route_legend_entries(lines), "Line width: detections.")],
    )
    img = Image.open(io.BytesIO(png)).convert("RGB")
    assert img.width == 1800  # 12 in at 150 dpi
    assert 700 < img.height < 2000
    assert _has_colour(img, "#0072B2") and _has_colour(img, "#009E73")
    assert _has_colour(img, sn.OCEAN_COLOUR, 2) and _has_colour(img, sn.LAND_COLOUR, 2)
    assert _dark_pixels(img, img.height - 60) > 200  # the caption under the legend


def test_choropleth_hexes_and_points(countries: gpd.GeoDataFrame) -> None:
    import h3

    scores = pd.DataFrame(
        {"iso3": ["AAA", "BBB"], "score": [95.0, None], "insufficient_data": [False, True]}
    )
    cell = h3.latlng_to_cell(5.0, 15.0, 3)
    spec = sn.MapSpec(
        choropleth=scores,
        hexes=pd.DataFrame({"h3": [cell], "dead_and_missing": [600]}),
        points=pd.DataFrame(
            {"lon": [13.0], "lat": [3.0], "dead_and_missing": [50], "cause": ["Drowning"]}
        ),
        selected="AAA",
        extent=(-2, 22, -2, 12),
    )
    legends = [sn.MapLegend("Score", sn.class_legend_entries(sn.SCORE_BREAKS, "square", 0, 100))]
    png = sn.render_map_png(countries, spec, title="", caption="", legends=legends)
    img = Image.open(io.BytesIO(png)).convert("RGB")
    assert _has_colour(img, SEQUENTIAL[4], 6)  # AAA scored 95: the darkest class
    assert _has_colour(img, sn.NO_DATA_COLOUR, 2)  # BBB: too little data
    # The drowning incident: a blue circle at 75% opacity over the grey no-data country.
    blended = np.round(0.75 * np.array([0x00, 0x72, 0xB2]) + 0.25 * 0xE8).astype(int)
    assert _has_colour(img, "#" + "".join(f"{c:02X}" for c in blended), 4)
    again = sn.render_map_png(countries, spec, title="", caption="", legends=legends)
    assert again == png  # no timestamp: same input, same bytes


def test_map_refuses_an_unknown_legend_side(countries: gpd.GeoDataFrame) -> None:
    with pytest.raises(ValueError, match="legend_side"):
        sn.render_map_png(countries, sn.MapSpec(), title="", caption="", legend_side="top")
