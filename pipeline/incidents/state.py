"""The incident state of one district, and the incident record published for each change.

One :class:`DistrictIncidents` per district: the Faust table key is the district code, or
``"outside"`` for reports outside the city (:func:`district_key`). It holds the recent
incidents of that district (:class:`Incident`), each with its member reports
(:class:`Member`: point, time, grade and counts), its grade history, merge history and
lifecycle history. The record published after each change is built in
:mod:`pipeline.incidents.records`. ``to_dict`` / ``from_dict`` give the JSON form; a state that went
through them behaves exactly like the original.

A report is named by its key ``<source>:<report_id>`` (:func:`report_key`); an incident's
``incident_id`` is the key of its founding report and never changes.

Times are timezone-aware datetimes, RFC 3339 in JSON. Points are WGS 84.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, PrivateAttr

from pipeline.incidents.errors import InvalidReport, UnknownIncident

OUTSIDE = "outside"
"""The table key of reports outside every district."""

STATUSES = ("reported", "verified", "responding", "resolved", "closed")
"""Lifecycle states, in order; see :mod:`pipeline.incidents.lifecycle`."""
CLOSED_STATUSES = frozenset(("resolved", "closed"))
"""Incidents in these states take no more merges (a new report opens a new incident)."""

ROMAN = {1: "Ⅰ", 2: "Ⅱ", 3: "Ⅲ", 4: "Ⅳ"}


def report_key(source: str, report_id: str) -> str:
    """``<source>:<report_id>``, unique across sources (report ids are unique per source)."""
    return f"{source}:{report_id}"


def district_key(report: Mapping[str, Any]) -> str:
    """The table key of a classified report: its district code, or ``"outside"``."""
    district = report.get("district")
    code = district.get("code") if isinstance(district, Mapping) else None
    return str(code) if code else OUTSIDE


def as_time(value: Any, field: str = "time") -> datetime:
    """A timezone-aware datetime from a datetime or an RFC 3339 string."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError as exc:
            raise InvalidReport(f"{field}: not an RFC 3339 time: {value!r}") from exc
    if not isinstance(value, datetime):
        raise InvalidReport(f"{field}: expected an RFC 3339 time, got {value!r}")
    if value.tzinfo is None:
        raise InvalidReport(f"{field}: the time needs a zone offset: {value.isoformat()}")
    return value


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def to_dict(self) -> dict[str, Any]:
        """The JSON-serialisable form."""
        return self.model_dump(mode="json")

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """The model back from :meth:`to_dict`'s form."""
        return cls.model_validate(data)


class Member(Record):
    """One report of an incident, with its own grade and counts (as classified)."""

    report_id: str
    source: str
    reported_at: datetime
    seq: int
    """Arrival order in the district state; breaks ties between equal times."""
    lat: float
    """WGS 84 latitude."""
    lon: float
    """WGS 84 longitude."""
    gcj02: dict[str, float] | None = None
    """The same point in GCJ-02, when the report had it."""
    category: str | None
    type: str
    level: int
    rule_id: str | None = None
    casualties: dict[str, int] | None = None
    economic_loss_cny: float | None = None
    updates: str | None = None
    """Key of the report this follow-up brings new counts for (same source)."""

    @property
    def key(self) -> str:
        return report_key(self.source, self.report_id)

    @property
    def geo(self) -> dict[str, Any]:
        """``{"wgs84": {lat, lon}, "gcj02": {lat, lon}}`` (GCJ-02 when known)."""
        geo: dict[str, Any] = {"wgs84": {"lat": self.lat, "lon": self.lon}}
        if self.gcj02 is not None:
            geo["gcj02"] = dict(self.gcj02)
        return geo


class GradeEntry(Record):
    """One grading of the incident: every level change and every follow-up re-grade."""

    level: int
    at: datetime
    rule_id: str | None = None
    report_id: str | None = None
    reason: str
    change: Literal["initial", "up", "down", "same"]


