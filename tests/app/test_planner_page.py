"""AppTest of the Prevention planner page, on the demo and on the real warehouse."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

PAGE = "pages/planner.py"


def open_planner(at: AppTest) -> AppTest:
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def cards(at: AppTest) -> list[str]:
    return [s.value for s in at.subheader]


def sentences(at: AppTest) -> str:
    return " ".join(str(h.proto.body) for h in at.get("html"))


@pytest.mark.parametrize("which", ["demo_app", "real_app"])
def test_planner_defaults_to_top_origins_and_follows_the_choice(which, request) -> None:
    import os

    from data.db import connect_read_only
    from services import planner, report

    at = open_planner(request.getfixturevalue(which))
    assert at.title[0].value == "Prevention planner"
    con = connect_read_only(os.environ["ROUTEWATCH_DB"])
    try:
        from data.filters import Filters

        top = planner.default_countries(con, Filters())
        names = report.origin_deaths(con, Filters()).set_index("iso3")["name"]
    finally:
        con.close()
    box = at.multiselect(key="plan")
    assert tuple(box.value) == top
    assert cards(at) == [names[i] for i in top]
    text = sentences(at)
    assert "Campaign window" in text and "Languages (share of the population" in text
    assert len(at.get("plotly_chart")) >= 1
    labels = [b.proto.label for b in at.get("download_button")]
    assert "All cards as CSV rows" in labels
    assert sum(lbl.startswith("One-page PDF") for lbl in labels) == len(top)

    box.set_value([top[-1]]).run()
    assert not at.exception
    assert cards(at) == [names[top[-1]]]

    box.set_value([]).run()
    assert not at.exception and cards(at) == []
    assert any("Choose one or more" in i.value for i in at.info)


def test_planner_uses_the_sidebar_origin_filter(real_app: AppTest) -> None:
    real_app.query_params["origin"] = ["ERI"]
    at = open_planner(real_app)
    assert tuple(at.multiselect(key="plan").value) == ("ERI",)
    assert cards(at) == ["Eritrea"]
    assert "Tigrinya 60%" in sentences(at)
