"""Security in a real browser: data-borne HTML/script stays inert (issue 6, "Injection and
output safety").

The test builds its own warehouse in a tmp dir, starts the app on 127.0.0.1 against it and
drives Debian's Chromium with Playwright.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import free_port, wait_healthy

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "data" / "fixtures"
TIMEOUT_MS = 90_000
VIEWPORT = {"width": 1440, "height": 2400}

PAYLOADS = (
    "<img src=x onerror=alert(1)>",
    "<script>alert(2)</script>",
    '"><svg onload=alert(3)>',
)
JS_URL = "javascript:alert(4)"
ROUTES = (
    "Central Mediterranean",
    "Western Mediterranean",
    "Eastern Mediterranean",
    "Western Balkans",
)
PLACES = (  # (country of incident, region, lat, lon)
    ("Libya", "Mediterranean", 33.0, 12.5),
    ("Morocco", "Mediterranean", 35.8, -5.5),
    ("Greece", "Mediterranean", 37.0, 26.5),
    ("Serbia", "Europe", 44.8, 20.4),
)
# Every page of the app (url path, title text in its <h1>, has a map).
PAGES = (
    ("", "Overview", True),
    ("routes", "Routes", True),
    ("risk", "Origin and transit risk", True),
    ("incidents", "Incidents", True),
    ("briefing", "", False),
    ("data_sources", "Data and sources", False),
    ("methodology", "", False),
)
# What an injected payload would leave in the DOM.
INJECTED_JS = """() => ({
  img: document.querySelectorAll('img[src="x"]').length,
  svg: document.querySelectorAll('svg[onload]').length,
  onerror: document.querySelectorAll('[onerror]').length,
  script: [...document.querySelectorAll('script')].filter(s => s.textContent.includes('alert(')).length,
  jslink: document.querySelectorAll('a[href^="javascript:" i], [href^="javascript:" i], [src^="javascript:" i]').length,
  pwned: window.__pwned === undefined ? 0 : 1,
})"""


def mmp_csv(n: int, first: dt.date, *, payloads: bool = False, step_days: int = 9) -> bytes:
    """An IOM Missing Migrants export (the header of tests/data/fixtures/mmp_quirks.csv) of
    ``n`` valid incidents from ``first`` on; with ``payloads`` its text fields carry HTML."""
    header = next(csv.reader(io.StringIO((FIXTURES / "mmp_quirks.csv").read_text())))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for i in range(n):
        d = first + dt.timedelta(days=step_days * i)
        country, region, lat, lon = PLACES[i % len(PLACES)]
        route = ROUTES[i % len(ROUTES)]
        p = PAYLOADS[i % len(PAYLOADS)]
        dead, missing = 1 + i % 4, i % 3
        row = {
            "Main ID": f"S.{i:04d}",
            "Incident ID": f"S.{i:04d}",
            "Incident Type": "Incident",
            "Region of Incident": region,
            "Incident Date": d.isoformat(),
            "Incident Year": str(d.year),
            "Month": d.strftime("%B"),
            "Number of Dead": str(dead),
            "Minimum Estimated Number of Missing": str(missing),
            "Total Number of Dead and Missing": str(dead + missing),
            "Number of Survivors": str(i % 5),
            "Number of Females": "",
            "Number of Males": str(dead),
            "Number of Children": "",
            "Country of Origin": f"Guinea,{p}" if payloads else "Guinea",
            "Region of Origin": "Western Africa",
            "Cause of Death": "Drowning",
            "Country of Incident": country,
            "Migration Route": (f"{route},{p}" if i % 2 else p) if payloads else route,
            "Location of Incident": f"Off coast {p}" if payloads else f"Off coast {i}",
            "Coordinates": f"{lat + (i % 5) * 0.3}, {lon + (i % 7) * 0.3}",
            "UNSD Geographical Grouping": "Northern Africa",
            "Information Source": f"Report {p}" if payloads else "Fixture",
            "URL": (JS_URL if i % 3 == 0 else f"https://example.org/{i}?q={p}")
            if payloads
            else f"https://example.org/{i}",
            "Source Quality": str(1 + i % 5),
        }
        w.writerow([row[h] for h in header])
    return buf.getvalue().encode()


@contextlib.contextmanager
def serve(db: Path, log: Path) -> Iterator[str]:
    """The app on a free loopback port reading ``db`` (as the conftest ``app_url`` does)."""
    port = free_port()
    env = {**os.environ, "ROUTEWATCH_DB": str(db)}
    env.pop("ROUTEWATCH_ONLINE_BASEMAP", None)
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"),
        "--server.headless", "true", "--server.address", "127.0.0.1",
        "--server.port", str(port), "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",
    ]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, proc)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def settle(page, timeout_ms: int = TIMEOUT_MS) -> None:
    """Wait for the app's own elements: sidebar filters, a title, and no run in progress."""
    page.wait_for_selector(
        "[data-testid='stSidebar'] [data-testid='stMultiSelect']", timeout=timeout_ms
    )
    page.wait_for_selector("h1", timeout=timeout_ms)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout_ms
    )


