"""The incident state of one district, and the incident record published for each change.

One :class:`DistrictIncidents` per district: the Faust table key is the district code, or
``"outside"`` for reports outside the city (:func:`district_key`). It holds the recent
incidents of that district (:class:`Incident`), each with its member reports
(:class:`Member`: point, time, grade and counts), its grade history, merge history and
lifecycle history. The record published after each change is built in
:mod:`pipeline.incidents.records`. ``to_dict`` / ``from_dict`` give the JSON form; a state that went
through them behaves exactly like the original.

The records are plain dataclasses (:class:`JsonRecord`): the correlator builds, changes and
serialises them for every report, so they are not validated on the way and the JSON of
those it writes for every report is built by hand (:meth:`JsonRecord.json_form`); the JSON
form itself, and its validation when it is read back, are pydantic's.

A report is named by its key ``<source>:<report_id>`` (:func:`report_key`); an incident's
``incident_id`` is the key of its founding report and never changes.

Times are timezone-aware datetimes, RFC 3339 in JSON. Points are WGS 84.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, ClassVar, Literal, Self

import orjson
from pydantic import BaseModel, ConfigDict, TypeAdapter

from pipeline.geo.sphere import circle_boxes
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


@cache
def _adapter(cls: type) -> TypeAdapter[Any]:
    return TypeAdapter(cls)


_TIME = TypeAdapter(datetime).serializer


def json_time(value: datetime) -> str:
    """A time as the records' JSON form writes it (RFC 3339, ``Z`` for UTC)."""
    text: str = _TIME.to_python(value, mode="json")
    return text


class JsonRecord:
    """Base of the incident records (dataclasses), with the JSON form of a :class:`Record`.

    Built without validation. :meth:`to_dict` and :meth:`from_dict` go through pydantic, so
    the JSON form and its validation are those of a pydantic model with the same fields
    (``extra="forbid"``). :meth:`json_form` gives the same form for serialising at once
    (:meth:`to_json`): the records written for every report build it by hand, which is
    faster, and share their dicts and lists with it rather than copying them (a test
    checks that both forms agree).
    """

    __slots__ = ()
    __pydantic_config__: ClassVar[ConfigDict] = ConfigDict(extra="forbid")

    def to_dict(self) -> dict[str, Any]:
        """The JSON-serialisable form (a copy)."""
        data: dict[str, Any] = _adapter(type(self)).dump_python(self, mode="json")
        return data

    def json_form(self) -> dict[str, Any]:
        """:meth:`to_dict`'s form, to serialise before the record changes: it may share
        the record's dicts and lists."""
        return self.to_dict()

    def to_json(self) -> bytes:
        """The JSON form as compact JSON text."""
        return orjson.dumps(self.json_form())

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """The record back from :meth:`to_dict`'s form (validated)."""
        record: Self = _adapter(cls).validate_python(data)
        return record


@dataclass(slots=True, kw_only=True)
class Member(JsonRecord):
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

    def json_form(self) -> dict[str, Any]:
        return {
            "report_id": self.report_id,
            "source": self.source,
            "reported_at": json_time(self.reported_at),
            "seq": self.seq,
            "lat": self.lat,
            "lon": self.lon,
            "gcj02": self.gcj02,
            "category": self.category,
            "type": self.type,
            "level": self.level,
            "rule_id": self.rule_id,
            "casualties": self.casualties,
            "economic_loss_cny": self.economic_loss_cny,
            "updates": self.updates,
        }


@dataclass(slots=True, kw_only=True)
class GradeEntry(JsonRecord):
    """One grading of the incident: every level change and every follow-up re-grade."""

    level: int
    at: datetime
    rule_id: str | None = None
    report_id: str | None = None
    reason: str
    change: Literal["initial", "up", "down", "same"]

    def json_form(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "at": json_time(self.at),
            "rule_id": self.rule_id,
            "report_id": self.report_id,
            "reason": self.reason,
            "change": self.change,
        }


