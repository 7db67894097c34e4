"""Building blocks shared by every model: the strict base model, constrained scalar types,
points and districts, and the timestamp window.

Timestamp window
----------------
Input event times (``reported_at``, ``observed_at``, ``inspected_at`` / ``rectified_at``)
must carry a zone and lie within ``[now - max_past_s, now + max_future_s]``. The window
comes from the pydantic validation context::

    IncidentReport.model_validate_json(raw, context={"now": dt, "max_past_s": 86400})

``now`` defaults to the current UTC time, ``max_past_s`` to 30 days and ``max_future_s`` to
one hour (:data:`DEFAULT_MAX_PAST_S`, :data:`DEFAULT_MAX_FUTURE_S`). ``None`` for a bound
disables it. A consumer that replays a topic passes the record's broker timestamp as
``now`` so that a replay accepts and rejects exactly what the first pass did.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    ValidationInfo,
)
from pydantic_core import PydanticCustomError

from schemas.enums import Crs, Level

DEFAULT_MAX_PAST_S: float = 30 * 86400.0
"""Default oldest accepted event time, in seconds before ``now`` (30 days)."""
DEFAULT_MAX_FUTURE_S: float = 3600.0
"""Default latest accepted event time, in seconds after ``now`` (1 hour of clock skew)."""

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]*$"
"""Identifiers: letters, digits and ``. _ : -``, starting with a letter or digit."""
ID_MAX = 128
DESCRIPTION_MAX = 4000
ADDRESS_MAX = 500
NAME_MAX = 200
SHORT_MAX = 64
COUNT_MAX = 1_000_000_000
MONEY_MAX = 1e13


class ContractModel(BaseModel):
    """Base of every contract model: unknown fields are rejected, instances are immutable."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        use_attribute_docstrings=True,
        validate_default=False,
    )


NOT_BLANK = r"\S"
"""Pattern of text that is not blank: at least one non-whitespace character."""


def _text(max_length: int) -> Any:
    return Annotated[str, StringConstraints(min_length=1, max_length=max_length, pattern=NOT_BLANK)]


Id = Annotated[str, StringConstraints(min_length=1, max_length=ID_MAX, pattern=ID_PATTERN)]
"""An identifier of at most 128 safe characters (see :data:`ID_PATTERN`)."""
Description = _text(DESCRIPTION_MAX)
"""Free text (Chinese or English), 1-4000 characters, not blank."""
Address = _text(ADDRESS_MAX)
"""A postal or descriptive address, 1-500 characters, not blank."""
Name = _text(NAME_MAX)
"""A display name, 1-200 characters, not blank."""
Short = _text(SHORT_MAX)
"""A short token such as a unit or a profile name, 1-64 characters, not blank."""

Count = Annotated[int, Strict(), Field(ge=0, le=COUNT_MAX)]
"""A head count: an integer, 0 or more."""
Money = Annotated[float, Strict(), Field(ge=0, le=MONEY_MAX, allow_inf_nan=False)]
"""An amount in CNY, 0 or more."""
Latitude = Annotated[float, Strict(), Field(ge=-90, le=90, allow_inf_nan=False)]
"""Degrees north, -90 to 90."""
Longitude = Annotated[float, Strict(), Field(ge=-180, le=180, allow_inf_nan=False)]
"""Degrees east, -180 to 180."""
Finite = Annotated[float, Strict(), Field(allow_inf_nan=False)]
"""A finite number."""
Fraction = Annotated[float, Strict(), Field(ge=0, le=1, allow_inf_nan=False)]
"""A number from 0 to 1."""


def _integer_only(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | Level):
        raise PydanticCustomError("invalid_value", "must be an integer from 1 to 4")
    return value


LevelNumber = Annotated[Level, BeforeValidator(_integer_only)]
"""A :class:`Level` given as the integer 1-4 (1 = Ⅰ 特别重大)."""


def _reject_numbers(value: Any) -> Any:
    if isinstance(value, int | float):
        raise PydanticCustomError(
            "invalid_timestamp", "must be an RFC 3339 string with a zone, not a number"
        )
    return value


def window(context: Mapping[str, Any] | None) -> tuple[datetime, float | None, float | None]:
    """``(now, max_past_s, max_future_s)`` from a validation context, with the defaults."""
    context = context or {}
    now = context.get("now") or datetime.now(UTC)
    if now.tzinfo is None:
        raise TypeError("validation context 'now' must be timezone-aware")
    return (
        now,
        context.get("max_past_s", DEFAULT_MAX_PAST_S),
        context.get("max_future_s", DEFAULT_MAX_FUTURE_S),
    )


def window_bounds(context: Mapping[str, Any] | None) -> tuple[float, float]:
    """The window as POSIX seconds ``(earliest, latest)``; infinite where unbounded.

    A context may carry them precomputed under ``"window_bounds"`` (``parse_event`` does).
    """
    if context and "window_bounds" in context:
        return context["window_bounds"]
    now, max_past_s, max_future_s = window(context)
    base = now.timestamp()
    return (
        base - max_past_s if max_past_s is not None else -math.inf,
        base + max_future_s if max_future_s is not None else math.inf,
    )


def _iso_or_inf(seconds: float) -> str:
    try:
        return datetime.fromtimestamp(seconds, UTC).isoformat()
    except (OverflowError, OSError, ValueError):
        return "-inf" if seconds < 0 else "+inf"


def check_window(
    value: datetime, context: Mapping[str, Any] | None, field: str | None = None
) -> None:
    """Raise ``timestamp_out_of_window`` when ``value`` lies outside the context's window.

    ``field`` names the offending field when the check runs on a whole model.
    """
    earliest, latest = window_bounds(context)
    seconds = value.timestamp()
    if earliest <= seconds <= latest:
        return
    raise PydanticCustomError(
        "timestamp_out_of_window",
        "must lie between {earliest} and {latest} (the accepted window: see max_past_s and"
        " max_future_s)",
        {"earliest": _iso_or_inf(earliest), "latest": _iso_or_inf(latest)}
        | ({"field": field} if field else {}),
    )


def _in_window(value: datetime, info: ValidationInfo) -> datetime:
    check_window(value, info.context)
    return value


Timestamp = Annotated[AwareDatetime, BeforeValidator(_reject_numbers)]
"""An RFC 3339 date-time with a zone (no window check)."""
EventTime = Annotated[AwareDatetime, BeforeValidator(_reject_numbers), AfterValidator(_in_window)]
"""An RFC 3339 date-time with a zone, within the validation context's window."""


class Location(ContractModel):
    """A point as reported: latitude and longitude in the datum named by ``crs``."""

    lat: Latitude
    """Latitude in degrees, in the datum named by ``crs``."""
    lon: Longitude
    """Longitude in degrees, in the datum named by ``crs``."""
    crs: Crs = Crs.WGS84
    """Datum of ``lat``/``lon``: wgs84 (GPS, the default), gcj02 or bd09."""


class LatLon(ContractModel):
    """A point whose datum is stated by the field that holds it (e.g. ``wgs84``)."""

    lat: Latitude
    """Latitude in degrees."""
    lon: Longitude
    """Longitude in degrees."""


class District(ContractModel):
    """An administrative district: GB/T 2260 code and name (e.g. 310101 黄浦)."""

    code: Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$")]
    """Six-digit administrative division code."""
    name: Short
    """District name (Chinese)."""
