"""The browser-paint benchmark runs end to end at a tiny size (no timing asserted).

``benchmarks.paint`` starts its own server and Chromium; this checks that a filter change is
seen, waited for and measured on a page with charts and a map, so the figure in
``python -m benchmarks.run`` is not silently missing.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.e2e.conftest import require_chromium

pytestmark = pytest.mark.e2e


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_paint_measures_a_filter_change(demo_db: Path) -> None:
    require_chromium()
    from benchmarks.paint import bench_paint

    res = bench_paint(demo_db, pages=("overview",), changes=2, port=_port(), timeout_s=240)
    assert "errors" not in res, res.get("errors")
    ov = res["pages"]["overview"]
    assert ov["n"] == 2
    # A change takes at least one frame and is over once the page is quiet again.
    assert all(s > 16.0 for s in ov["samples_ms"]), ov
    assert ov["p95_ms"] >= ov["median_ms"] > 0
