"""The Reconcile sources page in a real browser: reached from Data and sources, charts drawn
offline, the route picker kept in the link."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.e2e.test_browser import TIMEOUT_MS, VIEWPORT, outside_requests, settle

pytestmark = pytest.mark.e2e


def test_reconcile_page_draws_its_charts_and_keeps_the_route_in_the_link(
    browser, app_url: str, artifacts: Path
) -> None:
    ctx = browser.new_context(viewport=VIEWPORT)
    try:
        page = ctx.new_page()
        outside = outside_requests(page)
        page.goto(f"{app_url}/data_sources")
        settle(page)
        page.get_by_role("link", name="Reconcile sources: one route's IOM").click()
        page.wait_for_function(
            "() => document.querySelector('h1')?.textContent.includes('Reconcile sources')",
            timeout=TIMEOUT_MS,
        )
        settle(page)
        # Both charts drawn: the coverage strip and the side-by-side panels.
        page.wait_for_function(
            "() => document.querySelectorAll('.js-plotly-plot .main-svg .gtitle').length >= 2",
            timeout=TIMEOUT_MS,
        )
        panels = page.eval_on_selector_all(
            ".js-plotly-plot .annotation-text", "els => els.map(e => e.textContent)"
        )
        assert "Sea arrivals, persons (UNHCR)" in panels
        assert "Detections, events not persons (Frontex)" in panels
        assert page.locator("[data-testid='stException']").count() == 0
        page.screenshot(path=str(artifacts / "reconcile.png"), full_page=True)

        # Another route from the picker: the page redraws and the link names the route.
        combo = page.locator("[data-testid='stMain']").get_by_role(
            "combobox", name="Route", exact=True
        )
        combo.click()
        combo.fill("Western Balkans")
        page.get_by_role("option", name="Western Balkans", exact=True).click()
        page.wait_for_function(
            "() => [...document.querySelectorAll('h2')].some(h => h.textContent.includes('Western Balkans'))",
            timeout=TIMEOUT_MS,
        )
        settle(page)
        # The link holds the route's code (the same in every language), not its shown name.
        page.wait_for_url(re.compile(r"reconcile=western_balkans"), timeout=TIMEOUT_MS)
        assert parse_qs(urlsplit(page.url).query).get("reconcile") == ["western_balkans"]
        assert outside == [], f"requests left the machine: {outside[:5]}"
    finally:
        ctx.close()
