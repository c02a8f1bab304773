"""Follow the money, Prevention planner, Reconcile sources and Data and sources in French: none
of the texts these pages and their ui helpers write shows in English (other parts of the
screen, such as the shared sidebar and the charts, are checked by tests/app/test_french.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from streamlit.testing.v1 import AppTest

from i18n import LOCALE_DIR
from tests.app.conftest import APP, PAGES
from tests.french import english_words, shown_texts


def _own_english() -> set[str]:
    """The English msgids of the app_more catalogue that read as English."""
    with (LOCALE_DIR / "fr" / "LC_MESSAGES" / "app_more.po").open("rb") as fh:
        cat = read_po(fh, locale="fr")
    return {m.id for m in cat if isinstance(m.id, str) and m.id and english_words(m.id)}


def _french(page: str, demo_db: Path, monkeypatch: pytest.MonkeyPatch, **query: str) -> AppTest:
    monkeypatch.setenv("ROUTEWATCH_DB", str(demo_db))
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["lang"] = "fr"
    at.query_params.update(query)
    at.run()
    at.switch_page(PAGES[page]).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _shown_english(at: AppTest) -> list[str]:
    own = _own_english()
    texts = shown_texts(at) + [str(e.proto.label) for e in at.get("download_button")]
    return [t for t in texts if t in own]


@pytest.mark.parametrize("page", ["money", "planner", "reconcile", "data_sources"])
def test_the_page_shows_none_of_its_own_texts_in_english(
    page: str, demo_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _french(page, demo_db, monkeypatch)
    assert not _shown_english(at)


def test_money_page_in_french(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _french("money", demo_db, monkeypatch)
    assert at.title[0].value == "Suivre l’argent"
    assert [s.value for s in at.subheader] == [
        "Routes selon le chiffre d’affaires estimé",
        "La part de chaque tronçon",
        "Tous les couples route-année retenus",
        "Les tarifs cités",
    ]
    revenue = at.dataframe[0].value
    assert {"Route", "Année", "Personnes", "Part", "Statut"} <= set(revenue.columns)
    assert all(s.endswith("\u202f%") for s in revenue["Part"])  # "90 %-100 %"
    assert at.slider(key="share").label == "Part ayant eu recours à un passeur"


def test_reconcile_page_in_french(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _french("reconcile", demo_db, monkeypatch, reconcile="Western Balkans")
    assert at.title[0].value == "Rapprocher les sources"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Sources muettes"] == "HCR"  # UNHCR counts no arrivals on this route
    assert "Mois couverts par les trois sources" in metrics
    tables = [d.value for d in at.dataframe]
    assert any(list(t.columns)[:2] == ["Source", "Période pour cette route"] for t in tables)


def test_planner_page_in_french(demo_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    at = _french("planner", demo_db, monkeypatch)
    assert at.title[0].value == "Planificateur de prévention"
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Toutes les fiches en lignes CSV" in labels
    assert any(lbl.startswith("PDF d’une page : ") for lbl in labels)
