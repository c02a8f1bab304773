"""Incidents: the map, the filterable table with source links, and downloads."""

from __future__ import annotations

import streamlit as st

import i18n
from i18n import _
from ui import cache, render, snapshots, state

f = state.current_filters()
v = cache.vintages(f)
n = cache.incident_count(f)

st.title(_("Incidents"))
st.caption(
    _("{n} incidents. Filters: {filters}").format(n=i18n.fmt_number(n), filters=render.describe(f))
)

points = st.toggle(
    _("Show the {n} largest incidents as points").format(n=i18n.fmt_number(render.HEX_THRESHOLD)),
    key="points",
    bind="query-params",
    disabled=n <= render.HEX_THRESHOLD,
    help=_("Above a few thousand incidents the map aggregates them into hexagons."),
)
layer, hexagons = render.incident_map_layer(f, force_points=bool(points))
render.render_deck(
    render.make_deck([layer]),
    key="incidents-map",
    height=600,
    alt=_(
        "Map of incidents: circles sized by dead and missing and coloured by cause, or hexagons."
    ),
)
render.render_incident_legend(f, hexagons)
snapshots.render_incident_map_download(f, force_points=bool(points))
render.show_caption(render.source_caption(v, f), title=_("Map"))

st.subheader(_("Incident records"))
rows = cache.incident_table(f, limit=1000)
st.caption(
    _(
        "Newest first; showing {shown} of {n}. Download every filtered row below. Source "
        "quality: IOM's 1 (one unverified report) to 5 (official or several verified sources)."
    ).format(shown=i18n.fmt_number(len(rows)), n=i18n.fmt_number(n))
)
st.dataframe(
    rows,
    column_config=render.incident_column_config(),
    column_order=render.INCIDENT_COLUMN_ORDER,
    hide_index=True,
    height=460,
)
render.render_incident_downloads(f, n, notes=render.download_notes(v, f))
