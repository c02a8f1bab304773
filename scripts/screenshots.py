"""Screenshots of every page in English and in French, at 1440 x 900, for docs/screenshots/.

    python -m scripts.screenshots [--db FILE] [--out docs/screenshots] [--lang en fr] [--page risk]

Starts the app on a free loopback port (the warehouse from ``--db``, default the demo one built
by ``make db``), opens each page in Debian's Chromium once the page has settled (no running
script, no stale element, charts drawn) and writes ``<out>/<lang>/<page>.png`` (the top of the
page, 1440 x 900, as a reader first sees it). Look at each one before committing them.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, streamlit_server

REPO = Path(__file__).resolve().parents[1]
PAGES = (
    ("overview", ""),
    ("routes", "routes"),
    ("risk", "risk"),
    ("planner", "planner"),
    ("incidents", "incidents"),
    ("money", "money"),
    ("briefing", "briefing"),
    ("presenter", "presenter"),
    ("data_sources", "data_sources"),
    ("reconcile", "reconcile"),
    ("methodology", "methodology"),
    ("load_data", "load_data"),
)
SETTLED_JS = """() => {
  if (!document.querySelector('[data-testid="stMain"] h1')) return false;
  if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
  return !document.querySelector('[data-stale="true"]');
}"""


COUNT_JS = """() => document.querySelectorAll(
  '[data-testid="stMain"] [data-testid="stElementContainer"]').length"""


def _wait_drawn(page: Any, quiet_ms: int = 2500, timeout_s: float = 120.0) -> None:
    """Until the run is over and the page has drawn nothing new for ``quiet_ms`` (a cold
    server's first run can look settled before its maps and charts are sent)."""
    deadline = time.monotonic() + timeout_s
    before = -1
    while time.monotonic() < deadline:
        page.wait_for_function(SETTLED_JS, timeout=timeout_s * 1000)
        page.wait_for_timeout(quiet_ms)  # maps and charts draw after the run
        now = page.evaluate(COUNT_JS)
        if now == before and page.evaluate(SETTLED_JS):
            return
        before = now
    raise TimeoutError(f"the page kept changing for {timeout_s:.0f} s")


def capture(db: Path, out: Path, langs: list[str], only: list[str]) -> list[Path]:
    from playwright.sync_api import sync_playwright

    written = []
    with tempfile.TemporaryDirectory() as tmp, streamlit_server(db, Path(tmp) / "log") as url:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            for lang in langs:
                page = browser.new_page(viewport={"width": 1440, "height": 900})
                for name, path in PAGES:
                    if only and name not in only:
                        continue
                    query = "?lang=fr" if lang == "fr" else ""
                    page.goto(f"{url}/{path}{query}")
                    _wait_drawn(page)
                    target = out / lang / f"{name}.png"
                    target.parent.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(target))
                    written.append(target)
                    print(target.relative_to(REPO) if target.is_relative_to(REPO) else target)
                page.close()
            browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=REPO / "data" / "routewatch.duckdb")
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    ap.add_argument("--lang", nargs="+", default=["en", "fr"], choices=["en", "fr"])
    ap.add_argument("--page", nargs="*", default=[], help="only these pages (default: all)")
    args = ap.parse_args(argv)
    if not args.db.exists():
        print(f"error: no warehouse at {args.db} (make db builds the demo)", file=sys.stderr)
        return 2
    capture(args.db, args.out, args.lang, args.page)
    return 0


if __name__ == "__main__":
    sys.exit(main())
