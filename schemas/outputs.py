"""The classified incident: an incident report enriched, correlated, typed and graded.

Datums: ``location`` is the point exactly as reported (its datum in ``location.crs``);
``geo.wgs84`` and ``geo.gcj02`` are the same point converted to WGS 84 and GCJ-02.
``geo.wgs84`` is what Elasticsearch indexes as ``geo.location``; district boundaries and
distances are computed in GCJ-02, the datum of the boundary data.
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import Field, Strict, model_validator
from pydantic_core import PydanticCustomError

from schemas.common import (
    ContractModel,
    Count,
    Description,
    District,
    Fraction,
    Id,
    LatLon,
    LevelNumber,
    Name,
    Short,
    Timestamp,
)
from schemas.enums import Category, FacilityKind, IncidentType, Source
from schemas.inputs import IncidentReportBase

MAX_ITEMS = 200


class GeoPosition(ContractModel):
    """The incident's point in each datum citywatch stores."""

    wgs84: LatLon
    """The point in WGS 84 (GPS); indexed as ``geo.location``."""
    gcj02: LatLon
    """The point in GCJ-02, the datum of the district boundaries."""


class NearbyFacility(ContractModel):
    """A facility or resource near the incident, from the facilities registry."""

    id: Id
    """Identifier in the facilities registry."""
    kind: FacilityKind
    """Kind of facility."""
    name: Name
    """Name of the facility."""
    distance_m: Annotated[float, Strict(), Field(ge=0, allow_inf_nan=False)]
    """Great-circle distance from the incident, in metres."""


class Exposure(ContractModel):
    """Who and what is exposed: the district's population and the facilities nearby."""

    district_population: Count | None = None
    """Resident population of the district (2020 census), when the point is in one."""
    radius_m: Annotated[float, Strict(), Field(ge=0, allow_inf_nan=False)] | None = None
    """Radius searched for facilities, in metres."""
    facilities: Annotated[list[NearbyFacility], Field(max_length=MAX_ITEMS)] = []
    """Facilities within ``radius_m``, nearest first."""


class RuleRef(ContractModel):
    """The rule that classified the incident, and the version of its rulebook."""

    id: Id
    """Rule identifier in the rulebook."""
    version: Short
    """Rulebook version."""


class Explanation(ContractModel):
    """Why the incident got its type and level."""

    matched_terms: Annotated[list[Short], Field(max_length=MAX_ITEMS)] = []
    """Terms of the description that matched the rule."""
    type_source: Literal["rule", "hint", "default"] = "rule"
    """What set the type: a rule's terms, the report's type hint, or the default."""
    criterion: Description | None = None
    """The criterion that set the level, e.g. ``deaths 3 >= 3 -> Ⅲ``."""
    regulation: Name | None = None
    """The regulation the rule cites."""


class CountsExtracted(ContractModel):
    """Which counts were read from the description text rather than given as fields."""

    deaths: bool = False
    missing: bool = False
    serious_injuries: bool = False
    injuries: bool = False
    affected: bool = False
    evacuated: bool = False
    economic_loss_cny: bool = False


class GradeChange(ContractModel):
    """One grading of the incident; a follow-up with new counts appends one."""

    level: LevelNumber
    """The level given (1 = Ⅰ 特别重大 ... 4 = Ⅳ 一般)."""
    at: Timestamp
    """When it was given."""
    rule_id: Id
    """The rule that gave it."""
    report_id: Id
    """The report whose counts led to it."""
    reason: Description | None = None
    """Why it was given (e.g. ``follow-up: deaths 3 -> level Ⅲ``)."""
    change: Literal["initial", "up", "down", "same"] | None = None
    """How the level moved: ``up`` is more severe."""


class ReportRef(ContractModel):
    """One report merged into an incident."""

    report_id: Id
    """The report's id."""
    source: Source
    """Where it came from."""
    reported_at: Timestamp
    """When it was made."""
    level: LevelNumber
    """Its latest grade."""
    updates_report_id: Id | None = None
    """The report it follows up, if it is a follow-up."""


class MergeChange(ContractModel):
    """One merge, re-grade or split of an incident, audited."""

    action: Literal["merge", "split", "regrade"]
    """What happened."""
    report_id: Id
    """The report concerned."""
    source: Source
    """Its source."""
    at: Timestamp
    """When."""
    by: Name | None = None
    """Who (an operator, for a split)."""
    reason: Description
    """Why."""
    incident_id: Id | None = None
    """The other incident (the one split into)."""
    updates_report_id: Id | None = None
    """The report a follow-up updates."""
    distance_m: Annotated[float, Strict(), Field(ge=0, allow_inf_nan=False)] | None = None
    """Distance to the incident's nearest report, for a merge."""


Status = Literal["reported", "verified", "responding", "resolved", "closed"]


class StatusChangeRef(ContractModel):
    """One lifecycle change of an incident, audited (who, when, why)."""

    event_id: Id
    """``<incident_id>:status:<sequence>``, also the audit record's id."""
    sequence: Annotated[int, Strict(), Field(ge=1)]
    """1 for the first change."""
    from_status: Status
    """The status before."""
    to_status: Status
    """The status after."""
    by: Name
    """The operator who made the change."""
    reason: Description
    """Why."""
    at: Timestamp
    """When."""


