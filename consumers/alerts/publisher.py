"""The CAP publisher: warning changes and serious incidents in, CAP 1.2 messages out.

It consumes ``warnings.issued`` and ``incidents.classified`` in its own consumer group.
For each change that becomes a message (see :func:`~consumers.alerts.messages.msg_type_for`)
it publishes the message on ``alerts.cap`` (key = identifier, acknowledged by all
replicas), then writes ``<identifier>.xml`` atomically, and the batch's offsets are
committed after both. A change whose identifier is already stored was done before and is
skipped: a redelivery never becomes a second message. A crash between the publish and the
file leaves a byte-identical copy on the topic (same key), which compaction folds away.

``alerts.cap`` is created compacted; with ``restore_from_topic`` a publisher whose
directory lost files rewrites them from the topic before it starts, so the chains survive
the loss of the directory too.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from kafka import KafkaProducer

from consumers.alerts.cap import CAP_MIME, Summary, summary_of, to_xml
from consumers.alerts.config import AlertsConfig
from consumers.alerts.messages import build_message, identifier_for
from consumers.alerts.store import AlertStore
from consumers.common.consumer import BatchConsumer, ConsumerStats
from consumers.common.documents import change_of, decode_record
from consumers.common.metrics import Sample
from consumers.common.topics import ensure_topic, read_topic
from pipeline.clients import kafka_python_config
from pipeline.processing import DOC_ID_HEADER
from pipeline.settings import Settings

log = logging.getLogger("citywatch.alerts")

PUBLISH_TIMEOUT_S = 30.0
IDENTIFIER_HEADER = "citywatch.cap_identifier"


@dataclass
class PublisherCounts:
    """What the publisher did since it started."""

    published: int = 0
    duplicates: int = 0
    not_sent: int = 0
    invalid: int = 0
    restored: int = 0


class AlertPublisher:
    """Turns citywatch documents into CAP messages: topic, files, and state."""

    def __init__(self, settings: Settings, config: AlertsConfig, **consumer_options: Any):
        self.settings = settings
        self.config = config
        self.store = AlertStore(config.directory)
        self.counts = PublisherCounts()
        self._producer: KafkaProducer | None = None
        self._lock = threading.Lock()
        self.consumer = BatchConsumer(
            settings,
            group_id=config.group_id,
            topics=config.input_topics,
            handler=self.handle,
            client_id="citywatch-alerts",
            **consumer_options,
        )

    def prepare(self) -> None:
        """Create ``alerts.cap`` if missing, load the directory, restore lost files."""
        ensure_topic(
            self.settings,
            self.config.topic,
            partitions=self.config.topic_partitions,
            replication=self.config.topic_replication,
            configs={"cleanup.policy": "compact"},
        )
        self.store.load()
        if self.config.restore_from_topic:
            for record in read_topic(self.settings, self.config.topic):
                try:
                    identifier = summary_of(record.value).identifier
                except (ValueError, SyntaxError):
                    continue
                if not self.store.has(identifier):
                    self.store.save(record.value)
                    self.counts.restored += 1
            if self.counts.restored:
                log.info("restored %d messages from %s", self.counts.restored, self.config.topic)

    def run(self, **bounds: Any) -> ConsumerStats:
        """Prepare, then consume (bounded by ``until_caught_up``, ``idle_timeout_s`` ...)."""
        self.prepare()
        try:
            return self.consumer.run(**bounds)
        finally:
            self.close()

    def stop(self) -> None:
        self.consumer.stop()

    def lag(self) -> dict[str, int]:
        """Consumer lag per input partition, as last measured."""
        return self.consumer.lag()

    def handle(self, records: list[Any]) -> None:
        """One batch: each record in order; raises (to be retried) when Kafka or the disk
        is unwell."""
        for record in records:
            decoded = decode_record(record)
            if decoded is None:
                self.counts.invalid += 1
                continue
            self.process(*decoded, coordinates=f"{record.topic}:{record.partition}:{record.offset}")

    def process(self, doc_id: str, doc: dict[str, Any], coordinates: str = "-") -> Summary | None:
        """Publish and store the message of one document, if it makes one."""
        try:
            change = change_of(doc_id, doc)
            if change is None:
                raise ValueError("neither an incident nor a warning document")
            identifier = identifier_for(change)
            if self.store.has(identifier):
                self.counts.duplicates += 1
                return None
            message = build_message(
                change, doc, self.store.chain(change.chain), self.config.messages
            )
        except (KeyError, ValueError, TypeError) as exc:
            self.counts.invalid += 1
            log.warning("skipped %s id=%s: %r", coordinates, doc_id, exc)
            return None
        if message is None:
            self.counts.not_sent += 1
            return None
        xml = to_xml(message)
        self._publish(message.identifier, xml, doc_id)
        summary = self.store.save(xml)
        self.counts.published += 1
        log.info(
            "cap %s msgType=%s chain=%s references=%d source=%s",
            message.identifier,
            message.msg_type,
            message.incidents,
            len(message.references),
            coordinates,
        )
        return summary

    def _publish(self, identifier: str, xml: bytes, doc_id: str) -> None:
        with self._lock:
            if self._producer is None:
                self._producer = KafkaProducer(
                    client_id="citywatch-alerts", acks="all", **kafka_python_config(self.settings)
                )
            producer = self._producer
        future = producer.send(
            self.config.topic,
            key=identifier.encode("utf-8"),
            value=xml,
            headers=[
                (DOC_ID_HEADER, doc_id.encode("utf-8")),
                (IDENTIFIER_HEADER, identifier.encode("utf-8")),
                ("content-type", CAP_MIME.encode()),
            ],
        )
        future.get(timeout=PUBLISH_TIMEOUT_S)

    def samples(self) -> list[Sample]:
        """Metric samples: the consumer's lag and counters, and the publisher's counts."""
        out = self.consumer.samples()
        for name, value in vars(self.counts).items():
            out.append(Sample(f"citywatch_alerts_{name}_total", {}, value, "counter"))
        out.append(Sample("citywatch_alerts_stored", {}, len(self.store), "gauge"))
        return out

    def close(self) -> None:
        with self._lock:
            if self._producer is not None:
                self._producer.close(timeout=5)
                self._producer = None
