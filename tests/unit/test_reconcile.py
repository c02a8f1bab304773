"""Reconciliation, pure: month alignment, silence against zero, the divergence rule, the chart."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analytics import figures as fg
from analytics import reconcile as rc
from analytics.catalogue import NO_DATA, measure

D = dt.date


def _windows(
    iom: tuple[dt.date, dt.date] | None = (D(2020, 1, 1), D(2020, 6, 15)),
    fx: tuple[dt.date, dt.date] | None = (D(2020, 2, 1), D(2020, 5, 31)),
    un: tuple[dt.date, dt.date] | None = (D(2020, 3, 1), D(2020, 6, 30)),
) -> dict[str, rc.Window]:
    def w(kind: str, span: tuple[dt.date, dt.date] | None) -> rc.Window:
        return rc.Window(kind, *span) if span else rc.Window(kind, None, None, "not loaded")

    return {
        "mmp": w("mmp", iom),
        "frontex": w("frontex", fx),
        "unhcr-arrivals": w("unhcr-arrivals", un),
    }


def _frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    inc = pd.DataFrame(
        {
            "month": [D(2020, 1, 1), D(2020, 3, 1), D(2020, 6, 1)],
            "incidents": [2, 1, 4],
            "dead_and_missing": [10, 3, 40],
        }
    )
    det = pd.DataFrame(
        {"month": [D(2020, 2, 1), D(2020, 3, 1), D(2020, 5, 1)], "detections": [800, 1200, 900]}
    )
    # Daily rows summed to months by the query: March and May (April had no arrivals).
    arr = pd.DataFrame(
        {"month": [D(2020, 3, 1), D(2020, 5, 1), D(2020, 6, 1)], "arrivals": [1000, 600, 700]}
    )
    return inc, det, arr


def test_months_align_and_silence_is_no_data_while_covered_months_are_zero() -> None:
    inc, det, arr = _frames()
    table, _, _ = rc.compute_reconciliation(inc, det, arr, _windows(), min_months=99)
    assert list(table["month"]) == [D(2020, m, 1) for m in range(1, 7)]
    # IOM covers January to 15 June: February, April, May are covered with no incident -> 0.
    assert table["dead_and_missing"].tolist()[:5] == [10, 0, 3, 0, 0]
    assert table["iom_status"].tolist() == [
        "data",
        "none recorded",
        "data",
        "none recorded",
        "none recorded",
        "partial month",
    ]
    assert table.loc[5, "dead_and_missing"] == 40  # shown, but partial
    # Frontex covers February to May: January and June are silent (NaN, never 0).
    assert np.isnan(table.loc[0, "detections"]) and np.isnan(table.loc[5, "detections"])
    assert table["detections"].tolist()[1:5] == [800, 1200, 0, 900]
    assert table.loc[3, "frontex_status"] == "none recorded"
    assert table.loc[0, "frontex_status"] == NO_DATA
    # UNHCR covers March to June: April is 0 (no arrivals), January and February no data.
    assert table["arrivals"].tolist()[2:] == [1000, 0, 600, 700]
    assert table.loc[:1, "arrivals"].isna().all()
    assert table.loc[0, "silent"] == "Frontex; UNHCR sea arrivals"
    assert table.loc[2, "silent"] == ""


def test_ratios_only_over_whole_months_both_cover_and_above_the_minimum() -> None:
    inc, det, arr = _frames()
    table, _, _ = rc.compute_reconciliation(inc, det, arr, _windows(), min_months=99)
    # March: 1,200 detections / 1,000 arrivals; 3 dead / 1,000 arrivals; 3 / 1,200 detections.
    assert table.loc[2, "detections_per_arrival"] == pytest.approx(1.2)
    assert table.loc[2, "deaths_per_1000_sea_arrivals"] == pytest.approx(3.0)
    assert table.loc[2, "deaths_per_1000_detections"] == pytest.approx(2.5)
    # April: 0 arrivals, below the 500 minimum: undefined, not infinite.
    assert np.isnan(table.loc[3, "detections_per_arrival"])
    # May: 900 / 600.
    assert table.loc[4, "detections_per_arrival"] == pytest.approx(1.5)
    # June: IOM is partial (to the 15th), Frontex silent: no ratio.
    assert table.loc[5, ["detections_per_arrival", "deaths_per_1000_sea_arrivals"]].isna().all()
    # February: 800 detections but IOM 0 dead: a ratio of 0 (both cover the whole month).
    assert table.loc[1, "deaths_per_1000_detections"] == 0.0


def test_the_period_cuts_the_axis_and_a_cut_month_is_partial() -> None:
    inc, det, arr = _frames()
    table, _, _ = rc.compute_reconciliation(
        inc, det, arr, _windows(), (D(2020, 3, 10), D(2020, 5, 31)), min_months=99
    )
    assert list(table["month"]) == [D(2020, 3, 1), D(2020, 4, 1), D(2020, 5, 1)]
    assert table.loc[0, "iom_status"] == "partial month"
    assert np.isnan(table.loc[0, "detections_per_arrival"])


def test_a_source_not_loaded_is_silent_throughout() -> None:
    inc, det, _ = _frames()
    empty = pd.DataFrame(columns=["month", "arrivals"])
    table, div, med = rc.compute_reconciliation(inc, det, empty, _windows(un=None), min_months=1)
    assert table["arrivals"].isna().all()
    assert (table["unhcr_status"] == NO_DATA).all()
    assert table["detections_per_arrival"].isna().all()
    assert med["detections_per_arrival"] is None


def test_divergence_rule_flags_months_far_from_the_median() -> None:
    months = [D(2021, m, 1) for m in range(1, 9)]
    window = (D(2021, 1, 1), D(2021, 8, 31))
    det = pd.DataFrame(
        {"month": months, "detections": [1000, 1000, 1000, 1000, 1000, 1000, 1300, 700]}
    )
    arr = pd.DataFrame({"month": months, "arrivals": [1000] * 8})
    # Dead: median month 10 per 1,000; 31 is over three times it, 3 under a third, 0 too.
    inc = pd.DataFrame(
        {"month": months, "incidents": [1] * 8, "dead_and_missing": [10, 10, 10, 31, 3, 0, 10, 10]}
    )
    table, div, med = rc.compute_reconciliation(inc, det, arr, _windows(window, window, window))
    assert med["detections_per_arrival"] == pytest.approx(1.0)
    assert med["deaths_per_1000_sea_arrivals"] == pytest.approx(10.0)
    flagged = {(r["month"].month, r["measure"]) for r in div.to_dict("records")}
    # 1.3 detections per arrival is more than 1.25 times the median; 0.7 is below 1 / 1.25.
    assert {(7, "detections_per_arrival"), (8, "detections_per_arrival")} <= flagged
    assert {
        (4, "deaths_per_1000_sea_arrivals"),
        (5, "deaths_per_1000_sea_arrivals"),
        (6, "deaths_per_1000_sea_arrivals"),
    } <= flagged
    # 10 dead per 1,000 detections in July (1,300 detections) is 7.7: inside a factor of 3.
    assert (7, "deaths_per_1000_detections") not in flagged
    assert (1, "detections_per_arrival") not in flagged
    row = div[(div["measure"] == "detections_per_arrival") & (div["month"] == D(2021, 7, 1))].iloc[
        0
    ]
    assert row["times_median"] == pytest.approx(1.3)
    assert row["numerator"] == 1300 and row["denominator"] == 1000
    assert table.loc[6, "diverges"] == "detections_per_arrival"


def test_too_few_months_give_no_median_and_no_flags() -> None:
    months = [D(2021, m, 1) for m in range(1, 4)]
    window = (D(2021, 1, 1), D(2021, 3, 31))
    det = pd.DataFrame({"month": months, "detections": [1000, 5000, 1000]})
    arr = pd.DataFrame({"month": months, "arrivals": [1000] * 3})
    inc = pd.DataFrame({"month": months, "incidents": [1] * 3, "dead_and_missing": [1, 1, 1]})
    _, div, med = rc.compute_reconciliation(inc, det, arr, _windows(window, window, window))
    assert div.empty and med["detections_per_arrival"] is None


def test_new_ratios_are_catalogue_measures() -> None:
    assert measure("detections_per_arrival").format(1.0043) == "1.00"
    assert measure("deaths_per_1000_sea_arrivals").format(None) == NO_DATA
    for rid in rc.RATIOS:
        assert measure(rid).sources and measure(rid).caveat
    assert "1.25" in rc.divergence_rule_text() and "third" in rc.divergence_rule_text()


def test_chart_never_shares_an_axis_between_measures_and_shades_silence() -> None:
    inc, det, arr = _frames()
    table, _, med = rc.compute_reconciliation(inc, det, arr, _windows(), min_months=1)
    fig = fg.make_reconcile_figure(table, med, label="Test route")
    d = fig.to_dict()
    axes = [(t.get("name"), t.get("yaxis")) for t in d["data"] if t["type"] == "bar"]
    assert len({y for _, y in axes}) == len(axes) == 4  # one axis per count
    assert fig.layout.meta["chart"] == "reconcile-sources"
    grey = [s for s in d["layout"]["shapes"] if s.get("type") == "rect"]
    # Frontex silent in January and June, UNHCR in January-February: three shaded runs.
    assert len(grey) == 3
    assert {s["yref"] for s in grey} == {"y3 domain", "y4 domain"}
    cov = fg.make_coverage_figure(
        pd.DataFrame(
            {
                "source": ["IOM Missing Migrants", "Frontex", "UNHCR sea arrivals"],
                "first": [D(2020, 1, 1), D(2020, 2, 1), None],
                "last": [D(2020, 6, 15), D(2020, 5, 31), None],
                "window": ["a", "b", "no data: not loaded"],
            }
        ),
        overlap=(None, None),
        label="Test route",
    )
    assert len(cov.data) == 2
    assert "no month that all three sources cover" in cov.layout.meta["title"]
    assert any("not loaded" in a.text for a in cov.layout.annotations)
