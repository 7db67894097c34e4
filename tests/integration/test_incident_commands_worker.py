"""Operator commands and inspection tracking through the real worker, Kafka and
Elasticsearch: lifecycle changes, resources and a split from the CLI, the district risk
score, and an overdue inspection finding escalated."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from kafka import KafkaConsumer, KafkaProducer

from pipeline.clients import kafka_python_config
from tests.integration.pipeline_support import WorkerProcess, scoped_env
from tests.integration.test_incidents_worker import (  # noqa: F401 - the scope fixture
    containing,
    report,
    scope,
    wait_for,
)

pytestmark = pytest.mark.integration


def cli(
    deployment, *args: str, by: str = "张三", reason: str = "现场核实"
) -> subprocess.CompletedProcess:
    """An operator's ``citywatch`` command (``--by`` and ``--reason`` appended)."""
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *args, "--by", by, "--reason", reason],
        env=scoped_env(deployment),
        capture_output=True,
        text=True,
        timeout=120,
    )


def search(es, index: str, query: dict | None = None, size: int = 50) -> list[dict]:
    es.options(ignore_status=404).indices.refresh(index=index)
    resp = es.options(ignore_status=404).search(
        index=index, query=query or {"match_all": {}}, size=size, sort=[{"@timestamp": "asc"}]
    )
    return [h["_source"] for h in resp.get("hits", {}).get("hits", [])]


def wait_until(fetch, predicate, timeout_s: float = 60):
    deadline = time.monotonic() + timeout_s
    value = fetch()
    while not predicate(value) and time.monotonic() < deadline:
        time.sleep(0.5)
        value = fetch()
    return value


def test_lifecycle_resources_split_and_risk_from_the_cli(scope, es, tmp_path):  # noqa: F811
    producer = KafkaProducer(acks="all", **kafka_python_config(scope))
    reports = [
        report(
            "h119-1",
            "hotline_119",
            20,
            31.2304,
            121.4737,
            "南京东路一商场起火，已造成3人死亡",
            casualties={"deaths": 3},
        ),
        report("h110-7", "hotline_110", 18, 31.2310, 121.4745, "Mall fire on Nanjing Road East"),
        report("app-3", "citizen_app", 15, 31.2299, 121.4730, "商场着火了，有人被困"),
    ]
    for value in reports:
        producer.send(scope.topics().reports, value=value)
    producer.flush()
    producer.close()
    worker = WorkerProcess(scope, tmp_path)
    worker.start()
    try:
        found = wait_for(lambda f: sum(i["report_count"] for i in f.values()) >= 3, es, scope)
        mall_id = containing(found, "h119-1")
        assert mall_id is not None and found[mall_id]["report_count"] == 3, worker.logs()
        mall = found[mall_id]
        assert mall["level"] == 3 and mall["status"] == "reported"
        stations = [r for r in mall["resources"]["recommended"] if r["kind"] == "fire_station"]
        assert stations and stations[0]["rank"] == 1 and stations[0]["reason_en"]

        # the district risk score counts the level Ⅲ incident
        risk = wait_until(
            lambda: search(es, f"{scope.index_prefix}-risk"),
            lambda docs: any(
                {i["name"]: i["value"] for i in d["risk"]["inputs"]}.get("incidents_score") == 50
                for d in docs
            ),
        )
        assert risk, worker.logs()

        done = cli(
            scope, "incidents", "status", mall_id, "--to", "verified", by="张三", reason="现场核实"
        )
        assert done.returncode == 0, done.stderr + done.stdout + worker.logs()
        assert "incident.status" in done.stdout
        refused = cli(
            scope, "incidents", "status", mall_id, "--to", "closed", by="张三", reason="x"
        )
        assert refused.returncode == 1
        assert "cannot go from verified to closed" in refused.stderr

        station = stations[0]["resource_id"]
        done = cli(
            scope,
            "resources",
            "commit",
            station,
            "--incident",
            mall_id,
            by="李四",
            reason="就近调派",
        )
        assert done.returncode == 0, done.stderr + done.stdout + worker.logs()
        again = cli(
            scope, "resources", "commit", station, "--incident", mall_id, by="李四", reason="again"
        )
        assert again.returncode == 1 and "resource_unavailable" in again.stderr, again.stderr

        found = wait_for(
            lambda f: (f.get(mall_id, {}).get("resources") or {}).get("committed"), es, scope
        )
        mall = found[mall_id]
        assert mall["status"] == "verified"
        assert [c["resource_id"] for c in mall["resources"]["committed"]] == [station]
        assert station not in {r["resource_id"] for r in mall["resources"]["recommended"]}
        [resource] = search(es, f"{scope.index_prefix}-resources")
        assert resource["resource"]["status"] == "committed"
        assert resource["resource"]["incident_id"] == mall_id

        # any report but the founding one (whose key is the incident's id) can be split out
        other = next(
            key
            for key in (f"{r['source']}:{r['report_id']}" for r in mall["reports"])
            if key != mall_id
        )
        done = cli(scope, "incidents", "split", mall_id, other, by="张三", reason="另一起火情")
        assert done.returncode == 0, done.stderr + done.stdout + worker.logs()
        found = wait_for(lambda f: other in f, es, scope)
        assert found[other]["report_count"] == 1
        assert found[mall_id]["report_count"] == 2

        for to in ("responding", "resolved"):
            done = cli(scope, "incidents", "status", mall_id, "--to", to, by="张三", reason=f"{to}")
            assert done.returncode == 0, done.stderr + done.stdout
        found = wait_for(lambda f: f.get(mall_id, {}).get("status") == "resolved", es, scope)
        history = [(c["from_status"], c["to_status"]) for c in found[mall_id]["status_history"]]
        assert history == [
            ("reported", "verified"),
            ("verified", "responding"),
            ("responding", "resolved"),
        ]
        released = wait_until(
            lambda: search(es, f"{scope.index_prefix}-resources"),
            lambda docs: docs and docs[0]["resource"]["status"] == "available",
        )
        assert released[0]["resource"]["status"] == "available"  # resolving released it
        actions = [
            d["event"]["action"]
            for d in wait_until(
                lambda: search(es, f"{scope.index_prefix}-audit"), lambda docs: len(docs) >= 7
            )
        ]
        assert actions.count("incident.status") == 3
        assert {"resource.commit", "resource.release", "incident.split"} <= set(actions)
    finally:
        if worker.alive():
            worker.kill(signal.SIGTERM)


