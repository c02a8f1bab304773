"""Prevention planner: pure functions on hand-made frames, with hand-computed answers."""

from __future__ import annotations

import datetime as dt
import io
import math

import pandas as pd
import pdfplumber
import pytest

from analytics.catalogue import NO_DATA, measure
from analytics.planner import (
    Peak,
    PlanCard,
    card_sections,
    complete_years,
    compute_campaign_window,
    compute_cause_shares,
    compute_language_shares,
    compute_origin_routes,
    compute_peak,
    compute_plan_rows,
    compute_route_nationalities,
    compute_seasonality,
    compute_transit_countries,
    slide_line,
)
from export.planner import PAGE_H_PT, PAGE_W_PT, plan_csv, render_plan_pdf
from services.planner import language_names, territory_languages


def monthly(rows: list[tuple[str, float]], col: str = "detections") -> pd.DataFrame:
    return pd.DataFrame(
        {"period": [dt.date.fromisoformat(d) for d, _ in rows], col: [v for _, v in rows]}
    )


# ------------------------------------------------------------------ when


def test_complete_years_keep_only_whole_years_inside_source_and_period() -> None:
    # Frontex to 2025-03-31 (preliminary months): 2025 is not a whole year.
    assert complete_years(dt.date(2009, 1, 1), dt.date(2025, 3, 31)) == tuple(range(2009, 2025))
    # A period from mid-2020: 2020 is cut, 2021-2024 are whole.
    assert complete_years(dt.date(2009, 1, 1), dt.date(2025, 3, 31), dt.date(2020, 6, 1), None) == (
        2021,
        2022,
        2023,
        2024,
    )
    assert complete_years(dt.date(2024, 1, 1), dt.date(2024, 12, 31)) == (2024,)
    assert complete_years(dt.date(2024, 2, 1), dt.date(2024, 12, 31)) == ()
    assert complete_years(None, None) == ()


def test_seasonality_and_peak_by_hand() -> None:
    # 2023: Jan 100, Aug 300; 2024: Aug 500, Sep 100; 2025 (partial, excluded): Jan 9,999.
    df = monthly(
        [
            ("2023-01-01", 100),
            ("2023-08-01", 300),
            ("2024-08-01", 500),
            ("2024-09-01", 100),
            ("2025-01-01", 9999),
        ]
    )
    season = compute_seasonality(df, "detections", (2023, 2024))
    assert list(season["month"]) == list(range(1, 13))
    by_month = dict(zip(season["month"], season["detections"], strict=True))
    assert by_month[1] == 100 and by_month[8] == 800 and by_month[9] == 100 and by_month[2] == 0
    # total 1,000: August holds 800/1,000.
    assert season.loc[season["month"] == 8, "share"].item() == pytest.approx(0.8)
    assert season["share"].sum() == pytest.approx(1.0)
    peak = compute_peak(season, "detections", min_total=500)
    assert peak == Peak(8, pytest.approx(0.8), 1000.0, 2)
    # Below the minimum there is no peak, and the reason says so.
    low = compute_peak(season, "detections", min_total=1001)
    assert low.month is None and "too few" in low.reason
    # No whole year: no profile, no peak.
    none = compute_peak(compute_seasonality(df, "detections", ()), "detections", 0)
    assert none.month is None and "whole calendar year" in none.reason


def test_peak_tie_goes_to_the_earliest_month() -> None:
    df = monthly([("2024-03-01", 50), ("2024-07-01", 50)])
    assert compute_peak(compute_seasonality(df, "detections", (2024,)), "detections", 1).month == 3


def test_seasonality_per_route() -> None:
    df = monthly([("2024-05-01", 10), ("2024-06-01", 30), ("2024-05-01", 7)])
    df["key"] = ["a", "a", "b"]
    season = compute_seasonality(df, "detections", (2024,), by="key")
    a = season[season["key"] == "a"]
    assert compute_peak(a, "detections", 1).month == 6
    assert a.loc[a["month"] == 6, "share"].item() == pytest.approx(0.75)
    assert compute_peak(season[season["key"] == "b"], "detections", 1).month == 5


