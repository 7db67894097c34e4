"""A district's risk score, 0..100, from its active warnings, recent incidents and exposure.

Two scores live here.

:func:`risk_for_district` weighs active warnings only. Each weighs by its colour: blue 25,
yellow 50, orange 75, red 100. The score is the heaviest warning plus a quarter of every
other one, capped at 100::

    score = min(100, round(max(w) + 0.25 * (sum(w) - max(w))))

So one red warning is 100, one orange 75, orange and yellow together 88, four blue 44, and
no warning 0. The components list each warning with its weight, so a score can be explained.

:func:`district_risk` adds what has already happened and who is there. With the weights of a
:class:`RiskProfile` (defaults in brackets)::

    W = combine(colour weights of the active warnings)        [25/50/75/100]
    I = combine(level weights of the counted incidents)       [Ⅰ 100, Ⅱ 75, Ⅲ 50, Ⅳ 20]
    combine(w) = min(100, max(w) + others_factor * (sum(w) - max(w))), 0 with none  [0.25]
    H = min(100, max(W, I) + others_factor * min(W, I))
    score = min(100, round(H * factor))

An incident counts while it is open (status neither ``resolved`` nor ``closed``) and its
last report lies within ``incident_window_s`` before ``at``, both ends included: a report
exactly ``incident_window_s`` old still counts, one a moment older or later than ``at`` does
not. ``factor`` is the district's exposure factor (:mod:`pipeline.warnings.exposure`,
0.8 .. 1.2 by default, 1.0 for a district without data). The score's ``level`` is the
colour band it falls in: none below 25, blue from 25, yellow from 50, orange from 75, red
from 90. ``round`` is Python's (halves to even), as in :func:`risk_for_district`, so both
scores agree on a district with warnings only and a neutral exposure.

The profile is data: ``RiskProfile.model_validate(mapping)`` reads one from parsed YAML or
JSON, so a deployment can tune the weights without code.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from pipeline.warnings.exposure import district_exposure
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


# --- district risk: warnings, incidents and exposure -------------------------------------

COLOURS: tuple[str, ...] = ("blue", "yellow", "orange", "red")
"""Warning colours, lowest first."""
INCIDENT_LEVELS: tuple[int, ...] = (1, 2, 3, 4)
"""Incident levels, 1 = Ⅰ 特别重大 (the most severe)."""
CLOSED_STATUSES = frozenset(("resolved", "closed"))
"""Incident statuses that no longer add risk (as ``pipeline.incidents.state``)."""
INPUT_NAME_MAX = 64
"""Longest ``RiskInput.name`` (``schemas.common.SHORT_MAX``)."""
MAX_INPUTS = 100
"""Most inputs a risk assessment carries (``schemas.assessments.MAX_INPUTS``)."""

Weight = Annotated[int, Field(ge=0, le=100)]


class RiskProfile(BaseModel):
    """The weights and thresholds of :func:`district_risk`, loadable from YAML or JSON.

    Unknown keys are rejected, so a misspelt setting fails loudly instead of being ignored.
    A mapping that is given replaces the default mapping whole (all four colours or levels).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"\S")] = (
        "district-risk-v2"
    )
    """Profile name, recorded with every score."""
    warning_weights: dict[str, Weight] = {"blue": 25, "yellow": 50, "orange": 75, "red": 100}
    """Weight of an active warning by colour."""
    incident_level_weights: dict[int, Weight] = {1: 100, 2: 75, 3: 50, 4: 20}
    """Weight of a counted incident by level (1 = Ⅰ, the most severe)."""
    others_factor: float = Field(0.25, ge=0, le=1, allow_inf_nan=False)
    incident_others_cap: float = Field(25.0, ge=0, le=100, allow_inf_nan=False)
    """The most that incidents other than the heaviest add to the incidents part, so that a
    day of many minor incidents does not read as a red district."""
    """Share of every weight but the heaviest that adds to a part, and of the lesser part
    that adds to the hazard."""
    incident_window_s: float = Field(86400, gt=0, allow_inf_nan=False)
    """An open incident counts while its last report is at most this many seconds old."""
    exposure_min: float = Field(0.8, ge=0, allow_inf_nan=False)
    """Exposure factor of the least exposed district."""
    exposure_max: float = Field(1.2, ge=0, allow_inf_nan=False)
    """Exposure factor of a district that is the densest and has the most vulnerable
    facilities."""
    level_bands: dict[str, Annotated[int, Field(ge=1, le=100)]] = {
        "blue": 25,
        "yellow": 50,
        "orange": 75,
        "red": 90,
    }
    """Lowest score of each colour band; below the lowest band a score has no colour."""

    @model_validator(mode="after")
    def _consistent(self) -> RiskProfile:
        for field, keys in (
            ("warning_weights", COLOURS),
            ("incident_level_weights", INCIDENT_LEVELS),
            ("level_bands", COLOURS),
        ):
            given = set(getattr(self, field))
            if given != set(keys):
                raise ValueError(
                    f"{field} must give exactly {', '.join(map(str, keys))}; "
                    f"got {', '.join(map(str, sorted(given, key=str)))}"
                )
        edges = [self.level_bands[c] for c in COLOURS]
        if any(low >= high for low, high in zip(edges, edges[1:], strict=False)):
            raise ValueError(f"level_bands must rise from blue to red, got {edges}")
        if self.exposure_min > self.exposure_max:
            raise ValueError(
                f"exposure_min {self.exposure_min} is above exposure_max {self.exposure_max}"
            )
        return self

    def level_of(self, score: float) -> str | None:
        """The colour band of a score, or None below the lowest band."""
        level = None
        for colour in COLOURS:
            if score >= self.level_bands[colour]:
                level = colour
        return level

    def formula(self) -> str:
        """The score formula with this profile's numbers, on one line."""
        f = _number(self.others_factor)
        w = ", ".join(f"{c} {self.warning_weights[c]}" for c in COLOURS)
        i = ", ".join(f"{n} {self.incident_level_weights[n]}" for n in INCIDENT_LEVELS)
        window = _number(self.incident_window_s)
        return (
            f"score = min(100, round(H * exposure_factor)); "
            f"H = min(100, max(W, I) + {f} * min(W, I)); "
            f"W = min(100, max(w) + {f} * (sum(w) - max(w))); "
            f"I = min(100, max(w) + min({_number(self.incident_others_cap)}, "
            f"{f} * (sum(w) - max(w)))); "
            f"W over active warnings (w: {w}); "
            f"I over open incidents last reported within {window} s (w by level: {i}); "
            f"exposure_factor {_number(self.exposure_min)}..{_number(self.exposure_max)}"
        )


