"""Briefing packs: the current view as a ready PDF or PowerPoint deck.

:func:`build_pack` is the one entry point (used by the Briefing page and by
``python -m analytics brief``). It runs in two steps, both public so a caller can render both
formats from one collection:

1. :func:`collect_pack` queries the warehouse, computes the headline figures, key messages,
   alerts and risk scores through :mod:`services.report`, draws the maps
   (:func:`export.images.render_map_png`) and exports the charts
   (:func:`export.images.export_figure`), and returns a :class:`Pack`: plain slides
   holding text, tables, PNG images, captions and speaker notes.
2. :func:`render_pdf` / :func:`render_pptx` lay the same slides out on 16:9 pages.

Slides: title (scope, filters, date, data vintages), headline figures, key messages, alerts,
route map, origin and transit risk (map beside the ranked table), the main charts, sources and
caveats. Every image has its caption as text under it; every PowerPoint slide carries speaker
notes with the numbers behind it.

Reproducible: the same filters and data vintage give the same content. The only date in a
pack is the data's own as-of date, or ``generated_on`` when the caller passes one; PDF and
PPTX metadata dates are set from it, so repeated builds give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd
import plotly.graph_objects as go

import i18n
import i18n.names
from analytics import figures as fg
from analytics.catalogue import NO_DATA, Figure, is_value, measure
from analytics.messages import period_text
from analytics.scores import describe_settings
from analytics.theme import cause_label
from data.filters import Filters, Vintages, as_date
from export import images as sn
from export import layout as lay
from export.charts import ChartSpec
from geo.layers import LOW_CONFIDENCE_NOTE, score_legend
from i18n import N_, _
from i18n.names import source_text

Progress = Callable[[float, str], None]

#: ``json`` is the audit trail (:meth:`Pack.audit`): every figure the pack shows.
FORMATS: tuple[str, ...] = ("pdf", "pptx", "json")
MIME_TYPES: Mapping[str, str] = {
    "pdf": "application/pdf",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "json": "application/json",
}
#: Marked for translation; shown with ``_(PACK_TITLE)`` (and so on) where the pack is built.
PACK_TITLE = N_("Migrant-smuggling risk briefing")
DEMO_WARNING = N_("SYNTHETIC DEMO DATA: do not brief from these figures.")
ACCENT = lay.ACCENT
INK = lay.INK
GREY = lay.GREY
#: How many routes the pack's route map names in colour (the others are drawn grey).
MAP_TOP_ROUTES = 8
MAP_ASPECT = 0.46
OTHER_ROUTE_COLOUR = "#9A9A9A"
TABLE_ROWS = 10
SCORE_CAVEAT = N_(
    "Risk scores rank countries against each other under these filters; they are not "
    "probabilities. Countries with too little data are not ranked."
)
#: Words of internal ids as a French reader sees them (English shows the ids themselves, so
#: these msgids are descriptions, never printed in English).
_WORDS: Mapping[str, str] = {
    "high": N_("confidence level: high"),
    "medium": N_("confidence level: medium"),
    "low": N_("confidence level: low"),
    "alert": N_("alert status: alert"),
    "watch": N_("alert status: watch"),
    "none": N_("alert status: none"),
    "route": N_("alert level: route"),
    "country": N_("alert level: country"),
    "incidents": N_("alert measure: incidents"),
    "dead_and_missing": N_("alert measure: dead_and_missing"),
}


def word(value: object, capitalize: bool = False) -> str:
    """An internal id (confidence, alert status, level or measure) as the reader sees it:
    the id itself in English (as it always was), its word in French."""
    text = str(value)
    if i18n.get_lang() != i18n.DEFAULT_LANG and text in _WORDS:
        text = _(_WORDS[text])
    return text.capitalize() if capitalize else text


def describe(f: Filters, names: Mapping[str, str] | None = None) -> str:
    """The filters in words (:meth:`~data.filters.Filters.describe`); ``names`` (route, country
    and vintage names by code) replace internal ids."""
    return f.describe(names) if names else f.describe()


def _day_text(d: dt.date) -> str:
    """A vintage date: ISO in English (as it always was), ``9 avril 2026`` in French."""
    return d.isoformat() if i18n.get_lang() == i18n.DEFAULT_LANG else i18n.fmt_date(d)


def _short_day(d: dt.date) -> str:
    """``01 Jan 2024`` in English (as it always was), ``1 janvier 2024`` in French."""
    return f"{d:%d %b %Y}" if i18n.get_lang() == i18n.DEFAULT_LANG else i18n.fmt_date(d)


def _no_progress(_fraction: float, _message: str) -> None:
    return None


# --------------------------------------------------------------------------- content


@dataclass(frozen=True)
class Metric:
    """One headline figure: label, formatted value, change note and help line."""

    label: str
    value: str
    change: str = ""
    note: str = ""


@dataclass(frozen=True)
class Slide:
    """One page of the pack. Only the fields its ``kind`` uses are filled.

    Kinds: ``title``, ``metrics``, ``bullets``, ``image`` (one picture full width),
    ``image_table`` (a picture beside a table) and ``text`` (sources and caveats).
    """

    kind: str
    title: str
    subtitle: str = ""
    lines: tuple[str, ...] = ()
    secondary_title: str = ""
    secondary: tuple[str, ...] = ()
    metrics: tuple[Metric, ...] = ()
    image: bytes | None = None
    image_alt: str = ""
    caption: str = ""
    table: tuple[tuple[str, ...], ...] = ()
    notes: str = ""
    #: Every figure the slide shows, for the audit trail (:meth:`Pack.audit`).
    figures: tuple[AuditFigure, ...] = ()
    #: The data behind the slide's picture, drawn as native PowerPoint charts (one per panel;
    #: empty for maps, which stay pictures).
    charts: tuple[ChartSpec, ...] = ()
    #: ``n`` > 0 numbers the lines from ``n`` (key messages, and their continuation).
    number_from: int = 0
    #: Scale of the flowing text, below 1 only when one sentence would not fit a slide.
    text_scale: float = 1.0


@dataclass(frozen=True)
class AuditFigure:
    """One figure a slide shows: which measure, for what, and its value (see
    :func:`audit_figure`)."""

    measure: str
    value: float | None
    key: tuple[tuple[str, str], ...] = ()
    display: str = ""
    period: tuple[str | None, str | None] = (None, None)
    source_ids: tuple[str, ...] = ()
    change: str = ""


def audit_figure(
    measure_id: str,
    value: object,
    *,
    key: Mapping[str, object] | None = None,
    period: tuple[dt.date | None, dt.date | None] = (None, None),
    source_ids: Sequence[str | None] = (),
    change: str = "",
) -> AuditFigure:
    """An :class:`AuditFigure` for a catalogue measure (an unknown id raises ``KeyError``);
    ``change`` is the change against the previous period as shown beside it."""
    m = measure(measure_id)
    ok = is_value(value)
    return AuditFigure(
        measure=m.id,
        value=float(value) if ok else None,  # type: ignore[arg-type]
        key=tuple((str(k), str(v)) for k, v in (key or {}).items()),
        display=m.format(value),
        period=tuple(d.isoformat() if d else None for d in period),  # type: ignore[arg-type]
        source_ids=tuple(s for s in source_ids if s),
        change=change,
    )


@dataclass(frozen=True)
class Pack:
    """Everything a pack shows, independent of its file format."""

    title: str
    scope: str
    filters: str
    date_label: str
    pack_date: dt.date
    is_demo: bool
    slides: tuple[Slide, ...]
    file_stem: str
    #: ``filters_to_query`` of the pack's filters (for the audit trail).
    query: Mapping[str, Any] | None = None
    #: ``source_id`` -> {publisher, kind, vintage, is_demo} of every source loaded.
    sources: Mapping[str, Mapping[str, Any]] | None = None

    def audit(self) -> dict[str, Any]:
        """The audit trail: every figure the pack shows, with its measure id, value, unit,
        filters, period, the sources and vintages used and the slide it sits on."""
        sources = dict(self.sources or {})
        figures = []
        for number, slide in enumerate(self.slides, start=1):
            for fig in slide.figures:
                m = measure(fig.measure)
                figures.append(
                    {
                        "measure": fig.measure,
                        "label": m.label,
                        "value": fig.value,
                        "display": fig.display,
                        "change": fig.change,
                        "unit": m.unit,
                        "key": dict(fig.key),
                        "period": {"from": fig.period[0], "to": fig.period[1]},
                        "filters": dict(self.query or {}),
                        "sources": [
                            {"source_id": sid, **sources.get(sid, {})} for sid in fig.source_ids
                        ],
                        "caveat": m.caveat,
                        "slide": number,
                        "slide_title": slide.title,
                    }
                )
        return {
            "schema": "routewatch-brief-audit/1",
            "title": self.title,
            "scope": self.scope,
            "filters": dict(self.query or {}),
            "filters_text": self.filters,
            "date": self.pack_date.isoformat(),
            "is_demo": self.is_demo,
            "sources": [{"source_id": k, **v} for k, v in sources.items()],
            "slides": [
                {"slide": i, "title": sl.title, "kind": sl.kind}
                for i, sl in enumerate(self.slides, start=1)
            ],
            "figures": figures,
        }


def _fmt_int(v: Any) -> str:
    try:
        if v is None or pd.isna(v):
            return _(NO_DATA)
    except (TypeError, ValueError):
        pass
    return i18n.fmt_number(round(float(v)))


def _fmt_day(d: dt.date | None) -> str:
    return i18n.fmt_date(d) if d else "-"


_CITATION = re.compile(
    r"\s*\((?:[^()]|\([^()]*\))*\b(?:vintage|millésime)\b(?:[^()]|\([^()]*\))*\)"
)


def short_sentence(sentence: str) -> str:
    """A key message without its source citation, for large type (presenter mode).

    The citation is the parenthesis that names a vintage, wherever it stands ("... (IOM ...,
    vintage 2026-04-09) — one of 4 alerts."); the sources and caveats are then shown once for
    all sentences.
    """
    s = str(sentence).strip()
    out = _CITATION.sub("", s)
    return re.sub(r"\s+([.,;])", r"\1", out).strip() if out != s else s


def scope_text(f: Filters, route_names: Mapping[str, str], country_names: Mapping[str, str]) -> str:
    """The geographic and thematic scope of the filters, in words."""
    parts: list[str] = []
    if f.routes:
        names = [route_names.get(r, r) for r in f.routes]
        parts.append(", ".join(names) if len(names) <= 3 else _("{n} routes").format(n=len(names)))
    else:
        parts.append(_("All routes"))
    if f.origins:
        names = [country_names.get(o, o) for o in f.origins]
        who = ", ".join(names) if len(names) <= 3 else _("{n} countries").format(n=len(names))
        parts.append(_("nationals of {countries}").format(countries=who))
    regions = [i18n.names.region_name(r) for r in (*f.un_regions, *f.un_subregions)]
    regions += list(f.mmp_regions)
    if regions:
        where = ", ".join(regions[:3])
        if len(regions) > 3:
            where = _("{regions} and more").format(regions=where)
        parts.append(_("incidents in {regions}").format(regions=where))
    if f.causes:
        causes = ", ".join(_cause(c) for c in f.causes[:3])
        parts.append(_("causes: {causes}").format(causes=causes))
    return i18n.join_list(parts)


def _cause(cause: str) -> str:
    return (
        cause_label(cause) if i18n.get_lang() == i18n.DEFAULT_LANG else i18n.names.cause_name(cause)
    )


def pack_period(f: Filters, first: dt.date | None, last: dt.date | None) -> str:
    """The period as a heading: ``2023``, ``Oct-Dec 2023``, ``Jan 2014 to Dec 2025``."""
    if i18n.get_lang() != i18n.DEFAULT_LANG:
        return _pack_period_local(f, first, last)
    if f.date_from is None and f.date_to is None and first and last:
        return f"{first:%b %Y} to {last:%b %Y} (all recorded years)"
    text = period_text(f.date_from, f.date_to)
    return re.sub(r"^(in|from|over|since|up to) ", "", text).replace("\u2013", " to ")


def _pack_period_local(f: Filters, first: dt.date | None, last: dt.date | None) -> str:
    """:func:`pack_period` in a language other than English (from the catalogue and CLDR)."""
    a, b = f.date_from, f.date_to
    if a is None and b is None:
        if first and last:
            return _("{start} to {end} (all recorded years)").format(
                start=i18n.month_year(first, short=True), end=i18n.month_year(last, short=True)
            )
        return _("all recorded years")
    if a is None or b is None:
        return (
            _("up to {day}").format(day=i18n.fmt_date(b))
            if b is not None
            else _("since {day}").format(day=i18n.fmt_date(a))  # type: ignore[arg-type]
        )
    whole = a.day == 1 and (b + dt.timedelta(days=1)).day == 1
    if whole and a.month == 1 and b.month == 12:
        return str(a.year) if a.year == b.year else f"{a.year}\u2013{b.year}"
    if whole:
        if (a.year, a.month) == (b.year, b.month):
            return i18n.month_year(a)
        if a.year == b.year:
            return _("{first} to {last}").format(
                first=i18n.month_name(a.month, short=True), last=i18n.month_year(b, short=True)
            )
        return _("{first} to {last}").format(
            first=i18n.month_year(a, short=True), last=i18n.month_year(b, short=True)
        )
    return _("{start} to {end}").format(start=i18n.fmt_date(a), end=i18n.fmt_date(b))


def file_stem(f: Filters, day: dt.date, names: Mapping[str, str] | None = None) -> str:
    """``routewatch-briefing_<filters>_<date>`` (file-name safe; ``names`` as
    :meth:`Filters.slug`: route and country names, never ids)."""
    return f"routewatch-briefing_{f.slug(names)}_{day.isoformat()}"


def chart_caption(
    v: Vintages,
    sources: pd.DataFrame,
    f: Filters,
    incidents: bool = True,
    detections: bool = False,
    note: str | None = None,
    names: Mapping[str, str] | None = None,
) -> str:
    """The caption the app shows under a chart (:func:`analytics.figures.source_caption`);
    ``names`` (:func:`services.report.display_names`) name the filters' codes."""
    return fg.source_caption(
        v, f, fg.vintage_labels(sources), incidents, detections, note, names=names
    )


