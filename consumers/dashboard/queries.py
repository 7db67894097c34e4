"""Elasticsearch request bodies of the dashboard: filters, search, paging, aggregations.

Pure functions, no client. Text fields are analysed by the ``standard`` analyzer (one token
per Han character), so a Chinese word or phrase is searched with ``match_phrase`` (the
characters in order, adjacent) and an English word with ``match``. Every aggregation runs on
the server; list requests return one page of at most :data:`MAX_PAGE_SIZE` hits.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

MAX_PAGE_SIZE = 100
MAX_RESULT_WINDOW = 10_000
"""Elasticsearch's default ``index.max_result_window``: deepest hit a page may reach."""
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_QUOTED_OR_WORD = re.compile(r'"([^"]+)"|(\S+)')

INCIDENT_LIST_FIELDS = [
    "@timestamp",
    "message",
    "geo.location",
    "incident.id",
    "incident.type",
    "incident.category",
    "incident.level",
    "incident.district",
    "incident.report_count",
    "incident.source",
    "incident.address",
    "incident.casualties",
]
"""The fields a list item needs; the detail view fetches the whole document."""

STATUS_ACTIONS = (
    "incident.verify",
    "incident.respond",
    "incident.resolve",
    "incident.close",
    "incident.status",
)


@dataclass(frozen=True)
class IncidentFilter:
    """What the operator narrowed the incidents to; empty tuples mean "any"."""

    districts: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    levels: tuple[int, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    q: str | None = None


def text_query(q: str) -> dict[str, Any] | None:
    """The query for the search box: every word or quoted phrase must match ``message``.

    A part with Han characters, or in double quotes, is a phrase (``match_phrase``); any
    other word is a ``match``. Chinese phrases also match the address. An exact incident
    or report id matches as well. None for a blank search.
    """
    parts = [m.group(1) or m.group(2) for m in _QUOTED_OR_WORD.finditer(q)]
    parts = [p.strip() for p in parts if p and p.strip()]
    if not parts:
        return None
    must: list[dict[str, Any]] = []
    for part in parts:
        if HAN.search(part):
            must.append(
                {
                    "bool": {
                        "should": [
                            {"match_phrase": {"message": part}},
                            {"match_phrase": {"incident.address": part}},
                        ],
                        "minimum_should_match": 1,
                    }
                }
            )
        elif f'"{part}"' in q:
            must.append({"match_phrase": {"message": part}})
        else:
            must.append({"match": {"message": {"query": part, "operator": "and"}}})
    exact = q.strip()
    return {
        "bool": {
            "should": [
                {"bool": {"must": must}},
                {"term": {"incident.id": exact}},
                {"term": {"incident.report_id": exact}},
            ],
            "minimum_should_match": 1,
        }
    }


def _terms(field_name: str, values: Sequence[Any]) -> dict[str, Any]:
    return {"terms": {field_name: list(values)}}


def incident_query(f: IncidentFilter) -> dict[str, Any]:
    """The bool query of a filter (filters are not scored; the search is)."""
    filters: list[dict[str, Any]] = []
    if f.districts:
        filters.append(_terms("incident.district.code", f.districts))
    if f.categories:
        filters.append(_terms("incident.category", f.categories))
    if f.types:
        filters.append(_terms("incident.type", f.types))
    if f.levels:
        filters.append(_terms("incident.level", f.levels))
    if f.since or f.until:
        bounds: dict[str, str] = {}
        if f.since:
            bounds["gte"] = f.since.isoformat()
        if f.until:
            bounds["lt"] = f.until.isoformat()
        filters.append({"range": {"@timestamp": bounds}})
    query: dict[str, Any] = {"bool": {"filter": filters}}
    text = text_query(f.q) if f.q else None
    if text is not None:
        query["bool"]["must"] = [text]
    return query


def page_window(page: int, size: int) -> tuple[int, int]:
    """``(from, size)`` of a 1-based page; ValueError past the result window."""
    if page < 1 or not 1 <= size <= MAX_PAGE_SIZE:
        raise ValueError(f"page must be >= 1 and size between 1 and {MAX_PAGE_SIZE}")
    start = (page - 1) * size
    if start + size > MAX_RESULT_WINDOW:
        raise ValueError(
            f"page {page} of size {size} is past the first {MAX_RESULT_WINDOW} hits; "
            "narrow the filters or the time range"
        )
    return start, size


def incident_list_body(f: IncidentFilter, page: int, size: int) -> dict[str, Any]:
    """One page of incidents, newest first (ties broken by id, so pages are stable)."""
    start, size = page_window(page, size)
    return {
        "query": incident_query(f),
        "sort": [{"@timestamp": "desc"}, {"incident.id": "asc"}],
        "from": start,
        "size": size,
        "track_total_hits": True,
        "_source": {"includes": INCIDENT_LIST_FIELDS},
    }


def incident_stats_body(f: IncidentFilter) -> dict[str, Any]:
    """Counts by category, level, district and type, on the server (no hits returned).

    Incidents outside the city have no district and unclassified ones no category; each
    of those is counted by a ``missing`` aggregation.
    """
    return {
        "query": incident_query(f),
        "size": 0,
        "track_total_hits": True,
        "aggs": {
            "by_category": {"terms": {"field": "incident.category", "size": 10}},
            "by_level": {"terms": {"field": "incident.level", "size": 4}},
            "by_district": {"terms": {"field": "incident.district.code", "size": 32}},
            "outside_city": {"missing": {"field": "incident.district.code"}},
            "unclassified": {"missing": {"field": "incident.category"}},
            "by_type": {"terms": {"field": "incident.type", "size": 60}},
        },
    }


def district_incidents_body(f: IncidentFilter) -> dict[str, Any]:
    """Incident count and most severe level (the smallest number) per district."""
    return {
        "query": incident_query(f),
        "size": 0,
        "aggs": {
            "by_district": {
                "terms": {"field": "incident.district.code", "size": 32},
                "aggs": {"max_level": {"min": {"field": "incident.level"}}},
            }
        },
    }


def active_warnings_body() -> dict[str, Any]:
    """The latest change of each district and hazard (the caller drops those that ended)."""
    return {
        "size": 0,
        "aggs": {
            "by_district": {
                "terms": {"field": "warning.district.code", "size": 64},
                "aggs": {
                    "by_hazard": {
                        "terms": {"field": "warning.hazard", "size": 64},
                        "aggs": {
                            "latest": {
                                "top_hits": {
                                    "size": 1,
                                    "sort": [
                                        {"warning.at": "desc"},
                                        {"warning.sequence": "desc"},
                                    ],
                                }
                            }
                        },
                    }
                },
            }
        },
    }


def warning_changes_body(warning_id: str, size: int = MAX_PAGE_SIZE) -> dict[str, Any]:
    """Every change of one warning, newest first (sequence descending)."""
    return {
        "query": {"term": {"warning.id": warning_id}},
        "sort": [{"warning.sequence": "desc"}],
        "size": size,
    }


def incident_status_body(incident_ids: Sequence[str]) -> dict[str, Any]:
    """The latest status audit record (asked for or applied) of each listed incident."""
    return {
        "size": 0,
        "query": {
            "bool": {
                "filter": [
                    {"term": {"audit.target.kind": "incident"}},
                    {"terms": {"audit.target.id": list(incident_ids)}},
                    {"terms": {"event.action": list(STATUS_ACTIONS)}},
                ]
            }
        },
        "aggs": {
            "by_target": {
                "terms": {"field": "audit.target.id", "size": max(1, len(incident_ids))},
                "aggs": {"latest": {"top_hits": {"size": 1, "sort": [{"@timestamp": "desc"}]}}},
            }
        },
    }


def audit_trail_body(kind: str, target_ids: Sequence[str], size: int = 50) -> dict[str, Any]:
    """The audit records of some targets, newest first."""
    return {
        "query": {
            "bool": {
                "filter": [
                    {"term": {"audit.target.kind": kind}},
                    {"terms": {"audit.target.id": list(target_ids)}},
                ]
            }
        },
        "sort": [{"@timestamp": "desc"}],
        "size": size,
    }
