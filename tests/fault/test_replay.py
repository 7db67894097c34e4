"""Scenario 12: replay. Rebuilding from the topics leaves the indices unchanged (I2).

Twice: ``citywatch replay`` re-indexes the output topics, and the worker's consumer group
is reset to the earliest offsets so every input is processed again. Runs against the
shared services (only the scenario's own group is reset).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from kafka import KafkaAdminClient
from kafka.admin import OffsetSpec

from pipeline.clients import kafka_python_config
from pipeline.synthetic import synthetic_reports
from tests.fault.deployment import ROOT, Deployment
from tests.fault.invariants import check_invariants, expect_synthetic, expected_total, index_sources
from tests.fault.recovery import LagProbe, wait_settled
from tests.fault.verdict import conclude

pytestmark = [pytest.mark.integration, pytest.mark.fault, pytest.mark.fault_fast]

#: fields that say when a document was (re)built, not what it says
PROCESSING_TIMES = {
    ("incidents", "event.ingested"),
    ("incidents", "event.created"),
    ("incidents", "incident.processed_at"),
    ("deadletter", "@timestamp"),
    ("deadletter", "event.ingested"),
    ("deadletter", "event.created"),
}


def flat(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted path, leaf) pairs; list items keep their position in the path's leaf value."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from flat(v, f"{path}.{k}" if path else k)
    elif isinstance(value, list):
        for n, v in enumerate(value):
            for p, leaf in flat(v, path):
                yield p, (n, leaf)
    else:
        yield path, value


def differences(kind: str, before: dict, after: dict, ignore=frozenset()) -> list[str]:
    """What differs between two snapshots of one index (ids, then fields)."""
    out = []
    if before.keys() != after.keys():
        gone, new = before.keys() - after.keys(), after.keys() - before.keys()
        out.append(f"{kind}: ids differ: {len(gone)} gone, {len(new)} new")
    for doc_id in sorted(before.keys() & after.keys()):
        a = sorted((p, repr(v)) for p, v in flat(before[doc_id]) if (kind, p) not in ignore)
        b = sorted((p, repr(v)) for p, v in flat(after[doc_id]) if (kind, p) not in ignore)
        if a != b:
            paths = sorted({p for p, _ in set(a) ^ set(b)})
            out.append(f"{kind}/{doc_id}: {', '.join(paths[:6])} differ")
    return out


def snapshots(dep: Deployment) -> dict[str, dict]:
    return {k: index_sources(dep.es, dep.index(k)) for k in ("incidents", "deadletter")}


def reset_to_earliest(dep: Deployment) -> None:
    """Reset the (empty) consumer group to the earliest offset of every partition it reads."""
    with LagProbe(dep.settings) as probe:
        partitions = probe.partitions
    admin = KafkaAdminClient(**kafka_python_config(dep.settings))
    try:
        specs = dict.fromkeys(partitions, OffsetSpec.EARLIEST)
        errors = admin.reset_group_offsets(dep.settings.app_id, specs)
        failed = {tp: e for tp, e in errors.items() if getattr(e, "errno", 0)}
        assert not failed, f"resetting the group failed: {failed}"
    finally:
        admin.close()


def test_12_replay_leaves_the_indices_unchanged(deployment: Deployment, scenario):
    result = scenario(
        12,
        "replay",
        "`citywatch replay`, then the consumer group reset to the earliest offsets and the "
        "worker restarted",
    )
    dep = deployment
    events = list(synthetic_reports(800, seed=112, poison_ratio=0.05, run_id="s12"))
    watched = {dep.topics.reports: expect_synthetic(events)}
    worker = dep.worker().start()
    dep.produce(dep.topics.reports, [(e.key, e.value) for e in events])
    expected = expected_total(dep.settings, watched)
    first = wait_settled(dep.settings, dep.es, expected, time.monotonic())
    assert first.recovery_s is not None, f"the first pass did not settle: {first.describe()}"
    assert worker.stop(signal.SIGTERM) == 0
    before = snapshots(dep)

    replay = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", "replay"],
        cwd=ROOT,
        env=dep.env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert replay.returncode == 0, replay.stderr[-2000:]
    own = []
    for kind, snap in snapshots(dep).items():
        own += differences(kind, before[kind], snap)

    reset_to_earliest(dep)
    with LagProbe(dep.settings) as probe:
        if probe.lag() == 0:
            own.append("the group reset changed nothing: no lag to consume again")
    worker.start()
    restarted = time.monotonic()
    settled = wait_settled(dep.settings, dep.es, expected, restarted, stable_s=5.0)
    for kind, snap in snapshots(dep).items():
        own += differences(kind, before[kind], snap, PROCESSING_TIMES)
    tally = check_invariants(dep.settings, dep.es, watched)
    conclude(
        result,
        tally,
        settled,
        own,
        notes="After `citywatch replay` both indices are byte-identical (same ids, same "
        "documents). After the group reset every input and output was consumed again: same "
        "ids, same documents apart from the times of processing (event.created/ingested, "
        "incident.processed_at, a dead letter's @timestamp). Recovery: from the restart "
        "after the reset until the group's lag was zero again.",
    )
