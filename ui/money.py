"""Render helpers for the "Follow the money" page: controls, map, tables and caveats."""

from __future__ import annotations

import pandas as pd
import pydeck as pdk
import streamlit as st

from analytics.catalogue import NO_DATA, measure
from analytics.money import PERSONS_BASES, STATUS_OK, format_fee, format_range
from data.filters import Filters
from i18n import N_, _, fmt_number, fmt_percent, join_list, route_name
from services.money import CAVEATS, MoneyTables
from ui import address, cache, render

#: The cited default of ``smuggler_use_share.csv`` for EU routes (Europol: "more than 90%").
DEFAULT_SHARE = (0.9, 1.0)
K_PERSONS = "persons"
K_SHARE = "share"
#: The persons-moved choices as the control shows them (translated where shown).
PERSONS_LABELS = {
    "detections": N_("Frontex detections"),
    "arrivals": N_("UNHCR sea arrivals"),
}


def persons_control() -> str:
    """The persons-moved choice (kept in the URL): ``detections`` or ``arrivals``."""
    return (
        address.linked_control(
            st.segmented_control,
            _("Persons moved"),
            list(PERSONS_BASES),
            shown=render.shown_as({k: _(v) for k, v in PERSONS_LABELS.items()}),
            key=K_PERSONS,
            default="detections",
            required=True,
            help=_(
                "Detections are border-crossing events, not persons. UNHCR arrivals are persons "
                "landed in Italy (Central Mediterranean only)."
            ),
        )
        or "detections"
    )


def share_control() -> tuple[float, float] | None:
    """The share-that-used-a-smuggler slider (a range, kept in the URL).

    Returns ``None`` at the cited default (each route takes its own cited range; a route with
    none has no estimate), else the user's range for every route.
    """
    value = st.slider(
        _("Share that used a smuggler"),
        0.0,
        1.0,
        DEFAULT_SHARE,
        0.05,
        key=K_SHARE,
        bind="query-params",
        format="percent",
        help=_(
            "Default 90-100%: Europol's 2015 statements that more than 90% of migrants reaching "
            "the EU used a smuggler (smuggler_use_share.csv). Moving it applies one range to "
            "every route."
        ),
    )
    lo, hi = (float(value[0]), float(value[1]))
    if (round(lo, 2), round(hi, 2)) == DEFAULT_SHARE:
        return None
    return lo, hi


def revenue_caption(f: Filters, t: MoneyTables, note: str | None = None) -> str:
    """The caption under a revenue chart or map (:func:`analytics.figures.source_caption`)."""
    v = cache.vintages(f)
    fees = _(
        "Fees: RouteWatch fee table (cited, docs/money.md); EUR at 2024 prices (ECB rates, "
        "US CPI-U)"
    )
    persons = (
        _("Persons: UNHCR sea arrivals to Italy")
        if t.persons_basis == "arrivals"
        else _("Persons: Frontex detections")
    )
    parts = [persons, fees, note] if note else [persons, fees]
    return render.source_caption(
        v,
        f,
        incidents=False,
        detections=t.persons_basis == "detections",
        note=join_list(p for p in parts if p),
    )


def revenue_map(t: MoneyTables) -> pdk.Deck:
    """Routes over the offline basemap, line width by the upper revenue estimate."""
    from geo import layers as gl

    routes = cache.routes()
    routes = routes[routes["route_id"] != "unclassified"]
    wps = cache.waypoints()
    names = dict(zip(routes["route_id"], routes["name"], strict=True))
    return render.make_deck(
        [gl.build_revenue_route_layer(routes, wps, t.totals), gl.build_waypoint_layer(wps, names)]
    )


def render_revenue_table(t: MoneyTables) -> None:
    """Every route-year in scope: the ranges first, then (folded) why the others have none."""
    if t.revenue.empty:
        st.info(_("No route-year in scope has a persons count or a cited fee."))
        return
    ok = t.revenue["status"] == STATUS_OK
    cfg = {
        _("Persons"): st.column_config.NumberColumn(format="localized"),
    }
    st.dataframe(_revenue_frame(t.revenue[ok]), hide_index=True, width="stretch", column_config=cfg)
    if (~ok).any():
        n = int((~ok).sum())
        with st.expander(_("{n} route-years with no estimate, and why").format(n=fmt_number(n))):
            st.dataframe(
                _revenue_frame(t.revenue[~ok]),
                hide_index=True,
                width="stretch",
                column_config=cfg,
            )


def _revenue_frame(r: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            _("Route"): [route_name(str(x)) for x in r["name"]],
            _("Year"): r["year"].astype(int),
            _(measure("smuggling_revenue").label): [
                format_range(lo, hi)
                for lo, hi in zip(r["revenue_low_eur"], r["revenue_high_eur"], strict=True)
            ],
            _("Persons"): r["persons"],
            _("Months counted"): r["months"],
            _("Share"): [
                f"{fmt_percent(lo * 100)}-{fmt_percent(hi * 100)}" if pd.notna(lo) else _(NO_DATA)
                for lo, hi in zip(r["share_low"], r["share_high"], strict=True)
            ],
            _("Fee per person (EUR 2024)"): [
                format_fee(lo, hi)
                for lo, hi in zip(r["fee_low_eur"], r["fee_high_eur"], strict=True)
            ],
            _("Fee rows"): r["fee_ids"].fillna(""),
            _("Status"): [_(str(x)) for x in r["status"]],
        }
    )


def render_fee_table(t: MoneyTables) -> None:
    """The cited fee rows in scope, with their source and locator."""
    fees = t.fees
    if fees.empty:
        st.info(_("No cited fee for the routes and years in scope."))
        return
    table = pd.DataFrame(
        {
            _("Fee row"): fees["fee_id"],
            _("Route"): fees["route_id"],
            _("Leg"): fees["leg"],
            _("Kind"): fees["fee_kind"],
            _("Year"): fees["year"].astype(int),
            _("As reported"): [
                f"{c} {fmt_number(lo)}" if lo == hi else f"{c} {fmt_number(lo)}-{fmt_number(hi)}"
                for c, lo, hi in zip(
                    fees["currency"], fees["fee_low"], fees["fee_high"], strict=True
                )
            ],
            _("EUR (2024 prices)"): [
                format_fee(lo, hi)
                for lo, hi in zip(fees["fee_low_eur"], fees["fee_high_eur"], strict=True)
            ],
            _("Source"): fees["publisher"],
            _("Where"): fees["locator"],
            _("Link"): fees["url"],
        }
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={_("Link"): st.column_config.LinkColumn(_("Link"), display_text=_("open"))},
    )


def render_caveats(t: MoneyTables) -> None:
    """The caveats of every estimate on the page, and the notes for this selection."""
    st.markdown("\n".join(f"- {_(c)}" for c in (*t.notes, *CAVEATS)))
