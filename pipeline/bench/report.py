"""The benchmark's Markdown table, from its JSON result."""

from __future__ import annotations

from typing import Any

TARGETS = {
    "pipeline_vs_raw_bulk": 0.8,
    "pipeline_vs_naive": 1.0,
}


def markdown(r: dict[str, Any]) -> str:
    lines = [
        "# citywatch benchmark",
        "",
        f"Run {r['at']} on {r['machine']['cores']} cores ({r['machine']['cpu']}), "
        f"{r['machine']['memory_gib']} GiB, Kafka and Elasticsearch on the same machine. "
        f"{r['events']} incident reports, bulk size {r['bulk_size']}.",
        "",
        "| contender | events | seconds | events/s |",
        "|---|---:|---:|---:|",
    ]
    for name, t in r["throughput"].items():
        lines.append(f"| {name} | {t['events']} | {t['seconds']} | {t['per_second']} |")
    ratios, worker, lat = r["ratios"], r["worker"], r["latency"]
    cpu_in = r["processing_in_process"]["cpu_us_per_event"]
    lines += [
        "",
        "| measure | value | target | met |",
        "|---|---:|---:|:---:|",
        _row("pipeline / raw Elasticsearch bulk", ratios["pipeline_vs_raw_bulk"], "≥ 0.8", 0.8),
        _row("pipeline / naive consumer", ratios["pipeline_vs_naive"], "≥ 1.0", 1.0),
        f"| pipeline / raw Kafka consume | {ratios['pipeline_vs_raw_kafka']} | (ceiling) | |",
        _row_max("validate+enrich+classify CPU µs/event (in process)", round(cpu_in, 1), 100),
        f"| worker processes | {worker.get('processes', 1)} | | |",
        f"| worker CPU µs/event end to end (all agents, clients, all processes) | "
        f"{worker['cpu_us_per_event_end_to_end']} | | |",
        _row_max("worker peak RSS MB (largest process)", worker["peak_rss_mb"], 300),
    ]
    if lat.get("searchable"):
        lines += [
            f"| latency p50 at {lat['rate']:.0f}/s (s) | {lat['p50_s']:.3f} | | |",
            f"| latency p95 at {lat['rate']:.0f}/s (s) | {lat['p95_s']:.3f} | | |",
            _row_max(f"latency p99 at {lat['rate']:.0f}/s (s)", round(lat["p99_s"], 3), 2.0),
        ]
    lines += _cpu_lines(r)
    lines += ["", "Versions: " + ", ".join(f"{k} {v}" for k, v in r["versions"].items()), ""]
    return "\n".join(lines)


def _cpu_lines(r: dict[str, Any]) -> list[str]:
    """Busy cores and the local services' CPU per event for each contender, and what
    the raw-bulk target would cost in CPU (when the services are local and measured)."""
    measured = {name: t.get("cpu") or {} for name, t in r["throughput"].items()}
    if not any(measured.values()):
        return []
    lines = [
        "",
        "| contender | busy cores (machine) | Kafka CPU µs/event | Elasticsearch CPU µs/event |",
        "|---|---:|---:|---:|",
    ]
    for name, cpu in measured.items():
        lines.append(
            f"| {name} | {cpu.get('busy_cores', '')} | {cpu.get('kafka_us_per_event', '')} | "
            f"{cpu.get('elasticsearch_us_per_event', '')} |"
        )
    check = r.get("ceiling_check") or {}
    if "cores_needed" in check:
        lines += [
            "",
            f"At 0.8 × the raw bulk rate ({check['rate']:.0f} events/s), Elasticsearch "
            f"indexing ({check['elasticsearch_us_per_doc']} µs per document) and validate + "
            f"enrich + classify ({check['processing_us_per_event']} µs per event) alone take "
            f"{check['cores_needed']} of the machine's {check['cores']} cores, before Kafka, "
            "the clients and correlation.",
        ]
    if "naive_cores_needed" in check:
        lines += [
            "",
            f"At 1.0 × the naive consumer ({check['naive_rate']:.0f} events/s), what the naive "
            f"consumer kept busy plus validate + enrich + classify take "
            f"{check['naive_cores_needed']} of {check['cores']} cores, before correlation and "
            "the pipeline's extra Kafka hops.",
        ]
    return lines


def _row(label: str, value: float | None, target: str, minimum: float) -> str:
    met = "yes" if value is not None and value >= minimum else "no"
    return f"| {label} | {value} | {target} | {met} |"


def _row_max(label: str, value: float | None, maximum: float) -> str:
    met = "yes" if value is not None and value <= maximum else "no"
    return f"| {label} | {value} | ≤ {maximum} | {met} |"
