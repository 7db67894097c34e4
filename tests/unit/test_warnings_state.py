"""The warning state machine: issue, escalate, deescalate, expire, lift, no flapping."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from pipeline.warnings import (
    EngineState,
    SensorRegistry,
    SensorState,
    WarningState,
    apply_evidence,
    lift,
    load_profile,
    observe,
    risk_for_district,
    set_tropical_cyclone,
    warning_key,
)
from tests.unit.warnings_support import at, rain, run, water, wind

KEY = warning_key("310101", "high_water")


def summary(changes: list[dict]) -> list[tuple]:
    return [(c["action"], c["level"], c["end_reason"], c["at"]) for c in changes]


def series(start_min: int, end_min: int, metres: float | list[float]) -> list[dict]:
    values = metres if isinstance(metres, list) else None
    out = []
    for n, minute in enumerate(range(start_min, end_min + 1, 5)):
        out.append(water(at(minute), values[n % len(values)] if values else metres))
    return out


def test_swing_around_the_warning_level_issues_once():
    _, changes = run(series(0, 115, [4.56, 4.54]))
    assert summary(changes) == [("issue", "blue", None, at(0).isoformat())]


def test_swing_around_yellow_escalates_once_and_deescalates_once():
    readings = series(0, 55, [4.92, 4.90]) + series(60, 95, 4.60) + series(100, 240, 4.40)
    _, changes = run(readings)
    assert summary(changes) == [
        ("issue", "yellow", None, at(0).isoformat()),
        ("deescalate", "blue", None, at(80).isoformat()),  # last yellow at 50 + hold 30
        ("end", "blue", "expired", at(220).isoformat()),  # last blue at 95 + >120
    ]
    assert len({c["warning_id"] for c in changes}) == 1
    assert [c["sequence"] for c in changes] == [1, 2, 3]


def test_escalate_deescalate_expired():
    readings = [water(at(0), 4.56), water(at(5), 4.92)]
    readings += series(10, 60, 4.60) + series(65, 200, 4.40)
    _, changes = run(readings)
    assert summary(changes) == [
        ("issue", "blue", None, at(0).isoformat()),
        ("escalate", "yellow", None, at(5).isoformat()),
        ("deescalate", "blue", None, at(35).isoformat()),
        ("end", "blue", "expired", at(185).isoformat()),
    ]
    issue, escalate, deescalate, end = changes
    assert issue["previous_level"] is None and escalate["previous_level"] == "blue"
    assert deescalate["previous_level"] == "yellow" and end["previous_level"] == "blue"
    assert escalate["trigger"] == {
        "metric": "water_level_m",
        "value": 4.92,
        "unit": "m",
        "threshold": 4.91,
        "window_s": None,
        "sensor_id": "wl-huangpu-park",
    }
    assert escalate["rule"]["id"] == "sh.high_water.yellow"
    assert end["trigger"] is None and end["metric"] is None
    assert end["valid_until"] == at(180).isoformat()  # last qualifying 60 + 120 min


def test_lift_is_cancelled_audited_and_distinct_from_expiry():
    state, changes = run(series(0, 5, 4.60))
    assert summary(changes)[0][0] == "issue"
    end = lift(state, "310101", "high_water", "duty officer 王", "tide turned", at(7))
    assert (end["action"], end["end_reason"], end["level"]) == ("end", "cancelled", "blue")
    assert end["lifted_by"] == "duty officer 王" and end["lift_reason"] == "tide turned"
    warning = state.warnings[KEY]
    assert warning.end_reason == "cancelled" and not warning.active
    assert warning.audit == [
        {
            "action": "lift",
            "warning_id": end["warning_id"],
            "level": "blue",
            "by": "duty officer 王",
            "reason": "tide turned",
            "at": at(7).isoformat(),
        }
    ]
    with pytest.raises(LookupError):
        lift(state, "310101", "high_water", "duty officer 王", "again", at(8))


def test_no_reissue_of_same_level_within_guard_but_higher_level_issues():
    state, _ = run(series(0, 5, 4.60))
    first = lift(state, "310101", "high_water", "officer", "checked on site", at(7))
    _, changes = run(series(10, 50, 4.60), state=state)
    assert changes == []
    _, changes = run([water(at(55), 4.95)], state=state)
    assert summary(changes) == [("issue", "yellow", None, at(55).isoformat())]
    assert changes[0]["warning_id"] != first["warning_id"]


def test_same_level_reissues_after_the_guard():
    state, _ = run(series(0, 5, 4.60))
    lift(state, "310101", "high_water", "officer", "checked on site", at(7))
    _, changes = run(series(10, 70, 4.60), state=state)
    assert summary(changes) == [("issue", "blue", None, at(70).isoformat())]  # 7 + 60 min


def test_district_takes_the_highest_sensor():
    gauge_a = [rain(at(60), 40.0, 3600, sensor_id="rg-a")]  # 1 h 40: blue
    gauge_b = [rain(at(60 * h), 14.2, 3600, sensor_id="rg-b") for h in range(1, 7)]  # 6 h 85.2
    _, changes = run(gauge_a + gauge_b)
    assert [(c["action"], c["level"], c["sensor_ids"]) for c in changes] == [
        ("issue", "blue", ["rg-a"]),
        ("escalate", "yellow", ["rg-b"]),
    ]
    assert changes[1]["suggested_response_level"] == 3


def test_typhoon_context_switch():
    state = EngineState()
    set_tropical_cyclone(state, True)
    _, changes = run([wind(at(10), 18.0)], state=state)
    assert [(c["hazard"], c["level"], c["suggested_response_level"]) for c in changes] == [
        ("typhoon", "yellow", 3)
    ]


def test_state_survives_a_restart_through_json():
    readings = [rain(at(5 * i), 3.0 if i <= 12 else 8.0) for i in range(1, 25)]
    _, straight = run(readings)
    state, first = run(readings[:14])
    restored = EngineState.from_dict(json.loads(json.dumps(state.to_dict())))
    _, rest = run(readings[14:], state=restored)
    assert first + rest == straight
    assert [c["action"] for c in straight] == ["issue", "escalate", "escalate"]


def test_split_halves_through_json_tables_match_ingest():
    """The worker's shape: sensor table -> evidence topic -> warning table, all JSON."""
    readings = [rain(at(5 * i), 3.0 if i <= 12 else 8.0) for i in range(1, 25)]
    _, expected = run(readings)
    profile, registry = load_profile("shanghai"), SensorRegistry()
    sensors: dict[str, dict] = {}
    warnings: dict[str, dict] = {}
    changes = []
    for raw in readings:
        old = sensors.get(raw["sensor_id"])
        sensor, result = observe(
            SensorState.from_dict(old) if old else None, raw, registry, profile
        )
        sensors[sensor.sensor_id] = sensor.to_dict()
        for message in json.loads(json.dumps(result.evidence)):
            old_w = warnings.get(message["key"])
            warning, change = apply_evidence(
                WarningState.from_dict(old_w) if old_w else None, message, profile
            )
            warnings[message["key"]] = warning.to_dict()
            changes += [change] if change else []
    assert changes == expected


