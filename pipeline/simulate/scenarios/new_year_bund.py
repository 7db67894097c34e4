"""``new_year_bund``: New Year's Eve on the Bund.

The Bund promenade counter (a head count over its area) and the Nanjing Road counter climb
towards the countdown, well past the red density, and ease as the police meter the crowd;
in alarm they report every 30 s. Reports: a crowd surge on the Chen Yi Square steps with
injuries rising in follow-ups, police crowd control and one-way routing, East Nanjing Road
station closed, a fainted visitor and lost children, and many crowd calls from the Bund,
Nanjing Road and People's Square, on top of the city's everyday incidents.
"""

from __future__ import annotations

import math
import random

from pipeline.simulate.background import fill, routine_reports, sample_time
from pipeline.simulate.events import SimContext, SimEvent
from pipeline.simulate.places import Anchor
from pipeline.simulate.scenario import Scenario
from pipeline.simulate.sensors import Stream, crowd_stream
from pipeline.simulate.stories import Story, Texts, emit_story

#: Chen Yi Square on the Bund (WGS-84, Huangpu)
CHEN_YI_SQUARE = Anchor(
    "bund-chen-yi-square",
    "other",
    "外滩陈毅广场",
    "Chen Yi Square on the Bund",
    31.2388,
    121.4868,
    "310101",
)
COUNTDOWN = 0.7
#: counter -> (density at the start, at the countdown, after metering), people per m²
DENSITY = {"cc-bund-promenade": (1.6, 5.4, 3.4), "cc-nanjing-road": (1.2, 3.9, 2.6)}
CROWD_SPOTS = ("hp-metro-nanjing-rd-e", "hp-metro-peoples-square", "hp-fire-bund", "hp-boat-bund")

SURGE = Texts(
    caller=(
        "外滩陈毅广场台阶上人太多了，上面的人往下挤，有人摔倒了被踩，{counts_zh}，快来人！",
        "观景平台楼梯这里挤不动了，有小孩在哭，后面的人还在往前推！",
        "People are falling on the steps at Chen Yi Square on the Bund, the crowd keeps pushing; "
        "{counts_en}.",
    ),
    official=(
        "外滩陈毅广场观景平台台阶处发生人员拥挤摔倒，民警已组织人墙疏导，{counts_zh}。",
        "Police at Chen Yi Square: people fell on the viewing-platform steps in a crowd surge; "
        "{counts_en}.",
    ),
    followup=(
        "续报：陈毅广场拥挤摔倒事件{counts_zh}，伤者已分送瑞金医院、市第一人民医院救治。",
        "Update on the Bund crowd surge: {counts_en}; the injured were taken to Ruijin and "
        "Shanghai General hospitals.",
    ),
    media=("跨年夜外滩陈毅广场发生拥挤摔倒，{counts_zh}，警方正在现场疏导。",),
)
CONTROL = Texts(
    caller=("中山东一路这边全部封了，人只能往南京东路走，太挤了，{address}。",),
    official=(
        "外滩区域启动大客流管控：中山东一路实施交通管制，观景平台单向通行、分段限流，{counts_zh}。",
        "Crowd control on the Bund: Zhongshan East No.1 Road closed to traffic, one-way flow on "
        "the promenade; {counts_en}.",
    ),
    followup=("续报：外滩区域客流持续疏导，{counts_zh}。",),
)
STATION = Texts(
    caller=("南京东路站进不去了，说临时封站，地铁2号线和10号线跳站，我们怎么回家？",),
    official=("地铁南京东路站因外滩客流过大临时封站，2号线、10号线列车通过不停车。",),
    followup=("续报：南京东路站恢复开放，进站实施限流。",),
    media=("跨年夜客流激增，地铁南京东路站临时封站，列车通过不停车。",),
)
FAINT = Texts(
    caller=("外滩这里有个女孩挤晕过去了，脸色发白，叫救护车，{address}。",),
    official=("120急救：外滩观景平台一名游客因拥挤晕厥，{counts_zh}，已送医。",),
    followup=("续报：晕厥游客生命体征平稳，{counts_zh}。",),
)
CROWD_CALL = Texts(
    caller=(
        "{place}附近人山人海，完全走不动了，请警察来疏导一下。",
        "{road}上人挤人，有人在逆行，很危险，{address}。",
        "我和孩子在{place}附近走散了，孩子6岁，穿红色羽绒服。",
        "The crowd near {place_en} is not moving at all, people are getting pushed. Please send "
        "police.",
        "Lost my friend in the crowd on {road_en} near {place_en}, her phone is off.",
    ),
    official=("民警在{place}附近设置隔离带，分批放行。",),
    followup=("续报：{place}附近人流已疏导，秩序恢复。",),
)


