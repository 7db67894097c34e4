"""The audit trail of operator actions: an Elasticsearch index and a Kafka topic.

Every action (verify or resolve an incident, lift a warning) becomes one audit document:
who (the operator's name and role, the client), when, what (action and target) and why
(the reason the operator gave). It is indexed into ``{prefix}-audit`` (created here with a
strict mapping) and then published on ``audit.actions`` (namespaced like every topic) with
the audit id in the ``citywatch.doc_id`` header. The index is the record; the topic tells
the other dashboards and downstream consumers.
"""

from __future__ import annotations

import json
import logging
import threading
from importlib import resources
from typing import Any

from elasticsearch import BadRequestError, Elasticsearch
from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from consumers.dashboard.config import DashboardConfig
from pipeline.clients import kafka_python_config
from pipeline.processing import DOC_ID_HEADER
from pipeline.settings import Settings
from schemas.audit import audit_document  # noqa: F401 - re-exported for the dashboard

log = logging.getLogger("citywatch.dashboard.audit")

PUBLISH_TIMEOUT_S = 10.0

AUDIT_MAPPINGS: dict[str, Any] = json.loads(
    resources.files("schemas").joinpath("elasticsearch", "audit.json").read_text("utf-8")
)["template"]["mappings"]
"""Strict mapping of ``{prefix}-audit`` (the template ``init`` installs): an unknown field is
refused, never guessed."""


def ensure_audit_index(es: Elasticsearch, index: str) -> bool:
    """Create the audit index with its strict mapping; True if it was created now."""
    if es.indices.exists(index=index):
        return False
    try:
        es.indices.create(index=index, mappings=AUDIT_MAPPINGS)
    except BadRequestError as exc:
        if exc.error != "resource_already_exists_exception":
            raise
        return False
    return True


def ensure_audit_topic(settings: Settings, config: DashboardConfig) -> bool:
    """Create the audit topic when it is missing; True if it was created now."""
    admin = KafkaAdminClient(client_id="citywatch-dashboard", **kafka_python_config(settings))
    try:
        if config.audit_topic in set(admin.list_topics()):
            return False
        topic = NewTopic(config.audit_topic, config.topic_partitions, config.topic_replication)
        try:
            admin.create_topics([topic])
        except TopicAlreadyExistsError:
            return False
        return True
    finally:
        admin.close()


class AuditPublishError(Exception):
    """The audit record was indexed but could not be published on the audit topic."""


class AuditLog:
    """Records audit documents in Elasticsearch and publishes them on Kafka."""

    def __init__(self, settings: Settings, config: DashboardConfig, es: Elasticsearch) -> None:
        self._settings = settings
        self._config = config
        self._es = es
        self._producer: KafkaProducer | None = None
        self._lock = threading.Lock()
        self._index_ready = False
        self._topic_ready = False

    def prepare(self) -> None:
        """Create the index and the topic if missing (also done lazily on first record)."""
        if not self._index_ready:
            ensure_audit_index(self._es, self._config.audit_index)
            self._index_ready = True
        if not self._topic_ready:
            ensure_audit_topic(self._settings, self._config)
            self._topic_ready = True

    def record(self, doc: dict[str, Any]) -> dict[str, Any]:
        """Index ``doc`` (visible to searches on return), then publish it.

        Raises the client's error when Elasticsearch refuses or is unreachable (nothing
        was recorded) and :class:`AuditPublishError` when Kafka does not acknowledge.
        """
        if not self._index_ready:
            ensure_audit_index(self._es, self._config.audit_index)
            self._index_ready = True
        audit_id = doc["event"]["id"]
        self._es.index(
            index=self._config.audit_index, id=audit_id, document=doc, refresh="wait_for"
        )
        try:
            self._publish(doc)
        except (KafkaError, OSError) as exc:
            log.error("audit %s indexed but not published: %r", audit_id, exc)
            raise AuditPublishError(str(exc)) from exc
        log.info(
            "audit id=%s action=%s target=%s actor=%s",
            audit_id,
            doc["event"]["action"],
            doc["audit"]["target"]["id"],
            doc["user"]["name"],
        )
        return doc

    def _publish(self, doc: dict[str, Any]) -> None:
        with self._lock:
            if not self._topic_ready:
                ensure_audit_topic(self._settings, self._config)
                self._topic_ready = True
        self.send(
            self._config.audit_topic,
            key=doc["audit"]["target"]["id"],
            value=doc,
            doc_id=doc["event"]["id"],
        )

    def send(self, topic: str, *, key: str, value: dict[str, Any], doc_id: str) -> None:
        """Publish ``value`` as JSON and wait for the broker's acknowledgement."""
        with self._lock:
            if self._producer is None:
                self._producer = KafkaProducer(
                    client_id="citywatch-dashboard",
                    acks="all",
                    **kafka_python_config(self._settings),
                )
            producer = self._producer
        future = producer.send(
            topic,
            key=key.encode("utf-8"),
            value=json.dumps(value, ensure_ascii=False).encode("utf-8"),
            headers=[(DOC_ID_HEADER, doc_id.encode("utf-8"))],
        )
        future.get(timeout=PUBLISH_TIMEOUT_S)

    def close(self) -> None:
        """Flush and close the producer."""
        with self._lock:
            if self._producer is not None:
                self._producer.close(timeout=5)
                self._producer = None
