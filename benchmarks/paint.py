"""What the user waits for: a filter change until every chart and map on the page is painted.

The AppTest figures in :mod:`benchmarks.run` time the script run only. Here a real
``streamlit run app.py`` serves the benchmark warehouse and Chromium (Playwright, Debian's
``/usr/bin/chromium``) changes the sidebar's Period the way a user does, with the mouse:

1. open the page and wait until it is settled (see :data:`SETTLED_JS`);
2. start a ``MutationObserver`` on the main area, note ``performance.now()`` and click a period
   option in the sidebar's select box;
3. wait until the run has started (a mutation after the click), then until the page is settled
   again and nothing has changed for :data:`QUIET_MS` (charts and maps finish drawing after the
   script run ends);
4. the figure is the time from the click to the last change of the main area, plus the next
   animation frame (when the browser has painted it).

"Settled" means: no status widget ("Running..."), no stale element, every plotly chart has its
SVG and every deck.gl map its canvas. Periods cycle through the presets so each change is a
cache miss for everything keyed by the filters, as in :mod:`benchmarks.run`.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
# Streamlit's URL path of each page (the file name without .py; the Overview is the root).
PAGE_PATHS = {
    "overview": "",
    "routes": "routes",
    "risk": "risk",
    "incidents": "incidents",
    "data_sources": "data_sources",
}
QUIET_MS = 400

SETTLED_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main || !main.querySelector('h1')) return false;
  if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
  if (document.querySelector('[data-stale="true"]')) return false;
  for (const p of main.querySelectorAll('.js-plotly-plot')) {
    if (!p.querySelector('.main-svg')) return false;
  }
  for (const d of main.querySelectorAll('[data-testid="stDeckGlJsonChart"]')) {
    if (!d.querySelector('canvas')) return false;
  }
  return true;
}"""

OBSERVE_JS = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  if (window.__rwObserver) window.__rwObserver.disconnect();
  window.__rwLast = null;
  window.__rwObserver = new MutationObserver(() => { window.__rwLast = performance.now(); });
  window.__rwObserver.observe(main, {subtree: true, childList: true, attributes: true,
                                     characterData: true});
  window.__rwClick = performance.now();
  return window.__rwClick;
}"""

DONE_JS = (
    "(quietMs) => { const settled = ("
    + SETTLED_JS
    + ")(); if (window.__rwLast === null) return settled && performance.now() - window.__rwClick"
    + " > NO_CHANGE_MS ? 'none' : false; if (!settled) return false;"
    + " return performance.now() - window.__rwLast >= quietMs ? 'done' : false; }"
)
#: A pick that leaves the main area untouched this long after the click, the run over, drew
#: nothing new: two Period options with the same dates ("Last 12 months" and the last whole
#: year when the data end in December). Such a pick is not a filter change and is not timed.
NO_CHANGE_MS = 3000
DONE_JS = DONE_JS.replace("NO_CHANGE_MS", str(NO_CHANGE_MS))

FRAME_JS = """() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(
  () => r(performance.now()))))"""


def _browser_args() -> list[str]:
    return [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--enable-unsafe-swiftshader",
    ]  # fmt: skip


@contextlib.contextmanager
def serve(script: Path, db: Path | None, port: int, timeout_s: float = 90.0) -> Iterator[str]:
    """``streamlit run script`` on 127.0.0.1:port, yielding its URL once healthy."""
    import urllib.request

    env = {**os.environ}
    if db is not None:
        env["ROUTEWATCH_DB"] = str(db)
    streamlit = Path(os.environ.get("VIRTUAL_ENV", "")) / "bin" / "streamlit"
    if not streamlit.exists():
        import sys

        streamlit = Path(sys.executable).with_name("streamlit")
    cmd = [
        str(streamlit), "run", str(script), "--server.headless", "true",
        "--server.address", "127.0.0.1", "--server.port", str(port),
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    proc = subprocess.Popen(
        cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    url = f"http://127.0.0.1:{port}"
    try:
        t0 = time.perf_counter()
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with code {proc.returncode}")
            if time.perf_counter() - t0 > timeout_s:
                raise TimeoutError("server did not become healthy")
            time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _period_box(page: Any) -> Any:
    return page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").filter(
        has_text="Period"
    )


def _options(page: Any, timeout_ms: float = 30_000) -> list[str]:
    box = _period_box(page)
    box.click(timeout=timeout_ms)
    page.wait_for_selector("[role='option']", timeout=min(timeout_ms, 10_000))
    texts = [t.strip() for t in page.locator("[role='option']").all_inner_texts()]
    page.keyboard.press("Escape")
    return [t for t in texts if t and t.lower() != "custom range" and not t.startswith("Custom")]


class PaintTimeout(TimeoutError):
    """A step of the measurement did not finish in time; the message names the step."""


class _Clock:
    """What is left of an overall budget, as the timeout of the next Playwright wait."""

    def __init__(self, timeout_ms: float, budget_s: float | None) -> None:
        self.timeout_ms = timeout_ms
        self.deadline = None if budget_s is None else time.monotonic() + budget_s
        self.budget_s = budget_s

    def ms(self) -> float:
        if self.deadline is None:
            return self.timeout_ms
        left = (self.deadline - time.monotonic()) * 1000.0
        return max(1.0, min(self.timeout_ms, left))

    def step(self, what: str, fn: Any) -> Any:
        """Run ``fn(timeout_ms)``; a Playwright timeout becomes :class:`PaintTimeout`."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        ms = self.ms()
        try:
            return fn(ms)
        except PlaywrightTimeout as exc:
            overall = "" if self.budget_s is None else f" (overall budget {self.budget_s:.0f} s)"
            raise PaintTimeout(f"{what}: not done within {ms / 1000:.0f} s{overall}") from exc


