"""Data and sources: every source and vintage, rejected rows, and data quality."""

from __future__ import annotations

import streamlit as st

from analytics import figures as fg
from i18n import _
from ui import cache, charts, render, state

f = state.current_filters()
v = cache.vintages(f)

st.title(_("Data and sources"))
render.render_vintages_in_use(v)
st.page_link(
    "pages/reconcile.py",
    label=_("Reconcile sources: one route's IOM, Frontex and UNHCR figures side by side"),
    icon=":material/compare_arrows:",
)

st.subheader(_("Every loaded source"))
render.render_sources_table(cache.sources())

st.subheader(_("Rejected rows"))
render.render_rejected(cache.sources())

st.subheader(_("Data quality for the current filters"))
dq = cache.data_quality(f)
render.render_quality_metrics(dq)
charts.render_figure(fg.make_quality_figure(dq["by_quality"]), f, render.source_caption(v, f))
