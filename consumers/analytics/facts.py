"""Analytics facts: one small record per incident and per warning change (pure).

Rollups are recomputed from facts, never incremented, so a replay or a redelivery writes
the same facts again and yields the same rollups. Facts are merged, not overwritten,
because what they hold arrives in pieces:

- an incident fact (``incident:<doc id>``) takes its bucket (hour of the first report,
  district, category, level) from the newest grading, and keeps the earliest report time it
  saw (``first_reported_at`` of a correlated incident, else ``reported_at``) and the **time
  to first report**: from the first report being made to citywatch having it graded and on
  the wall screen (the first ``grade_history`` entry);
- a verification on the audit topic (the worker's ``incident.status`` record of a change to
  ``verified``, or the dashboard's ``incident.verify`` request) adds
  ``verified_at`` and the **time from first report to verification**; it may come before
  the incident and then waits in the fact until the incident arrives; without it both
  stay empty;
- a warning-change fact (``warning:<doc id>``) is one change; an ``end`` carries the
  **warning duration**, issue to end (``at`` - ``issued_at``).

Hours are UTC hours (``2025-07-01T02:00:00+00:00``); days, for the Parquet files, are
China Standard Time dates.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from consumers.common.documents import parse_time
from schemas.enums import WarningColour

CST = timezone(timedelta(hours=8))
OUTSIDE = {"code": "outside", "name": "市外"}
"""The district of an incident outside every district."""
UNCLASSIFIED = "unclassified"


def hour_of(value: str | datetime) -> str:
    """The UTC hour a timestamp falls in, as RFC 3339."""
    when = parse_time(value) if isinstance(value, str) else value
    return when.astimezone(UTC).replace(minute=0, second=0, microsecond=0).isoformat()


def day_of(hour: str) -> str:
    """The China Standard Time date (``YYYY-MM-DD``) of an hour."""
    return parse_time(hour).astimezone(CST).date().isoformat()


def _seconds(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    value = (parse_time(end) - parse_time(start)).total_seconds()
    return value if value >= 0 else None


def merge_incident(
    existing: dict[str, Any] | None, doc_id: str, doc: dict[str, Any]
) -> dict[str, Any]:
    """The incident fact after a (possibly re-graded) incident document."""
    i = doc["incident"]
    fact = dict(existing or {})
    history = i.get("grade_history") or []
    first_report = i.get("first_reported_at") or i["reported_at"]
    first_time = not fact.get("reported_at")
    if first_time or parse_time(first_report) < parse_time(fact["reported_at"]):
        fact["reported_at"] = first_report
        first_graded = history[0]["at"] if history else i.get("processed_at")
        fact["graded_at"] = first_graded
        fact["time_to_first_report_s"] = _seconds(first_report, first_graded)
    fact.update(
        kind="incident",
        id=doc_id,
        hour=hour_of(fact["reported_at"]),
        district=i.get("district") or OUTSIDE,
        category=i.get("category") or UNCLASSIFIED,
        level=int(i["level"]),
        type=i.get("type"),
        report_count=int(i.get("report_count") or 1),
        gradings=max(1, len(history)),
        follow_up=bool(i.get("updates_report_id")),
    )
    if fact.get("verified_at"):
        fact["time_to_verification_s"] = _seconds(fact["reported_at"], fact["verified_at"])
    return _clean(fact)


def merge_verification(
    existing: dict[str, Any] | None, incident_id: str, at: str
) -> dict[str, Any]:
    """The incident fact after a verification at ``at`` (the earliest one counts)."""
    fact = dict(existing or {"kind": "incident", "id": incident_id})
    if not fact.get("verified_at") or parse_time(at) < parse_time(fact["verified_at"]):
        fact["verified_at"] = at
    if fact.get("reported_at"):
        fact["time_to_verification_s"] = _seconds(fact["reported_at"], fact["verified_at"])
    return _clean(fact)


def warning_fact(doc_id: str, doc: dict[str, Any]) -> dict[str, Any]:
    """The fact of one warning change."""
    w = doc["warning"]
    ends = w["action"] == "end"
    return _clean(
        {
            "kind": "warning",
            "id": doc_id,
            "warning_id": w["id"],
            "hour": hour_of(w["at"]),
            "at": w["at"],
            "district": w.get("district") or OUTSIDE,
            "hazard": w["hazard"],
            "colour": w["level"],
            "level": WarningColour(w["level"]).grade,
            "action": w["action"],
            "end_reason": w.get("end_reason"),
            "duration_s": _seconds(w.get("issued_at"), w["at"]) if ends else None,
        }
    )


def verification_of(doc: dict[str, Any]) -> tuple[str, str] | None:
    """``(incident id, verified at)`` of an audit document that verifies an incident."""
    event = doc.get("event") or {}
    target = (doc.get("audit") or {}).get("target") or {}
    if target.get("kind") != "incident":
        return None
    applied = (
        event.get("action") == "incident.status"
        and (doc.get("audit") or {}).get("status") == "verified"
    )
    if event.get("action") != "incident.verify" and not applied:
        return None
    if not target.get("id") or not doc.get("@timestamp"):
        return None
    return target["id"], doc["@timestamp"]


def _clean(fact: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fact.items() if v is not None}
