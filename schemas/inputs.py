"""Input events: incident reports, sensor readings and inspection findings.

Each arrives as one JSON object on its input topic. Unknown fields are rejected, and event
times are checked against the window of the validation context (see :mod:`schemas.common`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import timedelta
from typing import Annotated, Any, Self

from pydantic import Field, Strict, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from schemas.common import (
    Address,
    ContractModel,
    Count,
    Description,
    EventTime,
    Finite,
    Id,
    Location,
    Money,
    Name,
    Short,
    Timestamp,
    check_window,
    window_bounds,
)
from schemas.enums import HazardLevel, IncidentType, SensorKind, SiteKind, Source

MAX_PERIOD_S = 86400
"""Longest accumulation period of one reading: a day."""
MAX_DEADLINE = timedelta(days=3 * 366)
"""Latest rectification deadline after the inspection."""


class Casualties(ContractModel):
    """Head counts known so far; a field left out is unknown, not zero."""

    deaths: Count | None = None
    """People dead (死亡)."""
    missing: Count | None = None
    """People missing (失踪)."""
    serious_injuries: Count | None = None
    """People seriously injured, including acute industrial poisoning (重伤)."""
    injuries: Count | None = None
    """People injured, all severities (受伤)."""
    affected: Count | None = None
    """People affected (受灾)."""
    evacuated: Count | None = None
    """People evacuated or relocated (转移安置)."""


class IncidentReportBase(ContractModel):
    """The fields of an incident report, shared with the classified incident."""

    report_id: Id
    """Identifier of the report, unique per ``source``."""
    source: Source
    """Where the report came from."""
    reported_at: Timestamp
    """When the report was made (RFC 3339 with zone)."""
    location: Location
    """Where it happens, as reported (datum in ``location.crs``; WGS84 by default)."""
    address: Address | None = None
    """Address as reported, up to 500 characters."""
    description: Description
    """What happens, in Chinese or English, up to 4000 characters."""
    casualties: Casualties | None = None
    """Head counts known so far."""
    economic_loss_cny: Money | None = None
    """Direct economic loss in CNY known so far."""
    updates_report_id: Id | None = None
    """The ``report_id`` (same ``source``) this follow-up brings new counts for."""


class IncidentReport(IncidentReportBase):
    """An incident report from a hotline, an app, a field team, an inspection or a sensor."""

    reported_at: EventTime
    """When the report was made (RFC 3339 with zone); by default 30 days back to 1 h ahead."""
    type: IncidentType | None = None
    """The reporter's guess of the incident type; the classifier decides."""


class SensorReading(ContractModel):
    """One observation of one sensor.

    A rain gauge's ``value`` is the precipitation in mm over the ``period_s`` seconds ending
    at ``observed_at``; ``period_s`` is required for rain gauges.
    """

    sensor_id: Id
    """Identifier of the sensor in the sensor registry."""
    kind: SensorKind
    """Kind of sensor."""
    observed_at: EventTime
    """End of the observation (RFC 3339 with zone); by default 30 days back to 1 h ahead."""
    value: Finite
    """Observed value, in ``unit``."""
    unit: Short
    """Unit of ``value`` (mm, m, m/s, °C, %LEL ...)."""
    period_s: Annotated[int, Strict(), Field(gt=0, le=MAX_PERIOD_S)] | None = None
    """Accumulation period in seconds ending at ``observed_at`` (required for rain gauges)."""
    location: Location | None = None
    """Where the sensor is, when the reading carries it; else the sensor registry says."""

    @model_validator(mode="after")
    def _rain_gauge_needs_period(self) -> Self:
        if self.kind is SensorKind.RAIN_GAUGE:
            if self.period_s is None:
                raise PydanticCustomError(
                    "missing_period",
                    "is required for a rain_gauge (the accumulation period in seconds)",
                    {"field": "period_s"},
                )
            if self.value < 0:
                raise PydanticCustomError(
                    "out_of_range", "must be >= 0 mm for a rain_gauge", {"field": "value"}
                )
        return self


class Site(ContractModel):
    """The site an inspection finding belongs to."""

    name: Name
    """Name of the site."""
    kind: SiteKind
    """Kind of site."""
    location: Location
    """Where the site is (datum in ``location.crs``)."""
    site_id: Id | None = None
    """Identifier of the site in a site registry, when it has one."""


class InspectionFinding(ContractModel):
    """A hazard found by an inspection, tracked until it is rectified.

    The event-time window (by default 30 days back to 1 h ahead) applies to the latest
    event: ``rectified_at`` when present, else ``inspected_at``; neither may lie beyond its
    future bound.
    """

    finding_id: Id
    """Identifier of the finding."""
    site: Site
    """Where it was found."""
    inspected_at: Timestamp
    """When the inspection found it (RFC 3339 with zone)."""
    hazard: Description
    """Description of the hazard, up to 4000 characters."""
    hazard_level: HazardLevel
    """major (重大隐患) or general (一般隐患)."""
    deadline: Timestamp
    """Rectification deadline, not before ``inspected_at`` and within three years of it."""
    rectified_at: Timestamp | None = None
    """When the hazard was rectified, not before ``inspected_at``."""
    district_code: Annotated[str, Field(pattern=r"^[0-9]{6}$")] | None = None
    """Six-digit administrative code of the district, when the inspector states it."""

    @model_validator(mode="after")
    def _times_in_order(self, info: ValidationInfo) -> Self:
        if self.deadline < self.inspected_at or self.deadline > self.inspected_at + MAX_DEADLINE:
            raise PydanticCustomError(
                "out_of_range",
                "must lie between inspected_at and three years after it",
                {"field": "deadline"},
            )
        if self.rectified_at is not None:
            if self.rectified_at < self.inspected_at:
                raise PydanticCustomError(
                    "out_of_range",
                    "must not be before inspected_at",
                    {"field": "rectified_at"},
                )
            check_window(self.rectified_at, info.context, "rectified_at")
            check_window(self.inspected_at, _future_only(info.context), "inspected_at")
        else:
            check_window(self.inspected_at, info.context, "inspected_at")
        return self


def _future_only(context: Mapping[str, Any] | None) -> dict[str, Any]:
    return {"window_bounds": (-math.inf, window_bounds(context)[1])}