def _table_notes(df: pd.DataFrame, cols: Sequence[tuple[str, str]], limit: int = 15) -> str:
    lines = []
    for r in df.head(limit).to_dict("records"):
        lines.append(i18n.join_list(f"{label}: {_cell(r.get(c))}" for c, label in cols))
    return "\n".join(lines)


def _cell(v: Any) -> str:
    if isinstance(v, float):
        if pd.isna(v):
            return _(NO_DATA)
        return i18n.fmt_number(v, 1 if abs(v) < 100 and v != round(v) else 0)
    if v is None:
        return _(NO_DATA)
    try:
        if pd.isna(v):
            return _(NO_DATA)
    except (TypeError, ValueError):
        pass
    if isinstance(v, int):
        return i18n.fmt_number(v)
    return str(v)


def _first_route(top_routes: Any) -> str:
    """``"Western Balkans 60%, ... (of Frontex detections)"`` -> ``"Western Balkans"``."""
    if not isinstance(top_routes, str) or not top_routes:
        return "-"
    first = re.sub(r"\s*\([^)]*\)\s*$", "", top_routes.split(", ")[0])
    return re.sub(r"\s+\d+(?:[.,]\d+)?\s*%$", "", first).strip() or "-"


#: The risk table's header (marked; translated where the table is built).
TABLE_HEADER: tuple[str, ...] = (
    "#",
    N_("Country"),
    N_("Score"),
    N_("Confidence"),
    N_("Dead and missing"),
    N_("Main route"),
)
TABLE_WIDTHS: tuple[float, ...] = lay.TABLE_WIDTHS


