"""The dead letter: an event that could not be processed, with the original bytes and why.

On the ``deadletter`` topic a dead letter travels as the original record value, byte for
byte, with the original headers plus the ``citywatch.*`` headers of :data:`HEADERS`
(:meth:`DeadLetter.kafka_headers`, :meth:`DeadLetter.from_kafka`). As JSON (and in
Elasticsearch) it is a :class:`DeadLetter` with the bytes in base64.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Literal, Self

from pydantic import Field, Strict, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from schemas.common import ContractModel, Timestamp
from schemas.enums import Stage

HEADER_PREFIX = "citywatch."
HEADERS = {
    "stage": "citywatch.stage",
    "error_code": "citywatch.error_code",
    "error_field": "citywatch.error_field",
    "message": "citywatch.error_message",
    "source_topic": "citywatch.source_topic",
    "partition": "citywatch.source_partition",
    "offset": "citywatch.source_offset",
    "record_timestamp": "citywatch.source_timestamp",
    "at": "citywatch.deadlettered_at",
}
"""Kafka header names carrying each dead-letter field (values UTF-8 text)."""
MESSAGE_MAX = 4000

Base64 = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9+/]*={0,2}$")]
NonNegative = Annotated[int, Strict(), Field(ge=0)]


class DeadLetterHeader(ContractModel):
    """One header of the original record."""

    key: Annotated[str, StringConstraints(min_length=1, max_length=256)]
    """Header name."""
    value: Annotated[str, StringConstraints(max_length=65536)] | None = None
    """Header value: UTF-8 text, or base64 when ``encoding`` says so; null when absent."""
    encoding: Literal["utf-8", "base64"] = "utf-8"
    """How ``value`` holds the header's bytes."""

    @classmethod
    def from_bytes(cls, key: str, value: bytes | None) -> DeadLetterHeader:
        if value is None:
            return cls(key=key)
        try:
            return cls(key=key, value=value.decode("utf-8"))
        except UnicodeDecodeError:
            return cls(key=key, value=base64.b64encode(value).decode(), encoding="base64")

    def raw(self) -> bytes | None:
        """The header's original bytes."""
        if self.value is None:
            return None
        if self.encoding == "base64":
            return base64.b64decode(self.value)
        return self.value.encode("utf-8")


class DeadLetter(ContractModel):
    """An event that failed at some stage; ``(source_topic, partition, offset)`` is unique."""

    original_b64: Base64
    """The original record value, base64 (standard alphabet, padded)."""
    original_size: NonNegative
    """Length of the original value in bytes."""
    key_b64: Base64 | None = None
    """The original record key, base64, if it had one."""
    stage: Stage
    """Where it failed: validate, enrich, correlate, classify, warn or index."""
    error_code: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
    """Stable error code (see ``schemas.validation.ERROR_CODES`` for the validate stage)."""
    error_field: Annotated[str, StringConstraints(max_length=256)] | None = None
    """The field at fault, dotted (``location.lat``), when one is."""
    message: Annotated[str, StringConstraints(min_length=1, max_length=MESSAGE_MAX)]
    """What is wrong: the field, the constraint and the offending value (truncated)."""
    source_topic: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,249}$")]
    """Topic the record was read from."""
    partition: NonNegative
    """Partition the record was read from."""
    offset: NonNegative
    """Offset of the record."""
    record_timestamp: Timestamp | None = None
    """Broker timestamp of the original record."""
    headers: Annotated[list[DeadLetterHeader], Field(max_length=1000)] = []
    """Headers of the original record."""
    at: Timestamp
    """When it was dead-lettered."""

    @model_validator(mode="after")
    def _size_matches(self) -> Self:
        if len(self.original_b64) != 4 * -(-self.original_size // 3):
            raise PydanticCustomError(
                "invalid_value",
                "must encode exactly original_size bytes",
                {"field": "original_b64"},
            )
        return self

    @property
    def deadletter_id(self) -> str:
        """``topic:partition:offset``, the dead letter's unique id."""
        return f"{self.source_topic}:{self.partition}:{self.offset}"

    @property
    def original(self) -> bytes:
        """The original record value."""
        return base64.b64decode(self.original_b64)

    @classmethod
    def build(
        cls,
        original: bytes | None,
        *,
        stage: Stage | str,
        error_code: str,
        message: str,
        source_topic: str,
        partition: int,
        offset: int,
        at: datetime,
        error_field: str | None = None,
        key: bytes | None = None,
        record_timestamp: datetime | None = None,
        headers: Iterable[tuple[str, bytes | None]] = (),
    ) -> DeadLetter:
        """A dead letter from the original record's bytes and the error."""
        original = original or b""
        return cls(
            original_b64=base64.b64encode(original).decode("ascii"),
            original_size=len(original),
            key_b64=base64.b64encode(key).decode("ascii") if key is not None else None,
            stage=Stage(stage),
            error_code=error_code,
            error_field=error_field or None,
            message=(message or error_code)[:MESSAGE_MAX],
            source_topic=source_topic,
            partition=partition,
            offset=offset,
            record_timestamp=record_timestamp,
            headers=[
                DeadLetterHeader.from_bytes(k, v)
                for k, v in headers
                if not k.startswith(HEADER_PREFIX)
            ],
            at=at,
        )

    def kafka_headers(self) -> list[tuple[str, bytes | None]]:
        """Headers for the ``deadletter`` topic: the original ones, then ``citywatch.*``."""
        out = [(h.key, h.raw()) for h in self.headers]
        for name, header in HEADERS.items():
            value = getattr(self, name)
            if value is None:
                continue
            text = value.isoformat() if isinstance(value, datetime) else str(value)
            out.append((header, text.encode("utf-8")))
        return out

    @classmethod
    def from_kafka(
        cls,
        value: bytes | None,
        headers: Sequence[tuple[str, bytes | None]],
        *,
        key: bytes | None = None,
    ) -> DeadLetter:
        """Rebuild a dead letter from a ``deadletter`` topic record (inverse of the above)."""
        ours = {
            k[len(HEADER_PREFIX) :]: (v or b"").decode("utf-8", "replace")
            for k, v in headers
            if k.startswith(HEADER_PREFIX)
        }
        fields = {name: ours.get(header[len(HEADER_PREFIX) :]) for name, header in HEADERS.items()}
        return cls.build(
            value,
            stage=fields["stage"] or Stage.VALIDATE,
            error_code=fields["error_code"] or "unknown",
            message=fields["message"] or "",
            source_topic=fields["source_topic"] or "unknown",
            partition=int(fields["partition"] or 0),
            offset=int(fields["offset"] or 0),
            at=datetime.fromisoformat(fields["at"]) if fields["at"] else datetime.now(UTC),
            error_field=fields["error_field"],
            key=key,
            record_timestamp=(
                datetime.fromisoformat(fields["record_timestamp"])
                if fields["record_timestamp"]
                else None
            ),
            headers=headers,
        )
