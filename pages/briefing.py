"""Briefing: one-click packs, snapshots for papers, and saved views with shareable links."""

from __future__ import annotations

import streamlit as st

from analytics import figures as fg
from i18n import _
from ui import cache, charts, render, snapshots, state, views

state.ensure_app_shell()
f = state.current_filters()
v = cache.vintages(f)
h = cache.headline(f)

st.title(_("Briefing"))
st.caption(_("Filters: {filters}").format(filters=render.describe(f)))

st.subheader(_("Briefing pack"))
st.write(
    _(
        "A ready deck for the filters in the sidebar: scope and data vintages, headline "
        "figures, key messages, alerts, the route map, origin and transit risk with ranked "
        "tables, the main charts, and the sources and caveats. Every picture has its caption; "
        "the PowerPoint has speaker notes with the numbers."
    )
)
snapshots.render_pack_buttons(f)

st.subheader(_("Snapshots for papers and slides"))
st.caption(
    _("Each download carries the chart's title and its caption: filters, source, vintage, caveat.")
)
fig = fg.make_monthly_figure(
    cache.incidents_by(f, "none", "month"),
    label=_("All routes") if not f.routes else _("Selected routes"),
    data_end=f.date_to or h["last_date"],
)
caption = render.source_caption(v, f)
charts.render_figure(fig, f, caption)
snapshots.render_route_map_download(f, "route", key="briefing-routes-map")

st.subheader(_("Saved views"))
st.caption(
    _(
        "Save the current filters under a name. Each view has a link to share, opens in the "
        "app with its filters, and can be shown full screen in presenter mode."
    )
)
views.render_save_view(f)
views.render_view_list(views.saved_views())
