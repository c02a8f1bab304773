"""The prevention planner's exports: a one-page PDF per country and the cards as CSV rows.

Pure: cards in (:class:`analytics.planner.PlanCard`), bytes out. Every sentence comes from
:func:`analytics.planner.card_sections` (translatable templates), so the PDF, the CSV, the page
and the command say the same thing.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from xml.sax.saxutils import escape as _xml_escape

import pandas as pd

from analytics.catalogue import DETECTION_CAVEAT, MIN_ESTIMATE_CAVEAT, measure
from analytics.planner import (
    SECTION_TITLES,
    PlanCard,
    card_sections,
    card_summary,
    compute_plan_rows,
    month_name,
)
from export.layout import drawable
from export.pack import ACCENT, DEMO_WARNING, GREY, INK, _pdf_fonts
from export.tables import to_safe_csv
from i18n import _

PAGE_W_PT = 595.28  # A4 portrait
PAGE_H_PT = 841.89
MARGIN_PT = 42.0
#: Body font sizes tried, largest first, until the card fits on the page.
FONT_SIZES = (10.5, 10.0, 9.5, 9.0, 8.5, 8.0, 7.5, 7.0)
CHART_H_PT = 70.0


def escape(text: str) -> str:
    """``text`` for a reportlab paragraph: XML-escaped, no-break spaces the fonts can draw."""
    return _xml_escape(drawable(text))


def plan_title(card: PlanCard) -> str:
    return _("Prevention planner: {name}").format(name=card.name)


def _caveats(card: PlanCard) -> str:
    return " ".join(
        (
            MIN_ESTIMATE_CAVEAT,
            DETECTION_CAVEAT,
            measure("language_speakers_share").caveat,
            measure("share_cause").caveat,
            _("Sources: {sources}.").format(sources=card.sources),
        )
    )


def render_plan_pdf(card: PlanCard, *, filters: str = "", is_demo: bool = False) -> bytes:
    """One A4 page for one country: summary, who, when (with the monthly profile), where,
    what, caveats and sources. The body font shrinks until everything fits; lines that still
    do not fit are cut from the end of the longest section, with a line saying how many.

    Raises
    ------
    ValueError
        Never for a long card (it is cut to fit); only from reportlab itself.
    """
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import Paragraph

    regular, bold = _pdf_fonts()
    width = PAGE_W_PT - 2 * MARGIN_PT
    sections = card_sections(card)
    ink, grey, accent = colors.HexColor(INK), colors.HexColor(GREY), colors.HexColor(ACCENT)

    def styles(size: float) -> dict[str, ParagraphStyle]:
        return {
            "title": ParagraphStyle("t", fontName=bold, fontSize=18, leading=22, textColor=ink),
            "sub": ParagraphStyle(
                "s", fontName=regular, fontSize=size, leading=size * 1.3, textColor=grey
            ),
            "head": ParagraphStyle(
                "h",
                fontName=bold,
                fontSize=size + 1.5,
                leading=(size + 1.5) * 1.3,
                textColor=accent,
                spaceBefore=4,
            ),
            "body": ParagraphStyle(
                "b",
                fontName=regular,
                fontSize=size,
                leading=size * 1.3,
                textColor=ink,
                leftIndent=10,
                bulletIndent=0,
            ),
            "small": ParagraphStyle(
                "c",
                fontName=regular,
                fontSize=max(size - 2, 6),
                leading=max(size - 2, 6) * 1.25,
                textColor=grey,
                spaceBefore=6,
            ),
        }

    def blocks(
        st: dict[str, ParagraphStyle], secs: dict[str, list[str]]
    ) -> list[tuple[str, Paragraph]]:
        out: list[tuple[str, Paragraph]] = [
            ("p", Paragraph(escape(plan_title(card)), st["title"])),
            ("p", Paragraph(escape(card_summary(card)), st["sub"])),
        ]
        if filters:
            out.append(("p", Paragraph(escape(_("Filters: {f}").format(f=filters)), st["sub"])))
        for key, lines in secs.items():
            out.append(("p", Paragraph(escape(_(SECTION_TITLES[key])), st["head"])))
            if key == "when":
                out.append(("chart", Paragraph("", st["sub"])))
            for line in lines:
                out.append(("p", Paragraph(escape(line), st["body"], bulletText="•")))
        out.append(("p", Paragraph(escape(_caveats(card)), st["small"])))
        return out

    def height(bl: list[tuple[str, Paragraph]]) -> float:
        total = 0.0
        for kind, p in bl:
            if kind == "chart":
                total += CHART_H_PT + 6
                continue
            _w, h = p.wrap(width, PAGE_H_PT)
            total += h + p.getSpaceBefore() + 2
        return total

    avail = PAGE_H_PT - 2 * MARGIN_PT - (30 if is_demo else 0)
    secs = {k: list(v) for k, v in sections.items()}
    chosen: list[tuple[str, Paragraph]] | None = None
    for size in FONT_SIZES:
        bl = blocks(styles(size), secs)
        if height(bl) <= avail:
            chosen = bl
            break
    while chosen is None:  # still too long at the smallest size: cut the longest section
        key = max(secs, key=lambda k: len(secs[k]))
        if len(secs[key]) <= 1:
            raise ValueError(_("the card does not fit on one page even cut to one line a section"))
        cut = sections[key]
        keep = len(secs[key]) - 2
        secs[key] = cut[:keep] + [
            _("... and {n} more lines (see the CSV).").format(n=len(cut) - keep)
        ]
        bl = blocks(styles(FONT_SIZES[-1]), secs)
        if height(bl) <= avail:
            chosen = bl

    buf = io.BytesIO()
    c = Canvas(buf, pagesize=(PAGE_W_PT, PAGE_H_PT), invariant=1, pageCompression=1)
    c.setTitle(plan_title(card))
    c.setAuthor("RouteWatch")
    c.setCreator("RouteWatch")
    y = PAGE_H_PT - MARGIN_PT
    if is_demo:
        c.setFillColor(colors.HexColor("#B00020"))
        c.rect(MARGIN_PT, y - 22, width, 22, stroke=0, fill=1)
        c.setFillColor(colors.white)
        c.setFont(bold, 11)
        c.drawString(MARGIN_PT + 8, y - 15, _(DEMO_WARNING))
        y -= 30
    for kind, p in chosen:
        if kind == "chart":
            _draw_season(c, card, MARGIN_PT, y - CHART_H_PT, width, CHART_H_PT, regular)
            y -= CHART_H_PT + 6
            continue
        _w, h = p.wrap(width, PAGE_H_PT)
        y -= p.getSpaceBefore()
        p.drawOn(c, MARGIN_PT, y - h)
        y -= h + 2
    c.showPage()
    c.save()
    return buf.getvalue()


def _draw_season(
    c: object, card: PlanCard, x: float, y: float, w: float, h: float, font: str
) -> None:
    """Twelve pairs of bars: each month's share of detections (accent) and of dead and missing
    (grey), over whole years; a month with no profile draws nothing."""
    from reportlab.lib import colors

    canvas = c  # a reportlab Canvas
    label_h = 10.0
    bar_h = h - label_h - 16  # clear of the legend line at the top
    slot = w / 12.0
    series = [
        (card.detection_season, colors.HexColor(ACCENT)),
        (card.death_season, colors.HexColor(GREY)),
    ]
    top = 0.0
    for df, _col in series:
        if len(df) and df["share"].notna().any():
            top = max(top, float(df["share"].max()))
    canvas.setFont(font, 7)  # type: ignore[attr-defined]
    canvas.setFillColor(colors.HexColor(GREY))  # type: ignore[attr-defined]
    canvas.drawString(  # type: ignore[attr-defined]
        x,
        y + h - 6,
        _("Share of the year in each month: detections (orange), dead and missing (grey)"),
    )
    for m in range(1, 13):
        canvas.setFillColor(colors.HexColor(INK))  # type: ignore[attr-defined]
        canvas.drawCentredString(x + slot * (m - 0.5), y, month_name(m)[:3])  # type: ignore[attr-defined]
        for k, (df, col) in enumerate(series):
            if not len(df) or top <= 0:
                continue
            share = df.loc[df["month"] == m, "share"]
            v = float(share.iloc[0]) if len(share) and pd.notna(share.iloc[0]) else 0.0
            bw = slot * 0.35
            bx = x + slot * (m - 1) + slot * 0.12 + k * bw
            canvas.setFillColor(col)  # type: ignore[attr-defined]
            canvas.rect(bx, y + label_h, bw, bar_h * v / top, stroke=0, fill=1)  # type: ignore[attr-defined]


def plan_csv(cards: Sequence[PlanCard]) -> bytes:
    """Every card's rows (:func:`analytics.planner.compute_plan_rows`) as a spreadsheet-safe
    CSV."""
    frames = [compute_plan_rows(card) for card in cards]
    df = pd.concat(frames, ignore_index=True) if frames else compute_plan_rows_empty()
    return to_safe_csv(df)


def compute_plan_rows_empty() -> pd.DataFrame:
    return pd.DataFrame(
        columns=[
            "iso3",
            "country",
            "section",
            "item",
            "measure",
            "value",
            "unit",
            "display",
            "text",
        ]
    )
