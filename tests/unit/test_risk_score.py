"""The district risk score: warnings, recent incidents and exposure, 0..100."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import yaml
from pydantic import ValidationError

from pipeline.geo.districts import all_districts
from pipeline.geo.facilities import Hospital, School
from pipeline.incidents.state import CLOSED_STATUSES as INCIDENT_CLOSED_STATUSES
from pipeline.warnings.exposure import (
    authalic_q,
    count_vulnerable,
    district_exposure,
    geodesic_area_km2,
    neutral_exposure,
)
from pipeline.warnings.risk import (
    CLOSED_STATUSES,
    DEFAULT_RISK_PROFILE,
    INPUT_NAME_MAX,
    MAX_INPUTS,
    RiskProfile,
    district_risk,
    risk_for_district,
)
from schemas.assessments import MAX_INPUTS as SCHEMA_MAX_INPUTS
from schemas.assessments import RiskAssessment, RiskInput
from schemas.common import SHORT_MAX

SH = ZoneInfo("Asia/Shanghai")
AT = datetime(2025, 7, 1, 8, 0, tzinfo=SH)
HUANGPU = {"code": "310101", "name": "黄浦区", "name_en": "Huangpu"}
NEUTRAL = {"factor": 1.0}
CODES = [d.code for d in all_districts()]


def warning(level: str, hazard: str = "rainstorm", *, active: bool = True, code: str = "310101"):
    return {
        "district": {"code": code, "name": "x"},
        "hazard": hazard,
        "active": active,
        "level": level,
        "warning_id": f"w-{hazard}-{level}",
    }


def incident(
    level: int,
    n: int = 0,
    *,
    status: str = "responding",
    age: timedelta = timedelta(hours=1),
    category: str | None = "natural",
):
    return {
        "incident_id": f"inc-{level}-{n}",
        "level": level,
        "status": status,
        "last_reported_at": AT - age,
        "category": category,
    }


def risk(warnings=(), incidents=(), **kwargs):
    kwargs.setdefault("exposure", NEUTRAL)
    return district_risk(HUANGPU, list(warnings), list(incidents), AT, **kwargs)


# --- formula anchors ---------------------------------------------------------------------


def test_nothing_is_zero():
    r = risk()
    assert (r["score"], r["level"], r["hazard_score"], r["components"]) == (0, None, 0.0, [])


def test_one_red_warning_in_a_neutral_district_is_100():
    r = risk([warning("red")])
    assert (r["score"], r["level"], r["warnings_score"], r["incidents_score"]) == (
        100,
        "red",
        100.0,
        0.0,
    )


def test_orange_and_yellow_is_88_before_exposure():
    r = risk([warning("orange", "rainstorm"), warning("yellow", "high_water")])
    assert r["warnings_score"] == 87.5 and r["hazard_score"] == 87.5
    assert r["score"] == 88 and r["level"] == "orange"


def test_incidents_only():
    r = risk(incidents=[incident(2), incident(4)])  # 75 + 0.25 * 20
    assert (r["warnings_score"], r["incidents_score"], r["score"]) == (0.0, 80.0, 80)


def test_warnings_and_incidents_combine():
    r = risk([warning("orange")], [incident(3)])  # max 75 + 0.25 * min 50
    assert (r["warnings_score"], r["incidents_score"], r["hazard_score"]) == (75.0, 50.0, 87.5)
    assert r["score"] == 88


def test_scores_are_capped_at_100():
    r = risk(
        [warning("red", "a"), warning("red", "b")],
        [incident(1, n) for n in range(3)],
        exposure={"factor": 1.2},
    )
    assert (r["warnings_score"], r["incidents_score"], r["hazard_score"], r["score"]) == (
        100.0,
        100.0,
        100.0,
        100,
    )


@pytest.mark.parametrize(("factor", "score"), [(0.8, 40), (1.0, 50), (1.2, 60)])
def test_exposure_scales_the_hazard(factor: float, score: int):
    assert risk([warning("yellow")], exposure={"factor": factor})["score"] == score


@pytest.mark.parametrize(
    "levels", [[], ["red"], ["orange"], ["orange", "yellow"], ["blue"] * 4, ["yellow", "yellow"]]
)
def test_agrees_with_the_warnings_only_score(levels: list[str]):
    states = [warning(level, f"h{i}") for i, level in enumerate(levels)]
    assert risk(states)["score"] == risk_for_district(states)["score"]


def test_inactive_warnings_and_unweighted_colours_add_nothing():
    r = risk([warning("red", active=False), warning("purple", "other")])
    assert r["score"] == 0 and r["components"] == []


def test_components_are_heaviest_first_and_explain_the_score():
    r = risk([warning("yellow", "high_water")], [incident(4), incident(2)])
    assert [(c["kind"], c["weight"]) for c in r["components"]] == [
        ("incident", 75),
        ("warning", 50),
        ("incident", 20),
    ]
    assert r["components"][1] == {
        "kind": "warning",
        "hazard": "high_water",
        "level": "yellow",
        "weight": 50,
        "warning_id": "w-high_water-yellow",
    }
    assert r["components"][0] == {
        "kind": "incident",
        "incident_id": "inc-2-0",
        "level": 2,
        "weight": 75,
        "category": "natural",
    }
    assert r["profile"] == "district-risk-v2" and "\n" not in r["formula"]
    assert r["district"] == HUANGPU


# --- the incident window -----------------------------------------------------------------


@pytest.mark.parametrize("status", sorted(CLOSED_STATUSES))
def test_resolved_and_closed_incidents_do_not_count(status: str):
    assert risk(incidents=[incident(1, status=status)])["score"] == 0


def test_closed_statuses_are_those_of_the_incident_tracker():
    assert CLOSED_STATUSES == INCIDENT_CLOSED_STATUSES


@pytest.mark.parametrize(
    ("age", "counted"),
    [
        (timedelta(0), True),  # reported at `at`
        (timedelta(seconds=86400), True),  # exactly at the window edge: inside
        (timedelta(seconds=86400, microseconds=1), False),  # just past the edge
        (timedelta(days=3), False),
        (timedelta(seconds=-1), False),  # reported after `at`
    ],
)
def test_incident_window_includes_both_edges(age: timedelta, counted: bool):
    r = risk(incidents=[incident(2, age=age)])
    assert (r["score"] == 75) is counted
    assert len(r["components"]) == int(counted)


def test_window_follows_the_profile_and_accepts_rfc3339():
    profile = RiskProfile(incident_window_s=3600)
    last = (AT - timedelta(hours=1)).astimezone(UTC).isoformat().replace("+00:00", "Z")
    inside = {**incident(3), "last_reported_at": last}
    outside = {**incident(3), "last_reported_at": (AT - timedelta(seconds=3601)).isoformat()}
    assert risk(incidents=[inside], profile=profile)["score"] == 50
    assert risk(incidents=[outside], profile=profile)["score"] == 0


def test_bad_inputs_are_rejected():
    with pytest.raises(ValueError, match="no zone"):
        district_risk(HUANGPU, [], [], datetime(2025, 7, 1, 8), exposure=NEUTRAL)
    with pytest.raises(ValueError, match="other districts"):
        risk([warning("red", code="310115")])
    with pytest.raises(ValueError, match="level"):
        risk(incidents=[{**incident(1), "level": 7}])
    with pytest.raises(ValueError, match="RFC 3339"):
        risk(incidents=[{**incident(1), "last_reported_at": "yesterday"}])
    with pytest.raises(ValueError, match="factor"):
        risk(exposure={"factor": float("nan")})


# --- level bands -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "level"),
    [
        (0, None),
        (24, None),
        (25, "blue"),
        (49, "blue"),
        (50, "yellow"),
        (74, "yellow"),
        (75, "orange"),
        (89, "orange"),
        (90, "red"),
        (100, "red"),
    ],
)
def test_level_band_edges(score: int, level: str | None):
    assert DEFAULT_RISK_PROFILE.level_of(score) == level
    r = risk([warning("red")], exposure={"factor": score / 100})
    assert (r["score"], r["level"]) == (score, level)


# --- exposure ----------------------------------------------------------------------------


def test_exposure_factor_of_every_district_is_within_bounds():
    exposures = {code: district_exposure(code) for code in CODES}
    assert len(exposures) == 16
    for code, e in exposures.items():
        assert 0.8 <= e["factor"] <= 1.2, code
        assert 0 <= e["exposure_index"] <= 1, code
        assert e["population"] > 0 and e["area_km2"] > 0
        assert e["density_per_km2"] == pytest.approx(e["population"] / e["area_km2"], rel=1e-3)
        assert e["factor"] == pytest.approx(0.8 + 0.4 * e["exposure_index"], abs=1e-4)
    max_density = max(e["density_per_km2"] for e in exposures.values())
    max_vulnerable = max(e["vulnerable_facilities"] for e in exposures.values())
    for e in exposures.values():
        index = 0.5 * e["density_per_km2"] / max_density
        index += 0.5 * e["vulnerable_facilities"] / max_vulnerable
        assert e["exposure_index"] == pytest.approx(index, abs=1e-4)
    # The dense centre weighs more than the sparse island.
    assert exposures["310101"]["factor"] > 1.0 > exposures["310151"]["factor"]
    densest = max(exposures.values(), key=lambda e: e["density_per_km2"])
    assert densest["factor"] > exposures["310151"]["factor"]


def test_district_exposure_is_the_default_factor():
    r = district_risk(HUANGPU, [warning("yellow")], [], AT)
    e = district_exposure("310101")
    assert r["exposure"] == e
    assert r["score"] == round(50 * e["factor"])


def test_profile_exposure_bounds_apply():
    flat = RiskProfile(exposure_min=1.0, exposure_max=1.0)
    assert district_exposure("310101", exposure_min=1.0, exposure_max=1.0)["factor"] == 1.0
    assert district_risk(HUANGPU, [warning("yellow")], [], AT, profile=flat)["score"] == 50


def test_areas_are_ellipsoidal():
    # Whole WGS-84 ellipsoid: 510,065,621.7 km².
    a = 6_378_137.0
    assert 2 * math.pi * a * a * float(authalic_q(90.0)) / 1e6 == pytest.approx(
        510_065_621.7, rel=1e-9
    )
    # Huangpu is 20.46 km² (Shanghai statistical yearbook).
    assert district_exposure("310101")["area_km2"] == pytest.approx(20.46, rel=0.02)
    # A 0.01° cell at 31° N against the ellipsoid's local scale M * N * cos(lat).
    from shapely.geometry import box

    lat = math.radians(31.005)
    e2 = 0.0066943799901413165
    w = math.sqrt(1 - e2 * math.sin(lat) ** 2)
    m, n = a * (1 - e2) / w**3, a / w
    expected = m * n * math.cos(lat) * math.radians(0.01) ** 2 / 1e6
    assert geodesic_area_km2(box(121.0, 31.0, 121.01, 31.01)) == pytest.approx(expected, rel=1e-6)


def test_vulnerable_facilities_fall_back_to_the_point():
    facilities = [
        School(id="s1", name_zh="学校", lat=31.2304, lon=121.4737, kind="school"),  # Huangpu
        Hospital(
            id="h1",
            name_zh="医院",
            lat=31.2,
            lon=121.5,
            kind="hospital",
            beds=10,
            district="310151",
        ),  # the district code wins over the point
        School(id="s2", name_zh="远处", lat=39.9, lon=116.4, kind="school"),  # Beijing
    ]
    counts = count_vulnerable(facilities)
    assert counts["310101"] == 1 and counts["310151"] == 1
    assert sum(counts.values()) == 2 and len(counts) == 16


@pytest.mark.parametrize("code", ["outside", "999999", ""])
def test_unknown_district_is_neutral(code: str):
    e = district_exposure(code)
    assert e == neutral_exposure(code)
    assert (e["factor"], e["exposure_index"], e["population"], e["vulnerable_facilities"]) == (
        1.0,
        0.5,
        None,
        0,
    )


def test_unknown_district_scores_its_hazard():
    outside = {"code": "outside", "name": "outside"}
    r = district_risk(outside, [warning("red", code="outside")], [incident(3)], AT)
    assert r["score"] == 100 and r["exposure"]["factor"] == 1.0
    assert all(RiskInput.model_validate(i) for i in r["inputs"])


def test_exposure_is_a_fresh_dict():
    district_exposure("310115")["factor"] = 99
    assert district_exposure("310115")["factor"] <= 1.2


# --- inputs ------------------------------------------------------------------------------


def test_inputs_validate_as_risk_inputs():
    r = district_risk(
        HUANGPU,
        [warning("orange", "rainstorm"), warning("blue", "high_water")],
        [incident(4, n) for n in range(5)] + [incident(1)],
        AT,
    )
    inputs = [RiskInput.model_validate(i) for i in r["inputs"]]
    by_name = {i.name: i for i in inputs}
    assert by_name["incidents_level_4"].value == 5.0 and by_name["incidents_level_4"].weight == 20
    assert by_name["incidents_level_1"].value == 1.0
    assert by_name["warning_rainstorm_orange"].weight == 75
    for name in ("warnings_score", "incidents_score", "hazard_score", "exposure_factor"):
        assert name in by_name
    for name in ("population", "density_per_km2", "vulnerable_facilities"):
        assert by_name[name].value == r["exposure"][name]
    assessment = RiskAssessment.model_validate(
        {
            "assessment_id": "310101:20250701T000000Z",
            "district": {"code": "310101", "name": "黄浦区"},
            "score": float(r["score"]),
            "level": r["level"],
            "inputs": r["inputs"],
            "at": AT,
            "profile": r["profile"],
        }
    )
    assert len(assessment.inputs) == len(r["inputs"])


def test_inputs_stay_within_the_schema_limits():
    assert (MAX_INPUTS, INPUT_NAME_MAX) == (SCHEMA_MAX_INPUTS, SHORT_MAX)
    many = [warning("blue", f"hazard_{i:03d}_" + "x" * 60) for i in range(150)]
    r = risk(many, [incident(level, n) for level in (1, 2, 3, 4) for n in range(50)])
    assert len(r["inputs"]) <= MAX_INPUTS
    assert [RiskInput.model_validate(i) for i in r["inputs"]]
    counted = sum(i["value"] for i in r["inputs"] if i.get("unit") == "warnings")
    assert counted == 150


# --- profile as data ---------------------------------------------------------------------


def test_profile_loads_from_a_mapping():
    profile = RiskProfile.model_validate(
        yaml.safe_load(
            """
            name: pilot-2025
            warning_weights: {blue: 20, yellow: 40, orange: 70, red: 100}
            incident_level_weights: {1: 100, 2: 80, 3: 60, 4: 30}
            others_factor: 0.5
            incident_window_s: 43200
            exposure_min: 0.9
            exposure_max: 1.1
            """
        )
    )
    assert profile.incident_level_weights[4] == 30 and profile.exposure_min == 0.9
    r = risk([warning("orange")], [incident(4)], profile=profile)  # 70 + 0.5 * 30
    assert (r["score"], r["profile"]) == (85, "pilot-2025")
    assert "0.5" in r["formula"] and "43200" in r["formula"]
    # JSON object keys are strings; levels are read as integers.
    from_json = RiskProfile.model_validate(
        {"incident_level_weights": {"1": 100, "2": 75, "3": 50, "4": 10}}
    )
    assert from_json.incident_level_weights == {1: 100, 2: 75, 3: 50, 4: 10}
    assert RiskProfile.model_validate({}) == DEFAULT_RISK_PROFILE


@pytest.mark.parametrize(
    "data",
    [
        {"others_factr": 0.3},
        {"warning_weights": {"blue": 25, "yellow": 50, "orange": 75}},
        {"incident_level_weights": {1: 100, 2: 75, 3: 50, 5: 20}},
        {"level_bands": {"blue": 25, "yellow": 75, "orange": 50, "red": 90}},
        {"exposure_min": 1.3},
        {"others_factor": 1.5},
        {"warning_weights": {"blue": 25, "yellow": 50, "orange": 75, "red": 120}},
    ],
)
def test_bad_profiles_are_rejected(data: dict):
    with pytest.raises(ValidationError):
        RiskProfile.model_validate(data)


def test_profile_is_frozen():
    with pytest.raises(ValidationError):
        DEFAULT_RISK_PROFILE.others_factor = 0.5  # type: ignore[misc]


def test_many_minor_incidents_add_at_most_the_cap():
    minor = [incident(4, n) for n in range(40)]
    result = risk(incidents=minor)
    assert result["incidents_score"] == 20 + 25  # not 100: the others add at most 25
    serious = risk(incidents=[incident(3), *minor])
    assert serious["incidents_score"] == 50 + 25


def test_level_counts_give_the_same_score_as_the_records():
    records = [incident(3), incident(4, 1), incident(4, 2)]
    from_records = risk(incidents=records)
    from_counts = risk(incident_levels={3: 1, 4: 2})
    assert from_counts["score"] == from_records["score"]
    assert from_counts["incidents_score"] == from_records["incidents_score"]
    assert from_counts["inputs"] == from_records["inputs"]
    assert [c["count"] for c in from_counts["components"]] == [1, 2]
