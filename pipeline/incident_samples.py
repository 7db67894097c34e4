"""Sample incidents on which the fast incident document is compared with the model's.

Each sample is one report (validated by the input contract), one classifier output and one
enrichment, chosen to cover every optional part of the document: with and without a
district, casualties, a loss, an address, a follow-up id, a type hint, facilities, an
unclassified type, a zone other than UTC, and one incident the model rejects.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from pydantic import ValidationError

from pipeline.incident_constraints import Unsure
from schemas.documents import incident_document
from schemas.inputs import IncidentReport
from schemas.outputs import ClassifiedIncident

_ANY_TIME = {"window_bounds": (-math.inf, math.inf)}


@dataclass(frozen=True)
class SampleEnrichment:
    """The four parts of an enrichment a document uses."""

    district: dict[str, str] | None
    geo: dict[str, dict[str, float]]
    grid_cell: str | None
    exposure: dict[str, Any]


@dataclass(frozen=True)
class Sample:
    """The parts of one incident document."""

    name: str
    data: dict[str, Any]
    hint: Any
    classification: dict[str, Any]
    enrichment: SampleEnrichment
    now: datetime


def _report(**fields: Any) -> IncidentReport:
    base = {
        "report_id": "r-1",
        "source": "hotline_119",
        "reported_at": "2026-06-01T08:30:00.25+08:00",
        "location": {"lat": 31.2304, "lon": 121.4737},
        "description": "南京东路一商铺起火，造成2人受伤",
    }
    return IncidentReport.model_validate(base | fields, context=_ANY_TIME)


def _graded(category: str | None, itype: str, level: int, **more: Any) -> dict[str, Any]:
    return {
        "category": category,
        "type": itype,
        "level": level,
        "confidence": 0.83,
        "rule": {"id": "LVL-PSA-493", "version": "2026.11.2"},
        **more,
    }


_CITY = SampleEnrichment(
    district={"code": "310101", "name": "黄浦区"},
    geo={"wgs84": {"lat": 31.2304, "lon": 121.4737}, "gcj02": {"lat": 31.2284, "lon": 121.478}},
    grid_cell="88309a4c9dfffff",
    exposure={
        "district_population": 662030,
        "radius_m": 1000.0,
        "facilities": [
            {"id": "h-1", "kind": "hospital", "name": "仁济医院", "distance_m": 120.5},
            {"id": "s-2", "kind": "school", "name": "格致中学", "distance_m": 980},
        ],
    },
)
_OUTSIDE = SampleEnrichment(
    district=None,
    geo={"wgs84": {"lat": 30.0, "lon": 120.0}, "gcj02": {"lat": 29.9979, "lon": 120.0045}},
    grid_cell=None,
    exposure={},
)
_NOW = datetime(2026, 6, 1, 0, 31, 2, 5, tzinfo=UTC)


def samples() -> Iterator[Sample]:
    """The samples, each with parts shaped as the processor hands them over."""
    full = _report(
        type="fire",
        address="南京东路100号",
        casualties={"injuries": 2},
        economic_loss_cny=15000,
        updates_report_id="r-0",
    )
    explanation = {
        "matched_terms": ["起火"],
        "type_source": "rule",
        "criterion": "floor -> level 4: 火灾",
        "regulation": "生产安全事故报告和调查处理条例",
    }
    counts = {"deaths": False, "injuries": True, "economic_loss_cny": False}
    yield Sample(
        "full",
        _dump(full),
        full.type,
        _graded(
            "accident",
            "fire",
            4,
            casualties={"injuries": 2, "deaths": None},
            economic_loss_cny=15000,
            explanation=explanation,
            counts_extracted=counts,
        ),
        _CITY,
        _NOW,
    )
    bare = _report(location={"lat": 30.0, "lon": 120.0, "crs": "gcj02"})
    yield Sample(
        "unclassified outside the city",
        _dump(bare),
        None,
        _graded(None, "unclassified", 4, casualties=None, economic_loss_cny=None),
        _OUTSIDE,
        _NOW,
    )
    hinted = _report(type="flood", casualties={}, reported_at="2026-06-01T00:00:00Z")
    yield Sample(
        "type hint only, zone +08:00",
        _dump(hinted),
        hinted.type,
        _graded("natural_disaster", "flood", 4, explanation={"type_source": "hint"}),
        _CITY,
        _NOW.astimezone(timezone(timedelta(hours=8))),
    )
    long_id = _report(report_id="x" * 128)
    yield Sample(
        "incident id too long",
        _dump(long_id),
        None,
        _graded(None, "unclassified", 4),
        _OUTSIDE,
        _NOW,
    )


def _dump(report: IncidentReport) -> dict[str, Any]:
    return report.model_dump(mode="json", exclude_none=True)


Builder = Callable[..., tuple[dict[str, Any], bool]]
Payload = Callable[..., dict[str, Any]]


def fast_path_differences(build: Builder, payload: Payload) -> list[str]:
    """Where ``build`` and the model's path disagree on the samples; empty when they agree."""
    found = []
    for sample in samples():
        parts = (sample.data, sample.hint, sample.classification, sample.enrichment, sample.now)
        incident_id = f"{sample.data['source']}:{sample.data['report_id']}"
        try:
            incident = ClassifiedIncident.model_validate(payload(*parts, incident_id))
            expected: dict[str, Any] | None = incident_document(incident, ingested_at=sample.now)
        except ValidationError:
            expected = None
        try:
            got: dict[str, Any] | None = build(*parts)[0]
        except Unsure:
            got = None
        except Exception as exc:  # noqa: BLE001 - reported as a difference
            found.append(f"{sample.name}: {exc!r}")
            continue
        if got is not None and (expected is None or _text(got) != _text(expected)):
            found.append(f"{sample.name}: {_text(got)} != {_text(expected)}")
    return found


def _text(doc: dict[str, Any] | None) -> str:
    return json.dumps(doc, ensure_ascii=False)
