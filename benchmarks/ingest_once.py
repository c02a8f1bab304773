"""One timed ingest of an MMP-format CSV into a fresh warehouse, with CPU time per phase.

    PYTHONPATH=<tree> python -m benchmarks.ingest_once CSV [REPEAT] [TAG]

Prints one line per load: load average at the start, wall and CPU seconds (user + system, all
threads), rows/s, rows loaded and rejected, and each phase (from the ingest's progress calls)
as wall/CPU. Run it alternately from two source trees to compare them side by side on a
shared machine, where the CPU seconds are steadier than the wall time.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from data.ingest import load_file


def main(argv: list[str]) -> None:
    csv = Path(argv[0])
    reps = int(argv[1]) if len(argv) > 1 else 1
    tag = argv[2] if len(argv) > 2 else ""
    for _ in range(reps):
        with tempfile.TemporaryDirectory() as tmp:
            marks: list[tuple[float, os.times_result, str]] = []
            la = os.getloadavg()[0]
            c0, t0 = os.times(), time.perf_counter()
            s = load_file(
                csv,
                db=Path(tmp) / "w.duckdb",
                kind="mmp",
                progress=lambda _f, m, marks=marks: marks.append(
                    (time.perf_counter(), os.times(), m)
                ),
            )
            t1, c1 = time.perf_counter(), os.times()
            parts, pt, pc = [], t0, c0
            for t, c, m in marks:
                cpu = c.user + c.system - pc.user - pc.system
                parts.append(f"{m.split(' ')[0]}:{t - pt:.2f}w/{cpu:.2f}c")
                pt, pc = t, c
            cpu = c1.user + c1.system - c0.user - c0.system
            print(
                f"{tag} load1 {la:.2f} wall {t1 - t0:.2f} cpu {cpu:.2f} (user "
                f"{c1.user - c0.user:.2f} sys {c1.system - c0.system:.2f}) rows/s "
                f"{s.rows_read / (t1 - t0):,.0f} loaded {s.rows_loaded} rej {s.rows_rejected} | "
                + " ".join(parts),
                flush=True,
            )


if __name__ == "__main__":
    main(sys.argv[1:])
