"""How citywatch fields map onto OASIS CAP 1.2 values (pure tables, no I/O).

Warnings (``warnings.issued``):

================  ==========================================================
CAP               citywatch
================  ==========================================================
msgType           issue -> Alert; escalate, deescalate -> Update; end -> Cancel
category          by hazard: weather, water and waterlogging -> Met; gas -> CBRNE;
                  smoke -> Fire; crowd density -> Safety; air pollution -> Env
severity          red -> Extreme, orange -> Severe, yellow -> Moderate, blue -> Minor
                  (CMA colour meanings 特别严重 / 严重 / 较重 / 一般)
urgency           red, orange -> Immediate; yellow, blue -> Expected; end -> Past
certainty         Observed: thresholds are evaluated on observed accumulations
responseType      red, orange -> Prepare; yellow, blue -> Monitor; end -> AllClear
effective/onset   the change's ``at`` / the warning's ``issued_at``
expires           ``valid_until`` (the end's ``at`` on an end)
================  ==========================================================

Incidents (``incidents.classified``) at level Ⅱ or Ⅰ, and later gradings of them:

================  ==========================================================
msgType           first grading at Ⅱ or Ⅰ -> Alert; each later grading -> Update;
                  resolved or closed -> Cancel
category          by incident type (:data:`INCIDENT_CATEGORY`), e.g. fire -> Fire,
                  metro -> Transport, gas supply -> Infra, food poisoning -> Health
severity          Ⅰ -> Extreme, Ⅱ -> Severe, Ⅲ -> Moderate, Ⅳ -> Minor
urgency           Immediate (the incident is under way); Past once resolved
certainty         Observed for field teams, inspections and sensor systems (someone of
                  ours saw it); Likely for hotlines, the citizen app and media
responseType      Ⅰ, Ⅱ -> Avoid (keep away from the area); Ⅲ, Ⅳ -> Monitor;
                  resolved -> AllClear
effective/expires the grading time (``processed_at``) / 24 h later (the time of the
                  Cancel, once resolved)
================  ==========================================================
"""

from __future__ import annotations

from schemas.enums import IncidentType, WarningColour

MSG_TYPE_OF_ACTION = {
    "issue": "Alert",
    "escalate": "Update",
    "deescalate": "Update",
    "end": "Cancel",
}

HAZARD_CAP_CATEGORY = {
    "rainstorm": "Met",
    "typhoon": "Met",
    "gale": "Met",
    "heat": "Met",
    "fog": "Met",
    "lightning": "Met",
    "high_water": "Met",
    "waterlogging": "Met",
    "gas": "CBRNE",
    "smoke": "Fire",
    "crowd": "Safety",
    "air_pollution": "Env",
}

_T = IncidentType
INCIDENT_CATEGORY: dict[str, str] = {
    **{t.value: "Met" for t in (_T.FLOOD, _T.DROUGHT, _T.RAINSTORM, _T.WATERLOGGING)},
    **{t.value: "Met" for t in (_T.TYPHOON, _T.GALE, _T.HEAT, _T.FOG, _T.LIGHTNING)},
    **{t.value: "Met" for t in (_T.SNOW_ICE, _T.STORM_SURGE)},
    **{t.value: "Geo" for t in (_T.EARTHQUAKE, _T.LANDSLIDE, _T.SUBSIDENCE)},
    _T.BIOLOGICAL.value: "Env",
    _T.FOREST_FIRE.value: "Fire",
    _T.FALLEN_TREE.value: "Safety",
    _T.FIRE.value: "Fire",
    _T.EXPLOSION.value: "Fire",
    _T.HAZARDOUS_CHEMICALS.value: "CBRNE",
    _T.CONSTRUCTION.value: "Safety",
    _T.SPECIAL_EQUIPMENT.value: "Safety",
    **{t.value: "Transport" for t in (_T.ROAD_TRAFFIC, _T.RAIL, _T.METRO, _T.SHIPPING)},
    _T.AVIATION.value: "Transport",
    **{t.value: "Infra" for t in (_T.GAS_SUPPLY, _T.POWER_SUPPLY, _T.WATER_SUPPLY)},
    _T.ENVIRONMENTAL_POLLUTION.value: "Env",
    **{t.value: "Health" for t in (_T.INFECTIOUS_DISEASE, _T.UNEXPLAINED_ILLNESS)},
    **{t.value: "Health" for t in (_T.FOOD_POISONING, _T.OCCUPATIONAL_POISONING)},
    _T.ANIMAL_EPIDEMIC.value: "Health",
    _T.TERRORIST_ATTACK.value: "Security",
    _T.MASS_INCIDENT.value: "Security",
    _T.CROWD_CRUSH.value: "Safety",
    _T.CRIMINAL_CASE.value: "Security",
    _T.ECONOMIC_SECURITY.value: "Security",
    _T.FOREIGN_RELATED.value: "Security",
    _T.UNCLASSIFIED.value: "Other",
}
"""CAP category of every incident type."""

SEVERITY_OF_COLOUR = {"red": "Extreme", "orange": "Severe", "yellow": "Moderate", "blue": "Minor"}
SEVERITY_OF_LEVEL = {1: "Extreme", 2: "Severe", 3: "Moderate", 4: "Minor"}
OBSERVING_SOURCES = frozenset({"field_team", "inspection", "sensor_system"})
"""Report sources whose reports count as observed; other sources' reports are likely."""

COLOUR_ZH = {"blue": "蓝色", "yellow": "黄色", "orange": "橙色", "red": "红色"}
ROMAN = {1: "Ⅰ", 2: "Ⅱ", 3: "Ⅲ", 4: "Ⅳ"}
ROMAN_ASCII = {1: "I", 2: "II", 3: "III", 4: "IV"}


def warning_urgency(colour: str, action: str) -> str:
    """Immediate for red and orange, Expected for yellow and blue, Past once ended."""
    if action == "end":
        return "Past"
    return "Immediate" if colour in ("red", "orange") else "Expected"


def warning_response(colour: str, action: str) -> str:
    """Prepare for red and orange, Monitor for yellow and blue, AllClear once ended."""
    if action == "end":
        return "AllClear"
    return "Prepare" if colour in ("red", "orange") else "Monitor"


def incident_certainty(source: str) -> str:
    """Observed for our own observers (field teams, inspections, sensors), else Likely."""
    return "Observed" if source in OBSERVING_SOURCES else "Likely"


def incident_response(level: int) -> str:
    """Avoid for Ⅰ and Ⅱ, Monitor for Ⅲ and Ⅳ."""
    return "Avoid" if level <= 2 else "Monitor"


def colour_grade(colour: str) -> int:
    """四级 blue 4 ... 一级 red 1."""
    return WarningColour(colour).grade
