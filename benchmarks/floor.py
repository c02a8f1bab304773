"""The floor under the browser paint: a bare Streamlit script drawing what each page draws.

Issue 17 asks for "filter change to every chart and map painted, p95 <= 1.0 s at 1M" or, if that
cannot be reached, the floor that stops it and how close each page is to it. This module builds
that floor and measures it exactly as :mod:`benchmarks.paint` measures the app:

1. **Inventory.** The real app (``app.py``) runs under Streamlit's AppTest on the warehouse; for
   each page and each preset of the sidebar's Period, the ``ForwardMsg`` deltas of the run are
   captured (the whole element tree: layout blocks, widgets, text, charts, maps, tables). Saved as
   one pickle per page (the *snapshot*) and summarised in ``inventory.json``: plotly charts with
   their trace types and point counts, deck.gl maps with their layers and row counts, data frames
   (rows x columns), metrics, markdown blocks, widgets, and the bytes of each.
2. **Bare script.** A generated, self-contained Streamlit script per page (``floor_<page>.py``)
   that reads the snapshot and draws the same tree, at the same positions and sizes, with no
   DuckDB, no query, no analytics: the sidebar's Period is a real select box with the app's
   labels, and picking an option reruns the script, which draws the run the app made for that
   option. Charts, maps and tables go through Streamlit's public API so Streamlit's own
   serialisation is paid as in the app: ``st.plotly_chart`` of a ``go.Figure`` built once at
   start-up (Streamlit's ``to_dict`` + ``to_json``), ``st.pydeck_chart`` of an object whose
   ``to_json()`` returns the app's deck JSON, and ``st.dataframe`` of the app's Arrow table as a
   pandas frame with its column configuration. Everything else (headings, markdown, HTML,
   metrics, alerts, the other widgets, columns and containers) is the app's element proto sent
   again as is. Each option draws the app's own data for that period, so what changes on the
   screen between two options is what changes in the app.
3. **Measure.** The page of the app (:func:`benchmarks.paint.bench_paint`) and then its floor
   (the same loop, on ``streamlit run floor_<page>.py``, built from :mod:`benchmarks.paint`'s
   ``serve``, ``_wait_settled``, ``_options`` and ``_one_change``), page by page, so the two sit
   side by side in time. The table gives app p95, floor p95, their ratio and the difference.

Two ways of taking the floor apart: ``--variants`` measures more bare scripts (``raw``: charts,
maps and tables sent as the app's protos, so without Streamlit's serialisation; ``no_maps``,
``no_charts``, ``no_tables``, ``text_only``: without those elements), and ``--profile`` makes a
second pass on the app and the floor reading Chrome's renderer main-thread time per change
(``Performance.getMetrics``: task, script, layout, style), outside the timed window.

``python -m benchmarks.floor --db FILE --pages overview routes --repeat 5 --json``

**The rerun floor** (``--rerun``, no browser). Issue 17's rerun budget (AppTest ``at.run()``
after a filter change) has its own floor: what Streamlit costs to rerun a script drawing the
same element tree. Page by page, :func:`collect` snapshots the app and then times its Period
changes on the same AppTest (each preset in turn, ``--repeat`` cycles,
``benchmarks.pages.forget_filtered()`` before each run as ``benchmarks.run`` does, so the
filter caches miss); then :func:`bench_rerun_floor` times the same changes on the bare script
under AppTest, in a child process (no DuckDB, no app heap). Both give wall time
(``perf_counter``) and the process's CPU time (``process_time``, steadier on a loaded machine);
the table gives app and floor median and p95, their ratio and the difference (RouteWatch's own
queries, analytics and figure building).

``python -m benchmarks.floor --db FILE --rerun --pages overview routes --repeat 3 [--json]``
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import pickle
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.paint import (
    CHROMIUM,
    PAGE_PATHS,
    QUIET_MS,
    REPO,
    _browser_args,
    _one_change,
    _options,
    _wait_settled,
    bench_paint,
    serve,
)

PERIOD_LABEL = "Period"
PERIOD_KEY = "flt_period"
SNAPSHOT_VERSION = 1
# Streamlit's root containers (delta_path[0]).
ROOTS = {0: "main", 1: "sidebar", 2: "event", 3: "bottom"}
WIDGETS = {
    "selectbox", "multiselect", "slider", "button", "download_button", "checkbox",
    "button_group", "text_input", "number_input", "date_input", "time_input", "radio",
    "text_area", "color_picker", "file_uploader", "page_link", "chat_input", "camera_input",
    "audio_input", "date_time_input", "feedback",
}  # fmt: skip
# Keys of a plotly trace that hold one value per point.
POINT_KEYS = ("x", "y", "z", "values", "lat", "lon", "r", "theta", "locations", "a", "b")


# --------------------------------------------------------------------------------------------
# 1. Snapshot and inventory
# --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def capture_runs() -> Iterator[list[Any]]:
    """While active, the list yielded holds the ``ForwardMsg`` s of AppTest's latest run."""
    import streamlit.testing.v1.local_script_runner as lsr  # noqa: TID251 - the benchmark drives AppTest

    captured: list[Any] = []
    original = lsr.parse_tree_from_messages

    def parse(msgs: list[Any]) -> Any:
        captured[:] = list(msgs)
        return original(msgs)

    lsr.parse_tree_from_messages = parse
    try:
        yield captured
    finally:
        lsr.parse_tree_from_messages = original


def _size(cfg: Any, pixel: str) -> int | str | None:
    """A WidthConfig/HeightConfig as the value ``st.*(width=..., height=...)`` takes."""
    which = cfg.WhichOneof("width_spec" if pixel == "pixel_width" else "height_spec")
    if which == "use_stretch":
        return "stretch"
    if which == "use_content":
        return "content"
    if which == pixel:
        return int(getattr(cfg, pixel))
    return None


