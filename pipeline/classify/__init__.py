"""Classification of incident reports by national standards (pure: no Kafka, no Elasticsearch).

Category and type from a type hint or the description's terms, counts from structured
fields or the text, level Ⅰ–Ⅳ from the rulebook's ladders, re-grading on follow-up reports,
and the offline ``citywatch classify`` core. The rules are data: ``pipeline/rules/rulebook.yaml``.
"""

from pipeline.classify.classifier import (
    UNCLASSIFIED,
    Classification,
    ReportError,
    RuleRef,
    classify_report,
)
from pipeline.classify.levels import LEVEL_LABELS
from pipeline.classify.offline import DistrictLookup, classify_lines
from pipeline.classify.regrade import GradeEntry, initial_entry, regrade
from pipeline.classify.rulebook import RulebookError, default_rulebook_path, load_rulebook
from pipeline.classify.rulebook_model import Rulebook

__all__ = [
    "LEVEL_LABELS",
    "UNCLASSIFIED",
    "Classification",
    "DistrictLookup",
    "GradeEntry",
    "ReportError",
    "RuleRef",
    "Rulebook",
    "RulebookError",
    "classify_lines",
    "classify_report",
    "default_rulebook_path",
    "initial_entry",
    "load_rulebook",
    "regrade",
]
