"""Rollups recomputed from facts, one hour at a time.

For each touched (kind, hour) the facts of that hour are aggregated in Elasticsearch (a
composite aggregation over the bucket keys), every bucket becomes one rollup document with
a deterministic ``_id``, and rollups of that hour that no longer have facts are deleted by
id (the minimal node has no delete-by-query). So the rollups of an hour always equal an
aggregation of its facts, however often and in whatever order the inputs came.

Incidents, per hour x district x category x level: ``count``, ``reports`` (reports merged),
``follow_ups``, ``verified``, and stats (count, sum, min, max, avg; seconds) of
``time_to_first_report_s`` and ``time_to_verification_s``.
Warnings, per hour x district x hazard x level (colour): ``changes``, ``issued``,
``escalated``, ``deescalated``, ``ended``, ``cancelled``, ``expired`` and stats of
``duration_s`` (issue to end, over the ends in that hour).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from elasticsearch import Elasticsearch, helpers

from consumers.analytics.facts import day_of
from schemas.enums import WarningColour

KEYS = {
    "incident": ("district.code", "category", "level"),
    "warning": ("district.code", "hazard", "colour"),
}
ROLLUP_KIND = {"incident": "incidents", "warning": "warnings"}
PAGE = 500


def _filter(query: dict[str, Any]) -> dict[str, Any]:
    return {"filter": query}


def _sub_aggregations(kind: str) -> dict[str, Any]:
    name = {"district_name": {"terms": {"field": "district.name", "size": 1}}}
    if kind == "incident":
        return name | {
            "reports": {"sum": {"field": "report_count"}},
            "follow_ups": _filter({"term": {"follow_up": True}}),
            "verified": _filter({"exists": {"field": "verified_at"}}),
            "time_to_first_report_s": {"stats": {"field": "time_to_first_report_s"}},
            "time_to_verification_s": {"stats": {"field": "time_to_verification_s"}},
        }
    actions = {
        "issued": "issue",
        "escalated": "escalate",
        "deescalated": "deescalate",
        "ended": "end",
    }
    return (
        name
        | {out: _filter({"term": {"action": action}}) for out, action in actions.items()}
        | {r: _filter({"term": {"end_reason": r}}) for r in ("cancelled", "expired")}
        | {"duration_s": {"stats": {"field": "duration_s"}}}
    )


def _stats(agg: dict[str, Any]) -> dict[str, Any]:
    out = {"count": int(agg["count"]), "sum": float(agg.get("sum") or 0.0)}
    for key in ("min", "max", "avg"):
        if agg.get(key) is not None:
            out[key] = float(agg[key])
    return out


def rollup_id(kind: str, hour: str, key: dict[str, Any]) -> str:
    """``incidents:<hour>:<district>:<category>:<level>`` or the warnings' equivalent."""
    parts = [str(key[field]) for field in KEYS[kind]]
    return ":".join([ROLLUP_KIND[kind], hour, *parts])


def rollup_document(kind: str, hour: str, bucket: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The rollup document of one composite-aggregation bucket (pure)."""
    key = bucket["key"]
    names = bucket["district_name"]["buckets"]
    doc: dict[str, Any] = {
        "@timestamp": hour,
        "kind": ROLLUP_KIND[kind],
        "hour": hour,
        "day": day_of(hour),
        "district": {"code": key["district.code"], "name": names[0]["key"] if names else ""},
        "updated_at": now.isoformat(),
    }
    if kind == "incident":
        doc |= {
            "category": key["category"],
            "level": int(key["level"]),
            "count": int(bucket["doc_count"]),
            "reports": int(bucket["reports"]["value"] or 0),
            "follow_ups": int(bucket["follow_ups"]["doc_count"]),
            "verified": int(bucket["verified"]["doc_count"]),
            "time_to_first_report_s": _stats(bucket["time_to_first_report_s"]),
            "time_to_verification_s": _stats(bucket["time_to_verification_s"]),
        }
    else:
        doc |= {
            "hazard": key["hazard"],
            "colour": key["colour"],
            "level": WarningColour(key["colour"]).grade,
            "changes": int(bucket["doc_count"]),
            "duration_s": _stats(bucket["duration_s"]),
        }
        for name in ("issued", "escalated", "deescalated", "ended", "cancelled", "expired"):
            doc[name] = int(bucket[name]["doc_count"])
    return doc


def compute_hour(es: Elasticsearch, facts: str, kind: str, hour: str) -> dict[str, dict[str, Any]]:
    """``{rollup id: rollup document}`` of one kind and hour, from the facts index."""
    query = {"bool": {"filter": [{"term": {"kind": kind}}, {"term": {"hour": hour}}]}}
    sources = [{f: {"terms": {"field": f}}} for f in KEYS[kind]]
    now = datetime.now(UTC)
    out: dict[str, dict[str, Any]] = {}
    after: dict[str, Any] | None = None
    while True:
        composite: dict[str, Any] = {"size": PAGE, "sources": sources}
        if after:
            composite["after"] = after
        resp = es.search(
            index=facts,
            size=0,
            query=query,
            aggs={"buckets": {"composite": composite, "aggs": _sub_aggregations(kind)}},
        )
        agg = resp["aggregations"]["buckets"]
        for bucket in agg["buckets"]:
            out[rollup_id(kind, hour, bucket["key"])] = rollup_document(kind, hour, bucket, now)
        after = agg.get("after_key")
        if not after or len(agg["buckets"]) < PAGE:
            return out


def write_hour(
    es: Elasticsearch, rollups: str, kind: str, hour: str, docs: dict[str, dict[str, Any]]
) -> None:
    """Replace the rollups of one kind and hour with ``docs``."""
    query = {"bool": {"filter": [{"term": {"kind": ROLLUP_KIND[kind]}}, {"term": {"hour": hour}}]}}
    stale = [
        hit["_id"]
        for hit in helpers.scan(es, index=rollups, query={"query": query}, _source=False)
        if hit["_id"] not in docs
    ]
    actions: list[dict[str, Any]] = [
        {"_index": rollups, "_id": i, "_source": d} for i, d in docs.items()
    ]
    actions += [{"_op_type": "delete", "_index": rollups, "_id": i} for i in stale]
    if actions:
        helpers.bulk(es, actions, refresh=False)


def recompute(es: Elasticsearch, facts: str, rollups: str, touched: set[tuple[str, str]]) -> int:
    """Recompute every touched (kind, hour); returns how many rollup documents were written."""
    if not touched:
        return 0
    es.indices.refresh(index=facts)
    written = 0
    for kind, hour in sorted(touched):
        docs = compute_hour(es, facts, kind, hour)
        write_hour(es, rollups, kind, hour, docs)
        written += len(docs)
    es.indices.refresh(index=rollups)
    return written
