"""The app's basemap: read from the shipped file without geopandas, simplified only as a fallback."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from geo import layers as gl
from ui import cache

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def fresh_basemap_caches() -> None:
    cache._basemap_encoded.clear()
    cache._basemap_geojson.clear()


def test_shipped_basemap_equals_simplifying_at_start_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    shipped = cache.basemap_encoded()
    assert len(shipped.iso3) > 200 and "MLT" in shipped.iso3  # small island states stay
    stale = tmp_path / "basemap.geojson"
    stale.write_text(
        (REPO / "data" / "reference" / "basemap.geojson")
        .read_text(encoding="ascii")
        .replace('"source_sha256":"', '"source_sha256":"0', 1),
        encoding="ascii",
    )
    monkeypatch.setattr(cache, "BASEMAP_FILE", stale)
    cache._basemap_encoded.clear()
    with caplog.at_level(logging.WARNING, logger="ui.cache"):
        rebuilt = cache.basemap_encoded()
    assert "scripts/build_basemap.py" in caplog.text
    assert rebuilt == shipped
    monkeypatch.setattr(cache, "BASEMAP_FILE", tmp_path / "missing.geojson")
    cache._basemap_geojson.clear()
    assert gl.encode_countries(cache.basemap_geojson()) == shipped


def test_basemap_geojson_is_the_shipped_file() -> None:
    gj = cache.basemap_geojson()
    assert gj["type"] == "FeatureCollection"
    assert gl.encode_countries(gj) == cache.basemap_encoded()


def test_the_first_page_imports_no_geopandas_shapely_matplotlib_or_kaleido() -> None:
    """What the Overview imports before it draws (app shell, page, cached wrappers)."""
    code = (
        "import sys\n"
        "import ui.cache, ui.render, ui.state, ui.snapshots, analytics.figures\n"
        "import geo.spatial, export.images\n"
        "ui.cache.basemap_encoded()\n"
        "heavy = ('geopandas', 'shapely', 'matplotlib', 'kaleido', 'pyproj')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"
