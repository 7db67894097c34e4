"""Incidents in the worker: classified reports -> correlated incident records, on table state.

Reports arrive on ``reports.classified`` keyed by district (``district_key``), so a
district's incidents live on one partition. Each incident is one table entry (keyed by its
id) and each district keeps a small meta entry (``district:<key>``: watermark and report
sequence); the correlator works on an in-memory :class:`DistrictIncidents` rebuilt from the
table on first use. The record of every changed incident is published on
``incidents.classified`` as an ``incidents`` document whose id is the incident id, so the
document in Elasticsearch is updated in place.
"""

from __future__ import annotations

import json
import logging
from collections.abc import MutableMapping
from datetime import UTC, datetime
from typing import Any

from pipeline.incidents import Correlator
from pipeline.incidents.members import report_from_document
from pipeline.incidents.records import IncidentUpdate
from pipeline.incidents.state import DistrictIncidents, Incident
from pipeline.names import TopicNames
from pipeline.processing import DOC_ID_HEADER, Origin, OutMessage, deadletter_message, dumps

log = logging.getLogger("citywatch.correlation")

META_PREFIX = "district:"


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def incident_document(report_doc: dict[str, Any], update: IncidentUpdate) -> dict[str, Any]:
    """The ``incidents`` document of an incident: the latest report's (``report_doc``,
    updated in place), with the incident's identity, grade, place, members and histories."""
    u = update.model_dump(mode="json")
    doc = report_doc
    body = doc["incident"]
    body.update(
        {
            "id": u["incident_id"],
            "level": u["level"],
            "type": u["type"],
            "status": u["status"],
            "report_count": u["report_count"],
            "sources": u["sources"],
            "first_reported_at": u["first_reported_at"],
            "last_reported_at": u["last_reported_at"],
            "reports": [{k: v for k, v in r.items() if v is not None} for r in u["reports"]],
            "merge_history": [
                {k: v for k, v in m.items() if v is not None} for m in u["merge_history"]
            ],
            "grade_history": [
                {k: v for k, v in g.items() if v is not None} for g in u["grade_history"]
            ],
            "location": u["location"],
        }
    )
    for field in ("category", "district", "grid_cell", "exposure", "address"):
        if u.get(field) is not None:
            body[field] = u[field]
        else:
            body.pop(field, None)
    if u.get("casualties"):
        body["casualties"] = u["casualties"]
    if u.get("economic_loss_cny") is not None:
        body["economic_loss_cny"] = u["economic_loss_cny"]
    if u.get("rule_id"):
        body["rule"] = {**body.get("rule", {}), "id": u["rule_id"]}
    geo = u.get("geo") or {}
    if geo.get("gcj02"):
        body["gcj02"] = geo["gcj02"]
    if geo.get("wgs84"):
        doc["geo"] = {"location": geo["wgs84"]}
    doc["@timestamp"] = u["first_reported_at"]
    event = doc["event"]
    event["id"] = u["incident_id"]
    event["severity"] = u["level"]
    event["category"] = [u["category"]] if u.get("category") else []
    return doc


class IncidentCorrelator:
    """Runs classified reports through the correlator on per-incident table entries."""

    def __init__(
        self,
        topics: TopicNames,
        correlator: Correlator,
        table: MutableMapping[str, Any],
    ) -> None:
        self.topics = topics
        self.correlator = correlator
        self.table = table
        self._districts: dict[str, DistrictIncidents] = {}

    def forget(self) -> None:
        """Drop the in-memory district states (after a rebalance they are rebuilt)."""
        self._districts.clear()

    def _state(self, key: str) -> DistrictIncidents:
        state = self._districts.get(key)
        if state is None:
            meta = self.table.get(META_PREFIX + key) or {}
            incidents = {}
            for entry_key, value in list(self.table.items()):
                if entry_key.startswith(META_PREFIX) or not value:
                    continue
                if value.get("_district_key") == key:
                    body = {k: v for k, v in value.items() if k != "_district_key"}
                    incidents[entry_key] = Incident.from_dict(body)
            state = DistrictIncidents(
                key=key,
                incidents=incidents,
                watermark=meta.get("watermark"),
                seq=meta.get("seq", 0),
            )
            self._districts[key] = state
        return state

    def correlate(
        self, origin: Origin, value: bytes, now: datetime | None = None
    ) -> list[OutMessage]:
        now = now or datetime.now(UTC)
        try:
            report_doc = json.loads(value)
            report = report_from_document(report_doc)
        except (ValueError, KeyError, TypeError) as exc:
            return [
                self._dead(origin, value, "invalid_value", f"not an incidents document: {exc!r}")
            ]
        key = (report.get("district") or {}).get("code") or "outside"
        state = self._state(key)
        before = set(state.incidents)
        try:
            state, update = self.correlator.correlate(state, report)
        except ValueError as exc:
            return [self._dead(origin, value, "correlate_failed", str(exc))]
        after = set(state.incidents)
        for gone in before - after:
            self.table.pop(gone, None)
        if update.incident_id in state.incidents:
            self._store(key, state.incidents[update.incident_id])
        self.table[META_PREFIX + key] = {"watermark": _iso(state.watermark), "seq": state.seq}
        # A redelivered report (already in the state) publishes the incident's current record
        # again: the state may have reached the changelog before a crash lost the output.
        doc = incident_document(report_doc, update)
        return [
            OutMessage(
                self.topics.classified,
                update.incident_id.encode(),
                dumps(doc),
                [(DOC_ID_HEADER, update.incident_id.encode())],
            )
        ]

    def _store(self, key: str, incident: Incident) -> None:
        self.table[incident.incident_id] = {**incident.to_dict(), "_district_key": key}

    def _dead(self, origin: Origin, value: bytes, code: str, message: str) -> OutMessage:
        return deadletter_message(
            self.topics.deadletter, origin, value, stage="correlate", code=code, message=message
        )
