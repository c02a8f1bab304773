"""The data behind a pack's charts, for native (editable) PowerPoint charts.

A :class:`ChartSpec` is what PowerPoint needs to draw a chart itself and embed its data: the
chart type, the categories, the named series of values, the axis titles and the number
format. :func:`chart_specs` reads it from a house figure (:mod:`analytics.figures`), so every
chart the pack shows, including charts added later, gets its native form from the same
numbers as its picture. Charts with no native form (maps) have no spec and stay pictures.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from i18n import month_year

#: Chart kinds: vertical bars, horizontal bars, stacked horizontal bars, lines.
CHART_KINDS: tuple[str, ...] = ("column", "bar", "bar_stacked", "line")


@dataclass(frozen=True)
class ChartSeries:
    """One named series of values (``None`` is no data, never 0), with optional colours:
    one for the series or one per point."""

    name: str
    values: tuple[float | None, ...]
    colour: str = ""
    point_colours: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChartSpec:
    """A chart as data: ``kind`` (one of :data:`CHART_KINDS`), the categories (bottom to
    top for horizontal bars, as in the figure), the series, the axis titles and the Excel
    number format of the values."""

    kind: str
    categories: tuple[str, ...]
    series: tuple[ChartSeries, ...]
    title: str = ""
    category_title: str = ""
    value_title: str = ""
    number_format: str = "#,##0"
    data_labels: bool = False


def _label(v: Any) -> str:
    if isinstance(v, (pd.Timestamp, dt.datetime, dt.date)):
        return f"{v:%b %Y}"
    return str(v).replace("<br>", " ")


_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]00:00:00)?$")


def _labels(values: list[Any]) -> list[str]:
    """Category labels; dates (plotly keeps them as ISO strings) as ``Jan 2024`` when all fall
    on the first of a month, else ``5 Jan 2024``."""
    values = [str(v) if isinstance(v, np.datetime64) else v for v in values]
    if values and all(isinstance(v, str) and _ISO_DAY.match(v) for v in values):
        days = [dt.date.fromisoformat(v[:10]) for v in values]
        monthly = all(d.day == 1 for d in days)
        return [
            month_year(d, short=True) if monthly else f"{d.day} {month_year(d, short=True)}"
            for d in days
        ]
    return [_label(v) for v in values]


def _value(v: Any) -> float | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(x) else x


def _seq(v: Any) -> list[Any]:
    """A trace's array property (tuple, list, numpy array or None) as a list."""
    if v is None or isinstance(v, str):
        return []
    return list(v)


def _axis_title(layout: Any, axis: str) -> str:
    ax = layout[axis] if axis in layout else None
    text = ax.title.text if ax is not None and ax.title is not None else None
    return str(text or "").replace("<br>", " ")


def _panel_title(fig: go.Figure, xaxis: str) -> str:
    """The annotation centred over the panel of ``xaxis`` (two-panel figures)."""
    key = "xaxis" if xaxis == "x" else f"xaxis{xaxis[1:]}"
    dom = fig.layout[key].domain if key in fig.layout else None
    if dom is None:
        return ""
    lo, hi = float(dom[0]), float(dom[1])
    for a in fig.layout.annotations or ():
        if a.xref == "paper" and a.x is not None and lo <= float(a.x) <= hi and a.text:
            return str(a.text).replace("<br>", " ")
    return ""


def chart_specs(fig: go.Figure) -> tuple[ChartSpec, ...]:
    """The native-chart specs of a figure: one per panel (a pair of axes) that holds bars or
    lines; text-only traces (value labels) are left out. ``()`` when nothing is charted
    (an empty-data figure, a map).

    Returns
    -------
    tuple of ChartSpec
    """
    panels: dict[tuple[str, str], list[Any]] = {}
    for t in fig.data:
        if t.type == "bar" or (t.type == "scatter" and "lines" in str(t.mode or "lines")):
            key = (str(getattr(t, "xaxis", None) or "x"), str(getattr(t, "yaxis", None) or "y"))
            panels.setdefault(key, []).append(t)
    n_panels = len(panels)
    out: list[ChartSpec] = []
    for (xa, ya), traces in panels.items():
        horizontal = all(getattr(t, "orientation", None) == "h" for t in traces)
        cat_attr, val_attr = ("y", "x") if horizontal else ("x", "y")
        cats = _labels(_seq(getattr(traces[0], cat_attr)))
        series: list[ChartSeries] = []
        for t in traces:
            t_cats = _labels(_seq(getattr(t, cat_attr)))
            by_cat = dict(
                zip(t_cats, (_value(v) for v in _seq(getattr(t, val_attr))), strict=False)
            )
            for c in t_cats:
                if c not in cats:
                    cats.append(c)
            colour = t.marker.color if t.type == "bar" else (t.line.color if t.line else None)
            colours = [] if isinstance(colour, str) else _seq(colour)
            point = tuple(str(c) for c in colours) if len(colours) == len(t_cats) else ()
            series.append(
                ChartSeries(
                    name=str(t.name or ""),
                    values=tuple(by_cat.get(c) for c in cats),
                    colour=str(colour) if isinstance(colour, str) else "",
                    point_colours=point,
                )
            )
        # every series over the same categories
        series = [
            s
            if len(s.values) == len(cats)
            else ChartSeries(s.name, s.values + (None,) * (len(cats) - len(s.values)), s.colour)
            for s in series
        ]
        if all(v is None for s in series for v in s.values):
            continue
        bars = all(t.type == "bar" for t in traces)
        stacked = bars and len(traces) > 1 and fig.layout.barmode in ("stack", "relative")
        kind = (
            ("bar_stacked" if stacked else "bar")
            if bars and horizontal
            else ("column" if bars else "line")
        )
        decimals = any(v is not None and v != round(v) for s in series for v in s.values)
        x_key = "xaxis" if xa == "x" else f"xaxis{xa[1:]}"
        y_key = "yaxis" if ya == "y" else f"yaxis{ya[1:]}"
        cat_title = _axis_title(fig.layout, y_key if horizontal else x_key)
        val_title = _axis_title(fig.layout, x_key if horizontal else y_key)
        out.append(
            ChartSpec(
                kind=kind,
                categories=tuple(cats),
                series=tuple(series),
                title=_panel_title(fig, xa) if n_panels > 1 else "",
                category_title=cat_title,
                value_title=val_title,
                number_format="#,##0.0" if decimals else "#,##0",
                data_labels=kind == "bar" and len(cats) <= 25,
            )
        )
    return tuple(out)


def spec_values(spec: ChartSpec) -> dict[str, dict[str, float | None]]:
    """``{series name: {category: value}}`` (for tests and the audit)."""
    return {s.name: dict(zip(spec.categories, s.values, strict=True)) for s in spec.series}


def series_names(specs: Sequence[ChartSpec]) -> list[str]:
    return [s.name for sp in specs for s in sp.series]
