"""Realistic Shanghai reports, Chinese and English, with their expected type and level."""

import pytest

from pipeline.classify import classify_report, load_rulebook

A, N, P, S = "accident", "natural_disaster", "public_health", "social_safety"

# fmt: off
REPORTS = [
    # Chinese
    ("浦东新区张江镇一厂房发生火灾，现场浓烟滚滚，造成3名工人死亡，2人重伤。", "fire", A, 3),
    ("徐汇区某小区居民楼厨房燃气泄漏，未发现明火，无人员伤亡。", "gas_supply", A, 4),
    ("闵行区一化工厂发生爆炸并引发大火，已致12人死亡、56人重伤，直接经济损失约1.2亿元。",
     "explosion", A, 1),
    ("宝山区某在建工地脚手架坍塌，2名工人被困，其中1人经抢救无效死亡。", "construction", A, 4),
    ("静安区一商场电梯突发故障，5名乘客被困梯内，消防救援人员到场处置，没有人受伤。",
     "special_equipment", A, 4),
    ("延安高架上发生五车追尾交通事故，造成两人受伤。", "road_traffic", A, 4),
    ("地铁2号线南京东路站屏蔽门故障，大量乘客滞留站台。", "metro", A, 4),
    ("黄浦江上一艘货轮与渔船相撞，渔船沉没，3名船员失踪。", "shipping", A, 4),
    ("受台风“梅花”影响，浦东多处行道树倒伏，一棵大树倒下砸中停放车辆，无人员伤亡。",
     "fallen_tree", N, 4),
    ("暴雨导致松江区多条道路积水严重，部分下立交积水超过50厘米，车辆涉水熄火。",
     "waterlogging", N, 4),
    ("金山区某企业污水直排入河，河道出现大量死鱼，水体发黑发臭。", "environmental_pollution", A, 4),
    ("某小学120名学生午餐后出现呕吐腹泻症状，其中2人住院，疑似食物中毒。", "food_poisoning", P, 3),
    ("某工厂3名工人在清理污水井时发生硫化氢中毒，其中1人死亡。", "occupational_poisoning", P, 4),
    ("长宁区某幼儿园报告手足口病聚集性疫情，一周内发现病例12例。", "infectious_disease", P, 3),
    ("外滩观景平台人流密集发生踩踏，造成36人死亡、49人受伤。", "crowd_crush", S, 1),
    ("某理财公司资金链断裂，数百名投资人聚集讨要欠款。", "economic_security", S, 4),
    ("一名男子在虹口区街头持刀伤人，致3人受伤，嫌疑人已被控制。", "criminal_case", S, 4),
    ("崇明区某养殖场发现病死家禽，经检测确诊为H7N9禽流感。", "animal_epidemic", P, 4),
    ("普陀区多个小区突发大面积停电，约2万户居民受影响。", "power_supply", A, 4),
    ("杨浦区一供水管道爆管，周边多个小区停水。", "water_supply", A, 4),
    ("奉贤区海湾镇发生地面塌陷，一辆电动自行车坠入坑中，骑车人轻伤。", "subsidence", N, 4),
    ("受天文大潮和风暴潮叠加影响，黄浦公园潮位达4.98米，超过警戒潮位。", "storm_surge", N, 4),
    ("青浦区一居民楼起火，火势迅速蔓延，所幸无人员伤亡，但过火面积约200平方米。", "fire", A, 4),
    ("今天上午有市民反映小区门口有一只流浪猫。", "unclassified", None, 4),
    # English
    ("A fire broke out in a warehouse in Jiading; two workers were killed and 12 people injured.",
     "fire", A, 4),
    ("Residents smelled gas in a Xuhui apartment block; no fire was found and no one was hurt.",
     "gas_supply", A, 4),
    ("An explosion at a chemical plant in Jinshan killed 31 people and caused direct losses of "
     "CNY 150 million.", "explosion", A, 1),
    ("Scaffolding collapsed at a construction site in Baoshan, injuring three workers.",
     "construction", A, 4),
    ("Five passengers were stuck in an elevator at a Jing'an mall for 40 minutes; nobody was "
     "injured.", "special_equipment", A, 4),
    ("A truck rear-ended a bus on the Middle Ring Road, leaving 10 dead and 4 seriously injured.",
     "road_traffic", A, 2),
    ("A cargo ship and a fishing boat collided on the Huangpu River; three crew members are "
     "missing.", "shipping", A, 4),
    ("Typhoon In-Fa brought down a tree on Hengshan Road, which fell on a parked car. No "
     "injuries.", "fallen_tree", N, 4),
    ("Heavy rain left several underpasses in Songjiang waterlogged, with knee-deep water on the "
     "roads.", "waterlogging", N, 4),
    ("42 students fell ill with vomiting and diarrhoea after a school lunch in Minhang.",
     "food_poisoning", P, 4),
    ("A norovirus outbreak at a kindergarten: 35 confirmed cases within a week.",
     "infectious_disease", P, 2),
    ("A stampede at the Bund during New Year celebrations left 36 dead and 49 injured.",
     "crowd_crush", S, 1),
    ("A suspected terrorist attack: an explosive device went off near a shopping mall, "
     "killing 4.", "terrorist_attack", S, 3),
    ("Protesters blocked the gate of a factory in Jiading demanding unpaid wages.",
     "mass_incident", S, 4),
    ("A chlorine leak from a tanker truck forced the evacuation of 3,000 residents.",
     "hazardous_chemicals", A, 4),
    ("A crane collapsed at a construction site in Xuhui, killing 3 workers and seriously "
     "injuring 11.", "construction", A, 3),
    ("A Boeing 737 made an emergency landing at Pudong Airport after an engine failure.",
     "aviation", A, 4),
    ("A freight train derailed near Shanghai South Station; no injuries.", "rail", A, 4),
    ("Dengue fever cluster: 11 confirmed cases in Minhang within a week.",
     "infectious_disease", P, 3),
    ("Two foreign tourists went missing while hiking; their embassy has been informed.",
     "foreign_related", S, 4),
    ("A heatwave pushed temperatures to 40°C and 12 people were treated for heatstroke.",
     "heat", N, 4),
    ("Red tide observed along the coast of Jinshan.", "biological", N, 4),
    ("Someone reported a lost dog near the park.", "unclassified", None, 4),
]
# fmt: on


@pytest.mark.parametrize(("description", "type_", "category", "level"), REPORTS)
def test_realistic_report(description, type_, category, level):
    c = classify_report({"report_id": "r", "description": description}, load_rulebook())
    assert (c.type, c.category, c.level) == (type_, category, level), c.explanation["en"]


def test_sample_is_bilingual_and_covers_every_category():
    chinese = [r for r in REPORTS if any("\u4e00" <= ch <= "\u9fff" for ch in r[0])]
    assert len(chinese) >= 20 and len(REPORTS) - len(chinese) >= 20
    assert {r[2] for r in REPORTS} == {A, N, P, S, None}
