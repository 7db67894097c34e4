"""The shape of the classification rulebook (``pipeline/rules/rulebook.yaml``).

Pydantic models only: the loader in :mod:`pipeline.classify.rulebook` reads the YAML, keeps
line numbers, validates it against these models and checks cross references.

A level rule is a ladder of grades tried from Ⅰ to Ⅳ. A grade lists alternatives; an
alternative maps metrics to minimums and is met when every metric is at least its minimum
("以上" includes the number). The first grade with a met alternative sets the level, so a
grade's upper bound is the minimum of the grade above it, excluded ("以下" excludes it).
When no grade is met the rule's floor (Ⅳ) applies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator

if TYPE_CHECKING:
    from pipeline.classify.text import TermMatcher

Category = Literal["natural_disaster", "accident", "public_health", "social_safety"]
Metric = Literal[
    "deaths",
    "missing",
    "serious_injuries",
    "injuries",
    "affected",
    "evacuated",
    "economic_loss_cny",
    "cases",
]
Source = Literal["regulation", "configurable"]
LevelNumber = Annotated[int, Field(ge=1, le=4)]
NonEmpty = Annotated[str, Field(min_length=1)]

CATEGORIES: tuple[str, ...] = Category.__args__  # type: ignore[attr-defined]
METRICS: tuple[str, ...] = Metric.__args__  # type: ignore[attr-defined]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def _kept(self, name: str) -> Any:
        """A private attribute's value, read without the model's attribute fallback."""
        private = self.__pydantic_private__
        return private.get(name) if private else None


class Names(_Frozen):
    """A name in Chinese and English."""

    zh: NonEmpty
    en: NonEmpty


class CategoryDef(Names):
    """One of the four categories of 国家突发公共事件总体应急预案."""

    regulation: NonEmpty


class MetricDef(Names):
    """A count used by level rules, with its unit and, for derived counts, how it is formed."""

    unit_zh: str = ""
    unit_en: str = ""
    note: str | None = None


class TermGroup(_Frozen):
    """Terms of one weight; Chinese terms match as substrings, English ones as words."""

    weight: float = Field(gt=0)
    zh: list[NonEmpty] = []
    en: list[NonEmpty] = []

    @field_validator("en")
    @classmethod
    def _lower(cls, value: list[str]) -> list[str]:
        return [term.lower() for term in value]


class TypeRule(_Frozen):
    """How to recognise one incident type, its category and the level rule that grades it."""

    id: NonEmpty
    category: Category
    name: Names
    regulation: NonEmpty
    level_rule: NonEmpty
    priority: int = Field(default=50, ge=0, le=100)
    aliases: list[NonEmpty] = []
    terms: list[TermGroup] = Field(min_length=1)
    note: str | None = None


class Grade(_Frozen):
    """One level of a ladder: any alternative met sets this level."""

    level: LevelNumber
    any: list[dict[Metric, Annotated[float, Field(ge=0)]]] = Field(min_length=1)
    source: Source | None = None
    note: str | None = None

    @field_validator("any")
    @classmethod
    def _non_empty_alternatives(cls, value: list[dict[str, float]]) -> list[dict[str, float]]:
        if any(not alternative for alternative in value):
            raise ValueError("an alternative needs at least one metric: minimum")
        return value


class LevelRule(_Frozen):
    """A grading ladder citing its regulation; ``source: configurable`` marks local choices."""

    id: NonEmpty
    regulation: NonEmpty
    source: Source
    note: str | None = None
    grades: list[Grade] = []
    floor_note: NonEmpty

    @field_validator("grades")
    @classmethod
    def _ordered(cls, value: list[Grade]) -> list[Grade]:
        levels = [grade.level for grade in value]
        if levels != sorted(set(levels)):
            raise ValueError(f"grades must be listed once each from Ⅰ to Ⅳ, got levels {levels}")
        return value

    _metrics: Any = PrivateAttr(default=None)

    def grade_source(self, grade: Grade) -> str:
        """Where a grade's thresholds come from (the grade's own mark, else the rule's)."""
        return grade.source or self.source

    @property
    def ladder_metrics(self) -> tuple[str, ...]:
        """The metrics the ladder looks at, in first-use order (worked out once)."""
        metrics = self._kept("_metrics")
        if metrics is None:
            used = (m for grade in self.grades for alternative in grade.any for m in alternative)
            metrics = self._metrics = tuple(dict.fromkeys(used))
        return metrics


