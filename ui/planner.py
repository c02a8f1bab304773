"""The Prevention planner page's render helpers: one card per country, its downloads."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping

import pandas as pd
import streamlit as st

from analytics.catalogue import measure
from analytics.figures import figure_alt, figure_name
from analytics.planner import (
    SECTION_TITLES,
    PlanCard,
    card_sections,
    card_summary,
    make_seasonality_figure,
)
from data.filters import Filters
from export.planner import plan_csv, render_plan_pdf
from i18n import _, sort_key
from ui import render

#: The query-string key of the country multiselect.
PLAN_KEY = "plan"


def country_options(origin_table: pd.DataFrame) -> tuple[list[str], Mapping[str, str]]:
    """Every country with incidents or detections (ISO-3, by name) and the name lookup."""
    names = dict(zip(origin_table["iso3"], origin_table["name"], strict=True))
    return sorted(names, key=lambda k: (sort_key(names[k]), k)), names


def _section_html(title: str, lines: list[str]) -> str:
    """A section title and its sentences as HTML, every piece escaped (text from the data)."""
    items = "".join(f'<li style="margin-bottom:4px">{html.escape(x)}</li>' for x in lines)
    return (
        f'<div class="rw-plan-section"><div style="font-weight:600;margin-top:6px">'
        f"{html.escape(title)}</div>"
        f'<ul style="margin:2px 0 8px 1.1em;padding:0;line-height:1.4">{items}</ul></div>'
    )


def render_card(card: PlanCard, f: Filters, is_demo: bool) -> None:
    """One country's card: summary, the four sections, the seasonal chart and a PDF download."""
    with st.container(border=True, key=f"plan-card-{card.iso3}"):
        st.subheader(card.name)
        st.caption(card_summary(card))
        sections = card_sections(card)
        left, right = st.columns(2)
        for col, keys in ((left, ("who", "when")), (right, ("where", "what"))):
            with col:
                for key in keys:
                    st.html(_section_html(_(SECTION_TITLES[key]), sections[key]))
        fig = make_seasonality_figure(card)
        if fig.data:
            st.plotly_chart(
                fig,
                key=f"plan-season-{card.iso3}",
                theme=None,
                config=render.plotly_config(figure_name(fig), f),
                alt=figure_alt(fig) or None,
            )
        caveats = [
            _(measure(m).caveat)
            for m in ("detections_peak_month_share", "deaths_peak_month_share", "share_cause")
        ]
        st.caption(" ".join([*caveats, _("Sources: {sources}.").format(sources=card.sources)]))
        st.download_button(
            _("One-page PDF: {name}").format(name=card.name),
            data=lambda: render_plan_pdf(card, filters=render.describe(f), is_demo=is_demo),
            file_name=f"prevention_plan_{card.iso3}_{dt.date.today().isoformat()}.pdf",
            mime="application/pdf",
            key=f"plan-pdf-{card.iso3}",
            on_click="ignore",
            icon=":material/download:",
        )


def render_csv_download(cards: tuple[PlanCard, ...]) -> None:
    """Every card's rows as one CSV."""
    st.download_button(
        _("All cards as CSV rows"),
        data=lambda: plan_csv(cards),
        file_name=f"prevention_plan_{dt.date.today().isoformat()}.csv",
        mime="text/csv",
        key="plan-csv",
        on_click="ignore",
        icon=":material/download:",
    )
