"""Check that two versions of the ingest load the same files into the same warehouse.

Each source tree (this one and ``--base``, for example ``git archive main | tar -x -C DIR``)
loads every file into its own fresh warehouse in a child process; the load summaries (rows
read, loaded, rejected and flagged, the reasons, the notes) and every table's rows are then
compared. Only what must differ is left out: the load time and ``sources.ingested_at``.

    python -m benchmarks.compare_ingest --base /tmp/base FILE [FILE ...]

Exit status 0 when everything is identical, 1 otherwise (the differences are printed).
"""

# ruff: noqa: S608 - table and column names come from the two warehouses' own catalogues
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]

_CHILD = r"""
import json, sys, time
from data.ingest import load_file
from data.readers import IngestError
db, files = sys.argv[1], sys.argv[2:]
out = []
for f in files:
    t0 = time.perf_counter()
    try:
        s = load_file(f, db=db).as_dict()
    except IngestError as exc:
        s = {"error": str(exc)}
    s["seconds"] = round(time.perf_counter() - t0, 3)
    out.append(s)
print(json.dumps(out))
"""

# Columns that record when a load ran, not what it loaded.
_SKIP = {"sources": {"ingested_at"}}


def run_tree(tree: Path, db: Path, files: list[str]) -> list[dict[str, object]]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    res = subprocess.run(
        [sys.executable, "-c", _CHILD, str(db), *files],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(res.stdout.strip().splitlines()[-1])


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0


def compare_tables(a: Path, b: Path) -> list[str]:
    """The differences between two warehouses, table by table (empty when identical)."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{a}' AS a (READ_ONLY)")
    con.execute(f"ATTACH '{b}' AS b (READ_ONLY)")
    diffs: list[str] = []
    tables = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'a' ORDER BY 1"
        ).fetchall()
    ]
    for t in tables:
        cols_a = [r[0] for r in con.execute(f"DESCRIBE a.{t}").fetchall()]
        cols_b = [r[0] for r in con.execute(f"DESCRIBE b.{t}").fetchall()]
        if cols_a != cols_b:
            diffs.append(f"{t}: columns differ: {cols_a} vs {cols_b}")
            continue
        cols = ", ".join(f'"{c}"' for c in cols_a if c not in _SKIP.get(t, set()))
        na, nb = (_one(con, f"SELECT count(*) FROM {d}.{t}") for d in "ab")
        only_a = _one(
            con,
            f"SELECT count(*) FROM (SELECT {cols} FROM a.{t} EXCEPT ALL SELECT {cols} FROM b.{t})",
        )
        only_b = _one(
            con,
            f"SELECT count(*) FROM (SELECT {cols} FROM b.{t} EXCEPT ALL SELECT {cols} FROM a.{t})",
        )
        # Same rows in the same order (what a query without ORDER BY would see).
        same_order = True
        if na == nb and not only_a and not only_b and na:
            q = (
                f"SELECT count(*) FROM (SELECT row_number() OVER () AS i, {cols} FROM a.{t}) x "
                f"FULL JOIN (SELECT row_number() OVER () AS i, {cols} FROM b.{t}) y USING (i) "
                "WHERE x IS DISTINCT FROM y"
            )
            try:
                same_order = _one(con, q) == 0
            except duckdb.Error:  # geometry blobs etc.: the multiset check above stands
                same_order = True
        status = "same" if (na == nb and not only_a and not only_b) else "DIFFERENT"
        line = f"{t}: {na} vs {nb} rows, {only_a} only in base, {only_b} only in new: {status}"
        if status == "same" and not same_order:
            line += " (row order differs)"
        print("  " + line)
        if status != "same":
            diffs.append(line)
    return diffs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", required=True, type=Path, help="the source tree to compare with")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args(argv)
    files = [str(Path(f).resolve()) for f in a.files]
    with tempfile.TemporaryDirectory() as tmp:
        db_base, db_new = Path(tmp) / "base.duckdb", Path(tmp) / "new.duckdb"
        print(f"load average {os.getloadavg()[0]:.2f}")
        s_base = run_tree(a.base.resolve(), db_base, files)
        s_new = run_tree(REPO, db_new, files)
        diffs: list[str] = []
        for f, x, y in zip(files, s_base, s_new, strict=True):
            tx, ty = x.pop("seconds"), y.pop("seconds")
            print(f"{Path(f).name}: base {tx:.2f} s, new {ty:.2f} s")
            same = x == y
            print(f"  summary: {'same' if same else 'DIFFERENT'}: {json.dumps(y)[:300]}")
            if not same:
                diffs.append(f"{f}: summaries differ:\n  base {x}\n  new  {y}")
        if db_base.exists() and db_new.exists():
            diffs += compare_tables(db_base, db_new)
    for d in diffs:
        print("DIFF", d)
    print("IDENTICAL" if not diffs else f"{len(diffs)} differences")
    return 0 if not diffs else 1


if __name__ == "__main__":
    sys.exit(main())
