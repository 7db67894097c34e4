"""The worker's correlation glue on a plain dict table: merges, re-grades, state rebuilt."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import orjson
import pytest
import zstandard

from pipeline.classification import rulebook_classifier
from pipeline.correlation import IncidentCorrelator, decode_entry
from pipeline.enrich import Enricher
from pipeline.geo.districts import DistrictIndex
from pipeline.geo.facilities import FacilityRegistry
from pipeline.incidents import Correlator
from pipeline.processing import Origin, Processor
from pipeline.settings import Settings
from tests.unit.test_schemas_documents import mapping_problems

NOW = datetime.now(UTC)
TEMPLATE = json.loads(
    __import__("importlib.resources")
    .resources.files("schemas")
    .joinpath("elasticsearch", "incidents.json")
    .read_text()
)["template"]["mappings"]


@pytest.fixture(scope="module")
def processor() -> Processor:
    enricher = Enricher(DistrictIndex.load(), FacilityRegistry.load())
    return Processor(Settings(), enricher, rulebook_classifier())


def graded(processor, report_id, source, minutes_ago, lat, lon, text, **extra) -> bytes:
    raw = json.dumps(
        {
            "report_id": report_id,
            "source": source,
            "reported_at": (NOW - timedelta(minutes=minutes_ago)).isoformat(),
            "location": {"lat": lat, "lon": lon},
            "description": text,
            **extra,
        }
    ).encode()
    [out] = processor.process(Origin("incidents.reports", 0, 1), raw, NOW)
    assert out.topic == "reports.classified"
    return out.value


def incident_out(messages):
    """The one ``incidents.classified`` message among a correlator's outputs."""
    [out] = [m for m in messages if m.topic == "incidents.classified"]
    return out


def test_merge_regrade_and_rebuild_from_the_table(processor):
    table: dict = {}
    glue = IncidentCorrelator(Settings().topics(), Correlator(), table)
    origin = Origin("reports.classified", 0, 1)
    a = graded(processor, "a", "hotline_119", 20, 31.2304, 121.4737, "商场起火，浓烟很大")
    b = graded(processor, "b", "hotline_110", 15, 31.2306, 121.4739, "Mall fire, heavy smoke")
    first = glue.correlate(origin, a)
    assert [m.topic for m in first] == ["incidents.classified", "risk.inputs"]
    second = incident_out(glue.correlate(origin, b))
    doc = json.loads(second.value)
    assert second.topic == "incidents.classified"
    assert (
        doc["event"]["id"] == "hotline_119:a" == dict(second.headers)["citywatch.doc_id"].decode()
    )
    assert doc["incident"]["report_count"] == 2
    assert list(mapping_problems(doc, TEMPLATE)) == []

    glue.forget()  # as after a restart: the district state comes back from the table
    c = graded(
        processor,
        "a2",
        "hotline_119",
        5,
        31.2304,
        121.4737,
        "续报：已造成3人死亡",
        updates_report_id="a",
        casualties={"deaths": 3},
    )
    third = incident_out(glue.correlate(origin, c))
    doc = json.loads(third.value)["incident"]
    assert doc["id"] == "hotline_119:a" and doc["report_count"] == 3 and doc["level"] == 3
    assert [g["level"] for g in doc["grade_history"]] == [4, 3]
    again = incident_out(glue.correlate(origin, b))  # a redelivery republishes the current record
    redone = json.loads(again.value)["incident"]
    assert (redone["id"], redone["report_count"], redone["level"]) == ("hotline_119:a", 3, 3)


def test_entries_are_stored_compressed_and_json_entries_still_read(processor):
    table: dict = {}
    glue = IncidentCorrelator(Settings().topics(), Correlator(), table)
    origin = Origin("reports.classified", 0, 1)
    a = graded(processor, "a", "hotline_119", 20, 31.2304, 121.4737, "商场起火，浓烟很大")
    glue.correlate(origin, a)
    stored = table["hotline_119:a"]
    assert stored.startswith(zstandard.FRAME_HEADER)
    entry = decode_entry(stored)
    assert entry["incident_id"] == "hotline_119:a" and entry["_district_key"] == "310101"
    assert len(stored) < len(orjson.dumps(entry)) / 2
    # an entry as earlier versions wrote it (plain JSON) is read back the same
    table["hotline_119:a"] = orjson.dumps(entry)
    glue.forget()
    b = graded(processor, "b", "hotline_110", 15, 31.2306, 121.4739, "Mall fire, heavy smoke")
    doc = json.loads(incident_out(glue.correlate(origin, b)).value)["incident"]
    assert (doc["id"], doc["report_count"]) == ("hotline_119:a", 2)
    assert table["hotline_119:a"].startswith(zstandard.FRAME_HEADER)
    assert decode_entry(table["hotline_119:a"])["members"].keys() == {
        "hotline_119:a",
        "hotline_110:b",
    }
