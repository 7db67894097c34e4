"""The facilities registry: validation on load and radius search."""

from __future__ import annotations

import json
import math

import pytest

from pipeline.errors import ConfigError
from pipeline.geo import crs
from pipeline.geo.districts import district_for_point
from pipeline.geo.facilities import (
    FACILITIES_FILE,
    KINDS,
    FacilityRegistry,
    Hospital,
    default_registry,
    facilities_within,
)
from pipeline.geo.sphere import EARTH_RADIUS_M, circle_boxes, haversine_m

METRES_PER_DEGREE_LAT = math.pi * EARTH_RADIUS_M / 180

QUERIES = [
    (31.2400, 121.4860, 3_000),
    (31.2397, 121.4998, 10_000),
    (31.1940, 121.3200, 25_000),
    (30.7400, 121.3350, 5_000),
    (31.6200, 121.4000, 1_000),
    (31.2300, 121.4700, 0),
    (31.2300, 121.4700, 200_000),
]


def test_shipped_registry_is_marked_sample_and_covers_the_city():
    registry = default_registry()
    assert registry.metadata.sample is True
    assert "SAMPLE" in registry.metadata.description
    assert 60 <= len(registry.facilities) <= 120
    assert {f.kind for f in registry.facilities} == KINDS
    assert len({f.district for f in registry.facilities}) == 16
    assert FacilityRegistry.load() is registry


def test_every_shipped_facility_lies_in_its_district():
    wrong = [
        f.id
        for f in default_registry().facilities
        if getattr(district_for_point(f.lat, f.lon), "code", None) != f.district
    ]
    assert wrong == []


def test_kind_specific_fields_are_present():
    registry = default_registry()
    assert all(h.beds > 0 for h in registry.of_kind("hospital"))
    assert all(s.capacity > 0 for s in registry.of_kind("shelter"))
    assert all(d.stock for d in registry.of_kind("supply_depot"))
    assert all(e.units > 0 for e in registry.of_kind("rescue_boat", "drainage_pump"))
    assert isinstance(registry.get("hp-hosp-ruijin"), Hospital)


@pytest.mark.parametrize(("lat", "lon", "radius"), QUERIES)
def test_within_matches_brute_force_and_is_sorted(lat, lon, radius):
    result = facilities_within(lat, lon, radius)
    distances = [d for _, d in result]
    assert distances == sorted(distances)
    assert all(d <= radius for d in distances)
    expected = {
        f.id for f in default_registry().facilities if haversine_m(lat, lon, f.lat, f.lon) <= radius
    }
    assert {f.id for f, _ in result} == expected
    for facility, distance in result:
        assert distance == pytest.approx(haversine_m(lat, lon, facility.lat, facility.lon))


def test_within_filters_by_kind():
    hospitals = facilities_within(31.2400, 121.4860, 5_000, kinds=["hospital"])
    assert hospitals and all(f.kind == "hospital" for f, _ in hospitals)
    assert facilities_within(31.2400, 121.4860, 5_000, kinds="hospital") == hospitals
    both = facilities_within(31.2400, 121.4860, 5_000, kinds={"hospital", "shelter"})
    assert {f.kind for f, _ in both} == {"hospital", "shelter"}
    assert facilities_within(31.2400, 121.4860, 5_000, kinds=[]) == []
    with pytest.raises(ValueError, match="unknown facility kind"):
        facilities_within(31.2400, 121.4860, 5_000, kinds=["hospitals"])


def test_within_converts_the_query_datum():
    wgs = (31.2400, 121.4860)
    expected = facilities_within(*wgs, 2_000)
    got = facilities_within(*crs.wgs84_to_gcj02(*wgs), 2_000, crs="gcj02")
    assert [f.id for f, _ in got] == [f.id for f, _ in expected]
    assert [d for _, d in got] == pytest.approx([d for _, d in expected], abs=0.01)


def test_negative_radius_is_rejected():
    with pytest.raises(ValueError, match="radius_m"):
        facilities_within(31.24, 121.486, -1)


def _registry_file(tmp_path, facilities, metadata=None):
    doc = {
        "metadata": metadata
        or {"sample": True, "datum": "wgs84", "description": "test", "version": "1"},
        "facilities": facilities,
    }
    path = tmp_path / "facilities.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def _shelter(fid, lat, lon):
    return {"id": fid, "kind": "shelter", "name_zh": fid, "lat": lat, "lon": lon, "capacity": 10}


