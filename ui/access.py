"""Who may write, and what a visitor may see: the analyst sign-in (or OIDC where configured).

The app is read-only for visitors. Writing (loading data, saving or deleting the shared saved
views that presenters step through) needs the analyst sign-in of this session, or a login
through Streamlit's OIDC (``st.login``) where ``[auth]`` is configured in secrets (optionally
limited to ``[analyst] emails``). Paths on the server (the warehouse, the saved-views file)
appear only in what analysts see.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Mapping

import streamlit as st

from i18n import _, use_lang
from ui import auth

log = logging.getLogger("routewatch.auth")
K_ANALYST = "analyst_ok"
_K_SESSION = "_rw_session_key"
_logged_problems: set[str] = set()
# An absolute POSIX path of at least two parts ("/srv/routewatch/data/x.duckdb").
_PATH = re.compile(r"(?<![\w.:/~-])/(?:[^\s/'\"`:;,()]+/)+([^\s/'\"`:;,()]*)")


def secrets() -> dict[str, object]:
    """The app's secrets as a plain mapping (empty when there is no secrets.toml)."""
    try:
        return {k: st.secrets[k] for k in st.secrets}
    except Exception:  # no secrets.toml is the normal read-only deployment
        return {}


def oidc_configured(sec: Mapping[str, object] | None = None) -> bool:
    """Whether Streamlit's OIDC login (``[auth]`` in secrets) is set up."""
    section = (secrets() if sec is None else sec).get("auth")
    return isinstance(section, Mapping) and bool(section)


def _oidc_user_ok(sec: Mapping[str, object]) -> bool:
    try:
        user = st.user
        if not user.is_logged_in:
            return False
        email = str(user.get("email") or "")
    except Exception:  # st.user unavailable (no OIDC provider configured in this runtime)
        return False
    analyst = sec.get("analyst")
    allowed = analyst.get("emails") if isinstance(analyst, Mapping) else None
    if allowed:
        return email.casefold() in {str(e).casefold() for e in allowed}  # type: ignore[union-attr]
    return True


def is_analyst() -> bool:
    """Whether this session may write: signed in with the analyst credential, or logged in
    through OIDC where it is configured."""
    if st.session_state.get(K_ANALYST):
        return True
    sec = secrets()
    return oidc_configured(sec) and _oidc_user_ok(sec)


def credential_problem() -> str | None:
    """Why the configured analyst credential is refused (weak or plain text), else ``None``.

    Logged once per process (at the first run that reads it: the app's start-up), in English
    whatever the reader's language.
    """
    sec = secrets()
    stored, where = auth.configured_hash(sec), auth.configured_where(sec)
    problem = auth.credential_problem(stored, where)
    if problem:
        with use_lang("en"):
            english = auth.credential_problem(stored, where) or problem
        if english not in _logged_problems:
            _logged_problems.add(english)
            log.error("%s", english)
    return problem


def render_credential_problem() -> None:
    """At start-up: say that a configured credential is refused (sign-in stays off)."""
    problem = credential_problem()
    if problem:
        st.error(problem, icon=":material/key_off:")


def session_key() -> str:
    """A random id for this browser session (for rate limits and logs; not a secret)."""
    key = st.session_state.get(_K_SESSION)
    if not key:
        key = uuid.uuid4().hex[:16]
        st.session_state[_K_SESSION] = key
    return str(key)


def client_address() -> str:
    """The client's address as the server sees it ("unknown" in tests or behind some proxies)."""
    try:
        ip = st.context.ip_address
    except Exception:
        ip = None
    return str(ip) if ip else "unknown"


def attempt_keys() -> list[tuple[str, str]]:
    """The keys a sign-in attempt is counted under: this session, and the client's address
    when it is known."""
    keys = [("session", session_key())]
    addr = client_address()
    if addr != "unknown":
        keys.append(("address", addr))
    return keys


def describe(keys: list[tuple[str, str]]) -> str:
    """``session 1a2b..., address 10.0.0.1`` for the log (never a password)."""
    return ", ".join(f"{kind} {value}" for kind, value in keys)


def public_message(text: str) -> str:
    """``text`` as a visitor may see it: server paths cut to their file name (analysts see
    everything)."""
    if is_analyst():
        return text
    return _PATH.sub(lambda m: m.group(1) or _("(a server folder)"), text)
