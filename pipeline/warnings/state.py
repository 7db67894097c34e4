"""The warning state machine of one (district, hazard).

One :class:`WarningState` per district and hazard (a Faust table keyed by
:func:`warning_key`; ``to_dict`` / ``from_dict`` give its JSON form). Sensors feed it
*evidence*: "as of time t, sensor S meets colours C with metric value v" (each colour a
sensor meets is kept with its latest time). Every step at time ``now`` then decides:

- issue: no active warning and some sensor met a colour within the last ``hold_s``; the
  colour is the highest such one. Within ``reissue_after_s`` after a warning ended, only a
  colour above the ended one is issued.
- escalate: a sensor met a higher colour than the active one (immediately).
- deescalate: the active colour (and those above) have not been met for ``hold_s``; the new
  colour is the highest met within the last ``hold_s``, at least the hazard's lowest colour.
  So a series swinging around a threshold never flaps: escalation is immediate, the way
  down waits ``hold_s``, and the lowest colour stays until expiry.
- end / ``expired``: no sensor has met any colour for more than ``validity_s``
  (``valid_until`` is the last qualifying time plus ``validity_s``).
- end / ``cancelled``: an operator lifted it (:meth:`WarningState.lift`, audited). Evidence
  up to the end is set aside; later evidence may issue a new warning (new ``warning_id``).

Time never runs backwards for a warning: a step earlier than the last one is taken at the
last one's time. Evidence is never withdrawn by a late reading.

A change is a dict: ``warning_id``, ``sequence`` (1 for the issue), ``hazard``, ``level``
(the colour that ended, on an end), ``previous_level``, ``action``, ``end_reason``,
``district``, ``sensor_ids``, ``at``, ``issued_at``, ``valid_until``,
``suggested_response_level``, ``trigger`` (metric, value, unit, threshold, window_s,
sensor_id; null on an end), ``profile``, and flat ``metric``, ``value`` and ``rule``
({id, version}); a cancellation adds ``lifted_by`` and ``lift_reason``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict

from pipeline.warnings.profiles import LEVEL_RANK, Match, Profile
from pipeline.warnings.windows import METRIC_UNITS, SHANGHAI


def warning_key(district_code: str, hazard: str) -> str:
    """The table key of a (district, hazard) warning state: ``"310101:rainstorm"``."""
    return f"{district_code}:{hazard}"


def rfc3339(t: datetime) -> str:
    """A timestamp as RFC 3339 in Asia/Shanghai time (+08:00)."""
    return t.astimezone(SHANGHAI).isoformat()


class Evidence(BaseModel):
    """The latest time a sensor met one colour, and why."""

    model_config = ConfigDict(extra="forbid")
    at: datetime
    rule_id: str
    metric: str
    value: float
    threshold: float


class WarningState(BaseModel):
    """The warning of one hazard in one district, active or not."""

    model_config = ConfigDict(extra="forbid")
    district: dict[str, str]
    hazard: str
    active: bool = False
    warning_id: str | None = None
    level: str | None = None
    issued_at: datetime | None = None
    updated_at: datetime | None = None
    sequence: int = 0
    evidence: dict[str, dict[str, Evidence]] = {}
    """sensor_id -> colour -> latest evidence."""
    contributors: list[str] = []
    """Sensors that met a colour while the warning was active."""
    last_qualifying_at: datetime | None = None
    ended_at: datetime | None = None
    ended_level: str | None = None
    end_reason: str | None = None
    evidence_after: datetime | None = None
    """Evidence at or before this time belongs to an ended warning and is ignored."""
    audit: list[dict[str, Any]] = []

    @property
    def key(self) -> str:
        return warning_key(self.district["code"], self.hazard)

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WarningState:
        return cls.model_validate(data)

    # --- evidence ----------------------------------------------------------------------
    def add_evidence(self, sensor_id: str, at: datetime, met: dict[str, Match]) -> None:
        """Record that ``sensor_id`` met these colours as of ``at``."""
        if not met or (self.evidence_after is not None and at <= self.evidence_after):
            return
        levels = self.evidence.setdefault(sensor_id, {})
        for level, m in met.items():
            old = levels.get(level)
            if old is None or at >= old.at:
                levels[level] = Evidence(
                    at=at, rule_id=m.rule_id, metric=m.metric, value=m.value, threshold=m.threshold
                )
        if self.last_qualifying_at is None or at > self.last_qualifying_at:
            self.last_qualifying_at = at
        if self.active and sensor_id not in self.contributors:
            self.contributors.append(sensor_id)

    @staticmethod
    def _recent(ev: Evidence, now: datetime, hold_s: int) -> bool:
        age = now - ev.at
        return age <= timedelta(0) or age < timedelta(seconds=hold_s)

    def _highest_recent(self, now: datetime, hold_s: int) -> str | None:
        ranks = [
            LEVEL_RANK[level]
            for levels in self.evidence.values()
            for level, ev in levels.items()
            if self._recent(ev, now, hold_s)
        ]
        return _level_of(max(ranks)) if ranks else None

    def _support(
        self, level: str, now: datetime, hold_s: int
    ) -> tuple[list[str], tuple[str, Evidence] | None]:
        """Sensors behind a colour (recent ones, else any) and the newest evidence."""
        pairs = [(sid, lv[level]) for sid, lv in self.evidence.items() if level in lv]
        pairs = [(sid, ev) for sid, ev in pairs if self._recent(ev, now, hold_s)] or pairs
        best = max(pairs, key=lambda p: (p[1].at, p[1].value)) if pairs else None
        return sorted(sid for sid, _ in pairs), best

    # --- transitions -------------------------------------------------------------------
    def step(self, now: datetime, profile: Profile) -> dict[str, Any] | None:
        """Advance to ``now``; return the change (issue/escalate/deescalate/end) or None."""
        hazard = profile.hazards[self.hazard]
        if self.updated_at is not None and now < self.updated_at:
            now = self.updated_at
        self.updated_at = now
        timing = hazard.timing
        self._prune(now, timing.validity_s)
        recent = self._highest_recent(now, timing.hold_s)
        if not self.active:
            if recent is None:
                return None
            guard = timedelta(seconds=timing.reissue_after_s)
            guarded = self.ended_at is not None and now - self.ended_at < guard
            if guarded and LEVEL_RANK[recent] <= LEVEL_RANK[self.ended_level or "red"]:
                return None
            self.active, self.level, self.issued_at, self.sequence = True, recent, now, 0
            stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
            self.warning_id = f"{self.district['code']}-{self.hazard}-{stamp}"
            self.contributors = self._support(recent, now, timing.hold_s)[0]
            self.end_reason = None
            return self._change("issue", None, now, profile)
        assert self.level is not None
        last = self.last_qualifying_at
        if last is None or now - last > timedelta(seconds=timing.validity_s):
            return self._end("expired", now, profile)
        target = recent if recent is not None else hazard.lowest_level
        if LEVEL_RANK[target] == LEVEL_RANK[self.level]:
            return None
        action = "escalate" if LEVEL_RANK[target] > LEVEL_RANK[self.level] else "deescalate"
        previous, self.level = self.level, target
        return self._change(action, previous, now, profile)

    def lift(self, by: str, reason: str, at: datetime, profile: Profile) -> dict[str, Any]:
        """End the active warning as ``cancelled`` by an operator and audit it."""
        if not self.active:
            raise LookupError(f"no active {self.hazard} warning in {self.district['code']}")
        self.audit.append(
            {
                "action": "lift",
                "warning_id": self.warning_id,
                "level": self.level,
                "by": by,
                "reason": reason,
                "at": rfc3339(at),
            }
        )
        if self.updated_at is None or at > self.updated_at:
            self.updated_at = at
        change = self._end("cancelled", at, profile)
        change["lifted_by"], change["lift_reason"] = by, reason
        return change

    def _end(self, reason: str, now: datetime, profile: Profile) -> dict[str, Any]:
        change = self._change("end", self.level, now, profile, end_reason=reason)
        change["sensor_ids"] = sorted(set(self.contributors))
        after = now if reason == "cancelled" else (self.last_qualifying_at or now)
        self.active, self.ended_at, self.ended_level = False, now, self.level
        self.end_reason = reason
        self.level, self.evidence, self.contributors = None, {}, []
        self.last_qualifying_at, self.evidence_after = None, after
        return change

    def _prune(self, now: datetime, validity_s: int) -> None:
        horizon = now - timedelta(seconds=validity_s)
        for sid in list(self.evidence):
            kept = {lv: ev for lv, ev in self.evidence[sid].items() if ev.at >= horizon}
            if kept:
                self.evidence[sid] = kept
            else:
                del self.evidence[sid]

    def _valid_until(self, now: datetime, validity_s: int, end_reason: str | None) -> datetime:
        if end_reason == "cancelled" or self.last_qualifying_at is None:
            return now
        return self.last_qualifying_at + timedelta(seconds=validity_s)

    def _change(
        self,
        action: str,
        previous: str | None,
        now: datetime,
        profile: Profile,
        end_reason: str | None = None,
    ) -> dict[str, Any]:
        assert self.level is not None and self.issued_at is not None
        hazard = profile.hazards[self.hazard]
        self.sequence += 1
        sensor_ids, best = self._support(self.level, now, hazard.timing.hold_s)
        trigger, rule_id = None, None
        if best is not None and end_reason is None:
            sensor_id, ev = best
            trigger = {
                "metric": ev.metric,
                "value": round(ev.value, 3),
                "unit": METRIC_UNITS.get(ev.metric, ""),
                "threshold": ev.threshold,
                "window_s": profile.windows.window_s(ev.metric),
                "sensor_id": sensor_id,
            }
            rule_id = ev.rule_id
        valid_until = self._valid_until(now, hazard.timing.validity_s, end_reason)
        return {
            "warning_id": self.warning_id,
            "sequence": self.sequence,
            "hazard": self.hazard,
            "level": self.level,
            "previous_level": previous,
            "action": action,
            "end_reason": end_reason,
            "district": dict(self.district),
            "sensor_ids": sensor_ids,
            "at": rfc3339(now),
            "issued_at": rfc3339(self.issued_at),
            "valid_until": rfc3339(max(valid_until, self.issued_at)),
            "suggested_response_level": (
                None if end_reason else hazard.response_levels.get(self.level)
            ),
            "trigger": trigger,
            "profile": profile.name,
            "metric": trigger["metric"] if trigger else None,
            "value": trigger["value"] if trigger else None,
            "rule": {"id": rule_id, "version": profile.version},
        }


def _level_of(rank: int) -> str:
    return next(level for level, r in LEVEL_RANK.items() if r == rank)
