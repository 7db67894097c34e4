"""WGS-84 / GCJ-02 / BD-09 conversions."""

from __future__ import annotations

import itertools
import math

import pytest

from pipeline.geo import crs
from pipeline.geo.sphere import haversine_m

# Published reference vectors of the standard WGS-84 -> GCJ-02 transform (lat, lon).
WGS_GCJ_VECTORS = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),  # Shanghai
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),  # Shenzhen
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),  # Beijing
]

CHINA_POINTS = [
    (31.2400, 121.4860),
    (31.2397, 121.4998),
    (31.62, 121.40),
    (30.75, 121.34),
    (39.9087, 116.3975),
    (23.1291, 113.2644),
    (29.5630, 106.5516),
    (43.8256, 87.6168),
    (18.2528, 109.5119),
]


@pytest.mark.parametrize(("wgs", "gcj"), WGS_GCJ_VECTORS)
def test_wgs84_to_gcj02_matches_published_vectors(wgs, gcj):
    lat, lon = crs.wgs84_to_gcj02(*wgs)
    assert lat == pytest.approx(gcj[0], abs=1e-9)
    assert lon == pytest.approx(gcj[1], abs=1e-9)


@pytest.mark.parametrize(("wgs", "gcj"), WGS_GCJ_VECTORS)
def test_gcj02_to_wgs84_inverts_published_vectors(wgs, gcj):
    lat, lon = crs.gcj02_to_wgs84(*gcj)
    assert abs(lat - wgs[0]) < 1e-6
    assert abs(lon - wgs[1]) < 1e-6


def test_gcj02_to_bd09_matches_standard_formula():
    lat, lon = crs.gcj02_to_bd09(31.2397, 121.4998)
    assert lat == pytest.approx(31.24533987209146, abs=1e-12)
    assert lon == pytest.approx(121.50641063837648, abs=1e-12)


@pytest.mark.parametrize("point", CHINA_POINTS)
@pytest.mark.parametrize(("source", "target"), list(itertools.permutations(crs.DATUMS, 2)))
def test_round_trip_error_below_1e_6_degrees(point, source, target):
    there = crs.convert(*point, source, target)
    back = crs.convert(*there, target, source)
    assert abs(back[0] - point[0]) < 1e-6
    assert abs(back[1] - point[1]) < 1e-6


def test_round_trip_on_a_grid_over_shanghai():
    worst = 0.0
    for i in range(21):
        for j in range(21):
            lat, lon = 30.6 + i * 0.06, 120.8 + j * 0.06
            back = crs.gcj02_to_wgs84(*crs.wgs84_to_gcj02(lat, lon))
            worst = max(worst, abs(back[0] - lat), abs(back[1] - lon))
            back = crs.bd09_to_wgs84(*crs.wgs84_to_bd09(lat, lon))
            worst = max(worst, abs(back[0] - lat), abs(back[1] - lon))
    assert worst < 1e-6


def test_offsets_in_shanghai_have_the_known_size():
    wgs = (31.2400, 121.4860)
    gcj = crs.wgs84_to_gcj02(*wgs)
    bd = crs.wgs84_to_bd09(*wgs)
    assert 300 < haversine_m(*wgs, *gcj) < 700
    assert 800 < haversine_m(*wgs, *bd) < 1500
    assert gcj[1] > wgs[1]  # GCJ-02 lies east of WGS-84 here


@pytest.mark.parametrize(
    "point",
    [
        (1.3521, 103.8198),  # Singapore
        (25.0330, 121.5654),  # Taipei
        (37.5665, 126.9780),  # Seoul
        (35.6762, 139.6503),  # Tokyo
        (48.8566, 2.3522),  # Paris
        (40.7128, -74.0060),  # New York
        (-33.8688, 151.2093),  # Sydney
    ],
)
def test_no_offset_outside_mainland_china(point):
    assert not crs.in_mainland_china(*point)
    assert crs.wgs84_to_gcj02(*point) == point
    assert crs.gcj02_to_wgs84(*point) == point


@pytest.mark.parametrize("point", CHINA_POINTS)
def test_mainland_points_are_offset(point):
    assert crs.in_mainland_china(*point)
    lat, lon = crs.wgs84_to_gcj02(*point)
    assert math.hypot(lat - point[0], lon - point[1]) > 1e-4


def test_bd09_is_offset_everywhere():
    lat, lon = crs.wgs84_to_bd09(48.8566, 2.3522)
    assert (lat, lon) != (48.8566, 2.3522)
    back = crs.bd09_to_wgs84(lat, lon)
    assert back == pytest.approx((48.8566, 2.3522), abs=1e-9)


def test_convert_same_datum_is_identity():
    assert crs.convert(31.2, 121.4, "gcj02", "gcj02") == (31.2, 121.4)


@pytest.mark.parametrize(("source", "target"), [("wgs84", "mars"), ("epsg4326", "gcj02")])
def test_convert_rejects_unknown_datum(source, target):
    with pytest.raises(ValueError, match="wgs84, gcj02, bd09"):
        crs.convert(31.2, 121.4, source, target)
