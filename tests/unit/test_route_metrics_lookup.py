"""``ui.cache._route_metrics_from_risk``: the route-risk table laid on the reference routes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from services.report import _ROUTE_METRIC_COLUMNS
from services.report import route_metrics_from_risk as _route_metrics_from_risk

ROUTES = pd.DataFrame(
    {
        "route_id": ["central_mediterranean", "western_balkans", "unclassified"],
        "name": ["Central Mediterranean", "Western Balkans", "Unclassified"],
        "colour": ["#0072B2", "#E69F00", "#999999"],
    }
)


def test_every_reference_route_once_in_reference_order() -> None:
    rr = pd.DataFrame(
        {
            "route_id": ["western_balkans", "central_mediterranean", "not_a_reference_route"],
            "incidents": [3, 10, 99],
            "dead_and_missing": [4, 250, 99],
            "detections": [1200.4, np.nan, 5.0],
            "deaths_per_1000_detections": [3.33, np.nan, 1.0],
            "note": ["x", "y", "z"],
        }
    )
    out = _route_metrics_from_risk(ROUTES, rr)
    assert list(out.columns) == _ROUTE_METRIC_COLUMNS
    assert out["route_id"].tolist() == ROUTES["route_id"].tolist()
    assert out["incidents"].tolist() == [10, 3, 0]
    assert out["dead_and_missing"].tolist() == [250, 4, 0]
    assert str(out["incidents"].dtype) == "int64"
    # Detections are whole events (NA where Frontex has no series); lethality NA likewise.
    assert str(out["detections"].dtype) == "Int64"
    assert out["detections"].isna().tolist() == [True, False, True]
    assert int(out["detections"].iloc[1]) == 1200
    assert str(out["deaths_per_1000_detections"].dtype) == "Float64"
    assert out["deaths_per_1000_detections"].isna().tolist() == [True, False, True]
    assert float(out["deaths_per_1000_detections"].iloc[1]) == 3.33
    assert out["name"].tolist() == ROUTES["name"].tolist()


def test_an_empty_risk_table_gives_zero_rows_of_figures() -> None:
    rr = pd.DataFrame(
        columns=[
            "route_id",
            "incidents",
            "dead_and_missing",
            "detections",
            "deaths_per_1000_detections",
        ]
    )
    out = _route_metrics_from_risk(ROUTES, rr)
    assert out["incidents"].tolist() == [0, 0, 0]
    assert out["detections"].isna().all() and out["deaths_per_1000_detections"].isna().all()