def _risk_table(scores: pd.DataFrame) -> tuple[tuple[str, ...], ...]:
    ranked = scores[scores["rank"].notna()].sort_values("rank").head(TABLE_ROWS)
    rows: list[tuple[str, ...]] = [tuple(_(h) for h in TABLE_HEADER)]
    for r in ranked.to_dict("records"):
        name = str(r["name"])
        rows.append(
            (
                str(int(r["rank"])),
                _("{name} (driven by one incident)").format(name=name)
                if r.get("driven_by_one_incident")
                else name,
                i18n.fmt_number(float(r["score"])),
                word(r.get("confidence", ""), capitalize=True),
                _fmt_int(r.get("dead_and_missing")),
                _first_route(r.get("top_routes")),
            )
        )
    return tuple(rows)


def slide_figure(fig: go.Figure) -> tuple[go.Figure, str, str]:
    """A chart for a slide: the title and subtitle move to the slide, the plot keeps its room.

    Returns
    -------
    (Figure, str, str)
        The figure without its title block, the title (one line) and the subtitle.
    """
    out = go.Figure(fig)
    meta = out.layout.meta if isinstance(out.layout.meta, dict) else {}
    title = str(meta.get("title") or (out.layout.title.text or "")).replace("<br>", " ")
    sub_obj = out.layout.title.subtitle
    subtitle = str((sub_obj.text if sub_obj is not None else None) or "").replace("<br>", " ")
    named = [t for t in out.data if t.showlegend is not False and getattr(t, "name", None)]
    legend_y = out.layout.legend.y
    legend = (
        out.layout.showlegend is not False
        and (len(named) > 1 or any(t.showlegend for t in out.data))
        and (legend_y is None or legend_y >= 0)  # a legend under the plot needs no top room
    )
    old_t = int(out.layout.margin.t if out.layout.margin.t is not None else 100)
    new_t = 64 if legend else 36
    height = int(out.layout.height or 500) - max(0, old_t - new_t)
    out.update_layout(
        title={"text": "", "subtitle": {"text": ""}}, margin={"t": new_t}, height=height
    )
    return out, title, subtitle


# --------------------------------------------------------------------------- collect


@dataclass
class _ChartJob:
    fig: go.Figure
    caption: str
    title: str = ""
    subtitle: str = ""
    future: Future[bytes] | None = None
    figures: tuple[AuditFigure, ...] = ()


def _vintage_lines(sources: pd.DataFrame, v: Vintages, origin: pd.DataFrame) -> tuple[str, ...]:
    """The title slide's data vintages: publisher and vintage date, in every language without
    the internal source id (the "Sources and caveats" slide and the audit trail keep it)."""
    out: list[str] = []
    by_id = sources.set_index("source_id")
    for sid, what in ((v.incidents, _("Incidents")), (v.detections, _("Detections"))):
        if sid and sid in by_id.index:
            r = by_id.loc[sid]
            d = as_date(r["vintage"])
            publisher = source_text(r["publisher"])
            if bool(r["is_demo"]):
                publisher = _("{publisher} (synthetic demo)").format(publisher=publisher)
            out.append(
                _("{what}: {publisher}, vintage {date}").format(
                    what=what, publisher=publisher, date=_day_text(d) if d else "-"
                )
            )
    oc = origin["oc_source"].dropna() if "oc_source" in origin else pd.Series(dtype=object)
    if len(oc) and str(oc.iloc[0]) in by_id.index:
        r = by_id.loc[str(oc.iloc[0])]
        d = as_date(r["vintage"])
        text = source_text(r["publisher"])
        if d:
            text = _("{publisher}, {year} edition").format(publisher=text, year=d.year)
        out.append(_("Criminality: {source}").format(source=text))
    return tuple(out)


