"""The classifier the processor calls: the rulebook's, shaped for the classified incident."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from schemas.enums import IncidentType


def hint_classifier(report: Mapping[str, Any]) -> dict[str, Any]:
    """Category and type from the report's type hint only; level Ⅳ; ``unclassified`` without."""
    hint = report.get("type")
    itype = IncidentType(hint) if hint else IncidentType.UNCLASSIFIED
    return {
        "category": itype.category.value,
        "type": itype.value,
        "level": 4,
        "confidence": 0.5 if hint else 0.0,
        "rule": {"id": "type-hint", "version": "0"},
        "explanation": {"type_source": "hint" if hint else "default"},
    }
