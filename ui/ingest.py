"""The analyst's upload-and-load panel (shown only when an analyst credential is configured).

Uploads are parsed from memory (Streamlit hands us bytes; nothing is written anywhere but the
warehouse's own staged copy), size-limited, and go through the same ingest as the CLI.
"""

from __future__ import annotations

import duckdb
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from data.db import WarehouseBusy, WarehouseError
from data.ingest import KINDS, load_bytes
from data.readers import IngestError, xlsx_sheet_names
from i18n import _
from ui import access, auth

MAX_UPLOAD_MB = 200
#: The "no choice" options of the kind and sheet selectors (translated where shown).
_AUTO_KIND = "detect automatically"
_AUTO_SHEET = "choose automatically"


@st.cache_resource
def _limiter() -> auth.AttemptLimiter:
    # One limiter for the process, keyed by session and by client address: a guesser slows
    # down only themselves (a new session still shares the address), never the analysts.
    return auth.AttemptLimiter()


def _secrets() -> dict[str, object]:
    return access.secrets()


def render_login() -> bool:
    """Draw the sign-in form; returns whether this session is signed in as analyst."""
    if access.is_analyst():
        return True
    if access.oidc_configured():
        st.button(_("Sign in with single sign-on"), on_click=st.login, key="oidc-login")
    stored = auth.configured_hash(_secrets())
    if stored is None:
        st.info(
            _(
                "This RouteWatch is read-only: no analyst credential is configured, so nobody "
                "can load data here.\n\n**To enable loading**, an administrator runs this one "
                "command on the server, in the app's folder, then restarts the app:\n\n"
                "`{command}`\n\n"
                "It asks for an analyst password twice and stores only its scrypt hash in "
                "`{secrets}`. Files can also be loaded without the app: `{load_command}`."
            ).format(
                command=auth.ENABLE_COMMAND,
                secrets=".streamlit/secrets.toml",
                load_command="python -m data load FILE",
            ),
            icon=":material/lock:",
        )
        return False
    problem = access.credential_problem()
    if problem:
        st.error(problem, icon=":material/key_off:")
        return False
    limiter = _limiter()
    keys = access.attempt_keys()
    with st.form("analyst_login"):
        pw = st.text_input(_("Analyst password"), type="password")
        submitted = st.form_submit_button(_("Sign in"))
    if not submitted:
        return False
    wait = limiter.wait_for(keys)
    if wait > 0:
        access.log.warning(
            "analyst sign-in refused while slowed down: %s, %.0f s to wait",
            access.describe(keys),
            wait,
        )
        st.error(
            _("Too many failed attempts. Try again in {seconds} seconds.").format(
                seconds=int(wait) + 1
            )
        )
        return False
    if limiter.attempt(keys, auth.verify_password(pw, stored)):
        access.log.info("analyst signed in: %s", access.describe(keys))
        st.session_state[access.K_ANALYST] = True
        st.rerun()
    failures = limiter.failures(keys[0])
    access.log.warning(
        "analyst sign-in failed: %s, %d failures in this session",
        access.describe(keys),
        failures,
    )
    wait = limiter.wait_for(keys)
    later = (
        " " + _("Wait {seconds} seconds before the next attempt.").format(seconds=int(wait) + 1)
        if wait > 0
        else ""
    )
    st.error(_("Wrong password.") + later)
    return False


def render_upload_panel() -> None:
    """File uploader -> ingest -> summary, with a progress bar and one-line errors."""
    st.subheader(_("Load a source file"))
    st.caption(
        _(
            "IOM Missing Migrants export (CSV or XLSX), Frontex detections, UNHCR population or "
            "arrivals, GI-TOC OC Index. The kind is recognised from the header. A refused file "
            "changes nothing. Limit {mb} MB."
        ).format(mb=MAX_UPLOAD_MB)
    )
    kind = st.selectbox(
        _("Kind"),
        [_AUTO_KIND, *KINDS],
        format_func=lambda k: _("detect automatically") if k == _AUTO_KIND else k,
    )
    up = st.file_uploader(_("Source file"), type=["csv", "xlsx"], accept_multiple_files=False)
    accept_partial = st.checkbox(
        _("Accept a partial file"),
        key="accept_partial",
        help=_(
            "A file that looks cut off (its last row incomplete, or its dates ending early) "
            "is refused. Tick this to load its complete rows anyway: the vintage is then marked "
            "partial everywhere it is shown."
        ),
    )
    sheet = _sheet_choice(up) if up is not None and up.size <= MAX_UPLOAD_MB * 2**20 else None
    if up is None or not st.button(_("Load into the warehouse"), type="primary"):
        return
    if up.size > MAX_UPLOAD_MB * 2**20:
        st.error(_("{file} is larger than {mb} MB.").format(file=up.name, mb=MAX_UPLOAD_MB))
        return
    bar = st.progress(0.0, text=_("starting"))
    try:
        summary = load_bytes(
            up.getvalue(),
            up.name,
            kind=None if kind == _AUTO_KIND else kind,
            sheet=sheet,
            progress=lambda f, m: bar.progress(min(1.0, f), text=m),
            wait_s=10.0,
            accept_partial=accept_partial,
        )
    except WarehouseBusy as exc:
        st.warning(str(exc))
        return
    except (IngestError, WarehouseError) as exc:
        st.error(str(exc))
        return
    except (OSError, duckdb.Error) as exc:  # a fault the ingest did not word: still one line
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        st.error(_("{file} could not be loaded: {reason}").format(file=up.name, reason=first[:300]))
        return
    bar.empty()
    st.success(summary.lines()[0])
    st.text("\n".join(summary.lines()[1:]))


def _sheet_choice(up: UploadedFile) -> str | None:
    """For a workbook of several sheets, let the analyst pick one (a GI-TOC workbook holds one
    sheet per edition); ``None`` leaves the choice to the ingest (newest edition / first sheet).
    """
    if not up.name.lower().endswith(".xlsx"):
        return None
    try:
        sheets = xlsx_sheet_names(up.getvalue(), up.name)
    except IngestError:
        return None  # the load itself reports what is wrong with the file
    if len(sheets) < 2:
        return None
    picked = st.selectbox(
        _("Sheet"),
        [_AUTO_SHEET, *sheets],
        format_func=lambda s: _("choose automatically") if s == _AUTO_SHEET else s,
        help=_(
            "A GI-TOC workbook holds one NNNN_dataset sheet per edition; automatically "
            "loads the newest edition (other workbooks: the first sheet)."
        ),
    )
    return None if picked == _AUTO_SHEET else str(picked)