class MergeEntry(Record):
    """One change of an incident's membership or a member's grade, for the audit."""

    action: Literal["merge", "split", "regrade"]
    report_id: str
    source: str
    at: datetime
    by: str | None = None
    """The operator, for a split; automatic changes have none."""
    reason: str
    incident_id: str | None = None
    """On a split: the other incident (where the report went, or came from)."""
    updates_report_id: str | None = None
    distance_m: float | None = None


class StatusChange(Record):
    """One lifecycle change: who, when and why (published and indexed as an event)."""

    event_id: str
    """``<incident_id>:status:<sequence>``, a deterministic document id."""
    incident_id: str
    sequence: int
    from_status: str
    to_status: str
    by: str
    reason: str
    at: datetime


class Incident(Record):
    """An incident: the reports merged into it, its grade, and its audit trail."""

    incident_id: str
    category: str | None
    type: str
    level: int
    status: str = "reported"
    location: dict[str, Any]
    """Where the founding report put it, as reported (datum in ``location.crs``)."""
    address: str | None = None
    district: dict[str, Any] | None = None
    geo: dict[str, Any]
    grid_cell: str | None = None
    exposure: dict[str, Any] | None = None
    members: dict[str, Member]
    """Report key -> member, in arrival order; the first is the founding report."""
    grade_history: list[GradeEntry] = []
    merge_history: list[MergeEntry] = []
    status_history: list[StatusChange] = []
    last_activity_at: datetime
    """Latest report, split or lifecycle change; the retention window counts from it."""
    first_reported_at: datetime
    last_reported_at: datetime
    box: tuple[float, float, float, float]
    """``(south, west, north, east)`` around the members' points, in degrees."""
    targets: list[str] = []
    """Keys of the reports the members follow up."""

    @classmethod
    def founded_by(cls, member: Member, **fields: Any) -> Incident:
        """A new incident whose only report is ``member``."""
        return cls(
            incident_id=member.key,
            category=member.category,
            type=member.type,
            level=member.level,
            members={member.key: member},
            last_activity_at=member.reported_at,
            first_reported_at=member.reported_at,
            last_reported_at=member.reported_at,
            box=(member.lat, member.lon, member.lat, member.lon),
            targets=[member.updates] if member.updates else [],
            **fields,
        )

    def add(self, member: Member) -> None:
        """Take ``member`` in and update the times, the box and the follow-up targets."""
        self.members[member.key] = member
        self.first_reported_at = min(self.first_reported_at, member.reported_at)
        self.last_reported_at = max(self.last_reported_at, member.reported_at)
        self.last_activity_at = max(self.last_activity_at, member.reported_at)
        s, w, n, e = self.box
        self.box = (min(s, member.lat), min(w, member.lon), max(n, member.lat), max(e, member.lon))
        if member.updates and member.updates not in self.targets:
            self.targets.append(member.updates)

    def refresh(self) -> None:
        """Recompute the times, the box and the targets from the members (after a removal)."""
        members = list(self.members.values())
        self.first_reported_at = min(m.reported_at for m in members)
        self.last_reported_at = max(m.reported_at for m in members)
        lats, lons = [m.lat for m in members], [m.lon for m in members]
        self.box = (min(lats), min(lons), max(lats), max(lons))
        self.targets = list(dict.fromkeys(m.updates for m in members if m.updates))

    @property
    def founder(self) -> str:
        return next(iter(self.members))

    @property
    def sources(self) -> list[str]:
        return sorted({m.source for m in self.members.values()})

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES


GRID_DEG = 0.01
"""Cell size of the founder grid, in degrees (about 1 km): wider than any merge distance
the correlator is configured with (it checks this)."""


