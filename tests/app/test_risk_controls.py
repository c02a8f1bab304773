"""AppTest of the Risk page's scope, variant and weight controls, and the URL that keeps them."""

from __future__ import annotations

import base64
import datetime as dt
import json

import duckdb
import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from data.filters import Filters
from services import report


def plotly_specs(at: AppTest) -> list[dict]:
    return [json.loads(e.proto.spec) for e in at.get("plotly_chart")]


def risk_traces(at: AppTest) -> dict[str, dict]:
    """The ranking chart's bar traces by component label."""
    spec = next(s for s in plotly_specs(at) if "risk" in s["layout"]["meta"]["title"])
    return {t["name"]: t for t in spec["data"] if t.get("type") == "bar"}


def decode(value: object) -> list:
    """Plotly writes numeric arrays as base64 typed arrays; read them back as a list."""
    if isinstance(value, dict) and "bdata" in value:
        raw = base64.b64decode(value["bdata"])
        return np.frombuffer(raw, dtype=np.dtype(value["dtype"])).tolist()
    return list(value)  # type: ignore[call-overload]


def captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption)


def clean(at: AppTest, where: str) -> None:
    assert not at.exception, f"{where}: {[e.message for e in at.exception]}"
    assert not at.error, f"{where}: {[e.body for e in at.error]}"


OC_LABEL = "Organized Crime Index human-smuggling score"


def test_scope_variant_and_oc_weight_zero(demo_app: AppTest, demo_db) -> None:
    at = demo_app.run()
    at.switch_page("pages/risk.py").run()
    clean(at, "risk")
    assert at.segmented_control(key="scope").value == "europe"
    assert at.segmented_control(key="variant").value == "robust"
    assert "Scope: routes towards Europe. Scores: robust" in captions(at)
    traces = risk_traces(at)
    assert any(OC_LABEL.lower() in name.lower() for name in traces)

    # OC Index weight 0: it adds no point to any bar, and the caption says so.
    at.slider(key="w_origin_oc_human_smuggling").set_value(0.0).run()
    clean(at, "oc 0")
    assert not any(OC_LABEL.lower() in name.lower() for name in risk_traces(at))
    assert "Organized Crime Index human-smuggling score 0.00" in captions(at)
    # Worldwide: the Frontex components have no data, said under the sliders and in the chart.
    at.segmented_control(key="scope").set_value("world").run()
    clean(at, "world")
    assert "Scope: all routes worldwide." in captions(at)
    assert "No data in the scope 'all routes worldwide'" in captions(at)
    assert "Detections of its nationals no data in this scope" in captions(at) or (
        "detections of its nationals no data in this scope" in captions(at)
    )
    for name, trace in risk_traces(at).items():
        if "detection" in name.lower():
            assert all(x == 0 for x in decode(trace["x"]) if x is not None), name

    # Raw counts one click away.
    at.segmented_control(key="variant").set_value("raw").run()
    clean(at, "raw")
    assert "Scores: raw counts." in captions(at)


def test_the_url_restores_scope_variant_and_weights(demo_app: AppTest) -> None:
    # The address holds the option codes, whatever the language (tests/app/test_link_codes.py);
    # this opens a session on such a link, as a reload or a shared link does.
    demo_app.query_params.update(
        {"scope": "world", "variant": "raw", "w_origin_oc_human_smuggling": "0.0"}
    )
    at = demo_app.run()
    at.switch_page("pages/risk.py").run()
    clean(at, "link")
    assert at.segmented_control(key="scope").value == "world"
    assert at.segmented_control(key="variant").value == "raw"
    assert at.query_params["scope"] == "world" and at.query_params["variant"] == "raw"
    assert at.slider(key="w_origin_oc_human_smuggling").value == 0.0
    text = captions(at)
    assert "Scope: all routes worldwide. Scores: raw counts." in text
    assert "Organized Crime Index human-smuggling score 0.00" in text
    assert not any(OC_LABEL.lower() in name.lower() for name in risk_traces(at))
    # The other weights are still the defaults, rescaled without the OC Index and Frontex.
    # 0.30 / (0.30 + 0.10 + 0.10 + 0.05): the defaults without the OC Index and Frontex.
    assert "dead and missing 0.55" in text


