"""data.fetch against a local HTTP server on 127.0.0.1 (never any other address).

The server serves tests/data/fixtures/fetch (tiny synthetic files in each publisher's format) plus
a generated OC Index workbook, under prefixes that misbehave on purpose:

/files/NAME      the file                       /flaky/NAME   500 twice, then the file
/missing/NAME    404                            /html/NAME    200 with an HTML error page
/slow/NAME       answers after SLOW_S seconds   /reset/NAME   drops the first connection
/nolength/NAME   the file, no Content-Length    /empty/NAME   200 with an empty body
/unhcr-api/...   a fake UNHCR population API (2 items a page, whatever limit is asked)
"""

from __future__ import annotations

import http.server
import json
import math
import shutil
import socket
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest
import requests

from data import fetch
from data.fetch import PUBLISHER_FILES, FetchError, RemoteFile, fetch_all, source_url

FIXTURES = Path(__file__).parent / "fixtures" / "fetch"
MMP = "Missing_Migrants_Global_Figures_allData.csv"
UNHCR = "unhcr_population.csv"
OC = "global_oc_index_2023.xlsx"
SLOW_S = 3.0

# A fake population API: items as the real one returns them ("-" for not applicable, ints).
API_ITEMS = [
    {"year": 2098, "coo_id": 1, "coo_name": "Syntheticland", "coo": "SYN", "coo_iso": "SYR",
     "coa_id": 9, "coa_name": "Testonia", "coa": "TST", "coa_iso": "DEU", "refugees": 1200,
     "asylum_seekers": 340, "returned_refugees": 0, "idps": 0, "returned_idps": 0,
     "stateless": 0, "ooc": 0, "oip": "-", "hst": 0},
    {"year": 2099, "coo_id": 1, "coo_name": "Syntheticland", "coo": "SYN", "coo_iso": "SYR",
     "coa_id": 9, "coa_name": "Testonia", "coa": "TST", "coa_iso": "DEU", "refugees": 1500,
     "asylum_seekers": 410, "returned_refugees": 0, "idps": 0, "returned_idps": 0,
     "stateless": 0, "ooc": 0, "oip": "-", "hst": 0},
    {"year": 2099, "coo_id": 2, "coo_name": "Fixturia", "coo": "FXT", "coo_iso": "AFG",
     "coa_id": 9, "coa_name": "Testonia", "coa": "TST", "coa_iso": "DEU", "refugees": 800,
     "asylum_seekers": 95, "returned_refugees": 0, "idps": 0, "returned_idps": 0,
     "stateless": 0, "ooc": 0, "oip": 7, "hst": 0},
]  # fmt: skip
API_PAGE = 2
HTML_PAGE = b"<!DOCTYPE html>\n<html><head><title>Error</title></head><body>Oops</body></html>\n"


def _make_oc_workbook(path: Path) -> None:
    """A tiny workbook shaped like GI-TOC's: a cover sheet first, then one sheet per edition."""
    wb = openpyxl.Workbook()
    cover = wb.active
    cover.title = "2023_Global_OC_Index"
    cover.append([None, "SYNTHETIC ORGANIZED CRIME INDEX - TEST FIXTURE"])
    data = wb.create_sheet("2023_dataset")
    data.append(["Continent", "Region", "Country", "Criminality", "Human smuggling"])
    data.append(["Europe", "Synthetic region", "Testonia", 4.5, 5.0])
    data.append(["Africa", "Synthetic region", "Fixturia", 6.25, 7.5])
    wb.save(path)


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        return None

    def _send(self, code: int, body: bytes, length: bool = True, ctype: str = "text/csv") -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        if length:
            self.send_header("Content-Length", str(len(body)))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        parts = urlsplit(self.path)
        srv = self.server
        with srv.lock:
            srv.requests.append(self.path)
            srv.agents.append(self.headers.get("User-Agent", ""))
            srv.counts[parts.path] = n = srv.counts.get(parts.path, 0) + 1
        prefix, _, name = parts.path.lstrip("/").partition("/")
        file = srv.root / name
        body = file.read_bytes() if name and file.is_file() else None
        if prefix == "unhcr-api":
            self._api(parse_qs(parts.query), n)
        elif body is None or prefix == "missing":
            self._send(404, b"not found", ctype="text/plain")
        elif prefix == "files" or prefix == "mirror":
            self._send(200, body)
        elif prefix == "flaky":
            self._send(500, b"try later", ctype="text/plain") if n <= 2 else self._send(200, body)
        elif prefix == "html":
            self._send(200, HTML_PAGE, ctype="text/html")
        elif prefix == "empty":
            self._send(200, b"")
        elif prefix == "nolength":
            self._send(200, body, length=False)
        elif prefix == "reset" and n == 1:
            self.close_connection = True  # no status line at all: the client sees a reset
        elif prefix == "reset":
            self._send(200, body)
        elif prefix == "slow":
            srv.stop.wait(SLOW_S)
            try:
                self._send(200, body)
            except OSError:
                pass  # the client gave up long ago
        else:
            self._send(404, b"no such route", ctype="text/plain")

    def _api(self, query: dict[str, list[str]], n: int) -> None:
        page = int(query.get("page", ["1"])[0])
        if self.server.api_fail_page == page and n == page:  # first request for this page
            self._send(503, b"busy", ctype="text/plain")
            return
        items = API_ITEMS[(page - 1) * API_PAGE : page * API_PAGE]
        doc = {"page": page, "maxPages": math.ceil(len(API_ITEMS) / API_PAGE), "items": items}
        self._send(200, json.dumps(doc).encode(), ctype="application/json")


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.root = root
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.reset()

    def reset(self) -> None:
        self.requests: list[str] = []
        self.agents: list[str] = []
        self.counts: dict[str, int] = {}
        self.api_fail_page: int | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def handle_error(self, request: object, client_address: object) -> None:
        return None  # a client that hung up mid-answer is expected here


