"""The prevention planner's service on the warehouse loaded from the real files, checked
against figures recomputed here with plain SQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from data.filters import Filters
from services import planner, report


@pytest.fixture(scope="module")
def con(real_db: Path):
    c = duckdb.connect(str(real_db), read_only=True)
    yield c
    c.close()


@pytest.fixture(scope="module")
def eritrea(con):
    return planner.plan(con, Filters(), ["ERI"]).cards[0]


def _fx_source(con) -> str:
    return con.execute("SELECT source_id FROM sources WHERE kind = 'frontex'").fetchone()[0]


def test_detection_peak_and_window_match_sql(con, eritrea) -> None:
    src = _fx_source(con)
    first, last = con.execute(
        "SELECT min(month), max(month) FROM detections WHERE source_id = ?", [src]
    ).fetchone()
    y0 = first.year if first.month == 1 else first.year + 1
    y1 = last.year if last.month == 12 else last.year - 1
    rows = con.execute(
        "SELECT month(month) AS m, sum(detections) FROM detections WHERE source_id = ? AND "
        "nationality_iso3 = 'ERI' AND year(month) BETWEEN ? AND ? GROUP BY 1 ORDER BY 2 DESC, 1",
        [src, y0, y1],
    ).fetchall()
    total = sum(r[1] for r in rows)
    peak_month, peak_value = rows[0]
    assert eritrea.detection_peak.month == peak_month
    assert eritrea.detection_peak.years == y1 - y0 + 1
    assert eritrea.detection_peak.share == pytest.approx(peak_value / total)
    w = eritrea.window
    assert w == (((peak_month - 3) % 12) + 1, ((peak_month - 2) % 12) + 1)


def test_who_where_what_on_real_data(con, eritrea) -> None:
    assert list(eritrea.languages["language"])[:2] == ["Tigrinya", "English"]
    # The card's dead and missing is the catalogue's origin figure (split 1/k).
    deaths = report.origin_deaths(con, Filters())
    assert eritrea.dead_and_missing == pytest.approx(
        deaths.loc[deaths["iso3"] == "ERI", "dead_and_missing"].item()
    )
    routes = list(eritrea.routes["route_id"])
    assert routes and "unclassified" not in routes
    # Routes by detections of Eritreans come first: the top one is the SQL top.
    top = con.execute(
        "SELECT route_id FROM detections WHERE nationality_iso3 = 'ERI' AND route_id <> "
        "'unclassified' GROUP BY 1 ORDER BY sum(detections) DESC LIMIT 1"
    ).fetchone()[0]
    assert routes[0] == top
    crossed = {
        r[0]
        for r in con.execute(
            "SELECT DISTINCT iso3 FROM route_countries WHERE list_contains(?, route_id)", [routes]
        ).fetchall()
    }
    assert len(eritrea.transit) and set(eritrea.transit["iso3"]) <= crossed - {"ERI"}
    # Drowning's share of the dead and missing on those routes, counted here.
    inc_src = report.load_reference(con)
    v = report._Ctx(con, inc_src).vintages(Filters())
    dm_all, dm_drown = con.execute(
        "SELECT sum(dead_and_missing), sum(dead_and_missing) FILTER (WHERE list_contains(causes, "
        "'Drowning')) FROM incidents WHERE source_id = ? AND list_has_any(route_ids, ?)",
        [v.incidents, routes],
    ).fetchone()
    drown = eritrea.causes[eritrea.causes["cause"] == "Drowning"]
    assert drown["share"].item() == pytest.approx(dm_drown / dm_all)
    assert eritrea.causes.iloc[0]["cause"] == "Drowning"
    # Both shares come from the origin risk table over all routes (the planner's scope), with
    # its minimum-known rule.
    o = report.origin_risk(con, Filters(), scope=planner.PLANNER_SCOPE)
    assert eritrea.share_children == pytest.approx(
        o.loc[o["iso3"] == "ERI", "share_children"].item()
    )


def test_defaults_unknown_code_and_a_period(con) -> None:
    deaths = report.origin_deaths(con, Filters())
    assert planner.default_countries(con, Filters()) == tuple(deaths["iso3"].head(3))
    assert planner.default_countries(con, Filters(origins=("SYR",))) == ("SYR",)
    with pytest.raises(ValueError, match="unknown country code XXX"):
        planner.plan(con, Filters(), ["XXX"])
    # A single calendar year is one whole year for both sources.
    card = planner.plan(
        con, Filters(date_from=dt.date(2023, 1, 1), date_to=dt.date(2023, 12, 31)), ["AFG"]
    ).cards[0]
    assert card.detection_peak.years == 1 and card.death_peak.years == 1
    assert card.period == "in 2023"


# ------------------------------------------------------------------ python -m analytics plan


def test_plan_command_pdf_is_one_page_with_text_inside(
    real_db: Path, tmp_path: Path, capsys
) -> None:
    import pdfplumber

    from services.cli import main

    out = tmp_path / "eri.pdf"
    rc = main(
        ["--db", str(real_db), "plan", "--origin", "ERI", "--format", "pdf", "--out", str(out)]
    )
    assert rc == 0, capsys.readouterr().err
    with pdfplumber.open(out) as pdf:
        assert len(pdf.pages) == 1
        page = pdf.pages[0]
        for ch in page.chars:
            assert 0 <= ch["x0"] and ch["x1"] <= page.width, ch["text"]
            assert 0 <= ch["top"] and ch["bottom"] <= page.height, ch["text"]
        text = page.extract_text()
    assert "Prevention planner: Eritrea" in text and "Tigrinya 60%" in text
    assert "Campaign window:" in text


def test_plan_command_json_text_csv_and_errors(real_db: Path, tmp_path: Path, capsys) -> None:
    import json

    from services.cli import main

    assert main(["--db", str(real_db), "plan", "--origin", "ERI", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    (card,) = doc["cards"]
    assert card["iso3"] == "ERI" and set(card["sections"]) == {"who", "when", "where", "what"}
    assert all(f["measure"] and f["unit"] for f in card["figures"])
    assert card["campaign_window"] and len(card["campaign_window"]) == 2

    assert main(["--db", str(real_db), "plan", "--origin", "XXX"]) == 2
    assert "unknown country code XXX" in capsys.readouterr().err
    assert main(["--db", str(real_db), "plan", "--origin", "E1"]) == 2
    assert "bad origin" in capsys.readouterr().err
    assert (
        main(["--db", str(real_db), "plan", "--format", "pdf", "--out", str(tmp_path / "x.pdf")])
        == 2
    )
    assert "exactly one --origin" in capsys.readouterr().err

    csv_out = tmp_path / "plan.csv"
    assert (
        main(
            [
                "--db",
                str(real_db),
                "plan",
                "--origin",
                "ERI",
                "--origin",
                "AFG",
                "--from",
                "2022-01-01",
                "--to",
                "2024-12-31",
                "--format",
                "csv",
                "--out",
                str(csv_out),
            ]
        )
        == 0
    )
    import pandas as pd

    rows = pd.read_csv(csv_out, encoding="utf-8-sig")
    assert set(rows["iso3"]) == {"ERI", "AFG"}
    assert {"who", "when", "where", "what", "summary"} == set(rows["section"])