def _layout(el: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if el.HasField("width_config"):
        out["width"] = _size(el.width_config, "pixel_width")
    if el.HasField("height_config"):
        out["height"] = _size(el.height_config, "pixel_height")
    return {k: v for k, v in out.items() if v is not None}


def _user_key(element_id: str) -> str | None:
    if not element_id:
        return None
    key = element_id.split("-", maxsplit=2)[-1]
    return None if key == "None" else key


def snapshot_run(msgs: list[Any], period_label: str = PERIOD_LABEL) -> dict[str, Any]:
    """The drawing of one app run as plain data the bare script replays.

    Returns
    -------
    dict
        ``page_config`` (title, layout, sidebar state) and ``entries`` in the order the app sent
        them, each with its ``path`` (delta path) and ``kind``: ``block`` and ``element``
        (serialised protos, replayed as they are), ``period`` (the Period select box, drawn as a
        real widget), ``plotly`` (spec, config, theme, alt, key, width, height), ``deck`` (JSON,
        tooltip, ...) or ``dataframe`` (Arrow IPC bytes, column configuration, ...).
    """
    page_config: dict[str, Any] = {}
    entries: list[dict[str, Any]] = []
    for m in msgs:
        kind = m.WhichOneof("type")
        if kind == "page_config_changed":
            pc = m.page_config_changed
            page_config = {"title": pc.title, "layout": int(pc.layout),
                           "sidebar": int(pc.initial_sidebar_state)}  # fmt: skip
            continue
        if kind != "delta":
            continue
        path = [int(i) for i in m.metadata.delta_path]
        d = m.delta
        t = d.WhichOneof("type")
        if t == "add_block":
            entries.append({"kind": "block", "path": path, "type": d.add_block.WhichOneof("type"),
                            "proto": d.add_block.SerializeToString()})  # fmt: skip
            continue
        if t != "new_element":
            continue  # transient elements (spinners) are gone when the run ends
        el = d.new_element
        et = el.WhichOneof("type")
        base = {"path": path, "type": et, "nbytes": m.ByteSize(), **_layout(el)}
        raw = el.SerializeToString()
        if et == "selectbox" and el.selectbox.label == period_label and path[0] == 1:
            entries.append({**base, "kind": "period", "options": list(el.selectbox.options)})
        elif et == "plotly_chart":
            p = el.plotly_chart
            entries.append({**base, "kind": "plotly", "raw": raw, "spec": json.loads(p.spec),
                            "config": json.loads(p.config or "{}"), "theme": p.theme or None,
                            "alt": p.alt or None, "key": _user_key(p.id),
                            "selection": list(p.selection_mode)})  # fmt: skip
        elif et == "deck_gl_json_chart":
            p = el.deck_gl_json_chart
            entries.append({**base, "kind": "deck", "raw": raw, "json": p.json,
                            "tooltip": json.loads(p.tooltip) if p.tooltip else None,
                            "alt": p.alt or None, "key": _user_key(p.id),
                            "selection": list(p.selection_mode)})  # fmt: skip
        elif et == "dataframe" and not el.dataframe.arrow_data.styler.ByteSize():
            p = el.dataframe
            entries.append({**base, "kind": "dataframe", "raw": raw, "arrow": p.arrow_data.data,
                            "columns": json.loads(p.columns or "{}"),
                            "column_order": list(p.column_order) or None,
                            "row_height": int(p.row_height) or None,
                            "placeholder": p.placeholder or None, "alt": p.alt or None,
                            "selection": list(p.selection_mode)})  # fmt: skip
        else:
            entries.append({**base, "kind": "element", "proto": raw})
    return {"page_config": page_config, "entries": entries}


def _points(v: Any) -> int:
    """Values in one trace field: a list (nested lists count every cell) or a typed array."""
    if isinstance(v, dict) and "bdata" in v:
        n = len(base64.b64decode(v["bdata"])) // np.dtype(v.get("dtype", "f8")).itemsize
        return int(n)
    if isinstance(v, list):
        return sum(_points(x) if isinstance(x, list | dict) else 1 for x in v)
    return 0


def _trace_points(trace: dict[str, Any]) -> int:
    return max([_points(trace.get(k)) for k in POINT_KEYS] + [0])


def _deck_layers(deck_json: str) -> list[dict[str, Any]]:
    deck = json.loads(deck_json)
    out = []
    for layer in deck.get("layers") or []:
        data = layer.get("data")
        rows: int | None
        if isinstance(data, list):
            rows = len(data)
        elif isinstance(data, dict) and isinstance(data.get("features"), list):
            rows = len(data["features"])
        else:
            rows = None
        out.append({"type": layer.get("@@type") or layer.get("type"), "id": layer.get("id"),
                    "rows": rows, "bytes": len(json.dumps(layer))})  # fmt: skip
    return out


def _frame_shape(arrow: bytes) -> tuple[int, int]:
    import pyarrow as pa

    table = pa.ipc.open_stream(arrow).read_all()
    meta = table.schema.pandas_metadata or {}
    index_cols = [c for c in meta.get("index_columns", []) if isinstance(c, str)]
    return table.num_rows, table.num_columns - len(index_cols)


def inventory(snap: dict[str, Any]) -> dict[str, Any]:
    """What one run draws: counts by element and block type, and the size of each chart, map
    and table."""
    entries = snap["entries"]
    el_types: Counter[str] = Counter()
    blocks: Counter[str] = Counter()
    widgets: Counter[str] = Counter()
    markdown = {"main": 0, "sidebar": 0}
    out: dict[str, Any] = {"plotly": [], "maps": [], "dataframes": []}
    nbytes = 0
    for e in entries:
        root = ROOTS.get(e["path"][0], str(e["path"][0]))
        if e["kind"] == "block":
            blocks[e["type"]] += 1
            continue
        nbytes += e["nbytes"]
        et = e["type"]
        el_types[f"{root}:{et}"] += 1
        if et in WIDGETS:
            widgets[f"{root}:{et}"] += 1
        if et == "markdown" and root in markdown:
            markdown[root] += 1
        if e["kind"] == "plotly":
            traces = [{"type": t.get("type", "scatter"), "points": _trace_points(t)}
                      for t in e["spec"].get("data", [])]  # fmt: skip
            out["plotly"].append({"traces": traces, "points": sum(t["points"] for t in traces),
                                  "bytes": len(json.dumps(e["spec"]))})  # fmt: skip
        elif e["kind"] == "deck":
            layers = _deck_layers(e["json"])
            out["maps"].append({"layers": layers, "bytes": len(e["json"]),
                                "rows": sum(x["rows"] or 0 for x in layers)})  # fmt: skip
        elif e["kind"] == "dataframe":
            rows, cols = _frame_shape(e["arrow"])
            out["dataframes"].append({"rows": rows, "columns": cols, "bytes": len(e["arrow"])})
    out.update(
        elements=dict(sorted(el_types.items())),
        blocks=dict(sorted(blocks.items())),
        widgets=dict(sorted(widgets.items())),
        metrics=sum(n for k, n in el_types.items() if k.endswith(":metric")),
        markdown=markdown,
        n_elements=sum(el_types.values()),
        n_blocks=sum(blocks.values()),
        message_bytes=nbytes,
    )
    return out


def _summary(inv: dict[str, Any]) -> dict[str, Any]:
    return {
        "plotly_points": sum(p["points"] for p in inv["plotly"]),
        "map_rows": sum(m["rows"] for m in inv["maps"]),
        "dataframe_rows": sum(d["rows"] for d in inv["dataframes"]),
        "message_bytes": inv["message_bytes"],
    }


def _quiet_streamlit() -> None:
    import logging

    for name in ("streamlit", "streamlit.runtime", "streamlit.runtime.scriptrunner_utils"):
        logging.getLogger(name).setLevel(logging.ERROR)


def _navigation_as_served() -> None:
    """Run app.py's ``st.navigation`` on every AppTest run, as the server does (the patch of
    ``tests/app/conftest.py``: AppTest resets ``uses_pages_directory`` before each run)."""
    from streamlit.runtime.pages_manager import PagesManager  # noqa: TID251

    original = PagesManager.__init__
    if getattr(original, "_as_served", False):
        return

    def init(self: PagesManager, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    init._as_served = True  # type: ignore[attr-defined]
    PagesManager.__init__ = init  # type: ignore[method-assign]


def snapshot_options(at: Any, msgs: list[Any], label: str = "") -> tuple[list[str], dict]:
    """Pick every Period preset in turn on a running AppTest; snapshot each run.

    ``msgs`` is the list :func:`capture_runs` yields. Returns the option labels (as shown) and
    the snapshot of each option but "Custom ..." (paint.py never picks it: it opens a date range).
    AppTest's ``select_index`` sets the shown label as the value, so the select box's
    ``format_func`` must return a label unchanged (RouteWatch's ``_period_label`` does).
    """
    labels = list(at.selectbox(key=PERIOD_KEY).options)
    snaps: dict[str, Any] = {}
    for i, option in enumerate(labels):
        if option.startswith("Custom"):
            continue
        at.selectbox(key=PERIOD_KEY).select_index(i)
        at.run()
        if at.exception:
            raise RuntimeError(f"{label} / {option}: {at.exception[0].value[:200]}")
        snaps[option] = snapshot_run(msgs)
    return labels, snaps


def first_measured(labels: list[str]) -> str:
    """The option bench_paint times first (after its warm-up on the second one)."""
    measured = [x for x in labels if not x.startswith("Custom")]
    return measured[2 % len(measured)]


def time_reruns(
    at: Any,
    options: list[str],
    repeat: int,
    *,
    before: Callable[[], None] | None = None,
    context: str = "",
) -> dict[str, Any]:
    """Time ``at.run()`` after each Period change on a running AppTest (app or bare script).

    The options but "Custom ..." are picked in turn, from the second one (the first is what a
    fresh run shows, so every timed run is a change), ``repeat`` cycles. ``before`` runs after
    the pick and before the clock starts (for the app: :func:`benchmarks.pages.forget_filtered`,
    so the filter caches miss as after a real change). Wall time is ``time.perf_counter``; CPU
    time is ``time.process_time``, the whole process's CPU during the run (every thread:
    AppTest's script thread and DuckDB's workers), steadier than wall time on a loaded machine.

    Returns
    -------
    dict
        ``wall`` and ``cpu`` (each as :func:`_stats`), the ``order`` of the picks, ``cycles``.
    """
    measured = [o for o in options if not o.startswith("Custom")]
    if len(measured) < 2:
        raise RuntimeError(f"{context}: only {len(measured)} period options")
    order = measured[1:] + measured[:1]
    shown = list(at.selectbox(key=PERIOD_KEY).options)
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(repeat):
        for option in order:
            at.selectbox(key=PERIOD_KEY).select_index(shown.index(option))
            if before is not None:
                before()
            c0, t0 = time.process_time(), time.perf_counter()
            at.run()
            t1, c1 = time.perf_counter(), time.process_time()
            if at.exception:
                raise RuntimeError(f"{context} / {option}: {at.exception[0].value[:200]}")
            wall.append(t1 - t0)
            cpu.append(c1 - c0)
    return {"wall": _stats(wall), "cpu": _stats(cpu), "order": order, "cycles": repeat}


def bench_rerun_floor(
    script: Path, options: list[str] | None = None, repeat: int = 3, timeout_s: float = 120.0
) -> dict[str, Any]:
    """The rerun floor: :func:`time_reruns` on a bare script (:func:`write_bare_script`) under
    AppTest, in this process. ``options`` default to the bare select box's own (the snapshot's
    labels). Adds ``first_run_ms`` (loading the snapshot and building the figures, untimed in
    the reruns: the bare script caches them as the app caches its static data)."""
    _quiet_streamlit()
    from streamlit.testing.v1 import AppTest  # noqa: TID251 - the benchmark drives AppTest

    with _replayed_widgets_stateless():
        at = AppTest.from_file(str(script), default_timeout=timeout_s)
        t0 = time.perf_counter()
        at.run()
        first = time.perf_counter() - t0
        if at.exception:
            raise RuntimeError(f"{script.name}: {at.exception[0].value[:200]}")
        if options is None:
            options = list(at.selectbox(key=PERIOD_KEY).options)
        timed = time_reruns(at, options, repeat, context=script.name)
    return {"first_run_ms": round(first * 1000, 1), **timed}


@contextlib.contextmanager
def _replayed_widgets_stateless() -> Iterator[None]:
    """Let AppTest rerun a bare script whose widgets (but Period) are replayed protos.

    Before each run AppTest reads the state of every widget in the tree from what the widget's
    own call registered (value, ``format_func``); a replayed proto registered nothing, so that
    read fails. Such widgets are left out of the run's widget states (the bare script reads
    none of them; a browser would send their defaults, which the server would then drop).
    """
    import streamlit.testing.v1.element_tree as et  # noqa: TID251 - the benchmark drives AppTest

    original = et.get_widget_state

    def get_widget_state(node: Any) -> Any:
        try:
            return original(node)
        except KeyError:
            return None

    et.get_widget_state = get_widget_state
    try:
        yield
    finally:
        et.get_widget_state = original


def save_snapshots(path: Path, page: str, labels: list[str], snaps: dict[str, Any]) -> None:
    """Write the pickle the bare script reads (the first label is the select box's default)."""
    payload = {"version": SNAPSHOT_VERSION, "page": page, "options": labels,
               "default": labels[0], "snapshots": snaps}  # fmt: skip
    with path.open("wb") as fh:
        pickle.dump(payload, fh, protocol=pickle.HIGHEST_PROTOCOL)


def collect(
    db: Path,
    pages: tuple[str, ...],
    out_dir: Path,
    timeout_s: float = 300.0,
    rerun_repeat: int = 0,
) -> dict[str, Any]:
    """Run the real app under AppTest, one run per page and Period preset; write the snapshots.

    Writes ``out_dir/<page>.pkl`` (every option's snapshot) and returns the inventory: per page
    the option labels, the full inventory of the first measured option (the one
    :func:`benchmarks.paint.bench_paint` picks first after its warm-up) and a summary of every
    option's sizes.

    With ``rerun_repeat`` > 0, each page's Period changes are then timed on the same AppTest
    (:func:`time_reruns`, ``rerun_repeat`` cycles, the filter caches emptied before each run as
    ``benchmarks.run`` does) and added as the page's ``rerun``: the app's side of the rerun floor.
    """
    os.environ["ROUTEWATCH_DB"] = str(db)
    os.environ.pop("ROUTEWATCH_ONLINE_BASEMAP", None)
    _quiet_streamlit()
    from streamlit.testing.v1 import AppTest  # noqa: TID251 - the benchmark drives the app like tests do

    from benchmarks.pages import PAGE_FILES, forget_filtered

    _navigation_as_served()
    out_dir.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"db": str(db), "pages": {}}
    with capture_runs() as msgs:
        at = AppTest.from_file(str(REPO / "app.py"), default_timeout=timeout_s)
        at.run()
        for page in pages:
            at.switch_page(PAGE_FILES[page])
            at.run()
            labels, snaps = snapshot_options(at, msgs, label=page)
            save_snapshots(out_dir / f"{page}.pkl", page, labels, snaps)
            first = first_measured(labels)
            inv = inventory(snaps[first])
            result["pages"][page] = {
                "options": labels,
                "inventory_of": first,
                **inv,
                "per_option": {k: _summary(inventory(s)) for k, s in snaps.items()},
            }
            if rerun_repeat > 0:
                result["pages"][page]["rerun"] = time_reruns(
                    at, labels, rerun_repeat, before=forget_filtered, context=page
                )
    return result


# --------------------------------------------------------------------------------------------
# 2. The bare script
# --------------------------------------------------------------------------------------------

# The generated script: Streamlit, pickle, pandas/pyarrow (for st.dataframe) and plotly (for
# st.plotly_chart) only. Kept self-contained so it imports nothing of RouteWatch.
BARE_SCRIPT = '''"""Floor of the RouteWatch {page!r} page (generated by benchmarks/floor.py; do not edit).

Draws the element tree the app drew for each Period option, from {snapshot!r}, with no
warehouse, no query and no analytics. Charts, maps and tables go through st.plotly_chart,
st.pydeck_chart and st.dataframe; every other element is the app's proto sent again.
"""

import json
import pickle

import streamlit as st
from streamlit.proto.Block_pb2 import Block
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.runtime.scriptrunner import enqueue_message

SNAPSHOT = {snapshot!r}
PERIOD_KEY = {period_key!r}
DROP = {drop!r}  # kinds not drawn at all (to split the floor: maps, charts, tables)
RAW = {raw!r}  # kinds sent as the app's proto, skipping Streamlit's serialisation


class _Deck:
    """What st.pydeck_chart reads of a pydeck.Deck, around the app's own deck JSON."""

    def __init__(self, spec, tooltip):
        self._spec = spec
        self._tooltip = tooltip
        self.layers = []
        self.mapbox_key = None

    def to_json(self):
        return self._spec


@st.cache_resource
def _load(path):
    # The path is an argument, not read from the global: Streamlit keys the cache by the
    # function's source and arguments, and every bare script has the same source.
    import io

    import plotly.graph_objects as go
    import pyarrow as pa

    with open(path, "rb") as fh:
        snap = pickle.load(fh)
    for run in snap["snapshots"].values():
        for e in run["entries"]:
            if e["kind"] == "plotly":
                e["figure"] = go.Figure(e["spec"])
            elif e["kind"] == "deck":
                e["deck"] = _Deck(e["json"], e["tooltip"])
            elif e["kind"] == "dataframe":
                e["frame"] = pa.ipc.open_stream(io.BytesIO(e["arrow"])).read_all().to_pandas()
    return snap


def _sizes(e):
    return {{k: e[k] for k in ("width", "height") if k in e}}


def _element(dg, proto):
    msg = ForwardMsg()
    msg.delta.new_element.ParseFromString(proto)
    msg.metadata.delta_path[:] = dg._cursor.delta_path
    enqueue_message(msg)
    dg._cursor.lock_element()


def draw():
    snap = _load(SNAPSHOT)
    label = st.session_state.get(PERIOD_KEY, snap["default"])
    run = snap["snapshots"].get(label) or snap["snapshots"][snap["default"]]
    pc = run["page_config"]
    if pc:  # the enums' UNSET values (layout 2, sidebar 3) are left out, as the app left them
        kw = {{"page_title": pc["title"] or None}}
        if pc["layout"] in (0, 1):
            kw["layout"] = ("centered", "wide")[pc["layout"]]
        if pc["sidebar"] in (0, 1, 2):
            kw["initial_sidebar_state"] = ("auto", "expanded", "collapsed")[pc["sidebar"]]
        st.set_page_config(**kw)
    dgs = {{(0,): st._main, (1,): st.sidebar, (2,): st._event}}
    for e in run["entries"]:
        path = tuple(e["path"])
        dg = dgs[path[:-1]]
        kind = e["kind"]
        if kind in DROP:
            continue
        if kind in RAW:
            _element(dg, e["raw"])
        elif kind == "block":
            dgs[path] = dg._block(Block.FromString(e["proto"]))
        elif kind == "element":
            _element(dg, e["proto"])
        elif kind == "period":
            options = [o for o in e["options"]]
            dg.selectbox("Period", options, index=options.index(snap["default"]), key=PERIOD_KEY)
        elif kind == "plotly":
            dg.plotly_chart(e["figure"], theme=e["theme"], config=e["config"], key=e["key"],
                            alt=e["alt"], **_sizes(e))
        elif kind == "deck":
            dg.pydeck_chart(e["deck"], key=e["key"], alt=e["alt"], **_sizes(e))
        elif kind == "dataframe":
            dg.dataframe(e["frame"], column_config=e["columns"], column_order=e["column_order"],
                         row_height=e["row_height"], placeholder=e["placeholder"], **_sizes(e))


draw()
'''


DATA_KINDS = ("plotly", "deck", "dataframe")
# Ways of splitting the floor (--variants): which data kinds are left out, which sent raw.
VARIANTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "full": ((), ()),
    "raw": ((), DATA_KINDS),
    "no_maps": (("deck",), ()),
    "no_charts": (("plotly",), ()),
    "no_tables": (("dataframe",), ()),
    "text_only": (DATA_KINDS, ()),
}


