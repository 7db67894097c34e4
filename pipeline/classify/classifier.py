"""Classifying one incident report: category, type, level Ⅰ–Ⅳ and the reasons for them.

``classify_report`` works on a plain mapping shaped like the incident report of the design
(``description``, optional ``type`` hint, ``casualties``, ``economic_loss_cny``). The type hint
wins when it names a known type; otherwise the description's terms decide, and a report no
term recognises is ``unclassified`` with low confidence. Structured counts win over counts
read from the text, per field; ``counts_extracted`` names the ones read from the text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict

from pipeline.classify.explain import explain
from pipeline.classify.levels import LevelDecision, grade, level_label
from pipeline.classify.reading import ReportError, scan_report
from pipeline.classify.rulebook import load_rulebook
from pipeline.classify.rulebook_model import Category, LevelRule, Rulebook
from pipeline.classify.text import TermHit, score_types

UNCLASSIFIED = "unclassified"


class RuleRef(BaseModel):
    """The rule that graded a record and the rulebook version it came from."""

    model_config = ConfigDict(frozen=True)
    id: str
    version: str


class Classification(BaseModel):
    """A classified report; ``to_dict()`` gives the JSON object that is published."""

    model_config = ConfigDict(frozen=True)

    report_id: str | None = None
    category: Category | None
    type: str
    type_source: Literal["hint", "text", "unclassified"]
    type_rule: str
    confidence: float
    level: int
    level_label: dict[str, str]
    level_criterion: dict[str, Any]
    rule: RuleRef
    matched_terms: list[str]
    negated_terms: list[str] = []
    other_types: list[dict[str, Any]] = []
    counts: dict[str, int]
    counts_extracted: list[str]
    count_evidence: dict[str, str] = {}
    explanation: dict[str, str]
    notes: list[str] = []
    graded_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict."""
        return self.model_dump(mode="json")


class TypeDecision(NamedTuple):
    """Which type a report is, how sure, and from what."""

    type: str
    source: Literal["hint", "text", "unclassified"]
    confidence: float
    matched_terms: list[str]
    negated_terms: list[str]
    other_types: list[dict[str, Any]]
    notes: Sequence[str] = ()


def _distinct(terms: list[str]) -> list[str]:
    return list(dict.fromkeys(terms))


def detect_type(
    text: str, hint: Any, rulebook: Rulebook, hits: list[TermHit] | None = None
) -> TypeDecision:
    """The type from a valid hint, else from the text's terms, else ``unclassified``."""
    if hint is not None and not isinstance(hint, str):
        raise ReportError("invalid_report", "type must be a string")
    hits = rulebook.matcher.find(text) if hits is None else hits
    scores = score_types(hits)
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], -rulebook.types[kv[0]].priority, kv[0]))
    negated = _distinct([h.term for h in hits if h.negated])
    notes: list[str] = []
    scoring = rulebook.scoring

    def terms_for(type_key: str) -> list[str]:
        return _distinct([h.term for h in hits if h.type == type_key and not h.negated])

    def others(exclude: str) -> list[dict[str, Any]]:
        return [
            {"type": t, "score": s} for t, s in ranked if t != exclude and s >= scoring.min_score
        ]

    if hint:
        resolved = rulebook.resolve_type(hint)
        if resolved is not None:
            if ranked and ranked[0][0] != resolved and ranked[0][1] >= scoring.min_score:
                notes.append(f"the text suggests {ranked[0][0]}; the type hint {hint!r} was kept")
            return TypeDecision(
                resolved,
                "hint",
                scoring.hint_confidence,
                terms_for(resolved),
                negated,
                others(resolved),
                notes,
            )
        notes.append(f"type hint {hint!r} is not a known type; classified from the text")
    top_score = ranked[0][1] if ranked else 0.0
    saturation = top_score / (top_score + scoring.confidence_k)
    if ranked and top_score >= scoring.min_score:
        top = ranked[0][0]
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        confidence = saturation * (0.6 + 0.4 * (top_score - second) / top_score)
        return TypeDecision(
            top,
            "text",
            round(min(confidence, 0.99), 2),
            terms_for(top),
            negated,
            others(top),
            notes,
        )
    weak = _distinct([h.term for h in hits if not h.negated])
    confidence = round(scoring.unclassified_max_confidence * saturation, 2)
    return TypeDecision(UNCLASSIFIED, "unclassified", confidence, weak, negated, [], notes)


