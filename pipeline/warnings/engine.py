"""The warning engine on plain state: readings in, warning changes out.

:class:`EngineState` bundles what the worker keeps in Faust tables: ``sensors`` (keyed by
``sensor_id``) and ``warnings`` (keyed by :func:`~pipeline.warnings.state.warning_key`,
i.e. district and hazard), plus the newest reading time seen (``clock``) and the
tropical-cyclone context. :func:`ingest` takes one reading in two halves that a worker may
run on differently keyed streams: :func:`observe` (per sensor) parses and windows it,
evaluates it as of its time (and, when late, as of every later reading time of that sensor)
against every hazard its kind feeds, and emits one JSON-able evidence message per
(district, hazard); :func:`apply_evidence` (per district and hazard) records the evidence
and steps that warning to the sensor's newest time. :func:`tick` steps every warning to a
time (expiry and de-escalation without new readings); :func:`lift` ends a warning as
``cancelled``.

A district's value is the highest of its sensors' values: every rule is an OR of ``>=`` /
``>`` conditions, so the district's colour is the highest colour any of its sensors meets.
Anemometer readings feed ``typhoon`` while a tropical cyclone affects the city (the
reading's ``tropical_cyclone`` flag or :func:`set_tropical_cyclone`) and ``gale`` otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from pipeline.warnings.health import note_reading
from pipeline.warnings.profiles import Match, Profile, load_profile
from pipeline.warnings.readings import parse_reading, parse_time
from pipeline.warnings.registry import SensorRegistry
from pipeline.warnings.state import WarningState, rfc3339, warning_key
from pipeline.warnings.windows import SensorState


class EngineState(BaseModel):
    """All warning state; each part serialises on its own for a Faust table."""

    model_config = ConfigDict(extra="forbid")
    profile_name: str = "shanghai"
    profiles_path: str | None = None
    sensors: dict[str, SensorState] = {}
    warnings: dict[str, WarningState] = {}
    clock: datetime | None = None
    tropical_cyclone: bool = False

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EngineState:
        return cls.model_validate(data)

    def profile(self) -> Profile:
        return load_profile(self.profile_name, self.profiles_path)

    def district_warnings(self, district_code: str) -> list[WarningState]:
        """The warning states of one district (all hazards)."""
        return [w for w in self.warnings.values() if w.district["code"] == district_code]


@dataclass
class IngestResult:
    """What one reading did: ``accepted``, ``duplicate`` or ``ignored`` (with a reason)."""

    status: Literal["accepted", "duplicate", "ignored"]
    reason: str | None = None
    changes: list[dict[str, Any]] = field(default_factory=list)
    health: list[dict[str, Any]] = field(default_factory=list)
    evidence: list[dict[str, Any]] = field(default_factory=list)
    """One message per (district, hazard), for :func:`apply_evidence`."""


def observe(
    sensor: SensorState | None,
    raw: Mapping[str, Any],
    registry: SensorRegistry,
    profile: Profile,
    tropical_cyclone: bool = False,
) -> tuple[SensorState, IngestResult]:
    """The per-sensor half of :func:`ingest` (state keyed by ``sensor_id``).

    Returns the sensor's state (new or updated in place) and a result whose ``evidence``
    messages, keyed by ``message["key"]`` (district and hazard), feed :func:`apply_evidence`.
    """
    reading = parse_reading(raw, registry)
    entry = registry.get(reading.sensor_id)
    district = reading.district
    if district is None and entry is not None and entry.district is not None:
        district = entry.district.model_dump()
    if sensor is None:
        sensor = SensorState(sensor_id=reading.sensor_id, kind=reading.kind, district=district)
    if district is not None and sensor.district is None:
        sensor.district = district
    times = sensor.add(reading, profile.windows)
    if times is None:
        return sensor, IngestResult("duplicate", "same sensor and observed_at already counted")
    result = IngestResult("accepted")
    online = note_reading(sensor, reading.observed_at)
    if online is not None:
        result.health.append(online)
    hazards = profile.hazards_for(reading.kind, reading.tropical_cyclone or tropical_cyclone)
    if not hazards:
        result.status, result.reason = "ignored", f"no hazard of this profile uses {reading.kind}"
        return sensor, result
    if district is None:
        result.status, result.reason = "ignored", "no district (outside the city or unknown)"
        return sensor, result
    defaults = profile.sensor_defaults.get(reading.kind, {})

    def threshold_of(name: str) -> Any:
        value = registry.field(reading.sensor_id, name)
        return value if value is not None else defaults.get(name)

    views = [sensor.metrics_at(t, profile.windows) for t in times]
    now = rfc3339(sensor.watermark or reading.observed_at)
    for hazard in hazards:
        result.evidence.append(
            {
                "key": warning_key(district["code"], hazard.name),
                "district": dict(district),
                "hazard": hazard.name,
                "sensor_id": reading.sensor_id,
                "now": now,
                "as_of": [
                    {
                        "at": rfc3339(view.t),
                        "levels": {
                            level: asdict(match)
                            for level, match in hazard.levels_met(view, threshold_of).items()
                        },
                    }
                    for view in views
                ],
            }
        )
    return sensor, result


def apply_evidence(
    warning: WarningState | None, message: Mapping[str, Any], profile: Profile
) -> tuple[WarningState, dict[str, Any] | None]:
    """The per-(district, hazard) half of :func:`ingest`: record evidence, then step."""
    if warning is None:
        warning = WarningState(district=dict(message["district"]), hazard=message["hazard"])
    for item in message["as_of"]:
        met = {level: Match(**m) for level, m in item["levels"].items()}
        warning.add_evidence(message["sensor_id"], parse_time(item["at"], "at"), met)
    return warning, warning.step(parse_time(message["now"], "now"), profile)


def ingest(
    state: EngineState,
    raw: Mapping[str, Any],
    registry: SensorRegistry | None = None,
    profile: Profile | None = None,
) -> IngestResult:
    """Take one reading; bad or too-late readings raise ``EventError`` (dead-letter them)."""
    profile = profile or state.profile()
    registry = registry if registry is not None else SensorRegistry()
    sensor_id = str(raw.get("sensor_id")) if isinstance(raw, Mapping) else ""
    sensor, result = observe(
        state.sensors.get(sensor_id), raw, registry, profile, state.tropical_cyclone
    )
    state.sensors[sensor.sensor_id] = sensor
    if result.status == "duplicate":
        return result
    if sensor.watermark is not None and (state.clock is None or sensor.watermark > state.clock):
        state.clock = sensor.watermark
    for message in result.evidence:
        warning, change = apply_evidence(state.warnings.get(message["key"]), message, profile)
        state.warnings[message["key"]] = warning
        if change is not None:
            result.changes.append(change)
    return result


def tick(state: EngineState, now: datetime, profile: Profile | None = None) -> list[dict[str, Any]]:
    """Step every warning to ``now``: expiries, de-escalations, guarded re-issues."""
    profile = profile or state.profile()
    changes = []
    for warning in state.warnings.values():
        hazard = profile.hazards.get(warning.hazard)
        if hazard is None or not (warning.active or warning.evidence):
            continue
        change = warning.step(now, profile)
        if change is not None:
            changes.append(change)
    return changes


def lift(
    state: EngineState,
    district: str | Mapping[str, Any],
    hazard: str,
    by: str,
    reason: str,
    at: datetime | str,
    *,
    profile: Profile | None = None,
) -> dict[str, Any]:
    """An operator lifts a warning: it ends as ``cancelled``; the lift is audited.

    Raises ``LookupError`` when that district has no active warning of that hazard.
    """
    if not by or not reason:
        raise ValueError("a lift needs who (by) and why (reason)")
    profile = profile or state.profile()
    code = district if isinstance(district, str) else str(district["code"])
    warning = state.warnings.get(warning_key(code, hazard))
    if warning is None or hazard not in profile.hazards:
        raise LookupError(f"no active {hazard} warning in {code}")
    return warning.lift(by, reason, parse_time(at, "at"), profile)


def set_tropical_cyclone(state: EngineState, active: bool) -> None:
    """Switch the tropical-cyclone context: anemometers feed typhoon instead of gale."""
    state.tropical_cyclone = active


def new_state(
    profile_name: str = "shanghai", profiles_path: Path | str | None = None
) -> EngineState:
    """An empty engine state for a profile (validated now, so a bad file fails fast)."""
    path = str(profiles_path) if profiles_path is not None else None
    load_profile(profile_name, path)
    return EngineState(profile_name=profile_name, profiles_path=path)
