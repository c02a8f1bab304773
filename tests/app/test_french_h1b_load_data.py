"""The Load data page and the analyst sign-in in French (the command lines stay verbatim)."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP
from tests.french import catalogue_ids, english_in
from ui import auth

PASSWORD = "correct horse battery staple"


def _french_load_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["lang"] = "fr"
    at.run()
    at.switch_page("pages/load_data.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _page_texts(at: AppTest) -> list[str]:
    """What the Load data page itself shows (not the shared sidebar nor the demo banner, which
    other files draw)."""
    out = [t.value for t in at.main.title]
    for kind in ("info", "error", "warning", "caption", "subheader"):
        out += [
            str(e.body if hasattr(e, "body") else e.value)
            for e in at.main.get(kind)
            if getattr(e.proto, "icon", "") != ":material/science:"
        ]
    out += [str(e.proto.label) for e in at.main.get("text_input")]
    out += [str(e.proto.label) for e in at.main.get("button")]
    # Commands and file names in backticks stay as they are; cut them first (tests.french's URL
    # pattern would otherwise eat the backtick after `.streamlit/secrets.toml`).
    return [re.sub(r"`[^`]*`", " ", t) for t in out]


def test_the_read_only_load_page_speaks_french_and_keeps_the_command(
    own_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(auth.ENV_VAR, raising=False)
    at = _french_load_page()
    assert at.title[0].value == "Charger des données"
    body = " ".join(i.body for i in at.info)
    assert "lecture seule" in body and "redémarre" in body
    assert f"`{auth.ENABLE_COMMAND}`" in body  # the command itself, verbatim
    assert "`python -m data load FILE`" in body and "`.streamlit/secrets.toml`" in body
    assert not english_in(_page_texts(at), catalogue_ids())


def test_the_sign_in_and_a_wrong_password_speak_french(
    own_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ui import ingest

    monkeypatch.setenv(auth.ENV_VAR, auth.hash_password(PASSWORD))
    ingest._limiter.clear()
    at = _french_load_page()
    assert at.text_input[0].label == "Mot de passe analyste"
    at.text_input[0].input("not the password")
    at.button[0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert [e.body for e in at.error] == ["Mot de passe incorrect."]
    assert not english_in(_page_texts(at), catalogue_ids())


def test_a_refused_credential_is_explained_in_french_and_logged_in_english(
    own_db: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from ui import access

    salt = b"s" * 16
    d = hashlib.scrypt(PASSWORD.encode(), salt=salt, n=2, r=8, p=1, dklen=1)
    weak = f"scrypt$2$8$1${base64.b64encode(salt).decode()}${base64.b64encode(d).decode()}"
    monkeypatch.setenv(auth.ENV_VAR, weak)
    monkeypatch.setattr(access, "_logged_problems", set())
    with caplog.at_level("ERROR", logger="routewatch.auth"):
        at = _french_load_page()
    body = " ".join(e.body for e in at.error)
    assert "trop faible" in body and "n=2 (au moins 16384, une puissance de 2)" in body
    assert f"`{auth.HASH_COMMAND}`" in body
    assert not english_in(_page_texts(at), catalogue_ids())
    logged = [r.getMessage() for r in caplog.records if r.name == "routewatch.auth"]
    assert logged and all("too weak" in m for m in logged), logged  # the log stays English
