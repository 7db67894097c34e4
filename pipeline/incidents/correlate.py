"""Correlation: reports of one incident become one incident record, with its audit.

:class:`Correlator` works on the state of one district (:class:`DistrictIncidents`; a Faust
table value keyed by :func:`~pipeline.incidents.state.district_key`). For each classified
report, in this order:

1. a report already in the state (a redelivery) changes nothing (``change="duplicate"``);
2. a follow-up (``updates_report_id`` naming a report of the same source) joins the
   incident of that report, whatever its category, place or time, and re-grades it: the
   named report's counts and grade are replaced by the follow-up's;
3. a report that a follow-up already in the state names joins that follow-up's incident
   (out-of-order arrival);
4. otherwise it merges into the nearest open incident (not resolved or closed) of the same
   category with a report within ``max_distance_m`` (inclusive), provided its time lies
   within ``max_gap_s`` (inclusive) of the incident's span of report times; the distance
   to an incident is that to its founding report (so an incident cannot creep across the
   city through a chain of nearby reports), ties go to the latest active incident.
   Unclassified reports never merge and nothing merges into them;
5. otherwise it opens a new incident whose id is its own key ``<source>:<report_id>``.

The level is the highest justified by any report's latest grade
(:func:`~pipeline.incidents.members.level_setter`). A level change, and every re-grade
by a follow-up even when the level stays, appends to ``grade_history``; every merge,
re-grade and split appends to ``merge_history``.

After each report, incidents whose last activity lies more than ``retention_s`` before
the latest report time seen are dropped from the state, and at most ``max_incidents`` are
kept (the least recently active go first), so the state stays bounded; Elasticsearch keeps
their records. A follow-up whose report has been dropped is correlated like any new report,
and a report older than the window still gets its record, though its incident is not kept.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from operator import attrgetter
from typing import Any

from pipeline.geo.sphere import haversine_m
from pipeline.incidents.members import (
    UNCLASSIFIED,
    as_mapping,
    latest_grades,
    level_setter,
    member_from_report,
    root_of,
    updates_report_id,
)
from pipeline.incidents.records import (
    IncidentUpdate,
    level_change,
    level_text,
    new_incident,
    update_of,
)
from pipeline.incidents.split import split_report
from pipeline.incidents.state import (
    GRID_DEG,
    ROMAN,
    DistrictIncidents,
    GradeEntry,
    Incident,
    Member,
    MergeEntry,
    report_key,
)

__all__ = ["Correlator", "correlate", "split", "update_of"]

_seq = attrgetter("seq")


class Correlator:
    """Merges reports into incidents, re-grades on follow-ups, splits on operator request."""

    def __init__(
        self,
        *,
        max_distance_m: float = 500.0,
        max_gap_s: float = 1800.0,
        retention_s: float = 86400.0,
        max_incidents: int = 1000,
    ) -> None:
        self.max_distance_m = max_distance_m
        self.max_gap_s = max_gap_s
        self.retention_s = retention_s
        self.max_incidents = max_incidents
        self.last_dropped: list[Incident] = []
        """The incidents the last :meth:`correlate` dropped (retention, size bound)."""

    def correlate(
        self,
        state: DistrictIncidents,
        report: Any,
        *,
        max_distance_m: float | None = None,
        max_gap_s: float | None = None,
    ) -> tuple[DistrictIncidents, IncidentUpdate]:
        """Take one classified report into ``state`` (updated in place and returned)."""
        self.last_dropped = []
        data = dict(as_mapping(report))
        key = report_key(str(data.get("source")), str(data.get("report_id")))
        known = state.incident_of(key)
        if known is not None:
            update = update_of(known, state.key, "duplicate", report_id=str(data["report_id"]))
            return state, update
        member = member_from_report(data, state.seq + 1)
        state.seq += 1
        if state.watermark is None or member.reported_at > state.watermark:
            state.watermark = member.reported_at
        distance = self.max_distance_m if max_distance_m is None else max_distance_m
        gap = timedelta(seconds=self.max_gap_s if max_gap_s is None else max_gap_s)
        incident, action, reason, metres = self._target(state, member, distance, gap)
        if incident is None:
            reason = f"initial grade {ROMAN[member.level]} from report {key}"
            incident = new_incident(member, data, reason)
            state.incidents[incident.incident_id] = incident
            state.indexed(incident)
            self.last_dropped = self.prune(state)
            return state, update_of(incident, state.key, "new", report_id=member.report_id)
        previous = incident.level
        # a re-grade names the grade it replaces
        before = latest_grades(incident.members) if action == "regrade" else {}
        incident.add(member)
        state.indexed(incident)
        if incident.type == UNCLASSIFIED and action == "regrade" and member.category:
            incident.type, incident.category = member.type, member.category
            reason += f"; type unclassified -> {member.type}"
        setter = level_setter(incident.members)
        incident.level = setter.level
        incident.merge_history.append(
            MergeEntry(
                action=action,  # type: ignore[arg-type]
                report_id=member.report_id,
                source=member.source,
                at=member.reported_at,
                reason=reason,
                updates_report_id=updates_report_id(member),
                distance_m=None if metres is None else round(metres, 1),
            )
        )
        if action == "regrade" or incident.level != previous:
            if action == "regrade":
                target = root_of(incident.members, key)
                was = before[target].level if target in before else member.level
                what = (
                    f"follow-up {key} re-grades report {target} ({level_text(was, member.level)})"
                )
            else:
                what = f"report {key} merged at {ROMAN[member.level]}"
            incident.grade_history.append(
                GradeEntry(
                    level=incident.level,
                    at=member.reported_at,
                    rule_id=setter.rule_id,
                    report_id=member.report_id,
                    reason=f"{what}; incident level {level_text(previous, incident.level)}",
                    change=level_change(previous, incident.level),  # type: ignore[arg-type]
                )
            )
        update = update_of(
            incident, state.key, action, report_id=member.report_id, previous_level=previous
        )
        self.last_dropped = self.prune(state)
        return state, update

    def _target(
        self, state: DistrictIncidents, member: Member, distance: float, gap: timedelta
    ) -> tuple[Incident | None, str, str, float | None]:
        """The incident the member joins, the action, the reason and the distance."""
        if member.updates:
            incident = state.incident_of(member.updates)
            if incident is not None:
                return incident, "regrade", f"follow-up to report {member.updates}", None
        incident = state.incident_updating(member.key)
        if incident is not None:
            return incident, "merge", "a follow-up to this report is in the incident", None
        if member.category is None:
            return None, "", "", None
        lat, lon = member.lat, member.lon
        category, when = member.category, member.reported_at
        best: tuple[float, float, str] | None = None
        chosen: tuple[Incident, Member] | None = None
        cell_m = 111_320.0 * GRID_DEG * math.cos(math.radians(abs(lat) + GRID_DEG))
        nearby = (
            state.near_founders(lat, lon, distance)
            if distance <= cell_m
            else state.incidents.values()
        )
        for incident in nearby:
            if incident.category != category or not incident.is_open:
                continue
            if not (incident.first_reported_at - gap <= when <= incident.last_reported_at + gap):
                continue
            founder = min(incident.members.values(), key=_seq)
            metres = haversine_m(lat, lon, founder.lat, founder.lon)
            if metres > distance:
                continue
            rank = (metres, -incident.last_activity_at.timestamp(), incident.incident_id)
            if best is None or rank < best:
                best, chosen = rank, (incident, founder)
        if chosen is None or best is None:
            return None, "", "", None
        incident, founder = chosen
        reason = (
            f"same category {category}: {best[0]:.0f} m from founding report {founder.key}, "
            f"within {gap.total_seconds() / 60:g} min of the incident's reports"
        )
        return incident, "merge", reason, best[0]

    def split(
        self,
        state: DistrictIncidents,
        incident_id: str,
        report: str,
        by: str,
        reason: str,
        at: datetime | str,
        *,
        exposure: dict[str, Any] | None = None,
    ) -> tuple[DistrictIncidents, list[IncidentUpdate]]:
        """:func:`~pipeline.incidents.split.split_report`: move a report to a new incident."""
        result = split_report(state, incident_id, report, by, reason, at, exposure=exposure)
        state.reindex()
        return result

    def prune(self, state: DistrictIncidents, now: datetime | None = None) -> list[Incident]:
        """Drop incidents beyond the retention window or the size bound; returns them
        (those out of the window least recently active first, then those over the bound).

        Over the bound, the least recently active go first, down to nine tenths of it.
        """
        clock = now or state.watermark
        dropped: list[Incident] = []
        if clock is not None:
            dropped = state.drop_inactive(clock - timedelta(seconds=self.retention_s))
        excess = len(state.incidents) - self.max_incidents
        if excess > 0:
            # drop a tenth more than needed, so the sort runs once per many reports
            excess += self.max_incidents // 10
            rest = sorted((inc.last_activity_at, i) for i, inc in state.incidents.items())
            dropped += [state.drop(incident_id) for _, incident_id in rest[:excess]]
        return dropped


_DEFAULT = Correlator()


def correlate(
    state: DistrictIncidents,
    report: Any,
    *,
    max_distance_m: float = 500.0,
    max_gap_s: float = 1800.0,
) -> tuple[DistrictIncidents, IncidentUpdate]:
    """:meth:`Correlator.correlate` with the default retention (24 h, 1000 incidents)."""
    return _DEFAULT.correlate(state, report, max_distance_m=max_distance_m, max_gap_s=max_gap_s)


def split(
    state: DistrictIncidents, incident_id: str, report: str, by: str, reason: str, at: Any
) -> tuple[DistrictIncidents, list[IncidentUpdate]]:
    """:meth:`Correlator.split` with the default correlator."""
    return _DEFAULT.split(state, incident_id, report, by, reason, at)