@pytest.mark.parametrize(
    ("peak", "window"), [(8, (6, 7)), (3, (1, 2)), (2, (12, 1)), (1, (11, 12)), (None, None)]
)
def test_campaign_window_is_the_two_months_before_the_peak(peak, window) -> None:
    assert compute_campaign_window(peak) == window


# ------------------------------------------------------------------ who


def test_language_shares_for_eritrea_from_babel_cldr() -> None:
    territory = territory_languages("ER")
    df = compute_language_shares(territory, language_names(list(territory)))
    # CLDR (Babel 2.19): ti 60% (de facto official), en 59% (official), tig 18%,
    # ar 4.9% (official, listed although below 5%); aa and ssy 3.6% are left out.
    assert list(df["language_code"]) == ["ti", "en", "tig", "ar"]
    assert list(df["language"]) == ["Tigrinya", "English", "Tigre", "Arabic"]
    assert list(df["speakers_share"]) == pytest.approx([0.60, 0.59, 0.18, 0.049])
    assert measure("language_speakers_share").format(df["speakers_share"].iloc[3]) == "5%"


def test_language_shares_for_afghanistan_name_unknown_codes_in_brackets() -> None:
    territory = territory_languages("AF")
    df = compute_language_shares(territory, language_names(list(territory)))
    # fa 50%, ps 43%, haz 5.9% (no English name in CLDR); uz_Arab 4.7% is only regional.
    assert list(df["language_code"]) == ["fa", "ps", "haz"]
    assert list(df["language"]) == ["Persian", "Pashto", "[haz]"]
    assert list(df["speakers_share"]) == pytest.approx([0.50, 0.43, 0.059])
    assert language_names(["uz_Arab"]) == {"uz_Arab": "Uzbek (Arabic)"}


def test_language_shares_limit_and_no_territory() -> None:
    t = {
        c: {"population_percent": p, "official_status": None}
        for c, p in zip("abcdefg", range(70, 0, -10), strict=True)
    }
    assert len(compute_language_shares(t, {}, limit=5)) == 5
    assert compute_language_shares({}, {}).empty
    assert territory_languages(None) == {}


def test_route_nationalities_shares_and_ranks() -> None:
    det = pd.DataFrame(
        {
            "iso3": ["ERI", "SDN", "TUN", "GIN", "X", "SYR"],
            "route_id": ["cm", "cm", "cm", "cm", "cm", "em"],
            "detections": [500, 300, 150, 45, 5, 10],
        }
    )
    out = compute_route_nationalities(det, "detections", ["cm"], top=3)
    assert list(out["iso3"]) == ["ERI", "SDN", "TUN"]
    assert list(out["share"]) == pytest.approx([0.5, 0.3, 0.15])  # of 1,000 on the route
    assert list(out["rank"]) == [1, 2, 3]
    # Below 1% of the route: not named (X has 0.5%).
    assert "X" not in set(compute_route_nationalities(det, "detections", ["cm"], top=9)["iso3"])


def test_origin_routes_union_of_detections_and_deaths_without_unclassified() -> None:
    det = pd.DataFrame(
        {
            "iso3": ["AFG", "AFG", "AFG", "SYR"],
            "route_id": ["em", "wb", "unclassified", "cm"],
            "detections": [900, 400, 5000, 10],
        }
    )
    dead = pd.DataFrame(
        {
            "iso3": ["AFG", "AFG"],
            "route_id": ["afghanistan_iran", "em"],
            "dead_and_missing": [80.5, 20.0],
        }
    )
    out = compute_origin_routes(det, dead, "AFG", top=3)
    assert list(out["route_id"]) == ["em", "wb", "afghanistan_iran"]
    assert math.isnan(out.loc[2, "detections"]) and out.loc[2, "dead_and_missing"] == 80.5
    assert math.isnan(out.loc[1, "dead_and_missing"])


# ------------------------------------------------------------------ where and what


