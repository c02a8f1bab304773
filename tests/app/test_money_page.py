"""AppTest of the "Follow the money" page on the demo and the real warehouse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

PAGE = "pages/money.py"


def _clean(at: AppTest, where: str) -> None:
    assert not at.exception, f"{where}: {[e.message for e in at.exception]}"
    assert not at.error, f"{where}: {[e.body for e in at.error]}"


def _specs(at: AppTest) -> list[dict]:
    return [json.loads(e.proto.spec) for e in at.get("plotly_chart")]


def _revenue_layer(at: AppTest) -> dict:
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    return next(layer for layer in deck["layers"] if layer["id"] == "revenue-routes")


def _markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def test_money_page_on_demo_data(demo_app: AppTest) -> None:
    at = demo_app.run()
    at.switch_page(PAGE).run()
    _clean(at, "money")
    assert at.title[0].value == "Follow the money"
    assert len(at.sidebar.multiselect) == 6, "sidebar not drawn"
    text = _markdown(at)
    assert "Detections are events, not persons" in text
    assert "Fees vary by nationality" in text
    specs = _specs(at)
    assert specs[0]["layout"]["meta"]["chart"] == "smuggling-revenue-by-route"
    assert any(t.get("fill") == "toself" for t in specs[0]["data"]), "no revenue band drawn"
    assert specs[1]["layout"]["meta"]["chart"] == "leg-fee-shares"
    assert at.slider(key="share").value == (0.9, 1.0)
    assert _revenue_layer(at)["data"], "no routes on the revenue map"


@pytest.mark.shared
def test_money_page_on_the_real_warehouse(real_app: AppTest, real_db: Path) -> None:
    at = real_app.run()
    at.switch_page(PAGE).run()
    _clean(at, "money")
    band = _specs(at)[0]
    # Central Mediterranean 2017: 118,962 detections x 90-100% x EUR 1,300 (2017) = EUR 1,736
    # at 2024 prices: EUR 185.9-206.6 million, drawn as a filled band, never a single line.
    assert "Eastern Mediterranean 2015" in band["layout"]["meta"]["title"]
    cm = [t for t in band["data"] if t.get("name") == "Central Mediterranean" and t.get("fill")]
    assert cm and cm[0]["fill"] == "toself"
    ys = [y for y in cm[0]["y"] if y is not None]
    assert max(ys) > 2.0e8 and min(ys) < 2.0e8
    assert (
        "Central Mediterranean 2017 EUR 185.9 million to EUR 206.6 million"
        in band["layout"]["meta"]["alt"]
    )
    widths = {r["route_id"]: r["width"] for r in _revenue_layer(at)["data"]}
    assert (
        widths["eastern_mediterranean"]
        > widths["central_mediterranean"]
        > widths["english_channel"]
    )

    # The share slider applies one range to every route.
    at.slider(key="share").set_value((0.5, 0.5)).run()
    _clean(at, "share 50%")
    assert (
        "Central Mediterranean 2017 EUR 103.3 million to EUR 103.3 million"
        in _specs(at)[0]["layout"]["meta"]["alt"]
    )

    # UNHCR arrivals: Italy only, so only the Central Mediterranean has a range.
    at.segmented_control(key="persons").set_value("arrivals").run()
    _clean(at, "arrivals")
    data = _specs(at)[0]["data"]
    assert {t["name"] for t in data if t.get("fill")} == {"Central Mediterranean"}
    assert "Italy's sea arrivals" in _markdown(at)


@pytest.mark.shared
def test_money_page_reads_its_controls_from_the_link(real_app: AppTest) -> None:
    # /money?share=0.5&share=0.6&persons=arrivals: codes and numbers, whatever the language.
    real_app.query_params.update({"share": ["0.5", "0.6"], "persons": "arrivals"})
    at = real_app.switch_page(PAGE).run()
    _clean(at, "money from a link")
    assert at.slider(key="share").value == (0.5, 0.6)
    assert at.segmented_control(key="persons").value == "arrivals"
    # 2017 UNHCR arrivals to Italy, 118,319 persons x 50-60% x EUR 1,736 (2024 prices).
    assert (
        "Central Mediterranean 2017 EUR 102.7 million to EUR 123.3 million"
        in _specs(at)[0]["layout"]["meta"]["alt"]
    )
