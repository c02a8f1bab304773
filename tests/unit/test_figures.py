"""Unit tests for analytics.figures and analytics.theme, read back through ``fig.to_dict()``."""

from __future__ import annotations

import base64
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analytics import figures as fg
from analytics import theme
from analytics.catalogue import MIN_DETECTIONS_FOR_RATE
from analytics.measures import compute_lethality_by_year, compute_route_risk
from data import reference
from services.report import route_metrics_from_risk


def monthly(values_by_year: dict[int, int], months: range = range(1, 13)) -> pd.DataFrame:
    """Each year's total spread over ``months`` (the remainder on the first month)."""
    rows = []
    for year, total in values_by_year.items():
        per = total // len(months)
        for i, m in enumerate(months):
            rows.append(
                {
                    "period": dt.date(year, m, 1),
                    "dead_and_missing": per + (total - per * len(months) if i == 0 else 0),
                }
            )
    return pd.DataFrame(rows)


def decode(value):
    """Plotly 7 writes numeric arrays as base64 typed arrays in ``to_dict()``; read them back."""
    if isinstance(value, dict) and "bdata" in value:
        arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = value.get("shape")
        if shape:
            arr = arr.reshape([int(x) for x in str(shape).split(",")])
        return arr.tolist()
    return value


def traces(fig) -> list[dict]:
    return [{k: decode(v) for k, v in t.items()} for t in fig.to_dict()["data"]]


def title(fig) -> str:
    return fig.layout.meta["title"]


# --------------------------------------------------------------------------- wording


@pytest.mark.parametrize(
    ("yearly", "year", "expected"),
    [
        ({2016: 5000, 2017: 900, 2018: 800, 2023: 1452}, 2023, "the most since 2016"),
        ({2014: 100, 2015: 200, 2016: 300}, 2016, "the most on record (since 2014)"),
        ({2014: 100, 2015: 300, 2016: 200, 2017: 50}, 2017, "the fewest on record (since 2014)"),
        ({2014: 40, 2015: 300, 2016: 200, 2017: 60}, 2017, "the fewest since 2014"),
        ({2014: 40, 2015: 300, 2016: 200, 2017: 350}, 2017, "the most on record (since 2014)"),
        ({2014: 400, 2015: 300, 2016: 200, 2017: 250}, 2017, "up 25% on 2016"),
        ({2014: 100, 2015: 100}, 2015, "level with 2014"),
        ({2014: 300, 2015: 100, 2016: 112}, 2016, "up 12% on 2015"),
        ({2014: 50, 2015: 100, 2016: 90}, 2016, "down 10% on 2015"),
        ({2016: 10}, 2016, "the first year on record"),
        ({2022: 120, 2023: 240}, 2023, "up 100% on 2022"),
        ({2021: 120, 2023: 240}, 2023, "none recorded in 2022"),
    ],
)
def test_year_finding(yearly: dict[int, int], year: int, expected: str) -> None:
    assert fg.year_finding(pd.Series(yearly), year) == expected


def test_last_complete_year() -> None:
    assert fg.last_complete_year([dt.date(2025, 12, 1)]) == 2025
    assert fg.last_complete_year([dt.date(2026, 3, 1), dt.date(2025, 12, 1)]) == 2025
    assert fg.last_complete_year([dt.date(2023, 5, 1)], data_end=dt.date(2023, 12, 31)) == 2023
    assert fg.last_complete_year([dt.date(2026, 3, 1)], data_end=dt.date(2026, 4, 9)) == 2025
    assert fg.last_complete_year([]) is None


# --------------------------------------------------------------------------- titles state findings


def test_monthly_title_states_the_finding_for_the_latest_complete_year() -> None:
    df = monthly(
        {2016: 5000, 2017: 900, 2018: 800, 2019: 700, 2020: 600, 2021: 500, 2022: 400, 2023: 1452}
    )
    fig = fg.make_monthly_figure(df, label="Central Mediterranean", colour="#D55E00")
    assert (
        title(fig) == "Central Mediterranean: 1,452 dead and missing in 2023, the most since 2016"
    )
    # The title shown is the same text, wrapped for a projector.
    assert fig.layout.title.text.replace("<br>", " ") == title(fig)
    (bar,) = traces(fig)
    assert bar["marker"]["color"] == "#D55E00"
    assert sum(bar["y"]) == df["dead_and_missing"].sum()
    assert fg.figure_name(fig) == "monthly-dead-and-missing"
    assert fg.figure_alt(fig).startswith("Bar chart of dead and missing per month")


