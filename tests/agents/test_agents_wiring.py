"""The agents' wiring, with faust's test context (no broker): events in, outputs out."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from pipeline.agents import register_agents
from pipeline.app import create_app
from pipeline.classification import hint_classifier
from pipeline.correlation import decode_entry, encode_entry
from pipeline.enrich import Enricher
from pipeline.geo.districts import DistrictIndex
from pipeline.geo.facilities import FacilityRegistry
from pipeline.processing import Processor
from pipeline.settings import Settings
from tests.factories import report_factory


class RecordingBulk:
    def __init__(self):
        self.bodies: list[bytes] = []

    async def bulk(self, *, body: bytes, **kwargs):
        self.bodies.append(body)
        n = body.count(b"\n") // 2
        return {"errors": False, "items": [{"index": {"status": 201}}] * n}


@pytest.fixture
def wired():
    settings = Settings(process_linger_s=0.01, bulk_linger_s=0.01, app_id="citywatch-agents-test")
    app = create_app(settings)
    app.finalize()
    enricher = Enricher(DistrictIndex.load(), FacilityRegistry.load())
    processor = Processor(settings, enricher, hint_classifier)
    bulk = RecordingBulk()
    agents = register_agents(app, settings, processor, bulk)
    sent: list[tuple[str, bytes, bytes]] = []

    async def capture(messages):
        sent.extend((m.topic, m.key, m.value) for m in messages)

    agents["publisher"].publish = capture
    return agents, sent, bulk


async def test_process_reports_publishes_one_output_per_event(wired):
    agents, sent, _bulk = wired
    good = json.dumps(report_factory(type="fire")).encode()
    async with agents["process_reports"].test_context() as agent:
        await agent.put(good)
        await agent.put(b"{not json")
        for _ in range(100):
            if len(sent) >= 2:
                break
            import asyncio

            await asyncio.sleep(0.02)
    topics = sorted(t for t, _k, _v in sent)
    assert topics == ["deadletter", "reports.classified"]


async def test_index_outputs_bulk_writes_documents(wired):
    agents, _sent, bulk = wired
    doc = {"@timestamp": datetime.now(UTC).isoformat(), "event": {"id": "x1"}}
    async with agents["index_outputs"].test_context() as agent:
        await agent.put(json.dumps(doc).encode(), key=b"x1")
        for _ in range(100):
            if bulk.bodies:
                break
            import asyncio

            await asyncio.sleep(0.02)
    assert bulk.bodies, "the indexer sent no bulk request"
    meta = json.loads(bulk.bodies[0].split(b"\n")[0])
    assert meta["index"]["_id"] == "x1"


def test_table_changelogs_read_back_what_the_tables_store(wired):
    """Recovery decodes each changelog record with the changelog topic's serializers: the
    incident entries (compressed bytes) come back as the same bytes, the others as JSON."""
    agents, _sent, _bulk = wired
    app = agents["process_reports"].app
    entry = encode_entry({"incident_id": "hotline_119:a", "members": {}})
    serializers = app.serializers
    tables = {t.name: t for t in app.tables.values()}

    def round_trip(topic, value):
        stored = serializers.dumps_value(topic.value_type, value, serializer=topic.value_serializer)
        return serializers.loads_value(topic.value_type, stored, serializer=topic.value_serializer)

    incidents = tables.pop("citywatch-incident-state").changelog_topic
    assert incidents.value_serializer == "raw"
    back = round_trip(incidents, entry)
    assert back == entry and decode_entry(back)["incident_id"] == "hotline_119:a"
    key = serializers.dumps_key(
        incidents.key_type, "hotline_119:a", serializer=incidents.key_serializer
    )
    assert key == b'"hotline_119:a"'  # JSON keys, as the changelogs were written before
    for name, table in tables.items():
        assert table.changelog_topic.value_serializer == "json", name
        assert round_trip(table.changelog_topic, {"a": [1]}) == {"a": [1]}, name


def test_the_correlator_remembers_as_many_dropped_incidents_as_set():
    settings = Settings(app_id="citywatch-agents-retired", correlate_retired_max=1234)
    app = create_app(settings)
    app.finalize()
    processor = Processor(
        settings, Enricher(DistrictIndex.load(), FacilityRegistry.load()), hint_classifier
    )
    agents = register_agents(app, settings, processor, RecordingBulk())
    assert agents["correlator"].retired_max == 1234
    assert Settings().correlate_retired_max == 10_000