class NewYearBund(Scenario):
    """New Year's Eve on the Bund: crowd counters and crowd reports."""

    name = "new_year_bund"
    title = "外滩跨年夜 New Year's Eve on the Bund"
    default_rate = 5.0
    default_time_scale = 30.0

    def density(self, ctx: SimContext, sensor_id: str, t: float) -> float:
        """People per m² at a counter at simulated time ``t`` (with the crowd's ripple)."""
        begin, peak, after = DENSITY[sensor_id]
        u = t / ctx.span_s
        if u <= COUNTDOWN:
            level = begin + (peak - begin) * (u / COUNTDOWN) ** 1.5
        else:
            level = peak - (peak - after) * min(1.0, (u - COUNTDOWN) / (1.0 - COUNTDOWN))
        return level * (1.0 + 0.04 * math.sin(t / 97.0))

    def streams(self, ctx: SimContext) -> dict[str, Stream]:
        out = {}
        for sensor_id in DENSITY:
            entry = ctx.sensor(sensor_id)
            out[sensor_id] = crowd_stream(
                entry,
                lambda t, s=sensor_id: self.density(ctx, s, t),
                alarm_at=entry.density_blue_ppm2 or 2.0,
            )
        return out

    def storyline(self, ctx: SimContext) -> list[SimEvent]:
        rng = self.rng(ctx, "storyline")
        places, span = ctx.places, ctx.span_s
        square = places.spot_near(rng, CHEN_YI_SQUARE, 30.0)
        stories = [
            Story(
                "mass_incident",
                0.3 * span,
                places.spot_near(rng, CHEN_YI_SQUARE, 150.0),
                CONTROL,
                ("field_team", "hotline_12345", "citizen_app"),
                [
                    (0.0, {"evacuated": 8000}),
                    (0.3 * span, {"evacuated": 26000}),
                    (0.5 * span, {"evacuated": 41000}),
                ],
            ),
            Story(
                "crowd_crush",
                0.45 * span,
                places.spot_near(rng, places.anchor("hp-metro-nanjing-rd-e"), 40.0),
                STATION,
                ("citizen_app", "field_team", "media"),
                [(0.0, {}), (0.45 * span, {})],
            ),
            Story(
                "crowd_crush",
                0.55 * span,
                square,
                FAINT,
                ("hotline_120",),
                [(0.0, {"injuries": 1}), (0.15 * span, {"injuries": 1})],
            ),
            Story(
                "crowd_crush",
                COUNTDOWN * span - 0.02 * span,
                square,
                SURGE,
                ("hotline_110", "citizen_app", "hotline_120", "field_team", "citizen_app", "media"),
                [
                    (0.0, {"injuries": 3}),
                    (0.08 * span, {"injuries": 12, "serious_injuries": 2}),
                    (0.18 * span, {"injuries": 21, "serious_injuries": 4}),
                    (0.26 * span, {"injuries": 24, "serious_injuries": 5}),
                ],
                spread_m=60.0,
                window_s=0.08 * span + 60.0,
            ),
        ]
        return [e for story in stories for e in emit_story(ctx, story, rng)]

    def background(self, ctx: SimContext, n: int) -> list[SimEvent]:
        def build_up(u: float) -> float:
            return 0.3 + 0.7 * min(1.0, u / COUNTDOWN)

        def draw(rng: random.Random) -> list[SimEvent]:
            if rng.random() < 0.35:
                return routine_reports(ctx, rng, lambda u: 1.0)
            anchor = ctx.places.anchor(rng.choice(CROWD_SPOTS))
            t = sample_time(rng, ctx.span_s, build_up)
            sources = (rng.choice(("hotline_110", "citizen_app", "citizen_app", "hotline_12345")),)
            story = Story(
                "crowd_crush", t, ctx.places.spot_near(rng, anchor, 300.0), CROWD_CALL, sources
            )
            return emit_story(ctx, story, rng)

        return fill(n, draw, self.rng(ctx, "background"))
