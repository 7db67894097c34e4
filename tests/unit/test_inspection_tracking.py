"""Inspection tracking in the worker: tracked findings and ticks in, status documents,
counts documents, escalations and dead letters out (dict tables, no Kafka)."""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Iterator
from datetime import timedelta
from importlib import resources
from typing import Any

import pytest

from pipeline.inspection_tracking import (
    ESCALATED_KEY,
    InspectionTracker,
    district_ref,
    site_wgs84,
    tracked_message,
)
from pipeline.names import TopicNames
from pipeline.processing import DOC_ID_HEADER, Origin
from schemas.deadletters import DeadLetter
from schemas.inputs import InspectionFinding
from schemas.inspection_documents import inspection_counts_document, inspection_document
from tests.factories import finding_factory
from tests.factories_inspections import inspection_examples
from tests.unit.incidents_support import T0

TOPICS = TopicNames()
ORIGIN = Origin(TOPICS.tracked, 0, 7, key=b"310115")
WGS84 = (31.2397, 121.4998)
PUDONG = {"code": "310115", "name": "浦东新区"}
ANY_TIME = {"window_bounds": (-math.inf, math.inf)}
SCHOOL = {
    "name": "某小学",
    "kind": "school",
    "location": {"lat": 31.2300, "lon": 121.5300, "crs": "wgs84"},
}


def after(days: float = 0, hours: float = 0):
    return T0 + timedelta(days=days, hours=hours)


def finding(days: float = 7, **overrides: Any) -> dict[str, Any]:
    data = finding_factory(inspected_at=T0.isoformat(), deadline=after(days).isoformat())
    data.update(overrides)
    return data


def parse(data: dict[str, Any]) -> InspectionFinding:
    return InspectionFinding.model_validate(data, context=ANY_TIME)


def tracked(data: dict[str, Any], district: dict[str, Any] | None = PUDONG) -> bytes:
    parsed = parse(data)
    return tracked_message(TOPICS, parsed, district, WGS84).value


def tick(district: str, at) -> bytes:
    return json.dumps({"action": "tick", "district": district, "at": at.isoformat()}).encode()


def by_topic(out) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for m in out:
        found.setdefault(m.topic, []).append(json.loads(m.value))
    return found


def doc_id(message) -> str:
    return dict(message.headers)[DOC_ID_HEADER].decode()


@pytest.fixture
def tracker() -> InspectionTracker:
    return InspectionTracker(TOPICS, {})


# --- the tracked message -------------------------------------------------------------------


def test_tracked_message_is_keyed_by_district_and_carries_finding_district_and_point():
    data = finding()
    parsed = parse(data)
    message = tracked_message(TOPICS, parsed, PUDONG, WGS84)
    assert message.topic == "inspections.tracked" and message.key == b"310115"
    value = json.loads(message.value)
    assert set(value) == {"finding", "district", "geo"}
    assert value["finding"] == parsed.model_dump(mode="json")
    assert value["district"] == {"code": "310115", "name": "浦东新区", "name_en": "Pudong New Area"}
    assert value["geo"] == {"lat": 31.2397, "lon": 121.4998}
    assert dict(message.headers)["citywatch.event_id"] == data["finding_id"].encode()


def test_tracked_message_prefers_the_inspectors_district_and_keys_outside():
    data = finding()  # district_code 310115
    huangpu = {"code": "310101", "name": "黄浦区"}
    message = tracked_message(TOPICS, parse(data), huangpu, WGS84)
    assert message.key == b"310115"
    assert json.loads(message.value)["district"]["name"] == "浦东新区"
    del data["district_code"]
    message = tracked_message(TOPICS, parse(data), None, (30.0, 122.9))
    assert message.key == b"outside"
    assert json.loads(message.value)["district"] is None
    assert district_ref("999999", {"code": "999999", "name": "x"}) == {
        "code": "999999",
        "name": "x",
    }


# --- findings ------------------------------------------------------------------------------


