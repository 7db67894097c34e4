"""Names of the contract: Kafka topics and Elasticsearch indices.

The topic names are the contract's. ``CITYWATCH_TOPIC_NAMESPACE`` (empty by default) puts
every topic under ``<namespace>.`` so that several deployments, or test runs, can share one
cluster without seeing each other's events.
"""

from __future__ import annotations

from dataclasses import dataclass

TOPIC_INCIDENT_REPORTS = "incidents.reports"
TOPIC_SENSOR_READINGS = "sensors.readings"
TOPIC_INSPECTION_FINDINGS = "inspections.findings"
TOPIC_INCIDENTS_CLASSIFIED = "incidents.classified"
TOPIC_WARNINGS_ISSUED = "warnings.issued"
TOPIC_DEADLETTER = "deadletter"
#: internal: validated and enriched sensor readings, keyed by district, for indexing and
#: the per-district warning state
TOPIC_SENSORS_ENRICHED = "sensors.enriched"
#: internal: classified reports keyed by district, for correlation into incidents
TOPIC_REPORTS_GRADED = "reports.classified"
#: internal: per-district risk scores after each warning change (indexed as ``risk``)
TOPIC_RISK = "risk.assessed"
#: internal: operator commands on warnings (lift), keyed by district
TOPIC_WARNING_COMMANDS = "warnings.commands"
#: internal: sensor health events (sensor_offline / sensor_online)
TOPIC_SENSOR_HEALTH = "sensors.health"
#: operator actions from the dashboard and the CLI, audited (indexed as ``audit``)
TOPIC_AUDIT = "audit.actions"
#: internal: operator commands on incidents (lifecycle, split, resource commit/release),
#: keyed by district
TOPIC_INCIDENT_COMMANDS = "incidents.commands"
#: resource status changes (available / committed), keyed by resource id (indexed as
#: ``resources``)
TOPIC_RESOURCES = "resources.status"
#: internal: validated and enriched inspection findings, keyed by district, for tracking
TOPIC_FINDINGS_TRACKED = "inspections.tracked"
#: tracked inspection findings (open / overdue / rectified), keyed by finding id (indexed
#: as ``inspections``)
TOPIC_INSPECTIONS = "inspections.status"
#: open/overdue/rectified counts per district and site kind (indexed as ``inspection-counts``)
TOPIC_INSPECTION_COUNTS = "inspections.counts"
#: escalations of overdue inspection findings
TOPIC_ESCALATIONS = "inspections.escalations"
#: internal: what a district's risk score is computed from (warning and incident changes,
#: ticks), keyed by district
TOPIC_RISK_INPUTS = "risk.inputs"

#: index kinds; the index name is ``{prefix}-{kind}``
INDEX_KINDS = (
    "incidents",
    "warnings",
    "readings",
    "deadletter",
    "risk",
    "audit",
    "resources",
    "inspections",
    "inspection-counts",
)


@dataclass(frozen=True)
class TopicNames:
    """The topics of one deployment (namespaced when a namespace is set)."""

    reports: str = TOPIC_INCIDENT_REPORTS
    readings: str = TOPIC_SENSOR_READINGS
    findings: str = TOPIC_INSPECTION_FINDINGS
    classified: str = TOPIC_INCIDENTS_CLASSIFIED
    warnings: str = TOPIC_WARNINGS_ISSUED
    deadletter: str = TOPIC_DEADLETTER
    enriched: str = TOPIC_SENSORS_ENRICHED
    graded: str = TOPIC_REPORTS_GRADED
    risk: str = TOPIC_RISK
    commands: str = TOPIC_WARNING_COMMANDS
    health: str = TOPIC_SENSOR_HEALTH
    audit: str = TOPIC_AUDIT
    incident_commands: str = TOPIC_INCIDENT_COMMANDS
    resources: str = TOPIC_RESOURCES
    tracked: str = TOPIC_FINDINGS_TRACKED
    inspections: str = TOPIC_INSPECTIONS
    inspection_counts: str = TOPIC_INSPECTION_COUNTS
    escalations: str = TOPIC_ESCALATIONS
    risk_inputs: str = TOPIC_RISK_INPUTS

    @classmethod
    def of(cls, namespace: str = "") -> TopicNames:
        if not namespace:
            return cls()
        return cls(**{k: f"{namespace}.{v}" for k, v in cls().__dict__.items()})

    @property
    def inputs(self) -> tuple[str, ...]:
        return (self.reports, self.readings, self.findings)

    @property
    def outputs(self) -> tuple[str, ...]:
        return (self.classified, self.warnings, self.deadletter)

    @property
    def all(self) -> tuple[str, ...]:
        internal = (
            self.enriched,
            self.graded,
            self.risk,
            self.commands,
            self.health,
            self.audit,
            self.incident_commands,
            self.resources,
            self.tracked,
            self.inspections,
            self.inspection_counts,
            self.escalations,
            self.risk_inputs,
        )
        return self.inputs + self.outputs + internal

    def index_kind(self, topic: str) -> str | None:
        """The index kind fed by an output topic."""
        return {
            self.classified: "incidents",
            self.warnings: "warnings",
            self.enriched: "readings",
            self.deadletter: "deadletter",
            self.risk: "risk",
            self.audit: "audit",
            self.resources: "resources",
            self.inspections: "inspections",
            self.inspection_counts: "inspection-counts",
        }.get(topic)


def index_name(prefix: str, kind: str) -> str:
    """``citywatch-incidents`` and friends."""
    if kind not in INDEX_KINDS:
        raise ValueError(f"unknown index kind {kind!r}; expected one of {INDEX_KINDS}")
    return f"{prefix}-{kind}"
