"""The warning rulebook file (``pipeline/rules/warning_profiles.yaml``): models and reader.

The file is validated on load; unknown keys are errors, and a bad file raises
:class:`~pipeline.errors.ConfigError` naming the file, the line and the key at fault.
See the file's header for its structure and :mod:`pipeline.warnings.profiles` for what a
resolved profile is.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pipeline.errors import ConfigError
from pipeline.warnings.registry import SensorEntry
from pipeline.warnings.windows import KIND_METRICS, METRIC_PARAMS

DEFAULT_PROFILES_PATH = Path(__file__).resolve().parent.parent / "rules" / "warning_profiles.yaml"
Level = Literal["blue", "yellow", "orange", "red"]
_SENSOR_FIELDS = frozenset(SensorEntry.model_fields)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Condition(_Strict):
    """``metric`` compared with ``ge`` or ``gt``; ``threshold_c`` for consecutive hot days."""

    metric: str
    ge: float | str | None = None
    gt: float | str | None = None
    threshold_c: float | None = None

    @model_validator(mode="after")
    def _check(self) -> Condition:
        if (self.ge is None) == (self.gt is None):
            raise ValueError("give exactly one of ge, gt")
        bound = self.ge if self.ge is not None else self.gt
        if isinstance(bound, str):
            prefix, _, name = bound.partition(".")
            if prefix != "sensor" or name not in _SENSOR_FIELDS:
                raise ValueError(f"{bound!r}: a threshold is a number or sensor.<registry field>")
        wanted = METRIC_PARAMS.get(self.metric, frozenset())
        if ("threshold_c" in wanted) != (self.threshold_c is not None):
            raise ValueError(
                f"threshold_c is required by consecutive_hot_days only ({self.metric})"
            )
        return self

    @property
    def op(self) -> str:
        return "ge" if self.ge is not None else "gt"

    @property
    def bound(self) -> float | str:
        value = self.ge if self.ge is not None else self.gt
        assert value is not None
        return value

    def params(self) -> dict[str, Any]:
        return {"threshold_c": self.threshold_c} if self.threshold_c is not None else {}


class Rule(_Strict):
    id: str = Field(min_length=1)
    level: Level
    any: list[Condition] = Field(min_length=1)
    source: str = Field(min_length=1)
    configurable: bool = False
    note: str = ""


class TimingPatch(_Strict):
    hold_s: int | None = Field(None, ge=0)
    validity_s: int | None = Field(None, gt=0)
    reissue_after_s: int | None = Field(None, ge=0)


class HazardSpec(_Strict):
    kinds: list[str] = Field(min_length=1)
    tropical_cyclone: Literal["any", "required", "excluded"] = "any"
    timing: TimingPatch = TimingPatch()
    response_levels: dict[Level, int] | None = None
    response_source: str = ""
    rules: list[Rule] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> HazardSpec:
        unknown = [k for k in self.kinds if k not in KIND_METRICS]
        if unknown:
            raise ValueError(f"unknown sensor kinds {unknown}; known: {sorted(KIND_METRICS)}")
        if self.response_levels and not all(1 <= v <= 4 for v in self.response_levels.values()):
            raise ValueError("response levels are 1 (Ⅰ) .. 4 (Ⅳ)")
        return self


class ProfileSpec(_Strict):
    title: str
    extends: str | None = None
    timing: TimingPatch = TimingPatch()
    hazards: dict[str, HazardSpec] = {}


class EngineSpec(_Strict):
    lateness_s: int = Field(3600, ge=0)
    offline_after_periods: int = Field(3, ge=1)
    default_period_s: int = Field(600, gt=0)


class MetricsSpec(_Strict):
    wind_mean_window_s: int = Field(600, gt=0)
    gust_window_s: int = Field(600, gt=0)


class DefaultValue(_Strict):
    value: float
    source: str = Field(min_length=1)
    configurable: bool = False


class RulebookFile(_Strict):
    version: str = Field(min_length=1)
    basis: Literal["observed"]
    note: str = Field(min_length=1)
    engine: EngineSpec = EngineSpec()
    metrics: MetricsSpec = MetricsSpec()
    sensor_defaults: dict[str, dict[str, DefaultValue]] = {}
    profiles: dict[str, ProfileSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _known_fields(self) -> RulebookFile:
        for kind, values in self.sensor_defaults.items():
            unknown = sorted(set(values) - _SENSOR_FIELDS)
            if unknown:
                raise ValueError(f"sensor_defaults.{kind}: {unknown} are not registry fields")
        return self


def _line_of(node: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line of the YAML node at a pydantic error location."""
    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == str(key)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def load_rulebook(path: Path | str | None = None) -> RulebookFile:
    """Read and validate the whole profiles file."""
    path = Path(path) if path is not None else DEFAULT_PROFILES_PATH
    try:
        text = path.read_text(encoding="utf-8")
        doc = yaml.safe_load(text)
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the warning profiles: {exc}") from exc
    try:
        book = RulebookFile.model_validate(doc)
    except ValidationError as exc:
        err = exc.errors()[0]
        line = _line_of(yaml.compose(text), tuple(err["loc"]))
        where = ".".join(str(p) for p in err["loc"])
        raise ConfigError(f"{path}:{line}: {where}: {err['msg']}") from exc
    for loc, message in _metric_errors(book):
        line = _line_of(yaml.compose(text), loc)
        raise ConfigError(f"{path}:{line}: {'.'.join(str(p) for p in loc)}: {message}")
    return book


def _metric_errors(book: RulebookFile) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Conditions whose metric the hazard's sensor kinds do not provide."""
    for name, profile in book.profiles.items():
        for hazard_name, hazard in profile.hazards.items():
            metrics = frozenset().union(*(KIND_METRICS[k] for k in hazard.kinds))
            for i, rule in enumerate(hazard.rules):
                for j, cond in enumerate(rule.any):
                    if cond.metric not in metrics:
                        loc = ("profiles", name, "hazards", hazard_name, "rules", i, "any", j)
                        yield (
                            loc,
                            (
                                f"rule {rule.id}: metric {cond.metric!r} is not one of "
                                f"{sorted(metrics)} (the metrics of {', '.join(hazard.kinds)})"
                            ),
                        )
