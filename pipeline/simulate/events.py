"""Simulated events and the run context that maps simulated time onto wall-clock offsets.

A :class:`SimEvent` is one Kafka record of a scenario: ``offset_s`` (wall-clock seconds
after the run starts), ``topic``, ``key`` and ``value`` (the record bytes). It also says
whether it is a deliberately bad record (``defect``: the error code the pipeline's
validation gives it) or a re-sent copy of an earlier reading (``duplicate``).

A :class:`SimContext` holds what every generator of one run shares: the seed, the
simulated start, the wall-clock duration and the time scale (simulated seconds per
wall-clock second), the sensors of the registry and the places of the city. Simulated times are
given as seconds since ``start``; ``offset(t)`` turns them into wall-clock offsets.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from pipeline.simulate.places import Places
from pipeline.warnings.registry import SensorEntry

#: China Standard Time, the zone every simulated timestamp is written in
SHANGHAI = timezone(timedelta(hours=8), "CST")

KIND_REPORT = "report"
KIND_READING = "reading"
KIND_FINDING = "finding"


@dataclass(frozen=True, slots=True)
class SimEvent:
    """One record of a scenario, due ``offset_s`` wall-clock seconds after the start."""

    offset_s: float
    topic: str
    key: bytes | None
    value: bytes
    kind: str = KIND_REPORT
    """``report``, ``reading`` or ``finding``."""
    defect: str | None = None
    """For a deliberately bad record: the validation error code it must get."""
    duplicate: bool = False
    """A reading re-sent with the same bytes (the pipeline counts it once)."""
    incident: str | None = None
    """The simulated incident a report belongs to (the truth correlation should find)."""

    @property
    def record(self) -> tuple[float, str, bytes | None, bytes]:
        """``(offset_s, topic, key, value)``."""
        return (self.offset_s, self.topic, self.key, self.value)


def encode(data: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON, keys in insertion order (deterministic bytes)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass
class SimContext:
    """Everything the generators of one run share."""

    seed: int
    start: datetime
    duration_s: float
    time_scale: float
    sensors: tuple[SensorEntry, ...]
    places: Places
    _ids: Counter[str] = field(default_factory=Counter, repr=False)

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.start.utcoffset() is None:
            raise ValueError("start must be timezone-aware")
        if self.duration_s <= 0 or self.time_scale <= 0:
            raise ValueError("duration_s and time_scale must be positive")

    @property
    def span_s(self) -> float:
        """Simulated seconds the run covers."""
        return self.duration_s * self.time_scale

    @property
    def tag(self) -> str:
        """The start as ``YYYYMMDDHHMMSS`` in Shanghai time; it makes ids unique per run."""
        return self.start.astimezone(SHANGHAI).strftime("%Y%m%d%H%M%S")

    def rng(self, *parts: object) -> random.Random:
        """An independent random stream for one part of the scenario (seeded, stable)."""
        return random.Random(":".join(["citywatch", str(self.seed), *map(str, parts)]))

    def at(self, t: float) -> datetime:
        """The simulated datetime ``t`` seconds after the start."""
        return self.start + timedelta(seconds=t)

    def stamp(self, t: float) -> str:
        """RFC 3339 in Shanghai time, whole seconds (truncated, never later than ``t``)."""
        return self.at(t).astimezone(SHANGHAI).replace(microsecond=0).isoformat()

    def epoch(self, t: float) -> float:
        """POSIX seconds of simulated time ``t``."""
        return self.start.timestamp() + t

    def offset(self, t: float) -> float:
        """Wall-clock offset of simulated time ``t``."""
        return t / self.time_scale

    def in_run(self, t: float) -> bool:
        """Whether simulated time ``t`` falls within the run."""
        return 0.0 <= t <= self.span_s

    def sensor(self, sensor_id: str) -> SensorEntry:
        """The registry entry of a sensor; ``KeyError`` naming it when it is not registered."""
        for entry in self.sensors:
            if entry.sensor_id == sensor_id:
                return entry
        raise KeyError(f"sensor {sensor_id!r} is not in the sensor registry")

    def next_id(self, prefix: str) -> str:
        """``<prefix>-<tag>-<n>``: a fresh identifier, unique within the run and across runs."""
        self._ids[prefix] += 1
        return f"{prefix}-{self.tag}-{self._ids[prefix]:05d}"
