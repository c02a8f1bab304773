"""Charts on a page: a figure with its caption and downloads, and the country card.

Kept apart from :mod:`ui.render` so that the download buttons (:mod:`ui.snapshots`, which
uses the caption builders of :mod:`ui.render`) and the render helpers import each other in
one direction only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

import i18n
from analytics.catalogue import NO_DATA, label_with_unit, measure
from analytics.figures import figure_alt, figure_name, figure_title, make_series_figure
from data.filters import Filters, Vintages
from i18n import _
from ui import cache, render, snapshots


def render_figure(fig: go.Figure, f: Filters, caption: str | None = None) -> None:
    """Draw a figure with the house config, its alt text and a caption."""
    st.plotly_chart(
        fig,
        theme=None,
        config=render.plotly_config(figure_name(fig), f),
        alt=figure_alt(fig) or None,
    )
    if caption:
        render.show_caption(caption, title=figure_title(fig))
    snapshots.render_download_buttons(fig, None, str(caption or ""), f)


def render_country_card(
    scores: pd.DataFrame,
    iso3: str | None,
    kind: str,
    f: Filters,
    v: Vintages,
    weights: Sequence[tuple[str, float]] = (),
    labels: Mapping[str, str] | None = None,
) -> None:
    """Country card: score, why this rank, routes used, components, trend and OC Index."""
    if not iso3:
        return
    # The country's row by position (a filtered copy of the sixty-column table cost several
    # milliseconds on every rerun).
    hit = np.flatnonzero(scores["iso3"].to_numpy(dtype=object) == iso3)
    if not len(hit):
        return
    row = scores.iloc[int(hit[0])]
    name = str(row["name"])
    with st.container(border=True):
        st.subheader(name)
        c = st.columns(4)
        score = row.get("score")
        c[0].metric(
            _("Score"),
            _("not ranked")
            if pd.isna(score)
            else _("{score} / 100").format(score=i18n.fmt_number(float(score))),
        )
        rank = row.get("rank")
        of = row.get("ranked_of")
        c[1].metric(
            _("Rank"),
            "-"
            if pd.isna(rank)
            else _("{rank} of {of}").format(rank=int(rank), of=int(of))
            if not pd.isna(of)
            else f"{int(rank)}",
        )
        c[2].metric(_("Data confidence"), render.capitalise(_(str(row.get("confidence", "low")))))
        inc = row.get("incidents")
        c[3].metric(_("Incidents"), measure("incidents").format(inc))
        render_evidence_markers(row.to_dict())
        st.markdown("**" + _("Why this rank") + "**")
        why = row.get("why")
        st.write(str(why))
        routes_used = row.get("top_routes")
        if isinstance(routes_used, str) and routes_used:
            st.markdown("**" + _("Routes used") + "**")
            st.write(routes_used)
        left, right = st.columns([3, 2])
        with left:
            inc_s, det_s = render.country_series(f, kind, iso3)
            render_figure(
                make_series_figure(inc_s, det_s, label=name, period="year"),
                f,
                render.source_caption(v, f, detections=kind == "origin"),
            )
        with right:
            if weights:
                st.markdown("**" + _("Components") + "**")
                st.dataframe(
                    render.component_table(row, weights, labels or {}, kind),
                    hide_index=True,
                    column_config={
                        _("Scaled (0-100)"): st.column_config.ProgressColumn(
                            min_value=0, max_value=100, format="%.0f"
                        ),
                        _("Points in score"): st.column_config.NumberColumn(format="%.1f"),
                        _("Weight"): st.column_config.NumberColumn(format="%.2f"),
                    },
                )
            render_refugee_population(f, iso3)
            oc = render.country_indicators(iso3, [k for k, _ in render.OC_INDICATORS])
            st.markdown("**" + _("Organized Crime Index (GI-TOC, 1-10)") + "**")
            if all(val is None for val in oc.values()):
                st.caption(_("No Organized Crime Index loaded for this country."))
            else:
                oc_cols = st.columns(len(render.OC_INDICATORS))
                for col, (key, lab) in zip(oc_cols, render.OC_INDICATORS, strict=True):
                    val = oc.get(key)
                    col.metric(_(lab), _(NO_DATA) if val is None else i18n.fmt_number(val, 1))


def render_evidence_markers(row: Mapping[str, object]) -> None:
    """Visible warnings beside a score: driven by one incident, low confidence, unscored."""
    from geo import layers as gl

    status = gl.evidence_status(row)
    one = gl.driven_by_one_text(row)
    if one:
        share = row.get("largest_incident_share")
        text = (
            _("Driven by one incident: {share} from its largest incident").format(
                share=i18n.fmt_percent(float(share) * 100)  # type: ignore[arg-type]
            )
            if share is not None and not pd.isna(share)
            else _("Driven by one incident")
        )
        st.warning(
            _("{driven}: one shipwreck or event can carry this rank.").format(driven=text),
            icon=":material/flag:",
        )
    if status == "low":
        st.caption(
            _(
                "Low confidence: few incidents, low source quality or few components with "
                "data. The country is faded on the map and hatched on the map PNG."
            )
        )
    elif status == "insufficient":
        st.caption(_("Too little data to score: grey on the map, hatched on the map PNG."))


def render_refugee_population(f: Filters, iso3: str) -> None:
    """Refugees and asylum-seekers originating from the country (UNHCR, persons)."""
    m = measure("refugee_population_origin")
    pop = cache.refugee_population(f, iso3)
    label, unit = _(m.label), _(m.unit)
    st.markdown(f"**{label}**")
    year = pop.get("year")
    if year is None:
        st.metric(label_with_unit(label, unit), m.format(None))
        st.caption(_("No UNHCR population figure for this country under these filters."))
        return
    when = (_("End-{year}, provisional") if pop.get("provisional") else _("End-{year}")).format(
        year=year
    )
    st.metric(
        f"{when} ({unit})",
        m.format(pop.get("refugee_population_origin")),
        help=_(m.caveat),
    )
    st.caption(
        _(
            "Refugees {refugees}, asylum-seekers {asylum_seekers} (persons). UNHCR Refugee "
            "Data Finder ({vintage}). A population, not a flow: not comparable with deaths or "
            "detections."
        ).format(
            refugees=m.format(pop.get("refugees")),
            asylum_seekers=m.format(pop.get("asylum_seekers")),
            vintage=render.vintage_label(str(pop.get("source_id"))) or pop.get("source_id"),
        )
    )
