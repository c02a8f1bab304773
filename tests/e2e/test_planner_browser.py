"""The Prevention planner in a real browser: cards drawn, the choice kept in the link, and the
one-page PDF downloaded and opened."""

from __future__ import annotations

import io
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

pytestmark = pytest.mark.e2e

TIMEOUT_MS = 90_000


def test_planner_page_link_and_pdf(browser, app_url: str, artifacts: Path) -> None:
    import pdfplumber

    ctx = browser.new_context(viewport={"width": 1440, "height": 2000}, accept_downloads=True)
    try:
        page = ctx.new_page()
        page.goto(f"{app_url}/planner")
        page.get_by_text(re.compile("^Campaign window:")).first.wait_for(timeout=TIMEOUT_MS)
        # Every card drawn (they stream in one by one): no run in progress, nothing stale.
        page.wait_for_function(
            "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
            " && !document.querySelector('[data-stale=\"true\"]')",
            timeout=TIMEOUT_MS,
        )
        assert page.locator("[data-testid='stException']").count() == 0
        assert page.locator("[class*='st-key-plan-card-']").count() >= 1

        # Keep only the first country: the link then holds its code and reproduces the view.
        names = [
            t.strip() for t in page.locator("[class*='st-key-plan-card-'] h3").all_text_contents()
        ]
        keep = names[0]
        combo = page.get_by_role("combobox", name="Countries of origin")
        combo.click()
        for _ in range(len(names) - 1):
            combo.press("Backspace")
        page.keyboard.press("Escape")
        if len(names) == 1:  # nothing to remove: choose it again to write the link
            combo.press("Backspace")
            combo.fill(keep)
            page.get_by_role("option", name=keep, exact=True).click()
            page.keyboard.press("Escape")
        # The address follows each removal: wait for the last one (a single code left).
        page.wait_for_function(
            "() => new URLSearchParams(location.search).getAll('plan').length === 1",
            timeout=TIMEOUT_MS,
        )
        # The link holds the country's ISO3 code (the same in every language), not its name.
        plan = parse_qs(urlsplit(page.url).query)["plan"]
        assert len(plan) == 1 and re.fullmatch(r"[A-Z]{3}", plan[0]), plan
        page.locator("h3").filter(has_text=keep).first.wait_for(timeout=TIMEOUT_MS)

        other = ctx.new_page()
        other.goto(page.url)
        other.locator("h3").filter(has_text=keep).first.wait_for(timeout=TIMEOUT_MS)
        other.get_by_text(re.compile("^Campaign window:")).first.wait_for(timeout=TIMEOUT_MS)
        assert other.locator("[class*='st-key-plan-card-']").count() == 1
        other.screenshot(path=str(artifacts / "planner.png"), full_page=True)

        with other.expect_download(timeout=TIMEOUT_MS) as dl:
            other.get_by_role("button", name=f"One-page PDF: {keep}").click()
        data = Path(dl.value.path()).read_bytes()
        assert data.startswith(b"%PDF")
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            assert len(pdf.pages) == 1
            assert f"Prevention planner: {keep}" in pdf.pages[0].extract_text()
    finally:
        ctx.close()