def grid_cell_of(lat: float, lon: float) -> tuple[int, int]:
    return (int(lat // GRID_DEG), int(lon // GRID_DEG))


class DistrictIncidents(Record):
    """The recent incidents of one district (one Faust table value)."""

    key: str
    """District code, or ``"outside"``."""
    incidents: dict[str, Incident] = {}
    watermark: datetime | None = None
    """Latest report time seen; the retention window ends here."""
    seq: int = 0
    """Reports taken in so far (the next member's ``seq``)."""

    @classmethod
    def empty(cls, key: str) -> DistrictIncidents:
        return cls(key=key)

    def get(self, incident_id: str) -> Incident:
        """The incident with this id; :class:`UnknownIncident` names what there is."""
        try:
            return self.incidents[incident_id]
        except KeyError:
            raise UnknownIncident(
                f"no incident {incident_id!r} in district {self.key!r} (it may have fallen "
                f"out of the retention window); {len(self.incidents)} recent incident(s)"
            ) from None

    # In-memory lookups, rebuilt after loading and kept up to date by the correlator:
    # report key -> incident, follow-up target -> incident, founder grid cell -> incidents.
    _by_member: dict[str, str] | None = PrivateAttr(default=None)
    _by_target: dict[str, str] = PrivateAttr(default_factory=dict)
    _grid: dict[tuple[int, int], set[str]] = PrivateAttr(default_factory=dict)
    _oldest: datetime | None = PrivateAttr(default=None)
    """A lower bound of the incidents' last activity (None: unknown)."""

    def _private(self) -> dict[str, Any]:
        """The lookups, indexed if need be (read through the private-attribute dict: a
        private attribute read through the model costs a ``__getattr__`` call)."""
        private: dict[str, Any] = self.__pydantic_private__  # type: ignore[assignment]
        if private["_by_member"] is None:
            self.reindex()
        return private

    def _lookups(self) -> dict[str, str]:
        by_member: dict[str, str] = self._private()["_by_member"]
        return by_member

    def reindex(self) -> None:
        """Rebuild the lookups from the incidents (after loading, or a split)."""
        self._by_member, self._by_target, self._grid = {}, {}, {}
        self._oldest = None
        for incident in self.incidents.values():
            self.indexed(incident)

    def indexed(self, incident: Incident) -> None:
        """Record ``incident``'s reports, follow-up targets and founder cell."""
        private: dict[str, Any] = self.__pydantic_private__  # type: ignore[assignment]
        by_member = private["_by_member"]
        if by_member is None:
            self.reindex()
            return
        incident_id = incident.incident_id
        for key in incident.members:
            by_member[key] = incident_id
        by_target = private["_by_target"]
        for target in incident.targets:
            by_target[target] = incident_id
        oldest = private["_oldest"]
        if oldest is not None and incident.last_activity_at < oldest:
            private["_oldest"] = incident.last_activity_at
        founder = incident.members[incident.founder]
        private["_grid"].setdefault(grid_cell_of(founder.lat, founder.lon), set()).add(incident_id)

    def unindexed(self, incident: Incident) -> None:
        """Forget a dropped incident in the lookups."""
        if self._by_member is None:
            return
        for key in incident.members:
            if self._by_member.get(key) == incident.incident_id:
                del self._by_member[key]
        for target in incident.targets:
            if self._by_target.get(target) == incident.incident_id:
                del self._by_target[target]
        for ids in self._grid.values():
            ids.discard(incident.incident_id)

    def may_hold_activity_before(self, cutoff: datetime) -> bool:
        """False only when no incident's last activity lies before ``cutoff``."""
        oldest = self._private()["_oldest"]
        return oldest is None or oldest < cutoff

    def note_oldest(self, oldest: datetime) -> None:
        """Record a lower bound of the incidents' last activity (after a full scan)."""
        self._oldest = oldest

    def near_founders(self, lat: float, lon: float) -> list[Incident]:
        """Incidents whose founding report lies in the grid cells around a point (a
        superset of those within :data:`GRID_DEG` of it)."""
        grid = self._private()["_grid"]
        incidents = self.incidents
        row, col = grid_cell_of(lat, lon)
        found = []
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                for incident_id in grid.get((row + dr, col + dc), ()):
                    incident = incidents.get(incident_id)
                    if incident is not None:
                        found.append(incident)
        return found

    def incident_of(self, key: str) -> Incident | None:
        """The incident the report with this key belongs to, if any."""
        incident = self.incidents.get(self._lookups().get(key, ""))
        return incident if incident is not None and key in incident.members else None

    def incident_updating(self, key: str) -> Incident | None:
        """The incident holding a follow-up of the report with this key, if any."""
        by_target = self._private()["_by_target"]
        incident = self.incidents.get(by_target.get(key, ""))
        return incident if incident is not None and key in incident.targets else None
