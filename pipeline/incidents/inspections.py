"""Inspection findings tracked per site until rectified, with escalation when overdue.

One :class:`InspectionState` per district (a Faust table value keyed by district code, or
``"outside"``). :func:`track` takes each ``InspectionFinding`` event: the first one opens
the finding, later ones update it (a new deadline, a new description) and one with
``rectified_at`` closes it. Once rectified, a finding stays rectified: a redelivered older
event without ``rectified_at`` is ignored (``stale``).

:func:`overdue` is called on a timer with the wall clock: a finding not rectified by its
deadline (``now`` strictly after it) is escalated once per overdue period: at the first
call after the deadline, then again at most once in each following ``period_s`` (24 h by
default); a call after a long pause escalates once, not once per missed period. A new
deadline starts the count again.

:func:`counts` gives the numbers to index per district and per site kind: ``total``,
``open`` (not rectified, overdue included), ``overdue``, ``rectified`` and ``major_open``
(open major hazards, 重大隐患). :func:`prune` drops findings rectified longer ago than
the retention, so the state stays bounded.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from pipeline.incidents.errors import IncidentError
from pipeline.incidents.state import OUTSIDE, Record, as_time
from schemas.enums import HazardLevel, SiteKind
from schemas.inputs import InspectionFinding

DAY_S = 86400
_ANY_TIME = {"window_bounds": (-math.inf, math.inf)}
_CONTENT = (
    "site",
    "district_code",
    "hazard",
    "hazard_level",
    "inspected_at",
    "deadline",
    "rectified_at",
)


class TrackedFinding(Record):
    """A finding and its escalations so far."""

    finding_id: str
    site: dict[str, Any]
    site_key: str
    district_code: str | None = None
    hazard: str
    hazard_level: str
    inspected_at: datetime
    deadline: datetime
    rectified_at: datetime | None = None
    escalations: int = 0
    escalated_period: int | None = None
    """Overdue period (0 = the first ``period_s`` after the deadline) last escalated."""
    updated_at: datetime


class InspectionState(Record):
    """The tracked findings of one district."""

    key: str
    findings: dict[str, TrackedFinding] = {}

    @classmethod
    def empty(cls, key: str) -> InspectionState:
        return cls(key=key)


def site_key(site: Mapping[str, Any]) -> str:
    """The site's registry id, else ``<kind>:<name>``."""
    return str(site.get("site_id") or f"{site.get('kind')}:{site.get('name')}")


def finding_district(finding: Mapping[str, Any]) -> str | None:
    """The district code the inspector gave, else the one the site's point lies in."""
    if finding.get("district_code"):
        return str(finding["district_code"])
    from pipeline.geo.districts import district_for_point

    location = finding["site"]["location"]
    district = district_for_point(location["lat"], location["lon"], location.get("crs", "wgs84"))
    return None if district is None else district.code


def finding_key(finding: Mapping[str, Any]) -> str:
    """The table key of a finding: its district code, or ``"outside"``."""
    return finding_district(finding) or OUTSIDE


def _parse(finding: Any) -> InspectionFinding:
    if isinstance(finding, InspectionFinding):
        return finding
    try:
        return InspectionFinding.model_validate(finding, context=_ANY_TIME)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = (first.get("ctx") or {}).get("field")
        where = ".".join(str(p) for p in first["loc"]) or field or "finding"
        raise IncidentError(f"invalid inspection finding: {where}: {first['msg']}") from exc


def track(
    state: InspectionState, finding: Any, now: datetime | str, *, district_code: str | None = None
) -> tuple[InspectionState, dict[str, Any]]:
    """Take one finding event into ``state`` (in place); returns the state and what changed.

    The change is ``{finding_id, site_key, district_code, action, status, at}`` with
    ``action`` one of opened, updated, rectified, unchanged, stale.
    """
    when = as_time(now, "now")
    parsed = _parse(finding)
    data = parsed.model_dump(mode="json", exclude_none=True)
    code = district_code or finding_district(data)
    old = state.findings.get(parsed.finding_id)
    fresh = TrackedFinding(
        finding_id=parsed.finding_id,
        site=data["site"],
        site_key=site_key(data["site"]),
        district_code=code,
        hazard=parsed.hazard,
        hazard_level=parsed.hazard_level.value,
        inspected_at=parsed.inspected_at,
        deadline=parsed.deadline,
        rectified_at=parsed.rectified_at,
        updated_at=when,
    )
    if old is None:
        action = "rectified" if fresh.rectified_at else "opened"
        state.findings[fresh.finding_id] = fresh
    elif old.rectified_at is not None and fresh.rectified_at is None:
        action, fresh = "stale", old
    else:
        if all(getattr(fresh, name) == getattr(old, name) for name in _CONTENT):
            action, fresh = "unchanged", old
        else:
            action = "rectified" if fresh.rectified_at and not old.rectified_at else "updated"
            fresh.escalations = old.escalations
            if fresh.deadline == old.deadline:
                fresh.escalated_period = old.escalated_period
            state.findings[fresh.finding_id] = fresh
    return state, {
        "finding_id": fresh.finding_id,
        "site_key": fresh.site_key,
        "district_code": fresh.district_code,
        "action": action,
        "status": status_of(fresh, when),
        "at": when.isoformat(),
    }