def write_bare_script(snapshot: Path, folder: Path, page: str, variant: str = "full") -> Path:
    """Write ``folder/floor_<page>.py`` (``floor_<page>_<variant>.py`` for another variant of
    :data:`VARIANTS`) drawing ``snapshot``; return its path."""
    drop, raw = VARIANTS[variant]
    script = folder / (f"floor_{page}.py" if variant == "full" else f"floor_{page}_{variant}.py")
    text = BARE_SCRIPT.format(
        page=page,
        snapshot=str(snapshot.resolve()),
        period_key=PERIOD_KEY,
        drop=set(drop),
        raw=set(raw),
    )
    script.write_text(text, encoding="utf-8")
    return script


# --------------------------------------------------------------------------------------------
# 3. Measure
# --------------------------------------------------------------------------------------------


def _stats(samples_s: list[float]) -> dict[str, Any]:
    a = np.asarray(samples_s) * 1000.0
    return {
        "median_ms": round(float(np.median(a)), 1),
        "p95_ms": round(float(np.percentile(a, 95)), 1),
        "max_ms": round(float(a.max()), 1),
        "n": len(a),
        "samples_ms": [round(float(x), 1) for x in a],
    }


# Renderer main-thread counters of Chrome's Performance domain (seconds, cumulative).
MAIN_THREAD = ("TaskDuration", "ScriptDuration", "LayoutDuration", "RecalcStyleDuration")


