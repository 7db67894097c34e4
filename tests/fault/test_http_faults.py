"""Scenarios 6 and 7: Elasticsearch answers 429, 500 and 503, on whole bulks and items.

The worker talks to Elasticsearch through the fault-injection proxy; the checks read the
real node directly. Only the scenario's own worker and proxy are involved, so these run
against the shared services.
"""

from __future__ import annotations

import time

import pytest

from pipeline.synthetic import synthetic_reports
from tests.fault.deployment import Deployment, FlowProducer
from tests.fault.es_proxy import Fault, FaultProxy
from tests.fault.invariants import (
    check_invariants,
    expect_synthetic,
    index_sources,
)
from tests.fault.verdict import conclude, settle

pytestmark = [pytest.mark.integration, pytest.mark.fault, pytest.mark.fault_fast]


def run_faults(
    dep: Deployment, proxy: FaultProxy, seed: int, phases: list[tuple[Fault, int]]
) -> tuple[dict, float, list[str]]:
    """Events flow while each fault meets its number of bulks; returns (watched, end, own)."""
    events = list(synthetic_reports(1500, seed=seed, poison_ratio=0.03, run_id=f"s{seed}"))
    watched = {dep.topics.reports: expect_synthetic(events)}
    dep.worker_env["CITYWATCH_ES_URL"] = proxy.url
    worker = dep.worker().start()
    worker.wait_ready()
    records = [(e.key, e.value) for e in events]
    flow = FlowProducer(dep, dep.topics.reports, records, chunks=10, interval_s=1.0)
    flow.start()
    deadline = time.monotonic() + 60
    while flow.sent < 300 and flow.is_alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    proxy.script(phases)
    fault_end = max(proxy.wait_script(), flow.finish())
    own = proxy.retries_were_exact()
    dead = index_sources(dep.es, dep.index("deadletter")).values()
    at_index = [d for d in dead if d["deadletter"]["stage"] == "index"]
    if at_index:
        own.append(f"{len(at_index)} dead letters at stage index: an outage was dead-lettered")
    for fault, _ in phases:
        hit = [
            b
            for b in proxy.bulks
            if (fault.kind == "whole" and b.whole == fault.status)
            or (fault.kind == "items" and b.failed)
        ]
        if not hit:
            own.append(f"no bulk request met the {fault.kind} {fault.status} fault")
    if not worker.alive():
        own.append("the worker died")
    return watched, fault_end, own


def test_06_429_on_the_whole_request_and_per_item(deployment: Deployment, proxy, scenario):
    result = scenario(
        6,
        "429 on the whole request and per item",
        "proxy: every third item of 4 bulk requests answered 429, then 4 whole bulk requests "
        "answered 429",
    )
    dep = deployment
    phases = [(Fault("items", 429, every=3), 4), (Fault("whole", 429), 4)]
    watched, fault_end, own = run_faults(dep, proxy, 106, phases)
    settled = settle(dep, watched, fault_end)
    tally = check_invariants(dep.settings, dep.es, watched)
    whole = sum(1 for b in proxy.bulks if b.whole)
    conclude(
        result,
        tally,
        settled,
        own,
        notes=f"{whole} bulk requests answered 429 whole and {proxy.failed_items()} items "
        "answered 429; every retry carried exactly the ids that had failed (the whole "
        "request again, or only the failed items), and nothing was dead-lettered.",
    )


def test_07_500_and_503(deployment: Deployment, proxy, scenario):
    result = scenario(
        7,
        "500 / 503",
        "proxy: every second item of 4 bulk requests answered 503, then 3 whole bulk requests "
        "answered 500 and 3 answered 503",
    )
    dep = deployment
    phases = [(Fault("items", 503, every=2), 4), (Fault("whole", 500), 3), (Fault("whole", 503), 3)]
    watched, fault_end, own = run_faults(dep, proxy, 107, phases)
    settled = settle(dep, watched, fault_end)
    tally = check_invariants(dep.settings, dep.es, watched)
    whole = sum(1 for b in proxy.bulks if b.whole)
    conclude(
        result,
        tally,
        settled,
        own,
        notes=f"{whole} bulk requests answered 500/503 whole and {proxy.failed_items()} items "
        "answered 503; all retried with backoff, only the failed ones, none dead-lettered.",
    )