def _headline_slide(
    figures: Sequence[Figure],
    head: Mapping[str, Any],
    v: Vintages,
    sources: pd.DataFrame,
    f: Filters,
    period: str,
    names: Mapping[str, str] | None = None,
) -> Slide:
    metrics = tuple(
        Metric(x.measure.label, x.display, x.change.text, x.measure.unit_note) for x in figures
    )
    cap = chart_caption(
        v,
        sources,
        f,
        detections=True,
        note=_(
            "Region, cause and source-quality filters restrict the dead and missing, not the "
            "detections"
        ),
        names=names,
    )
    prev_txt = ""
    closed = [x for x in figures if x.change.status != "no-previous"]
    if closed:
        prev_txt = " " + _("Previous period: {figures}").format(
            figures=i18n.join_list(
                _("{label} {value} ({change})").format(
                    label=x.measure.label,
                    value=x.measure.format(x.previous),
                    change=x.change.text or _("no change"),
                )
                for x in figures
            )
        )
    notes = (
        _(
            "{period}: {figures} (IOM source {incidents}; Frontex source {detections}). "
            "Never add deaths to detections."
        ).format(
            period=period,
            figures=i18n.join_list(
                f"{x.display} {x.measure.noun or x.measure.label.lower()}" for x in figures
            ),
            incidents=head["incident_source"],
            detections=head["detection_source"] or _("none loaded"),
        )
        + prev_txt
    )
    pf = f.previous_period()
    return Slide(
        kind="metrics",
        title=_("Headline figures"),
        subtitle=period,
        metrics=metrics,
        caption=cap,
        lines=(
            (
                _(
                    "Changes compare with the previous period ({start} to {end}); a source "
                    "that covers only part of either period is named as partial, not compared."
                ).format(start=_short_day(pf.date_from), end=_short_day(pf.date_to)),
            )
            if closed and pf is not None and pf.date_from and pf.date_to
            else ()
        ),
        notes=notes,
        figures=tuple(
            audit_figure(
                x.measure.id,
                x.value,
                period=(f.date_from, f.date_to),
                source_ids=x.source_ids,
                change=x.change.text,
            )
            for x in figures
        ),
    )


#: Sentences per alerts or "On watch" slide: each runs to about three lines, and four stay
#: above the footer in both the PDF and the PPTX layouts; longer lists continue on more slides.
ALERT_LINES_PER_SLIDE = 4


def _chunks(lines: tuple[str, ...], n: int) -> list[tuple[str, ...]]:
    return [lines[i : i + n] for i in range(0, len(lines), n)] or [()]


def _alerts_slides(
    alerts: pd.DataFrame, watch: pd.DataFrame, cand: pd.DataFrame, as_of: dt.date
) -> list[Slide]:
    """The alerts slide(s), then the "On watch" slide(s), :data:`ALERT_LINES_PER_SLIDE` each."""
    window = (
        ", ".join(dict.fromkeys(str(x) for x in cand["period_label"]))
        if len(cand) and "period_label" in cand
        else _("the months to {month}").format(month=i18n.month_year(as_of, short=True))
    )
    lines = (
        tuple(str(s) for s in alerts["sentence"])
        if len(alerts)
        else (_("No route or country changed beyond chance in {window}.").format(window=window),)
    )
    watch_lines = tuple(str(s) for s in watch["sentence"]) if len(watch) else ()
    n_series = len(cand.drop_duplicates(["level", "name"])) if len(cand) else 0
    notes = [
        _(
            "Window: {window}. {n} route and country series checked on incidents (exact test) "
            "and on dead and missing (quasi-Poisson test); {alerts} alerts, {watch} on watch."
        ).format(window=window, n=n_series, alerts=len(alerts), watch=len(watch))
    ]
    for r in pd.concat([alerts, watch]).to_dict("records") if len(cand) else []:
        notes.append(
            _(
                "[{status}] {name} ({level}, {measure}, {months} months): current {current}, "
                "year ago {year_ago}, 12-month average {average}, p = {p}"
            ).format(
                status=word(r.get("status")),
                name=r.get("name"),
                level=word(r.get("level")),
                measure=word(r.get("measure", "incidents")),
                months=r.get("window_months", 3),
                current=_cell(r.get("current")),
                year_ago=_cell(r.get("year_ago")),
                average=_cell(r.get("baseline_12m_avg")),
                p=_cell(r.get("p_value")),
            )
        )
    subtitle = _(
        "Latest month and quarter against the same months a year before and the 12-month "
        "average: exact test on incidents, quasi-Poisson test on dead and missing."
    )
    slides = []
    parts = _chunks(lines, ALERT_LINES_PER_SLIDE)
    for i, part in enumerate(parts, start=1):
        more = f" ({i}/{len(parts)})" if len(parts) > 1 else ""
        slides.append(
            Slide(
                kind="bullets",
                title=_("Alerts: {window}").format(window=window) + more,
                subtitle=subtitle,
                lines=part,
                notes="\n".join(notes),
            )
        )
    wparts = _chunks(watch_lines, ALERT_LINES_PER_SLIDE) if watch_lines else []
    for i, part in enumerate(wparts, start=1):
        more = f" ({i}/{len(wparts)})" if len(wparts) > 1 else ""
        slides.append(
            Slide(
                kind="bullets",
                title=_("On watch: {window}").format(window=window) + more,
                subtitle=_(
                    "A change beyond chance against one reference only, or a recent fall the "
                    "reporting delay may explain: not alerts."
                ),
                lines=part,
                notes="\n".join(notes),
            )
        )
    return slides


