"""The incident document built from validated parts equals the model's, field for field."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from pipeline.classification import hint_classifier, rulebook_classifier
from pipeline.enrich import Enricher
from pipeline.geo.districts import DistrictIndex
from pipeline.geo.facilities import FacilityRegistry
from pipeline.incident_documents import (
    _build,
    document_bytes,
    dumps,
    incident_document_from_parts,
    incident_payload,
)
from pipeline.incident_samples import fast_path_differences
from pipeline.processing import Origin, Processor
from pipeline.settings import Settings
from pipeline.synthetic import synthetic_reports
from schemas.documents import incident_document
from schemas.inputs import IncidentReport
from schemas.outputs import ClassifiedIncident
from tests.factories import report_factory

NOW = datetime(2026, 6, 1, 0, 31, 2, 250000, tzinfo=UTC)
ANY_TIME = {"window_bounds": (float("-inf"), float("inf"))}


@pytest.fixture(scope="module")
def enricher() -> Enricher:
    return Enricher(DistrictIndex.load(), FacilityRegistry.load(), radius_m=1500)


@pytest.fixture(scope="module")
def rulebook() -> Any:
    return rulebook_classifier()


def _hand_written() -> list[dict[str, Any]]:
    base = report_factory(reported_at="2026-06-01T08:30:00.5+08:00")
    variants: list[dict[str, Any]] = [
        {},
        {"type": None, "description": "有人报告异常情况，请核实"},
        {"location": {"lat": 31.24, "lon": 121.49, "crs": "gcj02"}},
        {"location": {"lat": 31.246, "lon": 121.497, "crs": "bd09"}},
        {"location": {"lat": 30.0, "lon": 120.0}},
        {"location": {"lat": 31, "lon": 121}},
        {"casualties": {}},
        {"casualties": {"deaths": 40, "missing": 3}},
        {"economic_loss_cny": 1200},
        {"economic_loss_cny": 0.5},
        {"economic_loss_cny": 1e13},
        {"updates_report_id": "r-0"},
        {"address": None},
        {"source": "media"},
        {"type": "flood", "description": "No fire, nobody hurt. 12 people evacuated."},
        {"description": "化工厂储罐泄漏，造成3人死亡、直接经济损失约1.2亿元"},
        {"description": "x" * 4000},
        {"reported_at": "2026-06-01T00:00:00Z"},
        {"reported_at": "2026-05-31T19:00:00.000001-05:00"},
    ]
    return [{**base, "report_id": f"h-{i}", **v} for i, v in enumerate(variants)]


def _cases() -> list[dict[str, Any]]:
    rng = random.Random(4)
    synthetic = [json.loads(e.value) for e in synthetic_reports(300, seed=21, now=NOW)]
    for report in synthetic[::3]:
        report["location"] = {
            "lat": round(rng.uniform(30.7, 31.9), rng.randint(1, 7)),
            "lon": round(rng.uniform(120.9, 122.2), rng.randint(1, 7)),
            "crs": rng.choice(["wgs84", "gcj02", "bd09"]),
        }
    return synthetic + _hand_written()


def _parts(raw: dict[str, Any], enricher: Enricher, classifier: Any) -> tuple:
    report = IncidentReport.model_validate(raw, context=ANY_TIME)
    data = report.model_dump(mode="json", exclude_none=True)
    loc = report.location
    enrichment = enricher.enrich(loc.lat, loc.lon, loc.crs.value)
    return data, report.type, classifier(data), enrichment


@pytest.mark.parametrize("which", ["rulebook", "hint"])
@pytest.mark.parametrize("now", [NOW, NOW.astimezone(timezone(timedelta(hours=8)))])
def test_the_fast_document_is_the_models_document(enricher, rulebook, which, now):
    classifier = rulebook if which == "rulebook" else hint_classifier
    built = 0
    for raw in _cases():
        data, hint, c, enrichment = _parts(raw, enricher, classifier)
        incident_id = f"{data['source']}:{data['report_id']}"
        payload = incident_payload(data, hint, c, enrichment, now, incident_id)
        expected = incident_document(ClassifiedIncident.model_validate(payload), ingested_at=now)
        result = incident_document_from_parts(data, hint, c, enrichment, now)
        assert result is not None, raw
        doc, plain = result
        assert doc == expected
        assert list(doc) == list(expected)
        for part in ("event", "incident"):
            assert list(doc[part]) == list(expected[part]), part
        assert document_bytes(doc, plain) == dumps(expected)
        built += 1
    assert built == len(_cases())


def test_the_fast_path_agrees_with_the_model_on_its_samples():
    assert fast_path_differences(_build, incident_payload) == []


def test_small_floats_are_written_as_json_writes_them(enricher, rulebook):
    raw = {**report_factory(), "location": {"lat": 0.00001, "lon": 0.00002}}
    data, hint, c, enrichment = _parts(raw, enricher, rulebook)
    doc, plain = incident_document_from_parts(data, hint, c, enrichment, NOW)
    assert plain is False
    assert document_bytes(doc, plain) == dumps(doc)
    assert b'"lat":1e-05' in document_bytes(doc, plain)


BAD_CLASSIFICATIONS = {
    "category of another type": {"category": "natural_disaster"},
    "category for unclassified": {"type": "unclassified", "category": "accident"},
    "level 5": {"level": 5},
    "level as float": {"level": 4.0},
    "confidence above 1": {"confidence": 1.5},
    "rule id with a space": {"rule": {"id": "bad id", "version": "1"}},
    "blank rule version": {"rule": {"id": "r", "version": "  "}},
    "unknown explanation field": {"explanation": {"why": "x"}},
    "term too long": {"explanation": {"matched_terms": ["x" * 65]}},
    "count flag not a bool": {"counts_extracted": {"deaths": 1}},
    "negative casualties": {"casualties": {"deaths": -1}},
    "loss too large": {"economic_loss_cny": 1e14},
    "missing level": {"level": None},
}


@pytest.mark.parametrize("name", sorted(BAD_CLASSIFICATIONS))
def test_a_classification_the_fast_path_doubts_gets_the_models_verdict(enricher, name):
    def classifier(report: dict[str, Any]) -> dict[str, Any]:
        out = {**hint_classifier(report), **BAD_CLASSIFICATIONS[name]}
        return {k: v for k, v in out.items() if v is not None}

    raw = report_factory(type="fire")
    data, hint, c, enrichment = _parts(raw, enricher, classifier)
    assert incident_document_from_parts(data, hint, c, enrichment, NOW) is None
    now = datetime.now(UTC)
    processor = Processor(Settings(), enricher, classifier)
    [out] = processor.process(Origin("incidents.reports", 0, 1), json.dumps(raw).encode(), now)
    incident_id = f"{data['source']}:{data['report_id']}"
    try:
        payload = incident_payload(data, hint, c, enrichment, now, incident_id)
        expected = incident_document(ClassifiedIncident.model_validate(payload), ingested_at=now)
    except Exception:  # noqa: BLE001 - the model rejects it: the event is dead-lettered
        headers = dict(out.headers)
        assert out.is_deadletter
        assert headers["citywatch.stage"] == b"classify"
        assert headers["citywatch.error_code"] == b"classify_failed"
    else:
        assert not out.is_deadletter
        assert out.value == dumps(expected)


def test_an_incident_id_too_long_is_left_to_the_model(enricher):
    raw = report_factory(report_id="x" * 128)
    data, hint, c, enrichment = _parts(raw, enricher, hint_classifier)
    assert incident_document_from_parts(data, hint, c, enrichment, NOW) is None


def test_a_fast_path_that_drifts_from_the_model_is_not_used(enricher, monkeypatch):
    import pipeline.incident_documents as module

    def drifted(*parts: Any) -> tuple[dict[str, Any], bool]:
        doc, plain = _build(*parts)
        doc["incident"].pop("status", None)
        doc["incident"]["report_count"] = 2
        return doc, plain

    monkeypatch.setattr(module, "_AGREES", [])
    monkeypatch.setattr(module, "_build", drifted)
    data, hint, c, enrichment = _parts(report_factory(), enricher, hint_classifier)
    assert incident_document_from_parts(data, hint, c, enrichment, NOW) is None


@pytest.mark.parametrize("with_orjson", [True, False])
def test_either_fast_encoder_writes_what_json_writes(enricher, rulebook, monkeypatch, with_orjson):
    import pipeline.incident_documents as module

    if not with_orjson:
        monkeypatch.setattr(module, "orjson", None)
    for raw in _hand_written():
        data, hint, c, enrichment = _parts(raw, enricher, rulebook)
        doc, plain = incident_document_from_parts(data, hint, c, enrichment, NOW)
        assert document_bytes(doc, plain) == dumps(doc)
