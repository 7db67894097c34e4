"""Correlation: merge within 500 m / 30 min, never across categories, nearest first."""

from __future__ import annotations

import json

import pytest

from pipeline.incidents import (
    Correlator,
    DistrictIncidents,
    InvalidReport,
    correlate,
    district_key,
    report_from_document,
)
from pipeline.incidents.state import OUTSIDE
from schemas.documents import incident_document
from schemas.outputs import ClassifiedIncident
from tests.unit.incidents_support import BUND, north_of, report


def run(reports, correlator=None, *, round_trip=False):
    """Correlate reports in order; with ``round_trip`` the state goes through JSON each time."""
    correlator = correlator or Correlator()
    state = DistrictIncidents.empty("310101")
    updates = []
    for r in reports:
        if round_trip:
            state = DistrictIncidents.from_dict(json.loads(json.dumps(state.to_dict())))
        state, update = correlator.correlate(state, r)
        updates.append(update)
    return state, updates


@pytest.mark.parametrize(("metres", "merged"), [(499, True), (501, False)])
def test_distance_limit(metres, merged):
    state, (first, second) = run([report(), report(point=north_of(BUND, metres), minutes=1)])
    assert first.change == "new"
    assert (second.change == "merge") is merged
    assert len(state.incidents) == (1 if merged else 2)
    if merged:
        assert second.incident_id == first.incident_id
        assert second.report_count == 2
        assert second.merge_history[-1].distance_m == pytest.approx(metres, abs=0.1)


@pytest.mark.parametrize(("minutes", "merged"), [(29, True), (30, True), (31, False)])
def test_time_limit_is_inclusive(minutes, merged):
    state, updates = run([report(), report(minutes=minutes)])
    assert len(state.incidents) == (1 if merged else 2)


@pytest.mark.parametrize(("minutes", "merged"), [(31, True), (29, False)])
def test_an_earlier_report_merges_within_the_gap_before_the_first(minutes, merged):
    state, (first, second) = run([report(minutes=60), report(minutes=minutes)])
    assert (second.incident_id == first.incident_id) is merged
    if merged:
        assert second.first_reported_at.isoformat() == "2025-07-01T10:31:00+08:00"
        assert [r.reported_at.minute for r in second.reports] == [31, 0]
        assert second.location == first.location


def test_chain_of_reports_keeps_one_incident_past_the_first_window():
    reports = [report(minutes=20 * n, point=north_of(BUND, 80 * n)) for n in range(6)]
    state, updates = run(reports)
    assert len(state.incidents) == 1
    last = updates[-1]
    assert last.report_count == 6
    assert (last.last_reported_at - last.first_reported_at).total_seconds() == 100 * 60
    assert last.incident_id == f"hotline_119:{reports[0]['report_id']}"


def test_an_incident_does_not_creep_through_a_chain_of_nearby_reports():
    reports = [report(minutes=5 * n, point=north_of(BUND, 300 * n)) for n in range(6)]
    state, _updates = run(reports)
    # 300 m steps: each report lies within 500 m of its predecessor, but an incident is
    # anchored at its founding report, so the chain becomes several incidents
    assert len(state.incidents) == 3


def test_ten_reports_from_different_hotlines_make_one_incident():
    sources = ["hotline_110", "hotline_119", "hotline_120", "hotline_12345", "citizen_app"]
    reports = [
        report(source=sources[n % 5], minutes=n, point=north_of(BUND, 30 * n)) for n in range(10)
    ]
    state, updates = run(reports)
    last = updates[-1]
    assert len(state.incidents) == 1
    assert last.report_count == 10
    assert last.sources == sorted(sources)
    assert [m.action for m in last.merge_history] == ["merge"] * 9
    assert last.incident_id == updates[0].incident_id == "hotline_110:" + reports[0]["report_id"]


def test_never_across_categories():
    fire = report(type="fire")
    crush = report(type="crowd_crush", minutes=1)
    flood = report(type="waterlogging", minutes=2)
    state, updates = run([fire, crush, flood])
    assert len(state.incidents) == 3
    assert {u.category for u in updates} == {"accident", "social_safety", "natural_disaster"}


