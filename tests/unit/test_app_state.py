"""Saved views in the app-state file: save, list, open, delete; names and filters checked."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from data import app_state as st8
from data.filters import Filters, filters_to_query

ALL_FILTERS = Filters(
    date_from=dt.date(2023, 1, 1),
    date_to=dt.date(2023, 12, 31),
    un_regions=("Africa",),
    un_subregions=("Northern Africa",),
    mmp_regions=("Mediterranean",),
    routes=("central_mediterranean",),
    origins=("SYR",),
    causes=("Drowning",),
    min_source_quality=3,
    vintage="mmp-20260409-9e0d10c6",
)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "wh.duckdb.appstate.duckdb"


def test_the_file_sits_beside_the_warehouse(tmp_path: Path) -> None:
    wh = tmp_path / "routewatch.duckdb"
    assert st8.app_state_path(wh) == tmp_path / "routewatch.duckdb.appstate.duckdb"


def test_query_keys_are_those_of_a_link() -> None:
    assert set(filters_to_query(ALL_FILTERS)) == set(st8.QUERY_KEYS)


def test_save_list_get_delete(path: Path) -> None:
    q = filters_to_query(ALL_FILTERS)
    a = st8.save_view("  Central   Med 2023 ", q, path=path)
    b = st8.save_view("All data", {}, path=path)
    assert a.name == "Central Med 2023" and a.id != b.id
    assert dict(a.query) == q
    assert [v.name for v in st8.list_views(path)] == ["Central Med 2023", "All data"]
    got = st8.get_view(a.id, path)
    assert got is not None and dict(got.query) == q
    assert st8.delete_view(a.id, path) is True
    assert st8.delete_view(a.id, path) is False
    assert st8.get_view(a.id, path) is None
    assert [v.id for v in st8.list_views(path)] == [b.id]


def test_a_missing_file_lists_nothing_and_is_not_created(path: Path) -> None:
    assert st8.list_views(path) == []
    assert st8.get_view(1, path) is None
    assert st8.delete_view(1, path) is False
    assert not path.exists()


def test_names_are_unique_ignoring_case_unless_replaced(path: Path) -> None:
    first = st8.save_view("Weekly", {"from": "2024-01-01"}, path=path)
    with pytest.raises(ValueError, match="exists"):
        st8.save_view("WEEKLY", {"from": "2025-01-01"}, path=path)
    again = st8.save_view("WEEKLY", {"from": "2025-01-01"}, path=path, replace=True)
    assert again.id == first.id and again.name == "WEEKLY"
    assert dict(again.query) == {"from": "2025-01-01"}
    assert len(st8.list_views(path)) == 1


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "Give the view a name"),
        ("   ", "Give the view a name"),
        ("x" * 81, "at most 80"),
        ("<script>alert(1)</script>", "letters, digits"),
        ("tab\there", None),  # whitespace collapses: accepted
        ("line\nbreak", None),
        ("bell\x07", "letters, digits"),
        (42, "must be text"),
    ],
)
def test_names_are_validated(path: Path, name: object, message: str | None) -> None:
    if message is None:
        assert " " in st8.save_view(name, {}, path=path).name  # type: ignore[arg-type]
        return
    with pytest.raises(ValueError, match=message):
        st8.save_view(name, {}, path=path)  # type: ignore[arg-type]


def test_quotes_and_sql_in_a_name_are_stored_as_text(path: Path) -> None:
    name = "O'Brien's view; DROP TABLE saved_views; --"
    v = st8.save_view(name, {}, path=path)
    assert st8.get_view(v.id, path).name == name  # type: ignore[union-attr]
    assert len(st8.list_views(path)) == 1


def test_filters_are_checked_and_made_canonical(path: Path) -> None:
    v = st8.save_view(
        "Canonical",
        {
            "route": "central_mediterranean",
            "to": "2023-12-31",
            "from": "2023-01-01",
            "origin": ["syr", "SYR"],
        },
        path=path,
    )
    # Lower-case ISO-3 is not a valid origin and is dropped; order is a link's order.
    assert list(v.query.items()) == [
        ("from", "2023-01-01"),
        ("to", "2023-12-31"),
        ("route", ["central_mediterranean"]),
        ("origin", ["SYR"]),
    ]
    with pytest.raises(ValueError, match="Unknown filter parameter"):
        st8.save_view("Bad key", {"sql": "1; DROP TABLE x"}, path=path)
    with pytest.raises(ValueError, match="text or a list of text"):
        st8.save_view("Bad value", {"route": 3}, path=path)


def test_views_never_touch_the_warehouse(demo_db: Path, tmp_path: Path) -> None:
    wh = tmp_path / "copy.duckdb"
    wh.write_bytes(demo_db.read_bytes())
    before = wh.read_bytes()
    p = st8.app_state_path(wh)
    st8.save_view("Beside", {}, path=p)
    assert wh.read_bytes() == before
    con = duckdb.connect(str(wh), read_only=True)
    try:
        tables = {
            r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        }
    finally:
        con.close()
    assert "saved_views" not in tables
    assert p.exists()


def test_a_locked_file_gives_a_plain_error(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def locked(*_a: object, **_k: object) -> None:
        raise duckdb.IOException("Could not set lock on file")

    monkeypatch.setattr(st8.duckdb, "connect", locked)
    monkeypatch.setattr(st8.time, "sleep", lambda _s: None)
    with pytest.raises(st8.AppStateError, match="in use by another program"):
        st8.save_view("Locked", {}, path=path)
