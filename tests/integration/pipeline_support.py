"""Helpers for pipeline integration tests: a scoped deployment, a worker process, checks."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch, helpers
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition

from pipeline.clients import kafka_python_config
from pipeline.names import INDEX_KINDS
from pipeline.settings import DEPLOYMENT_FIELDS, Settings
from pipeline.synthetic import SyntheticEvent

ROOT = Path(__file__).resolve().parents[2]


def scoped_env(scope: Settings) -> dict[str, str]:
    """The environment of a worker or command of the scoped deployment."""
    env = scope.child_env(*DEPLOYMENT_FIELDS)
    env["CITYWATCH_BULK_LINGER_S"] = "0.1"
    return env


class WorkerProcess:
    """``citywatch worker`` as a child process of the test."""

    def __init__(
        self,
        scope: Settings,
        log_dir: Path,
        extra_env: dict[str, str] | None = None,
        loglevel: str = "warning",
    ) -> None:
        self.scope = scope
        self.log_dir = log_dir
        self.extra_env = extra_env or {}
        self.loglevel = loglevel
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        log = open(self.log_dir / f"worker-{self.starts}.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", "worker", "--loglevel", self.loglevel],
            cwd=ROOT,
            env={**scoped_env(self.scope), **self.extra_env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def kill(self, sig: int = signal.SIGKILL, timeout: float = 60) -> int | None:
        if self.proc is None:
            return None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(timeout=30)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def logs(self) -> str:
        return "\n".join(
            p.read_text(errors="replace")[-4000:] for p in sorted(self.log_dir.glob("worker-*.log"))
        )


def produce_with_kcat(bootstrap: str, topic: str, events: Iterable[SyntheticEvent]) -> int:
    """Produce ``key<TAB>value`` lines with kcat, an independent client."""
    kcat = shutil.which("kcat") or shutil.which("kafkacat")
    if kcat is None:
        pytest.fail("kcat is not installed (Debian package 'kcat'); `make setup` installs it")
    lines = []
    for e in events:
        assert b"\n" not in e.value and b"\t" not in (e.key or b"")
        lines.append((e.key or b"") + b"\t" + e.value)
    payload = b"\n".join(lines) + b"\n"
    subprocess.run(
        [kcat, "-P", "-b", bootstrap, "-t", topic, "-K", "\t", "-X", "acks=all"],
        input=payload,
        check=True,
        timeout=120,
    )
    return len(lines)


def count_docs(es: Elasticsearch, index: str) -> int:
    es.options(ignore_status=404).indices.refresh(index=index)
    resp = es.options(ignore_status=404).count(index=index)
    return int(resp.get("count", 0)) if resp.meta.status == 200 else 0


@dataclass
class InputRecord:
    partition: int
    offset: int
    key: bytes | None
    value: bytes


def read_topic(scope: Settings, topic: str) -> list[InputRecord]:
    """Every record of ``topic`` (all partitions), from the beginning to the end."""
    consumer = KafkaConsumer(enable_auto_commit=False, **kafka_python_config(scope))
    parts = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    end = consumer.end_offsets(parts)
    out: list[InputRecord] = []
    deadline = time.monotonic() + 120
    while any(consumer.position(tp) < end[tp] for tp in parts) and time.monotonic() < deadline:
        for records in consumer.poll(timeout_ms=1000).values():
            out.extend(InputRecord(r.partition, r.offset, r.key, r.value) for r in records)
    consumer.close()
    return out


def snapshot(es: Elasticsearch, index: str) -> dict[str, dict]:
    es.indices.refresh(index=index)
    return {h["_id"]: h["_source"] for h in helpers.scan(es, index=index)}


def deadletter_docs(es: Elasticsearch, scope: Settings) -> list[dict]:
    index = f"{scope.index_prefix}-deadletter"
    es.indices.refresh(index=index)
    return [h["_source"] for h in helpers.scan(es, index=index)]


def cleanup(scope: Settings, es: Elasticsearch) -> None:
    admin = KafkaAdminClient(**kafka_python_config(scope))
    try:
        mine = [t for t in admin.list_topics() if t.startswith(scope.topic_namespace)]
        mine += [t for t in admin.list_topics() if t.startswith(scope.app_id + "-")]
        if mine:
            admin.delete_topics(sorted(set(mine)))
    finally:
        admin.close()
    es.options(ignore_status=404).indices.delete(index=f"{scope.index_prefix}-*")
    for kind in INDEX_KINDS:
        es.options(ignore_status=404).indices.delete_index_template(
            name=f"{scope.index_prefix}-{kind}"
        )
    shutil.rmtree(scope.worker_data_dir, ignore_errors=True)
