"""Analyst credential: hashing, constant-time verification, lockout."""

from __future__ import annotations

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
