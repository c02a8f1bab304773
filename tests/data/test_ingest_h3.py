"""The ingest's H3 cells and parents are exactly h3's own (the parents are computed in NumPy)."""

from __future__ import annotations

import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
import pytest

from data.ingest import _h3_cells, _h3_parent


def _cells(values: list[int]) -> pd.Series:
    arr = np.array(values, dtype="uint64")
    return pd.Series(pd.arrays.IntegerArray(arr, mask=np.zeros(len(arr), dtype=bool)))


@pytest.mark.parametrize("res", [5, 9, 15])
def test_cells_and_parents_match_h3(res: int) -> None:
    rng = np.random.default_rng(res)
    n = 5000
    lat = pd.Series(rng.uniform(-89.9, 89.9, n)).astype("Float64")
    lon = pd.Series(rng.uniform(-179.9, 179.9, n)).astype("Float64")
    lat[::37] = pd.NA
    cells = _h3_cells(lat, lon, res)
    ok = (lat.notna() & lon.notna()).to_numpy()
    want = [h3i.latlng_to_cell(a, b, res) for a, b in zip(lat[ok], lon[ok], strict=True)]
    assert cells[ok].tolist() == want
    assert cells.isna().to_numpy().tolist() == (~ok).tolist()
    for parent_res in sorted({0, 1, 3, res - 1, res}):
        parents = _h3_parent(cells, parent_res)
        assert parents.isna().equals(cells.isna())
        assert parents[ok].tolist() == [h3i.cell_to_parent(c, parent_res) for c in want]


def test_parents_of_every_base_cell_and_pentagon() -> None:
    cells = [c for base in h3i.get_res0_cells() for c in h3i.cell_to_children(base, 2)]
    assert any(h3i.is_pentagon(c) for c in cells)
    for parent_res in (0, 1, 2):
        got = _h3_parent(_cells(cells), parent_res).tolist()
        assert got == [h3i.cell_to_parent(c, parent_res) for c in cells]
