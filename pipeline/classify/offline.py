"""The core of ``citywatch classify FILE.jsonl``: one output object per input line.

Each line is an incident report (JSON). The output carries the contract fields first
(``report_id``, ``category``, ``type``, ``level``, ``district``, ``rule``) and then the
reasons (confidence, matched terms, level criterion, counts and where they came from,
explanation). A line that cannot be classified yields ``{"report_id": ..., "line": n,
"error": {"code", "message"}}`` instead. Blank lines are skipped. A report whose
``updates_report_id`` names an earlier report in the same input re-grades that incident and
carries its grade ``history``. The district comes from the injected lookup (no lookup, or a
point outside the city: ``null``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from pipeline.classify.classifier import Classification, ReportError, classify_report
from pipeline.classify.regrade import GradeEntry, initial_entry, regrade
from pipeline.classify.rulebook import load_rulebook
from pipeline.classify.rulebook_model import Rulebook
from pipeline.errors import EventError

#: ``(lat, lon, crs) -> {code, name, ...}`` (or an object with ``code`` and ``name``) or None
DistrictLookup = Callable[[float, float, str], Any]
CRS_CHOICES = ("wgs84", "gcj02", "bd09")
CONTRACT_KEYS = ("report_id", "category", "type", "level", "district", "rule")


def decode_line(raw: bytes | str) -> dict[str, Any] | None:
    """The JSON object on one line; ``None`` for a blank line; :class:`ReportError` if bad."""
    if isinstance(raw, bytes | bytearray):
        try:
            raw = bytes(raw).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ReportError("undecodable", f"the line is not valid UTF-8: {exc.reason}") from exc
    text = raw.strip().lstrip("\ufeff")
    if not text:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportError(
            "invalid_json", f"not valid JSON: {exc.msg} at column {exc.colno}"
        ) from exc
    if not isinstance(value, dict):
        raise ReportError("not_an_object", "an incident report must be a JSON object")
    return value


def _readable_id(report: Mapping[str, Any]) -> str | None:
    value = report.get("report_id")
    return value if isinstance(value, str) and value else None


def _check_required(report: Mapping[str, Any]) -> str:
    report_id = _readable_id(report)
    if report_id is None:
        raise ReportError("missing_field", "report_id is required and must be a non-empty string")
    if not isinstance(report.get("description"), str):
        raise ReportError("missing_field", "description is required and must be a string")
    return report_id


def district_for(report: Mapping[str, Any], lookup: DistrictLookup | None) -> dict[str, Any] | None:
    """``{code, name}`` of the report's district from ``lookup``; ``None`` if unknown."""
    location = report.get("location")
    if location is None:
        return None
    if not isinstance(location, Mapping):
        raise ReportError("invalid_location", "location must be an object with lat and lon")
    lat, lon = location.get("lat"), location.get("lon")
    crs = location.get("crs") or "wgs84"
    for name, value, limit in (("lat", lat, 90), ("lon", lon, 180)):
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not -limit <= value <= limit
        ):
            raise ReportError("invalid_location", f"location.{name} must be a number in ±{limit}")
    if crs not in CRS_CHOICES:
        raise ReportError(
            "invalid_location", f"location.crs must be one of {', '.join(CRS_CHOICES)}"
        )
    if lookup is None:
        return None
    try:
        found = lookup(float(lat), float(lon), crs)  # type: ignore[arg-type]
    except (ValueError, EventError) as exc:
        raise ReportError("invalid_location", f"district lookup failed: {exc}") from exc
    if not found:
        return None
    if isinstance(found, Mapping):
        return {"code": found.get("code"), "name": found.get("name")}
    return {"code": getattr(found, "code", None), "name": getattr(found, "name", None)}


def _output(
    report_id: str,
    classification: Classification,
    district: dict[str, Any] | None,
    report: Mapping[str, Any],
) -> dict[str, Any]:
    body = classification.to_dict()
    body["report_id"] = report_id
    body["district"] = district
    out = {key: body.pop(key) for key in CONTRACT_KEYS}
    for key in ("source", "reported_at"):
        if report.get(key) is not None:
            out[key] = report[key]
    out.update(body)
    return out


def classify_lines(
    lines: Iterable[bytes | str],
    rulebook: Rulebook | None = None,
    district_lookup: DistrictLookup | None = None,
) -> Iterator[dict[str, Any]]:
    """Classify JSON Lines; yields one result or error object per non-blank line."""
    rulebook = rulebook or load_rulebook()
    incidents: dict[str, tuple[Classification, list[GradeEntry]]] = {}
    incident_of: dict[str, str] = {}
    for number, raw in enumerate(lines, start=1):
        report: dict[str, Any] | None = None
        try:
            report = decode_line(raw)
            if report is None:
                continue
            report_id = _check_required(report)
            district = district_for(report, district_lookup)
            target = report.get("updates_report_id")
            incident_id = incident_of.get(target) if isinstance(target, str) else None
            if incident_id is not None:
                previous, history = incidents[incident_id]
                classification, history = regrade(previous, history, report, rulebook)
            else:
                classification = classify_report(report, rulebook)
                incident_id, history = report_id, [initial_entry(classification)]
            incidents[incident_id] = (classification, history)
            incident_of[report_id] = incident_id
            out = _output(report_id, classification, district, report)
            if target is not None:
                out["updates_report_id"] = target
                out["incident_report_id"] = incident_id
                out["history"] = [entry.to_dict() for entry in history]
                if incident_id == report_id:
                    out["notes"].append(f"updates_report_id {target!r} was not seen earlier")
        except EventError as exc:
            yield {
                "report_id": _readable_id(report) if report else None,
                "line": number,
                "error": {"code": exc.code, "message": exc.message},
            }
            continue
        yield out
