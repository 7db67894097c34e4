"""Re-grading by follow-ups: up and down, with history; the level is the highest of members."""

from __future__ import annotations

from datetime import datetime

from pipeline.incidents import Correlator, DistrictIncidents
from tests.unit.incidents_support import BUND, north_of, report


def run(reports):
    correlator = Correlator()
    state = DistrictIncidents.empty("310101")
    updates = []
    for r in reports:
        state, update = correlator.correlate(state, r)
        updates.append(update)
    return state, updates


def test_follow_up_regrades_up_then_down_with_history():
    first = report(report_id="a1", level=4, casualties={"deaths": 1}, rule_id="fire.iv")
    worse = report(
        report_id="a2",
        minutes=40,
        point=north_of(BUND, 3000),
        level=3,
        casualties={"deaths": 4},
        updates="a1",
        rule_id="fire.iii",
    )
    better = report(
        report_id="a3",
        minutes=90,
        level=4,
        casualties={"deaths": 2},
        updates="a1",
        rule_id="fire.iv",
    )
    state, (u1, u2, u3) = run([first, worse, better])
    assert len(state.incidents) == 1
    assert (u2.change, u2.level, u2.changed_level, u2.previous_level) == ("regrade", 3, True, 4)
    assert u2.casualties == {"deaths": 4}
    assert u2.rule_id == "fire.iii"
    assert (u3.level, u3.changed_level, u3.previous_level) == (4, True, 3)
    assert u3.casualties == {"deaths": 2}
    history = [(g.level, g.change, g.report_id, g.rule_id) for g in u3.grade_history]
    assert history == [
        (4, "initial", "a1", "fire.iv"),
        (3, "up", "a2", "fire.iii"),
        (4, "down", "a3", "fire.iv"),
    ]
    assert "Ⅳ -> Ⅲ" in u3.grade_history[1].reason
    assert [m.action for m in u3.merge_history] == ["regrade", "regrade"]
    assert [m.updates_report_id for m in u3.merge_history] == ["a1", "a1"]
    assert u3.report_count == 3


def test_follow_up_without_level_change_still_appends_a_grade():
    state, (_, u2) = run(
        [
            report(report_id="b1", level=4, casualties={"injuries": 1}),
            report(report_id="b2", minutes=5, level=4, casualties={"injuries": 2}, updates="b1"),
        ]
    )
    assert not u2.changed_level
    assert [g.change for g in u2.grade_history] == ["initial", "same"]
    assert u2.casualties == {"injuries": 2}


def test_follow_up_of_another_source_is_an_ordinary_report():
    state, (u1, u2) = run(
        [
            report(report_id="c1", source="hotline_119"),
            report(report_id="c2", source="hotline_110", updates="c1", point=north_of(BUND, 2000)),
        ]
    )
    assert len(state.incidents) == 2
    assert u2.change == "new"


def test_level_is_the_highest_of_the_members_latest_grades():
    reports = [
        report(report_id="d1", level=4),
        report(report_id="d2", source="hotline_110", minutes=2, level=2),
        report(report_id="d3", source="hotline_120", minutes=3, level=3),
    ]
    state, updates = run(reports)
    assert [u.level for u in updates] == [4, 2, 2]
    assert updates[1].level_report_id == "d2"
    follow = report(report_id="d4", source="hotline_110", minutes=20, level=4, updates="d2")
    state, update = Correlator().correlate(state, follow)
    assert (update.level, update.previous_level, update.level_report_id) == (3, 2, "d3")
    assert [g.level for g in update.grade_history] == [4, 2, 3]


def test_chained_follow_ups_count_only_the_newest():
    reports = [
        report(report_id="e1", level=4),
        report(report_id="e2", minutes=10, level=2, updates="e1"),
        report(report_id="e3", minutes=20, level=3, updates="e2"),
    ]
    state, updates = run(reports)
    assert [u.level for u in updates] == [4, 2, 3]


def test_follow_up_arriving_before_its_report():
    follow = report(report_id="f2", minutes=30, level=2, updates="f1", casualties={"deaths": 12})
    original = report(report_id="f1", minutes=0, level=4, point=north_of(BUND, 5000))
    state, (u1, u2) = run([follow, original])
    assert len(state.incidents) == 1
    assert u2.incident_id == u1.incident_id == "hotline_119:f2"
    assert u2.level == 2
    assert u2.casualties == {"deaths": 12}
    assert u2.first_reported_at == datetime.fromisoformat(original["reported_at"])


def test_follow_up_reclassifies_an_unclassified_incident():
    state, (u1, u2) = run(
        [
            report(report_id="g1", type="unclassified"),
            report(report_id="g2", minutes=5, type="fire", level=3, updates="g1"),
        ]
    )
    assert (u1.category, u1.type) == (None, "unclassified")
    assert (u2.category, u2.type, u2.level) == ("accident", "fire", 3)
    assert "type unclassified -> fire" in u2.merge_history[-1].reason
