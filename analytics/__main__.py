"""``python -m analytics``: the analytics commands (risk, alerts, messages, brief).

The commands read the warehouse, so they live in :mod:`services.cli`; this entry point only
keeps the documented command name working."""

from services.cli import main

raise SystemExit(main())
