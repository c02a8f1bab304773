"""AppTest (issue 13): who may write shared views, sign-in that cannot lock analysts out, refused
credentials, query values that must not crash a page, paths shown to analysts only, and
partial vintages marked where vintages are shown."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data import app_state
from tests.app.conftest import APP
from ui import auth

PASSWORD = "correct horse battery staple"


def _app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=90)


def _clean(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]


def _texts(at: AppTest) -> str:
    parts = [
        e.body for kind in ("error", "warning", "info", "success", "caption") for e in at.get(kind)
    ]
    parts += [str(e.proto.body) for e in at.get("markdown")]
    return "\n".join(str(p) for p in parts)


# ---------------------------------------------------------------- 6. shared views


def test_a_visitor_cannot_write_shared_views_but_keeps_personal_ones(own_db: Path) -> None:
    p = app_state.app_state_path(own_db)
    deck = app_state.save_view("Minister deck", {"route": ["central_mediterranean"]}, path=p)
    at = _app().run()
    at.switch_page("pages/briefing.py").run()
    _clean(at)
    # No shared-view writing for a visitor: Delete is refused with the reason ...
    at.button(key=f"delete-view-{deck.id}").click().run()
    _clean(at)
    assert "only a signed-in analyst" in at.error[0].body
    assert [v.name for v in app_state.list_views(p)] == ["Minister deck"]
    # ... Save with Replace never touches the shared deck of that name ...
    at.text_input(key="view_name").input("Minister deck").run()
    at.checkbox(key="view_replace").check().run()
    at.button(key="save-view-button").click().run()
    _clean(at)
    assert app_state.list_views(p)[0].query == deck.query
    # ... and saving keeps a personal view in the session, with its link.
    save = at.button(key="save-view-button")
    assert save.label == "Save for this session"
    at.text_input(key="view_name").input("My look").run()
    at.button(key="save-view-button").click().run()
    _clean(at)
    assert "Saved 'My look' for this session: keep its link to open it later." in [
        s.body for s in at.success
    ]
    assert [v.name for v in app_state.list_views(p)] == ["Minister deck"]  # unchanged
    assert "Your views (this session only)" in _texts(at)
    assert any(c.value == "./" for c in at.code)


def test_callbacks_refuse_a_visitor_even_if_called(own_db: Path) -> None:
    p = app_state.app_state_path(own_db)
    deck = app_state.save_view("Minister deck", {}, path=p)
    # The write paths themselves check the sign-in (a forged click reaches only these).
    script = f"""
