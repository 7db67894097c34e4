"""Operator actions and the page's session.

``POST /api/incidents/{id}/status`` moves an incident along its lifecycle (verify, respond,
resolve, close; sent to the worker on ``incidents.commands``, which applies, audits and
republishes it) and
``POST /api/warnings/{warning_id}/lift`` lifts a warning. Each needs the operator token,
names the operator and a reason, and is recorded by
:class:`~consumers.dashboard.audit.AuditLog` before the response: the answer carries the
audit record. A lift is then sent to the worker as a command on ``warnings.commands``
(``{"action": "lift", "district", "hazard", "by", "reason", "at"}``, keyed by district),
which ends the warning as ``cancelled``. ``/api/session`` turns a token into a cookie for
the web page.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from elasticsearch import ApiError, TransportError
from fastapi import APIRouter, Depends, HTTPException, Request, Response
from kafka.errors import KafkaError
from pydantic import BaseModel, ConfigDict, Field

from consumers.dashboard import views
from consumers.dashboard.audit import AuditLog, AuditPublishError, audit_document
from consumers.dashboard.auth import (
    SESSION_COOKIE,
    Principal,
    principal,
    require_operator,
    role_of_token,
)
from consumers.dashboard.store import DashboardStore
from pipeline.incident_commands import new_command
from pipeline.incidents.lifecycle import TRANSITIONS

router = APIRouter(prefix="/api")

Operator = Annotated[Principal, Depends(require_operator)]
NEW_STATUS = {
    "verify": "verified",
    "respond": "responding",
    "resolve": "resolved",
    "close": "closed",
}
"""The lifecycle status each incident action asks for."""


class ActionBase(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    actor: str = Field(min_length=1, max_length=64)
    """Name of the operator taking the action."""
    reason: str = Field(min_length=1, max_length=2000)
    """Why the action is taken (recorded in the audit trail)."""


class StatusChange(ActionBase):
    action: Literal["verify", "respond", "resolve", "close"]
    """``verify`` (confirmed), ``respond`` (resources on their way), ``resolve`` (dealt
    with) or ``close`` (reviewed and filed)."""


class Lift(ActionBase):
    """A request to lift an active warning."""


class SessionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=1, max_length=512)


def _record(request: Request, doc: dict[str, Any]) -> dict[str, Any]:
    audit: AuditLog = request.app.state.audit
    try:
        audit.record(doc)
    except AuditPublishError as exc:
        raise HTTPException(
            503,
            detail=f"recorded as audit {doc['event']['id']} but not published to Kafka: {exc}",
        ) from exc
    except (ApiError, TransportError) as exc:
        raise HTTPException(503, detail=f"the audit record could not be written: {exc}") from exc
    return views.audit_summary(doc)


def _client(request: Request) -> dict[str, str | None]:
    return {
        "client": request.client.host if request.client else None,
        "user_agent": request.headers.get("user-agent"),
    }


@router.post("/incidents/{incident_id}/status")
def change_status(
    request: Request, incident_id: str, body: StatusChange, who: Operator
) -> dict[str, Any]:
    """Verify or resolve an incident (operators only; audited)."""
    store: DashboardStore = request.app.state.store
    found = store.incident_exists(incident_id)
    if found is None:
        raise HTTPException(404, detail=f"no incident {incident_id}")
    target_status = NEW_STATUS[body.action]
    if target_status not in TRANSITIONS.get(found["status"], ()):
        options = ", ".join(TRANSITIONS.get(found["status"], ())) or "none, it is final"
        raise HTTPException(
            409,
            detail=f"incident {incident_id} is {found['status']}: it cannot go to "
            f"{target_status} (allowed: {options})",
        )
    target: dict[str, Any] = {"kind": "incident", "id": incident_id}
    if found["district"]:
        target["district"] = found["district"]
    doc = audit_document(
        action=f"incident.{body.action}",
        target=target,
        status=target_status,
        previous_status=found["status"],
        reason=body.reason,
        actor=body.actor,
        role=who.role,
        **_client(request),
    )
    record = _record(request, doc)
    record["command_sent"] = _send_transition(request, incident_id, found["district"], doc)
    return record


def _send_transition(
    request: Request, incident_id: str, district: dict[str, Any] | None, doc: dict[str, Any]
) -> bool:
    """Send the worker the lifecycle change of audit ``doc``; False when there is no topic."""
    command = new_command(
        "transition",
        incident_id,
        (district or {}).get("code") or "outside",
        by=doc["user"]["name"],
        role=doc["user"]["roles"][0],
        reason=doc["audit"]["reason"],
        at=datetime.fromisoformat(doc["@timestamp"]),
        to=doc["audit"]["status"],
        command_id=doc["event"]["id"],
    )
    value = command.model_dump(mode="json", exclude_none=True)
    topic = request.app.state.config.incident_commands_topic
    return _send_command(request, topic, command.district, value, doc, "status change")


@router.post("/warnings/{warning_id}/lift")
def lift_warning(request: Request, warning_id: str, body: Lift, who: Operator) -> dict[str, Any]:
    """Ask for an active warning to be lifted (operators only; audited)."""
    store: DashboardStore = request.app.state.store
    changes = store.warning_changes(warning_id)
    if not changes:
        raise HTTPException(404, detail=f"no warning {warning_id}")
    latest = changes[0]
    if latest["action"] == "end":
        raise HTTPException(409, detail=f"warning {warning_id} has already ended")
    doc = audit_document(
        action="warning.lift",
        target={
            "kind": "warning",
            "id": warning_id,
            "district": latest["district"],
            "hazard": latest["hazard"],
        },
        status="lift_requested",
        previous_status=latest["action"],
        reason=body.reason,
        actor=body.actor,
        role=who.role,
        **_client(request),
    )
    record = _record(request, doc)
    record["command_sent"] = _send_lift(request, doc)
    return record


def _send_lift(request: Request, doc: dict[str, Any]) -> bool:
    """Send the worker the lift command of audit ``doc``; False when there is no topic."""
    target = doc["audit"]["target"]
    command = {
        "action": "lift",
        "district": target["district"]["code"],
        "hazard": target["hazard"],
        "by": doc["user"]["name"],
        "reason": doc["audit"]["reason"],
        "at": doc["@timestamp"],
    }
    topic = request.app.state.config.commands_topic
    return _send_command(request, topic, command["district"], command, doc, "lift command")


def _send_command(
    request: Request,
    topic: str | None,
    key: str,
    command: dict[str, Any],
    doc: dict[str, Any],
    what: str,
) -> bool:
    """Send a command the audit record ``doc`` asked for; False when there is no topic."""
    if topic is None:
        return False
    audit: AuditLog = request.app.state.audit
    try:
        audit.send(topic, key=key, value=command, doc_id=doc["event"]["id"])
    except (KafkaError, OSError) as exc:
        raise HTTPException(
            503,
            detail=f"recorded as audit {doc['event']['id']} but the {what} was not "
            f"sent to {topic}: {exc!r}",
        ) from exc
    return True


@router.get("/session")
def session(request: Request) -> dict[str, Any]:
    """The caller's role (``viewer`` or ``operator``)."""
    who = principal(request)
    return {"role": who.role, "authenticated": who.authenticated}


@router.post("/session")
def open_session(request: Request, body: SessionRequest, response: Response) -> dict[str, Any]:
    """Check a token and keep it in an HttpOnly, same-site cookie for the page."""
    role = role_of_token(body.token, request.app.state.config)
    if role is None:
        raise HTTPException(401, detail="the token is not valid")
    response.set_cookie(
        SESSION_COOKIE,
        body.token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return {"role": role, "authenticated": True}


@router.delete("/session")
def close_session(response: Response) -> dict[str, Any]:
    """Forget the session cookie."""
    response.delete_cookie(SESSION_COOKIE, path="/")
    return {"role": "viewer", "authenticated": False}