def test_radius_is_inclusive_and_ties_order_by_id(tmp_path):
    step = 1_000 / METRES_PER_DEGREE_LAT  # 1 km of latitude
    path = _registry_file(
        tmp_path,
        [
            _shelter("c", 31.0 + 2 * step, 121.0),
            _shelter("b", 31.0 - step, 121.0),
            _shelter("a", 31.0 + step, 121.0),
            _shelter("far", 31.0 + 10 * step, 121.0),
        ],
    )
    registry = FacilityRegistry.load(path)
    result = registry.within(31.0, 121.0, 2_000.001)
    assert [f.id for f, _ in result] == ["a", "b", "c"]
    assert [round(d, 3) for _, d in result] == [1000.0, 1000.0, 2000.0]
    assert [f.id for f, _ in registry.within(31.0, 121.0, 1_500)] == ["a", "b"]


def test_east_west_neighbours_at_the_edge_of_the_box(tmp_path):
    lon_step = 1_000 / (METRES_PER_DEGREE_LAT * math.cos(math.radians(31.0)))
    path = _registry_file(
        tmp_path,
        [_shelter("east", 31.0, 121.0 + lon_step), _shelter("west", 31.0, 121.0 - lon_step)],
    )
    result = FacilityRegistry.load(path).within(31.0, 121.0, 1_000.01)
    assert sorted(f.id for f, _ in result) == ["east", "west"]


HOSPITAL = {"id": "h1", "kind": "hospital", "name_zh": "医院", "lat": 31.2, "lon": 121.4}


@pytest.mark.parametrize(
    ("facilities", "message"),
    [
        ([HOSPITAL], r"facilities\[0\] \(id 'h1'\): beds: Field required"),
        ([{**HOSPITAL, "beds": 10, "colour": "red"}], r"\(id 'h1'\): colour"),
        ([{**HOSPITAL, "beds": 10, "kind": "castle"}], r"facilities\[0\] \(id 'h1'\)"),
        ([{**HOSPITAL, "beds": 10, "lat": 95}], r"\(id 'h1'\): lat"),
        ([_shelter("s1", 31.2, 121.4), {**_shelter("s2", 31, 121), "capacity": 0}], r"\[1\]"),
        ([_shelter("dup", 31.2, 121.4), _shelter("dup", 31.3, 121.4)], "duplicate .*'dup'"),
        (
            [
                {
                    "id": "d1",
                    "kind": "supply_depot",
                    "name_zh": "库",
                    "lat": 31,
                    "lon": 121,
                    "stock": {"tents": -1},
                }
            ],
            r"\(id 'd1'\).*tents",
        ),
    ],
)
def test_a_bad_registry_names_file_and_entry(tmp_path, facilities, message):
    path = _registry_file(tmp_path, facilities)
    with pytest.raises(ConfigError, match=message) as info:
        FacilityRegistry.from_file(path)
    assert str(path) in str(info.value)


def test_registry_metadata_must_declare_wgs84(tmp_path):
    meta = {"sample": True, "datum": "gcj02", "description": "x", "version": "1"}
    with pytest.raises(ConfigError, match="metadata.datum"):
        FacilityRegistry.from_file(_registry_file(tmp_path, [], meta))


def test_an_unreadable_registry(tmp_path):
    path = tmp_path / "facilities.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot read"):
        FacilityRegistry.from_file(path)
    with pytest.raises(ConfigError, match="cannot read"):
        FacilityRegistry.from_file(tmp_path / "missing.json")


def test_shipped_file_is_the_default():
    assert FACILITIES_FILE.name == "facilities.json"
    assert FACILITIES_FILE.exists()


def test_haversine_known_distances():
    assert haversine_m(31.0, 121.0, 32.0, 121.0) == pytest.approx(METRES_PER_DEGREE_LAT)
    assert haversine_m(0.0, 0.0, 0.0, 180.0) == pytest.approx(math.pi * EARTH_RADIUS_M)
    # Shanghai (People's Square) to Beijing (Tiananmen), about 1,067 km.
    assert haversine_m(31.2317, 121.4700, 39.9087, 116.3975) == pytest.approx(1_067_000, rel=0.01)


def test_circle_boxes_split_at_the_antimeridian_and_cover_poles():
    boxes = circle_boxes(0.0, 179.99, 5_000)
    assert len(boxes) == 2
    assert boxes[0][2] == 180.0 and boxes[1][0] == -180.0
    (polar,) = circle_boxes(89.99, 0.0, 5_000)
    assert (polar[0], polar[2]) == (-180.0, 180.0)