@pytest.fixture(scope="module")
def _server(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("served")
    for f in FIXTURES.iterdir():
        shutil.copy(f, root / f.name)
    _make_oc_workbook(root / OC)
    (root / "fake.xlsx").write_bytes(b"Country,Criminality\nTestonia,4.5\n")
    srv = _Server(root)
    t = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    t.start()
    yield srv
    srv.stop.set()
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def server(_server: _Server, monkeypatch: pytest.MonkeyPatch) -> _Server:
    _server.reset()
    monkeypatch.delenv("ROUTEWATCH_MIRROR", raising=False)
    # a proxy from the environment must never see (or swallow) loopback traffic
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    return _server


def _one(url: str, filename: str = MMP, kind: str = "mmp") -> tuple[RemoteFile, ...]:
    return (RemoteFile("test", kind, url, filename, "test file"),)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# ---------------------------------------------------------------- the file list


def test_publisher_files_cover_the_three_sources_with_http_urls():
    assert [r.kind for r in PUBLISHER_FILES] == ["mmp", "unhcr-population", "oc-index"]
    from data.ingest import KINDS

    assert {r.kind for r in PUBLISHER_FILES} <= set(KINDS)
    assert len({r.filename for r in PUBLISHER_FILES}) == 3
    for r in PUBLISHER_FILES:
        assert r.url is not None and r.url.startswith("https://")
        assert Path(r.filename).name == r.filename
    # the OC Index edition is read from the file name by data/ingest.py
    oc = next(r for r in PUBLISHER_FILES if r.kind == "oc-index")
    assert "2023" in oc.filename


def test_fixture_files_are_recognised_as_their_kind():
    from data.ingest import detect_kind
    from data.readers import read_table

    for r in PUBLISHER_FILES:
        path = FIXTURES / r.filename
        if path.exists():
            assert detect_kind(read_table(path.read_bytes(), path.name)) == r.kind, r.filename


# ---------------------------------------------------------------- URLs


def test_mirror_url_composition():
    mmp = PUBLISHER_FILES[0]
    want = "https://mirror.internal.example/rw/" + MMP
    assert source_url(mmp, "https://mirror.internal.example/rw") == want
    assert source_url(mmp, "https://mirror.internal.example/rw/") == want
    assert source_url(mmp, "https://mirror.internal.example/rw///") == want
    assert source_url(mmp, None) == mmp.url
    unhcr = PUBLISHER_FILES[1]
    assert source_url(unhcr, "http://10.0.0.1:8080/") == "http://10.0.0.1:8080/" + UNHCR


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://mirror.example/x.csv", "/srv/mirror/x.csv", "gopher://x/"],
)
def test_non_http_schemes_are_refused(url: str, tmp_path: Path):
    with pytest.raises(FetchError, match="http"):
        fetch_all(dest=tmp_path / "d", files=_one(url))
    with pytest.raises(FetchError, match="mirror must be an http"):
        fetch_all(mirror=url, dest=tmp_path / "d", files=_one("https://x.example/a.csv"))
    assert not (tmp_path / "d").exists()


def test_mirror_only_file_needs_a_mirror(tmp_path: Path):
    files = (RemoteFile("oc", "oc-index", None, OC, "mirror only"),)
    with pytest.raises(FetchError, match="--mirror"):
        fetch_all(dest=tmp_path, files=files)


