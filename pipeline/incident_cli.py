"""Operator commands from the command line: ``citywatch incidents ...`` and ``citywatch
resources ...``.

The incident is looked up in ``{prefix}-incidents`` (its district decides the command's
partition; an illegal lifecycle change is refused before anything is sent), the command goes
to ``incidents.commands``, and the outcome is awaited: the worker's audit record (indexed
into ``{prefix}-audit`` with the command's id) or the command's dead letter (indexed under
the command's own topic, partition and offset), whichever comes first.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from elasticsearch import Elasticsearch, NotFoundError
from kafka import KafkaProducer

from pipeline.clients import elasticsearch_client, kafka_python_config
from pipeline.errors import CitywatchError
from pipeline.incident_commands import IncidentCommand, command_message, new_command
from pipeline.incidents.lifecycle import TRANSITIONS
from pipeline.names import index_name
from pipeline.settings import Settings


class CommandRefused(CitywatchError):
    """The command cannot be applied; the message says why."""


@dataclass
class Outcome:
    command: IncidentCommand
    coordinates: str
    applied: bool | None
    """True: audited by the worker; False: dead-lettered; None: no answer within the wait."""
    message: str


def _incident(es: Elasticsearch, settings: Settings, incident_id: str) -> dict[str, Any]:
    try:
        found = es.get(index=index_name(settings.index_prefix, "incidents"), id=incident_id)
    except NotFoundError:
        raise CommandRefused(
            f"no incident {incident_id!r} in {index_name(settings.index_prefix, 'incidents')}"
        ) from None
    return dict(found["_source"]["incident"])


def incident_of_resource(es: Elasticsearch, settings: Settings, resource_id: str) -> str:
    """The incident a resource is committed to, from ``{prefix}-resources``."""
    index = index_name(settings.index_prefix, "resources")
    try:
        found = es.get(index=index, id=resource_id)
    except NotFoundError:
        raise CommandRefused(f"resource {resource_id!r} has never been committed") from None
    resource = found["_source"]["resource"]
    if resource.get("status") != "committed" or not resource.get("incident_id"):
        raise CommandRefused(f"resource {resource_id!r} is {resource.get('status')}")
    return str(resource["incident_id"])


def prepare(
    es: Elasticsearch, settings: Settings, action: str, incident_id: str, **fields: Any
) -> IncidentCommand:
    """The command for ``incident_id``, checked against its indexed record."""
    incident = _incident(es, settings, incident_id)
    status = incident.get("status", "reported")
    to = fields.get("to")
    if action == "transition" and to not in TRANSITIONS.get(status, ()):
        options = TRANSITIONS.get(status, ())
        hint = f"allowed: {', '.join(options)}" if options else f"{status} is final"
        raise CommandRefused(f"incident {incident_id!r} cannot go from {status} to {to} ({hint})")
    district = (incident.get("district") or {}).get("code") or "outside"
    return new_command(action, incident_id, district, **fields)


def send(settings: Settings, command: IncidentCommand) -> str:
    """Send ``command``; returns its ``topic:partition:offset``."""
    message = command_message(settings.topics(), command)
    producer = KafkaProducer(acks="all", **kafka_python_config(settings))
    try:
        meta = producer.send(message.topic, key=message.key, value=message.value).get(timeout=30)
    finally:
        producer.close()
    return f"{meta.topic}:{meta.partition}:{meta.offset}"


def await_outcome(
    es: Elasticsearch, settings: Settings, command: IncidentCommand, coordinates: str, wait_s: float
) -> Outcome:
    """Wait up to ``wait_s`` for the worker's audit record or the command's dead letter."""
    audit = index_name(settings.index_prefix, "audit")
    dead = index_name(settings.index_prefix, "deadletter")
    deadline = time.monotonic() + wait_s
    while True:
        hits = es.options(ignore_status=404).search(
            index=audit,
            query={"term": {"audit.command_id": command.command_id}},
            size=20,
            sort=[{"@timestamp": "asc"}],
        )
        found = (hits.get("hits") or {}).get("hits") or []
        if found:
            lines = [h["_source"]["message"] for h in found]
            return Outcome(command, coordinates, True, "\n".join(lines))
        letter = es.options(ignore_status=404).get(index=dead, id=coordinates)
        if letter.get("found"):
            error = letter["_source"]["error"]
            return Outcome(command, coordinates, False, f"{error['code']}: {error['message']}")
        if time.monotonic() >= deadline:
            return Outcome(
                command,
                coordinates,
                None,
                f"sent as {coordinates}; no answer from the worker within {wait_s:g} s "
                "(is `citywatch worker` running?)",
            )
        time.sleep(0.5)


def run_command(
    settings: Settings,
    action: str,
    incident_id: str | None,
    *,
    wait_s: float,
    **fields: Any,
) -> Outcome:
    """Look up, check, send and await one incident command."""
    es = elasticsearch_client(settings)
    try:
        if incident_id is None:
            incident_id = incident_of_resource(es, settings, str(fields["resource_id"]))
        command = prepare(es, settings, action, incident_id, **fields)
        coordinates = send(settings, command)
        if wait_s <= 0:
            return Outcome(command, coordinates, None, f"sent as {coordinates}")
        return await_outcome(es, settings, command, coordinates, wait_s)
    finally:
        es.close()


def show(settings: Settings, incident_id: str) -> dict[str, Any]:
    """The indexed record of one incident: status, history and resources."""
    es = elasticsearch_client(settings)
    try:
        incident = _incident(es, settings, incident_id)
    finally:
        es.close()
    keep = (
        "id",
        "type",
        "category",
        "level",
        "status",
        "district",
        "report_count",
        "sources",
        "first_reported_at",
        "last_reported_at",
        "reports",
        "status_history",
        "merge_history",
        "resources",
    )
    return {k: incident[k] for k in keep if k in incident}


def dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
