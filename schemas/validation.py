"""Turn raw record bytes into a contract model, or into one :class:`InvalidEvent` whose
stable ``code`` (see :data:`ERROR_CODES`) goes into the dead-letter headers.

Every message names the field, the constraint and the offending value, truncated to
:data:`VALUE_PREVIEW` characters, e.g. ``location.lat: must be <= 90; got 91``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from schemas.common import DEFAULT_MAX_FUTURE_S, DEFAULT_MAX_PAST_S, NOT_BLANK, window_bounds

M = TypeVar("M", bound=BaseModel)

DEFAULT_MAX_BYTES = 1024 * 1024
"""Largest accepted record value in bytes (1 MiB)."""
VALUE_PREVIEW = 80
"""Offending values are shown up to this many characters."""


class ErrorCode(StrEnum):
    """Stable codes of invalid events; the values are what the dead-letter headers carry."""

    EMPTY_VALUE = "empty_value"
    TOO_LARGE = "too_large"
    INVALID_UTF8 = "invalid_utf8"
    INVALID_JSON = "invalid_json"
    NOT_AN_OBJECT = "not_an_object"
    MISSING_FIELD = "missing_field"
    UNKNOWN_FIELD = "unknown_field"
    OUT_OF_RANGE = "out_of_range"
    INVALID_TIMESTAMP = "invalid_timestamp"
    TIMESTAMP_OUT_OF_WINDOW = "timestamp_out_of_window"
    TOO_LONG = "too_long"
    INVALID_VALUE = "invalid_value"
    MISSING_PERIOD = "missing_period"


ERROR_CODES: dict[str, str] = {
    "empty_value": "the record value, or a required text field, is empty or blank",
    "too_large": "the record value is larger than the accepted maximum size in bytes",
    "invalid_utf8": "the record value is not valid UTF-8",
    "invalid_json": "the record value is not valid JSON",
    "not_an_object": "the JSON value is not an object (an array, string, number or null)",
    "missing_field": "a required field is missing",
    "unknown_field": "a field the contract does not define is present",
    "out_of_range": "a number or time lies outside its allowed range (e.g. lat=91, count<0)",
    "invalid_timestamp": "a time is not an RFC 3339 date-time with a zone, or is unparsable",
    "timestamp_out_of_window": "an event time lies too far in the past or in the future",
    "too_long": "a text, identifier or list is longer than allowed",
    "invalid_value": "a value has the wrong type, an unknown enum value or a bad format",
    "missing_period": "a rain_gauge reading has no period_s",
}
"""Every error code with a one-line description."""

_TYPE_CODES = {
    "missing": "missing_field",
    "extra_forbidden": "unknown_field",
    "greater_than": "out_of_range",
    "greater_than_equal": "out_of_range",
    "less_than": "out_of_range",
    "less_than_equal": "out_of_range",
    "string_too_long": "too_long",
    "too_long": "too_long",
    "string_too_short": "empty_value",
    "too_short": "empty_value",
    "timezone_aware": "invalid_timestamp",
    "datetime_type": "invalid_timestamp",
    "datetime_parsing": "invalid_timestamp",
    "datetime_from_date_parsing": "invalid_timestamp",
    "datetime_object_invalid": "invalid_timestamp",
    "json_invalid": "invalid_json",
}


class InvalidEvent(Exception):
    """An event that does not satisfy its contract; it belongs in the dead-letter topic."""

    stage = "validate"

    def __init__(
        self,
        code: str,
        field: str | None,
        message: str,
        errors: tuple[InvalidEvent, ...] = (),
    ) -> None:
        super().__init__(message)
        self.code = code
        self.field = field
        self.message = message
        self.errors = errors or (self,)

    def __repr__(self) -> str:
        return f"InvalidEvent(code={self.code!r}, field={self.field!r}, message={self.message!r})"

    def as_dict(self) -> dict[str, Any]:
        """``{"code", "field", "message"}``."""
        return {"code": self.code, "field": self.field, "message": self.message}


def preview(value: Any, limit: int = VALUE_PREVIEW) -> str:
    """A value as compact JSON, cut to ``limit`` characters with an ellipsis."""
    if isinstance(value, bytes | bytearray):
        text = repr(bytes(value[: limit + 1]))
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":"))
        except ValueError:
            text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_event(
    model_cls: type[M],
    raw: bytes | bytearray | memoryview | str | None,
    *,
    now: datetime | None = None,
    max_past_s: float | None = DEFAULT_MAX_PAST_S,
    max_future_s: float | None = DEFAULT_MAX_FUTURE_S,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> M:
    """Validate one record value against ``model_cls``; raise :class:`InvalidEvent` if bad.

    ``now`` (default: the current time) anchors the event-time window
    ``[now - max_past_s, now + max_future_s]``; ``None`` for a bound disables it.
    """
    if now is not None and now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if raw is None or len(raw) == 0:
        raise InvalidEvent("empty_value", None, "event value: must not be empty; got 0 bytes")
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "surrogatepass")
    data = raw if isinstance(raw, bytes) else bytes(raw)
    if len(data) > max_bytes:
        raise InvalidEvent(
            "too_large",
            None,
            f"event value: must be at most {max_bytes} bytes; got {len(data)} bytes",
        )
    context: dict[str, Any] = {
        "now": now,
        "max_past_s": max_past_s,
        "max_future_s": max_future_s,
    }
    context["window_bounds"] = window_bounds(context)
    try:
        return model_cls.model_validate_json(data, context=context)
    except ValidationError as exc:
        raise _diagnose(exc, data, model_cls.__name__) from None


def _diagnose(exc: ValidationError, data: bytes, model_name: str) -> InvalidEvent:
    """Record-level problems first (encoding, blank), then the first field error."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        bad = data[err.start : err.start + 4]
        return InvalidEvent(
            "invalid_utf8",
            None,
            f"event value: must be UTF-8 ({err.reason}); got bytes {bad!r} at offset {err.start}",
        )
    if not text.strip():
        return InvalidEvent(
            "empty_value", None, f"event value: must not be blank; got {preview(text)}"
        )
    return invalid_event(exc, model_name, text)


