"""Analytics facts, rollup documents and Parquet rows (pure; no services)."""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa

from consumers.analytics import facts as f
from consumers.analytics.parquet import SCHEMAS, table_of
from consumers.analytics.rollups import rollup_document, rollup_id
from tests.analytics_support import audit_docs, incident_docs, warning_docs


def _docs():
    return dict(incident_docs())


def test_hours_are_utc_and_days_are_china_dates():
    assert f.hour_of("2025-07-01T09:59:59+08:00") == "2025-07-01T01:00:00+00:00"
    assert f.day_of("2025-06-30T16:00:00+00:00") == "2025-07-01"
    assert f.day_of("2025-06-30T15:00:00+00:00") == "2025-06-30"


def test_incident_fact_keeps_the_first_report_and_takes_the_latest_grade():
    versions = [d for i, d in incident_docs() if i == "hotline_110:a3"]
    assert len(versions) == 2
    fact = None
    for doc in versions:
        fact = f.merge_incident(fact, "hotline_110:a3", doc)
    assert fact["level"] == 2 and fact["report_count"] == 2 and fact["gradings"] == 2
    assert fact["time_to_first_report_s"] == 6.0
    assert "verified_at" not in fact and "time_to_verification_s" not in fact


def test_verification_before_or_after_the_incident_gives_the_same_fact():
    doc = _docs()["hotline_110:a1"]
    (incident_id, at) = f.verification_of(audit_docs()[0])
    assert incident_id == "hotline_110:a1"
    early = f.merge_incident(f.merge_verification(None, incident_id, at), incident_id, doc)
    late = f.merge_verification(f.merge_incident(None, incident_id, doc), incident_id, at)
    assert early == late and early["time_to_verification_s"] == 600.0
    assert f.verification_of({"event": {"action": "incident.resolve"}}) is None


def test_the_workers_applied_verification_counts_too():
    target = {"kind": "incident", "id": "hotline_110:a1"}
    at = "2026-11-29T08:00:00+00:00"

    def applied(status: str) -> dict:
        return {
            "@timestamp": at,
            "event": {"action": "incident.status"},
            "audit": {"target": target, "status": status},
        }

    assert f.verification_of(applied("verified")) == ("hotline_110:a1", at)
    assert f.verification_of(applied("responding")) is None


def test_outside_and_unclassified_incidents_have_buckets():
    docs = _docs()
    outside = f.merge_incident(None, "x", docs["hotline_110:a7"])
    unclassified = f.merge_incident(None, "y", docs["hotline_110:a8"])
    assert outside["district"] == f.OUTSIDE
    assert unclassified["category"] == f.UNCLASSIFIED


def test_warning_end_carries_the_duration():
    docs = warning_docs()
    end = f.warning_fact(docs[2]["event"]["id"], docs[2])
    assert end["action"] == "end" and end["duration_s"] == 130 * 60
    assert "duration_s" not in f.warning_fact(docs[0]["event"]["id"], docs[0])


def _bucket(kind: str) -> dict:
    stats = {"count": 2, "min": 1.0, "max": 3.0, "avg": 2.0, "sum": 4.0}
    empty = {"count": 0, "min": None, "max": None, "avg": None, "sum": 0.0}
    if kind == "incident":
        return {
            "key": {"district.code": "310101", "category": "accident", "level": 2},
            "doc_count": 2,
            "district_name": {"buckets": [{"key": "黄浦区"}]},
            "reports": {"value": 3.0},
            "follow_ups": {"doc_count": 0},
            "verified": {"doc_count": 0},
            "time_to_first_report_s": stats,
            "time_to_verification_s": empty,
        }
    counts = {n: {"doc_count": 1} for n in ("issued", "escalated", "ended", "cancelled")}
    counts |= {n: {"doc_count": 0} for n in ("deescalated", "expired")}
    return {
        "key": {"district.code": "310101", "hazard": "rainstorm", "colour": "yellow"},
        "doc_count": 3,
        "district_name": {"buckets": [{"key": "黄浦区"}]},
        "duration_s": stats,
        **counts,
    }


def test_rollup_documents_and_their_parquet_rows():
    hour = "2025-07-01T01:00:00+00:00"
    now = datetime(2025, 7, 1, 3, tzinfo=UTC)
    inc = rollup_document("incident", hour, _bucket("incident"), now)
    assert rollup_id("incident", hour, _bucket("incident")["key"]) == (
        "incidents:2025-07-01T01:00:00+00:00:310101:accident:2"
    )
    assert inc["count"] == 2 and inc["reports"] == 3 and inc["day"] == "2025-07-01"
    assert inc["time_to_verification_s"] == {"count": 0, "sum": 0.0}
    warn = rollup_document("warning", hour, _bucket("warning"), now)
    assert warn["level"] == 3 and warn["changes"] == 3 and warn["ended"] == 1
    table = table_of("incidents", [inc])
    assert table.schema == SCHEMAS["incidents"] and table.num_rows == 1
    row = table.to_pylist()[0]
    assert row["time_to_first_report_s_avg"] == 2.0 and row["time_to_verification_s_avg"] is None
    assert table_of("warnings", [warn]).column("duration_s_sum").to_pylist() == [4.0]
    assert isinstance(table.column("hour").type, pa.TimestampType)
