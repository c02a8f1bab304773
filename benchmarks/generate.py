"""Scale the real schema to N incidents (and detections to match) for the benchmarks.

The synthetic demo (:mod:`data.demo`) already draws about 21,000 incidents whose routes, years,
causes, origins, places, sizes and coordinates follow the real IOM export (calibrated
aggregates, points along the authored route geometries). This module turns it into a *template*
and resamples it to any size:

* a few template rows get the multi-valued fields of the real export that the demo lacks:
  about 1.3% of incidents list several known countries of origin (``"Eritrea,Ethiopia"``; in
  the real export 2.5% of rows list several, ``Unknown`` included), about 1% of Central and
  Western Mediterranean incidents carry a second route label (causes and regions keep the
  demo's own, nearly single-valued, lists);
* the template goes once through the real reader and :func:`data.ingest.prepare_mmp`, so every
  parsed column (lists of routes, origins, causes, regions; ISO codes; flags) is what the
  ingest makes of it;
* each of the N rows copies a template row chosen uniformly (so the route x year x cause x
  place mix is the real one, and coordinates stay clustered along the routes), moves its date
  by up to 15 days inside the same year, jitters its coordinates by about 10 km and gets its
  own id. H3 cells are recomputed for the moved point. Rows come out in date order, as in
  IOM's export;
* detections: the demo's Frontex-format cells repeated ``round(N / template)`` times with
  Poisson-varied counts, so deaths per 1,000 detections stay in the real range at every N.

Two outputs: an MMP-format CSV (the 25 official columns, for the ingest benchmark) written in
chunks with pyarrow, and a warehouse (:func:`data.schema.create_schema`, the reference tables
of :func:`data.ingest.refresh_reference`) filled through Arrow, without pandas string work per
row. Both are cached under ``benchmarks/out/`` (gitignored), keyed by N, seed and
:data:`GEN_VERSION`.
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from data import demo
from data.cube import build_detection_cube, build_incident_cube
from data.ingest import _to_arrow, prepare_frontex, prepare_mmp, refresh_reference
from data.readers import read_table
from data.schema import create_schema

OUT_DIR = Path(__file__).resolve().parent / "out"
GEN_VERSION = 4  # 4: the warehouse holds the incident and detection rollups (data/cube.py)
DEFAULT_SEED = 20261128
CHUNK_ROWS = 500_000
MULTI_ORIGIN_SHARE = 0.025
MULTI_ROUTE_SHARE = 0.01
MULTI_ROUTE = {
    "Central Mediterranean": "Sahara Desert crossing",
    "Western Mediterranean": "Sahara Desert crossing",
}
DATE_SHIFT_DAYS = 15
JITTER_SD_DEG = 0.1
JITTER_MAX_DEG = 0.3
OC_INDICATORS = (
    "oc_human_smuggling",
    "oc_human_trafficking",
    "oc_criminality",
    "oc_resilience",
)
_EPOCH = np.datetime64("1970-01-01", "D")


@dataclass(frozen=True)
class Template:
    """The demo incidents as text (CSV layout) and as parsed facts, row for row."""

    text: pa.Table  # MMP_HEADER columns, strings
    facts: pa.Table  # incidents columns without source_id, as prepare_mmp makes them
    days: np.ndarray  # incident date, days since 1970-01-01 (int64)
    year: np.ndarray  # incident year (int64)
    lat: np.ndarray  # degrees, EPSG:4326 (NaN when none)
    lon: np.ndarray
    detections: pa.Table  # detections columns without source_id


def _augment(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Add the multi-valued origins and route labels the demo leaves out."""
    out = frame.copy()
    origin = out["Country of Origin"].to_numpy(dtype=object).copy()
    route = out["Migration Route"].to_numpy(dtype=object).copy()
    known_origin = ~pd.Series(origin).isin(["", "Unknown", "Mixed", "Mixed/Unknown"]).to_numpy()
    for _label, idx in out.groupby("Migration Route", sort=True).indices.items():
        known = idx[known_origin[idx]]
        if len(known) < 2:
            continue
        # Most incidents have no recorded origin: pick among those that have one, so the
        # share of multi-origin incidents over all incidents is about MULTI_ORIGIN_SHARE.
        p = min(1.0, MULTI_ORIGIN_SHARE * len(idx) / len(known))
        pick = known[rng.random(len(known)) < p]
        partner = known[rng.integers(0, len(known), len(pick))]
        for i, j in zip(pick, partner, strict=True):
            a, b = str(origin[i]), str(frame["Country of Origin"].iat[j])
            if b != a and b not in a.split(","):
                origin[i] = f"{a},{b}"
    for first, second in MULTI_ROUTE.items():
        idx = np.flatnonzero(route == first)
        pick = idx[rng.random(len(idx)) < MULTI_ROUTE_SHARE]
        route[pick] = f"{first},{second}"
    out["Country of Origin"] = origin
    out["Migration Route"] = route
    return out


