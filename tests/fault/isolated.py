"""A Kafka broker and/or Elasticsearch node of the suite's own, to kill, stop and freeze.

The shared development services are never touched: an isolated instance has its own data
directory (``/var/lib/citywatch-fault-<uuid>`` for root, so the unprivileged
Elasticsearch user can enter it), its own free ports on 127.0.0.1 and its own pid files,
and is started and stopped with :mod:`pipeline.services.manager`.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import tempfile
import time
import uuid
from pathlib import Path

from rich.console import Console

from pipeline.services import manager, process
from pipeline.services.config import ElasticsearchPaths, KafkaPaths
from pipeline.services.security import KafkaSecurity
from pipeline.settings import Settings


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def group_alive(pgid: int) -> bool:
    """True while a non-zombie process of process group ``pgid`` exists."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def fault_data_dir() -> Path:
    root = Path("/var/lib") if os.geteuid() == 0 else Path(tempfile.gettempdir())
    return root / f"citywatch-fault-{uuid.uuid4().hex[:12]}"


class Isolated:
    """Own services for one set of scenarios; ``settings`` point the clients at them."""

    def __init__(
        self,
        base: Settings,
        *,
        kafka: bool = False,
        elasticsearch: bool = False,
        security: KafkaSecurity | None = None,
    ) -> None:
        self.kafka, self.elasticsearch, self.security = kafka, elasticsearch, security
        self.data_dir = fault_data_dir()
        kport, esport = free_port(), free_port()
        update: dict[str, object] = {
            "data_dir": self.data_dir,
            "local_kafka_port": kport,
            "local_kafka_controller_port": free_port(),
            "local_es_port": esport,
            "local_es_transport_port": free_port(),
            "local_kafka_heap": "512m",
            "local_es_heap": "512m",
            "services_timeout_s": 300.0,
        }
        if kafka:
            update["kafka_bootstrap"] = f"127.0.0.1:{kport}"
        if elasticsearch:
            update["es_url"] = f"http://127.0.0.1:{esport}"
        self.settings = base.model_copy(update=update)
        self.console = Console(stderr=True, highlight=False)

    def up(self, *, kafka: bool | None = None, elasticsearch: bool | None = None) -> float:
        """Start (or restart, or resume) the selected services; returns when they answer."""
        for service in ("kafka", "elasticsearch"):
            pid = self.pid(service)
            if pid is not None:
                os.killpg(pid, signal.SIGCONT)
        manager.up(
            self.settings,
            self.console,
            kafka=self.kafka if kafka is None else kafka,
            elasticsearch=self.elasticsearch if elasticsearch is None else elasticsearch,
            kafka_security=self.security,
        )
        return time.monotonic()

    def pid(self, service: str) -> int | None:
        paths = KafkaPaths if service == "kafka" else ElasticsearchPaths
        return process.read_pid(paths.of(self.settings).pid)

    def send(self, service: str, sig: int) -> None:
        """Send ``sig`` to the service's whole process group (launcher and JVM)."""
        pid = self.pid(service)
        assert pid is not None, f"the isolated {service} is not running"
        os.killpg(pid, sig)

    def kill(self, service: str, sig: int = signal.SIGKILL, timeout_s: float = 120) -> float:
        """Signal the service and wait until its processes are gone; returns when."""
        pid = self.pid(service)
        assert pid is not None, f"the isolated {service} is not running"
        os.killpg(pid, sig)
        deadline = time.monotonic() + timeout_s
        while group_alive(pid):
            if time.monotonic() > deadline:
                os.killpg(pid, signal.SIGKILL)
                deadline = time.monotonic() + 30
            time.sleep(0.2)
        return time.monotonic()

    def down(self) -> None:
        """Stop the services and delete their data directory."""
        try:
            for service in ("elasticsearch", "kafka"):
                pid = self.pid(service)
                if pid is not None:
                    os.killpg(pid, signal.SIGCONT)
            manager.down(
                self.settings, self.console, kafka=self.kafka, elasticsearch=self.elasticsearch
            )
        finally:
            shutil.rmtree(self.data_dir, ignore_errors=True)
