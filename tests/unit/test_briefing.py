"""Briefing packs on the demo warehouse: PDF pages and text, PPTX slides, pictures and notes,
the command line, and reproducibility (the CLI's file equals the library's, byte for byte)."""

from __future__ import annotations

import argparse
import datetime as dt
import io
from pathlib import Path

import duckdb
import pytest

from data.filters import Filters
from export import images as sn
from export import pack as b
from services import pack as sp
from tests.citations import SOURCE_ID

DAY = dt.date(2026, 5, 4)
F = Filters(
    date_from=dt.date(2024, 1, 1),
    date_to=dt.date(2024, 12, 31),
    routes=("central_mediterranean",),
)
# The pack names the filters' routes, never their ids (issue 16).
NAMES = {"central_mediterranean": "Central Mediterranean"}


@pytest.fixture(scope="module")
def con(demo_db: Path) -> duckdb.DuckDBPyConnection:
    from data.db import connect_read_only

    c = connect_read_only(demo_db)
    yield c
    c.close()


@pytest.fixture(scope="module")
def pack(con: duckdb.DuckDBPyConnection) -> b.Pack:
    if sn.export_unavailable_reason():
        pytest.skip(str(sn.export_unavailable_reason()))
    steps: list[float] = []
    p = sp.collect_pack(con, F, lambda fr, _msg: steps.append(fr), generated_on=DAY)
    assert steps[0] == 0.0 and steps[-1] == 1.0 and steps == sorted(steps)
    return p


@pytest.fixture(scope="module")
def pdf(pack: b.Pack) -> bytes:
    return b.render_pdf(pack)


@pytest.fixture(scope="module")
def pptx(pack: b.Pack) -> bytes:
    return b.render_pptx(pack)


def _dead_and_missing(db: Path) -> int:
    """Dead and missing under F, straight from the warehouse file (not through data.queries)."""
    c = duckdb.connect(str(db), read_only=True)
    try:
        src = c.execute(
            "SELECT source_id FROM sources WHERE kind = 'mmp' ORDER BY vintage DESC LIMIT 1"
        ).fetchone()
        row = c.execute(
            "SELECT sum(dead_and_missing) FROM incidents WHERE source_id = ? "
            "AND incident_date BETWEEN ? AND ? AND list_contains(route_ids, ?)",
            [src[0], F.date_from, F.date_to, "central_mediterranean"],
        ).fetchone()
    finally:
        c.close()
    return int(row[0])


def _pdf_pages(data: bytes) -> list[str]:
    from pypdf import PdfReader

    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages]


# --------------------------------------------------------------------------- PDF


def test_pdf_has_one_page_per_slide_with_title_filters_and_sources(
    pack: b.Pack, pdf: bytes
) -> None:
    pages = _pdf_pages(pdf)
    assert len(pages) == len(pack.slides) >= 13
    first = pages[0]
    assert "Migrant-smuggling risk briefing" in first
    assert "Central Mediterranean, 2024" in first
    assert f"Filters: {F.describe(NAMES)}" in first
    assert "Prepared 4 May 2026" in first
    # The vintages by publisher and date; the source ids are on the last page (provenance)
    # and in the audit trail, not on the title page (issue 16).
    assert "Incidents: IOM Missing Migrants Project (synthetic demo), vintage 20" in first
    assert not SOURCE_ID.search(first)
    assert "SYNTHETIC DEMO DATA" in first
    last = pages[-1]
    assert last.startswith("Sources and caveats")
    assert "IOM Missing Migrants Project" in last and "Frontex" in last
    assert "minimum estimates" in last
    assert SOURCE_ID.search(last)
    # Every page names the pack and its page number in the footer.
    assert all(f"{i} / {len(pages)}" in t for i, t in enumerate(pages, start=1))


def test_pdf_headline_matches_the_warehouse(demo_db: Path, pdf: bytes) -> None:
    headline = _pdf_pages(pdf)[1]
    assert headline.startswith("Headline figures")
    assert f"{_dead_and_missing(demo_db):,}" in headline


def test_pdf_metadata_is_the_packs_not_the_clock(pdf: bytes) -> None:
    from pypdf import PdfReader

    meta = PdfReader(io.BytesIO(pdf)).metadata
    assert meta is not None
    assert meta.title.startswith("Migrant-smuggling risk briefing: Central Mediterranean")
    assert F.describe(NAMES) in meta.subject
    assert meta.creation_date.date() == DAY