def test_monthly_title_skips_a_partial_last_year() -> None:
    df = pd.concat([monthly({2024: 1200, 2025: 600}), monthly({2026: 90}, months=range(1, 4))])
    fig = fg.make_monthly_figure(df, label="All routes")
    assert title(fig) == "All routes: 600 dead and missing in 2025, down 50% on 2024"


def test_empty_frames_give_labelled_empty_figures() -> None:
    empty = pd.DataFrame(columns=["period", "dead_and_missing"])
    for fig in (
        fg.make_monthly_figure(empty, label="Darién"),
        fg.make_seasonality_figure(empty, label="Darién"),
        fg.make_causes_figure(pd.DataFrame(columns=["key", "dead_and_missing", "incidents"])),
        fg.make_lethality_figure(pd.DataFrame(columns=["year", "deaths_per_1000_detections"])),
    ):
        d = fig.to_dict()
        assert d["data"] == []
        assert d["layout"]["annotations"][0]["text"] == "No records for these filters"
        assert fg.figure_alt(fig)


# --------------------------------------------------------------------------- route colours


def route_metrics_frame(order: list[str]) -> pd.DataFrame:
    routes = reference.read_routes()
    inc = pd.DataFrame(
        {
            "key": order,
            "incidents": range(1, len(order) + 1),
            "dead_and_missing": [100 * (i + 1) for i in range(len(order))],
        }
    )
    inc = inc.rename(columns={"key": "route_id"})
    inc["dead_and_missing_in_detection_months"] = inc["dead_and_missing"]
    det = pd.DataFrame({"route_id": ["central_mediterranean"], "detections": [50_000]})
    return route_metrics_from_risk(routes, compute_route_risk(routes, inc, det))


def test_route_colours_are_the_reference_colours_whatever_the_order() -> None:
    routes = reference.read_routes()
    ref = dict(zip(routes["route_id"], routes["colour"], strict=True))
    a = fg.make_route_bars_figure(
        route_metrics_frame(["central_mediterranean", "sahara_desert", "darien"])
    )
    b = fg.make_route_bars_figure(
        route_metrics_frame(["darien", "english_channel", "central_mediterranean"])
    )
    for fig in (a, b):
        (bar,) = traces(fig)
        for rid, colour in zip(bar["customdata"], bar["marker"]["color"], strict=True):
            assert colour == ref[rid]
    assert ref["central_mediterranean"] == "#D55E00"
    assert fg.route_colour_map(["central_mediterranean", "nope"], ref) == {
        "central_mediterranean": "#D55E00",
        "nope": theme.OTHER_COLOUR,
    }


def test_route_bars_title_and_unclassified_left_out() -> None:
    m = route_metrics_frame(["sahara_desert", "central_mediterranean", "unclassified"])
    fig = fg.make_route_bars_figure(m)
    (bar,) = traces(fig)
    assert "unclassified" not in list(bar["customdata"])
    assert (
        title(fig)
        == "Central Mediterranean: the most dead and missing of any route (200), 2.0 times the next route"
    )
    with pytest.raises(ValueError):
        fg.make_route_bars_figure(m, measure="persons")


def test_route_lethality_only_where_both_sources_cover_the_route() -> None:
    routes = reference.read_routes()
    inc = pd.DataFrame(
        {
            "route_id": ["central_mediterranean", "sahara_desert", "unclassified"],
            "incidents": [10, 5, 2],
            "dead_and_missing": [400, 50, 9],
            "dead_and_missing_in_detection_months": [400, 50, 9],
        }
    )
    det = pd.DataFrame(
        {
            "route_id": ["central_mediterranean", "black_sea", "unclassified"],
            "detections": [20_000, 300, 70],
        }
    )
    # The denominator is the detections in the months IOM covers too (catalogue rule).
    det_both = det.assign(detections=[16_000, 300, 70])
    m = route_metrics_from_risk(routes, compute_route_risk(routes, inc, det, True, det_both))
    m = m.set_index("route_id")
    assert m.loc["central_mediterranean", "deaths_per_1000_detections"] == pytest.approx(25.0)
    assert m.loc["central_mediterranean", "detections"] == 20_000  # all of the period's
    assert pd.isna(m.loc["sahara_desert", "deaths_per_1000_detections"])  # IOM only
    assert pd.isna(m.loc["black_sea", "deaths_per_1000_detections"])  # Frontex only
    assert pd.isna(m.loc["unclassified", "deaths_per_1000_detections"])  # not a route
    assert pd.isna(m.loc["darien", "detections"])
    assert len(m) == len(routes)
    # Below the catalogue's minimum detections the ratio is undefined, not a number.
    few = compute_route_risk(
        routes, inc, det, True, det.assign(detections=[MIN_DETECTIONS_FOR_RATE - 1, 0, 0])
    )
    assert few.set_index("route_id")["deaths_per_1000_detections"].isna().all()


