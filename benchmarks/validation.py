"""Micro-benchmark: validating raw record bytes into contract models on one core.

Run ``python benchmarks/validation.py [--seconds S] [--json]``. For a typical incident
report and a typical rain-gauge reading it measures :func:`schemas.validation.parse_event`
(size check, UTF-8 check, JSON parsing, validation, window check) in a single thread and
prints events per second. Target: at least 100,000 events/s per core for each.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import UTC, datetime

import pydantic

from schemas.inputs import IncidentReport, SensorReading
from schemas.validation import parse_event

NOW = datetime(2025, 7, 1, 4, 0, tzinfo=UTC)
TARGET = 100_000

REPORT = {
    "report_id": "119-20250701-000123",
    "source": "hotline_119",
    "reported_at": "2025-07-01T11:58:30+08:00",
    "location": {"lat": 31.2400, "lon": 121.4900, "crs": "wgs84"},
    "address": "上海市黄浦区中山东一路12号",
    "description": "中山东一路一栋大楼三层起火,有浓烟,2人受伤被困。Fire on the 3rd floor.",
    "type": "fire",
    "casualties": {"deaths": 0, "injuries": 2},
}
READING = {
    "sensor_id": "rg-310101-001",
    "kind": "rain_gauge",
    "observed_at": "2025-07-01T11:55:00+08:00",
    "value": 12.5,
    "unit": "mm",
    "period_s": 300,
}


def rate(model: type, raw: bytes, seconds: float) -> float:
    """Events per second validating ``raw`` repeatedly for about ``seconds``."""
    for _ in range(2000):  # warm-up
        parse_event(model, raw, now=NOW)
    done, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(5000):
            parse_event(model, raw, now=NOW)
        done += 5000
    return done / elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="Duration of each run.")
    parser.add_argument("--json", action="store_true", help="Print one JSON object.")
    args = parser.parse_args(argv)
    results = {}
    for name, model, data in (
        ("incident_report", IncidentReport, REPORT),
        ("sensor_reading", SensorReading, READING),
    ):
        raw = json.dumps(data, ensure_ascii=False).encode("utf-8")
        results[name] = {"bytes": len(raw), "events_per_s": round(rate(model, raw, args.seconds))}
    report = {
        "python": platform.python_version(),
        "pydantic": pydantic.VERSION,
        "machine": platform.machine(),
        "target_events_per_s": TARGET,
        "results": results,
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        for name, r in results.items():
            print(f"{name:16} {r['bytes']:4} B  {r['events_per_s']:>9,} events/s")
    return 0 if all(r["events_per_s"] >= TARGET for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
