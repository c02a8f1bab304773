"""Slide layout shared by the PDF and the PowerPoint pack: boxes measured before anything is drawn.

Every block of text on a slide is placed in a :class:`Box` whose height comes from measuring
its text with the font's own metrics (reportlab's ``stringWidth``/``simpleSplit`` on Liberation
Sans, metric-compatible with the Arial the PowerPoint uses), so both renderers draw the same
boxes and a test can compare what was drawn with what was laid out (:func:`layout_slide`).

:func:`fit_slides` makes a pack never overflow: a slide whose text does not fit above the
footer continues on a "(continued)" slide (a sentence too long for a whole slide is set
smaller, then split); a table too long for its slide continues the same way. It works on
any slide kind, so slides added later are covered without per-slide rules.

Coordinates are points from the slide's top-left corner (PowerPoint's convention; the PDF
renderer flips them).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from i18n import N_, _

SLIDE_W_PT = 960.0
SLIDE_H_PT = 540.0
MARGIN_PT = 36.0
TITLE_TOP_PT = 30.0
#: The footer line's top; every other box ends above :data:`BODY_BOTTOM_PT`.
FOOTER_TOP_PT = SLIDE_H_PT - 26.0
BODY_BOTTOM_PT = SLIDE_H_PT - 40.0
CONTENT_W_PT = SLIDE_W_PT - 2 * MARGIN_PT
ACCENT = "#D55E00"
INK = "#1A1A1A"
GREY = "#555555"
DEMO_RED = "#B00020"
CARD_FILL = "#F4F4F4"
#: The mark of a continuation slide's title (marked; translated by :func:`continued`).
CONTINUED = N_(" (continued)")
FOOTER_SIZE = 8.5
#: Points short of a box's right edge where lines are broken (see :func:`wrap`).
WRAP_SLACK = 3.0
#: The risk table's column widths (fractions of the table's width) when it has six columns.
TABLE_WIDTHS: tuple[float, ...] = (0.07, 0.23, 0.11, 0.17, 0.16, 0.26)
#: Smallest scale of a slide's flowing text before a single sentence is split.
MIN_TEXT_SCALE = 0.75
#: Where a line's baseline sits in its line box (fraction of the font size below the box's
#: top, after half the extra leading): glyphs then stay inside the line box.
BASELINE = 0.82


@dataclass(frozen=True)
class Para:
    """One paragraph: its text, font size and line height (pt), weight, colour, bullet
    (``"\u2022"``, ``"3."`` or none) with its hanging indent, space after and alignment."""

    text: str
    size: float
    leading: float
    bold: bool = False
    colour: str = INK
    bullet: str = ""
    indent: float = 0.0
    space_after: float = 0.0
    align: str = "left"


@dataclass(frozen=True)
class TableLayout:
    """A table's cells, column widths, row heights, font size, line height and cell padding."""

    rows: tuple[tuple[str, ...], ...]
    col_widths: tuple[float, ...]
    row_heights: tuple[float, ...]
    size: float
    leading: float
    pad: float = 3.0


@dataclass(frozen=True)
class Box:
    """A rectangle on a slide and what it holds. ``role``: ``title``, ``subtitle``, ``body``,
    ``caption``, ``footer``, ``demo``, ``brand``, ``metric`` (a card), ``image``, ``chart``
    (``chart`` = index into the slide's charts), ``table`` or ``rule`` (a decoration)."""

    role: str
    x: float
    y: float
    w: float
    h: float
    paras: tuple[Para, ...] = ()
    pad: float = 0.0
    fill: str = ""
    table: TableLayout | None = None
    chart: int = -1

    @property
    def has_text(self) -> bool:
        return bool(self.paras) or self.table is not None

    @property
    def bottom(self) -> float:
        return self.y + self.h


@dataclass(frozen=True)
class SlideLayout:
    """The boxes of one slide; ``flow_fitted`` of ``flow_total`` flowing paragraphs and
    ``rows_fitted`` of ``rows_total`` table rows found room."""

    boxes: tuple[Box, ...]
    flow_fitted: int = 0
    flow_total: int = 0
    rows_fitted: int = 0
    rows_total: int = 0

    @property
    def fits(self) -> bool:
        return self.flow_fitted >= self.flow_total and self.rows_fitted >= self.rows_total


