"""Elasticsearch documents for the output models, shaped to fit ``schemas/elasticsearch/``.

Each function is pure: model in, JSON-able dict out. ``doc["event"]["id"]`` is the
document's deterministic ``_id``, so a replay overwrites instead of duplicating. Field names
follow ECS where ECS has one (``@timestamp``, ``message``, ``event.*``, ``geo.location``,
``error.*``); the rest lives under one object per kind (``incident``, ``warning``, ...).
``geo.location`` is always WGS 84; fields named ``gcj02`` are GCJ-02.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from schemas.assessments import RiskAssessment, Warning
from schemas.common import District, LatLon
from schemas.deadletters import DeadLetter
from schemas.enums import Crs
from schemas.inputs import SensorReading
from schemas.outputs import ClassifiedIncident

DATASET_PREFIX = "citywatch."
ORIGINAL_MAX_BYTES = 64 * 1024
"""Dead-letter documents keep at most this many bytes of the original value."""


def _time(value: datetime) -> str:
    return value.isoformat()


def _event(event_id: str, kind: str, dataset: str, ingested_at: datetime | None) -> dict[str, Any]:
    event: dict[str, Any] = {"id": event_id, "kind": kind, "dataset": DATASET_PREFIX + dataset}
    if ingested_at is not None:
        event["ingested"] = _time(ingested_at)
    return event


def _point(point: LatLon) -> dict[str, float]:
    return {"lat": point.lat, "lon": point.lon}


def _drop_none(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


def _resources(data: dict[str, Any]) -> dict[str, Any] | None:
    out = {
        "recommended": [_drop_none(r) for r in data.get("recommended") or []],
        "committed": [_drop_none(r) for r in data.get("committed") or []],
    }
    return {k: v for k, v in out.items() if v} or None


def incident_document(
    incident: ClassifiedIncident, *, ingested_at: datetime | None = None
) -> dict[str, Any]:
    """The ``incidents`` document of a classified incident (``_id`` = ``incident_id``)."""
    data = incident.model_dump(mode="json")
    event = _event(incident.incident_id, "event", "incidents", ingested_at)
    event |= {
        "category": [incident.category.value] if incident.category else [],
        "provider": incident.source.value,
        "severity": int(incident.level),
        "created": _time(incident.processed_at),
    }
    body = _drop_none(
        {
            "id": incident.incident_id,
            "report_id": incident.report_id,
            "source": data["source"],
            "updates_report_id": incident.updates_report_id,
            "category": data["category"],
            "type": data["type"],
            "type_hint": data["type_hint"],
            "level": data["level"],
            "confidence": incident.confidence,
            "address": incident.address,
            "location": data["location"],
            "gcj02": _point(incident.geo.gcj02),
            "district": data["district"],
            "grid_cell": incident.grid_cell,
            "casualties": _drop_none(data["casualties"]) if data["casualties"] else None,
            "economic_loss_cny": incident.economic_loss_cny,
            "exposure": _drop_none(data["exposure"]),
            "rule": data["rule"],
            "explanation": _drop_none(data["explanation"]),
            "counts_extracted": data["counts_extracted"],
            "grade_history": [_drop_none(g) for g in data["grade_history"]],
            "report_count": incident.report_count,
            "status": data["status"],
            "sources": data["sources"] or None,
            "first_reported_at": data["first_reported_at"],
            "last_reported_at": data["last_reported_at"],
            "reports": [_drop_none(r) for r in data["reports"]] or None,
            "merge_history": [_drop_none(m) for m in data["merge_history"]] or None,
            "status_history": data["status_history"] or None,
            "resources": _resources(data["resources"]),
            "reported_at": data["reported_at"],
            "processed_at": data["processed_at"],
        }
    )
    return {
        "@timestamp": data["reported_at"],
        "message": incident.description,
        "event": event,
        "geo": {"location": _point(incident.geo.wgs84)},
        "incident": body,
    }


def warning_id(warning: Warning) -> str:
    """``warning_id:sequence``, the ``_id`` of one warning change."""
    return f"{warning.warning_id}:{warning.sequence}"


def warning_summary(warning: Warning) -> str:
    """A one-line bilingual summary, e.g. ``黄浦 暴雨 蓝色预警(四级) 发布 / Huangpu ...``."""
    zh = (
        f"{warning.district.name} {warning.hazard.label_zh} {warning.level.label_zh} "
        f"{warning.action.label_zh}"
    )
    en = f"{warning.hazard.label_en} {warning.level.label_en} {warning.action.label_en}"
    if warning.end_reason is not None:
        zh += f"({warning.end_reason.label_zh})"
        en += f" ({warning.end_reason.label_en})"
    return f"{zh} / {en}, {warning.district.code}"


def warning_document(warning: Warning, *, ingested_at: datetime | None = None) -> dict[str, Any]:
    """The ``warnings`` document of one warning change (``_id`` = ``warning_id:sequence``)."""
    data = warning.model_dump(mode="json")
    body = _drop_none(
        {
            "id": warning.warning_id,
            "sequence": warning.sequence,
            "hazard": data["hazard"],
            "level": data["level"],
            "level_rank": warning.level.rank,
            "previous_level": data["previous_level"],
            "action": data["action"],
            "end_reason": data["end_reason"],
            "district": data["district"],
            "sensor_ids": data["sensor_ids"],
            "at": data["at"],
            "issued_at": data["issued_at"],
            "valid_until": data["valid_until"],
            "suggested_response_level": data["suggested_response_level"],
            "trigger": _drop_none(data["trigger"]) if data["trigger"] else None,
            "profile": warning.profile,
            "lifted_by": warning.lifted_by,
            "lift_reason": warning.lift_reason,
        }
    )
    event = _event(warning_id(warning), "alert", "warnings", ingested_at)
    return {
        "@timestamp": data["at"],
        "message": warning_summary(warning),
        "event": event,
        "warning": body,
    }


def reading_id(reading: SensorReading) -> str:
    """``sensor_id@observed_at`` (UTC, ISO 8601), the ``_id`` of one reading."""
    observed = reading.observed_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return f"{reading.sensor_id}@{observed}"


def reading_document(
    reading: SensorReading,
    *,
    district: District | None = None,
    wgs84: LatLon | None = None,
    gcj02: LatLon | None = None,
    ingested_at: datetime | None = None,
) -> dict[str, Any]:
    """The ``readings`` document of one reading, with what enrichment found.

    ``wgs84`` and ``gcj02`` are the sensor's position converted by the caller; when the
    reading carries a WGS 84 location and ``wgs84`` is not given, that location is used.
    """
    data = reading.model_dump(mode="json")
    if wgs84 is None and reading.location is not None and reading.location.crs is Crs.WGS84:
        wgs84 = LatLon(lat=reading.location.lat, lon=reading.location.lon)
    body = _drop_none(
        {
            "id": reading_id(reading),
            "sensor_id": reading.sensor_id,
            "kind": data["kind"],
            "value": reading.value,
            "unit": reading.unit,
            "period_s": reading.period_s,
            "observed_at": data["observed_at"],
            "location": data["location"],
            "gcj02": _point(gcj02) if gcj02 is not None else None,
            "district": district.model_dump(mode="json") if district is not None else None,
        }
    )
    doc: dict[str, Any] = {
        "@timestamp": data["observed_at"],
        "event": _event(body["id"], "metric", "readings", ingested_at),
        "reading": body,
    }
    if wgs84 is not None:
        doc["geo"] = {"location": _point(wgs84)}
    return doc


def deadletter_document(
    dead: DeadLetter,
    *,
    ingested_at: datetime | None = None,
    max_original_bytes: int = ORIGINAL_MAX_BYTES,
) -> dict[str, Any]:
    """The ``deadletter`` document (``_id`` = ``topic:partition:offset``).

    The original value is cut to ``max_original_bytes``; the topic keeps all of it.
    """
    data = dead.model_dump(mode="json")
    original = dead.original
    kept = original[:max_original_bytes]
    event = _event(dead.deadletter_id, "pipeline_error", "deadletter", ingested_at)
    try:
        event["original"] = kept.decode("utf-8")
    except UnicodeDecodeError:
        pass
    source = _drop_none(
        {
            "topic": dead.source_topic,
            "partition": dead.partition,
            "offset": dead.offset,
            "timestamp": data["record_timestamp"],
        }
    )
    body = _drop_none(
        {
            "stage": data["stage"],
            "error_field": dead.error_field,
            "source": source,
            "original_b64": base64.b64encode(kept).decode("ascii"),
            "original_size": dead.original_size,
            "original_truncated": len(kept) < len(original),
            "key_b64": dead.key_b64,
            "headers": [_drop_none(h) for h in data["headers"]],
        }
    )
    return {
        "@timestamp": data["at"],
        "event": event,
        "error": {"code": dead.error_code, "message": dead.message},
        "deadletter": body,
    }


def risk_document(
    assessment: RiskAssessment, *, ingested_at: datetime | None = None
) -> dict[str, Any]:
    """The ``risk`` document of one assessment (``_id`` = ``assessment_id``)."""
    data = assessment.model_dump(mode="json")
    body = _drop_none(
        {
            "id": assessment.assessment_id,
            "district": data["district"],
            "hazard": data["hazard"],
            "score": assessment.score,
            "level": data["level"],
            "inputs": [_drop_none(i) for i in data["inputs"]],
            "profile": assessment.profile,
        }
    )
    return {
        "@timestamp": data["at"],
        "event": _event(assessment.assessment_id, "metric", "risk", ingested_at),
        "risk": body,
    }
