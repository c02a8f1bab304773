"""Prevention planner: who to reach, when, where and what to say, per country of origin."""

from __future__ import annotations

import streamlit as st

from i18n import _
from services.planner import PLANNER_SCOPE
from ui import address, cache, planner, render, state

f = state.current_filters()
v = cache.vintages(f)

st.title(_("Prevention planner"))
st.caption(
    _(
        "Filters: {filters}. One card per country of origin: languages, the nationalities on "
        "its routes, a campaign window before the peak month, transit countries and the real "
        "dangers on its routes."
    ).format(filters=render.describe(f))
)

origin_table = cache.country_risk(
    f.replace(origins=()), "origin", cache.default_weights("origin"), scope=PLANNER_SCOPE
)
options, names = planner.country_options(origin_table)
chosen = address.linked_control(
    st.multiselect,
    _("Countries of origin"),
    options,
    default=[c for c in cache.plan_countries(f) if c in names],
    shown=render.shown_as({iso3: names.get(iso3, iso3) for iso3 in options}),
    multi=True,
    key=planner.PLAN_KEY,
    help=_(
        "Default: the sidebar's origins, else the three origins with the most dead and missing."
    ),
)
if not chosen:
    st.info(_("Choose one or more countries of origin."))
    st.stop()

plan = cache.plan(f, tuple(chosen))
planner.render_csv_download(plan.cards)
for card in plan.cards:
    planner.render_card(card, f, v.is_demo)
