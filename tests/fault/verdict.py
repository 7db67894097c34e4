"""A scenario's verdict: invariants I1-I3, recovery I4 and its own conditions, recorded."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from tests.fault.deployment import Deployment
from tests.fault.invariants import Expect, Tally, expected_total
from tests.fault.recovery import Settled, wait_settled
from tests.fault.results import ScenarioResult

Watched = Mapping[str, Mapping[bytes | None, Expect]]


def conclude(
    result: ScenarioResult,
    tally: Tally,
    settled: Settled,
    own: Iterable[str] = (),
    notes: str = "",
) -> None:
    """Fill ``result`` from the checks, then assert that every one of them held.

    ``own`` lists the problems found by the scenario's own condition (empty when it held).
    """
    result.events, result.lost, result.duplicated = tally.events, tally.lost, tally.duplicated
    result.recovery_s = None if settled.recovery_s is None else round(settled.recovery_s, 1)
    result.notes = notes
    problems = [*tally.problems, *own]
    if not settled.within_limit:
        problems.append(f"I4: {settled.describe()}")
    result.held = not problems
    result.outcome = "held" if result.held else "; ".join(problems[:3])[:300]
    shown = "\n".join(problems[:25])
    assert result.held, f"scenario {result.scenario}: {len(problems)} problems:\n{shown}"


def settle(dep: Deployment, watched: Watched, fault_end: float, **options: Any) -> Settled:
    """Wait for I4: lag zero and the watched records' documents all counted."""
    expected = expected_total(dep.settings, watched)
    return wait_settled(dep.settings, dep.es, expected, fault_end, **options)
