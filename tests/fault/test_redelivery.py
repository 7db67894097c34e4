"""At-least-once across a crash: a redelivered report must still reach the index.

The correlator's state lives in a changelog-backed table, and the incident document is
published afterwards. A worker killed after the table write reached the changelog but
before the document was acknowledged restarts with the report already in its state, and
the report is delivered again (its offset was not committed). If the redelivery publishes
nothing, the incident document in Elasticsearch never lists that report: a lost event.
"""

from __future__ import annotations

import json

import pytest

from pipeline.correlation import IncidentCorrelator
from pipeline.incidents import Correlator
from pipeline.processing import Origin
from pipeline.settings import Settings
from pipeline.worker import build_processor
from tests.unit.test_correlation_glue import graded


@pytest.fixture(scope="module")
def processor():
    return build_processor(Settings())


def test_redelivered_report_whose_document_was_lost_is_published_again(processor):
    topics = Settings().topics()
    table: dict = {}
    origin = Origin(topics.graded, 0, 7)
    report = graded(processor, "r1", "hotline_119", 10, 31.2304, 121.4737, "商场起火，浓烟很大")
    lost, _risk = IncidentCorrelator(topics, Correlator(), table).correlate(origin, report)
    # the worker dies here: the table write is in the changelog, the document was never
    # acknowledged, the offset never committed; a new worker restores the table
    restarted = IncidentCorrelator(topics, Correlator(), table)
    out = restarted.correlate(origin, report)
    assert [m.topic for m in out] == [topics.classified], "the redelivery published nothing"
    doc = json.loads(out[0].value)
    assert doc["event"]["id"] == json.loads(lost.value)["event"]["id"]
    assert [r["report_id"] for r in doc["incident"]["reports"]] == ["r1"]
