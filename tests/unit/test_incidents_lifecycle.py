"""Lifecycle: reported -> verified -> responding -> resolved -> closed, audited."""

from __future__ import annotations

import pytest

from pipeline.incidents import (
    Correlator,
    DistrictIncidents,
    InvalidTransition,
    allowed,
    transition,
    transition_in,
)
from tests.unit.incidents_support import at, report


def fresh():
    state, update = Correlator().correlate(DistrictIncidents.empty("310101"), report())
    return state, update.incident_id


def test_full_path_is_audited():
    state, incident_id = fresh()
    steps = [
        ("verified", "op-1", "confirmed by field team"),
        ("responding", "op-1", "two engines dispatched"),
        ("resolved", "op-2", "fire out"),
        ("closed", "supervisor", "reviewed"),
    ]
    changes = [
        transition_in(state, incident_id, to, by, why, at(10 * n))
        for n, (to, by, why) in enumerate(steps, 1)
    ]
    incident = state.get(incident_id)
    assert incident.status == "closed"
    assert [(c.from_status, c.to_status) for c in changes] == [
        ("reported", "verified"),
        ("verified", "responding"),
        ("responding", "resolved"),
        ("resolved", "closed"),
    ]
    assert [c.sequence for c in changes] == [1, 2, 3, 4]
    assert changes[2].by == "op-2" and changes[2].reason == "fire out"
    assert changes[0].event_id == f"{incident_id}:status:1"
    assert incident.status_history == changes
    assert incident.last_activity_at == at(40)
    assert changes[0].to_dict()["at"] == "2025-07-01T10:10:00+08:00"


def test_false_alarm_goes_straight_to_resolved():
    state, incident_id = fresh()
    change = transition_in(state, incident_id, "resolved", "op-1", "false alarm", at(5))
    assert change.from_status == "reported"
    transition_in(state, incident_id, "closed", "op-1", "reviewed", at(6))


def test_resolved_can_reopen_but_closed_is_final():
    state, incident_id = fresh()
    incident = state.get(incident_id)
    transition(incident, "resolved", "op", "out", at(1))
    transition(incident, "responding", "op", "re-ignited", at(2))
    transition(incident, "resolved", "op", "out again", at(3))
    transition(incident, "closed", "op", "reviewed", at(4))
    with pytest.raises(InvalidTransition, match="closed is final"):
        transition(incident, "responding", "op", "again", at(5))


@pytest.mark.parametrize(
    ("to", "message"),
    [
        ("responding", "cannot go from reported to responding \\(allowed: verified, resolved\\)"),
        ("closed", "cannot go from reported to closed"),
        ("reported", "cannot go from reported to reported"),
        ("finished", "unknown status 'finished'"),
    ],
)
def test_invalid_transitions_are_rejected_clearly(to, message):
    state, incident_id = fresh()
    with pytest.raises(InvalidTransition, match=message):
        transition_in(state, incident_id, to, "op", "why", at(1))
    assert state.get(incident_id).status == "reported"
    assert state.get(incident_id).status_history == []


def test_who_and_why_are_required():
    state, incident_id = fresh()
    with pytest.raises(InvalidTransition, match="operator"):
        transition_in(state, incident_id, "verified", " ", "why", at(1))
    with pytest.raises(InvalidTransition, match="reason"):
        transition_in(state, incident_id, "verified", "op", "", at(1))


def test_repeated_command_is_not_audited_twice():
    state, incident_id = fresh()
    first = transition_in(state, incident_id, "verified", "op", "seen", at(1))
    again = transition_in(state, incident_id, "verified", "op", "seen", at(1))
    assert again == first
    assert len(state.get(incident_id).status_history) == 1
    with pytest.raises(InvalidTransition):
        transition_in(state, incident_id, "verified", "op", "seen", at(2))


def test_status_survives_the_round_trip_and_shows_in_updates():
    state, incident_id = fresh()
    transition_in(state, incident_id, "verified", "op", "seen", at(1))
    state = DistrictIncidents.from_dict(state.to_dict())
    state, update = Correlator().correlate(state, report(minutes=2))
    assert update.incident_id == incident_id
    assert update.status == "verified"
    assert update.status_history[0].by == "op"


def test_allowed():
    assert allowed("verified") == ("responding", "resolved")
    assert allowed("closed") == ()
