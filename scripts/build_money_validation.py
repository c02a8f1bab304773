"""Write the validation table of docs/money.md (between the ``money-validation`` markers).

The product's revenue range (Frontex detections x cited share x the shipped fee table) beside
each published estimate for the same routes and year, with the ratio. It runs on the real
Frontex file in ``../shared/data`` (override with ``ROUTEWATCH_SHARED_DATA``), loaded into a
temporary warehouse with :func:`data.ingest.load_file`; nothing from the file is copied into
the repository except the aggregate ranges in the table. ``tests/data/test_money_real.py``
fails when the document no longer matches.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from analytics.money import validation_markdown  # noqa: E402
from data.money import read_published_estimates  # noqa: E402

DOC = REPO / "docs" / "money.md"
SHARED = Path(os.environ.get("ROUTEWATCH_SHARED_DATA", REPO.parent / "shared" / "data"))
FRONTEX = "frontex/frontex_ibc_detections_monthly_2009-2025.csv"
BLOCK = re.compile(
    r"(<!-- money-validation:start -->\n)(?:.*?\n)?(<!-- money-validation:end -->)", re.S
)


def table(db: Path) -> str:
    """The validation table computed on the warehouse ``db``."""
    from data.db import connect_read_only
    from services.money import validation_table

    con = connect_read_only(db)
    try:
        return validation_markdown(validation_table(con), read_published_estimates())
    finally:
        con.close()


def render(text: str, markdown: str) -> str:
    """``text`` with the validation block replaced by ``markdown``."""
    if not BLOCK.search(text):
        raise SystemExit(f"{DOC}: no <!-- money-validation:start --> ... :end --> block")
    return BLOCK.sub(lambda m: m.group(1) + markdown + "\n" + m.group(2), text)


if __name__ == "__main__":
    from data.ingest import load_file

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "money.duckdb"
        load_file(SHARED / FRONTEX, db=db)
        md = table(db)
    DOC.write_text(render(DOC.read_text(encoding="utf-8"), md), encoding="utf-8")
    print(f"wrote the validation table into {DOC.relative_to(REPO)}")
