"""How much the origin top 10 churns from year to year, robust against raw scores.

Reads the real files in ``../shared/data`` (the IOM 2026-04 export, Frontex and the OC Index
2021 and 2023 editions) into a temporary warehouse with :mod:`data.ingest`, ranks the countries
of origin for each calendar year under both variants and both scopes, and writes the tables into
``docs/methodology.md`` between the ``churn`` markers::

    python scripts/risk_churn.py            # rewrite the block in docs/methodology.md
    python scripts/risk_churn.py --print    # print the markdown only

For each pair of consecutive years: how many of the later year's top 10 were not in the earlier
year's top 10 (churn, 0-10), and the Spearman correlation of the ranks of the countries ranked
in both years; for each year: how many top-10 places are "driven by one incident", and the
share of ranked countries at or above the threshold (the distribution behind ``DRIVEN_SHARE``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import duckdb  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy.stats import spearmanr  # noqa: E402

from analytics.catalogue import CAP_QUANTILE, DRIVEN_SHARE  # noqa: E402
from analytics.scores import SCOPE_LABELS, SCOPES, VARIANTS  # noqa: E402
from data.filters import Filters  # noqa: E402
from services import report  # noqa: E402

DOC = REPO / "docs" / "methodology.md"
BLOCK = re.compile(r"(<!-- churn:start -->\n).*?(<!-- churn:end -->)", re.S)
SHARED = REPO.parent / "shared" / "data"
FILES = (
    "mmp/Missing_Migrants_Global_Figures_allData_2026-04.csv",
    "frontex/frontex_ibc_detections_monthly_2009-2025.csv",
    "oc_index/global_oc_index_2021.csv",
    "oc_index/global_oc_index_2023.csv",
)
YEARS = tuple(range(2019, 2026))
TOP = 10
# The cap quantiles compared in the sensitivity table (the default is the catalogue's).
SENSITIVITY = (0.99, 0.95, 0.90)


def build_warehouse(data: Path, db: Path) -> Path:
    """Load :data:`FILES` from ``data`` into a new warehouse at ``db``."""
    from data.ingest import load_file

    for rel in FILES:
        load_file(data / rel, db=db)
    return db


def yearly_rankings(
    con: duckdb.DuckDBPyConnection,
    years: tuple[int, ...],
    scope: str,
    variant: str,
    cap_quantile: float = CAP_QUANTILE,
) -> dict[int, pd.DataFrame]:
    """The ranked origins of each calendar year: ``iso3``, ``rank``, ``driven_by_one_incident``,
    ``largest_incident_share``."""
    ref = report.load_reference(con)
    out = {}
    for y in years:
        f = Filters(date_from=dt.date(y, 1, 1), date_to=dt.date(y, 12, 31))
        t = report.origin_risk(
            con, f, ref=ref, scope=scope, variant=variant, cap_quantile=cap_quantile
        )
        ranked = t[t["rank"].notna()]
        out[y] = ranked[
            ["iso3", "rank", "driven_by_one_incident", "largest_incident_share"]
        ].reset_index(drop=True)
    return out


def churn_rows(rankings: dict[int, pd.DataFrame], top: int = TOP) -> list[dict[str, Any]]:
    """Per pair of consecutive years: top-``top`` churn and Spearman of ranks.

    Returns
    -------
    list of dict
        ``years`` ("2019-2020"), ``churn`` (countries of the later top ``top`` not in the
        earlier one), ``spearman`` (rank correlation over countries ranked in both years;
        ``NaN`` below 3 of them), ``common`` (how many countries that is).
    """
    rows = []
    years = sorted(rankings)
    for a, b in zip(years, years[1:], strict=False):
        ra = rankings[a].set_index("iso3")["rank"].astype(float)
        rb = rankings[b].set_index("iso3")["rank"].astype(float)
        top_a = set(ra[ra <= top].index)
        top_b = set(rb[rb <= top].index)
        common = ra.index.intersection(rb.index)
        rho = (
            float(spearmanr(ra[common].to_numpy(), rb[common].to_numpy()).statistic)
            if len(common) >= 3
            else float("nan")
        )
        rows.append(
            {
                "years": f"{a}-{b}",
                "churn": len(top_b - top_a),
                "spearman": rho,
                "common": len(common),
            }
        )
    return rows


def driven_rows(rankings: dict[int, pd.DataFrame], top: int = TOP) -> list[dict[str, Any]]:
    """Per year: top-``top`` places driven by one incident, and the share of ranked countries
    at or above :data:`DRIVEN_SHARE`, with the median largest-incident share."""
    rows = []
    for y in sorted(rankings):
        r = rankings[y]
        head = r[r["rank"].astype(float) <= top]
        share = pd.to_numeric(r["largest_incident_share"], errors="coerce").dropna()
        rows.append(
            {
                "year": y,
                "driven_top": int(head["driven_by_one_incident"].sum()),
                "ranked": len(r),
                "driven_ranked": float((share >= DRIVEN_SHARE).mean()) if len(share) else np.nan,
                "median_share": float(share.median()) if len(share) else np.nan,
            }
        )
    return rows


def _f(x: float, spec: str) -> str:
    return "no data" if x is None or (isinstance(x, float) and np.isnan(x)) else format(x, spec)


def render_churn(con: duckdb.DuckDBPyConnection, years: tuple[int, ...] = YEARS) -> str:
    """The markdown block: churn and Spearman per pair of years, and the one-incident counts
    per year, for both variants in both scopes."""
    lines = []
    for scope in SCOPES:
        ranks = {v: yearly_rankings(con, years, scope, v) for v in VARIANTS}
        churn = {v: churn_rows(ranks[v]) for v in VARIANTS}
        driven = {v: driven_rows(ranks[v]) for v in VARIANTS}
        lines += [
            f"**Scope: {SCOPE_LABELS[scope]}.** Top-{TOP} churn (countries entering the top "
            f"{TOP}) and Spearman correlation of the ranks of countries ranked in both years.",
            "",
            "| years | churn, robust | churn, raw | Spearman, robust | Spearman, raw |",
            "|---|---:|---:|---:|---:|",
        ]
        for rr, rw in zip(churn["robust"], churn["raw"], strict=True):
            lines.append(
                f"| {rr['years']} | {rr['churn']} | {rw['churn']} | "
                f"{_f(rr['spearman'], '.2f')} | {_f(rw['spearman'], '.2f')} |"
            )
        tot_r = sum(r["churn"] for r in churn["robust"])
        tot_w = sum(r["churn"] for r in churn["raw"])
        mean_r = np.nanmean([r["spearman"] for r in churn["robust"]]) if churn["robust"] else np.nan
        mean_w = np.nanmean([r["spearman"] for r in churn["raw"]]) if churn["raw"] else np.nan
        lines.append(
            f"| all pairs | {tot_r} | {tot_w} | {_f(mean_r, '.2f')} | {_f(mean_w, '.2f')} |"
        )
        lines += [
            "",
            f'Top-{TOP} places held by a country "driven by one incident" (its largest incident '
            f"gives at least {DRIVEN_SHARE:.0%} of its dead and missing), and among all ranked "
            "countries the share at or above that line and the median largest-incident share.",
            "",
            "| year | driven in top 10, robust | driven in top 10, raw | ranked | at or above, all ranked | median share |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for dr, dw in zip(driven["robust"], driven["raw"], strict=True):
            lines.append(
                f"| {dr['year']} | {dr['driven_top']} | {dw['driven_top']} | {dr['ranked']} | "
                f"{_f(dr['driven_ranked'], '.0%')} | {_f(dr['median_share'], '.0%')} |"
            )
        lines.append("")
    lines += [
        "**Sensitivity to the cap** (robust variant; totals over the pairs of years, mean "
        "Spearman; raw counts for comparison).",
        "",
        "| scope | scores | churn, all pairs | mean Spearman | driven in top 10, all years |",
        "|---|---|---:|---:|---:|",
    ]
    for scope in SCOPES:
        runs = [("raw counts", yearly_rankings(con, years, scope, "raw"))]
        runs += [
            (
                f"robust, cap at the {q:.0%} quantile"
                + (" (default)" if abs(q - CAP_QUANTILE) < 1e-9 else ""),
                yearly_rankings(con, years, scope, "robust", q),
            )
            for q in SENSITIVITY
        ]
        for label, r in runs:
            ch, dr = churn_rows(r), driven_rows(r)
            rho = np.nanmean([x["spearman"] for x in ch]) if ch else np.nan
            lines.append(
                f"| {SCOPE_LABELS[scope]} | {label} | {sum(x['churn'] for x in ch)} | "
                f"{_f(rho, '.2f')} | {sum(x['driven_top'] for x in dr)} |"
            )
    return "\n".join(lines).rstrip()


def write_block(markdown: str, doc: Path = DOC) -> None:
    text = doc.read_text(encoding="utf-8")
    if not BLOCK.search(text):
        raise SystemExit(f"{doc}: no <!-- churn:start --> ... <!-- churn:end --> block")
    doc.write_text(
        BLOCK.sub(lambda m: m.group(1) + markdown.rstrip() + "\n" + m.group(2), text),
        encoding="utf-8",
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", type=Path, default=SHARED, help="the shared data folder")
    p.add_argument("--db", type=Path, help="an existing warehouse (skips the load)")
    p.add_argument("--print", action="store_true", help="print instead of writing the doc")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or build_warehouse(args.data, Path(tmp) / "churn.duckdb")
        con = duckdb.connect(str(db), read_only=True)
        try:
            md = render_churn(con)
        finally:
            con.close()
    if args.print:
        print(md)
    else:
        write_block(md)
        print(f"wrote the churn tables into {DOC.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