def test_a_link_with_the_old_labels_still_opens_its_view(demo_app: AppTest) -> None:
    # Links made before codes held the shown labels, in the link's own language (lang=...).
    demo_app.query_params.update({"scope": "All routes worldwide", "variant": "Raw counts"})
    at = demo_app.switch_page("pages/risk.py").run()
    clean(at, "old link")
    assert at.segmented_control(key="scope").value == "world"
    assert at.segmented_control(key="variant").value == "raw"
    assert at.query_params["scope"] == "world" and at.query_params["variant"] == "raw"


@pytest.mark.shared
def test_oc_weight_zero_reranks_the_real_data(real_app: AppTest, real_db) -> None:
    # The demo has no OC Index; on the real files the OC score moves countries.
    real_app.query_params.update({"from": "2023-01-01", "to": "2023-12-31"})
    at = real_app.run()
    at.switch_page("pages/risk.py").run()
    clean(at, "real risk")
    bars = risk_traces(at)
    before = decode(next(iter(bars.values()))["y"])
    assert any(OC_LABEL.lower() in n.lower() for n in bars)
    at.slider(key="w_origin_oc_human_smuggling").set_value(0.0).run()
    clean(at, "real oc 0")
    bars = risk_traces(at)
    assert not any(OC_LABEL.lower() in n.lower() for n in bars)
    assert decode(next(iter(bars.values()))["y"]) != before
    # The service behind the page: no OC point for anyone, and other scores.
    f = Filters(date_from=dt.date(2023, 1, 1), date_to=dt.date(2023, 12, 31))
    weights = tuple(
        (c, 0.0 if c == "oc_human_smuggling" else w) for c, w in report.DEFAULT_ORIGIN_WEIGHTS
    )
    con = duckdb.connect(str(real_db), read_only=True)
    try:
        without = report.origin_risk(con, f, weights).set_index("iso3")
        with_oc = report.origin_risk(con, f).set_index("iso3")
    finally:
        con.close()
    assert without["contrib_oc_human_smuggling"].fillna(0).eq(0).all()
    assert with_oc["contrib_oc_human_smuggling"].fillna(0).gt(0).any()
    ranked = with_oc.index[with_oc["rank"].notna()]
    assert (without.loc[ranked, "rank"] != with_oc.loc[ranked, "rank"]).any()


def test_a_route_outside_europe_is_scored_worldwide_not_an_error(
    demo_app: AppTest, demo_db
) -> None:
    """Every route outside the Europe scope, chosen in the filters, opens the Risk page scored
    worldwide (the page crashed with "none of the routes chosen is in the scope"); choosing the
    Europe scope for it says why nothing is ranked, in words, and names the route."""
    import duckdb as ddb

    from analytics.scores import scope_routes
    from data.queries import query_routes

    with ddb.connect(str(demo_db), read_only=True) as con:
        routes = query_routes(con)
    europe = set(scope_routes(routes, "europe") or ())
    outside = sorted(set(routes["route_id"]) - europe - {"unclassified"})
    assert "us_mexico_border" in outside
    for route in outside:
        demo_app.query_params.clear()
        demo_app.query_params["route"] = route
        at = demo_app.run()
        at.switch_page("pages/risk.py").run()
        clean(at, route)
        assert at.segmented_control(key="scope").value == "world", route
        assert at.get("plotly_chart"), route
    # The reader picks the Europe scope anyway: a warning naming the route, no crash.
    at.segmented_control(key="scope").set_value("europe").run()
    assert not at.exception
    text = " ".join(w.value for w in at.warning)
    assert "is a route towards Europe" in text and "All routes worldwide" in text
    assert outside[-1] not in text  # the route's name, never its id
