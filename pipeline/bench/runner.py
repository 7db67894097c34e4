"""``citywatch bench``: every contender on the same events, one invocation, one report."""

from __future__ import annotations

import os
import platform
import statistics
import threading
import time
import uuid
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

from kafka import KafkaProducer
from rich.console import Console

from pipeline.bench.contenders import naive_consumer, produce_all, raw_bulk, raw_consume
from pipeline.bench.cpu import CpuMeter, cores_needed
from pipeline.bench.pipeline_run import cleanup, run_pipeline
from pipeline.bootstrap import create_topics, install_templates
from pipeline.clients import elasticsearch_client, kafka_python_config
from pipeline.processing import Origin
from pipeline.settings import Settings
from pipeline.synthetic import synthetic_reports
from pipeline.worker import build_processor


def _scope(settings: Settings) -> Settings:
    ns = f"bench-{uuid.uuid4().hex[:8]}"
    return settings.model_copy(update={"topic_namespace": ns, "index_prefix": ns, "app_id": ns})


def processing_cost(settings: Settings, values: list[bytes]) -> dict[str, float]:
    """CPU microseconds per event of validate + enrich + classify + serialise, in process."""
    processor = build_processor(settings)
    origin = Origin(settings.topics().reports, 0, 0)
    for v in values[:200]:
        processor.process(origin, v)
    started = time.process_time()
    for v in values:
        processor.process(origin, v)
    cpu = time.process_time() - started
    return {"cpu_us_per_event": cpu / len(values) * 1e6, "events": len(values)}


def latency_at_rate(
    scope: Settings, es: Any, rate: float, duration_s: float, run_id: str
) -> dict[str, float]:
    """Produce-to-searchable latency percentiles of sampled events at a fixed rate."""
    index = f"{scope.index_prefix}-incidents"
    count = int(rate * duration_s)
    events = list(synthetic_reports(count, seed=99, run_id=run_id))
    sent: dict[str, float] = {}
    seen: dict[str, float] = {}
    done = threading.Event()

    def poll() -> None:
        while not done.is_set() or len(seen) < len(sent):
            # every pending report, in chunks: a report merged into another incident never
            # gets a document of its own, and must not crowd out the ones that will
            pending = [i for i in list(sent) if i not in seen]
            for at in range(0, len(pending), 500):
                chunk = pending[at : at + 500]
                resp = es.search(
                    index=index,
                    query={"ids": {"values": chunk}},
                    size=len(chunk),
                    _source=False,
                )
                now = time.perf_counter()
                for hit in resp["hits"]["hits"]:
                    seen.setdefault(hit["_id"], now)
            if done.is_set() and time.perf_counter() - stop_at > 30:
                return
            time.sleep(0.05)

    stop_at = float("inf")
    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    producer = KafkaProducer(acks="all", linger_ms=0, **kafka_python_config(scope))
    interval = 1.0 / rate
    started = time.perf_counter()
    for n, e in enumerate(events):
        target = started + n * interval
        delay = target - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        producer.send(scope.topics().reports, key=e.key, value=e.value)
        if n % 10 == 0:
            sent[e.event_id] = time.perf_counter()
    producer.flush()
    stop_at = time.perf_counter()
    done.set()
    poller.join(timeout=60)
    producer.close()
    lat = sorted(seen[i] - sent[i] for i in sent if i in seen)
    if not lat:
        return {"rate": rate, "sampled": len(sent), "searchable": 0}

    def pct(p: float) -> float:
        return lat[min(len(lat) - 1, int(p * len(lat)))]

    return {
        "rate": rate,
        "sampled": len(sent),
        "searchable": len(lat),
        "p50_s": pct(0.50),
        "p95_s": pct(0.95),
        "p99_s": pct(0.99),
        "mean_s": statistics.fmean(lat),
    }


def ceiling_check(
    raw_bulk_rate: float,
    es_us_per_doc: float | None,
    processing_us: float,
    naive_rate: float | None = None,
    naive_busy_cores: float | None = None,
) -> dict[str, Any]:
    """The CPU the throughput targets take for a part of the work alone.

    At 0.8 × the raw bulk rate: Elasticsearch indexing one document per event (as measured
    in the raw bulk) and validate + enrich + classify in process. At 1.0 × the naive
    consumer: what the naive consumer kept busy (consume, bulk, Kafka, Elasticsearch) plus
    validate + enrich + classify. Correlation, the extra Kafka hops and the clients' own
    costs in the pipeline come on top of either."""
    rate = 0.8 * raw_bulk_rate
    if es_us_per_doc is None:
        return {"rate": round(rate, 1)}
    check: dict[str, Any] = {
        "rate": round(rate, 1),
        "elasticsearch_us_per_doc": es_us_per_doc,
        "processing_us_per_event": round(processing_us, 1),
        "cores_needed": cores_needed(rate, es_us_per_doc + processing_us),
        "cores": os.cpu_count(),
    }
    if naive_rate and naive_busy_cores is not None:
        check["naive_rate"] = round(naive_rate, 1)
        check["naive_cores_needed"] = round(
            naive_busy_cores + cores_needed(naive_rate, processing_us), 2
        )
    return check