class RecommendedResource(ContractModel):
    """A suitable, available resource near the incident, with why it was chosen."""

    resource_id: Id
    """Id in the resource registry."""
    kind: FacilityKind
    """Kind of resource (fire station, hazmat team, hospital, rescue boat ...)."""
    name: Name
    """Its name (Chinese)."""
    name_en: Name | None = None
    """Its English name."""
    distance_m: Annotated[float, Strict(), Field(ge=0, allow_inf_nan=False)]
    """Great-circle distance from the incident."""
    need: Short
    """The need it meets (e.g. ``fire``, ``hazmat``, ``mass_casualties``)."""
    rank: Annotated[int, Strict(), Field(ge=1)]
    """1 for the nearest of its kind."""
    reason_zh: Description
    """Why, in Chinese."""
    reason_en: Description
    """Why, in English."""


class CommittedResource(ContractModel):
    """A resource committed to the incident by an operator."""

    resource_id: Id
    """Id in the resource registry."""
    kind: FacilityKind
    """Kind of resource."""
    name: Name
    """Its name (Chinese)."""
    name_en: Name | None = None
    """Its English name."""
    by: Name
    """The operator who committed it."""
    at: Timestamp
    """When."""


class IncidentResources(ContractModel):
    """Resources for an incident: recommendations and what is committed."""

    recommended: Annotated[list[RecommendedResource], Field(max_length=MAX_ITEMS)] = []
    """The nearest available suitable resources, need by need (incidents at or above the
    configured level only)."""
    committed: Annotated[list[CommittedResource], Field(max_length=MAX_ITEMS)] = []
    """Resources committed to it and not yet released."""


class ClassifiedIncident(IncidentReportBase):
    """An incident report after validation, enrichment, correlation and classification.

    The report fields keep their meaning; ``casualties`` and ``economic_loss_cny`` hold the
    counts the grade was computed from (the latest report's, or extracted from the text).
    """

    incident_id: Id
    """Identifier of the incident; follow-up reports share it."""
    category: Category | None
    """Category of the type (自然灾害, 事故灾难, 公共卫生事件, 社会安全事件); null when
    the type is ``unclassified`` (no category is guessed)."""
    type: IncidentType
    """Type decided by the classifier."""
    type_hint: IncidentType | None = None
    """The type the report suggested, if any."""
    level: LevelNumber
    """Severity: 1 = Ⅰ 特别重大, 2 = Ⅱ 重大, 3 = Ⅲ 较大, 4 = Ⅳ 一般."""
    confidence: Fraction
    """Confidence of the type, 0 to 1."""
    district: District | None
    """District the point lies in; null outside the city."""
    geo: GeoPosition
    """The point converted to WGS 84 and GCJ-02."""
    grid_cell: Id | None = None
    """Grid cell id for spatial aggregation (geohash of the WGS 84 point)."""
    exposure: Exposure = Exposure()
    """Population and nearby facilities."""
    rule: RuleRef
    """Rule id and rulebook version."""
    explanation: Explanation = Explanation()
    """Matched terms and the criterion that set the level."""
    counts_extracted: CountsExtracted = CountsExtracted()
    """Which counts were extracted from the description."""
    grade_history: Annotated[list[GradeChange], Field(min_length=1, max_length=MAX_ITEMS)]
    """Every grading so far, oldest first; the last one is ``level``."""
    report_count: Annotated[int, Strict(), Field(ge=1)] = 1
    """Reports merged into this incident."""
    status: Status = "reported"
    """Lifecycle state."""
    status_history: Annotated[list[StatusChangeRef], Field(max_length=MAX_ITEMS)] = []
    """Lifecycle changes, oldest first."""
    resources: IncidentResources = IncidentResources()
    """Recommended and committed resources."""
    sources: Annotated[list[Source], Field(max_length=MAX_ITEMS)] = []
    """Sources of the merged reports."""
    first_reported_at: Timestamp | None = None
    """Time of the earliest merged report."""
    last_reported_at: Timestamp | None = None
    """Time of the latest merged report."""
    reports: Annotated[list[ReportRef], Field(max_length=MAX_ITEMS)] = []
    """The merged reports, oldest first."""
    merge_history: Annotated[list[MergeChange], Field(max_length=MAX_ITEMS)] = []
    """Merges, re-grades and splits, oldest first."""
    processed_at: Timestamp
    """When citywatch classified it."""

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.type is IncidentType.UNCLASSIFIED:
            if self.category is not None:
                raise PydanticCustomError(
                    "invalid_value",
                    "an unclassified incident has no category; got {category}",
                    {"field": "category", "category": self.category.value},
                )
        elif self.type.category is not self.category:
            raise PydanticCustomError(
                "invalid_value",
                "category must be the category of type {type} ({expected})",
                {
                    "field": "category",
                    "type": self.type.value,
                    "expected": self.type.category.value,
                },
            )
        if self.grade_history[-1].level is not self.level:
            raise PydanticCustomError(
                "invalid_value",
                "the last entry must have the incident's level",
                {"field": "grade_history"},
            )
        return self
