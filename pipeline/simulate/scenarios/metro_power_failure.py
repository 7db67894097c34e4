"""``metro_power_failure``: Line 2 loses traction power in the evening rush hour.

A traction-power fault stops Line 2 between East Nanjing Road and Lujiazui, with a train
held in the tunnel under the Huangpu. Reports: passengers trapped and then led out along
the tunnel (evacuated and injured counts rising in follow-ups), a passenger fainting in the
heat, platforms closed and metered at the Line 2 interchanges, bus bridging, and many
passenger calls from the stations; the Nanjing Road crowd counter rises as the stations
empty onto the street. The city's everyday incidents continue.
"""

from __future__ import annotations

import random

from pipeline.simulate.background import fill, routine_reports, sample_time
from pipeline.simulate.events import SimContext, SimEvent
from pipeline.simulate.scenario import Scenario
from pipeline.simulate.sensors import Stream, crowd_stream
from pipeline.simulate.stories import Story, Texts, emit_story

FAULT_AT = 0.1
COUNTER = "cc-nanjing-road"
LINE2 = (
    "hp-metro-peoples-square",
    "hp-metro-nanjing-rd-e",
    "ja-metro-jingan-temple",
    "cn-metro-zhongshan-park",
    "pd-metro-lujiazui",
    "pd-metro-century-avenue",
    "mh-metro-hongqiao-station",
)

TUNNEL = Texts(
    caller=(
        "我在2号线列车上，车停在南京东路到陆家嘴的隧道里快二十分钟了，灯也暗了，车厢里很闷。",
        "地铁2号线停在江底隧道里不动了，广播说供电故障，有人身体不舒服，{counts_zh}。",
        "Line 2 train stuck in the tunnel under the river between East Nanjing Road and Lujiazui, "
        "no power, very hot.",
    ),
    official=(
        "地铁运营：2号线南京东路站至陆家嘴站区间接触网失电，一列车停于区间隧道，正组织乘客疏散，{counts_zh}。",
        "Metro operations: traction power lost on Line 2 between East Nanjing Road and Lujiazui; "
        "a train is held in the tunnel; {counts_en}.",
    ),
    followup=(
        "续报：2号线区间滞留列车乘客经隧道疏散通道撤出，{counts_zh}。",
        "Update on the Line 2 power failure: {counts_en}; passengers led out along the tunnel "
        "walkway.",
    ),
    media=(
        "【突发】上海地铁2号线因供电设备故障部分区段停运，{counts_zh}，请乘客选择其他出行方式。",
        "Shanghai Metro Line 2 partly suspended after a power failure; {counts_en}.",
    ),
)
FAINT = Texts(
    caller=("2号线列车车厢里有位老人晕倒了，车厢没有空调，快叫救护车！",),
    official=("120急救：地铁陆家嘴站接收一名在停运列车中晕厥的乘客，{counts_zh}。",),
    followup=("续报：晕厥乘客已送东方医院，{counts_zh}。",),
)
PLATFORM = Texts(
    caller=(
        "{place}站台上全是人，2号线一直不来，出站口也堵住了。",
        "The platform at {place_en} is packed, Line 2 has stopped and nobody is telling us "
        "anything.",
    ),
    official=("{place}实施客流控制，2号线站台暂停进站，{counts_zh}。",),
    followup=("续报：{place}客流已疏散，{counts_zh}。",),
)
BRIDGING = Texts(
    caller=("2号线停了，{place}门口有没有接驳公交？",),
    official=(
        "交通部门启动公交接驳：{place}至陆家嘴方向加开短驳线路，{counts_zh}。",
        "Bus bridging started at {place_en} while Line 2 is suspended; {counts_en}.",
    ),
    followup=("续报：公交接驳持续运行，{counts_zh}。",),
)
PASSENGER = Texts(
    caller=(
        "2号线什么时候恢复？我在{place}等了半个小时了。",
        "{place}出站口人太多，扶梯已经停了，大家挤在楼梯上。",
        "I'm stuck at {place_en}; Line 2 isn't running. Is there a shuttle bus?",
        "{place}这边打不到车，地铁也停了，很多人站在{road}路边。",
    ),
    official=("{place}站务人员正在引导乘客出站换乘。",),
    followup=("续报：{place}秩序正常。",),
)