def test_warning_state_round_trip_and_time_never_runs_backwards():
    state, _ = run(series(0, 10, 4.60))
    warning = WarningState.from_dict(json.loads(json.dumps(state.warnings[KEY].to_dict())))
    assert warning == state.warnings[KEY]
    assert warning.step(at(0), state.profile()) is None
    assert warning.updated_at == at(10)


def test_risk_score_formula():
    state, _ = run(series(0, 5, 4.60) + [rain(at(60), 50.0, 3600)])
    risk = risk_for_district(state.district_warnings("310101"))
    assert risk["district"]["code"] == "310101"
    assert [(c["hazard"], c["level"], c["weight"]) for c in risk["components"]] == [
        ("rainstorm", "yellow", 50),
        ("high_water", "blue", 25),
    ]
    assert risk["score"] == 56 and risk["level"] == "yellow"  # 50 + 0.25 * 25 = 56.25


@pytest.mark.parametrize(
    ("levels", "score"),
    [([], 0), (["red"], 100), (["orange"], 75), (["orange", "yellow"], 88), (["blue"] * 4, 44)],
)
def test_risk_score_examples(levels: list[str], score: int):
    states = [
        {
            "district": {"code": "310115", "name": "浦东新区"},
            "hazard": f"h{i}",
            "active": True,
            "level": level,
            "warning_id": f"w{i}",
        }
        for i, level in enumerate(levels)
    ]
    assert risk_for_district(states)["score"] == score


def test_inactive_and_ended_warnings_add_no_risk():
    state, _ = run(series(0, 5, 4.60))
    lift(state, "310101", "high_water", "officer", "false alarm", at(6))
    assert risk_for_district(state.district_warnings("310101"))["score"] == 0


def test_hold_is_measured_from_the_last_higher_evidence():
    readings = [water(at(0), 4.92), water(at(29), 4.60), water(at(30), 4.60)]
    _, changes = run(readings)
    assert summary(changes)[-1] == ("deescalate", "blue", None, at(30).isoformat())
    assert at(30) - at(0) == timedelta(minutes=30)