def _route_map(
    countries: Any,
    routes_ref: pd.DataFrame,
    waypoints: pd.DataFrame,
    metrics: pd.DataFrame,
    f: Filters,
    place_names: pd.DataFrame | None = None,
    names: Mapping[str, str] | None = None,
) -> Slide:
    """The routes in view, the deadliest named in their colours and the others grey, with
    country and sea names (``place_names``: :func:`data.reference.read_map_labels`).

    The view is fitted to the routes with dead and missing under the filters (the Americas
    when the US-Mexico border has them), or to the filtered routes.
    """
    from geo import labels as gll

    routes = routes_ref[routes_ref["route_id"] != "unclassified"]
    if f.routes:
        routes = routes[routes["route_id"].isin(f.routes)]
        waypoints = waypoints[waypoints["route_id"].isin(f.routes)]
        extent = sn.route_extent(waypoints, 5.0)
    else:
        dm_by = metrics.set_index("route_id")["dead_and_missing"].fillna(0)
        with_data = waypoints[waypoints["route_id"].map(dm_by).fillna(0) > 0]
        box = gll.data_extent(
            list(zip(with_data["lon"], with_data["lat"], strict=True)), trim=0.0, pad_deg=5.0
        )
        extent = box if box is not None else sn.ROUTES_EXTENT
    lines = sn.compute_route_lines(routes, waypoints, metrics, colour_by="route")
    view = sn.visible_extent(sn.MapSpec(extent=extent), MAP_ASPECT)
    in_view = {e["label"] for e in sn.route_legend_entries(lines, view)}
    lines = lines[lines["name"].isin(in_view)]
    m = metrics.set_index("route_id")
    dm = lines["route_id"].map(m["dead_and_missing"]).fillna(0)
    lines = lines.assign(dead_and_missing=dm).sort_values(
        ["dead_and_missing", "name"], ascending=[False, True]
    )
    top = set(lines.loc[lines["dead_and_missing"] > 0, "route_id"].head(MAP_TOP_ROUTES))
    lines["colour"] = [
        c if r in top else OTHER_ROUTE_COLOUR
        for r, c in zip(lines["route_id"], lines["colour"], strict=True)
    ]
    lines["alpha"] = [0.95 if r in top else 0.45 for r in lines["route_id"]]
    lines["width_px"] = [
        w if r in top else min(w, 5.0)
        for r, w in zip(lines["route_id"], lines["width_px"], strict=True)
    ]
    place = None
    if place_names is not None:
        # The map area of the slide's PNG in points (12.5 in wide, legend at the right).
        w_pt = (12.5 - 0.7 - 3.3) * 72
        place = gll.labels_for_extent(place_names, view, w_pt, w_pt * MAP_ASPECT)
    spec = sn.MapSpec(
        routes=lines,
        waypoints=waypoints[waypoints["route_id"].isin(top)],
        extent=extent,
        labels=place,
    )
    shown = lines[lines["route_id"].isin(top)]
    entries = [
        {"label": f"{n} ({_fmt_int(d)})", "colour": c, "shape": "line"}
        for n, c, d in zip(shown["name"], shown["colour"], shown["dead_and_missing"], strict=True)
    ]
    if len(lines) > len(shown):
        entries.append({"label": _("Other routes"), "colour": OTHER_ROUTE_COLOUR, "shape": "line"})
    lead = shown.iloc[0] if len(shown) else None
    title = (
        _("{route}: the most dead and missing of the routes on the map ({n})").format(
            route=lead["name"], n=_fmt_int(lead["dead_and_missing"])
        )
        if lead is not None
        else _("Migration routes: no dead or missing recorded for these filters")
    )
    png = sn.render_map_png(
        countries,
        spec,
        title="",
        caption="",
        legends=[
            sn.MapLegend(
                _("Routes (dead and missing)"),
                tuple(entries),
                _(
                    "Line width: Frontex detections in the period; thin lines have no Frontex "
                    "series."
                ),
            )
        ],
        legend_side="right",
        width_in=12.5,
        map_aspect=MAP_ASPECT,
    )
    caption = (
        _(
            "Source: IOM Missing Migrants Project (dead and missing, minimum estimates); "
            "Frontex (detections, events not persons). Waypoints are approximate, for display. "
            "Filters: {filters}."
        ).format(filters=describe(f, names))
        + " "
        + _(sn.MAP_CREDIT)
    )
    notes = (
        _("Routes on the map, deadliest first:")
        + "\n"
        + _table_notes(
            lines.merge(
                m[["incidents", "detections", "deaths_per_1000_detections"]],
                left_on="route_id",
                right_index=True,
                how="left",
            ),
            [
                ("name", _("Route")),
                ("dead_and_missing", _("dead and missing")),
                ("incidents", _("incidents")),
                ("detections", _("detections")),
                ("deaths_per_1000_detections", _("per 1,000 detections")),
            ],
            limit=len(lines),
        )
    )
    return Slide(
        kind="image",
        title=title,
        subtitle=_(
            "The deadliest routes in colour, the others grey; line width by Frontex detections"
        ),
        image=png,
        image_alt=_("Map of migration routes. {title}.").format(title=title),
        caption=caption,
        notes=notes,
    )


def _risk_map(countries: Any, scores: pd.DataFrame, kind: str) -> bytes:
    ranked = scores[scores["rank"].notna()].sort_values("rank")
    selected = str(ranked.iloc[0]["iso3"]) if len(ranked) else None
    # Low confidence and too little data are hatched, as on the map PNG (geo.layers words it).
    entries = tuple(score_legend(static=True))
    return sn.render_map_png(
        countries,
        sn.MapSpec(choropleth=scores, selected=selected, extent=sn.WORLD_EXTENT),
        title="",
        caption="",
        legends=[
            sn.MapLegend(
                _("Score (0-100); first-ranked country outlined"),
                entries,
                note=_(LOW_CONFIDENCE_NOTE),
            )
        ],
        width_in=10.0,
        map_aspect=0.5,
    )


_RISK_TITLES: Mapping[str, str] = {
    "origin": N_("Origin risk: {name} ranks first ({score}/100)"),
    "transit": N_("Transit risk: {name} ranks first ({score}/100)"),
}
_RISK_EMPTY: Mapping[str, str] = {
    "origin": N_("Origin risk: no country has enough data to score"),
    "transit": N_("Transit risk: no country has enough data to score"),
}
_RISK_ALTS: Mapping[str, str] = {
    "origin": N_("World map of origin risk scores by country. {title}."),
    "transit": N_("World map of transit risk scores by country. {title}."),
}


def _risk_slide(
    kind: str,
    scores: pd.DataFrame,
    png: bytes,
    caption: str,
    what: str,
    period: tuple[dt.date | None, dt.date | None] = (None, None),
    source_ids: Sequence[str | None] = (),
) -> Slide:
    ranked = scores[scores["rank"].notna()].sort_values("rank")
    deaths = f"{kind}_dead_and_missing"
    audit = tuple(
        audit_figure(mid, r.get(col), key={"iso3": r["iso3"]}, period=period, source_ids=source_ids)
        for r in ranked.head(TABLE_ROWS).to_dict("records")
        for mid, col in (("risk_score", "score"), (deaths, "dead_and_missing"))
    )
    if len(ranked):
        lead = ranked.iloc[0]
        title = _(_RISK_TITLES[kind]).format(
            name=lead["name"], score=i18n.fmt_number(float(lead["score"]))
        )
        if lead.get("driven_by_one_incident"):
            title = _("{title}, driven by one incident").format(title=title)
    else:
        title = _(_RISK_EMPTY[kind])
    notes = [f"{what}. {_(SCORE_CAVEAT)}"]
    if len(scores) and "scope" in scores.columns:
        # The scope and variant the ranking used (the caption also gives the weights).
        notes.append(
            describe_settings(str(scores["scope"].iloc[0]), str(scores["variant"].iloc[0]))
        )
    for r in ranked.head(TABLE_ROWS).to_dict("records"):
        notes.append(
            _("{rank}. {name}: score {score}, confidence {confidence}. {why}").format(
                rank=int(r["rank"]),
                name=r["name"],
                score=i18n.fmt_number(float(r["score"]), 1),
                confidence=word(r["confidence"]),
                why=r.get("why", ""),
            )
        )
    if len(scores) and "note" in scores:
        notes.append(str(scores["note"].iloc[0]))
    return Slide(
        kind="image_table",
        title=title,
        subtitle=what,
        image=png,
        image_alt=_(_RISK_ALTS[kind]).format(title=title),
        caption=caption + " " + _(sn.MAP_CREDIT),
        table=_risk_table(scores),
        notes="\n".join(notes),
        figures=audit,
    )


