"""AppTest of the whole app: every page, the shared filters, the URL, the figures they reach."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import PAGES

DEMO_BANNER = "**Demo data.**"


# --------------------------------------------------------------------------- helpers


def plotly_specs(at: AppTest) -> list[dict]:
    return [json.loads(e.proto.spec) for e in at.get("plotly_chart")]


def plotly_titles(at: AppTest) -> list[str]:
    return [s["layout"]["meta"]["title"] for s in plotly_specs(at)]


def decks(at: AppTest) -> list[dict]:
    return [json.loads(e.proto.json) for e in at.get("deck_gl_json_chart")]


def query(at: AppTest) -> dict[str, list[str]]:
    """The query string the app wrote, every value as a list."""
    return {k: v if isinstance(v, list) else [v] for k, v in at.query_params.items()}


def warnings(at: AppTest) -> list[str]:
    return [w.body for w in at.warning]


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def assert_clean(at: AppTest, where: str) -> None:
    assert not at.exception, f"{where}: {[e.message for e in at.exception]}"
    assert not at.error, f"{where}: {[e.body for e in at.error]}"


def sql_value(db: Path, sql: str, params: list) -> int:
    """Computed straight on the warehouse file, not through data.queries."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(sql, params).fetchone()
    finally:
        con.close()
    return int(row[0] or 0)