def test_every_picture_slide_has_a_caption_under_it(pack: b.Pack) -> None:
    pictures = [s for s in pack.slides if s.image]
    assert len(pictures) >= 8  # route map, two risk maps, the charts
    for s in pictures:
        assert s.caption.startswith("Source:"), s.title
        assert f"Filters: {F.describe(NAMES)}" in s.caption, s.title
        assert s.image.startswith(b"\x89PNG")
        assert s.notes


# --------------------------------------------------------------------------- PPTX


def test_pptx_slides_titles_pictures_and_notes(demo_db: Path, pack: b.Pack, pptx: bytes) -> None:
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    prs = Presentation(io.BytesIO(pptx))
    slides = list(prs.slides)
    assert len(slides) == len(pack.slides)
    titles = [s.shapes.title.text for s in slides]
    assert titles[0] == "Migrant-smuggling risk briefing"
    assert titles[1:3] == ["Headline figures", "Key messages"]
    assert titles[-1] == "Sources and caveats"
    assert titles == [s.title for s in pack.slides]
    for slide, spec in zip(slides, pack.slides, strict=True):
        pics = [sh for sh in slide.shapes if sh.shape_type == MSO_SHAPE_TYPE.PICTURE]
        charts = [sh for sh in slide.shapes if sh.has_chart]
        # Charts are native (editable, data embedded); only maps stay pictures.
        assert len(charts) == (len(spec.charts) if spec.kind == "image" else 0), spec.title
        assert len(pics) == (1 if spec.image and not charts else 0), spec.title
        for pic in pics:
            assert pic._element.nvPicPr.cNvPr.get("descr"), spec.title
        for frame in charts:
            assert frame._element.nvGraphicFramePr.cNvPr.get("descr"), spec.title
        for _shape in pics + charts:
            texts = " ".join(sh.text_frame.text for sh in slide.shapes if sh.has_text_frame)
            assert "Source:" in texts, spec.title  # the caption, as text
        assert slide.has_notes_slide and slide.notes_slide.notes_text_frame.text.strip()
    notes = slides[1].notes_slide.notes_text_frame.text
    assert f"{_dead_and_missing(demo_db):,} dead and missing" in notes
    risk = next(s for s in slides if s.shapes.title.text.startswith("Origin risk"))
    tables = [sh for sh in risk.shapes if sh.has_table]
    assert len(tables) == 1 and tables[0].table.cell(0, 1).text == "Country"
    assert prs.core_properties.created.date() == DAY


# --------------------------------------------------------------------------- CLI and reproducibility