def test_transit_countries_exclude_the_origin_and_rank_by_score() -> None:
    crossing = pd.DataFrame(
        {"route_id": ["cm", "cm", "cm", "em", "em"], "iso3": ["ERI", "LBY", "ITA", "TUR", "LBY"]}
    )
    transit = pd.DataFrame(
        {
            "iso3": ["LBY", "ITA", "TUR"],
            "name": ["Libya", "Italy", "Türkiye"],
            "score": [80.0, 65.0, float("nan")],
            "rank": [1, 10, pd.NA],
            "dead_and_missing": [22431, 1757, 1614],
        }
    )
    out = compute_transit_countries(crossing, ["cm", "em"], transit, "ERI")
    assert list(out["iso3"]) == ["LBY", "ITA", "TUR"]  # unranked last
    assert out.loc[0, "routes"] == "cm; em"
    assert "ERI" not in set(out["iso3"])


def test_cause_shares_known_first_with_the_minimum() -> None:
    causes = pd.DataFrame(
        {
            "key": [
                "Drowning",
                "Mixed or unknown",
                "Violence",
                "Vehicle accident / death linked to hazardous transport",
            ],
            "dead_and_missing": [70, 20, 10, 0],
        }
    )
    out = compute_cause_shares(causes, 95)  # 5 dead in incidents listing two causes
    assert list(out["cause"]) == ["Drowning", "Violence", "Mixed or unknown"]
    assert list(out["share"]) == pytest.approx([70 / 95, 10 / 95, 20 / 95])
    assert list(out["known"]) == [True, True, False]
    assert out.loc[0, "label"] == "Drowning"
    # Fewer than 20 dead and missing: no shares (no data, not 0).
    assert compute_cause_shares(causes, 19)["share"].isna().all()


# ------------------------------------------------------------------ the card and its exports


def make_card(*, long: bool = False, empty: bool = False) -> PlanCard:
    n = 40 if long else 2
    routes = pd.DataFrame(
        {
            "route_id": [f"r{i}" for i in range(n)],
            "detections": [1000.0] * n,
            "dead_and_missing": [10.0] * n,
            "name": [f"Route number {i} with a rather long name" for i in range(n)],
        }
    )
    nat = pd.DataFrame(
        [
            {
                "route_id": f"r{i}",
                "iso3": iso,
                "value": 1.0,
                "share": s,
                "rank": k + 1,
                "source": src,
                "name": f"Country {iso}",
                "route_name": f"=Route {i}",
            }
            for i in range(n)
            for src in ("frontex", "mmp")
            for k, (iso, s) in enumerate((("ERI", 0.5), ("SDN", 0.3), ("TUN", 0.1)))
        ]
    )
    season = compute_seasonality(
        monthly([("2024-08-01", 800), ("2024-03-01", 200)]), "detections", (2024,)
    )
    dseason = compute_seasonality(
        monthly([("2024-09-01", 30)], "dead_and_missing"), "dead_and_missing", (2024,)
    )
    transit = pd.DataFrame(
        {
            "iso3": [f"T{i}" for i in range(6)],
            "name": [f"Transit country {i}" for i in range(6)],
            "routes": ["r0"] * 6,
            "score": [80.0 - i for i in range(6)],
            "rank": list(range(1, 7)),
            "dead_and_missing": [1000.0] * 6,
        }
    )
    causes = compute_cause_shares(
        pd.DataFrame(
            {"key": ["Drowning", "Violence", "Mixed or unknown"], "dead_and_missing": [60, 30, 10]}
        ),
        100,
    )
    langs = pd.DataFrame(
        {
            "language_code": ["ti", "en"],
            "language": ["Tigrinya", "English"],
            "speakers_share": [0.6, 0.59],
            "official_status": ["de_facto_official", "official"],
        }
    )
    if empty:
        routes, nat, transit = routes.head(0), nat.head(0), transit.head(0)
        causes, langs = causes.head(0), langs.head(0)
        season = dseason = compute_seasonality(monthly([]), "detections", ())
    return PlanCard(
        iso3="ERI",
        name="Eritrea",
        routes=routes,
        nationalities=nat,
        languages=langs,
        detection_season=season,
        death_season=dseason,
        detection_peak=compute_peak(season, "detections", 500),
        death_peak=compute_peak(dseason, "dead_and_missing", 20),
        route_peaks=pd.DataFrame(
            {"route_id": ["r0"], "route_name": ["Route 0"], "peak_month": [8], "peak_share": [0.8]}
        ),
        transit=transit,
        causes=causes,
        dead_and_missing=None if empty else 964.5,
        detections=None if empty else 147002.0,
        share_children=None if empty else 0.17,
        share_women=None,
        period="in 2024",
        sources="IOM Missing Migrants; Frontex; Unicode CLDR",
    )


