"""Per-sensor windowed state: accepted readings, watermark, daily maxima and the metrics.

One :class:`SensorState` per sensor (a Faust table keyed by ``sensor_id``; ``to_dict`` /
``from_dict`` give its JSON form). Its metrics "as of" a time come from
:mod:`pipeline.warnings.metrics`.

Duplicates (same ``observed_at``) count once: the first one wins (a gust-only anemometer
reading and a mean reading of the same time join instead). A reading older than the
sensor's watermark minus ``lateness_s`` is rejected (``too_late``); an accepted late reading
is re-evaluated at its own time and at every later reading's time of the sensor. Rain and
wind intervals of one sensor must not overlap (``overlapping_period``).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict

from pipeline.errors import EventError
from pipeline.warnings.metrics import (
    DAY_MAX_KEPT_DAYS,
    KIND_METRICS,
    METRIC_PARAMS,
    METRIC_UNITS,
    SHANGHAI,
    SensorMetrics,
    WindowConfig,
    shanghai_day,
)
from pipeline.warnings.readings import PERIOD_KINDS, STAGE, Reading

__all__ = [
    "KIND_METRICS",
    "METRIC_PARAMS",
    "METRIC_UNITS",
    "SHANGHAI",
    "SensorMetrics",
    "SensorState",
    "StoredReading",
    "WindowConfig",
]


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
                f"{config.lateness_s} s behind the newest reading {self.watermark.isoformat()} "
                "(the allowed lateness is engine.lateness_s of the warning profiles)",
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
            day = shanghai_day(at).isoformat()
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
            oldest = (shanghai_day(self.watermark) - timedelta(days=DAY_MAX_KEPT_DAYS)).isoformat()
            self.day_max_c = {d: v for d, v in self.day_max_c.items() if d > oldest}

    # --- metrics -----------------------------------------------------------------------
    def metrics_at(self, t: datetime, config: WindowConfig) -> SensorMetrics:
        """The metrics of this sensor as of ``t`` (computed lazily, cached)."""
        return SensorMetrics(self, t, config)


def _completes(same: StoredReading, reading: Reading) -> bool:
    """A gust-only reading and a mean reading of the same time join into one."""
    if same.value is None:
        return reading.value is not None
    return same.gust is None and reading.value is None and reading.gust is not None
