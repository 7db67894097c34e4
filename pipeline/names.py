"""Names of the contract: Kafka topics and Elasticsearch indices."""

from __future__ import annotations

TOPIC_INCIDENT_REPORTS = "incidents.reports"
TOPIC_SENSOR_READINGS = "sensors.readings"
TOPIC_INSPECTION_FINDINGS = "inspections.findings"
TOPIC_INCIDENTS_CLASSIFIED = "incidents.classified"
TOPIC_WARNINGS_ISSUED = "warnings.issued"
TOPIC_DEADLETTER = "deadletter"

INPUT_TOPICS = (TOPIC_INCIDENT_REPORTS, TOPIC_SENSOR_READINGS, TOPIC_INSPECTION_FINDINGS)
OUTPUT_TOPICS = (TOPIC_INCIDENTS_CLASSIFIED, TOPIC_WARNINGS_ISSUED, TOPIC_DEADLETTER)
CONTRACT_TOPICS = INPUT_TOPICS + OUTPUT_TOPICS

#: index kinds; the index name is ``{prefix}-{kind}``
INDEX_KINDS = ("incidents", "warnings", "readings", "deadletter", "risk")


def index_name(prefix: str, kind: str) -> str:
    """``citywatch-incidents`` and friends."""
    if kind not in INDEX_KINDS:
        raise ValueError(f"unknown index kind {kind!r}; expected one of {INDEX_KINDS}")
    return f"{prefix}-{kind}"
