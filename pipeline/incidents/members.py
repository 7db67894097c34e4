"""Member reports: reading classified reports, follow-up chains, and the level they justify.

A classified report arrives as a ``ClassifiedIncident`` dict (or model), or as its
Elasticsearch document (:func:`report_from_document`). :func:`member_from_report` keeps
what correlation needs: point, time, category, type, grade and counts.

Follow-ups form chains: a report ``F`` with ``updates_report_id`` names a report ``A`` of
the same source; a later follow-up may name ``A`` again or name ``F``. All reports of one
chain describe one thing, so only the chain's latest grade counts (:func:`latest_grades`):
that of its newest follow-up (latest ``reported_at``, then latest arrival), or the root's
own grade when it has no follow-up yet. A follow-up whose report is not in the incident
counts with its own grade until that report arrives. The incident's level is the highest
(numerically lowest) of the latest grades (:func:`level_setter`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pipeline.incidents.errors import InvalidReport
from pipeline.incidents.state import JsonRecord, Member, as_time, report_key

UNCLASSIFIED = "unclassified"
REQUIRED = ("report_id", "source", "reported_at", "type", "level")


def as_mapping(report: Any) -> Mapping[str, Any]:
    """A classified report as a mapping: dicts as they are, pydantic models and records
    (an :class:`~pipeline.incidents.records.IncidentUpdate`) in their JSON form."""
    if isinstance(report, Mapping):
        return report
    if isinstance(report, JsonRecord):
        return report.to_dict()
    dump = getattr(report, "model_dump", None)
    if dump is None:
        raise InvalidReport(f"a classified report must be a mapping, got {type(report).__name__}")
    return dump(mode="json")


DOCUMENT_FIELDS = (
    "report_id source reported_at updates_report_id category type level location "
    "address district grid_cell casualties economic_loss_cny exposure rule"
).split()
"""The classified-report fields :func:`report_from_document` takes from a document."""


def report_from_document(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The classified-report fields of an ``incidents`` Elasticsearch document."""
    body = doc.get("incident")
    if not isinstance(body, Mapping):
        raise InvalidReport("an incidents document has an 'incident' object")
    wgs84 = (doc.get("geo") or {}).get("location")
    geo: dict[str, Any] = {"wgs84": dict(wgs84)} if wgs84 else {}
    if body.get("gcj02"):
        geo["gcj02"] = dict(body["gcj02"])
    report = {k: v for k in DOCUMENT_FIELDS if (v := body.get(k)) is not None}
    report["geo"] = geo
    report.setdefault("category", None)
    return report


def geo_of(report: Mapping[str, Any]) -> dict[str, Any]:
    """``{"wgs84": {lat, lon}, "gcj02": ...}`` of a report: its ``geo``, else a WGS 84
    ``location``; :class:`InvalidReport` when it has neither."""
    geo = report.get("geo")
    if isinstance(geo, Mapping) and isinstance(geo.get("wgs84"), Mapping):
        wgs84 = geo["wgs84"]
        point = {"lat": float(wgs84["lat"]), "lon": float(wgs84["lon"])}
        out = {"wgs84": point}
        if isinstance(geo.get("gcj02"), Mapping):
            out["gcj02"] = {"lat": float(geo["gcj02"]["lat"]), "lon": float(geo["gcj02"]["lon"])}
        return out
    location = report.get("location")
    if isinstance(location, Mapping) and location.get("crs", "wgs84") == "wgs84":
        return {"wgs84": {"lat": float(location["lat"]), "lon": float(location["lon"])}}
    raise InvalidReport(
        f"report {report.get('report_id')!r}: needs geo.wgs84 (or a WGS 84 location)"
    )


def member_from_report(report: Mapping[str, Any], seq: int) -> Member:
    """The member record of one classified report; :class:`InvalidReport` names a gap."""
    missing = [name for name in REQUIRED if report.get(name) is None]
    if missing:
        raise InvalidReport(
            f"report {report.get('report_id')!r}: missing {', '.join(missing)} "
            "(correlation takes classified reports)"
        )
    source, report_id = str(report["source"]), str(report["report_id"])
    kind = str(report["type"])
    category = None if kind == UNCLASSIFIED else report.get("category")
    level = report["level"]
    if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 4:
        raise InvalidReport(f"report {report_id!r}: level must be an integer 1-4, got {level!r}")
    casualties = report.get("casualties")
    counts = (
        {k: int(v) for k, v in casualties.items() if v is not None}
        if isinstance(casualties, Mapping)
        else None
    )
    loss = report.get("economic_loss_cny")
    updates = report.get("updates_report_id")
    rule = report.get("rule")
    geo = geo_of(report)
    return Member(
        report_id=report_id,
        source=source,
        reported_at=as_time(report["reported_at"], "reported_at"),
        seq=seq,
        lat=geo["wgs84"]["lat"],
        lon=geo["wgs84"]["lon"],
        gcj02=geo.get("gcj02"),
        category=str(category) if category else None,
        type=kind,
        level=level,
        rule_id=str(rule["id"]) if isinstance(rule, Mapping) and rule.get("id") else None,
        casualties=counts or None,
        economic_loss_cny=None if loss is None else float(loss),
        updates=report_key(source, str(updates)) if updates else None,
    )


def root_of(members: Mapping[str, Member], key: str) -> str:
    """The report a chain of follow-ups starting at ``key`` comes back to, in ``members``."""
    seen = {key}
    current = members[key]
    while current.updates and current.updates in members and current.updates not in seen:
        seen.add(current.updates)
        current = members[current.updates]
    return current.key


def chain_of(members: Mapping[str, Member], key: str) -> list[str]:
    """``key`` and every member whose follow-up chain passes through it, in member order."""
    out = []
    for candidate in members:
        seen: set[str] = set()
        current: str | None = candidate
        while current is not None and current in members and current not in seen:
            if current == key:
                out.append(candidate)
                break
            seen.add(current)
            current = members[current].updates
    return out


def _newest(member: Member) -> tuple[Any, int]:
    return member.reported_at, member.seq


def latest_grades(members: Mapping[str, Member]) -> dict[str, Member]:
    """Chain root -> the member whose grade is the chain's latest."""
    groups: dict[str, list[Member]] = {}
    for key, member in members.items():
        # a member that follows nothing up is the root of its own chain
        root = root_of(members, key) if member.updates else key
        groups.setdefault(root, []).append(member)
    latest = {}
    for root, group in groups.items():
        follow_ups = [m for m in group if m.key != root]
        latest[root] = max(follow_ups, key=_newest) if follow_ups else members[root]
    return latest


def level_setter(members: Mapping[str, Member]) -> Member:
    """The member whose latest grade sets the level: the most severe, newest among equals."""
    if len(members) == 1:
        return next(iter(members.values()))
    grades = list(latest_grades(members).values())
    top = min(m.level for m in grades)
    return max((m for m in grades if m.level == top), key=_newest)


def updates_report_id(member: Member) -> str | None:
    """The ``report_id`` a follow-up names (its key without the source)."""
    return None if member.updates is None else member.updates.partition(":")[2]