def latest_incident_source(db: Path) -> str:
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(
            "SELECT source_id FROM sources WHERE kind = 'mmp' ORDER BY is_demo, vintage DESC LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    return str(row[0])


def dead_and_missing(db: Path, route: str | None = None, year: int | None = None) -> int:
    sql = "SELECT sum(dead_and_missing) FROM incidents WHERE source_id = ?"
    params: list = [latest_incident_source(db)]
    if route:
        sql += " AND list_contains(route_ids, ?)"
        params.append(route)
    if year:
        sql += " AND incident_date BETWEEN ? AND ?"
        params += [dt.date(year, 1, 1), dt.date(year, 12, 31)]
    return sql_value(db, sql, params)


def check_page(at: AppTest, name: str) -> None:
    """The key elements of each page are there."""
    titles = {
        "overview": "Overview",
        "routes": "Routes",
        "risk": "Origin and transit risk",
        "incidents": "Incidents",
        "briefing": "Briefing",
        "data_sources": "Data and sources",
        "money": "Follow the money",
        "planner": "Prevention planner",
        "reconcile": "Reconcile sources",
    }
    if name in titles:
        assert at.title[0].value == titles[name], name
    if name == "overview":
        assert [m.label for m in at.metric] == [
            "Dead and missing",
            "Of whom missing",
            "Incidents",
            "Detections (Frontex)",
        ]
        assert len(decks(at)) == 1 and len(plotly_specs(at)) == 2
        assert [s.value for s in at.subheader][:1] == ["Key messages"]
        # The Alerts panel: the alerts, then the "On watch" list under them.
        heads = [s.value for s in at.subheader]
        assert heads.index("Alerts") < heads.index("On watch"), heads
    elif name == "routes":
        assert len(decks(at)) == 1
        assert len(plotly_specs(at)) == 6
    elif name == "risk":
        assert len(decks(at)) == 1
        assert len(plotly_specs(at)) >= 2
        assert len(at.dataframe) >= 1
    elif name == "incidents":
        assert len(decks(at)) == 1
        assert len(at.dataframe) == 1
        labels = [b.proto.label for b in at.get("download_button")]
        assert any(lab.startswith("CSV (") for lab in labels), labels
    elif name == "data_sources":
        assert len(at.dataframe) >= 1 and len(plotly_specs(at)) == 1
    elif name == "methodology":
        assert at.markdown or at.info
    for spec in plotly_specs(at):
        layout = spec["layout"]
        assert layout["meta"]["title"] and layout["meta"]["alt"], name
        assert layout["template"]["layout"]["font"]["size"] >= 16
    for e in at.get("plotly_chart"):
        cfg = json.loads(e.proto.config)
        assert cfg["displaylogo"] is False
        assert cfg["toImageButtonOptions"]["scale"] == 2
    for d in decks(at):
        assert d.get("mapProvider") is None
        assert d["layers"][0]["id"] == "ocean"


# --------------------------------------------------------------------------- every page


def test_every_page_runs_on_demo_data(demo_app: AppTest) -> None:
    at = demo_app.run()
    assert_clean(at, "first run")
    for name, path in PAGES.items():
        at.switch_page(path).run()
        assert_clean(at, name)
        assert DEMO_BANNER in warnings(at)[0], f"{name}: no demo banner"
        assert len(at.sidebar.multiselect) == 6, f"{name}: sidebar not drawn"
        check_page(at, name)


# One filter of each kind a reader sets, as a link carries it: a route towards Europe and one
# outside it (the Risk page crashed on the US-Mexico border in the Europe scope), a cause, an
# origin, a source-quality floor, one year, and an IOM region.
ONE_FILTER = {
    "route in Europe": {"route": "central_mediterranean"},
    "route outside Europe": {"route": "us_mexico_border"},
    "two routes, one outside Europe": {"route": ["central_mediterranean", "darien"]},
    "cause": {"cause": "Drowning"},
    "origin": {"origin": "AFG"},
    "quality": {"q": "3"},
    "one year": {"from": "2024-01-01", "to": "2024-12-31"},
}


@pytest.mark.parametrize("kind", list(ONE_FILTER))
def test_every_page_runs_under_each_kind_of_filter(demo_app: AppTest, kind: str) -> None:
    """No page errors under any kind of filter a reader can set (an error is a failure here,
    never an info box): every page, opened on a link holding that filter."""
    demo_app.query_params.update(ONE_FILTER[kind])
    at = demo_app.run()
    assert_clean(at, f"{kind}: first run")
    for name, path in PAGES.items():
        at.switch_page(path).run()
        assert_clean(at, f"{kind}: {name}")


@pytest.mark.shared
def test_every_page_runs_on_the_real_warehouse(real_app: AppTest, real_db: Path) -> None:
    at = real_app.run()
    assert_clean(at, "first run")
    assert metric(at, "Dead and missing") == f"{dead_and_missing(real_db):,}"
    for name, path in PAGES.items():
        at.switch_page(path).run()
        assert_clean(at, name)
        assert not any(DEMO_BANNER in w for w in warnings(at)), name
        check_page(at, name)


# --------------------------------------------------------------------------- filters reach figures


def test_filter_change_reaches_figures_and_keeps_the_map_view(
    demo_app: AppTest, demo_db: Path
) -> None:
    at = demo_app.run()
    before_specs = plotly_specs(at)
    (before_deck,) = decks(at)
    at.sidebar.multiselect(key="flt_routes").select("central_mediterranean").run()
    assert_clean(at, "after route filter")
    after_specs = plotly_specs(at)
    (after_deck,) = decks(at)
    assert after_specs[0] != before_specs[0]
    assert after_specs[0]["layout"]["meta"]["title"].startswith("Central Mediterranean: ")
    assert (
        metric(at, "Dead and missing") == f"{dead_and_missing(demo_db, 'central_mediterranean'):,}"
    )
    # The map's data changed and its view moved to where they are (issue 16: fitted to the
    # filtered data; rounded, so filters whose data sit in the same place keep the view).
    assert after_deck["layers"] != before_deck["layers"]
    v = after_deck["initialViewState"]
    assert 0 < v["longitude"] < 25 and 25 < v["latitude"] < 45, v
    assert v["zoom"] > before_deck["initialViewState"]["zoom"]
    route_layer = next(layer for layer in after_deck["layers"] if layer["id"] == "routes")
    assert [r["route_id"] for r in route_layer["data"]] == ["central_mediterranean"]


def test_period_gives_a_comparison_and_year_finding(demo_app: AppTest, demo_db: Path) -> None:
    at = demo_app.run()
    at.sidebar.selectbox(key="flt_period").set_value("2024").run()
    assert_clean(at, "period 2024")
    assert query(at)["from"] == ["2024-01-01"] and query(at)["to"] == ["2024-12-31"]
    now, before = dead_and_missing(demo_db, year=2024), dead_and_missing(demo_db, year=2023)
    m = next(m for m in at.metric if m.label == "Dead and missing")
    assert m.value == f"{now:,}"
    assert m.delta == f"{(now - before) / before * 100:+.0f}% vs previous period"
    png = json.loads(at.get("plotly_chart")[0].proto.config)["toImageButtonOptions"]["filename"]
    assert png.startswith("monthly-dead-and-missing_2024-01-01-2024-12-31_")
    assert png.endswith(dt.date.today().isoformat())


# --------------------------------------------------------------------------- the URL


def test_query_string_is_read(demo_app: AppTest, demo_db: Path) -> None:
    demo_app.query_params.update(
        {"route": "central_mediterranean", "from": "2023-01-01", "to": "2023-12-31"}
    )
    at = demo_app.run()
    assert_clean(at, "link")
    assert at.sidebar.multiselect(key="flt_routes").value == ["central_mediterranean"]
    assert at.sidebar.selectbox(key="flt_period").value == "2023"
    assert (
        metric(at, "Dead and missing")
        == f"{dead_and_missing(demo_db, 'central_mediterranean', 2023):,}"
    )
    assert not any("could not be used" in w for w in warnings(at))


def test_invalid_link_values_are_dropped_with_a_notice(demo_app: AppTest) -> None:
    demo_app.query_params.update(
        {
            "route": ["nope", "central_mediterranean"],
            "q": "9",
            "from": "yesterday",
            "origin": "<script>",
        }
    )
    at = demo_app.run()
    assert_clean(at, "bad link")
    notice = next(w for w in warnings(at) if "could not be used" in w)
    for text in ("unknown route", "minimum source quality", "invalid date", "unknown origin"):
        assert text in notice
    assert at.sidebar.multiselect(key="flt_routes").value == ["central_mediterranean"]
    # The address now holds only what was used.
    assert query(at) == {"route": ["central_mediterranean"]}
    # The notice goes once the user changes a filter.
    at.sidebar.multiselect(key="flt_causes").select("Drowning").run()
    assert not any("could not be used" in w for w in warnings(at))


def test_query_string_is_written_and_survives_page_changes(demo_app: AppTest) -> None:
    at = demo_app.run()
    assert query(at) == {}
    at.sidebar.multiselect(key="flt_causes").select("Drowning").run()
    at.sidebar.select_slider(key="flt_quality").set_value(4).run()
    assert query(at)["cause"] == ["Drowning"] and query(at)["q"] == ["4"]
    at.switch_page("pages/incidents.py").run()
    assert_clean(at, "incidents")
    assert at.sidebar.multiselect(key="flt_causes").value == ["Drowning"]
    assert query(at)["cause"] == ["Drowning"] and query(at)["q"] == ["4"]
    at.sidebar.button[0].click().run()  # reset
    assert query(at) == {}
    assert at.sidebar.multiselect(key="flt_causes").value == []


def test_routes_page_reads_its_route_from_the_link(demo_app: AppTest) -> None:
    # A shared link opens on the page itself: /routes?focus=...&colour=...
    # Page controls keep their option codes in the URL: the same link in every language.
    demo_app.query_params.update({"focus": "western_balkans", "colour": "route", "q": "2"})
    at = demo_app.switch_page("pages/routes.py").run()
    assert_clean(at, "routes")
    assert at.selectbox(key="focus").value == "western_balkans"
    assert at.title[0].value == "Routes"
    assert at.header[0].value == "Western Balkans"
    assert at.sidebar.select_slider(key="flt_quality").value == 2
    assert query(at)["focus"] == ["western_balkans"] and query(at)["q"] == ["2"]
    assert query(at)["colour"] == ["route"]
    route_layer = next(layer for layer in decks(at)[0]["layers"] if layer["id"] == "routes")
    wb = next(r for r in route_layer["data"] if r["route_id"] == "western_balkans")
    assert wb["color"][:3] == [204, 121, 167]  # the route's own colour, #CC79A7
    assert all(t.startswith("Western Balkans") for t in plotly_titles(at)[1:])


def test_risk_weights_rerank_live(demo_app: AppTest) -> None:
    at = demo_app.run()
    at.switch_page("pages/risk.py").run()
    assert_clean(at, "risk")
    before = plotly_titles(at)[0]
    sliders = {s.key: s for s in at.slider}
    assert "w_origin_dead_and_missing" in sliders
    for key, s in sliders.items():
        if key != "w_origin_share_children":
            s.set_value(0.0)
    at.slider(key="w_origin_share_children").set_value(1.0).run()
    assert_clean(at, "weights")
    after = plotly_titles(at)[0]
    assert after != before
    assert after.endswith("driven most by share of children among victims")
    at.segmented_control(key="kind").set_value("transit").run()
    assert_clean(at, "transit")
    assert "transit risk" in plotly_titles(at)[0]


@pytest.mark.shared
def test_older_vintage_from_the_link(real_app: AppTest, real_db: Path) -> None:
    con = duckdb.connect(str(real_db), read_only=True)
    try:
        older = con.execute(
            "SELECT source_id FROM sources WHERE kind = 'mmp' ORDER BY vintage LIMIT 1"
        ).fetchone()[0]
        expected = con.execute(
            "SELECT sum(dead_and_missing) FROM incidents WHERE source_id = ?", [older]
        ).fetchone()[0]
    finally:
        con.close()
    assert older != latest_incident_source(real_db)
    real_app.query_params["vintage"] = older
    at = real_app.run()
    assert_clean(at, "older vintage")
    assert at.sidebar.selectbox(key="flt_vintage").value == older
    assert metric(at, "Dead and missing") == f"{int(expected):,}"


def test_missing_warehouse_shows_how_to_load_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.app.conftest import APP

    monkeypatch.setenv("ROUTEWATCH_DB", str(tmp_path / "none.duckdb"))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert "no data to show yet" in at.error[0].body
    assert "python -m data load" in at.error[0].body


# --------------------------------------------------------------------------- render helpers


def test_legend_html_escapes_labels_and_rejects_odd_colours() -> None:
    from ui.render import legend_html

    out = legend_html(
        [
            {"label": "<img src=x onerror=alert(1)>", "colour": "#D55E00", "shape": "line"},
            {"label": "ok", "colour": "red;background:url(https://x)", "shape": "circle"},
        ],
        "Routes <b>",
        note="a & b",
    )
    assert "<img" not in out and "&lt;img src=x onerror=alert(1)&gt;" in out
    assert "url(" not in out and "#999999" in out
    assert "Routes &lt;b&gt;" in out and "a &amp; b" in out


def test_sentences_are_escaped_and_citations_set_apart() -> None:
    from ui.render import sentences_html, split_citation

    sentence = (
        "Dead and missing in Iran fell to 31 in Jan–Mar 2026 from 323 (3 vs 313 incidents; "
        "IOM Missing Migrants Project, vintage 2026-04-09) — one of 6 alerts."
    )
    assert split_citation(sentence) == (
        "Dead and missing in Iran fell to 31 in Jan–Mar 2026 from 323 — one of 6 alerts.",
        "3 vs 313 incidents; IOM Missing Migrants Project, vintage 2026-04-09",
    )
    assert split_citation("No source here.") == ("No source here.", "")
    out = sentences_html(["<script>alert(1)</script> (IOM, vintage 2026-04-09)."])
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "vintage 2026-04-09" in out


def test_png_file_name_carries_chart_filters_and_date(monkeypatch: pytest.MonkeyPatch) -> None:
    from data.filters import Filters
    from ui import cache
    from ui.render import filters_slug, plotly_config, png_filename

    # File names carry names, never ids: the page's display names (route and country names).
    names = {"central_mediterranean": "Central Mediterranean", "SYR": "Syria"}
    monkeypatch.setattr(cache, "display_names", lambda: names)

    f = Filters(
        date_from=dt.date(2024, 1, 1),
        date_to=dt.date(2024, 12, 31),
        routes=("central_mediterranean",),
    )
    day = dt.date(2026, 4, 30)
    assert filters_slug(Filters()) == "all-data"
    assert png_filename("monthly-dead-and-missing", f, day) == (
        "monthly-dead-and-missing_2024-01-01-2024-12-31-route-central-mediterranean_2026-04-30"
    )
    assert len(filters_slug(Filters(origins=tuple(f"A{i:02d}" for i in range(40))))) <= 60
    assert filters_slug(Filters(origins=("SYR",))) == "origin-syria"
    cfg = plotly_config("x", f, day)
    assert cfg["toImageButtonOptions"]["scale"] == 2 and cfg["displaylogo"] is False


def test_downloads_neutralise_spreadsheet_formulas() -> None:
    import io

    import openpyxl
    import pandas as pd

    from export.tables import neutralise_text, prepare_incident_table
    from ui.render import csv_bytes, excel_bytes

    raw = pd.DataFrame(
        {
            "location": ['=HYPERLINK("http://x")', "Lampedusa", "-1+2", None],
            "dead": [1, 2, 3, 4],
            "url": ["javascript:alert(1)", "https://iom.int/x", None, "http://a.b"],
            "causes": [["Drowning"], ["Drowning", "Violence"], [], ["Violence"]],
            "incident_date": pd.to_datetime(["2023-01-01"] * 4),
        }
    )
    table = prepare_incident_table(raw)
    assert table["url"].tolist() == [None, "https://iom.int/x", None, "http://a.b"]
    assert table["causes"].tolist() == ["Drowning", "Drowning, Violence", "", "Violence"]
    safe = [neutralise_text(x) for x in table["location"].tolist()[:3]]
    assert safe == ['\'=HYPERLINK("http://x")', "Lampedusa", "'-1+2"]
    data = csv_bytes(table)
    assert data.startswith(b"\xef\xbb\xbf") and b"'=HYPERLINK" in data
    wb = openpyxl.load_workbook(io.BytesIO(excel_bytes(table, notes=["Source: test"])))
    assert wb.sheetnames == ["About", "incidents"]
    assert wb["incidents"]["A2"].value == '\'=HYPERLINK("http://x")'
    assert wb["incidents"]["A2"].data_type == "s"  # text, never a formula
    about = [c.value for row in wb["About"].iter_rows() for c in row]
    assert "Source: test" in about


def test_origin_and_route_lists_are_in_name_order(real_app: AppTest) -> None:
    """The sidebar lists countries and routes by the name shown, not by ISO code or id
    ("Côte d'Ivoire" among the C, not after "CIV"-coded neighbours)."""
    from i18n import sort_key
    from ui.state import K_LIST

    real_app.run()
    for attr in ("origins", "routes"):
        shown = list(real_app.multiselect(key=K_LIST[attr]).options)
        assert len(shown) > 5, attr
        assert shown == sorted(shown, key=sort_key), (attr, shown[:10])
    origins = list(real_app.multiselect(key=K_LIST["origins"]).options)
    assert any(o.startswith("Côte") or o.startswith("Cote") for o in origins)


def test_captions_name_routes_and_vintages_never_ids(real_app: AppTest) -> None:
    """Captions and filter summaries show "Central Mediterranean" and "Apr 2026", never the
    route id or the source id (issue 16)."""
    at = real_app
    at.query_params["route"] = "central_mediterranean"
    at.run()
    for path in ("pages/overview.py", "pages/routes.py"):
        at.switch_page(path).run()
        assert not at.exception, [e.message for e in at.exception]
        texts = [c.value for c in at.caption]
        assert any("Central Mediterranean" in t for t in texts), texts[:3]
        assert not any("central_mediterranean" in t for t in texts), texts
        assert not any("mmp-20" in t for t in texts), texts


def test_overview_map_names_places_fits_the_data_and_greys_minor_routes(
    real_app: AppTest,
) -> None:
    """Issue 16: country and sea names, a view fitted to the filtered data (the Americas when
    the data are there), the top routes in colour and the others grey."""
    at = real_app.run()
    deck = next(d for d in decks(at) if any(ly.get("id") == "routes" for ly in d["layers"]))
    ids = [ly.get("id") for ly in deck["layers"]]
    assert "place-labels" in ids
    texts = {
        r["text"] for ly in deck["layers"] if ly.get("id") == "place-labels" for r in ly["data"]
    }
    assert {"Atlantic Ocean", "Mexico", "Libya"} <= texts
    routes = next(ly for ly in deck["layers"] if ly.get("id") == "routes")
    grey = [r for r in routes["data"] if r["color"][:3] == [153, 153, 153]]
    assert 0 < len(routes["data"]) - len(grey) <= 8 and grey
    world = deck["initialViewState"]
    assert world["longitude"] < 20 and world["zoom"] < 2.5  # the Americas are in view

    from tests.app.conftest import APP

    at2 = AppTest.from_file(APP, default_timeout=90)
    at2.query_params["route"] = "us_mexico_border"
    at2.run()
    deck2 = next(d for d in decks(at2) if any(ly.get("id") == "routes" for ly in d["layers"]))
    v = deck2["initialViewState"]
    assert -120 < v["longitude"] < -90 and v["zoom"] >= 3.0, v


def test_first_page_does_not_import_geopandas_or_statsmodels(demo_db: Path) -> None:
    """Cold start: the Overview's first run imports neither geopandas (0.6 s: the map labels
    are read without it) nor statsmodels (2.4 s: the alerts' reference engine only)."""
    import os
    import subprocess
    import sys

    from tests.app.conftest import APP

    code = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        f"at = AppTest.from_file({str(APP)!r}, default_timeout=120)\n"
        "at.run()\n"
        "assert not at.exception, [e.message for e in at.exception]\n"
        "print(sorted(m for m in ('geopandas', 'statsmodels', 'pyproj') if m in sys.modules))\n"
    )
    env = {**os.environ, "ROUTEWATCH_DB": str(demo_db)}
    env.pop("ROUTEWATCH_ONLINE_BASEMAP", None)
    p = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=180
    )
    assert p.returncode == 0, p.stderr[-2000:]
    assert p.stdout.strip().splitlines()[-1] == "[]", p.stdout[-500:]
