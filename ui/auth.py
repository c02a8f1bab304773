"""Analyst credential: who may upload and ingest data. The app is read-only without it.

The credential is a scrypt hash, never a password, read from ``ROUTEWATCH_ANALYST_PASSWORD_HASH``
or ``[analyst] password_hash`` in ``.streamlit/secrets.toml``. Make one with::

    python -m ui.auth          # asks for the password twice, prints the hash line

Verification is constant-time; repeated failures lock the form for everyone for a while (a
tracker shared by all sessions of the process), so guessing is slow. Deployments with an
identity provider should put the app behind ``st.login`` (OIDC) instead: see docs/security.md.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
import time
from collections import deque
from collections.abc import Mapping

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MAX_FAILURES = 5
WINDOW_S = 15 * 60
LOCKOUT_S = 15 * 60
ENV_VAR = "ROUTEWATCH_ANALYST_PASSWORD_HASH"


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """Return ``scrypt$N$r$p$salt$hash`` (base64) for ``password``."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32
    )
    b = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b(salt).decode()}${b(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """Check ``password`` against a stored hash in constant time; malformed hashes never match."""
    try:
        scheme, n, r, p, salt_b64, hash_b64 = stored.strip().split("$")
        if scheme != "scrypt":
            return False
        salt = base64.b64decode(salt_b64)
        expected = base64.b64decode(hash_b64)
        got = hashlib.scrypt(
            password.encode("utf-8"), salt=salt, n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def configured_hash(secrets_map: Mapping[str, object] | None = None) -> str | None:
    """The analyst hash from the environment or the secrets mapping, if any."""
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return env
    if secrets_map:
        section = secrets_map.get("analyst")
        if isinstance(section, Mapping):
            value = section.get("password_hash")
            if isinstance(value, str) and value.strip():
                return value.strip()
    return None


class LockoutTracker:
    """Counts recent failures; after ``max_failures`` in ``window_s`` refuses for ``lockout_s``."""

    def __init__(
        self,
        max_failures: int = MAX_FAILURES,
        window_s: float = WINDOW_S,
        lockout_s: float = LOCKOUT_S,
    ) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.lockout_s = lockout_s
        self._failures: deque[float] = deque()
        self._locked_until = 0.0
        self._lock = threading.Lock()

    def locked_for(self, now: float | None = None) -> float:
        """Seconds until attempts are allowed again (0 when not locked)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            return max(0.0, self._locked_until - now)

    def attempt(self, ok: bool, now: float | None = None) -> bool:
        """Record an attempt; returns whether access is granted."""
        now = time.monotonic() if now is None else now
        with self._lock:
            if self._locked_until > now:
                return False
            if ok:
                self._failures.clear()
                return True
            self._failures.append(now)
            while self._failures and now - self._failures[0] > self.window_s:
                self._failures.popleft()
            if len(self._failures) >= self.max_failures:
                self._locked_until = now + self.lockout_s
                self._failures.clear()
            return False


def main() -> int:  # pragma: no cover - interactive
    import getpass

    first = getpass.getpass("Analyst password: ")
    if len(first) < 12:
        print("Use at least 12 characters.")
        return 2
    if getpass.getpass("Again: ") != first:
        print("The two entries differ.")
        return 2
    line = hash_password(first)
    print(f"{ENV_VAR}='{line}'")
    print("or in .streamlit/secrets.toml:\n[analyst]\npassword_hash = " + repr(line))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
