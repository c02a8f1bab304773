"""Saved views: named sets of filters, kept in a small app-state DuckDB file.

The file sits beside the warehouse (``<warehouse>.appstate.duckdb``) and never inside it: the
warehouse is replaced whole by every ingest (see :mod:`data.db`) and holds only data. A view
stores the filters as the query string of a shared link (:func:`data.filters.filters_to_query`),
validated and put in canonical form on the way in, so opening a view is opening its link.

Every value reaches DuckDB as a bound parameter. Each call opens the file, does its work in one
transaction and closes it, so the app's sessions (threads) and a second process never hold it
for long; a call that finds the file locked retries briefly, then raises :class:`AppStateError`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import time
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from data.db import db_path
from data.filters import filters_from_query, filters_to_query
from i18n import _

APP_STATE_SUFFIX = ".appstate.duckdb"
MAX_NAME_LENGTH = 80
MAX_VIEWS = 500
#: The query-string keys of :func:`data.filters.filters_to_query` (a test keeps them in step).
QUERY_KEYS: tuple[str, ...] = (
    "from",
    "to",
    "unr",
    "uns",
    "reg",
    "route",
    "origin",
    "cause",
    "q",
    "vintage",
)
_NAME_OK = re.compile(r"^[\w .,:;!?'()&/+#-]+$")
_SCHEMA = (
    "CREATE SEQUENCE IF NOT EXISTS saved_view_id START 1",
    "CREATE TABLE IF NOT EXISTS saved_views ("
    " id BIGINT PRIMARY KEY DEFAULT nextval('saved_view_id'),"
    " name VARCHAR NOT NULL,"
    " name_key VARCHAR NOT NULL UNIQUE,"
    " query_json VARCHAR NOT NULL,"
    " created_at TIMESTAMP NOT NULL,"
    " updated_at TIMESTAMP NOT NULL)",
)


class AppStateError(Exception):
    """The saved-views file cannot be used (locked, unreadable, full); the message says why."""


@dataclass(frozen=True)
class SavedView:
    """One saved view.

    Attributes
    ----------
    id : int
        Stable identifier (used in presenter links).
    name : str
        As the user typed it (validated, whitespace collapsed).
    query : dict
        Query-string parameters of the filters (values are strings or lists of strings).
    created_at, updated_at : datetime
        UTC, naive.
    """

    id: int
    name: str
    query: Mapping[str, str | list[str]]
    created_at: dt.datetime
    updated_at: dt.datetime


def app_state_path(warehouse: str | os.PathLike[str] | None = None) -> Path:
    """The app-state file of a warehouse: ``<warehouse>.appstate.duckdb`` beside it."""
    w = db_path(warehouse)
    return w.with_name(w.name + APP_STATE_SUFFIX)


def normalise_name(name: object) -> str:
    """A view name checked and tidied.

    Returns
    -------
    str
        NFC-normalised, whitespace collapsed, 1-80 characters of letters, digits, spaces and
        ``. , : ; ! ? ' ( ) & / + # - _``.

    Raises
    ------
    ValueError
        With a plain message for the user.
    """
    if not isinstance(name, str):
        raise ValueError(_("A view name must be text."))
    text = " ".join(unicodedata.normalize("NFC", name).split())
    if not text:
        raise ValueError(_("Give the view a name."))
    if len(text) > MAX_NAME_LENGTH:
        raise ValueError(_("A view name can be at most {n} characters.").format(n=MAX_NAME_LENGTH))
    if not _NAME_OK.match(text):
        raise ValueError(
            _("A view name can use letters, digits, spaces and . , : ; ! ? ' ( ) & / + # - _ only.")
        )
    return text


def canonical_query(filters_query: Mapping[str, object]) -> dict[str, str | list[str]]:
    """Check filter query parameters and return them in canonical form.

    Parameters
    ----------
    filters_query : mapping
        As :func:`data.filters.filters_to_query` returns (or a parsed link): keys from
        :data:`QUERY_KEYS`, values strings or lists of strings.

    Returns
    -------
    dict
        ``filters_to_query(filters_from_query(...))``: values that are not valid filters are
        dropped, the order and spelling are those of a link the app writes.

    Raises
    ------
    ValueError
        An unknown key, or a value that is neither text nor a list of text.
    """
    if not isinstance(filters_query, Mapping):
        raise ValueError(_("The filters of a view must be a mapping of link parameters."))
    clean: dict[str, str | list[str]] = {}
    for key, value in filters_query.items():
        if key not in QUERY_KEYS:
            raise ValueError(_("Unknown filter parameter {key!r}.").format(key=str(key)[:40]))
        if isinstance(value, str):
            clean[key] = value
        elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            clean[key] = list(value)
        else:
            raise ValueError(
                _("The filter parameter {key!r} must be text or a list of text.").format(key=key)
            )
    f, _dropped = filters_from_query(clean)
    return filters_to_query(f)


@contextmanager
def _connect(path: Path, attempts: int = 20) -> Iterator[duckdb.DuckDBPyConnection]:
    last: Exception | None = None
    for i in range(attempts):
        try:
            con = duckdb.connect(str(path))
            break
        except duckdb.IOException as exc:  # another process holds the file's lock
            last = exc
            time.sleep(min(0.05 * (i + 1), 0.25))
        except duckdb.Error as exc:
            raise AppStateError(
                _("Cannot open the saved-views file {path}: {error}").format(path=path, error=exc)
            ) from exc
    else:
        raise AppStateError(
            _(
                "The saved-views file {path} is in use by another program; try again in a moment."
            ).format(path=path)
        ) from last
    try:
        for stmt in _SCHEMA:
            con.execute(stmt)
        yield con
    finally:
        con.close()


def _path(path: str | os.PathLike[str] | None) -> Path:
    p = Path(path) if path is not None else app_state_path()
    p.parent.mkdir(parents=True, exist_ok=True)
    return p


def _row(r: tuple[object, ...]) -> SavedView:
    return SavedView(
        id=int(r[0]),  # type: ignore[call-overload]
        name=str(r[1]),
        query=json.loads(str(r[2])),
        created_at=r[3],  # type: ignore[arg-type]
        updated_at=r[4],  # type: ignore[arg-type]
    )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def save_view(
    name: str,
    filters_query: Mapping[str, object],
    *,
    path: str | os.PathLike[str] | None = None,
    replace: bool = False,
) -> SavedView:
    """Save filters under a name.

    Parameters
    ----------
    name : str
        Checked by :func:`normalise_name`; names are unique ignoring case.
    filters_query : mapping
        Link parameters of the filters (checked by :func:`canonical_query`).
    path : path, optional
        The app-state file (default :func:`app_state_path` of the current warehouse).
    replace : bool
        Overwrite the filters of an existing view of the same name (its id is kept).

    Returns
    -------
    SavedView

    Raises
    ------
    ValueError
        Bad name or filters, or the name is taken and ``replace`` is false.
    AppStateError
        The file cannot be used, or it already holds :data:`MAX_VIEWS` views.
    """
    clean_name = normalise_name(name)
    query = canonical_query(filters_query)
    payload = json.dumps(query, ensure_ascii=False)
    key = clean_name.casefold()
    now = _now()
    with _connect(_path(path)) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            hit = con.execute("SELECT id FROM saved_views WHERE name_key = ?", [key]).fetchone()
            if hit is not None:
                if not replace:
                    raise ValueError(
                        _(
                            "A view named {name!r} exists: choose another name or replace it."
                        ).format(name=clean_name)
                    )
                con.execute(
                    "UPDATE saved_views SET name = ?, query_json = ?, updated_at = ? WHERE id = ?",
                    [clean_name, payload, now, hit[0]],
                )
                view_id = int(hit[0])
            else:
                count = con.execute("SELECT count(*) FROM saved_views").fetchone()
                if count is not None and int(count[0]) >= MAX_VIEWS:
                    raise AppStateError(
                        _("There are already {n} saved views; delete some first.").format(
                            n=MAX_VIEWS
                        )
                    )
                row = con.execute(
                    "INSERT INTO saved_views (name, name_key, query_json, created_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?) RETURNING id",
                    [clean_name, key, payload, now, now],
                ).fetchone()
                assert row is not None
                view_id = int(row[0])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        got = con.execute(
            "SELECT id, name, query_json, created_at, updated_at FROM saved_views WHERE id = ?",
            [view_id],
        ).fetchone()
    assert got is not None
    return _row(got)


def list_views(path: str | os.PathLike[str] | None = None) -> list[SavedView]:
    """Every saved view, oldest first (the order presenter mode steps through)."""
    p = Path(path) if path is not None else app_state_path()
    if not p.exists():
        return []
    with _connect(p) as con:
        rows = con.execute(
            "SELECT id, name, query_json, created_at, updated_at FROM saved_views "
            "ORDER BY created_at, id"
        ).fetchall()
    return [_row(r) for r in rows]


def get_view(view_id: int, path: str | os.PathLike[str] | None = None) -> SavedView | None:
    """One view by id (``None`` if there is none)."""
    try:
        vid = int(view_id)
    except (TypeError, ValueError):
        return None
    p = Path(path) if path is not None else app_state_path()
    if not p.exists():
        return None
    with _connect(p) as con:
        row = con.execute(
            "SELECT id, name, query_json, created_at, updated_at FROM saved_views WHERE id = ?",
            [vid],
        ).fetchone()
    return _row(row) if row is not None else None


def delete_view(view_id: int, path: str | os.PathLike[str] | None = None) -> bool:
    """Delete one view; return whether it existed."""
    try:
        vid = int(view_id)
    except (TypeError, ValueError):
        return False
    p = Path(path) if path is not None else app_state_path()
    if not p.exists():
        return False
    with _connect(p) as con:
        row = con.execute("DELETE FROM saved_views WHERE id = ? RETURNING id", [vid]).fetchone()
    return row is not None
