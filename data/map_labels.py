"""Where the maps write place names: ``data/reference/map_labels.csv`` (built by
``scripts/build_map_labels.py``). A module of its own, with pandas only, so the first page
does not import geopandas to read it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

FILE = Path(__file__).resolve().parent / "reference" / "map_labels.csv"


def read_map_labels() -> pd.DataFrame:
    """The place names of the maps.

    Returns
    -------
    DataFrame
        ``kind`` (``country``, ``sea``, ``ocean``), ``code``, ``name_en``, ``name_fr``,
        ``lon``, ``lat`` (degrees) and ``area_km2``.
    """
    return pd.read_csv(
        FILE,
        comment="#",
        dtype={"kind": str, "code": str, "name_en": str, "name_fr": str},
        keep_default_na=False,
    )
