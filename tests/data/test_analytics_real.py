"""Risk analytics on the real files in ../shared/data, checked against figures computed here,
independently, from the raw CSVs with pandas (no project code on the expected side)."""

from __future__ import annotations

import datetime as dt
import re
from fractions import Fraction
from math import comb
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from data.filters import Filters
from i18n import use_lang
from services import report
from tests.citations import SOURCE_ID, ids_in
from tests.conftest import shared_file

pytestmark = pytest.mark.shared

MMP_2025 = "mmp/Missing_Migrants_Global_Figures_allData_2025-04.csv"
FRONTEX = "frontex/frontex_ibc_detections_monthly_2009-2025.csv"
SPLIT = re.compile(r",(?!\s)")  # MMP joins values with a bare comma
NOT_A_COUNTRY = {"Unknown", "Mixed", "Mixed/Unknown"}
YEAR_2023 = {"date_from": dt.date(2023, 1, 1), "date_to": dt.date(2023, 12, 31)}


@pytest.fixture(scope="module")
def mmp() -> pd.DataFrame:
    raw = pd.read_csv(shared_file(MMP_2025), dtype=str)
    raw["date"] = pd.to_datetime(raw["Incident Date"], format="%Y-%m-%d", errors="coerce")
    raw["dm"] = pd.to_numeric(raw["Total Number of Dead and Missing"], errors="coerce")
    raw["routes"] = (
        raw["Migration Route"]
        .fillna("")
        .map(lambda s: [x.strip() for x in SPLIT.split(s) if x.strip()])
    )
    return raw[raw["date"].notna()]


@pytest.fixture(scope="module")
def frontex() -> pd.DataFrame:
    return pd.read_csv(shared_file(FRONTEX), dtype={"n": float})


@pytest.fixture(scope="module")
def con(real_db: Path):
    c = duckdb.connect(str(real_db), read_only=True)
    yield c
    c.close()


@pytest.fixture(scope="module")
def v2025(con) -> str:
    s = con.execute(
        "SELECT source_id FROM sources WHERE kind = 'mmp' AND origin LIKE '%2025-04%'"
    ).fetchone()
    assert s, "the 2025-04 vintage is loaded by the real_db fixture"
    return str(s[0])


@pytest.fixture(scope="module")
def cited_2025(con, v2025) -> str:
    """How a reader sees the 2025-04 vintage cited: publisher and vintage date, no id."""
    (vint,) = con.execute(
        "SELECT vintage FROM sources WHERE source_id = $s", {"s": v2025}
    ).fetchone()
    return f"IOM Missing Migrants Project, vintage {pd.Timestamp(vint).date().isoformat()}"


def in_2023(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["date"].dt.year == 2023]


def on_route(df: pd.DataFrame, label: str) -> pd.DataFrame:
    return df[df["routes"].map(lambda r: label in r)]


def exact_two_sided(k: int, n: int, p: Fraction) -> float:
    pmf = [comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(n + 1)]
    return float(sum(x for x in pmf if x <= pmf[k]))


def test_central_mediterranean_2023_lethality(con, v2025, mmp, frontex):
    dead = on_route(in_2023(mmp), "Central Mediterranean")["dm"].sum()
    fx = frontex[
        (frontex["route"] == "Central Mediterranean Route") & frontex["t"].str.startswith("2023")
    ]
    detections = fx["n"].sum()
    assert detections == 158_026  # Frontex CM 2023, as published
    f = Filters(**YEAR_2023, vintage=v2025)
    rr = report.route_risk(con, f).set_index("route_id")
    cm = rr.loc["central_mediterranean"]
    assert cm["dead_and_missing"] == dead == 2526
    assert cm["detections"] == detections
    assert cm["deaths_per_1000_detections"] == pytest.approx(1000 * dead / detections)  # ~16.0
    assert cm["incident_source"] == v2025 and cm["detection_source"].startswith("frontex-")
    assert cm["lethality_period"] == "2023-01-01 to 2023-12-31"
    # The monthly series adds up to the same figures.
    series = report.route_risk_series(con, f, "central_mediterranean")
    assert series["dead_and_missing"].sum() == dead and series["detections"].sum() == detections
    assert len(series) == 12


