"""``python -m analytics`` on a small temporary warehouse built from tests/data/fixtures."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from services.cli import build_parser, main

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "data" / "fixtures"

# Two synthetic incidents without a country of incident, appended to the quirks fixture:
# one at sea ~20 km south of Lampedusa (-> Italy), one in the open Ionian Sea (-> nobody).
EXTRA_ROWS = (
    "X.0001,X.0001,Incident,Mediterranean,2023-06-10,2023,June,3,4,7,,,,,Eritrea,Eastern Africa,"
    'Drowning,,Central Mediterranean,At sea,"35.32, 12.60",Uncategorized,Fixture,,4\n'
    "X.0002,X.0002,Incident,Mediterranean,2023-06-11,2023,June,2,0,2,,,,,Eritrea,Eastern Africa,"
    'Drowning,,Central Mediterranean,At sea,"34.0, 18.0",Uncategorized,Fixture,,4\n'
)


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from data.ingest import load_file

    tmp = tmp_path_factory.mktemp("cli")
    mmp = tmp / "mmp_quirks_plus.csv"
    text = (FIXTURES / "mmp_quirks.csv").read_text(encoding="utf-8")
    mmp.write_text(text.rstrip("\n") + "\n" + EXTRA_ROWS, encoding="utf-8")
    db = tmp / "fixture.duckdb"
    for p in (mmp, FIXTURES / "frontex_small.csv", FIXTURES / "oc_index_2023_small.csv"):
        load_file(p, db=db)
    return db


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_route_json(fixture_db, capsys):
    code, out, err = run(capsys, "risk", "--level", "route", "--json", "--db", str(fixture_db))
    assert code == 0, err
    objs = {o["id"]: o for o in json.loads(out)}
    cm = objs["central_mediterranean"]
    # Fixture by hand: T.0001 (5), T.0002 (4, also Sahara), T.0009 (3), T.0010 (2), X.0001 (7),
    # X.0002 (2) -> 6 incidents, 23 dead and missing; Frontex CM 1200 + 800 + 900 = 2900.
    assert cm["components"]["incidents"]["value"] == 6
    assert cm["components"]["dead_and_missing"]["value"] == 23
    assert cm["components"]["multi_route_incidents"]["value"] == 1
    assert cm["components"]["detections"]["value"] == 2900
    # Lethality over the months both sources cover (the catalogue's rule): IOM's span in this
    # fixture starts in February 2023, so January's 2,000 detections are left out: 23 / 900.
    assert cm["components"]["deaths_per_1000_detections"]["value"] == pytest.approx(23 / 0.9)
    assert "not persons" in cm["components"]["detections"]["unit"]
    assert cm["sources"]["incidents"].startswith("mmp-2023")
    assert cm["sources"]["detections"].startswith("frontex-")
    assert cm["vintages"] == {"incidents": "2023-09-02", "detections": "2023-10-01"}
    # A route without a Frontex series has no detections and no source for them.
    sahara = objs["sahara_desert"]
    assert sahara["components"]["detections"]["value"] is None
    assert sahara["sources"]["detections"] is None
    assert "score" not in cm


def test_origin_json_split_and_components(fixture_db, capsys):
    code, out, err = run(
        capsys,
        "risk",
        "--level",
        "origin",
        "--json",
        "--db",
        str(fixture_db),
        "--origin",
        "GIN",
        "--origin",
        "mli",
    )
    assert code == 0, err
    objs = {o["id"]: o for o in json.loads(out)}
    assert set(objs) == {"GIN", "MLI"}
    gin = objs["GIN"]
    # T.0001: 5 dead and missing, origins Guinea and Mali -> 2.5 each, one split incident.
    assert gin["components"]["dead_and_missing"]["value"] == pytest.approx(2.5)
    assert gin["split_incidents"] == 1
    assert gin["components"]["detections"]["value"] == 800
    assert gin["components"]["oc_human_smuggling"]["value"] is None  # Guinea not in the fixture
    assert set(gin["components"]) == {
        "dead_and_missing",
        "deaths_per_1000_detections",
        "detections",
        "change_pct",
        "share_children",
        "share_women",
        "oc_human_smuggling",
    }
    for comp in gin["components"].values():
        assert comp["unit"] and "source" in comp
    assert "score" in gin and "confidence" in gin
    assert gin["vintages"] == {
        "incidents": "2023-09-02",
        "detections": "2023-10-01",
        "oc_index_edition": 2023,
    }
    assert gin["sources"]["incidents"].startswith("mmp-2023")
    assert gin["sources"]["oc_index"].startswith("oc-index-2023")
    assert "Frontex, vintage 2023-10-01" in gin["sources_text"]
    assert objs["MLI"]["insufficient_data"] is True and objs["MLI"]["score"] is None


def test_transit_assigns_the_nearest_country(fixture_db, capsys):
    code, out, err = run(
        capsys, "risk", "--level", "transit", "--scope", "world", "--json", "--db", str(fixture_db)
    )
    assert code == 0, err
    objs = {o["id"]: o for o in json.loads(out)}
    # X.0001 (7 dead and missing, no country) lies ~20 km off Lampedusa: counted for Italy.
    assert objs["ITA"]["components"]["dead_and_missing"]["value"] == 7
    # X.0002 is >100 km from any coast and stays unassigned: no country gains its 2.
    total = sum(o["components"]["dead_and_missing"]["value"] for o in objs.values())
    assert total == 36 - 12 + 7  # located incidents (excluding T.0005, no place) + X.0001
    assert objs["LBY"]["components"]["dead_and_missing"]["value"] == 9
    # Worldwide, Frontex has no say: its component is "no data" (null), not 0.
    assert objs["LBY"]["components"]["detections_on_routes_crossing"]["value"] is None
    assert all(o["scope"] == "world" for o in objs.values())
    # Towards Europe (the default) the routes crossing Libya carry their Frontex detections.
    code, out, err = run(capsys, "risk", "--level", "transit", "--json", "--db", str(fixture_db))
    assert code == 0, err
    europe = {o["id"]: o for o in json.loads(out)}
    assert europe["LBY"]["components"]["detections_on_routes_crossing"]["value"] == 2900
    assert europe["LBY"]["scope"] == "europe" and europe["LBY"]["variant"] == "robust"


def test_text_outputs(fixture_db, capsys):
    code, out, _ = run(capsys, "risk", "--level", "route", "--db", str(fixture_db), "--limit", "2")
    assert code == 0
    assert "Central Mediterranean" in out and "2,900" in out and "not persons" in out
    code, out, _ = run(capsys, "risk", "--level", "transit", "--db", str(fixture_db))
    assert code == 0 and "Libya" in out
    code, out, _ = run(capsys, "messages", "--db", str(fixture_db))
    assert code == 0 and out.startswith("Key messages") and "1. At least 45 people" in out


def test_alerts_and_messages_json(fixture_db, capsys):
    code, out, err = run(capsys, "alerts", "--as-of", "2023-09", "--json", "--db", str(fixture_db))
    assert code == 0, err
    assert json.loads(out) == []  # a handful of incidents can never make an alert
    code, out, _ = run(
        capsys, "alerts", "--as-of", "2023-09", "--candidates", "--json", "--db", str(fixture_db)
    )
    rows = json.loads(out)
    cm = next(r for r in rows if r["id"] == "central_mediterranean")
    assert cm["status"] == "none" and cm["reason"].startswith("Too few")
    assert cm["period_label"] == "Jul\u2013Sep 2023" and cm["current"] == 5
    code, out, _ = run(capsys, "messages", "--json", "--n", "3", "--db", str(fixture_db))
    msgs = json.loads(out)
    assert [m["rank"] for m in msgs] == [1, 2, 3]
    assert all(
        "mmp-2023" in m["source_ids"] and "vintage 2023-09-02" in m["sentence"] for m in msgs
    )


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["risk", "--level", "route", "--from", "2023-13-01"], "bad date '2023-13-01'"),
        (["risk", "--level", "route", "--route", "atlantis"], "unknown route id atlantis"),
        (
            ["risk", "--level", "route", "--from", "2023-05-01", "--to", "2023-01-01"],
            "is after --to",
        ),
        (["risk", "--level", "route", "--vintage", "mmp-nope"], "unknown vintage"),
        (["risk", "--level", "route", "--region", "Atlantis"], "unknown region"),
        (["risk", "--level", "route", "--origin", "GUINEA"], "bad origin"),
        (["risk", "--level", "route", "--weight", "detections=1"], "--weight applies"),
        (["risk", "--level", "origin", "--weight", "nope=1"], "unknown component 'nope'"),
        (["risk", "--level", "origin", "--weight", "detections=-1"], "bad weight"),
        (["risk", "--level", "sideways"], "invalid choice"),
        (["alerts", "--as-of", "2023-13"], "bad month"),
        (["alerts", "--as-of", "2031-01"], "after the last month"),
        (["alerts", "--months", "0"], "--months"),
        (["alerts", "--from", "2023-01-01"], "use --as-of"),
        (["messages", "--min-quality", "9"], "minimum source quality"),
    ],
)
def test_errors_are_one_line_exit_2(fixture_db, capsys, argv, needle):
    code, out, err = run(capsys, *argv, "--db", str(fixture_db))
    assert code == 2
    assert out == ""
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert needle in err
    assert "Traceback" not in err


def test_missing_warehouse(tmp_path, capsys):
    code, _, err = run(capsys, "risk", "--level", "route", "--db", str(tmp_path / "none.duckdb"))
    assert code == 2 and err.startswith("error: No warehouse") and err.count("\n") == 1


def test_empty_warehouse_does_not_crash(tmp_path, capsys):
    from data.ingest import init_warehouse

    db = tmp_path / "empty.duckdb"
    init_warehouse(db)
    for argv in (
        ["risk", "--level", "route"],
        ["risk", "--level", "origin", "--json"],
        ["risk", "--level", "transit"],
        ["messages"],
    ):
        code, out, err = run(capsys, *argv, "--db", str(db))
        assert code == 0 and err == "", (argv, err)
    code, _, err = run(capsys, "alerts", "--db", str(db))
    assert code == 2 and err == "error: no incident data is loaded\n"


def test_parser_is_extensible():
    p = build_parser()
    sub = next(a for a in p._actions if a.dest == "cmd")
    assert set(sub.choices) == {
        "risk", "alerts", "messages", "backtest", "brief", "reconcile", "money", "plan",
    }  # fmt: skip


def test_module_entry_point(fixture_db):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "analytics",
            "risk",
            "--level",
            "route",
            "--route",
            "nowhere",
            "--db",
            str(fixture_db),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert (
        proc.stderr.startswith("error: unknown route id nowhere") and "Traceback" not in proc.stderr
    )


def test_risk_scope_variant_and_weights(fixture_db, capsys):
    # Worldwide, raw counts, OC Index left out: no Frontex component, the OC adds no point.
    code, out, err = run(
        capsys,
        "risk",
        "--level",
        "origin",
        "--json",
        "--scope",
        "world",
        "--variant",
        "raw",
        "--weight",
        "dead_and_missing=1",
        "--weight",
        "oc_human_smuggling=0",
        "--db",
        str(fixture_db),
    )
    assert code == 0, err
    objs = json.loads(out)
    assert objs and all(o["scope"] == "world" and o["variant"] == "raw" for o in objs)
    for o in objs:
        assert o["components"]["detections"]["value"] is None
        assert o["components"]["deaths_per_1000_detections"]["value"] is None
        assert o["rank"] == o["rank_raw"]
        assert o["components"]["oc_human_smuggling"]["points"] in (0, None)
        assert isinstance(o["driven_by_one_incident"], bool)
        assert o["flag"] == ("driven by one incident" if o["driven_by_one_incident"] else "")
    # The text output says the scope, the variant and the weights, and flags each rank.
    code, out, err = run(capsys, "risk", "--level", "origin", "--db", str(fixture_db))
    assert code == 0, err
    assert (
        "Scope: routes towards Europe. Scores: robust (each incident capped, rates shrunk)." in out
    )
    assert "Weights: dead and missing 0.30," in out and "raw rank" in out
    # Bad values and misplaced options are refused.
    code, _, err = run(
        capsys, "risk", "--level", "origin", "--scope", "moon", "--db", str(fixture_db)
    )
    assert code == 2 and "invalid choice" in err
    code, _, err = run(
        capsys, "risk", "--level", "route", "--variant", "raw", "--db", str(fixture_db)
    )
    assert code != 0 and "--scope and --variant apply to" in err
