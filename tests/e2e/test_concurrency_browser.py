"""20 browser sessions use the app while an ingest publishes new vintages: no errors, no mix.

Issue 6: "20 browser sessions (Playwright contexts) use the app at once while an ingest of a new
vintage runs: no session errors, each sees either the old or the new vintage, never a mix."

One Chromium, 20 Playwright contexts, each its own Streamlit session. Every context loads the
*Data and sources* page (a few at a time: a first load parses Streamlit's whole frontend, about
4 CPU-seconds here, and 20 at once thrash 2 cores) and moves to *Load data*. ``python -m data
load --wait`` starts with them, reads the first later file and waits for the write lock, which
the test holds (as another ingest would) until all 20 have shown the first vintage; it then
publishes three later vintages one after the other into the warehouse the server reads, while
every session keeps switching to *Data and sources* and back through the sidebar. Each session
stops after a load begun once the ingest had exited.

Why this page: it draws no deck.gl map (20 software-WebGL maps overload a 2-core machine) and
shows figures of one vintage that come from separate cache wrappers and queries:

- the vintage in use and its source id (``cache.vintages`` -> ``resolve_vintages``, dated
  through ``cache.sources``), at the top;
- the number of incidents and the share without coordinates (``cache.data_quality``);
- the vintage named in the caption under the last chart (``cache.sources`` again, at the end
  of the run);
- the sidebar's "Data vintage" label, "Latest (IOM <date>)" (``cache.filter_options`` and
  ``cache.sources``, drawn before the page). Its input box sometimes keeps the label of an
  earlier run although the server sent the new one (seen twice in about 600 loads here, only
  with many sessions at once), so the label checked is the one in the server's messages for
  the run; the box is only checked never to run ahead of the page, and lagging ones are printed.

Every vintage differs in every one of these, and the expected values are computed here from
the generated CSV files, not from the app. A page whose figures came from two warehouse
versions shows a combination that belongs to no single vintage and fails the test (with the
per-run pin, ``ui.cache.pin_run_db``, removed from app.py it did: a page showed the first
vintage's id, date and caption with the second vintage's incident count); so do an exception,
an alert, a console error, a session that goes back to an older vintage, and one that never
reaches the last vintage.

The plotly bundle (4.7 MB, about 2 CPU-seconds per context) is replaced by a component that
draws nothing: the chart's data is not read here, and the caption and download buttons drawn
after it still mark the end of the run.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import datetime as dt
import hashlib
import json
import os
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from data.db import writing
from data.demo import MMP_HEADER
from data.ingest import load_file
from tests.e2e.conftest import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    REPO,
    require_chromium,
    streamlit_server,
)

pytestmark = pytest.mark.e2e

SESSIONS = 20
# A context's first load parses Streamlit's whole frontend (about 4 CPU-seconds here): 20 at
# once thrash 2 cores (none had settled after 90 s), three at a time keep both cores busy.
FIRST_LOADS_AT_ONCE = 3
THINK_S = (0.3, 1.0)  # pause between a session's loads, spread over the sessions
TIMEOUT_MS = 90_000  # one page settling, with 20 first loads sharing 2 cores
# Check for a settled page every 100 ms, not on every animation frame: 20 pages polling per
# frame keep the browser drawing frames and cost more CPU than the pages themselves.
POLL_MS = 100
DEADLINE_S = 180.0  # the whole run: a hang fails instead of blocking CI
VIEWPORT = {"width": 1000, "height": 700}
DATA_PAGE = "Data and sources"
OTHER_PAGE = "Load data"
DATA_PAGE_METRICS = 6  # 2 vintages in use + 4 data-quality figures
DOWNLOAD_BUTTONS = 3  # PNG, SVG and PDF under the quality chart: the last elements of a run
PLOTLY_CHUNK = "**/static/js/PlotlyChart.*.js"
PLOTLY_STUB = "const PlotlyChart = () => null; export { PlotlyChart, PlotlyChart as default };"
SIDEBAR_LABEL = re.compile(rb"Latest \(IOM \d\d [A-Z][a-z][a-z] \d{4}\)")


@dataclass(frozen=True)
class VintageSpec:
    """One generated IOM export: its last incident date, size and rows without coordinates."""

    last_date: dt.date
    rows: int
    no_coords_every: int  # every n-th row has empty Coordinates


# The first vintage, then three later ones published during the sessions. Every figure read
# from the page differs between any two of them, so a page mixing two versions matches neither.
SPECS = (
    VintageSpec(dt.date(2025, 3, 31), 6_000, 10),
    VintageSpec(dt.date(2025, 6, 30), 8_000, 8),
    VintageSpec(dt.date(2025, 9, 30), 10_000, 6),
    VintageSpec(dt.date(2025, 12, 31), 12_000, 5),
)


@dataclass(frozen=True)
class Expected:
    """What the page must show for one vintage, computed from its CSV file."""

    source_id: str
    vintage_label: str
    incidents: str
    no_coords: str
    caption_vintage: str
    sidebar: str

    def figures(self) -> tuple[str, ...]:
        return (
            self.source_id,
            self.vintage_label,
            self.incidents,
            self.no_coords,
            self.caption_vintage,
            self.sidebar,
        )


def write_mmp_csv(path: Path, spec: VintageSpec) -> None:
    """A synthetic IOM export in the official 25-column format: every row valid and distinct."""
    start = dt.date(2019, 1, 1)
    span = (spec.last_date - start).days
    prefix = f"CC.{spec.last_date:%Y%m%d}"
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(MMP_HEADER)
        for i in range(spec.rows):
            d = spec.last_date if i == 0 else start + dt.timedelta(days=(i * 7919) % span)
            dead, missing = 1 + i % 4, i % 3
            coords = "" if i % spec.no_coords_every == 0 else f"{33 + (i % 7) * 0.1:.1f}, 12.0"
            row = {
                "Main ID": f"{prefix}.{i}",
                "Incident ID": f"{prefix}.{i}",
                "Incident Type": "Incident",
                "Region of Incident": "Mediterranean",
                "Incident Date": d.isoformat(),
                "Incident Year": str(d.year),
                "Month": f"{d:%B}",
                "Number of Dead": str(dead),
                "Minimum Estimated Number of Missing": str(missing),
                "Total Number of Dead and Missing": str(dead + missing),
                "Number of Survivors": "5",
                "Number of Males": str(dead),
                "Country of Origin": "Guinea,Mali",
                "Region of Origin": "Western Africa",
                "Cause of Death": "Drowning",
                "Country of Incident": "Libya",
                "Migration Route": "Central Mediterranean",
                "Location of Incident": "Synthetic concurrency test",
                "Coordinates": coords,
                "UNSD Geographical Grouping": "Uncategorized",
                "Information Source": "RouteWatch concurrency test (synthetic)",
                "URL": "https://example.org/concurrency",
                "Source Quality": str(1 + i % 5),
            }
            w.writerow([row.get(c, "") for c in MMP_HEADER])


def expected_from_csv(path: Path) -> Expected:
    """The figures the app should show for this file, read back from the file itself."""
    raw = path.read_bytes()
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    last = max(dt.date.fromisoformat(r["Incident Date"]) for r in rows)
    no_coords = sum(1 for r in rows if not r["Coordinates"].strip())
    label = f"{last:%d %b %Y}"
    return Expected(
        source_id=f"mmp-{last:%Y%m%d}-{hashlib.sha256(raw).hexdigest()[:8]}",
        vintage_label=label,
        incidents=f"{len(rows):,}",
        no_coords=f"{no_coords / len(rows) * 100:.1f}%",
        caption_vintage=f"IOM Missing Migrants, {last:%B %Y}",  # the short source line
        sidebar=f"Latest (IOM {label})",
    )


# --------------------------------------------------------------------------- the browser side

# Settled: the wanted page's title and, on the data page, every metric and the last elements of
# the run (the download buttons under the chart); no run in progress, nothing stale. The status
# widget alone is not enough: it disappears for moments during a run.
SETTLED_JS = """([title, metrics, buttons]) => {
  const main = document.querySelector('[data-testid="stMain"]');
  const h1 = main && main.querySelector('h1');
  if (!h1 || !h1.textContent.includes(title)) return false;
  if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
  if (document.querySelector('[data-stale="true"]')) return false;
  if (main.querySelectorAll('[data-testid="stDownloadButton"]').length < buttons) return false;
  return main.querySelectorAll('[data-testid="stMetricValue"]').length >= metrics;
}"""

READ_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const metrics = {};
  for (const m of main.querySelectorAll('[data-testid="stMetric"]')) {
    const label = m.querySelector('[data-testid="stMetricLabel"]');
    const value = m.querySelector('[data-testid="stMetricValue"]');
    if (label && value) metrics[label.textContent.trim()] = value.textContent.trim();
  }
  const captions = [...main.querySelectorAll('[data-testid="stCaptionContainer"]')]
    .map(c => c.textContent.trim());
  const sid = captions.find(c => c.startsWith('Source id: mmp'));
  const source = captions.filter(c => c.startsWith('Source: IOM')).pop();
  const vintage = source && source.match(/^Source: (IOM Missing Migrants, [A-Z][a-z]+ \\d{4})/);
  const box = [...document.querySelectorAll('[data-testid="stSidebar"] [data-testid="stSelectbox"]')]
    .find(b => b.textContent.includes('Data vintage'));
  const combo = box && box.querySelector('input[role="combobox"]');
  return {
    metrics,
    source_id: sid ? sid.slice('Source id: '.length) : null,
    caption_vintage: vintage ? vintage[1] : null,
    sidebar: combo ? combo.value : null,
    exceptions: [...document.querySelectorAll('[data-testid="stException"]')]
      .map(e => e.textContent.slice(0, 300)),
    alerts: [...document.querySelectorAll('[data-testid="stAlert"], [data-testid="stToast"]')]
      .map(e => e.textContent.slice(0, 300)),
  };
}"""