def _sources_slide(
    sources: pd.DataFrame,
    v: Vintages,
    f: Filters,
    origin: pd.DataFrame,
    transit: pd.DataFrame,
    names: Mapping[str, str] | None = None,
) -> Slide:
    # The OC Index edition used is named by its id (the citation text no longer holds ids).
    used = {v.incidents, v.detections}
    oc_ids = set(origin["oc_source"].dropna().astype(str)) if "oc_source" in origin else set()
    english = i18n.get_lang() == i18n.DEFAULT_LANG
    lines: list[str] = []
    for r in sources.to_dict("records"):
        sid = str(r["source_id"])
        if sid not in used and sid not in oc_ids:
            continue
        d = as_date(r["vintage"])
        lic = (
            " " + _("Licence: {licence}.").format(licence=source_text(r["licence"]))
            if r.get("licence")
            else ""
        )
        cav = f" {source_text(r['caveat']).rstrip('.')}." if r.get("caveat") else ""
        line = _("{publisher}: {title}, vintage {date}").format(
            publisher=source_text(r["publisher"]),
            title=source_text(r["title"]),
            date=_day_text(d) if d else "-",
        )
        # Source ids stay in English (as they always were) and in the audit trail.
        lines.append((f"{line} ({sid})" if english else line) + f".{lic}{cav}")
    caveats = [
        _(fg.MIN_ESTIMATE_CAVEAT),
        _(fg.DETECTION_CAVEAT) + " " + _("Deaths and detections are never added together."),
        _(SCORE_CAVEAT),
        _(
            "An incident on several routes, or with several causes, counts under each; an "
            "incident with several countries of origin is split evenly between them."
        ),
        str(origin["note"].iloc[0]) if len(origin) and "note" in origin else "",
        str(transit["note"].iloc[0]).split(". Dead and missing are")[0].rstrip(".") + "."
        if len(transit) and "note" in transit
        else "",
        _(
            "Route waypoints are approximate, for display. Boundaries: Natural Earth (public "
            "domain)."
        ),
        _("Filters: {f}").format(f=describe(f, names)) + ".",
    ]
    if v.is_demo:
        caveats.insert(0, _(DEMO_WARNING))
    return Slide(
        kind="text",
        title=_("Sources and caveats"),
        lines=tuple(lines),
        secondary_title=_("Caveats"),
        secondary=tuple(c for c in caveats if c.strip(". ")),
        notes=_(
            "Every figure in this pack comes from the sources above, at the vintages named. "
            "See docs/methodology.md for the measures and the risk scores."
        ),
    )


# --------------------------------------------------------------------------- layout shared

SLIDE_W_PT = lay.SLIDE_W_PT
SLIDE_H_PT = lay.SLIDE_H_PT
MARGIN_PT = lay.MARGIN_PT
TITLE_TOP_PT = lay.TITLE_TOP_PT
FOOTER_PT = 26.0


def _value_size(text: str, width_pt: float, largest: float) -> float:
    """The largest bold font size (pt) at which ``text`` fits ``width_pt``."""
    return lay.fit_size(text, width_pt, largest)


def _image_box(img_w: int, img_h: int, box_w: float, box_h: float) -> tuple[float, float]:
    scale = min(box_w / img_w, box_h / img_h)
    return img_w * scale, img_h * scale


_png_size = lay.png_size
_pdf_fonts = lay.fonts


def _footer_text(pack: Pack, page: int, total: int) -> str:
    """The footer line; a scope too long for it is shortened, never the date or page."""
    head = _("RouteWatch briefing") + "  |  "
    tail = f"  |  {pack.date_label}  |  {page} / {total}"
    room = lay.CONTENT_W_PT - lay.WRAP_SLACK - 1 - lay.text_width(head + tail, lay.FOOTER_SIZE)
    return head + lay.ellipsis(pack.scope, lay.FOOTER_SIZE, room) + tail


def fitted_slides(pack: Pack) -> tuple[Slide, ...]:
    """The pack's slides with any that overflow continued on "(continued)" slides
    (:func:`export.layout.fit_slides`)."""
    return lay.fit_slides(pack.slides, is_demo=pack.is_demo, demo_text=_(DEMO_WARNING))


def fit_pack(pack: Pack) -> Pack:
    """The pack with its slides fitted (:func:`fitted_slides`); unchanged when all fit."""
    slides = fitted_slides(pack)
    return pack if slides == pack.slides else replace(pack, slides=slides)


def layout_pack(pack: Pack, fmt: str = "pdf") -> list[lay.SlideLayout]:
    """The boxes of every page of ``pack`` as :func:`render_pdf` (``fmt="pdf"``) or
    :func:`render_pptx` (``"pptx"``: charts native) draws them; ``pack`` already fitted."""
    total = len(pack.slides)
    return [
        lay.layout_slide(
            s,
            _footer_text(pack, page, total),
            is_demo=pack.is_demo,
            demo_text=_(DEMO_WARNING),
            native_charts=fmt == "pptx",
        )
        for page, s in enumerate(pack.slides, start=1)
    ]


# --------------------------------------------------------------------------- PDF


