"""Downloads in a real browser: chart PNG/SVG/PDF, the map PNG and both briefing packs.

Starts the app on 127.0.0.1 over a demo warehouse and drives Debian's Chromium with
Playwright. Each file is opened and checked: image size and pixels, SVG text, PDF pages and
text, PPTX slides.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import CHROMIUM
from tests.e2e.conftest import CHROMIUM_ARGS as FLAGS

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]

# A small scope keeps the pack quick: one route, one year.
QUERY = "?from=2024-01-01&to=2024-12-31&route=central_mediterranean"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def app_url(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (apt-get install chromium)")
    pytest.importorskip("playwright")
    # A private copy: saved views would otherwise land beside the shared demo warehouse.
    db = tmp_path_factory.mktemp("e2e-downloads") / "demo.duckdb"
    db.write_bytes(demo_db.read_bytes())
    port = _free_port()
    env = {**os.environ, "ROUTEWATCH_DB": str(db)}
    env.pop("ROUTEWATCH_ONLINE_BASEMAP", None)
    log = (db.parent / "streamlit.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(REPO / "app.py"),
            "--server.headless",
            "true",
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("the app did not become healthy within 60 s")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="module")
def page(app_url: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    # Playwright gives every launch a fresh temporary profile (its --user-data-dir).
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        ctx = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 3000})
        pg = ctx.new_page()
        pg.goto(f"{app_url}/briefing{QUERY}")
        pg.get_by_role("heading", name="Briefing", exact=True).wait_for(timeout=60_000)
        pg.locator(".stDownloadButton").nth(5).wait_for(timeout=60_000)
        yield pg
        ctx.close()
        browser.close()


def _download(page: object, button: str, timeout_ms: int = 90_000) -> tuple[str, bytes]:
    pg = page  # type: ignore[assignment]
    with pg.expect_download(timeout=timeout_ms) as info:  # type: ignore[attr-defined]
        pg.get_by_role("button", name=button, exact=True).first.click()  # type: ignore[attr-defined]
    dl = info.value
    path = dl.path()
    return dl.suggested_filename, Path(path).read_bytes()


def test_chart_png_svg_pdf_downloads(page: object) -> None:
    from PIL import Image
    from pypdf import PdfReader

    name, png = _download(page, "PNG")
    assert name.startswith(
        "monthly-dead-and-missing_2024-01-01-2024-12-31-route-central-mediterranean_"
    ), name
    assert name.endswith(".png")
    img = Image.open(io.BytesIO(png))
    assert img.width == 2400  # 1,200 CSS pixels at scale 2
    assert img.height > 800
    grey = img.convert("L")
    assert sum(1 for v in grey.getdata() if v < 200) > 20_000  # bars and text, not a blank

    name, svg = _download(page, "SVG")
    assert name.endswith(".svg")
    text = svg.decode("utf-8")
    assert text.lstrip().startswith("<svg")
    assert "Central Mediterranean" in text or "Selected routes" in text
    assert (
        "Filters: 2024-01-01 to 2024-12-31; route: Central Mediterranean" in text
    )  # names, not ids

    name, pdf = _download(page, "PDF")
    assert name.endswith(".pdf") and pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    assert "route: Central Mediterranean" in reader.pages[0].extract_text()


def test_map_png_download(page: object) -> None:
    from PIL import Image

    name, png = _download(page, "Map PNG")
    assert name.startswith("routes-map_") and name.endswith(".png")
    img = Image.open(io.BytesIO(png)).convert("RGB")
    assert img.width == 1800
    # The Central Mediterranean route is drawn in its own colour (#D55E00, vermillion).
    assert any(abs(r - 0xD5) < 12 and abs(g - 0x5E) < 12 and b < 30 for r, g, b in img.getdata())


def test_briefing_pack_downloads(page: object) -> None:
    from pypdf import PdfReader

    name, pdf = _download(page, "Briefing pack (PDF)", timeout_ms=120_000)
    assert name.startswith("routewatch-briefing_") and name.endswith(".pdf")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 12
    first = reader.pages[0].extract_text()
    assert "Central Mediterranean" in first
    assert "2024-01-01 to 2024-12-31" in first

    name, pptx = _download(page, "Briefing pack (PowerPoint)", timeout_ms=120_000)
    assert name.endswith(".pptx")
    with zipfile.ZipFile(io.BytesIO(pptx)) as z:
        slides = [
            n for n in z.namelist() if n.startswith("ppt/slides/slide") and n.endswith(".xml")
        ]
    assert len(slides) == len(reader.pages)
