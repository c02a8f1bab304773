"""Accessibility in a real browser (issue 16): axe-core on every page in English and in French,
and the keyboard alone.

axe-core (through ``axe-playwright-python``, which ships its own copy: nothing is fetched)
checks each page against WCAG 2.0/2.1 A and AA once it is settled; a serious or critical
violation fails the test with its rule, element and fix. The keyboard test tabs from the top
of the page through the sidebar (menu, filters) into the page itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e

TIMEOUT_MS = 90_000
PATHS = (
    "",
    "routes",
    "risk",
    "incidents",
    "planner",
    "money",
    "briefing",
    "presenter",
    "data_sources",
    "reconcile",
    "methodology",
    "load_data",
)
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
SETTLED_JS = """() => {
  if (!document.querySelector('[data-testid="stMain"] h1')) return false;
  if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
  return !document.querySelector('[data-stale="true"]');
}"""


def _settle(page) -> None:
    page.wait_for_function(SETTLED_JS, timeout=TIMEOUT_MS)
    page.wait_for_timeout(1200)  # charts and maps finish drawing after the run


def _serious(result) -> dict[str, str]:
    """Serious and critical violations by rule id, with the first element and its fix."""
    return {
        v["id"]: f"{v['id']} ({v['impact']}, {len(v['nodes'])} elements): "
        f"{v['nodes'][0]['target']} {v['nodes'][0].get('failureSummary', '')[:160]}"
        for v in result.response["violations"]
        if v["impact"] in ("serious", "critical")
    }


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_no_serious_or_critical_axe_violation_on_any_page(
    browser, app_url: str, artifacts: Path, lang: str
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    found: dict[str, list[str]] = {}
    try:
        for path in PATHS:
            page.goto(f"{app_url}/{path}" + ("?lang=fr" if lang == "fr" else ""))
            _settle(page)
            if lang == "fr":  # the page declares its language (WCAG 3.1.1)
                page.wait_for_function(
                    "() => document.documentElement.lang === 'fr'", timeout=TIMEOUT_MS
                )
            bad = _serious(axe.run(page, options=AXE_OPTIONS))
            if bad:
                # A page may rerun once more after it first settles (a control writing the
                # address); while it redraws, the house CSS can be briefly absent. What is
                # still there once it has settled again is a real violation.
                _settle(page)
                again = _serious(axe.run(page, options=AXE_OPTIONS))
                bad = {k: v for k, v in again.items() if k in bad}
            if bad:
                found[path or "overview"] = list(bad.values())
    finally:
        page.close()
    assert found == {}, found


def test_the_keyboard_alone_reaches_the_menu_the_filters_and_the_page(
    browser, app_url: str
) -> None:
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    try:
        page.goto(f"{app_url}/")
        _settle(page)
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
        seen = []
        for _ in range(120):
            page.keyboard.press("Tab")
            seen.append(
                page.evaluate(
                    """() => {
                      const e = document.activeElement;
                      if (!e || e === document.body) return null;
                      const side = !!e.closest('[data-testid="stSidebar"]');
                      const label = e.getAttribute('aria-label') || e.innerText || e.value || '';
                      const r = e.getBoundingClientRect();
                      return {side, tag: e.tagName, label: label.trim().slice(0, 60),
                              visible: r.width > 0 && r.height > 0};
                    }"""
                )
            )
        stops = [s for s in seen if s]
        side = [s for s in stops if s["side"]]
        main = [s for s in stops if not s["side"]]
        labels = " | ".join(s["label"] for s in side)
        # The menu, then the filters, in the sidebar ...
        assert any(s["tag"] == "A" and s["label"].endswith("Routes") for s in side), labels
        assert any("Period" in s["label"] or s["tag"] == "INPUT" for s in side), labels
        assert any("Reset filters" in s["label"] for s in side), labels
        # ... then the page's own controls (map layers, downloads), each visible when focused.
        assert len(main) >= 5, [s["label"] for s in main]
        assert all(s["visible"] for s in stops), [s for s in stops if not s["visible"]]
        # Enter on a focused menu link opens that page.
        page.locator('[data-testid="stSidebarNav"] a', has_text="Routes").focus()
        page.keyboard.press("Enter")
        page.wait_for_function(
            "() => document.querySelector('h1') && document.querySelector('h1').textContent === 'Routes'",
            timeout=TIMEOUT_MS,
        )
    finally:
        page.close()
