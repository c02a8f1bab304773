"""``python -m analytics``: risk tables, alerts and key messages (see :mod:`analytics.cli`)."""

from __future__ import annotations

import sys

from analytics.cli import main

if __name__ == "__main__":
    sys.exit(main())