def test_an_overdue_inspection_finding_is_escalated_and_counted(scope, es, tmp_path):  # noqa: F811
    now = datetime.now(UTC)
    finding = {
        "finding_id": "insp-001",
        "site": {
            "site_id": "sch-hp-1",
            "kind": "school",
            "name": "黄浦区某小学",
            "location": {"lat": 31.2304, "lon": 121.4737},
        },
        "inspected_at": (now - timedelta(days=3)).isoformat(),
        "hazard": "消防通道堵塞 fire exit blocked",
        "hazard_level": "major",
        "deadline": (now - timedelta(days=1)).isoformat(),
    }
    producer = KafkaProducer(acks="all", **kafka_python_config(scope))
    producer.send(scope.topics().findings, value=json.dumps(finding, ensure_ascii=False).encode())
    producer.flush()
    producer.close()
    worker = WorkerProcess(scope, tmp_path, {"CITYWATCH_WARNINGS_TICK_INTERVAL_S": "2"})
    worker.start()
    consumer = KafkaConsumer(
        scope.topics().escalations,
        auto_offset_reset="earliest",
        consumer_timeout_ms=1000,
        **kafka_python_config(scope),
    )
    try:
        escalations: list[dict] = []
        deadline = time.monotonic() + 90
        while not escalations and time.monotonic() < deadline:
            escalations = [json.loads(m.value) for m in consumer]
        assert escalations, worker.logs()
        assert escalations[0]["finding_id"] == "insp-001"
        assert escalations[0]["escalation"] == 1
        docs = wait_until(
            lambda: search(es, f"{scope.index_prefix}-inspections"),
            lambda d: d and d[0]["inspection"]["status"] == "overdue",
        )
        assert docs[0]["inspection"]["status"] == "overdue", worker.logs()
        assert docs[0]["inspection"]["escalations"] >= 1
        counts = wait_until(
            lambda: search(es, f"{scope.index_prefix}-inspection-counts"),
            lambda d: d and d[0]["counts"]["overdue"] == 1,
        )
        assert counts[0]["counts"]["district"]["code"] == "310101"
        assert counts[0]["counts"]["major_open"] == 1
        kinds = {k["site_kind"]: k for k in counts[0]["counts"]["by_site_kind"]}
        assert kinds["school"]["overdue"] == 1
    finally:
        consumer.close()
        if worker.alive():
            worker.kill(signal.SIGTERM)