class NegationDef(_Frozen):
    """Negation cues for one language.

    A term is negated when a cue ends at most ``window`` characters (Chinese) or words
    (English) before it in the same clause with no breaker in between, or when an
    ``after_cues`` entry follows it within the window. ``not_cues`` are words that contain a
    cue but do not negate (无锡, 无人机, 无法).
    """

    cues: list[NonEmpty] = Field(min_length=1)
    not_cues: list[NonEmpty] = []
    after_cues: list[NonEmpty] = []
    breakers: list[NonEmpty] = []
    window: int = Field(ge=1, le=20)


class NegationConfig(_Frozen):
    """Negation per language."""

    zh: NegationDef
    en: NegationDef


class MaskConfig(_Frozen):
    """Phrases blanked out before type terms are matched (fire brigade, fire engine ...)."""

    zh: list[NonEmpty] = []
    en: list[NonEmpty] = []


class Scoring(_Frozen):
    """How term weights become a type decision and a confidence."""

    min_score: float = Field(gt=0)
    confidence_k: float = Field(gt=0)
    hint_confidence: float = Field(gt=0, le=1)
    unclassified_max_confidence: float = Field(ge=0, le=0.5)
    max_description_chars: int = Field(ge=100)


class UnclassifiedDef(_Frozen):
    """What an unrecognised report gets: its rule id and the ladder that still grades it."""

    id: NonEmpty
    level_rule: NonEmpty
    note: NonEmpty


class Rulebook(_Frozen):
    """The whole rulebook; ``version`` is stored on every classified record."""

    version: Annotated[str, Field(pattern=r"^\d{4}\.\d{1,2}\.\d+$")]
    title: NonEmpty
    categories: dict[Category, CategoryDef]
    metrics: dict[Metric, MetricDef]
    scoring: Scoring
    negation: NegationConfig
    mask: MaskConfig = MaskConfig()
    level_rules: list[LevelRule] = Field(min_length=1)
    types: dict[Annotated[str, Field(pattern=r"^[a-z][a-z_]*$")], TypeRule] = Field(min_length=1)
    unclassified: UnclassifiedDef

    _matcher: Any = PrivateAttr(default=None)
    _type_names: Any = PrivateAttr(default=None)
    _source_path: str | None = PrivateAttr(default=None)

    @property
    def source_path(self) -> str | None:
        """The file this rulebook was loaded from, if any."""
        return self._source_path

    def level_rule(self, rule_id: str) -> LevelRule:
        """The level rule with this id."""
        for rule in self.level_rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def resolve_type(self, hint: str) -> str | None:
        """The type a hint names (type key, Chinese or English name, alias), if any."""
        wanted = hint.strip().lower().replace("-", "_").replace(" ", "_")
        names = self._kept("_type_names")
        if names is None:
            names = self._type_names = self._names_to_types()
        return names.get(wanted)

    def _names_to_types(self) -> dict[str, str]:
        """Every name of every type -> the first type (in rulebook order) with that name."""
        found: dict[str, str] = {}
        for key, rule in self.types.items():
            names = {key, rule.name.en.lower().replace(" ", "_"), rule.name.zh}
            names.update(alias.lower().replace(" ", "_") for alias in rule.aliases)
            for name in names:
                found.setdefault(name, key)
        return found

    @property
    def matcher(self) -> TermMatcher:
        """Compiled term patterns (built on first use, then kept)."""
        matcher = self._kept("_matcher")
        if matcher is None:
            from pipeline.classify.text import TermMatcher

            matcher = self._matcher = TermMatcher(self)
        return matcher
