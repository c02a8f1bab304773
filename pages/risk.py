"""Origin and transit risk: the composite score on a map and ranked, with live weights."""

from __future__ import annotations

import streamlit as st

from analytics import figures as fg
from ui import cache, charts, render, snapshots, state

f = state.current_filters()
v = cache.vintages(f)

st.title("Origin and transit risk")
st.caption(f"Filters: {render.describe(f)}")

kind = (
    st.segmented_control(
        "Risk of",
        ["origin", "transit"],
        format_func={"origin": "Countries of origin", "transit": "Transit countries"}.get,
        key="kind",
        default="origin",
        required=True,
        bind="query-params",
    )
    or "origin"
)

defaults = cache.default_weights(kind)

labels = cache.component_labels()
with st.expander("Weights: move a slider to re-rank live", expanded=False):
    st.caption(
        "Weights are rescaled to add up to 1. Reset by removing them from the page address or with the button."
    )
    cols = st.columns(len(defaults))
    for col, (comp, w) in zip(cols, defaults, strict=True):
        col.slider(
            labels.get(comp, comp),
            0.0,
            1.0,
            float(w),
            0.05,
            key=f"w_{kind}_{comp}",
            bind="query-params",
        )
    st.button("Reset weights", on_click=render.reset_weights, args=(kind, defaults))
weights = render.current_weights(kind, defaults)

scores = cache.country_risk(f, kind, weights)
if scores.empty:
    st.info("No country has data under these filters.")
    st.stop()

map_slot = st.container()
charts.render_figure(
    fg.make_risk_figure(scores, weights, kind, top=15, component_labels=labels), f, None
)
st.caption(render.risk_caption(scores, v, f))

st.subheader("Country card")
country = st.selectbox(
    "Country",
    render.ranked_countries(scores),
    format_func=render.country_name_lookup(scores),
    key="country",
    bind="query-params",
)
with map_slot:
    render.render_deck(
        render.make_choropleth_deck(scores, selected=country),
        key="risk-map",
        height=500,
        alt=f"World map of {kind} risk scores by country.",
    )
    render.render_score_legend()
    snapshots.render_risk_map_download(scores, kind, f, selected=country)
charts.render_country_card(scores, country, kind, f, v, weights, labels)

st.subheader("Ranked table")
render.render_risk_table(scores, weights, labels)
