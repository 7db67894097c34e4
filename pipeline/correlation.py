"""Incidents in the worker: classified reports -> correlated incident records, on table state.

Reports arrive on ``reports.classified`` keyed by district (``district_key``), so a
district's incidents live on one partition. Each incident is one table entry (keyed by its
id), written when the incident changes; the correlator works on an in-memory
:class:`DistrictIncidents` rebuilt from the table on first use (its watermark and report
sequence follow from the incidents). The record of every changed incident is published on
``incidents.classified`` as an ``incidents`` document whose id is the incident id, so the
document in Elasticsearch is updated in place.

Operator commands (``incidents.commands``, keyed like the reports) are applied in the same
stream: lifecycle changes, splits, and resources committed to or released from an incident.
Each publishes the incident's record again, an audit record on ``audit.actions`` (indexed
into ``{prefix}-audit``) and, for resources, the resource's status on ``resources.status``
(indexed into ``{prefix}-resources``). An incident's entry keeps the document last published
(``_doc``, the base of the next record when no report comes with the change) and the
resources committed to it (``_committed``); which resources are committed is known from
those entries, so it stays with the partitions that hold the incidents. With several
worker processes, each knows the commitments of its own districts' incidents.

Every new incident, level change and status change also goes to ``risk.inputs`` for the
district risk score.
"""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import zstandard
from pydantic import ValidationError

from pipeline.geo.facilities import FacilityRegistry
from pipeline.incident_commands import IncidentCommand
from pipeline.incidents import Correlator
from pipeline.incidents.errors import (
    IncidentError,
    InvalidTransition,
    ResourceError,
    SplitError,
    UnknownIncident,
)
from pipeline.incidents.lifecycle import transition
from pipeline.incidents.members import report_from_document
from pipeline.incidents.records import IncidentUpdate, update_of
from pipeline.incidents.resources import AVAILABLE, COMMITTED, commit, recommend, release
from pipeline.incidents.retired import RetiredReports
from pipeline.incidents.state import (
    CLOSED_STATUSES,
    DistrictIncidents,
    Incident,
    as_time,
    json_time,
    report_key,
)
from pipeline.names import TopicNames
from pipeline.processing import DOC_ID_HEADER, Origin, OutMessage, deadletter_message
from schemas.audit import audit_document

log = logging.getLogger("citywatch.correlation")

META_PREFIX = "district:"
RETIRED_MAX = 10_000
"""Dropped incidents remembered per district (the most recently dropped), by default.

A report is delivered again after a rebalance or a crash behind whatever reached its
partition meanwhile: within a backlog, thousands of reports later. In the fault suite's
20,000-report backlog the busiest district (Pudong) drops about 2,600 incidents, and a
memory of only 1,000 let a redelivered report whose incident had been dropped long before
join a newer one (finding 8 in ``docs/reliability.md``). Each remembered incident costs a
tombstone entry and its report keys, about 500 bytes."""
dumps = orjson.dumps
"""Compact UTF-8 JSON (the same values as ``json.dumps``; a float below 1e-4 or from 1e16
up is written in orjson's shorter exponent form)."""
_compress = zstandard.ZstdCompressor(level=1).compress
_decompress = zstandard.ZstdDecompressor().decompress
ERROR_CODES: dict[type[Exception], str] = {
    UnknownIncident: "unknown_incident",
    InvalidTransition: "invalid_transition",
    SplitError: "invalid_split",
    ResourceError: "resource_unavailable",
}
RELEASE_ON = frozenset(("resolved", "closed"))
"""Statuses that release the resources still committed to an incident."""


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


DERIVED = frozenset(
    (
        "reports",
        "merge_history",
        "grade_history",
        "status_history",
        "resources",
        "location",
        "district",
        "gcj02",
        "casualties",
        "sources",
    )
)
"""Fields of an incident document that :func:`incident_document` sets from the record."""


def document_base(doc: dict[str, Any]) -> dict[str, Any]:
    """What an incident's table entry keeps of its last document: the report's own fields
    (text, source, explanation ...), without what the record gives anyway."""
    body = {k: v for k, v in doc["incident"].items() if k not in DERIVED}
    return {**{k: v for k, v in doc.items() if k != "geo"}, "incident": body}


