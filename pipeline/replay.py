"""``citywatch replay``: rebuild the indices from the output topics.

Reads ``incidents.classified``, ``warnings.issued``, ``sensors.enriched`` and ``deadletter``
from their first offsets up to the end offsets seen at start, and bulk-indexes them with
the worker's own routing and sink. Document ids are deterministic, so a replay leaves the
indices unchanged (no duplicates) and restores anything lost.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from kafka import KafkaConsumer, TopicPartition
from rich.console import Console
from rich.progress import Progress

from pipeline.clients import elasticsearch_bulk_client, kafka_python_config
from pipeline.processing import Origin
from pipeline.retry import Backoff
from pipeline.settings import Settings
from pipeline.sink import BulkSink
from pipeline.to_index import OutputIndexer

log = logging.getLogger("citywatch.replay")


@dataclass
class ReplayReport:
    messages: int = 0
    indexed: int = 0
    rejected: int = 0


async def _replay(settings: Settings, console: Console) -> ReplayReport:
    names = settings.topics()
    topics = [names.classified, names.warnings, names.enriched, names.deadletter]
    consumer = KafkaConsumer(enable_auto_commit=False, **kafka_python_config(settings))
    partitions = [
        TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or [])
    ]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    end = consumer.end_offsets(partitions)
    remaining = {tp for tp in partitions if end[tp] > consumer.position(tp)}
    indexer = OutputIndexer(names, settings.index_prefix)
    es = elasticsearch_bulk_client(settings)
    sink = BulkSink(es, backoff=Backoff(settings.retry_base_s, settings.retry_cap_s))
    report = ReplayReport()
    total = sum(end[tp] - consumer.position(tp) for tp in remaining)
    try:
        with Progress(console=console) as progress:
            task = progress.add_task("replay", total=total)
            while remaining:
                batch = consumer.poll(timeout_ms=1000, max_records=settings.bulk_size)
                actions = []
                for tp, records in batch.items():
                    for r in records:
                        if r.offset >= end[tp]:
                            continue
                        origin = Origin(
                            r.topic, r.partition, r.offset, r.key, list(r.headers or [])
                        )
                        actions.append(indexer.action_for(origin, r.value))
                    if consumer.position(tp) >= end[tp]:
                        remaining.discard(tp)
                if actions:
                    result = await sink.write(actions)
                    report.messages += len(actions)
                    report.indexed += len(result.indexed)
                    report.rejected += len(result.rejected)
                    progress.advance(task, len(actions))
    finally:
        consumer.close()
        await es.close()
    return report


def replay(settings: Settings, console: Console) -> ReplayReport:
    return asyncio.run(_replay(settings, console))
