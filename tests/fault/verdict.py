"""A scenario's verdict: invariants I1-I3, recovery I4 and its own conditions, recorded."""

from __future__ import annotations

from collections.abc import Iterable

from tests.fault.invariants import Tally
from tests.fault.recovery import Settled
from tests.fault.results import ScenarioResult


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
