"""Re-grading an incident when a follow-up report brings new counts.

The follow-up's structured counts replace the earlier ones field by field, upwards or
downwards; counts read from its text can only raise a field (a phrase such as ``又有1人死亡``
may be an increment, not a total); fields it does not mention keep their earlier values. The
level is recomputed from the result and follows the counts in both directions: it rises when
casualties or losses grow and falls when a follow-up's fields correct them downwards (for
example missing people found alive). Every re-grade, changed or not, appends a history entry.

The type stays as first classified unless the follow-up carries a valid type hint, or the
incident was unclassified and the follow-up's text now names a type.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from pipeline.classify.classifier import (
    UNCLASSIFIED,
    Classification,
    TypeDecision,
    build_classification,
    detect_type,
)
from pipeline.classify.counts import extract_counts
from pipeline.classify.levels import LEVEL_LABELS
from pipeline.classify.reading import ReportError, merge_counts, report_text, structured_counts
from pipeline.classify.rulebook import load_rulebook
from pipeline.classify.rulebook_model import Rulebook


class GradeEntry(BaseModel):
    """One grade in an incident's history."""

    model_config = ConfigDict(frozen=True)

    level: int
    at: str | None
    rule_id: str
    reason: str
    report_id: str | None = None
    change: Literal["initial", "up", "down", "same"] = "same"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict."""
        return self.model_dump(mode="json")


def initial_entry(classification: Classification) -> GradeEntry:
    """The first history entry of an incident."""
    return GradeEntry(
        level=classification.level,
        at=classification.graded_at,
        rule_id=classification.rule.id,
        reason=f"initial grade: {classification.level_criterion.get('criterion')}",
        report_id=classification.report_id,
        change="initial",
    )


def _roman(level: int) -> str:
    return LEVEL_LABELS[level]["roman"]


def _reason(previous: Classification, new: Classification) -> tuple[str, str]:
    changed = [
        f"{metric} {previous.counts.get(metric, 0)}->{new.counts.get(metric, 0)}"
        for metric in sorted(set(previous.counts) | set(new.counts))
        if previous.counts.get(metric, 0) != new.counts.get(metric, 0)
    ]
    counts = "; ".join(changed) if changed else "counts unchanged"
    type_change = f"; type {previous.type}->{new.type}" if previous.type != new.type else ""
    criterion = new.level_criterion.get("criterion")
    if new.level < previous.level:
        change, verb = "up", f"raised {_roman(previous.level)}->{_roman(new.level)}"
    elif new.level > previous.level:
        change, verb = "down", f"lowered {_roman(previous.level)}->{_roman(new.level)}"
    else:
        change, verb = "same", f"stays {_roman(new.level)}"
    return change, f"{counts}{type_change}; level {verb} ({criterion})"


def regrade(
    previous: Classification,
    history: Sequence[GradeEntry],
    follow_up: Mapping[str, Any],
    rulebook: Rulebook | None = None,
    at: str | None = None,
) -> tuple[Classification, list[GradeEntry]]:
    """Re-grade ``previous`` with ``follow_up``'s counts; returns the record and its history.

    ``history`` may be empty: it then starts with ``previous``'s own grade. ``at`` defaults to
    the follow-up's ``reported_at``.
    """
    if not isinstance(follow_up, Mapping):
        raise ReportError("not_an_object", "a follow-up report must be a JSON object")
    rulebook = rulebook or load_rulebook()
    entries = list(history) or [initial_entry(previous)]
    text = report_text(follow_up, rulebook)
    fresh = detect_type(text, follow_up.get("type"), rulebook)
    if fresh.source == "hint" or (previous.type == UNCLASSIFIED and fresh.type != UNCLASSIFIED):
        decision = fresh
    else:
        decision = TypeDecision(
            previous.type,
            previous.type_source,
            previous.confidence,
            list(previous.matched_terms),
            list(previous.negated_terms),
            list(previous.other_types),
        )
    text_counts, evidence = extract_counts(text, rulebook.matcher.is_negated)
    structured = structured_counts(follow_up)
    raised = {m: v for m, v in text_counts.items() if v > previous.counts.get(m, -1)}
    update, update_extracted, notes = merge_counts(structured, raised)
    notes += [
        f"the text gives {m}={v}, not above the earlier {previous.counts[m]}; kept"
        for m, v in text_counts.items()
        if m not in raised and m not in structured
    ]
    counts = {**previous.counts, **update}
    kept = [m for m in previous.counts_extracted if m not in update]
    merged_evidence = {m: previous.count_evidence[m] for m in kept if m in previous.count_evidence}
    merged_evidence.update(evidence)
    when = at if at is not None else follow_up.get("reported_at")
    follow_id = follow_up.get("report_id")
    notes.append(f"re-graded from follow-up report {follow_id}")
    new = build_classification(
        rulebook=rulebook,
        report_id=previous.report_id,
        decision=decision,
        counts=counts,
        extracted=kept + update_extracted,
        evidence=merged_evidence,
        graded_at=None if when is None else str(when),
        notes=notes,
    )
    change, reason = _reason(previous, new)
    entries.append(
        GradeEntry(
            level=new.level,
            at=new.graded_at,
            rule_id=new.rule.id,
            reason=reason,
            report_id=None if follow_id is None else str(follow_id),
            change=change,  # type: ignore[arg-type]
        )
    )
    return new, entries
