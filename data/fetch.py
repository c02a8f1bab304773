"""Downloading the publishers' current files, or the same files from an internal mirror.

:func:`fetch_all` streams each file of :data:`PUBLISHER_FILES` into a private temporary file in
the destination folder and publishes it with an atomic ``os.replace``: a failed, refused or
interrupted download never leaves a partial file behind and never damages an earlier copy.
Timeouts, 5xx answers and dropped connections are retried with exponential backoff; a 4xx answer,
an HTML error page, an empty or oversized body, an unknown host or a refused connection fail at
once with a one-line :class:`FetchError` that says what to do (usually: ``--mirror URL``).

With a mirror (``mirror=`` or ``$ROUTEWATCH_MIRROR``) every file is fetched as
``mirror.rstrip('/') + '/' + filename``; ``docs/fetch.md`` lists the file names a mirror serves.
"""

from __future__ import annotations

import csv
import datetime as dt
import errno
import io
import json
import os
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

import requests

Progress = Callable[[float, str], None]

MIRROR_ENV = "ROUTEWATCH_MIRROR"
MAX_DOWNLOAD_BYTES = 600 * 1024 * 1024
CHUNK_BYTES = 64 * 1024
MAX_BACKOFF_S = 30.0
DNS_TIMEOUT_S = 3.0  # a resolver that never answers must not stall an offline run
USER_AGENT = "RouteWatch/0.1 (+docs/fetch.md; python-requests)"

# Columns of the UNHCR population API's items, as the `refugees` R package (and data/ingest.py)
# use them; coo_id / coa_id are UNHCR-internal and dropped.
UNHCR_COLUMNS = (
    "year",
    "coo_name",
    "coo",
    "coo_iso",
    "coa_name",
    "coa",
    "coa_iso",
    "refugees",
    "asylum_seekers",
    "returned_refugees",
    "idps",
    "returned_idps",
    "stateless",
    "ooc",
    "oip",
    "hst",
)
UNHCR_PAGE_ROWS = 10_000
UNHCR_MAX_PAGES = 1_000


class FetchError(Exception):
    """A download that failed; the message is one line a user can act on."""


@dataclass(frozen=True)
class RemoteFile:
    """One publisher file and the name it is saved (and mirrored) under.

    Attributes
    ----------
    key : str
        Short identifier used in messages.
    kind : str
        The ingest kind (``mmp``, ``unhcr-population``, ``oc-index``), as in data/ingest.py.
    url : str or None
        The publisher's URL; ``None`` for a file that is only available from a mirror.
    filename : str
        File name in the destination folder and on a mirror (a bare name, no folders).
    description : str
        One line for humans.
    via : str
        ``"download"`` (the URL is the file) or ``"unhcr-api"`` (the URL is the UNHCR
        population API; its JSON pages are written out as one CSV). A mirror always serves the
        finished file, so ``via`` only matters for publisher URLs.
    """

    key: str
    kind: str
    url: str | None
    filename: str
    description: str
    via: str = "download"


PUBLISHER_FILES: tuple[RemoteFile, ...] = (
    RemoteFile(
        "mmp",
        "mmp",
        "https://missingmigrants.iom.int/sites/g/files/tmzbdl601/files/report-migrant-incident/"
        "Missing_Migrants_Global_Figures_allData.csv",
        "Missing_Migrants_Global_Figures_allData.csv",
        "IOM Missing Migrants Project, all incidents since 2014 ('download all data' CSV)",
    ),
    RemoteFile(
        "unhcr-population",
        "unhcr-population",
        "https://api.unhcr.org/population/v1/population/?yearFrom=1951&coo_all=true&coa_all=true",
        "unhcr_population.csv",
        "UNHCR Refugee Data Finder population statistics, origin x asylum x year (API, as CSV)",
        via="unhcr-api",
    ),
    RemoteFile(
        "oc-index",
        "oc-index",
        "https://ocindex.net/assets/downloads/global_oc_index.xlsx",
        "global_oc_index_2023.xlsx",
        "GI-TOC Global Organized Crime Index workbook (2023 edition named in the file name)",
    ),
)


