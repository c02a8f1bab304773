"""The "Follow the money" page in a real browser: map and charts drawn offline, controls in the URL."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.test_browser import (
    TIMEOUT_MS,
    VIEWPORT,
    outside_requests,
    query_of,
    settle,
    wait_drawn,
)

pytestmark = pytest.mark.e2e


def test_money_page_draws_offline_and_keeps_its_controls_in_the_link(
    browser, app_url: str, artifacts: Path
) -> None:
    ctx = browser.new_context(viewport=VIEWPORT)
    try:
        page = ctx.new_page()
        outside = outside_requests(page)
        page.goto(f"{app_url}/money?share=0.5&share=0.6")
        settle(page)
        wait_drawn(page, True, True)
        assert page.locator("h1").filter(has_text="Follow the money").count() == 1
        assert page.locator("[data-testid='stException']").count() == 0
        titles = page.locator(".js-plotly-plot .gtitle").all_text_contents()
        assert len(titles) == 2, titles
        assert query_of(page.url)["share"] == ["0.5", "0.6"]
        page.get_by_text("UNHCR sea arrivals", exact=True).click()
        page.wait_for_url(
            re.compile(r"persons=arrivals"), timeout=TIMEOUT_MS
        )  # the code, not the label
        settle(page)
        assert page.locator("[data-testid='stException']").count() == 0
        assert query_of(page.url)["share"] == ["0.5", "0.6"]
        page.wait_for_timeout(800)  # let WebGL finish its frame before the screenshot
        page.screenshot(path=str(artifacts / "money.png"), full_page=True)
        assert outside == [], f"requests left the machine: {outside[:5]}"
    finally:
        ctx.close()
