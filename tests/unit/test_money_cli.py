"""``python -m analytics money`` on a small warehouse built from tests/data/fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from data.money import read_fx
from services.cli import main

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "data" / "fixtures"


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from data.ingest import load_file

    db = tmp_path_factory.mktemp("money") / "fixture.duckdb"
    for p in (FIXTURES / "mmp_quirks.csv", FIXTURES / "frontex_small.csv"):
        load_file(p, db=db)
    return db


def eur_2024(amount: float, year: int) -> float:
    """EUR of ``year`` at 2024 prices, by the cited path, from the shipped table's values."""
    v = {(r["series_id"], int(r["year"])): float(r["value"]) for r in read_fx().to_dict("records")}
    usd = amount * v[("fx_usd_per_eur", year)]
    return usd * v[("cpi_u_us", 2024)] / v[("cpi_u_us", year)] / v[("fx_usd_per_eur", 2024)]


def test_money_json_by_hand(fixture_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["money", "--route", "central_mediterranean", "--json", "--db", str(fixture_db)])
    out, err = capsys.readouterr()
    assert code == 0, err
    obj = json.loads(out)
    assert obj["measure"] == "smuggling_revenue" and obj["unit"] == "EUR (2024 prices)"
    (row,) = [r for r in obj["rows"] if r["status"] == "ok"]
    # Fixture: Central Mediterranean 2023, 1,200 + 800 + 900 = 2,900 detections (January and
    # February; the fixture's Frontex file covers January-October: 10 months). Fees 2023: EUR 500 (metal boat) to EUR 2,000 (larger boat); share 90-100%.
    assert (row["year"], row["persons"], row["months"]) == (2023, 2900, 10)
    assert row["revenue_low_eur"] == pytest.approx(2900 * 0.9 * eur_2024(500, 2023))
    assert row["revenue_high_eur"] == pytest.approx(2900 * 1.0 * eur_2024(2000, 2023))
    assert row["fee_ids"] == "cm_larger_boat_2023_frontex;cm_tunisia_italy_metal_boat_2023_frontex"
    # Years with a fee but no detections in the fixture are listed as no data, not 0.
    no_count = [r for r in obj["rows"] if r["year"] == 2017]
    assert no_count[0]["revenue_low_eur"] is None
    assert no_count[0]["status"] == "no persons count for this route and year"


def test_money_text_and_errors(fixture_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["money", "--share", "0.5-0.6", "--db", str(fixture_db)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.startswith("Smugglers' gross revenue (estimate, low to high), EUR (2024 prices)")
    assert "Central Mediterranean 2023 (10 months): EUR" in out and "x 50%-60% x fee" in out
    assert "Detections are events, not persons" in out
    code = main(["money", "--route", "nowhere", "--db", str(fixture_db)])
    out, err = capsys.readouterr()
    assert code == 2 and err.startswith("error: unknown route id nowhere; known:") and not out
    code = main(["money", "--persons", "arrivals", "--json", "--db", str(fixture_db)])
    out, err = capsys.readouterr()
    assert code == 0, err
    obj = json.loads(out)
    assert not [r for r in obj["rows"] if r["status"] == "ok"]
    assert any("No UNHCR arrivals series" in n for n in obj["notes"])
