"""Methodology: renders docs/methodology.md."""

from __future__ import annotations

import streamlit as st

from ui import render, state

state.ensure_app_shell()

text = render.methodology_markdown()
if text is None:
    st.title("Methodology")
    st.info("The methodology is being written; it will appear here from docs/methodology.md.")
else:
    st.markdown(text)