def test_top_origin_2023(con, v2025, mmp):
    rows = in_2023(mmp)
    shares: dict[str, float] = {}
    for origins, dm in zip(rows["Country of Origin"].fillna(""), rows["dm"], strict=True):
        named = [
            o.strip() for o in SPLIT.split(origins) if o.strip() and o.strip() not in NOT_A_COUNTRY
        ]
        for o in dict.fromkeys(named):
            shares[o] = shares.get(o, 0.0) + dm / len(dict.fromkeys(named))
    expected = pd.Series(shares).sort_values(ascending=False)
    assert expected.index[0] == "Afghanistan"
    o = report.origin_risk(con, Filters(**YEAR_2023, vintage=v2025), scope="world")
    top = o.sort_values("dead_and_missing", ascending=False).iloc[0]
    assert top["iso3"] == "AFG"
    assert top["dead_and_missing"] == pytest.approx(expected.iloc[0])  # 1,153.5
    # Scores are on 0-100, ranked countries first, and the top origin has a reason.
    assert o["score"].dropna().between(0, 100).all()
    assert not o["rank"].isna().iloc[: int(o["rank"].notna().sum())].any()
    assert top["why"].startswith("Afghanistan ranks") and top["confidence"] == "high"
    # The origin filter keeps the chosen country with its rank among all origins.
    only = report.origin_risk(
        con, Filters(**YEAR_2023, vintage=v2025, origins=("AFG",)), scope="world"
    )
    assert only["iso3"].tolist() == ["AFG"]
    assert only.iloc[0]["score"] == pytest.approx(top["score"])
    assert only.iloc[0]["rank"] == top["rank"]


def test_top_transit_countries_2023(con, v2025, mmp):
    expected = in_2023(mmp).groupby("Country of Incident")["dm"].sum().sort_values(ascending=False)
    top3 = expected.head(3)
    assert top3.index.tolist() == ["Iran (Islamic Republic of)", "Libya", "Tunisia"]
    t = report.transit_risk(con, Filters(**YEAR_2023, vintage=v2025), scope="world")
    ours = t.sort_values("dead_and_missing", ascending=False).head(3)
    assert ours["iso3"].tolist() == ["IRN", "LBY", "TUN"]
    assert ours["dead_and_missing"].tolist() == top3.tolist()  # 1,080, 951, 760
    # Every incident in this export has a country: nothing needed nearest-country assignment.
    assert t["dead_and_missing_assigned"].sum() == 0
    assert t["score"].dropna().between(0, 100).all()


def test_canary_islands_autumn_2023_alert(con, v2025, cited_2025, mmp):
    atl = on_route(mmp, "Western Africa / Atlantic route to the Canary Islands")

    def window(a: str, b: str) -> pd.DataFrame:
        return atl[(atl["date"] >= a) & (atl["date"] <= b)]

    cur, ya = window("2023-10-01", "2023-12-31"), window("2022-10-01", "2022-12-31")
    base = window("2022-10-01", "2023-09-30")
    assert (len(cur), int(cur["dm"].sum())) == (20, 501)  # "about 500 ... from some 20"
    assert (len(ya), int(ya["dm"].sum())) == (11, 211)  # "about 210 ... 11 incidents"
    p_ya = exact_two_sided(len(cur), len(cur) + len(ya), Fraction(1, 2))
    p_base = exact_two_sided(len(cur), len(cur) + len(base), Fraction(3, 15))

    f = Filters(vintage=v2025)
    cand = report.alert_candidates(con, f, as_of=dt.date(2023, 12, 1), months=3)
    atl_rows = cand[(cand["level"] == "route") & (cand["id"] == "western_african_atlantic")]
    assert set(atl_rows["measure"]) == {"incidents", "dead_and_missing"}
    assert set(atl_rows["window_months"]) == {3}
    row = atl_rows[atl_rows["measure"] == "incidents"].iloc[0]
    assert (row["current"], row["year_ago"]) == (501, 211)
    assert (row["current_incidents"], row["year_ago_incidents"]) == (20, 11)
    assert row["baseline_incidents_12m_avg"] == pytest.approx(len(base) / 4)
    assert row["p_year_ago"] == pytest.approx(p_ya)
    assert row["p_baseline"] == pytest.approx(p_base)
    assert row["largest_incident"] == cur["dm"].max() == 191
    # The outcome: NOT an alert, but on watch. Why: 20 incidents against 11 a year earlier is
    # within chance (p ~ 0.15), although beyond chance against the quieter 12-month baseline
    # (p ~ 0.01); the jump in dead and missing comes mostly from a few large shipwrecks
    # (191 in one), which a test on persons would wrongly treat as independent events.
    assert p_ya > 0.05 > p_base
    assert row["status"] == "watch" and row["direction"] == "up"
    assert "within chance against one reference (20 vs 11 incidents a year earlier" in row["reason"]
    assert "191 of the 501" in row["reason"]
    # The sentence cites publisher and vintage; the source id is a column beside it (issue 16).
    assert "Oct\u2013Dec 2023" in row["sentence"] and cited_2025 in row["sentence"]
    assert not SOURCE_ID.search(row["sentence"]) and row["source_id"] == v2025
    al = report.alerts(con, f, as_of=dt.date(2023, 12, 1), months=3)
    assert "western_african_atlantic" not in set(al["id"])
    assert list(al.columns[:11]) == [
        "level",
        "id",
        "name",
        "period_label",
        "current",
        "year_ago",
        "baseline_12m_avg",
        "p_value",
        "direction",
        "sentence",
        "source_id",
    ]


