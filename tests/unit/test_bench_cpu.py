"""The benchmark's CPU accounting: /proc readings, per-event use, and the report lines."""

from __future__ import annotations

import os
import subprocess
import sys

from pipeline.bench.cpu import (
    TICKS,
    CpuMeter,
    CpuSample,
    cores_needed,
    cpu_use,
    machine_busy_seconds,
    process_cpu_seconds,
    tree_cpu_seconds,
)
from pipeline.bench.report import markdown
from pipeline.bench.runner import ceiling_check


def test_machine_busy_leaves_out_idle_and_iowait():
    stat = "cpu  100 20 30 1000 50 5 5 0 0 0\ncpu0 1 2 3 4 5 6 7 8 9 10\n"
    assert machine_busy_seconds(stat) == (100 + 20 + 30 + 5 + 5) / TICKS


def test_this_process_and_a_gone_one():
    sum(i * i for i in range(200_000))  # some CPU of our own
    assert process_cpu_seconds(os.getpid()) > 0
    assert process_cpu_seconds(2**22 + 12345) is None


def test_a_tree_counts_its_children():
    busy = "sum(i * i for i in range(3_000_000)); print(flush=True); input()"
    child = subprocess.Popen(
        [sys.executable, "-c", busy], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    try:
        child.stdout.readline()  # the child has done its work and waits
        own = process_cpu_seconds(os.getpid())
        assert tree_cpu_seconds(os.getpid()) >= own + process_cpu_seconds(child.pid) > own
    finally:
        child.communicate(b"\n", timeout=30)
    assert tree_cpu_seconds(2**22 + 12345) is None


def test_a_meter_samples_only_what_it_was_given():
    sample = CpuMeter({"self": os.getpid()}).sample()
    assert set(sample.services) == {"self"}
    assert sample.busy > 0


def test_use_per_event_and_busy_cores():
    before = CpuSample(10.0, 100.0, {"kafka": 5.0, "elasticsearch": 20.0})
    after = CpuSample(12.0, 103.0, {"kafka": 5.5, "elasticsearch": 22.0})
    use = cpu_use(before, after, 10_000)
    assert use == {
        "busy_cores": 1.5,
        "kafka_us_per_event": 50.0,
        "elasticsearch_us_per_event": 200.0,
    }
    # a service that was not running at the start is not reported
    assert "kafka_us_per_event" not in cpu_use(CpuSample(0, 0, {}), after, 10)


def test_cores_needed_and_the_ceiling_check():
    assert cores_needed(10_000, 150.0) == 1.5
    check = ceiling_check(15_000, 70.0, 90.0)
    assert check == {
        "rate": 12_000.0,
        "elasticsearch_us_per_doc": 70.0,
        "processing_us_per_event": 90.0,
        "cores_needed": 1.92,
        "cores": os.cpu_count(),
    }
    assert ceiling_check(15_000, None, 90.0) == {"rate": 12_000.0}
    with_naive = ceiling_check(15_000, 70.0, 90.0, 9_000, 1.1)
    assert with_naive["naive_rate"] == 9_000
    assert with_naive["naive_cores_needed"] == 1.91  # 1.1 + 9,000 × 90 µs


def _result(cpu: dict) -> dict:
    return {
        "at": "2026-11-29T00:00:00+00:00",
        "machine": {"cores": 2, "cpu": "x", "memory_gib": 1},
        "events": 10,
        "bulk_size": 5,
        "throughput": {"raw Elasticsearch bulk": {"events": 10, "seconds": 1, "per_second": 10}}
        | {"pipeline": {"events": 10, "seconds": 2, "per_second": 5, "cpu": cpu}},
        "ratios": {
            "pipeline_vs_raw_bulk": 0.5,
            "pipeline_vs_naive": 1,
            "pipeline_vs_raw_kafka": 0.1,
        },
        "processing_in_process": {"cpu_us_per_event": 90.0},
        "worker": {"cpu_us_per_event_end_to_end": 500, "peak_rss_mb": 200},
        "latency": {},
        "versions": {},
        "ceiling_check": ceiling_check(10, 70.0, 90.0, 10, 1.0),
    }


def test_the_report_shows_service_cpu_when_measured():
    text = markdown(_result({"busy_cores": 1.9, "kafka_us_per_event": 40.0}))
    assert "| pipeline | 1.9 | 40.0 |  |" in text
    assert "alone take 0.0 of the machine's" in text
    assert f"plus validate + enrich + classify take 1.0 of {os.cpu_count()} cores" in text
    assert "Kafka CPU" not in markdown(_result({}))