def build_template(seed: int = DEFAULT_SEED) -> Template:
    """The demo export, augmented, parsed once through the real reader and ingest adapter.

    Returns
    -------
    Template
        Text and facts aligned row for row (rows the ingest would reject are dropped).
    """
    rng = np.random.default_rng([seed, 1])
    text = _augment(demo.make_demo_mmp_frame(seed), rng)
    raw = demo._to_csv_bytes(text)
    prep = prepare_mmp(read_table(raw, "template.csv"))
    facts = prep.facts.reset_index(drop=True)
    keep = facts["row_number"].to_numpy() - 2
    text = text.iloc[keep].reset_index(drop=True)
    dates = pd.to_datetime(facts["incident_date"]).to_numpy().astype("datetime64[D]")
    fx = prepare_frontex(read_table(demo.make_demo_frontex_csv(seed), "frontex.csv")).facts
    return Template(
        text=pa.Table.from_pandas(text.astype(str), preserve_index=False),
        facts=_to_arrow(facts),
        days=(dates - _EPOCH).astype("int64"),
        year=facts["year"].to_numpy(dtype="int64"),
        lat=facts["lat"].to_numpy(dtype="float64", na_value=np.nan),
        lon=facts["lon"].to_numpy(dtype="float64", na_value=np.nan),
        detections=_to_arrow(fx.reset_index(drop=True)),
    )


@dataclass(frozen=True)
class Plan:
    """Numeric columns of the N scaled rows, in date order (cheap: a few arrays of N)."""

    idx: np.ndarray  # template row of each scaled row
    days: np.ndarray  # days since epoch
    lat: np.ndarray
    lon: np.ndarray


def make_plan(t: Template, n: int, seed: int = DEFAULT_SEED) -> Plan:
    """Choose template rows and move their dates and points.

    Dates move by up to :data:`DATE_SHIFT_DAYS` days but stay in their year (so route x year
    totals scale by exactly N / template on average); points move by a normal jitter of
    :data:`JITTER_SD_DEG` degrees, clipped at :data:`JITTER_MAX_DEG`.
    """
    rng = np.random.default_rng([seed, 2, n])
    idx = rng.integers(0, len(t.days), n)
    year = t.year[idx]
    lo = np.array([f"{y}-01-01" for y in range(1990, 2101)], dtype="datetime64[D]") - _EPOCH
    y0 = lo.astype("int64")[year - 1990]
    y1 = lo.astype("int64")[year - 1989] - 1
    days = np.clip(t.days[idx] + rng.integers(-DATE_SHIFT_DAYS, DATE_SHIFT_DAYS + 1, n), y0, y1)
    jit = np.clip(rng.normal(0.0, JITTER_SD_DEG, (n, 2)), -JITTER_MAX_DEG, JITTER_MAX_DEG)
    lat = np.round(np.clip(t.lat[idx] + jit[:, 0], -89.9, 89.9), 5)
    lon = np.round(np.clip(t.lon[idx] + jit[:, 1], -179.99, 179.99), 5)
    order = np.argsort(days, kind="stable")
    return Plan(idx[order], days[order], lat[order], lon[order])


def _h3(lat: np.ndarray, lon: np.ndarray, res: int) -> pa.Array:
    from h3.api import basic_int

    ok = ~(np.isnan(lat) | np.isnan(lon))
    out = np.zeros(len(lat), dtype="uint64")
    f = basic_int.latlng_to_cell
    out[ok] = [f(a, b, res) for a, b in zip(lat[ok].tolist(), lon[ok].tolist(), strict=True)]
    return pa.array(out, mask=~ok, type=pa.uint64())


def _coords_text(lat: np.ndarray, lon: np.ndarray) -> pa.Array:
    ok = ~(np.isnan(lat) | np.isnan(lon))
    la = pc.cast(pa.array(lat, mask=~ok), pa.string())
    lo = pc.cast(pa.array(lon, mask=~ok), pa.string())
    return pc.binary_join_element_wise(la, lo, ", ")


def _ids(start: int, stop: int) -> pa.Array:
    return pc.binary_join_element_wise(
        "BENCH.", pc.cast(pa.array(np.arange(start + 1, stop + 1)), pa.string()), ""
    )


def _months(days: np.ndarray) -> np.ndarray:
    d = (days.astype("datetime64[D]")).astype("datetime64[M]").astype("int64")
    return d % 12 + 1