def hover_map(page) -> int:
    """Move the mouse over a grid of points on every map canvas; return the points hovered."""
    hovered = 0
    for canvas in page.locator("[data-testid='stDeckGlJsonChart'] canvas").all():
        canvas.scroll_into_view_if_needed()
        box = canvas.bounding_box()
        if not box or box["width"] < 50:
            continue
        for fx in (0.1, 0.3, 0.5, 0.7, 0.9):
            for fy in (0.15, 0.35, 0.5, 0.65, 0.85):
                page.mouse.move(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
                page.wait_for_timeout(25)
                hovered += 1
    return hovered


def test_payloads_in_data_stay_inert_on_every_page(browser, tmp_path: Path) -> None:
    from data.ingest import load_bytes, load_file
    from export.tables import prepare_incident_table

    db = tmp_path / "payload.duckdb"
    s = load_bytes(mmp_csv(30, dt.date(2023, 1, 5), payloads=True), "payload.csv", db=db)
    assert s.rows_loaded == 30, s
    load_file(FIXTURES / "frontex_small.csv", db=db)

    # The rows really carry the payloads, and the table keeps only http(s) links.
    from data import queries as q
    from data.db import connect_read_only
    from data.filters import Filters

    con = connect_read_only(db)
    try:
        raw = q.query_incidents(con, Filters(), limit=100, offset=0)
    finally:
        con.close()
    assert raw["location"].str.contains("<img src=x").any()
    assert (raw["url"] == JS_URL).sum() == 10
    shown = prepare_incident_table(raw)["url"].dropna()
    assert len(shown) == 20 and shown.str.match(r"https?://").all()

    ctx = browser.new_context(viewport=VIEWPORT)
    dialogs: list[str] = []
    try:
        page = ctx.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        with serve(db, tmp_path / "streamlit.log") as url:
            for path, title, has_map in PAGES:
                page.goto(f"{url}/{path}")
                settle(page)
                if title:
                    page.wait_for_function(
                        "t => document.querySelector('h1').textContent.includes(t)",
                        arg=title,
                        timeout=TIMEOUT_MS,
                    )
                if has_map:
                    page.wait_for_selector(
                        "[data-testid='stDeckGlJsonChart'] canvas", timeout=TIMEOUT_MS
                    )
                    page.wait_for_timeout(500)  # let deck.gl draw its first frame
                    assert hover_map(page) > 0, path
                assert page.locator("[data-testid='stException']").count() == 0, path
                found = page.evaluate(INJECTED_JS)
                assert found == dict.fromkeys(found, 0), (path, found)
                if path == "incidents":
                    check_incident_table(page)
                assert dialogs == [], (path, dialogs)
            page.wait_for_timeout(300)  # a late onerror would fire by now
            assert dialogs == []
    finally:
        ctx.close()


def check_incident_table(page) -> None:
    """The glide grid draws on a canvas; its accessible DOM mirror holds the cell text. No
    cell is a javascript: link and the link column holds only http(s) targets or nothing."""
    grid = page.locator("[data-testid='stDataFrame']").first
    grid.wait_for(timeout=TIMEOUT_MS)
    grid.scroll_into_view_if_needed()
    links = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid="stDataFrame"] a[href]')]
                 .map(a => a.getAttribute('href'))"""
    )
    assert all(re.match(r"https?://", h) for h in links), links
    cells = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid="stDataFrame"] [role="gridcell"], [data-testid="stDataFrame"] td')]
                 .map(c => c.textContent)"""
    )
    assert not any(c.strip().lower().startswith("javascript:") for c in cells), cells[:20]
