"""Follow the money on the real files in ../shared/data: the service, one published estimate
recomputed, the validation table of docs/money.md, the pack slide and the command."""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from analytics import money as am
from data import money as dm
from data.filters import Filters
from services import money as sm
from tests.conftest import REPO, shared_file

pytestmark = pytest.mark.shared

FRONTEX = "frontex/frontex_ibc_detections_monthly_2009-2025.csv"
ARRIVALS = "unhcr/unhcr_daily_arrivals_italy.csv"
#: The routes Frontex's 2015 arrivals came by (the Western Balkans count is mostly the same
#: people after Greece, so it is left out, as docs/money.md says).
EU_2015 = (
    "eastern_mediterranean",
    "central_mediterranean",
    "western_mediterranean",
    "western_african_atlantic",
)


@pytest.fixture(scope="module")
def con(real_db: Path):
    c = duckdb.connect(str(real_db), read_only=True)
    yield c
    c.close()


@pytest.fixture(scope="module")
def frontex() -> pd.DataFrame:
    """The raw Frontex file read with pandas (no project code on the expected side)."""
    raw = pd.read_csv(shared_file(FRONTEX))
    raw["year"] = raw["t"].str[:4].astype(int)
    return raw


def raw_detections(frontex: pd.DataFrame, label: str, year: int) -> int:
    return int(frontex[(frontex["route"] == label) & (frontex["year"] == year)]["n"].sum())


def test_service_revenue_matches_the_raw_file_by_hand(con, frontex: pd.DataFrame) -> None:
    t = sm.money_tables(con, Filters(routes=("central_mediterranean",)))
    r = t.revenue.set_index("year")
    n = raw_detections(frontex, "Central Mediterranean Route", 2017)
    assert n == 118_962
    assert r.loc[2017, "persons"] == n
    eur_2024 = 1300 * 1.1297 * 313.689 / 245.120 / 1.0824  # EUR 1,300 (2017), docs/money.md
    assert r.loc[2017, "revenue_low_eur"] == pytest.approx(n * 0.9 * eur_2024)
    assert r.loc[2017, "revenue_high_eur"] == pytest.approx(n * 1.0 * eur_2024)
    # No fee for 2019: no data, never 0; 2025 is Frontex's partly covered year (January-April).
    assert r.loc[2019, "status"] == am.STATUS_NO_FEE and pd.isna(r.loc[2019, "revenue_low_eur"])
    assert r.loc[2025, "months"] == 4 and bool(r.loc[2025, "partial"])
    assert any("Central Mediterranean 2025 (4 months)" in n for n in t.notes)
    assert set(t.revenue["route_id"]) == {"central_mediterranean"}
    assert t.source_ids and t.source_ids[0].startswith("frontex")
    # The leg table in scope: the Libya-Italy crossing is 38-84% of the Bangladeshi package.
    leg = t.legs.set_index("part_fee_id").loc["cm_libya_italy_speedboat_2025_frontex"]
    assert (leg["share_low"], leg["share_high"]) == (
        pytest.approx(5000 / 13000),
        pytest.approx(8000 / 9500),
    )


def test_period_and_nationality_filters_reach_the_counts(con, frontex: pd.DataFrame) -> None:
    f = Filters(date_from=dt.date(2017, 1, 1), date_to=dt.date(2017, 12, 31), origins=("NGA",))
    t = sm.money_tables(con, f)
    assert set(t.revenue["year"]) == {2017}
    cm = t.revenue.set_index("route_id").loc["central_mediterranean"]
    want = frontex[
        (frontex["route"] == "Central Mediterranean Route")
        & (frontex["year"] == 2017)
        & (frontex["nat"] == "NGA")
    ]["n"].sum()
    assert cm["persons"] == int(want) > 0


def test_arrivals_basis_counts_italy_on_the_central_mediterranean(con) -> None:
    raw = pd.read_csv(shared_file(ARRIVALS))
    want = int(raw[raw["data_date"].str.startswith("2017")]["individuals"].sum())
    t = sm.money_tables(con, Filters(), persons="arrivals")
    ok = t.with_data
    assert set(ok["route_id"]) == {"central_mediterranean"}
    assert ok.set_index("year").loc[2017, "persons"] == want
    # The series starts in October 2015: three months of 2015.
    cm = t.revenue[t.revenue["route_id"] == "central_mediterranean"].set_index("year")
    assert cm.loc[2015, "months"] == 3
    # Other routes have fees but no arrivals count: listed, no data.
    em = t.revenue[t.revenue["route_id"] == "eastern_mediterranean"].set_index("year")
    assert em.loc[2015, "status"] == am.STATUS_NO_PERSONS
    # Arrivals carry no nationality: an origin filter leaves nothing to count, and says so.
    t2 = sm.money_tables(con, Filters(origins=("NGA",)), persons="arrivals")
    assert t2.with_data.empty
    assert any("no nationality" in n for n in t2.notes)


