"""Sensor health: offline after N silent periods, online once on recovery."""

from __future__ import annotations

from datetime import timedelta

from pipeline.warnings import check_health, ingest, new_state
from tests.unit.warnings_support import SAMPLE, at, reading, water


def test_offline_after_more_than_three_periods_once_and_online_on_recovery():
    state = new_state()
    ingest(state, water(at(0), 3.0), SAMPLE)  # registry period 300 s
    assert check_health(state, at(15)) == []  # exactly 3 periods: not yet
    events = check_health(state, at(15) + timedelta(seconds=1))
    assert [(e["event"], e["sensor_id"], e["district"]["code"]) for e in events] == [
        ("sensor_offline", "wl-huangpu-park", "310101")
    ]
    assert events[0]["last_seen_at"] == at(0).isoformat() and events[0]["period_s"] == 300
    assert check_health(state, at(60)) == []  # reported once
    result = ingest(state, water(at(61), 3.0), SAMPLE)
    assert [(e["event"], e["offline_since"]) for e in result.health] == [
        ("sensor_online", (at(15) + timedelta(seconds=1)).isoformat())
    ]
    assert ingest(state, water(at(66), 3.0), SAMPLE).health == []
    assert check_health(state, at(70)) == []


def test_period_from_the_reading_else_the_profile_default():
    state = new_state()
    ingest(state, reading("thermometer", "th-new", at(0), 30.0, "degC"), SAMPLE)
    ingest(state, reading("rain_gauge", "rg-new", at(0), 0.0, "mm", period_s=60), SAMPLE)
    events = check_health(state, at(4))
    assert [e["sensor_id"] for e in events] == ["rg-new"]
    assert [e["sensor_id"] for e in check_health(state, at(31))] == ["th-new"]  # 3 x 600 s


def test_offline_after_periods_is_configurable_and_sensor_states_accepted():
    state = new_state()
    ingest(state, water(at(0), 3.0), SAMPLE)
    sensors = list(state.sensors.values())
    assert check_health(sensors, at(6), offline_after_periods=1)[0]["silent_s"] == 360
    assert sensors[0].offline is True
