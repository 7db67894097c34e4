"""Rolling windows per sensor: exact sums, duplicates, lateness, wind, daily maxima."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from pipeline.errors import EventError
from pipeline.warnings import (
    SensorRegistry,
    SensorState,
    WindowConfig,
    ingest,
    load_profile,
    parse_reading,
    warning_key,
)
from tests.unit.warnings_support import HUANGPU, SAMPLE, SH, T0, at, rain, reading, run, wind

CONFIG = WindowConfig()


def gauge(*raws: dict) -> SensorState:
    state = SensorState(sensor_id="rg-test", kind="rain_gauge")
    for raw in raws:
        state.add(parse_reading(raw), CONFIG)
    return state


def sums(state: SensorState, t: datetime) -> dict[int, Decimal | None]:
    view = state.metrics_at(t, CONFIG)
    return {h: view.get(f"rain_{h}h_mm") for h in (1, 3, 6, 12)}


def test_five_minute_readings_sum_exactly_in_decimal():
    state = gauge(*(rain(at(5 * i), 0.1) for i in range(1, 13)))
    assert sums(state, at(60))[1] == Decimal("1.2")


def test_thirty_five_millimetres_from_inexact_binary_steps_is_exactly_35():
    values = [2.9] * 10 + [3.0, 3.0]
    state = gauge(*(rain(at(5 * (i + 1)), v) for i, v in enumerate(values)))
    assert sum(values) != 35.0  # binary floats would miss the threshold
    assert sums(state, at(60))[1] == Decimal("35.0")


def test_reading_exactly_one_hour_old_is_outside_and_one_starting_there_inside():
    state = gauge(*(rain(at(5 * i), 1.0) for i in range(0, 13)))  # 08:00 .. 09:00
    # the reading ending at 08:00 covers 07:55-08:00: outside (08:00, 09:00]
    assert sums(state, at(60))[1] == Decimal(12)
    assert sums(state, at(60))[3] == Decimal(13)


def test_ten_minute_and_hourly_periods():
    ten = gauge(*(rain(at(10 * i), 2.5, 600) for i in range(1, 19)))  # 08:10 .. 11:00
    assert sums(ten, at(180)) == {1: 15, 3: 45, 6: 45, 12: 45}
    hourly = gauge(*(rain(at(hours=h), 10.0, 3600) for h in range(1, 14)))  # 09:00 .. 21:00
    assert sums(hourly, at(hours=13)) == {1: 10, 3: 30, 6: 60, 12: 120}


def test_mixed_periods_align_without_pro_rating():
    raws = [rain(at(0), 10.0, 3600)]  # 07:00-08:00
    raws += [rain(at(10 * i), 1.0, 600) for i in range(1, 7)]  # 08:10 .. 09:00
    raws += [rain(at(60 + 5 * i), 0.5, 300) for i in range(1, 13)]  # 09:05 .. 10:00
    state = gauge(*raws)
    assert sums(state, at(120)) == {1: 6, 3: 22, 6: 22, 12: 22}
    # (08:30, 09:30]: 08:40, 08:50, 09:00 and six 5-min readings; 08:30 ends on the boundary
    assert sums(state, at(90))[1] == Decimal(6)


def test_interval_straddling_the_window_start_is_pro_rated():
    state = gauge(rain(at(0), 10.0, 3600), rain(at(60), 20.0, 3600))
    # (08:30, 09:30]: half of the 08:00-09:00 reading
    assert sums(state, at(90))[1] == Decimal(10)
    assert sums(state, at(90))[3] == Decimal(30)


def test_gaps_count_as_nothing_and_windows_slide():
    state = gauge(rain(at(5), 4.0), rain(at(10), 4.0), rain(at(120), 1.0))
    assert sums(state, at(120)) == {1: 1, 3: 9, 6: 9, 12: 9}
    assert sums(state, at(65))[1] == Decimal(4)


def test_duplicate_counts_once_first_wins():
    state = gauge(rain(at(5), 4.0))
    assert state.add(parse_reading(rain(at(5), 4.0)), CONFIG) is None
    assert state.add(parse_reading(rain(at(5), 9.0)), CONFIG) is None
    assert sums(state, at(5))[1] == Decimal(4)


def test_duplicate_reading_in_the_engine_is_reported_and_not_counted():
    state, _ = run([rain(at(5), 30.0)])
    result = ingest(state, rain(at(5), 30.0), SensorRegistry())
    assert result.status == "duplicate" and result.changes == []
    assert state.warnings.get(warning_key("310101", "rainstorm")).active is False


def test_late_within_lateness_is_accepted_and_reevaluated():
    readings = [rain(at(5 * i), 3.0) for i in range(1, 13) if i != 6]  # 08:30 missing
    state, changes = run(readings)
    assert changes == []  # 33 mm in the hour
    _, changes = run([rain(at(30), 3.0)], state=state)
    assert [(c["action"], c["level"], c["value"]) for c in changes] == [("issue", "blue", 36.0)]
    assert changes[0]["at"] == at(60).isoformat()  # evaluated as of the newest reading


def test_late_exactly_at_lateness_accepted_older_rejected_too_late():
    state = gauge(rain(at(120), 1.0))
    assert state.add(parse_reading(rain(at(60), 1.0)), CONFIG) is not None
    with pytest.raises(EventError) as err:
        state.add(parse_reading(rain(at(60) - timedelta(seconds=1), 1.0)), CONFIG)
    assert err.value.code == "too_late"


def test_lateness_is_configurable():
    state = SensorState(sensor_id="rg-test", kind="rain_gauge")
    short = WindowConfig(lateness_s=600)
    state.add(parse_reading(rain(at(60), 1.0)), short)
    with pytest.raises(EventError, match="600 s behind"):
        state.add(parse_reading(rain(at(45), 1.0)), short)


def test_overlapping_intervals_are_rejected():
    state = gauge(rain(at(60), 5.0, 3600))
    with pytest.raises(EventError) as err:
        state.add(parse_reading(rain(at(30), 1.0, 300)), CONFIG)
    assert err.value.code == "overlapping_period"


def test_rain_gauge_without_period_is_rejected():
    raw = reading("rain_gauge", "rg-x", at(5), 1.0, "mm")
    with pytest.raises(EventError) as err:
        parse_reading(raw)
    assert err.value.code == "missing_period"


def test_naive_timestamp_and_bad_unit_are_rejected():
    with pytest.raises(EventError) as err:
        parse_reading(rain(datetime(2025, 7, 1, 8, 5), 1.0))
    assert err.value.code == "bad_timestamp"
    with pytest.raises(EventError) as err:
        parse_reading({**rain(at(5), 1.0), "unit": "inch"})
    assert err.value.code == "bad_unit"


def test_old_readings_are_pruned_beyond_twelve_hours_and_lateness():
    state = gauge(*(rain(at(hours=h), 1.0, 3600) for h in range(1, 16)))
    assert state.readings[0].at >= (at(hours=15) - timedelta(hours=13)).astimezone(
        state.readings[0].at.tzinfo
    )


def test_sensor_state_round_trips_through_a_dict():
    state = gauge(*(rain(at(5 * i), 0.3) for i in range(1, 13)))
    copy = SensorState.from_dict(state.to_dict())
    assert copy == state
    assert sums(copy, at(60)) == sums(state, at(60))


def anemometer(*raws: dict) -> SensorState:
    state = SensorState(sensor_id="an-test", kind="anemometer")
    for raw in raws:
        state.add(parse_reading(raw), CONFIG)
    return state


def test_wind_ten_minute_mean_is_time_weighted_and_exact():
    state = anemometer(*(wind(at(i), 10.7 if i % 2 else 10.9, period_s=60) for i in range(1, 11)))
    view = state.metrics_at(at(10), CONFIG)
    assert view.get("wind_mean_ms") == Decimal("10.8")
    assert view.get("wind_force") == 6


def test_wind_mean_only_covers_the_last_ten_minutes_and_max_gust():
    raws = [wind(at(i), 30.0, period_s=60) for i in range(1, 6)]
    raws += [wind(at(i), 5.0, gust=14.0 if i == 12 else 9.0, period_s=60) for i in range(6, 16)]
    view = anemometer(*raws).metrics_at(at(15), CONFIG)
    assert view.get("wind_mean_ms") == Decimal(5)
    assert view.get("gust_max_ms") == Decimal(14)
    assert view.get("gust_force") == 7


def test_wind_in_km_per_hour_is_converted():
    raw = {**wind(at(10), 39.6), "unit": "km/h", "gust": 61.92}
    parsed = parse_reading(raw)
    assert parsed.value == 11.0 and parsed.gust == 17.2


def thermometer(*points: tuple[datetime, float]) -> SensorState:
    state = SensorState(sensor_id="th-test", kind="thermometer")
    for t, value in points:
        state.add(parse_reading(reading("thermometer", "th-test", t, value, "degC")), CONFIG)
    return state


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 7, day, hour, minute, tzinfo=SH)


def hot_run(state: SensorState, t: datetime) -> Decimal | None:
    return state.metrics_at(t, CONFIG).get("consecutive_hot_days", {"threshold_c": 35})


def test_daily_maximum_follows_shanghai_calendar_days():
    # 2025-07-02T16:30Z is 00:30 on 3 July in Shanghai
    state = thermometer(
        (local(2, 14), 34.0), (datetime.fromisoformat("2025-07-02T16:30:00Z"), 36.0)
    )
    assert state.day_max_c == {"2025-07-02": 34.0, "2025-07-03": 36.0}
    assert state.metrics_at(local(3, 0, 30), CONFIG).get("day_max_c") == Decimal(36)


def test_consecutive_hot_days_across_shanghai_midnight():
    base = [(local(1, 14), 35.0), (local(2, 14), 35.2), (local(3, 14), 34.0)]
    late_evening = thermometer(*base, (local(3, 23, 30), 35.0))
    assert hot_run(late_evening, local(3, 23, 30)) == 3
    after_midnight = thermometer(*base, (local(4, 0, 30), 35.0))  # 16:30Z on 3 July
    assert hot_run(after_midnight, local(4, 0, 30)) == 1


def test_hot_run_ending_yesterday_holds_until_today_is_over():
    state = thermometer((local(1, 14), 36.0), (local(2, 14), 36.0), (local(3, 14), 35.0))
    state.add(parse_reading(reading("thermometer", "th-test", local(4, 9), 30.0, "degC")), CONFIG)
    assert hot_run(state, local(4, 9)) == 3
    state.add(parse_reading(reading("thermometer", "th-test", local(5, 9), 30.0, "degC")), CONFIG)
    assert hot_run(state, local(5, 9)) == 0


def test_t0_is_shanghai_time():
    assert T0.utcoffset() == timedelta(hours=8)


def test_engine_lateness_can_be_overridden_by_settings():
    profile = load_profile("shanghai").with_engine(lateness_s=600)
    state, _ = run([rain(at(60), 1.0)])
    with pytest.raises(EventError) as err:
        ingest(state, rain(at(45), 1.0), SensorRegistry(), profile)
    assert err.value.code == "too_late"
    assert ingest(state, rain(at(50), 1.0), SensorRegistry(), profile).status == "accepted"


def test_kinds_without_a_hazard_are_tracked_for_health_only():
    state, changes = run([reading("smoke_detector", "sd-1", at(1), 0.2, "dB/m", district=HUANGPU)])
    assert changes == [] and "sd-1" in state.sensors


def test_kind_must_match_the_registry():
    with pytest.raises(EventError) as err:
        parse_reading(reading("rain_gauge", "wl-huangpu-park", at(5), 1.0, "mm"), SAMPLE)
    assert err.value.code == "kind_mismatch"
