"""District risk scores in the worker: warning and incident changes -> ``risk`` documents.

The warning engine and the correlator send what a district's score depends on to
``risk.inputs``, keyed by district code: ``{"kind": "warnings", "district", "states", "at"}``
after each warning change (the district's warning states), ``{"kind": "incident", ...}``
after a new incident, a level change or a status change (a compact record), and the timer
sends ``{"kind": "tick", "district", "at"}`` so incidents age out of the window. One table
entry per district keeps those inputs; the score
(:func:`pipeline.warnings.risk.district_risk`: warnings, recent open incidents by level,
exposure) is recomputed on every input and published on ``risk.assessed`` (indexed into
``{prefix}-risk``) when it or its components changed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import MutableMapping
from datetime import UTC, datetime
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

    def districts(self) -> set[str]:
        """District codes with risk state on this worker (for the timer)."""
        return {k for k, v in list(self.table.items()) if v}

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
        entry.setdefault("incidents", {})
        incidents: dict[str, Any] = dict(entry["incidents"])
        at = now
        try:
            if kind == "warnings":
                entry["district"] = msg["district"]
                entry["warnings"] = list(msg["states"])
                at = max(now, parse_time(msg["at"], "at"))
            elif kind == "incident":
                entry.setdefault("district", msg["district"])
                if msg.get("gone") or msg["status"] in CLOSED:
                    incidents.pop(msg["incident_id"], None)
                else:
                    incidents[msg["incident_id"]] = {
                        "incident_id": msg["incident_id"],
                        "level": int(msg["level"]),
                        "status": msg["status"],
                        "category": msg.get("category"),
                        "last_reported_at": msg["last_reported_at"],
                    }
            elif kind == "tick":
                at = parse_time(msg["at"], "at")
                if "district" not in entry:
                    return []
            else:
                raise ValueError(f"unknown kind {kind!r}")
        except (ValueError, KeyError, TypeError) as exc:
            return [self._dead(origin, value, "invalid_value", f"bad risk input: {exc!r}")]
        window = self.profile.incident_window_s
        incidents = {
            k: v
            for k, v in incidents.items()
            if (at - parse_time(v["last_reported_at"], "last_reported_at")).total_seconds()
            <= window
        }
        entry["incidents"] = incidents
        # a report stamped slightly ahead of this clock (skew) still counts
        latest = [parse_time(v["last_reported_at"], "last_reported_at") for v in incidents.values()]
        at = max([at, *latest])
        risk = district_risk(
            entry["district"],
            entry.get("warnings") or [],
            list(incidents.values()),
            at,
            profile=self.profile,
        )
        signature = [
            risk["score"],
            risk["level"],
            sorted(
                f"{c['kind']}:{c.get('warning_id') or c.get('incident_id')}:{c['level']}"
                for c in risk["components"]
            ),
        ]
        changed = signature != entry.get("last")
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
