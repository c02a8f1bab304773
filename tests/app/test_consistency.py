"""One number everywhere: the same measure, filters and data give the same value on every surface.

For each filter combination, on the warehouse loaded from the real files in ../shared/data, the
test reads each measure from every surface that shows it, independently of each other:

* the app (AppTest): the Overview's headline figures, their changes, its route bars and its first
  key message; the Risk page's country card;
* the pack's audit trail (``services.pack.build_pack(..., "json")``, what the Briefing page
  offers);
* the command line: ``python -m analytics brief --format json`` and ``risk --json``;

and asserts they are equal. Giving any one surface its own formula back (a lethality over other
months, an origin count without the 1/k split, another "previous period") makes it fail.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from analytics.catalogue import measure
from data.db import connect_read_only
from data.filters import Filters, filters_to_query
from services.cli import main as cli_main
from services.pack import build_pack

APP = str(Path(__file__).resolve().parents[2] / "app.py")
D = dt.date

COMBOS: dict[str, Filters] = {
    "all-years": Filters(),
    "2025": Filters(date_from=D(2025, 1, 1), date_to=D(2025, 12, 31)),
    "2024": Filters(date_from=D(2024, 1, 1), date_to=D(2024, 12, 31)),
    "2023": Filters(date_from=D(2023, 1, 1), date_to=D(2023, 12, 31)),
    "quarter": Filters(date_from=D(2024, 4, 1), date_to=D(2024, 6, 30)),
    "route": Filters(
        date_from=D(2023, 1, 1), date_to=D(2023, 12, 31), routes=("western_african_atlantic",)
    ),
    "origin": Filters(date_from=D(2023, 1, 1), date_to=D(2023, 12, 31), origins=("AFG",)),
    "region": Filters(mmp_regions=("Mediterranean",)),
}
HEADLINE = ("dead_and_missing", "missing", "incidents", "detections")


def decode(value: Any) -> Any:
    """Plotly writes numeric arrays as base64 typed arrays; read them back as a list."""
    if isinstance(value, dict) and "bdata" in value:
        arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        return arr.tolist()
    return value


def cli_args(f: Filters) -> list[str]:
    out: list[str] = []
    if f.date_from:
        out += ["--from", f.date_from.isoformat()]
    if f.date_to:
        out += ["--to", f.date_to.isoformat()]
    for r in f.routes:
        out += ["--route", r]
    for o in f.origins:
        out += ["--origin", o]
    for r in f.mmp_regions:
        out += ["--region", r]
    return out


def run_cli(*argv: str) -> Any:
    buf = io.StringIO()
    with redirect_stdout(buf):
        code = cli_main(list(argv))
    assert code == 0, argv
    return json.loads(buf.getvalue())


def by_measure(audit: dict, measure_id: str, slide_title: str | None = None) -> dict:
    """``key`` (as a tuple) -> figure for one measure of the audit trail."""
    out = {}
    for fig in audit["figures"]:
        if fig["measure"] != measure_id:
            continue
        if slide_title is not None and fig["slide_title"] != slide_title:
            continue
        out[tuple(sorted(fig["key"].items()))] = fig
    return out


@pytest.fixture(scope="module")
def pack_audits(real_db: Path) -> dict[str, dict]:
    con = connect_read_only(real_db)
    try:
        return {k: json.loads(build_pack(con, f, "json")) for k, f in COMBOS.items()}
    finally:
        con.close()


@pytest.fixture(scope="module")
def cli_audits(real_db: Path) -> dict[str, dict]:
    return {
        k: run_cli("brief", "--format", "json", "--quiet", *cli_args(f), "--db", str(real_db))
        for k, f in COMBOS.items()
    }


@pytest.fixture
def app_for(real_db: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("ROUTEWATCH_DB", str(real_db))
    monkeypatch.delenv("ROUTEWATCH_ONLINE_BASEMAP", raising=False)

    def make(f: Filters) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=120)
        at.query_params.update(filters_to_query(f))
        return at

    yield make


def headline_in_app(at: AppTest) -> dict[str, tuple[str, str]]:
    """Measure id -> (value, change) as the Overview's metrics show them."""
    shown = {m.label: (m.value, m.proto.delta or "") for m in at.metric}
    return {mid: shown[measure(mid).label] for mid in HEADLINE}


