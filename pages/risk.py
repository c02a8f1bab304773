"""Origin and transit risk: the composite score on a map and ranked, with live weights."""

from __future__ import annotations

import streamlit as st

from analytics import figures as fg
from analytics.scores import scope_for
from i18n import _
from ui import address, cache, charts, render, snapshots, state

f = state.current_filters()
v = cache.vintages(f)

st.title(_("Origin and transit risk"))
st.caption(_("Filters: {filters}").format(filters=render.describe(f)))

kind = (
    address.linked_control(
        st.segmented_control,
        _("Risk of"),
        ["origin", "transit"],
        shown=render.shown_as(
            {"origin": _("Countries of origin"), "transit": _("Transit countries")}
        ),
        key="kind",
        default="origin",
        required=True,
    )
    or "origin"
)

left, right = st.columns(2)
scope = (
    address.linked_control(
        left.segmented_control,
        _("Scope"),
        ["europe", "world"],
        shown=render.shown_as({k: _(v) for k, v in render.SCOPE_OPTIONS.items()}),
        key="scope",
        default=scope_for(cache.routes(), f.routes),
        required=True,
        help=_(
            "Routes towards Europe, where Frontex, IOM and UNHCR all report, or every route "
            "worldwide (IOM and the Organized Crime Index only: Frontex has no data there)."
        ),
    )
    or "europe"
)
variant = (
    address.linked_control(
        right.segmented_control,
        _("Deaths counted"),
        ["robust", "raw"],
        shown=render.shown_as({k: _(v) for k, v in render.VARIANT_OPTIONS.items()}),
        key="variant",
        default="robust",
        required=True,
        help=_(
            "Robust: each incident counts at most as much as the period's 95th-percentile "
            "incident, and deaths per 1,000 detections are shrunk toward the mean where they "
            "rest on few detections. Raw: the recorded counts."
        ),
    )
    or "robust"
)

defaults = cache.default_weights(kind)

labels = cache.component_labels()
with st.expander(_("Weights: move a slider to re-rank live"), expanded=False):
    st.caption(
        _(
            "Weights are rescaled to add up to 1. Reset by removing them from the page address "
            "or with the button."
        )
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
    st.button(_("Reset weights"), on_click=render.reset_weights, args=(kind, defaults))
    render.render_scope_components(defaults, scope, labels)
weights = render.current_weights(kind, defaults)
problem = render.scope_problem(f, scope) or render.weights_problem(kind, weights, scope)
if problem:
    st.warning(problem)
    st.stop()

scores = cache.country_risk(f, kind, weights, scope, variant)
if scores.empty:
    st.info(_("No country has data under these filters."))
    st.stop()

map_slot = st.container()
charts.render_figure(
    fg.make_risk_figure(scores, weights, kind, top=15, component_labels=labels), f, None
)
st.caption(render.risk_caption(scores, v, f, weights))

st.subheader(_("Country card"))
ranked = render.ranked_countries(scores)
country = address.linked_control(
    st.selectbox,
    _("Country"),
    ranked,
    shown=render.country_name_lookup(scores),
    key="country",
    default=ranked[0],
)
with map_slot:
    render.render_deck(
        render.make_choropleth_deck(scores, selected=country),
        key="risk-map",
        height=500,
        alt=_("World map of origin risk scores by country.")
        if kind == "origin"
        else _("World map of transit risk scores by country."),
    )
    render.render_score_legend()
    snapshots.render_risk_map_download(scores, kind, f, selected=country)
charts.render_country_card(scores, country, kind, f, v, weights, labels)

st.subheader(_("Ranked table"))
render.render_risk_table(scores, weights, labels)
