"""The ``incidents`` document of a report, built straight from its validated parts.

:func:`incident_document_from_parts` gives exactly what
``incident_document(ClassifiedIncident.model_validate(...))`` gives for a report that has
passed its input contract, a classification and an enrichment, without building the model.
It checks every constraint the model would check on the parts that did not come from the
validated report (the classification, the enrichment, the incident id); anything it is not
certain of (an unexpected type, a value at or beyond a bound) makes it return ``None``, and
the caller then takes the model's path, which accepts or rejects as the contract says.

:func:`document_bytes` serialises a document as ``json.dumps(doc, ensure_ascii=False,
separators=(",", ":"))`` encoded in UTF-8 does, with the faster pydantic-core encoder when
the two are known to agree byte for byte (they write floats below 1e-4 differently).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pydantic_core

from schemas.common import COUNT_MAX, DESCRIPTION_MAX, ID_MAX, MONEY_MAX, NAME_MAX, SHORT_MAX
from schemas.documents import DATASET_PREFIX
from schemas.enums import FacilityKind, IncidentType, Source
from schemas.outputs import MAX_ITEMS

CASUALTY_FIELDS = ("deaths", "missing", "serious_injuries", "injuries", "affected", "evacuated")
COUNT_FLAGS = (*CASUALTY_FIELDS, "economic_loss_cny")
EXPLANATION_FIELDS = frozenset(("matched_terms", "type_source", "criterion", "regulation"))
EXPOSURE_FIELDS = frozenset(("district_population", "radius_m", "facilities"))
FACILITY_FIELDS = frozenset(("id", "kind", "name", "distance_m"))
TYPE_SOURCES = frozenset(("rule", "hint", "default"))
#: floats smaller than this (and not zero) are written differently by the two encoders
SMALLEST_PLAIN_FLOAT = 1e-4

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]*")
_DISTRICT_CODE = re.compile(r"[0-9]{6}")
_NOT_BLANK = re.compile(r"\S")
_CATEGORY_OF_TYPE = {t.value: t.category.value for t in IncidentType}
_SOURCES = frozenset(s.value for s in Source)
_FACILITY_KINDS = frozenset(k.value for k in FacilityKind)
_UNCLASSIFIED = IncidentType.UNCLASSIFIED.value


class _Unsure(Exception):
    """A part this module does not vouch for; the model decides instead."""


def _id(value: Any) -> str:
    if type(value) is not str or len(value) > ID_MAX or not _ID.fullmatch(value):
        raise _Unsure
    return value


def _text(value: Any, max_length: int) -> str:
    if type(value) is not str or not 1 <= len(value) <= max_length:
        raise _Unsure
    if not _NOT_BLANK.search(value):
        raise _Unsure
    return value


def _count(value: Any) -> int:
    if type(value) is not int or not 0 <= value <= COUNT_MAX:
        raise _Unsure
    return value


def _float(value: Any, low: float, high: float) -> float:
    if type(value) is int:
        value = float(value)
    elif type(value) is not float:
        raise _Unsure
    if not low <= value <= high or not math.isfinite(value):
        raise _Unsure
    return value


def _point(value: Any) -> dict[str, float]:
    if type(value) is not dict or value.keys() != {"lat", "lon"}:
        raise _Unsure
    return {"lat": _float(value["lat"], -90, 90), "lon": _float(value["lon"], -180, 180)}


def _casualties(value: Any) -> dict[str, int] | None:
    if value is None:
        return None
    if type(value) is not dict or not value.keys() <= set(CASUALTY_FIELDS):
        raise _Unsure
    return {k: _count(value[k]) for k in CASUALTY_FIELDS if value.get(k) is not None}


def _rule(value: Any) -> dict[str, str]:
    if type(value) is not dict or value.keys() != {"id", "version"}:
        raise _Unsure
    return {"id": _id(value["id"]), "version": _text(value["version"], SHORT_MAX)}


def _explanation(value: Any) -> dict[str, Any]:
    if type(value) is not dict or not value.keys() <= EXPLANATION_FIELDS:
        raise _Unsure
    terms = value.get("matched_terms", [])
    if type(terms) is not list or len(terms) > MAX_ITEMS:
        raise _Unsure
    source = value.get("type_source", "rule")
    if type(source) is not str or source not in TYPE_SOURCES:
        raise _Unsure
    out: dict[str, Any] = {
        "matched_terms": [_text(t, SHORT_MAX) for t in terms],
        "type_source": source,
    }
    if value.get("criterion") is not None:
        out["criterion"] = _text(value["criterion"], DESCRIPTION_MAX)
    if value.get("regulation") is not None:
        out["regulation"] = _text(value["regulation"], NAME_MAX)
    return out


def _counts_extracted(value: Any) -> dict[str, bool]:
    if type(value) is not dict or not value.keys() <= set(COUNT_FLAGS):
        raise _Unsure
    if any(type(flag) is not bool for flag in value.values()):
        raise _Unsure
    return {k: value.get(k, False) for k in COUNT_FLAGS}


def _district(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    if type(value) is not dict or value.keys() != {"code", "name"}:
        raise _Unsure
    code = value["code"]
    if type(code) is not str or not _DISTRICT_CODE.fullmatch(code):
        raise _Unsure
    return {"code": code, "name": _text(value["name"], SHORT_MAX)}


def _facility(value: Any) -> dict[str, Any]:
    if type(value) is not dict or value.keys() != FACILITY_FIELDS:
        raise _Unsure
    kind = value["kind"]
    if type(kind) is not str or kind not in _FACILITY_KINDS:
        raise _Unsure
    return {
        "id": _id(value["id"]),
        "kind": kind,
        "name": _text(value["name"], NAME_MAX),
        "distance_m": _float(value["distance_m"], 0, math.inf),
    }


def _exposure(value: Any) -> dict[str, Any]:
    if type(value) is not dict or not value.keys() <= EXPOSURE_FIELDS:
        raise _Unsure
    facilities = value.get("facilities", [])
    if type(facilities) is not list or len(facilities) > MAX_ITEMS:
        raise _Unsure
    out: dict[str, Any] = {}
    if value.get("district_population") is not None:
        out["district_population"] = _count(value["district_population"])
    if value.get("radius_m") is not None:
        out["radius_m"] = _float(value["radius_m"], 0, math.inf)
    out["facilities"] = [_facility(f) for f in facilities]
    return out


def _category_and_type(c: Mapping[str, Any]) -> tuple[str | None, str]:
    """An unclassified incident has no category; any other has its type's category."""
    category, itype = c["category"], c["type"]
    if type(itype) is not str or itype not in _CATEGORY_OF_TYPE:
        raise _Unsure
    if itype == _UNCLASSIFIED:
        if category is not None:
            raise _Unsure
    elif type(category) is not str or category != _CATEGORY_OF_TYPE[itype]:
        raise _Unsure
    return category, itype


