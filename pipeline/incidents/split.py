"""Splitting a wrongly merged report out of an incident, on an operator's request.

The report moves into a new incident of its own (id: its key), together with the
follow-ups that update it. Both incidents' merge histories record the split with who, when
and why, and both levels are recomputed (a level change appends to the grade history).
An incident keeps its founding report: splitting that one out is refused, as is a split
that would leave an incident without reports.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pipeline.incidents.errors import SplitError
from pipeline.incidents.members import chain_of, level_setter
from pipeline.incidents.records import (
    IncidentUpdate,
    level_change,
    level_text,
    new_incident,
    update_of,
)
from pipeline.incidents.state import (
    DistrictIncidents,
    GradeEntry,
    MergeEntry,
    as_time,
)


def split_report(
    state: DistrictIncidents,
    incident_id: str,
    report: str,
    by: str,
    reason: str,
    at: datetime | str,
    *,
    exposure: dict[str, Any] | None = None,
) -> tuple[DistrictIncidents, list[IncidentUpdate]]:
    """Move a wrongly merged report (key ``<source>:<report_id>``) into a new incident.

    Its follow-ups move with it. Both merge histories record the split (who, when, why);
    both levels are recomputed. Returns the updates of the old and the new incident.
    ``exposure`` is the new incident's exposure, when the caller has it.
    """
    if not str(by or "").strip() or not str(reason or "").strip():
        raise SplitError("a split needs the operator who asks for it (by) and a reason")
    when = as_time(at, "at")
    incident = state.get(incident_id)
    if report not in incident.members:
        keys = ", ".join(incident.members)
        raise SplitError(f"report {report!r} is not in incident {incident_id!r} ({keys})")
    moving = chain_of(incident.members, report)
    if incident.founder in moving:
        raise SplitError(
            f"report {report!r} founded incident {incident_id!r} (or is followed up by "
            "its founding report); split the other reports out instead"
        )
    if len(incident.members) == len(moving):
        raise SplitError(f"incident {incident_id!r} has no other report to keep")
    moved = {key: incident.members.pop(key) for key in moving}
    incident.refresh()
    previous = incident.level
    setter = level_setter(incident.members)
    incident.level = setter.level
    incident.last_activity_at = max(incident.last_activity_at, when)
    head = moved[report]
    why = f"split out of {incident_id} by {by}: {reason}"
    new = new_incident(head, {"district": incident.district, "exposure": exposure}, why)
    for key, member in moved.items():
        if key != report:
            new.add(member)
    founded = level_setter(new.members)
    new.level = founded.level
    new.grade_history = [
        GradeEntry(
            level=founded.level,
            at=when,
            rule_id=founded.rule_id,
            report_id=founded.report_id,
            reason=why,
            change="initial",
        )
    ]
    new.last_activity_at = max(new.last_activity_at, when)
    for member in moved.values():
        for owner, other in ((incident, new.incident_id), (new, incident_id)):
            owner.merge_history.append(
                MergeEntry(
                    action="split",
                    report_id=member.report_id,
                    source=member.source,
                    at=when,
                    by=by,
                    reason=reason,
                    incident_id=other,
                )
            )
    if incident.level != previous:
        incident.grade_history.append(
            GradeEntry(
                level=incident.level,
                at=when,
                rule_id=setter.rule_id,
                report_id=head.report_id,
                reason=f"report {report} split out by {by}; level "
                f"{level_text(previous, incident.level)}",
                change=level_change(previous, incident.level),  # type: ignore[arg-type]
            )
        )
    state.incidents[new.incident_id] = new
    rid = head.report_id
    return state, [
        update_of(incident, state.key, "split", report_id=rid, previous_level=previous),
        update_of(new, state.key, "split", report_id=rid),
    ]
