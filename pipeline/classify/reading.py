"""Reading an incident report: its normalised description, its structured counts, the
term hits and counts of its text, before any decision is made.

``scan_report`` works on a plain mapping shaped like the incident report of the design and
raises :class:`ReportError` for a field of the wrong type or a negative count. Structured
counts win over counts read from the text, per field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from pipeline.classify.counts import extract_counts
from pipeline.classify.levels import COUNT_FIELDS
from pipeline.classify.rulebook_model import Rulebook
from pipeline.classify.text import TermHit, normalise
from pipeline.errors import EventError


class ReportError(EventError):
    """The report cannot be classified as given (wrong field type, negative count ...)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message, stage="classify")


def _non_negative(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ReportError("invalid_report", f"{name} must be a number, got {value!r}")
    if value < 0 or value != value or value in (float("inf"), float("-inf")):
        raise ReportError("invalid_report", f"{name} must be a finite number >= 0, got {value!r}")
    if isinstance(value, float) and name != "economic_loss_cny" and not value.is_integer():
        raise ReportError("invalid_report", f"{name} must be a whole number, got {value!r}")
    return int(round(value))


def structured_counts(report: Mapping[str, Any]) -> dict[str, int]:
    """The counts given as fields of the report (``casualties`` and ``economic_loss_cny``)."""
    counts: dict[str, int] = {}
    casualties = report.get("casualties")
    if casualties is not None:
        if not isinstance(casualties, Mapping):
            raise ReportError("invalid_report", "casualties must be an object")
        for key, value in casualties.items():
            if key not in COUNT_FIELDS or key == "economic_loss_cny":
                known = ", ".join(f for f in COUNT_FIELDS if f != "economic_loss_cny")
                raise ReportError(
                    "invalid_report", f"unknown casualties field {key!r}; known: {known}"
                )
            if value is not None:
                counts[key] = _non_negative(f"casualties.{key}", value)
    loss = report.get("economic_loss_cny")
    if loss is not None:
        counts["economic_loss_cny"] = _non_negative("economic_loss_cny", loss)
    return counts


def report_text(report: Mapping[str, Any], rulebook: Rulebook) -> str:
    """The normalised description (empty when there is none), cut to the rulebook's limit."""
    description = report.get("description")
    if description is None:
        return ""
    if not isinstance(description, str):
        raise ReportError("invalid_report", "description must be a string")
    return normalise(description[: rulebook.scoring.max_description_chars])


def merge_counts(
    structured: Mapping[str, int], text_counts: Mapping[str, int]
) -> tuple[dict[str, int], list[str], list[str]]:
    """Structured counts win per field; returns counts, the extracted names and notes."""
    counts = dict(structured)
    extracted: list[str] = []
    notes: list[str] = []
    for metric, value in text_counts.items():
        if metric in structured:
            if structured[metric] != value:
                notes.append(
                    f"the text gives {metric}={value}; the structured {metric}="
                    f"{structured[metric]} was used"
                )
            continue
        counts[metric] = value
        extracted.append(metric)
    return counts, extracted, notes


class Scan(NamedTuple):
    """What a report's text and fields say before any decision: the term hits, the counts
    (structured ones win), the counts read from the text, their phrases and notes."""

    text: str
    hint: Any
    hits: list[TermHit]
    counts: dict[str, int]
    extracted: list[str]
    evidence: dict[str, str]
    notes: list[str]


def scan_report(report: Mapping[str, Any], rulebook: Rulebook) -> Scan:
    """Read a report's description and fields; raises :class:`ReportError` if unusable."""
    matcher = rulebook.matcher
    text = report_text(report, rulebook)
    hint = report.get("type")
    if hint is not None and not isinstance(hint, str):
        raise ReportError("invalid_report", "type must be a string")
    hits = matcher.find(text)
    text_counts, evidence = extract_counts(text, matcher.is_negated)
    counts, extracted, notes = merge_counts(structured_counts(report), text_counts)
    return Scan(text, hint, hits, counts, extracted, evidence, notes)
