"""The pure per-event pipeline: raw bytes in, output messages out. No Kafka, no I/O.

``Processor.process`` never raises for a data error: a bad event becomes one dead-letter
message naming the stage (validate, enrich, classify) and the error code; a good event
becomes its output document, with the document id in the ``citywatch.doc_id`` header.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pipeline.enrich import Enricher, Enrichment
from pipeline.errors import EventError
from pipeline.incident_documents import (
    document_bytes,
    dumps,
    incident_document_from_parts,
    incident_payload,
)
from pipeline.settings import Settings
from schemas.common import District, LatLon
from schemas.deadletters import DeadLetter
from schemas.documents import incident_document, reading_document, reading_id
from schemas.inputs import IncidentReport, InspectionFinding, SensorReading
from schemas.outputs import ClassifiedIncident
from schemas.validation import InvalidEvent, parse_event

log = logging.getLogger("citywatch.processing")

DOC_ID_HEADER = "citywatch.doc_id"
_TOPIC_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")

#: classify(report dict) -> classification dict with category, type, level, confidence,
#: rule {id, version}, explanation {...}, counts {...}, counts_extracted {...}
Classifier = Callable[[Mapping[str, Any]], Mapping[str, Any]]


@dataclass(frozen=True)
class Origin:
    """Where a message came from: its coordinates, key, headers and broker time."""

    topic: str
    partition: int
    offset: int
    key: bytes | None = None
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    timestamp: float | None = None

    @property
    def coordinates(self) -> str:
        return f"{self.topic}:{self.partition}:{self.offset}"

    def header(self, name: str) -> str | None:
        for k, v in self.headers:
            if k == name and v is not None:
                return v.decode("utf-8", "replace")
        return None


@dataclass(frozen=True)
class OutMessage:
    topic: str
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    is_deadletter: bool = False


def deadletter_message(
    topic: str,
    origin: Origin,
    value: bytes | None,
    *,
    stage: str,
    code: str,
    message: str,
    error_field: str | None = None,
    event_id: str | None = None,
    now: datetime | None = None,
) -> OutMessage:
    """The dead-letter message for one event: original bytes, key and reason headers."""
    record_ts = (
        datetime.fromtimestamp(origin.timestamp, UTC) if origin.timestamp is not None else None
    )
    dead = DeadLetter.build(
        value,
        stage=stage,
        error_code=code,
        message=message or code,
        source_topic=_TOPIC_UNSAFE.sub("_", origin.topic) or "unknown",
        partition=origin.partition,
        offset=origin.offset,
        at=now or datetime.now(UTC),
        error_field=error_field,
        key=origin.key,
        record_timestamp=record_ts,
        headers=origin.headers,
    )
    headers = dead.kafka_headers()
    if event_id:
        headers.append(("citywatch.event_id", event_id.encode("utf-8", "replace")))
    return OutMessage(topic, origin.key, value or b"", headers, is_deadletter=True)


class Processor:
    """Validates, enriches and classifies one raw event at a time."""

    def __init__(self, settings: Settings, enricher: Enricher, classifier: Classifier) -> None:
        self.settings = settings
        self.topics = settings.topics()
        self.enricher = enricher
        self.classifier = classifier

    def _parse(self, model: type, raw: bytes | None, now: datetime) -> Any:
        s = self.settings
        return parse_event(
            model,
            raw,
            now=now,
            max_past_s=s.event_max_past_s,
            max_future_s=s.event_max_future_s,
            max_bytes=s.max_event_bytes,
        )

    def process(
        self, origin: Origin, raw: bytes | None, now: datetime | None = None
    ) -> list[OutMessage]:
        """The output messages for one input event: one per event (an inspection finding
        also goes to ``inspections.tracked`` to be tracked until rectified)."""
        now = now or datetime.now(UTC)
        try:
            if origin.topic == self.topics.readings:
                return [self._reading(raw, now)]
            if origin.topic == self.topics.findings:
                return self._finding(raw, now)
            return [self._report(raw, now)]
        except InvalidEvent as exc:
            return [
                deadletter_message(
                    self.topics.deadletter,
                    origin,
                    raw,
                    stage="validate",
                    code=exc.code,
                    message=exc.message,
                    error_field=exc.field,
                    now=now,
                )
            ]
        except EventError as exc:
            return [
                deadletter_message(
                    self.topics.deadletter,
                    origin,
                    raw,
                    stage=exc.stage,
                    code=exc.code,
                    message=exc.message,
                    now=now,
                )
            ]
        except Exception as exc:  # noqa: BLE001 - never let one event stop the partition
            log.exception("unexpected error processing %s", origin.coordinates)
            return [
                deadletter_message(
                    self.topics.deadletter,
                    origin,
                    raw,
                    stage="classify",
                    code="internal_error",
                    message=f"unexpected error: {exc!r}",
                    now=now,
                )
            ]

    # --- incident reports ---------------------------------------------------------------

    def _report(self, raw: bytes | None, now: datetime) -> OutMessage:
        report: IncidentReport = self._parse(IncidentReport, raw, now)
        enrichment = self._enrich(report.location.lat, report.location.lon, report.location.crs)
        return self._classified(report, report.type, enrichment, now)

    def _finding(self, raw: bytes | None, now: datetime) -> list[OutMessage]:
        finding: InspectionFinding = self._parse(InspectionFinding, raw, now)
        loc = finding.site.location
        enrichment = self._enrich(loc.lat, loc.lon, loc.crs)
        report = IncidentReport.model_construct(
            report_id=finding.finding_id,
            source="inspection",
            reported_at=finding.inspected_at,
            location=loc,
            address=finding.site.name,
            description=finding.hazard,
            casualties=None,
            economic_loss_cny=None,
            updates_report_id=None,
            type=None,
        )
        from pipeline.inspection_tracking import tracked_message  # imports this module

        wgs84 = enrichment.geo["wgs84"]
        return [
            self._classified(report, None, enrichment, now),
            tracked_message(
                self.topics, finding, enrichment.district, (wgs84["lat"], wgs84["lon"])
            ),
        ]

    def _enrich(self, lat: float, lon: float, crs: Any) -> Enrichment:
        try:
            return self.enricher.enrich(lat, lon, str(getattr(crs, "value", crs)))
        except Exception as exc:  # noqa: BLE001 - any lookup failure is this event's problem
            raise EventError(
                "enrich_failed", f"enrichment failed: {exc!r}", stage="enrich"
            ) from exc

    def _classified(
        self, report: IncidentReport, hint: Any, enrichment: Enrichment, now: datetime
    ) -> OutMessage:
        data = report.model_dump(mode="json", exclude_none=True)
        try:
            c = self.classifier(data)
            incident_id = f"{data['source']}:{report.report_id}"
            built = incident_document_from_parts(data, hint, c, enrichment, now)
            if built is None:
                incident = self._incident(data, hint, c, enrichment, now, incident_id)
        except Exception as exc:  # noqa: BLE001 - a rule that cannot grade this event
            raise EventError(
                "classify_failed", f"classification failed: {exc!r}", stage="classify"
            ) from exc
        if built is None:
            value = dumps(incident_document(incident, ingested_at=now))
        else:
            value = document_bytes(*built)
        district_key = (enrichment.district or {}).get("code") or "outside"
        return OutMessage(
            self.topics.graded,
            district_key.encode(),
            value,
            [(DOC_ID_HEADER, incident_id.encode())],
        )

    @staticmethod
    def _incident(
        data: Mapping[str, Any],
        hint: Any,
        c: Mapping[str, Any],
        enrichment: Enrichment,
        now: datetime,
        incident_id: str,
    ) -> ClassifiedIncident:
        """The classified incident, validated by its model."""
        return ClassifiedIncident.model_validate(
            incident_payload(data, hint, c, enrichment, now, incident_id)
        )

    # --- sensor readings ----------------------------------------------------------------

    def _reading(self, raw: bytes | None, now: datetime) -> OutMessage:
        reading: SensorReading = self._parse(SensorReading, raw, now)
        try:
            enrichment = self.enricher.for_sensor(reading)
        except Exception as exc:  # noqa: BLE001 - any lookup failure is this event's problem
            raise EventError(
                "enrich_failed", f"enrichment failed: {exc!r}", stage="enrich"
            ) from exc
        if enrichment is None:
            doc = reading_document(reading, ingested_at=now)
        else:
            doc = reading_document(
                reading,
                district=District(**enrichment.district) if enrichment.district else None,
                wgs84=LatLon(**enrichment.geo["wgs84"]),
                gcj02=LatLon(**enrichment.geo["gcj02"]),
                ingested_at=now,
            )
        doc_id = reading_id(reading)
        district_code = (enrichment.district or {}).get("code") if enrichment else None
        key = (district_code or reading.sensor_id).encode()
        return OutMessage(self.topics.enriched, key, dumps(doc), [(DOC_ID_HEADER, doc_id.encode())])
