"""Overview: headline figures, key messages, alerts, and a map of routes and incidents."""

from __future__ import annotations

import streamlit as st

import i18n
from analytics import figures as fg
from i18n import _
from ui import cache, charts, render, snapshots, state

f = state.current_filters()
v = cache.vintages(f)

st.title(_("Overview"))
st.caption(_("Filters: {filters}").format(filters=render.describe(f)))

h = cache.headline(f)
render.render_headline(cache.headline_figures(f))

# Key messages and alerts are the slowest analysis: their slot is kept here, filled last.
messages_slot = st.container()

st.subheader(_("Routes and incidents"))
opts = render.render_map_controls("map")
map_layer, hexagons = render.incident_map_layer(f)
top = None if opts.all_routes else render.top_route_ids(f)
view = render.fitted_view(f, render.incident_positions(f, hexagons), height_px=560)
layers = []
if "incidents" in opts.layers:
    layers.append(map_layer)
if "routes" in opts.layers:
    layers += render.route_map_layers(f, "route", coloured=top)
if "labels" in opts.layers:
    layers.append(render.label_layer(view, 560, i18n.get_lang()))
render.render_deck(
    render.make_deck(layers, view),
    key="overview-map",
    height=560,
    alt=_(
        "Map of migration routes (the routes with the most dead and missing in colour, others "
        "grey), width by detections, over incidents of dead and missing, with country and sea "
        "names."
    ),
)
if "incidents" in opts.layers:
    render.render_incident_legend(f, hexagons)
if "routes" in opts.layers:
    render.render_route_legend("route", f, top)
snapshots.render_route_map_download(
    f,
    "route",
    with_incidents="incidents" in opts.layers,
    key="overview-map-png",
    view=view,
    coloured=top,
    labels="labels" in opts.layers,
    show_routes="routes" in opts.layers,
)
render.show_caption(render.source_caption(v, f, detections=True), title=_("Map"))

left, right = st.columns(2)
with left:
    charts.render_figure(
        fg.make_monthly_figure(
            cache.incidents_by(f, "none", "month"),
            label=render.scope_label(f),
            data_end=f.date_to or h["last_date"],
        ),
        f,
        render.source_caption(v, f),
    )
with right:
    charts.render_figure(
        fg.make_route_bars_figure(cache.route_metrics(f), "dead_and_missing", top=10),
        f,
        render.source_caption(v, f, note=_("Incidents on two routes count on both")),
    )

with messages_slot:
    col_msg, col_alert = st.columns([3, 2])
    with col_msg:
        st.subheader(_("Key messages"))
        render.render_sentences(cache.key_messages(f, 5), _("No key messages for these filters."))
    with col_alert:
        st.subheader(_("Alerts"))
        st.caption(
            _(
                "Latest month and quarter against the same months a year before and the "
                "12-month average: exact test on incidents, quasi-Poisson test on dead and "
                "missing."
            )
        )
        render.render_sentences(
            cache.alerts(f),
            _("No route or country changed beyond chance in the latest months."),
        )
        st.subheader(_("On watch"))
        st.caption(
            _(
                "Beyond chance against one reference only, or a recent fall the reporting "
                "delay may explain: worth watching, not alerts."
            )
        )
        render.render_sentences(cache.watch(f), _("Nothing on watch."))
