"""Operator commands on incidents: lifecycle changes, splits, resources committed or released.

The CLI (``citywatch incidents ...``, ``citywatch resources ...``) and the dashboard send a
command on ``incidents.commands`` keyed by the incident's district key, so the worker that
holds the district's incidents applies it in the stream of that partition. The worker
publishes the result (the incident record, the resource status, the audit record) or
dead-letters the command (stage ``command``) with a clear reason: an unknown incident, an
illegal transition, a resource that is not available.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from pipeline.names import TopicNames
from pipeline.processing import OutMessage

ACTIONS = ("transition", "split", "commit", "release")
STATUSES = ("reported", "verified", "responding", "resolved", "closed")

Text = Annotated[str, Field(min_length=1, max_length=2000)]


class IncidentCommand(BaseModel):
    """One operator command; ``command_id`` makes a redelivered command harmless."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    command_id: Annotated[str, Field(min_length=1, max_length=128)]
    action: Literal["transition", "split", "commit", "release"]
    incident_id: Annotated[str, Field(min_length=1, max_length=256)]
    district: Annotated[str, Field(min_length=1, max_length=32)]
    """The incident's district key: its six-digit code, or ``outside``."""
    by: Annotated[str, Field(min_length=1, max_length=64)]
    """The operator."""
    role: Annotated[str, Field(min_length=1, max_length=32)] = "operator"
    reason: Text
    """Why (recorded in the audit trail)."""
    at: AwareDatetime
    to: Literal["reported", "verified", "responding", "resolved", "closed"] | None = None
    """Target status of a ``transition``."""
    report: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    """The report to split out, as ``<source>:<report_id>``."""
    resource_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    """The resource to commit or release."""

    @model_validator(mode="after")
    def _fields_of_action(self) -> Self:
        needed = {"transition": "to", "split": "report", "commit": "resource_id"}.get(
            self.action, "resource_id" if self.action == "release" else None
        )
        if needed and getattr(self, needed) is None:
            raise ValueError(f"a {self.action} command needs {needed!r}")
        return self


def new_command(
    action: str,
    incident_id: str,
    district: str,
    *,
    by: str,
    reason: str,
    role: str = "operator",
    at: datetime | None = None,
    command_id: str | None = None,
    **fields: Any,
) -> IncidentCommand:
    """A command with a fresh id (unless ``command_id`` is given), stamped now unless
    ``at`` is given."""
    return IncidentCommand.model_validate(
        {
            "command_id": command_id or uuid.uuid4().hex,
            "action": action,
            "incident_id": incident_id,
            "district": district,
            "by": by,
            "role": role,
            "reason": reason,
            "at": (at or datetime.now(UTC)).isoformat(),
            **{k: v for k, v in fields.items() if v is not None},
        }
    )


def command_message(topics: TopicNames, command: IncidentCommand) -> OutMessage:
    """The message carrying ``command`` on ``incidents.commands``."""
    value = json.dumps(command.model_dump(mode="json", exclude_none=True), ensure_ascii=False)
    return OutMessage(topics.incident_commands, command.district.encode(), value.encode())
