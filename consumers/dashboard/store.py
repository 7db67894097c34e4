"""The dashboard's reads from Elasticsearch: incidents, warnings, statistics, audit trail.

One method per question the page asks, each one request (two for a list page with its
statuses). Indices that do not exist yet read as empty (``ignore_unavailable``), so a fresh
deployment shows an empty dashboard rather than errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from elasticsearch import Elasticsearch, NotFoundError

from consumers.dashboard import queries, views
from consumers.dashboard.config import DashboardConfig
from consumers.dashboard.queries import IncidentFilter


class DashboardStore:
    """Read access to the incidents, warnings and audit indices of one deployment."""

    def __init__(self, es: Elasticsearch, config: DashboardConfig) -> None:
        self.es = es
        self.config = config

    def _search(self, index: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.es.search(index=index, ignore_unavailable=True, **body).body

    def list_incidents(self, f: IncidentFilter, page: int, size: int) -> dict[str, Any]:
        """One page of incidents, newest first, each with its operator status."""
        result = self._search(
            self.config.incidents_index, queries.incident_list_body(f, page, size)
        )
        hits = result["hits"]["hits"]
        items = [views.incident_summary(hit["_source"]) for hit in hits]
        latest = self.latest_status_audit([i["id"] for i in items if i["id"]])
        for item, hit in zip(items, hits, strict=True):
            audit = [latest[item["id"]]] if item["id"] in latest else []
            item["status"] = views.incident_status(audit, hit["_source"].get("incident"))
        return {
            "total": result["hits"]["total"]["value"],
            "page": page,
            "size": size,
            "items": items,
        }

    def get_incident(self, incident_id: str) -> dict[str, Any] | None:
        """The whole incident document with its audit trail, or None."""
        try:
            doc = self.es.get(index=self.config.incidents_index, id=incident_id)["_source"]
        except NotFoundError:
            return None
        return views.incident_detail(doc, self.audit_trail("incident", [incident_id]))

    def incident_exists(self, incident_id: str) -> dict[str, Any] | None:
        """The incident's district and current status, or None when there is no incident."""
        try:
            doc = self.es.get(
                index=self.config.incidents_index,
                id=incident_id,
                source_includes=[
                    "incident.district",
                    "incident.status",
                    "incident.status_history",
                ],
            )["_source"]
        except NotFoundError:
            return None
        record = doc.get("incident", {})
        latest = self.latest_status_audit([incident_id])
        audit = [latest[incident_id]] if incident_id in latest else []
        return {"district": record.get("district"), "status": views.incident_status(audit, record)}

    def latest_status_audit(self, incident_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """``{incident id: its newest status audit record}`` (asked for or applied)."""
        if not incident_ids:
            return {}
        result = self._search(self.config.audit_index, queries.incident_status_body(incident_ids))
        latest = {}
        for bucket in (result.get("aggregations") or {}).get("by_target", {}).get("buckets", []):
            latest[bucket["key"]] = bucket["latest"]["hits"]["hits"][0]["_source"]
        return latest

    def audit_trail(self, kind: str, target_ids: Sequence[str]) -> list[dict[str, Any]]:
        """The audit documents of some targets, newest first."""
        result = self._search(self.config.audit_index, queries.audit_trail_body(kind, target_ids))
        return [hit["_source"] for hit in result["hits"]["hits"]]

    def stats(self, f: IncidentFilter) -> dict[str, Any]:
        """Counts by category, level, district and type (server-side aggregations)."""
        result = self._search(self.config.incidents_index, queries.incident_stats_body(f))
        aggs = result.get("aggregations") or {}
        return {
            "total": result["hits"]["total"]["value"],
            "by_category": views.buckets(aggs.get("by_category", {})),
            "by_level": views.buckets(aggs.get("by_level", {})),
            "by_district": views.buckets(aggs.get("by_district", {})),
            "outside_city": (aggs.get("outside_city") or {}).get("doc_count", 0),
            "unclassified": (aggs.get("unclassified") or {}).get("doc_count", 0),
            "by_type": views.buckets(aggs.get("by_type", {})),
        }

    def active_warnings(self) -> list[dict[str, Any]]:
        """The latest change of each district and hazard, unless it ended."""
        result = self._search(self.config.warnings_index, queries.active_warnings_body())
        active = views.latest_changes(result.get("aggregations") or {})
        lifts = self._lift_requests([w["warning_id"] for w in active])
        for warning in active:
            warning["lift_requested"] = lifts.get(warning["warning_id"])
        return active

    def _lift_requests(self, warning_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        if not warning_ids:
            return {}
        lifts: dict[str, dict[str, Any]] = {}
        for doc in self.audit_trail("warning", warning_ids):  # newest first
            summary = views.audit_summary(doc)
            lifts.setdefault(summary["target"]["id"], summary)
        return lifts

    def warning_changes(self, warning_id: str) -> list[dict[str, Any]]:
        """Every change of one warning, newest first (its timeline)."""
        result = self._search(self.config.warnings_index, queries.warning_changes_body(warning_id))
        return [views.warning_item(hit["_source"]) for hit in result["hits"]["hits"]]

    def district_incidents(self, f: IncidentFilter) -> dict[str, dict[str, int]]:
        """``{district code: {"count", "max_level"}}`` of the incidents matching ``f``."""
        result = self._search(self.config.incidents_index, queries.district_incidents_body(f))
        out = {}
        for bucket in (result.get("aggregations") or {}).get("by_district", {}).get("buckets", []):
            level = bucket["max_level"]["value"]
            out[bucket["key"]] = {
                "count": bucket["doc_count"],
                "max_level": int(level) if level is not None else None,
            }
        return out