DEFAULT_RISK_PROFILE = RiskProfile()


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _combine_counted(
    weights: list[tuple[int, int]], others_factor: float, others_cap: float = 100.0
) -> float:
    """The heaviest weight plus ``others_factor`` of the rest (at most ``others_cap``),
    capped at 100, over ``(weight, count)`` pairs; 0 with none."""
    if not weights:
        return 0.0
    top = max(w for w, _ in weights)
    rest = sum(w * n for w, n in weights) - top
    return float(min(100.0, top + min(others_cap, others_factor * rest)))


def _combine(weights: list[int], others_factor: float) -> float:
    """:func:`_combine_counted` of single weights, the others' share not capped."""
    return _combine_counted([(w, 1) for w in weights], others_factor)


def _instant(value: Any, what: str) -> datetime:
    """An aware datetime from a datetime or an RFC 3339 string with a zone."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"{what} is not RFC 3339: {value!r}") from exc
    if not isinstance(value, datetime):
        raise ValueError(f"{what} must be a timestamp, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} has no zone: {value.isoformat()}")
    return value


def _incident_level(incident: Mapping[str, Any], profile: RiskProfile) -> int:
    level = incident.get("level")
    if isinstance(level, bool) or not isinstance(level, int):
        raise ValueError(f"incident {incident.get('incident_id')!r}: level must be 1..4")
    if level not in profile.incident_level_weights:
        raise ValueError(f"incident {incident.get('incident_id')!r}: level {level} is not 1..4")
    return int(level)


def counts_at(incident: Mapping[str, Any], at: datetime, profile: RiskProfile) -> bool:
    """Whether an incident adds to the risk at ``at``: open, last reported in the window.

    The window is ``[at - incident_window_s, at]``, both ends included.
    """
    if incident.get("status") in CLOSED_STATUSES:
        return False
    last = _instant(
        incident.get("last_reported_at"), f"incident {incident.get('incident_id')!r} last report"
    )
    age = at - last
    return timedelta(0) <= age <= timedelta(seconds=profile.incident_window_s)


def _input(name: str, value: float, unit: str | None = None, weight: float | None = None) -> dict:
    item: dict[str, Any] = {"name": name[:INPUT_NAME_MAX], "value": float(value)}
    if unit is not None:
        item["unit"] = unit
    if weight is not None:
        item["weight"] = float(weight)
    return item


def district_risk(
    district: Mapping[str, Any],
    warnings: Iterable[WarningState | Mapping[str, Any]],
    incidents: Iterable[Mapping[str, Any]],
    at: datetime,
    *,
    profile: RiskProfile = DEFAULT_RISK_PROFILE,
    exposure: Mapping[str, Any] | None = None,
    incident_levels: Mapping[int, int] | None = None,
) -> dict[str, Any]:
    """The risk of one district at ``at`` from its warnings, incidents and exposure.

    ``incident_levels`` (level -> number of counted incidents) may be given instead of the
    incident records, by a caller that keeps the counts itself; the components then list
    one entry per level with its ``count``.

    ``district`` is ``{"code", "name", "name_en"?}``. ``warnings`` are the district's warning
    states (``EngineState.district_warnings``; only active ones count). ``incidents`` are
    compact records ``{"incident_id", "level" (1..4), "status", "last_reported_at" (aware
    datetime or RFC 3339), "category"}`` of the district. ``exposure`` overrides
    :func:`~pipeline.warnings.exposure.district_exposure` (only its ``factor`` is used in the
    score).

    Returns ``district``, ``score`` (int 0..100), ``level`` (colour band or None),
    ``warnings_score``, ``incidents_score``, ``hazard_score``, ``exposure``, ``components``
    (each active warning and counted incident with its weight, heaviest first), ``inputs``
    (at most 100 ``RiskInput``-shaped dicts; incidents are counted per level), ``formula``
    and ``profile`` (its name). Raises ``ValueError`` for a naive ``at``, warning states of
    another district, an open incident without a valid last report time, a counted
    incident without a level 1..4, or an exposure without a finite, non-negative
    ``factor``.
    """
    at = _instant(at, "at")
    code = str(district["code"])
    states = [
        s if isinstance(s, WarningState) else WarningState.from_dict(dict(s)) for s in warnings
    ]
    foreign = sorted({s.district["code"] for s in states} - {code})
    if foreign:
        raise ValueError(f"warning states of other districts than {code} given: {foreign}")

    components: list[dict[str, Any]] = [
        {
            "kind": "warning",
            "hazard": s.hazard,
            "level": s.level,
            "weight": profile.warning_weights[s.level],
            "warning_id": s.warning_id,
        }
        for s in states
        if s.active and s.level in profile.warning_weights
    ]
    per_level: dict[int, int] = {}
    if incident_levels is not None:
        for level, count in sorted(incident_levels.items()):
            if count > 0:
                per_level[int(level)] = int(count)
                components.append(
                    {
                        "kind": "incident",
                        "level": int(level),
                        "weight": profile.incident_level_weights[int(level)],
                        "count": int(count),
                    }
                )
        incidents = ()
    for incident in incidents:
        if not counts_at(incident, at, profile):
            continue
        level = _incident_level(incident, profile)
        per_level[level] = per_level.get(level, 0) + 1
        components.append(
            {
                "kind": "incident",
                "incident_id": incident.get("incident_id"),
                "level": level,
                "weight": profile.incident_level_weights[level],
                "category": incident.get("category"),
            }
        )
    components.sort(
        key=lambda c: (
            -c["weight"],
            c["kind"] != "warning",
            str(c.get("hazard") or c.get("incident_id") or ""),
        )
    )

    warning_weights = [c["weight"] for c in components if c["kind"] == "warning"]
    incident_weights = [
        (c["weight"], c.get("count", 1)) for c in components if c["kind"] == "incident"
    ]
    w = _combine(warning_weights, profile.others_factor)
    i = _combine_counted(incident_weights, profile.others_factor, profile.incident_others_cap)
    hazard = min(100.0, max(w, i) + profile.others_factor * min(w, i))

    if exposure is None:
        exposure = district_exposure(
            code, exposure_min=profile.exposure_min, exposure_max=profile.exposure_max
        )
    exposure = dict(exposure)
    factor = exposure.get("factor")
    if (
        isinstance(factor, bool)
        or not isinstance(factor, int | float)
        or not math.isfinite(factor)
        or factor < 0
    ):
        raise ValueError(f"exposure factor must be a finite number >= 0, got {factor!r}")
    score = int(min(100, round(hazard * factor)))

    return {
        "district": dict(district),
        "score": score,
        "level": profile.level_of(score),
        "warnings_score": round(w, 2),
        "incidents_score": round(i, 2),
        "hazard_score": round(hazard, 2),
        "exposure": exposure,
        "components": components,
        "inputs": _inputs(w, i, hazard, float(factor), exposure, components, per_level, profile),
        "formula": profile.formula(),
        "profile": profile.name,
    }


def _inputs(
    w: float,
    i: float,
    hazard: float,
    factor: float,
    exposure: Mapping[str, Any],
    components: list[dict[str, Any]],
    per_level: Mapping[int, int],
    profile: RiskProfile,
) -> list[dict[str, Any]]:
    """The ``RiskInput``-shaped inputs of a score: parts, exposure, warnings, incident counts."""
    out = [
        _input("warnings_score", w, "points"),
        _input("incidents_score", i, "points"),
        _input("hazard_score", hazard, "points"),
        _input("exposure_factor", factor),
    ]
    for key, unit in (
        ("exposure_index", None),
        ("population", "persons"),
        ("area_km2", "km2"),
        ("density_per_km2", "persons/km2"),
        ("vulnerable_facilities", "facilities"),
    ):
        value = exposure.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            out.append(_input(key, value, unit))
    incident_inputs = [
        _input(f"incidents_level_{n}", per_level[n], "incidents", profile.incident_level_weights[n])
        for n in INCIDENT_LEVELS
        if per_level.get(n)
    ]
    warning_counts: dict[tuple[str, str], int] = {}
    for c in components:
        if c["kind"] == "warning":
            key = (c["hazard"], c["level"])
            warning_counts[key] = warning_counts.get(key, 0) + 1
    room = MAX_INPUTS - len(out) - len(incident_inputs)
    listed = list(warning_counts.items())
    if len(listed) > room:
        rest = sum(n for _, n in listed[room - 1 :])
        listed = listed[: room - 1]
        out.extend(
            _input(f"warning_{h}_{lv}", n, "warnings", profile.warning_weights[lv])
            for (h, lv), n in listed
        )
        out.append(_input("warnings_other", rest, "warnings"))
    else:
        out.extend(
            _input(f"warning_{h}_{lv}", n, "warnings", profile.warning_weights[lv])
            for (h, lv), n in listed
        )
    return out + incident_inputs
