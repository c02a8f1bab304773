"""Load data: analysts sign in, then upload a source file into the warehouse."""

import streamlit as st

from i18n import _
from ui.ingest import render_login, render_upload_panel

st.title(_("Load data"))
if render_login():
    render_upload_panel()
