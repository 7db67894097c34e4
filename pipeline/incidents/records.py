"""Incident records: a new incident from its founding report, and the record to index.

:func:`update_of` turns an incident of the state into the
:class:`IncidentUpdate` published and indexed after a change:
the reports (oldest first), histories, the level with the report and rule behind it, and
the counts behind the level.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import Any, Literal

from pipeline.incidents.members import level_setter, updates_report_id
from pipeline.incidents.state import (
    ROMAN,
    GradeEntry,
    Incident,
    JsonRecord,
    Member,
    MergeEntry,
    StatusChange,
    json_time,
)


@dataclass(slots=True, kw_only=True)
class ReportEntry(JsonRecord):
    """A report of an incident, as listed in its record."""

    report_id: str
    source: str
    reported_at: datetime
    level: int
    updates_report_id: str | None = None

    def json_form(self) -> dict[str, Any]:
        return {
            "report_id": self.report_id,
            "source": self.source,
            "reported_at": json_time(self.reported_at),
            "level": self.level,
            "updates_report_id": self.updates_report_id,
        }


@dataclass(slots=True, kw_only=True)
class IncidentUpdate(JsonRecord):
    """The full incident record to index (``_id`` = ``incident_id``) after one change."""

    incident_id: str
    district_key: str
    change: Literal["new", "merge", "regrade", "duplicate", "split", "status"]
    report_id: str | None = None
    """The report that caused the change, if a report did."""
    changed_level: bool
    previous_level: int | None = None
    level: int
    rule_id: str | None = None
    """Rule of the grade that sets the level."""
    level_report_id: str | None = None
    """Report whose latest grade sets the level."""
    category: str | None
    type: str
    status: str
    report_count: int
    sources: list[str]
    first_reported_at: datetime
    last_reported_at: datetime
    reports: list[ReportEntry]
    merge_history: list[MergeEntry]
    grade_history: list[GradeEntry]
    status_history: list[StatusChange]
    location: dict[str, Any]
    address: str | None = None
    district: dict[str, Any] | None = None
    geo: dict[str, Any]
    grid_cell: str | None = None
    exposure: dict[str, Any] | None = None
    casualties: dict[str, int] | None = None
    """Counts behind the level (the level-setting report's latest)."""
    economic_loss_cny: float | None = None


def level_change(before: int, after: int) -> str:
    """``up`` (more severe), ``down`` or ``same``, from level ``before`` to ``after``."""
    return "up" if after < before else "down" if after > before else "same"


def level_text(before: int, after: int) -> str:
    """``Ⅲ -> Ⅱ``, or ``stays Ⅲ``."""
    return f"{ROMAN[before]} -> {ROMAN[after]}" if before != after else f"stays {ROMAN[after]}"


_arrival = attrgetter("reported_at", "seq")
"""Oldest report first; arrival order between equal times."""


def update_of(
    incident: Incident,
    district_key: str,
    change: str,
    *,
    report_id: str | None = None,
    previous_level: int | None = None,
) -> IncidentUpdate:
    """The full record of ``incident`` to index after ``change``."""
    setter = level_setter(incident.members)
    ordered = sorted(incident.members.values(), key=_arrival)
    return IncidentUpdate(
        incident_id=incident.incident_id,
        district_key=district_key,
        change=change,  # type: ignore[arg-type]
        report_id=report_id,
        changed_level=previous_level is not None and previous_level != incident.level,
        previous_level=previous_level,
        level=incident.level,
        rule_id=setter.rule_id,
        level_report_id=setter.report_id,
        category=incident.category,
        type=incident.type,
        status=incident.status,
        report_count=len(incident.members),
        sources=incident.sources,
        first_reported_at=incident.first_reported_at,
        last_reported_at=incident.last_reported_at,
        reports=[
            ReportEntry(
                report_id=m.report_id,
                source=m.source,
                reported_at=m.reported_at,
                level=m.level,
                updates_report_id=updates_report_id(m),
            )
            for m in ordered
        ],
        merge_history=list(incident.merge_history),
        grade_history=list(incident.grade_history),
        status_history=list(incident.status_history),
        location=incident.location,
        address=incident.address,
        district=incident.district,
        geo=incident.geo,
        grid_cell=incident.grid_cell,
        exposure=incident.exposure,
        casualties=setter.casualties,
        economic_loss_cny=setter.economic_loss_cny,
    )


def new_incident(member: Member, report: Mapping[str, Any], reason: str) -> Incident:
    """A new incident founded by ``member``.

    ``report`` gives the place as reported (``location``, ``address``, ``district``,
    ``grid_cell``, ``exposure``); without a ``location`` the member's WGS 84 point is used.
    """
    location = report.get("location") or {"lat": member.lat, "lon": member.lon, "crs": "wgs84"}
    incident = Incident.founded_by(
        member,
        location=dict(location),
        address=report.get("address"),
        district=report.get("district"),
        geo=member.geo,
        grid_cell=report.get("grid_cell"),
        exposure=report.get("exposure"),
    )
    incident.grade_history.append(
        GradeEntry(
            level=member.level,
            at=member.reported_at,
            rule_id=member.rule_id,
            report_id=member.report_id,
            reason=reason,
            change="initial",
        )
    )
    return incident
