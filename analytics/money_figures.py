"""Charts for "Follow the money": revenue bands by route over time, and leg shares.

Pure builders (DataFrame -> ``go.Figure``) with the house template of :mod:`analytics.figures`.
Every revenue value is drawn as a range (a filled band from low to high), never one line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from analytics.catalogue import measure
from analytics.figures import Layout, _empty, _figure, _scope
from analytics.money import BASE_CURRENCY, PRICE_YEAR, format_eur, format_range
from analytics.theme import OTHER_COLOUR, hex_to_rgb
from i18n import _, fmt_number, fmt_percent, join_list, route_name
from i18n.names import leg_name

#: Half the width of one year's step in the band (years are drawn as steps, not points, so
#: a year with a fee between two without stays visible instead of vanishing into a line).
HALF_YEAR = 0.5


def revenue_unit() -> str:
    """``"EUR (2024 prices)"`` in the reader's language (:data:`analytics.money.REVENUE_UNIT`)."""
    return _("{currency} ({year} prices)").format(currency=BASE_CURRENCY, year=PRICE_YEAR)


def _share_range(low: float, high: float) -> str:
    """``"12-15%"`` / ``"12-15 %"`` (two 0-1 shares)."""
    return f"{fmt_number(low * 100)}-{fmt_percent(high * 100)}"


def _rgba(colour: str, alpha: float) -> str:
    r, g, b = hex_to_rgb(colour)[:3]
    return f"rgba({r},{g},{b},{alpha})"


