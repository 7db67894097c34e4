"""A scoped citywatch deployment for one scenario: its topics, indices, group and workers.

Every name is uuid-scoped (topic namespace, index prefix, consumer group), so scenarios
share a broker and a node with other test runs without seeing their data. Events are
produced by kcat, a client independent of the worker's.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from elasticsearch import Elasticsearch

from pipeline.bootstrap import init
from pipeline.settings import DEPLOYMENT_FIELDS, Settings
from tests.integration.pipeline_support import cleanup

ROOT = Path(__file__).resolve().parents[2]

KEEP_ENV = "CITYWATCH_FAULT_KEEP"
"""Set to 1 to keep a scenario's topics and indices for inspection."""

Record = tuple[bytes | None, bytes]
"""(key, value) of one message to produce."""


def scoped_settings(base: Settings, prefix: str = "cwf", **update: object) -> Settings:
    """``base`` with a fresh namespace, index prefix and consumer group."""
    name = f"{prefix}-{uuid.uuid4().hex[:10]}"
    values = {"topic_namespace": name, "index_prefix": name, "app_id": name}
    values.update({"topic_partitions": 3, **update})
    return base.model_copy(update=values)


def kcat_security_options(settings: Settings) -> list[str]:
    """kcat ``-X`` options for the settings' security protocol."""
    opts = ["-X", f"security.protocol={settings.kafka_security_protocol.lower()}"]
    if settings.kafka_security_protocol.startswith("SASL"):
        password = settings.kafka_sasl_password
        opts += ["-X", f"sasl.mechanisms={settings.kafka_sasl_mechanism}"]
        opts += ["-X", f"sasl.username={settings.kafka_sasl_username}"]
        opts += ["-X", f"sasl.password={password.get_secret_value() if password else ''}"]
    if settings.kafka_ssl_cafile:
        opts += ["-X", f"ssl.ca.location={settings.kafka_ssl_cafile}"]
    return opts


def kcat_produce(
    settings: Settings,
    topic: str,
    records: Sequence[Record],
    extra: Sequence[str] = (),
    timeout_s: float = 120,
) -> int:
    """Produce ``key<TAB>value`` lines with kcat (acks=all); returns the count sent.

    ``extra`` holds more kcat arguments, e.g. ``["-H", "name=value"]`` for a header.
    """
    kcat = shutil.which("kcat") or shutil.which("kafkacat")
    if kcat is None:
        pytest.fail("kcat is not installed (Debian package 'kcat'); `make setup` installs it")
    lines = []
    for key, value in records:
        if b"\n" in value or b"\t" in (key or b""):
            raise ValueError("kcat lines cannot carry a newline in the value or a tab in the key")
        lines.append((key or b"") + b"\t" + value)
    argv = [kcat, "-P", "-b", settings.kafka_bootstrap, "-t", topic, "-K", "\t"]
    argv += ["-X", "acks=all", "-X", "enable.idempotence=true"]
    argv += ["-X", "message.max.bytes=4000000", *kcat_security_options(settings), *extra]
    subprocess.run(argv, input=b"\n".join(lines) + b"\n", check=True, timeout=timeout_s)
    return len(lines)


NOTEWORTHY = re.compile(r"\] \[(WARNING|ERROR|CRITICAL)\] |^Traceback|^\w*(Error|Exception)\b")
PREFIX = re.compile(r"^\[([^]]*)\] \[\d+\] ")
"""A worker log line's ``[time] [pid] `` prefix."""


def log_digest(log_dir: Path, per_file: int = 40, tail: int = 15) -> str:
    """The warnings and errors of every worker log in ``log_dir`` (repeats counted, the
    first ``per_file`` distinct ones) and each log's last ``tail`` lines before the worker
    was told to stop."""
    parts = []
    for path in sorted(log_dir.glob("*.log")):
        lines = path.read_text(errors="replace").splitlines()
        stop = next((n for n, line in enumerate(lines) if "Signal received" in line), None)
        noted: dict[str, list[Any]] = {}
        """Message -> [time first seen, count], in order of first appearance."""
        for line in lines:
            if NOTEWORTHY.search(line):
                prefix = PREFIX.match(line)
                text = line[prefix.end() if prefix else 0 :][:300]
                noted.setdefault(text, [prefix[1] if prefix else "-", 0])[1] += 1
        shown = [f"  {at} x{n} {text}" for text, (at, n) in list(noted.items())[:per_file]]
        if len(noted) > per_file:
            shown.append(f"  ... {len(noted) - per_file} more distinct")
        total = sum(n for _at, n in noted.values())
        parts.append(
            f"== {path.name}: {len(lines)} lines, {total} warnings/errors\n"
            + "\n".join(shown)
            + f"\n-- last {tail} lines before the stop\n"
            + "\n".join(line[:300] for line in lines[:stop][-tail:])
        )
    return "\n".join(parts) or f"no worker logs in {log_dir}"


