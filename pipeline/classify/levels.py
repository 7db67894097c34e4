"""Severity levels Ⅰ–Ⅳ and grading a report's counts on a rulebook ladder.

``grade`` walks a level rule's grades from Ⅰ to Ⅳ and returns the first one with a met
alternative (every metric at least its minimum: "以上" inclusive); nothing met is the floor,
Ⅳ. Missing counts are zero. ``cases`` is derived: the largest of ``affected``, the cases
named in the text, and deaths + serious injuries + injuries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any, NamedTuple

from pipeline.classify.rulebook_model import LevelRule

FLOOR_LEVEL = 4
LEVEL_LABELS: dict[int, dict[str, str]] = {
    1: {"roman": "Ⅰ", "zh": "特别重大", "en": "particularly serious"},
    2: {"roman": "Ⅱ", "zh": "重大", "en": "serious"},
    3: {"roman": "Ⅲ", "zh": "较大", "en": "relatively serious"},
    4: {"roman": "Ⅳ", "zh": "一般", "en": "general"},
}
COUNT_FIELDS = (
    "deaths",
    "missing",
    "serious_injuries",
    "injuries",
    "affected",
    "evacuated",
    "economic_loss_cny",
)
DERIVED = ("cases",)


_NO_COUNTS = dict.fromkeys((*COUNT_FIELDS, *DERIVED), 0)


def metric_values(counts: Mapping[str, int]) -> dict[str, int]:
    """Every metric a ladder can use, with the derived ``cases``; missing counts are 0."""
    if not counts:
        return dict(_NO_COUNTS)
    values = {name: int(counts.get(name) or 0) for name in COUNT_FIELDS}
    people = values["deaths"] + values["serious_injuries"] + values["injuries"]
    values["cases"] = max(values["affected"], int(counts.get("cases") or 0), people)
    return values


def rule_metrics(rule: LevelRule) -> list[str]:
    """The metrics a ladder looks at, in first-use order."""
    return list(rule.ladder_metrics)


def _reaches(alternative: dict[str, float], values: Mapping[str, int]) -> bool:
    """Whether every metric of the alternative reaches its minimum."""
    for metric, minimum in alternative.items():
        if values[metric] < minimum:
            return False
    return True


def format_number(value: float) -> str:
    """``30`` for 30.0, ``0.5`` for 0.5: thresholds as written in the rulebook."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _criterion_text(alternative: Mapping[str, float]) -> str:
    return " & ".join(f"{m}>={format_number(v)}" for m, v in alternative.items())


class LevelDecision(NamedTuple):
    """The level, the criterion that set it and the values it looked at."""

    level: int
    rule_id: str
    criterion: str
    values: dict[str, int]
    source: str
    minimums: Mapping[str, float] = MappingProxyType({})
    also_met: Sequence[str] = ()
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The ``level_criterion`` object of a classified record."""
        out: dict[str, Any] = {
            "level": self.level,
            "criterion": self.criterion,
            "values": dict(self.values),
            "source": self.source,
        }
        if self.also_met:
            out["also_met"] = list(self.also_met)
        if self.note:
            out["note"] = self.note
        return out


def grade(rule: LevelRule, counts: Mapping[str, int]) -> LevelDecision:
    """The level ``counts`` reach on ``rule``; Ⅳ (the floor) when no grade is met."""
    values = metric_values(counts)
    for level_grade in rule.grades:
        met = [alternative for alternative in level_grade.any if _reaches(alternative, values)]
        if met:
            first = met[0]
            return LevelDecision(
                level=level_grade.level,
                rule_id=rule.id,
                criterion=_criterion_text(first),
                values={metric: values[metric] for metric in first},
                source=rule.grade_source(level_grade),
                minimums=dict(first),
                also_met=[_criterion_text(alt) for alt in met[1:]],
                note=level_grade.note,
            )
    return LevelDecision(
        level=FLOOR_LEVEL,
        rule_id=rule.id,
        criterion="floor",
        values={metric: values[metric] for metric in rule.ladder_metrics},
        source=rule.source,
        note=rule.floor_note,
    )


def level_label(level: int) -> dict[str, str]:
    """Roman numeral and Chinese and English names of a level."""
    return dict(LEVEL_LABELS[level])