def iter_text_chunks(t: Template, plan: Plan, chunk: int = CHUNK_ROWS) -> Iterator[pa.Table]:
    """The scaled rows as MMP-format text (the official 25 columns), ``chunk`` rows at a time."""
    names = np.array([""] + list(calendar.month_name)[1:], dtype=object)
    n = len(plan.idx)
    for a in range(0, n, chunk):
        b = min(n, a + chunk)
        sl = slice(a, b)
        tab = t.text.take(pa.array(plan.idx[sl]))
        ids = _ids(a, b)
        days = plan.days[sl]
        date_s = pc.cast(pa.array(days.astype("int32"), type=pa.date32()), pa.string())
        coords = pc.fill_null(_coords_text(plan.lat[sl], plan.lon[sl]), "")
        repl = {
            "Main ID": ids,
            "Incident ID": ids,
            "Incident Date": date_s,
            "Month": pa.array(names[_months(days)].tolist(), type=pa.string()),
            "Coordinates": coords,
        }
        for col, arr in repl.items():
            tab = tab.set_column(tab.schema.get_field_index(col), col, arr)
        yield tab


def iter_fact_chunks(t: Template, plan: Plan, chunk: int = CHUNK_ROWS) -> Iterator[pa.Table]:
    """The scaled rows as ``incidents`` facts (without ``source_id``), ``chunk`` rows at a time."""
    n = len(plan.idx)
    for a in range(0, n, chunk):
        b = min(n, a + chunk)
        sl = slice(a, b)
        tab = t.facts.take(pa.array(plan.idx[sl]))
        ids = _ids(a, b)
        lat, lon = plan.lat[sl], plan.lon[sl]
        nan = np.isnan(lat) | np.isnan(lon)
        repl = {
            "row_number": pa.array(np.arange(a + 2, b + 2, dtype="int64")),
            "main_id": ids,
            "incident_id": ids,
            "incident_date": pa.array(plan.days[sl].astype("int32"), type=pa.date32()),
            "month": pa.array(_months(plan.days[sl])),
            "lat": pa.array(lat, mask=nan),
            "lon": pa.array(lon, mask=nan),
            "coords_raw": _coords_text(lat, lon),
            "h3_r3": _h3(lat, lon, 3),
            "h3_r5": _h3(lat, lon, 5),
        }
        for col, arr in repl.items():
            tab = tab.set_column(tab.schema.get_field_index(col), col, arr)
        yield tab


def _name(kind: str, n: int, seed: int, ext: str) -> str:
    return f"{kind}-{n}-s{seed}-v{GEN_VERSION}.{ext}"


def write_mmp_csv(path: Path, n: int, seed: int = DEFAULT_SEED, t: Template | None = None) -> Path:
    """Write an N-row MMP-format CSV (UTF-8, official header, minimal quoting)."""
    t = t or build_template(seed)
    plan = make_plan(t, n, seed)
    tmp = path.with_name(path.name + ".tmp")
    opts = pacsv.WriteOptions(include_header=True, quoting_style="needed")
    with pacsv.CSVWriter(str(tmp), t.text.schema, write_options=opts) as w:
        for tab in iter_text_chunks(t, plan):
            w.write_table(tab)
    os.replace(tmp, path)
    return path


def _source_row(
    source_id: str, kind: str, publisher: str, rows: int, vintage: dt.date | None
) -> list[object]:
    return [
        source_id,
        kind,
        publisher,
        f"RouteWatch benchmark data (synthetic, scaled from the demo), {rows:,} rows",
        "synthetic, no licence needed",
        "benchmarks.generate",
        source_id,
        rows,
        rows,
        0,
        0,
        vintage,
        dt.datetime(2026, 1, 1),
        False,
        "Synthetic benchmark data: not for briefing.",
    ]


