"""Warehouses for the robustness tests: one pre-loaded base, copied fresh for every test."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest

from data.db import table_fingerprints
from tests.conftest import FIXTURES


def fingerprints(db: Path) -> dict[str, tuple[int, int]]:
    """Row count and checksum of every table of the warehouse at ``db`` (opened read-only)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return table_fingerprints(con)
    finally:
        con.close()


def file_state(db: Path) -> tuple[list[str], int, int]:
    """What a refused load must not change: the folder listing and the file's inode + mtime."""
    st = db.stat()
    return sorted(os.listdir(db.parent)), st.st_ino, st.st_mtime_ns


@pytest.fixture(scope="session")
def base_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse pre-loaded with the small MMP quirks and Frontex fixtures (built once)."""
    from data.ingest import load_file

    db = tmp_path_factory.mktemp("base") / "base.duckdb"
    assert load_file(FIXTURES / "mmp_quirks.csv", db=db).status == "loaded"
    assert load_file(FIXTURES / "frontex_small.csv", db=db).status == "loaded"
    fp = fingerprints(db)
    assert fp["incidents"][0] == 11 and fp["detections"][0] > 0 and fp["sources"][0] == 2
    return db


@pytest.fixture
def warehouse(base_warehouse: Path, tmp_path: Path) -> Path:
    """A private copy of the base warehouse, alone in its own folder."""
    d = tmp_path / "wh"
    d.mkdir()
    db = d / "warehouse.duckdb"
    shutil.copyfile(base_warehouse, db)
    return db
