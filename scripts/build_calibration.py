"""Build the small aggregate tables that calibrate RouteWatch's synthetic demo data.

Reads the real public exports in ``../shared/data`` (never copied into the repository) and
writes aggregates only, one small CSV each, to ``data/reference/calibration/``::

    .venv/bin/python scripts/build_calibration.py [SHARED_DATA_DIR]

Outputs (every file starts with ``#`` comment lines naming its source and licence):

- ``mmp_route_year.csv``: incidents and dead and missing per IOM route label and year.
- ``mmp_route_mix.csv``: per IOM route label, the mix of causes, origins, places, months,
  demographics, source quality and incident sizes, in long form (``facet``, ``key``, ``share``,
  ``value``).
- ``frontex_route_year.csv``: Frontex detections per route, border type and year.
- ``frontex_route_nat.csv``: the ten main nationalities per Frontex route, 2019-2024.
- ``frontex_route_season.csv``: share of a route's detections by calendar month, 2014-2024.

Why these choices:

- IOM joins several route labels with a bare comma (``"Central Mediterranean,Sahara Desert
  crossing"``); a comma followed by a space belongs to a label. Such an incident is counted
  under each of its labels, as the app counts it on each route. An empty label is kept as ``""``
  (about one incident in eight has no route).
- Shares of origin countries are shares of dead and missing; an incident with several origins
  gives each an equal part. Country names are kept as IOM writes them.
- No row-level value is written: no coordinates, dates, identifiers or single-incident figures.
  Incident sizes are described by quantiles over a route's incidents only, and a label with
  fewer than ten incidents gets no quantiles, months, origins or demographics at all.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = REPO_ROOT.parent / "shared" / "data"
OUTPUT_DIR = REPO_ROOT / "data" / "reference" / "calibration"
MMP_FILE = "mmp/Missing_Migrants_Global_Figures_allData_2026-04.csv"
FRONTEX_FILE = "frontex/frontex_ibc_detections_monthly_2009-2025.csv"
MMP_YEARS = range(2014, 2026)
FRONTEX_NAT_YEARS = range(2019, 2025)
FRONTEX_SEASON_YEARS = range(2014, 2025)

MMP_ATTRIBUTION = (
    "Source: IOM's Missing Migrants Project, incident export of 2026-04 "
    "(Missing_Migrants_Global_Figures_allData_2026-04), CC BY 4.0. Aggregates computed by "
    "RouteWatch (scripts/build_calibration.py); state changes. Minimum estimates."
)
FRONTEX_ATTRIBUTION = (
    "Source: Frontex, detections of illegal border crossings, monthly (as of 3 Jun 2025); "
    "reproduction authorised with the source acknowledged. Aggregates computed by RouteWatch "
    "(scripts/build_calibration.py). Detections are events, not persons."
)

_SPLIT_RE = re.compile(r",(?! )")
TOP_CAUSES = 6
TOP_ORIGINS = 8
TOP_COUNTRIES = 8
TOP_PLACES = 8
TOP_REGIONS = 3
TOP_NATIONALITIES = 10
OTHER = "(other)"
#: Below this many incidents a label's mix is cut to the facets below (see compute_mmp_route_mix).
MIN_MIX_INCIDENTS = 10
SMALL_LABEL_FACETS = frozenset(
    {"incidents", "cause", "place", "country_of_incident", "region_of_incident", "unsd_grouping"}
)


def _split(value: str) -> list[str]:
    """Split an IOM multi-valued cell; ``[""]`` for an empty cell, duplicates dropped."""
    parts = [p.strip() for p in _SPLIT_RE.split(value or "")]
    out = [p for p in dict.fromkeys(parts) if p]
    return out or [""]


def _int(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s.str.replace(",", "", regex=False), errors="coerce")


def read_mmp(shared: Path) -> pd.DataFrame:
    """Read the 2026-04 IOM export into one row per incident and atomic route label.

    Returns
    -------
    pandas.DataFrame
        Columns ``route_label``, ``year``, ``month`` (1-12), ``dead_and_missing``, ``dead``,
        ``missing``, ``survivors``, ``females``, ``males``, ``children`` (persons, NaN when
        empty), ``cause``, ``origin``, ``country_of_incident``, ``region_of_incident``,
        ``unsd_grouping``, ``incident_type`` (text as IOM writes it) and ``source_quality``
        (maximum of the cell, 1-5). Years outside 2014-2025 are dropped.
    """
    raw = pd.read_csv(shared / MMP_FILE, dtype=str, keep_default_na=False)
    date = pd.to_datetime(raw["Incident Date"].str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    quality = (
        raw["Source Quality"]
        .str.findall(r"[1-5]")
        .map(lambda v: max(int(x) for x in v) if v else np.nan)
    )
    frame = pd.DataFrame(
        {
            "route_raw": raw["Migration Route"].str.strip(),
            "year": date.dt.year,
            "month": date.dt.month,
            "dead_and_missing": _int(raw["Total Number of Dead and Missing"]),
            "dead": _int(raw["Number of Dead"]).fillna(0),
            "missing": _int(raw["Minimum Estimated Number of Missing"]).fillna(0),
            "survivors": _int(raw["Number of Survivors"]),
            "females": _int(raw["Number of Females"]),
            "males": _int(raw["Number of Males"]),
            "children": _int(raw["Number of Children"]),
            "cause": raw["Cause of Death"].str.strip(),
            "origin": raw["Country of Origin"].str.strip(),
            "country_of_incident": raw["Country of Incident"].str.strip(),
            "region_of_incident": raw["Region of Incident"].str.strip(),
            "unsd_grouping": raw["UNSD Geographical Grouping"].str.strip(),
            "incident_type": raw["Incident Type"].str.strip(),
            "source_quality": quality,
        }
    )
    frame = frame[frame["year"].isin(list(MMP_YEARS)) & frame["dead_and_missing"].notna()]
    frame = frame.assign(route_label=frame["route_raw"].map(_split)).explode("route_label")
    return frame.drop(columns="route_raw").reset_index(drop=True)


def compute_mmp_route_year(mmp: pd.DataFrame) -> pd.DataFrame:
    """Incidents and dead and missing per route label and year.

    Returns
    -------
    pandas.DataFrame
        ``route_label``, ``year``, ``incidents`` (count), ``dead_and_missing`` (persons).
        Only route-years with at least one incident are listed.
    """
    out = (
        mmp.groupby(["route_label", "year"])
        .agg(incidents=("dead_and_missing", "size"), dead_and_missing=("dead_and_missing", "sum"))
        .reset_index()
    )
    out["year"] = out["year"].astype(int)
    out["dead_and_missing"] = out["dead_and_missing"].astype(int)
    return out.sort_values(["route_label", "year"]).reset_index(drop=True)


def _shares(
    weights: pd.Series, top: int, facet: str, fold_other: bool = True
) -> list[tuple[str, str, float, float]]:
    """Top ``top`` keys of a weight series as (facet, key, share, value) rows, plus the rest."""
    total = float(weights.sum())
    if total <= 0:
        return []
    w = weights.groupby(level=0).sum().sort_values(ascending=False, kind="stable")
    rows = [(facet, str(k), float(v) / total, np.nan) for k, v in w.head(top).items() if v > 0]
    rest = float(w.iloc[top:].sum())
    if rest > 0 and fold_other:
        rows.append((facet, OTHER, rest / total, np.nan))
    return rows


def _split_weights(values: pd.Series, weights: pd.Series) -> pd.Series:
    """Spread each row's weight equally over the parts of a multi-valued cell."""
    parts = values.map(_split)
    n = parts.map(len)
    exploded = pd.DataFrame({"key": parts, "w": weights / n}).explode("key")
    return exploded.set_index("key")["w"]


