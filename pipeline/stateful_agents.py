"""The agents that keep state in changelog-backed Faust tables.

- ``assess_readings``: ``sensors.enriched`` (keyed by district) -> warning engine ->
  ``warnings.issued`` and risk scores.
- ``warning_commands``: ``warnings.commands`` (keyed by district) -> operator lifts, and the
  timer's ``tick`` commands (expiry, sensor health) so that every table write happens in
  the stream of the district's partition.
- ``correlate_reports``: ``reports.classified`` and ``incidents.commands`` (both keyed by
  district) -> correlated incident records on ``incidents.classified``; operator commands
  (lifecycle, split, resources) -> records, resource status and audit records.
- ``score_risk``: ``risk.inputs`` (keyed by district) -> district risk scores on
  ``risk.assessed``.
- ``track_inspections``: ``inspections.tracked`` (keyed by district) -> finding status,
  counts and overdue escalations.

Batches are taken with ``take_events``; before each event is handled the stream's current
event is set to it, so each table write goes to the changelog partition of that event and a
district's state stays with its partition. A batch's table writes are stored in Kafka before
its outputs are sent, and the outputs are acknowledged before the batch acks.
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
from pipeline.geo.facilities import FacilityRegistry
from pipeline.incidents import Correlator
from pipeline.inspection_tracking import InspectionTracker
from pipeline.processing import Origin, OutMessage
from pipeline.publishing import Publisher, origin_of
from pipeline.risk_scoring import RiskScorer, coalesce, load_risk_profile
from pipeline.settings import Settings
from pipeline.warnings.profiles import load_profile
from pipeline.warnings.registry import SensorRegistry

log = logging.getLogger("citywatch.agents")

Handler = Callable[[Origin, bytes], list[OutMessage]]


def _table(app: faust.App, name: str, settings: Settings, value_type: type | None = None) -> Any:
    """A changelog-backed table with JSON keys and JSON values, or with ``value_type=bytes``
    values stored as they are (the incident entries, compressed JSON: bytes cost far less
    memory than the objects).

    Faust takes a table's serializers from its key and value types (``bytes`` is raw, any
    other is JSON); a ``schema`` given to the table does not reach its changelog topic."""
    return app.Table(
        name, default=None, partitions=settings.topic_partitions, value_type=value_type
    )


async def handle_batch(
    stream: faust.StreamT,
    events: Sequence[faust.EventT],
    handle: Handler,
    publisher: Publisher,
    finish: Callable[[list[OutMessage]], list[OutMessage]] | None = None,
) -> None:
    out: list[OutMessage] = []
    for event in events:
        stream._set_current_event(event)  # table writes follow this event's partition
        out.extend(handle(origin_of(event), event.value))
    await flush_table_writes(stream.app.producer)
    await publisher.publish(finish(out) if finish else out)


async def flush_table_writes(producer: Any) -> None:
    """Wait until the table writes queued so far are stored in Kafka.

    Faust queues a table's changelog writes and sends them in the background. An output
    published before the state it came from is stored could outlive it: a worker killed in
    between restarts on the state from before the batch, its events are delivered again
    and correlated anew (a report that had joined an incident founds another, and both
    documents list it). The faust-streaming producer's own flush returns once its buffer
    has been idle for 0.1 s, so the buffer is drained first; then every send in flight is
    awaited.
    """
    buffer = producer.buffer
    while buffer.size:
        await buffer.flush()
    await producer.flush()


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
        _table(app, "citywatch-incident-state", settings, value_type=bytes),
        registry=FacilityRegistry.load(settings.facilities_file),
        retired_max=settings.correlate_retired_max,
        recommend_min_level=settings.recommend_min_level,
        recommend_k=settings.recommend_k,
        recommend_max_distance_m=settings.recommend_max_distance_m,
    )
    scorer = RiskScorer(
        names,
        _table(app, "citywatch-risk-state", settings),
        load_risk_profile(settings.risk_profile_file),
    )
    tracker = InspectionTracker(
        names,
        _table(app, "citywatch-inspection-state", settings),
        overdue_period_s=settings.inspections_overdue_period_s,
        retention_s=settings.inspections_retention_s,
    )

    size, linger = settings.process_batch_size, settings.process_linger_s

    def batch_agent(
        name: str,
        topics: Sequence[str],
        handle: Handler,
        finish: Callable[[list[OutMessage]], list[OutMessage]] | None = None,
    ) -> Any:
        """An agent that handles batches of ``topics`` with ``handle`` on table state."""
        channel = app.topic(*topics, value_serializer="raw", key_serializer="raw")

        async def agent(stream: faust.StreamT) -> None:
            async for events in stream.take_events(size, within=linger):
                await handle_batch(stream, events, handle, publisher, finish)

        agent.__name__ = agent.__qualname__ = name
        return app.agent(channel, concurrency=1, name=f"citywatch.{name}")(agent)

    agents = {
        "assess_readings": batch_agent("assess_readings", [names.enriched], assessor.assess),
        "warning_commands": batch_agent("warning_commands", [names.commands], assessor.command),
        "correlate_reports": batch_agent(
            "correlate_reports",
            [names.graded, names.incident_commands],
            correlator.handle,
            lambda out: coalesce(out, names.risk_inputs),
        ),
        "score_risk": batch_agent("score_risk", [names.risk_inputs], scorer.handle),
        "track_inspections": batch_agent("track_inspections", [names.tracked], tracker.handle),
    }

    @app.timer(interval=settings.warnings_tick_interval_s)
    async def tick_warnings() -> None:
        at = datetime.now(UTC).isoformat()

        def ticks(topic: str, codes: set[str], key: str) -> list[OutMessage]:
            return [
                OutMessage(
                    topic,
                    code.encode(),
                    json.dumps({key: "tick", "district": code, "at": at}).encode(),
                )
                for code in sorted(codes)
            ]

        await publisher.publish(
            ticks(names.commands, assessor.districts(), "action")
            + ticks(names.risk_inputs, scorer.districts(), "kind")
            + ticks(names.tracked, tracker.districts(), "action")
        )

    @app.on_partitions_revoked.connect
    async def forget_district_states(sender: Any, revoked: Any, **kwargs: Any) -> None:
        correlator.forget()
        scorer.forget()

    return {
        **agents,
        "assessor": assessor,
        "correlator": correlator,
        "scorer": scorer,
        "tracker": tracker,
    }