def _wait_settled(page: Any, timeout_ms: float) -> None:
    page.wait_for_function(SETTLED_JS, timeout=timeout_ms, polling="raf")


def _one_change(
    page: Any, option: str, timeout_ms: float, clock: _Clock | None = None
) -> float | None:
    """Pick ``option`` in the Period box; seconds from the click to the page painted
    (``None``: the pick changed nothing on the page, see :data:`NO_CHANGE_MS`)."""
    clock = clock or _Clock(timeout_ms, None)
    box = _period_box(page)
    clock.step("open the Period box", lambda ms: box.click(timeout=ms))
    opt = page.get_by_role("option", name=option, exact=True)
    clock.step(f"show the option {option!r}", lambda ms: opt.wait_for(timeout=min(ms, 10_000)))
    t_click = page.evaluate(OBSERVE_JS)
    clock.step(f"click the option {option!r}", lambda ms: opt.click(timeout=ms))
    outcome = clock.step(
        f"the page to repaint and settle after choosing {option!r}",
        lambda ms: page.wait_for_function(DONE_JS, arg=QUIET_MS, timeout=ms, polling="raf"),
    )
    if outcome.json_value() == "none":
        return None
    last = page.evaluate("() => window.__rwLast")
    # The last change is on screen at the next frame after it; the frame we wait for now is
    # later (the quiet window), so count one frame (16.7 ms at 60 Hz) after the last change.
    return (float(last) - float(t_click) + 1000.0 / 60.0) / 1000.0


