"""Warnings from sensor streams through the real worker, with state recovered after a restart."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
from kafka import KafkaProducer

from pipeline.bootstrap import init
from pipeline.clients import kafka_python_config
from pipeline.warnings.exposure import district_exposure
from tests.integration.pipeline_support import WorkerProcess, cleanup, count_docs, scoped_env

pytestmark = pytest.mark.integration

GAUGE = "rg-huangpu-renmin-square"  # sample registry: district 310101 黄浦区


@pytest.fixture
def scope(settings, kafka_bootstrap, es, unique_name):
    ns = unique_name("cww")
    scoped = settings.model_copy(update={"topic_namespace": ns, "index_prefix": ns, "app_id": ns})
    init(scoped, es)
    yield scoped
    cleanup(scoped, es)


def _rain(start: datetime, count: int, mm: float) -> list[bytes]:
    return [
        json.dumps(
            {
                "sensor_id": GAUGE,
                "kind": "rain_gauge",
                "observed_at": (start + timedelta(minutes=5 * i)).isoformat(),
                "value": mm,
                "unit": "mm",
                "period_s": 300,
            }
        ).encode()
        for i in range(count)
    ]


def _send(scope, values: list[bytes]) -> None:
    producer = KafkaProducer(acks="all", **kafka_python_config(scope))
    for v in values:
        producer.send(scope.topics().readings, key=GAUGE.encode(), value=v)
    producer.flush()
    producer.close()


def _warnings(es, scope) -> list[dict]:
    index = f"{scope.index_prefix}-warnings"
    es.options(ignore_status=404).indices.refresh(index=index)
    resp = es.options(ignore_status=404).search(
        index=index, size=50, sort=[{"warning.sequence": "asc"}]
    )
    return [h["_source"]["warning"] for h in resp.get("hits", {}).get("hits", [])]


def test_rainstorm_warning_issued_after_restart_with_recovered_state(scope, es, tmp_path):
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=60)
    series = _rain(start, 12, 3.0)  # 12 x 5 min: 3 mm each
    # at info level: a failure shows the batches, the recovery and the commits
    worker = WorkerProcess(scope, tmp_path, loglevel="info")
    worker.start()
    try:
        _send(scope, series[:8])  # 24 mm within the hour: below blue (35 mm / 1 h)
        deadline = time.monotonic() + 120
        while count_docs(es, f"{scope.index_prefix}-readings") < 8 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert count_docs(es, f"{scope.index_prefix}-readings") == 8, worker.logs()
        assert _warnings(es, scope) == []
        assert worker.kill(signal.SIGTERM) == 0
        worker.start()
        # 4 more: 36 mm in the last hour -> blue, only if the first 8 were recovered
        _send(scope, series[8:])
        deadline = time.monotonic() + 120
        while not _warnings(es, scope) and time.monotonic() < deadline:
            time.sleep(0.5)
        found = _warnings(es, scope)
        assert found, worker.logs()
        first = found[0]
        assert (first["hazard"], first["level"], first["action"]) == ("rainstorm", "blue", "issue")
        assert first["district"]["code"] == "310101"
        assert first["suggested_response_level"] == 4
        assert GAUGE in first["sensor_ids"]

        # rising further after the restart: escalate, and never a second issue
        more = [
            json.dumps(
                {
                    "sensor_id": GAUGE,
                    "kind": "rain_gauge",
                    "observed_at": (start + timedelta(minutes=60 + 5 * i)).isoformat(),
                    "value": 8.0,
                    "unit": "mm",
                    "period_s": 300,
                }
            ).encode()
            for i in range(3)
        ]
        _send(scope, more)  # last hour: 9 x 3 mm + 3 x 8 mm = 51 mm -> yellow
        deadline = time.monotonic() + 60
        while len(_warnings(es, scope)) < 2 and time.monotonic() < deadline:
            time.sleep(0.5)
        changes = _warnings(es, scope)
        assert [(w["action"], w["level"]) for w in changes] == [
            ("issue", "blue"),
            ("escalate", "yellow"),
        ], worker.logs()
        assert changes[1]["suggested_response_level"] == 3

        risk = f"{scope.index_prefix}-risk"
        # yellow weighs 50; Huangpu's exposure factor scales it (no incidents in this test)
        expected = float(min(100, round(50 * district_exposure("310101")["factor"])))
        deadline = time.monotonic() + 60
        doc: dict = {}
        while doc.get("score") != expected and time.monotonic() < deadline:
            time.sleep(0.5)
            es.options(ignore_status=404).indices.refresh(index=risk)
            resp = es.options(ignore_status=404).search(
                index=risk, size=1, sort=[{"@timestamp": "desc"}]
            )
            hits = resp.get("hits", {}).get("hits", [])
            doc = hits[0]["_source"]["risk"] if hits else {}
        assert doc["district"]["code"] == "310101" and doc["score"] == expected, worker.logs()
        inputs = {i["name"]: i["value"] for i in doc["inputs"]}
        assert (inputs["warnings_score"], inputs["incidents_score"]) == (50, 0)

        lift = subprocess.run(
            [
                sys.executable,
                "-m",
                "pipeline.cli",
                "warnings",
                "lift",
                "--district",
                "310101",
                "--hazard",
                "rainstorm",
                "--by",
                "duty-officer-7",
                "--reason",
                "rain has stopped",
            ],
            env=scoped_env(scope),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert lift.returncode == 0, lift.stderr
        deadline = time.monotonic() + 60
        while len(_warnings(es, scope)) < 3 and time.monotonic() < deadline:
            time.sleep(0.5)
        ended = _warnings(es, scope)[-1]
        assert (ended["action"], ended["end_reason"]) == ("end", "cancelled"), worker.logs()
        assert ended["lifted_by"] == "duty-officer-7"
        assert ended["lift_reason"] == "rain has stopped"
    finally:
        if worker.alive():
            worker.kill(signal.SIGTERM)
