"""Sensor readings as the warning core sees them: parsed, checked and in canonical units.

A reading is a plain dict: ``sensor_id``, ``kind``, ``observed_at`` (aware datetime or
RFC 3339 string with zone), ``value``, ``unit``, and optionally ``period_s``, ``district``
({code, name}, from enrichment), ``location``, ``gust``, ``area_m2``, ``tropical_cyclone``.
Other keys are ignored here (the schemas reject unknown fields upstream).

Conventions per kind (value -> canonical unit):

- ``rain_gauge``: precipitation in mm over the ``period_s`` seconds ending at ``observed_at``.
  ``period_s`` comes from the reading or the registry; without it the reading is rejected.
- ``anemometer``: ``value`` is the mean wind speed over ``period_s`` ending at
  ``observed_at``; the optional ``gust`` is the highest gust within that period, in the same
  unit. Units m/s, km/h or kn; stored in m/s. ``period_s`` is required as for rain gauges.
  Where a reading cannot carry ``gust``, a separate reading with the unit suffixed by
  " gust" (``"m/s gust"``) reports the highest gust in ``value``; it joins the mean
  reading of the same ``observed_at`` instead of counting as its duplicate.
  ``tropical_cyclone: true`` marks a reading taken while a tropical cyclone affects the city.
- ``water_level``: m (or cm); ``thermometer``: °C; ``gas_detector``: %LEL.
- ``crowd_counter``: a head count (unit ``persons``) over the sensor's ``area_m2`` (reading
  or registry), stored as persons per m²; or directly a density (unit ``persons/m²``).

Bad readings raise :class:`~pipeline.errors.EventError` with a reason code
(``missing_field``, ``bad_timestamp``, ``bad_value``, ``bad_unit``, ``missing_period``,
``missing_area``, ``kind_mismatch``) for the caller to dead-letter.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pipeline.errors import EventError
from pipeline.warnings.registry import SensorEntry, SensorRegistry

STAGE = "warn"

_ONE = Decimal(1)
UNIT_FACTORS: dict[str, dict[str, Decimal]] = {
    "rain_gauge": {"mm": _ONE},
    "water_level": {"m": _ONE, "cm": Decimal("0.01")},
    "anemometer": {
        "m/s": _ONE,
        "m s-1": _ONE,
        "km/h": _ONE / Decimal("3.6"),
        "kn": Decimal(1852) / Decimal(3600),
    },
    "thermometer": {"degc": _ONE, "°c": _ONE, "c": _ONE, "celsius": _ONE},
    "gas_detector": {"%lel": _ONE, "pct_lel": _ONE, "lel%": _ONE},
    "crowd_counter": {
        "persons/m²": _ONE,
        "persons/m2": _ONE,
        "people/m²": _ONE,
        "people/m2": _ONE,
    },
}
#: crowd counters may report a head count instead of a density
HEAD_COUNT_UNITS = frozenset({"persons", "people", "count"})
GUST_SUFFIX = " gust"
#: kinds whose readings are accumulations or means over ``period_s``
PERIOD_KINDS = frozenset({"rain_gauge", "anemometer"})
NON_NEGATIVE_KINDS = frozenset({"rain_gauge", "anemometer", "gas_detector", "crowd_counter"})


@dataclass(frozen=True, slots=True)
class Reading:
    """A checked reading in canonical units; ``observed_at`` is in UTC.

    ``value`` is None only for an anemometer's gust-only reading (then ``gust`` is set).
    """

    sensor_id: str
    kind: str
    observed_at: datetime
    value: float | None
    period_s: int | None = None
    gust: float | None = None
    district: dict[str, str] | None = None
    location: dict[str, Any] | None = None
    tropical_cyclone: bool = False


def parse_time(value: Any, field: str = "observed_at") -> datetime:
    """An aware datetime (or RFC 3339 string with zone) as UTC; anything else is an error."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError as exc:
            raise EventError("bad_timestamp", f"{field} is not RFC 3339: {value!r}", STAGE) from exc
    if not isinstance(value, datetime):
        raise EventError("bad_timestamp", f"{field} must be a timestamp", STAGE)
    if value.tzinfo is None or value.utcoffset() is None:
        raise EventError("bad_timestamp", f"{field} has no zone: {value.isoformat()}", STAGE)
    return value.astimezone(UTC)


