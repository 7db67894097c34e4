"""Scenarios 1-3, 14 and 15: the worker killed, stopped and rebalanced, an enrichment that
raises, two workers started together, and a fetch that loses records.

These faults touch only the scenario's own worker processes, so they run against the
shared services.
"""

from __future__ import annotations

import json
import signal
import time

import pytest

from pipeline.synthetic import synthetic_reports
from tests.fault.deployment import Deployment, FlowProducer
from tests.fault.invariants import Expect, check_invariants, expect_synthetic
from tests.fault.recovery import indexed_total
from tests.fault.verdict import conclude, settle

pytestmark = [pytest.mark.integration, pytest.mark.fault]


def records_of(events):
    return [(e.key, e.value) for e in events]


def wait_for_progress(dep: Deployment, above: int, timeout_s: float = 60) -> int:
    """Wait until more than ``above`` documents are indexed; returns the count."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        n = indexed_total(dep.es, dep.settings)
        if n > above:
            return n
        time.sleep(0.2)
    return indexed_total(dep.es, dep.settings)


def kill_while_indexing(dep: Deployment, worker, sig: int, timeout_s: float = 120) -> None:
    """Wait until the running worker has indexed 50 more documents, then signal it."""
    seen = wait_for_progress(dep, indexed_total(dep.es, dep.settings) + 50, timeout_s)
    assert worker.alive(), worker.logs()
    code = worker.stop(sig)
    assert code == (-sig if sig == signal.SIGKILL else 0), f"exit {code} at {seen} documents"


@pytest.mark.fault_fast
@pytest.mark.timeout(900)
def test_01_worker_killed_mid_batch(deployment: Deployment, scenario):
    result = scenario(
        1, "worker killed mid-batch", "`kill -9` the worker 3 times while 3,000 events flow"
    )
    dep = deployment
    events = list(synthetic_reports(3000, seed=101, poison_ratio=0.05, run_id="s1"))
    watched = {dep.topics.reports: expect_synthetic(events)}
    worker = dep.worker().start()
    flow = FlowProducer(dep, dep.topics.reports, records_of(events), chunks=20, interval_s=1.5)
    flow.start()
    for _ in range(3):
        kill_while_indexing(dep, worker, signal.SIGKILL)
        worker.start()
        restarted = time.monotonic()
    fault_end = max(restarted, flow.finish())
    settled = settle(dep, watched, fault_end)
    tally = check_invariants(dep.settings, dep.es, watched)
    own = [] if worker.alive() else ["the worker died after its last restart"]
    conclude(
        result,
        tally,
        settled,
        own,
        notes="3 SIGKILLs, each while the running worker was indexing; the fault ends at the "
        "last restart (or the last event produced, if later). Recovery includes the worker's "
        "start-up and the consumer-group rebalance, which waits for the killed member's "
        "session to expire.",
    )


@pytest.mark.fault_fast
@pytest.mark.timeout(900)
def test_02_graceful_stop_and_rebalance(deployment: Deployment, scenario):
    result = scenario(
        2,
        "graceful stop and rebalance",
        "a second worker joins the group and leaves (SIGTERM), then the first is stopped "
        "(SIGTERM) and restarted, while 3,000 events flow",
    )
    dep = deployment
    events = list(synthetic_reports(3000, seed=102, poison_ratio=0.05, run_id="s2"))
    watched = {dep.topics.reports: expect_synthetic(events)}
    first, second = dep.worker("first").start(), dep.worker("second")
    flow = FlowProducer(dep, dep.topics.reports, records_of(events), chunks=20, interval_s=1.5)
    flow.start()
    wait_for_progress(dep, 50)
    second.start().wait_ready()
    # the first worker alone can index the 50 documents kill_while_indexing waits for
    second.wait_for_log("bulk docs=")
    kill_while_indexing(dep, second, signal.SIGTERM)
    kill_while_indexing(dep, first, signal.SIGTERM)
    first.start()
    fault_end = max(time.monotonic(), flow.finish())
    settled = settle(dep, watched, fault_end)
    tally = check_invariants(dep.settings, dep.es, watched)
    both = first.log_text() + second.log_text()
    own = [] if "Traceback" not in both else ["a worker logged a traceback"]
    conclude(
        result,
        tally,
        settled,
        own,
        notes="Both SIGTERMs were sent while documents were being indexed; both workers "
        "exited with status 0 and the second one indexed batches between the rebalances; "
        "nothing was skipped. The fault ends at the restart (or the last event produced, "
        "if later).",
    )


POISONED_POINT = (31.230416, 121.473701)


@pytest.mark.fault_fast
@pytest.mark.timeout(600)
def test_03_enrichment_raises_on_one_event(deployment: Deployment, scenario):
    result = scenario(
        3,
        "enrichment raises on one event",
        "the facilities registry raises for one report's point (a poisoned lookup)",
    )
    dep = deployment
    events = list(synthetic_reports(1000, seed=103, poison_ratio=0.02, run_id="s3"))
    victim = next(n for n, e in enumerate(events) if e.poison is None and n > 400)
    report = json.loads(events[victim].value)
    report["location"] = {"lat": POISONED_POINT[0], "lon": POISONED_POINT[1]}
    value = json.dumps(report, ensure_ascii=False).encode()
    events[victim] = type(events[victim])(value, events[victim].key, None, "enrich_failed")
    expect = expect_synthetic(events)
    expect[events[victim].key] = Expect(stage="enrich", code="enrich_failed")
    watched = {dep.topics.reports: expect}
    point = ",".join(str(c) for c in POISONED_POINT)
    worker = dep.worker(module="tests.fault.poisoned_worker", FAULT_POISONED_POINT=point).start()
    dep.produce(dep.topics.reports, records_of(events))
    produced = time.monotonic()
    settled = settle(dep, watched, produced)
    tally = check_invariants(dep.settings, dep.es, watched)
    own = [] if worker.alive() else ["the worker died"]
    conclude(
        result,
        tally,
        settled,
        own,
        notes="The poisoned event is dead-lettered with stage=enrich, code=enrich_failed; the "
        "999 others flow. The fault is permanent for that event, so recovery is measured from "
        "the last event produced.",
    )


@pytest.mark.timeout(900)
def test_14_two_workers_start_together_on_fresh_topics(deployment: Deployment, scenario):
    result = scenario(
        14,
        "two workers start together on fresh topics",
        "20,000 events wait on topics the group has never committed on; a second worker "
        "starts as soon as the first is ready, and its join rebalances the group while the "
        "first has fetched but not yet committed",
    )
    dep = deployment
    events = list(synthetic_reports(20_000, seed=114, poison_ratio=0.05, run_id="s14"))
    watched = {dep.topics.reports: expect_synthetic(events)}
    assert dep.produce(dep.topics.reports, records_of(events)) == len(events)
    first, second = dep.worker("first").start(), dep.worker("second")
    first.wait_ready()
    second.start().wait_ready()
    fault_end = time.monotonic()
    settled = settle(dep, watched, fault_end)
    tally = check_invariants(dep.settings, dep.es, watched)
    both = first.log_text() + second.log_text()
    own = [] if "Traceback" not in both else ["a worker logged a traceback"]
    for worker in (first, second):
        if "bulk docs=" not in worker.log_text():
            own.append(f"the {worker.name} worker never indexed a batch: no rebalance took place")
    conclude(
        result,
        tally,
        settled,
        own,
        notes="Partitions without a committed offset are sought to their start after every "
        "rebalance, and nothing is committed past a start that was never acknowledged "
        "(pipeline/faust_consumer.py); both workers indexed batches. The fault ends when "
        "the second worker is ready.",
    )


DROP_EVERY = 101


@pytest.mark.fault_fast
@pytest.mark.timeout(600)
def test_15_fetched_records_lost_before_delivery(deployment: Deployment, scenario):
    result = scenario(
        15,
        "fetched records lost before delivery",
        f"the worker's fetch loses each stream record at an offset divisible by {DROP_EVERY} "
        "the first time it is fetched (the client's position has passed it), while 3,000 "
        "events flow",
    )
    dep = deployment
    events = list(synthetic_reports(3000, seed=115, poison_ratio=0.05, run_id="s15"))
    watched = {dep.topics.reports: expect_synthetic(events)}
    worker = dep.worker(
        module="tests.fault.lossy_fetch_worker", FAULT_DROP_EVERY=str(DROP_EVERY)
    ).start()
    flow = FlowProducer(dep, dep.topics.reports, records_of(events), chunks=10, interval_s=1.0)
    flow.start()
    fault_end = max(time.monotonic(), flow.finish())
    settled = settle(dep, watched, fault_end)
    tally = check_invariants(dep.settings, dep.es, watched)
    text = worker.log_text()
    dropped = text.count("FAULT dropped")
    own = [] if worker.alive() else ["the worker died"]
    if not dropped:
        own.append("no record was dropped: the fault was not injected")
    if "reading them again" not in text:
        own.append("the worker never read a partition again from a lost record")
    conclude(
        result,
        tally,
        settled,
        own,
        notes=f"{dropped} records were dropped. The fetch loop saw each gap, which Faust "
        "counts as handled; the commit waited for the lost offset instead and read the "
        "partition again from it (pipeline/faust_consumer.py). The fault is permanent for "
        "the run, so recovery is measured from the last event produced.",
    )
