"""citywatch event contracts: pydantic models, JSON Schema exports, index templates.

No I/O at import time, and no faust, kafka or elasticsearch imports.

- :mod:`schemas.enums`: labelled enumerations (categories, types, levels, colours ...);
- :mod:`schemas.inputs`: ``IncidentReport``, ``SensorReading``, ``InspectionFinding``;
- :mod:`schemas.outputs`, :mod:`schemas.assessments`, :mod:`schemas.deadletters`:
  ``ClassifiedIncident``, ``Warning``, ``RiskAssessment``, ``DeadLetter``;
- :mod:`schemas.validation`: ``parse_event`` and the stable ``ERROR_CODES``;
- :mod:`schemas.export`: the JSON Schema files under ``schemas/json/``;
- :mod:`schemas.documents`: Elasticsearch documents fitting ``schemas/elasticsearch/``.
"""

from schemas.assessments import RiskAssessment, RiskInput, Trigger, Warning
from schemas.common import DEFAULT_MAX_FUTURE_S, DEFAULT_MAX_PAST_S, District, LatLon, Location
from schemas.deadletters import DeadLetter, DeadLetterHeader
from schemas.enums import (
    Category,
    Crs,
    EndReason,
    FacilityKind,
    Hazard,
    HazardLevel,
    IncidentType,
    Level,
    SensorKind,
    SiteKind,
    Source,
    Stage,
    WarningAction,
    WarningColour,
)
from schemas.inputs import Casualties, IncidentReport, InspectionFinding, SensorReading, Site
from schemas.outputs import ClassifiedIncident
from schemas.validation import ERROR_CODES, ErrorCode, InvalidEvent, parse_event

__all__ = [
    "DEFAULT_MAX_FUTURE_S",
    "DEFAULT_MAX_PAST_S",
    "ERROR_CODES",
    "Casualties",
    "Category",
    "ClassifiedIncident",
    "Crs",
    "DeadLetter",
    "DeadLetterHeader",
    "District",
    "EndReason",
    "ErrorCode",
    "FacilityKind",
    "Hazard",
    "HazardLevel",
    "IncidentReport",
    "IncidentType",
    "InspectionFinding",
    "InvalidEvent",
    "LatLon",
    "Level",
    "Location",
    "RiskAssessment",
    "RiskInput",
    "SensorKind",
    "SensorReading",
    "Site",
    "SiteKind",
    "Source",
    "Stage",
    "Trigger",
    "Warning",
    "WarningAction",
    "WarningColour",
    "parse_event",
]
