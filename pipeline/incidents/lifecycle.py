"""The lifecycle of an incident: reported -> verified -> responding -> resolved -> closed.

Operators move an incident along (through the CLI or the dashboard API); every change is
audited with who, when and why, appended to the incident's ``status_history`` and returned
as a :class:`~pipeline.incidents.state.StatusChange` to publish on Kafka and index.

Allowed changes (anything else raises :class:`InvalidTransition` naming the allowed ones):

- ``reported -> verified``: someone confirmed it;
- ``reported -> resolved``: a false alarm, a duplicate call, or over before anyone could
  verify it; the reason says which. It is not closed directly, so the record is reviewed
  like any other before it is closed;
- ``verified -> responding``: resources are on their way;
- ``verified -> resolved``: confirmed, but no response was needed;
- ``responding -> resolved``: the response is over;
- ``resolved -> responding``: it flared up again (re-ignition, a second wave);
- ``resolved -> closed``: reviewed and filed; ``closed`` is final.

A resolved or closed incident takes no more merges: a new report nearby opens a new
incident (follow-ups naming one of its reports still update it).

Applying the same change again (same target status, operator and time as the last one)
returns the recorded change without a second audit entry, so a redelivered command is
harmless.
"""

from __future__ import annotations

from datetime import datetime

from pipeline.incidents.errors import InvalidTransition
from pipeline.incidents.state import STATUSES, DistrictIncidents, Incident, StatusChange, as_time

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "reported": ("verified", "resolved"),
    "verified": ("responding", "resolved"),
    "responding": ("resolved",),
    "resolved": ("closed", "responding"),
    "closed": (),
}


def allowed(status: str) -> tuple[str, ...]:
    """The states an incident in ``status`` may move to."""
    if status not in TRANSITIONS:
        raise InvalidTransition(f"unknown status {status!r}; expected one of {', '.join(STATUSES)}")
    return TRANSITIONS[status]


def transition(
    incident: Incident, to: str, by: str, reason: str, at: datetime | str
) -> StatusChange:
    """Move ``incident`` to status ``to`` (in place); returns the audited change."""
    when = as_time(at, "at")
    if to not in TRANSITIONS:
        raise InvalidTransition(f"unknown status {to!r}; expected one of {', '.join(STATUSES)}")
    if not str(by or "").strip():
        raise InvalidTransition("a status change needs the operator who makes it (by)")
    if not str(reason or "").strip():
        raise InvalidTransition("a status change needs a reason (why)")
    last = incident.status_history[-1] if incident.status_history else None
    if (
        last is not None
        and incident.status == to
        and last.to_status == to
        and last.by == by
        and last.at == when
    ):
        return last
    options = allowed(incident.status)
    if to not in options:
        hint = f"allowed: {', '.join(options)}" if options else f"{incident.status} is final"
        raise InvalidTransition(
            f"incident {incident.incident_id!r} cannot go from {incident.status} to {to} ({hint})"
        )
    sequence = len(incident.status_history) + 1
    change = StatusChange(
        event_id=f"{incident.incident_id}:status:{sequence}",
        incident_id=incident.incident_id,
        sequence=sequence,
        from_status=incident.status,
        to_status=to,
        by=by,
        reason=reason,
        at=when,
    )
    incident.status = to
    incident.status_history.append(change)
    incident.last_activity_at = max(incident.last_activity_at, when)
    return change


def transition_in(
    state: DistrictIncidents, incident_id: str, to: str, by: str, reason: str, at: datetime | str
) -> StatusChange:
    """:func:`transition` on the incident ``incident_id`` of a district state."""
    return transition(state.get(incident_id), to, by, reason, at)