def test_open_update_rectify(tracker):
    data = finding(days=7, hazard_level="major")
    out = tracker.handle(ORIGIN, tracked(data), now=after(0, 1))
    assert [m.topic for m in out] == ["inspections.status", "inspections.counts"]
    assert out[0].key == data["finding_id"].encode() and doc_id(out[0]) == data["finding_id"]
    assert out[1].key == b"310115" and doc_id(out[1]) == "310115"
    doc = json.loads(out[0].value)
    assert doc["@timestamp"] == doc["inspection"]["inspected_at"]
    assert doc["event"]["id"] == data["finding_id"]
    assert doc["event"]["kind"] == "state"
    assert doc["event"]["dataset"] == "citywatch.inspections"
    body = doc["inspection"]
    assert body["status"] == "open" and body["escalations"] == 0
    assert body["site"] == {
        "id": "site-310115-0042",
        "key": "site-310115-0042",
        "name": "陆家嘴某小区",
        "kind": "community",
    }
    assert body["district"] == {"code": "310115", "name": "浦东新区", "name_en": "Pudong New Area"}
    assert body["hazard_level"] == "major"
    assert "rectified_at" not in body and "last_escalated_at" not in body
    assert doc["geo"] == {"location": {"lat": 31.2397, "lon": 121.4998}}
    counts = json.loads(out[1].value)
    assert counts["event"] | {"ingested": None} == {
        "id": "310115",
        "kind": "metric",
        "dataset": "citywatch.inspection-counts",
        "created": after(0, 1).isoformat(),
        "ingested": None,
    }
    assert counts["counts"]["district"] == PUDONG
    assert (counts["counts"]["open"], counts["counts"]["major_open"]) == (1, 1)

    # a new description changes the document but not the counts
    out = tracker.handle(ORIGIN, tracked({**data, "hazard": "仍未整改"}), now=after(1))
    assert [m.topic for m in out] == ["inspections.status"]
    assert json.loads(out[0].value)["inspection"]["hazard"] == "仍未整改"

    rectified = {**data, "hazard": "仍未整改", "rectified_at": after(2).isoformat()}
    out = tracker.handle(ORIGIN, tracked(rectified), now=after(2, 1))
    found = by_topic(out)
    body = found["inspections.status"][0]["inspection"]
    assert body["status"] == "rectified"
    assert body["rectified_at"] == after(2).isoformat()
    counts = found["inspections.counts"][0]["counts"]
    assert counts | {"by_site_kind": None, "district": None} == {
        "district": None,
        "total": 1,
        "open": 0,
        "overdue": 0,
        "rectified": 1,
        "major_open": 0,
        "by_site_kind": None,
    }
    assert tracker.districts() == {"310115"}


def test_redelivery_and_stale_events_repeat_the_same_document(tracker):
    data = finding(days=7)
    first = tracker.handle(ORIGIN, tracked(data), now=after(0, 1))
    table = json.loads(json.dumps(tracker.table))
    again = tracker.handle(ORIGIN, tracked(data), now=after(0, 1))
    assert again == first[:1]
    assert json.loads(json.dumps(tracker.table)) == table
    later = tracker.handle(ORIGIN, tracked(data), now=after(0, 5))
    assert len(later) == 1 and doc_id(later[0]) == doc_id(first[0])
    a, b = json.loads(first[0].value), json.loads(later[0].value)
    assert a | {"event": None} == b | {"event": None}  # only event.ingested differs

    done = {**data, "rectified_at": after(1).isoformat()}
    rectified = tracker.handle(ORIGIN, tracked(done), now=after(1, 1))
    stale = tracker.handle(ORIGIN, tracked(data), now=after(1, 1))  # older event, redelivered
    assert stale == rectified[:1]
    assert json.loads(stale[0].value)["inspection"]["status"] == "rectified"


