"""The measures catalogue, key messages, alerts, scores and the other analytics text in French.

Each surface is built from a small frame under ``use_lang("fr")`` and checked with the French
detector (:func:`tests.french.english_in`); English stays as it was (the other unit tests).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import i18n
from analytics import catalogue as cat
from analytics.alerts import compute_alert_board, compute_alert_candidates, window_label
from analytics.messages import compute_key_messages, period_text
from analytics.money import format_eur, format_fee, format_range
from analytics.reconcile import describe_ratio, divergence_rule_text
from analytics.scores import COMPONENTS, describe_settings, driven_text, why_rank
from tests.french import english_in

D = dt.date


def _english(texts: list[str]) -> list[str]:
    return english_in(texts, i18n.catalogue("fr"))


def test_every_measure_speaks_french_and_english_is_untouched() -> None:
    with i18n.use_lang("fr"):
        texts = []
        for mid in cat.MEASURES:
            m = cat.measure(mid)
            texts += [m.label, m.unit, m.coverage, m.caveat, m.noun]
        assert not _english([t for t in texts if t])
        assert cat.measure("dead_and_missing").label == "Morts et disparus"
        assert cat.measure("dead_and_missing") is cat.measure("dead_and_missing")  # cached
        assert cat.measure("detections").format(8755) == "8\u202f755"
        assert cat.measure("deaths_per_1000_detections").format(12.34) == "12,3"
        assert cat.measure("share_children").format(0.125) == "12\u202f%"
        assert cat.measure("change_pct").format(5) == "+5\u202f%"
        assert cat.measure("dead").format(None) == "pas de données"
        assert cat.source_name("mmp") == "Migrants disparus (OIM)"
    # English: the definitions themselves, whatever French did before.
    assert cat.measure("dead_and_missing") is cat.MEASURES["dead_and_missing"]
    assert cat.measure("detections").format(8755) == "8,755"
    assert cat.measure("dead").format(None) == cat.NO_DATA == "no data"
    assert cat.source_name("mmp") == "IOM Missing Migrants"


def test_the_written_out_thresholds_match_the_constants() -> None:
    # The coverage texts spell out the thresholds (a msgid cannot be an f-string).
    cov = {m.id: m.coverage for m in cat.MEASURES.values()}
    assert f"below {cat.MIN_ARRIVALS_FOR_RATE:,} arrivals" in cov["deaths_per_1000_sea_arrivals"]
    assert f"below {cat.MIN_DETECTIONS_FOR_RATE:,} detections" in cov["deaths_per_1000_detections"]
    assert f"at least {cat.MIN_PREVIOUS_FOR_CHANGE}" in cov["change_pct"]
    assert f"at least {cat.MIN_KNOWN_FOR_SHARE} victims" in cov["share_children"]
    assert f"the {cat.CAP_QUANTILE:.0%} quantile" in cov["dead_and_missing_capped"]
    assert f"At or above {cat.DRIVEN_SHARE:.0%}" in cat.MEASURES["largest_incident_share"].caveat


def test_coverage_and_changes_in_french() -> None:
    cov = cat.Coverage(cat.SOURCE_NAMES["frontex"], D(2020, 1, 1), D(2025, 4, 30))
    year, before = (D(2025, 1, 1), D(2025, 12, 31)), (D(2024, 1, 1), D(2024, 12, 31))
    with i18n.use_lang("fr"):
        partial = cat.compare(1, 2, period=year, previous_period=before, coverage=cov)
        assert partial.text == "Frontex : jusqu'à avril 2025, partiel"
        full = cat.Coverage("IOM Missing Migrants", D(2014, 1, 1), D(2026, 4, 9))
        up = cat.compare(105, 100, period=year, previous_period=before, coverage=full)
        assert up.text == "+5\u202f% par rapport à la période précédente"
        small = cat.compare(5, 4, period=year, previous_period=before, coverage=full)
        assert small.text == "4 lors de la période précédente : trop peu pour un pourcentage"
        none = cat.compare(0, 0, period=year, previous_period=before, coverage=full)
        assert not _english([partial.text, up.text, small.text, none.text])
        assert cat.month_text(D(2025, 4, 1)) == "avril 2025"
    assert cat.compare(105, 100, period=year, previous_period=before, coverage=full).text == (
        "+5% vs previous period"
    )


def test_period_and_window_texts_in_french() -> None:
    with i18n.use_lang("fr"):
        assert period_text(D(2023, 1, 1), D(2023, 12, 31)) == "en 2023"
        assert period_text(D(2023, 10, 1), D(2023, 12, 31)) == "en oct.\u2013déc. 2023"
        assert period_text(D(2023, 1, 3), D(2023, 3, 15)) == "du 3 janv. 2023 au 15 mars 2023"
        assert period_text(None, None) == "sur toutes les années enregistrées"
        assert window_label(D(2023, 11, 1), D(2024, 1, 31)) == "nov. 2023\u2013janv. 2024"


def _key_message_inputs() -> tuple:
    head = {
        "incidents": 100,
        "dead_and_missing": 1000,
        "incident_source": "mmp-1",
        "detection_source": "fx-1",
    }
    prev = {"incidents": 80, "dead_and_missing": 800}
    year = (D(2023, 1, 1), D(2023, 12, 31))
    before = (D(2022, 1, 1), D(2022, 12, 31))
    cover = {"mmp": cat.Coverage("IOM", D(2014, 1, 1), D(2026, 4, 9)), "frontex": None}
    figures = cat.compute_headline(head, prev, period=year, previous_period=before, coverage=cover)
    routes = pd.DataFrame(
        {
            "route_id": ["cm", "wb"],
            "name": ["Méditerranée centrale", "Balkans occidentaux"],
            "dead_and_missing": [600, 10],
            "dead_and_missing_in_detection_months": [600, 10],
            "detections": [40000.0, 20000.0],
            "detections_in_incident_months": [40000.0, 20000.0],
            "deaths_per_1000_detections": [15.0, 0.5],
        }
    )
    origins = pd.DataFrame(
        {
            "iso3": ["AFG", "SYR"],
            "name": ["Afghanistan", "Syria"],
            "dead_and_missing": [300.5, 100.0],
            "split_incidents": [2, 0],
        }
    )
    transit = pd.DataFrame(
        {"iso3": ["LBY", "TUN"], "name": ["Libya", "Tunisia"], "dead_and_missing": [500, 20]}
    )
    labels = {"mmp-1": "Projet Migrants disparus de l'OIM, version 2025-04-29", "fx-1": "Frontex"}
    return head, figures, routes, origins, transit, labels


def test_key_messages_in_french() -> None:
    head, figures, routes, origins, transit, labels = _key_message_inputs()
    alerts = pd.DataFrame(columns=["sentence", "source_id"])
    with i18n.use_lang("fr"):
        m = compute_key_messages(
            head, figures, routes, origins, transit, alerts, period_text(*_year()), labels, n=7
        )
    s = m.set_index("kind")["sentence"]
    assert s["total"].startswith("Au moins 1\u202f000 personnes ont été enregistrées comme mortes")
    assert "en 2023" in s["total"]
    assert "60\u202f%" in s["deadliest_route"]
    assert "25\u202f%" in s["change"] and "en plus" in s["change"]
    assert "15,0 morts et disparus pour 1\u202f000" in s["lethality"]
    assert "Syrie" not in s["origin"] and "Afghanistan" in s["origin"]
    assert "Libye" in s["transit"]
    assert not _english(m["sentence"].tolist()), m["sentence"].tolist()


def _year() -> tuple[dt.date, dt.date]:
    return D(2023, 1, 1), D(2023, 12, 31)


def _monthly() -> pd.DataFrame:
    rows = []
    for key, cur, ya, base in (
        ("surge", (10, 40, 9), (2, 8, 4), (2, 8, 4)),
        ("tiny", (1, 1, 1), (0, 0, 0), (0, 0, 0)),
        ("season", (8, 30, 5), (7, 25, 5), (1, 3, 3)),
        ("mixed", (10, 10, 1), (3, 30, 10), (3, 30, 10)),
        ("deadly", (4, 120, 60), (1, 5, 5), (1, 5, 5)),
    ):
        for m in (10, 11, 12):
            rows.append((key, D(2023, m, 1), *cur))
            rows.append((key, D(2022, m, 1), *ya))
        for m in range(1, 10):
            rows.append((key, D(2023, m, 1), *base))
    df = pd.DataFrame(
        rows, columns=["key", "month", "incidents", "dead_and_missing", "largest_incident"]
    )
    df.insert(0, "level", ["route" if k != "deadly" else "country" for k in df["key"]])
    return df


def test_alert_sentences_and_reasons_in_french() -> None:
    monthly = _monthly()
    names = pd.Series({"surge": "Méditerranée centrale", "deadly": "Libye"})
    with i18n.use_lang("fr"):
        cand = compute_alert_candidates(monthly, D(2023, 12, 1), 3, names, data_end=D(2024, 2, 1))
        board = compute_alert_board(monthly, D(2023, 12, 1), names=names, data_end=D(2024, 2, 1))
    texts = cand["sentence"].tolist() + cand["reason"].tolist()
    texts += board["sentence"].tolist() + board["reason"].tolist() + board["test"].tolist()
    assert not _english(texts), _english(texts)
    surge = cand.set_index("id").loc["surge"]
    assert surge["sentence"].startswith("Morts et disparus (Méditerranée centrale)")
    assert "oct.\u2013déc. 2023" in surge["sentence"]
    assert "Projet Migrants disparus de l'OIM" in surge["sentence"]
    assert "p < 0,001" in surge["sentence"] or "p = 0," in surge["sentence"]


def test_scores_text_in_french() -> None:
    weights = (("dead_and_missing", 0.5), ("oc_human_smuggling", 0.5))
    row = {
        "name": "Libye",
        "score": 71.4,
        "rank": 2,
        "ranked_of": 40,
        "confidence": "medium",
        "variant": "robust",
        "rank_raw": 1,
        "rank_robust": 2,
        "dead_and_missing": 700.0,
        "dead_and_missing_capped": 350.0,
        "c_dead_and_missing": 80.0,
        "contrib_dead_and_missing": 40.0,
        "oc_human_smuggling": 8.5,
        "c_oc_human_smuggling": 83.0,
        "contrib_oc_human_smuggling": 31.4,
        "driven_by_one_incident": True,
        "largest_incident_share": 0.92,
        "largest_incident_dead_and_missing": 646.0,
        "largest_incident_date": "2023-06-14",
    }
    unranked = {"name": "Malte", "insufficient_data": True, "score": float("nan"), "incidents": 2}
    with i18n.use_lang("fr"):
        texts = [
            describe_settings("europe", "robust", weights),
            describe_settings("world", "raw", (("detections", 1.0), ("dead_and_missing", 1.0))),
            why_rank(row),
            why_rank(unranked),
            driven_text(row),
            COMPONENTS["deaths_per_1000_detections"].source,
            COMPONENTS["dead_and_missing"].label,
        ]
        assert texts[4] == "dus à un seul incident (646 de ses 700 morts et disparus, 14 juin 2023)"
        assert "est au rang 2 sur 40" in texts[2] and "Niveau de confiance : moyenne" in texts[2]
    assert not _english(texts), _english(texts)
    assert COMPONENTS["dead_and_missing"].label == "dead and missing"
    assert "because one incident" in why_rank(row)


def test_money_and_reconcile_text_in_french() -> None:
    with i18n.use_lang("fr"):
        assert format_eur(139_200_000) == "EUR 139,2 millions"
        assert format_eur(1_500_000) == "EUR 1,5 million"
        assert format_eur(2_830_000_000) == "EUR 2,83 milliards"
        assert format_eur(12_300) == "EUR 12\u202f300"
        assert format_range(185_900_000, 206_600_000) == "EUR 185,9-206,6 millions"
        assert format_range(900_000, 1_200_000) == "EUR 900\u202f000 à EUR 1,2 million"
        assert format_fee(1500, 1500) == "EUR 1\u202f500"
        assert format_range(None, 1) == "pas de données"
        texts = [divergence_rule_text(), describe_ratio("detections_per_arrival", 0.31, 1.02)]
        assert "1,25" in texts[0]
    assert not _english(texts), _english(texts)
    assert format_range(185_900_000, 206_600_000) == "EUR 185.9 million to EUR 206.6 million"
    assert format_eur(12_300) == "EUR 12,300"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_translated_measures_keep_the_definitions(lang: str) -> None:
    with i18n.use_lang(lang):
        for mid, m in cat.MEASURES.items():
            t = cat.measure(mid)
            assert (t.id, t.sources, t.formula, t.decimals, t.share, t.percent, t.signed) == (
                m.id,
                m.sources,
                m.formula,
                m.decimals,
                m.share,
                m.percent,
                m.signed,
            )
