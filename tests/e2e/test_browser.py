"""What only a real browser shows: maps drawn offline, charts, downloads, shared links, inert HTML.

The server is started fresh for this module, so the first test opens a shared link as the very
first request the server sees (the case Streamlit handles differently, see
:func:`ui.state.ensure_app_shell`).
"""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = pytest.mark.e2e

TIMEOUT_MS = 90_000
VIEWPORT = {"width": 1440, "height": 2400}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# Screenshot name -> (navigation label, has a map, has charts)
PAGES = {
    "overview": ("Overview", True, True),
    "routes": ("Routes", True, True),
    "risk": ("Origin and transit risk", True, True),
    "incidents": ("Incidents", True, False),
    "data_sources": ("Data and sources", False, True),
    "money": ("Follow the money", True, True),
    "planner": ("Prevention planner", False, True),
    "reconcile": ("Reconcile sources", False, True),
    "methodology": ("Methodology", False, False),
}


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    yield ctx
    ctx.close()


def outside_requests(page) -> list[str]:
    """Collect requests that leave the machine (the app must work offline)."""
    seen: list[str] = []
    page.on(
        "request",
        lambda r: (
            seen.append(r.url)
            if not r.url.startswith(("http://127.0.0.1", "data:", "blob:"))
            else None
        ),
    )
    return seen


def settle(page) -> None:
    """Wait for the app's own elements: the sidebar filters, a title, and no run in progress."""
    page.wait_for_selector(
        "[data-testid='stSidebar'] [data-testid='stMultiSelect']", timeout=TIMEOUT_MS
    )
    page.wait_for_selector("h1", timeout=TIMEOUT_MS)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=TIMEOUT_MS
    )


def wait_drawn(page, has_map: bool, has_chart: bool) -> None:
    if has_map:
        page.wait_for_selector("[data-testid='stDeckGlJsonChart'] canvas", timeout=TIMEOUT_MS)
    if has_chart:
        page.wait_for_selector(".js-plotly-plot .main-svg .gtitle", timeout=TIMEOUT_MS)


def multiselect(page, label: str):
    return page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelect']").filter(
        has=page.get_by_role("combobox", name=label, exact=True)
    )


def sidebar_values(page, label: str) -> list[str]:
    """The tags shown in a sidebar multiselect."""
    tags = multiselect(page, label).locator(".react-aria-ComboBox [data-tag] span[title]")
    return [t.strip() for t in tags.all_inner_texts()]


def wait_sidebar_values(page, label: str, want: list[str]) -> list[str]:
    """Poll the tags of a sidebar multiselect until they are ``want`` (or the timeout passes).

    ``settle`` can return between the first script run drawing the sidebar and the browser
    applying the run's widget values, so a single read may see an empty widget.
    """
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    got = sidebar_values(page, label)
    while got != want and time.monotonic() < deadline:
        page.wait_for_timeout(200)
        got = sidebar_values(page, label)
    return got


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def test_shared_link_opened_first_on_a_fresh_server(context, app_url: str) -> None:
    page = context.new_page()
    page.goto(f"{app_url}/routes?route=central_mediterranean&q=3")
    settle(page)
    wait_drawn(page, True, True)
    assert sidebar_values(page, "Route") == ["Central Mediterranean"]
    assert page.locator("h2").filter(has_text="Central Mediterranean").count() == 1
    assert query_of(page.url) == {"route": ["central_mediterranean"], "q": ["3"]}


def test_every_page_draws_offline(context, app_url: str, artifacts: Path) -> None:
    page = context.new_page()
    outside = outside_requests(page)
    page.goto(app_url)
    for name, (label, has_map, has_chart) in PAGES.items():
        page.locator("[data-testid='stSidebarNav']").get_by_role(
            "link", name=label, exact=True
        ).click()
        page.wait_for_function(
            "t => document.querySelector('h1') && document.querySelector('h1').textContent.includes(t)",
            arg=label if name != "methodology" else "",
            timeout=TIMEOUT_MS,
        )
        settle(page)
        wait_drawn(page, has_map, has_chart)
        assert page.locator("[data-testid='stException']").count() == 0, name
        page.wait_for_timeout(800)  # let WebGL finish its frame before the screenshot
        page.screenshot(path=str(artifacts / f"{name}.png"))
    assert outside == [], f"requests left the machine: {outside[:5]}"


def test_filter_change_redraws_and_the_link_reproduces_the_view(
    browser, context, app_url: str
) -> None:
    page = context.new_page()
    page.goto(app_url)
    settle(page)
    wait_drawn(page, True, True)
    first_title = page.locator(".js-plotly-plot .gtitle").first.text_content()
    combo = page.locator("[data-testid='stSidebar']").get_by_role(
        "combobox", name="Route", exact=True
    )
    combo.click()
    combo.fill("Western Balkans")
    page.get_by_role("option", name="Western Balkans", exact=True).click()
    page.keyboard.press("Escape")
    page.wait_for_url(re.compile(r"route=western_balkans"), timeout=TIMEOUT_MS)
    settle(page)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.js-plotly-plot .gtitle')].some(t => t.textContent.startsWith('Western Balkans'))",
        timeout=TIMEOUT_MS,
    )
    assert page.locator(".js-plotly-plot .gtitle").first.text_content() != first_title
    shared = page.url

    fresh = browser.new_context(viewport=VIEWPORT)
    try:
        other = fresh.new_page()
        other.goto(shared)
        settle(other)
        assert wait_sidebar_values(other, "Route", ["Western Balkans"]) == ["Western Balkans"]
        assert query_of(other.url) == query_of(shared)
        other.wait_for_function(
            "() => [...document.querySelectorAll('.js-plotly-plot .gtitle')].some(t => t.textContent.startsWith('Western Balkans'))",
            timeout=TIMEOUT_MS,
        )
    finally:
        fresh.close()


def test_chart_png_download_is_named_after_chart_filters_and_date(
    context, app_url: str, tmp_path: Path
) -> None:
    page = context.new_page()
    page.goto(f"{app_url}/?from=2024-01-01&to=2024-12-31")
    settle(page)
    wait_drawn(page, False, True)
    chart = page.locator(".js-plotly-plot").first
    css_width = chart.bounding_box()["width"]
    chart.hover()
    button = chart.locator(
        ".modebar-btn[data-title='Download plot as a PNG'], .modebar-btn[data-title='Download plot as a png']"
    ).first
    with page.expect_download(timeout=TIMEOUT_MS) as info:
        button.click()
    download = info.value
    assert download.suggested_filename == (
        f"monthly-dead-and-missing_2024-01-01-2024-12-31_{dt.date.today().isoformat()}.png"
    )
    target = tmp_path / download.suggested_filename
    download.save_as(str(target))
    data = target.read_bytes()
    assert data[:8] == PNG_MAGIC
    width = int.from_bytes(data[16:20], "big")
    assert abs(width - 2 * css_width) <= 2  # scale 2


def test_injected_html_in_a_link_stays_inert(context, app_url: str) -> None:
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(
        f"{app_url}/?cause=%3Cimg%20src%3Dx%20onerror%3D%22window.__pwned%3D1%22%3E&route=%3Cscript%3Ealert(1)%3C/script%3E"
    )
    settle(page)
    notice = page.locator("[data-testid='stAlert']").filter(has_text="could not be used")
    notice.wait_for(timeout=TIMEOUT_MS)
    assert "unknown cause" in notice.inner_text() and "unknown route" in notice.inner_text()
    assert page.evaluate("() => window.__pwned === undefined")
    assert page.locator("img[src='x']").count() == 0
    assert dialogs == []
    assert query_of(page.url) == {}
