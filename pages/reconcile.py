"""Reconcile sources: one route's IOM, Frontex and UNHCR figures side by side, month by month."""

from __future__ import annotations

import streamlit as st

from analytics import figures as fg
from analytics.reconcile import divergence_rule_text
from i18n import _
from ui import address, cache, charts, render, state
from ui import reconcile as view

f = state.current_filters()
v = cache.vintages(f)
metrics = cache.route_metrics(f)

st.title(_("Reconcile sources"))
st.caption(
    _(
        "IOM (dead and missing, incidents), Frontex (detections) and UNHCR (sea arrivals) count "
        "different things over different windows: here they stand side by side for one route, "
        "never added together. Grey months are months a source does not cover (no data, not 0)."
    )
)
st.caption(_("Filters: {filters}").format(filters=render.describe(f)))

choices = render.route_choices(metrics, f)
names = dict(zip(metrics["route_id"], metrics["name"], strict=True))
if not choices:
    st.info(_("No route matches these filters."))
    st.stop()

route_id = address.linked_control(
    st.selectbox,
    _("Route"),
    choices,
    shown=render.shown_as({r: names.get(r, r) for r in choices}),
    key="reconcile",
    default=choices[0],
    help=_("Central Mediterranean is the route with all three sources (UNHCR arrivals to Italy)."),
)
rec = cache.reconcile(f, route_id)
caption = render.source_caption(
    v, f, detections=True, arrivals=rec.arrival_sources, note=rec.note or None
)

st.header(rec.name)
view.render_summary(rec)

charts.render_figure(
    fg.make_coverage_figure(
        rec.sources,
        (f.date_from, f.date_to),
        (rec.overlap["first"], rec.overlap["last"]),
        label=rec.name,
    ),
    f,
    caption,
)
charts.render_figure(
    fg.make_reconcile_figure(rec.months, rec.medians, label=rec.name),
    f,
    caption,
)

st.subheader(_("Where the sources diverge"))
st.caption(divergence_rule_text())
view.render_divergence_table(rec)

st.subheader(_("Sources, windows, units and caveats"))
view.render_sources(rec)

st.download_button(
    _("Download the monthly table (CSV)"),
    render.csv_bytes(view.monthly_frame(rec)),
    file_name=f"reconcile_{route_id}_{render.filters_slug(f)}.csv",
    mime="text/csv",
    key="reconcile-csv",
)
