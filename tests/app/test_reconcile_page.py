"""AppTest of the Reconcile sources page on the demo and the real warehouse."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

PAGE = "pages/reconcile.py"


def _specs(at: AppTest) -> list[dict]:
    return [json.loads(e.proto.spec) for e in at.get("plotly_chart")]


def _values(v: object) -> np.ndarray:
    """A trace's values, whether plain JSON or plotly's typed array (``dtype``, ``bdata``)."""
    if isinstance(v, dict):
        return np.frombuffer(base64.b64decode(v["bdata"]), dtype=v["dtype"])
    return np.array([np.nan if x is None else x for x in v], dtype=float)  # type: ignore[union-attr]


def _clean(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.body for e in at.error]


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_page_on_demo_data_reads_its_route_from_the_link(demo_app: AppTest) -> None:
    demo_app.query_params.update({"reconcile": "western_balkans"})
    at = demo_app.switch_page(PAGE).run()
    _clean(at)
    assert at.title[0].value == "Reconcile sources"
    assert at.selectbox(key="reconcile").value == "western_balkans"
    assert at.header[0].value == "Western Balkans"
    specs = _specs(at)
    assert [s["layout"]["meta"]["chart"] for s in specs] == ["source-coverage", "reconcile-sources"]
    # The demo holds no arrivals series: UNHCR is silent, said so, never drawn as zeros.
    assert _metric(at, "Silent sources") == "UNHCR"
    arrivals = next(t for t in specs[1]["data"] if t["name"].startswith("Sea arrivals"))
    assert np.isnan(_values(arrivals["y"])).all()
    deaths = next(t for t in specs[1]["data"] if t["name"].startswith("Dead and missing"))
    assert np.nansum(_values(deaths["y"])) > 0
    assert any("no data" in a.get("text", "") for a in specs[1]["layout"]["annotations"])
    assert "(synthetic demo)" in at.caption[-1].value or any(
        "(synthetic demo)" in c.value for c in at.caption
    )
    # Picking another route redraws the page for it (the browser test checks the address).
    at.selectbox(key="reconcile").set_value("central_mediterranean").run()
    _clean(at)
    assert at.header[0].value == "Central Mediterranean"


def test_no_data_metric_reads_whole_in_french(demo_app: AppTest) -> None:
    """The demo has no arrivals: detections per arrival is "pas de données", whole (in four
    equal columns French showed "pas de donn…"), never 0. Each metric is as wide as its text
    in a row that wraps (measured in Chromium at 1440 and 1024 px: no value or label cut)."""
    demo_app.query_params.update({"reconcile": "Central Mediterranean", "lang": "fr"})
    at = demo_app.switch_page(PAGE).run()
    _clean(at)
    assert _metric(at, "Franchissements détectés par arrivée") == "pas de données"
    assert _metric(at, "Sources muettes") == "HCR"


def test_data_sources_page_links_to_it(demo_app: AppTest) -> None:
    at = demo_app.switch_page("pages/data_sources.py").run()
    _clean(at)
    links = [e.proto.page for e in at.get("page_link")]
    assert any(p.endswith("reconcile.py") or p == "reconcile" for p in links), links


@pytest.mark.shared
def test_page_on_the_real_warehouse_shows_all_three_sources(
    real_app: AppTest, real_db: Path
) -> None:
    real_app.query_params.update(
        {"reconcile": "Central Mediterranean", "from": "2019-01-01", "to": "2020-12-31"}
    )
    at = real_app.switch_page(PAGE).run()
    _clean(at)
    assert at.header[0].value == "Central Mediterranean"
    assert _metric(at, "Months all three sources cover") == "24"
    assert _metric(at, "Silent sources") == "none"
    specs = _specs(at)
    panels = [a["text"] for a in specs[1]["layout"]["annotations"] if a["text"].startswith("<b>")]
    assert panels[:4] == [
        "<b>Dead and missing, persons (IOM)</b>",
        "<b>Incidents (IOM)</b>",
        "<b>Detections, events not persons (Frontex)</b>",
        "<b>Sea arrivals, persons (UNHCR)</b>",
    ]
    # The short source line is a caption; the caveats are one click away (the popover's text).
    captions = " ".join([c.value for c in at.caption] + [m.value for m in at.markdown])
    assert "UNHCR sea arrivals (vintage" in captions or "UNHCR " in captions
    assert "Arrivals count" in captions or "UNHCR sea arrivals count persons" in captions
    # The divergence table lists the 2019 months Frontex counted far more than Italy's arrivals.
    table = at.dataframe[0].value
    assert "May 2019" in set(
        table[table["Ratio"] == "Frontex detections per UNHCR sea arrival"]["Month"]
    )
    # One definition: the page shows what the command prints (and the pack audits, see
    # tests/data/test_reconcile_real.py).
    import contextlib
    import io

    from analytics.catalogue import measure
    from services.cli import main

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(
            ["reconcile", "--route", "central_mediterranean", "--from", "2019-01-01",
             "--to", "2020-12-31", "--json", "--db", str(real_db)]
        )  # fmt: skip
    assert code == 0
    overlap = json.loads(buf.getvalue())["overlap"]
    assert overlap["months"] == 24
    shown = _metric(at, "Detections per arrival")
    assert shown == measure("detections_per_arrival").format(overlap["detections_per_arrival"])
    assert shown == "1.11"