def _fresh(base: dict[str, Any]) -> dict[str, Any]:
    """A copy of a stored base that :func:`incident_document` may change in place."""
    return {**base, "incident": dict(base["incident"]), "event": dict(base.get("event") or {})}


def encode_entry(entry: dict[str, Any]) -> bytes:
    """A table entry as stored: its JSON, compressed with Zstandard.

    The incident entries are most of the worker's memory (each keeps its incident's last
    document to publish it again on an operator command). Compressed, an entry takes under
    half the bytes of its JSON (2.8 KB to 1.3 KB in the benchmark's state), for about 10 µs
    to write and 7 µs to read."""
    return _compress(dumps(entry))


def decode_entry(value: bytes | None) -> dict[str, Any] | None:
    """A table entry: compressed JSON (as written now) or plain JSON (as written by earlier
    versions; the table's values come back as the bytes written)."""
    if not value:
        return None
    if value.startswith(zstandard.FRAME_HEADER):
        value = _decompress(value)
    decoded: dict[str, Any] = orjson.loads(value)
    return decoded


def _without_none(form: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in form.items() if v is not None}


def incident_document(report_doc: dict[str, Any], update: IncidentUpdate) -> dict[str, Any]:
    """The ``incidents`` document of an incident: the latest report's (``report_doc``,
    updated in place), with the incident's identity, grade, place, members and histories.

    It shares dicts with ``update`` (and the incident): serialise it before they change."""
    doc = report_doc
    body = doc["incident"]
    first_reported_at = json_time(update.first_reported_at)
    body.update(
        {
            "id": update.incident_id,
            "level": update.level,
            "type": update.type,
            "status": update.status,
            "report_count": update.report_count,
            "sources": update.sources,
            "first_reported_at": first_reported_at,
            "last_reported_at": json_time(update.last_reported_at),
            "reports": [_without_none(r.json_form()) for r in update.reports],
            "merge_history": [_without_none(m.json_form()) for m in update.merge_history],
            "grade_history": [_without_none(g.json_form()) for g in update.grade_history],
            "status_history": [
                {k: v for k, v in c.json_form().items() if k != "incident_id"}
                for c in update.status_history
            ],
            "location": update.location,
        }
    )
    if not body["status_history"]:
        body.pop("status_history")
    for field, value in (
        ("category", update.category),
        ("district", update.district),
        ("grid_cell", update.grid_cell),
        ("address", update.address),
    ):
        if value is not None:
            body[field] = value
        else:
            body.pop(field, None)
    if update.exposure is not None:
        body["exposure"] = update.exposure
    # otherwise the report's own exposure stays: the facilities around the latest report
    if update.casualties:
        body["casualties"] = update.casualties
    if update.economic_loss_cny is not None:
        body["economic_loss_cny"] = update.economic_loss_cny
    if update.rule_id:
        body["rule"] = {**body.get("rule", {}), "id": update.rule_id}
    geo = update.geo or {}
    if geo.get("gcj02"):
        body["gcj02"] = geo["gcj02"]
    if geo.get("wgs84"):
        doc["geo"] = {"location": geo["wgs84"]}
    doc["@timestamp"] = first_reported_at
    event = doc["event"]
    event["id"] = update.incident_id
    event["severity"] = update.level
    event["category"] = [update.category] if update.category else []
    return doc


def _district_ref(district: dict[str, Any] | None) -> dict[str, Any] | None:
    if not district or not district.get("code"):
        return None
    return {"code": district["code"], "name": district.get("name") or district["code"]}


