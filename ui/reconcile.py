"""Render helpers of the Reconcile sources page: summary metrics and the tables."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from analytics.catalogue import NO_DATA, SOURCE_NAMES, measure
from analytics.reconcile import COUNTS, RATIOS, STATUS_COLUMNS
from services.reconcile import Reconciliation

#: Source names short enough for a metric.
SHORT_NAMES = {"mmp": "IOM", "frontex": "Frontex", "unhcr-arrivals": "UNHCR"}


def render_summary(rec: Reconciliation) -> None:
    """Four metrics: months all sources cover, detections per arrival over them, months
    that diverge, sources silent throughout."""
    o = rec.overlap
    c = st.columns(4)
    c[0].metric(
        "Months all three sources cover",
        f"{o['months']:,}",
        help="Whole months inside the IOM, Frontex and UNHCR windows and the period.",
    )
    c[1].metric(
        "Detections per arrival",
        measure("detections_per_arrival").format(o.get("detections_per_arrival")),
        help="Frontex detections per UNHCR sea arrival over the months all three sources "
        "cover: total detections / total arrivals. " + measure("detections_per_arrival").caveat,
    )
    months_div = rec.months.loc[rec.months["diverges"] != "", "month"]
    c[2].metric("Months where a ratio diverges", f"{len(months_div):,} of {len(rec.months):,}")
    silent = [
        SHORT_NAMES[k] for k, col in STATUS_COLUMNS.items() if (rec.months[col] == NO_DATA).all()
    ]
    c[3].metric(
        "Silent sources",
        ", ".join(silent) if silent else "none",
        help="Sources with no data at all for this route and period (see the coverage strip): "
        + "; ".join(f"{SHORT_NAMES[k]}: {SOURCE_NAMES[k]}" for k in STATUS_COLUMNS),
    )


#: What the numerator and denominator of a ratio count, in a table cell.
_COUNT_WORDS = {
    "dead_and_missing": "dead and missing (IOM)",
    "detections": "detections (Frontex)",
    "arrivals": "arrivals (UNHCR)",
}


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
            {
                "Month": f"{pd.Timestamp(r['month']):%b %Y}",
                "Ratio": m.label,
                "Value": m.format(r["value"]),
                "Route median": m.format(r["median"]),
                "Times the median": f"{float(r['times_median']):.2f}",
                "From": f"{measure(num).format(r['numerator'])} {_COUNT_WORDS[num]} / "
                f"{measure(den).format(r['denominator'])} {_COUNT_WORDS[den]}",
            }
        )
    return pd.DataFrame(
        rows, columns=["Month", "Ratio", "Value", "Route median", "Times the median", "From"]
    )


def render_divergence_table(rec: Reconciliation) -> None:
    """The flagged months, or why there are none."""
    df = divergence_frame(rec)
    if df.empty:
        defined = [rid for rid, med in rec.medians.items() if med is not None]
        st.info(
            "No month diverges under the rule."
            if defined
            else "Too few months with two sources to compare for a median: no divergence can be judged."
        )
        return
    st.dataframe(df, hide_index=True, width="stretch")


def sources_frame(rec: Reconciliation) -> pd.DataFrame:
    """One row per source: name, citation, window, measures and units, caveat."""
    s = rec.sources
    return pd.DataFrame(
        {
            "Source": s["source"],
            "Window for this route": s["window"],
            "Measures and units": s["unit"],
            "Caveat": s["caveat"],
            "Citation": [c or NO_DATA for c in s["citation"]],
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
