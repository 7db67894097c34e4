"""Points indexed by the cells of a lat/lon grid, for "which points lie in this box".

A box query looks only at the buckets the box overlaps (or, for a box wider than the
index, at every bucket) and tests each point there against the box, edges included: the
answer is exactly the points inside, as a spatial index's envelope query gives them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

BUCKET_DEG = 0.02
"""Side of a bucket in degrees (about 2 km)."""


def _bucket(lat: float, lon: float) -> tuple[int, int]:
    return math.floor(lat / BUCKET_DEG), math.floor(lon / BUCKET_DEG)


class PointBuckets:
    """``(lat, lon)`` points, each known by its position in the list given."""

    def __init__(self, points: Sequence[tuple[float, float]]) -> None:
        #: bucket -> (lon, lat, index) of the points in it
        self._buckets: dict[tuple[int, int], list[tuple[float, float, int]]] = {}
        for i, (lat, lon) in enumerate(points):
            self._buckets.setdefault(_bucket(lat, lon), []).append((lon, lat, i))

    def in_box(self, west: float, south: float, east: float, north: float) -> list[int]:
        """The indices of the points in the box, edges included."""
        if not (west <= east and south <= north):
            return []
        buckets = self._buckets
        if not math.isfinite(west + south + east + north):
            keys = list(buckets)
        else:
            (row0, col0), (row1, col1) = _bucket(south, west), _bucket(north, east)
            if (row1 - row0 + 1) * (col1 - col0 + 1) > len(buckets):
                keys = [k for k in buckets if row0 <= k[0] <= row1 and col0 <= k[1] <= col1]
            else:
                keys = [(r, c) for r in range(row0, row1 + 1) for c in range(col0, col1 + 1)]
        inside = []
        for key in keys:
            for lon, lat, i in buckets.get(key, ()):
                if west <= lon <= east and south <= lat <= north:
                    inside.append(i)
        return inside
