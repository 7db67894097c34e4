"""What a situation report needs from Elasticsearch, for one period.

:func:`period_figures` counts the incidents whose ``@timestamp`` (the report time) lies in
``[start, end)`` by level, category, type, district (with levels) and hour, lists the
serious ones (Ⅰ and Ⅱ), and counts the warning changes of the period by hazard and action.
:func:`active_warnings` gives the warnings in force at a moment: the newest change of each
warning at that moment, when it is not an end and its validity has not run out.
:func:`inspection_figures` gives the inspection findings overdue at a moment (not
rectified, deadline passed) and the latest inspection counts per district.
:func:`resource_figures` gives the resources committed to incidents (已调派资源).

An index that does not exist (yet) counts as no data: the figures say so (``available``)
rather than fail the report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from elasticsearch import Elasticsearch

SERIOUS_LIMIT = 50
OVERDUE_LIMIT = 100
"""At most this many overdue inspection findings are listed (the most overdue first)."""
COUNTS_LIMIT = 200
COMMITTED_LIMIT = 100
"""At most this many committed resources are listed (the longest committed first)."""
ACTIVE_LOOKBACK = timedelta(days=30)
"""Warnings issued longer ago than this are not looked at for the active list."""


@dataclass
class Figures:
    """Counts of one period."""

    start: datetime
    end: datetime
    incidents: int = 0
    by_level: dict[int, int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)
    by_type: dict[str, int] = field(default_factory=dict)
    by_district: dict[str, dict[str, Any]] = field(default_factory=dict)
    """``{code: {"name", "count", "levels": {level: n}}}``; ``outside`` for no district."""
    by_hour: list[tuple[datetime, int]] = field(default_factory=list)
    serious: list[dict[str, Any]] = field(default_factory=list)
    warning_changes: int = 0
    warnings_by_action: dict[str, int] = field(default_factory=dict)
    warnings_by_hazard: dict[str, int] = field(default_factory=dict)


def _range(start: datetime, end: datetime) -> dict[str, Any]:
    return {"range": {"@timestamp": {"gte": start.isoformat(), "lt": end.isoformat()}}}


def _terms(resp: dict[str, Any], name: str) -> dict[Any, int]:
    return {b["key"]: b["doc_count"] for b in resp["aggregations"][name]["buckets"]}


def period_figures(es: Elasticsearch, prefix: str, start: datetime, end: datetime) -> Figures:
    """The incident and warning counts of ``[start, end)``."""
    figures = Figures(start, end)
    incidents, warnings = f"{prefix}-incidents", f"{prefix}-warnings"
    resp = es.options(ignore_status=404).search(
        index=incidents,
        size=0,
        track_total_hits=True,
        query={"bool": {"filter": [_range(start, end)]}},
        aggs={
            "level": {"terms": {"field": "incident.level", "size": 10}},
            "category": {
                "terms": {"field": "incident.category", "size": 10, "missing": "unclassified"}
            },
            "type": {"terms": {"field": "incident.type", "size": 100}},
            "district": {
                "terms": {"field": "incident.district.code", "size": 100, "missing": "outside"},
                "aggs": {
                    "name": {"terms": {"field": "incident.district.name", "size": 1}},
                    "level": {"terms": {"field": "incident.level", "size": 10}},
                },
            },
            "hour": {
                "date_histogram": {
                    "field": "@timestamp",
                    "fixed_interval": "1h",
                    "min_doc_count": 0,
                    "extended_bounds": {
                        "min": start.isoformat(),
                        "max": (end - timedelta(seconds=1)).isoformat(),
                    },
                }
            },
        },
    )
    if resp.meta.status == 200:
        figures.incidents = resp["hits"]["total"]["value"]
        figures.by_level = {int(k): v for k, v in _terms(resp, "level").items()}
        figures.by_category = _terms(resp, "category")
        figures.by_type = _terms(resp, "type")
        for b in resp["aggregations"]["district"]["buckets"]:
            names = b["name"]["buckets"]
            figures.by_district[b["key"]] = {
                "name": names[0]["key"] if names else "",
                "count": b["doc_count"],
                "levels": {int(x["key"]): x["doc_count"] for x in b["level"]["buckets"]},
            }
        figures.by_hour = [
            (datetime.fromisoformat(b["key_as_string"].replace("Z", "+00:00")), b["doc_count"])
            for b in resp["aggregations"]["hour"]["buckets"]
        ]
        figures.serious = _serious(es, incidents, start, end)
    resp = es.options(ignore_status=404).search(
        index=warnings,
        size=0,
        track_total_hits=True,
        query={"bool": {"filter": [_range(start, end)]}},
        aggs={
            "action": {"terms": {"field": "warning.action", "size": 10}},
            "hazard": {"terms": {"field": "warning.hazard", "size": 50}},
        },
    )
    if resp.meta.status == 200:
        figures.warning_changes = resp["hits"]["total"]["value"]
        figures.warnings_by_action = _terms(resp, "action")
        figures.warnings_by_hazard = _terms(resp, "hazard")
    return figures


def _serious(es: Elasticsearch, index: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
    resp = es.search(
        index=index,
        size=SERIOUS_LIMIT,
        query={"bool": {"filter": [_range(start, end), {"range": {"incident.level": {"lte": 2}}}]}},
        sort=[{"incident.level": "asc"}, {"@timestamp": "desc"}],
        source_includes=[
            "@timestamp",
            "message",
            "incident.level",
            "incident.type",
            "incident.category",
            "incident.district",
            "incident.address",
            "incident.casualties",
            "event.id",
        ],
    )
    return [h["_source"] for h in resp["hits"]["hits"]]


def active_warnings(es: Elasticsearch, prefix: str, at: datetime) -> list[dict[str, Any]]:
    """The ``warning`` objects in force at ``at``, most severe first."""
    resp = es.options(ignore_status=404).search(
        index=f"{prefix}-warnings",
        size=1000,
        query={
            "bool": {
                "filter": [
                    {"range": {"@timestamp": {"lte": at.isoformat()}}},
                    {"range": {"warning.issued_at": {"gte": (at - ACTIVE_LOOKBACK).isoformat()}}},
                ]
            }
        },
        collapse={"field": "warning.id"},
        sort=[{"warning.sequence": "desc"}],
    )
    if resp.meta.status != 200:
        return []
    latest = [h["_source"]["warning"] for h in resp["hits"]["hits"]]
    active = [
        w
        for w in latest
        if w["action"] != "end"
        and datetime.fromisoformat(w["valid_until"].replace("Z", "+00:00")) > at
    ]
    return sorted(
        active, key=lambda w: (-w.get("level_rank", 0), w["district"]["code"], w["hazard"])
    )


@dataclass
class InspectionFigures:
    """Inspection findings overdue at ``at``, and the counts per district."""

    at: datetime
    available: bool = False
    """The ``inspections`` index exists."""
    overdue: list[dict[str, Any]] = field(default_factory=list)
    """``inspection`` objects not rectified whose deadline is before ``at``, most overdue
    first (at most :data:`OVERDUE_LIMIT`)."""
    overdue_total: int = 0
    overdue_by_level: dict[str, int] = field(default_factory=dict)
    """Overdue findings by hazard level (``major``, ``general``), all of them."""
    counts_available: bool = False
    """The ``inspection-counts`` index exists."""
    by_district: list[dict[str, Any]] = field(default_factory=list)
    """``counts`` objects, one per district (``district.code`` ``outside`` for none),
    most overdue first."""


def inspection_figures(es: Elasticsearch, prefix: str, at: datetime) -> InspectionFigures:
    """The overdue inspection findings at ``at`` and the latest counts per district.

    A finding counts as overdue when its document is not rectified and its deadline lies
    before ``at``, whether or not the tracker has escalated it yet.
    """
    figures = InspectionFigures(at)
    resp = es.options(ignore_status=404).search(
        index=f"{prefix}-inspections",
        size=OVERDUE_LIMIT,
        track_total_hits=True,
        query={
            "bool": {
                "filter": [
                    {"terms": {"inspection.status": ["open", "overdue"]}},
                    {"range": {"inspection.deadline": {"lt": at.isoformat()}}},
                ]
            }
        },
        aggs={"level": {"terms": {"field": "inspection.hazard_level", "size": 10}}},
        sort=[{"inspection.deadline": "asc"}, {"inspection.finding_id": "asc"}],
        source_includes=["inspection"],
    )
    if resp.meta.status == 200:
        figures.available = True
        figures.overdue_total = resp["hits"]["total"]["value"]
        figures.overdue_by_level = _terms(resp, "level")
        figures.overdue = [h["_source"]["inspection"] for h in resp["hits"]["hits"]]
    resp = es.options(ignore_status=404).search(
        index=f"{prefix}-inspection-counts",
        size=COUNTS_LIMIT,
        query={"match_all": {}},
        sort=[{"counts.overdue": "desc"}, {"counts.open": "desc"}, {"event.id": "asc"}],
        source_includes=["counts"],
    )
    if resp.meta.status == 200:
        figures.counts_available = True
        figures.by_district = [h["_source"]["counts"] for h in resp["hits"]["hits"]]
    return figures


@dataclass
class ResourceFigures:
    """Resources committed to incidents (status ``committed``), as indexed at ``at``."""

    at: datetime
    available: bool = False
    """The ``resources`` index exists."""
    committed: list[dict[str, Any]] = field(default_factory=list)
    """``resource`` objects with status ``committed``, longest committed first (at most
    :data:`COMMITTED_LIMIT`)."""
    committed_total: int = 0
    committed_by_kind: dict[str, int] = field(default_factory=dict)
    """Committed resources by kind, all of them."""


def resource_figures(es: Elasticsearch, prefix: str, at: datetime) -> ResourceFigures:
    """The resources committed to incidents (the current status of each resource)."""
    figures = ResourceFigures(at)
    resp = es.options(ignore_status=404).search(
        index=f"{prefix}-resources",
        size=COMMITTED_LIMIT,
        track_total_hits=True,
        query={"bool": {"filter": [{"term": {"resource.status": "committed"}}]}},
        aggs={"kind": {"terms": {"field": "resource.kind", "size": 50}}},
        sort=[{"resource.at": {"order": "asc", "missing": "_last"}}, {"resource.id": "asc"}],
        source_includes=["resource"],
    )
    if resp.meta.status == 200:
        figures.available = True
        figures.committed_total = resp["hits"]["total"]["value"]
        figures.committed_by_kind = _terms(resp, "kind")
        figures.committed = [h["_source"]["resource"] for h in resp["hits"]["hits"]]
    return figures