def compute_mmp_route_mix(mmp: pd.DataFrame) -> pd.DataFrame:
    """The mix of each route label's incidents, in long form.

    Facets (``share`` is a fraction 0-1, ``value`` a number of persons):

    - ``incidents``: ``value`` = incidents 2014-2025.
    - ``dead_and_missing_quantile``: ``key`` p50 / p75 / p90 / p98 of dead and missing per incident.
    - ``missing_share``: missing as a share of dead and missing; ``with_missing``,
      ``with_survivors``, ``with_females``, ``with_males``, ``with_children``: share of
      incidents with a count above zero. ``survivors_median``: median survivors where recorded.
    - ``cause``, ``incident_type``, ``place``, ``country_of_incident``, ``region_of_incident``,
      ``unsd_grouping``, ``source_quality``: shares of incidents. ``place`` is
      ``"country | region of incident | UNSD grouping"`` so a generator keeps the three
      consistent. Multi-valued cells count once, as written.
    - ``origin``: share of dead and missing by country of origin (multi-origin split equally).
    - ``month``: share of the route's dead and missing by calendar month (1-12), 2014-2025.

    Keys beyond the top few are folded into ``(other)``. A label with fewer than
    :data:`MIN_MIX_INCIDENTS` incidents keeps only its count, causes and places: finer facets
    of two or three incidents would describe the incidents themselves.
    """
    rows: list[dict[str, object]] = []
    for label, g in mmp.groupby("route_label", sort=True):
        n = len(g)
        dam = g["dead_and_missing"]
        out: list[tuple[str, str, float, float]] = [("incidents", "", np.nan, float(n))]
        for q in (50, 75, 90, 98):
            out.append(("dead_and_missing_quantile", f"p{q}", np.nan, float(np.percentile(dam, q))))
        out.append(("missing_share", "", float(g["missing"].sum() / max(dam.sum(), 1)), np.nan))
        for col in ("missing", "survivors", "females", "males", "children"):
            out.append((f"with_{col}", "", float((g[col].fillna(0) > 0).mean()), np.nan))
        surv = g["survivors"][g["survivors"] > 0]
        out.append(("survivors_median", "", np.nan, float(surv.median()) if len(surv) else 0.0))
        out += _shares(pd.Series(1.0, index=g["cause"].values), TOP_CAUSES, "cause")
        out += _shares(pd.Series(1.0, index=g["incident_type"].values), 3, "incident_type")
        place = (
            g["country_of_incident"] + " | " + g["region_of_incident"] + " | " + g["unsd_grouping"]
        )
        out += _shares(pd.Series(1.0, index=place.values), TOP_PLACES, "place", fold_other=False)
        for facet, top in (
            ("country_of_incident", TOP_COUNTRIES),
            ("region_of_incident", TOP_REGIONS),
            ("unsd_grouping", TOP_REGIONS),
        ):
            out += _shares(pd.Series(1.0, index=g[facet].values), top, facet)
        quality = g["source_quality"].dropna().astype(int).astype(str)
        out += _shares(pd.Series(1.0, index=quality.values), 5, "source_quality")
        out += _shares(_split_weights(g["origin"], dam.astype(float)), TOP_ORIGINS, "origin")
        by_month = dam.groupby(g["month"].astype(int)).sum().reindex(range(1, 13), fill_value=0)
        for m, v in by_month.items():
            out.append(("month", str(m), float(v) / max(float(dam.sum()), 1.0), np.nan))
        if n < MIN_MIX_INCIDENTS:
            out = [r for r in out if r[0] in SMALL_LABEL_FACETS]
        rows += [
            {"route_label": label, "facet": f, "key": k, "share": s, "value": v}
            for f, k, s, v in out
        ]
    mix = pd.DataFrame(rows)
    mix["share"] = mix["share"].round(4)
    mix["value"] = mix["value"].round(1)
    return mix


