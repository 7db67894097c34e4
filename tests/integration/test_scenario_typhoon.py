"""The typhoon scenario through the worker and the CAP publisher, as the demo runs it.

A 60-second run at the scenario's rate must end with rainstorm warnings issued in the
districts whose gauges crossed the Shanghai thresholds, incidents classified and correlated
(several hotlines' reports of one event in one incident), and CAP alerts published.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
from kafka import KafkaConsumer, TopicPartition
from rich.console import Console

from pipeline.bootstrap import init
from pipeline.clients import kafka_python_config
from pipeline.simulate_cli import simulate
from tests.integration.pipeline_support import ROOT, WorkerProcess, cleanup, scoped_env

pytestmark = pytest.mark.integration


@pytest.fixture
def scope(settings, kafka_bootstrap, es, unique_name):
    ns = unique_name("cwt")
    scoped = settings.model_copy(update={"topic_namespace": ns, "index_prefix": ns, "app_id": ns})
    init(scoped, es)
    yield scoped
    cleanup(scoped, es)


def _search(es, index: str, **kwargs) -> list[dict]:
    es.options(ignore_status=404).indices.refresh(index=index)
    resp = es.options(ignore_status=404).search(index=index, size=200, **kwargs)
    return [h["_source"] for h in resp.get("hits", {}).get("hits", [])]


def _cap_messages(scope) -> list[bytes]:
    topic = f"{scope.topic_namespace}.alerts.cap"
    consumer = KafkaConsumer(enable_auto_commit=False, **kafka_python_config(scope))
    parts = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or [])]
    if not parts:
        consumer.close()
        return []
    consumer.assign(parts)
    consumer.seek_to_beginning(*parts)
    out = []
    for records in consumer.poll(timeout_ms=3000).values():
        out.extend(r.value for r in records)
    consumer.close()
    return out


def test_typhoon_scenario_issues_warnings_correlates_incidents_and_publishes_cap(
    scope, es, tmp_path
):
    worker = WorkerProcess(scope, tmp_path)
    worker.start()
    alerts_log = open(tmp_path / "alerts.log", "wb")  # noqa: SIM115
    alerts = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pipeline.cli",
            "alerts",
            "--no-serve",
            "--dir",
            str(tmp_path / "cap"),
        ],
        cwd=ROOT,
        env=scoped_env(scope),
        stdout=alerts_log,
        stderr=subprocess.STDOUT,
    )
    try:
        time.sleep(5)
        summary = simulate(scope, "typhoon", None, 60, 7, None, Console(stderr=True))
        assert summary.sent > 300
        warnings_index = f"{scope.index_prefix}-warnings"
        deadline = time.monotonic() + 90
        issued: list[dict] = []
        while time.monotonic() < deadline and len({w["district"]["code"] for w in issued}) < 3:
            time.sleep(2)
            issued = [
                d["warning"]
                for d in _search(
                    es, warnings_index, query={"term": {"warning.hazard": "rainstorm"}}
                )
            ]
        districts = {w["district"]["code"] for w in issued}
        assert len(districts) >= 3, (districts, worker.logs())
        assert {w["action"] for w in issued} >= {"issue"}
        assert all(w["suggested_response_level"] in (1, 2, 3, 4) for w in issued)

        incidents = [d["incident"] for d in _search(es, f"{scope.index_prefix}-incidents")]
        assert incidents, worker.logs()
        merged = [i for i in incidents if i["report_count"] > 1]
        assert merged, "no event reported by several sources was correlated"
        assert any(len(i["sources"]) > 1 for i in merged)
        assert {i.get("category") for i in incidents} >= {"natural_disaster"}

        deadline = time.monotonic() + 60
        cap = _cap_messages(scope)
        while not cap and time.monotonic() < deadline:
            time.sleep(2)
            cap = _cap_messages(scope)
        assert cap, (tmp_path / "alerts.log").read_text(errors="replace")[-3000:]
        assert all(b"urn:oasis:names:tc:emergency:cap:1.2" in m for m in cap)
    finally:
        alerts.send_signal(signal.SIGTERM)
        try:
            alerts.wait(timeout=60)
        except subprocess.TimeoutExpired:
            alerts.kill()
        alerts_log.close()
        if worker.alive():
            worker.kill(signal.SIGTERM)