@dataclass
class Observation:
    """One settled load of the data page in one session, with what it showed."""

    session: int
    started: float  # the click (or page load) that asked for the data page
    finished: float
    fresh: bool  # the session's first load (a page load) rather than a sidebar switch
    sidebar_sent: str | None  # the "Data vintage" label the server sent in this run
    metrics: dict[str, str]
    source_id: str | None
    caption_vintage: str | None
    sidebar: str | None  # the label the sidebar's input box shows
    exceptions: list[str]
    alerts: list[str]

    def figures(self) -> tuple[Any, ...]:
        return (
            self.source_id,
            self.metrics.get("Incidents (IOM) vintage in use"),
            self.metrics.get("Incidents"),
            self.metrics.get("Without coordinates"),
            self.caption_vintage,
            self.sidebar_sent,
        )


@dataclass
class Run:
    url: str
    t0: float
    ingest_started: float | None = None
    ingest_finished: float | None = None
    observations: list[Observation] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    opened: dict[int, float] = field(default_factory=dict)  # session -> its first page load
    closed: dict[int, float] = field(default_factory=dict)  # session -> its last load settled
    first_loads: asyncio.Semaphore = field(
        default_factory=lambda: asyncio.Semaphore(FIRST_LOADS_AT_ONCE)
    )
    ingesting: asyncio.Event = field(default_factory=asyncio.Event)
    ready: set[int] = field(default_factory=set)  # sessions that showed the first vintage
    # session -> (time, label) of every "Data vintage" label the server sent it
    labels_sent: dict[int, list[tuple[float, str]]] = field(default_factory=dict)


