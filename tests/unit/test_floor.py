"""benchmarks.floor: the inventory of a run and the bare script that draws it again.

A toy app stands in for RouteWatch (no warehouse, no browser, no timing): a sidebar Period
select box, columns of metrics, a plotly chart, a pydeck map, a data frame, markdown and HTML.
The bare script generated from its snapshot must send the same element tree (same delta paths
and element types) and the same chart spec, deck JSON and Arrow table for every option.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from benchmarks import floor

TOY_APP = """
import pandas as pd
import plotly.graph_objects as go
import pydeck as pdk
import streamlit as st

st.set_page_config(page_title="Toy", layout="wide")
LABELS = {"all": "All years", "y1": "2025", "y2": "2024", "y3": "2023"}
with st.sidebar:
    st.markdown("### Filters")
    period = st.selectbox("Period", list(LABELS), key="flt_period",
                          format_func=lambda p: LABELS.get(p, p))
    st.multiselect("Route", ["a", "b"], key="flt_routes")
k = list(LABELS).index(period) + 1
st.title("Toy")
cols = st.columns(2)
cols[0].metric("Dead and missing", f"{100 * k:,}")
cols[1].metric("Incidents", f"{10 * k:,}")
fig = go.Figure(go.Bar(x=list(range(12 + k)), y=[i * k for i in range(12 + k)]))
fig.add_trace(go.Scatter(x=[0, 1, 2], y=[k, k, k]))
st.plotly_chart(fig, theme=None, config={"displayModeBar": False})
rows = pd.DataFrame({"lon": [10.0 + i for i in range(5 * k)], "lat": [40.0] * (5 * k)})
layer = pdk.Layer("ScatterplotLayer", rows.to_dict("records"), get_position="[lon, lat]",
                  id="pts")
st.pydeck_chart(pdk.Deck(layers=[layer], map_style=None), key="map", height=400)
st.markdown("Some **markdown**.")
st.html("<p>html</p>")
df = pd.DataFrame({"route": [f"r{i}" for i in range(3 * k)], "deaths": list(range(3 * k))})
st.dataframe(df, hide_index=True, height=200,
             column_config={"deaths": st.column_config.NumberColumn("Deaths", format="%d")})
"""


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], dict]:
    folder = tmp_path_factory.mktemp("floor")
    app = folder / "toy_app.py"
    app.write_text(TOY_APP, encoding="utf-8")
    with floor.capture_runs() as msgs:
        at = AppTest.from_file(str(app), default_timeout=60)
        at.run()
        assert not at.exception
        labels, snaps = floor.snapshot_options(at, msgs, label="toy")
    floor.save_snapshots(folder / "toy.pkl", "toy", labels, snaps)
    return folder, labels, snaps


def test_every_option_is_snapshotted(snapshots: tuple[Path, list[str], dict]) -> None:
    _, labels, snaps = snapshots
    assert labels == ["All years", "2025", "2024", "2023"]
    assert list(snaps) == labels
    assert floor.first_measured(labels) == "2024"


def test_inventory_counts_and_sizes(snapshots: tuple[Path, list[str], dict]) -> None:
    _, _, snaps = snapshots
    inv = floor.inventory(snaps["2024"])  # k = 3
    assert inv["plotly"][0]["traces"] == [
        {"type": "bar", "points": 15},
        {"type": "scatter", "points": 3},
    ]
    assert inv["plotly"][0]["points"] == 18
    (deck,) = inv["maps"]
    assert [(x["type"], x["rows"]) for x in deck["layers"]] == [("ScatterplotLayer", 15)]
    assert inv["dataframes"] == [{"rows": 9, "columns": 2, "bytes": inv["dataframes"][0]["bytes"]}]
    assert inv["metrics"] == 2
    assert inv["markdown"] == {"main": 1, "sidebar": 1}
    assert inv["widgets"] == {"sidebar:multiselect": 1, "sidebar:selectbox": 1}
    assert inv["blocks"]["column"] == 2
    assert inv["message_bytes"] > 0
    json.dumps(inv)  # the inventory is saved as JSON
    kinds = [e["kind"] for e in snaps["2024"]["entries"]]
    assert kinds.count("period") == 1
    assert {"plotly", "deck", "dataframe", "block", "element"} <= set(kinds)


def test_bare_script_draws_the_same_tree(snapshots: tuple[Path, list[str], dict]) -> None:
    folder, labels, snaps = snapshots
    script = floor.write_bare_script(folder / "toy.pkl", folder, "toy")
    text = script.read_text(encoding="utf-8")
    assert "duckdb" not in text and "benchmarks" not in text.split('"""', 2)[2]
    for label in (labels[0], labels[2]):  # the default and one picked (AppTest runs are slow)
        with floor.capture_runs() as msgs:
            at = AppTest.from_file(str(script), default_timeout=60)
            at.session_state[floor.PERIOD_KEY] = label  # as after picking it in the browser
            at.run()
            assert not at.exception, at.exception
            got = floor.snapshot_run(msgs)
        want = snaps[label]
        assert got["page_config"] == want["page_config"]
        assert [(e["path"], e["type"]) for e in got["entries"]] == [
            (e["path"], e["type"]) for e in want["entries"]
        ]
        for g, w in zip(got["entries"], want["entries"], strict=True):
            for field in ("proto", "spec", "json", "arrow", "columns", "width", "height"):
                assert g.get(field) == w.get(field), (label, w["type"], field)
            assert g["kind"] == w["kind"]
    # The options really draw different data, so the browser redraws on a change.
    specs = [next(e["spec"] for e in snaps[x]["entries"] if e["kind"] == "plotly") for x in labels]
    assert len({json.dumps(s, sort_keys=True) for s in specs}) == len(labels)