def _runs(years: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for y in years:
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return runs


def make_revenue_band_figure(
    revenue: pd.DataFrame, colours: Mapping[str, str] | None = None, label: str = ""
) -> go.Figure:
    """Smugglers' gross revenue by route and year: one filled low-high band per route.

    Parameters
    ----------
    revenue : DataFrame
        Rows of :func:`analytics.money.compute_revenue` that hold a range, with ``name`` and
        ``partial`` (see :class:`services.money.MoneyTables`).
    colours : mapping, optional
        Route id -> colour.
    """
    m = measure("smuggling_revenue")
    chart = "smuggling-revenue-by-route"
    subtitle = _(
        "{measure}, {unit}: persons x share that used a smuggler x cited fee, "
        "only in years with a cited fee; log scale"
    ).format(measure=_(m.label), unit=revenue_unit())
    df = revenue.dropna(subset=["revenue_low_eur", "revenue_high_eur"])
    df = df[df["revenue_high_eur"] > 0].sort_values(["route_id", "year"])
    if df.empty:
        return _empty(
            chart,
            _("{label}: no route-year has both a count and a cited fee").format(
                label=_scope(label)
            ),
            subtitle,
        )
    if "name" in df:
        df = df.assign(name=[route_name(str(n)) for n in df["name"]])
    colours = colours or {}
    traces: list[dict[str, Any]] = []
    for rid, g in df.groupby("route_id", sort=False):
        name = str(g["name"].iloc[0]) if "name" in g else str(rid)
        colour = colours.get(str(rid), OTHER_COLOUR)
        rows = {int(r["year"]): r for r in g.to_dict("records")}
        xs: list[float | None] = []
        ys: list[float | None] = []
        for run in _runs(sorted(rows)):
            top_x: list[float] = []
            top_y: list[float] = []
            bot_y: list[float] = []
            for y in run:
                # Consecutive years meet at the year boundary in a vertical step.
                top_x += [y - HALF_YEAR, y + HALF_YEAR]
                top_y += [rows[y]["revenue_high_eur"]] * 2
                bot_y += [max(rows[y]["revenue_low_eur"], 1.0)] * 2
            xs += [*top_x, *reversed(top_x), top_x[0], None]
            ys += [*top_y, *reversed(bot_y), top_y[0], None]
        traces.append(
            {
                "type": "scatter",
                "x": xs,
                "y": ys,
                "mode": "lines",
                "fill": "toself",
                "fillcolor": _rgba(colour, 0.45),
                "line": {"color": colour, "width": 2},
                "name": name,
                "legendgroup": str(rid),
                "hoverinfo": "skip",
            }
        )
        # Invisible points at each year's centre carry the hover text (a range, never a point).
        partial = g["partial"] if "partial" in g else pd.Series(False, index=g.index)
        traces.append(
            {
                "type": "scatter",
                "x": g["year"].tolist(),
                "y": g["revenue_high_eur"].tolist(),
                "mode": "markers",
                "marker": {
                    "size": 13,
                    # An open symbol is stroked in the marker colour: dark for a partial year.
                    "color": ["#333333" if p else "rgba(0,0,0,0)" for p in partial],
                    "symbol": ["circle-open" if p else "circle" for p in partial],
                    "line": {
                        "color": ["#333333" if p else "rgba(0,0,0,0)" for p in partial],
                        "width": 2,
                    },
                },
                "showlegend": False,
                "legendgroup": str(rid),
                "name": name,
                "text": [
                    _("{route} {year}: {range}").format(
                        route=name,
                        year=int(r["year"]),
                        range=format_range(r["revenue_low_eur"], r["revenue_high_eur"]),
                    )
                    + (
                        _(" ({n} months)").format(n=int(r["months"]))
                        if bool(r.get("partial"))
                        else ""
                    )
                    for r in g.to_dict("records")
                ],
                "hovertemplate": "%{text}<extra></extra>",
            }
        )
    top = df.sort_values("revenue_high_eur", ascending=False).iloc[0]
    title = _("{route} {year}: the largest estimate, {range}").format(
        route=top["name"],
        year=int(top["year"]),
        range=format_range(top["revenue_low_eur"], top["revenue_high_eur"]),
    )
    if bool(df.get("partial", pd.Series(False)).any()):
        subtitle += _("; open circles: years only partly covered")
    years = sorted(int(y) for y in df["year"].unique())
    layout: Layout = {
        "xaxis": {
            "tickmode": "array",
            "tickvals": years,
            "range": [years[0] - 0.9, years[-1] + 0.9],
        },
        "yaxis": {
            "title": {"text": _("{unit}, log scale").format(unit=revenue_unit())},
            "type": "log",
        },
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
    }
    alt = _("Range chart of smugglers' gross revenue by route and year: {values}").format(
        values=join_list(
            f"{r['name']} {int(r['year'])} "
            f"{format_range(r['revenue_low_eur'], r['revenue_high_eur'])}"
            for r in df.to_dict("records")
        )
    )
    return _figure(traces, layout, chart=chart, title=title, subtitle=subtitle, alt=alt, height=460)


def make_leg_shares_figure(legs: pd.DataFrame) -> go.Figure:
    """The share of a whole-journey fee that each stated leg or toll takes (range bars).

    Parameters
    ----------
    legs : DataFrame
        From :func:`analytics.money.compute_leg_shares`.
    """
    m = measure("leg_fee_share")
    chart = "leg-fee-shares"
    subtitle = _(
        "{measure}: the leg's fee over the whole journey's fee, both cited, as a range"
    ).format(measure=_(m.label))
    if legs.empty:
        return _empty(
            chart, _("No leg of a whole-journey fee is cited for these filters"), subtitle
        )
    df = legs.sort_values(["year", "route_id"]).iloc[::-1]
    labels = [
        f"{leg_name(r['part_leg'])}<br><span style='font-size:0.8em'>"
        + _("of {whole}, {year}").format(whole=leg_name(r["whole_leg"]), year=int(r["year"]))
        + "</span>"
        for r in df.to_dict("records")
    ]
    text = [
        fmt_percent(r["share_low"] * 100)
        if abs(r["share_high"] - r["share_low"]) < 0.005
        else _share_range(r["share_low"], r["share_high"])
        for r in df.to_dict("records")
    ]
    width = [max(h - lo, 0.006) for lo, h in zip(df["share_low"], df["share_high"], strict=True)]
    bar = {
        "type": "bar",
        "orientation": "h",
        "base": df["share_low"].tolist(),
        "x": width,
        "y": labels,
        "marker": {"color": "#6A3D9A"},
        "text": text,
        "textposition": "outside",
        "cliponaxis": False,
        "name": _("Share of the whole fee"),
        "customdata": [
            [
                format_eur(r["part_low_eur"]),
                format_eur(r["part_high_eur"]),
                format_eur(r["whole_low_eur"]),
                format_eur(r["whole_high_eur"]),
            ]
            for r in df.to_dict("records")
        ],
        "hovertemplate": _(
            "%{text} of the whole fee<br>leg %{customdata[0]} to %{customdata[1]}"
            "<br>whole %{customdata[2]} to %{customdata[3]}"
        )
        + "<extra></extra>",
    }
    lead = legs.sort_values("share_high", ascending=False).iloc[0]
    title = _("{leg}: {share} of the whole-journey fee").format(
        leg=leg_name(lead["part_leg"]), share=_share_range(lead["share_low"], lead["share_high"])
    )
    layout: Layout = {
        "xaxis": {
            "title": {"text": _("Share of the whole fee")},
            "tickformat": ".0%",
            "range": [0, 1.08],
        },
        "yaxis": {"automargin": True},
        "showlegend": False,
    }
    alt = _("Bar chart of the share of a whole-journey fee each leg takes: {values}").format(
        values=join_list(
            f"{leg_name(r['part_leg'])} ({int(r['year'])}) {t}"
            for r, t in zip(df.to_dict("records"), text, strict=True)
        )
    )
    return _figure(
        [bar],
        layout,
        chart=chart,
        title=title,
        subtitle=subtitle,
        alt=alt,
        height=160 + 70 * len(df),
    )
