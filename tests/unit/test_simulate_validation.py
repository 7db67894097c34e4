"""Simulated records satisfy the input contract, except the deliberately bad ones."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import pytest

from pipeline.geo.districts import district_for_point
from pipeline.names import TOPIC_INCIDENT_REPORTS, TOPIC_INSPECTION_FINDINGS, TOPIC_SENSOR_READINGS
from pipeline.simulate import SCENARIOS, SimEvent, generate_events
from pipeline.simulate.scenarios import chemical_leak, food_poisoning, new_year_bund
from pipeline.warnings.registry import SensorRegistry
from schemas.inputs import IncidentReport, InspectionFinding, SensorReading
from schemas.validation import ERROR_CODES, InvalidEvent, parse_event

NOW = datetime(2025, 7, 1, 9, 0, tzinfo=UTC)
NAMES = sorted(SCENARIOS)
MODELS = {
    TOPIC_INCIDENT_REPORTS: IncidentReport,
    TOPIC_SENSOR_READINGS: SensorReading,
    TOPIC_INSPECTION_FINDINGS: InspectionFinding,
}


@lru_cache(maxsize=32)
def run(name: str, seed: int = 0) -> tuple[SimEvent, ...]:
    start = NOW - timedelta(seconds=60 * SCENARIOS[name].default_time_scale)
    return tuple(generate_events(name, seed=seed, start=start))


@pytest.mark.parametrize("seed", [0, 7])
@pytest.mark.parametrize("name", NAMES)
def test_every_record_validates_except_the_flagged_ones(name: str, seed: int) -> None:
    for event in run(name, seed):
        model = MODELS[event.topic]
        if event.defect is None:
            parse_event(model, event.value, now=NOW)
        else:
            with pytest.raises(InvalidEvent) as caught:
                parse_event(model, event.value, now=NOW)
            assert caught.value.code == event.defect


@pytest.mark.parametrize("name", NAMES)
def test_about_one_percent_are_bad(name: str) -> None:
    events = run(name)
    bad = [e for e in events if e.defect]
    assert 1 <= len(bad) <= max(2, round(0.02 * len(events)))
    assert {e.defect for e in bad} <= set(ERROR_CODES)
    assert not any(e.duplicate for e in bad)


def test_the_bad_records_cover_each_defect() -> None:
    defects = {e.defect for name in NAMES for seed in (0, 7) for e in run(name, seed) if e.defect}
    assert defects >= {"invalid_json", "out_of_range", "unknown_field", "missing_period"}


@pytest.mark.parametrize("name", NAMES)
def test_report_points_lie_in_a_shanghai_district(name: str) -> None:
    for event in run(name):
        if event.topic != TOPIC_INCIDENT_REPORTS or event.defect:
            continue
        location = json.loads(event.value)["location"]
        crs = location.get("crs", "wgs84")
        assert district_for_point(location["lat"], location["lon"], crs) is not None, location


@pytest.mark.parametrize("name", NAMES)
def test_readings_come_from_the_sensor_registry(name: str) -> None:
    registry = SensorRegistry.from_file()
    for event in run(name):
        if event.topic != TOPIC_SENSOR_READINGS or event.defect:
            continue
        reading = json.loads(event.value)
        entry = registry.get(reading["sensor_id"])
        assert entry is not None and entry.kind == reading["kind"]
        assert event.key == reading["sensor_id"].encode()
        if reading["kind"] == "rain_gauge":
            assert reading["period_s"] == entry.period_s and reading["unit"] == "mm"


@pytest.mark.parametrize("name", NAMES)
def test_report_ids_are_unique_per_source(name: str) -> None:
    seen = set()
    for event in run(name):
        if event.topic != TOPIC_INCIDENT_REPORTS or event.defect:
            continue
        report = json.loads(event.value)
        pair = (report["source"], report["report_id"])
        assert pair not in seen
        seen.add(pair)
        assert event.key == report["report_id"].encode()


def test_findings_carry_deadlines_and_rectifications() -> None:
    findings = [
        json.loads(e.value)
        for seed in (0, 1, 2)
        for e in run("routine_day", seed)
        if e.topic == TOPIC_INSPECTION_FINDINGS
    ]
    for finding in findings:
        inspected = datetime.fromisoformat(finding["inspected_at"])
        assert datetime.fromisoformat(finding["deadline"]) > inspected
    levels = {f["hazard_level"] for f in findings}
    assert levels == {"major", "general"}
    rectified = [f for f in findings if "rectified_at" in f]
    assert rectified
    assert all(f["rectified_at"] >= f["inspected_at"] for f in rectified)
    kinds = {f["site"]["kind"] for f in findings}
    assert len(kinds) >= 4


def test_the_simulator_imports_no_kafka_faust_or_elasticsearch() -> None:
    code = (
        "import sys\n"
        "import pipeline.simulate\n"
        "bad = {'faust', 'kafka', 'aiokafka', 'elasticsearch', 'mode'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_the_scenarios_own_places_lie_in_their_districts() -> None:
    anchors = [
        chemical_leak.SITE,
        *chemical_leak.NEIGHBOURS,
        new_year_bund.CHEN_YI_SQUARE,
        food_poisoning.CATERER,
        food_poisoning.PRIMARY,
    ]
    for anchor in anchors:
        found = district_for_point(anchor.lat, anchor.lon)
        assert found is not None and found.code == anchor.district, anchor


def test_a_record_is_offset_topic_key_value() -> None:
    event = run("typhoon")[0]
    assert event.record == (event.offset_s, event.topic, event.key, event.value)
