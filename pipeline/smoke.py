"""A smoke round trip through the real services: Kafka produce/consume, ES index/search."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from pipeline.clients import elasticsearch_client, kafka_python_config
from pipeline.settings import Settings


def smoke_round_trip(settings: Settings) -> dict[str, object]:
    """Publish one report, read it back by offset, index it and find it by search."""
    report_id = f"smoke-{uuid.uuid4().hex[:12]}"
    event = {
        "report_id": report_id,
        "source": "hotline_119",
        "reported_at": datetime.now(UTC).isoformat(),
        "location": {"lat": 31.2400, "lon": 121.4900},
        "description": "外滩附近商铺冒烟, smoke seen near the Bund",
    }
    raw = json.dumps(event, ensure_ascii=False).encode()
    producer = KafkaProducer(acks="all", **kafka_python_config(settings))
    meta = producer.send(settings.topics().reports, key=report_id.encode(), value=raw).get(30)
    producer.close()
    consumer = KafkaConsumer(consumer_timeout_ms=10_000, **kafka_python_config(settings))
    tp = TopicPartition(meta.topic, meta.partition)
    consumer.assign([tp])
    consumer.seek(tp, meta.offset)
    echoed = next(iter(consumer)).value
    consumer.close()
    if echoed != raw:
        raise RuntimeError("Kafka returned different bytes than were produced")
    es = elasticsearch_client(settings)
    index = f"{settings.index_prefix}-smoke"
    es.index(index=index, id=report_id, document=event, refresh="wait_for")
    hits = es.search(index=index, query={"ids": {"values": [report_id]}})["hits"]["hits"]
    es.indices.delete(index=index)
    es.close()
    return {
        "report_id": report_id,
        "kafka": f"{meta.topic}[{meta.partition}]@{meta.offset}",
        "elasticsearch_hits": len(hits),
    }