@pytest.mark.parametrize("combo", list(COMBOS))
def test_every_surface_shows_the_same_figures(
    combo: str, app_for: Any, pack_audits: dict, cli_audits: dict, real_db: Path
) -> None:
    f = COMBOS[combo]
    pack, cli = pack_audits[combo], cli_audits[combo]

    # 1. Headline figures and their changes: Overview, pack, command line.
    at = app_for(f).run()
    assert not at.exception, [e.message for e in at.exception]
    app = headline_in_app(at)
    pack_head = {
        fig["measure"]: (fig["display"], fig["change"])
        for fig in pack["figures"]
        if fig["slide_title"] == "Headline figures"
    }
    cli_head = {
        fig["measure"]: (fig["display"], fig["change"])
        for fig in cli["figures"]
        if fig["slide_title"] == "Headline figures"
    }
    assert app == pack_head == cli_head, combo

    # 2. The first key message repeats the headline total.
    html = " ".join(h.proto.body for h in at.get("html"))
    total = re.search(r"At least ([\d,]+) people", html)
    assert total, combo
    assert total.group(1) == app["dead_and_missing"][0], combo

    # 3. Dead and missing per route: the Overview's route bars, the pack, ``risk --json``.
    routes_cli = run_cli("risk", "--level", "route", "--json", *cli_args(f), "--db", str(real_db))
    cli_dm = {o["id"]: o["components"]["dead_and_missing"]["value"] for o in routes_cli}
    cli_leth = {o["id"]: o["components"]["deaths_per_1000_detections"]["value"] for o in routes_cli}
    bars = [
        json.loads(e.proto.spec)
        for e in at.get("plotly_chart")
        if json.loads(e.proto.spec)["layout"]["meta"].get("chart") == "routes-by-dead-and-missing"
    ]
    assert len(bars) == 1, combo
    if bars[0]["data"]:  # an empty chart says so in its title
        trace = bars[0]["data"][0]
        for rid, x in zip(decode(trace["customdata"]), decode(trace["x"]), strict=True):
            assert x == cli_dm[rid], (combo, rid)
    for key, fig in by_measure(pack, "dead_and_missing").items():
        if key and key[0][0] == "route_id":
            assert fig["value"] == cli_dm[key[0][1]], (combo, key)

    # 4. Lethality per route: the pack's route bars and ``risk --json`` (one definition).
    leth = by_measure(pack, "deaths_per_1000_detections")
    for key, fig in leth.items():
        rid = key[0][1]
        assert fig["value"] == pytest.approx(cli_leth[rid]), (combo, rid)
        assert fig["display"] == measure("deaths_per_1000_detections").format(cli_leth[rid])

    # 5. Dead and missing by country of origin (the 1/k split): the pack's risk slide and its
    #    nationality chart, ``risk --level origin --json``, and the Risk page's country card.
    #    The risk slide ranks in the default scope (routes towards Europe); the nationality
    #    chart speaks of every route, as the Routes page does: ``--scope world``.
    origin_cli = run_cli("risk", "--level", "origin", "--json", *cli_args(f), "--db", str(real_db))
    cli_origin = {o["id"]: o["components"]["dead_and_missing"]["value"] for o in origin_cli}
    world_cli = run_cli(
        "risk",
        "--level",
        "origin",
        "--scope",
        "world",
        "--json",
        *cli_args(f),
        "--db",
        str(real_db),
    )
    cli_world = {o["id"]: o["components"]["dead_and_missing"]["value"] for o in world_cli}
    for slide in {
        fig["slide_title"] for fig in pack["figures"] if fig["measure"] == "origin_dead_and_missing"
    }:
        expected_dm = cli_origin if slide.startswith("Origin risk") else cli_world
        for key, fig in by_measure(pack, "origin_dead_and_missing", slide).items():
            iso3 = key[0][1]
            assert fig["value"] == pytest.approx(expected_dm[iso3]), (combo, slide, iso3)
    at.switch_page("pages/risk.py").run()
    assert not at.exception, [e.message for e in at.exception]
    ranked = [o for o in origin_cli if o["rank"] is not None]
    if ranked:
        first = min(ranked, key=lambda o: o["rank"])
        card = next(df for df in (d.value for d in at.dataframe) if "Component" in df.columns)
        value = card.set_index("Component").loc["Dead and missing", "Value"]
        expected = measure("origin_dead_and_missing").format(
            cli_origin[first["id"]], with_unit=True
        )
        assert value == expected, combo
