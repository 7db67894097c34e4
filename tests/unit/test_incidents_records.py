"""The incident records' JSON: the hand-built forms are pydantic's, old table entries load,
and the lookups (founder grid, retention heap) agree with a plain scan of the state."""

from __future__ import annotations

import json
import random
from dataclasses import fields, is_dataclass
from datetime import timedelta

import pytest
import zstandard
from pydantic import TypeAdapter, ValidationError

from pipeline.correlation import IncidentCorrelator, decode_entry
from pipeline.geo.facilities import FacilityRegistry
from pipeline.geo.sphere import haversine_m
from pipeline.incident_commands import command_message, new_command
from pipeline.incidents import Correlator, DistrictIncidents, recommend, split, transition_in
from pipeline.incidents.records import IncidentUpdate, update_of
from pipeline.incidents.state import Incident, json_time
from pipeline.processing import Origin
from pipeline.settings import Settings
from tests.unit.incidents_support import BUND, at, north_of, report

WHEN = "2025-07-01T11:00:00+08:00"


def busy_state() -> tuple[DistrictIncidents, list[IncidentUpdate]]:
    """Merges, follow-ups (before and after their report), a split, status changes."""
    correlator = Correlator()
    state = DistrictIncidents.empty("310101")
    reports = [
        report(report_id="a1", level=4, casualties={"deaths": 1}, loss=1.5e6),
        report(report_id="a2", source="hotline_110", minutes=3, point=north_of(BUND, 300)),
        report(report_id="a3", source="hotline_110", minutes=9, level=2, updates="a2"),
        report(report_id="b2", source="hotline_120", minutes=11, level=3, updates="b1"),
        report(report_id="b1", source="hotline_120", minutes=12, point=north_of(BUND, 3000)),
        report(report_id="c1", minutes=15, type="waterlogging", point=north_of(BUND, 100)),
    ]
    updates = []
    for r in reports:
        state, update = correlator.correlate(state, r)
        updates.append(update)
    state, parts = split(state, "hotline_119:a1", "hotline_110:a2", "op-7", "另一栋楼", WHEN)
    updates += parts
    transition_in(state, "hotline_119:a1", "verified", "op-7", "confirmed", at(20))
    transition_in(state, "hotline_119:a1", "responding", "op-8", "dispatched", at(25))
    updates += [update_of(i, state.key, "status") for i in state.incidents.values()]
    return state, updates


def records_in(value):
    """``value`` and every record nested in it."""
    if is_dataclass(value):
        yield value
        for f in fields(value):
            yield from records_in(getattr(value, f.name))
    elif isinstance(value, dict):
        for item in value.values():
            yield from records_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from records_in(item)


def test_hand_built_json_forms_are_pydantics():
    state, updates = busy_state()
    records = [r for x in [*state.incidents.values(), *updates] for r in records_in(x)]
    assert {type(r).__name__ for r in records} >= {
        "Incident",
        "Member",
        "GradeEntry",
        "MergeEntry",
        "StatusChange",
        "IncidentUpdate",
        "ReportEntry",
    }
    for record in records:
        adapter = TypeAdapter(type(record))
        assert record.json_form() == adapter.dump_python(record, mode="json") == record.to_dict()
        assert record.to_json() == adapter.dump_json(record)
        assert type(record).from_dict(record.to_dict()) == record
    assert json_time(at(1)) == "2025-07-01T10:01:00+08:00"
    assert json.loads(state.to_json()) == state.to_dict()


def test_records_are_validated_when_read_back():
    state, _ = busy_state()
    incident = state.get("hotline_119:a1")
    with pytest.raises(ValidationError):
        Incident.from_dict({**incident.to_dict(), "surprise": 1})
    with pytest.raises(ValidationError):
        Incident.from_dict({**incident.to_dict(), "level": "high"})
    copy = DistrictIncidents.from_dict(json.loads(json.dumps(state.to_dict())))
    assert copy == state
    assert copy.incident_of("hotline_110:a3") is copy.get("hotline_110:a2")


