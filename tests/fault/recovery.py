"""I4: the consumer group's lag back to zero and the index counts settled, and when.

Lag is measured like ``kafka-consumer-groups --describe`` does: the end offset of every
partition the worker consumes minus the group's committed offset (a partition with data
and no commit counts in full).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from elasticsearch import Elasticsearch
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

from pipeline.clients import kafka_python_config
from pipeline.settings import Settings

I4_LIMIT_S = 60.0
"""Lag must return to zero and counts settle within this many seconds of the fault's end."""


NOT_CONSUMED = ("health", "audit")
"""Topics the worker writes but does not read (their readers are other services)."""


def consumed_topics(settings: Settings) -> tuple[str, ...]:
    """The topics the worker's consumer group reads."""
    n = settings.topics()
    skip = {getattr(n, name) for name in NOT_CONSUMED if hasattr(n, name)}
    return tuple(t for t in n.all if t not in skip)


class LagProbe:
    """End offsets and committed offsets of one deployment's consumer group."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        conf = kafka_python_config(settings)
        self.consumer = KafkaConsumer(enable_auto_commit=False, **conf)
        self.admin = KafkaAdminClient(**conf)
        self.partitions = [
            TopicPartition(t, p)
            for t in consumed_topics(settings)
            for p in sorted(self.consumer.partitions_for_topic(t) or [])
        ]

    def close(self) -> None:
        self.consumer.close()
        self.admin.close()

    def __enter__(self) -> LagProbe:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def committed(self) -> dict[TopicPartition, int]:
        group = self.settings.app_id
        found = self.admin.list_group_offsets({group: None}).get(group, {})
        return {tp: meta.offset for tp, meta in found.items() if meta.offset >= 0}

    def end_offsets(self) -> dict[TopicPartition, int]:
        return self.consumer.end_offsets(self.partitions)

    def lags(self) -> dict[TopicPartition, tuple[int, int | None]]:
        """(end offset, committed offset or None) of every partition with lag."""
        committed = self.committed()
        return {
            tp: (end, committed.get(tp))
            for tp, end in self.end_offsets().items()
            if end > committed.get(tp, 0)
        }

    def lag(self, lags: dict[TopicPartition, tuple[int, int | None]] | None = None) -> int:
        found = self.lags() if lags is None else lags
        return sum(end - (committed or 0) for end, committed in found.values())


def count(es: Elasticsearch, index: str) -> int:
    """Documents in ``index`` after a refresh; 0 when it does not exist."""
    if not es.indices.exists(index=index):
        return 0
    es.indices.refresh(index=index)
    return int(es.count(index=index)["count"])


def indexed_total(es: Elasticsearch, settings: Settings, members: bool = True) -> int:
    """Reports in incidents (``members``; else incident documents) plus dead letters."""
    incidents = f"{settings.index_prefix}-incidents"
    dead = count(es, f"{settings.index_prefix}-deadletter")
    if not members:
        return count(es, incidents) + dead
    if not es.indices.exists(index=incidents):
        return dead
    es.indices.refresh(index=incidents)
    aggs = {"reports": {"sum": {"field": "incident.report_count"}}}
    resp = es.search(index=incidents, size=0, aggs=aggs)
    return int(resp["aggregations"]["reports"]["value"] or 0) + dead


@dataclass
class Settled:
    """When lag reached zero with the expected counts, relative to the fault's end."""

    recovery_s: float | None
    lag: int
    total: int
    expected: int
    trace: list[tuple[float, int, int]] = field(default_factory=list)
    """(seconds since the fault's end, lag, total) at every change while waiting."""
    lagging: dict[str, str] = field(default_factory=dict)
    """At the last poll: "committed/end" of every partition with lag, by "topic[p]"."""

    @property
    def within_limit(self) -> bool:
        return self.recovery_s is not None and self.recovery_s <= I4_LIMIT_S

    def describe(self) -> str:
        if self.recovery_s is None:
            text = f"not settled: lag {self.lag}, {self.total}/{self.expected} documents"
            if self.lagging:
                shown = ", ".join(f"{tp} {o}" for tp, o in sorted(self.lagging.items())[:8])
                text += f"; lagging (committed/end): {shown}"
        else:
            text = f"settled {self.recovery_s:.1f}s after the fault ended"
        return f"{text} (s, lag, documents: {self.trace[-8:]})"


def wait_settled(
    settings: Settings,
    es: Elasticsearch,
    expected: int,
    fault_end: float,
    *,
    timeout_s: float = 180,
    stable_s: float = 2.0,
    members: bool = True,
    also: Callable[[], bool] = lambda: True,
) -> Settled:
    """Poll until lag is zero and the counts equal ``expected`` and stay so for ``stable_s``.

    ``fault_end`` is a ``time.monotonic()`` value; the result's ``recovery_s`` is the time
    from it to the first poll of the stable stretch. Bounded by ``timeout_s``.
    """
    deadline = time.monotonic() + timeout_s
    first_ok: float | None = None
    lag = total = -1
    trace: list[tuple[float, int, int]] = []
    lags: dict[TopicPartition, tuple[int, int | None]] = {}
    with LagProbe(settings) as probe:
        while time.monotonic() < deadline:
            now = time.monotonic()
            lags = probe.lags()
            lag = probe.lag(lags)
            total = indexed_total(es, settings, members)
            if not trace or trace[-1][1:] != (lag, total):
                trace.append((round(now - fault_end, 1), lag, total))
            if lag == 0 and total == expected and also():
                first_ok = first_ok or now
                if now - first_ok >= stable_s:
                    return Settled(max(0.0, first_ok - fault_end), lag, total, expected, trace)
            else:
                first_ok = None
            time.sleep(0.5)
    lagging = {f"{tp.topic}[{tp.partition}]": f"{c}/{end}" for tp, (end, c) in lags.items()}
    return Settled(None, lag, total, expected, trace, lagging)


def committed_on(settings: Settings, topic: str) -> dict[int, int]:
    """The group's committed offset per partition of ``topic``."""
    with LagProbe(settings) as probe:
        return {tp.partition: off for tp, off in probe.committed().items() if tp.topic == topic}