# --------------------------------------------------------------------------- measures never summed


def test_nationalities_are_side_by_side_never_summed() -> None:
    detected = pd.DataFrame({"key": ["SYR", "AFG", "OOO"], "detections": [9000, 5000, 7000]})
    victims = pd.DataFrame({"key": ["UNK", "AFG", "ERI"], "dead_and_missing": [800, 120, 60]})
    names = {"SYR": "Syria", "AFG": "Afghanistan", "ERI": "Eritrea"}
    fig = fg.make_nationalities_figure(detected, victims, names=names)
    left, right = traces(fig)
    assert (left["xaxis"], right["xaxis"]) == ("x", "x2")
    assert sorted(left["x"]) == [5000, 7000, 9000]
    assert sorted(right["x"]) == [60, 120, 800]
    assert "Not specified" in left["y"] and "Unknown" in right["y"]
    assert title(fig) == "Most detected: Syria; most dead and missing of known origin: Afghanistan"
    assert left["marker"]["color"] == theme.MEASURE_COLOURS["detections"]
    assert right["marker"]["color"] == theme.MEASURE_COLOURS["dead_and_missing"]


def test_series_puts_detections_on_their_own_axis() -> None:
    inc = monthly({2022: 120, 2023: 240})
    det = pd.DataFrame({"period": inc["period"], "detections": np.arange(len(inc)) * 1000})
    fig = fg.make_series_figure(inc, det, label="Central Mediterranean", colour="#D55E00")
    dm, dets = traces(fig)
    assert dm["yaxis"] == "y" and dets["yaxis"] == "y2"
    assert list(dm["y"]) == inc["dead_and_missing"].tolist()
    assert list(dets["y"]) == det["detections"].tolist()
    assert dm["marker"]["color"] == "#D55E00"
    assert title(fig) == "Central Mediterranean: 240 dead and missing in 2023, up 100% on 2022"
    only_deaths = fg.make_series_figure(inc, det.iloc[0:0], label="Darién")
    assert len(traces(only_deaths)) == 1


def test_lethality_is_a_ratio_over_months_both_sources_cover() -> None:
    months = pd.date_range("2022-01-01", "2024-06-01", freq="MS").date
    monthly = pd.DataFrame({"period": months, "dead_and_missing": 10, "detections": 1000.0})
    # Frontex has no figure after March 2024: those months count on neither side.
    monthly.loc[monthly["period"] > dt.date(2024, 3, 1), "detections"] = np.nan
    monthly.loc[monthly["period"] == dt.date(2023, 5, 1), "dead_and_missing"] = 130
    leth = compute_lethality_by_year(monthly)
    assert leth["year"].tolist() == [2022, 2023, 2024]
    assert leth["months"].tolist() == [12, 12, 3]
    assert leth["dead_and_missing"].tolist() == [120, 240, 30]
    assert leth["deaths_per_1000_detections"].tolist() == pytest.approx([10.0, 20.0, 10.0])
    fig = fg.make_lethality_figure(leth, label="Central Mediterranean")
    (line,) = traces(fig)
    assert list(line["y"]) == pytest.approx([10.0, 20.0, 10.0])
    assert line["marker"]["symbol"] == ["circle", "circle", "circle-open"]
    # The title describes the last full year, not the three covered months of 2024.
    assert (
        title(fig)
        == "Central Mediterranean: 20.0 dead and missing per 1,000 detections in 2023, up 100% on 2022"
    )
    assert compute_lethality_by_year(monthly.assign(detections=np.nan)).empty
    # Before IOM's first month there is no incident figure (NaN, not 0): no lethality point.
    early = monthly.copy()
    early.loc[early["period"] < dt.date(2023, 1, 1), "dead_and_missing"] = np.nan
    assert compute_lethality_by_year(early)["year"].tolist() == [2023, 2024]


