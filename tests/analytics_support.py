"""A known day of documents for the analytics tests, and the rollups expected from it.

The expected rollups are counted here in plain Python from the same table the documents are
built from, independently of Elasticsearch.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from schemas import ClassifiedIncident, Warning
from schemas.audit import audit_document
from schemas.documents import incident_document, warning_document
from tests.factories import classified_factory, warning_factory

DAY = (datetime.now(UTC) - timedelta(days=2)).replace(hour=0, minute=0, second=0, microsecond=0)
DISTRICTS = {"310101": "黄浦区", "310115": "浦东新区", "310151": "崇明区"}

# report id, hour, minute, district (None: outside), type, category, levels, seconds to grade,
# follow-up of, report count
INCIDENTS = [
    ("a1", 1, 5, "310101", "fire", "accident", [4], 2, None, 1),
    ("a2", 1, 20, "310101", "fire", "accident", [4], 4, None, 1),
    ("a3", 1, 40, "310101", "fire", "accident", [3, 2], 6, None, 2),
    ("a4", 1, 50, "310115", "metro", "accident", [3], 3, None, 1),
    ("a5", 2, 10, "310115", "waterlogging", "natural_disaster", [4], 5, None, 1),
    ("a6", 2, 15, "310115", "waterlogging", "natural_disaster", [4], 7, "a5", 1),
    ("a7", 2, 30, None, "food_poisoning", "public_health", [3], 1, None, 1),
    ("a8", 3, 0, "310151", "unclassified", None, [4], 9, None, 1),
    ("a9", 3, 45, "310151", "crowd_crush", "social_safety", [1], 2, None, 1),
]
# report id -> seconds after the report when it was verified
VERIFIED = {"a1": 600, "a3": 120, "a9": 60}

# warning id, district, hazard, [(minutes after 01:00, action, colour, end reason)]
RAIN_STEPS = [
    (0, "issue", "blue", None),
    (50, "escalate", "yellow", None),
    (130, "end", "yellow", "cancelled"),
]
WATER_STEPS = [(65, "issue", "blue", None), (185, "end", "blue", "expired")]
WARNINGS = [
    ("w-hp-rain", "310101", "rainstorm", RAIN_STEPS),
    ("w-cm-water", "310151", "high_water", WATER_STEPS),
]


def _at(hour: int, minute: int = 0, seconds: int = 0) -> datetime:
    return DAY + timedelta(hours=hour, minutes=minute, seconds=seconds)


def incident_docs() -> list[tuple[str, dict[str, Any]]]:
    """``(doc id, document)`` in publishing order; a re-graded incident appears once per
    grading."""
    out = []
    for rid, hour, minute, code, kind, category, levels, delay, follow, count in INCIDENTS:
        reported = _at(hour, minute)
        for n in range(1, len(levels) + 1):
            history = [
                {
                    "level": levels[i],
                    "at": (reported + timedelta(seconds=delay + 60 * i)).isoformat(),
                    "rule_id": kind,
                    "report_id": rid,
                }
                for i in range(n)
            ]
            data = classified_factory(
                report_id=rid,
                incident_id=f"hotline_110:{rid}",
                source="hotline_110",
                type=kind,
                type_hint=None,
                category=category,
                level=levels[n - 1],
                district={"code": code, "name": DISTRICTS[code]} if code else None,
                reported_at=reported.isoformat(),
                processed_at=history[-1]["at"],
                grade_history=history,
                report_count=count if n == len(levels) else 1,
                updates_report_id=follow,
            )
            out.append(
                (f"hotline_110:{rid}", incident_document(ClassifiedIncident.model_validate(data)))
            )
    return out


def audit_docs() -> list[dict[str, Any]]:
    """The dashboard's verification records of :data:`VERIFIED`."""
    out = []
    for rid, after in VERIFIED.items():
        row = next(r for r in INCIDENTS if r[0] == rid)
        at = _at(row[1], row[2], after)
        out.append(
            audit_document(
                action="incident.verify",
                target={"kind": "incident", "id": f"hotline_110:{rid}"},
                status="verified",
                previous_status="new",
                reason="confirmed by phone",
                actor="duty officer",
                role="operator",
                at=at,
                audit_id=f"audit-{rid}",
            )
        )
    return out


def warning_docs() -> list[dict[str, Any]]:
    out = []
    for wid, code, hazard, steps in WARNINGS:
        issued = _at(1, steps[0][0])
        previous = None
        for seq, (minutes, action, colour, reason) in enumerate(steps, start=1):
            data = warning_factory(
                warning_id=wid,
                sequence=seq,
                hazard=hazard,
                level=colour,
                previous_level=previous,
                action=action,
                end_reason=reason,
                district={"code": code, "name": DISTRICTS[code]},
                at=_at(1, minutes).isoformat(),
                issued_at=issued.isoformat(),
                valid_until=(issued + timedelta(hours=12)).isoformat(),
            )
            previous = colour
            out.append(warning_document(Warning.model_validate(data)))
    return out


def hour_key(hour: int) -> str:
    return _at(hour).isoformat()


def expected_incident_rollups() -> dict[tuple, dict[str, Any]]:
    """``{(hour, district, category, level): fields}`` counted from :data:`INCIDENTS`."""
    out: dict[tuple, dict[str, Any]] = defaultdict(
        lambda: {"count": 0, "reports": 0, "follow_ups": 0, "verified": 0, "ttfr": [], "ttv": []}
    )
    for rid, hour, _m, code, _k, category, levels, delay, follow, count in INCIDENTS:
        row = out[(hour_key(hour), code or "outside", category or "unclassified", levels[-1])]
        row["count"] += 1
        row["reports"] += count
        row["follow_ups"] += 1 if follow else 0
        row["ttfr"].append(float(delay))
        if rid in VERIFIED:
            row["verified"] += 1
            row["ttv"].append(float(VERIFIED[rid]))
    return dict(out)


def expected_warning_rollups() -> dict[tuple, dict[str, Any]]:
    """``{(hour, district, hazard, colour): fields}`` counted from :data:`WARNINGS`."""
    names = {
        "issue": "issued",
        "escalate": "escalated",
        "deescalate": "deescalated",
        "end": "ended",
    }
    out: dict[tuple, dict[str, Any]] = {}
    for _wid, code, hazard, steps in WARNINGS:
        for minutes, action, colour, reason in steps:
            at = _at(1, minutes)
            key = (at.replace(minute=0).isoformat(), code, hazard, colour)
            fields = ("changes", "issued", "escalated", "deescalated", "ended", "cancelled")
            empty: dict[str, Any] = {f: 0 for f in (*fields, "expired")} | {"durations": []}
            row = out.setdefault(key, empty)
            row["changes"] += 1
            row[names[action]] += 1
            if reason:
                row[reason] += 1
                row["durations"].append(float((minutes - steps[0][0]) * 60))
    return out
