"""Presenter mode: the saved views full width in large, high-contrast type, one at a time."""

from __future__ import annotations

import streamlit as st

from i18n import _
from ui import state, views

state.ensure_app_shell()
st.html(views.PRESENTER_CSS)
saved = views.saved_views()
if not saved:
    st.info(
        _(
            "No saved views yet: showing the current filters. Save views on the Briefing page "
            "to step through them here."
        ),
        icon=":material/co_present:",
    )
    views.render_presenter(_("Current view"), state.current_filters())
else:
    i = views.presenter_index(saved)
    views.render_presenter_nav(saved, i)
    f, notices = views.filters_of(saved[i])
    views.render_presenter(saved[i].name, f, notices)
