"""Elasticsearch documents fit their index templates (no Elasticsearch needed)."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import pytest

from schemas import (
    ClassifiedIncident,
    DeadLetter,
    SensorReading,
    Warning,
)
from schemas.documents import (
    deadletter_document,
    incident_document,
    reading_document,
    warning_document,
)
from tests.factories import (
    classified_factory,
    example_documents,
    reading_factory,
    warning_factory,
)

KINDS = (
    "incidents",
    "warnings",
    "readings",
    "deadletter",
    "risk",
    "inspections",
    "inspection-counts",
)
INGESTED = datetime(2025, 7, 1, 4, 0, tzinfo=UTC)
LEAF_TYPES = {
    "keyword": lambda v: isinstance(v, str),
    "text": lambda v: isinstance(v, str),
    "date": lambda v: isinstance(v, str) and datetime.fromisoformat(v).tzinfo is not None,
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool) and abs(v) < 2**31,
    "long": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "float": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "double": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "binary": lambda v: isinstance(v, str) and base64.b64decode(v, validate=True) is not None,
    "geo_point": lambda v: isinstance(v, dict) and set(v) == {"lat", "lon"},
}


def template(kind: str) -> dict[str, Any]:
    text = resources.files("schemas").joinpath("elasticsearch", f"{kind}.json").read_text("utf-8")
    return json.loads(text)


def mapping_problems(doc: Any, mapping: dict[str, Any], path: str = "") -> Iterator[str]:
    """Every key of ``doc`` missing from ``mapping`` or holding a value of the wrong type."""
    for key, value in doc.items():
        where = f"{path}{key}"
        field = mapping.get("properties", {}).get(key)
        if field is None:
            yield f"{where}: not declared"
            continue
        for item in value if isinstance(value, list) else [value]:
            if "properties" in field:
                if not isinstance(item, dict):
                    yield f"{where}: object expected, got {item!r}"
                else:
                    yield from mapping_problems(item, field, where + ".")
            elif not LEAF_TYPES[field["type"]](item):
                yield f"{where}: {item!r} does not fit {field['type']}"


@pytest.mark.parametrize("kind", KINDS)
def test_document_fits_its_template(kind: str):
    doc = example_documents(ingested_at=INGESTED)[kind]
    mapping = template(kind)["template"]["mappings"]
    assert list(mapping_problems(doc, mapping)) == []
    assert doc["event"]["id"] and doc["event"]["dataset"] == f"citywatch.{kind}"
    assert doc["event"]["ingested"] == INGESTED.isoformat()
    assert "@timestamp" in doc


def test_the_walker_finds_undeclared_and_mistyped_fields():
    mapping = template("incidents")["template"]["mappings"]
    doc = example_documents(ingested_at=INGESTED)["incidents"]
    doc["incident"]["surprise"] = 1
    doc["incident"]["level"] = "Ⅳ"
    doc["geo"]["location"] = [121.49, 31.24]
    assert sorted(mapping_problems(doc, mapping)) == [
        "geo.location: 121.49 does not fit geo_point",
        "geo.location: 31.24 does not fit geo_point",
        "incident.level: 'Ⅳ' does not fit integer",
        "incident.surprise: not declared",
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_template_is_strict_and_uses_only_builtin_analysis(kind: str):
    body = template(kind)
    assert set(body) == {"_meta", "template"}
    mappings = body["template"]["mappings"]
    assert mappings["dynamic"] == "strict"
    assert mappings["properties"]["@timestamp"] == {"type": "date"}
    assert {"id", "kind", "dataset", "created", "ingested"} <= set(
        mappings["properties"]["event"]["properties"]
    )
    assert "standard analyzer" in body["_meta"]["analysis"]
    text = json.dumps(body)
    for unavailable in ("cjk", "smartcn", "scaled_float", "match_only_text", "wildcard"):
        assert f'"{unavailable}"' not in text
    analyzers = {m.group(0) for m in re.finditer(r'"analyzer": "[a-z_]+"', text)}
    assert analyzers <= {'"analyzer": "standard"'}


def test_incident_document_states_its_datums_and_ecs_fields():
    incident = ClassifiedIncident.model_validate(classified_factory())
    doc = incident_document(incident)
    assert doc["geo"]["location"] == {"lat": incident.geo.wgs84.lat, "lon": incident.geo.wgs84.lon}
    assert doc["incident"]["gcj02"] == {
        "lat": incident.geo.gcj02.lat,
        "lon": incident.geo.gcj02.lon,
    }
    assert doc["incident"]["location"]["crs"] == "wgs84"
    assert doc["message"] == incident.description
    assert doc["event"] | {"ingested": None} == {
        "id": incident.incident_id,
        "kind": "event",
        "category": ["accident"],
        "dataset": "citywatch.incidents",
        "provider": "hotline_119",
        "severity": 4,
        "created": incident.processed_at.isoformat(),
        "ingested": None,
    }
    assert "ingested" not in doc["event"]


def test_reading_document_uses_a_wgs84_location_and_a_stable_id():
    reading = SensorReading.model_validate(reading_factory())
    doc = reading_document(reading)
    assert doc["geo"]["location"] == {"lat": reading.location.lat, "lon": reading.location.lon}
    assert doc["event"]["id"] == reading_document(reading)["event"]["id"]
    assert doc["event"]["id"].startswith(reading.sensor_id + "@")
    gcj = SensorReading.model_validate(
        reading_factory(location={"lat": 31.2, "lon": 121.4, "crs": "gcj02"})
    )
    assert "geo" not in reading_document(gcj)


def test_deadletter_document_cuts_the_original_and_keeps_text():
    dead = DeadLetter.build(
        b"x" * 100,
        stage="validate",
        error_code="too_large",
        message="event value: must be at most 10 bytes; got 100 bytes",
        source_topic="sensors.readings",
        partition=1,
        offset=7,
        at=INGESTED,
    )
    doc = deadletter_document(dead, max_original_bytes=10)
    assert doc["event"]["id"] == "sensors.readings:1:7"
    assert doc["event"]["original"] == "x" * 10
    assert doc["deadletter"]["original_truncated"] is True
    assert base64.b64decode(doc["deadletter"]["original_b64"]) == b"x" * 10
    assert doc["deadletter"]["original_size"] == 100
    assert doc["error"] == {"code": "too_large", "message": dead.message}


def test_warning_document_summary_is_bilingual():
    doc = warning_document(Warning.model_validate(warning_factory()))
    assert doc["message"].startswith("黄浦区 暴雨 蓝色预警(四级) 发布 / rainstorm blue")
    assert doc["warning"]["level_rank"] == 1
    assert doc["event"]["id"].endswith(":1")