# ---------------------------------------------------------------- downloads


def test_mirror_download_of_all_publisher_files(server: _Server, tmp_path: Path):
    dest = tmp_path / "dl"
    paths = fetch_all(mirror=server.base + "/mirror/", dest=dest, retries=0)
    assert [p.name for p in paths] == [MMP, UNHCR, OC]
    assert [p.parent for p in paths] == [dest] * 3
    for p in paths:
        assert p.read_bytes() == (server.root / p.name).read_bytes()
    assert sorted(server.requests) == sorted(f"/mirror/{n}" for n in (MMP, UNHCR, OC))
    assert _leftovers(dest) == sorted([MMP, UNHCR, OC])  # no temporary files left


def test_mirror_from_environment_and_default_dest_next_to_warehouse(
    server: _Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("ROUTEWATCH_MIRROR", server.base + "/mirror")
    monkeypatch.setenv("ROUTEWATCH_DB", str(tmp_path / "wh" / "routewatch.duckdb"))
    files = PUBLISHER_FILES[:1]
    paths = fetch_all(files=files)
    assert paths == [tmp_path / "wh" / "downloads" / MMP]
    assert paths[0].read_bytes() == (FIXTURES / MMP).read_bytes()
    assert server.requests == [f"/mirror/{MMP}"]


def test_explicit_mirror_wins_over_environment(server: _Server, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("ROUTEWATCH_MIRROR", f"http://127.0.0.1:{_closed_port()}/")
    paths = fetch_all(mirror=server.base + "/files", dest=tmp_path, files=PUBLISHER_FILES[:1])
    assert paths[0].read_bytes() == (FIXTURES / MMP).read_bytes()


def test_progress_reports_bytes_of_content_length(server: _Server, tmp_path: Path):
    calls: list[tuple[float, str]] = []
    size = (FIXTURES / MMP).stat().st_size
    fetch_all(
        dest=tmp_path,
        files=_one(f"{server.base}/files/{MMP}"),
        progress=lambda f, m: calls.append((f, m)),
    )
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions) and all(0.0 <= f <= 1.0 for f in fractions)
    assert calls[-1] == (1.0, f"{MMP} {size:,} bytes")
    assert any(f"/{size:,} bytes" in m for _, m in calls)  # "done/total" while streaming


def test_no_content_length_still_downloads(server: _Server, tmp_path: Path):
    calls: list[tuple[float, str]] = []
    (path,) = fetch_all(
        dest=tmp_path,
        files=_one(f"{server.base}/nolength/{UNHCR}", UNHCR, "unhcr-population"),
        progress=lambda f, m: calls.append((f, m)),
    )
    assert path.read_bytes() == (FIXTURES / UNHCR).read_bytes()
    assert [f for f, _ in calls if 0.0 < f < 1.0] == []  # unknown total: no made-up fractions
    assert calls[-1][0] == 1.0


def test_retries_after_500_then_succeeds(server: _Server, tmp_path: Path):
    (path,) = fetch_all(
        dest=tmp_path, files=_one(f"{server.base}/flaky/{MMP}"), retries=3, backoff=0.01
    )
    assert server.counts[f"/flaky/{MMP}"] == 3
    assert path.read_bytes() == (FIXTURES / MMP).read_bytes()


def test_500_until_retries_run_out(server: _Server, tmp_path: Path):
    with pytest.raises(FetchError, match=r"500 .*\(2 attempts\)"):
        fetch_all(dest=tmp_path, files=_one(f"{server.base}/flaky/{MMP}"), retries=1, backoff=0)
    assert server.counts[f"/flaky/{MMP}"] == 2
    assert _leftovers(tmp_path) == []


def test_retries_after_a_dropped_connection(server: _Server, tmp_path: Path):
    (path,) = fetch_all(dest=tmp_path, files=_one(f"{server.base}/reset/{MMP}"), backoff=0.01)
    assert server.counts[f"/reset/{MMP}"] == 2
    assert path.read_bytes() == (FIXTURES / MMP).read_bytes()


def test_404_fails_at_once_without_retries(server: _Server, tmp_path: Path):
    t0 = time.perf_counter()
    with pytest.raises(FetchError) as err:
        fetch_all(dest=tmp_path, files=_one(f"{server.base}/missing/{MMP}"), retries=3)
    assert time.perf_counter() - t0 < 1.0  # the default 1 s backoff never ran
    msg = str(err.value)
    assert "404" in msg and MMP in msg and "127.0.0.1" in msg and "--mirror" in msg
    assert "\n" not in msg
    assert server.counts[f"/missing/{MMP}"] == 1
    assert _leftovers(tmp_path) == []


def test_html_error_page_is_refused(server: _Server, tmp_path: Path):
    with pytest.raises(FetchError, match="HTML page instead of"):
        fetch_all(dest=tmp_path, files=_one(f"{server.base}/html/{MMP}"), retries=3)
    assert server.counts[f"/html/{MMP}"] == 1
    assert _leftovers(tmp_path) == []


def test_empty_body_is_refused(server: _Server, tmp_path: Path):
    with pytest.raises(FetchError, match="is empty"):
        fetch_all(dest=tmp_path, files=_one(f"{server.base}/empty/{MMP}"))
    assert _leftovers(tmp_path) == []


def test_workbook_that_is_not_a_workbook_is_refused(server: _Server, tmp_path: Path):
    with pytest.raises(FetchError, match="not an Excel workbook"):
        fetch_all(dest=tmp_path, files=_one(f"{server.base}/files/fake.xlsx", "fake.xlsx"))
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("route", ["files", "nolength"])  # by Content-Length / while streaming
def test_size_guard(server: _Server, tmp_path: Path, route: str):
    with pytest.raises(FetchError, match="limit: refused"):
        fetch_all(dest=tmp_path, files=_one(f"{server.base}/{route}/{MMP}"), max_bytes=100)
    assert _leftovers(tmp_path) == []


def test_slow_server_times_out_within_bound(server: _Server, tmp_path: Path):
    timeout, retries, backoff = 0.4, 2, 0.05
    t0 = time.perf_counter()
    with pytest.raises(FetchError, match=r"did not answer within 0.4 s \(3 attempts\)"):
        fetch_all(
            dest=tmp_path,
            files=_one(f"{server.base}/slow/{MMP}"),
            timeout=timeout,
            retries=retries,
            backoff=backoff,
        )
    elapsed = time.perf_counter() - t0
    attempts = retries + 1
    assert timeout * attempts <= elapsed < timeout * attempts + backoff * 3 + 1.0
    assert elapsed < SLOW_S  # it did not wait for the server
    assert server.counts[f"/slow/{MMP}"] == attempts
    assert _leftovers(tmp_path) == []


def test_failed_download_keeps_the_earlier_copy(server: _Server, tmp_path: Path):
    (tmp_path / MMP).write_bytes(b"earlier,copy\n1,2\n")
    with pytest.raises(FetchError):
        fetch_all(dest=tmp_path, files=_one(f"{server.base}/html/{MMP}"))
    assert (tmp_path / MMP).read_bytes() == b"earlier,copy\n1,2\n"
    assert _leftovers(tmp_path) == [MMP]


def test_files_before_a_failure_are_complete_and_the_failing_one_absent(
    server: _Server, tmp_path: Path
):
    files = (
        RemoteFile("a", "mmp", f"{server.base}/files/{MMP}", MMP, "good"),
        RemoteFile("b", "unhcr-population", f"{server.base}/missing/{UNHCR}", UNHCR, "gone"),
    )
    with pytest.raises(FetchError, match="404"):
        fetch_all(dest=tmp_path, files=files)
    assert _leftovers(tmp_path) == [MMP]
    assert (tmp_path / MMP).read_bytes() == (FIXTURES / MMP).read_bytes()


# ---------------------------------------------------------------- offline


def test_closed_port_fails_fast_with_mirror_hint(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    port = _closed_port()
    t0 = time.perf_counter()
    with pytest.raises(FetchError) as err:  # default retries=3, backoff=1: a retry would cost 1 s+
        fetch_all(dest=tmp_path, files=_one(f"http://127.0.0.1:{port}/{MMP}"))
    elapsed = time.perf_counter() - t0
    assert elapsed < 5.0
    assert elapsed < 1.0  # not retried
    msg = str(err.value)
    assert f"Cannot reach 127.0.0.1:{port}" in msg and "--mirror" in msg
    assert _leftovers(tmp_path) == []


def test_unreachable_mirror_names_the_mirror(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    port = _closed_port()
    with pytest.raises(FetchError, match=r"Cannot reach the mirror 127\.0\.0\.1:\d+ .*--mirror"):
        fetch_all(mirror=f"http://127.0.0.1:{port}", dest=tmp_path, files=PUBLISHER_FILES)


def test_dns_failure_fails_fast_without_retries(tmp_path: Path, monkeypatch):
    lookups: list[str] = []

    def no_dns(host, *args, **kwargs):
        lookups.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    # No lookup leaves the machine: resolution itself is replaced, and the name is reserved.
    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(var, raising=False)
    t0 = time.perf_counter()
    with pytest.raises(FetchError) as err:
        fetch_all(dest=tmp_path, files=_one("https://publisher.invalid/data.csv", "data.csv"))
    assert time.perf_counter() - t0 < 1.0
    assert str(err.value) == (
        "Cannot reach publisher.invalid (no network?). "
        "Use --mirror URL to fetch from an internal copy."
    )
    assert lookups == ["publisher.invalid"]


def test_dns_that_never_answers_fails_within_the_lookup_limit(tmp_path: Path, monkeypatch):
    release = threading.Event()

    def hanging_dns(host, *args, **kwargs):
        release.wait(10)  # a resolver that does not answer; released at the end of the test
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", hanging_dns)
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(var, raising=False)
    t0 = time.perf_counter()
    try:
        with pytest.raises(FetchError, match=r"publisher\.invalid \(name lookup timed out"):
            fetch_all(dest=tmp_path, files=_one("https://publisher.invalid/d.csv", "d.csv"))
        assert time.perf_counter() - t0 < fetch.DNS_TIMEOUT_S + 1.0
    finally:
        release.set()
    assert _leftovers(tmp_path) == []


def test_no_lookup_of_the_target_when_a_proxy_resolves_names(monkeypatch: pytest.MonkeyPatch):
    def no_lookups(*args, **kwargs):
        raise AssertionError("looked up a name that the proxy resolves")

    monkeypatch.setattr(socket, "getaddrinfo", no_lookups)
    sess = requests.Session()
    sess.proxies = {"https": f"http://127.0.0.1:{_closed_port()}"}
    fetch._check_resolves("https://publisher.invalid/d.csv", sess, 1.0, via_mirror=False)


# ---------------------------------------------------------------- the UNHCR population API


def _api_file(server: _Server) -> tuple[RemoteFile, ...]:
    url = f"{server.base}/unhcr-api/population/?yearFrom=1951&coo_all=true&coa_all=true"
    return (RemoteFile("unhcr-population", "unhcr-population", url, UNHCR, "api", "unhcr-api"),)


def test_unhcr_api_pages_become_one_csv(server: _Server, tmp_path: Path):
    import pandas as pd

    from data.ingest import detect_kind, prepare_unhcr_population
    from data.readers import read_table

    server.api_fail_page = 2  # page 2 answers 503 once: retried like any other request
    (path,) = fetch_all(dest=tmp_path, files=_api_file(server), backoff=0.01)
    pages = [parse_qs(urlsplit(r).query) for r in server.requests]
    assert [p["page"] for p in pages] == [["1"], ["2"], ["2"]]
    for p in pages:
        assert p["coo_all"] == ["true"] and p["coa_all"] == ["true"] and p["yearFrom"] == ["1951"]
        assert p["limit"] == [str(fetch.UNHCR_PAGE_ROWS)] and "yearTo" in p

    got = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert list(got.columns) == list(fetch.UNHCR_COLUMNS)
    assert got["refugees"].tolist() == ["1200", "1500", "800"]
    assert got["oip"].tolist() == ["", "", "7"]  # the API's "-" is written as empty
    assert got["coo_iso"].tolist() == ["SYR", "SYR", "AFG"]

    frame = read_table(path.read_bytes(), path.name)
    assert detect_kind(frame) == "unhcr-population"
    assert len(prepare_unhcr_population(frame).facts) == 3
    assert _leftovers(tmp_path) == [UNHCR]


def test_unhcr_api_that_is_not_json_is_refused(server: _Server, tmp_path: Path):
    files = (
        RemoteFile(
            "u", "unhcr-population", f"{server.base}/files/{UNHCR}", UNHCR, "x", "unhcr-api"
        ),
    )
    with pytest.raises(FetchError, match="other than the population API's JSON"):
        fetch_all(dest=tmp_path, files=files)
    assert _leftovers(tmp_path) == []


def test_a_given_session_is_used_and_the_default_one_names_itself(server: _Server, tmp_path):
    used: list[str] = []

    class Spy(requests.Session):
        def get(self, url, **kw):  # type: ignore[override]
            used.append(url)
            return super().get(url, **kw)

    url = f"{server.base}/files/{MMP}"
    fetch_all(dest=tmp_path / "a", files=_one(url), session=Spy())
    assert used == [url]
    fetch_all(dest=tmp_path / "b", files=_one(url))
    assert server.agents[-1] == fetch.USER_AGENT
