"""Fixtures for AppTest: a warehouse per test, clean caches, and st.navigation as served."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")
PAGES = {
    "overview": "pages/overview.py",
    "routes": "pages/routes.py",
    "risk": "pages/risk.py",
    "incidents": "pages/incidents.py",
    "briefing": "pages/briefing.py",
    "data_sources": "pages/data_sources.py",
    "methodology": "pages/methodology.py",
    "money": "pages/money.py",
    "planner": "pages/planner.py",
    "reconcile": "pages/reconcile.py",
}


@pytest.fixture(autouse=True)
def navigation_as_served(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run app.py's st.navigation on every AppTest run, as the server does.

    AppTest resets ``PagesManager.uses_pages_directory`` before each run; with a ``pages/``
    folder beside app.py it would then run a page file on its own (multipage v1) after a
    ``switch_page``, skipping app.py and its sidebar. The server sets the flag once, when
    app.py first calls ``st.navigation``.
    """
    original = PagesManager.__init__

    def init(self: PagesManager, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture(autouse=True)
def clear_streamlit_caches() -> Iterator[None]:
    """Every test starts with no cached connection or query result (caches outlive AppTest).

    The simplified country outlines (reference data, not warehouse data) stay cached: they
    are the same for every warehouse and take a second to build.
    """
    from ui import cache

    cache.clear_after_ingest()
    yield
    cache.clear_after_ingest()


@pytest.fixture
def demo_app(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """An AppTest of app.py reading the demo warehouse (not run yet)."""
    monkeypatch.setenv("ROUTEWATCH_DB", str(demo_db))
    monkeypatch.delenv("ROUTEWATCH_ONLINE_BASEMAP", raising=False)
    return AppTest.from_file(APP, default_timeout=90)


@pytest.fixture
def real_app(real_db: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """An AppTest of app.py reading the warehouse loaded from ../shared/data (not run yet)."""
    monkeypatch.setenv("ROUTEWATCH_DB", str(real_db))
    monkeypatch.delenv("ROUTEWATCH_ONLINE_BASEMAP", raising=False)
    return AppTest.from_file(APP, default_timeout=90)


@pytest.fixture
def own_db(demo_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the demo warehouse (saved views stay in this test's folder), read by
    the app, with no analyst credentials in the environment."""
    import shutil

    from ui import auth

    db = tmp_path / "demo.duckdb"
    shutil.copyfile(demo_db, db)
    monkeypatch.setenv("ROUTEWATCH_DB", str(db))
    monkeypatch.delenv("ROUTEWATCH_ONLINE_BASEMAP", raising=False)
    monkeypatch.delenv(auth.ENV_VAR, raising=False)
    return db
