"""What the API and the live feed send: documents and aggregations shaped for the page.

Pure functions over the Elasticsearch documents of ``schemas/documents.py`` (the same JSON
travels on the output topics), so a list item looks the same whether it came from a
search or from Kafka.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from schemas.enums import (
    Category,
    EndReason,
    FacilityKind,
    Hazard,
    IncidentType,
    Level,
    Source,
    WarningAction,
    WarningColour,
)
from schemas.labels import labels

STATUS_OF_ACTION = {
    "incident.verify": "verified",
    "incident.respond": "responding",
    "incident.resolve": "resolved",
    "incident.close": "closed",
}
"""Incident status asked for by each dashboard action (the worker's ``incident.status``
records carry the status it applied)."""
WORKER_STATUS_ACTION = "incident.status"

RESOURCE_KINDS = frozenset(
    {
        FacilityKind.FIRE_STATION,
        FacilityKind.HAZMAT_TEAM,
        FacilityKind.MEDICAL_TEAM,
        FacilityKind.SHELTER,
        FacilityKind.SUPPLY_DEPOT,
        FacilityKind.RESCUE_BOAT,
        FacilityKind.DRAINAGE_PUMP,
        FacilityKind.HOSPITAL,
    }
)
"""Facility kinds that are response resources (recommended), not only exposed sites."""


def incident_summary(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A list item of an incident document (also what the live feed sends)."""
    inc = doc.get("incident", {})
    return {
        "id": inc.get("id"),
        "at": doc.get("@timestamp"),
        "message": doc.get("message", ""),
        "type": inc.get("type"),
        "category": inc.get("category"),
        "level": inc.get("level"),
        "district": inc.get("district"),
        "report_count": inc.get("report_count", 1),
        "source": inc.get("source"),
        "address": inc.get("address"),
        "casualties": inc.get("casualties") or {},
        "location": (doc.get("geo") or {}).get("location"),
    }


def incident_detail(
    doc: Mapping[str, Any], audit: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The whole incident document plus what the detail view derives from it.

    ``resources`` are the record's recommendations (the nearest available suitable
    resources, with reasons) or, for an incident below the recommendation level, the nearby
    facilities that can respond (fire stations, medical teams, shelters ...), nearest
    first; ``committed`` the resources committed to it; ``merged_reports`` the report ids
    graded so far; ``status`` is the record's, or a change an operator asked for since;
    ``audit`` the incident's audit documents (newest first).
    """
    inc = doc.get("incident", {})
    facilities = (inc.get("exposure") or {}).get("facilities") or []
    nearest = sorted(facilities, key=lambda f: f.get("distance_m", 0.0))
    merged = []
    for change in inc.get("grade_history") or []:
        if change.get("report_id") and change["report_id"] not in merged:
            merged.append(change["report_id"])
    audit = audit or []
    return {
        "id": inc.get("id"),
        "summary": incident_summary(doc),
        "document": dict(doc),
        "resources": list((inc.get("resources") or {}).get("recommended") or [])
        or [f for f in nearest if f.get("kind") in RESOURCE_KINDS],
        "committed": list((inc.get("resources") or {}).get("committed") or []),
        "merged_reports": merged,
        "status": incident_status(audit, inc),
        "audit": [audit_summary(record) for record in audit],
    }


def _when(value: Any) -> datetime:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)


def incident_status(audit: list[Mapping[str, Any]], record: Mapping[str, Any] | None = None) -> str:
    """The incident's lifecycle status: the record's (kept by the worker), unless an
    operator asked for a change after the record's last one (it is on its way)."""
    record = record or {}
    status = record.get("status") or "reported"
    history = record.get("status_history") or []
    applied_at = _when(history[-1]["at"]) if history else datetime.min.replace(tzinfo=UTC)
    for entry in audit:  # newest first
        action = entry.get("event", {}).get("action", "")
        asked = (
            entry.get("audit", {}).get("status")
            if action == WORKER_STATUS_ACTION
            else STATUS_OF_ACTION.get(action)
        )
        if asked:
            if _when(entry.get("@timestamp")) > applied_at:
                return str(asked)
            break
    return str(status)


def warning_item(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A warning change as the page shows it."""
    w = doc.get("warning", {})
    return {
        "doc_id": (doc.get("event") or {}).get("id"),
        "warning_id": w.get("id"),
        "sequence": w.get("sequence"),
        "hazard": w.get("hazard"),
        "level": w.get("level"),
        "level_rank": w.get("level_rank", 0),
        "previous_level": w.get("previous_level"),
        "action": w.get("action"),
        "end_reason": w.get("end_reason"),
        "district": w.get("district"),
        "at": w.get("at"),
        "issued_at": w.get("issued_at"),
        "valid_until": w.get("valid_until"),
        "trigger": w.get("trigger"),
        "message": doc.get("message"),
    }


def latest_changes(aggregations: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Active warnings from :func:`queries.active_warnings_body`'s aggregation.

    The latest change of each district and hazard, without those whose latest change is
    an ``end``; most severe first, then newest first.
    """
    active = []
    for district in aggregations.get("by_district", {}).get("buckets", []):
        for hazard in district.get("by_hazard", {}).get("buckets", []):
            hits = hazard["latest"]["hits"]["hits"]
            if hits and hits[0]["_source"].get("warning", {}).get("action") != "end":
                active.append(warning_item(hits[0]["_source"]))
    active.sort(key=lambda w: w.get("at") or "", reverse=True)
    active.sort(key=lambda w: w.get("level_rank") or 0, reverse=True)
    return active


def buckets(aggregation: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``[{"key", "count"}]`` of a terms aggregation, largest first."""
    return [{"key": b["key"], "count": b["doc_count"]} for b in aggregation.get("buckets", [])]


def audit_summary(doc: Mapping[str, Any]) -> dict[str, Any]:
    """An audit record as the page shows it (no client address or user agent)."""
    audit = doc.get("audit", {})
    return {
        "id": (doc.get("event") or {}).get("id"),
        "at": doc.get("@timestamp"),
        "action": (doc.get("event") or {}).get("action"),
        "actor": (doc.get("user") or {}).get("name"),
        "role": ((doc.get("user") or {}).get("roles") or [None])[0],
        "target": audit.get("target"),
        "status": audit.get("status"),
        "reason": audit.get("reason"),
    }


def display_labels(districts: list[Mapping[str, Any]]) -> dict[str, Any]:
    """Chinese and English labels of every coded value the page shows."""
    return {
        "category": labels(Category),
        "type": labels(IncidentType),
        "level": {str(m.value): {"zh": m.label, "en": f"{m.roman} {m.label_en}"} for m in Level},
        "warning_level": labels(WarningColour),
        "hazard": labels(Hazard),
        "action": labels(WarningAction),
        "end_reason": labels(EndReason),
        "source": labels(Source),
        "facility": labels(FacilityKind),
        "district": {d["code"]: {"zh": d["name_zh"], "en": d["name_en"]} for d in districts},
    }
