"""Outputs of the sensor side: warning changes and risk assessments per district."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import Field, Strict, model_validator
from pydantic_core import PydanticCustomError

from schemas.common import (
    ContractModel,
    Description,
    District,
    Finite,
    Id,
    LevelNumber,
    Name,
    Short,
    Timestamp,
)
from schemas.enums import EndReason, Hazard, WarningAction, WarningColour

MAX_SENSORS = 1000
MAX_INPUTS = 100


class Trigger(ContractModel):
    """The measurement that caused a warning change."""

    metric: Short
    """What was measured over which window, e.g. ``rain_1h_mm``, ``water_level_m``."""
    value: Finite
    """The measured value."""
    unit: Short
    """Unit of ``value`` and ``threshold``."""
    threshold: Finite | None = None
    """The threshold of the new level that ``value`` reached (or fell below)."""
    window_s: Annotated[int, Strict(), Field(gt=0)] | None = None
    """Length of the rolling window in seconds, for accumulated metrics."""
    sensor_id: Id | None = None
    """The sensor whose reading it was, when one sensor decided it."""


class Warning(ContractModel):
    """One change of a four-colour warning for one hazard in one district.

    A warning is issued, escalated, de-escalated and ended; each change is one message with
    the same ``warning_id`` and the next ``sequence``. An end says why: ``cancelled``
    (lifted by decision) or ``expired`` (its validity ran out).
    """

    warning_id: Id
    """Identifier of the warning, shared by all of its changes."""
    sequence: Annotated[int, Strict(), Field(ge=1)]
    """1 for the issue, then one more for each change."""
    hazard: Hazard
    """The hazard warned of."""
    level: WarningColour
    """Colour after this change (the colour that ended, on an end)."""
    previous_level: WarningColour | None = None
    """Colour before this change; null on an issue."""
    action: WarningAction
    """issue, escalate, deescalate or end."""
    end_reason: EndReason | None = None
    """On an end only: cancelled or expired."""
    district: District
    """District the warning is for."""
    sensor_ids: Annotated[list[Id], Field(max_length=MAX_SENSORS)] = []
    """Sensors whose readings led to this change."""
    at: Timestamp
    """The reading time that caused the change (the expiry time, on expiry)."""
    issued_at: Timestamp
    """When the warning was first issued."""
    valid_until: Timestamp
    """When the warning expires unless renewed."""
    suggested_response_level: LevelNumber | None = None
    """Emergency response level this colour suggests (blue -> Ⅳ ... red -> Ⅰ)."""
    trigger: Trigger | None = None
    """The measurement that caused the change."""
    profile: Short
    """The threshold profile applied, e.g. ``shanghai-2019`` or ``cma-2007``."""
    lifted_by: Name | None = None
    """Who lifted the warning (an operator), on a ``cancelled`` end."""
    lift_reason: Description | None = None
    """Why the operator lifted it, on a ``cancelled`` end."""

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        ends = self.action is WarningAction.END
        if ends != (self.end_reason is not None):
            raise PydanticCustomError(
                "missing_field" if ends else "invalid_value",
                "is required on an end and forbidden otherwise",
                {"field": "end_reason"},
            )
        if (self.action is WarningAction.ISSUE) != (self.previous_level is None):
            raise PydanticCustomError(
                "invalid_value",
                "must be null on an issue and set on every other change",
                {"field": "previous_level"},
            )
        if self.valid_until < self.issued_at or self.at < self.issued_at:
            raise PydanticCustomError(
                "out_of_range",
                "must not be before issued_at",
                {"field": "valid_until" if self.valid_until < self.issued_at else "at"},
            )
        return self


class RiskInput(ContractModel):
    """One input of a risk score."""

    name: Short
    """What it is, e.g. ``rain_6h_mm``, ``population_density``."""
    value: Finite
    """Its value."""
    unit: Short | None = None
    """Unit of ``value``."""
    weight: Annotated[float, Strict(), Field(ge=0, allow_inf_nan=False)] = 1.0
    """Its weight in the score."""


class RiskAssessment(ContractModel):
    """A risk score for one hazard in one district at one time."""

    assessment_id: Id
    """Identifier of the assessment."""
    district: District
    """District assessed."""
    hazard: Hazard | None = None
    """Hazard assessed; None for the district's combined score over all hazards."""
    score: Annotated[float, Strict(), Field(ge=0, le=100, allow_inf_nan=False)]
    """Risk score from 0 (none) to 100 (highest)."""
    level: WarningColour | None = None
    """Warning colour the score corresponds to, if it reaches one."""
    inputs: Annotated[list[RiskInput], Field(max_length=MAX_INPUTS)] = []
    """What the score was computed from."""
    at: Timestamp
    """The time the assessment is for."""
    profile: Short
    """The scoring profile applied."""
