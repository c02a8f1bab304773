"""Opening the warehouse, and the one way to write to it.

Readers open the DuckDB file read-only. Writers never touch the live file: :func:`writing`
takes an exclusive lock, copies the warehouse to a private staging file, runs the whole load
there in one transaction, and publishes it with an atomic ``os.replace``. A reader therefore
sees either the previous warehouse or the new one, never a half-loaded mix; a writer killed at
any point leaves the live file untouched (its staging file is swept by the next writer); and a
second writer waits for the lock or is refused with :class:`WarehouseBusy`.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import os
import shutil
import threading
import time
import weakref
from collections.abc import Iterator
from pathlib import Path

import duckdb

from data.schema import create_schema

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = REPO_ROOT / "data" / "routewatch.duckdb"
_COUNTER = itertools.count()

# Per read-only connection: values that cannot change while it is open (see snapshot_memo).
_SNAPSHOT_MEMOS: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, dict[str, object]] = (
    weakref.WeakKeyDictionary()
)


class WarehouseError(Exception):
    """A problem with the warehouse file that the user can act on."""


class WarehouseBusy(WarehouseError):
    """Another ingest holds the write lock."""


def db_path(path: str | os.PathLike[str] | None = None) -> Path:
    """Resolve the warehouse path: the argument, else ``ROUTEWATCH_DB``, else the default.

    Returns
    -------
    pathlib.Path
        An absolute path (relative values are taken from the current directory).
    """
    raw = path if path is not None else os.environ.get("ROUTEWATCH_DB") or DEFAULT_DB
    return Path(raw).expanduser().resolve()


def warehouse_version(path: str | os.PathLike[str] | None = None) -> str:
    """A token that changes whenever a new warehouse file is published.

    Used as a cache key by the app so a finished ingest is picked up without a restart.
    """
    p = db_path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        return "missing"
    return _version_of(st)


class WarehouseChanged(WarehouseError):
    """The published warehouse is no longer the version the caller asked for."""


def _version_of(st: os.stat_result) -> str:
    return f"{st.st_ino}-{st.st_mtime_ns}-{st.st_size}"


def connect_read_only(
    path: str | os.PathLike[str] | None = None, expect_version: str | None = None
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-only.

    With ``expect_version`` (a :func:`warehouse_version` token), the file actually opened is
    checked to be that version, so a caller that keys caches on the token never reads a newer
    file under an older key (an ingest may publish between reading the token and opening).

    Raises
    ------
    WarehouseError
        If the file does not exist or is not a DuckDB database.
    WarehouseChanged
        If ``expect_version`` is given and another version was published meanwhile.
    """
    p = db_path(path)
    if not p.exists():
        raise WarehouseError(
            f"No warehouse at {p}: run `make run` (demo data) or `python -m data load FILE`."
        )
    # DuckDB caches one database instance per path in a process, so after an ingest has
    # replaced the file, connecting to the same path again would return the *old* instance
    # while any old connection is still open. Connecting through a private hard link of the
    # current file gives a fresh instance of exactly the published version.
    link = p.with_name(f".{p.name}.reader-{os.getpid()}-{threading.get_ident()}-{next(_COUNTER)}")
    try:
        os.link(p, link)
        target = link
    except OSError:
        target = p
    try:
        if expect_version is not None and _version_of(target.stat()) != expect_version:
            raise WarehouseChanged(f"Warehouse {p} was replaced while opening it")
        con = duckdb.connect(str(target), read_only=True)
        _SNAPSHOT_MEMOS[con] = {}
        return con
    except duckdb.Error as exc:
        raise WarehouseError(f"Cannot open warehouse {p}: {str(exc).splitlines()[0]}") from exc
    finally:
        if target is link:
            with contextlib.suppress(OSError):
                link.unlink()


def snapshot_memo(con: object) -> dict[str, object] | None:
    """A dict for values read once per :func:`connect_read_only` connection, else ``None``.

    Such a connection reads one published version of the warehouse, and nothing can write
    through it or to that version (an ingest publishes a new file beside it), so what it
    reads from the small tables (``sources``: which vintage is the latest) cannot change while
    it is open. Any other connection (a writer, a test's in-memory database, a cursor) gets
    ``None`` and must read again every time.
    """
    try:
        return _SNAPSHOT_MEMOS.get(con)  # type: ignore[call-overload]
    except TypeError:  # not weak-referenceable: not one of ours
        return None


def _lock_path(p: Path) -> Path:
    return p.with_name(p.name + ".lock")


@contextlib.contextmanager
def _exclusive_lock(p: Path, wait_s: float) -> Iterator[None]:
    p.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(_lock_path(p), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise WarehouseBusy(
                        f"Another ingest is writing to {p}; try again when it has finished."
                    ) from None
                time.sleep(0.1)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the flock


def _sweep_staging(p: Path) -> None:
    # Only called under the lock, so any staging file left is from a writer that died.
    for stale in p.parent.glob(p.name + ".staging-*"):
        with contextlib.suppress(OSError):
            stale.unlink()


def _fsync_dir(d: Path) -> None:
    fd = os.open(d, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def writing(
    path: str | os.PathLike[str] | None = None, *, wait_s: float = 0.0
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open a staged, transactional write to the warehouse.

    Everything done on the yielded connection is published atomically when the block exits
    normally, and discarded if it raises.

    Parameters
    ----------
    path : path-like, optional
        Warehouse file; see :func:`db_path`.
    wait_s : float
        How long to wait for another writer before raising :class:`WarehouseBusy`.
    """
    p = db_path(path)
    with _exclusive_lock(p, wait_s):
        _sweep_staging(p)
        staging = p.with_name(f"{p.name}.staging-{os.getpid()}")
        if p.exists():
            shutil.copyfile(p, staging)
        con = duckdb.connect(str(staging))
        try:
            create_schema(con)
            con.execute("BEGIN TRANSACTION")
            yield con
            con.execute("COMMIT")
            con.execute("CHECKPOINT")
            con.close()
            with open(staging, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(staging, p)
            _fsync_dir(p.parent)
        except BaseException:
            with contextlib.suppress(Exception):
                con.execute("ROLLBACK")
            with contextlib.suppress(Exception):
                con.close()
            with contextlib.suppress(OSError):
                staging.unlink()
            for wal in p.parent.glob(staging.name + ".wal"):
                with contextlib.suppress(OSError):
                    wal.unlink()
            raise


def table_fingerprints(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int]]:
    """Row count and an order-independent checksum of every table.

    Used by tests (and ``python -m data check``) to prove a refused load changed nothing.
    """
    out: dict[str, tuple[int, int]] = {}
    names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
    for name in sorted(names):
        # Table names come from the catalogue, not from users.
        q = f'SELECT count(*), coalesce(sum(hash(t)), 0) FROM "{name}" t'  # noqa: S608
        n, h = con.execute(q).fetchone() or (0, 0)
        out[name] = (int(n), int(h))
    return out
