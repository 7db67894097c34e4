"""Contract models: round trips, consistency rules of the outputs, dead-letter helpers."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from schemas import (
    ClassifiedIncident,
    DeadLetter,
    IncidentReport,
    InspectionFinding,
    InvalidEvent,
    Level,
    RiskAssessment,
    SensorReading,
    Warning,
)
from schemas.validation import validate_data
from tests.factories import (
    classified_factory,
    deadletter_factory,
    finding_factory,
    reading_factory,
    report_factory,
    risk_factory,
    warning_factory,
)

FACTORIES: list[tuple[type[BaseModel], Any]] = [
    (IncidentReport, report_factory),
    (SensorReading, reading_factory),
    (InspectionFinding, finding_factory),
    (ClassifiedIncident, classified_factory),
    (Warning, warning_factory),
    (RiskAssessment, risk_factory),
    (DeadLetter, deadletter_factory),
]


@pytest.mark.parametrize(("model", "factory"), FACTORIES, ids=lambda x: getattr(x, "__name__", x))
def test_factory_output_validates_and_round_trips(model, factory):
    event = model.model_validate(factory())
    assert model.model_validate_json(event.model_dump_json()) == event
    assert model.model_validate(event.model_dump(mode="json")) == event


@pytest.mark.parametrize(("model", "factory"), FACTORIES, ids=lambda x: getattr(x, "__name__", x))
def test_models_are_immutable_and_strict(model, factory):
    event = model.model_validate(factory())
    field = next(iter(model.model_fields))
    with pytest.raises(ValidationError):
        setattr(event, field, getattr(event, field))
    with pytest.raises(ValidationError) as caught:
        model.model_validate(factory(surprise=1))
    assert caught.value.errors()[0]["type"] == "extra_forbidden"


def test_classified_incident_carries_the_contract_fields():
    incident = ClassifiedIncident.model_validate(classified_factory())
    out = incident.model_dump(mode="json")
    for key in ("report_id", "category", "type", "level", "district", "rule"):
        assert key in out
    assert out["level"] == 4 and isinstance(out["level"], int)
    assert set(out["district"]) == {"code", "name"}
    assert set(out["rule"]) == {"id", "version"}
    assert incident.level is Level.GENERAL


def test_classified_incident_district_may_be_null_but_not_left_out():
    assert ClassifiedIncident.model_validate(classified_factory(district=None)).district is None
    data = classified_factory()
    del data["district"]
    with pytest.raises(InvalidEvent) as caught:
        validate_data(ClassifiedIncident, data)
    assert (caught.value.code, caught.value.field) == ("missing_field", "district")


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"category": "public_health"}, "invalid_value", "category"),
        ({"level": 2}, "invalid_value", "grade_history"),
        ({"level": "4"}, "invalid_value", "level"),
        ({"level": True}, "invalid_value", "level"),
        ({"level": 5}, "invalid_value", "level"),
        ({"confidence": 1.5}, "out_of_range", "confidence"),
        ({"grade_history": []}, "empty_value", "grade_history"),
        ({"report_count": 0}, "out_of_range", "report_count"),
        ({"district": {"code": "31010", "name": "黄浦区"}}, "invalid_value", "district.code"),
    ],
)
def test_classified_incident_rules(overrides, code, field):
    with pytest.raises(InvalidEvent) as caught:
        validate_data(ClassifiedIncident, classified_factory(**overrides))
    assert (caught.value.code, caught.value.field) == (code, field)


def test_unclassified_has_no_category():
    data = classified_factory(type="unclassified", category=None)
    assert ClassifiedIncident.model_validate(data).category is None
    with pytest.raises(ValidationError, match="unclassified incident has no category"):
        ClassifiedIncident.model_validate(
            classified_factory(type="unclassified", category="social_safety")
        )


def test_input_times_have_no_window_in_the_outputs():
    old = "2019-06-01T08:00:00+08:00"
    incident = ClassifiedIncident.model_validate(classified_factory(reported_at=old))
    assert incident.reported_at.year == 2019


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"action": "end"}, "missing_field", "end_reason"),
        ({"end_reason": "expired"}, "invalid_value", "end_reason"),
        ({"previous_level": "blue"}, "invalid_value", "previous_level"),
        ({"action": "escalate"}, "invalid_value", "previous_level"),
        ({"valid_until": "2000-01-01T00:00:00Z"}, "out_of_range", "valid_until"),
        ({"level": "purple"}, "invalid_value", "level"),
        ({"sequence": 0}, "out_of_range", "sequence"),
    ],
)
def test_warning_rules(overrides, code, field):
    with pytest.raises(InvalidEvent) as caught:
        validate_data(Warning, warning_factory(**overrides))
    assert (caught.value.code, caught.value.field) == (code, field)


def test_warning_end_states_stay_distinct():
    for reason in ("cancelled", "expired"):
        data = warning_factory(action="end", end_reason=reason, previous_level="blue", sequence=3)
        assert Warning.model_validate(data).end_reason == reason


def test_risk_score_is_bounded():
    with pytest.raises(InvalidEvent) as caught:
        validate_data(RiskAssessment, risk_factory(score=100.5))
    assert (caught.value.code, caught.value.field) == ("out_of_range", "score")


def test_deadletter_keeps_original_bytes_and_headers():
    at = datetime(2025, 7, 1, tzinfo=UTC)
    original = b'{"report_id": "\xff'
    dead = DeadLetter.build(
        original,
        stage="validate",
        error_code="invalid_utf8",
        message="event value: must be UTF-8",
        source_topic="incidents.reports",
        partition=2,
        offset=41,
        at=at,
        error_field=None,
        key=b"k",
        headers=[("trace", b"t-1"), ("bin", b"\x00\xff"), ("none", None), ("citywatch.x", b"1")],
    )
    assert dead.original == original and dead.original_size == len(original)
    assert dead.deadletter_id == "incidents.reports:2:41"
    assert [h.key for h in dead.headers] == ["trace", "bin", "none"]
    assert dead.headers[1].encoding == "base64" and dead.headers[1].raw() == b"\x00\xff"
    again = DeadLetter.model_validate_json(dead.model_dump_json())
    assert again == dead
    headers = dead.kafka_headers()
    assert ("citywatch.error_code", b"invalid_utf8") in headers
    assert ("citywatch.source_offset", b"41") in headers
    assert DeadLetter.from_kafka(original, headers, key=b"k") == dead


def test_deadletter_rejects_bytes_that_do_not_match_the_size():
    data = deadletter_factory(original_b64=base64.b64encode(b"abc").decode(), original_size=9)
    with pytest.raises(InvalidEvent) as caught:
        validate_data(DeadLetter, data)
    assert (caught.value.code, caught.value.field) == ("invalid_value", "original_b64")


def test_finding_rectified_later_keeps_its_inspection_time():
    now = datetime.now(UTC)
    data = finding_factory(
        inspected_at=(now - timedelta(days=90)).isoformat(),
        deadline=(now - timedelta(days=10)).isoformat(),
        rectified_at=(now - timedelta(days=1)).isoformat(),
    )
    assert InspectionFinding.model_validate(data).rectified_at is not None
    with pytest.raises(InvalidEvent) as caught:
        validate_data(InspectionFinding, {**data, "rectified_at": data["inspected_at"][:10]})
    assert caught.value.code == "invalid_timestamp"
    early = (now - timedelta(days=91)).isoformat()
    with pytest.raises(InvalidEvent) as caught:
        validate_data(InspectionFinding, {**data, "rectified_at": early})
    assert (caught.value.code, caught.value.field) == ("out_of_range", "rectified_at")