# An entry as the pydantic models wrote it (the report's document trimmed to a few fields).
OLD_ENTRY = (
    '{"incident_id":"field_team:h11-0002705","category":"accident","type":"road_traffic",'
    '"level":2,"status":"verified","location":{"lat":31.37836,"lon":121.41339,"crs":"wgs84"},'
    '"address":null,"district":{"code":"310113","name":"宝山区"},"geo":{"wgs84":{"lat":31.37836,'
    '"lon":121.41339},"gcj02":{"lat":31.376579312886737,"lon":121.41805098585083}},'
    '"grid_cell":"8830995361fffff","exposure":null,"members":{"field_team:h11-0002705":'
    '{"report_id":"h11-0002705","source":"field_team","reported_at":"2025-06-01T11:42:38Z",'
    '"seq":194,"lat":31.37836,"lon":121.41339,"gcj02":{"lat":31.376579312886737,'
    '"lon":121.41805098585083},"category":"accident","type":"road_traffic","level":4,'
    '"rule_id":"LVL-PSA-493","casualties":{"injuries":2},"economic_loss_cny":null,'
    '"updates":null},"field_team:h11-0002707-f":{"report_id":"h11-0002707-f",'
    '"source":"field_team","reported_at":"2025-06-01T11:52:23Z","seq":197,"lat":31.37836,'
    '"lon":121.41339,"gcj02":{"lat":31.376579312886737,"lon":121.41805098585083},'
    '"category":null,"type":"unclassified","level":2,"rule_id":"LVL-UNCLASSIFIED",'
    '"casualties":{"deaths":11},"economic_loss_cny":null,"updates":"field_team:h11-0002705"}},'
    '"grade_history":[{"level":4,"at":"2025-06-01T11:42:38Z","rule_id":"LVL-PSA-493",'
    '"report_id":"h11-0002705","reason":"initial grade Ⅳ from report field_team:h11-0002705",'
    '"change":"initial"},{"level":2,"at":"2025-06-01T11:52:23Z","rule_id":"LVL-UNCLASSIFIED",'
    '"report_id":"h11-0002707-f","reason":"follow-up field_team:h11-0002707-f re-grades report '
    'field_team:h11-0002705 (Ⅳ -> Ⅱ); incident level Ⅳ -> Ⅱ","change":"up"}],'
    '"merge_history":[{"action":"regrade","report_id":"h11-0002707-f","source":"field_team",'
    '"at":"2025-06-01T11:52:23Z","by":null,"reason":"follow-up to report field_team:h11-0002705",'
    '"incident_id":null,"updates_report_id":"h11-0002705","distance_m":null}],'
    '"status_history":[{"event_id":"field_team:h11-0002705:status:1",'
    '"incident_id":"field_team:h11-0002705","sequence":1,"from_status":"reported",'
    '"to_status":"verified","by":"王值班","reason":"资源到位","at":"2025-06-01T14:39:43Z"}],'
    '"last_activity_at":"2025-06-01T14:39:43Z","first_reported_at":"2025-06-01T11:42:38Z",'
    '"last_reported_at":"2025-06-01T11:52:23Z","box":[31.37836,121.41339,31.37836,121.41339],'
    '"targets":["field_team:h11-0002705"],"_district_key":"310113","_doc":{"@timestamp":'
    '"2025-06-01T11:42:38Z","event":{"id":"field_team:h11-0002705","kind":"event"},'
    '"incident":{"id":"field_team:h11-0002705","report_id":"h11-0002707-f","level":2}},'
    '"_committed":[{"resource_id":"qp-fire-huaxin","kind":"fire_station","name":"华新消防救援站",'
    '"name_en":"Huaxin Fire and Rescue Station","by":"li.ops","at":"2025-06-01T14:47:41+00:00",'
    '"command_id":"cmd-315"}]}'
).encode()


