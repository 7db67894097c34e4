"""The worker's risk glue on a plain dict table: inputs from warnings and incidents, ticks,
and a document only when the score or its components change."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from pipeline.processing import Origin, OutMessage
from pipeline.risk_scoring import RiskScorer, coalesce, warnings_input
from pipeline.settings import Settings
from pipeline.warnings.exposure import district_exposure
from pipeline.warnings.state import WarningState
from schemas.assessments import RiskAssessment

TOPICS = Settings().topics()
ORIGIN = Origin(TOPICS.risk_inputs, 0, 1)
HUANGPU = {"code": "310101", "name": "黄浦区"}
NOW = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


def incident(level: int, status: str = "reported", minutes_ago: float = 5, **extra) -> bytes:
    return json.dumps(
        {
            "kind": "incident",
            "incident_id": extra.pop("incident_id", "hotline_119:a"),
            "district": extra.pop("district", HUANGPU),
            "level": level,
            "status": status,
            "category": "accident",
            "last_reported_at": (NOW - timedelta(minutes=minutes_ago)).isoformat(),
            **extra,
        }
    ).encode()


def score_of(messages) -> dict:
    [message] = messages
    assert message.topic == TOPICS.risk
    doc = json.loads(message.value)
    risk = doc["risk"]
    RiskAssessment.model_validate(
        {
            "assessment_id": risk["id"],
            "district": risk["district"],
            "score": risk["score"],
            "level": risk.get("level"),
            "inputs": risk["inputs"],
            "at": doc["@timestamp"],
            "profile": risk["profile"],
        }
    )
    return risk


def test_incidents_and_warnings_combine_with_exposure():
    table: dict = {}
    scorer = RiskScorer(TOPICS, table)
    factor = district_exposure("310101")["factor"]
    risk = score_of(scorer.handle(ORIGIN, incident(3), NOW))  # a level Ⅲ incident: 50
    assert risk["score"] == round(50 * factor)
    inputs = {i["name"]: i["value"] for i in risk["inputs"]}
    assert inputs["incidents_score"] == 50 and inputs["warnings_score"] == 0

    assert scorer.handle(ORIGIN, incident(3), NOW) == []  # nothing changed: no document

    orange = WarningState(
        district=HUANGPU,
        hazard="rainstorm",
        active=True,
        warning_id="310101:rainstorm:1",
        level="orange",
    ).to_dict()
    msg = warnings_input(TOPICS.risk_inputs, HUANGPU, [orange], NOW.isoformat())
    risk = score_of(scorer.handle(ORIGIN, msg.value, NOW))
    inputs = {i["name"]: i["value"] for i in risk["inputs"]}
    # hazard = max(75, 50) + 0.25 * min(75, 50) = 87.5
    assert (inputs["warnings_score"], inputs["incidents_score"]) == (75, 50)
    assert risk["score"] == min(100, round(87.5 * factor))
    kinds = {c.split("_")[0] for c in inputs}
    assert {"warning", "incidents"} <= kinds


def test_resolved_incidents_and_old_ones_leave_the_score():
    table: dict = {}
    scorer = RiskScorer(TOPICS, table)
    assert score_of(scorer.handle(ORIGIN, incident(2), NOW))["score"] > 0
    assert score_of(scorer.handle(ORIGIN, incident(2, "resolved"), NOW))["score"] == 0
    scorer.handle(ORIGIN, incident(4, incident_id="x:1", minutes_ago=60), NOW)
    later = (NOW + timedelta(days=1)).isoformat()
    tick = json.dumps({"kind": "tick", "district": "310101", "at": later})
    assert score_of(scorer.handle(ORIGIN, tick.encode(), NOW))["score"] == 0
    assert set(table) == {"310101"}  # the incidents' entries are gone with them


def test_incident_records_come_back_from_the_table_after_a_rebalance():
    table: dict = {}
    scorer = RiskScorer(TOPICS, table)
    first = score_of(scorer.handle(ORIGIN, incident(3), NOW))
    assert "310101|hotline_119:a" in table
    scorer.forget()
    again = RiskScorer(TOPICS, table)  # a new worker restoring the table
    tick = json.dumps({"kind": "tick", "district": "310101", "at": NOW.isoformat()})
    assert again.handle(ORIGIN, tick.encode(), NOW) == []  # same score: nothing to publish
    assert again.districts() == {"310101"}
    other = score_of(again.handle(ORIGIN, incident(3, incident_id="b"), NOW))
    assert other["score"] > first["score"]  # both incidents count


def test_a_batch_of_incident_inputs_is_coalesced_per_district():
    pudong = {"code": "310115", "name": "浦东新区"}
    messages = [
        OutMessage(TOPICS.classified, b"x", b"{}"),
        OutMessage(TOPICS.risk_inputs, b"310101", incident(4, incident_id="a")),
        OutMessage(TOPICS.risk_inputs, b"310115", incident(4, incident_id="p", district=pudong)),
        OutMessage(TOPICS.risk_inputs, b"310101", incident(2, incident_id="b")),
    ]
    out = coalesce(messages, TOPICS.risk_inputs)
    assert [(m.topic, m.key) for m in out] == [
        (TOPICS.classified, b"x"),
        (TOPICS.risk_inputs, b"310101"),
        (TOPICS.risk_inputs, b"310115"),
    ]
    merged = json.loads(out[1].value)
    assert merged["kind"] == "incidents"
    assert [i["incident_id"] for i in merged["items"]] == ["a", "b"]
    scorer = RiskScorer(TOPICS, {})
    risk = score_of(scorer.handle(ORIGIN, out[1].value, NOW))
    inputs = {i["name"]: i["value"] for i in risk["inputs"]}
    assert inputs["incidents_score"] == 75 + 0.25 * 20


def test_outside_the_city_and_bad_input():
    scorer = RiskScorer(TOPICS, {})
    outside = json.loads(incident(1))
    outside["district"] = None
    assert scorer.handle(ORIGIN, json.dumps(outside).encode(), NOW) == []
    [dead] = scorer.handle(ORIGIN, b"not json", NOW)
    assert dead.topic == TOPICS.deadletter
    assert dict(dead.headers)["citywatch.stage"] == b"risk"
