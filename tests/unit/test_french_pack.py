"""The briefing pack in French, from the demo warehouse: no English in the PDF's text, no
missing glyph (French numbers hold with a narrow no-break space, U+202F, which Liberation Sans
lacks), and no overflow in PDF or PPTX although French runs about 15% longer than English."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from data.filters import Filters
from export import images as sn
from export import layout as lay
from export import pack as b
from i18n import use_lang
from tests.french import catalogue_ids, english_in
from tests.pack_checks import chart_problems, pdf_problems, pptx_problems

DAY = dt.date(2026, 3, 1)


@pytest.fixture(scope="module")
def french_packs(demo_db: Path) -> list[b.Pack]:
    from data.db import connect_read_only
    from services import pack as sp

    # Without a chart-export browser the chart slides carry their numbers as text: the text
    # checks still hold, so nothing is skipped.
    images = sn.export_unavailable_reason() is None
    con = connect_read_only(demo_db)
    try:
        with use_lang("fr"):
            return [
                sp.collect_pack(con, f, generated_on=DAY, render_images=images)
                for f in (
                    Filters(),
                    Filters(
                        date_from=dt.date(2024, 1, 1),
                        date_to=dt.date(2024, 12, 31),
                        routes=("central_mediterranean",),
                    ),
                )
            ]
    finally:
        con.close()


@pytest.fixture(scope="module")
def french_pdfs(french_packs: list[b.Pack]) -> list[bytes]:
    """Each French pack's PDF, rendered once for the tests that read it."""
    with use_lang("fr"):
        return [b.render_pdf(pack) for pack in french_packs]


def _pdf_lines(pdf: bytes) -> list[str]:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [ln for page in doc.pages for ln in (page.extract_text() or "").splitlines()]


def _pdf_chars(pdf: bytes) -> set[str]:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return {ch["text"] for page in doc.pages for ch in page.chars}


def test_french_pdf_has_no_english(french_packs: list[b.Pack], french_pdfs: list[bytes]) -> None:
    ids = catalogue_ids()
    for pack, pdf in zip(french_packs, french_pdfs, strict=True):
        assert english_in(_pdf_lines(pdf), ids) == [], pack.scope


def test_french_pack_speaks_french(french_packs: list[b.Pack]) -> None:
    pack = french_packs[0]
    titles = [s.title for s in pack.slides]
    assert titles[0] == "Note d’information sur les risques de trafic illicite de migrants"
    assert "Sources et mises en garde" in titles
    assert pack.date_label.startswith("Préparé le ") and "mars 2026" in pack.date_label
    # Numbers the pack formats itself group thousands with CLDR's narrow no-break space.
    assert any("\u202f" in t for t in titles), titles


def test_french_pdf_draws_every_glyph(french_packs: list[b.Pack], french_pdfs: list[bytes]) -> None:
    from reportlab.pdfbase import pdfmetrics

    cmaps = [pdfmetrics.getFont(name).face.charToGlyph for name in lay.fonts()]
    for pack, pdf in zip(french_packs, french_pdfs, strict=True):
        chars = _pdf_chars(pdf)
        assert "\u202f" not in chars  # drawn as U+00A0, which the fonts have
        missing = sorted(c for c in chars if c.strip() and not all(ord(c) in m for m in cmaps))
        assert missing == [], pack.scope


def test_french_packs_never_overflow(french_packs: list[b.Pack], french_pdfs: list[bytes]) -> None:
    for pack, pdf in zip(french_packs, french_pdfs, strict=True):
        with use_lang("fr"):
            pptx = b.render_pptx(pack)
            assert pdf_problems(pdf, pack) == [], pack.scope
            assert pptx_problems(pptx) == [], pack.scope
            assert chart_problems(pptx, pack) == [], pack.scope


def test_no_break_spaces_hold_lines_together() -> None:
    lines = lay.split_lines("total 8\u202f755 morts et disparus\u00a0: fin", 10, 40)
    assert "8\u00a0755" in lines and all("\u202f" not in ln for ln in lines)
    assert any(ln.endswith("disparus\u00a0:") for ln in lines) or "disparus\u00a0:" in " ".join(
        lines
    )
    # English text (no such spaces) is split as it always was.
    assert lay.split_lines("abc 8 755 xyz fin", 10, 30) == ("abc 8", "755", "xyz fin")


def test_french_worst_case_never_overflows() -> None:
    """The synthetic worst case of test_pack_layout with the pack's own words in French
    (titles, footer, "(suite)", the demo warning)."""
    from tests.unit.test_pack_layout import worst_case_pack

    with use_lang("fr"):
        pack = b.fit_pack(worst_case_pack())
        assert any(s.title.endswith(" (suite)") for s in pack.slides)
        assert pdf_problems(b.render_pdf(pack), pack) == []
        assert pptx_problems(b.render_pptx(pack)) == []