def test_an_entry_written_by_the_pydantic_models_loads_and_is_written_alike():
    head = OLD_ENTRY[: OLD_ENTRY.index(b',"_district_key"')] + b"}"
    incident = Incident.from_dict(json.loads(head))
    assert incident.to_json() == head
    table = {"field_team:h11-0002705": OLD_ENTRY}
    glue = IncidentCorrelator(Settings().topics(), Correlator(), table)
    assert glue.committed_resources() == {"qp-fire-huaxin": "field_team:h11-0002705"}
    state = glue._state("310113")
    assert state.incident_of("field_team:h11-0002707-f") is state.get("field_team:h11-0002705")
    topics = Settings().topics()
    cmd = new_command(
        "release",
        "field_team:h11-0002705",
        "310113",
        by="li.ops",
        reason="返回驻地",
        resource_id="qp-fire-huaxin",
    )
    out = glue.command(Origin(topics.incident_commands, 0, 1), command_message(topics, cmd).value)
    assert [m.topic for m in out] == [topics.resources, topics.audit, topics.classified]
    doc = json.loads(out[-1].value)["incident"]
    assert (doc["status"], doc["report_count"], doc["level"]) == ("verified", 2, 2)
    entry = decode_entry(table["field_team:h11-0002705"])
    assert "_committed" not in entry and entry["_district_key"] == "310113"
    assert {k: v for k, v in entry.items() if not k.startswith("_")} == json.loads(head)
    # stored compressed: the record's JSON, then the correlator's own keys
    stored = zstandard.ZstdDecompressor().decompress(table["field_team:h11-0002705"])
    assert stored.startswith(head[:-1] + b',"_district_key"')


def random_state(seed: int, count: int = 400) -> DistrictIncidents:
    rng = random.Random(seed)
    state = DistrictIncidents.empty("310101")
    for n in range(count):
        point = (BUND[0] + rng.uniform(-0.05, 0.05), BUND[1] + rng.uniform(-0.05, 0.05))
        state, _ = Correlator().correlate(state, report(minutes=n % 7, point=point))
    return state


def test_near_founders_within_a_radius_keeps_every_founder_in_it():
    state = random_state(3)
    rng = random.Random(4)
    for _ in range(300):
        lat, lon = BUND[0] + rng.uniform(-0.06, 0.06), BUND[1] + rng.uniform(-0.06, 0.06)
        radius = rng.choice([50.0, 500.0, 900.0])
        cells = {i.incident_id for i in state.near_founders(lat, lon)}
        near = {i.incident_id for i in state.near_founders(lat, lon, radius)}
        founders = {
            i.incident_id
            for i in state.incidents.values()
            if haversine_m(lat, lon, i.members[i.founder].lat, i.members[i.founder].lon) <= radius
        }
        assert founders <= near <= cells


def test_retention_drops_exactly_the_incidents_inactive_before_the_window():
    correlator = Correlator(retention_s=1800)
    state = DistrictIncidents.empty("310101")
    rng = random.Random(5)
    for n in range(300):
        minutes = n / 2 + rng.uniform(-20, 5)
        point = (BUND[0] + rng.uniform(-0.03, 0.03), BUND[1] + rng.uniform(-0.03, 0.03))
        before = dict(state.incidents)
        state, _ = correlator.correlate(state, report(minutes=minutes, point=point))
        if n % 25 == 0 and state.incidents:  # a status change keeps an incident active
            incident = next(iter(state.incidents.values()))
            if incident.status == "reported":
                transition_in(state, incident.incident_id, "verified", "op", "seen", at(n / 2))
        assert state.watermark is not None
        cutoff = state.watermark - timedelta(seconds=1800)
        gone = {incident.incident_id for incident in correlator.last_dropped}
        assert gone == {i for i, inc in before.items() if inc.last_activity_at < cutoff}
        assert all(inc.last_activity_at >= cutoff for inc in state.incidents.values())
        grid_ids = {i for ids in state._grid.values() for i in ids}
        assert grid_ids == set(state.incidents)
    assert len(state.incidents) < 300


def test_recommend_takes_an_update_as_it_is():
    state, _ = busy_state()
    update = update_of(state.get("hotline_110:a2"), state.key, "status")
    registry = FacilityRegistry.load()
    assert recommend(update, registry, {}) == recommend(update.to_dict(), registry, {}) != []
