"""The webhook notifier against the real Kafka broker, in a uuid namespace.

Changes are published on the namespaced output topics; a receiver on 127.0.0.1 fails the
first two attempts of every delivery. The notifier runs bounded, its consumer group is
rewound to the beginning (every input delivered again), and it runs once more: each
matching change reaches each subscriber exactly once.
"""

from __future__ import annotations

import pytest
from kafka import KafkaAdminClient, TopicPartition
from kafka.structs import OffsetAndMetadata

from consumers.webhooks import WebhookNotifier, WebhooksConfig, query_deliveries
from pipeline.clients import kafka_python_config
from tests.alerts_support import incident_doc, warning_chain
from tests.consumers_support import kafka_scope, publish_documents, scoped
from tests.webhooks_support import receiver

pytestmark = pytest.mark.integration


def _run(scope, subs_file, db):
    config = WebhooksConfig.from_settings(scope, subscriptions_file=subs_file, db=db)
    notifier = WebhookNotifier(scope, config)
    notifier.run(until_caught_up=True, max_seconds=120)
    return notifier


def _rewind(scope, group: str) -> None:
    admin = KafkaAdminClient(**kafka_python_config(scope))
    try:
        topics = scope.topics()
        offsets = {
            TopicPartition(t, 0): OffsetAndMetadata(0, "", -1)
            for t in (topics.classified, topics.warnings)
        }
        admin.alter_group_offsets(group, offsets)
    finally:
        admin.close()


def test_exactly_one_successful_delivery_per_change(settings, kafka_bootstrap, tmp_path):
    with kafka_scope(scoped(settings, "cwhooks")) as scope, receiver(fail_first=2) as (url, got):
        subs = tmp_path / "subscriptions.yaml"
        subs.write_text(
            f"- id: everything\n  url: {url}/all\n"
            f"- id: huangpu-serious\n  url: {url}/hp\n  districts: ['310101']\n  min_level: 2\n"
            f"- id: chongming-water\n  url: {url}/cm\n  hazards: [high_water]\n",
            encoding="utf-8",
        )
        rain = warning_chain("w-310101-rainstorm-wh")
        water = warning_chain(
            "w-310151-water-wh", code="310151", name="崇明区", hazard="high_water"
        )
        incidents = [incident_doc("r-wh-a", [2]), incident_doc("r-wh-b", [4])]
        publish_documents(scope, scope.topics().warnings, rain + water)
        publish_documents(scope, scope.topics().classified, incidents)
        db = tmp_path / "deliveries.sqlite3"

        first = _run(scope, subs, db)
        assert sum(first.lag().values()) == 0
        _rewind(scope, first.config.group_id)
        second = _run(scope, subs, db)
        assert second.consumer.stats.records == 10  # every input delivered again

        counts = got.success_counts()
        expected = {("everything", d["event"]["id"], 1) for d in rain + water + incidents}
        expected |= {("huangpu-serious", "hotline_119:r-wh-a", 1)}
        expected |= {("chongming-water", d["event"]["id"], 1) for d in water}
        assert set(counts) == expected
        assert set(counts.values()) == {1}
        assert len(got.attempts) == 3 * len(expected)
        assert second.outcomes["duplicate"] == len(expected)
        rows = query_deliveries(scope, db=db, status="delivered", limit=1000)
        assert len(rows) == len(expected) and {r["attempts"] for r in rows} == {3}
