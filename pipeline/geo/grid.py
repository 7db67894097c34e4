"""Grid cells for spatial aggregation: H3 hexagons over WGS-84.

This module owns the aggregation grid. A cell id is the H3 (v4) index string of the point
at a resolution from 0 (continental) to 15 (about 1 m²); the default, 8, gives hexagons of
about 0.74 km², a few city blocks. The same point and resolution always yield the same id.
"""

from __future__ import annotations

import h3

from pipeline.geo.crs import Datum, convert

DEFAULT_RESOLUTION = 8
MIN_RESOLUTION = 0
MAX_RESOLUTION = 15


def _check_resolution(resolution: int) -> None:
    valid_type = isinstance(resolution, int) and not isinstance(resolution, bool)
    if not valid_type or not MIN_RESOLUTION <= resolution <= MAX_RESOLUTION:
        raise ValueError(
            f"H3 resolution must be an integer from {MIN_RESOLUTION} to {MAX_RESOLUTION}, "
            f"got {resolution!r}"
        )


def grid_cell(
    lat: float, lon: float, resolution: int = DEFAULT_RESOLUTION, crs: Datum | str = "wgs84"
) -> str:
    """The H3 cell id containing the point; ``crs`` is the datum of ``lat``/``lon``."""
    _check_resolution(resolution)
    if crs != "wgs84":
        lat, lon = convert(lat, lon, crs, "wgs84")
    return h3.latlng_to_cell(lat, lon, resolution)


def cell_center(cell: str) -> tuple[float, float]:
    """The WGS-84 ``(lat, lon)`` centre of an H3 cell; ``ValueError`` for an invalid id."""
    if not h3.is_valid_cell(cell):
        raise ValueError(f"not an H3 cell id: {cell!r}")
    return h3.cell_to_latlng(cell)


def cell_boundary(cell: str) -> list[tuple[float, float]]:
    """The WGS-84 ``(lat, lon)`` vertices of an H3 cell, for maps."""
    if not h3.is_valid_cell(cell):
        raise ValueError(f"not an H3 cell id: {cell!r}")
    return [tuple(v) for v in h3.cell_to_boundary(cell)]


def cell_resolution(cell: str) -> int:
    """The resolution of an H3 cell id."""
    if not h3.is_valid_cell(cell):
        raise ValueError(f"not an H3 cell id: {cell!r}")
    return h3.get_resolution(cell)