class FaultWorker:
    """``citywatch worker`` (or a variant module) as a child process of the test."""

    def __init__(self, dep: Deployment, name: str, module: str, env: dict[str, str]) -> None:
        self.dep, self.name, self.module, self.env = dep, name, module, env
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> FaultWorker:
        self.starts += 1
        log = open(self.dep.log_dir / f"{self.name}-{self.starts}.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", self.module, "worker", "--loglevel", "info"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout_s: float = 60) -> int | None:
        """Signal the worker and wait for it to exit (SIGKILL after ``timeout_s``)."""
        if self.proc is None or self.proc.poll() is not None:
            return None if self.proc is None else self.proc.returncode
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait(timeout=30)

    def wait_ready(self, timeout_s: float = 120) -> None:
        """Wait until this start of the worker has joined the group and is ready."""
        self.wait_for_log("[^Worker]: Ready", timeout_s)

    def wait_for_log(self, text: str, timeout_s: float = 120) -> None:
        """Wait until this start of the worker has logged ``text``."""
        log = self.dep.log_dir / f"{self.name}-{self.starts}.log"
        deadline = time.monotonic() + timeout_s
        while text not in log.read_text(errors="replace"):
            assert self.alive(), f"{self.name} exited before logging {text!r}:\n{self.logs()}"
            assert time.monotonic() < deadline, f"{self.name} did not log {text!r} in {timeout_s}s"
            time.sleep(0.2)

    def logs(self, tail: int = 3000) -> str:
        parts = sorted(self.dep.log_dir.glob(f"{self.name}-*.log"))
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-tail:]}" for p in parts)

    def log_text(self) -> str:
        return "\n".join(
            p.read_text(errors="replace") for p in self.dep.log_dir.glob(f"{self.name}-*.log")
        )


@dataclass
class Deployment:
    """Scoped settings, a direct Elasticsearch client, and the workers of one scenario."""

    settings: Settings
    es: Elasticsearch
    log_dir: Path
    worker_env: dict[str, str] = field(default_factory=dict)
    workers: list[FaultWorker] = field(default_factory=list)

    @classmethod
    def create(cls, settings: Settings, es: Elasticsearch, log_dir: Path) -> Deployment:
        init(settings, es)
        return cls(settings, es, log_dir)

    @property
    def topics(self):
        return self.settings.topics()

    def index(self, kind: str) -> str:
        return f"{self.settings.index_prefix}-{kind}"

    def env(self, **extra: str) -> dict[str, str]:
        """The worker's environment: this deployment's settings, then ``extra``."""
        s = self.settings
        fields = [*DEPLOYMENT_FIELDS, "topic_partitions", "kafka_security_protocol"]
        if s.kafka_security_protocol != "PLAINTEXT":
            fields += ["kafka_sasl_mechanism", "kafka_sasl_username", "kafka_sasl_password"]
            fields += ["kafka_ssl_cafile"] if s.kafka_ssl_cafile else []
        env = s.child_env(*fields)
        env["CITYWATCH_BULK_LINGER_S"] = "0.1"
        env.update(self.worker_env)
        env.update(extra)
        return env

    def worker(self, name: str = "worker", module: str = "pipeline.cli", **env: str):
        """A worker process of this deployment (not started)."""
        w = FaultWorker(self, name, module, self.env(**env))
        self.workers.append(w)
        return w

    def produce(self, topic: str, records: Sequence[Record], extra: Sequence[str] = ()) -> int:
        return kcat_produce(self.settings, topic, records, extra)

    def close(self) -> None:
        """Stop every worker, then delete the topics, indices and templates."""
        for w in self.workers:
            w.stop(signal.SIGTERM, timeout_s=30)
        if os.environ.get(KEEP_ENV) != "1":
            cleanup(self.settings, self.es)


class FlowProducer(threading.Thread):
    """Produces records in ``chunks`` spaced by ``interval_s``: events flowing during a fault."""

    def __init__(
        self,
        dep: Deployment,
        topic: str,
        records: Sequence[Record],
        chunks: int,
        interval_s: float,
        retry_s: float = 0.0,
    ) -> None:
        super().__init__(daemon=True, name="flow-producer")
        self.dep, self.topic, self.records = dep, topic, list(records)
        self.chunks, self.interval_s, self.retry_s = chunks, interval_s, retry_s
        self.sent = 0
        self.retried = 0
        self.error: BaseException | None = None
        self.finished_at: float | None = None

    def _send(self, chunk: Sequence[Record]) -> int:
        """One chunk; while the broker is away, kcat gives up and the chunk is sent again
        (for up to ``retry_s``): what the broker acknowledged twice is on the topic twice."""
        deadline = time.monotonic() + self.retry_s
        while True:
            try:
                return self.dep.produce(self.topic, chunk)
            except subprocess.CalledProcessError:
                if time.monotonic() > deadline:
                    raise
                self.retried += 1
                time.sleep(2)

    def run(self) -> None:
        size = -(-len(self.records) // self.chunks)
        try:
            for i in range(0, len(self.records), size):
                self.sent += self._send(self.records[i : i + size])
                time.sleep(self.interval_s)
        except BaseException as exc:  # noqa: BLE001 - reported by finish()
            self.error = exc
        finally:
            self.finished_at = time.monotonic()

    def finish(self, timeout_s: float = 180) -> float:
        """Wait for the last chunk; returns when it was sent (monotonic seconds)."""
        self.join(timeout_s)
        assert not self.is_alive(), f"the producer did not finish within {timeout_s}s"
        if self.error is not None:
            raise AssertionError(f"producing failed: {self.error!r}") from self.error
        assert self.finished_at is not None
        return self.finished_at
