"""``citywatch demo``: the worker, the consumers and the dashboard, then a scenario.

Starts the local Kafka and Elasticsearch when they are not already running, creates the
topics and templates, starts each long-running part as a child process, runs a scenario
into the input topics, prints what the pipeline made of it and the dashboard URL, and on
Ctrl-C (or at the end, with ``--exit``) stops everything it started and waits for it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from pipeline.clients import elasticsearch_client
from pipeline.settings import Settings


@dataclass
class Children:
    """Child processes, stopped together."""

    log_dir: Path
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, name: str, *args: str) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - lives with the child
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", *args],
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def dead(self) -> list[str]:
        return [n for n, p in self.procs.items() if p.poll() is not None]

    def stop(self, timeout_s: float = 60) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def summary(settings: Settings) -> dict[str, object]:
    """Counts per index and the warnings issued, for the console."""
    es = elasticsearch_client(settings)
    try:
        counts = {}
        for kind in ("incidents", "warnings", "readings", "deadletter", "risk"):
            index = f"{settings.index_prefix}-{kind}"
            resp = es.options(ignore_status=404).count(index=index)
            counts[kind] = resp.get("count", 0) if resp.meta.status == 200 else 0
        resp = es.options(ignore_status=404).search(
            index=f"{settings.index_prefix}-warnings",
            size=20,
            sort=[{"@timestamp": "desc"}],
            query={"term": {"warning.action": "issue"}},
        )
        issued = [
            f"{h['_source']['warning']['district']['name']} {h['_source']['warning']['hazard']} "
            f"{h['_source']['warning']['level']}"
            for h in resp.get("hits", {}).get("hits", [])
        ]
        return {"counts": counts, "warnings_issued": issued}
    finally:
        es.close()


def run_demo(
    settings: Settings,
    console: Console,
    *,
    scenario: str,
    duration_s: float,
    seed: int,
    exit_after: bool,
    dashboard_port: int,
    log_dir: Path,
    local_services: bool = True,
) -> dict[str, object]:
    from pipeline.bootstrap import init
    from pipeline.services import manager
    from pipeline.simulate_cli import simulate

    started_services = False
    if local_services and not manager.both_answer(settings):
        manager.up(settings, console)
        started_services = True
    init(settings, elasticsearch_client(settings))
    children = Children(log_dir)
    try:
        children.start("worker", "worker", "--loglevel", "warning")
        children.start("dashboard", "dashboard", "--port", str(dashboard_port))
        children.start("alerts", "alerts")
        children.start("analytics", "analytics")
        url = f"http://127.0.0.1:{dashboard_port}/"
        console.print(
            f"CAP feed: http://{settings.alerts_host}:{settings.alerts_port}/cap/feed.atom"
        )
        console.print(f"dashboard: [bold]{url}[/bold]")
        time.sleep(8)
        if children.dead():
            raise RuntimeError(f"{children.dead()} exited; see the logs in {log_dir}")
        simulate(settings, scenario, None, duration_s, seed, None, console)
        time.sleep(5)
        result = summary(settings)
        console.print(f"indexed: {result['counts']}")
        for line in result["warnings_issued"]:
            console.print(f"  warning issued: {line}")
        console.print(f"dashboard: [bold]{url}[/bold]")
        if not exit_after:
            console.print("running; Ctrl-C stops everything the demo started")
            while not children.dead():
                time.sleep(1)
            console.print(f"[red]{children.dead()} exited[/red]; see {log_dir}")
        return result
    except KeyboardInterrupt:
        console.print("stopping ...")
        return {}
    finally:
        children.stop()
        if started_services:
            manager.down(settings, console)
