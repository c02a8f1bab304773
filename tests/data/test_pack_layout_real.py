"""Packs built from the real files never overflow, and their PowerPoint charts are native.

Packs for all years, each of the last three years of the data and one route in English, and the
all-years pack in French (French runs about 20% longer; all years is the longest French pack:
25 slides and the most text, its sources slide continued on a '(suite)' slide): every PDF page
checked with pdfplumber, every PPTX slide from its shapes (tests/pack_checks.py), and the
native charts' embedded data compared with the tables the warehouse gives. The French pack is
laid out by the English code with longer words, so one French pack of the real data checks
what the French text adds; the French demo packs (tests/unit/test_french_pack.py) cover a
route and a year. The warehouse is built once per session (``real_db``), each language's packs
once.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from data import queries as q
from data.filters import Filters
from export import images as sn
from export import pack as b
from i18n import _, month_year, use_lang
from services import pack as sp
from tests.pack_checks import chart_problems, pdf_problems, pptx_problems

pytestmark = [pytest.mark.shared, pytest.mark.slow]


@pytest.fixture(scope="module")
def con(real_db: Path) -> duckdb.DuckDBPyConnection:
    from data.db import connect_read_only

    c = connect_read_only(real_db)
    yield c
    c.close()


#: The five scopes: all years, each of the last three years of the data, one route.
SCOPES = ("all years", "last year - 2", "last year - 1", "last year", "central_mediterranean")
LANGS = ("en", "fr")
#: The scopes built in each language: every scope in English, the longest pack in French.
SCOPES_IN = {"en": SCOPES, "fr": ("all years",)}


def _filters(con: duckdb.DuckDBPyConnection) -> dict[str, Filters]:
    last = q.query_headline(con, Filters())["last_date"]
    year = int(str(last)[:4])
    out = {"all years": Filters()}
    for back, name in zip((2, 1, 0), SCOPES[1:4], strict=True):
        y = year - back
        out[name] = Filters(date_from=dt.date(y, 1, 1), date_to=dt.date(y, 12, 31))
    out["central_mediterranean"] = Filters(routes=("central_mediterranean",))
    return out


Built = tuple[Filters, b.Pack, bytes, bytes]


@pytest.fixture(scope="module")
def packs_in(con: duckdb.DuckDBPyConnection) -> Callable[[str], dict[str, Built]]:
    """``packs_in(lang)``: each pack of ``SCOPES_IN[lang]`` with its PDF and PPTX, rendered once
    per language (on first use) whatever the order the tests run in."""
    if sn.export_unavailable_reason():
        pytest.skip(str(sn.export_unavailable_reason()))
    built: dict[str, dict[str, Built]] = {}

    def get(lang: str) -> dict[str, Built]:
        if lang not in built:
            out = {}
            with use_lang(lang):
                for name, f in _filters(con).items():
                    if name not in SCOPES_IN[lang]:
                        continue
                    pack = sp.collect_pack(con, f, generated_on=dt.date(2026, 4, 9))
                    out[name] = (f, pack, b.render_pdf(pack), b.render_pptx(pack))
            built[lang] = out
        return built[lang]

    return get


@pytest.mark.parametrize("lang", LANGS)
def test_the_packs_from_the_real_files(
    packs_in: Callable[[str], dict[str, Built]], lang: str
) -> None:
    assert tuple(packs_in(lang)) == SCOPES_IN[lang]
    assert set(SCOPES_IN["fr"]) <= set(SCOPES_IN["en"]) == set(SCOPES)


@pytest.mark.parametrize(("lang", "scope"), [(lg, sc) for lg in LANGS for sc in SCOPES_IN[lg]])
@pytest.mark.parametrize("fmt", ["pdf", "pptx"])
def test_real_packs_never_overflow(
    packs_in: Callable[[str], dict[str, Built]], lang: str, fmt: str, scope: str
) -> None:
    _f, pack, pdf, pptx = packs_in(lang)[scope]
    with use_lang(lang):
        assert b.fit_pack(pack) is pack  # collect_pack returns fitted slides
        if fmt == "pdf":
            assert pdf_problems(pdf, pack) == []
        else:
            assert pptx_problems(pptx) == []
            assert chart_problems(pptx, pack) == []


@pytest.mark.parametrize("lang", LANGS)
def test_native_charts_hold_the_warehouse_tables(
    con: duckdb.DuckDBPyConnection, packs_in: Callable[[str], dict[str, Built]], lang: str
) -> None:
    from pptx import Presentation

    for name, (f, pack, _pdf, pptx) in packs_in(lang).items():
        prs = Presentation(io.BytesIO(pptx))
        # Slides in the pack's order (a French title's narrow spaces differ in the file).
        charts = {
            spec.title: [sh.chart for sh in s.shapes if sh.has_chart]
            for s, spec in zip(prs.slides, pack.slides, strict=True)
        }
        assert sum(len(c) for c in charts.values()) >= 6, name
        # Dead and missing per month: every month of the warehouse's table, in order.
        monthly = q.query_incidents_by(con, f, "none", "month").sort_values("period")
        title = next(s.title for s in pack.slides if s.charts and s.charts[0].kind == "column")
        plot = charts[title][0].plots[0]
        with use_lang(lang):  # "Jan 2024" / "janv. 2024"
            months = [month_year(d, short=True) for d in monthly["period"]]
        assert list(plot.categories) == months, name
        assert list(plot.series[0].values) == [float(v) for v in monthly["dead_and_missing"]]
        # Causes of death: each cause's dead and missing ("cause" in both languages).
        causes = q.query_incidents_by(con, f, "cause", None)
        causes = causes[causes["dead_and_missing"] > 0]
        title = next(s.title for s in pack.slides if "cause" in s.title.lower() and s.charts)
        plot = charts[title][0].plots[0]
        got = dict(zip(plot.categories, plot.series[0].values, strict=True))
        assert sorted(got.values()) == sorted(float(v) for v in causes["dead_and_missing"]), name
        with use_lang(lang):
            assert plot.series[0].name == _("Dead and missing")


def test_pack_route_map_is_fitted_to_the_routes_with_deaths(real_db) -> None:
    """Issue 16: the pack's route map shows where the filtered data are (the US-Mexico border
    has 6,677 dead and missing: it is on the map and in its table), not a fixed Europe-Africa
    view."""
    from data.db import connect_read_only
    from data.filters import Filters
    from services.pack import collect_pack

    con = connect_read_only(real_db)
    try:
        pack = collect_pack(con, Filters(), render_images=False)
    finally:
        con.close()
    (slide,) = [s for s in pack.slides if s.notes.startswith("Routes on the map")]
    assert "US-Mexico border crossing" in slide.notes
    assert "Central Mediterranean" in slide.notes
