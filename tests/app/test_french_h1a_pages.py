"""The Overview and Briefing pages in French: sidebar, map names, downloads, saved views."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from data import app_state
from tests.app.conftest import APP


def test_overview_in_french_has_a_french_sidebar_and_map(demo_db: Path, monkeypatch) -> None:
    monkeypatch.setenv("ROUTEWATCH_DB", str(demo_db))
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["lang"] = "fr"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert [t.value for t in at.title] == ["Vue d’ensemble"]
    period = at.selectbox(key="flt_period")
    assert period.label == "Période"
    assert "Toutes les années" in period.options
    assert at.multiselect(key="flt_routes").proto.placeholder == "Tout"
    # Country and sea names on the map in French.
    decks = [json.loads(d.proto.json) for d in at.get("deck_gl_json_chart")]
    texts = json.dumps(decks, ensure_ascii=False)
    assert "Mer Méditerranée" in texts
    assert "Mediterranean Sea" not in texts


def test_briefing_in_french_saves_a_view_with_a_french_message_and_link(own_db: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["lang"] = "fr"
    at.session_state["analyst_ok"] = True
    at.run()
    at.switch_page("pages/briefing.py").run()
    assert not at.exception, [e.message for e in at.exception]
    labels = [d.proto.label for d in at.get("download_button")]
    assert labels[:3] == [
        "Dossier de briefing (PDF)",
        "Dossier de briefing (PowerPoint)",
        "Piste d’audit (JSON)",
    ]
    assert "Carte PNG" in labels
    at.text_input(key="view_name").input("Hebdo").run()
    at.button(key="save-view-button").click().run()
    assert [s.body for s in at.success] == ["Vue « Hebdo » enregistrée."]
    assert [v.name for v in app_state.list_views(app_state.app_state_path(own_db))] == ["Hebdo"]
    assert [c.value for c in at.code] == ["./?lang=fr"]
