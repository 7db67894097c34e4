"""Incidents: correlation of reports, re-grading, lifecycle, resources and inspections.

Pure functions over JSON-serialisable state, keyed by district code (``"outside"`` for
reports outside the city) so each state can live in a Faust table partitioned like the
topic that feeds it. No Kafka, Elasticsearch or Faust here; agents wire these in.
"""

from pipeline.incidents.correlate import Correlator, correlate, split, update_of
from pipeline.incidents.errors import (
    IncidentError,
    InvalidReport,
    InvalidTransition,
    ResourceError,
    SplitError,
    UnknownIncident,
)
from pipeline.incidents.inspections import InspectionState, counts, overdue, track
from pipeline.incidents.lifecycle import TRANSITIONS, allowed, transition, transition_in
from pipeline.incidents.members import report_from_document
from pipeline.incidents.records import IncidentUpdate
from pipeline.incidents.resources import Recommendation, ResourceChange, commit, recommend, release
from pipeline.incidents.state import (
    OUTSIDE,
    DistrictIncidents,
    Incident,
    StatusChange,
    district_key,
    report_key,
)

__all__ = [
    "OUTSIDE",
    "TRANSITIONS",
    "Correlator",
    "DistrictIncidents",
    "Incident",
    "IncidentError",
    "IncidentUpdate",
    "InspectionState",
    "InvalidReport",
    "InvalidTransition",
    "Recommendation",
    "ResourceChange",
    "ResourceError",
    "SplitError",
    "StatusChange",
    "UnknownIncident",
    "allowed",
    "commit",
    "correlate",
    "counts",
    "district_key",
    "overdue",
    "recommend",
    "release",
    "report_from_document",
    "report_key",
    "split",
    "track",
    "transition",
    "transition_in",
    "update_of",
]
