"""Operator commands in the worker's correlation glue, on a plain dict table: lifecycle
changes, splits, resources committed and released, and refusals as dead letters."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from pipeline.correlation import IncidentCorrelator
from pipeline.geo.facilities import FacilityRegistry
from pipeline.incident_commands import IncidentCommand, command_message, new_command
from pipeline.incidents import Correlator
from pipeline.processing import Origin
from pipeline.settings import Settings
from tests.unit.test_correlation_glue import TEMPLATE, graded, processor  # noqa: F401
from tests.unit.test_schemas_documents import mapping_problems

TOPICS = Settings().topics()
REPORTS = Origin(TOPICS.graded, 0, 1)
COMMANDS = Origin(TOPICS.incident_commands, 0, 1)
HUANGPU = "310101"
FIRE = "hotline_119:a"


@pytest.fixture
def glue(processor):  # noqa: F811
    glue = IncidentCorrelator(
        TOPICS, Correlator(), {}, registry=FacilityRegistry.load(), recommend_min_level=3
    )
    a = graded(
        processor,
        "a",
        "hotline_119",
        20,
        31.2304,
        121.4737,
        "商场起火，已造成3人死亡",
        casualties={"deaths": 3},
    )
    b = graded(processor, "b", "hotline_110", 15, 31.2306, 121.4739, "Mall fire, heavy smoke")
    glue.correlate(REPORTS, a)
    glue.correlate(REPORTS, b)
    return glue


def run(glue: IncidentCorrelator, action: str, **fields) -> list:
    fields.setdefault("incident_id", FIRE)
    fields.setdefault("district", HUANGPU)
    fields.setdefault("by", "王值班")
    fields.setdefault("reason", "现场确认")
    cmd = new_command(action, fields.pop("incident_id"), fields.pop("district"), **fields)
    return glue.command(COMMANDS, command_message(TOPICS, cmd).value)


def of(messages, topic):
    return [json.loads(m.value) for m in messages if m.topic == topic]


def test_a_command_names_what_its_action_needs():
    with pytest.raises(ValueError, match="needs 'to'"):
        new_command("transition", FIRE, HUANGPU, by="x", reason="y")
    with pytest.raises(ValueError, match="needs 'resource_id'"):
        new_command("release", FIRE, HUANGPU, by="x", reason="y")
    cmd = new_command("split", FIRE, HUANGPU, by="x", reason="y", report="hotline_110:b")
    assert IncidentCommand.model_validate_json(command_message(TOPICS, cmd).value) == cmd


def test_transition_updates_the_record_audits_and_feeds_the_risk(glue):
    out = run(glue, "transition", to="verified")
    [doc] = of(out, TOPICS.classified)
    assert doc["incident"]["status"] == "verified"
    [change] = doc["incident"]["status_history"]
    assert (change["from_status"], change["to_status"], change["by"]) == (
        "reported",
        "verified",
        "王值班",
    )
    assert doc["incident"]["report_count"] == 2  # the record is whole, not a patch
    assert list(mapping_problems(doc, TEMPLATE)) == []
    [audit] = of(out, TOPICS.audit)
    assert audit["event"]["action"] == "incident.status"
    assert audit["event"]["id"] == change["event_id"] == f"{FIRE}:status:1"
    assert (audit["audit"]["previous_status"], audit["audit"]["status"]) == (
        "reported",
        "verified",
    )
    assert audit["user"]["name"] == "王值班" and audit["audit"]["reason"] == "现场确认"
    [risk] = of(out, TOPICS.risk_inputs)
    assert (risk["incident_id"], risk["status"], risk["level"]) == (FIRE, "verified", 3)


def test_an_illegal_transition_is_dead_lettered_with_the_allowed_ones(glue):
    [dead] = run(glue, "transition", to="closed")
    assert dead.topic == TOPICS.deadletter
    headers = {k: v.decode() for k, v in dead.headers}
    assert headers["citywatch.stage"] == "command"
    assert headers["citywatch.error_code"] == "invalid_transition"
    assert (
        "cannot go from reported to closed (allowed: verified, resolved)"
        in (headers["citywatch.error_message"])
    )


def test_unknown_incident_and_malformed_command_are_dead_lettered(glue):
    [dead] = run(glue, "transition", to="verified", incident_id="nope:1")
    assert {k: v.decode() for k, v in dead.headers}["citywatch.error_code"] == "unknown_incident"
    [bad] = glue.command(COMMANDS, b'{"action": "transition"}')
    headers = {k: v.decode() for k, v in bad.headers}
    assert headers["citywatch.error_code"] == "invalid_command"
    assert bad.value == b'{"action": "transition"}'  # the original bytes


def test_a_redelivered_transition_is_harmless(glue):
    cmd = new_command("transition", FIRE, HUANGPU, by="a", reason="b", to="verified")
    raw = command_message(TOPICS, cmd).value
    first = glue.command(COMMANDS, raw)
    again = glue.command(COMMANDS, raw)
    assert [m.topic for m in again] == [m.topic for m in first]
    assert of(again, TOPICS.audit)[0]["event"]["id"] == of(first, TOPICS.audit)[0]["event"]["id"]
    assert len(of(again, TOPICS.classified)[0]["incident"]["status_history"]) == 1


def test_recommendations_commit_and_release(glue, processor):  # noqa: F811
    [doc] = of(run(glue, "transition", to="verified"), TOPICS.classified)
    recommended = doc["incident"]["resources"]["recommended"]
    stations = [r for r in recommended if r["kind"] == "fire_station"]
    assert stations and stations[0]["rank"] == 1
    assert [r["distance_m"] for r in stations] == sorted(r["distance_m"] for r in stations)
    nearest = stations[0]["resource_id"]

    out = run(glue, "commit", resource_id=nearest)
    [doc] = of(out, TOPICS.classified)
    [committed] = doc["incident"]["resources"]["committed"]
    assert committed["resource_id"] == nearest and committed["by"] == "王值班"
    assert nearest not in {r["resource_id"] for r in doc["incident"]["resources"]["recommended"]}
    assert list(mapping_problems(doc, TEMPLATE)) == []
    [resource] = of(out, TOPICS.resources)
    assert resource["resource"]["status"] == "committed"
    assert resource["resource"]["incident_id"] == FIRE
    assert of(out, TOPICS.audit)[0]["event"]["action"] == "resource.commit"

    # a second incident elsewhere is not recommended the committed station
    other = graded(
        processor,
        "c",
        "hotline_119",
        5,
        31.2310,
        121.4800,
        "仓库起火，已造成3人死亡",
        casualties={"deaths": 3},
    )
    [doc2] = of(glue.correlate(REPORTS, other), TOPICS.classified)
    assert doc2["incident"]["id"] != FIRE
    assert nearest not in {r["resource_id"] for r in doc2["incident"]["resources"]["recommended"]}

    # committing it again is refused and names the holder
    [dead] = run(glue, "commit", resource_id=nearest, incident_id=doc2["incident"]["id"])
    message = {k: v.decode() for k, v in dead.headers}["citywatch.error_message"]
    assert "is committed" in message and FIRE in message

    # after a restart the commitments come back from the table
    glue.forget()
    assert glue.committed_resources() == {nearest: FIRE}

    out = run(glue, "release", resource_id=nearest, reason="返回驻地")
    assert of(out, TOPICS.resources)[0]["resource"]["status"] == "available"
    [doc] = of(out, TOPICS.classified)
    assert "committed" not in (doc["incident"].get("resources") or {})
    assert glue.committed_resources() == {}


def test_resolving_releases_what_is_committed(glue):
    run(glue, "transition", to="verified")
    run(glue, "transition", to="responding")
    run(glue, "commit", resource_id=glue_first_station(glue))
    out = run(glue, "transition", to="resolved", reason="明火扑灭")
    assert [r["resource"]["status"] for r in of(out, TOPICS.resources)] == ["available"]
    [doc] = of(out, TOPICS.classified)
    assert doc["incident"]["status"] == "resolved"
    assert "resources" not in doc["incident"]  # resolved: no recommendations, none committed
    [dead] = run(glue, "commit", resource_id=glue_first_station(glue))
    assert (
        "committed to open incidents only"
        in {k: v.decode() for k, v in dead.headers}["citywatch.error_message"]
    )


def glue_first_station(glue: IncidentCorrelator) -> str:
    registry = glue.registry
    assert registry is not None
    return sorted(f.id for f in registry.of_kind("fire_station"))[0]


def test_split_command_moves_a_report_out(glue):
    out = run(glue, "split", report="hotline_110:b", reason="另一处起火")
    docs = {d["incident"]["id"]: d for d in of(out, TOPICS.classified)}
    assert set(docs) == {FIRE, "hotline_110:b"}
    assert docs[FIRE]["incident"]["report_count"] == 1
    assert docs["hotline_110:b"]["incident"]["report_count"] == 1
    assert any(m["action"] == "split" for m in docs[FIRE]["incident"]["merge_history"])
    [audit] = of(out, TOPICS.audit)
    assert audit["event"]["action"] == "incident.split"
    again = run(glue, "split", report="hotline_110:b", reason="另一处起火")
    assert {d["incident"]["id"] for d in of(again, TOPICS.classified)} == set(docs)
    [dead] = run(glue, "split", report="hotline_119:a", reason="x")
    assert {k: v.decode() for k, v in dead.headers}["citywatch.error_code"] == "invalid_split"


def test_a_command_keeps_the_time_and_id_it_is_given():
    at = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
    cmd = new_command(
        "transition", FIRE, HUANGPU, by="a", reason="b", to="verified", at=at, command_id="audit-1"
    )
    assert (cmd.at, cmd.command_id) == (at, "audit-1")
    fresh = new_command("transition", FIRE, HUANGPU, by="a", reason="b", to="verified")
    assert fresh.command_id != "audit-1" and fresh.at > at
