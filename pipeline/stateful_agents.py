"""The agents that keep state in changelog-backed Faust tables.

- ``assess_readings``: ``sensors.enriched`` (keyed by district) -> warning engine ->
  ``warnings.issued`` and risk scores.
- ``warning_commands``: ``warnings.commands`` (keyed by district) -> operator lifts, and the
  timer's ``tick`` commands (expiry, sensor health) so that every table write happens in
  the stream of the district's partition.
- ``correlate_reports``: ``reports.classified`` (keyed by district) -> correlated incident
  records on ``incidents.classified``.

Batches are taken with ``take_events``; before each event is handled the stream's current
event is set to it, so each table write goes to the changelog partition of that event and a
district's state stays with its partition. Outputs are acknowledged before the batch acks.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import faust

from pipeline.app import Topics
from pipeline.assess import Assessor
from pipeline.correlation import IncidentCorrelator
from pipeline.incidents import Correlator
from pipeline.processing import Origin, OutMessage
from pipeline.publishing import Publisher, origin_of
from pipeline.settings import Settings
from pipeline.warnings.profiles import load_profile
from pipeline.warnings.registry import SensorRegistry

log = logging.getLogger("citywatch.agents")

Handler = Callable[[Origin, bytes], list[OutMessage]]


def _table(app: faust.App, name: str, settings: Settings) -> Any:
    return app.Table(
        name,
        default=None,
        partitions=settings.topic_partitions,
        schema=faust.Schema(key_serializer="json", value_serializer="json"),
    )


async def handle_batch(
    stream: faust.StreamT, events: Sequence[faust.EventT], handle: Handler, publisher: Publisher
) -> None:
    out: list[OutMessage] = []
    for event in events:
        stream._set_current_event(event)  # table writes follow this event's partition
        out.extend(handle(origin_of(event), event.value))
    await publisher.publish(out)


def register_stateful_agents(
    app: faust.App, settings: Settings, topics: Topics, publisher: Publisher
) -> dict[str, Any]:
    names = topics.names
    assessor = Assessor(
        names,
        SensorRegistry.from_file(settings.sensor_registry_file),
        load_profile(settings.warnings_profile, settings.warnings_profiles_file),
        _table(app, "citywatch-sensor-state", settings),
        _table(app, "citywatch-warning-state", settings),
    )
    correlator = IncidentCorrelator(
        names,
        Correlator(
            max_distance_m=settings.correlate_distance_m,
            max_gap_s=settings.correlate_gap_s,
            retention_s=settings.correlate_retention_s,
        ),
        _table(app, "citywatch-incident-state", settings),
    )

    def raw(name: str) -> faust.TopicT:
        return app.topic(name, value_serializer="raw", key_serializer="raw")

    size, linger = settings.process_batch_size, settings.process_linger_s

    @app.agent(raw(names.enriched), concurrency=1, name="citywatch.assess_readings")
    async def assess_readings(stream: faust.StreamT) -> None:
        async for events in stream.take_events(size, within=linger):
            await handle_batch(stream, events, assessor.assess, publisher)

    @app.agent(raw(names.commands), concurrency=1, name="citywatch.warning_commands")
    async def warning_commands(stream: faust.StreamT) -> None:
        async for events in stream.take_events(size, within=linger):
            await handle_batch(stream, events, assessor.command, publisher)

    @app.agent(raw(names.graded), concurrency=1, name="citywatch.correlate_reports")
    async def correlate_reports(stream: faust.StreamT) -> None:
        async for events in stream.take_events(size, within=linger):
            await handle_batch(stream, events, correlator.correlate, publisher)

    @app.timer(interval=settings.warnings_tick_interval_s)
    async def tick_warnings() -> None:
        at = datetime.now(UTC).isoformat()
        await publisher.publish(
            [
                OutMessage(
                    names.commands,
                    code.encode(),
                    json.dumps({"action": "tick", "district": code, "at": at}).encode(),
                )
                for code in sorted(assessor.districts())
            ]
        )

    @app.on_partitions_revoked.connect
    async def forget_district_states(sender: Any, revoked: Any, **kwargs: Any) -> None:
        correlator.forget()

    return {
        "assess_readings": assess_readings,
        "warning_commands": warning_commands,
        "correlate_reports": correlate_reports,
        "assessor": assessor,
        "correlator": correlator,
    }
