"""Sensor health: where the operations center is blind.

A sensor is offline when it has been silent for more than ``offline_after_periods`` of its
reporting periods (its latest ``period_s``, else the registry's, else the profile's
``default_period_s``), measured from its newest ``observed_at``. :func:`check_health`
reports each sensor going offline once (``sensor_offline``); the next accepted reading of
that sensor reports ``sensor_online`` once (:func:`note_reading`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pipeline.warnings.profiles import load_profile
from pipeline.warnings.state import rfc3339
from pipeline.warnings.windows import SensorState

if TYPE_CHECKING:
    from pipeline.warnings.engine import EngineState

DEFAULT_OFFLINE_AFTER_PERIODS = 3
DEFAULT_PERIOD_S = 600


def _event(kind: str, sensor: SensorState, at: datetime, **extra: Any) -> dict[str, Any]:
    return {
        "event": kind,
        "sensor_id": sensor.sensor_id,
        "kind": sensor.kind,
        "district": dict(sensor.district) if sensor.district else None,
        "at": rfc3339(at),
        **extra,
    }


def check_health(
    state: EngineState | Iterable[SensorState],
    now: datetime,
    *,
    offline_after_periods: int | None = None,
    default_period_s: int | None = None,
) -> list[dict[str, Any]]:
    """``sensor_offline`` events for sensors that fell silent; marks them offline.

    ``state`` is the engine state (its profile gives the defaults) or the sensor states
    themselves (a Faust table's values; write the changed ones back).
    """
    sensors: Iterable[SensorState]
    if hasattr(state, "sensors"):
        profile = load_profile(state.profile_name, state.profiles_path)
        offline_after_periods = offline_after_periods or profile.offline_after_periods
        default_period_s = default_period_s or profile.default_period_s
        sensors = state.sensors.values()
    else:
        sensors = state
    periods = offline_after_periods or DEFAULT_OFFLINE_AFTER_PERIODS
    events = []
    for sensor in sensors:
        if sensor.offline or sensor.watermark is None:
            continue
        period = sensor.period_s or default_period_s or DEFAULT_PERIOD_S
        silent = now - sensor.watermark
        if silent > timedelta(seconds=periods * period):
            sensor.offline, sensor.offline_since = True, now
            events.append(
                _event(
                    "sensor_offline",
                    sensor,
                    now,
                    last_seen_at=rfc3339(sensor.watermark),
                    silent_s=int(silent.total_seconds()),
                    period_s=period,
                )
            )
    return events


def note_reading(sensor: SensorState, at: datetime) -> dict[str, Any] | None:
    """A ``sensor_online`` event when an offline sensor delivered an accepted reading."""
    if not sensor.offline:
        return None
    since = sensor.offline_since
    sensor.offline, sensor.offline_since = False, None
    return _event("sensor_online", sensor, at, offline_since=rfc3339(since) if since else None)