def test_risk_bars_add_up_to_the_score() -> None:
    scores = pd.DataFrame(
        {
            "iso3": ["AFG", "SYR", "XXX"],
            "name": ["Afghanistan", "Syria", "Nowhere"],
            "score": [70.0, 50.0, np.nan],
            "rank": [1, 2, pd.NA],
            "insufficient_data": [False, False, True],
            "c_dead_and_missing": [100.0, 50.0, np.nan],
            "c_detections": [40.0, 50.0, np.nan],
        }
    )
    weights = (("dead_and_missing", 0.6), ("detections", 0.4))
    fig = fg.make_risk_figure(
        scores, weights, "origin", component_labels={"dead_and_missing": "Dead and missing"}
    )
    bars = [t for t in traces(fig) if t["type"] == "bar"]
    assert [b["name"] for b in bars] == ["Dead and missing", "detections"]
    totals = np.sum([b["x"] for b in bars], axis=0)
    assert list(bars[0]["y"]) == ["Syria", "Afghanistan"]  # unranked country left out
    assert totals.tolist() == pytest.approx([50.0, 70.0])
    assert fig.layout.barmode == "stack"
    assert (
        title(fig)
        == "Afghanistan ranks first for origin risk (70/100), driven most by dead and missing"
    )


def test_seasonality_heatmap_month_by_year() -> None:
    df = pd.DataFrame(
        {
            "period": [dt.date(2022, 6, 1), dt.date(2022, 7, 1), dt.date(2024, 6, 1)],
            "dead_and_missing": [30, 10, 60],
        }
    )
    fig = fg.make_seasonality_figure(df, label="Central Mediterranean")
    (hm,) = traces(fig)
    assert hm["type"] == "heatmap"
    z = np.array(hm["z"])
    assert z.shape == (3, 12)  # 2022, 2023 (no records) and 2024
    assert list(hm["y"]) == ["2022", "2023", "2024"]
    # Inside the data's span a month without incidents is 0; outside it, no data (NaN).
    assert z[0, 5] == 30 and z[2, 5] == 60 and np.nansum(z[1]) == 0
    assert (
        np.isnan(z[0, :5]).all() and np.isnan(z[2, 6:]).all()
    )  # before June 2022, after June 2024
    assert not np.isnan(z[1]).any()
    assert (
        title(fig)
        == "Central Mediterranean: June is the deadliest month (90% of dead and missing across 3 years)"
    )
    # A three-month window is three months, not "1 year".
    q = fg.make_seasonality_figure(
        df.iloc[:2], label="X", span=(dt.date(2022, 5, 1), dt.date(2022, 7, 31))
    )
    assert title(q).endswith("across 3 months)")
    zq = np.array(decode(traces(q)[0]["z"]), dtype=float)
    assert zq.shape == (1, 12) and zq[0, 4] == 0 and np.isnan(zq[0, 7])


def test_causes_use_fixed_cause_colours() -> None:
    df = pd.DataFrame(
        {
            "key": ["Drowning", "Mixed or unknown", "Violence"],
            "dead_and_missing": [50, 80, 5],
            "incidents": [5, 8, 1],
        }
    )
    fig = fg.make_causes_figure(df)
    (bar,) = traces(fig)
    assert dict(zip(bar["customdata"], bar["marker"]["color"], strict=True)) == {
        k: theme.cause_colour(k) for k in df["key"]
    }
    assert title(fig) == "Drowning is the leading recorded cause (50 dead and missing)"


def test_quality_figure() -> None:
    fig = fg.make_quality_figure(
        pd.DataFrame({"source_quality": [1, 4, 5], "incidents": [25, 50, 25]})
    )
    assert title(fig) == "75% of incidents rest on sources rated 4 or 5"


# --------------------------------------------------------------------------- theme and captions


