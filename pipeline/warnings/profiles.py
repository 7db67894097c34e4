"""Warning profiles: a named set of hazards, resolved from the rulebook file.

A profile maps each hazard to the sensor kinds that feed it, its timing (minimum hold,
validity, re-issue guard), an optional suggested response level per colour, and rules.
A rule is one colour and a list of conditions of which ANY suffices; a condition compares
one metric (see :mod:`pipeline.warnings.windows`) with ``ge`` (>=) or ``gt`` (>) a number or
``sensor.<field>`` (the sensor's registry entry, else the file's ``sensor_defaults``; when
neither has it the condition cannot hold). A sensor's colours are those one of its rules
meets. ``extends`` is resolved here: a child's hazard replaces the parent's of that name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError
from pipeline.warnings.rulebook import (
    DEFAULT_PROFILES_PATH,
    HazardSpec,
    Level,
    Rule,
    RulebookFile,
    load_rulebook,
)
from pipeline.warnings.windows import SensorMetrics, WindowConfig

LEVELS: tuple[Level, ...] = ("blue", "yellow", "orange", "red")
LEVEL_RANK: dict[str, int] = {level: i + 1 for i, level in enumerate(LEVELS)}

__all__ = ["DEFAULT_PROFILES_PATH", "LEVELS", "LEVEL_RANK", "Hazard", "Match", "Profile"]


@dataclass(frozen=True)
class Timing:
    """Minimum hold before de-escalating, validity before expiry, re-issue guard (s)."""

    hold_s: int
    validity_s: int
    reissue_after_s: int


@dataclass(frozen=True)
class Match:
    """Why a sensor meets a colour: the rule, the metric and its value."""

    rule_id: str
    metric: str
    value: float
    threshold: float


@dataclass(frozen=True)
class Hazard:
    """One hazard of a profile: kinds, tropical-cyclone context, timing, responses, rules."""

    name: str
    kinds: tuple[str, ...]
    tropical_cyclone: str
    timing: Timing
    response_levels: dict[str, int]
    rules: tuple[Rule, ...]
    """Highest colour first."""

    @property
    def lowest_level(self) -> str:
        """The lowest colour this hazard has (blue, or e.g. yellow for heat)."""
        return self.rules[-1].level

    def levels_met(
        self, metrics: SensorMetrics, threshold_of: Callable[[str], Any]
    ) -> dict[str, Match]:
        """Every colour this sensor meets now, with the first condition that holds."""
        met: dict[str, Match] = {}
        for rule in self.rules:
            if rule.level in met:
                continue
            for cond in rule.any:
                bound = cond.bound
                limit = threshold_of(bound.partition(".")[2]) if isinstance(bound, str) else bound
                value = metrics.get(cond.metric, cond.params())
                if value is None or limit is None:
                    continue
                limit_d = Decimal(str(limit))
                if value >= limit_d if cond.op == "ge" else value > limit_d:
                    met[rule.level] = Match(rule.id, cond.metric, float(value), float(limit_d))
                    break
        return met


@dataclass(frozen=True)
class Profile:
    """A resolved profile: its hazards, engine values and sensor threshold defaults."""

    name: str
    version: str
    title: str
    hazards: dict[str, Hazard]
    offline_after_periods: int
    default_period_s: int
    windows: WindowConfig
    sensor_defaults: dict[str, dict[str, float]] = field(default_factory=dict)

    def hazards_for(self, kind: str, tropical_cyclone: bool) -> list[Hazard]:
        """The hazards a reading of this kind feeds, given the tropical-cyclone context."""
        wanted = {"any": True, "required": tropical_cyclone, "excluded": not tropical_cyclone}
        return [h for h in self.hazards.values() if kind in h.kinds and wanted[h.tropical_cyclone]]

    def with_engine(
        self,
        *,
        lateness_s: int | None = None,
        offline_after_periods: int | None = None,
        default_period_s: int | None = None,
    ) -> Profile:
        """This profile with engine values replaced (settings override the file)."""
        windows = self.windows
        if lateness_s is not None:
            windows = replace(windows, lateness_s=lateness_s)
        return replace(
            self,
            windows=windows,
            offline_after_periods=offline_after_periods or self.offline_after_periods,
            default_period_s=default_period_s or self.default_period_s,
        )


def _resolve(
    book: RulebookFile, name: str, seen: tuple[str, ...] = ()
) -> tuple[dict[str, int], dict[str, HazardSpec]]:
    if name not in book.profiles:
        raise ConfigError(f"unknown warning profile {name!r}; known: {sorted(book.profiles)}")
    if name in seen:
        raise ConfigError(f"warning profile {name!r} extends itself ({' -> '.join(seen)})")
    spec = book.profiles[name]
    timing: dict[str, int] = {}
    hazards: dict[str, HazardSpec] = {}
    if spec.extends:
        timing, hazards = _resolve(book, spec.extends, (*seen, name))
    timing = {**timing, **spec.timing.model_dump(exclude_none=True)}
    hazards = {**hazards, **spec.hazards}
    return timing, hazards


@lru_cache(maxsize=16)
def load_profile(name: str = "shanghai", path: Path | str | None = None) -> Profile:
    """One profile, with ``extends`` resolved (a child's hazard replaces the parent's)."""
    book = load_rulebook(path)
    base_timing, specs = _resolve(book, name)
    hazards = {}
    for hazard, spec in specs.items():
        merged = {**base_timing, **spec.timing.model_dump(exclude_none=True)}
        missing = {"hold_s", "validity_s", "reissue_after_s"} - merged.keys()
        if missing:
            raise ConfigError(f"profile {name!r}, hazard {hazard!r}: no {sorted(missing)}")
        timing = Timing(**merged)
        if timing.hold_s > timing.validity_s:
            raise ConfigError(f"profile {name!r}, hazard {hazard!r}: hold_s exceeds validity_s")
        rules = tuple(sorted(spec.rules, key=lambda r: -LEVEL_RANK[r.level]))
        responses = dict(spec.response_levels or {})
        hazards[hazard] = Hazard(
            hazard, tuple(spec.kinds), spec.tropical_cyclone, timing, responses, rules
        )
    return Profile(
        name=name,
        version=book.version,
        title=book.profiles[name].title,
        hazards=hazards,
        offline_after_periods=book.engine.offline_after_periods,
        default_period_s=book.engine.default_period_s,
        windows=WindowConfig(
            lateness_s=book.engine.lateness_s,
            wind_mean_window_s=book.metrics.wind_mean_window_s,
            gust_window_s=book.metrics.gust_window_s,
        ),
        sensor_defaults={
            kind: {k: v.value for k, v in values.items()}
            for kind, values in book.sensor_defaults.items()
        },
    )
