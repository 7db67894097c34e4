"""``chemical_leak``: a propylene leak in the Jinshan part of the Shanghai Chemical
Industry Park.

The park's gas detector climbs from background through the first (25 %LEL) and second
(50 %LEL) alarm points and, once alarmed, reports every 10 s; it falls back after the leak
is sealed. Reports: the enterprise's 119 call and the duplicates from 110, 120, 12345, the
hazmat team and the media; follow-ups with rising casualties and evacuation counts;
village evacuations around the park; the hospital receiving the injured; and, as the
plume drifts, odour complaints from the towns downwind, on top of the city's everyday
incidents.
"""

from __future__ import annotations

import math
import random

from pipeline.simulate.background import fill, routine_reports, sample_time
from pipeline.simulate.events import SimContext, SimEvent
from pipeline.simulate.places import Anchor
from pipeline.simulate.scenario import Scenario
from pipeline.simulate.sensors import Stream
from pipeline.simulate.stories import Story, Texts, emit_story

DETECTOR = "gd-jinshan-chem-park-01"
#: the leaking tank farm, beside the park's detector (WGS-84, Jinshan)
SITE = Anchor(
    "scip-jinshan-tank-farm",
    "hazchem_enterprise",
    "上海化学工业区金山片区储罐区",
    "Shanghai Chemical Industry Park (Jinshan) tank farm",
    30.8185,
    121.3985,
    "310116",
)
#: villages and towns around the park (WGS-84, Jinshan), for evacuations and odour calls
NEIGHBOURS = (
    Anchor("jinshan-caojing", "community", "漕泾镇", "Caojing town", 30.8030, 121.4050, "310116"),
    Anchor("jinshan-shanyang", "community", "山阳镇", "Shanyang town", 30.7900, 121.3600, "310116"),
    Anchor("jinshan-tinglin", "community", "亭林镇", "Tinglin town", 30.8830, 121.3200, "310116"),
    Anchor("jinshan-zhujing", "community", "朱泾镇", "Zhujing town", 30.8980, 121.1700, "310116"),
)
LEAK_AT = 0.12
SEALED_AT = 0.72
PEAK_PCT_LEL = 64.0

LEAK = Texts(
    caller=(
        "化工区{place}一个储罐法兰泄漏，白雾一样的气体在扩散，有工人倒地，{counts_zh}，请求支援！",
        "金山化工区这边闻到很浓的刺激性气味，厂里警报一直在响，有人被抬出来了。",
        "Gas leak at a storage tank in the Jinshan chemical park; a vapour cloud is spreading, "
        "{counts_en}.",
    ),
    official=(
        "危化品救援队到场：{place}丙烯储罐法兰泄漏，现场可燃气体浓度超过报警值，已设警戒区，{counts_zh}。",
        "Hazmat team on scene at the {place_en}: propylene leaking from a tank flange, exclusion "
        "zone set up; {counts_en}.",
    ),
    followup=(
        "续报：化工区丙烯泄漏事故{counts_zh}，伤者已送金山医院救治，泄漏点正在堵漏。",
        "续报：{place}泄漏区域发生闪燃，{counts_zh}，周边企业已停产。",
        "Update on the Jinshan chemical park leak: {counts_en}; the leak is being sealed.",
    ),
    media=(
        "【突发】上海化学工业区金山片区一储罐发生泄漏，{counts_zh}，周边居民正在疏散。",
        "Breaking: gas leak at a chemical park in Shanghai's Jinshan district; {counts_en}.",
    ),
)
EVACUATION = Texts(
    caller=("{place}村委会广播让我们撤离，说化工区漏气了，往哪里走？地址{address}。",),
    official=(
        "{place}组织群众紧急转移，{counts_zh}，安置点设在镇中学体育馆。",
        "{place_en} evacuating residents downwind of the park; {counts_en}.",
    ),
    followup=("续报：{place}转移安置持续进行，{counts_zh}。",),
)
HOSPITAL = Texts(
    caller=("120调度：复旦大学附属金山医院已接收化工区泄漏事故伤员，{counts_zh}。",),
    official=("金山医院急诊报告：已接收吸入性损伤及冻伤伤员，{counts_zh}，正在抢救。",),
    followup=("续报：金山医院收治化工区伤员{counts_zh}。",),
)
ODOUR = Texts(
    caller=(
        "{road}这边空气里有股很冲的化学品味道，眼睛有点疼，是不是化工区出事了？",
        "{place}附近闻到刺鼻气味，家里老人咳嗽，请问要不要关窗撤离？",
        "Strong chemical smell on {road_en}, my eyes are stinging. Is it the chemical park?",
    ),
    official=("环境监测车在{place}附近测得VOCs浓度升高，已提醒居民关闭门窗。",),
    followup=("续报：{place}附近异味已减轻，监测数据回落。",),
)