def bench_served(
    script: Path,
    db: Path | None = None,
    url_path: str = "",
    *,
    changes: int,
    port: int,
    timeout_s: float = 60.0,
    width: int = 1440,
    height: int = 900,
    main_thread: bool = False,
) -> dict[str, Any]:
    """Paint time after a Period change for one served script and page, measured as
    :func:`benchmarks.paint.bench_paint` measures a page of the app (same browser, flags,
    viewport, settle/quiet rule, warm-up on the second option, then options 3, 4, ...).

    With ``main_thread``, Chrome's renderer main-thread time (``Performance.getMetrics``: task,
    script, layout, style) is read before and after each change, outside the timed window, and
    its median per change is added as ``main_thread_ms``: the browser's own work in the paint.

    Keep in step with ``bench_paint``'s per-page body (it serves ``app.py`` only; a ``script``
    parameter there would let this call it directly).
    """
    from playwright.sync_api import sync_playwright

    timeout_ms = timeout_s * 1000
    work: list[dict[str, float]] = []
    with (
        serve(script, db, port) as url,
        sync_playwright() as p,
        tempfile.TemporaryDirectory() as profile,
    ):
        ctx = p.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            headless=True,
            args=_browser_args(),
            viewport={"width": width, "height": height},
        )
        try:
            page = ctx.new_page()
            page.goto(f"{url}/{url_path}", wait_until="commit")
            _wait_settled(page, timeout_ms)
            opts = _options(page)
            if len(opts) < 2:
                raise RuntimeError(f"only {len(opts)} period options")
            _one_change(page, opts[1], timeout_ms)
            cdp = None
            if main_thread:
                cdp = ctx.new_cdp_session(page)
                cdp.send("Performance.enable")

            def counters() -> dict[str, float]:
                assert cdp is not None
                got = cdp.send("Performance.getMetrics")["metrics"]
                return {m["name"]: float(m["value"]) for m in got if m["name"] in MAIN_THREAD}

            samples = []
            for i in range(2, 2 + changes):
                before = counters() if cdp else {}
                took = _one_change(page, opts[i % len(opts)], timeout_ms)
                if took is None:  # the pick drew nothing new (same dates): not a change
                    continue
                samples.append(took)
                if cdp:
                    after = counters()
                    work.append({k: (after[k] - before[k]) * 1000 for k in MAIN_THREAD})
            page.close()
        finally:
            ctx.close()
    out = _stats(samples)
    if work:
        out["main_thread_ms"] = {
            k.removesuffix("Duration").lower(): round(float(np.median([w[k] for w in work])), 1)
            for k in MAIN_THREAD
        }
    return out


