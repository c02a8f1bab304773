"""Checks that a rendered briefing pack never overflows (shared by the unit and real-data tests).

Each check returns a list of problems (empty when the pack is sound), so a failing test names
every slide and box at fault at once.

- :func:`pdf_problems`: every character pdfplumber finds on a page lies inside the text box
  the layout placed it in (and that box holds exactly the text laid out for it), every box
  lies inside the margins and above the footer line, and no two boxes overlap.
- :func:`pptx_problems`: every shape lies within the slide's margins and above the footer,
  no two shapes overlap, and each text frame's height, estimated from the file's own fonts,
  sizes and line spacing, fits its shape (table cells: their row).
- :func:`chart_problems`: the slides with chart data carry native charts (``has_chart``,
  no picture) whose embedded data equal the slide's chart specs.
"""

from __future__ import annotations

import io
from collections import Counter
from itertools import combinations
from typing import Any

from export import layout as lay
from export import pack as b

TOL = 1.0  # points: glyph outlines may touch a box's edge
EMU_PER_PT = 12700


def _overlap(a: tuple[float, float, float, float], c: tuple[float, float, float, float]) -> bool:
    """Whether two (x0, top, x1, bottom) rectangles share more than a hairline."""
    return min(a[2], c[2]) - max(a[0], c[0]) > 0.5 and min(a[3], c[3]) - max(a[1], c[1]) > 0.5


def _rect(box: lay.Box) -> tuple[float, float, float, float]:
    return (box.x, box.y, box.x + box.w, box.bottom)


def _inside_page(name: str, r: tuple[float, float, float, float], footer: bool) -> list[str]:
    out = []
    if r[0] < lay.MARGIN_PT - TOL or r[2] > lay.SLIDE_W_PT - lay.MARGIN_PT + TOL:
        out.append(f"{name} crosses a side margin: x {r[0]:.1f}-{r[2]:.1f}")
    if r[1] < 0 or r[3] > lay.SLIDE_H_PT:
        out.append(f"{name} runs off the page: y {r[1]:.1f}-{r[3]:.1f}")
    if not footer and r[3] > lay.BODY_BOTTOM_PT + TOL:
        out.append(f"{name} runs into the footer: bottom {r[3]:.1f} > {lay.BODY_BOTTOM_PT}")
    return out


def _expected_text(box: lay.Box) -> str:
    if box.table is not None:
        return "".join("".join(row) for row in box.table.rows)
    return "".join(p.bullet + p.text for p in box.paras)


def _squash(text: str) -> str:
    return "".join(text.split())


def pdf_problems(pdf: bytes, pack: b.Pack) -> list[str]:
    """Problems of the PDF ``pdf`` rendered from ``pack`` (see the module docstring)."""
    import pdfplumber

    layouts = b.layout_pack(b.fit_pack(pack), "pdf")
    out: list[str] = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        if len(doc.pages) != len(layouts):
            return [f"{len(doc.pages)} pages for {len(layouts)} laid-out slides"]
        for n, (page, layout) in enumerate(zip(doc.pages, layouts, strict=True), start=1):
            where = f"page {n}"
            solid = [bx for bx in layout.boxes if bx.role != "rule"]
            for bx in solid:
                out += _inside_page(f"{where} {bx.role}", _rect(bx), bx.role == "footer")
            for a, c in combinations(solid, 2):
                if _overlap(_rect(a), _rect(c)):
                    out.append(f"{where}: {a.role} box overlaps {c.role} box")
            text_boxes = [bx for bx in layout.boxes if bx.has_text]
            found: dict[int, list[str]] = {i: [] for i in range(len(text_boxes))}
            for ch in page.chars:
                if not ch["text"].strip():
                    continue
                hit = [
                    i
                    for i, bx in enumerate(text_boxes)
                    if ch["x0"] >= bx.x - TOL
                    and ch["x1"] <= bx.x + bx.w + TOL
                    and ch["top"] >= bx.y - TOL
                    and ch["bottom"] <= bx.bottom + TOL
                ]
                if not hit:
                    out.append(
                        f"{where}: {ch['text']!r} at ({ch['x0']:.0f}, {ch['top']:.0f}) lies in no box"
                    )
                    continue
                found[hit[0]].append(ch["text"])
            for i, bx in enumerate(text_boxes):
                want = Counter(_squash(_expected_text(bx)))
                got = Counter(_squash("".join(found[i])))
                if want != got:
                    missing = "".join((want - got).elements())[:40]
                    extra = "".join((got - want).elements())[:40]
                    out.append(f"{where} {bx.role}: missing {missing!r}, extra {extra!r}")
            for img in page.images:
                r = (img["x0"], img["top"], img["x1"], img["bottom"])
                if not any(
                    bx.role == "image"
                    and r[0] >= bx.x - TOL
                    and r[2] <= bx.x + bx.w + TOL
                    and r[1] >= bx.y - TOL
                    and r[3] <= bx.bottom + TOL
                    for bx in layout.boxes
                ):
                    out.append(f"{where}: a picture lies outside its box")
    return out


