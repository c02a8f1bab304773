"""The warehouse command line. Errors are one line on stderr and a non-zero exit, no traceback."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence

import duckdb
import pandas as pd

from data.db import WarehouseError, connect_read_only, db_path, table_fingerprints
from data.readers import IngestError
from i18n import DEFAULT_LANG, LANGS, N_, _, fmt_number, use_lang

#: Where a vintage came from, as the ingest records it (``data.ingest``), for the catalogue;
#: a reason not listed prints as the ingest wrote it.
VINTAGE_FROM: tuple[str, ...] = (
    N_("given vintage"),
    N_("file name"),
    N_("latest plausible date"),
    N_("latest plausible date (the file is partial)"),
    N_("edition"),
    N_("latest year"),
)


class ProgressBar:
    """A small text progress bar on stderr (only drawn on a terminal or when forced)."""

    def __init__(self, label: str, enabled: bool | None = None) -> None:
        self.label = label
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.t0 = time.perf_counter()

    def __call__(self, fraction: float, message: str) -> None:
        if not self.enabled:
            return
        width = 30
        done = int(width * max(0.0, min(1.0, fraction)))
        bar = "#" * done + "-" * (width - done)
        elapsed = time.perf_counter() - self.t0
        sys.stderr.write(f"\r{self.label} [{bar}] {fraction:4.0%} {message:<28} {elapsed:5.1f}s")
        if fraction >= 1.0:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m data", description="RouteWatch warehouse")
    p.add_argument(
        "--db", help="warehouse file (default: $ROUTEWATCH_DB or data/routewatch.duckdb)"
    )
    p.add_argument(
        "--lang",
        choices=LANGS,
        default=DEFAULT_LANG,
        help="language of the messages (en, fr); ingest summaries and errors stay in English",
    )
    sub = p.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("init", help="create the warehouse and its reference tables")
    s.add_argument(
        "--demo-if-empty",
        action="store_true",
        help="load the synthetic demo dataset when no incident data is loaded",
    )

    s = sub.add_parser("load", help="load a source file (CSV or XLSX)")
    s.add_argument("paths", nargs="+", metavar="PATH")
    s.add_argument(
        "--kind",
        choices=["mmp", "frontex", "unhcr-population", "unhcr-arrivals", "oc-index"],
        help="source kind (detected from the header when omitted)",
    )
    s.add_argument("--edition", type=int, help="OC Index edition year, if not in the file name")
    s.add_argument(
        "--sheet",
        help="XLSX sheet to load (default: a GI-TOC workbook's newest NNNN_dataset sheet, "
        "else the first sheet)",
    )
    s.add_argument("--json", action="store_true", help="print the summary as JSON")
    s.add_argument("--wait", type=float, default=0.0, help="seconds to wait for another ingest")
    s.add_argument(
        "--accept-partial",
        action="store_true",
        help="load a file that looks cut off (its complete rows; the vintage is marked partial)",
    )
    s.add_argument(
        "--vintage",
        metavar="YYYY-MM-DD",
        help="the file's vintage from its metadata (default: the date in the file name, else "
        "the latest plausible date in the data)",
    )

    s = sub.add_parser("sources", help="list every loaded source and vintage")
    s.add_argument("--json", action="store_true")

    s = sub.add_parser("demo", help="(re)build the synthetic demo dataset")

    s = sub.add_parser("fetch", help="download the publishers' current files, then load them")
    s.add_argument("--mirror", help="base URL of an internal mirror (for offline networks)")
    s.add_argument("--dest", default=None, help="folder for downloaded files")
    s.add_argument("--timeout", type=float, default=20.0)
    s.add_argument("--retries", type=int, default=3)
    s.add_argument("--no-load", action="store_true", help="download only")

    sub.add_parser("check", help="print row counts and checksums of every table")
    return p


def _cmd_load(args: argparse.Namespace) -> int:
    from data.ingest import load_file

    status = 0
    results = []
    for path in args.paths:
        bar = ProgressBar(str(path)[-40:])
        try:
            summary = load_file(
                path,
                kind=args.kind,
                db=args.db,
                edition=args.edition,
                sheet=args.sheet,
                progress=bar,
                wait_s=args.wait,
                accept_partial=getattr(args, "accept_partial", False),
                vintage=getattr(args, "vintage", None),
            )
        except (IngestError, WarehouseError) as exc:
            print(_("error: {message}").format(message=exc), file=sys.stderr)
            status = 2
            continue
        except (OSError, duckdb.Error) as exc:
            print(_("error: {path}: {cause}").format(path=path, cause=_fault(exc)), file=sys.stderr)
            status = 2
            continue
        results.append(summary.as_dict())
        if not args.json:
            print("\n".join(summary.lines()))
    if args.json:
        print(json.dumps(results, indent=2, default=str))
    return status


def _cmd_sources(args: argparse.Namespace) -> int:
    from data.queries import query_sources

    con = connect_read_only(args.db)
    try:
        df = query_sources(con)
    finally:
        con.close()
    if args.json:
        print(df.to_json(orient="records", date_format="iso", indent=2))
        return 0
    if df.empty:
        print(_("No sources loaded."))
        return 0
    for r in df.to_dict("records"):
        demo = _(" [SYNTHETIC DEMO]") if r["is_demo"] else ""
        partial = (
            _(" [PARTIAL: {reason}]").format(reason=r.get("partial_reason"))
            if r.get("partial")
            else ""
        )
        vfrom = (
            _(" (from the {what})").format(what=_(r["vintage_from"]))
            if r.get("vintage_from")
            else ""
        )
        vintage = (
            _("vintage none")
            if pd.isna(r["vintage"])
            else _("vintage {name}").format(name=pd.Timestamp(r["vintage"]).date())
        )
        print(
            _(
                "{source_id}{demo}{partial}\n  {publisher}: {title}\n"
                "  licence: {licence}\n  origin: {origin}  sha256: {sha}...\n"
                "  {vintage}{partial_mark}{vfrom}, ingested {ingested_at}; "
                "rows read {read}, loaded {loaded}, rejected {rejected}, flagged {flagged}"
            ).format(
                source_id=r["source_id"],
                demo=demo,
                partial=partial,
                publisher=r["publisher"],
                title=r["title"],
                licence=r["licence"],
                origin=r["origin"],
                sha=r["sha256"][:16],
                vintage=vintage,
                partial_mark=_(" (partial)") if partial else "",
                vfrom=vfrom,
                ingested_at=r["ingested_at"],
                read=fmt_number(r["rows_read"]),
                loaded=fmt_number(r["rows_loaded"]),
                rejected=fmt_number(r["rows_rejected"]),
                flagged=fmt_number(r["rows_flagged"]),
            )
        )
    return 0


def _cmd_init(args: argparse.Namespace) -> int:
    from data.ingest import build_rollups, init_warehouse

    p = db_path(args.db)
    if not p.exists():
        init_warehouse(args.db)
        print(_("Created warehouse {path}").format(path=p))
    built = build_rollups(args.db)
    if built:
        print(
            _("Wrote the monthly rollup of {n} incident vintage(s): {ids}").format(
                n=len(built), ids=", ".join(built)
            )
        )
    if args.demo_if_empty:
        con = connect_read_only(args.db)
        try:
            row = con.execute("SELECT count(*) FROM sources WHERE kind = 'mmp'").fetchone()
        finally:
            con.close()
        if not row or row[0] == 0:
            return _cmd_demo(args)
        print(
            _("Warehouse {path} already holds incident data; demo data not needed.").format(path=p)
        )
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from data.demo import load_demo

    bar = ProgressBar("demo data")
    for s in load_demo(db=args.db, progress=bar):
        print("\n".join(s.lines()))
    return 0


def _cmd_fetch(args: argparse.Namespace) -> int:
    from data.fetch import FetchError, fetch_all

    try:
        dest = args.dest or db_path(args.db).parent / "downloads"
        paths = fetch_all(mirror=args.mirror, dest=dest, timeout=args.timeout, retries=args.retries)
    except FetchError as exc:
        print(_("error: {message}").format(message=exc), file=sys.stderr)
        return 2
    if args.no_load:
        for p in paths:
            print(p)
        return 0
    args.paths = [str(p) for p in paths]
    args.kind = None
    args.edition = None
    args.json = False
    args.wait = 30.0
    return _cmd_load(args)


def _cmd_check(args: argparse.Namespace) -> int:
    con = connect_read_only(args.db)
    try:
        for name, (n, h) in table_fingerprints(con).items():
            print(f"{name:<22} {fmt_number(n):>10}  {h}")
    finally:
        con.close()
    return 0


def _fault(exc: BaseException) -> str:
    """The cause of a system or database fault, on one line."""
    if isinstance(exc, OSError) and exc.errno is not None:
        return os.strerror(exc.errno)
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:300]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code."""
    args = _parser().parse_args(argv)
    handlers = {
        "load": _cmd_load,
        "sources": _cmd_sources,
        "init": _cmd_init,
        "demo": _cmd_demo,
        "fetch": _cmd_fetch,
        "check": _cmd_check,
    }
    with use_lang(args.lang):
        return _run(handlers[args.cmd], args)


def _run(handler: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    try:
        return handler(args)
    except (IngestError, WarehouseError) as exc:
        print(_("error: {message}").format(message=exc), file=sys.stderr)
        return 2
    except duckdb.Error as exc:
        # A warehouse from another version of RouteWatch, or a file locked by another program.
        print(
            _("error: the warehouse could not be read or written: {cause} ({path})").format(
                cause=_fault(exc), path=db_path(args.db)
            ),
            file=sys.stderr,
        )
        return 2
    except OSError as exc:  # a full disk, a permission: one line naming the file and the cause
        where = exc.filename or db_path(args.db)
        print(_("error: {path}: {cause}").format(path=where, cause=_fault(exc)), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(_("interrupted; the warehouse is unchanged"), file=sys.stderr)
        return 130