def test_key_messages_2023(con, v2025, cited_2025, mmp):
    total = int(in_2023(mmp)["dm"].sum())
    m = report.key_messages(con, Filters(**YEAR_2023, vintage=v2025))
    assert len(m) == 5 and m["rank"].tolist() == [1, 2, 3, 4, 5]
    assert m.iloc[0]["sentence"].startswith(
        f"At least {total:,} people were recorded dead or missing"
    )
    assert all(cited_2025 in s and s.endswith(".") for s in m["sentence"])
    assert ids_in(m["sentence"]) == []
    assert all(v2025 in ids for ids in m["source_ids"])


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_reader_text_never_names_a_source_id(con, v2025, lang):
    """Every key message, alert and risk-table citation on the real warehouse (two MMP
    vintages, Frontex, two OC Index editions, UNHCR), in English and French: publisher and
    vintage, never the internal id (issue 16). The ids stay as data columns."""
    f = Filters(**YEAR_2023, vintage=v2025)
    with use_lang(lang):
        labels = report.source_labels(con)
        msgs = pd.concat([report.key_messages(con, Filters(), n=10), report.key_messages(con, f)])
        cand = pd.concat(
            [
                report.alert_candidates(con, Filters()),
                report.alert_candidates(con, f, as_of=dt.date(2023, 12, 1), months=3),
            ]
        )
        origin = report.origin_risk(con, f)
        transit = report.transit_risk(con, f)
    assert len(labels) >= 7 and all(SOURCE_ID.fullmatch(sid) for sid in labels)
    assert ids_in(labels.values()) == []
    assert ids_in(msgs["sentence"]) == []
    assert ids_in(cand["sentence"]) == [] and ids_in(cand["reason"]) == []
    for df in (origin, transit):
        assert ids_in(df["sources"]) == [] and ids_in(df["note"]) == []
    # The OC Index is cited by its edition.
    edition = "2023 edition" if lang == "en" else "édition 2023"
    assert origin["sources"].str.contains(edition).all(), origin["sources"].iloc[0]
    assert msgs["source_ids"].str.contains(SOURCE_ID).all()


def test_incident_only_filters_are_flagged(con, v2025):
    rr = report.route_risk(con, Filters(**YEAR_2023, vintage=v2025, causes=("Drowning",)))
    assert "apply to dead and missing only" in rr.iloc[0]["note"]
    plain = report.route_risk(con, Filters(**YEAR_2023, vintage=v2025))
    assert "apply to dead and missing only" not in plain.iloc[0]["note"]
    # Detections are not filtered by cause: same denominator, smaller numerator.
    a = rr.set_index("route_id").loc["central_mediterranean"]
    b = plain.set_index("route_id").loc["central_mediterranean"]
    assert a["detections"] == b["detections"] and a["dead_and_missing"] <= b["dead_and_missing"]
