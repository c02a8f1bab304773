"""Write the alerts backtest's results into docs/alerts-backtest.md (between the ``backtest``
markers), from ``python -m analytics backtest`` on a warehouse loaded from ../shared/data.

Usage: ``python scripts/build_backtest_doc.py --db PATH``. ``tests/data/test_backtest_real.py``
fails until the document matches the backtest on the real files.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from data.db import connect_read_only  # noqa: E402
from services.backtest import format_backtest_markdown, run_backtest  # noqa: E402

DOC = REPO / "docs" / "alerts-backtest.md"
BLOCK = re.compile(r"(<!-- backtest:start -->\n).*?(\n<!-- backtest:end -->)", re.S)


def render(text: str, table: str) -> str:
    """``text`` with the backtest block replaced by ``table``."""
    if not BLOCK.search(text):
        raise SystemExit(f"{DOC}: no <!-- backtest:start --> ... <!-- backtest:end --> block")
    return BLOCK.sub(lambda m: m.group(1) + table + m.group(2), text)


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--db", required=True, help="warehouse loaded from ../shared/data")
    args = ap.parse_args()
    con = connect_read_only(args.db)
    try:
        out = run_backtest(con)
    finally:
        con.close()
    DOC.write_text(render(DOC.read_text(encoding="utf-8"), format_backtest_markdown(out)), "utf-8")
    print(f"runtime {out['runtime_seconds']} s")
