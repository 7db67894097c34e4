"""Messages on the deadletter topic that citywatch did not write never stop the indexer."""

from __future__ import annotations

import base64
import json

import pytest

from pipeline.processing import Origin
from pipeline.settings import Settings
from pipeline.to_index import OutputIndexer

TOPICS = Settings().topics()


def _doc(headers, offset=7, value=b"not a dead letter"):
    origin = Origin(TOPICS.deadletter, 1, offset, b"k", headers, timestamp=1_700_000_000.0)
    action = OutputIndexer(TOPICS, "citywatch").action_for(origin, value)
    return action, json.loads(action.source)


@pytest.mark.parametrize(
    "headers",
    [
        [("citywatch.source_topic", b"incidents.reports"), ("citywatch.stage", b"bogus")],
        [("citywatch.source_topic", b"incidents.reports"), ("citywatch.source_offset", b"x")],
        [("citywatch.source_topic", b"incidents.reports"), ("citywatch.deadlettered_at", b"?")],
    ],
)
def test_malformed_dead_letter_headers_are_recorded_not_raised(headers):
    action, doc = _doc(headers)
    assert action.doc_id == f"{TOPICS.deadletter}:1:7"
    assert doc["deadletter"]["stage"] == "index"
    assert doc["error"]["code"] == "invalid_deadletter"
    assert base64.b64decode(doc["deadletter"]["original_b64"]) == b"not a dead letter"


def test_foreign_messages_without_headers_keep_their_own_ids():
    first, _ = _doc([], offset=1)
    second, _ = _doc([], offset=2)
    assert first.doc_id != second.doc_id


def test_a_dead_letter_written_by_citywatch_keeps_its_source_id():
    headers = [
        ("citywatch.stage", b"validate"),
        ("citywatch.error_code", b"invalid_json"),
        ("citywatch.error_message", b"bad"),
        ("citywatch.source_topic", b"incidents.reports"),
        ("citywatch.source_partition", b"2"),
        ("citywatch.source_offset", b"9"),
    ]
    action, doc = _doc(headers)
    assert action.doc_id == "incidents.reports:2:9"
    assert doc["deadletter"]["stage"] == "validate"
