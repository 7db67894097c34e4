"""District risk scores in the worker: warning and incident changes -> ``risk`` documents.

The warning engine and the correlator send what a district's score depends on to
``risk.inputs``, keyed by district code: ``{"kind": "warnings", "district", "states", "at"}``
after each warning change (the district's warning states), ``{"kind": "incident", ...}``
after a new incident, a level change or a status change (a compact record; the incident
records of one batch are sent together as ``{"kind": "incidents", "items": [...]}``), and
the timer sends ``{"kind": "tick", "district", "at"}`` so incidents age out of the window.
The table keeps one entry per district (its warning states) and one per open incident, so
each input writes a few small entries; the score
(:func:`pipeline.warnings.risk.district_risk`: warnings, recent open incidents by level,
exposure) is recomputed on every input and published on ``risk.assessed`` (indexed into
``{prefix}-risk``) when the score, its band or the active warnings changed.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import MutableMapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from pipeline.names import TopicNames
from pipeline.processing import DOC_ID_HEADER, Origin, OutMessage, deadletter_message, dumps
from pipeline.warnings.readings import parse_time
from pipeline.warnings.risk import DEFAULT_RISK_PROFILE, RiskProfile, district_risk
from schemas.assessments import RiskAssessment
from schemas.documents import risk_document

log = logging.getLogger("citywatch.risk")

CLOSED = frozenset(("resolved", "closed"))


def load_risk_profile(path: Path | None) -> RiskProfile:
    """The risk profile in ``path`` (JSON or YAML), or the built-in default."""
    if path is None:
        return DEFAULT_RISK_PROFILE
    data = yaml.safe_load(Path(path).read_text("utf-8"))
    return RiskProfile.model_validate(data)


def warnings_input(
    topic: str, district: dict[str, Any], states: list[dict[str, Any]], at: str
) -> OutMessage:
    """The ``risk.inputs`` message after a warning change in ``district``."""
    value = {"kind": "warnings", "district": district, "states": states, "at": at}
    return OutMessage(topic, district["code"].encode(), dumps(value))


INCIDENT_SEP = "|"
"""Table keys: ``<code>`` for a district's warnings, ``<code>|<incident id>`` per incident."""


def coalesce(messages: list[OutMessage], topic: str) -> list[OutMessage]:
    """Merge the ``incident`` risk inputs of one batch into one ``incidents`` message per
    district (the others are kept as they are, in order)."""
    merged: dict[bytes, list[dict[str, Any]]] = {}
    out: list[OutMessage] = []
    for message in messages:
        if message.topic != topic:
            out.append(message)
            continue
        value = json.loads(message.value)
        if value.get("kind") != "incident":
            out.append(message)
            continue
        if message.key not in merged:
            merged[message.key] = []
            out.append(OutMessage(topic, message.key, b""))  # placeholder, filled below
        merged[message.key].append(value)
    for i, message in enumerate(out):
        if message.topic == topic and message.value == b"":
            items = merged[message.key]
            value = {"kind": "incidents", "district": items[-1]["district"], "items": items}
            out[i] = OutMessage(topic, message.key, dumps(value))
    return out


