"""Sensor streams: registry sensors reporting on their period, with noise, gaps, duplicates.

A :class:`Stream` says how one sensor of the registry reports during a scenario: a value
function of simulated time (seconds since the start) and of the interval the reading
covers, its rounding, an optional gust, an alarm mode (report more often while a value is
at or above a level), and how likely a gap (the sensor silent for several periods) and a
re-sent duplicate are. Readings fall on whole multiples of the period (like a data logger's
clock). A rain gauge stores and forwards: the readings of a gap arrive together when it
comes back, so accumulations stay exact; other sensors' readings of a gap are lost.

:func:`routine_stream` is the everyday behaviour of each kind, used for every registry
sensor a scenario does not drive itself.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pipeline.names import TOPIC_SENSOR_READINGS
from pipeline.simulate.events import KIND_READING, SHANGHAI, SimContext, SimEvent, encode
from pipeline.warnings.registry import DEFAULT_REGISTRY_PATH, SensorEntry, SensorRegistry

#: value(t, interval_s, rng): the reading ending at simulated time t, covering interval_s
ValueFn = Callable[[float, int, random.Random], float]

UNITS = {
    "rain_gauge": "mm",
    "water_level": "m",
    "anemometer": "m/s",
    "thermometer": "°C",
    "gas_detector": "%LEL",
    "crowd_counter": "persons",
}
PERIOD_KINDS = frozenset({"rain_gauge", "anemometer"})
STORE_AND_FORWARD = frozenset({"rain_gauge"})
TIDE_PERIOD_S = 44_712.0  # the principal lunar semi-diurnal tide, 12 h 25 min
#: Shanghai monthly mean air temperature, °C (January ... December)
MONTHLY_MEAN_C = (4.8, 6.6, 10.2, 15.6, 20.9, 24.7, 29.1, 28.6, 24.9, 19.7, 13.7, 7.3)
#: tide stations: (mean level m, semi-diurnal amplitude m) on an ordinary day
TIDE_STATIONS = {
    "wl-huangpu-park": (2.55, 1.30),
    "wl-wusongkou": (2.45, 1.45),
    "wl-mishidu": (2.85, 0.30),
}


@dataclass(frozen=True)
class Stream:
    """How one registry sensor reports during a scenario."""

    value: ValueFn
    decimals: int = 1
    unit: str | None = None
    gust: ValueFn | None = None
    alarm_at: float | None = None
    alarm_every_s: int = 10
    gap_chance: float = 0.25
    duplicate_chance: float = 0.02


def emit_stream(ctx: SimContext, entry: SensorEntry, stream: Stream) -> list[SimEvent]:
    """The readings of one sensor over the run (sorted by offset)."""
    rng = ctx.rng("sensor", entry.sensor_id)
    period = entry.period_s or 600
    unit = stream.unit or UNITS.get(entry.kind, "1")
    base = ctx.start.timestamp()
    gap = _gap(rng, ctx.span_s, period) if rng.random() < stream.gap_chance else None
    events: list[SimEvent] = []
    backlog: list[SimEvent] = []
    observed = (math.floor(base / period) + 1) * period
    step = period
    while observed - base <= ctx.span_s:
        t = observed - base
        silent = gap is not None and gap[0] <= t < gap[1]
        if backlog and not silent:
            back = ctx.offset(min(gap[1], t)) if gap is not None else ctx.offset(t)
            events.extend(_copy(e, back) for e in backlog)
            backlog = []
        value = stream.value(t, step, rng)
        readings = [_reading(entry, observed, value, stream.decimals, unit, step)]
        if stream.gust is not None:
            gust = max(value, stream.gust(t, step, rng))
            readings.append(_reading(entry, observed, gust, stream.decimals, unit + " gust", step))
        for data in readings:
            event = SimEvent(
                ctx.offset(t),
                TOPIC_SENSOR_READINGS,
                entry.sensor_id.encode(),
                encode(data),
                KIND_READING,
            )
            if silent:
                if entry.kind in STORE_AND_FORWARD:
                    backlog.append(event)
                continue
            events.append(event)
            if rng.random() < stream.duplicate_chance:
                later = min(ctx.duration_s, event.offset_s + rng.uniform(0.3, 3.0))
                events.append(_copy(event, later, duplicate=True))
        alarmed = stream.alarm_at is not None and value >= stream.alarm_at
        step = min(stream.alarm_every_s, period) if alarmed else period
        observed += step
    events.extend(_copy(e, ctx.duration_s) for e in backlog)
    events.sort(key=lambda e: e.offset_s)
    return events


def _gap(rng: random.Random, span: float, period: int) -> tuple[float, float]:
    start = rng.uniform(0.1, 0.8) * span
    return (start, start + rng.randint(3, 8) * period)


def _copy(event: SimEvent, offset: float, duplicate: bool = False) -> SimEvent:
    return SimEvent(offset, event.topic, event.key, event.value, event.kind, None, duplicate)


def _reading(
    entry: SensorEntry, observed: int, value: float, decimals: int, unit: str, step: int
) -> dict[str, object]:
    data: dict[str, object] = {
        "sensor_id": entry.sensor_id,
        "kind": entry.kind,
        "observed_at": datetime.fromtimestamp(observed, SHANGHAI).isoformat(),
        "value": float(round(value, decimals)),
        "unit": unit,
    }
    if entry.kind in PERIOD_KINDS:
        data["period_s"] = step
    return data


def rain(intensity: Callable[[float], float], noise: float = 0.15) -> ValueFn:
    """Precipitation in mm over the interval, from an intensity in mm/h of simulated time."""

    def value(t: float, interval: int, rng: random.Random) -> float:
        steps = max(1, interval // 60)
        width = interval / steps
        mm = sum(max(0.0, intensity(t - interval + (i + 0.5) * width)) for i in range(steps))
        mm *= width / 3600.0
        return mm * rng.lognormvariate(0.0, noise) if mm > 0 else 0.0

    return value


def tide(
    mean: float,
    amplitude: float,
    high_at: float,
    extra: Callable[[float], float] | None = None,
    noise: float = 0.015,
) -> ValueFn:
    """A semi-diurnal tide in m with high water at ``high_at``, plus ``extra(t)`` (surge)."""

    def value(t: float, interval: int, rng: random.Random) -> float:
        phase = 2.0 * math.pi * (t - high_at) / TIDE_PERIOD_S
        level = mean + amplitude * math.cos(phase) + (extra(t) if extra else 0.0)
        return level + rng.gauss(0.0, noise)

    return value


def routine_stream(ctx: SimContext, entry: SensorEntry) -> Stream:
    """The everyday behaviour of a sensor of the registry, by kind."""
    rng = ctx.rng("routine", entry.sensor_id)
    kind = entry.kind
    if kind == "rain_gauge":
        return Stream(rain(lambda t: 0.0), gap_chance=0.1)
    if kind == "water_level":
        mean, amplitude = TIDE_STATIONS.get(entry.sensor_id, (2.5, 1.2))
        return Stream(tide(mean, amplitude, rng.uniform(0, TIDE_PERIOD_S)), decimals=2)
    if kind == "anemometer":
        calm = rng.uniform(2.5, 4.5)
        return Stream(
            lambda t, i, r: max(0.2, calm + r.gauss(0.0, 0.6)),
            gust=lambda t, i, r: (calm + r.gauss(0.0, 0.6)) * r.uniform(1.3, 1.7),
        )
    if kind == "thermometer":
        return Stream(_air_temperature(ctx, rng.uniform(-1.5, 1.5)))
    if kind == "gas_detector":
        return Stream(lambda t, i, r: abs(r.gauss(0.8, 0.6)), alarm_at=entry.first_alarm_pct_lel)
    if kind == "crowd_counter":
        return crowd_stream(entry, lambda t: _city_density(ctx, t))
    return Stream(lambda t, i, r: r.gauss(0.0, 1.0))


def crowd_stream(
    entry: SensorEntry, density: Callable[[float], float], alarm_at: float | None = None
) -> Stream:
    """A crowd counter: a head count over the registry's ``area_m2``, else a density.

    ``density(t)`` is people per m²; ``alarm_at`` (people per m²) switches to alarm mode.
    """
    area = entry.area_m2
    if area is None:
        return Stream(
            lambda t, i, r: max(0.0, density(t) * r.uniform(0.95, 1.05)),
            decimals=2,
            unit="persons/m²",
            alarm_at=alarm_at,
            alarm_every_s=30,
        )
    return Stream(
        lambda t, i, r: max(0.0, density(t) * area * r.uniform(0.95, 1.05)),
        decimals=0,
        unit="persons",
        alarm_at=None if alarm_at is None else alarm_at * area,
        alarm_every_s=30,
    )


def local_hour(ctx: SimContext, t: float) -> float:
    """Hour of the day in Shanghai at simulated time ``t`` (0-24, fractional)."""
    local = ctx.at(t).astimezone(SHANGHAI)
    return local.hour + local.minute / 60.0 + local.second / 3600.0


def _air_temperature(ctx: SimContext, bias: float) -> ValueFn:
    mean = MONTHLY_MEAN_C[ctx.start.astimezone(SHANGHAI).month - 1] + bias

    def value(t: float, interval: int, rng: random.Random) -> float:
        hour = local_hour(ctx, t)
        return mean + 4.0 * math.cos(2.0 * math.pi * (hour - 14.0) / 24.0) + rng.gauss(0, 0.2)

    return value


def _city_density(ctx: SimContext, t: float) -> float:
    hour = local_hour(ctx, t)
    return 0.15 + 0.6 * max(0.0, math.sin(math.pi * (hour - 8.0) / 14.0))


def sensor_streams(
    ctx: SimContext, driven: dict[str, Stream], budget: float, kinds: Iterable[str] | None = None
) -> list[SimEvent]:
    """The readings of the ``driven`` sensors, plus everyday readings of the other registry
    sensors (of ``kinds``, default all; one of each kind first) while the total stays
    within ``budget``."""
    events: list[SimEvent] = []
    for sensor_id, stream in driven.items():
        events.extend(emit_stream(ctx, ctx.sensor(sensor_id), stream))
    wanted = set(kinds) if kinds is not None else None
    by_kind: dict[str, list[SensorEntry]] = {}
    for entry in ctx.sensors:
        if entry.sensor_id not in driven and (wanted is None or entry.kind in wanted):
            by_kind.setdefault(entry.kind, []).append(entry)
    for entry in _round_robin(list(by_kind.values())):
        more = emit_stream(ctx, entry, routine_stream(ctx, entry))
        if len(events) + len(more) <= budget:
            events.extend(more)
    return events


def _round_robin(groups: list[list[SensorEntry]]) -> list[SensorEntry]:
    """One sensor of each kind, then a second of each, and so on (variety first)."""
    out: list[SensorEntry] = []
    for i in range(max((len(g) for g in groups), default=0)):
        out.extend(g[i] for g in groups if i < len(g))
    return out


def registry_sensors(path: Path | str | None = None) -> tuple[SensorEntry, ...]:
    """Every sensor of the registry file (default: the shipped one), in file order.

    The file is loaded and validated by :meth:`SensorRegistry.from_file`.
    """
    path = Path(path) if path is not None else DEFAULT_REGISTRY_PATH
    registry = SensorRegistry.from_file(path)
    ids = [item["sensor_id"] for item in json.loads(path.read_text(encoding="utf-8"))["sensors"]]
    return tuple(entry for i in ids if (entry := registry.get(i)) is not None)
