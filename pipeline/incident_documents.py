"""The ``incidents`` document of a report, built straight from its validated parts.

:func:`incident_payload` is what the classified incident model validates: the report's
fields (already validated by the input contract), the classification and the enrichment.
:func:`incident_document_from_parts` gives exactly what ``incident_document`` gives for the
model validated from that payload, without building the model: it checks, with
:mod:`pipeline.incident_constraints`, every constraint the model would check on the parts
that did not come from the validated report. Anything it is not certain of makes it
return ``None``, and the caller then takes the model's path, which accepts or rejects as
the contract says. Before its first use it compares itself with the model's path on a few
sample incidents and, should they differ (the contract changed), always defers.

:func:`document_bytes` serialises a document as ``json.dumps(doc, ensure_ascii=False,
separators=(",", ":"))`` encoded in UTF-8 does, with a faster encoder (orjson when it is
installed, else pydantic-core's) when the two are known to agree byte for byte: they write
floats below 1e-4 differently, and a document with one goes through ``json``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import pydantic_core

try:
    import orjson
except ImportError:  # the pydantic-core encoder serves instead
    orjson = None  # type: ignore[assignment]

from pipeline import incident_constraints as check
from schemas.common import ID_MAX, MONEY_MAX
from schemas.documents import DATASET_PREFIX

log = logging.getLogger("citywatch.incident_documents")

#: floats smaller than this (and not zero) are written differently by the two encoders
SMALLEST_PLAIN_FLOAT = 1e-4


def incident_payload(
    data: Mapping[str, Any],
    hint: Any,
    c: Mapping[str, Any],
    enrichment: Any,
    now: datetime,
    incident_id: str,
) -> dict[str, Any]:
    """What ``ClassifiedIncident.model_validate`` is given for one report."""
    return {
        **{k: v for k, v in data.items() if k != "type"},
        "casualties": c.get("casualties", data.get("casualties")),
        "economic_loss_cny": c.get("economic_loss_cny", data.get("economic_loss_cny")),
        "incident_id": incident_id,
        "category": c["category"],
        "type": c["type"],
        "type_hint": getattr(hint, "value", hint),
        "level": c["level"],
        "confidence": c["confidence"],
        "district": enrichment.district,
        "geo": enrichment.geo,
        "grid_cell": enrichment.grid_cell,
        "exposure": enrichment.exposure,
        "rule": c["rule"],
        "explanation": c.get("explanation", {}),
        "counts_extracted": c.get("counts_extracted", {}),
        "grade_history": [
            {
                "level": c["level"],
                "at": now.isoformat(),
                "rule_id": c["rule"]["id"],
                "report_id": data["report_id"],
            }
        ],
        "processed_at": now.isoformat(),
    }


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
    if not _agrees_with_model():
        return None
    try:
        return _build(data, hint, classification, enrichment, now)
    except Exception:  # noqa: BLE001 - the model's path gives the authoritative outcome
        return None


def _build(
    data: Mapping[str, Any], hint: Any, c: Mapping[str, Any], enrichment: Any, now: datetime
) -> tuple[dict[str, Any], bool]:
    if not isinstance(c, Mapping):
        raise check.Unsure
    source = check.check_source(data["source"])
    report_id = data["report_id"]
    incident_id = f"{source}:{report_id}"
    if len(incident_id) > ID_MAX:
        raise check.Unsure
    category, itype, level, confidence, rule = check.check_grading(c)
    casualties = check.check_casualties(c.get("casualties", data.get("casualties")))
    loss = c.get("economic_loss_cny", data.get("economic_loss_cny"))
    loss = None if loss is None else check.check_float(loss, 0, MONEY_MAX)
    wgs84, gcj02 = check.check_geo(enrichment.geo)
    grid_cell = enrichment.grid_cell
    if grid_cell is not None:
        check.check_id(grid_cell)
    exposure = check.check_exposure(enrichment.exposure)
    district = check.check_district(enrichment.district)
    type_hint = check.check_hint(hint)
    explanation = check.check_explanation(c.get("explanation", {}))
    counts_extracted = check.check_counts_extracted(c.get("counts_extracted", {}))
    now_iso, now_json = check.check_now(now)
    location = data["location"]
    body: dict[str, Any] = {"id": incident_id, "report_id": report_id, "source": source}
    if "updates_report_id" in data:
        body["updates_report_id"] = data["updates_report_id"]
    if category is not None:
        body["category"] = category
    body["type"] = itype
    if type_hint is not None:
        body["type_hint"] = type_hint
    body["level"] = level
    body["confidence"] = confidence
    if "address" in data:
        body["address"] = data["address"]
    body["location"] = location
    body["gcj02"] = gcj02
    if district is not None:
        body["district"] = district
    if grid_cell is not None:
        body["grid_cell"] = grid_cell
    if casualties is not None:
        body["casualties"] = casualties
    if loss is not None:
        body["economic_loss_cny"] = loss
    body["exposure"] = exposure
    body["rule"] = rule
    body["explanation"] = explanation
    body["counts_extracted"] = counts_extracted
    body["grade_history"] = [
        {"level": level, "at": now_json, "rule_id": rule["id"], "report_id": report_id}
    ]
    body["report_count"] = 1
    body["status"] = "reported"
    body["reported_at"] = data["reported_at"]
    body["processed_at"] = now_json
    document = {
        "@timestamp": data["reported_at"],
        "message": data["description"],
        "event": {
            "id": incident_id,
            "kind": "event",
            "dataset": DATASET_PREFIX + "incidents",
            "ingested": now_iso,
            "category": [category] if category else [],
            "provider": source,
            "severity": level,
            "created": now_iso,
        },
        "geo": {"location": wgs84},
        "incident": body,
    }
    floats = [location["lat"], location["lon"], confidence, loss, exposure.get("radius_m")]
    floats += [wgs84["lat"], wgs84["lon"], gcj02["lat"], gcj02["lon"]]
    floats += [f["distance_m"] for f in exposure["facilities"]]
    return document, _plain(floats)


def _plain(values: list[float | None]) -> bool:
    """Whether no value is a float the two encoders write differently."""
    for value in values:
        if value and -SMALLEST_PLAIN_FLOAT < value < SMALLEST_PLAIN_FLOAT:
            return False
    return True


def dumps(doc: Mapping[str, Any]) -> bytes:
    """Compact JSON in UTF-8, non-ASCII characters written as themselves."""
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()


def document_bytes(doc: Mapping[str, Any], plain_floats: bool) -> bytes:
    """``dumps(doc)``, by a faster encoder when ``plain_floats`` says they agree."""
    if plain_floats:
        try:
            if orjson is not None:
                return orjson.dumps(doc)
            return pydantic_core.to_json(doc)
        except (TypeError, ValueError, pydantic_core.PydanticSerializationError):
            pass
    return dumps(doc)


_AGREES: list[bool] = []


def _agrees_with_model() -> bool:
    """Whether the fast path and the model's path give the same sample documents."""
    if not _AGREES:
        from pipeline.incident_samples import fast_path_differences

        try:
            differences = fast_path_differences(_build, incident_payload)
        except Exception as exc:  # noqa: BLE001 - samples the contract no longer accepts
            differences = [f"the samples cannot be built: {exc!r}"]
        if differences:
            log.warning(
                "incident documents are built through the model: the fast path differs "
                "from it on %d sample(s), first: %s",
                len(differences),
                differences[0],
            )
        _AGREES.append(not differences)
    return _AGREES[0]
