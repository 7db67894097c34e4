"""The classifier the processor calls: the rulebook's, shaped for the classified incident."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pipeline.classify import load_rulebook
from pipeline.classify.classifier import classify_record
from pipeline.classify.rulebook_model import Rulebook
from schemas.enums import IncidentType

TYPE_SOURCE = {"text": "rule", "hint": "hint", "unclassified": "default"}
CASUALTY_FIELDS = ("deaths", "missing", "serious_injuries", "injuries", "affected", "evacuated")


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
        "counts_extracted": {k: k in extracted for k in (*CASUALTY_FIELDS, "economic_loss_cny")},
    }


def rulebook_classifier(rulebook: Rulebook | None = None) -> Callable[[Mapping[str, Any]], dict]:
    """The worker's classifier: the versioned rulebook, loaded and validated once."""
    book = rulebook or load_rulebook()

    def classify(report: Mapping[str, Any]) -> dict[str, Any]:
        return shape(classify_record(report, book))

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