def test_tick_escalates_once_per_period(tracker):
    data = finding(days=1, hazard_level="major")
    tracker.handle(ORIGIN, tracked(data), now=after(0))
    assert tracker.handle(ORIGIN, tick("310115", after(0, 23)), now=after(0, 23)) == []

    out = tracker.handle(ORIGIN, tick("310115", after(1, 2)), now=after(1, 2))
    assert [m.topic for m in out] == [
        "inspections.escalations",
        "inspections.status",
        "inspections.counts",
    ]
    escalation = json.loads(out[0].value)
    assert out[0].key == data["finding_id"].encode()
    assert escalation["event_id"] == f"{data['finding_id']}:escalation:1"
    assert escalation["escalation"] == 1 and escalation["overdue_by_s"] == 7200
    assert escalation["district"]["code"] == "310115"
    assert escalation["site"]["name"] == "陆家嘴某小区"
    assert escalation["hazard_level"] == "major" and escalation["hazard"] == data["hazard"]
    assert escalation["deadline"] == after(1).isoformat()
    assert escalation["at"] == after(1, 2).isoformat()
    assert "重大隐患" in escalation["message_zh"]
    status = json.loads(out[1].value)["inspection"]
    assert status["status"] == "overdue" and status["escalations"] == 1
    assert status["last_escalated_at"] == after(1, 2).isoformat()
    counts = json.loads(out[2].value)["counts"]
    assert (counts["open"], counts["overdue"], counts["major_open"]) == (1, 1, 1)

    # the same tick redelivered, and later ticks within the period: nothing
    assert tracker.handle(ORIGIN, tick("310115", after(1, 2)), now=after(1, 3)) == []
    assert tracker.tick("310115", after(1, 20)) == []
    # the next period: escalated again
    out = tracker.tick("310115", after(2, 1))
    found = by_topic(out)
    assert [e["escalation"] for e in found["inspections.escalations"]] == [2]
    assert found["inspections.status"][0]["inspection"]["escalations"] == 2
    # an update keeps the escalation count and time
    out = tracker.handle(ORIGIN, tracked({**data, "hazard": "已部分整改"}), now=after(2, 2))
    status = json.loads(out[0].value)["inspection"]
    assert (status["status"], status["escalations"]) == ("overdue", 2)
    assert status["last_escalated_at"] == after(2, 1).isoformat()


def test_tick_document_equals_the_finding_document(tracker):
    data = finding(days=1)
    data["site"]["location"] = {"lat": 31.2377, "lon": 121.5043, "crs": "gcj02"}
    from pipeline.geo.crs import convert

    point = convert(31.2377, 121.5043, "gcj02", "wgs84")
    parsed = parse(data)
    value = tracked_message(TOPICS, parsed, PUDONG, point).value
    first = json.loads(tracker.handle(ORIGIN, value, now=after(1, 1))[0].value)
    assert first["inspection"]["status"] == "overdue"
    out = tracker.tick("310115", after(1, 1))
    from_tick = by_topic(out)["inspections.status"][0]
    assert from_tick["geo"] == first["geo"] == {"location": site_wgs84(data["site"])}
    assert from_tick["inspection"] | {"escalations": 0, "last_escalated_at": None} == first[
        "inspection"
    ] | {"escalations": 0, "last_escalated_at": None}


def test_counts_by_district_and_site_kind(tracker):
    findings = [
        finding(days=1, hazard_level="major"),
        finding(days=10),
        finding(days=1, site=SCHOOL),
        finding(days=1, site=SCHOOL, rectified_at=after(0, 5).isoformat()),
    ]
    for f in findings:
        tracker.handle(ORIGIN, tracked(f), now=after(0, 6))
    huangpu = finding(days=3, district_code="310101")
    out = tracker.handle(
        ORIGIN, tracked(huangpu, {"code": "310101", "name": "黄浦区"}), after(0, 6)
    )
    counts = json.loads(out[-1].value)
    assert counts["event"]["id"] == "310101" and counts["counts"]["total"] == 1
    assert counts["counts"]["district"] == {"code": "310101", "name": "黄浦区"}
    assert tracker.districts() == {"310115", "310101"}

    out = tracker.tick("310115", after(2))
    found = by_topic(out)
    assert len(found["inspections.escalations"]) == 2  # the two open findings due on day 1
    counts = found["inspections.counts"][0]["counts"]
    assert {k: counts[k] for k in ("total", "open", "overdue", "rectified", "major_open")} == {
        "total": 4,
        "open": 3,
        "overdue": 2,
        "rectified": 1,
        "major_open": 1,
    }
    assert counts["by_site_kind"] == [
        {
            "site_kind": "community",
            "total": 2,
            "open": 2,
            "overdue": 1,
            "rectified": 0,
            "major_open": 1,
        },
        {
            "site_kind": "school",
            "total": 2,
            "open": 1,
            "overdue": 1,
            "rectified": 1,
            "major_open": 0,
        },
    ]


