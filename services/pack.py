"""The briefing pack's content: the warehouse and the filters in, a :class:`~export.pack.Pack` out.

:func:`build_pack` is the one entry point (used by the Briefing page and by
``python -m analytics brief``). :func:`collect_pack` reads every table the slides need through
the other services, and hands them to the slide builders and renderers of :mod:`export.pack`.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import duckdb
import pandas as pd
import plotly.graph_objects as go

import i18n
from analytics import figures as fg
from analytics.catalogue import measure
from analytics.reconcile import AGREEMENT_FACTOR, month_end
from analytics.scores import describe_settings, scope_for
from data import queries as q
from data.filters import Filters, as_date, filters_to_query
from export import images as sn
from export.charts import chart_specs
from export.pack import (
    DEMO_WARNING,
    FORMATS,
    PACK_TITLE,
    SCORE_CAVEAT,
    AuditFigure,
    Pack,
    Progress,
    Slide,
    _alerts_slides,
    _ChartJob,
    _fmt_day,
    _headline_slide,
    _no_progress,
    _risk_map,
    _risk_slide,
    _route_map,
    _sources_slide,
    _vintage_lines,
    audit_figure,
    chart_caption,
    describe,
    file_stem,
    fitted_slides,
    pack_period,
    render_pack,
    scope_text,
    slide_figure,
)
from i18n import N_, _
from services.reconcile import Reconciliation, reconcile, reconcile_routes

Con = duckdb.DuckDBPyConnection


def collect_pack(
    con: Con,
    f: Filters,
    progress: Progress | None = None,
    *,
    generated_on: dt.date | None = None,
    exporter: sn.FigureExporter | None = None,
    countries: Any = None,
    render_images: bool = True,
) -> Pack:
    """Query, compute and draw everything a pack shows for the filters ``f``.

    Parameters
    ----------
    con : DuckDB connection
        The warehouse (read-only is enough).
    f : Filters
    progress : callable, optional
        ``progress(fraction, message)``, fraction rising from 0 to 1.
    generated_on : date, optional
        The date printed on the pack; default the incident vintage's as-of date.
    exporter : FigureExporter, optional
        The chart-export browser; default :func:`export.images.shared_exporter`.
        Without a browser the chart slides carry their numbers as text instead of a picture.
    countries : GeoDataFrame, optional
        Simplified boundaries for the maps (default: the warehouse's, simplified here).
    render_images : bool
        ``False`` skips the chart images (the audit trail needs only the figures).

    Returns
    -------
    Pack
    """
    from analytics.alerts import compute_alerts
    from analytics.scores import COMPONENTS
    from geo.layers import simplify_countries
    from geo.spatial import compute_country_geodataframe
    from services import report

    say = progress or _no_progress
    ex = exporter or sn.shared_exporter()
    say(0.0, _("reading the data"))
    v = q.resolve_vintages(con, f)
    if v.incidents is None:
        raise ValueError(_("no incident data is loaded: load an IOM export or the demo data first"))
    english = i18n.get_lang() == i18n.DEFAULT_LANG
    sources = q.query_sources(con)
    routes_ref = q.query_routes(con)
    if not english:  # route names in the reader's language (ids stay as they are)
        routes_ref = routes_ref.assign(name=routes_ref["name"].map(i18n.route_name))
    route_names = dict(zip(routes_ref["route_id"], routes_ref["name"], strict=True))
    cn = q.query_countries(con, with_geometry=False)
    country_names = i18n.country_names(dict(zip(cn["iso3"], cn["name"], strict=True)))
    ref = report.load_reference(con)
    # Every language names routes, countries and vintages in the filters' text and the file
    # name, never their ids.
    names = report.display_names(con, ref=ref)
    head = q.query_headline(con, f)
    figures = report.headline(con, f, current=head, ref=ref)
    first, last = as_date(head["first_date"]), as_date(head["last_date"])
    vintage_day = as_date(sources.loc[sources["source_id"] == v.incidents, "vintage"].iloc[0])
    pack_day = generated_on or vintage_day or last or dt.date(2000, 1, 1)
    date_label = (
        _("Prepared {day}").format(day=_fmt_day(generated_on))
        if generated_on
        else _("Data as of {day}").format(day=_fmt_day(vintage_day))
    )
    scope = scope_text(f, route_names, country_names)
    period = pack_period(f, first, last)
    scope_line = f"{scope}, {period}"

    # Charts render in the browser process while Python computes and draws maps.
    unavailable = ex.unavailable_reason() if render_images else _("chart images not rendered")
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pack-export")
    jobs: list[_ChartJob] = []

    def submit(fig: go.Figure, caption: str, audit: tuple[AuditFigure, ...] = ()) -> None:
        bare, title, subtitle = slide_figure(fig)
        job = _ChartJob(fig, caption, title, subtitle, figures=audit)
        if unavailable is None:
            # In this run's context (language), not the worker thread's default one.
            job.future = pool.submit(
                contextvars.copy_context().run,
                sn.export_figure,
                bare,
                "png",
                caption="",
                scale=2,
                exporter=ex,
            )
        jobs.append(job)

    label = (
        ", ".join(route_names.get(r, r) for r in f.routes)
        if 0 < len(f.routes) <= 2
        else (_("Selected routes") if f.routes else _("All routes"))
    )
    try:
        say(0.05, _("charting incidents"))
        span = (f.date_from, f.date_to)
        inc_ids = (v.incidents,)
        both_ids = (v.incidents, v.detections)
        monthly = q.query_incidents_by(con, f, "none", "month")
        submit(
            fg.make_monthly_figure(monthly, label=label, data_end=f.date_to or last),
            chart_caption(v, sources, f, names=names),
            tuple(
                audit_figure(
                    "dead_and_missing",
                    r["dead_and_missing"],
                    key={"month": str(r["period"])[:7]},
                    period=span,
                    source_ids=inc_ids,
                )
                for r in monthly.to_dict("records")
            ),
        )
        # One table of per-route figures, the same the Routes page and key messages read.
        routes_risk = report.route_risk(con, f, ref=ref)
        metrics = report.route_metrics_from_risk(routes_ref, routes_risk)
        # Route comparisons only when there are routes to compare: under a route filter the
        # other routes hold just the incidents shared with the chosen ones.
        in_scope = metrics[metrics["route_id"].isin(f.routes)] if f.routes else metrics
        if int((in_scope["dead_and_missing"] > 0).sum()) >= 2:
            submit(
                fg.make_route_bars_figure(in_scope, "dead_and_missing", top=10),
                chart_caption(
                    v, sources, f, note=_("Incidents on two routes count on both"), names=names
                ),
                _route_audit(in_scope, "dead_and_missing", span, inc_ids),
            )
        if int(in_scope["deaths_per_1000_detections"].notna().sum()) >= 2:
            sea_note, sea_audit = _sea_arrival_note(con, f, in_scope)
            submit(
                fg.make_route_bars_figure(in_scope, "deaths_per_1000_detections", top=10),
                chart_caption(
                    v,
                    sources,
                    f,
                    detections=True,
                    note=_(
                        "A ratio of two sources' counts over the months both cover, a rough "
                        "indicator"
                    )
                    + sea_note,
                    names=names,
                ),
                _route_audit(in_scope, "deaths_per_1000_detections", span, both_ids) + sea_audit,
            )

        say(0.12, _("scoring origin and transit risk"))
        # Routes towards Europe, unless the filters chose a route outside them (US-Mexico
        # border, say): then every route, so the chosen ones are scored (analytics.scores).
        risk_scope = scope_for(routes_ref, f.routes)
        origin = report.origin_risk(con, f, ref=ref, scope=risk_scope)
        transit = report.transit_risk(con, f, ref=ref, scope=risk_scope)
        labels = {k: _(str(c.label)).capitalize() for k, c in COMPONENTS.items()}

        def risk_caption_of(weights: tuple[tuple[str, float], ...]) -> str:
            return fg.caption(
                [
                    str(origin["sources"].dropna().iloc[0])
                    if origin["sources"].notna().any()
                    else "IOM, Frontex, GI-TOC"
                ],
                minimum_estimate=True,
                detections=True,
                filters=describe(f, names),
                note=describe_settings(risk_scope, report.DEFAULT_VARIANT, weights)
                + " "
                + _(SCORE_CAVEAT).rstrip("."),
            )

        risk_caption = risk_caption_of(report.DEFAULT_ORIGIN_WEIGHTS)
        transit_caption = risk_caption_of(report.DEFAULT_TRANSIT_WEIGHTS)
        submit(
            fg.make_risk_figure(
                origin, report.DEFAULT_ORIGIN_WEIGHTS, "origin", top=12, component_labels=labels
            ),
            risk_caption,
        )
        submit(
            fg.make_risk_figure(
                transit, report.DEFAULT_TRANSIT_WEIGHTS, "transit", top=12, component_labels=labels
            ),
            transit_caption,
        )
        submit(
            fg.make_causes_figure(q.query_incidents_by(con, f, "cause", None), label=label),
            chart_caption(
                v, sources, f, note=_("An incident with two causes counts under both"), names=names
            ),
        )
        det_nat = q.query_detections_by(con, f, "nationality", None)
        # The same figures as the Routes page (report.origin_deaths): every route, whatever
        # the risk scope (the risk table keeps the routes towards Europe by default).
        victims = report.origin_deaths(con, f, ref=ref)
        submit(
            fg.make_nationalities_figure(
                det_nat,
                victims.rename(columns={"iso3": "key"}),
                names=country_names,
                label=label,
            ),
            chart_caption(
                v,
                sources,
                f,
                detections=True,
                note=_(
                    "Origins are unknown for many of the dead and missing; an incident with k "
                    "origins counts 1/k for each"
                ),
                names=names,
            ),
            tuple(
                audit_figure(
                    "origin_dead_and_missing",
                    r["dead_and_missing"],
                    key={"iso3": r["iso3"]},
                    period=span,
                    source_ids=inc_ids,
                )
                for r in victims.head(12).to_dict("records")
            )
            + tuple(
                audit_figure(
                    "origin_detections",
                    r["detections"],
                    key={"iso3": r["key"]},
                    period=span,
                    source_ids=(v.detections,),
                )
                for r in det_nat.sort_values("detections", ascending=False)
                .head(12)
                .to_dict("records")
            ),
        )

        say(0.28, _("reconciling the sources"))
        for route_id in reconcile_routes(con, f, ref=ref):
            rec = reconcile(con, f, route_id, ref=ref)
            submit(*_reconcile_chart(rec, v, sources, f, names))
        say(0.28, _("estimating smugglers' revenue"))
        _submit_money(
            con,
            f,
            routes_ref,
            label,
            submit,
            jobs,
            chart_caption(
                v,
                sources,
                f,
                incidents=False,
                detections=bool(v.detections),
                note=_(MONEY_NOTE),
                names=names,
            ),
        )

        say(0.3, _("writing key messages and alerts"))
        as_of = report.default_as_of(con, f, ref=ref)
        if f.date_to is not None:
            end = f.date_to
            if (end + dt.timedelta(days=1)).month == end.month:
                end = dt.date(end.year, end.month, 1) - dt.timedelta(days=1)
            as_of = min(as_of, dt.date(end.year, end.month, 1))
        try:
            cand = report.alert_candidates(con, f, as_of, ref=ref)
        except ValueError:
            cand = pd.DataFrame(columns=["status", "sentence", "period_label", "level", "name"])
        alerts = compute_alerts(cand) if len(cand) else cand
        watch = cand[cand["status"] == "watch"] if len(cand) else cand
        # As the app computes them: the per-country figures over every route, whatever the
        # scope of the risk tables above.
        msgs = report.key_messages(
            con,
            f,
            5,
            route_risk=routes_risk,
            alerts=alerts,
            headline=head,
            figures=figures,
            ref=ref,
        )

        say(0.45, _("drawing the maps"))
        if countries is None:
            countries = simplify_countries(compute_country_geodataframe(q.query_countries(con)))
        waypoints = q.query_waypoints(con)
        from data.map_labels import read_map_labels

        route_map = _route_map(
            countries, routes_ref, waypoints, metrics, f, place_names=read_map_labels(), names=names
        )
        say(0.55, _("drawing the risk maps"))
        origin_map = _risk_map(countries, origin, "origin")
        transit_map = _risk_map(countries, transit, "transit")

        say(0.65, _("rendering the charts"))
        images: list[bytes | None] = []
        for i, job in enumerate(jobs, start=1):
            say(
                0.65 + 0.25 * i / len(jobs),
                _("rendering chart {i} of {n}").format(i=i, n=len(jobs)),
            )
            if job.future is None:
                images.append(None)
                continue
            try:
                images.append(job.future.result())
            except sn.SnapshotUnavailable as exc:
                unavailable = str(exc)
                images.append(None)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)

    say(0.92, _("laying out the slides"))
    slides: list[Slide] = []
    vint_lines = _vintage_lines(sources, v, origin)
    filters_text = describe(f, names)
    slides.append(
        Slide(
            kind="title",
            title=_(PACK_TITLE),
            subtitle=scope_line,
            lines=(_("Filters: {f}").format(f=filters_text), date_label, *vint_lines),
            notes=(
                _("Scope: {scope}. Filters: {filters}. {date}. Data vintages: ").format(
                    scope=scope_line, filters=filters_text, date=date_label
                )
                + i18n.join_list(vint_lines)
                + ("\n" + _(DEMO_WARNING) if v.is_demo else "")
            ),
        )
    )
    slides.append(_headline_slide(figures, head, v, sources, f, period, names))
    msg_lines = tuple(str(s) for s in msgs["sentence"]) if len(msgs) else ()
    no_msgs = _("No key messages for these filters.")
    slides.append(
        Slide(
            kind="bullets",
            title=_("Key messages"),
            subtitle=scope_line,
            lines=msg_lines or (no_msgs,),
            number_from=1 if msg_lines else 0,
            notes="\n".join(
                _("{rank}. {sentence} [sources: {sources}]").format(
                    rank=r["rank"], sentence=r["sentence"], sources=r["source_ids"]
                )
                for r in msgs.to_dict("records")
            )
            if len(msgs)
            else no_msgs,
        )
    )
    slides.extend(_alerts_slides(alerts, watch, cand, as_of))
    slides.append(route_map)
    slides.append(
        _risk_slide(
            "origin",
            origin,
            origin_map,
            risk_caption,
            _("Countries of origin of the victims and of people detected"),
            span,
            both_ids,
        )
    )
    slides.append(
        _risk_slide(
            "transit",
            transit,
            transit_map,
            transit_caption,
            _("Countries where people die or that routes cross"),
            span,
            both_ids,
        )
    )
    slides.append(_planner_slide(con, f, ref, scope_line, span))
    for job, png in zip(jobs, images, strict=True):
        alt = fg.figure_alt(job.fig)
        if png is None:
            slides.append(
                Slide(
                    kind="bullets",
                    title=job.title or _("Chart"),
                    subtitle=job.subtitle,
                    lines=(alt or _("No data."),),
                    secondary_title=_("Chart image not available"),
                    secondary=(unavailable or sn.NO_BROWSER_REASON,),
                    caption=job.caption,
                    notes=f"{alt}\n{job.caption}",
                    figures=job.figures,
                )
            )
            continue
        slides.append(
            Slide(
                kind="image",
                title=job.title,
                subtitle=job.subtitle,
                image=png,
                image_alt=alt,
                caption=job.caption,
                notes=f"{alt}\n\n{job.caption}",
                figures=job.figures,
                charts=chart_specs(job.fig),
            )
        )
    slides.append(_sources_slide(sources, v, f, origin, transit, names))
    say(1.0, _("content ready"))
    pack = Pack(
        title=_(PACK_TITLE),
        scope=scope_line,
        filters=filters_text,
        date_label=date_label,
        pack_date=pack_day,
        is_demo=v.is_demo,
        slides=tuple(slides),
        file_stem=file_stem(f, pack_day, names),
        query=filters_to_query(f),
        sources={
            str(r["source_id"]): {
                "publisher": str(r["publisher"]),
                "kind": str(r["kind"]),
                "vintage": _iso(as_date(r["vintage"])),
                "is_demo": bool(r["is_demo"]),
            }
            for r in sources.to_dict("records")
        },
    )
    # Text that does not fit its slide continues on "(continued)" slides, before the audit
    # trail numbers the slides.
    return replace(pack, slides=fitted_slides(pack))


#: The divergence rule as short as a slide caption allows (in full: docs/methodology.md).
SLIDE_RULE = (
    f"Red diamonds: months with detections per arrival more than {AGREEMENT_FACTOR:g} times the "
    f"route's median month or below it divided by {AGREEMENT_FACTOR:g}; grey: no data, not 0."
)


def slide_rule() -> str:
    """:data:`SLIDE_RULE` in the reader's language."""
    return _(
        "Red diamonds: months with detections per arrival more than {k} times the route's "
        "median month or below it divided by {k}; grey: no data, not 0."
    ).format(k=sn.fmt_g(AGREEMENT_FACTOR))


def _reconcile_chart(
    rec: Reconciliation,
    v: q.Vintages,
    sources: pd.DataFrame,
    f: Filters,
    names: dict[str, str] | None = None,
) -> tuple[go.Figure, str, tuple[AuditFigure, ...]]:
    """The Reconciliation slide's chart, caption and audit figures for one route."""
    fig = fg.make_reconcile_figure(
        rec.months,
        rec.medians,
        label=_("Reconciliation, {route}").format(route=rec.name),
        ratios=("detections_per_arrival",),
        panel_height=80,
    )
    caption = fg.source_caption(
        v,
        f,
        fg.vintage_labels(sources),
        detections=True,
        arrivals=rec.arrival_sources,
        note=" ".join(x for x in (rec.note, slide_rule()) if x),
        names=names,
    )
    # The figures the slide shows: each count and detections per arrival over the months all
    # three sources cover, and the months flagged on the detections-per-arrival panel.
    o = rec.overlap
    audit: list[AuditFigure] = []
    both = (rec.vintages.detections, *rec.arrival_sources)
    if o["months"]:
        span = (o["first"], month_end(o["last"]))
        key = {"route_id": rec.route_id, "months": f"{o['first']:%Y-%m} to {o['last']:%Y-%m}"}
        ids = {
            "dead_and_missing": (rec.vintages.incidents,),
            "incidents": (rec.vintages.incidents,),
            "detections": (rec.vintages.detections,),
            "arrivals": rec.arrival_sources,
            "detections_per_arrival": both,
        }
        audit += [
            audit_figure(mid, o[mid], key=key, period=span, source_ids=sids)
            for mid, sids in ids.items()
        ]
    flagged = rec.divergence[rec.divergence["measure"] == "detections_per_arrival"]
    audit += [
        audit_figure(
            "detections_per_arrival",
            r["value"],
            key={"route_id": rec.route_id, "month": f"{r['month']:%Y-%m}", "flag": "diverges"},
            period=(r["month"], month_end(r["month"])),
            source_ids=both,
        )
        for r in flagged.to_dict("records")
    ]
    return fig, caption, tuple(audit)


MONEY_NOTE = N_(
    "Revenue = persons x share that used a smuggler (cited, 90-100%) x cited fee, EUR at 2024 "
    "prices; a range, never one number; fees vary by nationality and service; no fee for a "
    "year is no data"
)


def _submit_money(
    con: Con,
    f: Filters,
    routes_ref: pd.DataFrame,
    label: str,
    submit: Any,
    jobs: list[_ChartJob],
    caption: str,
) -> None:
    """The "Follow the money" slide: revenue ranges by route and year (services.money)."""
    from analytics.money_figures import make_revenue_band_figure
    from services.money import money_tables

    t = money_tables(con, f)
    ok = t.with_data
    if ok.empty:
        return
    colours = dict(zip(routes_ref["route_id"], routes_ref["colour"], strict=True))
    audit = tuple(
        audit_figure(
            "smuggling_revenue",
            r[f"revenue_{bound}_eur"],
            key={"route": r["route_id"], "year": int(r["year"]), "bound": bound},
            period=(dt.date(int(r["year"]), 1, 1), dt.date(int(r["year"]), 12, 31)),
            source_ids=t.source_ids,
        )
        for r in ok.to_dict("records")
        for bound in ("low", "high")
    )
    submit(make_revenue_band_figure(ok, colours, label=label), caption, audit)
    job = jobs[-1]
    job.subtitle = job.title
    job.title = _("Follow the money")


def _planner_slide(
    con: Con,
    f: Filters,
    ref: Any,
    scope_line: str,
    span: tuple[dt.date | None, dt.date | None],
) -> Slide:
    """ "Prevention planner": one line per top origin (the planner page's default countries)."""
    from analytics.planner import CAMPAIGN_LEAD_MONTHS, campaign_text, slide_line
    from services.planner import plan

    # The planner reads all routes worldwide (services.planner.PLANNER_SCOPE), whatever the
    # risk slides' scope; its tables are computed there.
    p = plan(con, f, None, ref=ref)
    figures = []
    for c in p.cards:
        key = {"iso3": c.iso3}
        figures.append(
            audit_figure(
                "origin_dead_and_missing",
                c.dead_and_missing,
                key=key,
                period=span,
                source_ids=c.source_ids[:1],
            )
        )
        figures.extend(
            audit_figure(
                "language_speakers_share",
                r["speakers_share"],
                key={**key, "language": r["language_code"]},
            )
            for r in c.languages.head(2).to_dict("records")
        )
        figures.append(
            audit_figure(
                "detections_peak_month_share",
                c.detection_peak.share,
                key={**key, "month": str(c.detection_peak.month or "")},
                period=span,
                source_ids=c.source_ids[1:],
            )
        )
        known = c.causes[c.causes["known"]] if len(c.causes) else c.causes
        if len(known):
            figures.append(
                audit_figure(
                    "share_cause",
                    known["share"].iloc[0],
                    key={**key, "cause": str(known["cause"].iloc[0])},
                    period=span,
                    source_ids=c.source_ids[:1],
                )
            )
    lines = tuple(slide_line(c) for c in p.cards) or (_("No country of origin has data."),)
    return Slide(
        kind="bullets",
        title=_("Prevention planner"),
        subtitle=scope_line,
        lines=lines,
        secondary_title=_("How to read"),
        secondary=(
            _(
                "Campaign window: the {n} months before the peak month (whole years only) of "
                "Frontex detections of the nationals, or of their dead and missing where most "
                "die on routes Frontex does not watch. Languages: CLDR share of the population. "
                "Danger: leading cause of death on the country's routes (IOM)."
            ).format(n=CAMPAIGN_LEAD_MONTHS),
        ),
        notes="\n".join(campaign_text(c) for c in p.cards),
        figures=tuple(figures),
    )


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def _sea_arrival_note(
    con: Con, f: Filters, in_scope: pd.DataFrame
) -> tuple[str, tuple[AuditFigure, ...]]:
    """The Central Mediterranean per 1,000 sea arrivals (UNHCR) for the lethality slide's
    caption, beside (never added to) its per 1,000 detections; ``("", ())`` without it."""
    from services import unhcr

    route = "central_mediterranean"
    if route not in set(in_scope["route_id"]):
        return "", ()
    ratio = unhcr.route_arrival_ratio(con, f, route)
    if ratio is None or ratio["deaths_per_1000_sea_arrivals"] is None:
        return "", ()
    window = ratio["arrival_window"]
    m = measure("deaths_per_1000_sea_arrivals")
    note = ". " + _(
        "Central Mediterranean: {value} dead and missing per 1,000 sea arrivals to Italy "
        "(UNHCR, persons; {window}), a different denominator, shown apart"
    ).format(
        value=m.format(ratio["deaths_per_1000_sea_arrivals"]), window=unhcr.window_text(window)
    )
    audit = audit_figure(
        m.id,
        ratio["deaths_per_1000_sea_arrivals"],
        key={"route_id": route},
        period=window,
        source_ids=(ratio["incident_source"], ratio["arrival_source"]),
    )
    return note, (audit,)


def _route_audit(
    table: pd.DataFrame,
    measure_id: str,
    span: tuple[dt.date | None, dt.date | None],
    source_ids: tuple[str | None, ...],
) -> tuple[AuditFigure, ...]:
    top = table.sort_values(measure_id, ascending=False, na_position="last").head(10)
    return tuple(
        audit_figure(
            measure_id,
            r[measure_id],
            key={"route_id": r["route_id"]},
            period=span,
            source_ids=source_ids,
        )
        for r in top.to_dict("records")
    )


def build_pack(
    con: Con,
    f: Filters,
    fmt: str,
    progress: Progress | None = None,
    *,
    generated_on: dt.date | None = None,
    exporter: sn.FigureExporter | None = None,
) -> bytes:
    """A briefing pack for the filters ``f`` as PDF or PowerPoint bytes.

    Parameters
    ----------
    con : DuckDB connection
    f : Filters
    fmt : {"pdf", "pptx"}
    progress : callable, optional
        ``progress(fraction, message)`` as the pack is built (fraction 0 to 1).
    generated_on : date, optional
        Date printed on the pack; default the data's as-of date (reproducible).
    exporter : FigureExporter, optional
        Chart-export browser (default: the process-wide one).

    Returns
    -------
    bytes

    Raises
    ------
    ValueError
        Unknown format, or no incident data loaded.
    """
    if fmt not in FORMATS:
        raise ValueError(_("format must be 'pdf' or 'pptx', got {fmt}").format(fmt=repr(fmt)))
    say = progress or _no_progress

    def scaled(frac: float, msg: str) -> None:
        say(0.95 * frac, msg)

    pack = collect_pack(
        con, f, scaled, generated_on=generated_on, exporter=exporter, render_images=fmt != "json"
    )
    say(0.96, _("writing the {format}").format(format=fmt.upper()))
    out = render_pack(pack, fmt)
    say(1.0, _("done"))
    return out
