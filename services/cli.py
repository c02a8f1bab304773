"""``python -m analytics``: risk tables, alerts and key messages from the command line.

Subcommands::

    python -m analytics risk --level route|origin|transit --from YYYY-MM-DD --to YYYY-MM-DD
        [--region R] [--route ID] [--origin ISO3] [--cause C] [--min-quality N] [--vintage ID]
        [--weight COMPONENT=W] [--scope europe|world] [--variant robust|raw] [--limit N]
        [--json] [--db PATH]
    python -m analytics alerts --as-of YYYY-MM [--months N] [--candidates] [--watch] [filters]
        [--json]
    python -m analytics backtest [--json] [--db PATH]
    python -m analytics messages [--n N] [filters] [--json]
    python -m analytics reconcile --route ID [filters] [--json]
    python -m analytics money [--route ID] [--from ...] [--to ...] [--persons detections|arrivals]
        [--share LOW-HIGH] [filters] [--json]
    python -m analytics plan [--origin ISO3 ...] [filters] [--json] [--format pdf|csv --out FILE]

Errors are one line on stderr and exit status 2, never a traceback.

Adding a subcommand is one function: write ``_register_<name>(sub, common)`` that adds its parser
with ``parents=[common]`` and ``set_defaults(handler=...)``, and list it in :data:`REGISTRARS`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any, NoReturn, TextIO

import pandas as pd

import i18n
from analytics.catalogue import NO_DATA, measure
from analytics.scores import (
    COMPONENTS,
    DEFAULT_ORIGIN_WEIGHTS,
    DEFAULT_SCOPE,
    DEFAULT_TRANSIT_WEIGHTS,
    DEFAULT_VARIANT,
    ORIGIN_COMPONENTS,
    SCOPES,
    TRANSIT_COMPONENTS,
    VARIANTS,
    describe_settings,
)
from data.filters import ISO3_RE, Filters
from i18n import DEFAULT_LANG, LANGS, N_, _, use_lang
from i18n.names import region_name, source_text

Handler = Callable[[argparse.Namespace], int]


class CliError(Exception):
    """A user error: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr (no usage dump)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message}\n")


# ---------------------------------------------------------------- argument types


def _iso_date(text: str) -> dt.date:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
            raise ValueError
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad date {text!r}: expected YYYY-MM-DD") from None