def read_frontex(shared: Path) -> pd.DataFrame:
    """Read the Frontex monthly detections file.

    Returns
    -------
    pandas.DataFrame
        ``route``, ``border_type``, ``nationality`` (ISO-3 or Frontex code), ``year``,
        ``month`` (1-12), ``detections`` (events).
    """
    raw = pd.read_csv(shared / FRONTEX_FILE, dtype=str, keep_default_na=False)
    t = pd.to_datetime(raw["t"], format="%Y-%m-%d")
    return pd.DataFrame(
        {
            "route": raw["route"].str.strip(),
            "border_type": raw["type"].str.strip(),
            "nationality": raw["nat"].str.strip().str.upper(),
            "year": t.dt.year,
            "month": t.dt.month,
            "detections": pd.to_numeric(raw["n"], errors="coerce").fillna(0),
        }
    )


def compute_frontex_route_year(fx: pd.DataFrame) -> pd.DataFrame:
    """Detections per route, border type and year.

    Returns
    -------
    pandas.DataFrame
        ``route``, ``border_type``, ``year``, ``months`` (calendar months the file covers in
        that year, the same for every route: 12, and 4 for 2025, January-April),
        ``detections`` (events).
    """
    months = fx.groupby("year")["month"].max().rename("months")
    out = (
        fx.groupby(["route", "border_type", "year"])["detections"]
        .sum()
        .reset_index()
        .join(months, on="year")
    )
    out = out[out["detections"] > 0]
    out["detections"] = out["detections"].round().astype(int)
    return out[["route", "border_type", "year", "months", "detections"]].reset_index(drop=True)


