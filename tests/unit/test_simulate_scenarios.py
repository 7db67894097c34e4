"""What each scenario must show: rain, tide and wind of the typhoon, the gas of the leak,
the Bund's crowd, the rising counts of the school cluster and the metro failure."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import pytest

from pipeline.simulate import SCENARIOS, generate_events
from pipeline.warnings.registry import SensorRegistry

NOW = datetime(2025, 7, 1, 9, 0, tzinfo=UTC)
REGISTRY = SensorRegistry.from_file()


@lru_cache(maxsize=32)
def valid(name: str, seed: int = 0) -> tuple[tuple[str, dict[str, Any]], ...]:
    """``(kind, data)`` of the good records, re-sent duplicates left out."""
    start = NOW - timedelta(seconds=60 * SCENARIOS[name].default_time_scale)
    events = generate_events(name, seed=seed, start=start)
    return tuple((e.kind, json.loads(e.value)) for e in events if not e.defect and not e.duplicate)


def readings(name: str, seed: int = 0, kind: str | None = None) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for record_kind, data in valid(name, seed):
        if record_kind == "reading" and (kind is None or data["kind"] == kind):
            out[data["sensor_id"]].append(data)
    for series in out.values():
        series.sort(key=lambda r: r["observed_at"])
    return out


def wettest_hour_mm(series: list[dict]) -> float:
    """The largest rain over any rolling hour ending at a reading (exact: each reading
    is the rain over its period_s ending at observed_at)."""
    spans = [
        (datetime.fromisoformat(r["observed_at"]).timestamp(), r["period_s"], r["value"])
        for r in series
    ]
    best = 0.0
    for end, _, _ in spans:
        best = max(best, sum(v for t, p, v in spans if t <= end and t - p >= end - 3600))
    return best


@pytest.mark.parametrize("seed", range(6))
def test_typhoon_rain_crosses_the_blue_criterion_in_three_districts(seed: int) -> None:
    by_district: dict[str, float] = defaultdict(float)
    for sensor_id, series in readings("typhoon", seed, "rain_gauge").items():
        entry = REGISTRY.get(sensor_id)
        assert entry is not None and entry.district is not None
        code = entry.district.code
        by_district[code] = max(by_district[code], wettest_hour_mm(series))
    assert sum(mm >= 35.0 for mm in by_district.values()) >= 3, by_district
    assert max(by_district.values()) >= 50.0
    assert max(by_district.values()) < 100.0


def test_typhoon_rain_rates_are_realistic() -> None:
    for series in readings("typhoon", 0, "rain_gauge").values():
        for r in series:
            assert r["value"] / r["period_s"] * 3600 <= 110.0


@pytest.mark.parametrize("seed", range(4))
def test_typhoon_tide_reaches_the_huangpu_park_warning_level(seed: int) -> None:
    levels = readings("typhoon", seed, "water_level")
    park = [r["value"] for r in levels["wl-huangpu-park"]]
    assert min(park) < 4.55 <= max(park) < 5.2
    wusong = [r["value"] for r in levels["wl-wusongkou"]]
    assert 4.5 <= max(wusong) <= 4.95
    assert all(r["unit"] == "m" for series in levels.values() for r in series)


def test_typhoon_wind_has_means_and_gusts() -> None:
    series = readings("typhoon", 0, "anemometer")["an-pudong-lujiazui"]
    means = [r["value"] for r in series if r["unit"] == "m/s"]
    gusts = [r["value"] for r in series if r["unit"] == "m/s gust"]
    assert means and gusts
    assert max(means) >= 17.2  # force 8
    assert max(gusts) > max(means)
    assert all(r["period_s"] == 60 for r in series)


@pytest.mark.parametrize("seed", range(4))
def test_chemical_leak_gas_passes_both_alarm_points(seed: int) -> None:
    series = readings("chemical_leak", seed, "gas_detector")["gd-jinshan-chem-park-01"]
    values = [r["value"] for r in series]
    assert values[0] < 25.0
    assert max(values) > 50.0
    assert values[-1] < max(values)
    assert all(r["unit"] == "%LEL" for r in series)


def test_chemical_leak_detector_reports_faster_in_alarm() -> None:
    series = readings("chemical_leak", 0, "gas_detector")["gd-jinshan-chem-park-01"]
    times = [datetime.fromisoformat(r["observed_at"]) for r in series]
    steps = {(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)}
    assert 10.0 in steps and 60.0 in steps


def reports(name: str, seed: int = 0) -> list[dict[str, Any]]:
    return [data for kind, data in valid(name, seed) if kind == "report"]


def test_chemical_leak_casualties_and_evacuations_rise() -> None:
    counts = [
        r["casualties"]
        for r in reports("chemical_leak")
        if r.get("type", "hazardous_chemicals") == "hazardous_chemicals" and "casualties" in r
    ]
    assert max(c.get("deaths", 0) for c in counts) >= 1
    assert max(c.get("evacuated", 0) for c in counts) >= 1000
    texts = " ".join(r["description"] for r in reports("chemical_leak"))
    assert "泄漏" in texts and ("疏散" in texts or "转移" in texts)


def test_new_year_bund_crowd_density_reaches_red() -> None:
    series = readings("new_year_bund", 0, "crowd_counter")
    area = REGISTRY.get("cc-bund-promenade").area_m2  # type: ignore[union-attr]
    bund = [r["value"] / area for r in series["cc-bund-promenade"]]
    assert bund[0] < 2.0 and max(bund) >= 5.0
    assert all(r["unit"] == "persons" for r in series["cc-bund-promenade"])
    texts = " ".join(r["description"] for r in reports("new_year_bund"))
    assert "外滩" in texts and "拥挤" in texts


def test_metro_power_failure_reports_line_2_and_stranded_passengers() -> None:
    texts = [r["description"] for r in reports("metro_power_failure")]
    assert sum("2号线" in t or "Line 2" in t for t in texts) >= 5
    evacuated = [
        r["casualties"].get("evacuated", 0)
        for r in reports("metro_power_failure")
        if "casualties" in r
    ]
    assert max(evacuated) >= 2000


def test_food_poisoning_cluster_spans_several_schools_with_rising_counts() -> None:
    start = NOW - timedelta(seconds=60 * SCENARIOS["food_poisoning_schools"].default_time_scale)
    ill: dict[str, list[int]] = defaultdict(list)
    for event in generate_events("food_poisoning_schools", seed=0, start=start):
        if event.kind != "report" or event.defect or event.incident is None:
            continue
        report = json.loads(event.value)
        counts = report.get("casualties", {})
        if report.get("type", "food_poisoning") == "food_poisoning" and "affected" in counts:
            ill[event.incident].append(counts["affected"])
    assert len(ill) >= 4  # four schools and the cluster
    rising = [values for values in ill.values() if values[-1] > values[0]]
    assert len(rising) >= 3
    assert max(max(values) for values in ill.values()) >= 100


def test_routine_day_has_traffic_accidents_fires_and_inspections() -> None:
    records = valid("routine_day")
    texts = " ".join(d.get("description", "") for k, d in records if k == "report")
    assert "相撞" in texts or "追尾" in texts or "collision" in texts.lower()
    assert "起火" in texts or "火灾" in texts or "Fire" in texts
    assert sum(k == "finding" for k, _ in records) >= 10
