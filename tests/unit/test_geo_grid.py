"""H3 grid cells for aggregation."""

from __future__ import annotations

import h3
import pytest

from pipeline.geo import crs
from pipeline.geo.grid import (
    DEFAULT_RESOLUTION,
    cell_boundary,
    cell_center,
    cell_resolution,
    grid_cell,
)

BUND = (31.2400, 121.4860)


def test_default_cell_is_stable():
    assert DEFAULT_RESOLUTION == 8
    assert grid_cell(*BUND) == "88309958adfffff"
    assert grid_cell(*BUND) == grid_cell(*BUND, resolution=8)


def test_nearby_points_share_a_cell_and_far_ones_do_not():
    assert grid_cell(31.24000, 121.48600) == grid_cell(31.24001, 121.48601)
    assert grid_cell(*BUND) != grid_cell(31.2397, 121.4998)


@pytest.mark.parametrize("resolution", [0, 5, 8, 9, 12, 15])
def test_resolution_is_honoured(resolution):
    cell = grid_cell(*BUND, resolution=resolution)
    assert h3.is_valid_cell(cell)
    assert cell_resolution(cell) == resolution


def test_finer_cells_nest_in_coarser_ones():
    assert h3.cell_to_parent(grid_cell(*BUND, resolution=10), 8) == grid_cell(*BUND)


def test_input_datum_is_converted_to_wgs84():
    gcj = crs.wgs84_to_gcj02(*BUND)
    bd = crs.wgs84_to_bd09(*BUND)
    expected = grid_cell(*BUND, resolution=10)
    assert grid_cell(*gcj, resolution=10, crs="gcj02") == expected
    assert grid_cell(*bd, resolution=10, crs="bd09") == expected
    assert grid_cell(*gcj, resolution=10) != expected


def test_center_and_boundary_belong_to_the_cell():
    cell = grid_cell(*BUND)
    assert grid_cell(*cell_center(cell)) == cell
    boundary = cell_boundary(cell)
    assert len(boundary) == 6
    assert all(abs(lat - BUND[0]) < 0.02 and abs(lon - BUND[1]) < 0.02 for lat, lon in boundary)


@pytest.mark.parametrize("resolution", [-1, 16, True, 8.0, "8"])
def test_invalid_resolution_is_rejected(resolution):
    with pytest.raises(ValueError, match="resolution"):
        grid_cell(*BUND, resolution=resolution)


@pytest.mark.parametrize("func", [cell_center, cell_boundary, cell_resolution])
def test_invalid_cell_is_rejected(func):
    with pytest.raises(ValueError, match="H3 cell"):
        func("not-a-cell")