def bench_script(script: Path, **kw: Any) -> dict[str, Any]:
    """:func:`bench_served` of a bare script (served at the root, no warehouse)."""
    return bench_served(script, None, "", **kw)


def _incident_rows(db: Path) -> int | None:
    try:
        import duckdb

        with duckdb.connect(str(db), read_only=True) as con:
            row = con.execute("SELECT count(*) FROM incidents").fetchone()
        return int(row[0]) if row else None
    except Exception:  # noqa: BLE001 - only a label of the result
        return None


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def bench_floor(
    db: Path,
    *,
    pages: tuple[str, ...],
    repeat: int,
    port: int,
    out_dir: Path,
    timeout_s: float = 60.0,
    skip_app: bool = False,
    variants: tuple[str, ...] = ("full",),
    profile: bool = False,
) -> dict[str, Any]:
    """Inventory, bare scripts, then app paint and floor paint page by page."""
    t0 = time.perf_counter()
    res: dict[str, Any] = {
        "db": str(db),
        "rows": _incident_rows(db),
        "repeat": repeat,
        "load_start": _load(),
        "method": (
            "app: benchmarks.paint.bench_paint on app.py; floor: the same Chromium loop on a "
            "generated bare Streamlit script replaying the app's element tree for each Period "
            "option (charts via st.plotly_chart of a prebuilt go.Figure, maps via "
            "st.pydeck_chart of the app's deck JSON, tables via st.dataframe, other elements "
            "as the app's protos); page by page, app then floor; quiet window "
            f"{QUIET_MS} ms"
        ),
    }
    inv = collect(db, pages, out_dir)
    res["inventory_s"] = round(time.perf_counter() - t0, 1)
    (out_dir / "inventory.json").write_text(json.dumps(inv, indent=1), encoding="utf-8")
    res["inventory"] = {p: _brief(v) for p, v in inv["pages"].items()}
    res["pages"] = {}
    for page in pages:
        row: dict[str, Any] = {"load": _load()}
        if not skip_app:
            app = bench_paint(db, pages=(page,), changes=repeat, port=port, timeout_s=timeout_s)
            if "errors" in app or page not in app.get("pages", {}):
                row["app_error"] = app.get("errors") or app.get("skipped")
            else:
                row["app"] = app["pages"][page]
        for variant in variants:
            script = write_bare_script(out_dir / f"{page}.pkl", out_dir, page, variant)
            name = "floor" if variant == "full" else f"floor_{variant}"
            try:
                row[name] = bench_script(script, changes=repeat, port=port + 1, timeout_s=timeout_s)
            except Exception as exc:  # noqa: BLE001 - reported in the JSON, not hidden
                row[f"{name}_error"] = f"{type(exc).__name__}: {str(exc)[:200]}"
        if profile:  # a second pass, apart from the timing: the browser's own work per change
            row["profile"] = {}
            for name, script_, db_, path in (
                ("app", REPO / "app.py", db, PAGE_PATHS[page]),
                ("floor", write_bare_script(out_dir / f"{page}.pkl", out_dir, page), None, ""),
            ):
                try:
                    prof = bench_served(script_, db_, path, changes=repeat, port=port + 2,
                                        timeout_s=timeout_s, main_thread=True)  # fmt: skip
                    row["profile"][name] = {
                        "median_ms": prof["median_ms"],
                        **prof.get("main_thread_ms", {}),
                    }
                except Exception as exc:  # noqa: BLE001 - reported in the JSON, not hidden
                    row["profile"][f"{name}_error"] = f"{type(exc).__name__}: {str(exc)[:200]}"
        if "app" in row and "floor" in row:
            a, f = row["app"]["p95_ms"], row["floor"]["p95_ms"]
            row["ratio_p95"] = round(a / f, 2) if f else None
            row["over_floor_p95_ms"] = round(a - f, 1)
        res["pages"][page] = row
    res["load_end"] = _load()
    res["seconds"] = round(time.perf_counter() - t0, 1)
    return res