def note_console(run: Run, i: int, m: Any) -> None:
    """Keep console errors, except the two 404s Streamlit's frontend always causes when a page
    is opened by its own URL (it probes ``/<page>/_stcore/health`` and ``host-config`` before
    falling back to the app root)."""
    if m.type != "error":
        return
    where = str((m.location or {}).get("url", ""))
    probe = where.endswith(("/_stcore/health", "/_stcore/host-config"))
    if "404" in m.text and probe and not where.startswith(f"{run.url}/_stcore/"):
        return
    run.console_errors.append(f"session {i}: {m.text[:300]} at {where}")


def note_labels(sent: list[tuple[float, str]], payload: bytes | str) -> None:
    """Note the sidebar's "Latest (IOM <date>)" labels in a message from the server.

    The input box of that selectbox sometimes keeps an older label than the server sent (a
    Streamlit frontend quirk, see the test), so the run's own label is read from the messages.
    """
    raw = payload if isinstance(payload, bytes) else payload.encode()
    now = time.monotonic()
    sent.extend((now, m.decode()) for m in SIDEBAR_LABEL.findall(raw))


async def settle(page: Any, title: str, data_page: bool) -> None:
    args = [title, DATA_PAGE_METRICS, DOWNLOAD_BUTTONS] if data_page else [title, 0, 0]
    await page.wait_for_function(SETTLED_JS, arg=args, timeout=TIMEOUT_MS, polling=POLL_MS)


