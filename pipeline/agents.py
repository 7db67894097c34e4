"""Faust agents: wiring only. Each batch is durable before its offsets can be committed.

- ``process_reports``: incident reports and inspection findings -> validate, enrich,
  classify -> ``incidents.classified`` (or ``deadletter``).
- ``process_readings``: sensor readings -> validate, enrich -> ``sensors.enriched``
  (or ``deadletter``).
- ``assess_readings``, ``warning_commands``, ``correlate_reports``: see
  :mod:`pipeline.stateful_agents`.
- ``index_outputs``: ``incidents.classified``, ``warnings.issued``, ``sensors.enriched``,
  ``risk.assessed``, ``audit.actions``, ``resources.status``, ``inspections.status``,
  ``inspections.counts`` and ``deadletter`` -> Elasticsearch bulk; a document
  Elasticsearch rejects as bad data is dead-lettered with stage ``index``.

``take_events`` acks a batch only after the agent's loop body returns, and the body returns
only when every output is acknowledged by Kafka (and, for the indexer, by Elasticsearch):
sends and bulks are retried with capped backoff while the partition waits. Agents catch
their own errors; concurrency is 1.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

import faust

from pipeline.app import Topics
from pipeline.indexing import BulkAction
from pipeline.processing import OutMessage, Processor
from pipeline.publishing import Publisher, origin_of
from pipeline.retry import Backoff
from pipeline.settings import Settings
from pipeline.sink import BulkSink
from pipeline.stateful_agents import register_stateful_agents
from pipeline.to_index import OutputIndexer

log = logging.getLogger("citywatch.agents")


def register_agents(
    app: faust.App, settings: Settings, processor: Processor, es_client: Any
) -> dict[str, Any]:
    """Declare the topics and agents on ``app``; returns them by name."""
    topics = Topics(app, settings.topics())
    backoff = Backoff(settings.retry_base_s, settings.retry_cap_s)
    publisher = Publisher(topics, backoff)
    sink = BulkSink(es_client, backoff=backoff, timeout_s=settings.bulk_timeout_s)
    indexer = OutputIndexer(settings.topics(), settings.index_prefix)

    async def process_batch(events: Sequence[faust.EventT], kind: str) -> None:
        started = time.perf_counter()
        out: list[OutMessage] = []
        for event in events:
            out.extend(processor.process(origin_of(event), event.value))
        await publisher.publish(out)
        dead = sum(1 for m in out if m.is_deadletter)
        log.info(
            "batch kind=%s events=%d published=%d deadletters=%d ms=%.1f",
            kind,
            len(events),
            len(out),
            dead,
            (time.perf_counter() - started) * 1000,
        )

    @app.agent(topics.reports_and_findings, concurrency=1, name="citywatch.process_reports")
    async def process_reports(stream: faust.StreamT) -> None:
        batches = stream.take_events(settings.process_batch_size, within=settings.process_linger_s)
        async for events in batches:
            await process_batch(events, "reports")

    @app.agent(topics.readings, concurrency=1, name="citywatch.process_readings")
    async def process_readings(stream: faust.StreamT) -> None:
        batches = stream.take_events(settings.process_batch_size, within=settings.process_linger_s)
        async for events in batches:
            await process_batch(events, "readings")

    @app.agent(topics.to_index, concurrency=1, name="citywatch.index_outputs")
    async def index_outputs(stream: faust.StreamT) -> None:
        async for events in stream.take_events(settings.bulk_size, within=settings.bulk_linger_s):
            started = time.perf_counter()
            actions: list[BulkAction] = []
            for event in events:
                actions.append(indexer.action_for(origin_of(event), event.value))
            result = await sink.write(actions)
            dead = []
            for action, etype, reason in result.rejected:
                message = indexer.rejection_deadletter(action, etype, reason)
                if message is None:
                    log.error("dead letter %s refused by Elasticsearch: %s", action.doc_id, reason)
                else:
                    dead.append(message)
            await publisher.publish(dead)
            log.info(
                "bulk docs=%d indexed=%d rejected=%d retries=%d ms=%.1f",
                len(actions),
                len(result.indexed),
                len(result.rejected),
                sink.retries_total,
                (time.perf_counter() - started) * 1000,
            )

    stateful = register_stateful_agents(app, settings, topics, publisher)

    return {
        **stateful,
        "process_reports": process_reports,
        "process_readings": process_readings,
        "index_outputs": index_outputs,
        "topics": topics,
        "sink": sink,
        "publisher": publisher,
    }
