"""The catalogue of measures: one definition each, the period rules and the change rule."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from analytics import catalogue as cat
from data.filters import Filters

D = dt.date
REPO = Path(__file__).resolve().parents[2]


def test_every_measure_has_unit_coverage_caveat_and_a_stable_id() -> None:
    for mid, m in cat.MEASURES.items():
        assert m.id == mid and mid.replace("_", "").isalnum() and mid == mid.lower()
        assert m.label and m.unit and m.coverage and m.caveat and m.formula and m.sources
    with pytest.raises(KeyError, match="unknown measure"):
        cat.measure("deaths_plus_detections")


def test_no_data_is_never_zero() -> None:
    m = cat.measure("dead_and_missing")
    assert m.format(None) == cat.NO_DATA
    assert m.format(float("nan")) == cat.NO_DATA
    assert m.format(0) == "0"
    assert m.format(8755) == "8,755"
    assert cat.measure("deaths_per_1000_detections").format(33.84) == "33.8"
    assert cat.measure("share_children").format(0.125) == "12%"
    assert cat.measure("change_pct").format(-79.4) == "-79%"


def test_methodology_lists_the_catalogue() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "build_methodology", REPO / "scripts" / "build_methodology.py"
    )
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    text = (REPO / "docs" / "methodology.md").read_text(encoding="utf-8")
    assert mod.render(text) == text, "run scripts/build_methodology.py"


@pytest.mark.parametrize(
    ("lo", "hi", "prev_lo", "prev_hi"),
    [
        (D(2024, 1, 1), D(2024, 12, 31), D(2023, 1, 1), D(2023, 12, 31)),  # leap year
        (D(2025, 1, 1), D(2025, 12, 31), D(2024, 1, 1), D(2024, 12, 31)),
        (D(2024, 4, 1), D(2024, 6, 30), D(2024, 1, 1), D(2024, 3, 31)),  # a quarter
        (D(2023, 3, 1), D(2023, 3, 31), D(2023, 2, 1), D(2023, 2, 28)),  # a month
        (D(2025, 5, 1), D(2026, 4, 30), D(2024, 5, 1), D(2025, 4, 30)),  # last 12 months
        (D(2022, 1, 1), D(2023, 12, 31), D(2020, 1, 1), D(2021, 12, 31)),  # two years
        (D(2024, 1, 15), D(2024, 2, 14), D(2023, 12, 15), D(2024, 1, 14)),  # custom: days
        (D(2024, 3, 5), D(2024, 3, 5), D(2024, 3, 4), D(2024, 3, 4)),  # one day
    ],
)
def test_period_rules(lo: dt.date, hi: dt.date, prev_lo: dt.date, prev_hi: dt.date) -> None:
    p = Filters(date_from=lo, date_to=hi).previous_period()
    assert p is not None and (p.date_from, p.date_to) == (prev_lo, prev_hi)
    # No overlap, no gap.
    assert p.date_to + dt.timedelta(days=1) == lo
    assert Filters(date_from=lo).previous_period() is None


def test_a_partly_covered_period_is_named_not_compared() -> None:
    fx = cat.Coverage("Frontex", D(2009, 1, 1), D(2025, 4, 30))
    year, before = (D(2025, 1, 1), D(2025, 12, 31)), (D(2024, 1, 1), D(2024, 12, 31))
    ch = cat.compare(50_226, 239_000, period=year, previous_period=before, coverage=fx)
    assert ch.status == "partial" and ch.pct is None
    assert ch.text == "Frontex: to April 2025, partial"
    # The period before the source begins is partial too (from its first month).
    iom = cat.Coverage("IOM Missing Migrants", D(2014, 1, 1), D(2026, 4, 9))
    ch = cat.compare(
        100, 0, period=(D(2014, 1, 1), D(2014, 12, 31)),
        previous_period=(D(2013, 1, 1), D(2013, 12, 31)), coverage=iom,
    )  # fmt: skip
    assert ch.status == "partial" and "no data for this period" in ch.text
    ok = cat.compare(
        9_197, 8_755, period=(D(2024, 1, 1), D(2024, 12, 31)),
        previous_period=(D(2023, 1, 1), D(2023, 12, 31)), coverage=iom,
    )  # fmt: skip
    assert ok.status == "ok" and ok.pct == pytest.approx((9197 - 8755) / 8755 * 100)
    assert ok.text == "+5% vs previous period"
    small = cat.compare(
        30, 4, period=(D(2024, 1, 1), D(2024, 12, 31)),
        previous_period=(D(2023, 1, 1), D(2023, 12, 31)), coverage=iom,
    )  # fmt: skip
    assert small.status == "small-base" and small.pct is None
    assert (
        cat.compare(1, 2, period=None, previous_period=None, coverage=iom).status == "no-previous"
    )
    none = cat.compare(
        5, 5, period=(D(2024, 1, 1), D(2024, 12, 31)),
        previous_period=(D(2023, 1, 1), D(2023, 12, 31)), coverage=None,
    )  # fmt: skip
    assert none.status == "no-data" and none.text == cat.NO_DATA


def test_headline_without_frontex_says_no_data_not_zero() -> None:
    cur = {"dead_and_missing": 120, "missing": 20, "incidents": 30, "detections": None,
           "incident_source": "mmp-1", "detection_source": None}  # fmt: skip
    figs = cat.compute_headline(
        cur,
        None,
        period=None,
        previous_period=None,
        coverage={"mmp": cat.Coverage("IOM", D(2014, 1, 1), D(2026, 4, 9)), "frontex": None},
    )
    by = {f.measure.id: f for f in figs}
    assert by["detections"].value is None and by["detections"].display == cat.NO_DATA
    assert by["dead_and_missing"].display == "120"
    assert by["dead_and_missing"].source_ids == ("mmp-1",)


def test_headline_outside_a_source_span_is_no_data() -> None:
    cur = {"dead_and_missing": 0, "missing": 0, "incidents": 0, "detections": 0,
           "incident_source": "mmp-1", "detection_source": "fx-1"}  # fmt: skip
    figs = cat.compute_headline(
        cur,
        cur,
        period=(D(2026, 1, 1), D(2026, 3, 31)),
        previous_period=(D(2025, 10, 1), D(2025, 12, 31)),
        coverage={
            "mmp": cat.Coverage("IOM", D(2014, 1, 1), D(2026, 4, 9)),
            "frontex": cat.Coverage("Frontex", D(2009, 1, 1), D(2025, 4, 30)),
        },
    )
    by = {f.measure.id: f for f in figs}
    assert by["detections"].display == cat.NO_DATA
    assert by["detections"].change.text == "Frontex: no data for this period"
    assert by["dead_and_missing"].display == "0"


def test_the_nearest_country_distance_is_the_one_in_the_catalogue_text() -> None:
    from geo.spatial import DEFAULT_MAX_KM

    assert f"within {DEFAULT_MAX_KM:g} km" in cat.measure("transit_dead_and_missing").coverage


def test_score_components_take_unit_and_source_from_the_catalogue() -> None:
    from analytics.scores import COMPONENTS

    for kind, comps in cat.COMPONENT_MEASURES.items():
        for comp in comps:
            assert comp in COMPONENTS, (kind, comp)
            assert cat.component_measure(kind, comp).unit
    assert COMPONENTS["detections"].unit == cat.measure("origin_detections").unit
    assert COMPONENTS["deaths_per_1000_detections"].source == "IOM Missing Migrants and Frontex"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_label_never_repeats_its_unit(lang: str) -> None:
    """Presenter figures, metric titles and table heads put the unit beside the label: no word
    twice ("Incidents (incidents)" was shown in both languages), and the unit is dropped only
    where the label already says every word of it."""
    import re

    from i18n import use_lang

    def words(text: str) -> list[str]:
        return re.findall(r"\w+", text.lower())

    with use_lang(lang):
        for mid in cat.MEASURES:
            m = cat.measure(mid)
            shown = m.label_with_unit
            assert shown.startswith(m.label), (lang, mid, shown)
            # Labels may say "and" twice; what the unit adds repeats nothing of the label.
            added = words(shown[len(m.label) :])
            assert not set(added) & set(words(m.label)), (lang, mid, shown)
            note = m.unit_note
            assert not set(words(note)) & set(words(m.label)), (lang, mid, note)
            if not note:  # dropped: the label says the unit already
                assert set(words(m.unit)) <= set(words(m.label)), (lang, mid, m.unit)
    with use_lang(lang):
        assert cat.measure("incidents").label_with_unit == "Incidents"
    assert cat.measure("dead_and_missing").label_with_unit == "Dead and missing (persons)"
    assert cat.measure("detections").label_with_unit == "Detections (Frontex) (events, not persons)"
    assert cat.measure("risk_score").label_with_unit == "Risk score, points (0-100)"
    assert cat.label_with_unit("Share of children", "%") == "Share of children (%)"