@dataclass(slots=True, kw_only=True)
class MergeEntry(JsonRecord):
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

    def json_form(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "report_id": self.report_id,
            "source": self.source,
            "at": json_time(self.at),
            "by": self.by,
            "reason": self.reason,
            "incident_id": self.incident_id,
            "updates_report_id": self.updates_report_id,
            "distance_m": self.distance_m,
        }


@dataclass(slots=True, kw_only=True)
class StatusChange(JsonRecord):
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

    def json_form(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id,
            "incident_id": self.incident_id,
            "sequence": self.sequence,
            "from_status": self.from_status,
            "to_status": self.to_status,
            "by": self.by,
            "reason": self.reason,
            "at": json_time(self.at),
        }


@dataclass(slots=True, kw_only=True)
class Incident(JsonRecord):
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
    grade_history: list[GradeEntry] = field(default_factory=list)
    merge_history: list[MergeEntry] = field(default_factory=list)
    status_history: list[StatusChange] = field(default_factory=list)
    last_activity_at: datetime
    """Latest report, split or lifecycle change; the retention window counts from it."""
    first_reported_at: datetime
    last_reported_at: datetime
    box: tuple[float, float, float, float]
    """``(south, west, north, east)`` around the members' points, in degrees."""
    targets: list[str] = field(default_factory=list)
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

    def json_form(self) -> dict[str, Any]:
        return {
            "incident_id": self.incident_id,
            "category": self.category,
            "type": self.type,
            "level": self.level,
            "status": self.status,
            "location": self.location,
            "address": self.address,
            "district": self.district,
            "geo": self.geo,
            "grid_cell": self.grid_cell,
            "exposure": self.exposure,
            "members": {key: member.json_form() for key, member in self.members.items()},
            "grade_history": [entry.json_form() for entry in self.grade_history],
            "merge_history": [entry.json_form() for entry in self.merge_history],
            "status_history": [change.json_form() for change in self.status_history],
            "last_activity_at": json_time(self.last_activity_at),
            "first_reported_at": json_time(self.first_reported_at),
            "last_reported_at": json_time(self.last_reported_at),
            "box": list(self.box),
            "targets": self.targets,
        }

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