def _floor_in_child(script: Path, repeat: int, timeout_s: float) -> dict[str, Any]:
    """:func:`bench_rerun_floor` in a fresh Python process: no DuckDB, no app heap for the
    garbage collector to walk, no app caches, as a bare Streamlit server would run it."""
    import subprocess

    cmd = [sys.executable, "-m", "benchmarks.floor", "--rerun-child", str(script),
           "--repeat", str(repeat), "--timeout-s", str(timeout_s)]  # fmt: skip
    p = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False,
                       timeout=timeout_s * (repeat + 2))  # fmt: skip
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith("{")]
    if p.returncode != 0 or not lines:
        raise RuntimeError(f"exit {p.returncode}: {p.stderr.strip().splitlines()[-1:]}")
    out: dict[str, Any] = json.loads(lines[-1])
    return out


def _vs(app: dict[str, Any], fl: dict[str, Any]) -> dict[str, Any]:
    """App against floor, for wall and CPU time, median and p95: ratio and difference."""
    out: dict[str, Any] = {}
    for clock in ("wall", "cpu"):
        for stat in ("median_ms", "p95_ms"):
            a, f = app[clock][stat], fl[clock][stat]
            name = f"{clock}_{stat.removesuffix('_ms')}"
            out[f"ratio_{name}"] = round(a / f, 2) if f else None
            out[f"over_floor_{name}_ms"] = round(a - f, 1)
    return out


