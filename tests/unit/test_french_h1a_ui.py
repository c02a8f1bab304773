"""The app's own texts in French: view links, period labels, table cells, legends."""

from __future__ import annotations

import datetime as dt

import pytest

import i18n
from ui import render, state, views

NNBSP = "\u202f"


def test_a_view_link_carries_the_readers_language() -> None:
    assert views.view_link({"route": ["central_mediterranean"]}) == (
        "./?route=central_mediterranean"
    )
    with i18n.use_lang("fr"):
        assert views.view_link({"route": ["central_mediterranean"]}) == (
            "./?route=central_mediterranean&lang=fr"
        )
        assert views.view_link({}) == "./?lang=fr"
        assert views.view_link({"view": "3"}, "presenter") == "./presenter?view=3&lang=fr"


def test_period_labels_use_french_dates() -> None:
    hi = dt.date(2025, 12, 31)
    assert state._period_label("last12", hi) == "Last 12 months of data (to 31 Dec 2025)"
    with i18n.use_lang("fr"):
        assert state._period_label("all", hi) == "Toutes les années"
        assert state._period_label("last12", hi) == (
            "12 derniers mois de données (jusqu’au 31 décembre 2025)"
        )
        assert state._period_label("2024", hi) == "2024"


@pytest.mark.parametrize(
    ("row", "en", "fr"),
    [
        (
            {"driven_by_one_incident": True, "largest_incident_share": 0.714},
            "yes: 71% from its largest incident",
            f"oui : 71{NNBSP}% pour son incident le plus grave",
        ),
        ({"driven_by_one_incident": False, "largest_incident_share": 0.2}, "no", "non"),
    ],
)
def test_driven_by_one_cell_in_both_languages(row: dict[str, object], en: str, fr: str) -> None:
    assert render.driven_by_one_cell(row) == en
    with i18n.use_lang("fr"):
        assert render.driven_by_one_cell(row) == fr


def test_legend_notes_and_labels_follow_the_locale() -> None:
    assert render.hex_note(12345) == (
        "12,345 incidents, aggregated to H3 hexagons (about 12,000 km² each)."
    )
    with i18n.use_lang("fr"):
        assert render.hex_note(12345) == (
            f"12{NNBSP}345 incidents, regroupés en hexagones H3 (environ 12{NNBSP}000 km² chacun)."
        )
        assert render.capitalise("personnes (OIM)") == "Personnes (OIM)"
    assert render.capitalise("persons (IOM)") == "Persons (iom)"  # str.capitalize, as before
