"""Per-sensor windowed state: accepted readings, watermark, daily maxima and the metrics.

One :class:`SensorState` per sensor (a Faust table keyed by ``sensor_id``; ``to_dict`` /
``from_dict`` give its JSON form). Metrics are computed "as of" a time ``t``:

- rain ``rain_{1,3,6,12}h_mm``: the sum of readings whose interval ``(end - period_s, end]``
  ends within ``(t - W, t]``. A reading that began before ``t - W`` counts pro rata, the part
  inside the window only (uniform intensity assumed). When each period divides the window and
  readings follow each other, no interval straddles the boundary and the sums are exact: a
  reading ending exactly ``W`` before ``t`` is outside, one starting exactly there is inside.
  Sums use decimal arithmetic, so 0.1 mm steps add up without binary rounding.
- wind ``wind_mean_ms``: the time-weighted mean over ``(t - mean_window_s, t]`` of the
  readings' means (each weighted by the part of its period inside the window; only the data
  present count). ``wind_force`` is its Beaufort force. ``gust_max_ms`` is the highest
  ``gust`` of the readings ending in ``(t - gust_window_s, t]``; ``gust_force`` its force.
- temperature ``day_max_c``: the highest reading on t's Asia/Shanghai calendar day;
  ``consecutive_hot_days`` (parameter ``threshold_c``): calendar days in a row, ending on t's
  day, whose maximum reached the threshold; while t's day has not (yet) reached it, the run
  ending the day before counts. ``temperature_c``: the latest reading.
- ``water_level_m``, ``gas_pct_lel``, ``crowd_density_ppm2``: the latest reading at or
  before t.

Duplicates (same ``observed_at``) count once: the first one wins (a gust-only anemometer
reading and a mean reading of the same time join instead). A reading older than the
sensor's watermark minus ``lateness_s`` is rejected (``too_late``); an accepted late reading
is re-evaluated at its own time and at every later reading's time of the sensor. Rain and
wind intervals of one sensor must not overlap (``overlapping_period``).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from pipeline.errors import EventError
from pipeline.warnings.beaufort import beaufort_force
from pipeline.warnings.readings import PERIOD_KINDS, STAGE, Reading

SHANGHAI = ZoneInfo("Asia/Shanghai")
RAIN_WINDOWS_H = (1, 3, 6, 12)
DAY_MAX_KEPT_DAYS = 31

KIND_METRICS: dict[str, frozenset[str]] = {
    "rain_gauge": frozenset(f"rain_{h}h_mm" for h in RAIN_WINDOWS_H),
    "anemometer": frozenset({"wind_mean_ms", "wind_force", "gust_max_ms", "gust_force"}),
    "thermometer": frozenset({"temperature_c", "day_max_c", "consecutive_hot_days"}),
    "water_level": frozenset({"water_level_m"}),
    "gas_detector": frozenset({"gas_pct_lel"}),
    "crowd_counter": frozenset({"crowd_density_ppm2"}),
}
METRIC_UNITS: dict[str, str] = {
    **{f"rain_{h}h_mm": "mm" for h in RAIN_WINDOWS_H},
    "wind_mean_ms": "m/s",
    "gust_max_ms": "m/s",
    "wind_force": "Beaufort",
    "gust_force": "Beaufort",
    "temperature_c": "°C",
    "day_max_c": "°C",
    "consecutive_hot_days": "days",
    "water_level_m": "m",
    "gas_pct_lel": "%LEL",
    "crowd_density_ppm2": "persons/m²",
}
#: parameters a metric takes from its rule condition
METRIC_PARAMS: dict[str, frozenset[str]] = {"consecutive_hot_days": frozenset({"threshold_c"})}


@dataclass(frozen=True)
class WindowConfig:
    """Window lengths and lateness (the profile's ``engine`` and ``metrics`` sections)."""

    lateness_s: int = 3600
    wind_mean_window_s: int = 600
    gust_window_s: int = 600

    def window_s(self, metric: str) -> int | None:
        """The rolling window of a metric in seconds (None for point and daily metrics)."""
        if metric.startswith("rain_") and metric.endswith("h_mm"):
            return int(metric[5:-4]) * 3600
        if metric in ("wind_mean_ms", "wind_force"):
            return self.wind_mean_window_s
        if metric in ("gust_max_ms", "gust_force"):
            return self.gust_window_s
        return None

    def retention_s(self, kind: str) -> int:
        """How far behind the watermark readings are kept for this kind."""
        if kind == "rain_gauge":
            span = max(RAIN_WINDOWS_H) * 3600
        elif kind == "anemometer":
            span = max(self.wind_mean_window_s, self.gust_window_s)
        else:
            span = 0
        return span + self.lateness_s


class StoredReading(BaseModel):
    """One accepted reading in canonical units; ``at`` is its ``observed_at``.

    ``value`` is None for an anemometer's gust-only reading.
    """

    model_config = ConfigDict(extra="forbid")
    at: datetime
    value: float | None
    period_s: int | None = None
    gust: float | None = None


class SensorState(BaseModel):
    """Everything remembered about one sensor."""

    model_config = ConfigDict(extra="forbid")
    sensor_id: str
    kind: str
    district: dict[str, str] | None = None
    readings: list[StoredReading] = []
    """Accepted readings within the retention, oldest first."""
    watermark: datetime | None = None
    """The newest ``observed_at`` accepted."""
    day_max_c: dict[str, float] = {}
    """Thermometers: Asia/Shanghai date (YYYY-MM-DD) -> highest reading."""
    period_s: int | None = None
    """The latest known reporting period (for the health check)."""
    offline: bool = False
    offline_since: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SensorState:
        return cls.model_validate(data)

    # --- ingestion ---------------------------------------------------------------------
    def add(self, reading: Reading, config: WindowConfig) -> list[datetime] | None:
        """Accept a reading; return the times to (re-)evaluate, or None for a duplicate.

        Raises ``EventError('too_late')`` beyond the lateness, ``overlapping_period`` when a
        rain or wind interval overlaps one already accepted.
        """
        at = reading.observed_at
        times = [r.at for r in self.readings]
        i = bisect_left(times, at)
        same = self.readings[i] if i < len(times) and times[i] == at else None
        if same is not None and not _completes(same, reading):
            return None
        lateness = timedelta(seconds=config.lateness_s)
        if self.watermark is not None and at < self.watermark - lateness:
            raise EventError(
                "too_late",
                f"{self.sensor_id}: observed_at {at.isoformat()} is more than "
                f"{config.lateness_s} s behind the newest reading {self.watermark.isoformat()}",
                STAGE,
            )
        if self.kind in PERIOD_KINDS and reading.period_s and reading.value is not None:
            self._check_overlap(at, reading.period_s)
        if same is None:
            stored = StoredReading(
                at=at, value=reading.value, period_s=reading.period_s, gust=reading.gust
            )
            self.readings.insert(i, stored)
        elif same.value is None and reading.value is not None:
            same.value, same.period_s = reading.value, reading.period_s
            same.gust = same.gust if same.gust is not None else reading.gust
        else:
            same.gust = reading.gust
        newest = self.watermark is None or at > self.watermark
        if newest:
            self.watermark = at
            if reading.period_s is not None:
                self.period_s = reading.period_s
            if reading.district is not None:
                self.district = reading.district
        if self.kind == "thermometer" and reading.value is not None:
            day = _shanghai_day(at).isoformat()
            self.day_max_c[day] = max(self.day_max_c.get(day, reading.value), reading.value)
        self._prune(config)
        return [at] + [r.at for r in self.readings if r.at > at]

    def _check_overlap(self, at: datetime, period_s: int) -> None:
        start = at - timedelta(seconds=period_s)
        intervals = [r for r in self.readings if r.value is not None and r.period_s and r.at != at]
        before = [r for r in intervals if r.at < at]
        after = [r for r in intervals if r.at > at]
        clash = None
        if before and before[-1].at > start:
            clash = before[-1]
        elif after and after[0].at - timedelta(seconds=after[0].period_s or 0) < at:
            clash = after[0]
        if clash is not None:
            raise EventError(
                "overlapping_period",
                f"{self.sensor_id}: interval ending {at.isoformat()} ({period_s} s) overlaps the "
                f"accepted reading ending {clash.at.isoformat()} ({clash.period_s} s)",
                STAGE,
            )

    def _prune(self, config: WindowConfig) -> None:
        assert self.watermark is not None
        horizon = self.watermark - timedelta(seconds=config.retention_s(self.kind))
        keep_from = bisect_right([r.at for r in self.readings], horizon)
        if keep_from:
            del self.readings[:keep_from]
        if self.day_max_c:
            oldest = (_shanghai_day(self.watermark) - timedelta(days=DAY_MAX_KEPT_DAYS)).isoformat()
            self.day_max_c = {d: v for d, v in self.day_max_c.items() if d > oldest}

    # --- metrics -----------------------------------------------------------------------
    def metrics_at(self, t: datetime, config: WindowConfig) -> SensorMetrics:
        """The metrics of this sensor as of ``t`` (computed lazily, cached)."""
        return SensorMetrics(self, t, config)


@dataclass
class SensorMetrics:
    """Lazily computed metrics of one sensor as of ``t``; values are Decimal or None."""

    sensor: SensorState
    t: datetime
    config: WindowConfig
    _cache: dict[tuple[str, tuple[tuple[str, Any], ...]], Decimal | None] = field(
        default_factory=dict
    )

    def get(self, name: str, params: dict[str, Any] | None = None) -> Decimal | None:
        key = (name, tuple(sorted((params or {}).items())))
        if key not in self._cache:
            self._cache[key] = self._compute(name, params or {})
        return self._cache[key]

    def _compute(self, name: str, params: dict[str, Any]) -> Decimal | None:
        if name.startswith("rain_") and name.endswith("h_mm"):
            return self._rain_sum(int(name[5:-4]) * 3600)
        if name == "wind_mean_ms":
            return self._wind_mean()
        if name == "gust_max_ms":
            return self._gust_max()
        if name in ("wind_force", "gust_force"):
            speed = self.get("wind_mean_ms" if name == "wind_force" else "gust_max_ms")
            return None if speed is None else Decimal(beaufort_force(speed))
        if name == "day_max_c":
            value = self.sensor.day_max_c.get(_shanghai_day(self.t).isoformat())
            return None if value is None else _dec(value)
        if name == "consecutive_hot_days":
            return Decimal(self._hot_run(_dec(params["threshold_c"])))
        latest = self._latest()
        return None if latest is None or latest.value is None else _dec(latest.value)

    def _upto(self) -> list[StoredReading]:
        readings = self.sensor.readings
        return readings[: bisect_right([r.at for r in readings], self.t)]

    def _latest(self) -> StoredReading | None:
        upto = self._upto()
        return upto[-1] if upto else None

    def _rain_sum(self, window_s: int) -> Decimal:
        start = self.t - timedelta(seconds=window_s)
        total = Decimal(0)
        for r in self._upto():
            if r.at <= start or r.period_s is None or r.value is None:
                continue
            began = r.at - timedelta(seconds=r.period_s)
            if began >= start:
                total += _dec(r.value)
            else:
                total += _dec(r.value) * _seconds(r.at - start) / Decimal(r.period_s)
        return total

    def _wind_mean(self) -> Decimal | None:
        start = self.t - timedelta(seconds=self.config.wind_mean_window_s)
        weighted, weight = Decimal(0), Decimal(0)
        for r in self._upto():
            if r.at <= start or r.period_s is None or r.value is None:
                continue
            overlap = _seconds(r.at - max(start, r.at - timedelta(seconds=r.period_s)))
            weighted += _dec(r.value) * overlap
            weight += overlap
        return weighted / weight if weight else None

    def _gust_max(self) -> Decimal | None:
        start = self.t - timedelta(seconds=self.config.gust_window_s)
        gusts = [_dec(r.gust) for r in self._upto() if r.at > start and r.gust is not None]
        return max(gusts) if gusts else None

    def _hot_run(self, threshold: Decimal) -> int:
        day = _shanghai_day(self.t)
        maxima = self.sensor.day_max_c

        def hot(d: date) -> bool:
            value = maxima.get(d.isoformat())
            return value is not None and _dec(value) >= threshold

        if not hot(day):
            day -= timedelta(days=1)
        run = 0
        while hot(day):
            run += 1
            day -= timedelta(days=1)
        return run


def _completes(same: StoredReading, reading: Reading) -> bool:
    """A gust-only reading and a mean reading of the same time join into one."""
    if same.value is None:
        return reading.value is not None
    return same.gust is None and reading.value is None and reading.gust is not None


def _shanghai_day(t: datetime) -> date:
    return t.astimezone(SHANGHAI).date()


def _dec(value: float | int | Decimal) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _seconds(delta: timedelta) -> Decimal:
    return Decimal(delta.days * 86400 + delta.seconds) + Decimal(delta.microseconds) / 1_000_000