def test_types_of_one_category_merge_and_keep_the_first_type():
    state, updates = run([report(type="fire"), report(type="explosion", minutes=2)])
    assert len(state.incidents) == 1
    assert updates[-1].type == "fire"


def test_unclassified_reports_never_merge():
    state, updates = run(
        [
            report(type="unclassified"),
            report(type="unclassified", minutes=1),
            report(type="fire", minutes=2),
            report(type="unclassified", minutes=3),
        ]
    )
    assert len(state.incidents) == 4
    assert updates[0].category is None


def test_nearest_incident_is_chosen():
    a = report(point=BUND)
    b = report(point=north_of(BUND, 900), minutes=1)
    state, updates = run([a, b, report(point=north_of(BUND, 600), minutes=2)])
    assert len(state.incidents) == 2
    assert updates[2].incident_id == updates[1].incident_id
    state, updates = run([a, b, report(point=north_of(BUND, 400), minutes=2)])
    assert updates[2].incident_id == updates[0].incident_id


def test_resolved_incidents_take_no_merges():
    from pipeline.incidents import transition

    state, (first,) = run([report()])
    transition(
        state.get(first.incident_id), "resolved", "op-1", "false alarm", "2025-07-01T10:05:00+08:00"
    )
    state, second = Correlator().correlate(state, report(minutes=6))
    assert second.change == "new"


def test_redelivery_changes_nothing():
    r = report()
    state, updates = run([r, report(minutes=1), r])
    assert updates[2].change == "duplicate"
    assert updates[2].report_count == 2
    assert not updates[2].changed_level
    assert updates[2].merge_history == updates[1].merge_history


def test_retention_bounds_the_state():
    correlator = Correlator(retention_s=24 * 3600)
    reports = [report(minutes=60 * h, point=north_of(BUND, 2000 * h)) for h in range(30)]
    state, _ = run(reports, correlator)
    assert len(state.incidents) == 25
    assert min(i.last_activity_at for i in state.incidents.values()).hour == 15
    small = Correlator(max_incidents=5)
    state, _ = run(reports, small)
    assert len(state.incidents) == 5


def test_state_round_trip_gives_identical_results():
    reports = [
        report(),
        report(minutes=5, point=north_of(BUND, 200), level=3, source="hotline_110"),
        report(minutes=7, type="waterlogging"),
        report(minutes=8, casualties={"deaths": 3}, level=3, updates=None),
    ]
    reports.append(
        report(minutes=9, source="hotline_110", updates=reports[1]["report_id"], level=2)
    )
    reports.append(report(minutes=90))
    plain_state, plain = run(reports)
    trip_state, trip = run(reports, round_trip=True)
    assert [u.to_dict() for u in plain] == [u.to_dict() for u in trip]
    assert plain_state.to_dict() == trip_state.to_dict()
    json.dumps(plain_state.to_dict())


def test_update_carries_the_first_reports_place_and_exposure():
    first = report()
    state, updates = run([first, report(minutes=1, point=north_of(BUND, 100))])
    update = updates[-1].to_dict()
    assert update["location"] == first["location"]
    assert update["geo"] == first["geo"]
    assert update["district"] == first["district"]
    assert update["exposure"] == first["exposure"]
    assert update["first_reported_at"] == first["reported_at"]
    assert json.loads(json.dumps(update)) == update


def test_district_key_and_outside():
    assert district_key(report()) == "310101"
    assert district_key({**report(), "district": None}) == OUTSIDE


def test_module_function_takes_models_and_documents():
    r = report()
    model = ClassifiedIncident.model_validate(r)
    state, update = correlate(DistrictIncidents.empty("310101"), model)
    doc_report = report_from_document(
        incident_document(ClassifiedIncident.model_validate(report(minutes=1)))
    )
    state, second = correlate(state, doc_report)
    assert second.change == "merge"
    assert second.report_count == 2


def test_invalid_report_is_named():
    with pytest.raises(InvalidReport, match="missing level"):
        correlate(DistrictIncidents.empty("310101"), {**report(), "level": None})
