"""The browser-paint benchmark's measurement runs end to end at a tiny size (no timing asserted).

``python -m benchmarks.run`` reports the time from a filter change to every chart painted
(:func:`benchmarks.paint.measure_page`). This runs that same measurement once, on one page of
the demo warehouse, through this module's server (``app_url``) and the shared Chromium
(``browser``), so the figure cannot go silently missing.

It is kept cheap so that it stays reliable inside the full suite (``-n 2``): no server or
browser of its own, no warm-up, one change, on the Data and sources page (charts, no map to
rasterise in software). Every wait draws on one overall budget; running out fails with the
step that did not finish, never with a bare timeout at the end.
"""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.e2e

PAGE = "data_sources"
BUDGET_S = 120.0  # the whole measurement; a few seconds on a quiet machine
CHARTS_JS = """() => document.querySelectorAll(
  '[data-testid="stMain"] .js-plotly-plot .main-svg').length"""


def test_paint_measures_one_filter_change(app_url: str, browser: Any) -> None:
    from benchmarks.paint import SETTLED_JS, PaintTimeout, measure_page

    seen: dict[str, object] = {}

    def look(page: Any) -> None:
        seen["settled"] = page.evaluate(SETTLED_JS)
        seen["charts"] = page.evaluate(CHARTS_JS)

    ctx = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        samples = measure_page(
            ctx, app_url, PAGE, changes=1, timeout_ms=BUDGET_S * 1000, warmup=False,
            budget_s=BUDGET_S, after=look,
        )  # fmt: skip
    except PaintTimeout as exc:
        pytest.fail(f"the paint measurement on {PAGE!r} ran out of time: {exc}")
    finally:
        ctx.close()
    # A number: a change takes at least one frame, and it ended (within the budget).
    assert len(samples) == 1
    assert 1 / 60 < samples[0] < BUDGET_S, samples
    # The page painted: settled (no run, nothing stale, every chart's SVG there), with charts.
    assert seen == {"settled": True, "charts": seen["charts"]}, seen
    assert isinstance(seen["charts"], int) and seen["charts"] >= 1, seen
