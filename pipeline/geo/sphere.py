"""Great-circle geometry on the WGS-84 mean sphere.

This module owns distances between points (haversine, metres) and the lon/lat bounding
boxes of a circle around a point, which spatial indexes use to find candidates before the
exact distance decides.
"""

from __future__ import annotations

import math

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius (IUGG), in metres."""

Box = tuple[float, float, float, float]
"""(min_lon, min_lat, max_lon, max_lat) in degrees."""


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def circle_boxes(lat: float, lon: float, radius_m: float) -> list[Box]:
    """Boxes that together contain every point within ``radius_m`` of ``(lat, lon)``.

    One box, or two when the circle crosses the antimeridian; near a pole the box spans
    every longitude.
    """
    d = radius_m / EARTH_RADIUS_M
    lat_r = math.radians(lat)
    south, north = lat_r - d, lat_r + d
    if south <= -math.pi / 2 or north >= math.pi / 2:
        return [(-180.0, max(-90.0, math.degrees(south)), 180.0, min(90.0, math.degrees(north)))]
    s, n = math.degrees(south), math.degrees(north)
    dlon = math.degrees(math.asin(min(1.0, math.sin(d) / math.cos(lat_r))))
    west, east = lon - dlon, lon + dlon
    if east - west >= 360.0:
        return [(-180.0, s, 180.0, n)]
    if west < -180.0:
        return [(-180.0, s, east, n), (west + 360.0, s, 180.0, n)]
    if east > 180.0:
        return [(west, s, 180.0, n), (-180.0, s, east - 360.0, n)]
    return [(west, s, east, n)]
