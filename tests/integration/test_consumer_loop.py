"""The consumers' loop against the real Kafka broker: manual commits, retries, lag.

A handler that fails twice with a dependency error gets the same batch again (nothing
skipped, nothing committed meanwhile); offsets are committed after it succeeds; the lag
is measured per partition and is zero once caught up. A handler that raises anything else
stops the loop with its batch uncommitted, and a new member of the group gets it again.
"""

from __future__ import annotations

import pytest
from kafka import KafkaAdminClient

from consumers.common.consumer import BatchConsumer
from pipeline.clients import kafka_python_config
from pipeline.errors import DependencyError
from tests.alerts_support import warning_chain
from tests.consumers_support import kafka_scope, publish_documents, scoped

pytestmark = pytest.mark.integration


def _committed(scope, group: str) -> int:
    admin = KafkaAdminClient(**kafka_python_config(scope))
    try:
        offsets = admin.list_group_offsets(group)[group]
    finally:
        admin.close()
    return sum(meta.offset for meta in offsets.values())


def test_retry_commit_and_lag(settings, kafka_bootstrap):
    with kafka_scope(scoped(settings, "cwloop")) as scope:
        topic = scope.topics().warnings
        publish_documents(scope, topic, warning_chain("w-loop-1") + warning_chain("w-loop-2"))
        seen: list[int] = []
        failures = {"left": 2}

        def handler(records):
            if failures["left"]:
                failures["left"] -= 1
                raise DependencyError("Elasticsearch is down")
            seen.extend(r.offset for r in records)

        group = f"{scope.app_id}-loop"
        sleeps: list[float] = []
        consumer = BatchConsumer(
            scope, group_id=group, topics=[topic], handler=handler, sleep=sleeps.append
        )
        stats = consumer.run(until_caught_up=True, max_seconds=60)
        assert sorted(seen) == list(range(8)) and stats.records == 8
        assert stats.retries == 2 and len(sleeps) == 2
        assert _committed(scope, group) == 8
        assert consumer.lag() == {f"{topic}:0": 0} and consumer.total_lag() == 0
        samples = {s.name for s in consumer.samples()}
        assert {"citywatch_consumer_lag", "citywatch_consumer_records_total"} <= samples

        publish_documents(scope, topic, warning_chain("w-loop-3"))

        def broken(records):
            raise RuntimeError("a bug")

        with pytest.raises(RuntimeError):
            BatchConsumer(scope, group_id=group, topics=[topic], handler=broken).run(
                until_caught_up=True, max_seconds=60
            )
        assert _committed(scope, group) == 8
        again: list[int] = []
        BatchConsumer(
            scope,
            group_id=group,
            topics=[topic],
            handler=lambda rs: again.extend(r.offset for r in rs),
        ).run(until_caught_up=True, max_seconds=60)
        assert again == [8, 9, 10, 11] and _committed(scope, group) == 12