def status_of(finding: TrackedFinding, now: datetime) -> str:
    """rectified, overdue (past its deadline) or open."""
    if finding.rectified_at is not None:
        return "rectified"
    return "overdue" if now > finding.deadline else "open"


def overdue(
    state: InspectionState, now: datetime | str, *, period_s: float = DAY_S
) -> list[dict[str, Any]]:
    """Escalation events for overdue findings, at most one per finding per overdue period."""
    when = as_time(now, "now")
    events = []
    for finding in state.findings.values():
        if status_of(finding, when) != "overdue":
            continue
        late = when - finding.deadline
        period = int(late.total_seconds() // period_s)
        if finding.escalated_period is not None and period <= finding.escalated_period:
            continue
        finding.escalated_period = period
        finding.escalations += 1
        kind = SiteKind(finding.site["kind"])
        level = HazardLevel(finding.hazard_level)
        days = late.total_seconds() / DAY_S
        name = finding.site["name"]
        events.append(
            {
                "event_id": f"{finding.finding_id}:escalation:{finding.escalations}",
                "finding_id": finding.finding_id,
                "site": finding.site,
                "site_key": finding.site_key,
                "district_code": finding.district_code,
                "hazard": finding.hazard,
                "hazard_level": finding.hazard_level,
                "deadline": finding.deadline.isoformat(),
                "overdue_s": int(late.total_seconds()),
                "escalation": finding.escalations,
                "at": when.isoformat(),
                "message_zh": f"{kind.label_zh}「{name}」{level.label_zh}逾期{days:.1f}天未整改"
                f"(第{finding.escalations}次督办)",
                "message_en": f"{level.label_en} at {kind.label_en} {name!r} not rectified "
                f"{days:.1f} days after its deadline (escalation {finding.escalations})",
            }
        )
    return events


def counts(state: InspectionState, now: datetime | str) -> dict[str, dict[str, dict[str, int]]]:
    """``{"by_district": {code: counts}, "by_site_kind": {kind: counts}}``."""
    when = as_time(now, "now")
    out: dict[str, dict[str, dict[str, int]]] = {"by_district": {}, "by_site_kind": {}}
    for finding in state.findings.values():
        status = status_of(finding, when)
        keys = (
            ("by_district", finding.district_code or OUTSIDE),
            ("by_site_kind", str(finding.site["kind"])),
        )
        for group, key in keys:
            row = out[group].setdefault(
                key, {"total": 0, "open": 0, "overdue": 0, "rectified": 0, "major_open": 0}
            )
            row["total"] += 1
            row["rectified" if status == "rectified" else "open"] += 1
            row["overdue"] += status == "overdue"
            row["major_open"] += status != "rectified" and finding.hazard_level == "major"
    return out


def open_by_site(state: InspectionState) -> dict[str, list[str]]:
    """Site key -> ids of its findings not yet rectified."""
    out: dict[str, list[str]] = {}
    for finding in state.findings.values():
        if finding.rectified_at is None:
            out.setdefault(finding.site_key, []).append(finding.finding_id)
    return out


def prune(
    state: InspectionState, now: datetime | str, *, retention_s: float = 30 * DAY_S
) -> list[str]:
    """Drop findings rectified more than ``retention_s`` before ``now``; returns their ids."""
    cutoff = as_time(now, "now") - timedelta(seconds=retention_s)
    gone = [
        i
        for i, f in state.findings.items()
        if f.rectified_at is not None and f.rectified_at < cutoff
    ]
    for finding_id in gone:
        del state.findings[finding_id]
    return gone
