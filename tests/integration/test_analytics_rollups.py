"""Analytics against the real Kafka and Elasticsearch, in a uuid namespace and prefix.

A known day of incidents (one re-graded, one follow-up, one outside the city, one
unclassified), verifications from the dashboard's audit topic and two warnings is
published; the rollups must equal what the same table counts in Python, exactly. The
consumer group is then rewound and everything consumed again: the rollups and the Parquet
files must not change.
"""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from elasticsearch import helpers
from kafka import KafkaAdminClient, TopicPartition
from kafka.structs import OffsetAndMetadata

from consumers.analytics import AnalyticsConfig, AnalyticsConsumer
from consumers.analytics.indices import ROLLUP_MAPPINGS
from consumers.common.topics import ensure_topic
from pipeline.clients import kafka_python_config
from tests.analytics_support import (
    audit_docs,
    expected_incident_rollups,
    expected_warning_rollups,
    incident_docs,
    warning_docs,
)
from tests.consumers_support import kafka_scope, publish_documents, scoped

pytestmark = pytest.mark.integration


def _stats(values: list[float]) -> dict:
    if not values:
        return {"count": 0, "sum": 0.0}
    return {
        "count": len(values),
        "sum": sum(values),
        "min": min(values),
        "max": max(values),
        "avg": sum(values) / len(values),
    }


def _rollups(es, index: str) -> dict[str, dict]:
    es.indices.refresh(index=index)
    out = {}
    for hit in helpers.scan(es, index=index):
        source = dict(hit["_source"])
        source.pop("updated_at")
        out[hit["_id"]] = source
    return out


def _publish_audit(scope, docs) -> None:
    from kafka import KafkaProducer

    producer = KafkaProducer(acks="all", **kafka_python_config(scope))
    for doc in docs:
        producer.send(
            f"{scope.topic_namespace}.audit.actions",
            key=doc["audit"]["target"]["id"].encode(),
            value=json.dumps(doc, ensure_ascii=False).encode(),
            headers=[("citywatch.doc_id", doc["event"]["id"].encode())],
        )
    producer.flush(30)
    producer.close()


def _rewind(scope, group: str, topics: list[str]) -> None:
    admin = KafkaAdminClient(**kafka_python_config(scope))
    try:
        admin.alter_group_offsets(
            group, {TopicPartition(t, 0): OffsetAndMetadata(0, "", -1) for t in topics}
        )
    finally:
        admin.close()


@pytest.fixture
def scope(settings, kafka_bootstrap, es):
    with kafka_scope(scoped(settings, "cwanalytics")) as scope:
        try:
            yield scope
        finally:
            es.options(ignore_status=404).indices.delete(
                index=f"{scope.index_prefix}-*", expand_wildcards="all"
            )


def test_rollups_are_exact_and_a_replay_changes_nothing(scope, es, tmp_path):
    topics = scope.topics()
    audit_topic = f"{scope.topic_namespace}.audit.actions"
    ensure_topic(scope, audit_topic, partitions=1, replication=1)
    _publish_audit(scope, audit_docs()[:1])  # a verification before its incident
    publish_documents(scope, topics.classified, [d for _, d in incident_docs()])
    publish_documents(scope, topics.warnings, warning_docs())
    _publish_audit(scope, audit_docs()[1:])

    config = AnalyticsConfig.from_settings(scope, directory=tmp_path / "parquet")
    assert config.rollups_index == f"{scope.index_prefix}-rollups"
    first = AnalyticsConsumer(scope, config, es=es)
    first.run(until_caught_up=True, max_seconds=120)
    assert (
        es.indices.get_mapping(index=config.rollups_index)[config.rollups_index]["mappings"][
            "dynamic"
        ]
        == ROLLUP_MAPPINGS["dynamic"]
        == "strict"
    )

    rollups = _rollups(es, config.rollups_index)
    got_incidents = {
        (d["hour"], d["district"]["code"], d["category"], d["level"]): d
        for d in rollups.values()
        if d["kind"] == "incidents"
    }
    expected = expected_incident_rollups()
    assert set(got_incidents) == set(expected)
    for key, want in expected.items():
        got = got_incidents[key]
        for field in ("count", "reports", "follow_ups", "verified"):
            assert got[field] == want[field], (key, field)
        assert got["time_to_first_report_s"] == pytest.approx(_stats(want["ttfr"])), key
        assert got["time_to_verification_s"] == pytest.approx(_stats(want["ttv"])), key

    got_warnings = {
        (d["hour"], d["district"]["code"], d["hazard"], d["colour"]): d
        for d in rollups.values()
        if d["kind"] == "warnings"
    }
    expected_w = expected_warning_rollups()
    assert set(got_warnings) == set(expected_w)
    for key, want in expected_w.items():
        got = got_warnings[key]
        for field in (
            "changes",
            "issued",
            "escalated",
            "deescalated",
            "ended",
            "cancelled",
            "expired",
        ):
            assert got[field] == want[field], (key, field)
        assert got["duration_s"] == pytest.approx(_stats(want["durations"])), key

    files = sorted((tmp_path / "parquet").rglob("*.parquet"))
    assert {f.parent.parent.name for f in files} == {"incidents", "warnings"}
    table = pq.read_table(files[0]).to_pylist()
    assert sum(r["count"] for r in table) == sum(w["count"] for w in expected.values())
    before_files = {f: f.read_bytes() for f in files}

    _rewind(scope, config.group_id, [topics.classified, topics.warnings, audit_topic])
    second = AnalyticsConsumer(scope, config, es=es)
    stats = second.run(until_caught_up=True, max_seconds=120)
    assert stats.records == len(incident_docs()) + len(warning_docs()) + len(audit_docs())
    assert _rollups(es, config.rollups_index) == rollups
    for path, content in before_files.items():
        now = pq.ParquetFile(path).read().to_pylist()
        then = pq.ParquetFile(pa.BufferReader(content)).read().to_pylist()
        diff = [
            {k: (a[k], b[k]) for k in a if a[k] != b[k]}
            for a, b in zip(now, then, strict=True)
            if a != b
        ]
        assert now == then, diff