# --------------------------------------------------------------------------- measuring


@lru_cache(maxsize=1)
def fonts() -> tuple[str, str]:
    """Register a Unicode sans-serif with reportlab; return (regular, bold) font names.

    Liberation Sans has Arial's metrics, so text measured with it wraps as PowerPoint wraps
    the PPTX's Arial.
    """
    from pathlib import Path

    import matplotlib
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    candidates = [
        (
            Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf"),
            Path("/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"),
        ),
        (
            Path(matplotlib.get_data_path()) / "fonts/ttf/DejaVuSans.ttf",
            Path(matplotlib.get_data_path()) / "fonts/ttf/DejaVuSans-Bold.ttf",
        ),
    ]
    for regular, bold in candidates:
        if regular.is_file() and bold.is_file():
            name = "RW-" + regular.stem
            if name not in pdfmetrics.getRegisteredFontNames():
                pdfmetrics.registerFont(TTFont(name, str(regular)))
                pdfmetrics.registerFont(TTFont(name + "-Bold", str(bold)))
            return name, name + "-Bold"
    return "Helvetica", "Helvetica-Bold"


def font_name(bold: bool) -> str:
    regular, heavy = fonts()
    return heavy if bold else regular


#: French numbers and punctuation hold with no-break spaces (``8\u202f755``, ``12\u00a0%``,
#: ``Source\u00a0:``). Liberation Sans has no glyph for the narrow one (U+202F), so slides
#: draw it as a no-break space (U+00A0), which every font here has.
NARROW_NBSP = "\u202f"
NBSP = "\u00a0"
#: Stand-ins (private-use, not whitespace) that keep a no-break space inside its word while
#: reportlab breaks lines (its splitter breaks at every Unicode space, then joins with " ").
_HOLD = {NARROW_NBSP: "\ue000", NBSP: "\ue001"}


def drawable(text: str) -> str:
    """``text`` as the slide fonts can draw it (narrow no-break space -> no-break space)."""
    return text.replace(NARROW_NBSP, NBSP)


def text_width(text: str, size: float, bold: bool = False) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return float(stringWidth(drawable(text), font_name(bold), size))


@lru_cache(maxsize=4096)
def split_lines(text: str, size: float, width: float, bold: bool = False) -> tuple[str, ...]:
    """``text`` broken into the lines that fit ``width`` points at ``size`` pt (a word
    longer than the width is broken inside); never at a no-break space, which comes back
    as U+00A0 (:func:`drawable`)."""
    from reportlab.lib.utils import simpleSplit

    text = str(text)
    if NARROW_NBSP in text or NBSP in text:
        return _split_holding_spaces(text, size, width, bold)
    out: list[str] = []
    for part in text.split("\n"):
        lines = simpleSplit(part, font_name(bold), size, max(width, 1.0)) or [""]
        out.extend(lines)
    return tuple(out)


def _split_holding_spaces(text: str, size: float, width: float, bold: bool) -> tuple[str, ...]:
    from reportlab.lib.utils import _simpleSplit
    from reportlab.pdfbase.pdfmetrics import stringWidth

    font = font_name(bold)

    def measure(t: str) -> float:
        return float(stringWidth(t.replace("\ue000", NBSP).replace("\ue001", NBSP), font, size))

    held = text
    for space, stand_in in _HOLD.items():
        held = held.replace(space, stand_in)
    out: list[str] = []
    for part in held.split("\n"):
        lines = _simpleSplit(part, max(width, 1.0), measure) or [""]
        out.extend(line.replace("\ue000", NBSP).replace("\ue001", NBSP) for line in lines)
    return tuple(out)


def wrap(p: Para, width: float) -> tuple[str, ...]:
    """The lines of ``p`` in a box ``width`` points wide. Lines are broken
    :data:`WRAP_SLACK` points short of the edge, so a renderer whose wrapping differs by a
    hair (PowerPoint's) never needs a line more than measured."""
    return split_lines(p.text, p.size, width - p.indent - WRAP_SLACK, p.bold)


def para_height(p: Para, width: float) -> float:
    return len(wrap(p, width)) * p.leading


def paras_height(paras: tuple[Para, ...] | list[Para], width: float) -> float:
    if not paras:
        return 0.0
    return sum(para_height(p, width) + p.space_after for p in paras) - paras[-1].space_after


