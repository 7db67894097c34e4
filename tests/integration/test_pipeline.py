"""The worker end to end against the real Kafka and Elasticsearch: nothing lost, nothing twice.

5,000 incident reports with about 5 % poison pills of mixed kinds are produced by kcat.
Every good report must end as one incident document, every poison pill as one dead letter
with its own error code and source coordinates, and none in both.
"""

from __future__ import annotations

import signal
import time

import pytest

from pipeline.bootstrap import init
from pipeline.synthetic import synthetic_reports
from tests.integration.pipeline_support import (
    WorkerProcess,
    cleanup,
    count_docs,
    deadletter_docs,
    index_ids,
    produce_with_kcat,
    read_topic,
    scoped_env,
    snapshot,
    wait_for_total,
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


def check_invariants(scope, es, events) -> None:
    """I1 (no loss), I2 (no duplicates) and I3 (useful dead letters) for ``events``."""
    by_key = {e.key: e for e in events}
    records = read_topic(scope, scope.topics().reports)
    assert len(records) == len(events), "the broker did not acknowledge every event"
    incident_ids = index_ids(es, f"{scope.index_prefix}-incidents")
    assert len(incident_ids) == len(set(incident_ids))
    dead = deadletter_docs(es, scope)
    dead_coords = [
        (d["deadletter"]["source"]["partition"], d["deadletter"]["source"]["offset"]) for d in dead
    ]
    assert len(dead_coords) == len(set(dead_coords)), "a dead letter was indexed twice"
    dead_by_coord = dict(zip(dead_coords, dead, strict=True))

    expected_incidents = set()
    for rec in records:
        event = by_key[rec.key]
        if event.poison is None:
            expected_incidents.add(event.event_id)
            assert (rec.partition, rec.offset) not in dead_by_coord, "good event dead-lettered"
        else:
            d = dead_by_coord.get((rec.partition, rec.offset))
            assert d is not None, f"poison pill {event.poison} at {rec.offset} was lost"
            assert d["error"]["code"] == event.poison
            assert d["deadletter"]["stage"] == "validate"
            assert d["deadletter"]["source"]["topic"] == scope.topics().reports
            assert d["error"]["message"]
            import base64

            assert base64.b64decode(d["deadletter"]["original_b64"]) == rec.value
    assert set(incident_ids) == expected_incidents
    assert len(dead) == sum(1 for e in events if e.poison)


def test_every_event_is_indexed_or_dead_lettered_once(scope, es, worker, kafka_bootstrap):
    events = list(synthetic_reports(N_EVENTS, seed=11, poison_ratio=POISON_RATIO, run_id="p1"))
    worker.start()
    produce_with_kcat(kafka_bootstrap, scope.topics().reports, events)
    incidents, dead = wait_for_total(es, scope, N_EVENTS)
    assert incidents + dead == N_EVENTS, worker.logs()
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
    assert count_docs(es, f"{scope.index_prefix}-incidents") < N_EVENTS * (1 - POISON_RATIO) * 0.98
    worker.start()
    incidents, dead = wait_for_total(es, scope, N_EVENTS)
    assert incidents + dead == N_EVENTS, worker.logs()
    check_invariants(scope, es, events)


def test_replay_leaves_the_indices_unchanged(scope, es, worker, kafka_bootstrap):
    import subprocess
    import sys

    events = list(synthetic_reports(600, seed=13, poison_ratio=POISON_RATIO, run_id="p3"))
    worker.start()
    produce_with_kcat(kafka_bootstrap, scope.topics().reports, events)
    assert sum(wait_for_total(es, scope, len(events))) == len(events)
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
