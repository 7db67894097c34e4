"""Sensor streams: period alignment, noise, gaps, store-and-forward, duplicates, alarms."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

from pipeline.simulate.events import SimContext
from pipeline.simulate.places import default_places
from pipeline.simulate.sensors import Stream, emit_stream, rain, registry_sensors, sensor_streams

START = datetime(2025, 7, 1, 8, 0, 7, tzinfo=UTC)


def context(seed: int = 0, duration_s: float = 60.0, time_scale: float = 60.0) -> SimContext:
    return SimContext(seed, START, duration_s, time_scale, registry_sensors(), default_places())


def values(stream_events: list) -> list[dict]:
    return [json.loads(e.value) for e in stream_events]


def steady_rain(mm_per_h: float) -> Stream:
    return Stream(rain(lambda t: mm_per_h, noise=0.0), gap_chance=0.0, duplicate_chance=0.0)


def test_registry_sensors_keep_the_file_order() -> None:
    ids = [e.sensor_id for e in registry_sensors()]
    assert ids[0] == "wl-huangpu-park" and len(ids) == len(set(ids)) >= 10


def test_readings_fall_on_whole_periods_and_carry_the_period() -> None:
    ctx = context()
    gauge = ctx.sensor("rg-huangpu-renmin-square")
    readings = values(emit_stream(ctx, gauge, steady_rain(36.0)))
    assert len(readings) == 12
    for r in readings:
        at = datetime.fromisoformat(r["observed_at"])
        assert at.timestamp() % 300 == 0 and at.utcoffset().total_seconds() == 8 * 3600
        assert r["period_s"] == 300 and r["value"] == 3.0 and r["unit"] == "mm"


def test_an_hourly_gauge_sums_the_hour() -> None:
    ctx = context(duration_s=120.0)
    readings = values(emit_stream(ctx, ctx.sensor("rg-pudong-lujiazui"), steady_rain(40.0)))
    assert [r["value"] for r in readings] == [40.0, 40.0]


def test_a_rain_gauge_forwards_the_readings_of_a_gap() -> None:
    ctx = context(duration_s=600.0, time_scale=60.0)
    gauge = ctx.sensor("rg-minhang-hongqiao")
    stream = Stream(rain(lambda t: 30.0, noise=0.0), gap_chance=1.0, duplicate_chance=0.0)
    events = emit_stream(ctx, gauge, stream)
    readings = values(events)
    assert len(readings) == 120  # nothing lost
    assert abs(sum(r["value"] for r in readings) - 300.0) < 1e-6
    late = [
        e.offset_s * 60 - (datetime.fromisoformat(r["observed_at"]) - START).total_seconds()
        for e, r in zip(events, readings, strict=True)
    ]
    assert max(late) >= 3 * 300  # a silent stretch of at least three periods


def test_other_sensors_lose_the_readings_of_a_gap() -> None:
    ctx = context(duration_s=600.0, time_scale=60.0)
    level = ctx.sensor("wl-mishidu")
    stream = Stream(lambda t, i, r: 3.0, gap_chance=1.0, duplicate_chance=0.0)
    readings = values(emit_stream(ctx, level, stream))
    times = [datetime.fromisoformat(r["observed_at"]).timestamp() for r in readings]
    assert len(readings) < 120
    assert max(b - a for a, b in zip(times, times[1:], strict=False)) >= 4 * 300


def test_duplicates_repeat_an_earlier_reading_byte_for_byte() -> None:
    ctx = context()
    stream = Stream(lambda t, i, r: r.gauss(0.0, 1.0), gap_chance=0.0, duplicate_chance=0.5)
    events = emit_stream(ctx, ctx.sensor("an-pudong-lujiazui"), stream)
    copies = [e for e in events if e.duplicate]
    assert copies
    for copy in copies:
        original = next(e for e in events if e.value == copy.value and not e.duplicate)
        assert original.offset_s < copy.offset_s <= 60.0


def test_alarm_mode_reports_more_often() -> None:
    ctx = context(duration_s=60.0, time_scale=10.0)
    detector = ctx.sensor("gd-jinshan-chem-park-01")
    quiet = Stream(lambda t, i, r: 1.0, alarm_at=25.0, gap_chance=0.0, duplicate_chance=0.0)
    loud = Stream(lambda t, i, r: 30.0, alarm_at=25.0, gap_chance=0.0, duplicate_chance=0.0)
    assert len(emit_stream(ctx, detector, quiet)) == 10
    assert len(emit_stream(ctx, detector, loud)) > 50


def test_noise_is_seeded_per_sensor() -> None:
    ctx = context()
    entry = ctx.sensor("th-xuhui-xujiahui")
    stream = Stream(lambda t, i, r: 20.0 + r.gauss(0.0, 1.0), gap_chance=0.0)
    first = emit_stream(ctx, entry, stream)
    assert emit_stream(context(), entry, stream) == first
    assert emit_stream(context(seed=1), entry, stream) != first
    assert len({json.loads(e.value)["value"] for e in first}) > 1


def test_everyday_sensors_stay_within_the_budget() -> None:
    ctx = context(duration_s=60.0, time_scale=60.0)
    driven = {"rg-xuhui-xujiahui": steady_rain(10.0)}
    few = sensor_streams(ctx, driven, budget=40)
    many = sensor_streams(ctx, driven, budget=10_000)
    assert 6 <= len(few) <= 40 < len(many)
    kinds = {json.loads(e.value)["kind"] for e in few}
    assert len(kinds) >= 3  # one of each kind comes first
    assert {json.loads(e.value)["sensor_id"] for e in many} == {
        e.sensor_id for e in registry_sensors()
    }


def test_rain_is_zero_without_rain_and_never_negative() -> None:
    value = rain(lambda t: -5.0)
    assert value(600.0, 300, random.Random(0)) == 0.0