def bench_rerun(
    db: Path,
    *,
    pages: tuple[str, ...],
    repeat: int,
    out_dir: Path,
    timeout_s: float = 300.0,
) -> dict[str, Any]:
    """The rerun floor, page by page: the app's Period changes timed under AppTest (in
    :func:`collect`, which also writes the snapshot), then the bare script's same changes
    (:func:`bench_rerun_floor`, in a child process), so the two sit side by side in time."""
    t0 = time.perf_counter()
    res: dict[str, Any] = {
        "db": str(db),
        "rows": _incident_rows(db),
        "repeat": repeat,
        "load_start": _load(),
        "method": (
            "AppTest at.run() after each Period preset in turn (Custom left out), "
            f"{repeat} cycles; wall = time.perf_counter, cpu = time.process_time of the process. "
            "app: app.py switched to the page, benchmarks.pages.forget_filtered() before each "
            "run (as benchmarks.run); floor: the generated bare script replaying the app's "
            "element tree for the same option, in its own process, no DuckDB, no analytics"
        ),
        "pages": {},
        "inventory": {},
    }
    for page in pages:
        row: dict[str, Any] = {"load": _load()}
        try:
            inv = collect(db, (page,), out_dir, timeout_s, rerun_repeat=repeat)["pages"][page]
            row["app"] = inv.pop("rerun")
            res["inventory"][page] = _brief(inv)
        except Exception as exc:  # noqa: BLE001 - reported in the JSON, not hidden
            row["app_error"] = f"{type(exc).__name__}: {str(exc)[:200]}"
            res["pages"][page] = row
            continue
        try:
            script = write_bare_script(out_dir / f"{page}.pkl", out_dir, page)
            row["floor"] = _floor_in_child(script, repeat, timeout_s)
        except Exception as exc:  # noqa: BLE001 - reported in the JSON, not hidden
            row["floor_error"] = f"{type(exc).__name__}: {str(exc)[:200]}"
        if "floor" in row:
            row.update(_vs(row["app"], row["floor"]))
        res["pages"][page] = row
    res["load_end"] = _load()
    res["seconds"] = round(time.perf_counter() - t0, 1)
    return res