class RiskScorer:
    """Keeps each district's risk inputs in a table and publishes its score on change."""

    def __init__(
        self,
        topics: TopicNames,
        table: MutableMapping[str, Any],
        profile: RiskProfile = DEFAULT_RISK_PROFILE,
    ) -> None:
        self.topics = topics
        self.table = table
        self.profile = profile
        self._incidents: dict[str, dict[str, dict[str, Any]]] = {}
        """District code -> incident id -> record with a parsed time (rebuilt on first use)."""
        self._levels: dict[str, Counter[int]] = {}
        """District code -> level -> open incidents (kept with ``_incidents``)."""
        self._oldest: dict[str, datetime | None] = {}
        """District code -> a lower bound of its incidents' last report times."""

    def forget(self) -> None:
        """Drop the in-memory incident records (after a rebalance they are rebuilt)."""
        self._incidents.clear()
        self._levels.clear()
        self._oldest.clear()

    def districts(self) -> set[str]:
        """District codes with risk state on this worker (for the timer)."""
        return {k for k, v in list(self.table.items()) if v and INCIDENT_SEP not in k}

    def _open_incidents(self, code: str) -> dict[str, dict[str, Any]]:
        found = self._incidents.get(code)
        if found is None:
            prefix = code + INCIDENT_SEP
            found = {}
            for key, value in list(self.table.items()):
                if value and key.startswith(prefix):
                    found[key[len(prefix) :]] = self._record(value)
            self._incidents[code] = found
            self._levels[code] = Counter(v["level"] for v in found.values())
            self._oldest[code] = min((v["last_reported_at"] for v in found.values()), default=None)
        return found

    def _drop(self, code: str, incident_id: str) -> None:
        gone = self._incidents[code].pop(incident_id, None)
        if gone is not None:
            self._levels[code][gone["level"]] -= 1
            self.table.pop(f"{code}{INCIDENT_SEP}{incident_id}", None)

    @staticmethod
    def _record(value: dict[str, Any]) -> dict[str, Any]:
        return {
            **value,
            "last_reported_at": parse_time(value["last_reported_at"], "last_reported_at"),
        }

    def _set_incident(self, code: str, item: dict[str, Any]) -> None:
        incidents = self._open_incidents(code)
        key = f"{code}{INCIDENT_SEP}{item['incident_id']}"
        self._drop(code, item["incident_id"])
        if item.get("gone") or item["status"] in CLOSED:
            return
        value = {
            "incident_id": item["incident_id"],
            "level": int(item["level"]),
            "status": item["status"],
            "category": item.get("category"),
            "last_reported_at": item["last_reported_at"],
        }
        record = self._record(value)
        incidents[item["incident_id"]] = record
        self._levels[code][record["level"]] += 1
        oldest = self._oldest.get(code)
        if oldest is None or record["last_reported_at"] < oldest:
            self._oldest[code] = record["last_reported_at"]
        self.table[key] = value

    def handle(self, origin: Origin, value: bytes, now: datetime | None = None) -> list[OutMessage]:
        now = now or datetime.now(UTC)
        try:
            msg = json.loads(value)
            kind = msg["kind"]
            code = (msg.get("district") or {}).get("code") if kind != "tick" else msg["district"]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            return [self._dead(origin, value, "invalid_value", f"not a risk input: {exc!r}")]
        if not code or code == "outside":
            return []  # outside the city: no district to score
        entry = dict(self.table.get(code) or {})
        at = now
        try:
            if kind == "warnings":
                entry["district"] = msg["district"]
                entry["warnings"] = list(msg["states"])
                at = max(now, parse_time(msg["at"], "at"))
            elif kind in ("incident", "incidents"):
                entry.setdefault("district", msg["district"])
                for item in msg["items"] if kind == "incidents" else [msg]:
                    self._set_incident(code, item)
            elif kind == "tick":
                at = parse_time(msg["at"], "at")
                if "district" not in entry:
                    return []
            else:
                raise ValueError(f"unknown kind {kind!r}")
        except (ValueError, KeyError, TypeError) as exc:
            return [self._dead(origin, value, "invalid_value", f"bad risk input: {exc!r}")]
        incidents = self._open_incidents(code)
        window = timedelta(seconds=self.profile.incident_window_s)
        oldest = self._oldest.get(code)
        if oldest is not None and at - oldest > window:  # some have aged out: one scan
            for incident_id in [
                i for i, v in incidents.items() if at - v["last_reported_at"] > window
            ]:
                self._drop(code, incident_id)
            self._oldest[code] = min(
                (v["last_reported_at"] for v in incidents.values()), default=None
            )
        risk = district_risk(
            entry["district"],
            entry.get("warnings") or [],
            [],
            at,
            profile=self.profile,
            incident_levels=self._levels[code],
        )
        # published when the score, its band or the active warnings change; one more minor
        # incident that leaves the score where it was is not news
        signature = [
            risk["score"],
            risk["level"],
            sorted(c["warning_id"] for c in risk["components"] if c["kind"] == "warning"),
        ]
        changed = signature != entry.get("last")
        if changed or entry != self.table.get(code):
            entry["last"] = signature
            self.table[code] = entry
        if not changed:
            return []
        return [self._document(entry["district"], risk, at, now)]

    def _document(
        self, district: dict[str, Any], risk: dict[str, Any], at: datetime, now: datetime
    ) -> OutMessage:
        code = district["code"]
        stamp = at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        assessment = RiskAssessment.model_validate(
            {
                "assessment_id": f"{code}:{stamp}",
                "district": {"code": code, "name": district.get("name") or code},
                "score": float(risk["score"]),
                "level": risk["level"],
                "inputs": risk["inputs"],
                "at": at.isoformat(),
                "profile": risk["profile"],
            }
        )
        doc = risk_document(assessment, ingested_at=now)
        return OutMessage(
            self.topics.risk,
            code.encode(),
            dumps(doc),
            [(DOC_ID_HEADER, assessment.assessment_id.encode())],
        )

    def _dead(self, origin: Origin, value: bytes, code: str, message: str) -> OutMessage:
        return deadletter_message(
            self.topics.deadletter, origin, value, stage="risk", code=code, message=message
        )
