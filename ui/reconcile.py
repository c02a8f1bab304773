"""Render helpers of the Reconcile sources page: summary metrics and the tables."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.catalogue import NO_DATA, SOURCE_NAMES, measure
from analytics.reconcile import COUNTS, RATIOS, STATUS_COLUMNS
from i18n import N_, _, fmt_number, join_list, month_year
from services.reconcile import Reconciliation

#: Source names short enough for a metric (translated where shown: OIM, HCR in French).
SHORT_NAMES = {"mmp": N_("IOM"), "frontex": "Frontex", "unhcr-arrivals": N_("UNHCR")}


def render_summary(rec: Reconciliation) -> None:
    """Four metrics: months all sources cover, detections per arrival over them, months
    that diverge, sources silent throughout.

    Each metric is as wide as its label or value and the row wraps when they do not fit: in
    four equal columns French cut "pas de données" to "pas de donn…" and the detections
    label too, and "no data" must read as "no data", whole, never a 0 or a stub.
    """
    o = rec.overlap
    row = st.container(horizontal=True, gap="large", key="reconcile-summary")
    row.metric(
        _("Months all three sources cover"),
        fmt_number(o["months"]),
        help=_("Whole months inside the IOM, Frontex and UNHCR windows and the period."),
        width="content",
    )
    row.metric(
        _("Detections per arrival"),
        measure("detections_per_arrival").format(o.get("detections_per_arrival")),
        help=_(
            "Frontex detections per UNHCR sea arrival over the months all three sources "
            "cover: total detections / total arrivals."
        )
        + " "
        + _(measure("detections_per_arrival").caveat),
        width="content",
    )
    months_div = rec.months.loc[rec.months["diverges"] != "", "month"]
    row.metric(
        _("Months where a ratio diverges"),
        _("{n} of {total}").format(
            n=fmt_number(len(months_div)), total=fmt_number(len(rec.months))
        ),
        width="content",
    )
    silent = [
        _(SHORT_NAMES[k]) for k, col in STATUS_COLUMNS.items() if (rec.months[col] == NO_DATA).all()
    ]
    row.metric(
        _("Silent sources"),
        ", ".join(silent) if silent else _("none"),
        help=_("Sources with no data at all for this route and period (see the coverage strip): ")
        + join_list(f"{_(SHORT_NAMES[k])}: {_(SOURCE_NAMES[k])}" for k in STATUS_COLUMNS),
        width="content",
    )


#: What the numerator and denominator of a ratio count, in a table cell.
_COUNT_WORDS = {
    "dead_and_missing": N_("dead and missing (IOM)"),
    "detections": N_("detections (Frontex)"),
    "arrivals": N_("arrivals (UNHCR)"),
}
#: The divergence table's columns (translated where shown).
_DIVERGENCE_COLUMNS = (
    N_("Month"),
    N_("Ratio"),
    N_("Value"),
    N_("Route median"),
    N_("Times the median"),
    N_("From"),
)


def divergence_frame(rec: Reconciliation) -> pd.DataFrame:
    """The divergence table as a reader sees it (formatted by the catalogue): detections per
    arrival first (two counts of the same crossings), then the deaths ratios, by month."""
    order = {rid: i for i, rid in enumerate(RATIOS)}
    div = rec.divergence.assign(_o=rec.divergence["measure"].map(order)).sort_values(
        ["_o", "month"]
    )
    rows = []
    for r in div.to_dict("records"):
        m = measure(str(r["measure"]))
        num, den = RATIOS[str(r["measure"])][:2]
        rows.append(
            [
                month_year(pd.Timestamp(r["month"]).date(), short=True),
                _(m.label),
                m.format(r["value"]),
                m.format(r["median"]),
                fmt_number(float(r["times_median"]), 2),
                f"{measure(num).format(r['numerator'])} {_(_COUNT_WORDS[num])} / "
                f"{measure(den).format(r['denominator'])} {_(_COUNT_WORDS[den])}",
            ]
        )
    return pd.DataFrame(rows, columns=[_(c) for c in _DIVERGENCE_COLUMNS])


def render_divergence_table(rec: Reconciliation) -> None:
    """The flagged months, or why there are none."""
    df = divergence_frame(rec)
    if df.empty:
        defined = [rid for rid, med in rec.medians.items() if med is not None]
        st.info(
            _("No month diverges under the rule.")
            if defined
            else _(
                "Too few months with two sources to compare for a median: no divergence can "
                "be judged."
            )
        )
        return
    st.dataframe(df, hide_index=True, width="stretch")


def sources_frame(rec: Reconciliation) -> pd.DataFrame:
    """One row per source: name, citation, window, measures and units, caveat."""
    s = rec.sources
    return pd.DataFrame(
        {
            _("Source"): [_(str(x)) for x in s["source"]],
            _("Window for this route"): s["window"],
            _("Measures and units"): s["unit"],
            _("Caveat"): s["caveat"],
            _("Citation"): [c or _(NO_DATA) for c in s["citation"]],
        }
    )


def render_sources(rec: Reconciliation) -> None:
    st.dataframe(sources_frame(rec), hide_index=True, width="stretch")
    if rec.note:
        st.caption(rec.note)


def monthly_frame(rec: Reconciliation) -> pd.DataFrame:
    """The monthly table for the CSV: values (empty where a source is silent), statuses,
    ratios and the divergence flags, with unit-bearing column names."""
    m = rec.months
    out = pd.DataFrame({"month": [f"{pd.Timestamp(x):%Y-%m}" for x in m["month"]]})
    for mid, kind in COUNTS:
        out[mid] = m[mid]
        col = STATUS_COLUMNS[kind]
        if col not in out:
            out[col] = m[col]
    for rid in RATIOS:
        out[rid] = m[rid]
    out["silent_sources"] = m["silent"]
    out["diverges"] = m["diverges"]
    return out
