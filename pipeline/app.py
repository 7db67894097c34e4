"""The Faust application and its topic declarations, built from settings."""

from __future__ import annotations

from typing import Any

import faust

from pipeline.clients import kafka_ssl_context
from pipeline.faust_consumer import CommittedStartConsumer
from pipeline.names import TopicNames
from pipeline.settings import Settings


def broker_credentials(settings: Settings) -> Any:
    """Faust credentials for SASL/SSL, or None for PLAINTEXT."""
    protocol = settings.kafka_security_protocol
    if protocol == "PLAINTEXT":
        return None
    ssl_context = kafka_ssl_context(settings)
    if protocol.startswith("SASL"):
        password = settings.kafka_sasl_password
        return faust.SASLCredentials(
            username=settings.kafka_sasl_username,
            password=password.get_secret_value() if password else None,
            mechanism=settings.kafka_sasl_mechanism,
            ssl_context=ssl_context,
        )
    return faust.SSLCredentials(ssl_context)


TABLE_WRITE_BUFFER = 5000
"""Queued table writes before Faust holds the streams back (its default is 100)."""


class CitywatchApp(faust.App):
    """A Faust app whose Kafka consumer starts partitions without a committed offset at
    an explicit position (see :mod:`pipeline.faust_consumer`)."""

    def _new_transport(self) -> Any:
        transport = super()._new_transport()
        transport.Consumer = CommittedStartConsumer
        return transport

    def _create_directories(self) -> None:
        # Faust creates only the last level of its data directory
        self.conf.datadir.mkdir(parents=True, exist_ok=True)
        super()._create_directories()


def create_app(settings: Settings) -> faust.App:
    """The citywatch Faust app: raw-bytes topics, acks=all, changelog-backed tables."""
    brokers = ";".join(f"kafka://{b}" for b in settings.kafka_bootstrap_list())
    app = CitywatchApp(
        settings.app_id,
        broker=brokers,
        broker_credentials=broker_credentials(settings),
        store=settings.worker_store,
        # by default "<app id>-data" in whatever directory the worker was started from
        datadir=str(settings.worker_data_dir),
        web_enabled=settings.worker_web_enabled,
        web_port=settings.worker_web_port,
        web_host="127.0.0.1",
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=settings.topic_replication,
        topic_allow_declare=True,
        value_serializer="raw",
        key_serializer="raw",
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        producer_max_request_size=4 * 1024 * 1024,
        producer_linger=0.005,
        # batches of many messages per request: documents are kilobytes, and the default
        # 16 KiB batch sends a request every few messages
        producer_max_batch_size=1024 * 1024,
        broker_commit_interval=1.0,
        broker_session_timeout=settings.worker_session_timeout_s,
        broker_heartbeat_interval=min(3.0, settings.worker_session_timeout_s / 3),
        stream_wait_empty=True,
        # agents take batches of at most 1,000; a smaller prefetch keeps a backlog out of
        # memory (the default holds 4,096 messages per stream)
        stream_buffer_maxsize=2048,
        agent_supervisor="mode.OneForOneSupervisor",
    )
    # Table writes are queued in the producer's buffer; over 100 queued, Faust stops
    # delivering messages to the streams until they are sent, one at a time. A batch of
    # 500 reports writes 500 entries, so the default stalls every batch; a commit still
    # waits until the whole buffer is sent.
    app.producer.buffer.max_messages = TABLE_WRITE_BUFFER
    return app


class Topics:
    """The contract's topics (and the internal enriched-readings topic) on one app."""

    def __init__(self, app: faust.App, names: TopicNames) -> None:
        def raw(*topics: str) -> faust.TopicT:
            return app.topic(*topics, value_serializer="raw", key_serializer="raw")

        self.names = names
        self.reports_and_findings = raw(names.reports, names.findings)
        self.readings = raw(names.readings)
        self.to_index = raw(
            names.classified,
            names.warnings,
            names.enriched,
            names.deadletter,
            names.risk,
            names.audit,
            names.resources,
            names.inspections,
            names.inspection_counts,
        )
        self._app = app

    @property
    def producer(self) -> Any:
        """The app's Kafka producer (started with the app)."""
        return self._app.producer
