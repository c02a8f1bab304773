"""``python -m data``: the warehouse command line (init, load, sources, fetch, check)."""

from __future__ import annotations

import sys

from data.cli import main

if __name__ == "__main__":
    sys.exit(main())
