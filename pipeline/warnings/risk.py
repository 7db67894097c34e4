"""A district's risk score, 0..100, from its active warnings.

Each active warning weighs by its colour: blue 25, yellow 50, orange 75, red 100. The score
is the heaviest warning plus a quarter of every other one, capped at 100::

    score = min(100, round(max(w) + 0.25 * (sum(w) - max(w))))

So one red warning is 100, one orange 75, orange and yellow together 88, four blue 44, and
no warning 0. The components list each warning with its weight, so a score can be explained.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pipeline.warnings.state import WarningState

LEVEL_WEIGHTS: dict[str, int] = {"blue": 25, "yellow": 50, "orange": 75, "red": 100}
OTHERS_FACTOR = 0.25
FORMULA = (
    "min(100, round(max(w) + 0.25 * (sum(w) - max(w)))); w: blue 25, yellow 50, orange 75, red 100"
)


def risk_for_district(state: Iterable[WarningState | Mapping[str, Any]]) -> dict[str, Any]:
    """The risk of one district from its warning states (``EngineState.district_warnings``).

    Returns ``district`` (or None with no states), ``score``, ``level`` (the highest active
    colour or None), ``components`` (hazard, level, weight, warning_id) and ``formula``.
    """
    states = [s if isinstance(s, WarningState) else WarningState.from_dict(dict(s)) for s in state]
    codes = {s.district["code"] for s in states}
    if len(codes) > 1:
        raise ValueError(f"warning states of several districts given: {sorted(codes)}")
    components = sorted(
        (
            {
                "hazard": s.hazard,
                "level": s.level,
                "weight": LEVEL_WEIGHTS[s.level],
                "warning_id": s.warning_id,
            }
            for s in states
            if s.active and s.level in LEVEL_WEIGHTS
        ),
        key=lambda c: (-c["weight"], c["hazard"]),
    )
    weights = [c["weight"] for c in components]
    score = 0
    if weights:
        top = max(weights)
        score = min(100, round(top + OTHERS_FACTOR * (sum(weights) - top)))
    return {
        "district": dict(states[0].district) if states else None,
        "score": score,
        "level": components[0]["level"] if components else None,
        "components": components,
        "formula": FORMULA,
    }
