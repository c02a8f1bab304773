"""The charts and map legends in French: titles, subtitles, axes, legends, trace names, hovers
and alt texts carry no English (tests/french.py's detector), numbers follow the French locale,
and English stays as it was.

Names that come from the data (causes, routes) are given here in a form the reference catalogue
does not need, so the test judges only the charts' own wording.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from analytics import figures as fg
from analytics import money_figures as mf
from analytics import reconcile as rc
from analytics import theme
from analytics.catalogue import NO_DATA, measure
from geo import layers as gl
from i18n import _, use_lang
from tests.french import _plotly_texts, english_in

D = dt.date
NNBSP = "\u202f"


def _monthly(values_by_year: dict[int, int]) -> pd.DataFrame:
    rows = [
        {"period": D(y, m, 1), "dead_and_missing": total // 12 + (7 if m == 4 else 0)}
        for y, total in values_by_year.items()
        for m in range(1, 13)
    ]
    return pd.DataFrame(rows)


def _texts(fig: go.Figure) -> list[str]:
    """What a reader sees of ``fig``: tests.french's plotly texts plus the subtitle, the
    alt text and the bar labels."""
    spec = json.loads(fig.to_json())
    out = list(_plotly_texts(spec))
    sub = spec["layout"].get("title", {}).get("subtitle", {}).get("text")
    if sub:
        out.append(sub)
    for trace in spec["data"]:
        for key in ("y", "text"):
            vals = trace.get(key)
            if isinstance(vals, list):
                out += [v for v in vals if isinstance(v, str)]
    return [t.replace("<br>", " ") for t in out]


def _figures() -> dict[str, go.Figure]:
    """Every figure builder of analytics.figures and analytics.money_figures, full and empty."""
    mon = _monthly({2019: 600, 2020: 300, 2021: 200, 2022: 100, 2023: 150})
    det = pd.DataFrame({"period": mon["period"], "detections": np.arange(len(mon)) * 1000.0})
    metrics = pd.DataFrame(
        {
            "route_id": ["cm", "wm", "unclassified"],
            "name": ["Méditerranée centrale", "Méditerranée occidentale", "x"],
            "colour": ["#D55E00", "#0072B2", "#999999"],
            "dead_and_missing": [2_500, 400, 9],
            "incidents": [300, 40, 1],
            "detections": [3_200_000, 60_000, 0],
            "deaths_per_1000_detections": [0.8, 6.7, np.nan],
        }
    )
    causes = pd.DataFrame(
        {
            "key": ["Drowning", "Mixed or unknown", "Violence"],
            "dead_and_missing": [50, 80, 5],
            "incidents": [5, 8, 1],
        }
    )
    leth = pd.DataFrame(
        {
            "year": [2021, 2022, 2023, 2024],
            "deaths_per_1000_detections": [12.5, 10.0, 20.0, 5.0],
            "dead_and_missing": [125, 100, 200, 10],
            "detections": [10_000, 10_000, 10_000, 2_000],
            "months": [12, 12, 12, 3],
        }
    )
    scores = pd.DataFrame(
        {
            "iso3": ["AFG", "SYR"],
            "name": ["Afghanistan", "Syria"],
            "score": [70.0, 50.0],
            "c_dead_and_missing": [100.0, 50.0],
            "c_detections": [40.0, 50.0],
        }
    )
    weights = (("dead_and_missing", 0.6), ("detections", 0.4))
    labels = {"dead_and_missing": "Dead and missing", "detections": "Detections"}
    inc, dets, arr = _reconcile_frames()
    table, _div, med = rc.compute_reconciliation(inc, dets, arr, _windows(), min_months=1)
    sources = pd.DataFrame(
        {
            "source": ["Frontex", "OIM"],
            "first": [D(2020, 2, 1), None],
            "last": [D(2020, 5, 31), None],
            "window": ["01/02/2020 - 31/05/2020", "pas de données"],
        }
    )
    revenue = pd.DataFrame(
        {
            "route_id": ["r1", "r1", "r1"],
            "name": ["Route un"] * 3,
            "year": [2017, 2018, 2023],
            "revenue_low_eur": [1e6, 2e6, 5e6],
            "revenue_high_eur": [3e6, 4e6, 9e6],
            "months": [12, 12, 4],
            "partial": [False, False, True],
        }
    )
    legs = pd.DataFrame(
        {
            "route_id": ["r1", "r2"],
            "year": [2022, 2023],
            "part_leg": ["Libye - Italie", "Niger - Libye"],
            "whole_leg": ["Niger - Italie", "Niger - Italie"],
            "share_low": [0.38, 0.2],
            "share_high": [0.84, 0.2],
            "part_low_eur": [1000.0, 500.0],
            "part_high_eur": [2000.0, 500.0],
            "whole_low_eur": [2500.0, 2500.0],
            "whole_high_eur": [2600.0, 2500.0],
        }
    )
    empty_monthly = pd.DataFrame(columns=["period", "dead_and_missing"])
    figs = {
        "monthly": fg.make_monthly_figure(mon, label="Méditerranée centrale"),
        "monthly, no label": fg.make_monthly_figure(mon),
        "monthly, two years": fg.make_monthly_figure(_monthly({2023: 10})),
        "route bars": fg.make_route_bars_figure(metrics),
        "route bars, one": fg.make_route_bars_figure(metrics.iloc[[0]], "incidents"),
        "route bars, detections": fg.make_route_bars_figure(metrics, "detections"),
        "route bars, lethality": fg.make_route_bars_figure(metrics, "deaths_per_1000_detections"),
        "causes": fg.make_causes_figure(causes, label="Méditerranée centrale"),
        "causes, unknown": fg.make_causes_figure(causes.iloc[[1]]),
        "seasonality": fg.make_seasonality_figure(mon, label="Méditerranée centrale"),
        "seasonality, months": fg.make_seasonality_figure(_monthly({2023: 100})),
        "nationalities": fg.make_nationalities_figure(
            pd.DataFrame({"key": ["SYR", "AFG", "OOO"], "detections": [9000, 5000, 7000]}),
            pd.DataFrame({"key": ["UNK", "AFG", "ERI"], "dead_and_missing": [800, 120, 60]}),
            names={"SYR": "Syria", "AFG": "Afghanistan", "ERI": "Eritrea"},
        ),
        "nationalities, unknown": fg.make_nationalities_figure(
            pd.DataFrame({"key": ["OOO"], "detections": [7000]}),
            pd.DataFrame({"key": ["UNK"], "dead_and_missing": [800]}),
        ),
        "lethality": fg.make_lethality_figure(leth, label="Méditerranée centrale"),
        "series": fg.make_series_figure(mon, det, label="Méditerranée centrale"),
        "series, years": fg.make_series_figure(mon, det.iloc[0:0], period="year"),
        "series, detections only": fg.make_series_figure(mon.iloc[0:0], det),
        "risk": fg.make_risk_figure(scores, weights, "origin", component_labels=labels),
        "risk, transit": fg.make_risk_figure(scores, weights, "transit"),
        "quality": fg.make_quality_figure(
            pd.DataFrame({"source_quality": [0, 1, 4, 5], "incidents": [5, 25, 50, 25]})
        ),
        "reconcile": fg.make_reconcile_figure(table, med, label="Méditerranée centrale"),
        "coverage": fg.make_coverage_figure(
            sources, overlap=(D(2020, 3, 1), D(2020, 5, 1)), label="Méditerranée centrale"
        ),
        "coverage, no overlap": fg.make_coverage_figure(sources, period=(D(2020, 1, 1), None)),
        "revenue": mf.make_revenue_band_figure(revenue, {"r1": "#D55E00"}),
        "legs": mf.make_leg_shares_figure(legs),
    }
    empties = {
        "monthly": fg.make_monthly_figure(empty_monthly),
        "seasonality": fg.make_seasonality_figure(empty_monthly, label="Darién"),
        "route bars": fg.make_route_bars_figure(metrics.iloc[0:0], "detections"),
        "causes": fg.make_causes_figure(causes.iloc[0:0]),
        "nationalities": fg.make_nationalities_figure(
            pd.DataFrame(columns=["key", "detections"]),
            pd.DataFrame(columns=["key", "dead_and_missing"]),
        ),
        "lethality": fg.make_lethality_figure(leth.iloc[0:0]),
        "series": fg.make_series_figure(empty_monthly, pd.DataFrame(columns=["period"])),
        "risk": fg.make_risk_figure(scores.iloc[0:0], weights),
        "quality": fg.make_quality_figure(pd.DataFrame(columns=["source_quality", "incidents"])),
        "reconcile": fg.make_reconcile_figure(table.iloc[0:0]),
        "coverage": fg.make_coverage_figure(sources.iloc[0:0]),
        "revenue": mf.make_revenue_band_figure(revenue.iloc[0:0]),
        "legs": mf.make_leg_shares_figure(legs.iloc[0:0]),
    }
    figs.update({f"{k}, empty": v for k, v in empties.items()})
    return figs


def _windows() -> dict[str, rc.Window]:
    return {
        "mmp": rc.Window("mmp", D(2020, 1, 1), D(2020, 6, 15)),
        "frontex": rc.Window("frontex", D(2020, 2, 1), D(2020, 5, 31)),
        "unhcr-arrivals": rc.Window("unhcr-arrivals", D(2020, 3, 1), D(2020, 6, 30)),
    }


def _reconcile_frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    inc = pd.DataFrame(
        {
            "month": [D(2020, 1, 1), D(2020, 3, 1), D(2020, 6, 1)],
            "incidents": [2, 1, 4],
            "dead_and_missing": [10, 3, 40],
        }
    )
    det = pd.DataFrame(
        {"month": [D(2020, 2, 1), D(2020, 3, 1), D(2020, 5, 1)], "detections": [800, 1200, 900]}
    )
    arr = pd.DataFrame(
        {"month": [D(2020, 3, 1), D(2020, 5, 1), D(2020, 6, 1)], "arrivals": [1000, 600, 700]}
    )
    return inc, det, arr


def _others_words() -> list[str]:
    """Words the charts show from other catalogues (the measures' labels, "no data"): judged
    by their own tests, left out here."""
    return [
        _(NO_DATA),
        _(measure("smuggling_revenue").label),
        _(measure("leg_fee_share").label),
    ]


def test_every_figure_speaks_french() -> None:
    with use_lang("fr"):
        figs = _figures()
        others = _others_words()
    english = {}
    for name, fig in figs.items():
        texts = _texts(fig)
        for word in others:
            texts = [t.replace(word, "") for t in texts]
        english[name] = english_in(texts)
    assert not {k: v for k, v in english.items() if v}


def test_french_titles_read_as_french_sentences() -> None:
    with use_lang("fr"):
        figs = _figures()
        mon = _monthly({2019: 600, 2020: 300, 2021: 200, 2022: 100, 2023: 9000})
        record = fg.make_monthly_figure(mon, label="Toutes les routes")
    assert fg.figure_alt(figs["monthly"]).startswith(
        "Diagramme en barres des morts et disparus par mois, de janvier 2019 à décembre 2023"
    )
    assert fg.figure_alt(figs["monthly"]).endswith(".")
    assert (
        fg.figure_alt(record).split(". ")[-1]
        == f"Toutes les routes\u00a0: 9{NNBSP}007 morts et disparus en 2023, le niveau le plus "
        "élevé jamais enregistré (depuis 2019)."
    )
    # Numbers follow the locale, in titles and bar labels.
    bars = figs["route bars, detections"]
    assert "3,2 millions" in bars.data[0].text
    assert "6,7" in figs["route bars, lethality"].data[0].text
    assert bars.layout.meta["title"].startswith("Méditerranée centrale\u00a0: le plus de")
    assert figs["seasonality"].data[0].x[0] == "janv."
    assert figs["risk"].data[0].y[-1] == "Afghanistan"
    assert figs["risk"].data[0].y[0] == "Syrie"
    assert (
        figs["risk"]
        .layout.meta["title"]
        .startswith("Afghanistan arrive en tête pour le risque d'origine (70/100)")
    )


def test_plotly_separators_follow_the_language() -> None:
    mon = _monthly({2022: 10, 2023: 20})
    assert fg.make_monthly_figure(mon).layout.separators is None  # the template's ".,"
    assert theme.registered_template().layout.separators == ".,"
    with use_lang("fr"):
        fig = fg.make_monthly_figure(mon)
    assert fig.layout.separators == f",{NNBSP}"
    # Presenter mode keeps them.
    assert fg.on_dark(fig, height=400).layout.separators == f",{NNBSP}"


def test_cause_labels_translate_but_colours_stay_keyed_by_the_english_cause() -> None:
    cause = "Sickness / lack of access to adequate healthcare"
    assert theme.cause_label(cause) == "Sickness, no healthcare"
    with use_lang("fr"):
        assert theme.cause_label(cause) == "Maladie, pas d'accès aux soins"
        legend = gl.cause_legend([cause])
    assert legend == [
        {
            "label": "Maladie, pas d'accès aux soins",
            "colour": theme.cause_colour(cause),
            "shape": "circle",
        }
    ]


def _legend_labels() -> list[str]:
    routes = pd.DataFrame(
        {
            "route_id": ["cm", "wm", "em"],
            "name": ["Méditerranée centrale", "Méditerranée occidentale", "Méditerranée orientale"],
            "colour": ["#D55E00", "#0072B2", "#009E73"],
        }
    )
    entries: list[dict[str, Any]] = (
        gl.route_legend("lethality")
        + gl.route_legend("route", routes, coloured=["cm"])
        + gl.hex_legend()
        + gl.score_legend()
        + gl.score_legend(static=True)
    )
    return [str(e["label"]) for e in entries]


def test_map_legends_tooltips_and_notes_speak_french() -> None:
    row = {
        "score": 55.0,
        "rank": 3,
        "confidence": "low",
        "driven_by_one_incident": True,
        "largest_incident_share": 0.71,
    }
    with use_lang("fr"):
        texts = _legend_labels() + [
            _(gl.LOW_CONFIDENCE_NOTE),
            gl.driven_by_one_text(row) or "",
            gl._choropleth_properties("SYR", "Syria", row, None)["tt_body"],
            gl._choropleth_properties("SYR", "Syria", row, None)["tt_title"],
            gl._choropleth_properties("ERI", "Eritrea", None, None)["tt_body"],
            gl._choropleth_properties("ERI", "Eritrea", {"insufficient_data": True}, None)[
                "tt_body"
            ],
        ]
        hexes = gl.build_hex_layer(
            pd.DataFrame({"h3": ["8a2a1072b59ffff"], "incidents": [1200], "dead_and_missing": [3]})
        )
        hex_tip = hexes.data[0]["tt_body"]
    assert not english_in(texts + [hex_tip])
    assert "Syrie" in texts
    assert f"1{NNBSP}200 incidents dans cette zone" == hex_tip
    assert "Dû à un seul incident\u00a0: 71\u202f%" in " ".join(texts) or (
        "Dû à un seul incident : 71\u202f%" in " ".join(texts)
    )


def test_english_legends_and_tooltips_are_unchanged() -> None:
    assert [e["label"] for e in gl.route_legend("lethality")] == [
        "under 1",
        "1 to 5",
        "5 to 15",
        "15 to 30",
        "30 or more",
        "no comparable detections",
    ]
    row = {"score": 55.0, "rank": 3, "confidence": "low"}
    props = gl._choropleth_properties("SYR", "Syria", row, None)
    assert props["tt_title"] == "Syria"
    assert props["tt_body"] == (
        "Score: 55 / 100\nRank: 3\nData confidence: low (faded and hatched on the map)"
    )
    assert gl.driven_by_one_text(
        {"driven_by_one_incident": True, "largest_incident_share": 0.71}
    ) == ("Driven by one incident: 71% from its largest incident")


def test_vintage_labels_and_captions_follow_the_language() -> None:
    sources = pd.DataFrame(
        {
            "source_id": ["mmp", "frontex"],
            "vintage": [D(2026, 4, 9), D(2025, 3, 1)],
            "partial": [False, True],
        }
    )
    assert fg.vintage_labels(sources) == {"mmp": "09 Apr 2026", "frontex": "01 Mar 2025 (partial)"}
    with use_lang("fr"):
        assert fg.vintage_labels(sources) == {
            "mmp": "09 avr. 2026",
            "frontex": "01 mars 2025 (partielle)",
        }
        text = fg.caption(["Frontex"], vintage="Frontex 01 mars 2025", minimum_estimate=False)
    assert text == "Source\u00a0: Frontex (version Frontex 01 mars 2025)."


@pytest.mark.parametrize(
    ("yearly", "year", "rate", "expected"),
    [
        ({2016: 5000, 2017: 900, 2018: 800, 2023: 1452}, 2023, False, "le niveau le plus élevé"),
        ({2019: 10, 2020: 20, 2021: 30, 2022: 40}, 2022, True, "le taux le plus élevé"),
        ({2021: 100, 2022: 150}, 2022, False, "en hausse de 50\u202f% par rapport à 2021"),
        ({2021: 100}, 2021, False, "la première année de données"),
    ],
)
def test_year_finding_in_french(
    yearly: dict[int, int], year: int, rate: bool, expected: str
) -> None:
    with use_lang("fr"):
        assert fg.year_finding(pd.Series(yearly), year, rate=rate).startswith(expected)