def _number(raw: Mapping[str, Any], key: str) -> Decimal | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise EventError("bad_value", f"{key} must be a number, got {value!r}", STAGE)
    if not math.isfinite(value):
        raise EventError("bad_value", f"{key} must be finite, got {value!r}", STAGE)
    return Decimal(str(value))


def _period(raw: Mapping[str, Any], entry: SensorEntry | None) -> int | None:
    value = raw.get("period_s")
    if value is None:
        return entry.period_s if entry is not None else None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise EventError("bad_value", f"period_s must be a positive number, got {value!r}", STAGE)
    if value != int(value):
        raise EventError("bad_value", f"period_s must be whole seconds, got {value!r}", STAGE)
    return int(value)


def _district(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping) or not value.get("code"):
        raise EventError("bad_value", f"district must be {{code, name}}, got {value!r}", STAGE)
    return {"code": str(value["code"]), "name": str(value.get("name") or "")}


def _scale(kind: str, unit: str, value: Decimal, area: Decimal | None) -> Decimal:
    key = unit.strip().lower()
    if kind == "crowd_counter" and key in HEAD_COUNT_UNITS:
        if area is None or area <= 0:
            raise EventError(
                "missing_area",
                "crowd counter reports a head count but no area_m2 is known "
                "(set area_m2 on the reading or in the sensor registry)",
                STAGE,
            )
        return value / area
    factors = UNIT_FACTORS.get(kind)
    if factors is None:
        return value
    if key not in factors:
        extra = sorted(HEAD_COUNT_UNITS) if kind == "crowd_counter" else []
        allowed = ", ".join(sorted(factors) + extra)
        raise EventError("bad_unit", f"unit {unit!r} is not accepted for {kind} ({allowed})", STAGE)
    return value * factors[key]


def parse_reading(raw: Mapping[str, Any], registry: SensorRegistry | None = None) -> Reading:
    """Check a reading dict and bring it to canonical units (see the module docstring)."""
    if not isinstance(raw, Mapping):
        raise EventError("bad_value", "a reading must be a JSON object", STAGE)
    for key in ("sensor_id", "kind", "observed_at", "value", "unit"):
        if raw.get(key) is None:
            raise EventError("missing_field", f"reading has no {key}", STAGE)
    sensor_id, kind, unit = str(raw["sensor_id"]), str(raw["kind"]), str(raw["unit"])
    entry = registry.get(sensor_id) if registry is not None else None
    if entry is not None and entry.kind != kind:
        raise EventError(
            "kind_mismatch", f"{sensor_id} is a {entry.kind} in the registry, not a {kind}", STAGE
        )
    observed_at = parse_time(raw["observed_at"])
    value = _number(raw, "value")
    assert value is not None
    if kind in NON_NEGATIVE_KINDS and value < 0:
        raise EventError("bad_value", f"{kind} value must not be negative, got {value}", STAGE)
    area = _number(raw, "area_m2")
    if area is None and entry is not None and entry.area_m2 is not None:
        area = Decimal(str(entry.area_m2))
    period = _period(raw, entry)
    gust = _number(raw, "gust")
    gust_only = kind == "anemometer" and unit.lower().endswith(GUST_SUFFIX)
    if gust_only:
        unit, gust = unit[: -len(GUST_SUFFIX)], value
    if kind in PERIOD_KINDS and period is None and not gust_only:
        raise EventError(
            "missing_period",
            f"{kind} {sensor_id} has no period_s (set it on the reading or in the registry)",
            STAGE,
        )
    if gust is not None and kind != "anemometer":
        gust = None
    if gust is not None and gust < 0:
        raise EventError("bad_value", f"gust must not be negative, got {gust}", STAGE)
    location = raw.get("location")
    return Reading(
        sensor_id=sensor_id,
        kind=kind,
        observed_at=observed_at,
        value=None if gust_only else float(_scale(kind, unit, value, area)),
        period_s=period,
        gust=float(_scale(kind, unit, gust, area)) if gust is not None else None,
        district=_district(raw.get("district")),
        location=dict(location) if isinstance(location, Mapping) else None,
        tropical_cyclone=raw.get("tropical_cyclone") is True,
    )
