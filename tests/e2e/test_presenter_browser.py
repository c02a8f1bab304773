"""Presenter mode in a real browser: five saved views, clicked through with the mouse.

Checks what a presenter in a meeting room depends on, at 1280 x 720 and 1920 x 1080: the
navigation is visible and the topmost element under the pointer (not under Streamlit's header),
each view shows its headline chart beside its figures, the slide fits the screen with no text
cut off, and the keyboard (arrows, PageUp / PageDown as clickers send) moves between views.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from data import app_state
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, require_chromium, streamlit_server

pytestmark = pytest.mark.e2e

VIEWS = (
    ("All routes, all years", {}),
    (
        "Central Mediterranean 2024",
        {"from": "2024-01-01", "to": "2024-12-31", "route": ["central_mediterranean"]},
    ),
    ("Western Balkans", {"route": ["western_balkans"]}),
    ("Afghan nationals", {"origin": ["AFG"]}),
    ("Drowning in 2023", {"from": "2023-01-01", "to": "2023-12-31", "cause": ["Drowning"]}),
)
TIMEOUT_MS = 60_000

# The topmost element at the centre of a locator's box is inside it (a button under the fixed
# header would get the header instead).
ON_TOP_JS = """(el) => {
  const r = el.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return !!hit && el.contains(hit);
}"""

# Every text element of the slide lies inside the viewport and no text is cut off inside its
# box (an element whose content is wider or taller than itself, with overflow hidden).
CLIPPED_JS = """() => {
  const vw = window.innerWidth, vh = window.innerHeight;
  const out = [];
  const slide = document.querySelector('.st-key-presenter-slide');
  if (!slide) return ['no slide'];
  const sr = slide.getBoundingClientRect();
  if (sr.left < -1 || sr.right > vw + 1) out.push('slide wider than the screen');
  if (sr.bottom > vh + 1) out.push(`slide bottom ${Math.round(sr.bottom)} > ${vh}`);
  for (const el of slide.querySelectorAll('h1, li, .rw-value, .rw-label, .rw-scope, .rw-sources, .gtitle')) {
    const r = el.getBoundingClientRect();
    if (r.left < sr.left - 1 || r.right > sr.right + 1 || r.top < sr.top - 1 || r.bottom > sr.bottom + 1)
      out.push(`${el.className.baseVal ?? el.className} '${el.textContent.slice(0, 30)}' outside the slide`);
    if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible')
      out.push(`${el.className} '${el.textContent.slice(0, 30)}' cut off`);
  }
  const header = document.querySelector('header[data-testid="stHeader"]');
  const nav = document.querySelector('.st-key-presenter-nav');
  if (header && nav && nav.getBoundingClientRect().top < header.getBoundingClientRect().bottom - 1)
    out.push('navigation under the header');
  return out;
}"""


@pytest.fixture(scope="module")
def presenter_url(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A server over a copy of the demo warehouse with five saved views (the shared demo
    warehouse's views stay untouched for the other tests)."""
    require_chromium()
    folder = tmp_path_factory.mktemp("presenter")
    db = folder / "demo.duckdb"
    shutil.copy(demo_db, db)
    p = app_state.app_state_path(db)
    for name, query in VIEWS:
        app_state.save_view(name, query, path=p)
    with streamlit_server(db, folder / "streamlit.log") as url:
        yield url


def _settled(page, name: str) -> None:
    page.wait_for_function(
        """(name) => {
          const h1 = document.querySelector('.rw-present h1');
          if (!h1 || h1.textContent.trim() !== name) return false;
          if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
          if (document.querySelector('[data-stale="true"]')) return false;
          return !!document.querySelector('.st-key-presenter-slide .js-plotly-plot .main-svg .gtitle');
        }""",
        arg=name,
        timeout=TIMEOUT_MS,
    )


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)], ids=["1280x720", "1920x1080"])
def test_presenter_clicks_through_five_views(
    presenter_url: str, size: tuple[int, int], artifacts: Path
) -> None:
    from playwright.sync_api import sync_playwright

    w, h = size
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": w, "height": h})
            page.goto(f"{presenter_url}/presenter")
            names = [n for n, _ in VIEWS]
            for i, name in enumerate(names):
                _settled(page, name)
                assert (
                    page.locator(".st-key-presenter-nav").inner_text().count(f"View {i + 1} of 5")
                ), page.locator(".st-key-presenter-nav").inner_text()
                problems = page.evaluate(CLIPPED_JS)
                assert problems == [], f"{name} at {w}x{h}: {problems}"
                # Beside the figures: the chart's box starts right of the figures' box.
                fig_box = page.locator(".rw-figures").bounding_box()
                chart_box = page.locator(".st-key-presenter-slide .js-plotly-plot").bounding_box()
                assert fig_box and chart_box and chart_box["x"] >= fig_box["x"] + fig_box["width"]
                if i == 0:
                    page.screenshot(path=str(artifacts / f"presenter-{w}x{h}.png"))
                if i < len(names) - 1:
                    nxt = page.locator(".st-key-present-next button")
                    assert nxt.is_visible() and nxt.evaluate(ON_TOP_JS), "Next is covered"
                    box = nxt.bounding_box()
                    assert box is not None
                    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            # Back with the mouse, then the keyboard: Left arrow, PageDown, Right arrow, PageUp.
            prev = page.locator(".st-key-present-prev button")
            assert prev.evaluate(ON_TOP_JS)
            prev.click()
            _settled(page, names[3])
            for key, want in (
                ("ArrowLeft", 2),
                ("PageDown", 3),
                ("ArrowRight", 4),
                ("PageUp", 3),
            ):
                page.locator("body").press(key)
                _settled(page, names[want])
            assert "view=" in page.url
        finally:
            browser.close()
