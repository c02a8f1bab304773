"""Incidents: the map, the filterable table with source links, and downloads."""

from __future__ import annotations

import streamlit as st

from ui import cache, render, snapshots, state

f = state.current_filters()
v = cache.vintages(f)
n = cache.incident_count(f)

st.title("Incidents")
st.caption(f"{n:,} incidents. Filters: {render.describe(f)}")

points = st.toggle(
    f"Show the {render.HEX_THRESHOLD:,} largest incidents as points",
    key="points",
    bind="query-params",
    disabled=n <= render.HEX_THRESHOLD,
    help="Above a few thousand incidents the map aggregates them into hexagons.",
)
layer, hexagons = render.incident_map_layer(f, force_points=bool(points))
render.render_deck(
    render.make_deck([layer]),
    key="incidents-map",
    height=600,
    alt="Map of incidents: circles sized by dead and missing and coloured by cause, or hexagons.",
)
render.render_incident_legend(f, hexagons)
snapshots.render_incident_map_download(f, force_points=bool(points))
st.caption(render.source_caption(v, f))

st.subheader("Incident records")
rows = cache.incident_table(f, limit=1000)
st.caption(
    f"Newest first; showing {len(rows):,} of {n:,}. Download every filtered row below."
    " Source quality: IOM's 1 (one unverified report) to 5 (official or several verified sources)."
)
st.dataframe(
    rows,
    column_config=render.incident_column_config(),
    column_order=render.INCIDENT_COLUMN_ORDER,
    hide_index=True,
    height=460,
)
render.render_incident_downloads(f, n, notes=render.download_notes(v, f))
