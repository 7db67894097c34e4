"""Splitting a wrongly merged report out: audited in both incidents, levels recomputed."""

from __future__ import annotations

import pytest

from pipeline.incidents import Correlator, DistrictIncidents, SplitError, UnknownIncident, split
from tests.unit.incidents_support import BUND, north_of, report

WHEN = "2025-07-01T11:00:00+08:00"


def merged_state():
    correlator = Correlator()
    state = DistrictIncidents.empty("310101")
    reports = [
        report(report_id="s1", level=4),
        report(report_id="s2", source="hotline_110", minutes=3, level=2, point=north_of(BUND, 300)),
        report(report_id="s3", source="hotline_110", minutes=9, level=2, updates="s2"),
        report(report_id="s4", source="hotline_120", minutes=5, level=3),
    ]
    for r in reports:
        state, update = correlator.correlate(state, r)
    assert update.report_count == 4 and update.level == 2
    return state, update.incident_id


def test_split_moves_the_report_and_its_follow_ups():
    state, incident_id = merged_state()
    state, (old, new) = split(
        state, incident_id, "hotline_110:s2", "op-7", "another building", WHEN
    )
    assert new.incident_id == "hotline_110:s2"
    assert [r.report_id for r in new.reports] == ["s2", "s3"]
    assert [r.report_id for r in old.reports] == ["s1", "s4"]
    assert (old.level, old.previous_level, old.changed_level) == (3, 2, True)
    assert new.level == 2
    assert new.location["lat"] == pytest.approx(north_of(BUND, 300)[0])
    audit_old = [(m.action, m.report_id, m.by, m.incident_id) for m in old.merge_history[-2:]]
    assert audit_old == [
        ("split", "s2", "op-7", "hotline_110:s2"),
        ("split", "s3", "op-7", "hotline_110:s2"),
    ]
    audit_new = [(m.action, m.report_id, m.by, m.incident_id) for m in new.merge_history]
    assert audit_new == [("split", "s2", "op-7", incident_id), ("split", "s3", "op-7", incident_id)]
    assert all(m.reason == "another building" for m in new.merge_history)
    assert old.grade_history[-1].change == "down"
    assert "split out by op-7" in old.grade_history[-1].reason
    assert new.grade_history[0].change == "initial"
    assert "another building" in new.grade_history[0].reason
    assert set(state.incidents) == {incident_id, "hotline_110:s2"}


def test_later_reports_still_find_the_split_report():
    state, incident_id = merged_state()
    state, _ = split(state, incident_id, "hotline_110:s2", "op-7", "another building", WHEN)
    follow = report(report_id="s5", source="hotline_110", minutes=30, level=1, updates="s2")
    state, update = Correlator().correlate(state, follow)
    assert update.incident_id == "hotline_110:s2"
    assert update.level == 1
    assert state.get(incident_id).level == 3


@pytest.mark.parametrize(
    ("incident", "key", "by", "reason", "message"),
    [
        ("hotline_119:s1", "hotline_119:s1", "op", "x", "founded incident"),
        ("hotline_119:s1", "hotline_119:nope", "op", "x", "is not in incident"),
        ("hotline_119:s1", "hotline_120:s4", "", "x", "needs the operator"),
        ("hotline_119:s1", "hotline_120:s4", "op", " ", "and a reason"),
    ],
)
def test_split_refusals_are_clear(incident, key, by, reason, message):
    state, _ = merged_state()
    with pytest.raises(SplitError, match=message):
        split(state, incident, key, by, reason, WHEN)


def test_split_of_unknown_incident():
    state, _ = merged_state()
    with pytest.raises(UnknownIncident, match="no incident 'x:y'"):
        split(state, "x:y", "hotline_120:s4", "op", "why", WHEN)
