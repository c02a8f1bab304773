"""The Risk page's map as a browser draws it on the real-format warehouse: drawn at all (a layer
deck.gl cannot draw blanks the whole map), in its score colours, with the low-confidence
countries' grey stripes over their faded fill. Not a pixel diff: counts of colour families."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from analytics.theme import SEQUENTIAL, hex_to_rgb
from geo import layers as gl
from tests.e2e.conftest import streamlit_server

pytestmark = pytest.mark.shared

TIMEOUT_MS = 90_000


@pytest.fixture(scope="module")
def real_url(real_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("server") / "streamlit.log"
    with streamlit_server(real_db, log) as url:
        yield url


def _near(p: tuple[int, int, int], rgb: tuple[int, int, int], tol: int) -> bool:
    return all(abs(a - b) <= tol for a, b in zip(p, rgb, strict=True))


def test_risk_map_draws_scores_and_hatches_low_confidence(
    browser, real_url: str, artifacts: Path
) -> None:
    from PIL import Image

    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{real_url}/risk?from=2023-01-01&to=2023-12-31", wait_until="networkidle")
    deck = page.locator("[data-testid='stDeckGlJsonChart']").first
    deck.locator("canvas").first.wait_for(timeout=TIMEOUT_MS)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=TIMEOUT_MS
    )
    page.wait_for_timeout(2500)  # let WebGL finish its frames
    png = deck.screenshot()
    (artifacts / "risk_map_confidence.png").write_bytes(png)
    page.close()
    assert not errors, errors
    px = list(Image.open(io.BytesIO(png)).convert("RGB").getdata())
    ocean = tuple(gl.OCEAN_RGB)
    assert sum(_near(p, ocean, 6) for p in px) > len(px) * 0.2  # the map is drawn
    # Scored, well-evidenced countries in full class colours (2023: 40-60 and 60-80 classes).
    # The fill is drawn at SCORED_ALPHA over the ocean layer.
    a = gl.SCORED_ALPHA / 255
    strong = [
        tuple(round(a * c + (1 - a) * o) for c, o in zip(hex_to_rgb(h), ocean, strict=True))
        for h in SEQUENTIAL[2:4]
    ]
    assert sum(any(_near(p, c, 10) for c in strong) for p in px) > 2000
    # Stripes: the grey stripe colour over a faded orange fill gives warm mid greys, which the
    # basemap (light neutral borders, no-data grey, the black outline) hardly has: about 2,700
    # such pixels with the stripes, under 300 without them (checked with the stripes' alpha at 0).
    stripes = sum(
        1
        for r, g, b in px
        if 95 <= (r + g + b) / 3 <= 150 and 8 <= r - b <= 45 and abs(r - g) <= 25 and g >= b
    )
    assert stripes > 1200, stripes
