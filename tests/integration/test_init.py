"""`citywatch init` creates the contract's topics and templates, and is idempotent."""

from __future__ import annotations

import pytest
from kafka import KafkaAdminClient

from pipeline.bootstrap import init
from pipeline.clients import kafka_python_config
from pipeline.names import INDEX_KINDS

pytestmark = pytest.mark.integration


def _topics(settings) -> dict[str, int]:
    admin = KafkaAdminClient(**kafka_python_config(settings))
    try:
        described = admin.describe_topics(list(settings.topics().all))
    finally:
        admin.close()
    return {t["name"]: len(t["partitions"]) for t in described}


def test_init_twice_leaves_the_same_topics_and_templates(
    kafka_bootstrap, es, settings, unique_name
):
    ns = unique_name("cwtest")
    scoped = settings.model_copy(update={"index_prefix": ns, "topic_namespace": ns})
    try:
        init(scoped, es)
        topics_first = _topics(scoped)
        templates_first = es.indices.get_index_template(name=f"{scoped.index_prefix}-*")
        second = init(scoped, es)
        assert second.topics_created == []
        assert sorted(second.topics_existing) == sorted(scoped.topics().all)
        assert _topics(scoped) == topics_first
        assert set(topics_first) == set(scoped.topics().all)
        assert all(n >= 1 for n in topics_first.values())
        templates_second = es.indices.get_index_template(name=f"{scoped.index_prefix}-*")
        assert templates_second.body == templates_first.body
        names = {t["name"] for t in templates_second["index_templates"]}
        assert names == {f"{scoped.index_prefix}-{k}" for k in INDEX_KINDS}
    finally:
        admin = KafkaAdminClient(**kafka_python_config(scoped))
        admin.delete_topics(list(scoped.topics().all))
        admin.close()
        for kind in INDEX_KINDS:
            es.options(ignore_status=404).indices.delete_index_template(
                name=f"{scoped.index_prefix}-{kind}"
            )