def level_rule_for(type_key: str, rulebook: Rulebook) -> tuple[LevelRule, str]:
    """The level rule that grades a type, and the type's own rule id."""
    if type_key in rulebook.types:
        type_rule = rulebook.types[type_key]
        return rulebook.level_rule(type_rule.level_rule), type_rule.id
    return rulebook.level_rule(rulebook.unclassified.level_rule), rulebook.unclassified.id


def classification_record(
    *,
    rulebook: Rulebook,
    report_id: str | None,
    decision: TypeDecision,
    counts: Mapping[str, int],
    extracted: list[str],
    evidence: Mapping[str, str],
    graded_at: str | None,
    notes: list[str],
) -> dict[str, Any]:
    """Grade ``counts`` for the decided type: the record as ``Classification.to_dict()`` has it."""
    rule, type_rule_id = level_rule_for(decision.type, rulebook)
    level: LevelDecision = grade(rule, counts)
    type_def = rulebook.types.get(decision.type)
    all_notes = [*decision.notes, *notes]
    if decision.type == UNCLASSIFIED:
        all_notes.append(rulebook.unclassified.note)
    extracted = sorted(extracted)
    return {
        "report_id": report_id,
        "category": type_def.category if type_def is not None else None,
        "type": decision.type,
        "type_source": decision.source,
        "type_rule": type_rule_id,
        "confidence": float(decision.confidence),
        "level": level.level,
        "level_label": level_label(level.level),
        "level_criterion": level.as_dict(),
        "rule": {"id": rule.id, "version": rulebook.version},
        "matched_terms": list(decision.matched_terms),
        "negated_terms": list(decision.negated_terms),
        "other_types": [dict(other) for other in decision.other_types],
        "counts": dict(counts),
        "counts_extracted": extracted,
        "count_evidence": {k: v for k, v in evidence.items() if k in extracted},
        "explanation": explain(
            rulebook=rulebook,
            type_key=decision.type,
            type_source=decision.source,
            decision=level,
            rule=rule,
            matched_terms=decision.matched_terms,
            extracted=extracted,
        ),
        "notes": all_notes,
        "graded_at": graded_at,
    }


def build_classification(
    *,
    rulebook: Rulebook,
    report_id: str | None,
    decision: TypeDecision,
    counts: Mapping[str, int],
    extracted: list[str],
    evidence: Mapping[str, str],
    graded_at: str | None,
    notes: list[str],
) -> Classification:
    """Grade ``counts`` for the decided type and assemble the record."""
    return Classification.model_validate(
        classification_record(
            rulebook=rulebook,
            report_id=report_id,
            decision=decision,
            counts=counts,
            extracted=extracted,
            evidence=evidence,
            graded_at=graded_at,
            notes=notes,
        )
    )


def _report_id(report: Mapping[str, Any]) -> str | None:
    value = report.get("report_id")
    return None if value is None else str(value)


def read_report(
    report: Mapping[str, Any], rulebook: Rulebook
) -> tuple[TypeDecision, dict[str, int], list[str], dict[str, str], list[str]]:
    """A report's type decision, its counts, the counts read from its text, their phrases
    and notes: everything grading needs."""
    scan = scan_report(report, rulebook)
    decision = detect_type(scan.text, scan.hint, rulebook, scan.hits)
    return decision, scan.counts, scan.extracted, scan.evidence, scan.notes


def classify_record(report: Mapping[str, Any], rulebook: Rulebook | None = None) -> dict[str, Any]:
    """``classify_report(report, rulebook).to_dict()``, as plain data without the model."""
    if not isinstance(report, Mapping):
        raise ReportError("not_an_object", "an incident report must be a JSON object")
    rulebook = rulebook or load_rulebook()
    decision, counts, extracted, evidence, notes = read_report(report, rulebook)
    reported_at = report.get("reported_at")
    return classification_record(
        rulebook=rulebook,
        report_id=_report_id(report),
        decision=decision,
        counts=counts,
        extracted=extracted,
        evidence=evidence,
        graded_at=str(reported_at) if reported_at is not None else None,
        notes=notes,
    )


def classify_report(report: Mapping[str, Any], rulebook: Rulebook | None = None) -> Classification:
    """Classify one incident report (a plain mapping); raises :class:`ReportError` if unusable."""
    return Classification.model_validate(classify_record(report, rulebook))
