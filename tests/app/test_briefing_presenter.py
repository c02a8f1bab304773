"""AppTest of the Briefing page (packs, snapshots, saved views) and of presenter mode."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from data import app_state

REPO = Path(__file__).resolve().parents[2]
APP = str(REPO / "app.py")


def _html(at: AppTest) -> str:
    return " ".join(str(e.proto.body) for e in at.get("html"))


def test_briefing_page_offers_packs_snapshots_and_saves_views(own_db: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["analyst_ok"] = True  # shared views are written by analysts only
    at.run()
    at.switch_page("pages/briefing.py").run()
    assert not at.exception, [e.message for e in at.exception]
    labels = [d.proto.label for d in at.get("download_button")]
    assert labels == [
        "Briefing pack (PDF)",
        "Briefing pack (PowerPoint)",
        "Audit trail (JSON)",
        "PNG",
        "SVG",
        "PDF",
        "Map PNG",
    ]
    # Every download keeps the page as it is (no rerun) and is made on click.
    assert all(d.proto.ignore_rerun for d in at.get("download_button"))

    at.text_input(key="view_name").input("Weekly: all routes").run()
    at.button(key="save-view-button").click().run()
    assert [s.body for s in at.success] == ["Saved the view 'Weekly: all routes'."]
    views = app_state.list_views(app_state.app_state_path(own_db))
    assert [v.name for v in views] == ["Weekly: all routes"]
    assert [c.value for c in at.code] == ["./"]  # all data: the bare app link

    at.text_input(key="view_name").input("Weekly: all routes").run()
    at.button(key="save-view-button").click().run()
    assert "exists" in at.error[0].body

    at.button(key=f"delete-view-{views[0].id}").click().run()
    assert app_state.list_views(app_state.app_state_path(own_db)) == []


def test_presenter_steps_through_saved_views(own_db: Path) -> None:
    p = app_state.app_state_path(own_db)
    app_state.save_view(
        "Central Med 2024",
        {"from": "2024-01-01", "to": "2024-12-31", "route": ["central_mediterranean"]},
        path=p,
    )
    second = app_state.save_view("Everything", {}, path=p)
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    at.switch_page("pages/presenter.py").run()
    assert not at.exception, [e.message for e in at.exception]
    body = _html(at)
    assert "display: none" in body  # the sidebar is hidden
    assert "Central Med 2024" in body and "2024-01-01 to 2024-12-31" in body
    assert "Synthetic demo data" in body
    at.button(key="present-next").click().run()
    body = _html(at)
    assert "Everything" in body and "Central Med 2024" not in body
    assert at.query_params["view"] == [str(second.id)] or at.query_params["view"] == str(second.id)
    assert at.button(key="present-next").disabled
    at.button(key="present-prev").click().run()
    assert "Central Med 2024" in _html(at)


def test_presenter_without_views_shows_the_current_filters(own_db: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    at.switch_page("pages/presenter.py").run()
    assert not at.exception
    assert "Current view" in _html(at)
    assert "Save views on the Briefing page" in at.info[0].body


def test_presenter_figures_name_their_unit_once_in_both_languages(own_db: Path) -> None:
    """ "Incidents (incidents)" and "Détections (Frontex) (franchissements détectés ...)" were
    shown: a figure's label carries only what its unit adds."""
    import re

    for lang, wanted, never in (
        ("en", "Dead and missing (persons)", "Incidents (incidents)"),
        ("fr", "Morts et disparus (personnes)", "Incidents (incidents)"),
    ):
        at = AppTest.from_file(APP, default_timeout=90)
        at.query_params["lang"] = lang
        at.run()
        at.switch_page("pages/presenter.py").run()
        assert not at.exception, [e.message for e in at.exception]
        body = _html(at)
        labels = [
            re.sub(r"<br>.*", "", lab) for lab in re.findall(r'class="rw-label">(.*?)</div>', body)
        ]
        assert len(labels) == 3, (lang, labels)
        assert wanted in labels and never not in body, (lang, labels)
        assert "Incidents" in labels, (lang, labels)
        for lab in labels:  # no word of the unit part repeats the label
            head, _sep, unit = lab.partition(" (")
            words = set(re.findall(r"\w+", head.lower()))
            assert not words & set(re.findall(r"\w+", unit.lower())), (lang, lab)
