"""parse_event: every bad input maps to its stable error code, with a useful message."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from schemas import (
    ERROR_CODES,
    ErrorCode,
    IncidentReport,
    InspectionFinding,
    InvalidEvent,
    SensorReading,
    parse_event,
)
from schemas.validation import VALUE_PREVIEW, field_path, preview, validate_data
from tests.factories import finding_factory, reading_factory, report_factory

NOW = datetime.now(UTC).replace(microsecond=0)


def raw(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def without(data: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != key}


def ago(**delta: float) -> str:
    return (NOW - timedelta(**delta)).isoformat()


LOC = {"lat": 31.24, "lon": 121.49}

REP, RDG, FND = IncidentReport, SensorReading, InspectionFinding
r, s, f = report_factory, reading_factory, finding_factory

BAD_INPUTS: list[tuple[str, str, str | None, type, bytes]] = [
    # (case, expected code, expected field, model, record value)
    ("empty value", "empty_value", None, REP, b""),
    ("blank value", "empty_value", None, REP, b" \n\t "),
    ("2 MB value", "too_large", None, REP, b"x" * (2 * 1024 * 1024)),
    ("2 MB valid JSON", "too_large", None, REP, raw(r(address="a" * 2_000_000))),
    ("invalid UTF-8", "invalid_utf8", None, REP, b'{"report_id": "\xff\xfe"}'),
    ("latin-1 text", "invalid_utf8", None, REP, '{"address": "Café"}'.encode("latin-1")),
    ("truncated JSON", "invalid_json", None, REP, b'{"report_id": '),
    ("not JSON at all", "invalid_json", None, REP, b"report r-1: fire"),
    ("trailing comma", "invalid_json", None, REP, b'{"report_id": "r-1",}'),
    ("JSON array", "not_an_object", None, REP, b"[1, 2]"),
    ("JSON string", "not_an_object", None, REP, b'"fire"'),
    ("JSON number", "not_an_object", None, RDG, b"42"),
    ("JSON null", "not_an_object", None, RDG, b"null"),
    ("missing field", "missing_field", "description", REP, raw(without(r(), "description"))),
    ("missing nested", "missing_field", "location.lon", REP, raw(r(location={"lat": 31.2}))),
    ("unknown field", "unknown_field", "colour", REP, raw(r(colour="red"))),
    ("unknown nested", "unknown_field", "casualties.dead", REP, raw(r(casualties={"dead": 1}))),
    ("lat=91", "out_of_range", "location.lat", REP, raw(r(location={"lat": 91, "lon": 121.5}))),
    ("lon=-181", "out_of_range", "location.lon", RDG, raw(s(location={"lat": 31, "lon": -181}))),
    ("negative count", "out_of_range", "casualties.deaths", REP, raw(r(casualties={"deaths": -1}))),
    ("negative loss", "out_of_range", "economic_loss_cny", REP, raw(r(economic_loss_cny=-5))),
    ("period_s=0", "out_of_range", "period_s", RDG, raw(s(period_s=0))),
    ("negative rainfall", "out_of_range", "value", RDG, raw(s(value=-0.5))),
    ("deadline before", "out_of_range", "deadline", FND, raw(f(deadline=ago(days=1)))),
    (
        "year 10000",
        "invalid_timestamp",
        "reported_at",
        REP,
        raw(r(reported_at="10000-01-01T00:00:00Z")),
    ),
    (
        "naive timestamp",
        "invalid_timestamp",
        "reported_at",
        REP,
        raw(r(reported_at="2025-07-01T08:00:00")),
    ),
    ("date only", "invalid_timestamp", "observed_at", RDG, raw(s(observed_at="2025-07-01"))),
    ("unparsable time", "invalid_timestamp", "observed_at", RDG, raw(s(observed_at="yesterday"))),
    (
        "month 13",
        "invalid_timestamp",
        "reported_at",
        REP,
        raw(r(reported_at="2025-13-01T00:00:00Z")),
    ),
    ("epoch number", "invalid_timestamp", "reported_at", REP, raw(r(reported_at=1_750_000_000))),
    ("too old", "timestamp_out_of_window", "reported_at", REP, raw(r(reported_at=ago(days=31)))),
    (
        "too far ahead",
        "timestamp_out_of_window",
        "observed_at",
        RDG,
        raw(s(observed_at=ago(hours=-2))),
    ),
    (
        "year 1",
        "timestamp_out_of_window",
        "observed_at",
        RDG,
        raw(s(observed_at="0001-01-01T00:00:00Z")),
    ),
    (
        "old finding",
        "timestamp_out_of_window",
        "inspected_at",
        FND,
        raw(f(inspected_at=ago(days=40))),
    ),
    ("long description", "too_long", "description", REP, raw(r(description="火" * 4001))),
    ("long address", "too_long", "address", REP, raw(r(address="路" * 501))),
    ("long id", "too_long", "report_id", REP, raw(r(report_id="r" * 129))),
    ("empty description", "empty_value", "description", REP, raw(r(description=""))),
    ("blank description", "empty_value", "description", REP, raw(r(description="   "))),
    ("empty id", "empty_value", "sensor_id", RDG, raw(s(sensor_id=""))),
    ("unsafe id", "invalid_value", "report_id", REP, raw(r(report_id="r 1/../x"))),
    ("unknown source", "invalid_value", "source", REP, raw(r(source="hotline_999"))),
    ("unknown sensor kind", "invalid_value", "kind", RDG, raw(s(kind="seismometer"))),
    ("unknown crs", "invalid_value", "location.crs", REP, raw(r(location={**LOC, "crs": "utm"}))),
    ("unknown type hint", "invalid_value", "type", REP, raw(r(type="alien_invasion"))),
    (
        "count as string",
        "invalid_value",
        "casualties.deaths",
        REP,
        raw(r(casualties={"deaths": "3"})),
    ),
    (
        "count as float",
        "invalid_value",
        "casualties.injuries",
        REP,
        raw(r(casualties={"injuries": 1.5})),
    ),
    (
        "lat as string",
        "invalid_value",
        "location.lat",
        REP,
        raw(r(location={"lat": "31.2", "lon": 1})),
    ),
    ("value as bool", "invalid_value", "value", RDG, raw(s(value=True))),
    ("value NaN", "invalid_value", "value", RDG, raw(s(value=1.0)).replace(b"1.0", b"NaN")),
    ("location as array", "invalid_value", "location", REP, raw(r(location=[31.2, 121.5]))),
    ("description number", "invalid_value", "description", REP, raw(r(description=42))),
    ("rain gauge no period", "missing_period", "period_s", RDG, raw(without(s(), "period_s"))),
    ("rain gauge null period", "missing_period", "period_s", RDG, raw(s(period_s=None))),
]


@pytest.mark.parametrize(
    ("code", "field", "model", "data"),
    [case[1:] for case in BAD_INPUTS],
    ids=[case[0] for case in BAD_INPUTS],
)
def test_bad_input_maps_to_its_code(code: str, field: str | None, model: type, data: bytes):
    with pytest.raises(InvalidEvent) as caught:
        parse_event(model, data, now=NOW)
    err = caught.value
    assert (err.code, err.field) == (code, field), err.message
    assert err.code in ERROR_CODES
    assert err.message.startswith(f"{field}:" if field else "event value:")
    assert "; got " in err.message
    assert err.stage == "validate"
    assert err.as_dict() == {"code": code, "field": field, "message": err.message}


def test_every_error_code_has_a_bad_input_and_a_description():
    produced = {case[1] for case in BAD_INPUTS}
    assert produced == set(ERROR_CODES) == {c.value for c in ErrorCode}
    assert all(desc and "\n" not in desc for desc in ERROR_CODES.values())
    assert len(BAD_INPUTS) >= 30


@pytest.mark.parametrize(
    ("model", "data"),
    [
        (IncidentReport, report_factory()),
        (IncidentReport, report_factory(location={"lat": 31.23, "lon": 121.5, "crs": "gcj02"})),
        (IncidentReport, without(without(report_factory(), "address"), "casualties")),
        (IncidentReport, report_factory(reported_at=ago(days=29), updates_report_id="r-000001")),
        (IncidentReport, report_factory(economic_loss_cny=12_000_000, description="x" * 4000)),
        (SensorReading, reading_factory()),
        (
            SensorReading,
            without(reading_factory(kind="water_level", value=-0.4, unit="m"), "period_s"),
        ),
        (
            SensorReading,
            without(reading_factory(kind="anemometer", value=18, unit="m/s"), "location"),
        ),
        (InspectionFinding, finding_factory()),
        (InspectionFinding, finding_factory(inspected_at=ago(days=60), rectified_at=ago(hours=1))),
    ],
)
def test_valid_examples_pass(model: type, data: dict[str, Any]):
    event = parse_event(model, raw(data), now=NOW)
    assert isinstance(event, model)
    assert model.model_validate_json(event.model_dump_json(), context={"now": NOW}) == event
    assert set(event.model_dump(exclude_unset=True)) == set(data)


def test_the_offending_value_is_truncated():
    with pytest.raises(InvalidEvent) as caught:
        parse_event(IncidentReport, raw(report_factory(description="火" * 5000)), now=NOW)
    got = caught.value.message.split("; got ", 1)[1]
    assert len(got) <= VALUE_PREVIEW and got.endswith("…")
    assert "4000 characters" in caught.value.message


def test_messages_name_field_constraint_and_value():
    with pytest.raises(InvalidEvent) as caught:
        parse_event(IncidentReport, raw(report_factory(location={"lat": 91, "lon": 1})), now=NOW)
    assert caught.value.message == "location.lat: must be <= 90; got 91"
    with pytest.raises(InvalidEvent) as caught:
        parse_event(IncidentReport, raw(report_factory(hazard="x")), now=NOW)
    assert caught.value.message == ('hazard: unknown field (not part of IncidentReport); got "x"')


def test_the_window_comes_from_the_arguments():
    old = raw(report_factory(reported_at="2020-05-01T10:00:00+08:00"))
    with pytest.raises(InvalidEvent, match="must lie between"):
        parse_event(IncidentReport, old, now=NOW)
    then = datetime(2020, 5, 1, 2, 0, tzinfo=UTC)
    assert parse_event(IncidentReport, old, now=then).reported_at == then
    assert parse_event(IncidentReport, old, now=NOW, max_past_s=None).reported_at == then
    assert parse_event(IncidentReport, old, now=then, max_past_s=0, max_future_s=0)
    with pytest.raises(InvalidEvent) as caught:
        parse_event(IncidentReport, old, now=then + timedelta(seconds=1), max_past_s=0)
    assert caught.value.code == "timestamp_out_of_window"
    with pytest.raises(InvalidEvent) as caught:
        parse_event(IncidentReport, old, now=then - timedelta(seconds=1), max_future_s=0)
    assert caught.value.code == "timestamp_out_of_window"


def test_the_window_through_the_validation_context():
    data = report_factory(reported_at="2020-05-01T10:00:00+08:00")
    ctx = {"now": datetime(2020, 5, 2, tzinfo=UTC), "max_past_s": 86400 * 2}
    assert IncidentReport.model_validate_json(raw(data), context=ctx).report_id == data["report_id"]
    with pytest.raises(InvalidEvent) as caught:
        validate_data(IncidentReport, data, context={**ctx, "max_past_s": 3600})
    assert caught.value.code == "timestamp_out_of_window"


def test_parse_event_accepts_str_and_memoryview():
    data = raw(report_factory())
    assert parse_event(IncidentReport, data.decode(), now=NOW).source == "hotline_119"
    assert parse_event(IncidentReport, memoryview(data), now=NOW).source == "hotline_119"


def test_max_bytes_is_a_parameter():
    data = raw(reading_factory())
    with pytest.raises(InvalidEvent) as caught:
        parse_event(SensorReading, data, now=NOW, max_bytes=len(data) - 1)
    assert caught.value.code == "too_large"
    assert parse_event(SensorReading, data, now=NOW, max_bytes=len(data))


def test_all_errors_are_kept_the_first_is_primary():
    data = report_factory(colour="red", location={"lat": 91, "lon": 500})
    with pytest.raises(InvalidEvent) as caught:
        parse_event(IncidentReport, raw(data), now=NOW)
    codes = [(e.code, e.field) for e in caught.value.errors]
    assert codes[0] == (caught.value.code, caught.value.field)
    assert set(codes) == {
        ("out_of_range", "location.lat"),
        ("out_of_range", "location.lon"),
        ("unknown_field", "colour"),
    }


def test_naive_now_is_a_programming_error():
    with pytest.raises(ValueError):
        parse_event(SensorReading, raw(reading_factory()), now=datetime(2025, 1, 1))


def test_helpers():
    assert field_path(("sensor_ids", 2)) == "sensor_ids[2]"
    assert field_path(("site", "location", "lat")) == "site.location.lat"
    assert preview("a" * 200).endswith("…") and len(preview("a" * 200)) == VALUE_PREVIEW
    assert preview(b"\xff" * 10) == repr(b"\xff" * 10)


def test_default_window_without_context():
    assert IncidentReport.model_validate_json(raw(report_factory())).source == "hotline_119"
    old = raw(report_factory(reported_at=(datetime.now(UTC) - timedelta(days=31)).isoformat()))
    with pytest.raises(InvalidEvent) as caught:
        validate_data(IncidentReport, json.loads(old))
    assert caught.value.code == "timestamp_out_of_window"
    assert "max_past_s" in caught.value.message


def test_huge_bounds_mean_no_bound():
    ancient = raw(reading_factory(observed_at="0001-01-01T00:00:00Z"))
    assert parse_event(SensorReading, ancient, now=NOW, max_past_s=1e300)
    ctx = {"now": NOW, "max_past_s": 1e300, "max_future_s": 1e300}
    assert SensorReading.model_validate_json(ancient, context=ctx)
