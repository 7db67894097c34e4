"""Scenarios 10 and 13: the broker bounced, and the dead-letter topic unwritable.

10 kills and stops a broker of the suite's own (never the shared one). 13 makes the
scenario's own ``deadletter`` topic refuse every record (``max.message.bytes=64``) on the
configured broker, and repairs it.
"""

from __future__ import annotations

import signal
import time

import pytest
from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType

from pipeline.clients import kafka_python_config
from pipeline.synthetic import synthetic_reports
from tests.fault.commits import committed_but_not_deadlettered
from tests.fault.deployment import Deployment, FlowProducer
from tests.fault.invariants import check_invariants, expect_synthetic
from tests.fault.recovery import indexed_total
from tests.fault.verdict import conclude, settle

pytestmark = [pytest.mark.integration, pytest.mark.fault]

HOLD_S = 30.0


def flowing(
    dep: Deployment, seed: int, count: int, chunks: int, retry_s: float = 0.0
) -> tuple[dict, FlowProducer]:
    events = list(synthetic_reports(count, seed=seed, poison_ratio=0.05, run_id=f"s{seed}"))
    records = [(e.key, e.value) for e in events]
    flow = FlowProducer(dep, dep.topics.reports, records, chunks, 1.0, retry_s=retry_s)
    flow.start()
    return {dep.topics.reports: expect_synthetic(events)}, flow


def progressed(dep: Deployment, above: int, timeout_s: float = 120) -> int:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        n = indexed_total(dep.es, dep.settings)
        if n > above:
            return n
        time.sleep(0.5)
    raise AssertionError(f"no progress past {above} documents in {timeout_s}s")


@pytest.mark.timeout(900)
def test_10_broker_bounce(isolated_kafka, isolated_kafka_deployment: Deployment, scenario):
    result = scenario(
        10,
        "broker bounce",
        "SIGKILL the suite's own broker while events flow, restart it; later SIGTERM it, "
        "restart it",
    )
    dep, broker = isolated_kafka_deployment, isolated_kafka
    worker = dep.worker().start()
    worker.wait_ready()
    watched, flow = flowing(dep, 110, 2500, chunks=25, retry_s=180)
    seen = progressed(dep, 100)
    down = broker.kill("kafka", signal.SIGKILL)
    time.sleep(10)
    broker.up()
    seen = progressed(dep, seen + 100)
    broker.kill("kafka", signal.SIGTERM)
    time.sleep(5)
    fault_end = broker.up()
    flow.finish(timeout_s=300)
    settled = settle(dep, watched, max(fault_end, flow.finished_at or 0), timeout_s=240)
    tally = check_invariants(dep.settings, dep.es, watched)
    own = [] if worker.alive() and worker.starts == 1 else ["the worker was restarted or died"]
    conclude(
        result,
        tally,
        settled,
        own,
        notes=f"Two bounces over {fault_end - down:.0f} s (SIGKILL, 10 s down, restart; "
        "SIGTERM, 5 s down, restart); the worker rode them out without a restart. kcat gives "
        f"up while no broker answers, so the producer sent {flow.retried} chunk(s) again: "
        "records the broker took twice are on the input topic twice and each one is checked. "
        "The fault ends when the broker answers after the second restart (or at the last "
        "event produced, if later).",
    )


def set_max_message_bytes(dep: Deployment, value: str | None) -> None:
    """Set (or, with None, remove) the deadletter topic's ``max.message.bytes``."""
    admin = KafkaAdminClient(**kafka_python_config(dep.settings))
    try:
        topic = dep.topics.deadletter
        if value is None:
            resource = ConfigResource(ConfigResourceType.TOPIC, topic, {"max.message.bytes": None})
            admin.reset_configs([resource])
        else:
            resource = ConfigResource(ConfigResourceType.TOPIC, topic, {"max.message.bytes": value})
            admin.alter_configs([resource])
    finally:
        admin.close()


@pytest.mark.timeout(900)
def test_13_deadletter_topic_unwritable(deployment: Deployment, scenario):
    result = scenario(
        13,
        "dead-letter topic unwritable",
        f"`max.message.bytes=64` on the deadletter topic for {HOLD_S:.0f} s while events "
        "with poison pills flow, then removed",
    )
    dep = deployment
    worker = dep.worker().start()
    worker.wait_ready()
    watched, flow = flowing(dep, 113, 1500, chunks=15)
    progressed(dep, 50)
    set_max_message_bytes(dep, "64")
    time.sleep(HOLD_S)
    flow.finish()
    own = committed_but_not_deadlettered(
        dep.settings, dep.topics.reports, watched[dep.topics.reports]
    )
    before_repair = indexed_total(dep.es, dep.settings)
    set_max_message_bytes(dep, None)
    fault_end = time.monotonic()
    settled = settle(dep, watched, fault_end)
    tally = check_invariants(dep.settings, dep.es, watched)
    refused = worker.log_text().count("publish of")
    own += [] if refused else ["no publish was refused: the fault was not met"]
    own += [] if worker.alive() and worker.starts == 1 else ["the worker was restarted or died"]
    conclude(
        result,
        tally,
        settled,
        own,
        notes=f"{refused} publish attempts were refused and retried; no offset on "
        f"incidents.reports was committed past a poison pill without its dead letter; "
        f"{before_repair} of {settled.expected} results were in by the repair, the rest after "
        "it, without a restart.",
    )