class MetroPowerFailure(Scenario):
    """Line 2 power failure: trapped train, crowded stations, bus bridging."""

    name = "metro_power_failure"
    title = "地铁停电 Metro Line 2 power failure"
    default_rate = 4.0
    default_time_scale = 30.0

    def streams(self, ctx: SimContext) -> dict[str, Stream]:
        entry = ctx.sensor(COUNTER)

        def density(t: float) -> float:
            u = t / ctx.span_s
            surge = 0.0 if u < FAULT_AT else min(1.0, (u - FAULT_AT) / 0.4)
            return 1.1 + 2.4 * surge

        return {COUNTER: crowd_stream(entry, density, alarm_at=entry.density_blue_ppm2)}

    def storyline(self, ctx: SimContext) -> list[SimEvent]:
        rng = self.rng(ctx, "storyline")
        places, span = ctx.places, ctx.span_s
        t0 = FAULT_AT * span
        stories = [
            Story(
                "metro",
                t0,
                places.spot_near(rng, places.anchor("pd-metro-lujiazui"), 500.0),
                TUNNEL,
                (
                    "citizen_app",
                    "hotline_110",
                    "field_team",
                    "hotline_12345",
                    "citizen_app",
                    "media",
                ),
                [
                    (0.0, {}),
                    (0.15 * span, {"evacuated": 800, "injuries": 2}),
                    (0.35 * span, {"evacuated": 2600, "injuries": 5}),
                    (0.6 * span, {"evacuated": 6100, "injuries": 9, "serious_injuries": 1}),
                ],
                window_s=0.1 * span + 120.0,
            ),
            Story(
                "metro",
                t0 + 0.2 * span,
                places.spot_near(rng, places.anchor("pd-metro-lujiazui"), 60.0),
                FAINT,
                ("hotline_120",),
                [(0.0, {"injuries": 1}), (0.15 * span, {"injuries": 1, "serious_injuries": 1})],
            ),
            Story(
                "power_supply",
                t0 + 0.35 * span,
                places.spot_near(rng, places.anchor("hp-metro-peoples-square"), 200.0),
                BRIDGING,
                ("field_team", "hotline_12345"),
                [(0.0, {"evacuated": 1500}), (0.3 * span, {"evacuated": 7800})],
            ),
        ]
        for i, station in enumerate(LINE2[:5]):
            stories.append(
                Story(
                    "metro",
                    t0 + (0.05 + 0.05 * i) * span,
                    places.spot_near(rng, places.anchor(station), 80.0),
                    PLATFORM,
                    ("citizen_app", "field_team"),
                    [
                        (0.0, {"evacuated": 300 + 100 * i}),
                        (0.3 * span, {"evacuated": 1200 + 300 * i}),
                    ],
                )
            )
        return [e for story in stories for e in emit_story(ctx, story, rng)]

    def background(self, ctx: SimContext, n: int) -> list[SimEvent]:
        def after_fault(u: float) -> float:
            return 1.0 if u > FAULT_AT else 0.02

        def draw(rng: random.Random) -> list[SimEvent]:
            if rng.random() < 0.4:
                return routine_reports(ctx, rng, lambda u: 1.0)
            anchor = ctx.places.anchor(rng.choice(LINE2))
            t = sample_time(rng, ctx.span_s, after_fault)
            sources = (rng.choice(("citizen_app", "citizen_app", "hotline_12345", "hotline_110")),)
            story = Story("metro", t, ctx.places.spot_near(rng, anchor, 150.0), PASSENGER, sources)
            return emit_story(ctx, story, rng)

        return fill(n, draw, self.rng(ctx, "background"))
