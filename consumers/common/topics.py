"""Topics the consumers own: create them when missing, read one from start to end."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from pipeline.clients import kafka_python_config
from pipeline.settings import Settings

log = logging.getLogger("citywatch.consumers.topics")


def ensure_topic(
    settings: Settings,
    name: str,
    *,
    partitions: int,
    replication: int,
    configs: dict[str, str] | None = None,
) -> bool:
    """Create topic ``name`` when it is missing; True if it was created now."""
    admin = KafkaAdminClient(client_id="citywatch-consumers", **kafka_python_config(settings))
    try:
        if name in set(admin.list_topics()):
            return False
        try:
            admin.create_topics([NewTopic(name, partitions, replication, topic_configs=configs)])
        except TopicAlreadyExistsError:
            return False
        log.info("created topic %s (%d partitions, %s)", name, partitions, configs or {})
        return True
    finally:
        admin.close()


def read_topic(settings: Settings, topic: str, timeout_s: float = 120.0) -> Iterator[Any]:
    """Every record of ``topic`` from the beginning to the end it had when called.

    No consumer group is used and nothing is committed. A missing topic yields nothing.
    """
    consumer = KafkaConsumer(
        enable_auto_commit=False, client_id="citywatch-reader", **kafka_python_config(settings)
    )
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        parts = [TopicPartition(topic, p) for p in sorted(partitions)]
        if not parts:
            return
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        end = consumer.end_offsets(parts)
        deadline = time.monotonic() + timeout_s
        while any(consumer.position(tp) < end[tp] for tp in parts):
            if time.monotonic() > deadline:
                raise TimeoutError(f"reading {topic} took longer than {timeout_s:.0f}s")
            for tp, records in consumer.poll(timeout_ms=500).items():
                for record in records:
                    if record.offset < end[tp]:
                        yield record
    finally:
        consumer.close(autocommit=False)
