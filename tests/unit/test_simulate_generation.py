"""Simulator runs: determinism, rate, ordering, the mix of kinds, and the time window."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import pytest

from pipeline.names import TOPIC_INCIDENT_REPORTS, TOPIC_INSPECTION_FINDINGS, TOPIC_SENSOR_READINGS
from pipeline.simulate import SCENARIOS, SimEvent, generate_events, get_scenario

NOW = datetime(2025, 7, 1, 9, 0, tzinfo=UTC)
NAMES = sorted(SCENARIOS)


def start_for(name: str, duration_s: float = 60.0) -> datetime:
    return NOW - timedelta(seconds=duration_s * SCENARIOS[name].default_time_scale)


@lru_cache(maxsize=64)
def run(name: str, seed: int = 0, rate: float | None = None) -> tuple[SimEvent, ...]:
    return tuple(generate_events(name, rate=rate, seed=seed, start=start_for(name)))


def event_time(event: SimEvent) -> datetime | None:
    if event.defect:
        return None
    data = json.loads(event.value)
    stamp = data.get("rectified_at") or data.get("reported_at") or data.get("observed_at")
    return datetime.fromisoformat(stamp or data["inspected_at"])


def test_the_six_scenarios_are_named_as_on_the_command_line() -> None:
    assert set(SCENARIOS) == {
        "typhoon",
        "chemical_leak",
        "new_year_bund",
        "metro_power_failure",
        "food_poisoning_schools",
        "routine_day",
    }
    assert SCENARIOS["typhoon"].default_time_scale == 60.0


def test_an_unknown_scenario_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="typhoon"):
        get_scenario("earthquake")


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_gives_the_same_bytes(name: str) -> None:
    again = generate_events(name, seed=0, start=start_for(name))
    assert [e.record for e in again] == [e.record for e in run(name)]


@pytest.mark.parametrize("name", NAMES)
def test_another_seed_gives_other_events(name: str) -> None:
    assert [e.value for e in run(name, seed=1)] != [e.value for e in run(name)]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("factor", [1.0, 2.5])
def test_rate_holds_within_15_percent(name: str, factor: float) -> None:
    rate = SCENARIOS[name].default_rate * factor
    events = run(name, 0, rate)
    assert 0.85 * rate <= len(events) / 60.0 <= 1.15 * rate
    per_window = Counter(min(5, int(e.offset_s // 10)) for e in events)
    # the storyline shapes the flow (quiet before the leak, busy at the storm's height) but
    # no 10-second window is empty or more than twice as busy as the rate
    assert all(0.1 * rate * 10 <= per_window[w] <= 2.0 * rate * 10 for w in range(6)), per_window


@pytest.mark.parametrize("name", NAMES)
def test_records_are_sorted_and_within_the_run(name: str) -> None:
    offsets = [e.offset_s for e in run(name)]
    assert offsets == sorted(offsets)
    assert 0.0 <= offsets[0] and offsets[-1] <= 60.0


EXPECTED_TOPICS = {
    "typhoon": {TOPIC_INCIDENT_REPORTS, TOPIC_SENSOR_READINGS},
    "chemical_leak": {TOPIC_INCIDENT_REPORTS, TOPIC_SENSOR_READINGS},
    "new_year_bund": {TOPIC_INCIDENT_REPORTS, TOPIC_SENSOR_READINGS},
    "metro_power_failure": {TOPIC_INCIDENT_REPORTS, TOPIC_SENSOR_READINGS},
    "food_poisoning_schools": {TOPIC_INCIDENT_REPORTS, TOPIC_SENSOR_READINGS},
    "routine_day": {TOPIC_INCIDENT_REPORTS, TOPIC_SENSOR_READINGS, TOPIC_INSPECTION_FINDINGS},
}


@pytest.mark.parametrize("name", NAMES)
def test_mix_of_kinds(name: str) -> None:
    events = run(name)
    topics = Counter(e.topic for e in events)
    assert set(topics) == EXPECTED_TOPICS[name]
    assert topics[TOPIC_INCIDENT_REPORTS] >= 0.25 * len(events)
    assert topics[TOPIC_SENSOR_READINGS] >= 0.2 * len(events)
    kinds = {json.loads(e.value)["kind"] for e in events if e.kind == "reading" and not e.defect}
    assert len(kinds) >= 3
    assert {e.kind for e in events} >= {"report", "reading"}
    assert all(
        (e.topic, e.kind)
        in {
            (TOPIC_INCIDENT_REPORTS, "report"),
            (TOPIC_SENSOR_READINGS, "reading"),
            (TOPIC_INSPECTION_FINDINGS, "finding"),
        }
        for e in events
    )


DRIVEN = {
    "typhoon": {"rain_gauge", "water_level", "anemometer"},
    "chemical_leak": {"gas_detector"},
    "new_year_bund": {"crowd_counter"},
    "metro_power_failure": {"crowd_counter"},
}


@pytest.mark.parametrize("name", sorted(DRIVEN))
def test_the_scenario_drives_its_sensor_kinds(name: str) -> None:
    kinds = Counter(
        json.loads(e.value)["kind"] for e in run(name) if e.kind == "reading" and not e.defect
    )
    assert DRIVEN[name] <= set(kinds)


def test_routine_day_mixes_reports_and_findings() -> None:
    topics = Counter(e.topic for e in run("routine_day"))
    assert topics[TOPIC_INSPECTION_FINDINGS] >= 10
    assert topics[TOPIC_INCIDENT_REPORTS] > topics[TOPIC_INSPECTION_FINDINGS]


@pytest.mark.parametrize("name", NAMES)
def test_timestamps_follow_the_simulated_clock(name: str) -> None:
    scale = SCENARIOS[name].default_time_scale
    start = start_for(name)
    for event in run(name):
        at = event_time(event)
        if at is None or event.kind == "finding":
            continue
        simulated = start + timedelta(seconds=event.offset_s * scale)
        assert at <= NOW
        # never ahead of the simulated clock; reports are sent when they are made, readings
        # may arrive late (re-sent duplicates, a rain gauge forwarding after a gap)
        assert at <= simulated + timedelta(seconds=1)
        if event.kind == "report":
            assert simulated - at <= timedelta(seconds=1)


def test_default_start_ends_the_simulated_span_at_the_present() -> None:
    before = datetime.now(UTC)
    events = generate_events("typhoon", rate=5, duration_s=20, seed=3)
    after = datetime.now(UTC)
    times = [t for e in events if (t := event_time(e)) is not None]
    assert max(times) <= after
    assert min(times) >= before - timedelta(seconds=20 * 60 + 1)
    # a record due at offset o describes a time no later than generation time + o
    for event in events:
        at = event_time(event)
        if at is not None:
            assert at <= after + timedelta(seconds=event.offset_s)


def test_time_scale_compresses_the_simulated_span() -> None:
    start = datetime(2025, 7, 1, 8, 0, tzinfo=UTC)
    events = generate_events("typhoon", duration_s=30, time_scale=120, seed=0, start=start)
    times = [t for e in events if (t := event_time(e)) is not None]
    assert max(times) - start > timedelta(minutes=55)
    assert max(times) <= start + timedelta(hours=1)


def test_a_span_beyond_the_pipeline_window_is_refused() -> None:
    with pytest.raises(ValueError, match="30-day window"):
        generate_events("routine_day", duration_s=3600, time_scale=1440)


def test_a_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        generate_events("typhoon", start=datetime(2025, 7, 1, 8, 0))
