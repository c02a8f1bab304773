"""The alerts and "On watch" pack slides: long lists split across slides, never past the footer."""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd

from export import pack as b

AS_OF = dt.date(2026, 3, 1)
# As long as the longest real sentences (quarterly window, long route name, p-value, vintage).
LONG = (
    "Dead and missing on the Eastern Route (Horn of Africa to Yemen and the Gulf) route fell to "
    "1,091 in Jan\u2013Mar 2026 from 2,285 in Jan\u2013Mar 2025 (quarterly window; 110 vs 120 "
    "incidents; average 2,230 per 3 months over Jan\u2013Dec 2025; quasi-Poisson test on dead and "
    "missing p < 0.001; IOM Missing Migrants Project, vintage 2026-04-09)."
)


def _rows(n: int, status: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "level": ["route"] * n,
            "id": [f"r{i}" for i in range(n)],
            "name": [f"Route {i}" for i in range(n)],
            "period_label": ["Jan\u2013Mar 2026"] * n,
            "status": [status] * n,
            "measure": ["dead_and_missing"] * n,
            "window_months": [3] * n,
            "current": [1091] * n,
            "year_ago": [2285] * n,
            "baseline_12m_avg": [2230.0] * n,
            "p_value": [0.0001] * n,
            "sentence": [f"{i + 1}. {LONG}" for i in range(n)],
        }
    )


def test_long_lists_split_and_stay_above_the_footer() -> None:
    from pypdf import PdfReader

    alerts, watch = _rows(6, "alert"), _rows(9, "watch")
    slides = b._alerts_slides(alerts, watch, pd.concat([alerts, watch]), AS_OF)
    titles = [s.title for s in slides]
    assert titles == [
        "Alerts: Jan\u2013Mar 2026 (1/2)",
        "Alerts: Jan\u2013Mar 2026 (2/2)",
        "On watch: Jan\u2013Mar 2026 (1/3)",
        "On watch: Jan\u2013Mar 2026 (2/3)",
        "On watch: Jan\u2013Mar 2026 (3/3)",
    ]
    assert all(len(s.lines) <= b.ALERT_LINES_PER_SLIDE for s in slides)
    # Every sentence is shown once, in order.
    shown = [line for s in slides for line in s.lines]
    assert shown == list(alerts["sentence"]) + list(watch["sentence"])
    pack = b.Pack(
        title="t",
        scope="s",
        filters="f",
        date_label="d",
        pack_date=AS_OF,
        is_demo=False,
        slides=tuple(slides),
        file_stem="x",
    )
    reader = PdfReader(io.BytesIO(b.render_pdf(pack)))
    assert len(reader.pages) == len(slides)
    for page in reader.pages:
        ys: list[tuple[float, str]] = []

        def visit(text, cm, tm, _font, _size, ys=ys):
            if text.strip():
                ys.append((tm[5] * cm[3] + cm[5], text.strip()))

        page.extract_text(visitor_text=visit)
        footer = min(y for y, t in ys if t.startswith("RouteWatch briefing"))
        body = [y for y, t in ys if not t.startswith("RouteWatch briefing")]
        assert min(body) > footer + 10, "a sentence runs into the footer"


def test_no_alert_and_nothing_on_watch_is_one_slide() -> None:
    empty = _rows(0, "alert")
    slides = b._alerts_slides(empty, empty, empty, AS_OF)
    assert len(slides) == 1 and slides[0].lines[0].startswith("No route or country changed")
