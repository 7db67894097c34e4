"""Inspection findings: tracked until rectified, escalated once per overdue period, counted."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from pipeline.incidents import IncidentError, InspectionState, counts, overdue, track
from pipeline.incidents.inspections import finding_key, open_by_site, prune
from tests.factories import finding_factory
from tests.unit.incidents_support import T0


def finding(days: float = 7, **overrides):
    data = finding_factory(
        inspected_at=T0.isoformat(), deadline=(T0 + timedelta(days=days)).isoformat()
    )
    data.update(overrides)
    return data


def after(days: float = 0, hours: float = 0):
    return T0 + timedelta(days=days, hours=hours)


def test_escalates_once_per_overdue_period():
    state = InspectionState.empty("310115")
    f = finding(days=7, hazard_level="major")
    state, event = track(state, f, after(0))
    assert (event["action"], event["status"]) == ("opened", "open")
    assert overdue(state, after(7)) == []
    first = overdue(state, after(7, hours=1))
    assert [e["escalation"] for e in first] == [1]
    assert first[0]["event_id"] == f"{f['finding_id']}:escalation:1"
    assert first[0]["overdue_s"] == 3600
    assert "重大隐患" in first[0]["message_zh"] and "major hazard" in first[0]["message_en"]
    assert overdue(state, after(7, hours=23)) == []
    assert [e["escalation"] for e in overdue(state, after(8, hours=1))] == [2]
    assert overdue(state, after(8, hours=2)) == []
    assert [e["escalation"] for e in overdue(state, after(12))] == [3]
    assert overdue(state, after(12, hours=1)) == []


def test_rectified_findings_do_not_escalate_and_stay_rectified():
    state = InspectionState.empty("310115")
    f = finding(days=1)
    state, _ = track(state, f, after(0))
    state, event = track(state, {**f, "rectified_at": after(0, hours=20).isoformat()}, after(0, 20))
    assert (event["action"], event["status"]) == ("rectified", "rectified")
    assert overdue(state, after(3)) == []
    state, event = track(state, f, after(3))
    assert event["action"] == "stale"
    assert state.findings[f["finding_id"]].rectified_at is not None


def test_new_deadline_restarts_escalation():
    state = InspectionState.empty("310115")
    f = finding(days=1)
    state, _ = track(state, f, after(0))
    assert len(overdue(state, after(1, hours=1))) == 1
    state, event = track(state, {**f, "deadline": after(5).isoformat()}, after(1, hours=2))
    assert event["action"] == "updated"
    assert overdue(state, after(2)) == []
    events = overdue(state, after(5, hours=1))
    assert [e["escalation"] for e in events] == [2]
    state, event = track(state, {**f, "deadline": after(5).isoformat()}, after(5, hours=2))
    assert event["action"] == "unchanged"


def test_counts_by_district_and_site_kind():
    state = InspectionState.empty("310115")
    school = {"name": "某小学", "kind": "school", "location": {"lat": 31.23, "lon": 121.53}}
    findings = [
        finding(days=1, hazard_level="major"),
        finding(days=10),
        finding(days=1, site=school),
        finding(days=1, site=school, rectified_at=after(0, 5).isoformat()),
    ]
    for f in findings:
        state, _ = track(state, f, after(0))
    result = counts(state, after(2))
    assert result["by_district"] == {
        "310115": {"total": 4, "open": 3, "overdue": 2, "rectified": 1, "major_open": 1}
    }
    assert result["by_site_kind"] == {
        "community": {"total": 2, "open": 2, "overdue": 1, "rectified": 0, "major_open": 1},
        "school": {"total": 2, "open": 1, "overdue": 1, "rectified": 1, "major_open": 0},
    }
    sites = open_by_site(state)
    assert sites["site-310115-0042"] == [findings[0]["finding_id"], findings[1]["finding_id"]]
    assert prune(state, after(40)) == [findings[3]["finding_id"]]


def test_district_from_the_site_point_and_round_trip():
    f = finding()
    del f["district_code"]
    f["site"] = {
        "name": "人民广场某商场",
        "kind": "market",
        "location": {"lat": 31.2329, "lon": 121.4703},
    }
    assert finding_key(f) == "310101"
    state = InspectionState.empty("310101")
    state, event = track(state, f, after(0))
    assert event["district_code"] == "310101"
    copy = InspectionState.from_dict(json.loads(json.dumps(state.to_dict())))
    assert overdue(copy, after(8)) == overdue(state, after(8))
    assert copy.to_dict() == state.to_dict()


def test_invalid_finding_is_named():
    with pytest.raises(IncidentError, match="deadline"):
        track(InspectionState.empty("310115"), finding(days=-1), after(0))
