"""Analyst credential: hashing, constant-time verification, lockout."""

from __future__ import annotations

from pathlib import Path

import pytest

from ui import auth


def test_hash_and_verify() -> None:
    h = auth.hash_password("correct horse battery staple")
    assert h.startswith("scrypt$") and "correct" not in h
    assert auth.verify_password("correct horse battery staple", h)
    assert not auth.verify_password("correct horse battery stapl", h)
    assert auth.hash_password("x", salt=b"0" * 16) == auth.hash_password("x", salt=b"0" * 16)
    assert auth.hash_password("x") != auth.hash_password("x")  # random salt


@pytest.mark.parametrize("bad", ["", "plain", "md5$abc", "scrypt$1$2$3$!!$!!", "scrypt$x$8$1$a$b"])
def test_malformed_hashes_never_match(bad: str) -> None:
    assert not auth.verify_password("anything", bad)


def test_configured_hash_env_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(auth.ENV_VAR, raising=False)
    assert auth.configured_hash({}) is None
    assert auth.configured_hash({"analyst": {"password_hash": "scrypt$a"}}) == "scrypt$a"
    monkeypatch.setenv(auth.ENV_VAR, "scrypt$env")
    assert auth.configured_hash({"analyst": {"password_hash": "scrypt$a"}}) == "scrypt$env"


def test_lockout_after_repeated_failures() -> None:
    t = auth.LockoutTracker(max_failures=3, window_s=60, lockout_s=300)
    assert not t.attempt(False, now=0)
    assert not t.attempt(False, now=1)
    assert t.locked_for(now=1) == 0
    assert not t.attempt(False, now=2)  # third failure locks
    assert t.locked_for(now=2) == 300
    assert not t.attempt(True, now=100)  # even the right password is refused while locked
    assert t.attempt(True, now=303)


def test_failures_outside_window_expire() -> None:
    t = auth.LockoutTracker(max_failures=3, window_s=10, lockout_s=300)
    t.attempt(False, now=0)
    t.attempt(False, now=1)
    t.attempt(False, now=20)  # the first two are outside the window
    assert t.locked_for(now=20) == 0


# ---------------------------------------------------------------- issue 13: weak parameters


def _scrypt_hash(password: str, n: int, r: int = 8, p: int = 1, dklen: int = 32) -> str:
    import base64
    import hashlib

    salt = b"s" * 16
    d = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=dklen)
    b = base64.b64encode
    return f"scrypt${n}${r}${p}${b(salt).decode()}${b(d).decode()}"


@pytest.mark.parametrize(
    ("n", "r", "dklen", "words"),
    [
        (2, 8, 1, ["n=2", "1-byte hash"]),
        (2**10, 8, 32, ["n=1024"]),
        (2**14, 1, 32, ["r=1"]),
        (2**14, 8, 8, ["8-byte hash"]),
    ],
)
def test_weak_scrypt_parameters_are_refused_and_never_match(
    n: int, r: int, dklen: int, words: list[str]
) -> None:
    weak = _scrypt_hash("right", n=n, r=r, dklen=dklen)
    problem = auth.credential_problem(weak)
    assert problem is not None and "too weak" in problem and "python -m ui.auth" in problem
    assert all(w in problem for w in words)
    assert not auth.verify_password("right", weak)  # even the right password


def test_a_weak_hash_no_longer_lets_wrong_passwords_in() -> None:
    # n=2, dklen=1: before, about one wrong password in 256 matched (9 of 2,000 in the report).
    weak = _scrypt_hash("the right one", n=2, dklen=1)
    assert sum(auth.verify_password(f"guess {i}", weak) for i in range(2000)) == 0


def test_plaintext_in_the_setting_is_refused_with_the_command_and_not_echoed() -> None:
    problem = auth.credential_problem("correct horse battery staple")
    assert problem is not None and "plain password" in problem
    assert "python -m ui.auth" in problem and "correct horse" not in problem
    assert not auth.verify_password("correct horse battery staple", "correct horse battery staple")


def test_the_default_hash_passes_the_check() -> None:
    assert auth.credential_problem(auth.hash_password("a long enough password")) is None
    assert auth.credential_problem(None) is None


def test_a_hash_too_costly_to_check_is_refused() -> None:
    costly = "scrypt$1073741824$8$1$" + "c" * 24 + "$" + "d" * 44
    assert "more memory" in (auth.credential_problem(costly) or "")
    assert not auth.verify_password("x", costly)


# ---------------------------------------------------------------- issue 13: no global lockout