def test_template_is_large_and_colour_blind_safe() -> None:
    fig = fg.make_monthly_figure(monthly({2022: 10, 2023: 20}))
    layout = fig.to_dict()["layout"]
    tpl = layout["template"]["layout"]
    assert tpl["font"]["size"] >= 16
    assert tpl["title"]["font"]["size"] >= 20
    assert tpl["colorway"][:3] == ["#0072B2", "#D55E00", "#009E73"]
    assert set(tpl["colorway"]) == set(theme.OKABE_ITO)


def test_caption_names_source_vintage_and_caveats() -> None:
    text = fg.caption(
        ["IOM Missing Migrants Project"],
        vintage="IOM 09 Apr 2026",
        detections=True,
        filters="2023-01-01 to 2023-12-31",
    )
    assert text.startswith("Source: IOM Missing Migrants Project (vintage IOM 09 Apr 2026).")
    assert fg.MIN_ESTIMATE_CAVEAT in text
    assert fg.DETECTION_CAVEAT in text
    assert text.endswith("Filters: 2023-01-01 to 2023-12-31.")
    assert fg.MIN_ESTIMATE_CAVEAT not in fg.caption(["Frontex"], minimum_estimate=False)


def test_hex_to_rgb_and_sequential() -> None:
    assert theme.hex_to_rgb("#D55E00") == [213, 94, 0]
    with pytest.raises(ValueError):
        theme.hex_to_rgb("red")
    assert theme.sequential_colour(0.0) == theme.SEQUENTIAL[0]
    assert theme.sequential_colour(1.0) == theme.SEQUENTIAL[-1]
    assert theme.sequential_colour(float("nan")) == theme.OTHER_COLOUR


# --------------------------------------------------------------------------- panel layout


def axes(fig) -> dict:
    """The axis and annotation part of a layout (what make_subplots decides)."""
    lay = fig.to_dict()["layout"]
    keep = ("anchor", "domain", "matches", "showticklabels")
    out = {
        k: {p: v for p, v in lay[k].items() if p in keep}
        for k in lay
        if k.startswith(("xaxis", "yaxis"))
    }
    out["annotations"] = [
        {p: v for p, v in a.items() if p != "x"} | {"x": round(a["x"], 9)}
        for a in lay.get("annotations", [])
    ]
    return out


def test_series_panels_are_laid_out_as_make_subplots_would() -> None:
    from plotly.subplots import make_subplots

    inc = monthly({2022: 120, 2023: 240})
    det = pd.DataFrame({"period": inc["period"], "detections": np.arange(len(inc)) * 1000})
    for d, rows in ((det, 2), (det.iloc[0:0], 1)):
        ref = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.08)
        assert axes(fg.make_series_figure(inc, d, label="X")) == axes(ref)
    fig = fg.make_series_figure(inc, det, label="X")
    lay = fig.to_dict()["layout"]
    assert lay["yaxis"]["title"]["text"] == "Dead and missing"
    assert lay["yaxis2"]["title"]["text"] == "Detections"
    assert lay["yaxis2"]["tickformat"] == "~s"


def test_nationality_panels_are_laid_out_as_make_subplots_would() -> None:
    from plotly.subplots import make_subplots

    detected = pd.DataFrame({"key": ["SYR", "AFG"], "detections": [9000, 5000]})
    victims = pd.DataFrame({"key": ["AFG", "ERI"], "dead_and_missing": [120, 60]})
    ref = make_subplots(
        rows=1,
        cols=2,
        subplot_titles=("Detected (Frontex, events)", "Dead and missing (IOM, persons)"),
        horizontal_spacing=0.22,
    )
    fig = fg.make_nationalities_figure(detected, victims)
    assert axes(fig) == axes(ref)
    lay = fig.to_dict()["layout"]
    assert lay["xaxis"]["tickformat"] == lay["xaxis2"]["tickformat"] == "~s"
    assert lay["yaxis"]["showgrid"] is False and lay["yaxis2"]["showgrid"] is False


def test_theme_is_applied_as_built_and_stays_unchanged() -> None:
    fig = fg.make_monthly_figure(monthly({2022: 10, 2023: 20}))
    built = theme.make_template().to_plotly_json()
    assert fig.to_dict()["layout"]["template"] == built
    fig.layout.template.layout.font.size = 5  # a page changing its figure ...
    again = fg.make_monthly_figure(monthly({2022: 10, 2023: 20}))
    assert again.to_dict()["layout"]["template"] == built  # ... does not change the next one