def fit_size(text: str, width: float, largest: float, bold: bool = True) -> float:
    """The largest size (pt, whole points) at which ``text`` fits ``width`` on one line."""
    w1 = text_width(text, 1.0, bold) or 1.0
    return float(max(6, min(largest, int(width / w1))))


def ellipsis(text: str, size: float, width: float, bold: bool = False) -> str:
    """``text`` cut with an ellipsis to fit one line of ``width`` points."""
    if text_width(text, size, bold) <= width:
        return text
    while text and text_width(text + "\u2026", size, bold) > width:
        text = text[:-1]
    return text.rstrip() + "\u2026"


# --------------------------------------------------------------------------- layout


def _title_paras(text: str, width: float) -> tuple[Para, ...]:
    """The title at 24 pt on up to two lines, else smaller."""
    sizes = ((24.0, 28.0, 2), (20.0, 24.0, 2), (18.0, 21.0, 3))
    for size, leading, max_lines in sizes:
        if len(wrap(Para(text, size, leading, bold=True), width)) <= max_lines:
            return (Para(text, size, leading, bold=True),)
    return (Para(text, 16.0, 19.0, bold=True),)


def _numbered(slide: Any) -> int:
    start = int(getattr(slide, "number_from", 0) or 0)
    return start or (1 if slide.title == _("Key messages") else 0)


def flow_paras(slide: Any) -> list[Para]:
    """The paragraphs that flow down a slide (its lines, then its secondary list), at the
    slide's text scale."""
    k = float(getattr(slide, "text_scale", 1.0) or 1.0)
    kind = slide.kind
    out: list[Para] = []
    if kind == "title":
        out = [Para(x, 13 * k, 17 * k, colour=GREY, space_after=6) for x in slide.lines]
        return out
    if kind == "metrics":
        return [Para(x, 15 * k, 20 * k, space_after=6) for x in slide.lines]
    small = kind == "text"
    size, leading, gap = (12.5, 16.5, 6.0) if small else (15.0, 20.0, 10.0)
    start = _numbered(slide)
    for i, line in enumerate(slide.lines):
        bullet = f"{start + i}." if start else "\u2022"
        out.append(Para(line, size * k, leading * k, bullet=bullet, indent=22, space_after=gap))
    if slide.secondary:
        if out:
            out[-1] = dataclasses.replace(out[-1], space_after=gap + 8)
        out.append(Para(slide.secondary_title, 13 * k, 17 * k, bold=True, space_after=6))
        s_size, s_lead = (12.0, 16.0) if small else (13.0, 17.0)
        colour = INK if small else GREY
        for line in slide.secondary:
            out.append(
                Para(
                    line,
                    s_size * k,
                    s_lead * k,
                    colour=colour,
                    bullet="\u2022",
                    indent=22,
                    space_after=5,
                )
            )
    return out


def _place_flow(
    paras: list[Para], x: float, top: float, bottom: float, width: float, boxes: list[Box]
) -> int:
    """Place as many paragraphs as fit between ``top`` and ``bottom``; return how many."""
    y, n = top, 0
    for p in paras:
        h = para_height(p, width)
        if y + h > bottom + 0.01:
            break
        y += h + p.space_after
        n += 1
    # a heading never ends a slide without a line under it
    if 0 < n < len(paras) and paras[n - 1].bold and not paras[n - 1].bullet:
        n -= 1
    if n:
        placed = tuple(paras[:n])
        boxes.append(Box("body", x, top, width, paras_height(placed, width), placed))
    return n


def _caption_box(text: str, bottom: float, width: float, max_h: float = 60.0) -> Box:
    for size, leading in ((9.5, 12.0), (8.5, 10.5), (7.5, 9.0)):
        p = Para(text, size, leading, colour=GREY)
        h = para_height(p, width)
        if h <= max_h:
            break
    return Box("caption", MARGIN_PT, bottom - h, width, h, (p,))


def _fit_image(iw: int, ih: int, box_w: float, box_h: float) -> tuple[float, float]:
    scale = min(box_w / max(iw, 1), box_h / max(ih, 1))
    return iw * scale, ih * scale