def versions(es: Any, settings: Settings) -> dict[str, str]:
    nodes = es.nodes.info(filter_path="nodes.*.version")["nodes"]
    return {
        "python": platform.python_version(),
        "kafka_broker": settings.local_kafka_version,
        "elasticsearch_server": next(iter(nodes.values()))["version"],
        **{
            f"{p} (python)": version(p)
            for p in ("faust-streaming", "aiokafka", "kafka-python", "elasticsearch", "pydantic")
        },
    }


def machine() -> dict[str, Any]:
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        "unknown",
    )
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {"cores": os.cpu_count(), "cpu": cpu, "memory_gib": round(mem_kb / 1024**2, 1)}


def run_bench(
    settings: Settings,
    events: int,
    latency_s: float,
    console: Console,
    workdir: Path,
    workers: int = 1,
) -> dict:
    scope = _scope(settings)
    es = elasticsearch_client(scope)
    create_topics(scope)
    install_templates(es, scope)
    run_id = scope.topic_namespace
    generated = list(synthetic_reports(events, seed=1, run_id=run_id))
    values = [e.value for e in generated]
    keyed = [(e.key, e.value) for e in generated]
    results: dict[str, Any] = {"events": events, "bulk_size": settings.bulk_size}
    meter = CpuMeter.local(scope)

    console.print(f"[bold]1/5[/bold] producing {events} events to {scope.topics().reports}")
    results["produce_s"] = produce_all(scope, scope.topics().reports, keyed)
    console.print("[bold]2/5[/bold] raw Kafka consume")
    raw_k = raw_consume(scope, scope.topics().reports, events, meter)
    console.print("[bold]3/5[/bold] raw Elasticsearch bulk of the final documents")
    processor = build_processor(scope)
    origin = Origin(scope.topics().reports, 0, 0)
    docs = []
    for v in values:
        out = processor.process(origin, v)[0]
        docs.append((dict(out.headers)["citywatch.doc_id"].decode(), out.value))
    raw_b = raw_bulk(es, f"{scope.index_prefix}-incidents-rawbulk", docs, settings.bulk_size, meter)
    console.print("[bold]4/5[/bold] naive kafka-python -> Elasticsearch consumer")
    naive = naive_consumer(
        scope,
        es,
        scope.topics().reports,
        f"{scope.index_prefix}-naive",
        events,
        settings.bulk_size,
        meter,
    )
    console.print(f"[bold]5/5[/bold] citywatch end to end, {workers} worker process(es)")
    pipe = run_pipeline(scope, es, events, workdir, console, meter, latency_s, workers)
    results["throughput"] = {
        t.name: {
            "events": t.events,
            "seconds": round(t.seconds, 3),
            "per_second": round(t.per_second, 1),
            "cpu": t.cpu,
        }
        for t in (raw_k, raw_b, naive, pipe["throughput"])
    }
    p = pipe["throughput"].per_second
    results["ratios"] = {
        "pipeline_vs_raw_kafka": round(p / raw_k.per_second, 3) if raw_k.per_second else None,
        "pipeline_vs_raw_bulk": round(p / raw_b.per_second, 3) if raw_b.per_second else None,
        "pipeline_vs_naive": round(p / naive.per_second, 3) if naive.per_second else None,
    }
    results["worker"] = pipe["worker"]
    results["latency"] = pipe["latency"]
    results["processing_in_process"] = processing_cost(scope, values[: min(5000, len(values))])
    results["ceiling_check"] = ceiling_check(
        raw_b.per_second,
        raw_b.cpu.get("elasticsearch_us_per_event"),
        results["processing_in_process"]["cpu_us_per_event"],
        naive.per_second,
        naive.cpu.get("busy_cores"),
    )
    results["versions"] = versions(es, settings)
    results["machine"] = machine()
    results["at"] = datetime.now(UTC).isoformat(timespec="seconds")
    cleanup(scope, es)
    return results