def _hint(hint: Any) -> str | None:
    value = getattr(hint, "value", hint)
    if value is not None and (type(value) is not str or value not in _CATEGORY_OF_TYPE):
        raise _Unsure
    return value


def _now(now: datetime) -> tuple[str, str]:
    """``now`` as ``isoformat()`` and as the model's JSON; only whole-minute offsets."""
    offset = now.utcoffset()
    if offset is None or offset.seconds % 60 or offset.microseconds:
        raise _Unsure
    return now.isoformat(), pydantic_core.to_jsonable_python(now)


def _drop_none(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


def _plain_floats(*values: float | None) -> bool:
    return all(v is None or v == 0 or abs(v) >= SMALLEST_PLAIN_FLOAT for v in values)


def incident_document_from_parts(
    data: Mapping[str, Any],
    hint: Any,
    classification: Mapping[str, Any],
    enrichment: Any,
    now: datetime,
) -> tuple[dict[str, Any], bool] | None:
    """The document and whether its floats are plain, or None when the model must decide.

    ``data`` is the validated report as ``model_dump(mode="json", exclude_none=True)`` gives
    it; ``hint`` the report's type hint; ``classification`` the classifier's output;
    ``enrichment`` has ``district``, ``geo``, ``grid_cell`` and ``exposure``.
    """
    try:
        return _build(data, hint, classification, enrichment, now)
    except Exception:  # noqa: BLE001 - the model's path gives the authoritative outcome
        return None


def _build(
    data: Mapping[str, Any], hint: Any, c: Mapping[str, Any], enrichment: Any, now: datetime
) -> tuple[dict[str, Any], bool]:
    if not isinstance(c, Mapping):
        raise _Unsure
    source = data["source"]
    if type(source) is not str or source not in _SOURCES:
        raise _Unsure
    report_id = _id(data["report_id"])
    incident_id = _id(f"{source}:{report_id}")
    category, itype = _category_and_type(c)
    level = c["level"]
    if type(level) is not int or not 1 <= level <= 4:
        raise _Unsure
    confidence = _float(c["confidence"], 0, 1)
    rule = _rule(c["rule"])
    casualties = _casualties(c.get("casualties", data.get("casualties")))
    loss = c.get("economic_loss_cny", data.get("economic_loss_cny"))
    loss = None if loss is None else _float(loss, 0, MONEY_MAX)
    geo = enrichment.geo
    if type(geo) is not dict or geo.keys() != {"wgs84", "gcj02"}:
        raise _Unsure
    wgs84, gcj02 = _point(geo["wgs84"]), _point(geo["gcj02"])
    grid_cell = None if enrichment.grid_cell is None else _id(enrichment.grid_cell)
    exposure = _exposure(enrichment.exposure)
    now_iso, now_json = _now(now)
    location = data["location"]
    body = _drop_none(
        {
            "id": incident_id,
            "report_id": report_id,
            "source": source,
            "updates_report_id": data.get("updates_report_id"),
            "category": category,
            "type": itype,
            "type_hint": _hint(hint),
            "level": level,
            "confidence": confidence,
            "address": data.get("address"),
            "location": location,
            "gcj02": gcj02,
            "district": _district(enrichment.district),
            "grid_cell": grid_cell,
            "casualties": casualties,
            "economic_loss_cny": loss,
            "exposure": exposure,
            "rule": rule,
            "explanation": _explanation(c.get("explanation", {})),
            "counts_extracted": _counts_extracted(c.get("counts_extracted", {})),
            "grade_history": [
                {"level": level, "at": now_json, "rule_id": rule["id"], "report_id": report_id}
            ],
            "report_count": 1,
            "reported_at": data["reported_at"],
            "processed_at": now_json,
        }
    )
    event = {
        "id": incident_id,
        "kind": "event",
        "dataset": DATASET_PREFIX + "incidents",
        "ingested": now_iso,
        "category": [category] if category else [],
        "provider": source,
        "severity": level,
        "created": now_iso,
    }
    document = {
        "@timestamp": data["reported_at"],
        "message": data["description"],
        "event": event,
        "geo": {"location": wgs84},
        "incident": body,
    }
    floats = [location["lat"], location["lon"], *wgs84.values(), *gcj02.values()]
    floats += [confidence, loss, exposure.get("radius_m")]
    floats += [f["distance_m"] for f in exposure["facilities"]]
    return document, _plain_floats(*floats)


def dumps(doc: Mapping[str, Any]) -> bytes:
    """Compact JSON in UTF-8, non-ASCII characters written as themselves."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def document_bytes(doc: Mapping[str, Any], plain_floats: bool) -> bytes:
    """``dumps(doc)``, by the faster encoder when ``plain_floats`` says they agree."""
    if plain_floats:
        try:
            return pydantic_core.to_json(doc)
        except (ValueError, pydantic_core.PydanticSerializationError):
            pass
    return dumps(doc)
