"""Shared fixtures: paths to the real data, temporary warehouses, Streamlit cache hygiene."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ROUTEWATCH_SHARED_DATA", REPO.parent / "shared" / "data"))
FIXTURES = REPO / "tests" / "data" / "fixtures"
IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_configure(config: pytest.Config) -> None:
    """Keep the file order of the collection for ``--dist loadfile`` (see below).

    By default pytest-xdist sends the files with the most tests first, so the one-test browser
    files (up to ~110 s each) come last: one worker runs the final one while the other idles.
    """
    if getattr(config.option, "dist", "no") in ("loadfile", "loadscope"):
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The browser files first (two fifths of the suite's time, in a dozen long files), then the
    rest in collection order: the many short unit files fill the end, so under ``-n 2 --dist
    loadfile`` both workers finish together. A stable sort: each file's tests keep their
    order."""
    items.sort(key=lambda item: 0 if item.nodeid.startswith("tests/e2e/") else 1)


def shared_file(rel: str) -> Path:
    """Path of a file in ../shared/data; skip (or fail in CI) when it is absent."""
    p = SHARED / rel
    if not p.exists():
        if IN_CI:
            pytest.fail(f"{p} is missing in CI: the real-data tests must run there")
        pytest.skip(f"{p} not found: real-data tests need ../shared/data beside the clone")
    return p


@pytest.fixture
def tmp_db(tmp_path: Path) -> Path:
    """Path of a fresh, empty warehouse file (created on first write)."""
    return tmp_path / "warehouse.duckdb"


@pytest.fixture(scope="session")
def real_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse loaded from the real files in ../shared/data (built once per session)."""
    from data.ingest import load_file

    files = [
        ("mmp/Missing_Migrants_Global_Figures_allData_2025-04.csv", {}),
        ("mmp/Missing_Migrants_Global_Figures_allData_2026-04.csv", {}),
        ("frontex/frontex_ibc_detections_monthly_2009-2025.csv", {}),
        ("oc_index/global_oc_index_2021.csv", {}),
        ("oc_index/global_oc_index_2023.csv", {}),
        ("unhcr/unhcr_daily_arrivals_italy.csv", {}),
        ("unhcr/population.csv", {}),
    ]
    paths = [(shared_file(rel), kw) for rel, kw in files]
    db = tmp_path_factory.mktemp("real") / "real.duckdb"
    for p, kw in paths:
        load_file(p, db=db, **kw)
    return db


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse holding only the synthetic demo dataset (built once per session)."""
    from data.demo import load_demo

    db = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    load_demo(db=db)
    return db