def png_size(png: bytes) -> tuple[int, int]:
    # Width and height from the IHDR chunk (no image library needed).
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def layout_table(
    rows: tuple[tuple[str, ...], ...], width: float, height: float
) -> tuple[TableLayout, int]:
    """The table at the largest font (10 to 7 pt) at which it fits ``height``; at the smallest,
    as many rows as fit. Returns the layout and how many rows (header included) it holds."""
    ncol = max(len(r) for r in rows)
    fracs = TABLE_WIDTHS if ncol == len(TABLE_WIDTHS) else (1.0 / ncol,) * ncol
    cols = tuple(width * f for f in fracs)
    pad = 3.0
    for size, leading in ((10.0, 12.0), (9.0, 11.0), (8.0, 9.6), (7.0, 8.4)):
        heights = tuple(
            max(
                len(wrap(Para(str(v), size, leading, bold=i == 0), cw - 2 * pad))
                for v, cw in zip(r, cols, strict=False)
            )
            * leading
            + 2 * pad
            for i, r in enumerate(rows)
        )
        if sum(heights) <= height:
            return TableLayout(rows, cols, heights, size, leading, pad), len(rows)
    n, acc = 0, 0.0
    for h in heights:
        if acc + h > height:
            break
        acc += h
        n += 1
    n = max(n, 2)
    return TableLayout(rows[:n], cols, heights[:n], size, leading, pad), n