def validate_data(
    model_cls: type[M], data: Mapping[str, Any], *, context: Mapping[str, Any] | None = None
) -> M:
    """Validate already-decoded data; raise :class:`InvalidEvent` if bad."""
    try:
        return model_cls.model_validate(data, context=dict(context or {}))
    except ValidationError as exc:
        raise invalid_event(exc, model_cls.__name__) from None


def invalid_event(exc: ValidationError, model_name: str, text: str = "") -> InvalidEvent:
    """The :class:`InvalidEvent` for a pydantic error; the first error is the primary one."""
    found = tuple(_one(err, model_name, text) for err in exc.errors(include_url=False))
    first = found[0]
    return InvalidEvent(first.code, first.field, first.message, found)


def field_path(loc: tuple[int | str, ...]) -> str:
    """``("casualties", "deaths")`` -> ``casualties.deaths``; list indices in brackets."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _one(err: ErrorDetails, model_name: str, text: str) -> InvalidEvent:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    loc = tuple(err["loc"])
    if ctx.get("field"):
        loc += (ctx["field"],)
    field = field_path(loc) or None
    code = kind if kind in ERROR_CODES else _TYPE_CODES.get(kind, "invalid_value")
    if kind == "string_pattern_mismatch" and ctx.get("pattern") == NOT_BLANK:
        code = "empty_value"
    if kind == "json_invalid":
        return InvalidEvent(
            code, None, f"event value: must be valid JSON ({ctx.get('error')}); got {preview(text)}"
        )
    if kind in ("model_type", "model_attributes_type", "dict_type") and not loc:
        got = _json_kind(err["input"])
        return InvalidEvent("not_an_object", None, f"event value: must be a JSON object; got {got}")
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        code = "invalid_value"
    name = field or "event"
    if code == "missing_field":
        return InvalidEvent(code, field, f"{name}: is required; got no value")
    if code == "unknown_field":
        return InvalidEvent(
            code,
            field,
            f"{name}: unknown field (not part of {model_name}); got {preview(err['input'])}",
        )
    value = _lookup(err["input"], (ctx["field"],)) if ctx.get("field") else err["input"]
    got = "no value" if value is None and code == "missing_period" else preview(value)
    return InvalidEvent(code, field, f"{name}: {_constraint(kind, err)}; got {got}")


def _constraint(kind: str, err: ErrorDetails) -> str:
    ctx = err.get("ctx") or {}
    match kind:
        case "greater_than_equal":
            return f"must be >= {_number(ctx['ge'])}"
        case "greater_than":
            return f"must be > {_number(ctx['gt'])}"
        case "less_than_equal":
            return f"must be <= {_number(ctx['le'])}"
        case "less_than":
            return f"must be < {_number(ctx['lt'])}"
        case "string_too_long":
            return f"must be at most {ctx['max_length']} characters"
        case "too_long":
            return f"must have at most {ctx['max_length']} items"
        case "string_too_short":
            return "must not be empty"
        case "too_short":
            return f"must have at least {ctx['min_length']} items"
        case "string_pattern_mismatch" if ctx.get("pattern") == NOT_BLANK:
            return "must not be blank"
        case "string_pattern_mismatch":
            return f"must match the pattern {ctx['pattern']}"
        case "timezone_aware":
            return "must be an RFC 3339 date-time with a zone, e.g. 2025-07-01T08:00:00+08:00"
        case "datetime_parsing" | "datetime_from_date_parsing" | "datetime_type":
            reason = f" ({ctx['error']})" if "error" in ctx else ""
            return f"must be an RFC 3339 date-time with a zone{reason}"
        case "enum":
            return f"must be one of {ctx['expected']}"
        case "finite_number":
            return "must be a finite number"
    msg = err["msg"]
    return msg[:1].lower() + msg[1:]


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _lookup(data: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(data, Mapping):
            return None
        data = data.get(part)
    return data


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        return f"an array {preview(value)}"
    if isinstance(value, str):
        return f"a string {preview(value)}"
    return f"{type(value).__name__} {preview(value)}"