def test_prune_drops_old_rectified_findings_and_empty_districts():
    tracker = InspectionTracker(TOPICS, {}, retention_s=86400)
    data = finding(days=1, rectified_at=after(0, 5).isoformat())
    tracker.handle(ORIGIN, tracked(data), now=after(0, 6))
    assert tracker.tick("310115", after(1)) == []
    out = tracker.tick("310115", after(1, 6))
    assert [m.topic for m in out] == ["inspections.counts"]
    assert json.loads(out[0].value)["counts"]["total"] == 0
    assert tracker.districts() == set() and "310115" not in tracker.table
    assert tracker.tick("310115", after(5)) == []


def test_outside_findings_are_tracked_under_outside(tracker):
    data = finding(days=1)
    del data["district_code"]
    data["site"]["location"] = {"lat": 30.0, "lon": 122.9, "crs": "wgs84"}
    out = tracker.handle(ORIGIN, tracked(data, None), now=after(0, 1))
    doc = json.loads(out[0].value)
    assert "district" not in doc["inspection"]
    counts = json.loads(out[1].value)
    assert counts["event"]["id"] == "outside" and counts["counts"]["district"] == {
        "code": "outside"
    }
    assert tracker.districts() == {"outside"}
    out = tracker.tick("outside", after(1, 1))
    assert json.loads(out[0].value)["district"] is None


def test_table_value_is_the_state_plus_escalation_times(tracker):
    data = finding(days=1)
    tracker.handle(ORIGIN, tracked(data), now=after(0))
    tracker.tick("310115", after(1, 1))
    stored = tracker.table["310115"]
    assert stored["key"] == "310115" and data["finding_id"] in stored["findings"]
    assert stored[ESCALATED_KEY] == {data["finding_id"]: after(1, 1).isoformat()}


# --- dead letters ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code", "text"),
    [
        (b"{not json", "invalid_json", "not valid JSON"),
        (b"\xff\xfe", "invalid_json", "not valid JSON"),
        (b"[1, 2]", "invalid_json", "JSON object"),
        (b'{"hello": 1}', "invalid_value", "tracked finding"),
        (b'{"finding": {}, "district": "310115"}', "invalid_value", "district"),
        (b'{"finding": {}, "district": null, "geo": {"lat": "x"}}', "invalid_value", "geo"),
        (b'{"finding": {"finding_id": "f-1"}, "district": null}', "invalid_finding", "site"),
        (b'{"action": "lift", "district": "310115"}', "invalid_command", "unknown action"),
        (b'{"action": "tick", "district": "310115", "at": "soon"}', "invalid_command", "at"),
        (b'{"action": "tick", "at": "2025-07-01T00:00:00Z"}', "invalid_command", "district"),
    ],
)
def test_unusable_input_is_dead_lettered_with_its_bytes(tracker, value, code, text):
    out = tracker.handle(ORIGIN, value, now=after(0))
    assert len(out) == 1 and out[0].is_deadletter
    assert out[0].topic == "deadletter" and out[0].value == value and out[0].key == b"310115"
    dead = DeadLetter.from_kafka(out[0].value, out[0].headers, key=out[0].key)
    assert dead.stage == "inspect" and dead.error_code == code
    assert text in dead.message
    assert base64.b64decode(dead.original_b64) == value
    assert dead.offset == 7 and dead.source_topic == "inspections.tracked"
    assert tracker.table == {}


def test_invalid_finding_names_the_field_and_leaves_the_state_alone(tracker):
    good = finding(days=3)
    tracker.handle(ORIGIN, tracked(good), now=after(0))
    before = json.loads(json.dumps(tracker.table))
    bad = {**finding(days=3), "deadline": after(-1).isoformat()}
    value = json.dumps({"finding": bad, "district": PUDONG, "geo": None}).encode()
    out = tracker.handle(ORIGIN, value, now=after(0))
    dead = DeadLetter.from_kafka(out[0].value, out[0].headers)
    assert (dead.error_code, dead.stage) == ("invalid_finding", "inspect")
    assert "deadline" in dead.message
    assert out[0].value == value
    assert json.loads(json.dumps(tracker.table)) == before


