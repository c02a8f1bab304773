"""Packs that never overflow: a synthetic worst case and the demo pack, in PDF and PPTX.

The worst case has 12 alerts, 15 items on watch, very long country and route names, a key
message longer than a slide and a ten-row risk table of long names. Every page of the PDF is
checked with pdfplumber and every slide of the PPTX from its shapes (see tests/pack_checks.py);
charts in the PPTX must be native with the figure's data.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import pytest

from data.filters import Filters
from export import images as sn
from export import layout as lay
from export import pack as b
from export.charts import chart_specs, spec_values
from tests.pack_checks import chart_problems, pdf_problems, pptx_problems

DAY = dt.date(2026, 3, 1)
LONG_ROUTE = (
    "Eastern Route (Horn of Africa through Djibouti and Yemen to Saudi Arabia and the Gulf states)"
)
LONG_COUNTRY = (
    "The United Kingdom of Great Britain and Northern Ireland (overseas territories included)"
)
SENTENCE = (
    "Dead and missing on the {name} route rose to 1,091 in Jan\u2013Mar 2026 from 285 in "
    "Jan\u2013Mar 2025 (quarterly window; 110 vs 120 incidents; average 2,230 per 3 months over "
    "Jan\u2013Dec 2025; quasi-Poisson test on dead and missing p < 0.001; IOM Missing Migrants "
    "Project, vintage 2026-04-09)."
)


def _png(w: int = 1200, h: int = 560) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (w, h), (200, 220, 235)).save(buf, format="PNG")
    return buf.getvalue()


def _candidates(n: int, status: str) -> pd.DataFrame:
    names = [f"{LONG_ROUTE} {i}" if i % 2 else f"{LONG_COUNTRY} {i}" for i in range(n)]
    return pd.DataFrame(
        {
            "level": ["route"] * n,
            "id": [f"r{i}" for i in range(n)],
            "name": names,
            "period_label": ["Jan\u2013Mar 2026"] * n,
            "status": [status] * n,
            "measure": ["dead_and_missing"] * n,
            "window_months": [3] * n,
            "current": [1091] * n,
            "year_ago": [285] * n,
            "baseline_12m_avg": [2230.0] * n,
            "p_value": [0.0001] * n,
            "sentence": [SENTENCE.format(name=x) for x in names],
        }
    )


def _bar_figure() -> go.Figure:
    names = [f"{LONG_ROUTE} {i}" for i in range(10)]
    return go.Figure(
        [
            go.Bar(
                x=[float(1000 - 90 * i) for i in range(10)],
                y=names,
                orientation="h",
                name="Dead and missing",
                marker={"color": ["#0072B2"] * 10},
            )
        ],
        layout={"xaxis": {"title": {"text": "Persons"}}},
    )


def worst_case_pack(is_demo: bool = True) -> b.Pack:
    alerts, watch = _candidates(12, "alert"), _candidates(15, "watch")
    table = (b.TABLE_HEADER,) + tuple(
        (str(i), f"{LONG_COUNTRY} {i}", "69", "Medium", "12,345", LONG_ROUTE) for i in range(1, 11)
    )
    fig = _bar_figure()
    slides = [
        b.Slide(
            kind="title",
            title=b.PACK_TITLE,
            subtitle=f"{LONG_ROUTE}, {LONG_COUNTRY}, Jan 2014 to Apr 2026 (all recorded years)",
            lines=tuple(f"Incidents: vintage 2026-04-09 ({LONG_COUNTRY} {i})" for i in range(14)),
        ),
        b.Slide(
            kind="metrics",
            title="Headline figures",
            subtitle="2025",
            metrics=(
                b.Metric("Dead and missing", "182,594", "+12% on 2024 (partial)", "persons"),
                b.Metric("Of whom missing", "34,486", "", "persons"),
                b.Metric("Incidents", "21,615", "", "incidents"),
                b.Metric("Detections (Frontex)", "14,966,869", "", "detections (events)"),
            ),
            lines=(SENTENCE.format(name=LONG_ROUTE),) * 3,
            caption="Source: IOM Missing Migrants Project. " * 8,
        ),
        b.Slide(
            kind="bullets",
            title="Key messages",
            subtitle=LONG_ROUTE,
            number_from=1,
            lines=(" ".join([SENTENCE.format(name=LONG_ROUTE)] * 9),)
            + tuple(SENTENCE.format(name=LONG_COUNTRY) for _ in range(5)),
        ),
        *b._alerts_slides(alerts, watch, pd.concat([alerts, watch]), DAY),
        b.Slide(
            kind="bullets",
            title=f"{LONG_ROUTE}: every incident of the quarter, one by one, with its sources",
            subtitle="A slide another helper adds later, with no fitting of its own",
            lines=tuple(SENTENCE.format(name=f"{LONG_ROUTE} {i}") for i in range(15)),
            secondary_title="Caveats",
            secondary=tuple(f"Caveat {i}: {SENTENCE.format(name=LONG_COUNTRY)}" for i in range(6)),
            caption="Source: IOM Missing Migrants Project (minimum estimates). " * 3,
        ),
        b.Slide(
            kind="image_table",
            title=f"Origin risk: {LONG_COUNTRY} ranks first (69/100)",
            subtitle="Countries of origin",
            image=_png(1000, 500),
            image_alt="World map",
            caption="Source: IOM, Frontex, GI-TOC. " * 10,
            table=table,
        ),
        b.Slide(
            kind="image",
            title=f"{LONG_ROUTE}: the most dead and missing of any route (1,000), "
            "1.1 times the next route, in every year since records began",
            subtitle="Dead and missing by route, persons (IOM minimum estimates)",
            image=_png(1400, 900),
            image_alt="Horizontal bar chart",
            caption="Source: IOM Missing Migrants Project. " * 6,
            charts=chart_specs(fig),
        ),
        b.Slide(
            kind="text",
            title="Sources and caveats",
            lines=tuple(f"Source {i}: {SENTENCE.format(name=LONG_COUNTRY)}" for i in range(12)),
            secondary_title="Caveats",
            secondary=tuple(f"Caveat {i}: {SENTENCE.format(name=LONG_ROUTE)}" for i in range(12)),
        ),
    ]
    return b.Pack(
        title=b.PACK_TITLE,
        scope=f"{LONG_ROUTE}; nationals of {LONG_COUNTRY}",
        filters="route: " + LONG_ROUTE,
        date_label="Data as of 9 April 2026",
        pack_date=DAY,
        is_demo=is_demo,
        slides=tuple(slides),
        file_stem="worst",
    )


@pytest.fixture(scope="module")
def worst() -> b.Pack:
    return b.fit_pack(worst_case_pack())


def test_worst_case_pdf_text_stays_in_its_boxes(worst: b.Pack) -> None:
    assert pdf_problems(b.render_pdf(worst), worst) == []


def test_worst_case_pptx_shapes_fit_and_never_overlap(worst: b.Pack) -> None:
    pptx = b.render_pptx(worst)
    assert pptx_problems(pptx) == []
    assert chart_problems(pptx, worst) == []


def test_worst_case_continues_instead_of_overflowing(worst: b.Pack) -> None:
    raw = worst_case_pack()
    titles = [s.title for s in worst.slides]
    assert len(worst.slides) > len(raw.slides)
    # Every sentence and caveat is shown once, in order, on the slide or its continuations.
    for src in raw.slides:
        parts = [s for s in worst.slides if s.title in (src.title, lay.continued(src.title))]
        shown = [x for s in parts for x in s.lines]
        assert " ".join(shown).split() == " ".join(src.lines).split(), src.title
        assert [x for s in parts for x in s.secondary] == list(src.secondary), src.title
        assert [r for s in parts for r in s.table[1:]] == list(src.table[1:]), src.title
    assert "Key messages (continued)" in titles
    assert any(t.startswith("Sources and caveats") and t.endswith("(continued)") for t in titles)
    # key messages keep their numbers across slides
    kms = [s for s in worst.slides if s.title.startswith("Key messages")]
    assert kms[1].number_from == kms[0].number_from + len(kms[0].lines) > 1
    # a long scope is shortened in the footer, the page number kept
    footer = b._footer_text(worst, 7, len(worst.slides))
    assert footer.endswith(f"Data as of 9 April 2026  |  7 / {len(worst.slides)}")
    assert "\u2026" in footer
    # fitting a fitted pack changes nothing
    assert b.fit_pack(worst) is worst


def test_one_sentence_longer_than_a_slide_is_set_smaller_then_split() -> None:
    huge = " ".join([SENTENCE.format(name=LONG_ROUTE)] * 40)
    pack = b.fit_pack(
        b.Pack(
            "t",
            "s",
            "f",
            "d",
            DAY,
            False,
            (b.Slide("bullets", "One long note", lines=(huge,)),),
            "x",
        )
    )
    assert len(pack.slides) >= 2
    assert pack.slides[0].text_scale == lay.MIN_TEXT_SCALE
    assert " ".join(x for s in pack.slides for x in s.lines).split() == huge.split()
    assert pdf_problems(b.render_pdf(pack), pack) == []
    assert pptx_problems(b.render_pptx(pack)) == []


def test_chart_specs_hold_the_figure_data() -> None:
    fig = _bar_figure()
    (spec,) = chart_specs(fig)
    assert spec.kind == "bar" and spec.value_title == "Persons"
    assert spec_values(spec)["Dead and missing"][f"{LONG_ROUTE} 3"] == 730.0
    stacked = go.Figure(
        [
            go.Bar(x=[1.5, 2], y=["A", "B"], orientation="h", name="p"),
            go.Bar(x=[3, None], y=["A", "B"], orientation="h", name="q"),
            go.Scatter(x=[4.5, 2], y=["A", "B"], mode="text", text=["4", "2"]),
        ],
        layout={"barmode": "stack"},
    )
    (s2,) = chart_specs(stacked)
    assert s2.kind == "bar_stacked" and s2.number_format == "#,##0.0"
    assert spec_values(s2) == {"p": {"A": 1.5, "B": 2.0}, "q": {"A": 3.0, "B": None}}
    assert chart_specs(go.Figure()) == ()
    # monthly bars: plotly holds the months as datetime64; the chart names them
    from analytics import figures as fg

    monthly = pd.DataFrame(
        {"period": [dt.date(2024, 1, 1), dt.date(2024, 2, 1)], "dead_and_missing": [3, 4]}
    )
    (s3,) = chart_specs(fg.make_monthly_figure(monthly, label="x"))
    assert s3.kind == "column" and s3.categories == ("Jan 2024", "Feb 2024")
    assert s3.series[0].values == (3.0, 4.0)


# --------------------------------------------------------------------------- demo


@pytest.fixture(scope="module")
def demo_packs(demo_db: Path) -> list[b.Pack]:
    from data.db import connect_read_only
    from services import pack as sp

    if sn.export_unavailable_reason():
        pytest.skip(str(sn.export_unavailable_reason()))
    con = connect_read_only(demo_db)
    try:
        return [
            sp.collect_pack(con, f, generated_on=DAY)
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


def test_demo_packs_never_overflow(demo_packs: list[b.Pack]) -> None:
    for pack in demo_packs:
        pptx = b.render_pptx(pack)
        assert pdf_problems(b.render_pdf(pack), pack) == [], pack.scope
        assert pptx_problems(pptx) == [], pack.scope
        assert chart_problems(pptx, pack) == [], pack.scope
        assert sum(1 for s in pack.slides if s.charts) >= 4, pack.scope