# ---------------------------------------------------------------- URLs


def _check_http_url(url: str, what: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        shown = url if len(url) <= 80 else url[:77] + "..."
        raise FetchError(f"{what} must be an http:// or https:// URL, not {shown!r}.")


def _host(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or url
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{host}:{port}" if port else host


def source_url(remote: RemoteFile, mirror: str | None = None) -> str:
    """The URL to fetch ``remote`` from: the mirror's copy if a mirror is given.

    Parameters
    ----------
    remote : RemoteFile
        The file wanted.
    mirror : str, optional
        Base URL of a mirror; the file is then ``mirror.rstrip('/') + '/' + remote.filename``.

    Returns
    -------
    str
        An http(s) URL.

    Raises
    ------
    FetchError
        For a non-http(s) URL, or a mirror-only file requested without a mirror.
    """
    if mirror:
        _check_http_url(mirror, "The mirror")
        return mirror.rstrip("/") + "/" + remote.filename
    if remote.url is None:
        raise FetchError(
            f"{remote.filename} has no public download URL: use --mirror URL (see docs/fetch.md)."
        )
    _check_http_url(remote.url, f"The URL of {remote.key}")
    return remote.url


def default_dest() -> Path:
    """The ``downloads/`` folder next to the warehouse (``data/downloads/`` by default)."""
    from data.db import db_path

    return db_path().parent / "downloads"


# ---------------------------------------------------------------- errors


class _Retryable(Exception):
    """Internal: a failure worth another attempt (timeout, 5xx, dropped connection)."""

    def __init__(self, what: str, reason: str) -> None:
        super().__init__(reason)
        self.what = what  # "timeout" | "status" | "reset"
        self.reason = reason


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """Walk an exception, its wrapped ``args[0]`` / ``.reason`` and its causes."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        e = todo.pop()
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        for nxt in (e.__cause__, e.__context__, getattr(e, "reason", None), *e.args[:1]):
            if isinstance(nxt, BaseException):
                todo.append(nxt)


def _unreachable(host: str, why: str, via_mirror: bool) -> FetchError:
    if via_mirror:
        return FetchError(
            f"Cannot reach the mirror {host} ({why}). Check the --mirror URL "
            f"(or ${MIRROR_ENV}) and that the mirror is running."
        )
    return FetchError(
        f"Cannot reach {host} ({why}). Use --mirror URL to fetch from an internal copy."
    )


def _classify(exc: requests.RequestException, url: str, via_mirror: bool) -> Exception:
    """Turn a requests exception into a final FetchError or a _Retryable."""
    host = _host(url)
    chain = list(_causes(exc))
    names = {type(e).__name__ for e in chain}
    if isinstance(exc, requests.exceptions.SSLError):
        return FetchError(f"Secure connection to {host} failed (TLS certificate or proxy?).")
    if isinstance(exc, requests.exceptions.ProxyError):
        return _unreachable(host, "the proxy refused or failed", via_mirror)
    if any(isinstance(e, socket.gaierror) for e in chain) or "NameResolutionError" in names:
        return _unreachable(host, "no network?" if not via_mirror else "unknown host", via_mirror)
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return _unreachable(host, "connection refused", via_mirror)
    unreachable = (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL)
    if any(isinstance(e, OSError) and e.errno in unreachable for e in chain):
        return _unreachable(host, "network unreachable", via_mirror)
    if isinstance(exc, requests.Timeout) or names & {"ReadTimeoutError", "ConnectTimeoutError"}:
        return _Retryable("timeout", "timed out")
    if isinstance(exc, (requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        return _Retryable("reset", "connection dropped")
    if isinstance(exc, (requests.exceptions.InvalidSchema, requests.exceptions.InvalidURL)):
        return FetchError(f"{host} redirected to a URL that is not http(s): refused.")
    return FetchError(f"Download from {host} failed ({type(exc).__name__}).")


def _check_resolves(url: str, session: requests.Session, limit: float, via_mirror: bool) -> None:
    """Fail fast when the host's name cannot be resolved, or not within ``limit`` seconds.

    The system resolver can take 10 s or more to give up when no DNS server answers; the lookup
    runs in a daemon thread so that wait is bounded. Skipped where a proxy resolves names.
    """
    parts = urlsplit(url)
    proxies = dict(session.proxies)
    if session.trust_env:
        proxies = {**requests.utils.get_environ_proxies(url), **proxies}
    if requests.utils.select_proxy(url, proxies) or not parts.hostname:
        return
    host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
    outcome: list[BaseException | None] = []

    def look_up() -> None:
        try:
            socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            outcome.append(None)
        except OSError as exc:
            outcome.append(exc)

    lookup = threading.Thread(target=look_up, name="routewatch-dns", daemon=True)
    lookup.start()
    lookup.join(limit)
    if not outcome:
        raise _unreachable(_host(url), "name lookup timed out; no network?", via_mirror)
    if isinstance(outcome[0], socket.gaierror):
        raise _unreachable(_host(url), "unknown host" if via_mirror else "no network?", via_mirror)


def _give_up(last: _Retryable, host: str, attempts: int, timeout: float, name: str) -> FetchError:
    tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
    if last.what == "timeout":
        return FetchError(
            f"{host} did not answer within {timeout:g} s ({tries}) for {name}. "
            "Try a larger --timeout, or --mirror URL."
        )
    if last.what == "status":
        return FetchError(
            f"{host} answered {last.reason} for {name} ({tries}). Try again later, or --mirror URL."
        )
    return FetchError(
        f"{host} kept dropping the connection for {name} ({tries}). Try again later, "
        "or --mirror URL."
    )


# ---------------------------------------------------------------- progress


def _terminal_progress() -> Progress | None:
    """A text bar on stderr when stderr is a terminal, else nothing."""
    if not sys.stderr.isatty():
        return None
    t0 = time.perf_counter()

    def draw(fraction: float, message: str) -> None:
        width = 30
        done = int(width * max(0.0, min(1.0, fraction)))
        bar = "#" * done + "-" * (width - done)
        elapsed = time.perf_counter() - t0
        sys.stderr.write(f"\rfetch [{bar}] {fraction:4.0%} {message[:48]:<48} {elapsed:5.1f}s")
        if fraction >= 1.0:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return draw


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n:,} bytes"


# ---------------------------------------------------------------- downloading


@dataclass
class _Fetcher:
    session: requests.Session
    timeout: float
    retries: int
    backoff: float
    max_bytes: int
    progress: Progress

    def download(
        self,
        url: str,
        out: IO[bytes],
        name: str,
        *,
        via_mirror: bool,
        params: dict[str, str] | None = None,
        budget: int | None = None,
        report: bool = True,
    ) -> int:
        """Stream ``url`` into ``out`` (from its current offset), retrying what is worth it.

        Returns the number of bytes written. ``budget`` caps them (default ``max_bytes``).
        """
        budget = self.max_bytes if budget is None else budget
        start = out.tell()
        host = _host(url)
        last: _Retryable | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(min(self.backoff * 2 ** (attempt - 1), MAX_BACKOFF_S))
            out.seek(start)
            out.truncate()
            try:
                return self._attempt(url, out, name, host, params, budget, report)
            except _Retryable as exc:
                last = exc
            except requests.RequestException as exc:
                outcome = _classify(exc, url, via_mirror)
                if isinstance(outcome, _Retryable):
                    last = outcome
                    continue
                raise outcome from None
        assert last is not None
        raise _give_up(last, host, self.retries + 1, self.timeout, name)

    def _attempt(
        self,
        url: str,
        out: IO[bytes],
        name: str,
        host: str,
        params: dict[str, str] | None,
        budget: int,
        report: bool,
    ) -> int:
        with self.session.get(url, params=params, stream=True, timeout=self.timeout) as resp:
            status = f"{resp.status_code} {resp.reason or ''}".strip()
            if resp.status_code >= 500:
                raise _Retryable("status", status)
            if resp.status_code != 200:
                hint = " (moved or withdrawn?)" if resp.status_code in (404, 410) else ""
                raise FetchError(
                    f"{host} answered {status} for {name}{hint}: check docs/fetch.md, "
                    "or use --mirror URL."
                )
            try:
                total = int(resp.headers.get("Content-Length", ""))
            except ValueError:
                total = 0
            if total > budget:
                raise FetchError(
                    f"{name} from {host} is {_mb(total)}, more than the {_mb(budget)} limit: "
                    "refused."
                )
            done = 0
            last_report = 0.0
            for chunk in resp.iter_content(CHUNK_BYTES):
                done += len(chunk)
                if done > budget:
                    raise FetchError(
                        f"{name} from {host} is larger than the {_mb(budget)} limit: refused."
                    )
                out.write(chunk)
                now = time.monotonic()
                if report and now - last_report >= 0.1:
                    last_report = now
                    if total:
                        self.progress(min(done / total, 0.99), f"{name} {_mb(done)}/{_mb(total)}")
                    else:
                        self.progress(0.0, f"{name} {_mb(done)}")
            return done


def _check_body(head: bytes, size: int, remote: RemoteFile, host: str) -> None:
    """Refuse an empty body, an HTML page, or a workbook that is not one."""
    if size == 0:
        raise FetchError(f"{remote.filename} from {host} is empty: refused.")
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html")):
        raise FetchError(
            f"{host} sent an HTML page instead of {remote.filename} (an error or login page?): "
            "refused. Check docs/fetch.md, or use --mirror URL."
        )
    if remote.filename.lower().endswith(".xlsx") and not head.startswith(b"PK\x03\x04"):
        raise FetchError(f"{remote.filename} from {host} is not an Excel workbook: refused.")


def _fetch_unhcr_api(f: _Fetcher, remote: RemoteFile, url: str, out: IO[bytes]) -> int:
    """Page through the UNHCR population API and write its items as one CSV."""
    host = _host(url)
    out.write((",".join(UNHCR_COLUMNS) + "\n").encode("utf-8"))
    year_to = str(dt.datetime.now(dt.UTC).year)
    page, pages, rows = 1, 1, 0
    while page <= pages:
        buf = io.BytesIO()
        f.download(
            url,
            buf,
            f"{remote.filename} (page {page})",
            via_mirror=False,
            params={"yearTo": year_to, "limit": str(UNHCR_PAGE_ROWS), "page": str(page)},
            budget=max(0, f.max_bytes - out.tell()),
            report=False,
        )
        body = buf.getvalue()
        _check_body(body[:512], len(body), remote, host)
        try:
            data = json.loads(body)
            items = data["items"]
            pages = int(data.get("maxPages") or 1)
            block = io.StringIO()
            writer = csv.writer(block, lineterminator="\n")
            for item in items:
                writer.writerow(
                    ["" if item.get(c) in (None, "-") else item[c] for c in UNHCR_COLUMNS]
                )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise FetchError(
                f"{host} answered page {page} of {remote.key} with something other than "
                "the population API's JSON: refused."
            ) from exc
        if pages > UNHCR_MAX_PAGES:
            raise FetchError(f"{host} reports {pages} pages for {remote.key}: refused.")
        out.write(block.getvalue().encode("utf-8"))
        if out.tell() > f.max_bytes:
            raise FetchError(
                f"{remote.filename} is larger than the {_mb(f.max_bytes)} limit: refused."
            )
        rows += len(items)
        f.progress(min(page / pages, 0.99), f"{remote.filename} page {page}/{pages}")
        page += 1
    if rows == 0:
        raise FetchError(f"{host} returned no rows for {remote.key}: refused.")
    return out.tell()


def _fetch_one(f: _Fetcher, remote: RemoteFile, url: str, dest: Path, via_mirror: bool) -> Path:
    target = dest / remote.filename
    host = _host(url)
    fd, tmp_name = tempfile.mkstemp(dir=dest, prefix=f".{remote.filename}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide the file from the app's user
        with os.fdopen(fd, "w+b") as out:
            if remote.via == "unhcr-api" and not via_mirror:
                size = _fetch_unhcr_api(f, remote, url, out)
            else:
                size = f.download(url, out, remote.filename, via_mirror=via_mirror)
                out.seek(0)
                _check_body(out.read(512), size, remote, host)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    f.progress(1.0, f"{remote.filename} {_mb(size)}")
    return target


def fetch_all(
    mirror: str | None = None,
    dest: str | Path | None = None,
    timeout: float = 20.0,
    retries: int = 3,
    progress: Progress | None = None,
    files: Sequence[RemoteFile] = PUBLISHER_FILES,
    session: requests.Session | None = None,
    *,
    backoff: float = 1.0,
    max_bytes: int = MAX_DOWNLOAD_BYTES,
) -> list[Path]:
    """Download every file in ``files`` into ``dest``, from the publishers or a mirror.

    Parameters
    ----------
    mirror : str, optional
        Base http(s) URL of an internal mirror; defaults to ``$ROUTEWATCH_MIRROR``. Each file is
        then fetched from ``mirror.rstrip('/') + '/' + filename``.
    dest : str or Path, optional
        Folder for the files (created if missing); default the ``downloads/`` folder next to the
        warehouse (``data/downloads/``).
    timeout : float
        Seconds to wait for a connection and between bytes of an answer.
    retries : int
        Further attempts after a timeout, a 5xx answer or a dropped connection (so at most
        ``retries + 1`` attempts per request), waiting ``backoff``, ``2 * backoff``, ... seconds.
        Other failures are not retried.
    progress : callable, optional
        ``progress(fraction, message)`` for each file: bytes done / Content-Length where the
        length is known (else 0 until done), and 1.0 once the file is in place. Default: a text
        bar on stderr when it is a terminal, else silence.
    files : sequence of RemoteFile
        What to download; default :data:`PUBLISHER_FILES`.
    session : requests.Session, optional
        Session to use (its proxies, certificates, adapters); default a new one.
    backoff : float
        First wait between attempts, in seconds.
    max_bytes : int
        Largest file accepted; a larger one is refused (600 MB by default).

    Returns
    -------
    list of pathlib.Path
        The files written, in the order of ``files``. Files finished before a failure stay in
        place (each is complete); the failing file leaves nothing behind.

    Raises
    ------
    FetchError
        With a one-line message, on the first file that cannot be fetched.
    """
    if mirror is None:
        mirror = os.environ.get(MIRROR_ENV) or None
    urls = [source_url(r, mirror) for r in files]  # refuses bad schemes before any download
    for r in files:
        if not r.filename or Path(r.filename).name != r.filename or r.filename.startswith("."):
            raise FetchError(f"{r.key}: {r.filename!r} is not a plain file name.")
    folder = Path(dest).expanduser() if dest is not None else default_dest()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FetchError(f"Cannot create the download folder {folder} ({exc.strerror}).") from exc
    own_session = session is None
    sess = requests.Session() if session is None else session
    if own_session:
        sess.headers["User-Agent"] = USER_AGENT
    bar = progress or _terminal_progress() or (lambda _f, _m: None)
    fetcher = _Fetcher(sess, timeout, max(0, retries), backoff, max_bytes, bar)
    try:
        out: list[Path] = []
        resolved: set[str] = set()
        for remote, url in zip(files, urls, strict=True):
            if _host(url) not in resolved:
                _check_resolves(url, sess, min(timeout, DNS_TIMEOUT_S), bool(mirror))
                resolved.add(_host(url))
            bar(0.0, f"{remote.filename} from {_host(url)}")
            try:
                out.append(_fetch_one(fetcher, remote, url, folder, via_mirror=bool(mirror)))
            except OSError as exc:
                raise FetchError(
                    f"Cannot write {remote.filename} to {folder} ({exc.strerror or exc})."
                ) from exc
        return out
    finally:
        if own_session:
            sess.close()
