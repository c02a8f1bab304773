"""Methodology: renders docs/methodology.md."""

from __future__ import annotations

import streamlit as st

from ui import render, state

state.ensure_app_shell()

st.markdown(render.methodology_markdown())