def _cells_between(low: float, high: float, cells: range) -> range:
    """The grid rows (or columns) from ``low`` to ``high`` degrees, among ``cells``."""
    return range(max(cells.start, int(low // GRID_DEG)), min(cells.stop, int(high // GRID_DEG) + 1))


@dataclass(kw_only=True)
class DistrictIncidents(JsonRecord):
    """The recent incidents of one district (one Faust table value)."""

    key: str
    """District code, or ``"outside"``."""
    incidents: dict[str, Incident] = field(default_factory=dict)
    watermark: datetime | None = None
    """Latest report time seen; the retention window ends here."""
    seq: int = 0
    """Reports taken in so far (the next member's ``seq``)."""

    def __post_init__(self) -> None:
        # In-memory lookups (not in the JSON form), rebuilt after loading and kept up to
        # date by the correlator: report key -> incident, follow-up target -> incident,
        # founder grid cell -> incidents; None until indexed.
        self._by_member: dict[str, str] | None = None
        self._by_target: dict[str, str] = {}
        self._grid: dict[tuple[int, int], set[str]] = {}
        # A heap of (a lower bound of an incident's last activity, its id): an entry per
        # incident (its last activity only grows), and those of dropped incidents until
        # they come up.
        self._activity: list[tuple[datetime, str]] = []

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

    def _indexed_lookups(self) -> dict[str, str]:
        """Report key -> incident id, the lookups indexed first if need be."""
        if self._by_member is None:
            self.reindex()
        assert self._by_member is not None
        return self._by_member

    def reindex(self) -> None:
        """Rebuild the lookups from the incidents (after loading, or a split)."""
        self._by_member, self._by_target, self._grid = {}, {}, {}
        self._activity = []
        for incident in self.incidents.values():
            self.indexed(incident)

    def indexed(self, incident: Incident) -> None:
        """Record ``incident``'s reports, follow-up targets and founder cell."""
        by_member = self._by_member
        if by_member is None:
            self.reindex()
            return
        incident_id = incident.incident_id
        founder = incident.founder
        if founder not in by_member:  # a new incident
            heapq.heappush(self._activity, (incident.last_activity_at, incident_id))
        for key in incident.members:
            by_member[key] = incident_id
        by_target = self._by_target
        for target in incident.targets:
            by_target[target] = incident_id
        cell = self._founder_cell(incident)
        self._grid.setdefault(cell, set()).add(incident_id)

    @staticmethod
    def _founder_cell(incident: Incident) -> tuple[int, int]:
        founder = incident.members[incident.founder]
        return grid_cell_of(founder.lat, founder.lon)

    def unindexed(self, incident: Incident) -> None:
        """Forget a dropped incident in the lookups."""
        by_member = self._by_member
        if by_member is None:
            return
        incident_id = incident.incident_id
        for key in incident.members:
            if by_member.get(key) == incident_id:
                del by_member[key]
        for target in incident.targets:
            if self._by_target.get(target) == incident_id:
                del self._by_target[target]
        cell = self._founder_cell(incident)
        ids = self._grid.get(cell)
        if ids is not None:
            ids.discard(incident_id)
            if not ids:
                del self._grid[cell]

    def drop(self, incident_id: str) -> Incident:
        """Drop an incident from the state (and the lookups); returns it."""
        incident = self.incidents.pop(incident_id)
        self.unindexed(incident)
        return incident

    def drop_inactive(self, cutoff: datetime) -> list[Incident]:
        """Drop the incidents whose last activity lies before ``cutoff``; returns them,
        least recently active first."""
        self._indexed_lookups()
        heap, incidents = self._activity, self.incidents
        found: dict[str, None] = {}
        while heap and heap[0][0] < cutoff:
            _, incident_id = heapq.heappop(heap)
            incident = incidents.get(incident_id)
            if incident is None or incident_id in found:
                continue
            if incident.last_activity_at < cutoff:
                found[incident_id] = None
            else:  # active since the entry was made: it moves up
                heapq.heappush(heap, (incident.last_activity_at, incident_id))
        return [self.drop(incident_id) for incident_id in found]

    def near_founders(
        self, lat: float, lon: float, radius_m: float | None = None
    ) -> list[Incident]:
        """Incidents whose founding report lies in the grid cells around a point (a
        superset of those within :data:`GRID_DEG` of it); with ``radius_m``, only in those
        of these cells that the circle of that radius around the point reaches."""
        self._indexed_lookups()
        grid = self._grid
        incidents = self.incidents
        row, col = grid_cell_of(lat, lon)
        rows, cols = range(row - 1, row + 2), range(col - 1, col + 2)
        if radius_m is not None:
            # (a metre more against rounding at the circle's edge)
            boxes = circle_boxes(lat, lon, radius_m + 1.0)
            rows = _cells_between(min(b[1] for b in boxes), max(b[3] for b in boxes), rows)
            cols = _cells_between(min(b[0] for b in boxes), max(b[2] for b in boxes), cols)
        found = []
        for r in rows:
            for c in cols:
                for incident_id in grid.get((r, c), ()):
                    incident = incidents.get(incident_id)
                    if incident is not None:
                        found.append(incident)
        return found

    def incident_of(self, key: str) -> Incident | None:
        """The incident the report with this key belongs to, if any."""
        incident = self.incidents.get(self._indexed_lookups().get(key, ""))
        return incident if incident is not None and key in incident.members else None

    def incident_updating(self, key: str) -> Incident | None:
        """The incident holding a follow-up of the report with this key, if any."""
        self._indexed_lookups()
        incident = self.incidents.get(self._by_target.get(key, ""))
        return incident if incident is not None and key in incident.targets else None
