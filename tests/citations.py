"""Find internal source ids in what RouteWatch shows a reader.

Readers see a source as its publisher and vintage ("IOM Missing Migrants Project, vintage
2026-04-09"); the id (``mmp-20260409-9e0d10c6``, ``demo-frontex-20250301-4c74ea9e``,
``oc-index-...``) stays in ``--json``, the audit trail and the "Sources and caveats" provenance
(issue 16). :data:`SOURCE_ID` is built from the ingest's own kinds and id format
(:func:`data.ingest.load_bytes`), so a new kind of source is covered without editing it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from data.ingest import KINDS

#: ``[demo-]{kind}-{YYYYMMDD}-{8 hex}``, or ``[demo-]{kind}-{12 hex}`` for a source without a
#: vintage date.
SOURCE_ID = re.compile(
    r"\b(?:demo-)?(?:"
    + "|".join(re.escape(k) for k in sorted(KINDS, key=len, reverse=True))
    + r")-(?:\d{8}-[0-9a-f]{8}|[0-9a-f]{12})\b"
)


def ids_in(texts: Iterable[object]) -> list[str]:
    """Every text (shortened around the hit) that names a source id."""
    out = []
    for t in texts:
        s = str(t)
        m = SOURCE_ID.search(s)
        if m:
            out.append(s[max(0, m.start() - 60) : m.end() + 10])
    return out
