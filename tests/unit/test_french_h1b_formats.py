"""The sign-in messages in both languages: English kept word for word, French placeholders filled."""

from __future__ import annotations

import i18n
from ui import auth


def test_credential_messages_are_english_by_default_and_french_in_french() -> None:
    plain = "correct horse battery staple"
    en = auth.credential_problem(plain)
    assert en == (
        f"The analyst credential in {auth.ENV_VAR} is not a scrypt hash (it looks like a plain "
        "password, which is never accepted). Make one with `python -m ui.auth` and put the "
        f"line it prints in {auth.ENV_VAR}."
    )
    with i18n.use_lang("fr"):
        fr = auth.credential_problem(plain)
    assert fr is not None and fr.startswith(f"L’identifiant analyste dans {auth.ENV_VAR}")
    assert "`python -m ui.auth`" in fr and "{" not in fr and plain not in fr


def test_weak_parameters_are_listed_in_the_readers_language() -> None:
    weak = "scrypt$2$8$1$" + "c2FsdHNhbHRzYWx0c2FsdA==" + "$" + "AQ=="
    en = auth.credential_problem(weak) or ""
    assert "too weak: n=2 (at least 16384, a power of 2), a 1-byte hash (at least 16)" in en
    with i18n.use_lang("fr"):
        fr = auth.credential_problem(weak) or ""
    assert (
        "trop faible : n=2 (au moins 16384, une puissance de 2), une empreinte de 1 octet(s)" in fr
    )