def _year_month(text: str) -> dt.date:
    t = text.strip()
    m = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", t)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise argparse.ArgumentTypeError(f"bad month {text!r}: expected YYYY-MM")
    try:
        d = dt.date.fromisoformat(t) if m.group(3) else dt.date(int(m.group(1)), int(m.group(2)), 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad month {text!r}: expected YYYY-MM") from None
    return dt.date(d.year, d.month, 1)


def _quality(text: str) -> int:
    if not text.strip().isdigit() or not 0 <= int(text) <= 5:
        raise argparse.ArgumentTypeError(f"bad minimum source quality {text!r}: expected 0-5")
    return int(text)


def _weight(text: str) -> tuple[str, float]:
    name, sep, value = text.partition("=")
    try:
        w = float(value)
    except ValueError:
        w = float("nan")
    if not sep or not name.strip() or not math.isfinite(w) or w < 0:
        raise argparse.ArgumentTypeError(
            f"bad weight {text!r}: expected COMPONENT=NUMBER, e.g. dead_and_missing=0.5"
        )
    return name.strip(), w


# ---------------------------------------------------------------- parser


def _common() -> argparse.ArgumentParser:
    c = _Parser(add_help=False)
    g = c.add_argument_group("filters")
    g.add_argument("--from", dest="date_from", type=_iso_date, metavar="YYYY-MM-DD")
    g.add_argument("--to", dest="date_to", type=_iso_date, metavar="YYYY-MM-DD")
    g.add_argument(
        "--region",
        action="append",
        default=[],
        help="UN region, UN subregion or IOM region of incident (repeatable)",
    )
    g.add_argument("--route", action="append", default=[], help="route id (repeatable)")
    g.add_argument("--origin", action="append", default=[], help="ISO-3 country (repeatable)")
    g.add_argument("--cause", action="append", default=[], help="IOM cause of death (repeatable)")
    g.add_argument("--min-quality", type=_quality, default=0, metavar="N")
    g.add_argument("--vintage", help="incident source_id (default: latest real vintage)")
    c.add_argument("--json", action="store_true", help="print JSON")
    c.add_argument("--db", default=argparse.SUPPRESS, help="warehouse file")
    c.add_argument(
        "--lang", choices=LANGS, default=argparse.SUPPRESS, help="language of the output (en, fr)"
    )
    return c


def _register_risk(sub: Any, common: argparse.ArgumentParser) -> None:
    s = sub.add_parser("risk", parents=[common], help="route, origin or transit risk table")
    s.add_argument("--level", choices=["route", "origin", "transit"], required=True)
    s.add_argument(
        "--weight",
        action="append",
        type=_weight,
        default=[],
        metavar="COMPONENT=W",
        help="score weight (repeatable; origin and transit only; others then weigh 0)",
    )
    s.add_argument(
        "--scope",
        choices=list(SCOPES),
        default=DEFAULT_SCOPE,
        help="routes towards Europe (default) or every route worldwide (no Frontex "
        "components); origin and transit only",
    )
    s.add_argument(
        "--variant",
        choices=list(VARIANTS),
        default=DEFAULT_VARIANT,
        help="robust (default: each incident capped, rates shrunk) or raw death components",
    )
    s.add_argument("--limit", type=int, default=0, help="rows to print (text output; 0 = all)")
    s.set_defaults(handler=_run_risk)


def _register_alerts(sub: Any, common: argparse.ArgumentParser) -> None:
    s = sub.add_parser("alerts", parents=[common], help="alerts for the latest months")
    s.add_argument("--as-of", type=_year_month, metavar="YYYY-MM", help="last month of the window")
    s.add_argument(
        "--months",
        type=int,
        default=None,
        help="window length, 1-12 (default: both the latest month and the latest quarter)",
    )
    s.add_argument(
        "--candidates", action="store_true", help="show every series checked, with its reason"
    )
    s.add_argument("--watch", action="store_true", help="--json: the alerts and the watch list")
    s.set_defaults(handler=_run_alerts)


def _register_backtest(sub: Any, common: argparse.ArgumentParser) -> None:
    s = sub.add_parser(
        "backtest",
        parents=[common],
        help="replay the alert rules month by month and match publisher-reported surges",
    )
    s.set_defaults(handler=_run_backtest)


def _run_backtest(args: argparse.Namespace) -> int:
    from services import report
    from services.backtest import run_backtest

    con = _connect(args)
    try:
        try:
            out = run_backtest(con)
        except ValueError as exc:
            raise CliError(str(exc)) from None
        names = report.display_names(con) if not args.json else {}
    finally:
        con.close()
    if args.json:
        _print_json(_clean_deep(out))
        return 0
    print(
        _("Backtest {start} to {end} on {vintage}").format(
            start=out["replayed"][0], end=out["replayed"][1], vintage=out["vintage"]
        )
    )
    tuned = _("the same") if out["tuned_rule_is_shipped"] else _rule_text(out["tuned_rule"])
    print(
        _("Dead-and-missing rule: {rule} (tuned on 2015-2019: {tuned})").format(
            rule=_rule_text(out["rule"]), tuned=tuned
        )
    )
    for r in out["summary"]:
        print(
            _(
                "{half}: {raised}/{surges} surges raised, median delay {delay} months; "
                "unmatched alerts per year: {dm} dead and missing, {inc} incidents"
            ).format(
                half=r["half"],
                raised=r["raised"],
                surges=r["scorable_surges"],
                delay=r["median_delay_months"],
                dm=_num(r["unmatched_dead_and_missing_per_year"], ".1f"),
                inc=_num(r["unmatched_incidents_per_year"], ".1f"),
            )
        )
    for r in out["surges"]:
        raised = (
            _("raised {month} ({delay} months)").format(
                month=r["first_alert"], delay=_num(r["delay_months"], "+.0f")
            )
            if r["raised"]
            else (
                _("not raised") if r["scorable"] else _("not scored: {note}").format(note=r["note"])
            )
        )
        # The surge as its publisher reported it (the ids stay in --json).
        surge = _("{publisher}, {measure}, {scope}, from {month}").format(
            publisher=source_text(r["publisher"]),
            measure=measure(str(r["measure"])).label,
            scope=names.get(str(r["scope"])) or region_name(str(r["scope"])),
            month=r["start_month"],
        )
        print("- " + _("{label}: {text}").format(label=surge, text=raised))
    print(_("Runtime {seconds} s").format(seconds=_num(out["runtime_seconds"], "g")))
    return 0


def _rule_text(rule: Mapping[str, Any]) -> str:
    """An alert rule's settings in words (``{"alpha": 0.05, ...}`` stays in ``--json``)."""
    return _(
        "significance level {alpha}, at least {dm} dead and missing in at least {inc} incidents"
    ).format(
        alpha=_num(rule["alpha"], "g")
        if i18n.get_lang() == DEFAULT_LANG
        else i18n.fmt_number(rule["alpha"], 2),
        dm=_num(rule["min_dead_and_missing"], ",.0f"),
        inc=_num(rule["min_incidents"], ",.0f"),
    )


def _register_messages(sub: Any, common: argparse.ArgumentParser) -> None:
    s = sub.add_parser("messages", parents=[common], help="the key messages for the filters")
    s.add_argument("--n", type=int, default=5, help="how many messages (default 5)")
    s.set_defaults(handler=_run_messages)


def _register_reconcile(sub: Any, common: argparse.ArgumentParser) -> None:
    s = sub.add_parser(
        "reconcile",
        parents=[common],
        help="one route's IOM, Frontex and UNHCR figures side by side, by month",
    )
    s.set_defaults(handler=_run_reconcile)


def _run_reconcile(args: argparse.Namespace) -> int:
    from analytics.reconcile import (
        COUNTS,
        RATIOS,
        STATUS_COLUMNS,
        divergence_rule_text,
        diverges_text,
    )
    from services.reconcile import as_records, reconcile

    if len(args.route) != 1:
        raise CliError(_("reconcile takes exactly one --route ID"))
    con = _connect(args)
    try:
        f = _filters(con, args)
        rec = reconcile(con, f.replace(routes=()), args.route[0])
        filters_text = _describe(con, f)
    finally:
        con.close()
    if args.json:
        out = as_records(rec)
        out["rule"] = divergence_rule_text()
        _print_json(out)
        return 0
    english = i18n.get_lang() == DEFAULT_LANG
    print(_("Reconciliation: {route}, {filters}").format(route=rec.name, filters=filters_text))
    for r in rec.sources.to_dict("records"):
        # The citation (publisher and vintage) in every language; the source ids: --json.
        print(
            "- "
            + _("{label}: {text}").format(label=r["source"], text=r["window"])
            + (f" ({r['citation']})" if _clean(r["citation"]) else "")
        )
    heads = [measure(mid).label.split(" (")[0] for mid, _kind in COUNTS]
    rows = [[_("month"), *heads, _("det./arrival"), _("diverges")]]
    for r in rec.months.to_dict("records"):
        cells = [f"{pd.Timestamp(r['month']):%Y-%m}"]
        for mid, kind in COUNTS:
            text = measure(mid).format(r[mid])
            if r[STATUS_COLUMNS[kind]] == "partial month":
                text += "*"
            cells.append(text)
        cells.append(measure("detections_per_arrival").format(r["detections_per_arrival"]))
        # The ratios flagged, by their catalogue label (the ids stay in --json).
        cells.append(diverges_text(r["diverges"]))
        rows.append(cells)
    print("\n".join(_table(rows, "<" + ">" * (len(COUNTS) + 1) + "<")))
    print(
        _(
            "* month partly covered by the source. 'no data': outside the source's window, not 0."
        ).replace("'no data'", repr(_(NO_DATA)) if not english else "'no data'")
    )
    meds = i18n.join_list(
        _("{label}: {text}").format(label=measure(k).label, text=measure(k).format(v))
        for k, v in rec.medians.items()
        if k in RATIOS
    )
    print(_("Route medians: {medians}.").format(medians=meds))
    print(divergence_rule_text())
    if rec.note:
        print(_("Note: {note}").format(note=rec.note))
    return 0


def _share(text: str) -> tuple[float, float]:
    lo, sep, hi = text.partition("-")
    try:
        a, b = float(lo), float(hi if sep else lo)
    except ValueError:
        a = b = float("nan")
    if not (0.0 <= a <= b <= 1.0):
        raise argparse.ArgumentTypeError(
            f"bad share {text!r}: expected LOW-HIGH between 0 and 1, e.g. 0.9-1.0"
        )
    return a, b


def _register_money(sub: Any, common: argparse.ArgumentParser) -> None:
    s = sub.add_parser(
        "money", parents=[common], help="smugglers' gross revenue by route and year (a range)"
    )
    s.add_argument(
        "--persons",
        choices=["detections", "arrivals"],
        default="detections",
        help="count Frontex detections (events, not persons; default) or UNHCR sea arrivals",
    )
    s.add_argument(
        "--share",
        type=_share,
        metavar="LOW-HIGH",
        help="share that used a smuggler for every route (default: the cited range per route)",
    )
    s.set_defaults(handler=_run_money)


def _register_plan(sub: Any, common: argparse.ArgumentParser) -> None:
    s = sub.add_parser(
        "plan",
        parents=[common],
        help="prevention planner: who, when, where and what to say, per country of origin",
        description="One card per --origin (default: the top origins by dead and missing "
        "under the filters): languages, nationalities on its routes, the campaign window "
        "before the peak month, transit countries with their risk, leading causes of death.",
    )
    s.add_argument(
        "--format",
        dest="plan_format",
        choices=["text", "json", "pdf", "csv"],
        help="pdf: one page for one --origin; csv: rows for every card (both need --out)",
    )
    s.add_argument("--out", metavar="FILE", help="where to write the pdf or csv")
    s.set_defaults(handler=_run_plan)


def _run_plan(args: argparse.Namespace) -> int:
    from analytics.planner import SECTION_TITLES, card_sections, card_summary, compute_plan_rows
    from services.planner import plan

    fmt = args.plan_format or ("json" if args.json else "text")
    out = Path(args.out).expanduser() if args.out else None
    if fmt in ("pdf", "csv") and out is None:
        raise CliError(_("--out FILE is needed for --format {fmt}").format(fmt=fmt))
    if fmt == "pdf" and len(args.origin) != 1:
        raise CliError(_("--format pdf writes one page for one country: pass exactly one --origin"))
    con = _connect(args)
    try:
        f = _filters(con, args)
        try:
            p = plan(con, f, f.origins)
        except ValueError as exc:
            raise CliError(str(exc)) from None
    finally:
        con.close()
    if fmt == "pdf":
        from export.planner import render_plan_pdf

        assert out is not None
        _write_atomically(out, render_plan_pdf(p.cards[0], filters=p.filters, is_demo=p.is_demo))
        print(_("wrote {file}").format(file=out), file=sys.stderr)
        return 0
    if fmt == "csv":
        from export.planner import plan_csv

        assert out is not None
        _write_atomically(out, plan_csv(p.cards))
        print(_("wrote {file}").format(file=out), file=sys.stderr)
        return 0
    if fmt == "json":
        _print_json(
            {
                "filters": p.filters,
                "period": p.period,
                "is_demo": p.is_demo,
                "cards": [
                    {
                        "iso3": c.iso3,
                        "name": c.name,
                        "summary": card_summary(c),
                        "sections": card_sections(c),
                        "campaign_window": list(c.window) if c.window else None,
                        "figures": [
                            {k: _clean(v) for k, v in r.items()}
                            for r in compute_plan_rows(c).to_dict("records")
                            if r["measure"]
                        ],
                        "sources": c.sources,
                    }
                    for c in p.cards
                ],
            }
        )
        return 0
    english = i18n.get_lang() == DEFAULT_LANG
    for c in p.cards:
        print(card_summary(c))
        for key, lines in card_sections(c).items():
            # English prints the section's key (as it always has), other languages its title.
            head = key if english else _(SECTION_TITLES.get(key, key))
            print(f"  {head}:")
            for line in lines:
                print(f"  - {line}")
        print()
    if p.is_demo:
        from export.pack import DEMO_WARNING

        print(_(DEMO_WARNING))
    return 0


REGISTRARS: tuple[Callable[[Any, argparse.ArgumentParser], None], ...] = (
    _register_risk,
    _register_alerts,
    _register_messages,
    _register_backtest,
    _register_reconcile,
    _register_money,
    _register_plan,
    lambda sub, common: add_brief_parser(sub, common),
)


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m analytics`` parser (one subparser per entry of :data:`REGISTRARS`)."""
    p = _Parser(prog="python -m analytics", description="RouteWatch risk analytics")
    p.add_argument("--db", default=None, help="warehouse file (default: $ROUTEWATCH_DB)")
    p.add_argument(
        "--lang", choices=LANGS, default=DEFAULT_LANG, help="language of the output (en, fr)"
    )
    sub = p.add_subparsers(dest="cmd", required=True, parser_class=_Parser)
    common = _common()
    for register in REGISTRARS:
        register(sub, common)
    return p


# ---------------------------------------------------------------- filters


def _filters(con: Any, args: argparse.Namespace) -> Filters:
    from data.queries import query_filter_options

    opts = query_filter_options(con)
    if args.date_from and args.date_to and args.date_from > args.date_to:
        raise CliError(
            _("--from {start} is after --to {end}").format(start=args.date_from, end=args.date_to)
        )
    unknown = [r for r in args.route if r not in opts["routes"]]
    if unknown:
        raise CliError(
            _("unknown route id {ids}; known: {known}").format(
                ids=", ".join(unknown), known=", ".join(sorted(opts["routes"]))
            )
        )
    bad = [o for o in args.origin if not ISO3_RE.match(o.upper())]
    if bad:
        raise CliError(
            _("bad origin {codes}: expected ISO-3 codes such as AFG").format(codes=", ".join(bad))
        )
    un_r, un_s, mmp = [], [], []
    for r in args.region:
        if r in opts["un_regions"]:
            un_r.append(r)
        elif r in opts["un_subregions"]:
            un_s.append(r)
        elif r in opts["mmp_regions"]:
            mmp.append(r)
        else:
            raise CliError(
                _("unknown region {region}; UN regions: {un}; IOM regions: {iom}").format(
                    region=repr(r),
                    un=", ".join(opts["un_regions"]),
                    iom=", ".join(opts["mmp_regions"]),
                )
            )
    bad_c = [c for c in args.cause if c not in opts["causes"]]
    if bad_c:
        raise CliError(
            _("unknown cause {cause}; known: {known}").format(
                cause=repr(bad_c[0]), known=i18n.join_list(opts["causes"])
            )
        )
    if args.vintage and args.vintage not in opts["vintage"]:
        raise CliError(
            _("unknown vintage {vintage}; loaded: {loaded}").format(
                vintage=repr(args.vintage), loaded=", ".join(opts["vintage"]) or _("none")
            )
        )
    return Filters(
        date_from=args.date_from,
        date_to=args.date_to,
        un_regions=tuple(un_r),
        un_subregions=tuple(un_s),
        mmp_regions=tuple(mmp),
        routes=tuple(dict.fromkeys(args.route)),
        origins=tuple(dict.fromkeys(o.upper() for o in args.origin)),
        causes=tuple(dict.fromkeys(args.cause)),
        min_source_quality=args.min_quality,
        vintage=args.vintage,
    )


# ---------------------------------------------------------------- output helpers


def _clean(value: Any) -> Any:
    """A JSON-safe scalar (NaN/NA -> null, numpy -> Python, dates -> ISO)."""
    if value is None:
        return None
    if isinstance(value, (dt.date, pd.Timestamp)):
        return value.isoformat()
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# Each route column with its catalogue measure (None: a count that explains another figure).
ROUTE_COMPONENTS: Mapping[str, str | None] = MappingProxyType(
    {
        "incidents": "incidents",
        "dead_and_missing": "dead_and_missing",
        "multi_route_incidents": None,
        "detections": "detections",
        "dead_and_missing_in_detection_months": None,
        "detections_in_incident_months": None,
        "deaths_per_1000_detections": "deaths_per_1000_detections",
    }
)
_HELPER_UNITS = {
    "multi_route_incidents": N_("incidents with several route labels (counted on each)"),
    "dead_and_missing_in_detection_months": N_(
        "persons dead or missing in the months both sources cover"
    ),
    "detections_in_incident_months": N_(
        "detections (events, not persons) in the months both sources cover"
    ),
}


def _route_component(key: str, value: Any) -> dict[str, Any]:
    mid = ROUTE_COMPONENTS[key]
    if mid is None:
        return {"value": _clean(value), "unit": _(_HELPER_UNITS[key])}
    m = measure(mid)
    return {"value": _clean(value), "unit": m.unit, "measure": m.id, "display": m.format(value)}


def _route_objects(df: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for r in df.to_dict("records"):
        out.append(
            {
                "id": r["route_id"],
                "name": r["name"],
                "level": "route",
                "components": {k: _route_component(k, r[k]) for k in ROUTE_COMPONENTS},
                "sources": {
                    "incidents": _clean(r["incident_source"]),
                    "detections": _clean(r["detection_source"]),
                },
                "vintages": {
                    "incidents": _clean(r["incident_vintage"]),
                    "detections": _clean(r["detection_vintage"]),
                },
                "lethality_period": _clean(r["lethality_period"]),
                "note": r["note"],
            }
        )
    return out


def _arrival_ratios(con: Any, f: Any, route_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Dead and missing per 1,000 sea arrivals for the routes with an arrivals series
    (:func:`services.unhcr.route_arrival_ratio`)."""
    from analytics.reconcile import ARRIVAL_ROUTES
    from services.unhcr import route_arrival_ratio

    out = {}
    for rid in dict.fromkeys(r for r in ARRIVAL_ROUTES.values() if r in route_ids):
        ratio = route_arrival_ratio(con, f, rid)
        if ratio is not None:
            out[rid] = ratio
    return out


def _arrival_object(ratio: dict[str, Any]) -> dict[str, Any]:
    m = measure("deaths_per_1000_sea_arrivals")
    value = _clean(ratio.get("deaths_per_1000_sea_arrivals"))
    return {
        "measure": m.id,
        "value": value,
        "display": m.format(value),
        "unit": m.unit,
        "arrival_country": ratio.get("arrival_country"),
        "dead_and_missing": _clean(ratio.get("dead_and_missing_in_arrival_months")),
        "arrivals": _clean(ratio.get("arrivals")),
        "window": [
            str(d) if d is not None else None for d in (ratio.get("arrival_window") or (None, None))
        ],
        "caveat": m.caveat,
    }


def _arrival_line(df: pd.DataFrame, rid: str, ratio: dict[str, Any], names: dict[str, str]) -> str:
    from services.unhcr import window_text

    m = measure("deaths_per_1000_sea_arrivals")
    d = measure("deaths_per_1000_detections")
    name = df.loc[df["route_id"] == rid, "name"]
    return _(
        "{route}: {value} {unit} to {country} (UNHCR, persons; {window}) beside {value_det} "
        "{unit_det} (Frontex, events). Different denominators: read side by side, never add them."
    ).format(
        route=name.iloc[0] if len(name) else rid,
        value=m.format(ratio.get("deaths_per_1000_sea_arrivals")),
        unit=m.unit,
        country=names.get(str(ratio.get("arrival_country")), ratio.get("arrival_country")),
        window=window_text(ratio.get("arrival_window")),
        value_det=d.format(ratio.get("deaths_per_1000_detections")),
        unit_det=d.unit,
    )


def _refugee_populations(con: Any, f: Any, iso3s: list[str]) -> dict[str, dict[str, Any]]:
    """Refugees and asylum-seekers originating from each country (UNHCR, persons), where a
    UNHCR population file is loaded (:func:`services.unhcr.refugee_population`)."""
    from services.unhcr import refugee_population

    m = measure("refugee_population_origin")
    out = {}
    for iso3 in iso3s:
        p = refugee_population(con, f, str(iso3))
        if p.get("source_id") is None:
            continue
        value = _clean(p.get("refugee_population_origin"))
        out[str(iso3)] = {
            "measure": m.id,
            "value": value,
            "display": m.format(value),
            "unit": m.unit,
            "year": p.get("year"),
            "provisional": bool(p.get("provisional")),
            "caveat": m.caveat,
        }
    return out


def _source_dates(con: Any) -> dict[str, str]:
    from data.queries import query_sources

    s = query_sources(con)
    return {
        str(r["source_id"]): pd.Timestamp(r["vintage"]).date().isoformat()
        for r in s.to_dict("records")
        if not pd.isna(r["vintage"])
    }


def _country_objects(
    df: pd.DataFrame,
    level: str,
    components: tuple[str, ...],
    source_ids: dict[str, Any],
    vintages: dict[str, Any],
) -> list[dict[str, Any]]:
    out = []
    for r in df.to_dict("records"):
        comps = {
            c: {
                "value": _clean(r.get(c)),
                "unit": COMPONENTS[c].unit,
                "scaled_0_100": _clean(r.get(f"c_{c}")),
                "points": _clean(r.get(f"contrib_{c}")),
                "source": COMPONENTS[c].source,
            }
            for c in components
        }
        out.append(
            {
                "id": r["iso3"],
                "name": r["name"],
                "level": level,
                "score": _clean(r["score"]),
                "rank": _clean(r["rank"]),
                "confidence": r["confidence"],
                "insufficient_data": bool(r["insufficient_data"]),
                "components": comps,
                "incidents": _clean(r.get("incidents")),
                "split_incidents": _clean(r.get("split_incidents")),
                "top_routes": r.get("top_routes") or "",
                "why": r.get("why", ""),
                "scope": r.get("scope"),
                "variant": r.get("variant"),
                "score_raw": _clean(r.get("score_raw")),
                "rank_raw": _clean(r.get("rank_raw")),
                "score_robust": _clean(r.get("score_robust")),
                "rank_robust": _clean(r.get("rank_robust")),
                "dead_and_missing_capped": _clean(r.get("dead_and_missing_capped")),
                "deaths_per_1000_detections_shrunk": _clean(
                    r.get("deaths_per_1000_detections_shrunk")
                ),
                "largest_incident_dead_and_missing": _clean(
                    r.get("largest_incident_dead_and_missing")
                ),
                "largest_incident_date": _clean(r.get("largest_incident_date")),
                "largest_incident_share": _clean(r.get("largest_incident_share")),
                "driven_by_one_incident": bool(r.get("driven_by_one_incident", False)),
                "flag": _("driven by one incident") if r.get("driven_by_one_incident") else "",
                "sources": source_ids,
                "sources_text": r.get("sources", ""),
                "vintages": vintages,
                "note": r.get("note", ""),
            }
        )
    return out


def _defaults(level: str) -> tuple[tuple[str, float], ...]:
    return DEFAULT_ORIGIN_WEIGHTS if level == "origin" else DEFAULT_TRANSIT_WEIGHTS


def _fmt(v: Any, spec: str = ",.0f") -> str:
    v = _clean(v)
    if v is None:
        return _(NO_DATA)
    if isinstance(v, (int, float)):
        return _num(v, spec)
    return str(v)


def _num(v: Any, spec: str) -> str:
    """``format(v, spec)`` in English (as it always was); :func:`i18n.fmt_number` with the
    same decimals and sign in other languages (``8 755``, ``0,5``)."""
    if i18n.get_lang() == DEFAULT_LANG or not isinstance(v, (int, float)):
        return format(v, spec)
    m = re.search(r"\.(\d+)[fg%]", spec)
    return i18n.fmt_number(v, int(m.group(1)) if m else 0, signed=spec.startswith("+"))


def _describe(con: Any, f: Filters) -> str:
    """The filters in words, with the names of routes, countries and vintages instead of
    their ids, in every language (:func:`services.report.display_names`)."""
    from services import report

    return f.describe(report.display_names(con))


def _table(rows: Sequence[Sequence[str]], align: str, gap: int = 2) -> list[str]:
    """``rows`` (the heading first) as lines of aligned columns, each as wide as the longest
    text it prints (the heading, "pas de données", ``48 189`` with its narrow no-break space)
    and ``gap`` spaces apart, so no two columns ever run together in any language. ``align``
    has one ``<`` or ``>`` per column; the last column is not padded."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(align))]
    out = []
    for r in rows:
        cells = [
            c if i == len(align) - 1 and a == "<" else f"{c:{a}{w}}"
            for i, (c, a, w) in enumerate(zip(r, align, widths, strict=True))
        ]
        out.append((" " * gap).join(cells).rstrip())
    return out


def _clean_deep(value: Any) -> Any:
    """:func:`_clean` through dicts and lists."""
    if isinstance(value, dict):
        return {str(k): _clean_deep(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean_deep(v) for v in value]
    return _clean(value)


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, indent=2, ensure_ascii=False, default=str))


# ---------------------------------------------------------------- handlers


def _run_risk(args: argparse.Namespace) -> int:
    from data.queries import resolve_vintages
    from services import report

    con = _connect(args)
    try:
        f = _filters(con, args)
        weights = tuple(args.weight) or None
        if args.level == "route":
            if weights:
                raise CliError(_("--weight applies to --level origin or transit only"))
            if args.scope != DEFAULT_SCOPE or args.variant != DEFAULT_VARIANT:
                raise CliError(_("--scope and --variant apply to --level origin or transit only"))
            df = report.route_risk(con, f)
            ratios = _arrival_ratios(con, f, df["route_id"].tolist())
            if args.json:
                objs = _route_objects(df)
                for o in objs:
                    if o["id"] in ratios:
                        o["sea_arrivals"] = _arrival_object(ratios[o["id"]])
                _print_json(objs)
                return 0
            print(_("Route risk, {filters}").format(filters=_describe(con, f)))
            h = [
                _("route"),
                _("incidents"),
                _("dead+missing"),
                _("detections"),
                _("per 1,000"),
            ]
            rows = [h] + [
                [
                    str(r["name"]),
                    _fmt(r["incidents"]),
                    _fmt(r["dead_and_missing"]),
                    _fmt(r["detections"]),
                    _fmt(r["deaths_per_1000_detections"], ".1f"),
                ]
                for r in df.to_dict("records")[: args.limit or None]
            ]
            print("\n".join(_table(rows, "<>>>>")))
            names = report.display_names(con) if ratios else {}
            for rid, ratio in ratios.items():
                print(_arrival_line(df, rid, ratio, names))
            if len(df) and df.iloc[0]["incident_source"] is None:
                print(_("No incident data is loaded."))
            elif len(df):
                first = df.iloc[0]
                det = (
                    df["detection_source"].dropna().iloc[0]
                    if df["detection_source"].notna().any()
                    else None
                )
                # The citations a reader sees (publisher and vintage, the one definition in
                # report.source_labels); the ids stay in --json.
                labels = report.source_labels(con)
                cited = [labels.get(str(s), str(s)) for s in (first["incident_source"], det) if s]
                print(
                    _("Sources: {sources}").format(sources=i18n.join_list(cited))
                    + ". "
                    + str(first["note"])
                )
            return 0
        comps = ORIGIN_COMPONENTS if args.level == "origin" else TRANSIT_COMPONENTS
        try:
            fn = report.origin_risk if args.level == "origin" else report.transit_risk
            df = fn(con, f, weights, scope=args.scope, variant=args.variant)
        except ValueError as exc:
            raise CliError(str(exc)) from None
        from export.pack import word

        v = resolve_vintages(con, f)
        dates = _source_dates(con)
        first = df.iloc[0] if len(df) else pd.Series(dtype=object)
        oc_src = _clean(first.get("oc_source"))
        source_ids = {"incidents": v.incidents, "detections": v.detections, "oc_index": oc_src}
        vintages = {
            "incidents": dates.get(v.incidents or ""),
            "detections": dates.get(v.detections or ""),
            "oc_index_edition": _clean(first.get("oc_edition")),
        }
        shown = df if args.json or not args.limit else df.head(args.limit)
        refugees = (
            _refugee_populations(con, f, shown["iso3"].tolist()) if args.level == "origin" else {}
        )
        if args.json:
            objs = _country_objects(df, args.level, comps, source_ids, vintages)
            for o in objs:
                if o["id"] in refugees:
                    o["refugee_population"] = refugees[o["id"]]
            _print_json(objs)
            return 0
        title = _(_RISK_TITLES[args.level]).format(filters=_describe(con, f))
        print(title)
        print(describe_settings(args.scope, args.variant, weights or _defaults(args.level)))
        other = "raw" if args.variant == "robust" else "robust"
        h = [
            _("rank"),
            _("country"),
            _("score"),
            _("confidence"),
            _("dead+missing"),
            _(_OTHER_RANK[other]),
            _("flag"),
        ]
        rows = [h]
        for r in df.to_dict("records")[: args.limit or None]:
            rank = _fmt(r["rank"], "d") if _clean(r["rank"]) is not None else "-"
            alt = r.get(f"rank_{other}")
            alt_txt = _fmt(alt, "d") if _clean(alt) is not None else "-"
            flag = _("driven by one incident") if r.get("driven_by_one_incident") else ""
            pop = refugees.get(str(r["iso3"]), {})
            if pop.get("value") is not None:
                flag = (flag + _(i18n.LIST_SEPARATOR) if flag else "") + _(
                    "UNHCR {year}: {n} refugees and asylum-seekers"
                ).format(year=pop["year"], n=pop["display"])
            rows.append(
                [
                    rank,
                    str(r["name"]),
                    _fmt(r["score"]),
                    word(r["confidence"]),
                    _fmt(r["dead_and_missing"]),
                    alt_txt,
                    flag,
                ]
            )
        print("\n".join(_table(rows, "><><>><")))
        if len(df):
            print(_("Sources: {sources}").format(sources=df.iloc[0]["sources"]))
            print(_("Note: {note}").format(note=df.iloc[0]["note"]))
        return 0
    finally:
        con.close()


_RISK_TITLES: Mapping[str, str] = {
    "origin": N_("Origin risk, {filters}"),
    "transit": N_("Transit risk, {filters}"),
}
_OTHER_RANK: Mapping[str, str] = {"raw": N_("raw rank"), "robust": N_("robust rank")}


def _run_alerts(args: argparse.Namespace) -> int:
    from services import report

    if args.months is not None and not 1 <= args.months <= 12:
        raise CliError(_("--months must be between 1 and 12"))
    con = _connect(args)
    try:
        f = _filters(con, args)
        if f.date_from or f.date_to:
            raise CliError(
                _("alerts set their own windows: use --as-of (and --months), not --from/--to")
            )
        try:
            cand = report.alert_candidates(con, f, args.as_of, args.months)
        except ValueError as exc:
            raise CliError(str(exc)) from None
        status = cand["status"] if "status" in cand else pd.Series(dtype=str)
        alerts = cand[status == "alert"]
        watch = cand[status == "watch"]
        if args.json:
            df = cand if args.candidates else (pd.concat([alerts, watch]) if args.watch else alerts)
            _print_json([{k: _clean(v) for k, v in r.items()} for r in df.to_dict("records")])
            return 0
        periods = (
            ", ".join(dict.fromkeys(str(x) for x in cand["period_label"]))
            if len(cand)
            else (
                _("the months to {month}").format(month=f"{args.as_of:%Y-%m}")
                if args.as_of
                else _("the latest months")
            )
        )
        n_series = len(cand.drop_duplicates(["level", "id"])) if len(cand) else 0
        print(
            _(
                "Alerts for {periods} ({filters}): {alerts} alerts, {watch} on watch, {n} series "
                "checked on incidents and on dead and missing."
            ).format(
                periods=periods,
                filters=_describe(con, f),
                alerts=len(alerts),
                watch=len(watch),
                n=n_series,
            )
        )
        if args.candidates:
            from export.pack import word

            for r in cand.to_dict("records"):
                # The series by its route or country name (the ids stay in --json).
                n = int(r["window_months"])
                series = _("{measure}, {window}, {level} {name}").format(
                    measure=measure(str(r["measure"])).label,
                    window=i18n.ngettext("{n} month", "{n} months", n).format(n=n),
                    level=word(r["level"]),
                    name=r["name"],
                )
                print(
                    _("[{status}] {series}: {sentence} {reason}").format(
                        status=word(r["status"]),
                        series=series,
                        sentence=r["sentence"],
                        reason=r["reason"],
                    )
                )
            return 0
        for r in alerts.to_dict("records"):
            print(f"- {r['sentence']}")
        if len(watch):
            print(_("On watch (beyond chance against one reference only, or a recent fall):"))
            for r in watch.to_dict("records"):
                print(f"- {r['sentence']}")
        return 0
    finally:
        con.close()


def _run_messages(args: argparse.Namespace) -> int:
    from services import report

    if args.n < 1:
        raise CliError(_("--n must be at least 1"))
    con = _connect(args)
    try:
        f = _filters(con, args)
        df = report.key_messages(con, f, n=args.n)
        if args.json:
            _print_json([{k: _clean(v) for k, v in r.items()} for r in df.to_dict("records")])
            return 0
        print(_("Key messages ({filters}):").format(filters=_describe(con, f)))
        for r in df.to_dict("records"):
            print(f"{r['rank']}. {r['sentence']}")
        return 0
    finally:
        con.close()


def _run_money(args: argparse.Namespace) -> int:
    from analytics.money import REVENUE_UNIT, ShareRange, format_fee, format_range
    from services import money

    con = _connect(args)
    try:
        f = _filters(con, args)
        share = ShareRange(*args.share) if args.share else None
        t = money.money_tables(con, f, persons=args.persons, share=share)
        m = measure("smuggling_revenue")
        if args.json:
            _print_json(
                {
                    "measure": m.id,
                    "unit": m.unit,
                    "persons": args.persons,
                    "share": _("cited per route") if share is None else [share.low, share.high],
                    "filters": _describe(con, f),
                    "source_ids": list(t.source_ids),
                    "notes": list(t.notes),
                    "caveat": m.caveat,
                    "rows": _clean_deep(t.revenue.to_dict("records")),
                    "legs": _clean_deep(t.legs.to_dict("records")),
                }
            )
            return 0
        print(
            _("{measure}, {unit} ({filters}; {persons})").format(
                measure=m.label,
                unit=_(REVENUE_UNIT),
                filters=_describe(con, f),
                persons=_(_PERSONS[args.persons]),
            )
        )
        ok = t.with_data
        if ok.empty:
            print(
                "  "
                + _("{no_data}: no route-year in scope has both a count and a cited fee").format(
                    no_data=_(NO_DATA)
                )
            )
        english = i18n.get_lang() == DEFAULT_LANG
        # Each fee row cited by its publisher and year (the fee ids stay in --json).
        cites = {
            str(x.fee_id): f"{x.publisher}, {x.publication_year}"
            for x in t.fees.itertuples(index=False)
        }

        def fee_cites(ids: object) -> str:
            return i18n.join_list(
                dict.fromkeys(cites.get(i, i) for i in str(ids or "").split(";") if i)
            )

        for r in ok.to_dict("records"):
            part = " " + _("({n} months)").format(n=int(r["months"])) if r["partial"] else ""
            lo = f"{r['share_low']:.0%}" if english else i18n.fmt_percent(100 * r["share_low"])
            hi = f"{r['share_high']:.0%}" if english else i18n.fmt_percent(100 * r["share_high"])
            print(
                "  "
                + _("{label}: {text}").format(
                    label=f"{r['name']} {int(r['year'])}{part}",
                    text=format_range(r["revenue_low_eur"], r["revenue_high_eur"]),
                )
                + " "
                + _("[{persons} x {low}-{high} x fee {fee}; {fee_ids}]").format(
                    persons=_fmt(r["persons"]),
                    low=lo,
                    high=hi,
                    fee=format_fee(r["fee_low_eur"], r["fee_high_eur"]),
                    fee_ids=fee_cites(r["fee_ids"]),
                )
            )
        missing = t.revenue[t.revenue["status"] != "ok"]
        if len(missing):
            print(
                "  "
                + _("no estimate for {n} route-years (--json lists them and why)").format(
                    n=len(missing)
                )
            )
        for note in (*t.notes, m.caveat):
            print(_("note: {note}").format(note=note))
        return 0

    finally:
        con.close()


_PERSONS: Mapping[str, str] = {
    "detections": N_("persons: detections"),
    "arrivals": N_("persons: arrivals"),
}


def _connect(args: argparse.Namespace) -> Any:
    from data.db import connect_read_only

    return connect_read_only(getattr(args, "db", None))


# ---------------------------------------------------------------- brief

BAR_WIDTH = 30


def add_brief_parser(sub: Any, common: argparse.ArgumentParser | None = None) -> None:
    """Add the ``brief`` subcommand to ``sub`` (the result of ``add_subparsers``).

    Parameters
    ----------
    sub : argparse subparsers action
    common : ArgumentParser, optional
        The shared filter options (``services._common()``); built here when omitted.
    """
    parent = common if common is not None else _common()
    p = sub.add_parser(
        "brief",
        parents=[parent],
        help="a briefing pack (PDF or PowerPoint) or its audit trail (JSON) for the filters",
        description="Build the Briefing page's pack for the filters, as PDF or PowerPoint, or "
        "its audit trail as JSON: every figure the pack shows with its measure id, value, unit, "
        "filters, period, sources, vintages and slide.",
    )
    p.add_argument(
        "--format",
        dest="pack_format",
        choices=["pdf", "pptx", "json"],
        help="file format (default: from the --out suffix)",
    )
    p.add_argument(
        "--out",
        metavar="FILE",
        help="where to write the pack (required for pdf and pptx; json goes to stdout without it)",
    )
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
    out = Path(args.out).expanduser() if args.out else None
    fmt = args.pack_format or (out.suffix.lower().lstrip(".") if out else "")
    if fmt not in ("pdf", "pptx", "json"):
        name = repr(out.name) if out else _("the output (no --out)")
        raise CliError(
            _("cannot tell the format of {name}: pass --format pdf, pptx or json").format(name=name)
        )
    if out and args.pack_format and out.suffix and out.suffix.lower().lstrip(".") != fmt:
        raise CliError(
            _("--format {fmt} does not match the file name {name}").format(
                fmt=fmt, name=repr(out.name)
            )
        )
    if out is None and fmt != "json":
        raise CliError(_("--out FILE is needed for --format {fmt}").format(fmt=fmt))
    from export.images import SnapshotUnavailable
    from services.pack import build_pack

    con = _connect(args)
    try:
        f = _filters(con, args)
        show = None if args.quiet else progress_printer(sys.stderr)
        t0 = time.perf_counter()
        try:
            data = build_pack(con, f, fmt, show, generated_on=args.generated_on)
        except ValueError as exc:
            raise CliError(str(exc)) from None
        except SnapshotUnavailable as exc:
            raise CliError(str(exc)) from None
    finally:
        con.close()
    if out is None:  # JSON to stdout (UTF-8 text)
        sys.stdout.write(data.decode("utf-8"))
        sys.stdout.flush()
        return 0
    _write_atomically(out, data)
    if not args.quiet:
        print(
            _("wrote {file} ({size} MB, {format}) in {seconds} s").format(
                file=out,
                size=_num(len(data) / 1e6, ".1f"),
                format=fmt.upper(),
                seconds=_num(time.perf_counter() - t0, ".1f"),
            ),
            file=sys.stderr,
        )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return the exit status (0 ok, 2 user error, 130 interrupted)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else 2
    handler: Handler = args.handler
    with use_lang(args.lang):
        return _run(handler, args)


def _run(handler: Handler, args: argparse.Namespace) -> int:
    from data.db import WarehouseError

    try:
        return handler(args)
    except (CliError, WarehouseError) as exc:
        print(_("error: {message}").format(message=exc), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(_("interrupted"), file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader (e.g. `head`) went away: stop quietly, without a traceback at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
