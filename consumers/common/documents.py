"""A uniform view of the documents the worker publishes, for the downstream consumers.

``incidents.classified`` carries ``incidents`` documents and ``warnings.issued`` carries
``warnings`` documents (``schemas.documents``). :func:`change_of` reduces either to a
:class:`Change`: what changed, where, how serious, and its identity. The identity of a
change is the document id plus a ``version``: a warning document is one change (its id is
``warning_id:sequence``), while an incident document is re-graded in place, so its version
is the number of gradings in ``incident.grade_history``, and a change of its lifecycle
``status`` (verified, responding, resolved, closed) is a change of its own.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pipeline.processing import DOC_ID_HEADER
from schemas.enums import Category, Hazard, WarningColour

log = logging.getLogger("citywatch.consumers.documents")

CLOSED_STATUSES = frozenset({"resolved", "closed"})
"""Incident statuses after which nothing more is expected of the public."""

_NATURAL = Category.NATURAL_DISASTER.value
HAZARD_CATEGORY: dict[str, str] = {
    **{h.value: _NATURAL for h in (Hazard.RAINSTORM, Hazard.TYPHOON, Hazard.GALE, Hazard.HEAT)},
    **{h.value: _NATURAL for h in (Hazard.FOG, Hazard.LIGHTNING, Hazard.HIGH_WATER)},
    Hazard.WATERLOGGING.value: _NATURAL,
    Hazard.GAS.value: Category.ACCIDENT.value,
    Hazard.SMOKE.value: Category.ACCIDENT.value,
    Hazard.AIR_POLLUTION.value: Category.ACCIDENT.value,
    Hazard.CROWD.value: Category.SOCIAL_SAFETY.value,
}
"""The emergency category of each warning hazard (weather and water are natural disasters;
gas, smoke and air pollution accidents; crowd density social safety)."""

INCIDENT_HAZARD: dict[str, str] = {
    "rainstorm": "rainstorm",
    "typhoon": "typhoon",
    "gale": "gale",
    "heat": "heat",
    "fog": "fog",
    "lightning": "lightning",
    "waterlogging": "waterlogging",
    "storm_surge": "high_water",
    "gas_supply": "gas",
    "crowd_crush": "crowd",
}
"""The hazard an incident type is about, for the types that have one."""


@dataclass(frozen=True)
class Change:
    """One incident grading or one warning change, reduced to what consumers filter on."""

    kind: str
    """``incident`` or ``warning``."""
    doc_id: str
    """The document id (``source:report_id`` or ``warning_id:sequence``)."""
    version: int
    """1, or the number of gradings of a re-graded incident."""
    at: str
    """When it happened (RFC 3339): the incident's ``processed_at``, or the warning's
    ``at``."""
    district_code: str | None
    district_name: str | None
    category: str | None
    level: int
    """1-4, 1 the most serious; a warning's colour grade (red 1 ... blue 4)."""
    hazard: str | None
    colour: str | None
    action: str | None
    """A warning's action (issue, escalate, deescalate, end); None for an incident."""
    chain: str
    """What successive changes share: the incident id, or the warning id."""
    status: str | None = None
    """An incident's lifecycle status (``reported`` ... ``closed``) when the document has one."""

    @property
    def change_id(self) -> str:
        """The document id, then ``#<version>`` for a re-grading of an incident and
        ``@<status>`` once its status has moved past ``reported``."""
        out = self.doc_id if self.version == 1 else f"{self.doc_id}#{self.version}"
        return out if self.status in (None, "reported") else f"{out}@{self.status}"

    @property
    def over(self) -> bool:
        """An incident that is resolved or closed."""
        return self.status in CLOSED_STATUSES


def header(headers: list[tuple[str, bytes]] | None, name: str) -> str | None:
    """The value of a Kafka header as text, or None."""
    for key, value in headers or []:
        if key == name and value is not None:
            return value.decode("utf-8", "replace")
    return None


def decode_record(record: Any) -> tuple[str, dict[str, Any]] | None:
    """``(doc_id, document)`` of a Kafka record, or None (logged) when it is not one."""
    try:
        doc = json.loads(record.value or b"")
    except (ValueError, UnicodeDecodeError):
        doc = None
    doc_id = header(record.headers, DOC_ID_HEADER)
    if isinstance(doc, dict):
        doc_id = doc_id or (doc.get("event") or {}).get("id")
    if not isinstance(doc, dict) or not doc_id:
        log.warning(
            "skipped %s:%d:%d: not a citywatch document",
            record.topic,
            record.partition,
            record.offset,
        )
        return None
    return doc_id, doc


def change_of(doc_id: str, doc: dict[str, Any]) -> Change | None:
    """The change a document describes, or None when it is neither kind."""
    if isinstance(doc.get("warning"), dict):
        w = doc["warning"]
        district = w.get("district") or {}
        colour = WarningColour(w["level"])
        return Change(
            kind="warning",
            doc_id=doc_id,
            version=1,
            at=w["at"],
            district_code=district.get("code"),
            district_name=district.get("name"),
            category=HAZARD_CATEGORY.get(w["hazard"]),
            level=colour.grade,
            hazard=w["hazard"],
            colour=colour.value,
            action=w["action"],
            chain=w["id"],
        )
    if isinstance(doc.get("incident"), dict):
        i = doc["incident"]
        district = i.get("district") or {}
        history = i.get("grade_history") or []
        at = i.get("processed_at") or (history[-1]["at"] if history else doc["@timestamp"])
        return Change(
            kind="incident",
            doc_id=doc_id,
            version=max(1, len(history)),
            at=at,
            district_code=district.get("code"),
            district_name=district.get("name"),
            category=i.get("category"),
            level=int(i["level"]),
            hazard=INCIDENT_HAZARD.get(i.get("type", "")),
            colour=None,
            action=None,
            chain=i.get("id") or doc_id,
            status=i.get("status"),
        )
    return None


def parse_time(value: str) -> datetime:
    """An RFC 3339 timestamp (``Z`` or an offset) as an aware datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
