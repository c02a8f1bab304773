"""Routes: every route on the map, then one route in depth."""

from __future__ import annotations

import streamlit as st

from analytics import figures as fg
from i18n import _
from ui import address, cache, charts, render, snapshots, state

f = state.current_filters()
v = cache.vintages(f)
metrics = cache.route_metrics(f)

st.title(_("Routes"))
st.caption(_("Filters: {filters}").format(filters=render.describe(f)))

colour_by = address.linked_control(
    st.segmented_control,
    _("Colour routes by"),
    ["lethality", "route"],
    shown=render.shown_as({"lethality": _("Lethality"), "route": _("Route")}),
    help=_(
        "Lethality: dead and missing (IOM) per 1,000 detections (Frontex), where both cover "
        "the route."
    ),
    key="colour",
    default="lethality",
    required=True,
)
choices = render.route_choices(metrics, f)
names = dict(zip(metrics["route_id"], metrics["name"], strict=True))

if not choices:
    st.info(_("No route matches these filters."))
    st.stop()

route_id = address.linked_control(
    st.selectbox,
    _("Route in depth"),
    choices,
    shown=render.shown_as({r: names.get(r, r) for r in choices}),
    key="focus",
    default=choices[0],
)
render.render_deck(
    render.make_deck(render.route_map_layers(f, colour_by or "lethality", highlight=[route_id])),
    key="routes-map",
    alt=_(
        "Map of migration routes: line width by Frontex detections, colour by lethality or route."
    ),
)
render.render_route_legend(colour_by or "lethality", f)
snapshots.render_route_map_download(
    f, colour_by or "lethality", highlight=[route_id], key="routes-map-png"
)
render.show_caption(render.source_caption(v, f, detections=True), title=_("Map"))

charts.render_figure(
    fg.make_route_bars_figure(metrics, "dead_and_missing"),
    f,
    render.source_caption(v, f, note=_("Incidents on two routes count on both")),
)

fr = f.replace(routes=(route_id,))
label = names.get(route_id, route_id)
colour = fg.route_colour_map(
    [route_id], dict(zip(metrics["route_id"], metrics["colour"], strict=True))
)[route_id]
st.header(label)
arrival_ratio = cache.route_arrival_ratio(f, route_id)
if arrival_ratio is not None:
    render.render_arrival_ratio(arrival_ratio)
monthly = cache.incidents_by(fr, "none", "month")
charts.render_figure(
    fg.make_series_figure(
        monthly,
        cache.detections_by(fr, "none", "month"),
        label=label,
        colour=colour,
        data_end=f.date_to or cache.headline(fr)["last_date"],
    ),
    fr,
    render.source_caption(v, fr, detections=True),
)
left, right = st.columns(2)
with left:
    charts.render_figure(
        fg.make_causes_figure(cache.incidents_by(fr, "cause", None), label=label),
        fr,
        render.source_caption(v, fr),
    )
with right:
    charts.render_figure(
        fg.make_seasonality_figure(monthly, label=label, span=render.data_span(f)),
        fr,
        render.source_caption(v, fr),
    )
charts.render_figure(
    fg.make_nationalities_figure(
        cache.detections_by(fr, "nationality", None),
        cache.origin_deaths(fr).rename(columns={"iso3": "key"}),
        names=cache.country_names(),
        label=label,
    ),
    fr,
    render.source_caption(
        v,
        fr,
        detections=True,
        note=_(
            "Origins are unknown for many of the dead and missing; an incident with k origins "
            "counts 1/k for each"
        ),
    ),
)
charts.render_figure(
    fg.make_lethality_figure(cache.lethality(f, route_id), label=label, colour=colour),
    fr,
    render.source_caption(
        v,
        fr,
        detections=True,
        note=_(
            "Region, cause and source-quality filters restrict the dead and missing, not the "
            "detections"
        ),
    ),
)