def rerun_table(res: dict[str, Any]) -> str:
    """Markdown table: app rerun vs floor rerun per page, wall and CPU time."""
    lines = [
        "| page | app p50 ms | app p95 ms | app CPU p50 | app CPU p95 | floor p50 ms | "
        "floor p95 ms | floor CPU p50 | floor CPU p95 | app/floor p95 (wall, CPU) | "
        "app - floor p50 ms (wall, CPU) | app - floor p95 ms (wall, CPU) | n | load |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for page, r in res["pages"].items():
        app, fl = r.get("app") or {}, r.get("floor") or {}

        def cell(run: dict[str, Any], clock: str, stat: str) -> Any:
            return (run.get(clock) or {}).get(stat, "-")

        def pair(key: str, r: dict[str, Any] = r) -> str:
            return f"{r.get(key.format('wall'), '-')}, {r.get(key.format('cpu'), '-')}"

        lines.append(
            f"| {page} | {cell(app, 'wall', 'median_ms')} | {cell(app, 'wall', 'p95_ms')} | "
            f"{cell(app, 'cpu', 'median_ms')} | {cell(app, 'cpu', 'p95_ms')} | "
            f"{cell(fl, 'wall', 'median_ms')} | {cell(fl, 'wall', 'p95_ms')} | "
            f"{cell(fl, 'cpu', 'median_ms')} | {cell(fl, 'cpu', 'p95_ms')} | "
            f"{pair('ratio_{}_p95')} | {pair('over_floor_{}_median_ms')} | "
            f"{pair('over_floor_{}_p95_ms')} | {cell(app, 'wall', 'n')} | {r['load'][0]} |"
        )
        for err in ("app_error", "floor_error"):
            if err in r:
                lines.append(f"| {page} | {err}: {r[err]} |" + " |" * 12)
    lines += [f"\nload average (1, 5, 15 min): start {res['load_start']}, end "
              f"{res.get('load_end')}; {res['seconds']} s"]  # fmt: skip
    return "\n".join(lines)


def _brief(inv: dict[str, Any]) -> dict[str, Any]:
    """The inventory in one line per kind (the full one is in inventory.json)."""
    return {
        "plotly": [
            "+".join(f"{t['type']}:{t['points']}" for t in p["traces"]) for p in inv["plotly"]
        ],
        "maps": ["+".join(f"{x['type']}:{x['rows']}" for x in m["layers"]) for m in inv["maps"]],
        "dataframes": [f"{d['rows']}x{d['columns']}" for d in inv["dataframes"]],
        "metrics": inv["metrics"],
        "markdown": inv["markdown"],
        "widgets": sum(inv["widgets"].values()),
        "elements": inv["n_elements"],
        "blocks": inv["n_blocks"],
        "message_bytes": inv["message_bytes"],
    }


def table(res: dict[str, Any]) -> str:
    """Markdown table: app paint vs floor paint per page."""
    lines = [
        "| page | app p50 ms | app p95 ms | floor p50 ms | floor p95 ms | app/floor p95 | "
        "over floor p95 ms | load |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for page, r in res["pages"].items():
        app, fl = r.get("app") or {}, r.get("floor") or {}
        lines.append(
            f"| {page} | {app.get('median_ms', '-')} | {app.get('p95_ms', '-')} | "
            f"{fl.get('median_ms', '-')} | {fl.get('p95_ms', '-')} | {r.get('ratio_p95', '-')} | "
            f"{r.get('over_floor_p95_ms', '-')} | {r['load'][0]} |"
        )
    lines += [
        "",
        "| page | plotly charts (trace:points) | maps (layer:rows) | tables | metrics | "
        "elements | blocks | bytes sent |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for page, b in res.get("inventory", {}).items():
        lines.append(
            f"| {page} | {', '.join(b['plotly']) or '-'} | {', '.join(b['maps']) or '-'} | "
            f"{', '.join(b['dataframes']) or '-'} | {b['metrics']} | {b['elements']} | "
            f"{b['blocks']} | {b['message_bytes']:,} |"
        )
    profiled = {p: r["profile"] for p, r in res["pages"].items() if r.get("profile")}
    if profiled:
        lines += [
            "",
            "| page | run | paint p50 ms | main thread ms | script | layout | style |",
            "|---|---|---|---|---|---|---|",
        ]
        for page, prof in profiled.items():
            for name in ("app", "floor"):
                v = prof.get(name) or {}
                lines.append(
                    f"| {page} | {name} | {v.get('median_ms', '-')} | {v.get('task', '-')} | "
                    f"{v.get('script', '-')} | {v.get('layout', '-')} | {v.get('recalcstyle', '-')} |"
                )
    others = sorted({k for r in res["pages"].values() for k in r if k.startswith("floor_")
                     and not k.endswith("_error")})  # fmt: skip
    if others:
        lines += ["", "| page | " + " | ".join(f"{k} p95 ms" for k in others) + " |",
                  "|---|" + "---|" * len(others)]  # fmt: skip
        for page, r in res["pages"].items():
            cells = [str((r.get(k) or {}).get("p95_ms", "-")) for k in others]
            lines.append(f"| {page} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, help="warehouse (read-only)")
    ap.add_argument("--pages", nargs="+", default=list(PAGE_PATHS), choices=list(PAGE_PATHS))
    ap.add_argument("--repeat", type=int, default=7, help="Period changes timed per page")
    ap.add_argument("--port", type=int, default=8711, help="app on PORT, floor on PORT+1")
    ap.add_argument("--out", type=Path, help="folder for snapshots, scripts, inventory.json")
    ap.add_argument("--timeout-s", type=float, default=60.0)
    ap.add_argument("--skip-app", action="store_true", help="floor only (no app paint)")
    ap.add_argument(
        "--variants",
        nargs="+",
        default=["full"],
        choices=list(VARIANTS),
        help="floors to measure: full (the floor), raw (data elements sent as the app's protos, "
        "no Streamlit serialisation), no_maps, no_charts, no_tables, text_only",
    )
    ap.add_argument(
        "--profile",
        action="store_true",
        help="another pass on app and floor reading Chrome's main-thread time per change",
    )
    ap.add_argument(
        "--rerun",
        action="store_true",
        help="the rerun floor instead of the paint floor: AppTest at.run() after each Period "
        "change, app vs bare script, wall and CPU time (no browser)",
    )
    ap.add_argument("--rerun-child", type=Path, help=argparse.SUPPRESS)  # one bare script
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    a = ap.parse_args(argv)
    if a.rerun_child:
        print(json.dumps(bench_rerun_floor(a.rerun_child, repeat=a.repeat, timeout_s=a.timeout_s)))
        return 0
    if a.db is None:
        ap.error("--db is required")
    if a.rerun:
        with contextlib.ExitStack() as stack:
            out = a.out or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="floor-")))
            res = bench_rerun(a.db, pages=tuple(a.pages), repeat=a.repeat, out_dir=out,
                              timeout_s=max(a.timeout_s, 300.0))  # fmt: skip
            res["out"] = str(out) if a.out else None
        print(json.dumps(res) if a.json else rerun_table(res))
        return 0
    if not CHROMIUM.exists():
        print(json.dumps({"skipped": f"{CHROMIUM} not found"}))
        return 0
    with contextlib.ExitStack() as stack:
        out = a.out or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="floor-")))
        res = bench_floor(a.db, pages=tuple(a.pages), repeat=a.repeat, port=a.port,
                          out_dir=out, timeout_s=a.timeout_s, skip_app=a.skip_app,
                          variants=tuple(a.variants), profile=a.profile)  # fmt: skip
        res["out"] = str(out) if a.out else None
    if a.json:
        print(json.dumps(res))
    else:
        print(table(res))
    return 0


if __name__ == "__main__":
    sys.exit(main())