class ChemicalLeak(Scenario):
    """A propylene leak in the Jinshan chemical park: gas detector, casualties, evacuations."""

    name = "chemical_leak"
    title = "危化品泄漏 Hazardous-chemical leak, Jinshan"
    default_rate = 4.0
    default_time_scale = 10.0

    def gas(self, ctx: SimContext, t: float) -> float:
        """%LEL at the detector at simulated time ``t``."""
        span = ctx.span_s
        start, sealed = LEAK_AT * span, SEALED_AT * span
        if t < start:
            return 0.0
        rise = PEAK_PCT_LEL * (1.0 - math.exp(-(min(t, sealed) - start) / (0.12 * span)))
        if t <= sealed:
            return rise
        return rise * math.exp(-(t - sealed) / (0.08 * span))

    def streams(self, ctx: SimContext) -> dict[str, Stream]:
        entry = ctx.sensor(DETECTOR)

        def value(t: float, interval: int, rng: random.Random) -> float:
            return max(0.0, self.gas(ctx, t) * rng.uniform(0.85, 1.15) + abs(rng.gauss(0.8, 0.5)))

        return {DETECTOR: Stream(value, alarm_at=entry.first_alarm_pct_lel, gap_chance=0.1)}

    def storyline(self, ctx: SimContext) -> list[SimEvent]:
        rng = self.rng(ctx, "storyline")
        places, span = ctx.places, ctx.span_s
        t0 = LEAK_AT * span + 0.05 * span
        stories = [
            Story(
                "hazardous_chemicals",
                t0,
                places.spot_near(rng, SITE, 80.0),
                LEAK,
                (
                    "hotline_119",
                    "hotline_110",
                    "hotline_120",
                    "field_team",
                    "hotline_12345",
                    "media",
                ),
                [
                    (0.0, {"injuries": 2}),
                    (0.12 * span, {"injuries": 5, "serious_injuries": 1, "evacuated": 300}),
                    (
                        0.3 * span,
                        {"deaths": 1, "injuries": 11, "serious_injuries": 3, "evacuated": 1800},
                    ),
                    (
                        0.5 * span,
                        {"deaths": 2, "injuries": 16, "serious_injuries": 4, "evacuated": 4200},
                    ),
                    (
                        0.65 * span,
                        {"deaths": 3, "injuries": 19, "serious_injuries": 5, "evacuated": 4600},
                    ),
                ],
                window_s=0.08 * span + 120.0,
            ),
            Story(
                "hazardous_chemicals",
                t0 + 0.2 * span,
                places.spot_near(rng, places.anchor("js-hosp-jinshan"), 60.0),
                HOSPITAL,
                ("hotline_120", "field_team"),
                [
                    (0.0, {"injuries": 6, "serious_injuries": 1}),
                    (0.3 * span, {"injuries": 14, "serious_injuries": 4}),
                ],
            ),
        ]
        for i, village in enumerate(NEIGHBOURS[:3]):
            people = (600, 1500, 900)[i]
            stories.append(
                Story(
                    "hazardous_chemicals",
                    t0 + (0.1 + 0.08 * i) * span,
                    places.spot_near(rng, village, 600.0),
                    EVACUATION,
                    ("field_team", "hotline_12345"),
                    [(0.0, {"evacuated": people // 3}), (0.2 * span, {"evacuated": people})],
                )
            )
        return [e for story in stories for e in emit_story(ctx, story, rng)]

    def background(self, ctx: SimContext, n: int) -> list[SimEvent]:
        span = ctx.span_s

        def plume(u: float) -> float:
            return 1.0 if u > LEAK_AT + 0.1 else 0.05

        def draw(rng: random.Random) -> list[SimEvent]:
            if rng.random() < 0.5:
                return routine_reports(ctx, rng, lambda u: 1.0)
            t = sample_time(rng, span, plume)
            town = rng.choice(NEIGHBOURS)
            sources = (rng.choice(("hotline_12345", "citizen_app", "hotline_110")),)
            story = Story(
                "environmental_pollution",
                t,
                ctx.places.spot_near(rng, town, 1500.0),
                ODOUR,
                sources,
            )
            return emit_story(ctx, story, rng)

        return fill(n, draw, self.rng(ctx, "background"))
