"""``food_poisoning_schools``: a food-poisoning cluster across schools served by one caterer.

Students of four schools that take lunch from the same meal-delivery company fall ill in
the early afternoon. Each school is reported by 120, worried parents (12345, the citizen
app) and the district CDC team, with the counts of ill and hospitalised students rising in
follow-ups; the municipal CDC then links the schools to the caterer and reports the
cluster's total. The city's everyday incidents continue in the background.
"""

from __future__ import annotations

import random

from pipeline.simulate.background import fill, routine_reports
from pipeline.simulate.events import SimContext, SimEvent
from pipeline.simulate.places import Anchor
from pipeline.simulate.scenario import Scenario
from pipeline.simulate.stories import Counts, Story, Texts, emit_story

CATERER = Anchor(
    "xh-sample-caterer",
    "other",
    "沪南示例餐饮配送有限公司",
    "Hunan Sample Catering Co.",
    31.1650,
    121.4420,
    "310104",
)
PRIMARY = Anchor(
    "xh-sample-primary",
    "school",
    "徐汇区示例实验小学",
    "Xuhui Sample Experimental Primary School",
    31.1850,
    121.4450,
    "310104",
)
#: school -> (ill students at the peak, hospitalised at the peak, first report in the run)
SCHOOLS = {
    "hp-school-gezhi": (46, 14, 0.08),
    "xh-school-shanghai-high": (63, 19, 0.12),
    "cn-school-yanan": (28, 6, 0.18),
    "xh-sample-primary": (37, 11, 0.22),
}
STEPS = (0.2, 0.5, 0.8, 1.0)

SCHOOL = Texts(
    caller=(
        "{place}好几个学生午饭后上吐下泻，{affected}名学生出现呕吐、腹泻症状，已叫救护车。",
        "我是{place}的家长，孩子说班里很多同学中午吃完饭肚子疼，老师也在送医院。",
        "My child's school, {place_en}, says many students are vomiting after lunch. What is "
        "going on?",
    ),
    official=(
        "区疾控中心报告：{place}午餐后{affected}名学生出现恶心、呕吐、腹泻等症状，其中{injuries}人住院观察，已对食品留样封存送检。",
        "District CDC at {place_en}: {affected} students showed symptoms of vomiting and "
        "diarrhoea after lunch, {injuries} of them in hospital; food samples sealed.",
    ),
    followup=(
        "续报：{place}已有{affected}名学生出现呕吐、腹泻症状，{injuries}人住院治疗，病情总体平稳。",
        "续报：{place}共{affected}名学生出现胃肠道症状，{injuries}人住院，个别学生病情较重。",
        "Update from {place_en}: {affected} students have fallen ill, {injuries} of them admitted "
        "to hospital.",
    ),
    media=(
        "{district}一所学校多名学生午餐后出现呕吐腹泻症状，{affected}名学生送医，疾控部门已介入调查。",
    ),
)
CLUSTER = Texts(
    caller=("听说好几所学校的午饭都是{place}送的，孩子学校也有人吃坏肚子了。",),
    official=(
        "市疾控中心通报：4所中小学午餐后共{affected}名学生出现胃肠道症状，均由{place}配送午餐，"
        "已责令该企业停业，留样送检。",
        "Municipal CDC: {affected} students at four schools fell ill after lunches delivered by "
        "{place_en}; the caterer has been shut pending tests.",
    ),
    followup=(
        "续报：学校食物中毒聚集性事件累计{affected}人发病，{injuries}人住院，无死亡病例。",
        "Update on the school food-poisoning cluster: cases rose to {affected}; {injuries} in "
        "hospital, no deaths.",
    ),
    media=(
        "【关注】本市多所学校学生午餐后集体出现不适，涉事配餐企业已被查封，累计{affected}人发病。",
    ),
)


class FoodPoisoningSchools(Scenario):
    """A food-poisoning cluster across four schools served by one caterer."""

    name = "food_poisoning_schools"
    title = "学校食物中毒 Food-poisoning cluster in schools"
    default_rate = 2.0
    default_time_scale = 120.0

    def storyline(self, ctx: SimContext) -> list[SimEvent]:
        rng = self.rng(ctx, "storyline")
        places, span = ctx.places, ctx.span_s
        events: list[SimEvent] = []
        for school_id, (ill, hospital, first) in SCHOOLS.items():
            anchor = PRIMARY if school_id == PRIMARY.id else places.anchor(school_id)
            counts = [(step * 0.45 * span, _school_counts(ill, hospital, step)) for step in STEPS]
            counts[0] = (0.0, counts[0][1])
            story = Story(
                "food_poisoning",
                first * span,
                places.spot_near(rng, anchor, 50.0),
                SCHOOL,
                ("hotline_120", "hotline_12345", "citizen_app", "field_team"),
                counts,
                window_s=0.06 * span + 300.0,
            )
            if school_id == "xh-school-shanghai-high":
                story.sources += ("media",)
            events += emit_story(ctx, story, rng)
        total = [
            sum(_school_counts(v[0], v[1], s)["affected"] for v in SCHOOLS.values())
            for s in STEPS[1:]
        ]
        beds = [
            sum(_school_counts(v[0], v[1], s)["injuries"] for v in SCHOOLS.values())
            for s in STEPS[1:]
        ]
        cluster = Story(
            "food_poisoning",
            0.4 * span,
            places.spot_near(rng, CATERER, 40.0),
            CLUSTER,
            ("field_team", "media", "hotline_12345"),
            [
                (0.0, {"affected": total[0], "injuries": beds[0]}),
                (0.2 * span, {"affected": total[1], "injuries": beds[1]}),
                (0.35 * span, {"affected": total[2], "injuries": beds[2]}),
            ],
        )
        return events + emit_story(ctx, cluster, rng)

    def background(self, ctx: SimContext, n: int) -> list[SimEvent]:
        def draw(rng: random.Random) -> list[SimEvent]:
            return routine_reports(ctx, rng, lambda u: 1.0)

        return fill(n, draw, self.rng(ctx, "background"))


def _school_counts(ill: int, hospital: int, step: float) -> Counts:
    counts: Counts = {"affected": max(3, round(ill * step)), "injuries": round(hospital * step)}
    if step >= 0.8:
        counts["serious_injuries"] = 1
    return counts
