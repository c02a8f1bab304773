"""Analyst credential: who may upload and ingest data. The app is read-only without it.

The credential is a scrypt hash, never a password, read from ``ROUTEWATCH_ANALYST_PASSWORD_HASH``
or ``[analyst] password_hash`` in ``.streamlit/secrets.toml``. Make one with::

    python -m ui.auth          # asks for the password twice, prints the hash line
    python -m ui.auth --enable # the same, and writes it into .streamlit/secrets.toml

Verification is constant-time. Hashes below the minimum scrypt parameters, and a plain
password pasted where the hash belongs, are refused at start-up (:func:`credential_problem`)
and never match. Failed sign-ins slow down the session and the client address that made them
(:class:`AttemptLimiter`: a growing delay), never anyone else, so a guesser cannot lock the
analysts out. Deployments with an identity provider should put the app behind ``st.login``
(OIDC) instead: see docs/security.md.
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
from pathlib import Path

from i18n import _

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
#: The weakest parameters accepted (those :func:`hash_password` uses, OWASP's scrypt minimum):
#: a hash made with fewer (n=2, dklen=1: one wrong password in 256 matches) is refused.
MIN_N, MIN_R, MIN_P, MIN_DKLEN, MIN_SALT = 2**14, 8, 1, 16, 16
#: The costliest accepted, so that a configured hash cannot exhaust memory or time either.
MAX_SCRYPT_BYTES = 256 * 2**20
MAX_P = 16
HASH_COMMAND = "python -m ui.auth"
#: The one command an administrator runs on the server to enable loading (see :func:`enable`).
ENABLE_COMMAND = "python -m ui.auth --enable"
SECRETS_FILE = Path(".streamlit") / "secrets.toml"
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


def _parse(stored: str) -> tuple[int, int, int, bytes, bytes]:
    """``(n, r, p, salt, hash)`` of a ``scrypt$N$r$p$salt$hash`` string (ValueError if not)."""
    scheme, n, r, p, salt_b64, hash_b64 = stored.strip().split("$")
    if scheme != "scrypt":
        raise ValueError("not scrypt")
    if not all(x.isascii() and x.isdecimal() for x in (n, r, p)):
        raise ValueError("parameters are not whole numbers")
    salt = base64.b64decode(salt_b64, validate=True)
    digest = base64.b64decode(hash_b64, validate=True)
    return int(n), int(r), int(p), salt, digest


def credential_problem(stored: str | None, where: str = ENV_VAR) -> str | None:
    """Why a configured analyst credential must be refused (``None`` when it is acceptable).

    A value that is not a ``scrypt$...`` hash is taken for a plain password: refused, with the
    command that makes a hash, and never echoed. A hash below :data:`MIN_N`, :data:`MIN_R`,
    :data:`MIN_P`, :data:`MIN_DKLEN` or :data:`MIN_SALT` (or too costly to check) is refused.
    """
    if stored is None:
        return None
    value = stored.strip()
    fix = _("Make one with `{command}` and put the line it prints in {where}.").format(
        command=HASH_COMMAND, where=where
    )
    if not value.startswith("scrypt$") or value.count("$") != 5:
        return _(
            "The analyst credential in {where} is not a scrypt hash (it looks like a plain "
            "password, which is never accepted). {fix}"
        ).format(where=where, fix=fix)
    try:
        n, r, p, salt, digest = _parse(value)
    except (ValueError, TypeError):
        return _(
            "The analyst credential in {where} is not a well-formed scrypt hash. {fix}"
        ).format(where=where, fix=fix)
    weak = []
    if n < MIN_N or n & (n - 1):
        weak.append(_("n={n} (at least {min}, a power of 2)").format(n=n, min=MIN_N))
    if r < MIN_R:
        weak.append(_("r={r} (at least {min})").format(r=r, min=MIN_R))
    if p < MIN_P:
        weak.append(_("p={p} (at least {min})").format(p=p, min=MIN_P))
    if len(digest) < MIN_DKLEN:
        weak.append(_("a {n}-byte hash (at least {min})").format(n=len(digest), min=MIN_DKLEN))
    if len(salt) < MIN_SALT:
        weak.append(_("a {n}-byte salt (at least {min})").format(n=len(salt), min=MIN_SALT))
    if weak:
        return _(
            "The analyst credential in {where} is too weak: {problems}; sign-in is "
            "refused until it is replaced. {fix}"
        ).format(where=where, problems=", ".join(weak), fix=fix)
    if 128 * n * r > MAX_SCRYPT_BYTES or p > MAX_P:
        return _(
            "The analyst credential in {where} asks for more memory or time than allowed. {fix}"
        ).format(where=where, fix=fix)
    return None


def verify_password(password: str, stored: str) -> bool:
    """Check ``password`` against a stored hash in constant time; malformed hashes, and hashes
    refused by :func:`credential_problem` (weak parameters, plain text), never match."""
    if credential_problem(stored) is not None:
        return False
    try:
        n, r, p, salt, expected = _parse(stored)
        got = hashlib.scrypt(
            password.encode("utf-8"),
            salt=salt,
            n=n,
            r=r,
            p=p,
            dklen=len(expected),
            maxmem=MAX_SCRYPT_BYTES + 2**20,
        )
    except (ValueError, TypeError, MemoryError):
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


SECRETS_SETTING = ".streamlit/secrets.toml ([analyst] password_hash)"


def configured_where(secrets_map: Mapping[str, object] | None = None) -> str:
    """The setting the analyst hash was read from (for messages; never the value)."""
    return ENV_VAR if os.environ.get(ENV_VAR, "").strip() else SECRETS_SETTING


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


class AttemptLimiter:
    """Slows down failed sign-ins per key (a session, a client address), never for anyone else.

    Each key may fail ``free`` times with no delay (by key kind: a shared office address gets
    more than one browser session); after each further failure the next attempt must wait a
    delay that doubles with every failure, from ``base_delay_s`` up to ``max_delay_s``. A success clears the keys
    it was made with; a key's failures are forgotten ``forget_after_s`` after its last one. At
    most ``max_keys`` keys are kept (the oldest forgotten first), so a flood of addresses cannot
    exhaust memory.

    Unlike a global lockout, five wrong passwords from one visitor do not lock every analyst
    out: a guesser only slows themselves down, by the session and by the address.
    """

    def __init__(
        self,
        free: dict[str, int] | None = None,
        base_delay_s: float = 1.0,
        max_delay_s: float = LOCKOUT_S,
        forget_after_s: float = WINDOW_S,
        max_keys: int = 10_000,
        max_delay_by_kind: dict[str, float] | None = None,
    ) -> None:
        self.free = {"session": 3, "address": 10} if free is None else dict(free)
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        # An address may be shared (an office, a proxy): its delay stays short, so a guesser
        # there costs colleagues a minute at most, while their own session waits longer.
        self.max_delay_by_kind = (
            {"address": 60.0} if max_delay_by_kind is None else dict(max_delay_by_kind)
        )
        self.forget_after_s = forget_after_s
        self.max_keys = max_keys
        self._state: dict[tuple[str, str], tuple[int, float]] = {}  # key -> (failures, last)
        self._lock = threading.Lock()

    def _delay(self, kind: str, failures: int) -> float:
        over = failures - self.free.get(kind, 3)
        if over <= 0:
            return 0.0
        cap = self.max_delay_by_kind.get(kind, self.max_delay_s)
        return min(self.base_delay_s * 2.0 ** (over - 1), cap)

    def wait_for(self, keys: list[tuple[str, str]], now: float | None = None) -> float:
        """Seconds until any of ``keys`` may try again (0 when all may now)."""
        now = time.monotonic() if now is None else now
        wait = 0.0
        with self._lock:
            for key in keys:
                failures, last = self._state.get(key, (0, 0.0))
                if not failures or now - last > self.forget_after_s:
                    continue
                wait = max(wait, last + self._delay(key[0], failures) - now)
        return max(0.0, wait)

    def failures(self, key: tuple[str, str]) -> int:
        with self._lock:
            return self._state.get(key, (0, 0.0))[0]

    def attempt(self, keys: list[tuple[str, str]], ok: bool, now: float | None = None) -> bool:
        """Record an attempt made with ``keys``; returns whether access is granted.

        An attempt made while any key must still wait is refused without being counted (the
        caller should not even check the password then).
        """
        now = time.monotonic() if now is None else now
        if self.wait_for(keys, now) > 0:
            return False
        with self._lock:
            for key in keys:
                if ok:
                    self._state.pop(key, None)
                    continue
                failures, last = self._state.pop(key, (0, 0.0))
                if now - last > self.forget_after_s:
                    failures = 0
                self._state[key] = (failures + 1, now)  # re-inserted: newest last
            while len(self._state) > self.max_keys:
                self._state.pop(next(iter(self._state)))
        return ok


def main(argv: list[str] | None = None) -> int:  # pragma: no cover - interactive
    import sys

    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["--enable"]:
        return _enable_interactive(Path(args[1]) if len(args) > 1 else SECRETS_FILE)
    if args[:1] == ["--check"]:
        problem = credential_problem(configured_hash(), configured_where())
        if problem:
            print(f"error: {problem}", file=sys.stderr)
            return 2
        print("The analyst credential is acceptable." if configured_hash() else "None set.")
        return 0
    return _make_hash()


def enable(secrets_path: Path, password: str) -> Path:
    """Store the scrypt hash of ``password`` as ``[analyst] password_hash`` in ``secrets_path``.

    Other settings in the file are kept; an existing analyst hash is replaced. The file is
    written whole to a temporary file and renamed, so a failure leaves the old one intact.

    Raises
    ------
    ValueError
        A password shorter than 12 characters, or a file that is not valid TOML (before or
        after the change: nothing is written then).
    """
    import tomllib

    if len(password) < 12:
        raise ValueError("use at least 12 characters")
    line = f"password_hash = {hash_password(password)!r}"
    old = secrets_path.read_text(encoding="utf-8") if secrets_path.exists() else ""
    try:
        tomllib.loads(old)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{secrets_path} is not valid TOML ({exc}); nothing was changed") from exc
    lines = old.splitlines()
    out: list[str] = []
    section: str | None = None
    done = False
    for ln in lines:
        stripped = ln.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            if section == "analyst" and not done:
                out.append(line)
                done = True
            section = stripped.strip("[] ")
        elif section == "analyst" and stripped.split("=", 1)[0].strip() == "password_hash":
            if not done:
                out.append(line)
                done = True
            continue
        out.append(ln)
    if section == "analyst" and not done:
        out.append(line)
        done = True
    if not done:
        out += (["", "[analyst]"] if out else ["[analyst]"]) + [line]
    text = "\n".join(out) + "\n"
    parsed = tomllib.loads(text)
    if parsed.get("analyst", {}).get("password_hash") is None:  # pragma: no cover - guard
        raise ValueError("the analyst hash did not land in the file; nothing was changed")
    secrets_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = secrets_path.with_suffix(".toml.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.chmod(tmp, 0o600)
    tmp.replace(secrets_path)
    return secrets_path


def _ask_password() -> str | None:  # pragma: no cover - interactive
    import getpass

    first = getpass.getpass("Analyst password: ")
    if len(first) < 12:
        print("Use at least 12 characters.")
        return None
    if getpass.getpass("Again: ") != first:
        print("The two entries differ.")
        return None
    return first


def _enable_interactive(path: Path) -> int:  # pragma: no cover - interactive
    pw = _ask_password()
    if pw is None:
        return 2
    try:
        where = enable(path, pw)
    except ValueError as exc:
        print(f"error: {exc}")
        return 2
    print(f"Loading is enabled: the analyst password hash is in {where}. Restart the app.")
    return 0


def _make_hash() -> int:  # pragma: no cover - interactive
    first = _ask_password()
    if first is None:
        return 2
    line = hash_password(first)
    print(f"{ENV_VAR}='{line}'")
    print("or in .streamlit/secrets.toml:\n[analyst]\npassword_hash = " + repr(line))
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
