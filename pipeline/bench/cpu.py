"""CPU accounting for the benchmark, read from /proc: the local Kafka broker and
Elasticsearch node (found by their pid files) and the machine as a whole.

Every contender shares the machine with both services, so their CPU per event belongs in
the results: it shows how much of the two cores a contender leaves to the others, and what
a throughput target would cost before any work of the pipeline's own.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.services.config import ElasticsearchPaths, KafkaPaths
from pipeline.services.process import read_pid
from pipeline.settings import Settings

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/PID/stat`` after the command name, or None if it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of ``pid`` (all its threads), or None if it is gone."""
    fields = _stat(pid)
    return None if fields is None else (int(fields[11]) + int(fields[12])) / TICKS


def tree_cpu_seconds(pid: int) -> float | None:
    """CPU seconds of ``pid`` and every live process below it (Elasticsearch's launcher
    runs the server as a child), or None if ``pid`` is gone."""
    own = process_cpu_seconds(pid)
    if own is None:
        return None
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    total, below = own, list(children.get(pid, []))
    while below:
        child = below.pop()
        total += process_cpu_seconds(child) or 0.0
        below.extend(children.get(child, []))
    return total


def machine_busy_seconds(stat: str | None = None) -> float:
    """Core-seconds the machine spent busy since boot (all but idle and iowait)."""
    text = stat if stat is not None else Path("/proc/stat").read_text()
    values = [int(v) for v in text.splitlines()[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / TICKS


@dataclass(frozen=True)
class CpuSample:
    wall: float
    busy: float
    services: Mapping[str, float] = field(default_factory=dict)


class CpuMeter:
    """Samples the CPU of the named process trees and of the machine."""

    def __init__(self, pids: Mapping[str, int]) -> None:
        self.pids = dict(pids)

    @classmethod
    def local(cls, settings: Settings) -> CpuMeter:
        """The local services started by ``citywatch services up``, those that run."""
        found = {
            "kafka": read_pid(KafkaPaths.of(settings).pid),
            "elasticsearch": read_pid(ElasticsearchPaths.of(settings).pid),
        }
        return cls({name: pid for name, pid in found.items() if pid is not None})

    def sample(self) -> CpuSample:
        services = {}
        for name, pid in self.pids.items():
            seconds = tree_cpu_seconds(pid)
            if seconds is not None:
                services[name] = seconds
        return CpuSample(time.perf_counter(), machine_busy_seconds(), services)


def cpu_use(before: CpuSample, after: CpuSample, events: int) -> dict[str, Any]:
    """Busy cores on average between two samples, and each service's CPU µs per event."""
    wall = after.wall - before.wall
    use: dict[str, Any] = {
        "busy_cores": round((after.busy - before.busy) / wall, 2) if wall > 0 else None
    }
    for name, seconds in after.services.items():
        if name in before.services and events:
            use[f"{name}_us_per_event"] = round((seconds - before.services[name]) / events * 1e6, 1)
    return use


def cores_needed(rate: float, us_per_event: float) -> float:
    """Cores busy at ``rate`` events/s when each costs ``us_per_event`` of CPU."""
    return round(rate * us_per_event / 1e6, 2)
