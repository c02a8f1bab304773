"""Reconciliation of one route's sources: the warehouse and the filters in, aligned tables out.

:func:`reconcile` reads, for one route and the period of the filters, the monthly IOM dead and
missing and incidents, the Frontex detections and the UNHCR sea arrivals that land from the
route (:data:`analytics.reconcile.ARRIVAL_ROUTES`), with each source's window, and hands them
to :func:`analytics.reconcile.compute_reconciliation`. The Reconcile sources page, the pack's
Reconciliation slide and ``python -m analytics reconcile`` all read this.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

import i18n
from analytics.catalogue import SOURCE_NAMES, measure
from analytics.measures import compute_rate
from analytics.reconcile import (
    ARRIVAL_ROUTES,
    COUNTS,
    RATIOS,
    STATUS_COLUMNS,
    Window,
    compute_reconciliation,
    select_arrival_series,
)
from data.filters import Filters, Vintages, as_date
from data.queries import (
    query_arrival_series,
    query_arrivals_monthly,
    query_routes,
    resolve_vintages,
)
from data.risk_queries import query_route_monthly
from i18n import _
from services import report

Con = duckdb.DuckDBPyConnection

#: The kinds of source reconciled, in the order they are shown.
KINDS = ("mmp", "frontex", "unhcr-arrivals")


@dataclass(frozen=True, eq=False)
class Reconciliation:
    """One route's sources side by side (see :func:`reconcile`).

    Attributes
    ----------
    route_id, name : str
    filters : Filters
        The filters it was computed for (the route is ``route_id`` whatever ``filters.routes``).
    months : DataFrame
        :func:`analytics.reconcile.compute_reconciliation`'s monthly table.
    divergence : DataFrame
        The flagged months, one row per month and ratio.
    medians : mapping
        Ratio id -> the route's median month (``None`` with too few months).
    sources : DataFrame
        One row per source kind: ``kind``, ``source`` (name), ``source_id`` (``None`` where
        silent), ``citation``, ``first`` and ``last`` (the window, dates or ``None``),
        ``window`` (text), ``measures`` (ids, ``"; "``), ``unit``, ``caveat``.
    overlap : mapping
        Over the whole months where all three sources cover: ``months``, ``first``, ``last``,
        the totals of each count and each ratio of the totals (``None`` where undefined).
    vintages : Vintages
    arrival_sources : tuple of str
        The arrivals series used (source ids).
    note : str
        What the filters do and do not restrict.
    """

    route_id: str
    name: str
    filters: Filters
    months: pd.DataFrame
    divergence: pd.DataFrame
    medians: Mapping[str, float | None]
    sources: pd.DataFrame
    overlap: Mapping[str, Any]
    vintages: Vintages
    arrival_sources: tuple[str, ...] = ()
    note: str = ""
    windows: Mapping[str, Window] = field(default_factory=dict)


def reconcile(
    con: Con, f: Filters, route_id: str, *, ref: report.Reference | None = None
) -> Reconciliation:
    """IOM, Frontex and UNHCR figures of one route, aligned by month, with their windows.

    Parameters
    ----------
    con : DuckDB connection
    f : Filters
        Period, origin, region, cause, quality and vintage filters (``f.routes`` is ignored:
        the route is ``route_id``).
    route_id : str
    ref : Reference, optional
        :func:`services.report.load_reference` of the same warehouse (skips re-reading).

    Raises
    ------
    ValueError
        If ``route_id`` is not a known route.
    """
    routes = ref.routes if ref is not None else query_routes(con)
    known = dict(zip(routes["route_id"], routes["name"], strict=True))
    if route_id not in known:
        raise ValueError(
            _("unknown route id {route}; known ids: {known}").format(
                route=repr(route_id), known=", ".join(sorted(known))
            )
        )
    row = routes.set_index("route_id").loc[route_id]
    fr = f.replace(routes=(route_id,))
    v = resolve_vintages(con, fr)
    cov = report.coverage(con, fr, ref=ref)
    labels = report.source_labels(con, ref=ref)

    windows: dict[str, Window] = {}
    iom = cov.get("mmp")
    if iom is None:
        windows["mmp"] = Window("mmp", None, None, _("no IOM vintage is loaded"))
    elif not bool(row["mmp"]):
        windows["mmp"] = Window("mmp", None, None, _("IOM records no incidents under this route"))
    else:
        windows["mmp"] = Window("mmp", iom.first, iom.last)
    fx = cov.get("frontex")
    if fx is None:
        windows["frontex"] = Window("frontex", None, None, _("no Frontex vintage is loaded"))
    elif not bool(row["frontex"]):
        windows["frontex"] = Window(
            "frontex", None, None, _("Frontex publishes no series for this route")
        )
    else:
        windows["frontex"] = Window("frontex", fx.first, fx.last)

    series = select_arrival_series(query_arrival_series(con), route_id, v.is_demo)
    if series.empty:
        mapped = sorted(c for c, r in ARRIVAL_ROUTES.items() if r == route_id)
        reason = (
            _("no UNHCR arrivals series for {countries} is loaded").format(
                countries=", ".join(report.display_names(con, ref=ref).get(c, c) for c in mapped)
            )
            if mapped
            else _("no UNHCR arrivals series lands from this route")
        )
        windows["unhcr-arrivals"] = Window("unhcr-arrivals", None, None, reason)
        arrivals = pd.DataFrame(columns=["month", "arrivals"])
    else:
        # Several countries (Italy and Malta): the route's window is where all of them report.
        first = max(series["first_date"])
        last = min(series["last_date"])
        windows["unhcr-arrivals"] = (
            Window("unhcr-arrivals", first, last)
            if first <= last
            else Window("unhcr-arrivals", None, None, _("the arrivals series do not overlap"))
        )
        parts = [
            query_arrivals_monthly(
                con, str(s.source_id), str(s.country_iso3), f.date_from, f.date_to
            )
            for s in series.itertuples(index=False)
        ]
        arrivals = pd.concat(parts, ignore_index=True)[["month", "arrivals"]]

    monthly = query_route_monthly(con, fr, route_id, v)
    incidents = monthly[["month", "incidents", "dead_and_missing"]]
    detections = monthly[["month", "detections"]].dropna()
    period = (f.date_from, f.date_to)
    table, divergence, medians = compute_reconciliation(
        incidents, detections, arrivals, windows, period
    )
    source_ids = {
        "mmp": v.incidents if windows["mmp"].first else None,
        "frontex": v.detections if windows["frontex"].first else None,
        "unhcr-arrivals": ", ".join(series["source_id"]) if len(series) else None,
    }
    return Reconciliation(
        route_id=route_id,
        name=i18n.route_name(str(known[route_id])),
        filters=f,
        months=table,
        divergence=divergence,
        medians=medians,
        sources=_sources_table(windows, source_ids, labels),
        overlap=compute_overlap(table),
        vintages=v,
        arrival_sources=tuple(str(s) for s in series["source_id"]),
        note=_scope_note(f),
        windows=windows,
    )


def _sources_table(
    windows: Mapping[str, Window], source_ids: Mapping[str, str | None], labels: Mapping[str, str]
) -> pd.DataFrame:
    rows = []
    for kind in KINDS:
        w = windows[kind]
        mids = [mid for mid, k in COUNTS if k == kind]
        ms = [measure(mid) for mid in mids]
        sid = source_ids.get(kind)
        english = i18n.get_lang() == i18n.DEFAULT_LANG
        window = (
            _("{start} to {end}").format(
                start=f"{w.first:%d %b %Y}" if english else i18n.fmt_date(w.first),
                end=f"{w.last:%d %b %Y}" if english else i18n.fmt_date(w.last),
            )
            if w.first is not None and w.last is not None
            else _("no data: {reason}").format(reason=w.reason)
        )
        rows.append(
            {
                "kind": kind,
                "source": _(SOURCE_NAMES[kind]),
                "source_id": sid,
                "citation": i18n.join_list(labels.get(s.strip(), s.strip()) for s in sid.split(","))
                if sid
                else "",
                "first": w.first,
                "last": w.last,
                "window": window,
                "measures": "; ".join(mids),
                "unit": i18n.join_list(
                    dict.fromkeys(
                        _("{label}: {text}").format(label=m.label, text=m.unit) for m in ms
                    )
                ),
                "caveat": " ".join(dict.fromkeys(m.caveat for m in ms)),
            }
        )
    # Object columns: a silent source keeps None (not NaN) for its id and window.
    return pd.DataFrame(rows, dtype=object)


def compute_overlap(table: pd.DataFrame) -> dict[str, Any]:
    """Totals and ratios over the whole months where all three sources cover."""
    whole = pd.Series(True, index=table.index)
    for col in STATUS_COLUMNS.values():
        whole &= table[col].isin(["data", "none recorded"]) if col in table else False
    sub = table[whole]
    out: dict[str, Any] = {
        "months": len(sub),
        "first": sub["month"].min() if len(sub) else None,
        "last": sub["month"].max() if len(sub) else None,
    }
    for mid, _kind in COUNTS:
        out[mid] = float(sub[mid].sum()) if len(sub) else None
    for rid, (num, den, scale, _unit) in RATIOS.items():
        if not len(sub):
            out[rid] = None
            continue
        r = compute_rate(pd.Series([out[num]]), pd.Series([out[den]]), scale, 1.0).iloc[0]
        out[rid] = None if pd.isna(r) else float(r)
    return out


def _scope_note(f: Filters) -> str:
    notes = []
    if f.origins:
        notes.append(
            _(
                "The origin filter restricts IOM (country of origin) and Frontex (nationality), "
                "not UNHCR arrivals, which this series does not break down: ratios to arrivals "
                "compare a part with a whole."
            )
        )
    if f.un_regions or f.un_subregions or f.mmp_regions or f.causes or f.min_source_quality:
        notes.append(
            _(
                "Region, cause and source-quality filters restrict IOM's dead and missing and "
                "incidents only, not detections or arrivals."
            )
        )
    return " ".join(notes)


def reconcile_routes(con: Con, f: Filters, *, ref: report.Reference | None = None) -> list[str]:
    """The routes a pack reconciles: the filtered ones (at most two), else the deadliest."""
    if f.routes:
        return list(f.routes[:2])
    rr = report.route_risk(con, f, ref=ref)
    rr = rr[rr["route_id"] != "unclassified"].sort_values("dead_and_missing", ascending=False)
    return [str(rr.iloc[0]["route_id"])] if len(rr) else []


def month_key(d: object) -> str:
    """``"2023-04"`` for a date-like value."""
    day = as_date(d)
    return f"{day:%Y-%m}" if day else ""


def as_records(rec: Reconciliation) -> dict[str, Any]:
    """The reconciliation as plain JSON-ready values (the command's ``--json``)."""

    def num(x: Any) -> Any:
        return None if x is None or pd.isna(x) else float(x)

    months = []
    for r in rec.months.to_dict("records"):
        item: dict[str, Any] = {"month": month_key(r["month"])}
        for mid, kind in COUNTS:
            m = measure(mid)
            item[mid] = {
                "value": num(r[mid]),
                "display": m.format(r[mid]),
                "status": r[STATUS_COLUMNS[kind]],
            }
        for rid in RATIOS:
            item[rid] = num(r[rid])
        item["silent"] = [s for s in str(r["silent"]).split("; ") if s]
        item["diverges"] = [s for s in str(r["diverges"]).split("; ") if s]
        months.append(item)
    units = {mid: measure(mid).unit for mid, _kind in COUNTS} | {
        rid: measure(rid).unit for rid in RATIOS
    }
    return {
        "route": {"id": rec.route_id, "name": rec.name},
        "filters": rec.filters.describe(),
        "units": units,
        "sources": [
            {
                "kind": s["kind"],
                "source": s["source"],
                "source_id": s["source_id"],
                "citation": s["citation"],
                "first": s["first"].isoformat() if isinstance(s["first"], dt.date) else None,
                "last": s["last"].isoformat() if isinstance(s["last"], dt.date) else None,
                "window": s["window"],
                "measures": s["measures"].split("; "),
                "caveat": s["caveat"],
            }
            for s in rec.sources.to_dict("records")
        ],
        "medians": {k: num(x) for k, x in rec.medians.items()},
        "overlap": {
            k: (
                (month_key(x) or None) if k in ("first", "last") else num(x) if k != "months" else x
            )
            for k, x in rec.overlap.items()
        },
        "months": months,
        "divergence": [
            {
                "month": month_key(r["month"]),
                "measure": r["measure"],
                "value": num(r["value"]),
                "median": num(r["median"]),
                "times_median": num(r["times_median"]),
            }
            for r in rec.divergence.to_dict("records")
        ],
        "note": rec.note,
    }