async def session(i: int, browser: Any, run: Run) -> None:
    """Load the data page, then switch away and back until a load begun after the ingest."""
    ctx = await browser.new_context(viewport=VIEWPORT, reduced_motion="reduce")
    await ctx.route(
        PLOTLY_CHUNK,
        lambda r: r.fulfill(status=200, content_type="text/javascript", body=PLOTLY_STUB),
    )
    page = await ctx.new_page()
    sent = run.labels_sent.setdefault(i, [])
    page.on("websocket", lambda ws: ws.on("framereceived", lambda pl: note_labels(sent, pl)))
    page.on("console", lambda m: note_console(run, i, m))
    page.on("pageerror", lambda e: run.console_errors.append(f"session {i} pageerror: {e}"))
    nav = page.locator("[data-testid='stSidebarNav']")
    k = 0
    try:
        while True:
            if time.monotonic() - run.t0 > DEADLINE_S:
                raise TimeoutError(f"deadline of {DEADLINE_S:.0f} s passed")
            if k == 0:
                async with run.first_loads:
                    started = time.monotonic()
                    run.opened[i] = started
                    await page.goto(f"{run.url}/data_sources", wait_until="commit")
                    await settle(page, DATA_PAGE, data_page=True)
            else:
                # Sessions wait on the other page for the ingest (cycling meanwhile would only
                # slow the later first loads), so the ingest starts with data pages loading.
                await run.ingesting.wait()
                await asyncio.sleep(THINK_S[0] + (THINK_S[1] - THINK_S[0]) * (i % 5) / 4)
                started = time.monotonic()
                await nav.get_by_role("link", name=DATA_PAGE, exact=True).click()
                await settle(page, DATA_PAGE, data_page=True)
            seen = await page.evaluate(READ_JS)
            label = next((lb for t, lb in reversed(sent) if t >= started), None)
            run.observations.append(
                Observation(i, started, time.monotonic(), k == 0, label, **seen)
            )
            run.closed[i] = time.monotonic()
            k += 1
            if run.ingest_finished is not None and started > run.ingest_finished:
                return
            await nav.get_by_role("link", name=OTHER_PAGE, exact=True).click()
            await settle(page, OTHER_PAGE, data_page=False)
            run.ready.add(i)
    except Exception as exc:  # noqa: BLE001 - reported with the session number, then asserted
        run.failures.append(f"session {i} (load {k}): {type(exc).__name__}: {str(exc)[:300]}")
        with contextlib.suppress(Exception):
            ARTIFACTS.mkdir(exist_ok=True)
            await page.screenshot(path=str(ARTIFACTS / f"concurrency-session-{i}.png"))
    finally:
        await ctx.close()


