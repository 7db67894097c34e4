"""Factories of valid, JSON-able event dicts with fresh timestamps.

Each takes keyword overrides that replace top-level keys (``report_factory(source="media")``)
and returns a new dict; nested values are fresh copies, so tests may mutate them.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

_seq = itertools.count(1)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _iso(value: datetime) -> str:
    return value.isoformat()


def _next(prefix: str) -> str:
    return f"{prefix}-{next(_seq):06d}"


def report_factory(**overrides: Any) -> dict[str, Any]:
    """A valid ``IncidentReport``: a fire near the Bund (Huangpu), WGS 84."""
    data: dict[str, Any] = {
        "report_id": _next("r"),
        "source": "hotline_119",
        "reported_at": _iso(_now()),
        "location": {"lat": 31.2400, "lon": 121.4900, "crs": "wgs84"},
        "address": "上海市黄浦区中山东一路",
        "description": "中山东一路一栋大楼起火,有浓烟,2人受伤。Fire in a building on the Bund.",
        "type": "fire",
        "casualties": {"deaths": 0, "injuries": 2},
    }
    data.update(overrides)
    return data


def reading_factory(**overrides: Any) -> dict[str, Any]:
    """A valid ``SensorReading``: 12.5 mm in 5 minutes at a Huangpu rain gauge."""
    data: dict[str, Any] = {
        "sensor_id": "rg-310101-001",
        "kind": "rain_gauge",
        "observed_at": _iso(_now()),
        "value": 12.5,
        "unit": "mm",
        "period_s": 300,
        "location": {"lat": 31.2304, "lon": 121.4737, "crs": "wgs84"},
    }
    data.update(overrides)
    return data


def finding_factory(**overrides: Any) -> dict[str, Any]:
    """A valid ``InspectionFinding``: a blocked fire escape in a Pudong community."""
    inspected = _now() - timedelta(hours=2)
    data: dict[str, Any] = {
        "finding_id": _next("f"),
        "site": {
            "name": "陆家嘴某小区",
            "kind": "community",
            "location": {"lat": 31.2397, "lon": 121.4998, "crs": "wgs84"},
            "site_id": "site-310115-0042",
        },
        "inspected_at": _iso(inspected),
        "hazard": "消防通道被杂物堵塞 fire escape blocked",
        "hazard_level": "general",
        "deadline": _iso(inspected + timedelta(days=7)),
        "district_code": "310115",
    }
    data.update(overrides)
    return data


def classified_factory(**overrides: Any) -> dict[str, Any]:
    """A valid ``ClassifiedIncident`` built on :func:`report_factory`'s report."""
    report = report_factory()
    hint = report.pop("type")
    now = _now()
    data: dict[str, Any] = {
        **report,
        "incident_id": _next("inc"),
        "category": "accident",
        "type": "fire",
        "type_hint": hint,
        "level": 4,
        "confidence": 0.9,
        "district": {"code": "310101", "name": "黄浦区"},
        "geo": {
            "wgs84": {"lat": 31.2400, "lon": 121.4900},
            "gcj02": {"lat": 31.23808, "lon": 121.49447},
        },
        "grid_cell": "wtw3sm",
        "exposure": {
            "district_population": 662030,
            "radius_m": 1000.0,
            "facilities": [
                {"id": "fs-0001", "kind": "fire_station", "name": "外滩消防站", "distance_m": 420.0}
            ],
        },
        "rule": {"id": "accident.fire", "version": "2025.1"},
        "explanation": {
            "matched_terms": ["起火", "fire"],
            "type_source": "rule",
            "criterion": "deaths 0 <= 2 and serious_injuries 0 <= 9 -> Ⅳ",
            "regulation": "生产安全事故报告和调查处理条例 第三条",
        },
        "counts_extracted": {"injuries": True},
        "grade_history": [
            {
                "level": 4,
                "at": _iso(now),
                "rule_id": "accident.fire",
                "report_id": report["report_id"],
            }
        ],
        "report_count": 1,
        "processed_at": _iso(now),
    }
    data.update(overrides)
    return data


def warning_factory(**overrides: Any) -> dict[str, Any]:
    """A valid ``Warning``: a blue rainstorm warning issued for Huangpu."""
    now = _now()
    data: dict[str, Any] = {
        "warning_id": _next("w-310101-rainstorm"),
        "sequence": 1,
        "hazard": "rainstorm",
        "level": "blue",
        "action": "issue",
        "district": {"code": "310101", "name": "黄浦区"},
        "sensor_ids": ["rg-310101-001"],
        "at": _iso(now),
        "issued_at": _iso(now),
        "valid_until": _iso(now + timedelta(hours=6)),
        "suggested_response_level": 4,
        "trigger": {
            "metric": "rain_1h_mm",
            "value": 36.5,
            "unit": "mm",
            "threshold": 35.0,
            "window_s": 3600,
            "sensor_id": "rg-310101-001",
        },
        "profile": "shanghai-2019",
    }
    data.update(overrides)
    return data