def test_points_of_typed_arrays() -> None:
    import base64

    import numpy as np

    arr = {"dtype": "i2", "bdata": base64.b64encode(np.arange(7, dtype="i2").tobytes()).decode()}
    assert floor._points(arr) == 7
    assert floor._points([[1, 2], [3, 4], [5, 6]]) == 6
    assert floor._trace_points({"type": "heatmap", "z": [[1, 2], [3, 4]], "x": [0, 1]}) == 4


def _run_script(script: Path, label: str) -> dict:
    with floor.capture_runs() as msgs:
        at = AppTest.from_file(str(script), default_timeout=60)
        at.session_state[floor.PERIOD_KEY] = label
        at.run()
        assert not at.exception, at.exception
        return floor.snapshot_run(msgs)


def test_variants_split_the_floor(snapshots: tuple[Path, list[str], dict]) -> None:
    folder, labels, snaps = snapshots
    want = snaps[labels[1]]
    raw = _run_script(floor.write_bare_script(folder / "toy.pkl", folder, "toy", "raw"), labels[1])
    # Sent as the app's protos: byte for byte what the app sent, ids included.
    assert [e.get("raw") or e.get("proto") for e in raw["entries"]] == [
        e.get("raw") or e.get("proto") for e in want["entries"]
    ]
    text = _run_script(
        floor.write_bare_script(folder / "toy.pkl", folder, "toy", "text_only"), labels[1]
    )
    kinds = [e["kind"] for e in text["entries"]]
    assert not {"plotly", "deck", "dataframe"} & set(kinds)
    assert kinds.count("period") == 1
    assert len(kinds) == len(want["entries"]) - 3


def test_rerun_floor_on_the_demo_warehouse(demo_db: Path, tmp_path: Path) -> None:
    """``--rerun`` end to end on one page, one cycle: the app's Period changes and the bare
    script's, each timed in wall and CPU time (the structure only: timings are never asserted).
    In a child process: AppTest of app.py patches Streamlit's page manager for good."""
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "benchmarks.floor", "--db", str(demo_db), "--rerun",
           "--pages", "data_sources", "--repeat", "1", "--json", "--out", str(tmp_path)]  # fmt: skip
    repo = Path(floor.__file__).resolve().parents[1]
    p = subprocess.run(cmd, cwd=repo, capture_output=True, text=True, timeout=300, check=False)
    assert p.returncode == 0, p.stderr[-2000:]
    res = json.loads(p.stdout.strip().splitlines()[-1])
    assert res["repeat"] == 1 and len(res["load_start"]) == 3 and len(res["load_end"]) == 3
    row = res["pages"]["data_sources"]
    assert "app_error" not in row and "floor_error" not in row, row
    for run in ("app", "floor"):
        assert row[run]["cycles"] == 1
        order = row[run]["order"]
        assert len(order) >= 2 and not any(o.startswith("Custom") for o in order)
        for clock in ("wall", "cpu"):
            stats = row[run][clock]
            assert stats["n"] == len(order) == len(stats["samples_ms"])
            assert {"median_ms", "p95_ms", "max_ms"} <= set(stats)
    assert row["app"]["order"] == row["floor"]["order"]  # the same changes, in the same order
    for clock in ("wall", "cpu"):
        for stat in ("median", "p95"):
            assert f"ratio_{clock}_{stat}" in row and f"over_floor_{clock}_{stat}_ms" in row
    assert (tmp_path / "floor_data_sources.py").exists()
    assert res["inventory"]["data_sources"]["elements"] > 0
    # The table prints a row per page.
    assert "| data_sources |" in floor.rerun_table(res)
