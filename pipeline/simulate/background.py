"""Background traffic of a scenario: everyday incidents, filled up to the rate budget.

:func:`fill` draws batches (one incident's reports, one inspection finding ...) until the
budget is reached; :func:`routine_story` is one everyday incident somewhere in the city
(traffic accident, fire, gas leak, lift entrapment, burst water main, building-site
accident) with the sources that would report it and how its counts evolve.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from pipeline.simulate.events import SimContext, SimEvent
from pipeline.simulate.places import Spot
from pipeline.simulate.stories import Counts, Story, emit_story
from pipeline.simulate.texts import ROUTINE, extra_slots

#: everyday incident types and their relative frequency
ROUTINE_MIX = {
    "road_traffic": 40,
    "fire": 15,
    "gas_supply": 10,
    "special_equipment": 12,
    "water_supply": 8,
    "construction": 6,
}


def sample_time(rng: random.Random, span_s: float, weight: Callable[[float], float]) -> float:
    """A simulated time in ``[0, span_s]`` drawn with density ``weight(u)`` (u = t / span,
    ``0 <= weight <= 1``)."""
    for _ in range(1000):
        u = rng.random()
        if rng.random() <= weight(u):
            return u * span_s
    return rng.random() * span_s


def fill(
    n: int, draw: Callable[[random.Random], list[SimEvent]], rng: random.Random
) -> list[SimEvent]:
    """Batches from ``draw`` until there are ``n`` events; the last batch is cut to fit,
    keeping its earliest events (an original always precedes its follow-ups)."""
    out: list[SimEvent] = []
    empty = 0
    while len(out) < n and empty < 200:
        batch = sorted(draw(rng), key=lambda e: e.offset_s)
        empty = empty + 1 if not batch else 0
        out.extend(batch[: n - len(out)])
    return out


def routine_story(
    ctx: SimContext,
    rng: random.Random,
    t: float,
    kind: str | None = None,
    spot: Spot | None = None,
) -> Story:
    """One everyday incident at simulated time ``t`` (type drawn from :data:`ROUTINE_MIX`)."""
    kind = kind or rng.choices(list(ROUTINE_MIX), weights=list(ROUTINE_MIX.values()))[0]
    if spot is None:
        spot = ctx.places.spot(rng, ctx.places.pick_district(rng).code)
    sources, counts = _ROUTINE_COURSE[kind](rng)
    return Story(kind, t, spot, ROUTINE[kind], sources, counts, extra_slots(rng))


def _traffic(rng: random.Random) -> tuple[tuple[str, ...], list[tuple[float, Counts]]]:
    injured = rng.choices((0, 1, 2, 3), weights=(3, 4, 2, 1))[0]
    sources = ["hotline_110"]
    if injured:
        sources.append("hotline_120")
    if rng.random() < 0.4:
        sources.append("citizen_app")
    if rng.random() < 0.3:
        sources.append("field_team")
    counts: list[tuple[float, Counts]] = [(0.0, {"injuries": injured})]
    if injured and rng.random() < 0.4:
        worse = {"injuries": injured + rng.randint(0, 1), "serious_injuries": 1}
        if rng.random() < 0.1:
            worse["deaths"] = 1
        counts.append((rng.uniform(900, 2400), worse))
    return tuple(sources), counts


def _fire(rng: random.Random) -> tuple[tuple[str, ...], list[tuple[float, Counts]]]:
    sources = ["hotline_119", *rng.sample(["hotline_110", "citizen_app", "hotline_12345"], 2)]
    if rng.random() < 0.6:
        sources.append("field_team")
    if rng.random() < 0.2:
        sources.append("media")
    evacuated = rng.choice((0, 0, 20, 50, 120))
    final: Counts = {
        "deaths": 0,
        "injuries": rng.choice((0, 0, 1, 2)),
        "evacuated": evacuated,
        "loss_wan": rng.choice((5, 12, 30, 80)),
    }
    return tuple(sources), [(0.0, {}), (rng.uniform(1200, 3000), final)]


def _gas(rng: random.Random) -> tuple[tuple[str, ...], list[tuple[float, Counts]]]:
    sources = (rng.choice(("hotline_12345", "hotline_119")), "citizen_app", "field_team")
    return sources, [(0.0, {}), (rng.uniform(900, 2400), {"evacuated": rng.randint(20, 200)})]


def _lift(rng: random.Random) -> tuple[tuple[str, ...], list[tuple[float, Counts]]]:
    sources = (rng.choice(("hotline_110", "hotline_119")), "hotline_12345")
    return sources, [(0.0, {}), (rng.uniform(900, 1800), {"injuries": 0})]


def _water(rng: random.Random) -> tuple[tuple[str, ...], list[tuple[float, Counts]]]:
    sources = ("hotline_12345", "citizen_app", "field_team")
    return sources, [(0.0, {}), (rng.uniform(1800, 5400), {"affected": rng.randint(3, 30) * 100})]


def _construction(rng: random.Random) -> tuple[tuple[str, ...], list[tuple[float, Counts]]]:
    sources = ("hotline_120", "hotline_110", "field_team")
    first: Counts = {"injuries": 1, "serious_injuries": 1}
    later: Counts = {"deaths": 1, "injuries": 1, "serious_injuries": 1}
    counts: list[tuple[float, Counts]] = [(0.0, first)]
    if rng.random() < 0.3:
        counts.append((rng.uniform(1800, 3600), later))
    return sources, counts


_ROUTINE_COURSE = {
    "road_traffic": _traffic,
    "fire": _fire,
    "gas_supply": _gas,
    "special_equipment": _lift,
    "water_supply": _water,
    "construction": _construction,
}


def routine_reports(
    ctx: SimContext, rng: random.Random, weight: Callable[[float], float]
) -> list[SimEvent]:
    """One everyday incident's reports, at a time drawn with density ``weight``."""
    return emit_story(ctx, routine_story(ctx, rng, sample_time(rng, ctx.span_s, weight)), rng)
