"""CAP mapping: msgType, category, severity, urgency, certainty, identifiers, areas."""

from __future__ import annotations

from datetime import datetime

import pytest
from shapely.geometry import Polygon

from consumers.alerts import mapping as m
from consumers.alerts.areas import district_polygons
from consumers.alerts.cap import cap_time, summary_of, to_xml
from consumers.alerts.messages import (
    MessageOptions,
    build_message,
    identifier_for,
    msg_type_for,
)
from consumers.common.documents import change_of
from pipeline.geo.districts import all_districts, district_polygon
from schemas.enums import Hazard, IncidentType
from tests.alerts_support import incident_doc, warning_chain


def _change(doc):
    return change_of(doc["event"]["id"], doc)


def test_every_hazard_and_incident_type_has_a_cap_category():
    assert set(m.HAZARD_CAP_CATEGORY) == {h.value for h in Hazard}
    assert set(m.INCIDENT_CATEGORY) == {t.value for t in IncidentType}
    assert m.INCIDENT_CATEGORY["fire"] == "Fire"
    assert m.INCIDENT_CATEGORY["metro"] == "Transport"
    assert m.INCIDENT_CATEGORY["food_poisoning"] == "Health"
    assert m.INCIDENT_CATEGORY["hazardous_chemicals"] == "CBRNE"
    assert m.HAZARD_CAP_CATEGORY["rainstorm"] == "Met"


@pytest.mark.parametrize(
    ("colour", "severity", "urgency", "response"),
    [
        ("red", "Extreme", "Immediate", "Prepare"),
        ("orange", "Severe", "Immediate", "Prepare"),
        ("yellow", "Moderate", "Expected", "Monitor"),
        ("blue", "Minor", "Expected", "Monitor"),
    ],
)
def test_warning_colour_mapping(colour, severity, urgency, response):
    assert m.SEVERITY_OF_COLOUR[colour] == severity
    assert m.warning_urgency(colour, "issue") == urgency
    assert m.warning_response(colour, "escalate") == response
    assert m.warning_urgency(colour, "end") == "Past"
    assert m.warning_response(colour, "end") == "AllClear"


def test_incident_level_and_source_mapping():
    assert [m.SEVERITY_OF_LEVEL[n] for n in (1, 2, 3, 4)] == [
        "Extreme",
        "Severe",
        "Moderate",
        "Minor",
    ]
    assert m.incident_certainty("field_team") == "Observed"
    assert m.incident_certainty("hotline_110") == "Likely"
    assert m.incident_response(2) == "Avoid" and m.incident_response(3) == "Monitor"


def test_msg_types_follow_warning_actions():
    docs = warning_chain("w-map-1")
    opts = MessageOptions()
    earlier = []
    types = []
    for doc in docs:
        change = _change(doc)
        message = build_message(change, doc, earlier, opts)
        types.append(message.msg_type)
        assert message.references == tuple(s.reference for s in earlier)
        earlier.append(summary_of(to_xml(message)))
    assert types == ["Alert", "Update", "Update", "Cancel"]
    assert len(earlier[-1].references) == 3


def test_change_without_known_chain():
    escalate, end = warning_chain("w-map-2")[1], warning_chain("w-map-3")[3]
    assert msg_type_for(_change(escalate), [], 2) == "Alert"
    assert msg_type_for(_change(end), [], 2) is None


def test_incidents_alert_at_level_two_or_one_only():
    assert msg_type_for(_change(incident_doc("r-m1", [3])), [], 2) is None
    assert msg_type_for(_change(incident_doc("r-m2", [2])), [], 2) == "Alert"
    assert msg_type_for(_change(incident_doc("r-m3", [1])), [], 2) == "Alert"


def test_identifiers_are_deterministic_and_start_with_the_district_code():
    doc = warning_chain("w-310115-gale-9", code="310115", name="浦东新区", hazard="gale")[1]
    assert identifier_for(_change(doc)) == "310115-W-w-310115-gale-9~2"
    regraded = incident_doc("r-id-1", [3, 2])
    assert identifier_for(_change(regraded)) == "310101-I-hotline_119~r-id-1+2"
    outside = incident_doc("r-id-2", [2], district=None)
    assert identifier_for(_change(outside)).startswith("310000-I-")


def test_sent_is_the_change_time_in_china_standard_time():
    doc = warning_chain("w-map-4")[0]
    message = build_message(_change(doc), doc, [], MessageOptions())
    assert message.sent == cap_time(datetime.fromisoformat(doc["warning"]["at"]))
    assert message.sent.endswith("+08:00")


def test_info_blocks_in_two_languages_with_area_and_geocode():
    doc = incident_doc("r-m5", [2], description="仓库起火,3人死亡。Warehouse fire, 3 dead.")
    message = build_message(_change(doc), doc, [], MessageOptions())
    assert [i.language for i in message.infos] == ["zh-CN", "en"]
    zh, en = message.infos
    assert zh.severity == en.severity == "Severe"
    assert zh.categories == ("Fire",)
    assert zh.areas[0].desc == "上海市黄浦区" and en.areas[0].desc == "Huangpu District, Shanghai"
    assert zh.areas[0].geocodes == (("GB/T 2260", "310101"),)
    assert zh.areas[0].circles and zh.areas[0].polygons


@pytest.mark.parametrize("district", all_districts(), ids=lambda d: d.code)
def test_district_polygons_are_short_closed_and_cover_the_district(district):
    rings = district_polygons(district.code)
    assert 1 <= len(rings)
    assert sum(len(r.split()) for r in rings) <= 120
    largest = rings[0].split()
    assert largest[0] == largest[-1] and len(largest) >= 4
    shape = Polygon([tuple(map(float, p.split(",")))[::-1] for p in largest])
    true = max(district_polygon(district.code).geoms, key=lambda p: p.area)
    overlap = shape.intersection(true).area / true.area
    assert overlap > 0.9, overlap
