"""The analytics indices, created here with explicit strict mappings.

- ``{prefix}-analytics-facts``: one fact per incident and per warning change
  (:mod:`consumers.analytics.facts`), the input of the rollups;
- ``{prefix}-rollups``: one document per hour x district x category x level (incidents) and
  per hour x district x hazard x level (warnings), ``_id`` =
  ``<kind>:<hour>:<district>:<category or hazard>:<level>``.

Both are ``dynamic: strict``: a field the mapping does not declare is refused.
"""

from __future__ import annotations

from typing import Any

from elasticsearch import BadRequestError, Elasticsearch

_K = {"type": "keyword"}
_DATE = {"type": "date"}
_LONG = {"type": "long"}
_INT = {"type": "integer"}
_DOUBLE = {"type": "double"}
_DISTRICT = {"properties": {"code": _K, "name": _K}}
_STATS = {
    "properties": {"count": _LONG, "sum": _DOUBLE, "min": _DOUBLE, "max": _DOUBLE, "avg": _DOUBLE}
}

FACTS_MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "_meta": {"version": 1, "owner": "consumers.analytics"},
    "properties": {
        "kind": _K,
        "id": _K,
        "hour": _DATE,
        "district": _DISTRICT,
        "category": _K,
        "level": _INT,
        "type": _K,
        "reported_at": _DATE,
        "graded_at": _DATE,
        "verified_at": _DATE,
        "time_to_first_report_s": _DOUBLE,
        "time_to_verification_s": _DOUBLE,
        "report_count": _INT,
        "gradings": _INT,
        "follow_up": {"type": "boolean"},
        "warning_id": _K,
        "at": _DATE,
        "hazard": _K,
        "colour": _K,
        "action": _K,
        "end_reason": _K,
        "duration_s": _DOUBLE,
    },
}

ROLLUP_MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "_meta": {"version": 1, "owner": "consumers.analytics"},
    "properties": {
        "@timestamp": _DATE,
        "kind": _K,
        "hour": _DATE,
        "day": _K,
        "district": _DISTRICT,
        "category": _K,
        "hazard": _K,
        "colour": _K,
        "level": _INT,
        "count": _LONG,
        "reports": _LONG,
        "follow_ups": _LONG,
        "verified": _LONG,
        "time_to_first_report_s": _STATS,
        "time_to_verification_s": _STATS,
        "changes": _LONG,
        "issued": _LONG,
        "escalated": _LONG,
        "deescalated": _LONG,
        "ended": _LONG,
        "cancelled": _LONG,
        "expired": _LONG,
        "duration_s": _STATS,
        "updated_at": _DATE,
    },
}


def facts_index(prefix: str) -> str:
    return f"{prefix}-analytics-facts"


def rollups_index(prefix: str) -> str:
    return f"{prefix}-rollups"


def ensure_index(
    es: Elasticsearch, index: str, mappings: dict[str, Any], replicas: int = 0
) -> bool:
    """Create ``index`` with ``mappings`` when missing; True if it was created now."""
    if es.indices.exists(index=index):
        return False
    try:
        es.indices.create(
            index=index,
            mappings=mappings,
            settings={"number_of_shards": 1, "number_of_replicas": replicas},
        )
    except BadRequestError as exc:
        if exc.error != "resource_already_exists_exception":
            raise
        return False
    return True


def ensure_indices(es: Elasticsearch, prefix: str, replicas: int = 0) -> None:
    """Both analytics indices."""
    ensure_index(es, facts_index(prefix), FACTS_MAPPINGS, replicas)
    ensure_index(es, rollups_index(prefix), ROLLUP_MAPPINGS, replicas)
