"""The benchmark runs end to end at a tiny size and prints one valid JSON object.

No timing is asserted (CI machines are shared and noisy): only that every section ran, that the
figures are positive where they must be, and that the generated warehouse holds what was asked.
The browser, AppTest and baseline-memory parts are skipped to stay well under 30 s.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]
ROWS = 2000


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("bench-out")
    cmd = [
        sys.executable, "-m", "benchmarks.run", "--rows", str(ROWS), "--repeat", "1",
        "--scenarios", "1", "--budget-s", "1", "--skip-browser", "--skip-apptest", "--skip-pack",
        "--json",
        "--out", str(out),
    ]  # fmt: skip
    p = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=180, check=False)
    assert p.returncode == 0, p.stderr[-2000:]
    lines = [ln for ln in p.stdout.splitlines() if ln.strip()]
    assert len(lines) == 1, f"expected one JSON line, got {len(lines)}"
    res = json.loads(lines[0])
    res["_out"] = str(out)
    return res


def test_top_level_keys(result: dict) -> None:
    expected = {
        "rows", "machine", "generate", "scenarios", "ingest", "queries", "pages", "payload",
        "baseline", "ratios", "apptest", "rss", "cold_start", "paint", "pack", "budgets",
    }  # fmt: skip
    assert expected <= set(result)
    assert result["rows"] == ROWS
    assert result["machine"]["nproc"] >= 1
    assert result["cold_start"] == {"skipped": "--skip-browser"}
    assert result["paint"] == {"skipped": "--skip-browser"}
    assert result["pack"] == {"skipped": "--skip-pack"}


def test_generated_warehouse_has_the_rows(result: dict) -> None:
    wh = Path(result["_out"]) / Path(result["generate"]["warehouse"]).name
    con = duckdb.connect(str(wh), read_only=True)
    try:
        n, located, multi_origin = con.execute(
            "SELECT count(*), count(lat), count(*) FILTER (WHERE len(origin_iso3) > 1) "
            "FROM incidents"
        ).fetchone()
        detections = con.execute("SELECT count(*) FROM detections").fetchone()[0]
    finally:
        con.close()
    assert n == ROWS
    assert located == ROWS
    assert multi_origin > 0
    assert detections > 0


def test_ingest_and_queries_are_positive(result: dict) -> None:
    ing = result["ingest"]
    assert ing["rows_loaded"] == ROWS
    assert ing["rows_per_s"]["median"] > 0
    assert set(ing["phases_s"]) == {"hash_and_check", "read_csv", "prepare", "write_and_publish"}
    assert ing["cpu_s"]["median"] > 0 and set(ing["phases_cpu_s"]) == set(ing["phases_s"])
    assert len(ing["load_avg_at_start"]) == ing["seconds"]["n"]
    queries = result["queries"]
    assert "query_headline" in queries and "report.key_messages" in queries
    for name, q in queries.items():
        assert "error" not in q, (name, q)
        assert q["n"] >= 1 and q["median_ms"] > 0 and q["p95_ms"] >= q["median_ms"], name


def test_pages_payload_and_ratios(result: dict) -> None:
    for page in ("overview", "routes", "risk", "incidents", "data_sources"):
        p = result["pages"][page]
        assert p["n"] >= 1 and p["median_ms"] > 0, page
        assert "errors" not in p, p
    maps, charts = result["payload"]["maps"], result["payload"]["charts"]
    assert {"overview", "routes", "incidents"} <= set(maps)
    assert all(v > 0 for v in [*maps.values(), *charts.values()])
    for page in ("overview", "routes", "incidents"):
        r = result["ratios"][f"page:{page}"]
        assert r["routewatch_over_baseline_median"] > 0 and r["pairs"] >= 1
        assert result["baseline"][page]["map_bytes"] > 0
    assert result["rss"]["app_peak_mb"] > 0
    assert result["rss"]["baseline_peak_mb"] > 0


def test_budgets_are_reported(result: dict) -> None:
    b = result["budgets"]
    assert "ingest_rows_per_s" in b and "map_bytes_max" in b and "chart_bytes_max" in b
    assert any(k.startswith("page_rerun_p95_ms:") for k in b)
    for v in b.values():
        assert v["pass"] in (True, False, None)


def test_page_profile_explains_the_rerun(result: dict) -> None:
    """``benchmarks.profile_page`` replays filter changes on a page and times its calls."""
    cmd = [
        sys.executable, "-m", "benchmarks.profile_page", "--rows", str(ROWS), "--page", "routes",
        "--reruns", "2", "--json", "--out", result["_out"],
    ]  # fmt: skip
    p = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=180, check=False)
    assert p.returncode == 0, p.stderr[-2000:]
    res = json.loads(p.stdout.strip().splitlines()[-1])
    assert res["page"] == "routes" and res["reruns"] == 2 and res["mean_ms"] > 0
    names = {c["call"] for c in res["calls"]}
    # The Routes page draws its figures through these: they must be among the timed calls.
    assert {"charts.render_figure", "state.render_sidebar"} <= names
    assert 0 < res["explained_share"] <= 1.0


def test_budget_rules() -> None:
    """Issue 17's budgets: the rerun budget by size, and the cold start's two ways to pass."""
    from benchmarks.run import budgets, page_budget_ms

    assert page_budget_ms(100_000) == 120.0
    assert page_budget_ms(1_000_000) == 120.0
    assert page_budget_ms(3_000_000) == 135.0
    assert page_budget_ms(5_000_000) == 150.0
    # 3.4 s misses 3.0 s but is within 0.5 s of a 3.1 s bare app: passes.
    near = budgets({"cold_start": {"median_s": 3.4, "bare": {"median_s": 3.1}}}, 1_000_000)
    assert near["cold_start_s_median"]["pass"] is True
    far = budgets({"cold_start": {"median_s": 3.7, "bare": {"median_s": 3.1}}}, 1_000_000)
    assert far["cold_start_s_median"]["pass"] is False
    res = {
        "paint": {"pages": {"risk": {"p95_ms": 1200.0}, "overview": {"p95_ms": 800.0}}},
        "pack": {"seconds": {"pdf": 4.0, "pptx": 5.5}},
    }
    b = budgets(res, 1_000_000)
    assert b["paint_p95_ms:risk"]["pass"] is False and b["paint_p95_ms:overview"]["pass"] is True
    assert b["pack_s_max"]["value"] == 5.5 and b["pack_s_max"]["pass"] is False
