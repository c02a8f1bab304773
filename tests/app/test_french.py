"""Every page in French shows no English (tests/french.py says what counts as English)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP, PAGES
from tests.french import catalogue_ids, english_in, shown_texts

#: Every page of the app (the AppTest page list, plus the two it leaves to their own tests).
ALL_PAGES = {**PAGES, "presenter": "pages/presenter.py", "load_data": "pages/load_data.py"}


@pytest.mark.parametrize("page", sorted(ALL_PAGES))
def test_page_in_french_shows_no_english(
    page: str, demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROUTEWATCH_DB", str(demo_db))
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["lang"] = "fr"
    at.run()
    if page != "overview":
        at.switch_page(ALL_PAGES[page]).run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.query_params.get("lang") in ("fr", ["fr"])
    found = english_in(shown_texts(at), catalogue_ids())
    assert not found, f"{page}: {len(found)} English texts in French:\n" + "\n".join(found[:60])


def test_language_switch_keeps_the_filters(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROUTEWATCH_DB", str(demo_db))
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["route"] = "central_mediterranean"
    at.run()
    assert "lang" not in at.query_params
    at.selectbox(key="ui_lang").set_value("fr").run()
    assert at.query_params.get("lang") in ("fr", ["fr"])
    assert at.query_params.get("route") in ("central_mediterranean", ["central_mediterranean"])