def render_pdf(pack: Pack) -> bytes:
    """The pack as a 16:9 landscape PDF, one slide per page, every box as
    :func:`layout_pack` places it.

    Returns
    -------
    bytes
        PDF whose metadata (title, subject, creation date) comes from the pack only, so the
        same pack gives the same bytes.
    """
    import calendar
    import time

    from reportlab import rl_config
    from reportlab.lib import colors
    from reportlab.lib.utils import ImageReader, TimeStamp
    from reportlab.pdfgen.canvas import Canvas

    # ASCII85 wrapping of image streams is pure Python here (no rl_accel): 4 s for a pack.
    # Binary streams are as valid and a fifth smaller; the switch is idempotent.
    rl_config.useA85 = 0
    pack = fit_pack(pack)
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(SLIDE_W_PT, SLIDE_H_PT), invariant=1, pageCompression=1)
    try:  # the document date is the pack's date, not the wall clock
        ts = TimeStamp(invariant=1)
        epoch = calendar.timegm(pack.pack_date.timetuple())
        ts.t, ts.lt = epoch, time.gmtime(epoch)
        ts.YMDhms = tuple(ts.lt)[:6]
        c._doc._timeStamp = ts
    except Exception:  # noqa: BLE001 - fall back to reportlab's fixed invariant date
        pass
    c.setTitle(f"{pack.title}: {pack.scope}")
    c.setSubject(_("Filters: {f}").format(f=pack.filters) + f". {pack.date_label}.")
    c.setAuthor("RouteWatch")
    c.setCreator("RouteWatch")
    c.setKeywords(_("RouteWatch, briefing, migrant smuggling, risk"))

    def y_pdf(y_top: float) -> float:
        return SLIDE_H_PT - y_top

    def draw_paras(paras: Sequence[lay.Para], x: float, y: float, w: float) -> None:
        for p in paras:
            lines = lay.wrap(p, w)
            c.setFillColor(colors.HexColor(p.colour))
            for i, line in enumerate(lines):
                base = y_pdf(y + (p.leading - p.size) / 2 + lay.BASELINE * p.size)
                if i == 0 and p.bullet:
                    c.setFont(lay.font_name(True), p.size)
                    c.drawString(x, base, p.bullet)
                c.setFont(lay.font_name(p.bold), p.size)
                if p.align == "right":
                    c.drawRightString(x + w, base, line)
                else:
                    c.drawString(x + p.indent, base, line)
                y += p.leading
            y += p.space_after

    def draw_table(t: lay.TableLayout, x: float, y: float) -> None:
        cy = y
        for i, (row, rh) in enumerate(zip(t.rows, t.row_heights, strict=True)):
            if i and i % 2 == 0:
                c.setFillColor(colors.HexColor(lay.CARD_FILL))
                c.rect(x, y_pdf(cy + rh), sum(t.col_widths), rh, stroke=0, fill=1)
            cx = x
            for v, cw in zip(row, t.col_widths, strict=False):
                draw_paras(
                    [lay.Para(str(v), t.size, t.leading, bold=i == 0)],
                    cx + t.pad,
                    cy + t.pad,
                    cw - 2 * t.pad,
                )
                cx += cw
            cy += rh
            if i == 0:
                c.setStrokeColor(colors.HexColor(INK))
                c.setLineWidth(1.2)
                c.line(x, y_pdf(cy), x + sum(t.col_widths), y_pdf(cy))

    accent = colors.HexColor(ACCENT)
    for slide, layout in zip(pack.slides, layout_pack(pack, "pdf"), strict=True):
        c.setFillColor(colors.white)
        c.rect(0, 0, SLIDE_W_PT, SLIDE_H_PT, stroke=0, fill=1)
        if slide.kind == "title":
            c.setFillColor(accent)
            c.rect(0, SLIDE_H_PT - 14, SLIDE_W_PT, 14, stroke=0, fill=1)
        for b in layout.boxes:
            if b.fill:
                c.setFillColor(colors.HexColor(b.fill))
                if b.role == "metric":
                    c.roundRect(b.x, y_pdf(b.bottom), b.w, b.h, 6, stroke=0, fill=1)
                    c.setFillColor(accent)
                    c.rect(b.x, y_pdf(b.y + 5), b.w, 5, stroke=0, fill=1)
                else:
                    c.rect(b.x, y_pdf(b.bottom), b.w, b.h, stroke=0, fill=1)
            if b.role == "rule":
                c.setStrokeColor(accent)
                c.setLineWidth(b.h)
                c.line(b.x, y_pdf(b.y + b.h / 2), b.x + b.w, y_pdf(b.y + b.h / 2))
            elif b.role == "image" and slide.image:
                c.drawImage(ImageReader(io.BytesIO(slide.image)), b.x, y_pdf(b.bottom), b.w, b.h)
            elif b.table is not None:
                draw_table(b.table, b.x, b.y)
            if b.paras:
                draw_paras(b.paras, b.x + b.pad, b.y + b.pad, b.w - 2 * b.pad)
        c.showPage()
    c.save()
    return buf.getvalue()


# --------------------------------------------------------------------------- PPTX


def _add_native_chart(slide: Any, spec: ChartSpec, x: Any, y: Any, w: Any, h: Any, alt: str) -> Any:
    """A native PowerPoint chart of ``spec`` (its data embedded as a workbook)."""
    from pptx.chart.data import CategoryChartData
    from pptx.dml.color import RGBColor
    from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION
    from pptx.util import Pt

    kinds = {
        "column": XL_CHART_TYPE.COLUMN_CLUSTERED,
        "bar": XL_CHART_TYPE.BAR_CLUSTERED,
        "bar_stacked": XL_CHART_TYPE.BAR_STACKED,
        "line": XL_CHART_TYPE.LINE,
    }
    data = CategoryChartData(number_format=spec.number_format)
    data.categories = list(spec.categories)
    for s in spec.series:
        data.add_series(s.name or _("Value"), list(s.values))
    frame = slide.shapes.add_chart(kinds[spec.kind], x, y, w, h, data)
    frame._element.nvGraphicFramePr.cNvPr.set("descr", alt[:1000])
    chart = frame.chart
    chart.font.size = Pt(10)
    chart.font.name = "Arial"
    chart.has_title = bool(spec.title)
    if spec.title:
        chart.chart_title.text_frame.text = spec.title
        chart.chart_title.text_frame.paragraphs[0].runs[0].font.size = Pt(12)
    chart.has_legend = len(spec.series) > 1
    if chart.has_legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
    plot = chart.plots[0]
    if spec.kind != "line":
        plot.gap_width = 40
        if spec.kind == "bar_stacked":
            plot.overlap = 100
    for s, series in zip(spec.series, plot.series, strict=True):
        if spec.kind == "line":
            if s.colour.startswith("#"):
                series.format.line.color.rgb = RGBColor.from_string(s.colour[1:7])
            continue
        if s.colour.startswith("#"):
            series.format.fill.solid()
            series.format.fill.fore_color.rgb = RGBColor.from_string(s.colour[1:7])
        for j, col in enumerate(s.point_colours):
            if col.startswith("#") and len(col) >= 7:
                pt_fmt = series.points[j].format
                pt_fmt.fill.solid()
                pt_fmt.fill.fore_color.rgb = RGBColor.from_string(col[1:7])
    if spec.data_labels:
        plot.has_data_labels = True
        labels = plot.data_labels
        labels.number_format = spec.number_format
        labels.number_format_is_linked = False
        labels.position = XL_LABEL_POSITION.OUTSIDE_END
        labels.font.size = Pt(9)
    for axis, text in (
        (chart.value_axis, spec.value_title),
        (chart.category_axis, spec.category_title),
    ):
        if text:
            axis.has_title = True
            axis.axis_title.text_frame.text = text
            axis.axis_title.text_frame.paragraphs[0].runs[0].font.size = Pt(10)
    chart.value_axis.tick_labels.number_format = spec.number_format
    chart.value_axis.tick_labels.number_format_is_linked = False
    chart.value_axis.has_major_gridlines = True
    chart.category_axis.tick_labels.font.size = Pt(9)
    return frame


