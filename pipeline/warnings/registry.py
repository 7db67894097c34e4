"""The sensor registry: station metadata and per-sensor thresholds.

The shipped file ``pipeline/data/sensors.json`` is SAMPLE data; a deployment replaces it.
Every entry is validated at load time (unknown fields are errors); a bad file fails fast with
a :class:`~pipeline.errors.ConfigError` naming the file and the entry at fault.

Thresholds in an entry are what the warning profile refers to as ``sensor.<field>``
(for example ``sensor.warning_level_m``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pipeline.errors import ConfigError

DEFAULT_REGISTRY_PATH = Path(__file__).resolve().parent.parent / "data" / "sensors.json"

#: GB/T 50493: the alarm points may be set at most at these values (%LEL)
GAS_FIRST_ALARM_MAX_PCT_LEL = 25.0
GAS_SECOND_ALARM_MAX_PCT_LEL = 50.0


class District(BaseModel):
    """A Shanghai district: GB/T 2260 code and name."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str = Field(pattern=r"^\d{6}$")
    name: str


class Location(BaseModel):
    """A point; ``crs`` names the datum of lat/lon."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    crs: Literal["wgs84", "gcj02", "bd09"] = "wgs84"


class SensorEntry(BaseModel):
    """One registered sensor."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    sensor_id: str = Field(min_length=1)
    kind: str = Field(min_length=1)
    name: str = ""
    district: District | None = None
    location: Location | None = None
    period_s: int | None = Field(None, gt=0)
    """Reporting period; for rain gauges the accumulation period of each reading."""
    warning_level_m: float | None = None
    """Water level: the station's warning water level (警戒水位)."""
    yellow_level_m: float | None = None
    orange_level_m: float | None = None
    red_level_m: float | None = None
    first_alarm_pct_lel: float | None = Field(None, gt=0, le=GAS_FIRST_ALARM_MAX_PCT_LEL)
    second_alarm_pct_lel: float | None = Field(None, gt=0, le=GAS_SECOND_ALARM_MAX_PCT_LEL)
    area_m2: float | None = Field(None, gt=0)
    """Crowd counter: the monitored area, to turn a head count into people per m²."""
    density_blue_ppm2: float | None = Field(None, gt=0)
    density_yellow_ppm2: float | None = Field(None, gt=0)
    density_orange_ppm2: float | None = Field(None, gt=0)
    density_red_ppm2: float | None = Field(None, gt=0)
    note: str = ""

    @model_validator(mode="after")
    def _alarm_order(self) -> SensorEntry:
        first, second = self.first_alarm_pct_lel, self.second_alarm_pct_lel
        if first is not None and second is not None and first >= second:
            raise ValueError("first_alarm_pct_lel must be below second_alarm_pct_lel")
        return self


class SensorRegistry:
    """Sensors by id."""

    def __init__(self, entries: Iterable[SensorEntry] = (), source: str = "<memory>") -> None:
        self.source = source
        self._entries: dict[str, SensorEntry] = {}
        for entry in entries:
            if entry.sensor_id in self._entries:
                raise ConfigError(f"{source}: sensor_id {entry.sensor_id!r} is listed twice")
            self._entries[entry.sensor_id] = entry

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, sensor_id: object) -> bool:
        return sensor_id in self._entries

    def ids(self) -> list[str]:
        """Every registered sensor id, sorted."""
        return sorted(self._entries)

    def get(self, sensor_id: str) -> SensorEntry | None:
        """The entry of a sensor, or None when it is not registered."""
        return self._entries.get(sensor_id)

    def field(self, sensor_id: str, name: str) -> Any:
        """One field of a sensor's entry (None when unknown or unset)."""
        entry = self._entries.get(sensor_id)
        return getattr(entry, name, None) if entry is not None else None

    @classmethod
    def from_entries(cls, entries: Iterable[Mapping[str, Any]]) -> SensorRegistry:
        """A registry from plain dicts (tests, callers with their own store)."""
        return cls(SensorEntry.model_validate(dict(e)) for e in entries)

    @classmethod
    def from_file(cls, path: Path | str | None = None) -> SensorRegistry:
        """Load and validate a registry file (default: the shipped sample)."""
        path = Path(path) if path is not None else DEFAULT_REGISTRY_PATH
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read the sensor registry: {exc}") from exc
        sensors = doc.get("sensors") if isinstance(doc, dict) else None
        if not isinstance(sensors, list):
            raise ConfigError(f"{path}: expected an object with a 'sensors' list")
        entries = []
        for i, item in enumerate(sensors):
            try:
                entries.append(SensorEntry.model_validate(item))
            except ValidationError as exc:
                sid = item.get("sensor_id") if isinstance(item, dict) else None
                raise ConfigError(f"{path}: sensors[{i}] ({sid}): {exc}") from exc
        return cls(entries, source=str(path))
