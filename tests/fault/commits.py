"""No commit past undone work: the group's committed offsets against what is durable.

Read while a fault is held (the pipeline waiting), these checks find offsets committed
past events whose result is not durable:

- :func:`committed_but_unindexed`: an output message below the committed offset whose
  document is missing from Elasticsearch, or older there than the message;
- :func:`committed_but_not_deadlettered`: an input record below the committed offset that
  should be dead-lettered and has no dead letter on the topic.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from elasticsearch import Elasticsearch

from pipeline.processing import DOC_ID_HEADER
from pipeline.settings import Settings
from tests.fault.invariants import Expect, Message, index_sources, read_messages
from tests.fault.recovery import committed_on


def document_id(m: Message) -> str:
    """The id the indexer gives an output message's document."""
    if m.header("citywatch.source_topic") is not None:
        return ":".join(
            m.header(f"citywatch.{h}") or ""
            for h in ("source_topic", "source_partition", "source_offset")
        )
    return m.header(DOC_ID_HEADER) or (m.key or b"").decode()


def committed_but_unindexed(settings: Settings, es: Elasticsearch, topic: str) -> list[str]:
    """Messages of output ``topic`` the group committed whose document is not indexed."""
    committed = committed_on(settings, topic)
    kind = settings.topics().index_kind(topic) or "incidents"
    docs = index_sources(es, f"{settings.index_prefix}-{kind}")
    problems = []
    for m in read_messages(settings, topic):
        if m.offset >= committed.get(m.partition, 0):
            continue
        doc_id = document_id(m)
        doc = docs.get(doc_id)
        if doc is None:
            problems.append(f"{m.coordinates}: committed, but {doc_id} is not indexed")
            continue
        if m.header("citywatch.source_topic") is not None:
            continue
        sent = (json.loads(m.value or b"{}").get("incident") or {}).get("report_count", 0)
        if (doc.get("incident") or {}).get("report_count", 0) < sent:
            problems.append(f"{m.coordinates}: committed, but {doc_id} is older in the index")
    return problems


def committed_but_not_deadlettered(
    settings: Settings, topic: str, expect: Mapping[bytes | None, Expect]
) -> list[str]:
    """Records of input ``topic`` below the committed offset that lack their dead letter."""
    committed = committed_on(settings, topic)
    on_topic = {
        (m.header("citywatch.source_partition"), m.header("citywatch.source_offset"))
        for m in read_messages(settings, settings.topics().deadletter)
        if m.header("citywatch.source_topic") == topic
    }
    problems = []
    for m in read_messages(settings, topic):
        e = expect.get(m.key)
        if e is None or e.doc_id is not None or m.offset >= committed.get(m.partition, 0):
            continue
        if (str(m.partition), str(m.offset)) not in on_topic:
            problems.append(f"{m.coordinates}: committed, but its dead letter was never written")
    return problems
