"""``assess_lines``: the offline core of ``citywatch assess`` on a small synthetic storm."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from pipeline.errors import EventError
from pipeline.warnings import assess_lines
from tests.unit.warnings_support import at

GAUGE = "rg-huangpu-renmin-square"  # sample registry: Huangpu, 5-minute period
KEYS = {
    "warning_id",
    "sequence",
    "hazard",
    "level",
    "previous_level",
    "action",
    "end_reason",
    "district",
    "sensor_ids",
    "at",
    "issued_at",
    "valid_until",
    "suggested_response_level",
    "trigger",
    "profile",
    "metric",
    "value",
    "rule",
}


def storm_lines() -> list[str]:
    """3 mm every 5 min for an hour, one 20 mm burst, then dry until 16:15."""
    lines = []
    for i in range(1, 100):  # 08:05 .. 16:15
        value = 3.0 if i <= 12 else 20.0 if i == 13 else 0.0
        t = at(5 * i)
        lines.append(
            json.dumps(
                {
                    "sensor_id": GAUGE,
                    "kind": "rain_gauge",
                    "observed_at": t.isoformat(),
                    "value": value,
                    "unit": "mm",
                }
            )
        )
    return lines


def test_synthetic_storm_output_shape_and_sequence():
    out = list(assess_lines(storm_lines()))
    assert all(set(change) == KEYS for change in out)
    assert [
        (c["action"], c["level"], c["end_reason"], c["at"], c["metric"], c["value"]) for c in out
    ] == [
        ("issue", "blue", None, "2025-07-01T09:00:00+08:00", "rain_1h_mm", 36.0),
        ("escalate", "yellow", None, "2025-07-01T09:05:00+08:00", "rain_1h_mm", 53.0),
        ("deescalate", "blue", None, "2025-07-01T09:40:00+08:00", "rain_6h_mm", 56.0),
        ("end", "blue", "expired", "2025-07-01T16:15:00+08:00", None, None),
    ]
    first = out[0]
    assert first["hazard"] == "rainstorm"
    assert first["district"] == {"code": "310101", "name": "黄浦区"}
    assert first["sensor_ids"] == [GAUGE]
    assert first["warning_id"] == "310101-rainstorm-20250701T010000Z"
    assert [c["suggested_response_level"] for c in out] == [4, 3, 4, None]
    assert first["rule"] == {"id": "sh.rainstorm.blue", "version": "2025.1"}
    assert first["trigger"]["window_s"] == 3600 and first["trigger"]["threshold"] == 35.0
    assert out[-1]["valid_until"] == "2025-07-01T16:10:00+08:00"  # last qualifying 14:10
    json.dumps(out)


def test_cma_profile_on_the_same_storm():
    out = list(assess_lines(storm_lines(), profile_name="cma"))
    assert [(c["action"], c["level"], c["at"][11:16], c["metric"]) for c in out] == [
        ("issue", "orange", "09:05", "rain_3h_mm"),  # 3 h 56 mm
        ("deescalate", "yellow", "11:40", "rain_6h_mm"),  # 3 h below 50 since 11:15
        ("deescalate", "blue", "14:40", "rain_12h_mm"),  # 6 h below 50 since 14:15
    ]  # the 12 h sum stays >= 50 until 20:10: still active at the end of the input


def test_active_warning_stays_active_at_end_of_input():
    out = list(assess_lines(storm_lines()[:19]))  # up to 09:35
    assert [c["action"] for c in out] == ["issue", "escalate"]


def test_district_from_the_injected_lookup():
    calls = []

    def lookup(lat: float, lon: float, crs: str) -> dict | None:
        calls.append((lat, lon, crs))
        return {"code": "310115", "name": "浦东新区", "population": 5681512}

    out = list(assess_lines(storm_lines()[:13], district_lookup=lookup))
    assert calls[0] == (31.2323, 121.4737, "wgs84")  # the registry's location
    assert out[0]["district"] == {"code": "310115", "name": "浦东新区"}


def test_reading_location_and_outside_the_city():
    line = json.loads(storm_lines()[0])
    line["location"] = {"lat": 40.0, "lon": 116.4}
    seen = []

    def lookup(lat: float, lon: float, crs: str) -> dict | None:
        seen.append((lat, lon, crs))
        return None

    assert list(assess_lines([json.dumps(line)] * 1, district_lookup=lookup)) == []
    assert seen == [(40.0, 116.4, "wgs84")]


def test_bytes_blank_lines_and_duplicates():
    lines = [s.encode() for s in storm_lines()[:12]]
    doubled = [x for line in lines for x in (line, b"\n", line)]
    assert [c["action"] for c in assess_lines(doubled)] == ["issue"]


def test_bad_line_raises_with_its_number():
    lines = storm_lines()[:3] + ["{not json"]
    with pytest.raises(EventError) as err:
        list(assess_lines(lines))
    assert err.value.code == "bad_json" and err.value.message.startswith("line 4:")


def test_too_late_reading_goes_to_on_reject():
    late = json.loads(storm_lines()[0])
    late["observed_at"] = (at(60) - timedelta(hours=2)).isoformat()
    rejected: list[tuple[int, str]] = []
    lines = storm_lines()[:12] + [json.dumps(late)]
    out = list(assess_lines(lines, on_reject=lambda n, e: rejected.append((n, e.code))))
    assert [c["action"] for c in out] == ["issue"]
    assert rejected == [(13, "too_late")]


def test_health_events_only_when_asked():
    lines = storm_lines()[:2]
    other = {"sensor_id": "rg-xuhui-xujiahui", "kind": "rain_gauge", "value": 0.0, "unit": "mm"}
    lines.append(json.dumps({**other, "observed_at": at(0).isoformat()}))
    lines += storm_lines()[2:12]  # Xujiahui (10-min period) silent for 60 min
    assert all(c.get("event") is None for c in assess_lines(lines))
    events = [c for c in assess_lines(lines, include_health=True) if "event" in c]
    assert [(e["event"], e["sensor_id"], e["at"]) for e in events] == [
        ("sensor_offline", "rg-xuhui-xujiahui", at(35).isoformat())
    ]
