"""Where one page's rerun time goes: ``python -m benchmarks.profile_page --rows N --page P``.

Runs ``app.py`` under Streamlit's AppTest on the benchmark warehouse of N incidents
(:mod:`benchmarks.generate`, built if missing), switches to page P and replays the benchmark's
filter changes (:func:`benchmarks.run.scenarios`), emptying the filter-keyed caches before each
run as a filter change does. Every public function of ``ui.cache``, ``ui.render``,
``ui.snapshots``, ``ui.state`` and ``analytics.figures`` that the page script calls directly is
timed (the outermost call only, so nothing is counted twice); the table gives milliseconds per
rerun, calls per rerun, and the share of the mean rerun that those calls explain.

Use it with ``py-spy`` or ``pyinstrument`` for what happens inside a slow call. The numbers
include the timers' own cost (well under 1 ms per rerun).
"""

from __future__ import annotations

import argparse
import collections
import functools
import inspect
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import generate
from benchmarks import run as bench

REPO = Path(__file__).resolve().parents[1]
MODULES = ("ui.cache", "ui.render", "ui.charts", "ui.snapshots", "ui.state", "analytics.figures")


class CallTimer:
    """Wraps module functions; counts only the outermost timed call on the stack."""

    def __init__(self) -> None:
        self.seconds: collections.Counter[str] = collections.Counter()
        self.calls: collections.Counter[str] = collections.Counter()
        self.on = False
        self._depth = 0

    def wrap(self, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def timed(*args: Any, **kwargs: Any) -> Any:
            if not self.on or self._depth:
                return fn(*args, **kwargs)
            self._depth += 1
            t = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self._depth -= 1
                self.seconds[label] += time.perf_counter() - t
                self.calls[label] += 1

        return timed

    def install(self, module_names: tuple[str, ...] = MODULES) -> None:
        import importlib

        for name in module_names:
            mod = importlib.import_module(name)
            short = name.rsplit(".", 1)[-1]
            for attr, fn in list(vars(mod).items()):
                if inspect.isfunction(fn) and fn.__module__ == name and not attr.startswith("_"):
                    setattr(mod, attr, self.wrap(f"{short}.{attr}", fn))


def profile(db: Path, page: str, count: int, timeout_s: float = 120.0) -> dict[str, Any]:
    """Mean rerun and per-call milliseconds of ``page`` over ``count`` filter changes."""
    os.environ["ROUTEWATCH_DB"] = str(db)
    bench._quiet_streamlit()
    from streamlit.testing.v1 import AppTest  # noqa: TID251 - the benchmark drives the app like tests do

    from benchmarks.pages import PAGE_FILES, forget_filtered

    bench._navigation_as_served()
    timer = CallTimer()
    timer.install()
    lo, hi = bench._span(db)
    scen = bench.scenarios(lo, hi, count)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=timeout_s)
    at.run()
    at.switch_page(PAGE_FILES[page])
    at.run()
    runs: list[float] = []
    for label, f in scen:
        period = label.split(" ", 1)[0]
        at.selectbox(key="flt_period").set_value(period)
        at.multiselect(key="flt_routes").set_value(list(f.routes))
        at.multiselect(key="flt_causes").set_value(list(f.causes))
        at.multiselect(key="flt_origins").set_value(list(f.origins))
        at.select_slider(key="flt_quality").set_value(int(f.min_source_quality))
        forget_filtered()
        timer.on = True
        t = time.perf_counter()
        at.run()
        runs.append(time.perf_counter() - t)
        timer.on = False
        if at.exception:
            raise RuntimeError(f"{label}: {at.exception[0].value[:200]}")
    n = len(runs)
    calls = [
        {"call": k, "ms_per_rerun": round(v / n * 1000, 1), "calls_per_rerun": timer.calls[k] / n}
        for k, v in timer.seconds.most_common()
    ]
    mean = sum(runs) / n
    return {
        "page": page,
        "reruns": n,
        "mean_ms": round(mean * 1000, 1),
        "median_ms": round(sorted(runs)[n // 2] * 1000, 1),
        "explained_share": round(sum(timer.seconds.values()) / sum(runs), 3),
        "calls": calls,
    }


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point: prints a table (or JSON with ``--json``)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--page", choices=bench.PAGE_NAMES, default="overview")
    ap.add_argument("--reruns", type=int, default=14, help="filter changes to replay")
    ap.add_argument("--seed", type=int, default=generate.DEFAULT_SEED)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--out", help="cache folder for generated data (default benchmarks/out)")
    a = ap.parse_args(argv)
    db, _ = generate.ensure_warehouse(a.rows, a.seed, Path(a.out) if a.out else None)
    res = profile(db, a.page, a.reruns)
    if a.json:
        import json

        print(json.dumps(res))
        return
    print(
        f"{res['page']} at {a.rows:,} incidents: mean rerun {res['mean_ms']} ms, median "
        f"{res['median_ms']} ms over {res['reruns']} filter changes; the calls below explain "
        f"{res['explained_share']:.0%} of it"
    )
    print(f"{'ms/rerun':>9}  {'calls':>5}  call")
    for c in res["calls"][:25]:
        print(f"{c['ms_per_rerun']:9.1f}  {c['calls_per_rerun']:5.1f}  {c['call']}")


if __name__ == "__main__":
    sys.exit(main())
