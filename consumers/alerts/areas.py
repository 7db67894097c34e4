"""CAP ``area`` geometry: district boundaries as short CAP polygons, points as circles.

A CAP polygon is a closed ring of at least four WGS 84 ``lat,lon`` pairs separated by
spaces, the first pair repeated last. District boundaries have hundreds to thousands of
vertices, so each district is simplified (topology preserved) with a growing tolerance
until all its parts together have at most ``max_points`` pairs; islands smaller than
:data:`MIN_PART_SHARE` of the district are left out. Coordinates keep 4 decimals (about
10 m).
"""

from __future__ import annotations

from functools import lru_cache

from shapely.geometry import MultiPolygon, Polygon

from pipeline.geo.districts import district_polygon

MIN_PART_SHARE = 0.002
"""Parts (islands) smaller than this share of the district's area are not listed."""
DEFAULT_MAX_POINTS = 120
DECIMALS = 4


def _parts(geometry: Polygon | MultiPolygon) -> list[Polygon]:
    return list(geometry.geoms) if isinstance(geometry, MultiPolygon) else [geometry]


def ring_text(polygon: Polygon) -> str | None:
    """The exterior ring as a CAP polygon string, or None when it has under 4 pairs."""
    pairs: list[str] = []
    for lon, lat in polygon.exterior.coords:
        pair = f"{lat:.{DECIMALS}f},{lon:.{DECIMALS}f}"
        if not pairs or pairs[-1] != pair:
            pairs.append(pair)
    if pairs[0] != pairs[-1]:
        pairs.append(pairs[0])
    return " ".join(pairs) if len(pairs) >= 4 else None


def simplified(geometry: MultiPolygon, max_points: int = DEFAULT_MAX_POINTS) -> list[Polygon]:
    """The large parts of ``geometry``, simplified to at most ``max_points`` vertices."""
    total = geometry.area
    parts = sorted(_parts(geometry), key=lambda p: -p.area)
    kept = [p for i, p in enumerate(parts) if i == 0 or p.area >= MIN_PART_SHARE * total]
    tolerance = 0.0005
    while True:
        shapes = [Polygon(p.exterior) for p in kept]
        shapes = [s.simplify(tolerance, preserve_topology=True) for s in shapes]
        shapes = [s for s in shapes if isinstance(s, Polygon) and not s.is_empty]
        points = sum(len(s.exterior.coords) for s in shapes)
        if (points <= max_points and shapes) or tolerance > 0.1:
            return shapes or [kept[0].convex_hull]
        tolerance *= 1.5


@lru_cache(maxsize=64)
def district_polygons(code: str, max_points: int = DEFAULT_MAX_POINTS) -> tuple[str, ...]:
    """The CAP polygons of district ``code`` (largest part first)."""
    shapes = simplified(district_polygon(code, crs="wgs84"), max_points)
    return tuple(text for text in (ring_text(s) for s in shapes) if text)


def circle(lat: float, lon: float, radius_km: float) -> str:
    """A CAP circle: ``lat,lon radius`` (radius in kilometres)."""
    return f"{lat:.{DECIMALS}f},{lon:.{DECIMALS}f} {radius_km:g}"