def test_cli_writes_the_same_pack_byte_for_byte(
    demo_db: Path, pdf: bytes, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from services.cli import _Parser, add_brief_parser

    parser = _Parser(prog="python -m analytics")
    parser.add_argument("--db", default=None)
    add_brief_parser(parser.add_subparsers(dest="cmd", required=True, parser_class=_Parser))
    out = tmp_path / "weekly.pdf"
    args = parser.parse_args(
        [
            "--db",
            str(demo_db),
            "brief",
            "--from",
            "2024-01-01",
            "--to",
            "2024-12-31",
            "--route",
            "central_mediterranean",
            "--out",
            str(out),
            "--date",
            DAY.isoformat(),
        ]
    )
    assert args.handler(args) == 0
    err = capsys.readouterr().err
    assert "100% done" in err and f"wrote {out}" in err
    # Same filters, vintage and date: the same file, byte for byte (and so the same text).
    assert _pdf_pages(out.read_bytes()) == _pdf_pages(pdf)
    assert out.read_bytes() == pdf


def test_cli_refuses_an_unknown_format(demo_db: Path, tmp_path: Path) -> None:
    from services.cli import main

    assert main(["--db", str(demo_db), "brief", "--out", str(tmp_path / "x.docx")]) == 2
    assert not (tmp_path / "x.docx").exists()


def test_progress_printer_writes_lines_off_a_terminal() -> None:
    from services.cli import progress_printer

    buf = io.StringIO()
    show = progress_printer(buf, tty=False)
    show(0.0, "start")
    show(0.5, "half")
    show(0.5, "half")  # repeated: not printed again
    show(1.0, "done")
    lines = buf.getvalue().splitlines()
    assert lines == [
        "[------------------------------]   0% start",
        "[###############---------------]  50% half",
        "[##############################] 100% done",
    ]


def test_build_pack_refuses_an_unknown_format(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(ValueError, match="pdf"):
        sp.build_pack(con, F, "docx")


# --------------------------------------------------------------------------- helpers


def test_short_sentence_drops_only_the_citation() -> None:
    s = (
        "At least 1,810 people were recorded dead or missing in 2024 (minimum estimates; IOM "
        "Missing Migrants Project, vintage 2025-12-31 (SYNTHETIC DEMO DATA), demo-mmp-1)."
    )
    assert b.short_sentence(s) == "At least 1,810 people were recorded dead or missing in 2024."
    plain = "Libya saw the most deaths (22,431 people)."
    assert b.short_sentence(plain) == plain
    # An alert: the citation is inside the sentence, before "one of N alerts".
    alert = (
        "Dead and missing in Somalia rose to 157 in Oct–Dec 2025 from 12 in Oct–Dec 2024 "
        "(quarterly window; 9 vs 7 incidents; IOM Missing Migrants Project, vintage 2025-12-31 "
        "(SYNTHETIC DEMO DATA), demo-mmp-1) — one of 4 alerts."
    )
    assert b.short_sentence(alert) == (
        "Dead and missing in Somalia rose to 157 in Oct–Dec 2025 from 12 in Oct–Dec 2024 "
        "— one of 4 alerts."
    )


def test_file_stem_names_filters_and_date() -> None:
    assert b.file_stem(F, DAY) == (
        "routewatch-briefing_2024-01-01-2024-12-31-route-central-mediterranean_2026-05-04"
    )
    assert b.file_stem(Filters(), DAY) == "routewatch-briefing_all-data_2026-05-04"


def test_first_route_of_a_top_routes_text() -> None:
    text = "Western Balkans 60%, Eastern Mediterranean 34% (of Frontex detections)"
    assert b._first_route(text) == "Western Balkans"
    assert (
        b._first_route("Afghanistan to Iran 94% (of IOM dead and missing)") == "Afghanistan to Iran"
    )
    assert b._first_route(None) == "-"


def test_scope_text() -> None:
    names = {"central_mediterranean": "Central Mediterranean"}
    assert b.scope_text(F, names, {}) == "Central Mediterranean"
    f2 = Filters(origins=("SYR",), mmp_regions=("Mediterranean",))
    assert b.scope_text(f2, names, {"SYR": "Syria"}) == (
        "All routes; nationals of Syria; incidents in Mediterranean"
    )


def test_argparse_namespace_has_the_brief_handler() -> None:
    from services.cli import add_brief_parser, run_brief

    parser = argparse.ArgumentParser()
    add_brief_parser(parser.add_subparsers(dest="cmd"))
    args = parser.parse_args(["brief", "--out", "x.pptx", "--format", "pptx"])
    assert args.handler is run_brief and args.pack_format == "pptx"


def test_a_pack_on_routes_outside_europe_scores_them_worldwide(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """A pack filtered to any route outside the Europe scope is built, its risk slides scored
    on every route (the pack failed with "none of the routes chosen is in the scope")."""
    from analytics.scores import scope_for, scope_routes
    from data.queries import query_routes

    routes = query_routes(con)
    europe = set(scope_routes(routes, "europe") or ())
    outside = sorted(set(routes["route_id"]) - europe - {"unclassified"})
    assert outside and scope_for(routes, outside[:1]) == "world"
    assert scope_for(routes, sorted(europe)[:2]) == "europe" and scope_for(routes, ()) == "europe"
    # Three of them (a pack takes a few seconds): the first, the last and the US-Mexico border.
    for route in sorted({outside[0], outside[-1], "us_mexico_border"} & set(outside)):
        p = sp.collect_pack(con, Filters(routes=(route,)), generated_on=DAY, render_images=False)
        titles = [s.title for s in p.slides]
        assert any(t.startswith("Origin risk") for t in titles), (route, titles)
        risk = next(s for s in p.slides if s.title.startswith("Origin risk"))
        assert "all routes worldwide" in risk.caption, route
