"""The benchmark's contenders, each run on the same generated events.

1. raw Kafka consume of the input topic (a ceiling);
2. raw Elasticsearch bulk of the final documents, same bulk size (a ceiling);
3. a naive kafka-python -> elasticsearch consumer (what a user would write);
4. the citywatch worker end to end (a separate process, measured from outside).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch, helpers
from kafka import KafkaConsumer, KafkaProducer

from pipeline.bench.cpu import CpuMeter, cpu_use, process_cpu_seconds
from pipeline.clients import kafka_python_config
from pipeline.settings import Settings


@dataclass
class Throughput:
    name: str
    events: int
    seconds: float
    cpu: dict[str, Any] = field(default_factory=dict)
    """Busy cores and the services' CPU µs per event over the measured span."""

    @property
    def per_second(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


def produce_all(settings: Settings, topic: str, values: list[tuple[bytes, bytes]]) -> float:
    """Produce every (key, value) with acks=all; returns the seconds it took."""
    producer = KafkaProducer(
        acks="all", linger_ms=5, batch_size=256 * 1024, **kafka_python_config(settings)
    )
    started = time.perf_counter()
    for key, value in values:
        producer.send(topic, key=key, value=value)
    producer.flush()
    producer.close()
    return time.perf_counter() - started


def raw_consume(settings: Settings, topic: str, expected: int, meter: CpuMeter) -> Throughput:
    consumer = KafkaConsumer(
        topic,
        group_id=f"bench-raw-{os.getpid()}-{time.time_ns()}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_poll_records=5000,
        **kafka_python_config(settings),
    )
    seen = 0
    started = None
    first = meter.sample()
    deadline = time.monotonic() + 300
    while seen < expected and time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=500).values():
            if started is None:
                started, first = time.perf_counter(), meter.sample()
            seen += len(records)
    elapsed = time.perf_counter() - (started or time.perf_counter())
    cpu = cpu_use(first, meter.sample(), seen)
    consumer.close()
    return Throughput("raw Kafka consume", seen, elapsed, cpu)


def raw_bulk(
    es: Elasticsearch,
    index: str,
    docs: list[tuple[str, bytes]],
    bulk_size: int,
    meter: CpuMeter,
) -> Throughput:
    started, first = time.perf_counter(), meter.sample()
    for i in range(0, len(docs), bulk_size):
        chunk = docs[i : i + bulk_size]
        lines = []
        for doc_id, source in chunk:
            lines.append(json.dumps({"index": {"_index": index, "_id": doc_id}}).encode())
            lines.append(source)
        resp = es.bulk(body=b"\n".join(lines) + b"\n", filter_path="errors")
        if resp.get("errors"):
            raise RuntimeError("raw bulk had item errors")
    es.indices.refresh(index=index)
    elapsed = time.perf_counter() - started
    cpu = cpu_use(first, meter.sample(), len(docs))
    return Throughput("raw Elasticsearch bulk", len(docs), elapsed, cpu)


def naive_consumer(
    settings: Settings,
    es: Elasticsearch,
    topic: str,
    index: str,
    expected: int,
    bulk_size: int,
    meter: CpuMeter,
) -> Throughput:
    """What a user would write: poll, json.loads, helpers.bulk, commit."""
    consumer = KafkaConsumer(
        topic,
        group_id=f"bench-naive-{os.getpid()}-{time.time_ns()}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        max_poll_records=bulk_size,
        **kafka_python_config(settings),
    )
    seen = 0
    started = None
    first = meter.sample()
    deadline = time.monotonic() + 600
    while seen < expected and time.monotonic() < deadline:
        batch = consumer.poll(timeout_ms=500)
        actions = []
        for records in batch.values():
            for r in records:
                doc = json.loads(r.value)
                doc["@timestamp"] = doc.get("reported_at")
                actions.append({"_index": index, "_id": doc["report_id"], "_source": doc})
        if actions:
            if started is None:
                started, first = time.perf_counter(), meter.sample()
            helpers.bulk(es, actions, chunk_size=bulk_size)
            consumer.commit()
            seen += len(actions)
    es.indices.refresh(index=index)
    elapsed = time.perf_counter() - (started or time.perf_counter())
    cpu = cpu_use(first, meter.sample(), seen)
    consumer.close()
    return Throughput("naive kafka-python -> ES consumer", seen, elapsed, cpu)


class WorkerUnderTest:
    """``citywatch worker`` in its own process, with CPU time and peak RSS read from /proc."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env = env
        self.log = log
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        out = open(self.log, "wb")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", "worker", "--loglevel", "warning"],
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )

    def cpu_seconds(self) -> float:
        assert self.proc is not None
        seconds = process_cpu_seconds(self.proc.pid)
        if seconds is None:
            raise RuntimeError(f"the worker (pid {self.proc.pid}) is gone; see {self.log}")
        return seconds

    def peak_rss_mb(self) -> float:
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def reports_indexed(es: Elasticsearch, index: str) -> int:
    """Reports searchable in an incidents index (incidents hold their merged reports).

    No refresh is forced: searchable means after the index's own refresh (every second),
    as for any reader, and a forced refresh at every poll would load Elasticsearch with
    work the pipeline does not cause. Until the index exists (404) or while its shard is
    still starting (503, all shards failed), nothing is searchable yet: 0.
    """
    resp = es.options(ignore_status=(404, 503)).search(
        index=index, size=0, aggs={"n": {"sum": {"field": "incident.report_count"}}}
    )
    return int((resp.get("aggregations") or {}).get("n", {}).get("value") or 0)