def test_card_sections_say_window_peaks_and_no_data() -> None:
    s = card_sections(make_card())
    assert s["when"][0] == (
        "Campaign window: June-July, before the peak in August (Frontex detections of its "
        "nationals)."
    )
    assert "Detections peak in August (80% of the year, 1 whole years)." in s["when"]
    assert "Dead and missing peak in September (100% of the year, 1 whole years)." in s["when"]
    assert "For the peak in deaths (September), the window is July-August." in s["when"]
    assert s["what"][0] == "Leading causes of death on its routes: Drowning 60%; Violence 30%."
    assert s["what"][-1] == f"Children among its dead and missing: 17%; women and girls: {NO_DATA}."
    assert s["who"][0] == (
        "Languages (share of the population speaking each): Tigrinya 60%, English 59%."
    )
    assert "Eritrea: speak Tigrinya, English; campaign June-July, before the August peak" in (
        slide_line(make_card())
    )
    empty = card_sections(make_card(empty=True))
    assert empty["when"][0].startswith(f"Campaign window: {NO_DATA}")
    assert "no whole calendar year" in empty["when"][0]
    assert empty["what"][0] == f"Causes of death: {NO_DATA} (too few recorded)."


def test_plan_rows_carry_catalogue_measures_and_csv_is_safe() -> None:
    rows = compute_plan_rows(make_card())
    used = set(rows["measure"]) - {""}
    for mid in used:
        measure(mid)  # every figure is a catalogue measure
    assert {"language_speakers_share", "share_cause", "detections_peak_month_share"} <= used
    lang = rows[rows["measure"] == "language_speakers_share"]
    assert list(lang["display"]) == ["60%", "59%"]
    text = plan_csv([make_card()]).decode("utf-8")
    assert "'=Route 0: Country ERI" in text and ",=Route" not in text


def pdf_pages(data: bytes) -> list:
    pdf = pdfplumber.open(io.BytesIO(data))
    return pdf.pages


@pytest.mark.parametrize("long", [False, True])
def test_pdf_is_one_page_with_every_character_inside_it(long: bool) -> None:
    data = render_plan_pdf(make_card(long=long), filters="all data", is_demo=True)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) == 1
        page = pdf.pages[0]
        assert (page.width, page.height) == pytest.approx((PAGE_W_PT, PAGE_H_PT))
        chars = page.chars
        assert chars
        for ch in chars:
            assert 0 <= ch["x0"] and ch["x1"] <= page.width, ch["text"]
            assert 0 <= ch["top"] and ch["bottom"] <= page.height, ch["text"]
        text = page.extract_text()
    assert "Prevention planner: Eritrea" in text
    assert "SYNTHETIC DEMO DATA" in text
    assert "Campaign window: June-July" in text
    if long:  # 40 routes do not fit at the smallest size: the longest section is cut, said so
        assert "more lines (see the CSV)" in text.replace("\n", " ")


def test_window_follows_deaths_where_frontex_does_not_watch_the_routes() -> None:
    import dataclasses

    card = make_card()  # every route has detections: Frontex basis, peak August
    assert card.frontex_dead_share == pytest.approx(1.0)
    assert card.window_basis == "detections" and card.window == (6, 7)
    # 90 of the 100 dead on a route Frontex does not publish: the deaths peak sets the window.
    routes = card.routes.copy()
    routes["detections"] = [float("nan"), 1000.0]
    routes["dead_and_missing"] = [90.0, 10.0]
    bay = dataclasses.replace(card, routes=routes)
    assert bay.frontex_dead_share == pytest.approx(0.1)
    assert bay.window_basis == "deaths" and bay.window == (7, 8)  # before the September peak
    s = card_sections(bay)["when"]
    assert s[0] == (
        "Campaign window: July-August, before the peak in September (its dead and missing (IOM))."
    )
    assert "For the peak in detections (August), the window is June-July." in s