def measure_page(
    ctx: Any,
    url: str,
    name: str,
    *,
    changes: int,
    timeout_ms: float,
    warmup: bool = True,
    budget_s: float | None = None,
    after: Callable[[Any], None] | None = None,
) -> list[float]:
    """Seconds from a Period change to the page painted, ``changes`` times, on page ``name``.

    ``ctx`` is a Playwright browser context (a new tab is opened and closed in it), ``url``
    the app's base URL. With ``warmup`` a first change (which also fills the page's static
    caches) is made and not counted. ``budget_s`` caps the whole measurement: every wait gets
    what is left of it, and running out raises :class:`PaintTimeout` naming the step.
    ``after`` is called with the Playwright page once the changes are measured (a test
    looks at what was painted there).
    """
    clock = _Clock(timeout_ms, budget_s)
    page = ctx.new_page()
    try:
        clock.step(
            f"open {name!r}",
            lambda ms: page.goto(f"{url}/{PAGE_PATHS[name]}", wait_until="commit", timeout=ms),
        )
        clock.step(f"{name!r} to settle after opening", lambda ms: _wait_settled(page, ms))
        opts = clock.step("read the Period options", lambda ms: _options(page, ms))
        if len(opts) < 2:
            raise RuntimeError(f"only {len(opts)} period options")
        if warmup:
            # Warm-up: the first change also loads the page's static caches.
            _one_change(page, opts[1], timeout_ms, clock)
            order = [opts[i % len(opts)] for i in range(2, 2 + changes)]
        else:
            # Start from an option other than the one shown, so the first click is a change.
            shown = _period_box(page).locator("input").first.input_value()
            first = next((i for i, o in enumerate(opts) if o != shown), 1)
            order = [opts[(first + i) % len(opts)] for i in range(changes)]
        timed = [_one_change(page, o, timeout_ms, clock) for o in order]
        samples = [t for t in timed if t is not None]
        if after is not None:
            after(page)
        return samples
    finally:
        page.close()


def bench_paint(
    db: Path,
    *,
    pages: tuple[str, ...] = tuple(PAGE_PATHS),
    changes: int = 7,
    port: int,
    timeout_s: float = 60.0,
    width: int = 1440,
    height: int = 900,
) -> dict[str, Any]:
    """Filter change to every chart and map painted, per page, in Chromium.

    Returns
    -------
    dict
        ``method``, and per page ``median_ms``, ``p95_ms``, ``max_ms``, ``n`` and the
        ``samples_ms``; ``errors`` when a page could not be measured.
    """
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        return {"skipped": f"{CHROMIUM} not found"}
    out: dict[str, Any] = {
        "method": (
            "streamlit run app.py on the benchmark warehouse; Chromium (Playwright) picks a "
            "Period option in the sidebar with the mouse; time from the click to the last change "
            f"of the main area (MutationObserver) once the page is settled (no run, nothing stale, "
            f"every plotly SVG and deck canvas present) and quiet for {QUIET_MS} ms, plus one "
            f"frame; viewport {width}x{height}; periods cycle so each change is a cache miss"
        ),
        "pages": {},
    }
    errors: list[str] = []
    timeout_ms = timeout_s * 1000
    with (
        serve(REPO / "app.py", db, port) as url,
        sync_playwright() as p,
        tempfile.TemporaryDirectory() as profile,
    ):
        ctx = p.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=_browser_args(),
            viewport={"width": width, "height": height},
        )
        try:
            for name in pages:
                try:
                    samples = measure_page(
                        ctx, url, name, changes=changes, timeout_ms=timeout_ms, warmup=True
                    )
                    a = np.asarray(samples) * 1000.0
                    out["pages"][name] = {
                        "median_ms": round(float(np.median(a)), 1),
                        "p95_ms": round(float(np.percentile(a, 95)), 1),
                        "max_ms": round(float(a.max()), 1),
                        "n": len(a),
                        "samples_ms": [round(float(x), 1) for x in a],
                    }
                except Exception as exc:  # noqa: BLE001 - reported in the JSON, not hidden
                    errors.append(f"{name}: {type(exc).__name__}: {str(exc)[:200]}")
        finally:
            ctx.close()
    if errors:
        out["errors"] = errors
    return out


BARE_APP = '''"""A bare one-metric Streamlit app: the floor a cold start is compared with."""
import streamlit as st

st.title("Bare")
st.metric("Dead and missing", "1")
'''


def bare_app(folder: Path) -> Path:
    """Write the bare one-metric app into ``folder`` and return its path."""
    p = folder / "bare_app.py"
    p.write_text(BARE_APP, encoding="utf-8")
    return p
