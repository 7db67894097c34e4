"""``typhoon``: a typhoon with a rainstorm over Shanghai.

Rain gauges rise across districts to peaks of about 50-70 mm/h (a 60-second run at the
default time scale covers an hour, enough for the Shanghai 1 h >= 35 mm blue and, at the
wetter gauges, the >= 50 mm yellow criterion); Huangpu tide stations climb with the spring
tide and the storm surge towards and past their warning levels (Huangpu Park 4.55 m);
anemometers report mean wind and gusts up to force 11-12. Reports: flooded underpasses,
fallen trees, a billboard blown down, an old neighbourhood evacuated, coastal evacuation on
Chongming and seepage at the Bund flood wall, on top of city-wide waterlogging and
fallen-tree calls that follow the rain.
"""

from __future__ import annotations

import random

from pipeline.simulate.background import fill, routine_story, sample_time
from pipeline.simulate.events import SimContext, SimEvent
from pipeline.simulate.places import Spot
from pipeline.simulate.scenario import Scenario
from pipeline.simulate.sensors import Stream, rain, tide
from pipeline.simulate.stories import Counts, Story, Texts, emit_story
from pipeline.simulate.texts import FALLEN_TREE, WATERLOGGING, extra_slots

#: rain gauge -> peak rain rate in mm/h
RAIN_PEAKS = {
    "rg-huangpu-renmin-square": 62.0,
    "rg-xuhui-xujiahui": 58.0,
    "rg-pudong-lujiazui": 52.0,
    "rg-minhang-hongqiao": 68.0,
}
#: tide station -> (mean m, amplitude m, storm surge m, high water s before the end)
TIDES = {
    "wl-huangpu-park": (2.55, 1.55, 0.55, 600.0),
    "wl-wusongkou": (2.45, 1.75, 0.60, 3000.0),
    "wl-mishidu": (2.95, 0.30, 0.35, -7200.0),
}
#: anemometer -> (mean wind before the storm m/s, added at its height m/s, gust factor)
WINDS = {"an-baoshan-wusong": (11.0, 13.0, 1.4), "an-pudong-lujiazui": (8.0, 10.0, 1.5)}
CORE_S = 3 * 3600.0

UNDERPASS = Texts(
    caller=(
        "{road}下立交积水很深，一辆出租车熄火被困在水里，车里还有人，快来救援！",
        "{place}附近下立交被淹，水已经没过车窗，有人爬到车顶上了。",
        "A taxi is stuck in the flooded underpass on {road_en}, water up to the windows, people "
        "inside!",
    ),
    official=(
        "{district}{road}下立交积水约1.2米，一辆出租车被困，消防救援人员正在涉水救援，{counts_zh}。",
    ),
    followup=(
        "续报：{road}下立交被困车辆人员已全部救出，{counts_zh}，下立交已封闭。",
        "Update: everyone in the {road_en} underpass has been rescued; {counts_en}. Underpass "
        "closed.",
    ),
    media=("暴雨致{district}{road}下立交严重积水，一辆出租车被困，消防紧急救援。",),
)
OLD_QUARTER = Texts(
    caller=(
        "我们这片老房子进水了，水已经到床沿，老人走不动，{address}。",
        "{road}一带旧里弄积水倒灌进屋，很多居民需要转移。",
        "Water is pouring into the old lane houses on {road_en}; elderly residents need help "
        "getting out.",
    ),
    official=("{district}{road}旧里积水倒灌，街道组织转移安置，{counts_zh}。",),
    followup=(
        "续报：{road}旧里转移安置工作持续进行，{counts_zh}，已开放{place}附近避难场所。",
        "Update from {road_en}: {counts_en}; residents moved to the shelter near {place_en}.",
    ),
)
BILLBOARD = Texts(
    caller=(
        "{road}上一块大广告牌被风吹下来砸到人了，{counts_zh}，快叫救护车！",
        "A large billboard was blown off a building on {road_en} and hit pedestrians; {counts_en}.",
    ),
    official=("{district}{road}一户外广告牌被大风吹落，砸中行人，{counts_zh}，现场已拉警戒。",),
    followup=(
        "续报：{road}广告牌坠落事故{counts_zh}，全区户外广告设施正在排查加固。",
        "Update on the billboard collapse on {road_en}: {counts_en}.",
    ),
    media=("大风致{district}{road}户外广告牌坠落砸中行人，{counts_zh}。",),
)
COAST = Texts(
    caller=("海堤外侧还有渔船和养殖户没撤回来，{address}，风浪越来越大。",),
    official=(
        "{district}沿海乡镇落实防台措施，海堤外人员和渔船全部撤离，{counts_zh}。",
        "Coastal towns of {district_en} evacuating residents outside the seawall; {counts_en}.",
    ),
    followup=(
        "续报：{district}防台转移安置持续进行，{counts_zh}，渔船全部回港避风。",
        "Update from {district_en}: {counts_en}; all fishing boats back in port.",
    ),
)
FLOOD_WALL = Texts(
    caller=("{road}这边防汛墙根部往外渗水，江水快漫上来了，{place}附近。",),
    official=("黄浦江高潮位期间{road}防汛墙出现渗水点，防汛抢险队正在封堵，{counts_zh}。",),
    followup=("续报：{road}防汛墙渗水点已封堵，沿江步道临时封闭，{counts_zh}。",),
)


