"""The scenarios by name, and :func:`generate_events` to build one run's records."""

from __future__ import annotations

from datetime import datetime

from pipeline.simulate.events import SimEvent
from pipeline.simulate.scenario import DEFAULT_BAD_SHARE, Scenario
from pipeline.simulate.scenarios.chemical_leak import ChemicalLeak
from pipeline.simulate.scenarios.food_poisoning import FoodPoisoningSchools
from pipeline.simulate.scenarios.metro_power_failure import MetroPowerFailure
from pipeline.simulate.scenarios.new_year_bund import NewYearBund
from pipeline.simulate.scenarios.routine_day import RoutineDay
from pipeline.simulate.scenarios.typhoon import Typhoon

SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Typhoon(),
        ChemicalLeak(),
        NewYearBund(),
        MetroPowerFailure(),
        FoodPoisoningSchools(),
        RoutineDay(),
    )
}
"""Every scenario by its command-line name."""


def get_scenario(scenario: str | Scenario) -> Scenario:
    """The scenario of that name (or the scenario itself); ``KeyError`` listing the names."""
    if isinstance(scenario, Scenario):
        return scenario
    try:
        return SCENARIOS[scenario]
    except KeyError:
        names = ", ".join(SCENARIOS)
        raise KeyError(f"unknown scenario {scenario!r}; choose one of: {names}") from None


def generate_events(
    scenario: str | Scenario,
    *,
    rate: float | None = None,
    duration_s: float = 60.0,
    seed: int = 0,
    start: datetime | None = None,
    time_scale: float | None = None,
    bad_share: float = DEFAULT_BAD_SHARE,
) -> list[SimEvent]:
    """Every record of one run of ``scenario``, sorted by ``offset_s``.

    ``rate`` (events per wall-clock second) and ``time_scale`` (simulated seconds per
    wall-clock second) default to the scenario's; ``start`` (aware) defaults to
    ``now - duration_s * time_scale``. Same arguments and ``start`` -> the same bytes.
    """
    return get_scenario(scenario).generate(
        rate=rate,
        duration_s=duration_s,
        seed=seed,
        start=start,
        time_scale=time_scale,
        bad_share=bad_share,
    )
