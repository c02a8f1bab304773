"""Readers see a source as its publisher and vintage, never its internal id (issue 16), in
English and in French: every key message, every alert (alert, watch and quiet series alike),
the command line's text, and the briefing pack's slides, on the demo warehouse. The ids stay
as data: ``source_ids`` / ``source_id`` columns, ``--json``, the audit trail, and the
"Sources and caveats" provenance (the pack's last slide, the pages' popover)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import i18n
from data.filters import Filters
from i18n import use_lang
from services import report
from services.cli import main
from tests.citations import SOURCE_ID, ids_in

LANGS = ("en", "fr")


@pytest.fixture(scope="module")
def con(demo_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    from data.db import connect_read_only

    c = connect_read_only(demo_db)
    yield c
    c.close()


@pytest.fixture(scope="module")
def sources(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    from data.queries import query_sources

    return query_sources(con).set_index("kind")


def _expected(sources: pd.DataFrame, kind: str, lang: str) -> str:
    """The citation of the demo source of ``kind``, written out by hand."""
    vint = pd.Timestamp(sources.loc[kind, "vintage"]).date()
    if lang == "en":
        publisher = {"mmp": "IOM Missing Migrants Project", "frontex": "Frontex"}[kind]
        return f"{publisher}, vintage {vint.isoformat()} (SYNTHETIC DEMO DATA)"
    publisher = {"mmp": "Projet Migrants disparus de l'OIM", "frontex": "Frontex"}[kind]
    with use_lang("fr"):
        day = i18n.fmt_date(vint)
    return f"{publisher}, millésime du {day} (DONNÉES DE DÉMONSTRATION SYNTHÉTIQUES)"


def test_the_id_pattern_matches_every_loaded_source(sources: pd.DataFrame) -> None:
    # Guards the negative tests below: a pattern that matched nothing would pass them all.
    ids = sources["source_id"].astype(str).tolist()
    assert ids and all(SOURCE_ID.fullmatch(s) for s in ids), ids
    assert SOURCE_ID.search("..., vintage 2026-04-09, mmp-20260409-9e0d10c6).")
    assert SOURCE_ID.search("Global Organized Crime Index (oc-index-20230101-0123abcd)")
    assert not SOURCE_ID.search("IOM Missing Migrants Project, vintage 2026-04-09")


@pytest.mark.parametrize("lang", LANGS)
def test_source_labels_are_publisher_and_vintage(con, sources, lang: str) -> None:
    with use_lang(lang):
        labels = report.source_labels(con)
    by_kind = sources.reset_index().set_index("source_id")["kind"]
    assert {sid: _expected(sources, by_kind[sid], lang) for sid in by_kind.index} == labels


@pytest.mark.parametrize("lang", LANGS)
def test_key_messages_cite_publisher_and_vintage_never_the_id(con, sources, lang: str) -> None:
    with use_lang(lang):
        msgs = report.key_messages(con, Filters(), n=10)
        periods = [
            report.key_messages(
                con, Filters(date_from=dt.date(y, 1, 1), date_to=dt.date(y, 12, 31))
            )
            for y in (2016, 2023)
        ]
    msgs = pd.concat([msgs, *periods], ignore_index=True)
    assert len(msgs) >= 10
    assert ids_in(msgs["sentence"]) == []
    mmp = str(sources.loc["mmp", "source_id"])
    fx = str(sources.loc["frontex", "source_id"])
    for r in msgs.to_dict("records"):
        # The id is data, beside the sentence; the sentence names publisher and vintage.
        assert mmp in r["source_ids"]
        assert _expected(sources, "mmp", lang) in r["sentence"], r["sentence"]
        if fx in r["source_ids"]:
            assert _expected(sources, "frontex", lang) in r["sentence"], r["sentence"]


@pytest.mark.parametrize("lang", LANGS)
def test_alert_texts_never_name_the_id(con, sources, lang: str) -> None:
    mmp = str(sources.loc["mmp", "source_id"])
    with use_lang(lang):
        cand = pd.concat(
            [
                report.alert_candidates(con, Filters()),
                report.alert_candidates(con, Filters(), as_of=dt.date(2023, 12, 1), months=3),
            ],
            ignore_index=True,
        )
        shown = report.alerts(con, Filters())
    assert len(cand) > 50 and set(cand["status"]) >= {"alert", "watch"}
    assert ids_in(cand["sentence"]) == [] and ids_in(cand["reason"]) == []
    assert ids_in(shown["sentence"]) == []
    assert (cand["source_id"] == mmp).all()
    cited = cand[cand["status"] != "none"]
    assert cited["sentence"].str.contains(_expected(sources, "mmp", lang), regex=False).all()


@pytest.mark.parametrize("lang", LANGS)
def test_risk_tables_cite_without_ids(con, lang: str) -> None:
    with use_lang(lang):
        origin = report.origin_risk(con, Filters())
        transit = report.transit_risk(con, Filters())
        route = report.route_risk(con, Filters())
    for df in (origin, transit):
        assert ids_in(df["sources"]) == [] and ids_in(df["note"]) == []
        assert ids_in(df["why"]) == []
    assert ids_in(route["note"]) == []


@pytest.mark.parametrize("lang", LANGS)
def test_command_line_text_never_names_the_id(
    demo_db: Path, capsys: pytest.CaptureFixture[str], lang: str
) -> None:
    db = ["--db", str(demo_db), "--lang", lang]
    for argv in (
        ["messages", "--n", "10"],
        ["alerts", "--candidates"],
        ["risk", "--level", "route"],
        ["risk", "--level", "origin"],
        ["risk", "--level", "transit"],
        ["reconcile", "--route", "central_mediterranean"],
        ["plan", "--origin", "AFG"],
    ):
        assert main([*db, *argv]) == 0, argv
        out = capsys.readouterr().out
        assert out.strip() and ids_in(out.splitlines()) == [], argv
    # The ids are one flag away: --json keeps them as data fields.
    assert main([*db, "messages", "--json"]) == 0
    msgs = json.loads(capsys.readouterr().out)
    assert all(SOURCE_ID.search(m["source_ids"]) for m in msgs)
    assert ids_in(m["sentence"] for m in msgs) == []
    assert main([*db, "alerts", "--json"]) == 0
    assert all(SOURCE_ID.fullmatch(a["source_id"]) for a in json.loads(capsys.readouterr().out))


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_pack_slides_never_name_the_id_outside_the_provenance(con, lang: str) -> None:
    from services import pack as sp

    with use_lang(lang):
        p = sp.collect_pack(con, Filters(), generated_on=dt.date(2026, 5, 4), render_images=False)
    texts = [p.title, p.scope, p.filters, p.date_label]
    for s in p.slides:
        texts += [s.title, s.subtitle, s.caption, s.image_alt, s.secondary_title]
        texts += [*s.secondary, *(" | ".join(row) for row in s.table)]
        texts += [m.label + " " + m.change + " " + m.note for m in s.metrics]
        # The "Sources and caveats" slide (kind "text") is the pack's provenance: it may name
        # the ids beside file, title and licence. Speaker notes are the presenter's audit aid.
        if s.kind != "text":
            texts += list(s.lines)
    assert ids_in(texts) == []
    # The audit trail keeps the ids.
    assert any(SOURCE_ID.fullmatch(sid) for sid in (p.sources or {}))


@pytest.mark.parametrize("lang", LANGS)
def test_command_line_filters_name_routes_countries_and_vintages(
    demo_db: Path, sources: pd.DataFrame, capsys: pytest.CaptureFixture[str], lang: str
) -> None:
    """The filter line of the text output (and the planner's, which its PDF prints) names the
    route, the country and the vintage, in English too (it used to print the ids)."""
    mmp = str(sources.loc["mmp", "source_id"])
    db = ["--db", str(demo_db), "--lang", lang]
    filters = ["--route", "central_mediterranean", "--vintage", mmp]
    route = "Central Mediterranean" if lang == "en" else "Méditerranée centrale"
    for argv in (["risk", "--level", "route"], ["reconcile"], ["messages"]):
        assert main([*db, *argv, *filters]) == 0, argv
        first = capsys.readouterr().out.splitlines()[0]
        assert route in first and "central_mediterranean" not in first, first
        assert not SOURCE_ID.search(first), first
    assert main([*db, "plan", "--origin", "AFG", *filters, "--json"]) == 0
    text = json.loads(capsys.readouterr().out)["filters"]
    assert route in text and ("Afghanistan" in text) and "AFG" not in text, text
    assert not SOURCE_ID.search(text), text