def compute_frontex_route_nat(fx: pd.DataFrame) -> pd.DataFrame:
    """The ten main nationalities per route, as shares of the route's detections 2019-2024.

    Returns
    -------
    pandas.DataFrame
        ``route``, ``rank`` (1 = most), ``nationality`` (ISO-3, or Frontex's ``OOO`` / ``OOS``
        codes for unspecified), ``share`` (0-1), and one ``(other)`` row with the rest.
    """
    sub = fx[fx["year"].isin(list(FRONTEX_NAT_YEARS))]
    rows = []
    for route, g in sub.groupby("route", sort=True):
        for rank, (_facet, key, share, _v) in enumerate(
            _shares(g.set_index("nationality")["detections"], TOP_NATIONALITIES, "nat"), start=1
        ):
            rows.append(
                {
                    "route": route,
                    "rank": rank if key != OTHER else 99,
                    "nationality": key,
                    "share": round(share, 4),
                }
            )
    return pd.DataFrame(rows)


def compute_frontex_route_season(fx: pd.DataFrame) -> pd.DataFrame:
    """Share of each route's detections by calendar month, 2014-2024.

    Returns
    -------
    pandas.DataFrame
        ``route``, ``month`` (1-12), ``share`` (0-1, summing to 1 per route).
    """
    sub = fx[fx["year"].isin(list(FRONTEX_SEASON_YEARS))]
    by = sub.groupby(["route", "month"])["detections"].sum().unstack(fill_value=0)
    by = by.reindex(columns=range(1, 13), fill_value=0)
    share = by.div(by.sum(axis=1).where(lambda s: s > 0, 1), axis=0).round(4)
    out = share.stack().rename("share").reset_index()
    return out[["route", "month", "share"]]


def write_csv(frame: pd.DataFrame, path: Path, attribution: str, what: str) -> int:
    """Write ``frame`` with ``#`` comment lines (what, source, licence) before the header."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = frame.to_csv(index=False, lineterminator="\n", float_format="%.4g")
    text = f"# {what}\n# {attribution}\n{body}"
    path.write_text(text, encoding="utf-8")
    return len(text.encode("utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shared", nargs="?", default=str(DEFAULT_SHARED), help="shared data dir")
    parser.add_argument("--out", default=str(OUTPUT_DIR), help="output folder")
    args = parser.parse_args(argv)
    shared, out = Path(args.shared), Path(args.out)
    if not (shared / MMP_FILE).is_file() or not (shared / FRONTEX_FILE).is_file():
        print(f"error: {shared} does not hold {MMP_FILE} and {FRONTEX_FILE}", file=sys.stderr)
        return 2
    mmp = read_mmp(shared)
    fx = read_frontex(shared)
    outputs = [
        (
            compute_mmp_route_year(mmp),
            "mmp_route_year.csv",
            MMP_ATTRIBUTION,
            "Incidents and dead and missing (persons) per IOM route label and incident year, "
            "2014-2025; comma-joined labels counted under each label; '' = no route.",
        ),
        (
            compute_mmp_route_mix(mmp),
            "mmp_route_mix.csv",
            MMP_ATTRIBUTION,
            "Mix per IOM route label, 2014-2025, long form: see scripts/build_calibration.py "
            "compute_mmp_route_mix for the facets. share = fraction 0-1; value = persons.",
        ),
        (
            compute_frontex_route_year(fx),
            "frontex_route_year.csv",
            FRONTEX_ATTRIBUTION,
            "Detections (events) per Frontex route, border type and year; months = calendar "
            "months the file covers (2025: January-April, the latest month preliminary).",
        ),
        (
            compute_frontex_route_nat(fx),
            "frontex_route_nat.csv",
            FRONTEX_ATTRIBUTION,
            "Ten main nationalities (ISO-3; OOO/OOS are Frontex codes for unspecified) per "
            "Frontex route as shares of detections 2019-2024; rank 99 = all others.",
        ),
        (
            compute_frontex_route_season(fx),
            "frontex_route_season.csv",
            FRONTEX_ATTRIBUTION,
            "Share of each Frontex route's detections by calendar month, 2014-2024.",
        ),
    ]
    total = 0
    for frame, name, attribution, what in outputs:
        size = write_csv(frame, out / name, attribution, what)
        total += size
        print(f"{out / name}: {len(frame):,} rows, {size / 1024:.1f} kB")
    print(f"total {total / 1024:.1f} kB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