def file_version(p: Path) -> tuple[int, int, int]:
    st = p.stat()
    return st.st_ino, st.st_mtime_ns, st.st_size


class _Discard(Exception):
    """Leaves :func:`data.db.writing` without publishing anything."""


def hold_write_lock(db: Path, held: threading.Event, release: threading.Event) -> None:
    """Act as another writer: hold the warehouse's write lock until ``release``, change nothing."""
    with contextlib.suppress(_Discard), writing(db):
        held.set()
        release.wait(DEADLINE_S)
        raise _Discard


async def ingest_during_sessions(run: Run, db: Path, files: list[Path]) -> dict[str, Any]:
    """Load ``files`` with the CLI while the sessions load pages; note each publish.

    The CLI starts with the sessions, so its start-up and the reading of the first file overlap
    their first loads, and waits (``--wait``) for the write lock held here until every session
    shows the first vintage; from then on it writes and publishes the files one after another.
    """
    held, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=hold_write_lock, args=(db, held, release), daemon=True)
    holder.start()
    assert await asyncio.to_thread(held.wait, 60), "could not take the write lock"
    version = file_version(db)
    cmd = [sys.executable, "-m", "data", "--db", str(db), "load", "--json"]
    cmd += ["--wait", str(DEADLINE_S), *map(str, files)]
    proc = await asyncio.create_subprocess_exec(
        *cmd, cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    done = asyncio.ensure_future(proc.communicate())
    try:
        while len(run.ready) < SESSIONS and not run.failures and not done.done():
            if time.monotonic() - run.t0 > DEADLINE_S:
                break
            await asyncio.sleep(0.05)
    finally:
        run.ingest_started = time.monotonic()
        run.ingesting.set()
        release.set()
    publishes: list[float] = []
    while not done.done():
        now = file_version(db)
        if now != version:
            publishes.append(time.monotonic())
            version = now
        await asyncio.sleep(0.01)
    out, err = done.result()
    run.ingest_finished = time.monotonic()
    await asyncio.to_thread(holder.join, 60)
    return {
        "returncode": proc.returncode,
        "stdout": out.decode(),
        "stderr": err.decode(),
        "publishes": publishes,
    }


async def drive(url: str, db: Path, files: list[Path]) -> tuple[Run, dict[str, Any]]:
    from playwright.async_api import async_playwright

    run = Run(url=url, t0=time.monotonic())
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            sessions = [asyncio.ensure_future(session(i, browser, run)) for i in range(SESSIONS)]
            ingest = await ingest_during_sessions(run, db, files)
            await asyncio.gather(*sessions)
        finally:
            await browser.close()
    return run, ingest


# --------------------------------------------------------------------------- the test


@pytest.fixture(scope="module")
def vintages(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path], list[Expected]]:
    """A warehouse holding the first vintage, the later files, and every vintage's figures."""
    require_chromium()
    d = tmp_path_factory.mktemp("concurrency")
    files = []
    for n, spec in enumerate(SPECS):
        f = d / f"mmp-vintage-{n}.csv"
        write_mmp_csv(f, spec)
        files.append(f)
    expected = [expected_from_csv(f) for f in files]
    for values in zip(*(e.figures() for e in expected), strict=True):
        assert len(set(values)) == len(values), f"two vintages share a figure: {values}"
    db = d / "warehouse.duckdb"
    first = load_file(files[0], db=db)
    assert (first.status, first.source_id) == ("loaded", expected[0].source_id)
    return db, files[1:], expected


