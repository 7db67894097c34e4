"""The classifier the processor calls: the rulebook's, shaped for the classified incident."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pipeline.classify import load_rulebook
from pipeline.classify.classifier import detect_type, level_rule_for
from pipeline.classify.explain import explain_zh
from pipeline.classify.levels import grade
from pipeline.classify.reading import ReportError, Scan, scan_report
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


#: classifications remembered per classifier (by what decides them), at most this many
MEMO_SIZE = 4096


def classify_for_incident(
    report: Mapping[str, Any], rulebook: Rulebook, memo: dict[tuple, dict] | None = None
) -> dict[str, Any]:
    """``shape(classify_record(report, rulebook))``, working out only what the shape keeps.

    Everything after reading the report is a function of the type hint, the term hits
    (type, term, weight, negation, in order), the counts and which came from the text;
    ``memo`` keeps the results by those, so a report like an earlier one is not graded and
    explained again.
    """
    if not isinstance(report, Mapping):
        raise ReportError("not_an_object", "an incident report must be a JSON object")
    scan = scan_report(report, rulebook)
    if memo is None:
        return _graded(scan, rulebook)
    key = (
        scan.hint,
        tuple((hit.type, hit.term, hit.weight, hit.negated) for hit in scan.hits),
        tuple(scan.counts.items()),
        tuple(scan.extracted),
    )
    fields = memo.get(key)
    if fields is None:
        fields = _graded(scan, rulebook)
        if len(memo) >= MEMO_SIZE:
            memo.clear()
        memo[key] = fields
    return _copy(fields)


def _graded(scan: Scan, rulebook: Rulebook) -> dict[str, Any]:
    decision = detect_type(scan.text, scan.hint, rulebook, scan.hits)
    counts, extracted = scan.counts, scan.extracted
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
    casualties = (
        {k: counts[k] for k in CASUALTY_FIELDS if counts.get(k) is not None} if counts else None
    )
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


def _copy(fields: dict[str, Any]) -> dict[str, Any]:
    """A copy whose containers are the caller's own."""
    explanation = fields["explanation"]
    casualties = fields["casualties"]
    return {
        **fields,
        "rule": dict(fields["rule"]),
        "casualties": dict(casualties) if casualties is not None else None,
        "explanation": {**explanation, "matched_terms": list(explanation["matched_terms"])},
        "counts_extracted": dict(fields["counts_extracted"]),
    }


def rulebook_classifier(rulebook: Rulebook | None = None) -> Callable[[Mapping[str, Any]], dict]:
    """The worker's classifier: the versioned rulebook, loaded and validated once."""
    book = rulebook or load_rulebook()
    memo: dict[tuple, dict] = {}

    def classify(report: Mapping[str, Any]) -> dict[str, Any]:
        return classify_for_incident(report, book, memo)

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
