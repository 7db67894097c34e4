"""Helpers for the consumers' integration tests: a uuid-scoped deployment and a producer.

:func:`scoped` gives settings whose topic namespace, app id (so consumer groups) and index
prefix are this test's own; :func:`kafka_scope` creates the output topics the consumers
read and removes every topic and consumer group of the scope afterwards.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from kafka import KafkaAdminClient, KafkaProducer

from pipeline.bootstrap import create_topics
from pipeline.clients import kafka_python_config
from pipeline.processing import DOC_ID_HEADER
from pipeline.settings import Settings


def scoped(settings: Settings, prefix: str = "cwcons", **extra: Any) -> Settings:
    """Settings whose topics, groups and indices are a fresh uuid namespace's own."""
    ns = f"{prefix}-{uuid.uuid4().hex[:12]}"
    return settings.model_copy(
        update={
            "topic_namespace": ns,
            "app_id": ns,
            "index_prefix": ns,
            "topic_partitions": 1,
            "retry_base_s": 0.05,
            "retry_cap_s": 0.5,
            **extra,
        }
    )


@contextmanager
def kafka_scope(scope: Settings) -> Iterator[Settings]:
    """The scope's output topics; every topic and group of the scope is deleted after."""
    topics = scope.topics()
    create_topics(scope, (topics.classified, topics.warnings))
    try:
        yield scope
    finally:
        admin = KafkaAdminClient(**kafka_python_config(scope))
        try:
            mine = [t for t in admin.list_topics() if t.startswith(scope.topic_namespace + ".")]
            if mine:
                admin.delete_topics(mine)
            groups = [g["group_id"] for g in admin.list_groups()]
            mine = [g for g in groups if g.startswith(scope.app_id + "-")]
            if mine:
                admin.delete_groups(mine)
        finally:
            admin.close()


def publish_documents(scope: Settings, topic: str, docs: Iterable[dict[str, Any]]) -> int:
    """Publish documents as the worker does: JSON, the doc id header, keyed by district."""
    producer = KafkaProducer(acks="all", **kafka_python_config(scope))
    n = 0
    try:
        for doc in docs:
            body = doc.get("warning") or doc.get("incident") or {}
            key = ((body.get("district") or {}).get("code") or "none").encode()
            producer.send(
                topic,
                key=key,
                value=json.dumps(doc, ensure_ascii=False).encode("utf-8"),
                headers=[(DOC_ID_HEADER, doc["event"]["id"].encode())],
            )
            n += 1
        producer.flush(timeout=30)
    finally:
        producer.close(timeout=5)
    return n
