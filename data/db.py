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
import stat
import threading
import time
import weakref
from collections.abc import Iterator
from pathlib import Path

import duckdb

from data.schema import create_schema
from i18n import _

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
            _(
                "No warehouse at {path}: run `make run` (demo data) or `python -m data load FILE`."
            ).format(path=p)
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
        raise WarehouseError(
            _("Cannot open warehouse {path}: {cause}").format(
                path=p, cause=str(exc).splitlines()[0]
            )
        ) from exc
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


def _cause(exc: OSError) -> str:
    """The plain cause of an OS error ("No space left on device"), without the path."""
    if exc.errno is not None:
        return os.strerror(exc.errno)
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _may_write(st: os.stat_result) -> bool:
    """Whether the mode bits grant this process write permission (owner, group or other bits,
    whichever applies to us; for root, any write bit), judged from the mode itself.

    The check is made explicitly, not left to ``open()``: root (and CAP_DAC_OVERRIDE) may write
    to any file, and an official who ran ``chmod 444`` on the warehouse means "do not change it".
    """
    if os.geteuid() == 0:
        # Root passes every permission check; it still honours a file nobody may write.
        return bool(st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    if os.geteuid() == st.st_uid:
        return bool(st.st_mode & stat.S_IWUSR)
    if st.st_gid == os.getegid() or st.st_gid in os.getgroups():
        return bool(st.st_mode & stat.S_IWGRP)
    return bool(st.st_mode & stat.S_IWOTH)


def check_writable(path: str | os.PathLike[str] | None = None) -> Path:
    """Refuse, with one line, a warehouse that its mode says must not be written.

    Raises
    ------
    WarehouseError
        The warehouse file is read-only by its mode (``chmod 444``), or its folder is not
        writable (a load publishes a new file there), or the folder does not exist and cannot
        be made.
    """
    p = db_path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise WarehouseError(f"Cannot read the warehouse {p}: {_cause(exc)}.") from exc
    if st is not None and not _may_write(st):
        raise WarehouseError(
            f"The warehouse {p} is read-only (mode {stat.S_IMODE(st.st_mode):04o}): nothing "
            "was loaded. Make it writable (chmod u+w) to load into it."
        )
    folder = p.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fst = folder.stat()
    except OSError as exc:
        raise WarehouseError(
            f"Cannot create the warehouse folder {folder}: {_cause(exc)}."
        ) from exc
    if not _may_write(fst):
        raise WarehouseError(
            f"The warehouse folder {folder} is not writable (mode "
            f"{stat.S_IMODE(fst.st_mode):04o}): a load writes a new file there; nothing was loaded."
        )
    return p


@contextlib.contextmanager
def _exclusive_lock(p: Path, wait_s: float) -> Iterator[None]:
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(_lock_path(p), os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise WarehouseError(
            f"Cannot write to the warehouse folder {p.parent}: {_cause(exc)}."
        ) from exc
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
    p = check_writable(path)
    with _exclusive_lock(p, wait_s):
        check_writable(p)  # again under the lock: the mode may have changed while waiting
        _sweep_staging(p)
        staging = p.with_name(f"{p.name}.staging-{os.getpid()}")
        con: duckdb.DuckDBPyConnection | None = None
        step = "copy the warehouse to"
        try:
            live = p.stat() if p.exists() else None
            if live is not None:
                shutil.copyfile(p, staging)
            step = "write"
            con = duckdb.connect(str(staging))
            create_schema(con)
            con.execute("BEGIN TRANSACTION")
            yield con
            con.execute("COMMIT")
            con.execute("CHECKPOINT")
            con.close()
            with open(staging, "rb+") as fh:
                os.fsync(fh.fileno())
            step = "publish"
            if live is not None:
                _keep_mode_and_group(staging, live)
            os.replace(staging, p)
            _fsync_dir(p.parent)
        except BaseException as exc:
            if con is not None:
                with contextlib.suppress(Exception):
                    con.execute("ROLLBACK")
                with contextlib.suppress(Exception):
                    con.close()
            # A partial staging copy (disk full, a fault mid-write) goes at once, not at the
            # next load's sweep.
            with contextlib.suppress(OSError):
                staging.unlink()
            for wal in p.parent.glob(staging.name + ".wal"):
                with contextlib.suppress(OSError):
                    wal.unlink()
            if isinstance(exc, OSError):
                raise WarehouseError(
                    f"Could not {step} the staging copy of the warehouse {p}: {_cause(exc)}; "
                    "the warehouse is unchanged."
                ) from exc
            if isinstance(exc, duckdb.IOException):
                first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise WarehouseError(
                    f"Could not write the staging copy of the warehouse {p}: {first}; the "
                    "warehouse is unchanged."
                ) from exc
            raise


def _keep_mode_and_group(staging: Path, live: os.stat_result) -> None:
    """Give the new file the published file's permission bits and group (a copy gets the
    process's umask and primary group, which would widen or narrow who may read it)."""
    os.chmod(staging, stat.S_IMODE(live.st_mode))
    if staging.stat().st_gid != live.st_gid:
        # Only root or a member of the group may set it; otherwise keep the mode at least.
        with contextlib.suppress(PermissionError):
            os.chown(staging, -1, live.st_gid)


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
