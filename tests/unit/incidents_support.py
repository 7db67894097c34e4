"""Factories shared by the incident tests: classified reports at exact distances and times."""

from __future__ import annotations

import itertools
import math
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pipeline.geo.sphere import EARTH_RADIUS_M
from schemas.enums import IncidentType
from schemas.outputs import ClassifiedIncident
from tests.factories import classified_factory

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2025, 7, 1, 10, 0, tzinfo=SH)
BUND = (31.2400, 121.4900)
HUANGPU = {"code": "310101", "name": "黄浦区"}
_ids = itertools.count(1)


def at(minutes: float = 0, *, hours: float = 0, days: float = 0) -> datetime:
    """T0 (2025-07-01 10:00 Asia/Shanghai) plus an offset."""
    return T0 + timedelta(minutes=minutes, hours=hours, days=days)


def north_of(point: tuple[float, float], metres: float) -> tuple[float, float]:
    """The point ``metres`` due north (great-circle distance exactly ``metres``)."""
    return point[0] + math.degrees(metres / EARTH_RADIUS_M), point[1]


def report(
    *,
    report_id: str | None = None,
    source: str = "hotline_119",
    minutes: float = 0,
    point: tuple[float, float] = BUND,
    type: str = "fire",
    level: int = 4,
    casualties: dict[str, int] | None = None,
    updates: str | None = None,
    rule_id: str | None = None,
    loss: float | None = None,
) -> dict[str, Any]:
    """A classified report (validated by ``ClassifiedIncident``) as its JSON dict."""
    rid = report_id or f"r{next(_ids):05d}"
    kind = IncidentType(type)
    when = at(minutes).isoformat()
    data = classified_factory(
        report_id=rid,
        source=source,
        incident_id=f"{source}:{rid}",
        reported_at=when,
        processed_at=when,
        location={"lat": point[0], "lon": point[1], "crs": "wgs84"},
        geo={
            "wgs84": {"lat": point[0], "lon": point[1]},
            "gcj02": {"lat": point[0] - 0.002, "lon": point[1] + 0.0045},
        },
        type=kind.value,
        type_hint=None,
        category=None if kind is IncidentType.UNCLASSIFIED else kind.category.value,
        level=level,
        casualties=casualties,
        economic_loss_cny=loss,
        updates_report_id=updates,
        rule={"id": rule_id or f"rule.{kind.value}.{level}", "version": "test"},
        grade_history=[
            {"level": level, "at": when, "rule_id": rule_id or "rule", "report_id": rid}
        ],
    )
    return ClassifiedIncident.model_validate(data).model_dump(mode="json")