def build_warehouse(
    path: Path, n: int, seed: int = DEFAULT_SEED, t: Template | None = None
) -> Path:
    """Create an N-incident warehouse at ``path`` through Arrow (replaced atomically).

    Returns
    -------
    pathlib.Path
        ``path``; its incidents source is ``mmp-bench-<n>`` (not demo), detections
        ``frontex-bench-<n>``, the OC Index ``oc-index-bench-2021`` / ``-2023``.
    """
    t = t or build_template(seed)
    plan = make_plan(t, n, seed)
    tmp = path.with_name(path.name + ".tmp")
    for p in (tmp, Path(str(tmp) + ".wal")):
        if p.exists():
            p.unlink()
    con = duckdb.connect(str(tmp))
    try:
        create_schema(con)
        con.execute("BEGIN TRANSACTION")
        refresh_reference(con)
        mmp_id, fx_id = f"mmp-bench-{n}", f"frontex-bench-{n}"
        vintage = (_EPOCH + int(plan.days.max())).astype(dt.date) if n else None
        con.execute(
            "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            _source_row(mmp_id, "mmp", "IOM Missing Migrants Project", n, vintage),
        )
        for tab in iter_fact_chunks(t, plan):
            cols = ", ".join(f'"{c}"' for c in tab.column_names)
            con.register("_chunk", tab)
            con.execute(
                f"INSERT INTO incidents (source_id, {cols}) SELECT $sid, {cols} FROM _chunk",  # noqa: S608
                {"sid": mmp_id},
            )
            con.unregister("_chunk")
        k = max(1, round(n / len(t.days)))
        det = t.detections
        rng = np.random.default_rng([seed, 3, n])
        base = det.column("detections").to_numpy()
        rows = 0
        for _ in range(k):
            counts = np.maximum(1, rng.poisson(base))
            tab = det.set_column(
                det.schema.get_field_index("detections"), "detections", pa.array(counts)
            )
            cols = ", ".join(f'"{c}"' for c in tab.column_names)
            con.register("_chunk", tab)
            con.execute(
                f"INSERT INTO detections (source_id, {cols}) SELECT $sid, {cols} FROM _chunk",  # noqa: S608
                {"sid": fx_id},
            )
            con.unregister("_chunk")
            rows += tab.num_rows
        last_month = con.execute(
            "SELECT max(month) FROM detections WHERE source_id = ?", [fx_id]
        ).fetchone()
        con.execute(
            "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            _source_row(fx_id, "frontex", "Frontex", rows, last_month[0] if last_month else None),
        )
        isos = [r[0] for r in con.execute("SELECT iso3 FROM countries ORDER BY iso3").fetchall()]
        for edition in (2021, 2023):
            sid = f"oc-index-bench-{edition}"
            con.execute(
                "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                _source_row(
                    sid,
                    "oc-index",
                    "GI-TOC",
                    len(isos) * len(OC_INDICATORS),
                    dt.date(edition, 1, 1),
                ),
            )
            r = np.random.default_rng([seed, 4, edition])
            ind = pa.table(
                {
                    "iso3": np.repeat(isos, len(OC_INDICATORS)),
                    "indicator": np.tile(OC_INDICATORS, len(isos)),
                    "value": np.round(r.uniform(1, 10, len(isos) * len(OC_INDICATORS)) * 2) / 2,
                }
            )
            con.register("_ind", ind)
            con.execute(
                "INSERT INTO country_indicators SELECT $sid, iso3, indicator, $ed, value, "
                "'score 1-10' FROM _ind",
                {"sid": sid, "ed": edition},
            )
            con.unregister("_ind")
        n_rej = max(1, n // 1000)
        con.execute(
            "INSERT INTO rejected_rows SELECT $sid, 2 + range * 997, "
            "'no dead or missing recorded', '{\"Main ID\": \"BENCH.rejected\"}' FROM range($k)",
            {"sid": mmp_id, "k": n_rej},
        )
        con.execute(
            "UPDATE sources SET rows_rejected = $k, rows_read = rows_read + $k "
            "WHERE source_id = $sid",
            {"k": n_rej, "sid": mmp_id},
        )
        build_incident_cube(con, mmp_id)
        build_detection_cube(con, fx_id)
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(tmp, path)
    return path


def ensure_warehouse(
    n: int, seed: int = DEFAULT_SEED, out_dir: Path | None = None, t: Template | None = None
) -> tuple[Path, float | None]:
    """The cached N-incident warehouse, built if missing.

    Returns
    -------
    (path, seconds)
        ``seconds`` is the build time, ``None`` when it came from the cache.
    """
    import time

    out_dir = out_dir or OUT_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / _name("warehouse", n, seed, "duckdb")
    if path.exists():
        return path, None
    t0 = time.perf_counter()
    build_warehouse(path, n, seed, t)
    return path, time.perf_counter() - t0


def ensure_csv(
    n: int, seed: int = DEFAULT_SEED, out_dir: Path | None = None, t: Template | None = None
) -> tuple[Path, float | None]:
    """The cached N-row MMP-format CSV, written if missing (see :func:`ensure_warehouse`)."""
    import time

    out_dir = out_dir or OUT_DIR
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / _name("mmp", n, seed, "csv")
    if path.exists():
        return path, None
    t0 = time.perf_counter()
    write_mmp_csv(path, n, seed, t)
    return path, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.generate --rows N [--csv] [--warehouse]``: build and cache."""
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--csv", action="store_true", help="write the MMP-format CSV")
    ap.add_argument("--warehouse", action="store_true", help="build the warehouse")
    a = ap.parse_args(argv)
    t = build_template(a.seed)
    if a.csv or not a.warehouse:
        p, s = ensure_csv(a.rows, a.seed, t=t)
        print(f"{p} ({'cached' if s is None else f'{s:.1f} s'})")
    if a.warehouse or not a.csv:
        p, s = ensure_warehouse(a.rows, a.seed, t=t)
        print(f"{p} ({'cached' if s is None else f'{s:.1f} s'})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