def test_empty_value_is_dead_lettered(tracker):
    out = tracker.handle(ORIGIN, None, now=after(0))
    assert out[0].is_deadletter and out[0].value == b""


# --- documents against the templates ---------------------------------------------------------


def template_mapping(kind: str) -> dict[str, Any]:
    path = resources.files("schemas").joinpath("elasticsearch", f"{kind}.json")
    return json.loads(path.read_text("utf-8"))["template"]["mappings"]


GEO_POINTS = {"geo.location"}


def doc_paths(doc: Any, prefix: str = "") -> Iterator[str]:
    """The dotted path of every leaf of a document (list items under their list's path)."""
    for key, value in doc.items():
        where = f"{prefix}{key}"
        items = value if isinstance(value, list) else [value]
        for item in items:
            if isinstance(item, dict) and where not in GEO_POINTS:
                yield from doc_paths(item, where + ".")
            else:
                yield where


def mapping_paths(mapping: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """``{dotted path: type}`` of every leaf field of a mapping."""
    out: dict[str, str] = {}
    for key, field in mapping.get("properties", {}).items():
        if "properties" in field:
            out |= mapping_paths(field, f"{prefix}{key}.")
        else:
            out[f"{prefix}{key}"] = field["type"]
    return out


@pytest.mark.parametrize("kind", ["inspections", "inspection-counts"])
def test_examples_fill_exactly_the_template(kind):
    doc = inspection_examples(ingested_at=T0)[kind]
    fields = mapping_paths(template_mapping(kind))
    paths = set(doc_paths(doc))
    assert paths - set(fields) == set()  # every document field is declared
    assert set(fields) - paths == set()  # and the example exercises every declared field
    assert doc["event"]["ingested"] == T0.isoformat()


def test_tracker_documents_fit_the_templates(tracker):
    data = finding(days=1, site={**SCHOOL, "site_id": "s-1"})
    out = tracker.handle(ORIGIN, tracked(data), now=after(0))
    out += tracker.tick("310115", after(2))
    out += tracker.handle(
        ORIGIN, tracked({**data, "rectified_at": after(3).isoformat()}), now=after(3, 1)
    )
    kinds = {"inspections.status": "inspections", "inspections.counts": "inspection-counts"}
    checked = 0
    for m in out:
        if m.topic not in kinds:
            continue
        fields = mapping_paths(template_mapping(kinds[m.topic]))
        assert set(doc_paths(json.loads(m.value))) <= set(fields)
        checked += 1
    assert checked == 6


def test_templates_are_strict_with_standard_text_analysis():
    for kind in ("inspections", "inspection-counts"):
        path = resources.files("schemas").joinpath("elasticsearch", f"{kind}.json")
        body = json.loads(path.read_text("utf-8"))
        assert set(body) == {"_meta", "template"}
        assert "standard analyzer" in body["_meta"]["analysis"]
        assert body["template"]["mappings"]["dynamic"] == "strict"
        text = json.dumps(body)
        for unavailable in ("cjk", "smartcn", "scaled_float", "match_only_text", "wildcard"):
            assert f'"{unavailable}"' not in text
    fields = mapping_paths(template_mapping("inspections"))
    assert fields["inspection.hazard"] == "text" and fields["geo.location"] == "geo_point"
    nested = template_mapping("inspection-counts")["properties"]["counts"]["properties"]
    assert nested["by_site_kind"]["type"] == "nested"


def test_document_builders_reject_unknown_status_and_fill_zero_counts():
    with pytest.raises(ValueError, match="status"):
        inspection_document(
            {
                "finding_id": "f",
                "site": {"name": "n", "kind": "other"},
                "hazard": "h",
                "hazard_level": "general",
                "inspected_at": T0.isoformat(),
                "deadline": T0.isoformat(),
            },
            status="closed",
        )
    doc = inspection_counts_document("310101", None, {}, T0)
    assert doc["counts"] == {
        "district": {"code": "310101"},
        "total": 0,
        "open": 0,
        "overdue": 0,
        "rectified": 0,
        "major_open": 0,
        "by_site_kind": [],
    }
    assert doc["@timestamp"] == T0.isoformat() == doc["event"]["created"]
