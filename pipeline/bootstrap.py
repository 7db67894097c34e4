"""``citywatch init``: create the contract's topics and install the index templates.

Both steps are idempotent: existing topics are left alone, templates are overwritten with
the same content.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from elasticsearch import Elasticsearch
from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from pipeline.clients import kafka_python_config
from pipeline.names import INDEX_KINDS, index_name
from pipeline.settings import Settings


@dataclass
class InitReport:
    topics_created: list[str] = field(default_factory=list)
    topics_existing: list[str] = field(default_factory=list)
    templates: list[str] = field(default_factory=list)


def index_template(kind: str, settings: Settings) -> dict[str, Any]:
    """The composable index template for one index kind, from schemas/elasticsearch/."""
    text = resources.files("schemas").joinpath("elasticsearch", f"{kind}.json").read_text("utf-8")
    body = json.loads(text)
    template = body["template"]
    template.setdefault("settings", {}).update(
        {
            "number_of_shards": settings.index_shards,
            "number_of_replicas": settings.index_replicas,
            "refresh_interval": settings.index_refresh_interval,
        }
    )
    return {
        "index_patterns": [f"{index_name(settings.index_prefix, kind)}*"],
        "template": template,
        "priority": 200,
        "_meta": body.get("_meta", {}),
    }


def create_topics(
    settings: Settings, names: tuple[str, ...] | None = None
) -> tuple[list[str], list[str]]:
    """Create the missing topics (default: all of them); returns (created, existing)."""
    names = names or settings.topics().all
    admin = KafkaAdminClient(client_id="citywatch-init", **kafka_python_config(settings))
    try:
        existing = set(admin.list_topics())
        created: list[str] = []
        for name in (n for n in names if n not in existing):
            topic = NewTopic(name, settings.topic_partitions, settings.topic_replication)
            try:
                admin.create_topics([topic])
                created.append(name)
            except TopicAlreadyExistsError:  # created meanwhile by another init
                existing.add(name)
        return created, [n for n in names if n in existing]
    finally:
        admin.close()


def install_templates(es: Elasticsearch, settings: Settings) -> list[str]:
    """Install (or overwrite) every citywatch index template; returns their names."""
    names = []
    for kind in INDEX_KINDS:
        name = index_name(settings.index_prefix, kind)
        es.indices.put_index_template(name=name, **index_template(kind, settings))
        names.append(name)
    return names


def init(settings: Settings, es: Elasticsearch) -> InitReport:
    created, existing = create_topics(settings)
    return InitReport(created, existing, install_templates(es, settings))
