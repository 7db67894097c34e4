"""Correlation and re-grading through the real worker: one incident per event, graded anew."""

from __future__ import annotations

import json
import signal
import time
from datetime import UTC, datetime, timedelta

import pytest
from kafka import KafkaProducer

from pipeline.bootstrap import init
from pipeline.clients import kafka_python_config
from tests.integration.pipeline_support import WorkerProcess, cleanup

pytestmark = pytest.mark.integration


@pytest.fixture
def scope(settings, kafka_bootstrap, es, unique_name):
    ns = unique_name("cwi")
    scoped = settings.model_copy(update={"topic_namespace": ns, "index_prefix": ns, "app_id": ns})
    init(scoped, es)
    yield scoped
    cleanup(scoped, es)


def report(
    report_id: str, source: str, minutes_ago: int, lat: float, lon: float, text: str, **extra
) -> bytes:
    at = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    body = {
        "report_id": report_id,
        "source": source,
        "reported_at": at.isoformat(),
        "location": {"lat": lat, "lon": lon},
        "description": text,
        **extra,
    }
    return json.dumps(body, ensure_ascii=False).encode()


def incidents(es, scope) -> dict[str, dict]:
    index = f"{scope.index_prefix}-incidents"
    es.options(ignore_status=404).indices.refresh(index=index)
    resp = es.options(ignore_status=404).search(index=index, size=50)
    return {h["_id"]: h["_source"]["incident"] for h in resp.get("hits", {}).get("hits", [])}


def containing(found: dict[str, dict], report_id: str) -> str | None:
    """The id of the incident that lists ``report_id`` among its reports."""
    for incident_id, incident in found.items():
        if any(r["report_id"] == report_id for r in incident.get("reports", [])):
            return incident_id
    return None


def wait_for(predicate, es, scope, timeout_s: float = 90):
    deadline = time.monotonic() + timeout_s
    found = incidents(es, scope)
    while not predicate(found) and time.monotonic() < deadline:
        time.sleep(0.5)
        found = incidents(es, scope)
    return found


def test_reports_of_one_fire_become_one_incident_and_a_follow_up_regrades_it(scope, es, tmp_path):
    producer = KafkaProducer(acks="all", **kafka_python_config(scope))
    topic = scope.topics().reports
    first = [
        report("h119-1", "hotline_119", 20, 31.2304, 121.4737, "南京东路一商场起火，浓烟很大。"),
        report(
            "h110-7",
            "hotline_110",
            18,
            31.2310,
            121.4745,
            "Fire at a shopping mall on Nanjing Road East, smoke everywhere.",
        ),
        report("app-3", "citizen_app", 15, 31.2299, 121.4730, "商场着火了，有人被困"),
        # the same minutes, 3 km away: another incident
        report("h119-2", "hotline_119", 19, 31.2050, 121.4900, "A warehouse fire near the river."),
    ]
    for value in first:
        producer.send(topic, value=value)
    producer.flush()
    worker = WorkerProcess(scope, tmp_path)
    worker.start()
    try:
        found = wait_for(lambda f: sum(i["report_count"] for i in f.values()) >= 4, es, scope)
        # the incident takes the id of whichever of its reports was correlated first
        mall_id = containing(found, "h119-1")
        assert mall_id is not None, worker.logs()
        mall = found[mall_id]
        assert mall["report_count"] == 3
        assert sorted(mall["sources"]) == ["citizen_app", "hotline_110", "hotline_119"]
        other = found[containing(found, "h119-2")]
        assert other["report_count"] == 1
        assert len(found) == 2
        assert mall["level"] == 4

        follow_up = report(
            "h119-1b",
            "hotline_119",
            5,
            31.2304,
            121.4737,
            "商场火灾续报：已造成3人死亡，12人重伤。",
            updates_report_id="h119-1",
            casualties={"deaths": 3, "serious_injuries": 12},
        )
        producer.send(topic, value=follow_up)
        producer.flush()
        found = wait_for(lambda f: f.get(mall_id, {}).get("level") == 3, es, scope)
        mall = found[mall_id]
        assert mall["level"] == 3, worker.logs()
        assert mall["report_count"] == 4
        assert [g["level"] for g in mall["grade_history"]][-1] == 3
        assert mall["grade_history"][0]["level"] == 4
        assert mall["casualties"]["deaths"] == 3
        assert any(m["action"] == "regrade" for m in mall["merge_history"])
    finally:
        producer.close()
        if worker.alive():
            worker.kill(signal.SIGTERM)


def test_ten_reports_of_one_fire_from_different_hotlines_make_one_incident(scope, es, tmp_path):
    sources = ["hotline_119", "hotline_110", "hotline_120", "hotline_12345", "citizen_app"]
    texts = ["外滩一酒店起火，浓烟滚滚", "Fire at a hotel on the Bund, thick smoke"]
    producer = KafkaProducer(acks="all", **kafka_python_config(scope))
    for n in range(10):
        producer.send(
            scope.topics().reports,
            key=f"r{n}".encode(),
            value=report(
                f"bund-{n}",
                sources[n % 5],
                20 - 2 * n,
                31.2400 + 0.0002 * n,
                121.4860 + 0.0001 * n,
                texts[n % 2],
            ),
        )
    producer.flush()
    producer.close()
    worker = WorkerProcess(scope, tmp_path)
    worker.start()
    try:
        found = wait_for(lambda f: sum(i["report_count"] for i in f.values()) >= 10, es, scope)
        assert [i["report_count"] for i in found.values()] == [10], worker.logs()
        [incident] = found.values()
        assert sorted(incident["sources"]) == sorted(sources)
        assert incident["type"] == "fire" and incident["district"]["code"] == "310101"
    finally:
        if worker.alive():
            worker.kill(signal.SIGTERM)