import streamlit as st
from data.filters import Filters
from ui import views
views._delete({deck.id}, "Minister deck")
st.session_state["view_name"] = "Hijack"
views._save(Filters())
st.write(st.session_state["_rw_view_msg"][1])
"""
    probe = AppTest.from_string(script, default_timeout=60).run()
    _clean(probe)
    assert "only a signed-in analyst" in probe.markdown[0].value
    assert [v.name for v in app_state.list_views(p)] == ["Minister deck"]


def test_an_analyst_saves_replaces_and_deletes_shared_views(own_db: Path) -> None:
    at = _app()
    at.session_state["analyst_ok"] = True
    at.run()
    at.switch_page("pages/briefing.py").run()
    _clean(at)
    at.text_input(key="view_name").input("Weekly").run()
    at.button(key="save-view-button").click().run()
    views = app_state.list_views(app_state.app_state_path(own_db))
    assert [v.name for v in views] == ["Weekly"]
    at.button(key=f"delete-view-{views[0].id}").click().run()
    assert app_state.list_views(app_state.app_state_path(own_db)) == []


# ---------------------------------------------------------------- 9. hostile query values


@pytest.mark.parametrize("value", ["²", "٣", "-1", "1e3", "99999999999999999999999", "", "%00"])
def test_presenter_with_a_bad_view_value_shows_a_notice_not_an_error(
    own_db: Path, value: str
) -> None:
    app_state.save_view("Everything", {}, path=app_state.app_state_path(own_db))
    at = _app()
    at.query_params["view"] = value
    at.run()
    at.switch_page("pages/presenter.py").run()
    _clean(at)
    assert "Everything" in " ".join(str(e.proto.body) for e in at.get("html"))
    assert any("not a saved view" in w.body for w in at.warning)


# ---------------------------------------------------------------- 7, 8. sign-in


def test_wrong_passwords_in_one_session_do_not_lock_out_another(
    own_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui import ingest

    monkeypatch.setenv(auth.ENV_VAR, auth.hash_password(PASSWORD))
    ingest._limiter.clear()
    guesser = _app().run()
    guesser.switch_page("pages/load_data.py").run()
    for i in range(6):
        guesser.text_input[0].input(f"guess {i}")
        guesser.button[0].click().run()
        _clean(guesser)
    assert any("Try again in" in e.body or "Wait" in e.body for e in guesser.error)
    analyst = _app().run()
    analyst.switch_page("pages/load_data.py").run()
    analyst.text_input[0].input(PASSWORD)
    analyst.button[0].click().run()
    _clean(analyst)
    assert analyst.session_state["analyst_ok"] is True
    assert any(c.label == "Accept a partial file" for c in analyst.checkbox)


def test_failed_sign_ins_are_logged_without_the_password(
    own_db: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from ui import ingest

    monkeypatch.setenv(auth.ENV_VAR, auth.hash_password(PASSWORD))
    ingest._limiter.clear()
    at = _app().run()
    at.switch_page("pages/load_data.py").run()
    with caplog.at_level("INFO", logger="routewatch.auth"):
        at.text_input[0].input("hunter2-secret")
        at.button[0].click().run()
    lines = [r.getMessage() for r in caplog.records if r.name == "routewatch.auth"]
    assert any("sign-in failed" in m and "session" in m for m in lines), lines
    assert not any("hunter2" in m for m in lines)


def _weak() -> str:
    salt = b"s" * 16
    d = hashlib.scrypt(PASSWORD.encode(), salt=salt, n=2, r=8, p=1, dklen=1)
    return f"scrypt$2$8$1${base64.b64encode(salt).decode()}${base64.b64encode(d).decode()}"


@pytest.mark.parametrize(
    ("value", "words"),
    [(_weak(), ["too weak", "n=2"]), (PASSWORD, ["not a scrypt hash", "python -m ui.auth"])],
    ids=["weak-scrypt", "plaintext"],
)
def test_a_refused_credential_disables_sign_in_with_a_clear_message(
    own_db: Path, monkeypatch: pytest.MonkeyPatch, value: str, words: list[str]
) -> None:
    monkeypatch.setenv(auth.ENV_VAR, value)
    at = _app().run()
    at.switch_page("pages/load_data.py").run()
    _clean(at)
    assert not at.text_input  # no sign-in form
    body = " ".join(e.body for e in at.error)
    assert all(w in body for w in words) and PASSWORD not in body


# ---------------------------------------------------------------- 11. paths to analysts only


def test_missing_warehouse_path_is_shown_to_analysts_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret_dir = tmp_path / "srv-secret-folder"
    monkeypatch.setenv("ROUTEWATCH_DB", str(secret_dir / "none.duckdb"))
    at = _app().run()
    _clean(at)
    body = at.error[0].body
    assert "no data to show yet" in body and "none.duckdb" in body
    assert str(secret_dir) not in body and "srv-secret-folder" not in body
    analyst = _app()
    analyst.session_state["analyst_ok"] = True
    analyst.run()
    assert str(secret_dir / "none.duckdb") in analyst.error[0].body


# ---------------------------------------------------------------- 1. partial vintages shown


def test_a_partial_vintage_is_marked_in_the_sidebar_captions_and_sources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from data.ingest import load_bytes
    from tests.robustness.builders import csv_text, good_mmp_rows

    db = tmp_path / "w.duckdb"
    text = csv_text(good_mmp_rows(3)) + "H.0009,H.0009,Incident,Mediterranean\n"
    s = load_bytes(text.encode(), "cut.csv", db=db, accept_partial=True)
    assert s.partial
    monkeypatch.setenv("ROUTEWATCH_DB", str(db))
    at = _app().run()
    _clean(at)
    vintage = at.sidebar.selectbox(key="flt_vintage")
    shown = " ".join(str(o) for o in vintage.options)
    assert "(partial)" in shown, shown
    at.switch_page("pages/data_sources.py").run()
    _clean(at)
    assert any("(partial)" in m.value for m in at.metric)
    table = at.dataframe[0].value
    assert bool(table.loc[table["source_id"] == s.source_id, "partial"].iloc[0])


def test_a_fault_while_saving_a_view_is_a_notice(
    own_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import os

    def full(*_a: object, **_k: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(app_state, "save_view", full)
    at = _app()
    at.session_state["analyst_ok"] = True
    at.run()
    at.switch_page("pages/briefing.py").run()
    at.text_input(key="view_name").input("Weekly").run()
    at.button(key="save-view-button").click().run()
    _clean(at)
    assert any("No space left on device" in e.body for e in at.error)


def test_read_only_load_page_tells_the_administrator_the_one_command(
    own_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(auth.ENV_VAR, raising=False)
    at = _app().run()
    at.switch_page("pages/load_data.py").run()
    _clean(at)
    assert not at.text_input  # nothing to sign in to
    body = " ".join(i.body for i in at.info)
    assert "read-only" in body and auth.ENABLE_COMMAND in body and "restart" in body