def risk_factory(**overrides: Any) -> dict[str, Any]:
    """A valid ``RiskAssessment``: rainstorm risk in Pudong."""
    data: dict[str, Any] = {
        "assessment_id": _next("risk-310115-rainstorm"),
        "district": {"code": "310115", "name": "浦东新区"},
        "hazard": "rainstorm",
        "score": 42.5,
        "level": "blue",
        "inputs": [
            {"name": "rain_1h_mm", "value": 30.0, "unit": "mm", "weight": 0.7},
            {"name": "population_density", "value": 4700.0, "unit": "persons/km²", "weight": 0.3},
        ],
        "at": _iso(_now()),
        "profile": "weighted-v1",
    }
    data.update(overrides)
    return data


def deadletter_factory(**overrides: Any) -> dict[str, Any]:
    """A valid ``DeadLetter``: invalid JSON read from ``incidents.reports``."""
    from schemas.deadletters import DeadLetter

    dead = DeadLetter.build(
        b'{"report_id": ',
        stage="validate",
        error_code="invalid_json",
        message='event value: must be valid JSON (EOF while parsing); got "{\\"report_id\\": "',
        source_topic="incidents.reports",
        partition=0,
        offset=next(_seq),
        at=_now(),
        key=b"r-1",
        record_timestamp=_now(),
        headers=[("trace-id", b"abc123"), ("binary", b"\xff\x00")],
    )
    data = dead.model_dump(mode="json")
    data.update(overrides)
    return data


def example_documents(ingested_at: datetime | None = None) -> dict[str, dict[str, Any]]:
    """One Elasticsearch document per index kind, built from the factories above."""
    from pipeline.correlation import resource_document
    from schemas import ClassifiedIncident, DeadLetter, RiskAssessment, SensorReading, Warning
    from schemas.audit import audit_document
    from schemas.common import District, LatLon
    from schemas.documents import (
        deadletter_document,
        incident_document,
        reading_document,
        risk_document,
        warning_document,
    )
    from tests.factories_inspections import inspection_examples

    at = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
    ended = warning_factory(action="end", end_reason="expired", previous_level="yellow", sequence=4)
    managed = classified_factory(
        status="verified",
        status_history=[
            {
                "event_id": "hotline_119:r-1:status:1",
                "sequence": 1,
                "from_status": "reported",
                "to_status": "verified",
                "by": "王值班",
                "reason": "现场确认 confirmed on site",
                "at": at.isoformat(),
            }
        ],
        resources={
            "recommended": [
                {
                    "resource_id": "fs-0002",
                    "kind": "fire_station",
                    "name": "南京路消防站",
                    "name_en": "Nanjing Road Fire Station",
                    "distance_m": 812.5,
                    "need": "fire",
                    "rank": 1,
                    "reason_zh": "火灾:第1近的可用消防站,距事发地0.8公里",
                    "reason_en": "fire: nearest available fire station #1, 0.8 km away",
                }
            ],
            "committed": [
                {
                    "resource_id": "fs-0001",
                    "kind": "fire_station",
                    "name": "外滩消防站",
                    "name_en": "Bund Fire Station",
                    "by": "王值班",
                    "at": at.isoformat(),
                }
            ],
        },
    )
    facility = SimpleNamespace(
        kind="fire_station",
        name_zh="外滩消防站",
        name_en="Bund Fire Station",
        district="310101",
        lat=31.2400,
        lon=121.4900,
    )
    return {
        "incidents": incident_document(
            ClassifiedIncident.model_validate(managed), ingested_at=ingested_at
        ),
        "warnings": warning_document(Warning.model_validate(ended), ingested_at=ingested_at),
        "readings": reading_document(
            SensorReading.model_validate(reading_factory()),
            district=District(code="310101", name="黄浦区"),
            gcj02=LatLon(lat=31.2285, lon=121.4781),
            ingested_at=ingested_at,
        ),
        "deadletter": deadletter_document(
            DeadLetter.model_validate(deadletter_factory()), ingested_at=ingested_at
        ),
        "risk": risk_document(
            RiskAssessment.model_validate(risk_factory()), ingested_at=ingested_at
        ),
        "audit": audit_document(
            action="resource.commit",
            target={
                "kind": "resource",
                "id": "fs-0001",
                "district": {"code": "310101", "name": "黄浦区"},
                "incident_id": "hotline_119:r-1",
            },
            status="committed",
            previous_status="available",
            reason="就近调派 nearest station",
            actor="王值班",
            role="operator",
            client="127.0.0.1",
            user_agent="citywatch-cli",
            command_id="c0ffee",
            at=at,
            audit_id="hotline_119:r-1:commit:fs-0001:c0ffee",
        ),
        "resources": resource_document(
            "fs-0001",
            "committed",
            incident_id="hotline_119:r-1",
            last_incident_id="hotline_119:r-1",
            by="王值班",
            at=at,
            reason="就近调派",
            facility=facility,
            event_id="fs-0001:c0ffee:committed",
        ),
        **inspection_examples(ingested_at=ingested_at),
    }