def test_recomputes_the_europol_2015_estimate_within_its_stated_range(
    con, frontex: pd.DataFrame
) -> None:
    """Europol (Feb 2016): smugglers' turnover EUR 3-6 billion in 2015.

    Published inputs: the per-person cost Europol-INTERPOL multiplied arrivals by, EUR
    3,000-6,000 (Reuters, 17 May 2016), and Europol's share that used a smuggler, more than
    90%. Persons: the real Frontex detections on the four routes people arrived by in 2015.
    """
    persons = dm.query_detections_by_route_year(
        con, Filters(date_from=dt.date(2015, 1, 1), date_to=dt.date(2015, 12, 31), routes=EU_2015)
    )
    assert (
        int(persons["persons"].sum())
        == sum(
            raw_detections(frontex, label, 2015)
            for label in (
                "Eastern Mediterranean Route",
                "Central Mediterranean Route",
                "Western Mediterranean Route",
                "Western African Route",
            )
        )
        == 1_047_210
    )
    published_fee = pd.DataFrame(
        [
            {
                "fee_id": f"europol_interpol_{r}",
                "route_id": r,
                "leg": "whole journey",
                "year": 2015,
                "fee_low": 3000,
                "fee_high": 6000,
                "currency": "EUR",
                "fee_kind": "crossing",
                "part_of": "",
            }
            for r in EU_2015
        ]
    )
    fx = dm.read_fx()
    # Keep the publisher's money (EUR of 2015): price year 2015.
    rev = am.compute_revenue(persons, published_fee, fx, dm.read_smuggler_share(), price_year=2015)
    low, high = rev["revenue_low_eur"].sum(), rev["revenue_high_eur"].sum()
    published = dm.read_published_estimates().set_index("estimate_id").loc["europol_eu_2015"]
    p_low, p_high = float(published["low"]), float(published["high"])
    assert (p_low, p_high) == (3e9, 6e9)
    # 1,047,210 x 0.9 x 3,000 = EUR 2.83 bn; 1,047,210 x 1.0 x 6,000 = EUR 6.28 bn.
    assert low == pytest.approx(1_047_210 * 0.9 * 3000)
    assert high == pytest.approx(1_047_210 * 6000)
    assert p_low <= (low + high) / 2 <= p_high
    assert 0.9 <= low / p_low <= 1.1 and 0.9 <= high / p_high <= 1.1


def test_the_validation_table_in_the_doc_is_current(real_db: Path) -> None:
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import build_money_validation as bv
    finally:
        sys.path.remove(str(REPO / "scripts"))
    doc = (REPO / "docs" / "money.md").read_text(encoding="utf-8")
    assert bv.render(doc, bv.table(real_db)) == doc, (
        "docs/money.md is out of date: run python scripts/build_money_validation.py"
    )
    row = re.search(r"^\| `frontex_cm_2017` .*$", doc, re.M)
    assert row and "| 1.03-1.15 |" in row.group(0)


def test_the_pack_has_a_follow_the_money_slide_with_its_figures(con) -> None:
    from services.pack import collect_pack

    f = Filters(routes=("central_mediterranean", "western_mediterranean"))
    pack = collect_pack(con, f, render_images=False)
    slide = next(s for s in pack.slides if s.title == "Follow the money")
    figs = {
        (dict(a.key)["route"], dict(a.key)["year"], dict(a.key)["bound"]): a for a in slide.figures
    }
    t = sm.money_tables(con, f)
    ok = t.with_data.set_index(["route_id", "year"])
    assert len(figs) == 2 * len(ok)
    a = figs[("central_mediterranean", "2017", "low")]
    assert a.measure == "smuggling_revenue"
    assert a.value == pytest.approx(ok.loc[("central_mediterranean", 2017), "revenue_low_eur"])
    assert "events, not persons" in slide.caption


def test_money_command(real_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from services.cli import main

    code = main(
        ["money", "--route", "central_mediterranean", "--from", "2017-01-01", "--to",
         "2017-12-31", "--json", "--db", str(real_db)]
    )  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    obj = json.loads(out)
    assert obj["unit"] == "EUR (2024 prices)" and obj["persons"] == "detections"
    (row,) = [r for r in obj["rows"] if r["status"] == "ok"]
    assert row["persons"] == 118_962
    assert row["revenue_low_eur"] < row["revenue_high_eur"]

    code = main(["money", "--route", "central_mediterranean", "--share", "0.5-0.5",
                 "--from", "2017-01-01", "--to", "2017-12-31", "--db", str(real_db)])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Central Mediterranean 2017: EUR 103.3 million to EUR 103.3 million" in out
    assert "events, not persons" in out

    code = main(["money", "--route", "atlantis", "--db", str(real_db)])
    out, err = capsys.readouterr()
    assert code == 2 and err.startswith("error: unknown route id atlantis; known:")
    assert out == "" and "Traceback" not in err
    code = main(["money", "--share", "0.9-0.1", "--db", str(real_db)])
    out, err = capsys.readouterr()
    assert code == 2 and "bad share" in err