S1, S2 = ("session", "s1"), ("session", "s2")
A1, A2 = ("address", "10.0.0.1"), ("address", "10.0.0.2")


def test_a_guesser_slows_down_only_their_session_and_address() -> None:
    lim = auth.AttemptLimiter(free={"session": 3, "address": 10}, base_delay_s=1, max_delay_s=900)
    for i in range(5):  # the old tracker locked every analyst out after this
        assert not lim.attempt([S1, A1], ok=False, now=100 * i)
    assert lim.wait_for([S1, A1], now=401) > 0
    # Another analyst, elsewhere, signs in at once.
    assert lim.wait_for([S2, A2], now=401) == 0
    assert lim.attempt([S2, A2], ok=True, now=401)


def test_the_delay_grows_with_each_failure_and_caps() -> None:
    lim = auth.AttemptLimiter(free={"session": 2}, base_delay_s=1, max_delay_s=8)
    t = 0.0
    waits = []
    for _ in range(8):
        t += lim.wait_for([S1], now=t)
        assert not lim.attempt([S1], ok=False, now=t)
        waits.append(lim.wait_for([S1], now=t))
    assert waits == [0, 0, 1, 2, 4, 8, 8, 8]
    # While it must wait, even the right password is not checked.
    assert not lim.attempt([S1], ok=True, now=t + 1)
    assert lim.attempt([S1], ok=True, now=t + 8)
    assert lim.failures(S1) == 0


def test_a_new_session_from_the_same_address_is_still_slowed_down() -> None:
    lim = auth.AttemptLimiter(free={"session": 3, "address": 4}, base_delay_s=2)
    for i in range(3):
        lim.attempt([("session", f"fresh-{i}"), A1], ok=False, now=i)
    lim.attempt([("session", "fresh-9"), A1], ok=False, now=3)
    assert lim.wait_for([("session", "another"), A1], now=3) == 0  # 4 free per address
    lim.attempt([("session", "fresh-10"), A1], ok=False, now=3)
    assert lim.wait_for([("session", "another"), A1], now=3) == 2


def test_failures_are_forgotten_and_keys_are_bounded() -> None:
    lim = auth.AttemptLimiter(free={"session": 0}, forget_after_s=60, max_keys=100)
    lim.attempt([S1], ok=False, now=0)
    assert lim.wait_for([S1], now=0.5) > 0 and lim.wait_for([S1], now=61) == 0
    for i in range(1000):
        lim.attempt([("session", str(i))], ok=False, now=100 + i)
    assert len(lim._state) <= 100


# --------------------------------------------------------------- enabling loading: one command


def test_enable_writes_a_hash_into_a_new_secrets_file(tmp_path: Path) -> None:
    import tomllib

    from ui.auth import enable, verify_password

    path = enable(tmp_path / ".streamlit" / "secrets.toml", "correct horse battery")
    stored = tomllib.loads(path.read_text(encoding="utf-8"))["analyst"]["password_hash"]
    assert verify_password("correct horse battery", stored)
    assert "correct horse" not in path.read_text(encoding="utf-8")  # never the password
    assert path.stat().st_mode & 0o077 == 0  # readable by its owner only


def test_enable_keeps_other_settings_and_replaces_an_old_hash(tmp_path: Path) -> None:
    import tomllib

    from ui.auth import enable, hash_password, verify_password

    path = tmp_path / "secrets.toml"
    path.write_text(
        '[auth]\nredirect_uri = "https://x.example/oauth2callback"\n\n'
        f"[analyst]\npassword_hash = {hash_password('old password 123')!r}\nnote = 'kept'\n\n"
        "[other]\nvalue = 3\n",
        encoding="utf-8",
    )
    enable(path, "new password 456")
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    assert data["auth"]["redirect_uri"] == "https://x.example/oauth2callback"
    assert data["other"]["value"] == 3 and data["analyst"]["note"] == "kept"
    assert verify_password("new password 456", data["analyst"]["password_hash"])
    assert not verify_password("old password 123", data["analyst"]["password_hash"])
    assert path.read_text(encoding="utf-8").count("password_hash") == 1


def test_enable_refuses_a_broken_file_or_a_short_password_and_changes_nothing(
    tmp_path: Path,
) -> None:
    from ui.auth import enable

    path = tmp_path / "secrets.toml"
    path.write_text("[analyst\nbroken = ", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid TOML"):
        enable(path, "long enough password")
    assert path.read_text(encoding="utf-8") == "[analyst\nbroken = "
    with pytest.raises(ValueError, match="12 characters"):
        enable(tmp_path / "new.toml", "short")
    assert not (tmp_path / "new.toml").exists()