def render_pptx(pack: Pack) -> bytes:
    """The pack as a 16:9 PowerPoint deck: every box as :func:`layout_pack` places it,
    charts native and editable (data embedded), maps as pictures with alt text, native
    tables, captions as text and speaker notes with the numbers.

    Returns
    -------
    bytes
        PPTX whose core properties (dates, author) come from the pack and whose zip entries
        carry the pack's date, so the same pack gives the same bytes.
    """
    from pptx import Presentation
    from pptx.dml.color import RGBColor
    from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
    from pptx.oxml.ns import qn
    from pptx.util import Emu, Pt

    pack = fit_pack(pack)
    prs = Presentation()
    prs.slide_width = Emu(int(SLIDE_W_PT * 12700))
    prs.slide_height = Emu(int(SLIDE_H_PT * 12700))

    def pt(v: float) -> Emu:
        return Emu(int(round(v * 12700)))

    def fill_frame(tf: Any, paras: Sequence[lay.Para], pad: float) -> None:
        tf.word_wrap = True
        tf.auto_size = MSO_AUTO_SIZE.NONE
        tf.vertical_anchor = MSO_ANCHOR.TOP
        tf.margin_left = tf.margin_right = tf.margin_top = tf.margin_bottom = pt(pad)
        for i, para in enumerate(paras):
            p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
            if i == 0:
                for r in list(p.runs):
                    r._r.getparent().remove(r._r)
            run = p.add_run()
            run.text = lay.drawable(para.text)
            run.font.size = Pt(para.size)
            run.font.bold = para.bold
            run.font.name = "Arial"
            run.font.color.rgb = RGBColor.from_string(para.colour.lstrip("#"))
            p.line_spacing = Pt(para.leading)
            p.space_before = Pt(0)
            p.space_after = Pt(para.space_after)
            p.alignment = PP_ALIGN.RIGHT if para.align == "right" else PP_ALIGN.LEFT
            ppr = p._p.get_or_add_pPr()
            if para.bullet:
                ppr.set("marL", str(int(pt(para.indent))))
                ppr.set("indent", str(-int(pt(para.indent))))
                if para.bullet.endswith(".") and para.bullet[:-1].isdigit():
                    bu = ppr.makeelement(qn("a:buAutoNum"), {})
                    bu.set("type", "arabicPeriod")
                    bu.set("startAt", para.bullet[:-1])
                else:
                    bu = ppr.makeelement(qn("a:buChar"), {"char": para.bullet})
                font = ppr.makeelement(qn("a:buFont"), {"typeface": "Arial"})
                ppr.append(font)
                ppr.append(bu)
            else:
                ppr.set("marL", "0")
                ppr.set("indent", "0")
                ppr.append(ppr.makeelement(qn("a:buNone"), {}))

    title_only = prs.slide_layouts[5]
    for s, layout in zip(pack.slides, layout_pack(pack, "pptx"), strict=True):
        slide = prs.slides.add_slide(title_only)
        for b in layout.boxes:
            x, y, w, h = pt(b.x), pt(b.y), pt(b.w), pt(b.h)
            if b.role == "title":
                t = slide.shapes.title
                t.left, t.top, t.width, t.height = x, y, w, h
                fill_frame(t.text_frame, b.paras, b.pad)
            elif b.role == "image" and s.image:
                pic = slide.shapes.add_picture(io.BytesIO(s.image), x, y, w, h)
                pic._element.nvPicPr.cNvPr.set("descr", s.image_alt[:1000])
            elif b.role == "chart":
                _add_native_chart(slide, s.charts[b.chart], x, y, w, h, s.image_alt)
            elif b.table is not None:
                t_l = b.table
                shape = slide.shapes.add_table(len(t_l.rows), len(t_l.col_widths), x, y, w, h)
                table = shape.table
                for j, cw in enumerate(t_l.col_widths):
                    table.columns[j].width = pt(cw)
                for i, (row, rh) in enumerate(zip(t_l.rows, t_l.row_heights, strict=True)):
                    table.rows[i].height = pt(rh)
                    for j, val in enumerate(row):
                        cell = table.cell(i, j)
                        cell.margin_left = cell.margin_right = pt(t_l.pad)
                        cell.margin_top = cell.margin_bottom = pt(t_l.pad)
                        fill_frame(
                            cell.text_frame,
                            [lay.Para(str(val), t_l.size, t_l.leading, bold=i == 0)],
                            t_l.pad,
                        )
            elif b.paras:
                tb = slide.shapes.add_textbox(x, y, w, h)
                tb.name = b.role
                if b.fill:
                    tb.fill.solid()
                    tb.fill.fore_color.rgb = RGBColor.from_string(b.fill.lstrip("#"))
                fill_frame(tb.text_frame, b.paras, b.pad)
        slide.notes_slide.notes_text_frame.text = s.notes or s.title

    created = dt.datetime.combine(pack.pack_date, dt.time(0, 0))
    cp = prs.core_properties
    cp.title = f"{pack.title}: {pack.scope}"
    cp.subject = _("Filters: {f}").format(f=pack.filters)
    cp.author = "RouteWatch"
    cp.last_modified_by = "RouteWatch"
    cp.keywords = _("RouteWatch, briefing")
    cp.created = created
    cp.modified = created
    cp.last_printed = created
    cp.revision = 1
    buf = io.BytesIO()
    prs.save(buf)
    return _stable_zip(buf.getvalue(), pack.pack_date)


def _stable_zip(data: bytes, day: dt.date) -> bytes:
    """Rewrite a zip with every entry dated ``day`` (python-pptx stamps the wall clock)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    stamp = (max(1980, day.year), day.month, day.day, 0, 0, 0)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=stamp)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, src.read(info.filename))
    return out.getvalue()


# --------------------------------------------------------------------------- entry point


def render_pack(pack: Pack, fmt: str) -> bytes:
    """Render a collected pack as ``pdf``, ``pptx`` or ``json`` (the audit trail)."""
    if fmt == "pdf":
        return render_pdf(pack)
    if fmt == "pptx":
        return render_pptx(pack)
    if fmt == "json":
        return render_audit(pack)
    raise ValueError(f"format must be 'pdf', 'pptx' or 'json', got {fmt!r}")


def render_audit(pack: Pack) -> bytes:
    """The audit trail as UTF-8 JSON (stable key order, so equal packs give equal bytes)."""
    return (json.dumps(pack.audit(), indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode(
        "utf-8"
    )
