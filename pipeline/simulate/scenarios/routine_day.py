"""``routine_day``: an ordinary day in the city.

Everyday incidents at their usual mix (traffic accidents most, then fires, lift
entrapments, gas smells, burst water mains, building-site accidents), more of them in the
rush hours; inspection findings with rectification deadlines during working hours, some put
right on the spot, and findings of earlier days closed; a few incidents that grow: a fatal
fire in an old residential building, a multi-vehicle collision on an elevated road, a gas
leak that empties a block. Every registry sensor reports its everyday values while the rate
allows.
"""

from __future__ import annotations

import math
import random

from pipeline.simulate.background import fill, routine_reports, routine_story, sample_time
from pipeline.simulate.events import SimContext, SimEvent
from pipeline.simulate.findings import closed_finding, finding_events
from pipeline.simulate.scenario import Scenario
from pipeline.simulate.sensors import local_hour
from pipeline.simulate.stories import emit_story


class RoutineDay(Scenario):
    """An ordinary day: everyday incidents and inspection findings."""

    name = "routine_day"
    title = "日常 A routine day"
    default_rate = 5.0
    default_time_scale = 240.0
    reading_share = 0.5

    def storyline(self, ctx: SimContext) -> list[SimEvent]:
        rng = self.rng(ctx, "storyline")
        places, span = ctx.places, ctx.span_s
        fire = routine_story(
            ctx,
            rng,
            0.2 * span,
            "fire",
            places.spot_near(rng, places.anchor("pt-fire-changzheng"), 1200.0),
        )
        fire.sources = (
            "hotline_119",
            "hotline_110",
            "citizen_app",
            "hotline_12345",
            "field_team",
            "media",
        )
        fire.counts = [
            (0.0, {"injuries": 1}),
            (0.15 * span, {"deaths": 1, "injuries": 3, "serious_injuries": 1, "evacuated": 60}),
            (
                0.35 * span,
                {
                    "deaths": 1,
                    "injuries": 4,
                    "serious_injuries": 1,
                    "evacuated": 60,
                    "loss_wan": 85,
                },
            ),
        ]
        crash = routine_story(
            ctx,
            rng,
            0.45 * span,
            "road_traffic",
            places.spot_near(rng, places.anchor("cn-fire-xianxia"), 1500.0),
        )
        crash.sources = ("hotline_110", "hotline_120", "citizen_app", "citizen_app", "field_team")
        crash.counts = [
            (0.0, {"injuries": 4}),
            (0.12 * span, {"injuries": 6, "serious_injuries": 2}),
            (0.3 * span, {"deaths": 1, "injuries": 6, "serious_injuries": 2}),
        ]
        gas = routine_story(
            ctx,
            rng,
            0.65 * span,
            "gas_supply",
            places.spot_near(rng, places.anchor("yp-shelter-huangxing"), 1000.0),
        )
        gas.counts = [(0.0, {}), (0.1 * span, {"evacuated": 240}), (0.2 * span, {"evacuated": 410})]
        return [e for story in (fire, crash, gas) for e in emit_story(ctx, story, rng)]

    def background(self, ctx: SimContext, n: int) -> list[SimEvent]:
        def activity(u: float) -> float:
            hour = local_hour(ctx, u * ctx.span_s)
            rush = math.exp(-((hour - 8.5) ** 2) / 2.0) + math.exp(-((hour - 18.0) ** 2) / 2.0)
            night = 0.25 if hour < 6.0 or hour >= 23.0 else 0.6
            return min(1.0, night + 0.4 * rush)

        def office(u: float) -> float:
            hour = local_hour(ctx, u * ctx.span_s)
            return 1.0 if 9.0 <= hour < 17.0 else 0.05

        def draw(rng: random.Random) -> list[SimEvent]:
            roll = rng.random()
            if roll < 0.35:
                return finding_events(ctx, rng, sample_time(rng, ctx.span_s, office))
            if roll < 0.45:
                return closed_finding(ctx, rng, sample_time(rng, ctx.span_s, office))
            return routine_reports(ctx, rng, activity)

        return fill(n, draw, self.rng(ctx, "background"))
