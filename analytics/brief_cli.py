"""``python -m analytics brief``: a briefing pack from the command line (no browser session).

::

    python -m analytics brief [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--region R] [--route ID]
        [--origin ISO3] [--cause C] [--min-quality N] [--vintage ID]
        --format pdf|pptx --out FILE [--date YYYY-MM-DD] [--quiet] [--db PATH]

The filters are those of the other ``python -m analytics`` subcommands (parsed and checked by
:mod:`analytics.cli`). A progress bar goes to stderr; the file is written atomically (a failed
build leaves no half-written file). For a scheduled weekly brief, pass ``--date`` to print the
brief's date; without it the pack shows the data's as-of date and is reproducible.

Wiring: :func:`add_brief_parser` has the registrar signature of :data:`analytics.cli.REGISTRARS`.
It imports :mod:`analytics.cli` only when called, so either module may import the other.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

BAR_WIDTH = 30


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad date {text!r}: expected YYYY-MM-DD") from None


def add_brief_parser(sub: Any, common: argparse.ArgumentParser | None = None) -> None:
    """Add the ``brief`` subcommand to ``sub`` (the result of ``add_subparsers``).

    Parameters
    ----------
    sub : argparse subparsers action
    common : ArgumentParser, optional
        The shared filter options (``analytics.cli._common()``); built here when omitted.
    """
    from analytics import cli

    parent = common if common is not None else cli._common()
    p = sub.add_parser(
        "brief",
        parents=[parent],
        help="a briefing pack (PDF or PowerPoint) for the filters",
        description="Build the Briefing page's pack for the filters, as PDF or PowerPoint.",
    )
    p.add_argument(
        "--format",
        dest="pack_format",
        choices=["pdf", "pptx"],
        help="file format (default: from the --out suffix)",
    )
    p.add_argument("--out", required=True, metavar="FILE", help="where to write the pack")
    p.add_argument(
        "--date",
        dest="generated_on",
        type=_iso_date,
        metavar="YYYY-MM-DD",
        help="date printed on the pack (default: the data's as-of date)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=run_brief)


def progress_printer(stream: TextIO, *, tty: bool | None = None) -> Callable[[float, str], None]:
    """A ``progress(fraction, message)`` drawing a bar on ``stream``.

    On a terminal the bar redraws in place; otherwise each step is one line (for logs).
    """
    is_tty = stream.isatty() if tty is None else tty
    last = {"pct": -1, "msg": ""}

    def show(fraction: float, message: str) -> None:
        frac = min(1.0, max(0.0, float(fraction)))
        pct = int(round(frac * 100))
        if pct == last["pct"] and message == last["msg"]:
            return
        last["pct"], last["msg"] = pct, message
        filled = int(round(frac * BAR_WIDTH))
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        line = f"[{bar}] {pct:3d}% {message}"
        if is_tty:
            stream.write("\r" + line[:100].ljust(100))
            if frac >= 1.0:
                stream.write("\n")
        else:
            stream.write(line + "\n")
        stream.flush()

    return show


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run_brief(args: argparse.Namespace) -> int:
    """Handler of ``brief``: build the pack and write it to ``--out``."""
    from analytics import cli

    out = Path(args.out).expanduser()
    fmt = args.pack_format or out.suffix.lower().lstrip(".")
    if fmt not in ("pdf", "pptx"):
        raise cli.CliError(f"cannot tell the format of {out.name!r}: pass --format pdf or pptx")
    if args.pack_format and out.suffix and out.suffix.lower().lstrip(".") != fmt:
        raise cli.CliError(f"--format {fmt} does not match the file name {out.name!r}")
    if getattr(args, "json", False):
        raise cli.CliError("--json does not apply to brief (it writes a file)")
    from analytics.briefing import build_pack
    from analytics.snapshots import SnapshotUnavailable

    con = cli._connect(args)
    try:
        f = cli._filters(con, args)
        show = None if args.quiet else progress_printer(sys.stderr)
        t0 = time.perf_counter()
        try:
            data = build_pack(con, f, fmt, show, generated_on=args.generated_on)
        except ValueError as exc:
            raise cli.CliError(str(exc)) from None
        except SnapshotUnavailable as exc:
            raise cli.CliError(str(exc)) from None
    finally:
        con.close()
    _write_atomically(out, data)
    if not args.quiet:
        print(
            f"wrote {out} ({len(data) / 1e6:.1f} MB, {fmt.upper()}) in {time.perf_counter() - t0:.1f} s",
            file=sys.stderr,
        )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``brief`` on its own (``python -m analytics.brief_cli ...``), as the CLI does."""
    from analytics import cli
    from data.db import WarehouseError

    parser = cli._Parser(prog="python -m analytics", description="RouteWatch briefing packs")
    parser.add_argument("--db", default=None, help="warehouse file (default: $ROUTEWATCH_DB)")
    sub = parser.add_subparsers(dest="cmd", required=True, parser_class=cli._Parser)
    add_brief_parser(sub)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else 2
    try:
        return int(args.handler(args))
    except (cli.CliError, WarehouseError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