def _pt(v: Any) -> float:
    return float(v or 0) / EMU_PER_PT


def _frame_height(tf: Any, width_pt: float) -> float:
    """Height (pt) of a text frame's text, estimated from its own runs' fonts and sizes and
    its paragraphs' line spacing and indents, wrapped at ``width_pt``."""
    total = 0.0
    paras = list(tf.paragraphs)
    for i, p in enumerate(paras):
        runs = list(p.runs)
        text = "".join(r.text for r in runs)
        size = runs[0].font.size.pt if runs and runs[0].font.size else 18.0
        bold = bool(runs and runs[0].font.bold)
        ls = p.line_spacing
        leading = ls.pt if hasattr(ls, "pt") else size * 1.2 * float(ls or 1.0)
        ppr = p._p.pPr
        mar_l = _pt(ppr.get("marL")) if ppr is not None and ppr.get("marL") else 0.0
        lines = len(lay.split_lines(text, size, width_pt - mar_l, bold))
        total += lines * leading
        if i < len(paras) - 1 and p.space_after is not None:
            total += p.space_after.pt
    return total


def pptx_problems(pptx: bytes) -> list[str]:
    """Problems of the PowerPoint deck ``pptx`` (see the module docstring)."""
    from pptx import Presentation

    prs = Presentation(io.BytesIO(pptx))
    out: list[str] = []
    for n, slide in enumerate(prs.slides, start=1):
        where = f"slide {n}"
        rects = []
        for sh in slide.shapes:
            name = f"{where} {sh.name}"
            r = (
                _pt(sh.left),
                _pt(sh.top),
                _pt(sh.left) + _pt(sh.width),
                _pt(sh.top) + _pt(sh.height),
            )
            rects.append((name, r))
            out += _inside_page(name, r, sh.name == "footer")
            if sh.has_text_frame:
                tf = sh.text_frame
                if not tf.text.strip():
                    out.append(f"{name} is an empty text box")
                inner_w = _pt(sh.width) - _pt(tf.margin_left) - _pt(tf.margin_right)
                inner_h = _pt(sh.height) - _pt(tf.margin_top) - _pt(tf.margin_bottom)
                need = _frame_height(tf, inner_w)
                if need > inner_h + 0.5:
                    out.append(f"{name}: text needs {need:.1f} pt, the box has {inner_h:.1f}")
            if sh.has_table:
                table = sh.table
                for i, row in enumerate(table.rows):
                    for j, cell in enumerate(row.cells):
                        cw = (
                            _pt(table.columns[j].width)
                            - _pt(cell.margin_left)
                            - _pt(cell.margin_right)
                        )
                        need = (
                            _frame_height(cell.text_frame, cw)
                            + _pt(cell.margin_top)
                            + _pt(cell.margin_bottom)
                        )
                        if need > _pt(row.height) + 0.5:
                            out.append(f"{name} cell ({i}, {j}) needs {need:.1f} pt")
                height = sum(_pt(r.height) for r in table.rows)
                if abs(height - (r[3] - r[1])) > 1:
                    out.append(f"{name}: rows are {height:.1f} pt, the frame {r[3] - r[1]:.1f}")
        for (na, a), (nc, c) in combinations(rects, 2):
            if _overlap(a, c):
                out.append(f"{na} overlaps {nc}")
    return out


def chart_problems(pptx: bytes, pack: b.Pack) -> list[str]:
    """Slides with chart specs carry native charts holding the specs' data; others none."""
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    prs = Presentation(io.BytesIO(pptx))
    slides = b.fit_pack(pack).slides
    out: list[str] = []
    for n, (slide, spec) in enumerate(zip(prs.slides, slides, strict=True), start=1):
        charts = [sh.chart for sh in slide.shapes if sh.has_chart]
        pics = [sh for sh in slide.shapes if sh.shape_type == MSO_SHAPE_TYPE.PICTURE]
        native = spec.kind == "image" and bool(spec.charts)
        if len(charts) != (len(spec.charts) if native else 0):
            out.append(f"slide {n}: {len(charts)} native charts for {len(spec.charts)} specs")
            continue
        if native and pics:
            out.append(f"slide {n}: a picture beside its native chart")
        for chart, cs in zip(charts, spec.charts if native else (), strict=True):
            plot = chart.plots[0]
            if tuple(str(c) for c in plot.categories) != cs.categories:
                out.append(f"slide {n}: chart categories differ from the data")
            for s_file, s_spec in zip(plot.series, cs.series, strict=True):
                if s_file.name != (s_spec.name or "Value"):
                    out.append(f"slide {n}: series {s_file.name!r} != {s_spec.name!r}")
                if tuple(s_file.values) != s_spec.values:
                    out.append(f"slide {n}: series {s_spec.name!r} values differ")
    return out