def layout_slide(
    slide: Any,
    footer: str = "",
    *,
    is_demo: bool = False,
    demo_text: str = "",
    native_charts: bool = False,
) -> SlideLayout:
    """Every box of ``slide``, measured. ``native_charts`` lays charts out for PowerPoint
    (the chart fills its area) instead of the picture.

    Returns
    -------
    SlideLayout
    """
    boxes: list[Box] = []
    last: list[Box] = []
    width = CONTENT_W_PT
    kind = slide.kind
    if kind not in ("title", "metrics", "bullets", "text", "image", "image_table"):
        kind = "image_table" if slide.table else ("image" if slide.image else "bullets")
    if kind in ("image", "image_table") and not (slide.image or slide.table or slide.charts):
        kind = "bullets"
    fitted = total = rows_fitted = rows_total = 0
    bottom = BODY_BOTTOM_PT
    if kind == "title":
        boxes.append(
            Box("brand", MARGIN_PT, 56, width, 16, (Para("ROUTEWATCH", 13, 16, True, GREY),))
        )
        title = Para(slide.title, 34, 40, bold=True)
        boxes.append(Box("title", MARGIN_PT, 110, width, paras_height([title], width), (title,)))
        y = boxes[-1].bottom + 14
        if slide.subtitle:
            sub = Para(slide.subtitle, 20, 26)
            boxes.append(Box("subtitle", MARGIN_PT, y, width, paras_height([sub], width), (sub,)))
            y = boxes[-1].bottom + 20
        if is_demo and demo_text:
            band = Para(demo_text, 15, 18, bold=True, colour="#FFFFFF")
            boxes.append(
                Box("demo", MARGIN_PT, SLIDE_H_PT - 94, width, 34, (band,), pad=8, fill=DEMO_RED)
            )
            bottom = SLIDE_H_PT - 94 - 10
        paras = flow_paras(slide)
        total = len(paras)
        fitted = _place_flow(paras, MARGIN_PT, y, bottom, width, boxes)
    else:
        if is_demo and demo_text:  # drawn last: the title comes first in the text
            p = Para(demo_text, 9, 11, bold=True, colour=DEMO_RED, align="right")
            # 360 pt, wider when the warning needs it (a translation runs longer).
            dw = min(width, max(360.0, text_width(demo_text, 9, True) + WRAP_SLACK + 2))
            last.append(Box("demo", SLIDE_W_PT - MARGIN_PT - dw, 6, dw, 11, (p,)))
        tparas = _title_paras(slide.title, width)
        boxes.append(
            Box("title", MARGIN_PT, TITLE_TOP_PT, width, paras_height(tparas, width), tparas)
        )
        rule_y = boxes[-1].bottom + 7
        boxes.append(Box("rule", MARGIN_PT, rule_y, 90, 2.5))
        top = rule_y + 12
        if slide.subtitle and kind != "image_table":
            sub = Para(slide.subtitle, 13, 17, colour=GREY)
            boxes.append(Box("subtitle", MARGIN_PT, top, width, paras_height([sub], width), (sub,)))
            top = boxes[-1].bottom + 10
        if kind in ("bullets", "text", "metrics") and slide.caption:
            cap = _caption_box(slide.caption, bottom, width)
            boxes.append(cap)
            bottom = cap.y - 10
        if kind == "metrics":
            n = max(1, len(slide.metrics))
            gap = 14.0
            bw = (width - gap * (n - 1)) / n
            cards = []
            for m in slide.metrics:
                inner = bw - 28
                paras_m = [Para(m.label, 16, 20, True, GREY, space_after=10)]
                vs = fit_size(m.value, inner, 44)
                paras_m.append(Para(m.value, vs, vs * 1.2, True, space_after=10))
                if m.change:
                    paras_m.append(Para(m.change, 14, 18, space_after=8))
                if m.note:
                    paras_m.append(Para(m.note, 11, 14, colour=GREY))
                cards.append(tuple(paras_m))
            card_h = max([180.0] + [paras_height(c, bw - 28) + 28 for c in cards])
            for i, c in enumerate(cards):
                boxes.append(
                    Box(
                        "metric",
                        MARGIN_PT + i * (bw + gap),
                        top + 4,
                        bw,
                        card_h,
                        c,
                        pad=14,
                        fill=CARD_FILL,
                    )
                )
            top = top + 4 + card_h + 16
            paras = flow_paras(slide)
            total = len(paras)
            fitted = _place_flow(paras, MARGIN_PT, top, bottom, width, boxes)
        elif kind in ("bullets", "text"):
            paras = flow_paras(slide)
            total = len(paras)
            fitted = _place_flow(paras, MARGIN_PT, top, bottom, width, boxes)
        elif kind == "image":
            img_cap = _caption_box(slide.caption, bottom, width) if slide.caption else None
            area_h = bottom - top - ((img_cap.h + 8) if img_cap else 0)
            charts = slide.charts if native_charts else ()
            if charts:
                n = len(charts)
                gap = 16.0
                cw = (width - gap * (n - 1)) / n
                for i in range(n):
                    boxes.append(Box("chart", MARGIN_PT + i * (cw + gap), top, cw, area_h, chart=i))
                img_bottom = top + area_h
            else:
                iw, ih = png_size(slide.image)
                w, h = _fit_image(iw, ih, width, area_h)
                boxes.append(Box("image", MARGIN_PT + (width - w) / 2, top, w, h))
                img_bottom = top + h
            if img_cap:
                boxes.append(dataclasses.replace(img_cap, y=img_bottom + 8))
        else:  # image_table
            if slide.caption:
                cap = _caption_box(slide.caption, bottom, width)
                boxes.append(cap)
                bottom = cap.y - 10
            area_h = bottom - top
            map_w = width * 0.58 if slide.table and slide.image else width
            if slide.image:
                iw, ih = png_size(slide.image)
                w, h = _fit_image(iw, ih, map_w, area_h)
                boxes.append(Box("image", MARGIN_PT, top, w, h))
            if slide.table:
                tx = MARGIN_PT + map_w + 16 if slide.image else MARGIN_PT
                tw = width - map_w - 16 if slide.image else width
                table, rows_fitted = layout_table(slide.table, tw, area_h)
                rows_total = len(slide.table)
                boxes.append(Box("table", tx, top, tw, sum(table.row_heights), table=table))
    if footer:
        fp = Para(
            ellipsis(footer, FOOTER_SIZE, width - WRAP_SLACK - 1), FOOTER_SIZE, 11, colour=GREY
        )
        boxes.append(Box("footer", MARGIN_PT, FOOTER_TOP_PT + 2, width, 11, (fp,)))
    return SlideLayout(tuple(boxes + last), fitted, total, rows_fitted, rows_total)


# --------------------------------------------------------------------------- fitting


def continued(title: str) -> str:
    mark = _(CONTINUED)
    return title if title.endswith(mark) else title + mark


