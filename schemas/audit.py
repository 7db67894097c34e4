"""The audit record of an operator action: who, when, what and why.

Every action (a lifecycle change, a split, a resource committed or released, a warning
lifted) becomes one audit document, indexed into ``{prefix}-audit`` (template
``schemas/elasticsearch/audit.json``) and published on ``audit.actions`` with the audit id in
the ``citywatch.doc_id`` header.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any


def audit_document(
    *,
    action: str,
    target: dict[str, Any],
    status: str,
    reason: str,
    actor: str,
    role: str,
    client: str | None = None,
    user_agent: str | None = None,
    previous_status: str | None = None,
    command_id: str | None = None,
    at: datetime | None = None,
    audit_id: str | None = None,
) -> dict[str, Any]:
    """One audit document (``_id`` = ``event.id``); ``action`` is e.g. ``incident.verify``."""
    at = at or datetime.now(UTC)
    audit_id = audit_id or uuid.uuid4().hex
    body: dict[str, Any] = {"target": target, "status": status, "reason": reason}
    if previous_status is not None:
        body["previous_status"] = previous_status
    if command_id is not None:
        body["command_id"] = command_id
    doc: dict[str, Any] = {
        "@timestamp": at.isoformat(),
        "message": f"{action} {target['kind']} {target['id']} by {actor} ({role}): {reason}",
        "event": {
            "id": audit_id,
            "kind": "event",
            "action": action,
            "dataset": "citywatch.audit",
            "outcome": "success",
        },
        "user": {"name": actor, "roles": [role]},
        "audit": body,
    }
    if client:
        doc["client"] = {"address": client}
    if user_agent:
        doc["user_agent"] = {"original": user_agent}
    return doc
