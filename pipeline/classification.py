"""The classifier the processor calls: the rulebook's, shaped for the classified incident."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pipeline.classify import load_rulebook
from pipeline.classify.classifier import ReportError, level_rule_for, read_report
from pipeline.classify.explain import explain_zh
from pipeline.classify.levels import grade
from pipeline.classify.rulebook_model import Rulebook
from schemas.enums import IncidentType

TYPE_SOURCE = {"text": "rule", "hint": "hint", "unclassified": "default"}
CASUALTY_FIELDS = ("deaths", "missing", "serious_injuries", "injuries", "affected", "evacuated")
COUNT_FLAGS = (*CASUALTY_FIELDS, "economic_loss_cny")
_INCIDENT_TYPES = {t.value: t for t in IncidentType}


def shape(c: Mapping[str, Any]) -> dict[str, Any]:
    """A rulebook classification as the fields of a classified incident."""
    counts = c.get("counts") or {}
    extracted = set(c.get("counts_extracted") or [])
    criterion = c.get("level_criterion") or {}
    casualties = {k: counts[k] for k in CASUALTY_FIELDS if counts.get(k) is not None}
    itype = IncidentType(c["type"])
    explanation = c.get("explanation") or {}
    return {
        "category": c.get("category"),
        "type": itype.value,
        "level": c["level"],
        "confidence": c["confidence"],
        "rule": c["rule"],
        "casualties": casualties or None,
        "economic_loss_cny": counts.get("economic_loss_cny"),
        "explanation": {
            "matched_terms": list(c.get("matched_terms") or [])[:200],
            "type_source": TYPE_SOURCE.get(c.get("type_source", "text"), "rule"),
            "criterion": (
                f"{criterion.get('criterion')} -> level {criterion.get('level')}: "
                f"{explanation.get('zh', '')}"
            )[:4000]
            if criterion
            else explanation.get("zh") or None,
        },
        "counts_extracted": {k: k in extracted for k in COUNT_FLAGS},
    }


def classify_for_incident(report: Mapping[str, Any], rulebook: Rulebook) -> dict[str, Any]:
    """``shape(classify_record(report, rulebook))``, working out only what the shape keeps."""
    if not isinstance(report, Mapping):
        raise ReportError("not_an_object", "an incident report must be a JSON object")
    decision, counts, extracted, _evidence, _notes = read_report(report, rulebook)
    rule, _type_rule = level_rule_for(decision.type, rulebook)
    level = grade(rule, counts)
    type_def = rulebook.types.get(decision.type)
    zh = explain_zh(
        rulebook,
        decision.type,
        decision.source,
        level,
        rule,
        decision.matched_terms,
        sorted(extracted),
    )
    itype = _INCIDENT_TYPES.get(decision.type) or IncidentType(decision.type)
    casualties = {k: counts[k] for k in CASUALTY_FIELDS if counts.get(k) is not None}
    from_text = set(extracted)
    return {
        "category": type_def.category if type_def is not None else None,
        "type": itype.value,
        "level": level.level,
        "confidence": float(decision.confidence),
        "rule": {"id": rule.id, "version": rulebook.version},
        "casualties": casualties or None,
        "economic_loss_cny": counts.get("economic_loss_cny"),
        "explanation": {
            "matched_terms": list(decision.matched_terms)[:200],
            "type_source": TYPE_SOURCE.get(decision.source, "rule"),
            "criterion": f"{level.criterion} -> level {level.level}: {zh}"[:4000],
        },
        "counts_extracted": {k: k in from_text for k in COUNT_FLAGS},
    }


def rulebook_classifier(rulebook: Rulebook | None = None) -> Callable[[Mapping[str, Any]], dict]:
    """The worker's classifier: the versioned rulebook, loaded and validated once."""
    book = rulebook or load_rulebook()

    def classify(report: Mapping[str, Any]) -> dict[str, Any]:
        return classify_for_incident(report, book)

    return classify


def hint_classifier(report: Mapping[str, Any]) -> dict[str, Any]:
    """Category and type from the report's type hint only, level Ⅳ (tests and benchmarks)."""
    hint = report.get("type")
    itype = IncidentType(hint) if hint else IncidentType.UNCLASSIFIED
    unclassified = itype is IncidentType.UNCLASSIFIED
    return {
        "category": None if unclassified else itype.category.value,
        "type": itype.value,
        "level": 4,
        "confidence": 0.5 if hint else 0.0,
        "rule": {"id": "type-hint", "version": "0"},
        "explanation": {"type_source": "hint" if hint else "default"},
    }
