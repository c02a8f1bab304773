"""Follow the money: smugglers' gross revenue by route and year, always as a range."""

from __future__ import annotations

import streamlit as st

from analytics import figures as fg
from analytics import money_figures as mf
from i18n import _
from ui import cache, charts, render, state
from ui import money as um

f = state.current_filters()

st.title(_("Follow the money"))
st.caption(_("Filters: {filters}").format(filters=render.describe(f)))
st.markdown(
    _(
        "Estimated gross revenue of migrant smugglers: **persons moved x share that used a "
        "smuggler x the cited fee**, for the route-years with a cited fee. Always a range; "
        "no fee for a route and year is no data, never zero."
    )
)

left, right = st.columns(2)
with left:
    persons = um.persons_control()
with right:
    share = um.share_control()

t = cache.money(f, persons, share)
routes = cache.routes()
colours = dict(zip(routes["route_id"], routes["colour"], strict=True))
with st.expander(_("Caveats: read before repeating a figure"), expanded=True):
    um.render_caveats(t)

charts.render_figure(
    mf.make_revenue_band_figure(t.with_data, colours, label=render.scope_label(f)),
    f,
    um.revenue_caption(f, t),
)

st.subheader(_("Routes by estimated revenue"))
render.render_deck(
    um.revenue_map(t),
    key="money-map",
    height=520,
    alt=_(
        "Map of migration routes: line width by smugglers' estimated gross revenue, upper end "
        "of the range, summed over the years with a cited fee; grey routes have no estimate."
    ),
)
st.caption(
    um.revenue_caption(
        f,
        t,
        _("Line width: upper estimate summed over the years with a cited fee; grey: no data"),
    )
)

st.subheader(_("The share each leg takes"))
charts.render_figure(
    mf.make_leg_shares_figure(t.legs),
    f,
    fg.caption(
        [_("RouteWatch fee table (cited, docs/money.md)")],
        minimum_estimate=False,
        filters=render.describe(f),
        note=_("Only legs the cited source states as part of a whole-journey fee"),
    ),
)

st.subheader(_("Every route-year in scope"))
um.render_revenue_table(t)
st.subheader(_("The cited fees"))
um.render_fee_table(t)
