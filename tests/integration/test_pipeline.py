"""The worker end to end against the real Kafka and Elasticsearch: nothing lost, nothing twice.

5,000 incident reports with about 5 % poison pills of mixed kinds are produced by kcat.
Every good report must end as one incident document, every poison pill as one dead letter
with its own error code and source coordinates, and none in both.
"""

from __future__ import annotations

import base64
import signal
import time

import pytest
from elasticsearch import helpers

from pipeline.bootstrap import init
from pipeline.synthetic import synthetic_reports
from tests.integration.pipeline_support import (
    WorkerProcess,
    cleanup,
    count_docs,
    deadletter_docs,
    produce_with_kcat,
    read_topic,
    scoped_env,
    snapshot,
)

pytestmark = pytest.mark.integration

N_EVENTS = 5000
POISON_RATIO = 0.05


@pytest.fixture
def scope(settings, kafka_bootstrap, es, unique_name):
    ns = unique_name("cwp")
    scoped = settings.model_copy(
        update={"topic_namespace": ns, "index_prefix": ns, "app_id": ns, "topic_partitions": 3}
    )
    init(scoped, es)
    yield scoped
    cleanup(scoped, es)


@pytest.fixture
def worker(scope, tmp_path):
    w = WorkerProcess(scope, tmp_path)
    yield w
    if w.alive():
        w.kill(signal.SIGTERM)


def incident_reports(es, scope) -> tuple[list[str], list[str]]:
    """(incident ids, report keys ``source:report_id`` of every merged report)."""
    index = f"{scope.index_prefix}-incidents"
    es.indices.refresh(index=index)
    ids, reports = [], []
    for hit in helpers.scan(es, index=index, _source=["incident.reports"]):
        ids.append(hit["_id"])
        for r in hit["_source"]["incident"]["reports"]:
            reports.append(f"{r['source']}:{r['report_id']}")
    return ids, reports


def check_invariants(scope, es, events) -> None:
    """I1 (no loss), I2 (no duplicates) and I3 (useful dead letters) for ``events``.

    Good reports are correlated: each lies in exactly one incident document (its own, or
    the one it was merged into).
    """
    by_key = {e.key: e for e in events}
    records = read_topic(scope, scope.topics().reports)
    assert len(records) == len(events), "the broker did not acknowledge every event"
    incident_ids, merged = incident_reports(es, scope)
    assert len(incident_ids) == len(set(incident_ids))
    assert len(merged) == len(set(merged)), "a report sits in two incidents"
    dead = deadletter_docs(es, scope)
    dead_coords = [
        (d["deadletter"]["source"]["partition"], d["deadletter"]["source"]["offset"]) for d in dead
    ]
    assert len(dead_coords) == len(set(dead_coords)), "a dead letter was indexed twice"
    dead_by_coord = dict(zip(dead_coords, dead, strict=True))

    expected_reports = set()
    for rec in records:
        event = by_key[rec.key]
        if event.poison is None:
            expected_reports.add(event.event_id)
            assert (rec.partition, rec.offset) not in dead_by_coord, "good event dead-lettered"
        else:
            d = dead_by_coord.get((rec.partition, rec.offset))
            assert d is not None, f"poison pill {event.poison} at {rec.offset} was lost"
            assert d["error"]["code"] == event.poison
            assert d["deadletter"]["stage"] == "validate"
            assert d["deadletter"]["source"]["topic"] == scope.topics().reports
            assert d["error"]["message"]
            assert base64.b64decode(d["deadletter"]["original_b64"]) == rec.value
    assert set(merged) == expected_reports
    assert set(incident_ids) <= expected_reports
    assert len(dead) == sum(1 for e in events if e.poison)


def settled(es, scope, expected: int, timeout_s: float = 240) -> int:
    """Wait until merged reports plus dead letters add up to ``expected``; returns the sum."""
    deadline = time.monotonic() + timeout_s
    total = 0
    while time.monotonic() < deadline:
        index = f"{scope.index_prefix}-incidents"
        es.options(ignore_status=404).indices.refresh(index=index)
        resp = es.options(ignore_status=404).search(
            index=index, size=0, aggs={"reports": {"sum": {"field": "incident.report_count"}}}
        )
        reports = int((resp.get("aggregations") or {}).get("reports", {}).get("value") or 0)
        total = reports + count_docs(es, f"{scope.index_prefix}-deadletter")
        if total >= expected:
            break
        time.sleep(1)
    return total


def test_every_event_is_indexed_or_dead_lettered_once(scope, es, worker, kafka_bootstrap):
    events = list(synthetic_reports(N_EVENTS, seed=11, poison_ratio=POISON_RATIO, run_id="p1"))
    worker.start()
    produce_with_kcat(kafka_bootstrap, scope.topics().reports, events)
    assert settled(es, scope, N_EVENTS) == N_EVENTS, worker.logs()
    check_invariants(scope, es, events)
    assert worker.alive(), "a poison pill crashed the worker"


def test_kill_minus_9_mid_stream_loses_and_duplicates_nothing(scope, es, worker, kafka_bootstrap):
    events = list(synthetic_reports(N_EVENTS, seed=12, poison_ratio=POISON_RATIO, run_id="p2"))
    worker.start()
    produce_with_kcat(kafka_bootstrap, scope.topics().reports, events)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        done = count_docs(es, f"{scope.index_prefix}-incidents")
        if done >= N_EVENTS // 5:
            break
        time.sleep(0.2)
    assert worker.kill(signal.SIGKILL) == -signal.SIGKILL
    assert settled(es, scope, N_EVENTS, timeout_s=0.1) < N_EVENTS * 0.98, "killed too late"
    worker.start()
    assert settled(es, scope, N_EVENTS) == N_EVENTS, worker.logs()
    check_invariants(scope, es, events)


def test_replay_leaves_the_indices_unchanged(scope, es, worker, kafka_bootstrap):
    import subprocess
    import sys

    events = list(synthetic_reports(600, seed=13, poison_ratio=POISON_RATIO, run_id="p3"))
    worker.start()
    produce_with_kcat(kafka_bootstrap, scope.topics().reports, events)
    assert settled(es, scope, len(events)) == len(events)
    worker.kill(signal.SIGTERM)
    before = {k: snapshot(es, f"{scope.index_prefix}-{k}") for k in ("incidents", "deadletter")}
    result = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "replay"],
        env=scoped_env(scope),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert f"replayed {len(events)} messages" in result.stdout.replace("\n", " ")
    after = {k: snapshot(es, f"{scope.index_prefix}-{k}") for k in ("incidents", "deadletter")}
    assert after == before
