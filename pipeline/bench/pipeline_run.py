"""The pipeline contender: the worker consumes the pre-loaded topic; then a fixed-rate run."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from kafka import KafkaAdminClient
from rich.console import Console

from pipeline.bench.contenders import Throughput, WorkerUnderTest, reports_indexed
from pipeline.bench.cpu import CpuMeter, cpu_use
from pipeline.clients import kafka_python_config
from pipeline.names import INDEX_KINDS
from pipeline.settings import DEPLOYMENT_FIELDS, Settings


def run_pipeline(
    scope: Settings,
    es: Any,
    events: int,
    workdir: Path,
    console: Console,
    meter: CpuMeter,
    latency_s: float = 20,
    workers: int = 1,
) -> dict[str, Any]:
    """The pipeline with ``workers`` worker processes in one consumer group (CPU summed,
    peak RSS of the largest process)."""
    from pipeline.bench.runner import latency_at_rate

    index = f"{scope.index_prefix}-incidents"
    env = scope.child_env(*DEPLOYMENT_FIELDS)
    pool = [
        WorkerUnderTest(
            {**env, "CITYWATCH_WORKER_WEB_PORT": str(6066 + n)},
            workdir / f"bench-worker-{n + 1}.log",
        )
        for n in range(workers)
    ]
    for worker in pool:
        worker.start()

    def cpu_seconds() -> float:
        return sum(w.cpu_seconds() for w in pool)

    try:
        deadline = time.monotonic() + 180
        while reports_indexed(es, index) == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        t0, cpu0 = time.perf_counter(), cpu_seconds()
        sample0 = meter.sample()
        first = reports_indexed(es, index)
        while time.monotonic() < deadline + 600:
            if reports_indexed(es, index) >= events:
                break
            time.sleep(0.2)
        elapsed, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
        done = reports_indexed(es, index) - first
        use = cpu_use(sample0, meter.sample(), done)
        throughput = Throughput("citywatch pipeline end to end", done, elapsed, use)
        console.print(f"    pipeline: {throughput.per_second:.0f} events/s")
        rate = max(10.0, throughput.per_second / 2)
        console.print(f"    latency at {rate:.0f} events/s for {latency_s:.0f}s")
        latency = latency_at_rate(scope, es, rate, latency_s, scope.topic_namespace + "-lat")
        return {
            "throughput": throughput,
            "worker": {
                "cpu_us_per_event_end_to_end": round(cpu / done * 1e6, 1) if done else None,
                "peak_rss_mb": round(max(w.peak_rss_mb() for w in pool), 1),
                "processes": workers,
            },
            "latency": latency,
        }
    finally:
        for worker in pool:
            worker.stop()


def cleanup(scope: Settings, es: Any) -> None:
    admin = KafkaAdminClient(**kafka_python_config(scope))
    try:
        mine = [
            t
            for t in admin.list_topics()
            if t.startswith(scope.topic_namespace + ".") or t.startswith(scope.app_id + "-")
        ]
        if mine:
            admin.delete_topics(mine)
    finally:
        admin.close()
    es.options(ignore_status=404).indices.delete(index=f"{scope.index_prefix}-*")
    for kind in INDEX_KINDS:
        es.options(ignore_status=404).indices.delete_index_template(
            name=f"{scope.index_prefix}-{kind}"
        )
