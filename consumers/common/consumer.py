"""The consumers' loop: a kafka-python group member that commits only durable work.

It subscribes to a list of topics, or to a ``pattern`` (a regular expression) so that a
topic created later (such as the dashboard's audit topic) is picked up when it appears.

:class:`BatchConsumer` polls a batch, hands it to a handler and commits the batch's offsets
only when the handler returned, that is when its outputs are durable. A handler that raises
one of the ``retry_on`` errors (a dependency is unwell) gets the same batch again after a
capped exponential backoff: nothing is skipped and nothing is committed meanwhile. Any
other error stops the loop uncommitted, so the batch is delivered again after a restart.

Consumer lag (log-end offset minus position, per partition) is measured in the loop's own
thread every ``lag_refresh_s`` and kept as a snapshot: :meth:`BatchConsumer.lag` is safe to
call from any thread (an HTTP metrics endpoint), and a ``consumer lag`` line is logged every
``lag_log_interval_s``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata

from consumers.common.metrics import Sample
from pipeline.clients import kafka_python_config
from pipeline.errors import DependencyError
from pipeline.retry import Backoff
from pipeline.settings import Settings

log = logging.getLogger("citywatch.consumers")

Handler = Callable[[list[Any]], None]
"""Receives one polled batch (kafka-python ``ConsumerRecord`` objects, in partition order)."""


@dataclass
class ConsumerStats:
    """Counters of one consumer since it started."""

    records: int = 0
    batches: int = 0
    commits: int = 0
    retries: int = 0
    started_at: float = field(default_factory=time.time)


class BatchConsumer:
    """One member of a consumer group: poll, handle, commit."""

    def __init__(
        self,
        settings: Settings,
        *,
        group_id: str,
        topics: Sequence[str],
        handler: Handler,
        pattern: str | None = None,
        client_id: str = "citywatch-consumer",
        max_records: int = 500,
        poll_timeout_ms: int = 500,
        lag_refresh_s: float = 5.0,
        lag_log_interval_s: float = 30.0,
        retry_on: tuple[type[BaseException], ...] = (DependencyError, KafkaError, OSError),
        backoff: Backoff | None = None,
        sleep: Callable[[float], None] | None = None,
        offset_reset: str = "earliest",
    ) -> None:
        self.settings = settings
        self.group_id = group_id
        self.topics = list(topics)
        self.pattern = pattern
        self.handler = handler
        self.client_id = client_id
        self.max_records = max_records
        self.poll_timeout_ms = poll_timeout_ms
        self.lag_refresh_s = lag_refresh_s
        self.lag_log_interval_s = lag_log_interval_s
        self.retry_on = retry_on
        self.backoff = backoff or Backoff(settings.retry_base_s, settings.retry_cap_s)
        self.offset_reset = offset_reset
        self.stats = ConsumerStats()
        self._stop = threading.Event()
        self._sleep = sleep or self._stop.wait
        self._lag: dict[tuple[str, int], int] = {}
        self._lag_lock = threading.Lock()
        self._lag_at = 0.0
        self._logged_at = 0.0
        self._consumer: KafkaConsumer | None = None

    # --- public ----------------------------------------------------------------------

    def run(
        self,
        *,
        until_caught_up: bool = False,
        idle_timeout_s: float | None = None,
        max_seconds: float | None = None,
    ) -> ConsumerStats:
        """Consume until :meth:`stop`; or, bounded, until caught up with the log end, no
        record came for ``idle_timeout_s``, or ``max_seconds`` passed."""
        started = time.monotonic()
        last_record = started
        consumer = self._open()
        try:
            while not self._stop.is_set():
                batch = consumer.poll(timeout_ms=self.poll_timeout_ms, max_records=self.max_records)
                records = [r for tp in sorted(batch, key=_tp_key) for r in batch[tp]]
                if records:
                    self._handle(consumer, records)
                    last_record = time.monotonic()
                now = time.monotonic()
                self._refresh_lag(consumer, force=until_caught_up and not records)
                if until_caught_up and not records and self._caught_up(consumer):
                    break
                if idle_timeout_s is not None and now - last_record >= idle_timeout_s:
                    break
                if max_seconds is not None and now - started >= max_seconds:
                    break
        finally:
            self._consumer = None
            consumer.close(autocommit=False)
        return self.stats

    def stop(self) -> None:
        """Ask the loop to end after the current batch."""
        self._stop.set()

    def lag(self) -> dict[str, int]:
        """``{"topic:partition": lag}`` as last measured (empty before the first measure)."""
        with self._lag_lock:
            return {f"{t}:{p}": n for (t, p), n in sorted(self._lag.items())}

    def total_lag(self) -> int:
        """The sum of :meth:`lag` over the assigned partitions."""
        with self._lag_lock:
            return sum(self._lag.values())

    def samples(self) -> list[Sample]:
        """Metric samples of this consumer: lag per partition and the counters."""
        labels = {"group": self.group_id}
        out = [
            Sample("citywatch_consumer_records_total", labels, self.stats.records, "counter"),
            Sample("citywatch_consumer_commits_total", labels, self.stats.commits, "counter"),
            Sample("citywatch_consumer_retries_total", labels, self.stats.retries, "counter"),
        ]
        with self._lag_lock:
            for (topic, partition), value in sorted(self._lag.items()):
                lag_labels = {**labels, "topic": topic, "partition": str(partition)}
                out.append(Sample("citywatch_consumer_lag", lag_labels, value, "gauge"))
        return out

    # --- loop ------------------------------------------------------------------------

    def _open(self) -> KafkaConsumer:
        consumer = KafkaConsumer(
            group_id=self.group_id,
            client_id=self.client_id,
            enable_auto_commit=False,
            allow_auto_create_topics=False,
            auto_offset_reset=self.offset_reset,
            metadata_max_age_ms=30_000,
            **kafka_python_config(self.settings),
        )
        if self.pattern:
            consumer.subscribe(pattern=self.pattern)
        else:
            consumer.subscribe(topics=self.topics)
        self._consumer = consumer
        subscribed = self.pattern or ",".join(self.topics)
        log.info("consumer started: group=%s topics=%s", self.group_id, subscribed)
        return consumer

    def _handle(self, consumer: KafkaConsumer, records: list[Any]) -> None:
        attempt = 0
        while True:
            attempt += 1
            try:
                self.handler(records)
                break
            except self.retry_on as exc:
                if self._stop.is_set():
                    raise
                self.stats.retries += 1
                delay = self.backoff.delay(attempt)
                first, last = records[0], records[-1]
                log.warning(
                    "batch %s:%d:%d..%s:%d:%d failed: attempt %d/∞, retrying in %.2fs: %r",
                    first.topic,
                    first.partition,
                    first.offset,
                    last.topic,
                    last.partition,
                    last.offset,
                    attempt,
                    delay,
                    exc,
                )
                self._sleep(delay)
        self.stats.records += len(records)
        self.stats.batches += 1
        self._commit(consumer, records)

    def _commit(self, consumer: KafkaConsumer, records: list[Any]) -> None:
        offsets: dict[TopicPartition, OffsetAndMetadata] = {}
        for r in records:
            offsets[TopicPartition(r.topic, r.partition)] = OffsetAndMetadata(r.offset + 1, "", -1)
        try:
            consumer.commit(offsets)
            self.stats.commits += 1
        except CommitFailedError as exc:
            log.warning("commit failed (rebalance); the batch will be redelivered: %r", exc)

    def _refresh_lag(self, consumer: KafkaConsumer, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._lag_at < self.lag_refresh_s:
            return
        self._lag_at = now
        assigned = list(consumer.assignment())
        lag: dict[tuple[str, int], int] = {}
        if assigned:
            try:
                ends = consumer.end_offsets(assigned)
                for tp in assigned:
                    lag[(tp.topic, tp.partition)] = max(0, ends[tp] - consumer.position(tp))
            except KafkaError as exc:
                log.warning("consumer lag not measured: %r", exc)
                return
        with self._lag_lock:
            self._lag = lag
        if now - self._logged_at >= self.lag_log_interval_s:
            self._logged_at = now
            log.info(
                "consumer lag group=%s total=%d partitions=%d records=%d",
                self.group_id,
                sum(lag.values()),
                len(lag),
                self.stats.records,
            )

    def _caught_up(self, consumer: KafkaConsumer) -> bool:
        assigned = consumer.assignment()
        if not assigned:
            return False
        with self._lag_lock:
            return len(self._lag) == len(assigned) and not any(self._lag.values())


def _tp_key(tp: TopicPartition) -> tuple[str, int]:
    return (tp.topic, tp.partition)
