"""Risk early warning in the worker: enriched readings -> warning changes, on table state.

Pure glue between the warning engine (``pipeline.warnings``) and the pipeline's messages:
the caller supplies the state tables (Faust tables in the worker, dicts in tests). Readings
arrive on ``sensors.enriched`` keyed by district, so a district's sensors and warnings live
on one partition. A reading too late or unusable for the engine is dead-lettered (stage
``warn``); a warning change becomes a ``warnings`` document on ``warnings.issued``, and the
district's warning states go to ``risk.inputs`` for its risk score.
"""

from __future__ import annotations

import json
import logging
from collections.abc import MutableMapping
from datetime import UTC, datetime
from typing import Any

from pipeline.errors import EventError
from pipeline.names import TopicNames
from pipeline.processing import DOC_ID_HEADER, Origin, OutMessage, deadletter_message, dumps
from pipeline.risk_scoring import warnings_input
from pipeline.warnings.engine import apply_evidence, observe
from pipeline.warnings.health import check_health
from pipeline.warnings.profiles import Profile
from pipeline.warnings.readings import parse_time
from pipeline.warnings.registry import SensorRegistry
from pipeline.warnings.state import WarningState
from pipeline.warnings.windows import SensorState
from schemas.assessments import Warning
from schemas.documents import warning_document, warning_id

log = logging.getLogger("citywatch.assess")

WARNING_FIELDS = frozenset(Warning.model_fields)


def warning_message(topic: str, change: dict[str, Any], now: datetime) -> OutMessage:
    """The ``warnings.issued`` message of one warning change."""
    warning = Warning.model_validate({k: v for k, v in change.items() if k in WARNING_FIELDS})
    doc_id = warning_id(warning)
    key = warning.district.code.encode()
    doc = warning_document(warning, ingested_at=now)
    return OutMessage(topic, key, dumps(doc), [(DOC_ID_HEADER, doc_id.encode())])


def reading_from_document(doc: dict[str, Any]) -> dict[str, Any]:
    """The engine's reading dict from a ``readings`` document."""
    r = doc["reading"]
    raw = {
        "sensor_id": r["sensor_id"],
        "kind": r["kind"],
        "observed_at": r["observed_at"],
        "value": r["value"],
        "unit": r["unit"],
    }
    if r.get("period_s") is not None:
        raw["period_s"] = r["period_s"]
    if r.get("district"):
        raw["district"] = r["district"]
    return raw


