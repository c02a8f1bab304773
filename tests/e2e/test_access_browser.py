"""In a real browser (issue 13): a hostile presenter link is a notice, not a traceback, and a
visitor's Briefing page writes nothing shared.

The server reads a private copy of the demo warehouse with one saved view beside it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from data import app_state
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, require_chromium, streamlit_server

pytestmark = pytest.mark.e2e

TIMEOUT_MS = 90_000


@pytest.fixture(scope="module")
def served(demo_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    require_chromium()
    d = tmp_path_factory.mktemp("access")
    db = d / "demo.duckdb"
    shutil.copyfile(demo_db, db)
    app_state.save_view("Minister deck", {}, path=app_state.app_state_path(db))
    with streamlit_server(db, d / "streamlit.log") as url:
        yield url, db


@pytest.fixture(scope="module")
def page_of(served: tuple[str, Path]) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        ctx = b.new_context(viewport={"width": 1400, "height": 1600})
        try:
            yield ctx
        finally:
            ctx.close()
            b.close()


@pytest.mark.parametrize("value", ["²", "%C2%B2", "-1", "999999999999999999999999"])
def test_presenter_link_with_a_hostile_view_value_shows_a_notice(
    page_of, served: tuple[str, Path], value: str
) -> None:
    url, _ = served
    page = page_of.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{url}/presenter?view={value}")
    page.get_by_text("not a saved view").first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("Minister deck").first.wait_for(timeout=TIMEOUT_MS)
    assert page.locator("[data-testid='stException']").count() == 0
    assert "ValueError" not in page.content() and errors == []
    page.close()


def test_a_visitor_cannot_delete_the_shared_deck(page_of, served: tuple[str, Path]) -> None:
    url, db = served
    page = page_of.new_page()
    page.goto(f"{url}/briefing")
    page.get_by_text("Minister deck").first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_role("button", name="Delete").first.click()
    page.get_by_text("only a signed-in analyst may save").first.wait_for(timeout=TIMEOUT_MS)
    assert [v.name for v in app_state.list_views(app_state.app_state_path(db))] == ["Minister deck"]
    page.close()
