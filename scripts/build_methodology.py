"""Write the catalogue of measures into docs/methodology.md (between the ``measures`` markers).

Run after changing :mod:`analytics.catalogue`; ``tests/unit/test_catalogue.py`` fails until the
document matches the catalogue.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from analytics.catalogue import markdown_table  # noqa: E402

DOC = REPO / "docs" / "methodology.md"
BLOCK = re.compile(r"(<!-- measures:start -->\n).*?(\n<!-- measures:end -->)", re.S)


def render(text: str) -> str:
    """``text`` with the measures block replaced by the catalogue's table."""
    if not BLOCK.search(text):
        raise SystemExit(f"{DOC}: no <!-- measures:start --> ... <!-- measures:end --> block")
    return BLOCK.sub(lambda m: m.group(1) + markdown_table() + m.group(2), text)


if __name__ == "__main__":
    DOC.write_text(render(DOC.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote the measures table into {DOC.relative_to(REPO)}")
