"""Property-based checks: generated valid inputs validate, and model -> JSON -> model is
the identity for every model."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from schemas import (
    ClassifiedIncident,
    DeadLetter,
    IncidentReport,
    IncidentType,
    InspectionFinding,
    RiskAssessment,
    SensorKind,
    SensorReading,
    Warning,
    WarningAction,
    WarningColour,
    parse_event,
)
from schemas.enums import Crs, HazardLevel, SiteKind, Source
from tests.factories import (
    classified_factory,
    deadletter_factory,
    risk_factory,
    warning_factory,
)

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

NOW = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
CTX = {"now": NOW}
PROPERTY = settings(max_examples=150, deadline=None)

ids = st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9._:-]{0,63}\Z")
texts = st.text(min_size=1, max_size=200).filter(lambda s: bool(s.strip()))
zones = st.sampled_from(
    [UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-9, minutes=-30))]
)


def instants(earliest: datetime, latest: datetime) -> st.SearchStrategy[datetime]:
    naive = st.datetimes(
        min_value=earliest.astimezone(UTC).replace(tzinfo=None),
        max_value=latest.astimezone(UTC).replace(tzinfo=None),
    )
    return st.builds(lambda d, z: d.replace(tzinfo=UTC).astimezone(z), naive, zones)


def iso(value: datetime) -> str:
    return value.isoformat()


event_times = instants(NOW - timedelta(days=29), NOW + timedelta(minutes=59))
counts = st.integers(min_value=0, max_value=1_000_000_000)
locations = st.fixed_dictionaries(
    {
        "lat": st.floats(min_value=-90, max_value=90, allow_nan=False),
        "lon": st.floats(min_value=-180, max_value=180, allow_nan=False),
    },
    optional={"crs": st.sampled_from([c.value for c in Crs])},
)
casualties = st.fixed_dictionaries(
    {},
    optional={
        k: counts
        for k in ("deaths", "missing", "serious_injuries", "injuries", "affected", "evacuated")
    },
)

reports = st.fixed_dictionaries(
    {
        "report_id": ids,
        "source": st.sampled_from([s.value for s in Source]),
        "reported_at": event_times.map(iso),
        "location": locations,
        "description": texts,
    },
    optional={
        "address": texts,
        "type": st.sampled_from([t.value for t in IncidentType]),
        "casualties": casualties,
        "economic_loss_cny": st.floats(min_value=0, max_value=1e13, allow_nan=False),
        "updates_report_id": ids,
    },
)


@st.composite
def readings(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(list(SensorKind)))
    rain = kind is SensorKind.RAIN_GAUGE
    value = draw(st.floats(min_value=0 if rain else -1e6, max_value=1e6, allow_nan=False))
    data = {
        "sensor_id": draw(ids),
        "kind": kind.value,
        "observed_at": iso(draw(event_times)),
        "value": value,
        "unit": kind.unit,
    }
    if rain or draw(st.booleans()):
        data["period_s"] = draw(st.integers(min_value=1, max_value=86400))
    if draw(st.booleans()):
        data["location"] = draw(locations)
    return data


@st.composite
def findings(draw: st.DrawFn) -> dict[str, Any]:
    inspected = draw(instants(NOW - timedelta(days=29), NOW))
    data = {
        "finding_id": draw(ids),
        "site": {
            "name": draw(texts),
            "kind": draw(st.sampled_from([k.value for k in SiteKind])),
            "location": draw(locations),
        },
        "inspected_at": iso(inspected),
        "hazard": draw(texts),
        "hazard_level": draw(st.sampled_from([h.value for h in HazardLevel])),
        "deadline": iso(inspected + draw(st.timedeltas(timedelta(0), timedelta(days=365)))),
    }
    if draw(st.booleans()):
        data["rectified_at"] = iso(draw(instants(inspected, NOW)))
    if draw(st.booleans()):
        data["district_code"] = draw(st.from_regex(r"\A31[0-9]{4}\Z"))
    return data


@pytest.mark.parametrize(
    ("model", "strategy"),
    [(IncidentReport, reports), (SensorReading, readings()), (InspectionFinding, findings())],
    ids=["IncidentReport", "SensorReading", "InspectionFinding"],
)
def test_generated_inputs_validate_and_round_trip(model, strategy):
    @PROPERTY
    @given(strategy)
    def check(data: dict[str, Any]) -> None:
        raw = json.dumps(data, ensure_ascii=False).encode()
        event = parse_event(model, raw, now=NOW)
        assert model.model_validate_json(event.model_dump_json(), context=CTX) == event
        assert model.model_validate(event.model_dump(), context=CTX) == event

    check()


@st.composite
def warnings(draw: st.DrawFn) -> dict[str, Any]:
    action = draw(st.sampled_from(list(WarningAction)))
    issued = draw(instants(NOW - timedelta(days=3), NOW))
    data = warning_factory(
        level=draw(st.sampled_from([c.value for c in WarningColour])),
        action=action.value,
        issued_at=iso(issued),
        at=iso(issued + draw(st.timedeltas(timedelta(0), timedelta(hours=12)))),
        valid_until=iso(issued + timedelta(hours=draw(st.integers(0, 72)))),
        sensor_ids=draw(st.lists(ids, max_size=5)),
        sequence=1 if action is WarningAction.ISSUE else draw(st.integers(2, 50)),
    )
    if action is not WarningAction.ISSUE:
        data["previous_level"] = draw(st.sampled_from([c.value for c in WarningColour]))
    if action is WarningAction.END:
        data["end_reason"] = draw(st.sampled_from(["cancelled", "expired"]))
    return data


@st.composite
def classified(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(list(IncidentType)))
    level = draw(st.integers(1, 4))
    data = classified_factory(
        type=kind.value,
        category=None if kind is IncidentType.UNCLASSIFIED else kind.category.value,
        level=level,
        confidence=draw(st.floats(0, 1)),
        description=draw(texts),
        location=draw(locations),
    )
    data["grade_history"][-1]["level"] = level
    return data


@st.composite
def assessments(draw: st.DrawFn) -> dict[str, Any]:
    return risk_factory(score=draw(st.floats(0, 100)), at=iso(draw(event_times)))


@st.composite
def dead_letters(draw: st.DrawFn) -> dict[str, Any]:
    original = draw(st.binary(max_size=300))
    built = DeadLetter.build(
        original,
        stage="validate",
        error_code="invalid_json",
        message=draw(texts),
        source_topic="incidents.reports",
        partition=draw(st.integers(0, 100)),
        offset=draw(st.integers(0, 2**62)),
        at=draw(event_times),
        headers=draw(st.lists(st.tuples(texts, st.none() | st.binary(max_size=20)), max_size=3)),
    )
    return built.model_dump(mode="json")


@pytest.mark.parametrize(
    ("model", "strategy"),
    [
        (ClassifiedIncident, classified()),
        (Warning, warnings()),
        (RiskAssessment, assessments()),
        (DeadLetter, dead_letters()),
    ],
    ids=["ClassifiedIncident", "Warning", "RiskAssessment", "DeadLetter"],
)
def test_output_models_round_trip(model, strategy):
    @PROPERTY
    @given(strategy)
    def check(data: dict[str, Any]) -> None:
        event = model.model_validate(data)
        assert model.model_validate_json(event.model_dump_json()) == event

    check()


def test_deadletter_factory_round_trips_bytes():
    dead = DeadLetter.model_validate(deadletter_factory())
    assert DeadLetter.model_validate_json(dead.model_dump_json()).original == dead.original
