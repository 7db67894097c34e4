"""The per-event core: one output per event, dead letters that carry everything."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from pipeline.classification import hint_classifier
from pipeline.enrich import Enricher
from pipeline.geo.districts import DistrictIndex
from pipeline.geo.facilities import FacilityRegistry
from pipeline.processing import DOC_ID_HEADER, Origin, Processor
from pipeline.settings import Settings
from pipeline.synthetic import POISON_KINDS, synthetic_reports
from schemas.deadletters import DeadLetter
from tests.factories import reading_factory, report_factory

NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    return Enricher(DistrictIndex.load(), FacilityRegistry.load(), radius_m=1500)


@pytest.fixture(scope="module")
def processor(enricher) -> Processor:
    return Processor(Settings(), enricher, hint_classifier)


def origin(topic="incidents.reports", offset=42) -> Origin:
    return Origin(topic, 1, offset, key=b"k", headers=[("trace", b"abc")], timestamp=1.7e9)


def test_a_good_report_becomes_one_classified_document(processor):
    report = report_factory(location={"lat": 31.2400, "lon": 121.4860}, type="fire")
    [out] = processor.process(origin(), json.dumps(report).encode(), NOW)
    assert out.topic == "reports.classified" and not out.is_deadletter
    assert out.key == b"310101", "classified reports are keyed by district"
    doc = json.loads(out.value)
    doc_id = dict(out.headers)[DOC_ID_HEADER].decode()
    assert doc_id == f"{report['source']}:{report['report_id']}" == doc["event"]["id"]
    assert doc["incident"]["district"] == {"code": "310101", "name": "黄浦区"}
    assert doc["incident"]["type"] == "fire" and doc["incident"]["category"] == "accident"
    assert doc["geo"]["location"] == {"lat": 31.24, "lon": 121.486}
    assert doc["incident"]["exposure"]["district_population"] > 0


@pytest.mark.parametrize("kind", POISON_KINDS)
def test_each_poison_pill_is_dead_lettered_with_its_code(processor, kind):
    event = next(e for e in synthetic_reports(200, seed=3, poison_ratio=0.5) if e.poison == kind)
    [out] = processor.process(origin(offset=7), event.value, NOW)
    assert out.is_deadletter and out.topic == "deadletter"
    assert out.value == event.value, "the original bytes travel unchanged"
    dead = DeadLetter.from_kafka(out.value, out.headers, key=out.key)
    assert dead.error_code == kind
    assert dead.stage == "validate"
    assert (dead.source_topic, dead.partition, dead.offset) == ("incidents.reports", 1, 7)
    assert dead.message
    assert ("trace", b"abc") in out.headers, "the original headers are kept"


def test_empty_and_oversized_values_are_dead_lettered(processor):
    [empty] = processor.process(origin(), b"", NOW)
    assert dict(empty.headers)["citywatch.error_code"] == b"empty_value"
    big = b'{"description": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    [large] = processor.process(origin(), big, NOW)
    assert dict(large.headers)["citywatch.error_code"] == b"too_large"
    assert large.value == big


def test_an_enrichment_failure_is_dead_lettered_at_stage_enrich(enricher):
    class Poisoned(Enricher):
        def enrich(self, lat, lon, crs="wgs84"):
            raise KeyError("facility registry entry missing")

    broken = Processor(
        Settings(), Poisoned(enricher.districts, enricher.facilities), hint_classifier
    )
    [out] = broken.process(origin(), json.dumps(report_factory()).encode(), NOW)
    headers = dict(out.headers)
    assert out.is_deadletter
    assert headers["citywatch.stage"] == b"enrich"
    assert headers["citywatch.error_code"] == b"enrich_failed"


def test_a_reading_outside_the_registry_keeps_its_own_location(processor):
    reading = reading_factory(
        kind="rain_gauge",
        value=3.5,
        unit="mm",
        period_s=300,
        location={"lat": 31.2397, "lon": 121.4998},
    )
    [out] = processor.process(origin("sensors.readings"), json.dumps(reading).encode(), NOW)
    assert out.topic == "sensors.enriched"
    doc = json.loads(out.value)
    assert doc["reading"]["district"]["code"] == "310115"
    assert out.key == b"310115", "enriched readings are keyed by district"


def test_exposure_lists_facilities_within_the_radius(enricher):
    e = enricher.enrich(31.2400, 121.4860)
    facilities = e.exposure["facilities"]
    assert facilities, "the Bund has facilities within 1.5 km in the sample registry"
    distances = [f["distance_m"] for f in facilities]
    assert distances == sorted(distances) and max(distances) <= 1500
    assert {f["kind"] for f in facilities} <= set(enricher.exposure_kinds)
    assert enricher.enrich(30.0, 120.0).district is None, "outside Shanghai: no district"
