"""The district raster and the facility buckets answer as a test of every polygon or point."""

from __future__ import annotations

import math
import random

import shapely

from pipeline.geo.buckets import PointBuckets
from pipeline.geo.districts import DistrictIndex
from pipeline.geo.facilities import FacilityRegistry
from pipeline.geo.sphere import haversine_m


def _by_every_polygon(index: DistrictIndex, lat: float, lon: float) -> str | None:
    for district, boundary in zip(index.districts, index._boundaries, strict=True):
        if shapely.intersects_xy(boundary, lon, lat):
            return district.code
    return None


def test_the_district_of_a_point_is_the_first_polygon_holding_it():
    index = DistrictIndex.load()
    rng = random.Random(1)
    points = []
    for boundary in index._boundaries:
        coords = shapely.get_coordinates(boundary)
        for (x1, y1), (x2, y2) in zip(coords[::7], coords[1::7], strict=False):
            points += [(y1, x1), ((y1 + y2) / 2, (x1 + x2) / 2)]
    points += [(rng.uniform(30.6, 31.95), rng.uniform(120.8, 122.3)) for _ in range(3000)]
    points += [(30.0, 120.0), (31.2, 125.0), (90.0, 180.0)]
    for lat, lon in points:
        found = index.district_for_point(lat, lon, "gcj02")
        assert (found.code if found else None) == _by_every_polygon(index, lat, lon), (lat, lon)
    assert index.district_for_point(math.nan, math.nan, "gcj02") is None


def test_a_box_holds_the_points_inside_it_edges_included():
    rng = random.Random(2)
    points = [(round(rng.uniform(30.8, 31.6), 3), round(rng.uniform(121.0, 122.0), 3))]
    points += [(rng.uniform(30.8, 31.6), rng.uniform(121.0, 122.0)) for _ in range(300)]
    points += [(0.0, 179.99), (0.0, -179.99), (89.99, 0.0)]
    buckets = PointBuckets(points)
    boxes = [(121.2, 30.9, 121.4, 31.1), (-180.0, -90.0, 180.0, 90.0), (121.5, 31.0, 121.4, 31.2)]
    boxes += [(-math.inf, 30.0, math.inf, 32.0), (math.nan, 30.0, 122.0, 32.0)]
    for _ in range(300):
        west, south = rng.uniform(120.9, 122.0), rng.uniform(30.7, 31.6)
        boxes.append((west, south, west + rng.uniform(0, 0.3), south + rng.uniform(0, 0.3)))
    lat0, lon0 = points[0]
    boxes.append((lon0, lat0, lon0, lat0))
    for west, south, east, north in boxes:
        expected = [
            i
            for i, (lat, lon) in enumerate(points)
            if west <= lon <= east and south <= lat <= north
        ]
        assert sorted(buckets.in_box(west, south, east, north)) == expected


def test_facilities_within_a_radius_are_those_at_most_that_far():
    registry = FacilityRegistry.load()
    rng = random.Random(3)
    for _ in range(300):
        lat, lon = rng.uniform(30.9, 31.45), rng.uniform(121.1, 121.75)
        radius = rng.choice([0.0, 300.0, 1000.0, 5000.0, 50000.0])
        kinds = rng.choice([None, ("school", "hospital"), ("shelter",)])
        expected = sorted(
            (
                (f, haversine_m(lat, lon, f.lat, f.lon))
                for f in registry.facilities
                if kinds is None or f.kind in kinds
            ),
            key=lambda pair: (pair[1], pair[0].id),
        )
        expected = [(f.id, d) for f, d in expected if d <= radius]
        found = registry.within(lat, lon, radius, kinds=kinds)
        assert [(f.id, d) for f, d in found] == expected
