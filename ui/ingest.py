"""The analyst's upload-and-load panel (shown only when an analyst credential is configured).

Uploads are parsed from memory (Streamlit hands us bytes; nothing is written anywhere but the
warehouse's own staged copy), size-limited, and go through the same ingest as the CLI.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from data.db import WarehouseBusy, WarehouseError
from data.ingest import KINDS, load_bytes
from data.readers import IngestError, xlsx_sheet_names
from ui import auth

MAX_UPLOAD_MB = 200


@st.cache_resource
def _lockout() -> auth.LockoutTracker:
    # One tracker for the whole process: a guesser cannot reset it by opening a new session.
    return auth.LockoutTracker()


def _secrets() -> dict[str, object]:
    try:
        return {k: st.secrets[k] for k in st.secrets}
    except Exception:  # no secrets.toml is the normal read-only deployment
        return {}


def render_login() -> bool:
    """Draw the sign-in form; returns whether this session is signed in as analyst."""
    if st.session_state.get("analyst_ok"):
        return True
    stored = auth.configured_hash(_secrets())
    if stored is None:
        st.info("This RouteWatch is read-only: no analyst credential is configured.")
        return False
    tracker = _lockout()
    wait = tracker.locked_for()
    if wait > 0:
        st.error(f"Too many failed attempts. Try again in {int(wait // 60) + 1} minutes.")
        return False
    with st.form("analyst_login"):
        pw = st.text_input("Analyst password", type="password")
        submitted = st.form_submit_button("Sign in")
    if submitted:
        if tracker.attempt(auth.verify_password(pw, stored)):
            st.session_state["analyst_ok"] = True
            st.rerun()
        else:
            st.error("Wrong password.")
    return False


def render_upload_panel() -> None:
    """File uploader -> ingest -> summary, with a progress bar and one-line errors."""
    st.subheader("Load a source file")
    st.caption(
        "IOM Missing Migrants export (CSV or XLSX), Frontex detections, UNHCR population or "
        "arrivals, GI-TOC OC Index. The kind is recognised from the header. A refused file "
        f"changes nothing. Limit {MAX_UPLOAD_MB} MB."
    )
    kind = st.selectbox("Kind", ["detect automatically", *KINDS])
    up = st.file_uploader("Source file", type=["csv", "xlsx"], accept_multiple_files=False)
    sheet = _sheet_choice(up) if up is not None and up.size <= MAX_UPLOAD_MB * 2**20 else None
    if up is None or not st.button("Load into the warehouse", type="primary"):
        return
    if up.size > MAX_UPLOAD_MB * 2**20:
        st.error(f"{up.name} is larger than {MAX_UPLOAD_MB} MB.")
        return
    bar = st.progress(0.0, text="starting")
    try:
        summary = load_bytes(
            up.getvalue(),
            up.name,
            kind=None if kind == "detect automatically" else kind,
            sheet=sheet,
            progress=lambda f, m: bar.progress(min(1.0, f), text=m),
            wait_s=10.0,
        )
    except WarehouseBusy as exc:
        st.warning(str(exc))
        return
    except (IngestError, WarehouseError) as exc:
        st.error(str(exc))
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
    auto = "choose automatically"
    picked = st.selectbox(
        "Sheet",
        [auto, *sheets],
        help="A GI-TOC workbook holds one NNNN_dataset sheet per edition; automatically "
        "loads the newest edition (other workbooks: the first sheet).",
    )
    return None if picked == auto else str(picked)
