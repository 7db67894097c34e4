"""The live feed: a kafka-python consumer thread fanning out to server-sent-event clients.

:class:`LiveFeed` runs one consumer in the dashboard's consumer group on the classified
incidents, warnings and audit topics. On each assignment it seeks to the end (a wall
screen shows what happens now; the page loads history from Elasticsearch), and it reports
itself ready once its positions are resolved. Each batch it polls is handed to the
:class:`Broadcaster` in one call on the event loop; every client has a bounded queue, and a
client whose queue is full is disconnected rather than allowed to hold anyone up (its
browser reconnects and reloads).
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable
from typing import Any

from kafka import KafkaConsumer
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.errors import KafkaError

from consumers.dashboard import views
from consumers.dashboard.config import DashboardConfig
from pipeline.clients import kafka_python_config
from pipeline.processing import DOC_ID_HEADER
from pipeline.retry import Backoff
from pipeline.settings import Settings

log = logging.getLogger("citywatch.dashboard.live")

DROPPED = object()
"""Queue marker: the client fell too far behind and is disconnected."""
CLOSED = object()
"""Queue marker: the dashboard is shutting down."""


class Subscription:
    """One SSE client's bounded queue (touched only on the event loop)."""

    def __init__(self, maxsize: int) -> None:
        self.queue: asyncio.Queue[Any] = asyncio.Queue(maxsize)
        self.dropped = False

    def offer(self, item: Any) -> bool:
        """Queue ``item``; False (and a DROPPED marker instead) when the queue is full."""
        try:
            self.queue.put_nowait(item)
            return True
        except asyncio.QueueFull:
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(DROPPED)
            self.dropped = True
            return False


class Broadcaster:
    """Fans live events out to every subscribed client without blocking the producer."""

    def __init__(self, queue_size: int) -> None:
        self.queue_size = queue_size
        self._subs: set[Subscription] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.delivered = 0
        self.dropped_clients = 0

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Bind to the event loop the SSE handlers run on."""
        self._loop = loop

    @property
    def clients(self) -> int:
        return len(self._subs)

    def subscribe(self) -> Subscription:
        """A new client's subscription (call on the event loop)."""
        sub = Subscription(self.queue_size)
        self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subs.discard(sub)

    def publish(self, events: list[dict[str, Any]]) -> None:
        """Hand a batch to every client; safe to call from any thread."""
        if events and self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._fan_out, events)

    def _fan_out(self, events: list[dict[str, Any]]) -> None:
        for sub in list(self._subs):
            for event in events:
                if not sub.offer(event):
                    self._subs.discard(sub)
                    self.dropped_clients += 1
                    log.warning("live client dropped: more than %d events behind", self.queue_size)
                    break
            else:
                self.delivered += len(events)

    def close(self) -> None:
        """Tell every client the stream ends (call on the event loop)."""
        for sub in list(self._subs):
            sub.offer(CLOSED)
        self._subs.clear()


def live_event(kind: str, value: bytes | None, doc_id: str | None) -> dict[str, Any] | None:
    """The SSE payload of one Kafka message, or None when it is not a JSON document."""
    try:
        doc = json.loads(value or b"")
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(doc, dict):
        return None
    shape: Callable[[dict[str, Any]], dict[str, Any]] = {
        "incident": views.incident_summary,
        "warning": views.warning_item,
        "audit": views.audit_summary,
    }[kind]
    doc_id = doc_id or (doc.get("event") or {}).get("id")
    return {"type": kind, "id": doc_id, "item": shape(doc)}


def _header(headers: list[tuple[str, bytes]] | None, name: str) -> str | None:
    for key, value in headers or []:
        if key == name and value is not None:
            return value.decode("utf-8", "replace")
    return None


class _SeekToEnd(ConsumerRebalanceListener):
    def __init__(self, feed: LiveFeed) -> None:
        self.feed = feed

    def on_partitions_revoked(self, revoked: Any) -> None:
        self.feed.ready.clear()

    def on_partitions_assigned(self, assigned: Any) -> None:
        if assigned and self.feed.consumer is not None:
            self.feed.consumer.seek_to_end(*assigned)
        self.feed.positioned = False


class LiveFeed:
    """The consumer thread of the live feed."""

    def __init__(self, settings: Settings, config: DashboardConfig, broadcaster: Broadcaster):
        self.settings = settings
        self.config = config
        self.broadcaster = broadcaster
        self.kinds = {
            config.incidents_topic: "incident",
            config.warnings_topic: "warning",
            config.audit_topic: "audit",
        }
        self.ready = threading.Event()
        self.positioned = False
        self.consumer: KafkaConsumer | None = None
        self.error: str | None = None
        self.received = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="dashboard-live", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def status(self) -> dict[str, Any]:
        return {
            "ready": self.ready.is_set(),
            "group_id": self.config.group_id,
            "topics": list(self.kinds),
            "received": self.received,
            "clients": self.broadcaster.clients,
            "dropped_clients": self.broadcaster.dropped_clients,
            "error": self.error,
        }

    def _run(self) -> None:
        backoff = Backoff(base_s=0.5, cap_s=30.0)
        attempt = 0
        while not self._stop.is_set():
            try:
                self._consume()
                attempt = 0
            except (KafkaError, OSError) as exc:
                attempt += 1
                self.error = repr(exc)
                self.ready.clear()
                delay = backoff.delay(attempt)
                log.warning(
                    "live feed failed: attempt %d/∞, retrying in %.1fs: %r", attempt, delay, exc
                )
                self._stop.wait(delay)

    def _consume(self) -> None:
        self.consumer = KafkaConsumer(
            group_id=self.config.group_id,
            client_id="citywatch-dashboard",
            auto_offset_reset="latest",
            enable_auto_commit=True,
            metadata_max_age_ms=30_000,
            **kafka_python_config(self.settings),
        )
        try:
            self.consumer.subscribe(topics=list(self.kinds), listener=_SeekToEnd(self))
            while not self._stop.is_set():
                batch = self.consumer.poll(timeout_ms=250, max_records=500)
                self._mark_ready()
                events = self._events(batch)
                self.received += len(events)
                self.broadcaster.publish(events)
        finally:
            self.ready.clear()
            self.consumer.close(autocommit=False)
            self.consumer = None

    def _events(self, batch: dict[Any, list[Any]]) -> list[dict[str, Any]]:
        events = []
        for tp, records in batch.items():
            kind = self.kinds.get(tp.topic)
            for record in records:
                doc_id = _header(record.headers, DOC_ID_HEADER)
                event = live_event(kind, record.value, doc_id) if kind else None
                if event is None:
                    log.warning(
                        "live feed skipped %s:%d:%d: not a JSON document",
                        tp.topic,
                        tp.partition,
                        record.offset,
                    )
                    continue
                events.append(event)
        return events

    def _mark_ready(self) -> None:
        assert self.consumer is not None
        assignment = self.consumer.assignment()
        if not assignment or self.positioned:
            return
        for tp in assignment:
            self.consumer.position(tp)
        self.positioned = True
        self.error = None
        self.ready.set()
        log.info("live feed ready: group=%s partitions=%d", self.config.group_id, len(assignment))
