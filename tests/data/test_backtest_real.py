"""The alerts backtest on the real files: the document's tables are what the code gives, and
the rule shipped is the rule tuned on 2015-2019."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from analytics.alerts import DEATH_RULE

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "alerts-backtest.md"


@pytest.mark.shared
@pytest.mark.slow
def test_backtest_document_matches_the_real_data(real_db: Path) -> None:
    from data.db import connect_read_only
    from services.backtest import format_backtest_markdown, run_backtest

    con = connect_read_only(real_db)
    try:
        out = run_backtest(con)
    finally:
        con.close()
    assert out["tuned_rule_is_shipped"], (out["tuned_rule"], DEATH_RULE)
    assert out["replayed"] == ["2015-01", "2026-03"]
    block = re.search(
        r"<!-- backtest:start -->\n(.*?)\n<!-- backtest:end -->", DOC.read_text("utf-8"), re.S
    )
    assert block is not None
    # Regenerate with: python scripts/build_backtest_doc.py --db <warehouse from ../shared/data>
    assert block.group(1).strip() == format_backtest_markdown(out).strip()
    held_out = out["summary"][1]
    assert held_out["half"] == "2020-2025" and held_out["scorable_surges"] == 9
    # Known surges the data plainly show are raised, with their own measure and scope.
    raised = {r["surge_id"]: r for r in out["surges"]}
    assert raised["iom_cmed_2015_04_fatalities_soar"]["first_alert"] == "2015-04"
    assert raised["iom_watl_2020_deaths_increase"]["raised"]
    assert not raised["frontex_watl_2020_canaries_record"]["scorable"]