class Typhoon(Scenario):
    """A typhoon with a rainstorm: rain, tide, wind, and the city's calls."""

    name = "typhoon"
    title = "台风暴雨 Typhoon with rainstorm"
    default_rate = 10.0
    default_time_scale = 60.0

    def storm(self, ctx: SimContext, t: float) -> float:
        """Storm strength 0-1 at simulated time ``t``: rising to its height at 45 % of the
        core (the last three hours at most), easing towards the end."""
        core = min(ctx.span_s, CORE_S)
        u = (t - 0.55 * (ctx.span_s - core)) / core
        if u < 0.0:
            return 0.25 if ctx.span_s <= CORE_S else 0.2
        if u <= 0.45:
            return 0.25 + 0.75 * u / 0.45
        if u <= 0.8:
            return 1.0
        return max(0.35, 1.0 - 0.3 * (u - 0.8) / 0.2)

    def streams(self, ctx: SimContext) -> dict[str, Stream]:
        rng = self.rng(ctx, "streams")
        out: dict[str, Stream] = {}
        for sensor_id, peak in RAIN_PEAKS.items():
            peak *= rng.uniform(0.95, 1.15)
            out[sensor_id] = Stream(rain(lambda t, p=peak: p * self.storm(ctx, t)), gap_chance=0.3)
        for sensor_id, (mean, amp, surge, before) in TIDES.items():
            high = ctx.span_s - before
            extra = lambda t, s=surge: s * (0.4 + 0.6 * self.storm(ctx, t))  # noqa: E731
            out[sensor_id] = Stream(tide(mean, amp, high, extra), decimals=2, gap_chance=0.15)
        for sensor_id, (calm, rise, factor) in WINDS.items():
            mean = lambda t, c=calm, r=rise: c + r * self.storm(ctx, t)  # noqa: E731
            out[sensor_id] = Stream(
                lambda t, i, r, m=mean: max(0.5, m(t) + r.gauss(0.0, 1.2)),
                gust=lambda t, i, r, m=mean, f=factor: m(t) * f + abs(r.gauss(0.0, 2.0)),
            )
        return out

    def storyline(self, ctx: SimContext) -> list[SimEvent]:
        rng = self.rng(ctx, "storyline")
        places, span = ctx.places, ctx.span_s
        stories = [
            Story(
                "storm_surge",
                0.08 * span,
                places.spot_near(rng, places.anchor("cm-boat-nanmen"), 800.0),
                COAST,
                ("field_team", "hotline_12345", "media"),
                [
                    (0.0, {"evacuated": 1200}),
                    (0.3 * span, {"evacuated": 5600}),
                    (0.6 * span, {"evacuated": 12800}),
                ],
            ),
            Story(
                "fallen_tree",
                0.25 * span,
                places.spot_near(rng, places.anchor("ja-metro-jingan-temple"), 300.0),
                FALLEN_TREE,
                ("hotline_110", "citizen_app", "hotline_12345", "field_team"),
                [(0.0, {"injuries": 1}), (0.2 * span, {"injuries": 2, "serious_injuries": 1})],
            ),
            Story(
                "waterlogging",
                0.33 * span,
                places.spot_near(rng, places.anchor("xh-pump-longhua"), 400.0),
                UNDERPASS,
                ("hotline_110", "hotline_119", "citizen_app", "field_team", "media"),
                [(0.0, {}), (0.25 * span, {"injuries": 2, "evacuated": 6})],
            ),
            Story(
                "waterlogging",
                0.42 * span,
                places.spot_near(rng, places.anchor("hk-shelter-heping-park"), 500.0),
                OLD_QUARTER,
                ("hotline_12345", "citizen_app", "field_team"),
                [
                    (0.0, {"evacuated": 60}),
                    (0.2 * span, {"evacuated": 340}),
                    (0.4 * span, {"evacuated": 910}),
                ],
            ),
            Story(
                "gale",
                0.5 * span,
                places.spot_near(rng, places.anchor("pd-metro-century-avenue"), 300.0),
                BILLBOARD,
                ("hotline_110", "hotline_120", "citizen_app", "field_team", "media"),
                [
                    (0.0, {"injuries": 2}),
                    (0.2 * span, {"deaths": 1, "injuries": 3, "serious_injuries": 1}),
                ],
            ),
            Story(
                "storm_surge",
                0.72 * span,
                places.spot_near(rng, places.anchor("hp-boat-bund"), 200.0),
                FLOOD_WALL,
                ("hotline_12345", "field_team"),
                [(0.0, {}), (0.15 * span, {"evacuated": 0})],
            ),
        ]
        for story in stories:
            story.slots.update(extra_slots(rng))
        return [e for story in stories for e in emit_story(ctx, story, rng)]

    def background(self, ctx: SimContext, n: int) -> list[SimEvent]:
        def weight(u: float) -> float:
            return 0.3 + 0.7 * self.storm(ctx, u * ctx.span_s)

        def draw(rng: random.Random) -> list[SimEvent]:
            t = sample_time(rng, ctx.span_s, weight)
            spot = ctx.places.spot(rng, ctx.places.pick_district(rng).code)
            roll = rng.random()
            if roll < 0.5:
                story = _weather_story(rng, t, spot, "waterlogging", WATERLOGGING)
            elif roll < 0.8:
                story = _weather_story(rng, t, spot, "fallen_tree", FALLEN_TREE)
            else:
                story = routine_story(
                    ctx, rng, t, rng.choice(("road_traffic", "special_equipment"))
                )
            return emit_story(ctx, story, rng)

        return fill(n, draw, self.rng(ctx, "background"))


def _weather_story(rng: random.Random, t: float, spot: Spot, kind: str, texts: Texts) -> Story:
    callers = ["hotline_12345", "hotline_110", "citizen_app"]
    sources = tuple(rng.sample(callers, rng.randint(1, 3)))
    if rng.random() < 0.3:
        sources += ("field_team",)
    counts: list[tuple[float, Counts]] = [(0.0, {})]
    if rng.random() < 0.15:
        counts.append((rng.uniform(900.0, 2400.0), {"injuries": rng.randint(1, 2)}))
    return Story(kind, t, spot, texts, sources, counts, extra_slots(rng))
