"""Factories shared by the warning tests: readings, a run through the engine, times."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pipeline.warnings import EngineState, SensorRegistry, ingest, new_state, tick, warning_key

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2025, 7, 1, 8, 0, tzinfo=SH)
HUANGPU = {"code": "310101", "name": "黄浦区"}
PUDONG = {"code": "310115", "name": "浦东新区"}
SAMPLE = SensorRegistry.from_file()


def at(minutes: float = 0, *, hours: float = 0, days: float = 0) -> datetime:
    """T0 (2025-07-01 08:00 Asia/Shanghai) plus an offset."""
    return T0 + timedelta(minutes=minutes, hours=hours, days=days)


def reading(
    kind: str, sensor_id: str, t: datetime, value: float, unit: str, **extra: Any
) -> dict[str, Any]:
    return {
        "sensor_id": sensor_id,
        "kind": kind,
        "observed_at": t.isoformat(),
        "value": value,
        "unit": unit,
        **extra,
    }


def rain(t: datetime, value: float, period_s: int = 300, sensor_id: str = "rg-test", **extra: Any):
    extra.setdefault("district", HUANGPU)
    return reading("rain_gauge", sensor_id, t, value, "mm", period_s=period_s, **extra)


def hourly_rain(values: Iterable[float], start: datetime = T0, **extra: Any) -> list[dict]:
    """Readings of a gauge with a 1 h period, the first ending one hour after ``start``."""
    return [rain(start + timedelta(hours=i + 1), v, 3600, **extra) for i, v in enumerate(values)]


def wind(t: datetime, mean: float, gust: float | None = None, period_s: int = 600, **extra: Any):
    extra.setdefault("district", PUDONG)
    if gust is not None:
        extra["gust"] = gust
    return reading("anemometer", "an-test", t, mean, "m/s", period_s=period_s, **extra)


def water(t: datetime, metres: float, sensor_id: str = "wl-huangpu-park") -> dict[str, Any]:
    return reading("water_level", sensor_id, t, metres, "m")


def run(
    readings: Iterable[dict[str, Any]],
    profile: str = "shanghai",
    registry: SensorRegistry = SAMPLE,
    state: EngineState | None = None,
) -> tuple[EngineState, list[dict[str, Any]]]:
    """Ingest readings in order, stepping every warning to the newest time after each."""
    state = state if state is not None else new_state(profile)
    changes: list[dict[str, Any]] = []
    for raw in readings:
        changes += ingest(state, raw, registry).changes
        assert state.clock is not None
        changes += tick(state, state.clock)
    return state, changes


def level_of(
    readings: Iterable[dict[str, Any]],
    hazard: str,
    district: str,
    profile: str = "shanghai",
) -> str | None:
    """The colour of (district, hazard) after the readings, or None without a warning."""
    state, _ = run(readings, profile)
    warning = state.warnings.get(warning_key(district, hazard))
    return warning.level if warning is not None and warning.active else None
