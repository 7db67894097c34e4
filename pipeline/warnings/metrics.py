"""Metrics of one sensor as of a time ``t``, from its windowed state, and window lengths.

Metrics (values are Decimal, None when the sensor has no data for them):

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
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from pipeline.warnings.beaufort import beaufort_force

if TYPE_CHECKING:
    from pipeline.warnings.windows import SensorState, StoredReading

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
            value = self.sensor.day_max_c.get(shanghai_day(self.t).isoformat())
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
        day = shanghai_day(self.t)
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


def shanghai_day(t: datetime) -> date:
    return t.astimezone(SHANGHAI).date()


def _dec(value: float | int | Decimal) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _seconds(delta: timedelta) -> Decimal:
    return Decimal(delta.days * 86400 + delta.seconds) + Decimal(delta.microseconds) / 1_000_000
