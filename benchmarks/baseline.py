"""The baseline: the same pages written the way such dashboards usually are.

Everything is loaded into pandas once at start (``SELECT *`` of the incident and detection
vintages), and every interaction filters the whole frame with boolean masks (list fields tested
row by row in Python), groups in pandas, and sends the raw filtered points to a pydeck
``ScatterplotLayer`` (pydeck's default, indented JSON). Charts are plotly figures of the same
grouped series as RouteWatch draws. Nothing is cached between interactions, as with a page
script that recomputes on every rerun.

Only the Overview, Routes and Incidents pages have a baseline (the risk scores and data-quality
views have no "usual" pandas counterpart); ratios are reported for those three.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pydeck as pdk

from data.filters import Filters


def _has_any(col: pd.Series, wanted: tuple[str, ...]) -> pd.Series:
    w = set(wanted)
    return col.map(lambda v: v is not None and any(x in w for x in v)).astype(bool)


class PandasDashboard:
    """Load once, filter and group in pandas on every interaction."""

    def __init__(self, db: str | Path) -> None:
        con = duckdb.connect(str(db), read_only=True)
        try:
            src = con.execute(
                "SELECT source_id FROM sources WHERE kind = 'mmp' ORDER BY vintage DESC"
            ).fetchone()
            fx = con.execute(
                "SELECT source_id FROM sources WHERE kind = 'frontex' ORDER BY vintage DESC"
            ).fetchone()
            self.incidents = con.execute(
                "SELECT * FROM incidents WHERE source_id = ?", [src[0] if src else ""]
            ).df()
            self.detections = con.execute(
                "SELECT * FROM detections WHERE source_id = ?", [fx[0] if fx else ""]
            ).df()
            self.routes = con.execute("SELECT * FROM routes ORDER BY name").df()
            self.waypoints = con.execute(
                "SELECT * FROM route_waypoints ORDER BY route_id, seq"
            ).df()
        finally:
            con.close()
        self.incidents["incident_date"] = pd.to_datetime(self.incidents["incident_date"])
        self.detections["month"] = pd.to_datetime(self.detections["month"])

    # ------------------------------------------------------------------ filtering

    def filter_incidents(self, f: Filters) -> pd.DataFrame:
        df = self.incidents
        m = pd.Series(True, index=df.index)
        if f.date_from:
            m &= df["incident_date"] >= pd.Timestamp(f.date_from)
        if f.date_to:
            m &= df["incident_date"] <= pd.Timestamp(f.date_to)
        if f.routes:
            m &= _has_any(df["route_ids"], f.routes)
        if f.origins:
            m &= _has_any(df["origin_iso3"], f.origins)
        if f.causes:
            m &= _has_any(df["causes"], f.causes)
        if f.mmp_regions:
            m &= _has_any(df["region_of_incident_list"], f.mmp_regions)
        if f.min_source_quality:
            m &= df["source_quality"].fillna(0) >= f.min_source_quality
        return df[m]

    def filter_detections(self, f: Filters) -> pd.DataFrame:
        d = self.detections
        m = pd.Series(True, index=d.index)
        if f.date_from:
            m &= d["month"] >= pd.Timestamp(f.date_from).to_period("M").to_timestamp()
        if f.date_to:
            m &= d["month"] <= pd.Timestamp(f.date_to)
        if f.routes:
            m &= d["route_id"].isin(f.routes)
        if f.origins:
            m &= d["nationality_iso3"].isin(f.origins)
        return d[m]

    # ------------------------------------------------------------------ pieces

    @staticmethod
    def _headline(inc: pd.DataFrame, det: pd.DataFrame) -> dict[str, Any]:
        return {
            "incidents": len(inc),
            "dead": int(inc["dead"].sum()),
            "missing": int(inc["missing"].sum()),
            "dead_and_missing": int(inc["dead_and_missing"].sum()),
            "detections": int(det["detections"].sum()),
        }

    def _route_metrics(self, inc: pd.DataFrame, det: pd.DataFrame) -> pd.DataFrame:
        by_route = (
            inc[["route_ids", "dead_and_missing"]]
            .explode("route_ids")
            .groupby("route_ids")["dead_and_missing"]
            .agg(["count", "sum"])
        )
        d = det.groupby("route_id")["detections"].sum()
        out = self.routes[["route_id", "name"]].set_index("route_id")
        out["incidents"] = by_route["count"]
        out["dead_and_missing"] = by_route["sum"]
        out["detections"] = d
        out["deaths_per_1000_detections"] = out["dead_and_missing"] / out["detections"] * 1000
        return out.reset_index()

    def _points_deck(self, inc: pd.DataFrame, with_routes: bool) -> pdk.Deck:
        pts = inc[inc["lat"].notna()][
            ["lon", "lat", "dead_and_missing", "location", "incident_date", "route_labels_raw"]
        ].copy()
        pts["incident_date"] = pts["incident_date"].dt.strftime("%Y-%m-%d")
        layers = [
            pdk.Layer(
                "ScatterplotLayer",
                data=pts,
                get_position=["lon", "lat"],
                get_radius="dead_and_missing",
                radius_min_pixels=2,
                get_fill_color=[200, 30, 0, 160],
                pickable=True,
            )
        ]
        if with_routes:
            paths = (
                self.waypoints.groupby("route_id")[["lon", "lat"]]
                .apply(lambda g: g.to_numpy().tolist())
                .rename("path")
                .reset_index()
            )
            layers.insert(0, pdk.Layer("PathLayer", data=paths, get_path="path", get_width=3))
        return pdk.Deck(layers=layers, map_provider=None, map_style=None)

    # ------------------------------------------------------------------ pages

    def overview(self, f: Filters) -> dict[str, int]:
        """Headline (+ previous period), monthly line, route bars, raw-points map."""
        inc = self.filter_incidents(f)
        det = self.filter_detections(f)
        self._headline(inc, det)
        prev = f.previous_period()
        if prev is not None:
            self._headline(self.filter_incidents(prev), self.filter_detections(prev))
        monthly = inc.groupby(inc["incident_date"].dt.to_period("M"))["dead_and_missing"].sum()
        fig1 = go.Figure(go.Scatter(x=monthly.index.to_timestamp(), y=monthly.to_numpy()))
        rm = self._route_metrics(inc, det).sort_values("dead_and_missing", ascending=False)
        fig2 = go.Figure(
            go.Bar(x=rm["dead_and_missing"].head(10), y=rm["name"].head(10), orientation="h")
        )
        deck = self._points_deck(inc, with_routes=True)
        return _serialise(deck=[deck], figs=[fig1, fig2])

    def routes_page(self, f: Filters) -> dict[str, int]:
        """Route metrics and map, then one route: monthly, causes, seasonality, origins,
        lethality."""
        inc = self.filter_incidents(f)
        det = self.filter_detections(f)
        rm = self._route_metrics(inc, det).sort_values("dead_and_missing", ascending=False)
        route = str(rm["route_id"].iloc[0])
        fr = f.replace(routes=(route,))
        ri = self.filter_incidents(fr)
        rd = self.filter_detections(fr)
        monthly = ri.groupby(ri["incident_date"].dt.to_period("M"))["dead_and_missing"].sum()
        dmonthly = rd.groupby(rd["month"].dt.to_period("M"))["detections"].sum()
        causes = (
            ri[["causes", "dead_and_missing"]]
            .explode("causes")
            .groupby("causes")["dead_and_missing"]
            .sum()
        )
        season = ri.groupby(ri["incident_date"].dt.month)["dead_and_missing"].sum()
        origins = (
            ri[["origin_iso3", "dead_and_missing"]]
            .explode("origin_iso3")
            .groupby("origin_iso3")["dead_and_missing"]
            .sum()
        )
        nats = rd.groupby("nationality_iso3")["detections"].sum()
        yi = ri.groupby(ri["incident_date"].dt.year)["dead_and_missing"].sum()
        yd = rd.groupby(rd["month"].dt.year)["detections"].sum()
        leth = (yi / yd * 1000).dropna()
        figs = [
            go.Figure(go.Bar(x=rm["dead_and_missing"], y=rm["name"], orientation="h")),
            go.Figure(
                [
                    go.Scatter(x=monthly.index.to_timestamp(), y=monthly.to_numpy()),
                    go.Scatter(x=dmonthly.index.to_timestamp(), y=dmonthly.to_numpy()),
                ]
            ),
            go.Figure(go.Bar(x=causes.to_numpy(), y=causes.index, orientation="h")),
            go.Figure(go.Bar(x=season.index, y=season.to_numpy())),
            go.Figure(
                [
                    go.Bar(x=origins.index, y=origins.to_numpy()),
                    go.Bar(x=nats.index, y=nats.to_numpy()),
                ]
            ),
            go.Figure(go.Scatter(x=leth.index, y=leth.to_numpy())),
        ]
        deck = self._points_deck(inc, with_routes=True)
        return _serialise(deck=[deck], figs=figs)

    def incidents_page(self, f: Filters) -> dict[str, int]:
        """Raw-points map and the newest 1,000 rows."""
        inc = self.filter_incidents(f)
        inc.sort_values(["incident_date", "row_number"], ascending=[False, True]).head(1000)
        deck = self._points_deck(inc, with_routes=False)
        return _serialise(deck=[deck], figs=[])

    PAGES: dict[str, str] = {
        "overview": "overview",
        "routes": "routes_page",
        "incidents": "incidents_page",
    }

    def page(self, name: str) -> Callable[[Filters], dict[str, int]]:
        return getattr(self, self.PAGES[name])


def _serialise(deck: list[pdk.Deck], figs: list[go.Figure]) -> dict[str, int]:
    """What Streamlit would send: ``deck.to_json()`` and ``plotly.io.to_json`` (bytes)."""
    out = {"map_bytes": 0, "chart_bytes": 0}
    for d in deck:
        out["map_bytes"] = max(out["map_bytes"], len(d.to_json().encode()))
    for fig in figs:
        out["chart_bytes"] = max(out["chart_bytes"], len(pio.to_json(fig, validate=False).encode()))
    return out


def peak_rss_mb() -> float:
    """Peak resident set size of this process (VmHWM), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def json_default(o: object) -> object:
    """JSON for numpy scalars."""
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    return str(o)


__all__ = ["PandasDashboard", "json_default", "peak_rss_mb"]