class IncidentCorrelator:
    """Runs classified reports and operator commands on per-incident table entries."""

    def __init__(
        self,
        topics: TopicNames,
        correlator: Correlator,
        table: MutableMapping[str, Any],
        *,
        registry: FacilityRegistry | None = None,
        retired_max: int = RETIRED_MAX,
        recommend_min_level: int = 3,
        recommend_k: int = 3,
        recommend_max_distance_m: float | None = None,
    ) -> None:
        self.topics = topics
        self.correlator = correlator
        self.table = table
        self.registry = registry
        self.retired_max = retired_max
        self.recommend_min_level = recommend_min_level
        self.recommend_k = recommend_k
        self.recommend_max_distance_m = recommend_max_distance_m
        self._districts: dict[str, DistrictIncidents] = {}
        self._retired: dict[str, RetiredReports] = {}
        """District -> the reports of its dropped incidents (their entries are tombstones)."""
        self._committed: dict[str, str] | None = None
        """resource id -> incident id, from the entries' ``_committed`` (built on first use)."""

    def forget(self) -> None:
        """Drop the in-memory district states (after a rebalance they are rebuilt)."""
        self._districts.clear()
        self._retired.clear()
        self._committed = None

    def _state(self, key: str) -> DistrictIncidents:
        if self._committed is None:
            self._load()
        state = self._districts.get(key)
        if state is None:
            state = DistrictIncidents(key=key, incidents={})
            self._districts[key] = state
        return state

    def _load(self) -> None:
        """Rebuild every district's state and the commitments from the table, in one scan
        (on first use, and after a rebalance)."""
        by_district: dict[str, dict[str, Incident]] = {}
        metas: dict[str, dict[str, Any]] = {}
        committed: dict[str, str] = {}
        tombstones: list[tuple[str, int, datetime, str, list[str]]] = []
        last_drop: dict[str, int] = {}
        """District -> its report count at its latest drop."""
        for entry_key, raw in list(self.table.items()):
            value = decode_entry(raw)
            if not value:
                continue
            if entry_key.startswith(META_PREFIX):  # written by earlier versions
                metas[entry_key[len(META_PREFIX) :]] = value
                continue
            if "_retired" in value:
                district = value.get("_district_key") or "outside"
                at = as_time(value["last_activity_at"])
                # the report count when it was dropped (-1: written by earlier versions)
                dropped = value.get("_dropped", -1)
                tombstones.append((district, dropped, at, entry_key, value["_retired"]))
                last_drop[district] = max(last_drop.get(district, 0), dropped)
                continue
            body = {k: v for k, v in value.items() if not k.startswith("_")}
            by_district.setdefault(value.get("_district_key") or "outside", {})[entry_key] = (
                Incident.from_dict(body)
            )
            for item in value.get("_committed") or []:
                committed[item["resource_id"]] = entry_key
        self._districts = {}
        for key in set(by_district) | set(metas) | set(last_drop):
            incidents = by_district.get(key, {})
            meta = metas.get(key, {})
            # the watermark and the report count follow from the incidents themselves
            watermark = max((i.last_reported_at for i in incidents.values()), default=None)
            if meta.get("watermark") and (
                watermark is None or as_time(meta["watermark"]) > watermark
            ):
                watermark = as_time(meta["watermark"])
            seq = max(
                (m.seq for i in incidents.values() for m in i.members.values()),
                default=0,
            )
            self._districts[key] = DistrictIncidents(
                key=key,
                incidents=incidents,
                watermark=watermark,
                # the reports of dropped incidents count too, so the count never goes back
                seq=max(seq, meta.get("seq", 0), last_drop.get(key, 0)),
            )
        self._committed = committed
        self._retired = {}
        # in the order they were dropped, as the previous owner remembered them: the memory
        # forgets the earliest dropped first, not the earliest active (a report that came
        # late, with an old time, is dropped at once, and is the likeliest redelivered)
        for district, _, at, incident_id, reports in sorted(tombstones):
            self._retired_of(district).add(incident_id, at, reports)

    def _retired_of(self, key: str) -> RetiredReports:
        retired = self._retired.get(key)
        if retired is None:
            retired = RetiredReports(self.retired_max)
            self._retired[key] = retired
        return retired

    def handle(self, origin: Origin, value: bytes, now: datetime | None = None) -> list[OutMessage]:
        """A message of the correlator's stream: a classified report or an operator command."""
        if origin.topic == self.topics.incident_commands:
            return self.command(origin, value, now)
        return self.correlate(origin, value, now)

    # --- reports ------------------------------------------------------------------------

    def correlate(
        self, origin: Origin, value: bytes, now: datetime | None = None
    ) -> list[OutMessage]:
        now = now or datetime.now(UTC)
        try:
            report_doc = orjson.loads(value)
            report = report_from_document(report_doc)
            # the exposure (nearby facilities) stays in the document, not in the state
            report.pop("exposure", None)
        except (ValueError, KeyError, TypeError) as exc:
            return [
                self._dead(origin, value, "invalid_value", f"not an incidents document: {exc!r}")
            ]
        key = (report.get("district") or {}).get("code") or "outside"
        state = self._state(key)
        retired = self._retired.get(key)
        if retired is not None:
            dropped = retired.incident_of(
                report_key(str(report.get("source")), str(report.get("report_id")))
            )
            if dropped is not None:
                # a redelivery of a report whose incident was dropped: its last record,
                # listing this report, is already published
                log.debug("report of dropped incident %s delivered again", dropped)
                return []
        try:
            state, update = self.correlator.correlate(state, report)
        except ValueError as exc:
            return [self._dead(origin, value, "correlate_failed", str(exc))]
        if self.correlator.last_dropped:
            self._retire(key, state, self.correlator.last_dropped)
        # A redelivered report (already in the state) publishes the incident's current record
        # again: the state may have reached the changelog before a crash lost the output.
        out = [self._publish(key, state, update, report_doc)]
        if update.change == "new" or update.changed_level:
            out.append(self._risk_input(state.incidents.get(update.incident_id), update))
        return out

    def _retire(self, key: str, state: DistrictIncidents, dropped: list[Incident]) -> None:
        """Replace the entries of dropped incidents by tombstones listing their reports,
        and delete the tombstones that have expired."""
        retired = self._retired_of(key)
        for incident in dropped:
            gone = incident.incident_id
            if self._has_commitments(gone):
                for item in self._entry(gone).get("_committed") or []:
                    self._committed_index().pop(item["resource_id"], None)
            reports = list(incident.members)
            at = incident.last_activity_at
            tombstone = {
                "_district_key": key,
                "_retired": reports,
                "last_activity_at": json_time(at),
                "_dropped": state.seq,
            }
            self.table[gone] = encode_entry(tombstone)
            retired.add(gone, at, reports)
        window = self.correlator.retention_s
        cutoff = state.watermark - timedelta(seconds=window) if state.watermark else None
        for expired in retired.expire(cutoff):
            self.table.pop(expired, None)

    # --- commands -----------------------------------------------------------------------

    def command(
        self, origin: Origin, value: bytes, now: datetime | None = None
    ) -> list[OutMessage]:
        """Apply one operator command; a command that cannot be applied is dead-lettered."""
        try:
            cmd = IncidentCommand.model_validate_json(value)
        except ValidationError as exc:
            first = exc.errors()[0] if exc.errors() else {}
            where = ".".join(str(p) for p in first.get("loc", ())) or "command"
            message = f"not a valid incident command: {where}: {first.get('msg', exc)}"
            return [self._dead(origin, value, "invalid_command", message)]
        state = self._state(cmd.district)
        try:
            if cmd.action == "transition":
                return self._transition(state, cmd)
            if cmd.action == "split":
                return self._split(state, cmd)
            if cmd.action == "commit":
                return self._commit(state, cmd)
            return self._release(state, cmd)
        except IncidentError as exc:
            code = next((c for t, c in ERROR_CODES.items() if isinstance(exc, t)), "invalid")
            log.info("command %s refused: %s", cmd.command_id, exc)
            return [self._dead(origin, value, code, str(exc))]

    def _transition(self, state: DistrictIncidents, cmd: IncidentCommand) -> list[OutMessage]:
        incident = state.get(cmd.incident_id)
        assert cmd.to is not None
        change = transition(incident, cmd.to, cmd.by, cmd.reason, cmd.at)
        out: list[OutMessage] = []
        if change.to_status in RELEASE_ON:
            for item in list(self._entry(incident.incident_id).get("_committed") or []):
                out += self._release_one(
                    state, incident, item["resource_id"], cmd, f"incident {change.to_status}"
                )
        update = update_of(incident, state.key, "status")
        out.append(self._publish(state.key, state, update))
        out.append(
            self._audit(
                cmd,
                action="incident.status",
                target=self._target(incident),
                status=change.to_status,
                previous_status=change.from_status,
                audit_id=change.event_id,
                at=change.at,
            )
        )
        out.append(self._risk_input(incident, update))
        return out

    def _split(self, state: DistrictIncidents, cmd: IncidentCommand) -> list[OutMessage]:
        assert cmd.report is not None
        source = state.get(cmd.incident_id)
        base = self._entry(cmd.incident_id).get("_doc")
        done = cmd.report in state.incidents and cmd.report not in source.members
        if done:  # a redelivered split: publish both records again
            updates = [
                update_of(source, state.key, "split"),
                update_of(state.incidents[cmd.report], state.key, "split"),
            ]
        else:
            state, updates = self.correlator.split(
                state, cmd.incident_id, cmd.report, cmd.by, cmd.reason, cmd.at
            )
        out = []
        for update in updates:
            doc = _fresh(base) if base and update.incident_id != cmd.incident_id else None
            out.append(self._publish(state.key, state, update, doc))
            out.append(self._risk_input(state.incidents.get(update.incident_id), update))
        out.append(
            self._audit(
                cmd,
                action="incident.split",
                target=self._target(source),
                status="split",
                audit_id=f"{cmd.incident_id}:split:{cmd.report}",
                at=cmd.at,
            )
        )
        return out

    def _commit(self, state: DistrictIncidents, cmd: IncidentCommand) -> list[OutMessage]:
        assert cmd.resource_id is not None
        incident = state.get(cmd.incident_id)
        committed = self._committed_index()
        holder = committed.get(cmd.resource_id)
        entry = self._entry(incident.incident_id)
        items = list(entry.get("_committed") or [])
        mine = next((i for i in items if i["resource_id"] == cmd.resource_id), None)
        if not (
            holder == incident.incident_id and mine and mine.get("command_id") == cmd.command_id
        ):
            if not incident.is_open:
                raise ResourceError(
                    f"incident {incident.incident_id!r} is {incident.status}; resources are "
                    "committed to open incidents only"
                )
            status = {cmd.resource_id: COMMITTED if holder else AVAILABLE}
            try:
                commit(
                    status,
                    cmd.resource_id,
                    incident.incident_id,
                    cmd.by,
                    cmd.at,
                    registry=self.registry,
                )
            except ResourceError as exc:
                if holder:
                    raise ResourceError(f"{exc} (committed to incident {holder!r})") from None
                raise
            facility = self.registry.get(cmd.resource_id) if self.registry else None
            mine = {
                "resource_id": cmd.resource_id,
                "kind": facility.kind if facility else "equipment",
                "name": facility.name_zh if facility else cmd.resource_id,
                "name_en": facility.name_en if facility else None,
                "by": cmd.by,
                "at": cmd.at.isoformat(),
                "command_id": cmd.command_id,
            }
            items.append(mine)
            committed[cmd.resource_id] = incident.incident_id
            self._store(state.key, incident, committed_items=items)
        update = update_of(incident, state.key, "status")
        return [
            self._resource_message(cmd.resource_id, COMMITTED, incident, cmd),
            self._audit(
                cmd,
                action="resource.commit",
                target={**self._target(incident), "kind": "resource", "id": cmd.resource_id},
                status=COMMITTED,
                previous_status=AVAILABLE,
                audit_id=f"{cmd.incident_id}:commit:{cmd.resource_id}:{cmd.command_id}",
                at=cmd.at,
            ),
            self._publish(state.key, state, update),
        ]

    def _release(self, state: DistrictIncidents, cmd: IncidentCommand) -> list[OutMessage]:
        assert cmd.resource_id is not None
        incident = state.get(cmd.incident_id)
        out = self._release_one(state, incident, cmd.resource_id, cmd, cmd.reason)
        update = update_of(incident, state.key, "status")
        return [*out, self._publish(state.key, state, update)]

    def _release_one(
        self,
        state: DistrictIncidents,
        incident: Incident,
        resource_id: str,
        cmd: IncidentCommand,
        reason: str,
    ) -> list[OutMessage]:
        entry = self._entry(incident.incident_id)
        items = list(entry.get("_committed") or [])
        kept = [i for i in items if i["resource_id"] != resource_id]
        if len(kept) == len(items):
            raise ResourceError(
                f"resource {resource_id!r} is not committed to incident {incident.incident_id!r}"
            )
        release({resource_id: COMMITTED}, resource_id, cmd.by, cmd.at, registry=self.registry)
        self._committed_index().pop(resource_id, None)
        self._store(state.key, incident, committed_items=kept)
        return [
            self._resource_message(resource_id, AVAILABLE, incident, cmd, reason=reason),
            self._audit(
                cmd,
                action="resource.release",
                target={**self._target(incident), "kind": "resource", "id": resource_id},
                status=AVAILABLE,
                previous_status=COMMITTED,
                audit_id=f"{incident.incident_id}:release:{resource_id}:{cmd.command_id}",
                at=cmd.at,
                reason=reason,
            ),
        ]

    # --- records ------------------------------------------------------------------------

    def _entry(self, incident_id: str) -> dict[str, Any]:
        return decode_entry(self.table.get(incident_id)) or {}

    def _committed_index(self) -> dict[str, str]:
        if self._committed is None:
            self._load()
        assert self._committed is not None
        return self._committed

    def _has_commitments(self, incident_id: str) -> bool:
        return incident_id in self._committed_index().values()

    def committed_resources(self) -> dict[str, str]:
        """Resource id -> the incident it is committed to (this worker's incidents)."""
        return dict(self._committed_index())

    def _store(
        self,
        key: str,
        incident: Incident,
        *,
        doc: dict[str, Any] | None = None,
        committed_items: list[dict[str, Any]] | None = None,
    ) -> None:
        need_previous = doc is None or (
            committed_items is None and self._has_commitments(incident.incident_id)
        )
        previous = self._entry(incident.incident_id) if need_previous else {}
        extra: dict[str, Any] = {
            "_district_key": key,
            "_doc": document_base(doc) if doc is not None else previous.get("_doc"),
        }
        items = committed_items if committed_items is not None else previous.get("_committed")
        if items:
            extra["_committed"] = items
        # one compressed JSON text per entry: bytes cost far less memory than objects
        entry = incident.json_form()
        entry.update(extra)
        self.table[incident.incident_id] = encode_entry(entry)

    def _resources(self, update: IncidentUpdate) -> dict[str, Any] | None:
        items = []
        if self._has_commitments(update.incident_id):
            items = self._entry(update.incident_id).get("_committed") or []
        committed = [
            {k: v for k, v in i.items() if k != "command_id" and v is not None} for i in items
        ]
        recommended: list[dict[str, Any]] = []
        if (
            self.registry is not None
            and update.status not in CLOSED_STATUSES
            and update.level <= self.recommend_min_level
        ):
            taken = self._committed_index()
            status = {rid: COMMITTED for rid in taken}
            # what a recommendation reads of the record: the type, level, counts and place
            needs = {
                "type": update.type,
                "level": update.level,
                "casualties": update.casualties,
                "geo": update.geo,
            }
            recommended = [
                {k: v for k, v in r.to_dict().items() if v is not None}
                for r in recommend(
                    needs,
                    self.registry,
                    status,
                    k=self.recommend_k,
                    min_level=self.recommend_min_level,
                    max_distance_m=self.recommend_max_distance_m,
                )
            ]
        out = {"recommended": recommended, "committed": committed}
        return {k: v for k, v in out.items() if v} or None

    def _publish(
        self,
        key: str,
        state: DistrictIncidents,
        update: IncidentUpdate,
        report_doc: dict[str, Any] | None = None,
    ) -> OutMessage:
        """The incident's record on ``incidents.classified`` (and its entry stored)."""
        incident = state.incidents.get(update.incident_id)
        if report_doc is None:
            stored = self._entry(update.incident_id).get("_doc")
            if stored is None:
                raise UnknownIncident(f"no record of incident {update.incident_id!r} to update")
            report_doc = _fresh(stored)
        doc = incident_document(report_doc, update)
        resources = self._resources(update)
        if resources:
            doc["incident"]["resources"] = resources
        else:
            doc["incident"].pop("resources", None)
        if incident is not None and update.change != "duplicate":
            self._store(key, incident, doc=doc)
        return OutMessage(
            self.topics.classified,
            update.incident_id.encode(),
            dumps(doc),
            [(DOC_ID_HEADER, update.incident_id.encode())],
        )

    def _risk_input(self, incident: Incident | None, update: IncidentUpdate) -> OutMessage:
        """A compact incident record on ``risk.inputs`` for the district's risk score."""
        value = {
            "kind": "incident",
            "incident_id": update.incident_id,
            "district": _district_ref(update.district),
            "level": update.level,
            "status": update.status,
            "category": update.category,
            "last_reported_at": _iso(update.last_reported_at),
            "gone": incident is None,
        }
        return OutMessage(self.topics.risk_inputs, update.district_key.encode(), dumps(value))

    def _resource_message(
        self,
        resource_id: str,
        status: str,
        incident: Incident,
        cmd: IncidentCommand,
        *,
        reason: str | None = None,
    ) -> OutMessage:
        facility = None
        if self.registry is not None:
            try:
                facility = self.registry.get(resource_id)
            except KeyError:
                facility = None
        doc = resource_document(
            resource_id,
            status,
            incident_id=incident.incident_id if status == COMMITTED else None,
            last_incident_id=incident.incident_id,
            by=cmd.by,
            at=cmd.at,
            reason=reason,
            facility=facility,
            event_id=f"{resource_id}:{cmd.command_id}:{status}",
        )
        return OutMessage(
            self.topics.resources,
            resource_id.encode(),
            dumps(doc),
            [(DOC_ID_HEADER, resource_id.encode())],
        )

    def _target(self, incident: Incident) -> dict[str, Any]:
        target: dict[str, Any] = {"kind": "incident", "id": incident.incident_id}
        district = _district_ref(incident.district)
        if district:
            target["district"] = district
        return target

    def _audit(
        self,
        cmd: IncidentCommand,
        *,
        action: str,
        target: dict[str, Any],
        status: str,
        audit_id: str,
        at: datetime,
        previous_status: str | None = None,
        reason: str | None = None,
    ) -> OutMessage:
        if target.get("kind") == "resource":
            target = {**target, "incident_id": cmd.incident_id}
        doc = audit_document(
            action=action,
            target=target,
            status=status,
            reason=reason or cmd.reason,
            actor=cmd.by,
            role=cmd.role,
            previous_status=previous_status,
            command_id=cmd.command_id,
            at=at,
            audit_id=audit_id,
        )
        return OutMessage(
            self.topics.audit,
            audit_id.encode(),
            dumps(doc),
            [(DOC_ID_HEADER, audit_id.encode())],
        )

    def _dead(self, origin: Origin, value: bytes, code: str, message: str) -> OutMessage:
        stage = "command" if origin.topic == self.topics.incident_commands else "correlate"
        return deadletter_message(
            self.topics.deadletter, origin, value, stage=stage, code=code, message=message
        )


def resource_document(
    resource_id: str,
    status: str,
    *,
    incident_id: str | None,
    last_incident_id: str | None,
    by: str,
    at: datetime,
    reason: str | None,
    facility: Any | None,
    event_id: str,
) -> dict[str, Any]:
    """The ``resources`` document of a resource's current status (``_id`` = resource id)."""
    resource: dict[str, Any] = {
        "id": resource_id,
        "status": status,
        "incident_id": incident_id,
        "last_incident_id": last_incident_id,
        "by": by,
        "at": at.isoformat(),
        "reason": reason,
    }
    doc: dict[str, Any] = {
        "@timestamp": at.isoformat(),
        "event": {
            "id": resource_id,
            "kind": "state",
            "action": "commit" if status == COMMITTED else "release",
            "dataset": "citywatch.resources",
            "reference": event_id,
        },
    }
    if facility is not None:
        resource |= {
            "kind": facility.kind,
            "name": facility.name_zh,
            "name_en": facility.name_en,
            "district": facility.district,
        }
        doc["geo"] = {"location": {"lat": facility.lat, "lon": facility.lon}}
    doc["resource"] = {k: v for k, v in resource.items() if v is not None}
    return doc