def _split_flow(slide: Any, k: int) -> tuple[Any, Any]:
    """The slide's first ``k`` flowing paragraphs, and a continuation slide with the rest."""
    lines, sec = tuple(slide.lines), tuple(slide.secondary)
    start = _numbered(slide)
    rest_kind = slide.kind if slide.kind in ("bullets", "text") else "bullets"
    if k <= len(lines):
        first = dataclasses.replace(slide, lines=lines[:k], secondary=(), secondary_title="")
        rest = dataclasses.replace(slide, lines=lines[k:])
        moved = k
    else:
        j = k - len(lines) - 1  # the secondary heading takes a place
        first = dataclasses.replace(slide, secondary=sec[:j])
        rest = dataclasses.replace(slide, lines=(), secondary=sec[j:])
        moved = len(lines)
    rest = dataclasses.replace(
        rest,
        kind=rest_kind,
        title=continued(slide.title),
        metrics=(),
        figures=(),
        number_from=(start + moved) if start else 0,
        text_scale=1.0,
        subtitle="" if slide.kind == "title" else slide.subtitle,
    )
    if start:
        first = dataclasses.replace(first, number_from=start)
    return first, rest


def _split_first_para(slide: Any, lay_scale_width: float, room: float) -> tuple[Any, Any] | None:
    """Split the first line of ``slide`` where the room above the footer ends."""
    paras = flow_paras(slide)
    if not paras or not slide.lines:
        return None
    p = paras[0]
    lines = wrap(p, lay_scale_width)
    n = max(1, int(room // p.leading))
    if n >= len(lines):
        return None
    head = " ".join(lines[:n])
    tail = " ".join(lines[n:])
    first = dataclasses.replace(slide, lines=(head,), secondary=(), secondary_title="")
    rest = dataclasses.replace(
        slide,
        kind=slide.kind if slide.kind in ("bullets", "text") else "bullets",
        title=continued(slide.title),
        lines=(tail, *slide.lines[1:]),
        metrics=(),
        figures=(),
    )
    return first, rest


def _fit_one(slide: Any, is_demo: bool, demo_text: str, depth: int = 0) -> list[Any]:
    lay = layout_slide(slide, "", is_demo=is_demo, demo_text=demo_text)
    if lay.fits or depth > 60:
        return [slide]
    if lay.rows_fitted < lay.rows_total:
        k = lay.rows_fitted
        header, body = slide.table[0], slide.table[1:]
        first = dataclasses.replace(slide, table=slide.table[:k])
        rest = dataclasses.replace(
            slide,
            title=continued(slide.title),
            table=(header, *body[k - 1 :]),
            image=None,
            figures=(),
        )
        return [first, *_fit_one(rest, is_demo, demo_text, depth + 1)]
    k = lay.flow_fitted
    if k == 0:
        scale = float(getattr(slide, "text_scale", 1.0) or 1.0)
        if scale > MIN_TEXT_SCALE:
            smaller = dataclasses.replace(slide, text_scale=round(scale - 0.125, 3))
            small = layout_slide(smaller, "", is_demo=is_demo, demo_text=demo_text)
            if small.flow_fitted == 0:
                return _fit_one(smaller, is_demo, demo_text, depth + 1)
            if small.fits and small.flow_total == 1:
                return [smaller]
            # only the paragraph too long for a slide is set smaller; the rest continue
            first, rest = _split_flow(smaller, 1 if slide.lines else 2)
            return [first, *_fit_one(rest, is_demo, demo_text, depth + 1)]
        body = [b for b in lay.boxes if b.role not in ("footer", "demo", "caption")]
        top = max(b.bottom for b in body) + (10 if slide.kind != "title" else 20)
        bottom = min(
            [BODY_BOTTOM_PT]
            + [b.y - 10 for b in lay.boxes if b.role in ("caption", "demo") and b.y > top]
        )
        split = _split_first_para(slide, CONTENT_W_PT, bottom - top)
        if split is None:
            return [slide]
        first, rest = split
        return [first, *_fit_one(rest, is_demo, demo_text, depth + 1)]
    first, rest = _split_flow(slide, k)
    return [first, *_fit_one(rest, is_demo, demo_text, depth + 1)]


def fit_slides(slides: Any, *, is_demo: bool = False, demo_text: str = "") -> tuple[Any, ...]:
    """The slides with every one that overflows continued on "(continued)" slides.

    Slides that fit come back unchanged, so fitting twice changes nothing.
    """
    out: list[Any] = []
    for s in slides:
        out.extend(_fit_one(s, is_demo, demo_text))
    return tuple(out)
