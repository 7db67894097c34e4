"""Scenarios 4, 5 and 9: Elasticsearch down, hung, and an index made read-only.

4 and 5 kill and freeze a node of the suite's own (never the shared one); the worker
reaches it through the proxy, which is closed while the node comes back so that the
committed offsets can be checked against what the node holds before the worker resumes.
9 blocks writes to the scenario's own index on the configured node.
"""

from __future__ import annotations

import signal
import time

import pytest

from pipeline.synthetic import synthetic_reports
from tests.fault.commits import committed_but_unindexed
from tests.fault.deployment import Deployment, FaultWorker, FlowProducer
from tests.fault.es_proxy import Fault, FaultProxy
from tests.fault.invariants import check_invariants, expect_synthetic
from tests.fault.recovery import committed_on, indexed_total
from tests.fault.verdict import conclude, settle

pytestmark = [pytest.mark.integration, pytest.mark.fault]

HOLD_S = 30.0


def start_flow(dep: Deployment, seed: int, count: int = 1500) -> tuple[dict, FlowProducer]:
    """A worker indexing while ``count`` events flow for about 15 s."""
    events = list(synthetic_reports(count, seed=seed, poison_ratio=0.03, run_id=f"s{seed}"))
    records = [(e.key, e.value) for e in events]
    flow = FlowProducer(dep, dep.topics.reports, records, chunks=15, interval_s=1.0)
    flow.start()
    deadline = time.monotonic() + 60
    while indexed_total(dep.es, dep.settings) < 100 and time.monotonic() < deadline:
        time.sleep(0.2)
    return {dep.topics.reports: expect_synthetic(events)}, flow


def check_commits_then_open(dep: Deployment, proxy: FaultProxy) -> list[str]:
    """With the proxy still closed: every committed output is indexed. Then open it."""
    problems = []
    for topic in (dep.topics.classified, dep.topics.deadletter):
        problems += committed_but_unindexed(dep.settings, dep.es, topic)
    proxy.set_fault(None)
    return problems


def worker_behind(dep: Deployment, proxy: FaultProxy, **env: str) -> FaultWorker:
    dep.worker_env["CITYWATCH_ES_URL"] = proxy.url
    worker = dep.worker(**env).start()
    worker.wait_ready()
    return worker


@pytest.mark.timeout(900)
def test_04_elasticsearch_down(isolated_es, isolated_es_deployment: Deployment, scenario):
    result = scenario(
        4,
        "Elasticsearch down",
        f"SIGKILL the suite's own node while events flow, restart it after {HOLD_S:.0f} s",
    )
    dep, own_es = isolated_es_deployment, isolated_es
    with FaultProxy(dep.settings.es_url).start() as proxy:
        worker = worker_behind(dep, proxy)
        watched, flow = start_flow(dep, 104)
        killed = own_es.kill("elasticsearch", signal.SIGKILL)
        time.sleep(HOLD_S)
        flow.finish()
        proxy.set_fault(Fault("close"))
        own_es.up()
        own = check_commits_then_open(dep, proxy)
        fault_end = time.monotonic()
        settled = settle(dep, watched, fault_end)
    tally = check_invariants(dep.settings, dep.es, watched)
    own += [] if worker.alive() and worker.starts == 1 else ["the worker was restarted or died"]
    conclude(
        result,
        tally,
        settled,
        own,
        notes=f"The node was down {fault_end - killed:.0f} s (killed, {HOLD_S:.0f} s hold, "
        "restart; shortened from the 2 min of RELIABILITY.md). Before the worker could reach "
        "the restarted node, every offset it had committed on the output topics was checked "
        "against the node: nothing committed was unindexed. The worker was never restarted.",
    )


@pytest.mark.timeout(900)
def test_05_elasticsearch_hangs(isolated_es, isolated_es_deployment: Deployment, scenario):
    result = scenario(
        5,
        "Elasticsearch hangs",
        f"`kill -STOP` the suite's own node for {HOLD_S:.0f} s while events flow, then "
        "`kill -CONT`",
    )
    dep, own_es = isolated_es_deployment, isolated_es
    with FaultProxy(dep.settings.es_url).start() as proxy:
        worker = worker_behind(dep, proxy, CITYWATCH_BULK_TIMEOUT_S="5")
        watched, flow = start_flow(dep, 105)
        own_es.send("elasticsearch", signal.SIGSTOP)
        time.sleep(5)
        frozen = {t: committed_on(dep.settings, t) for t in (dep.topics.classified,)}
        time.sleep(HOLD_S - 5)
        moved = {t: committed_on(dep.settings, t) for t in frozen}
        flow.finish()
        proxy.set_fault(Fault("close"))
        own_es.send("elasticsearch", signal.SIGCONT)
        own_es.up()
        own = check_commits_then_open(dep, proxy)
        fault_end = time.monotonic()
        settled = settle(dep, watched, fault_end)
    tally = check_invariants(dep.settings, dep.es, watched)
    if moved != frozen:
        own.append(f"offsets were committed while the node hung: {frozen} -> {moved}")
    timeouts = worker.log_text().count("TimeoutError")
    own += [] if timeouts else ["no bulk timed out while the node hung"]
    conclude(
        result,
        tally,
        settled,
        own,
        notes=f"With CITYWATCH_BULK_TIMEOUT_S=5, {timeouts} bulk attempts timed out and were "
        "retried; the committed offsets of incidents.classified did not move from 5 s into "
        "the hang until its end, and none was found past an unindexed document.",
    )


@pytest.mark.timeout(900)
def test_09_index_read_only(deployment: Deployment, scenario):
    result = scenario(
        9,
        "index read-only",
        f"`index.blocks.write=true` on the incidents index for {HOLD_S:.0f} s while events "
        "flow, then removed",
    )
    dep = deployment
    worker = dep.worker().start()
    worker.wait_ready()
    watched, flow = start_flow(dep, 109)
    incidents = dep.index("incidents")
    dep.es.indices.put_settings(index=incidents, settings={"index.blocks.write": True})
    time.sleep(HOLD_S)
    flow.finish()
    own = committed_but_unindexed(dep.settings, dep.es, dep.topics.classified)
    dep.es.indices.put_settings(index=incidents, settings={"index.blocks.write": None})
    fault_end = time.monotonic()
    settled = settle(dep, watched, fault_end)
    tally = check_invariants(dep.settings, dep.es, watched)
    blocked = worker.log_text().count("cluster_block_exception")
    own += [] if blocked else ["the worker never met the write block"]
    own += [] if worker.alive() and worker.starts == 1 else ["the worker was restarted or died"]
    conclude(
        result,
        tally,
        settled,
        own,
        notes=f"{blocked} retries logged a 403 cluster_block_exception; no dead letter at "
        "stage index, nothing committed past an unindexed document, and the worker "
        "recovered by itself when the block was removed.",
    )
