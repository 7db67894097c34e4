"""Resource recommendations per hazard, availability, commit and release."""

from __future__ import annotations

import pytest

from pipeline.geo.facilities import FacilityRegistry
from pipeline.geo.sphere import haversine_m
from pipeline.incidents import ResourceError, commit, recommend, release
from tests.unit.incidents_support import BUND, report

REGISTRY = FacilityRegistry.load()
JINSHAN = (30.735, 121.338)


def kinds(recs):
    return [(r.kind, r.rank) for r in recs]


def test_fire_gets_the_nearest_fire_stations_in_order():
    recs = recommend(report(type="fire", level=3), REGISTRY, {})
    assert kinds(recs) == [("fire_station", 1), ("fire_station", 2), ("fire_station", 3)]
    assert recs[0].resource_id == "hp-fire-bund"
    distances = [r.distance_m for r in recs]
    assert distances == sorted(distances)
    everything = sorted(haversine_m(*BUND, f.lat, f.lon) for f in REGISTRY.of_kind("fire_station"))
    assert distances == pytest.approx(everything[:3], abs=0.1)
    assert "消防救援站" in recs[0].reason_zh and "火灾" in recs[0].reason_zh
    assert "fire and rescue station" in recs[0].reason_en and "km away" in recs[0].reason_en


def test_below_the_level_gets_nothing():
    assert recommend(report(type="fire", level=4), REGISTRY, {}) == []
    assert len(recommend(report(type="fire", level=4), REGISTRY, {}, min_level=4)) == 3


def test_hazardous_chemicals_get_hazmat_teams_then_fire_stations():
    recs = recommend(report(type="hazardous_chemicals", level=2, point=JINSHAN), REGISTRY, {}, k=2)
    assert [r.kind for r in recs] == ["hazmat_team"] * 2 + ["fire_station"] * 2
    assert recs[0].resource_id == "js-hazmat-team"
    assert recs[2].resource_id == "js-fire-shihua"
    assert all(r.need == "hazmat" for r in recs[:2])


def test_explosion_needs_hazmat_too():
    recs = recommend(report(type="explosion", level=3), REGISTRY, {}, k=1)
    assert [r.kind for r in recs] == ["hazmat_team", "fire_station"]


def test_mass_casualties_add_hospitals_and_medical_teams():
    deaths = report(type="road_traffic", level=3, casualties={"deaths": 2, "serious_injuries": 1})
    recs = recommend(deaths, REGISTRY, {}, k=2)
    assert [r.kind for r in recs] == ["fire_station"] * 2 + ["hospital"] * 2 + ["medical_team"] * 2
    assert all(r.need == "mass_casualty" for r in recs[2:])
    assert "床位" in recs[2].reason_zh and "beds" in recs[2].reason_en
    injured = report(type="road_traffic", level=3, casualties={"injuries": 10})
    assert "hospital" in {r.kind for r in recommend(injured, REGISTRY, {})}
    few = report(type="road_traffic", level=3, casualties={"deaths": 1, "injuries": 9})
    assert {r.kind for r in recommend(few, REGISTRY, {})} == {"fire_station"}


def test_flooding_gets_pumps_and_boats():
    for kind in ("waterlogging", "flood", "rainstorm"):
        recs = recommend(report(type=kind, level=3), REGISTRY, {}, k=2)
        assert [r.kind for r in recs] == ["drainage_pump"] * 2 + ["rescue_boat"] * 2
    assert recs[2].resource_id == "hp-boat-bund"


def test_evacuation_gets_shelters_and_depots():
    recs = recommend(
        report(type="waterlogging", level=2, casualties={"evacuated": 500}), REGISTRY, {}, k=1
    )
    assert [r.kind for r in recs] == ["drainage_pump", "rescue_boat", "shelter", "supply_depot"]
    assert "500" in recs[2].reason_en


def test_public_health_gets_hospitals_with_emergency_departments():
    recs = recommend(report(type="food_poisoning", level=3), REGISTRY, {}, k=3)
    assert [r.kind for r in recs] == ["hospital"] * 3 + ["medical_team"] * 3
    for r in recs[:3]:
        assert REGISTRY.get(r.resource_id).emergency_department


def test_social_safety_without_casualties_gets_none():
    assert recommend(report(type="mass_incident", level=2), REGISTRY, {}) == []


def test_committed_resources_are_not_recommended():
    status: dict[str, str] = {}
    first = recommend(report(type="fire", level=3), REGISTRY, status)
    change = commit(
        status, first[0].resource_id, "hotline_119:r1", "op-1", "2025-07-01T10:05:00+08:00"
    )
    assert (change.from_status, change.to_status, change.by) == ("available", "committed", "op-1")
    again = recommend(report(type="fire", level=3), REGISTRY, status)
    assert first[0].resource_id not in {r.resource_id for r in again}
    assert again[0].resource_id == first[1].resource_id
    status[first[1].resource_id] = "committed"
    assert (
        recommend(report(type="fire", level=3), REGISTRY, status)[0].resource_id
        == first[2].resource_id
    )


def test_commit_and_release_are_audited_and_checked():
    status: dict[str, str] = {}
    commit(status, "hp-fire-bund", "i-1", "op", "2025-07-01T10:05:00+08:00", registry=REGISTRY)
    with pytest.raises(ResourceError, match="is committed; release it first"):
        commit(status, "hp-fire-bund", "i-2", "op", "2025-07-01T10:06:00+08:00")
    change = release(
        status,
        "hp-fire-bund",
        "op-2",
        "2025-07-01T12:00:00+08:00",
        incident_id="i-1",
        reason="back at station",
    )
    assert status["hp-fire-bund"] == "available"
    assert change.to_dict() == {
        "resource_id": "hp-fire-bund",
        "action": "release",
        "incident_id": "i-1",
        "from_status": "committed",
        "to_status": "available",
        "by": "op-2",
        "at": "2025-07-01T12:00:00+08:00",
        "reason": "back at station",
    }
    with pytest.raises(ResourceError, match="not committed"):
        release(status, "hp-fire-bund", "op", "2025-07-01T12:01:00+08:00")
    with pytest.raises(ResourceError, match="no resource"):
        commit(status, "nope", "i-1", "op", "2025-07-01T10:05:00+08:00", registry=REGISTRY)
    with pytest.raises(ResourceError, match="school"):
        commit(
            status, "hp-school-gezhi", "i-1", "op", "2025-07-01T10:05:00+08:00", registry=REGISTRY
        )