def test_twenty_sessions_during_an_ingest_each_see_whole_vintages(
    vintages: tuple[Path, list[Path], list[Expected]], tmp_path: Path
) -> None:
    db, later_files, expected = vintages
    wall0 = time.monotonic()
    log_path = tmp_path / "streamlit.log"
    with streamlit_server(db, log_path) as url:
        run, ingest = asyncio.run(drive(url, db, later_files))
    wall = time.monotonic() - wall0
    obs = run.observations

    # The ingest exited 0 and published every later vintage as a new warehouse file.
    assert ingest["returncode"] == 0, ingest["stderr"][-2000:]
    summaries = json.loads(ingest["stdout"])
    assert [s["status"] for s in summaries] == ["loaded"] * len(later_files)
    assert [s["source_id"] for s in summaries] == [e.source_id for e in expected[1:]]
    assert len(ingest["publishes"]) == len(later_files), ingest["publishes"]

    # No session failed, and no page showed an exception, an alert or a mix of vintages.
    assert run.failures == [], (len(obs), run.failures[:5])
    allowed = {e.figures(): n for n, e in enumerate(expected)}
    shown = {e.sidebar: n for n, e in enumerate(expected)}
    stale_inputs = []
    for o in obs:
        assert o.exceptions == [], (o.session, o.exceptions)
        assert o.alerts == [], (o.session, o.alerts)
        assert o.figures() in allowed, f"session {o.session} saw a mix: {o.figures()}"
        # The input box may lag behind (reported to the maintainers), never run ahead of the
        # page or show anything but a vintage's label.
        assert o.sidebar in shown and shown[o.sidebar] <= allowed[o.figures()], o
        if shown[o.sidebar] != allowed[o.figures()]:
            stale_inputs.append((o.session, o.sidebar, o.figures()[1]))
    assert run.console_errors == [], run.console_errors[:5]
    log = log_path.read_text(errors="replace")
    assert "Traceback" not in log, log[-3000:]

    # Each session only moved forward, and every one reached the last vintage.
    seen: dict[int, list[int]] = {}
    for o in sorted(obs, key=lambda o: o.finished):
        seen.setdefault(o.session, []).append(allowed[o.figures()])
    assert sorted(seen) == list(range(SESSIONS))
    last = len(expected) - 1
    for s, vs in seen.items():
        assert vs == sorted(vs), f"session {s} went back to an older vintage: {vs}"
        assert vs[-1] == last, f"session {s} never showed the last vintage: {vs}"
    assert all(vs[0] == 0 for vs in seen.values()), "a session missed the first vintage"

    # All 20 sessions were open across every publish, with data-page loads in flight.
    in_flight = []
    for t in ingest["publishes"]:
        open_now = {s for s in range(SESSIONS) if run.opened[s] <= t <= run.closed[s]}
        assert open_now == set(range(SESSIONS)), (t - run.t0, sorted(open_now))
        in_flight.append(sum(1 for o in obs if o.started <= t <= o.finished))
    assert max(in_flight) >= 1, in_flight

    assert run.ingest_started is not None and run.ingest_finished is not None
    durations = sorted(o.finished - o.started for o in obs)
    print(
        f"\nconcurrency: {SESSIONS} sessions, {len(obs)} data-page loads "
        f"({sum(o.fresh for o in obs)} first loads); ingest {run.ingest_started - run.t0:.1f}"
        f"-{run.ingest_finished - run.t0:.1f} s, publishes at "
        f"{', '.join(f'{t - run.t0:.1f}' for t in ingest['publishes'])} s with "
        f"{in_flight} loads in flight; vintages seen per session "
        f"{sorted({tuple(sorted(set(vs))) for vs in seen.values()})}; load median "
        f"{durations[len(durations) // 2]:.1f} s, max {durations[-1]:.1f} s; wall {wall:.1f} s; "
        f"load average {os.getloadavg()[0]:.2f}; sidebar input boxes behind the page: "
        f"{stale_inputs}"
    )