class Assessor:
    """Runs one enriched reading through the warning engine on the given tables."""

    def __init__(
        self,
        topics: TopicNames,
        registry: SensorRegistry,
        profile: Profile,
        sensors: MutableMapping[str, Any],
        warnings: MutableMapping[str, Any],
    ) -> None:
        self.topics = topics
        self.registry = registry
        self.profile = profile
        self.sensors = sensors
        self.warnings = warnings

    def assess(self, origin: Origin, value: bytes, now: datetime | None = None) -> list[OutMessage]:
        now = now or datetime.now(UTC)
        try:
            raw = reading_from_document(json.loads(value))
        except (ValueError, KeyError, TypeError) as exc:
            return [self._dead(origin, value, "invalid_value", f"not a readings document: {exc!r}")]
        stored = self.sensors.get(raw["sensor_id"])
        sensor = SensorState.from_dict(stored) if stored else None
        try:
            sensor, result = observe(sensor, raw, self.registry, self.profile)
        except EventError as exc:
            return [self._dead(origin, value, exc.code, exc.message)]
        self.sensors[sensor.sensor_id] = sensor.to_dict()
        out: list[OutMessage] = []
        for message in result.evidence:
            stored_w = self.warnings.get(message["key"])
            warning = WarningState.from_dict(stored_w) if stored_w else None
            warning, change = apply_evidence(warning, message, self.profile)
            self.warnings[message["key"]] = warning.to_dict()
            if change is not None:
                out.append(warning_message(self.topics.warnings, change, now))
                out.append(self._risk(change, now))
        return out

    def command(
        self, origin: Origin, value: bytes, now: datetime | None = None
    ) -> list[OutMessage]:
        """A command on the commands topic: ``lift`` (an operator) or ``tick`` (the timer)."""
        try:
            action = json.loads(value).get("action")
        except (ValueError, AttributeError):
            action = None
        if action == "tick":
            cmd = json.loads(value)
            at = parse_time(cmd["at"], "at")
            return self.tick(cmd["district"], at, now) + self.health(cmd["district"], at)
        return self.lift(origin, value, now)

    def districts(self) -> set[str]:
        """District codes with warning or sensor state on this worker (for the timer)."""
        codes = {k.split(":", 1)[0] for k in list(self.warnings.keys())}
        for value in list(self.sensors.values()):
            if value and value.get("district"):
                codes.add(value["district"]["code"])
        return codes

    def tick(self, district: str, at: datetime, now: datetime | None = None) -> list[OutMessage]:
        """Step a district's warnings to ``at`` (expiry, de-escalation without readings)."""
        out = []
        for key, stored in list(self.warnings.items()):
            if not key.startswith(f"{district}:") or not stored:
                continue
            warning = WarningState.from_dict(stored)
            if warning.hazard not in self.profile.hazards or not (
                warning.active or warning.evidence
            ):
                continue
            change = warning.step(at, self.profile)
            if change is not None:
                self.warnings[key] = warning.to_dict()
                out.append(warning_message(self.topics.warnings, change, now or at))
                out.append(self._risk(change, now or at))
        return out

    def lift(self, origin: Origin, value: bytes, now: datetime | None = None) -> list[OutMessage]:
        """An operator's lift command -> the warning ends as ``cancelled`` (audited).

        The command is ``{"action": "lift", "district": code, "hazard": h, "by": who,
        "reason": why, "at": RFC 3339}``; one that names no active warning is dead-lettered.
        """
        now = now or datetime.now(UTC)
        try:
            cmd = json.loads(value)
            if cmd.get("action") != "lift":
                raise ValueError(f"unknown action {cmd.get('action')!r}")
            key = f"{cmd['district']}:{cmd['hazard']}"
            stored = self.warnings.get(key)
            if not stored:
                raise LookupError(f"no active {cmd['hazard']} warning in {cmd['district']}")
            warning = WarningState.from_dict(stored)
            at = parse_time(cmd.get("at") or now.isoformat(), "at")
            change = warning.lift(str(cmd["by"]), str(cmd["reason"]), at, self.profile)
        except LookupError as exc:
            return [self._dead(origin, value, "no_active_warning", str(exc))]
        except (ValueError, KeyError, TypeError, EventError) as exc:
            return [self._dead(origin, value, "invalid_command", f"bad lift command: {exc!r}")]
        self.warnings[key] = warning.to_dict()
        log.info("warning %s lifted by %s: %s", key, cmd["by"], cmd["reason"])
        return [warning_message(self.topics.warnings, change, now), self._risk(change, now)]

    def health(self, district: str, at: datetime) -> list[OutMessage]:
        """``sensor_offline`` events for a district's sensors silent too long (published on
        the health topic, not indexed)."""
        states = {
            k: SensorState.from_dict(v)
            for k, v in list(self.sensors.items())
            if v and (v.get("district") or {}).get("code") == district
        }
        events = check_health(
            states.values(),
            at,
            offline_after_periods=self.profile.offline_after_periods,
            default_period_s=self.profile.default_period_s,
        )
        out = []
        for event in events:
            sensor = states[event["sensor_id"]]
            self.sensors[sensor.sensor_id] = sensor.to_dict()
            out.append(OutMessage(self.topics.health, event["sensor_id"].encode(), dumps(event)))
        return out

    def _risk(self, change: dict[str, Any], now: datetime) -> OutMessage:
        """The district's warning states after a change, for its risk score (``risk.inputs``)."""
        code = change["district"]["code"]
        states = [v for k, v in list(self.warnings.items()) if k.startswith(f"{code}:") and v]
        return warnings_input(self.topics.risk_inputs, change["district"], states, change["at"])

    def _dead(self, origin: Origin, value: bytes, code: str, message: str) -> OutMessage:
        return deadletter_message(
            self.topics.deadletter, origin, value, stage="warn", code=code, message=message
        )
