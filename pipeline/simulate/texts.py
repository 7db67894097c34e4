"""Report templates of everyday incidents, in Chinese and English, by who speaks.

Callers (hotlines, the citizen app) describe what they see; field teams report in the
terse official style; media write news sentences; follow-ups bring new head counts. The
slots are those of :class:`pipeline.simulate.stories.Texts`.
"""

from __future__ import annotations

import random

from pipeline.simulate.stories import Texts

ROAD_TRAFFIC = Texts(
    caller=(
        "{road}靠近{place}这里两辆车撞了，有人躺在地上，{counts_zh}，快来人。",
        "{road}路口一辆电动自行车和轿车相撞，骑车人倒地不起。",
        "{district}{road}上一辆渣土车和小客车追尾，车头都变形了，{counts_zh}。",
        "Car crash on {road_en} near {place_en}, two cars collided, {counts_en}.",
        "A delivery scooter was hit by a bus on {road_en}; the rider is not moving.",
    ),
    official=(
        "{road}近{place}发生一起两车碰撞事故，{counts_zh}，交警已到场处置，现场单向通行。",
        "Traffic police on scene at {road_en} ({district_en}): two-vehicle collision, {counts_en}.",
    ),
    followup=(
        "续报：{road}交通事故{counts_zh}，伤者已送医救治。",
        "Update on the {road_en} collision: {counts_en}; the injured were taken to hospital.",
    ),
    media=("【突发】{district}{road}发生交通事故，{counts_zh}，途经车辆请绕行。",),
)

FIRE = Texts(
    caller=(
        "{road}{place}旁边一栋居民楼冒黑烟，好像是三楼着火了，{counts_zh}。",
        "我家楼下电动车在楼道里充电起火了，烟很大，地址{address}。",
        "{place}附近一家饭店后厨着火，火苗窜出来了，快派消防车！",
        "Fire in a residential building on {road_en} near {place_en}, thick smoke from the 5th "
        "floor.",
        "Smoke pouring out of a restaurant kitchen on {road_en}, {counts_en}.",
    ),
    official=(
        "{district}{road}一居民楼发生火灾，消防救援站已出动{engines}辆消防车，{counts_zh}。",
        "Fire crews at {road_en}, {district_en}: residential fire, {engines} engines deployed, "
        "{counts_en}.",
    ),
    followup=(
        "续报：{road}火灾明火已扑灭，{counts_zh}，直接经济损失约{loss_zh}，起火原因正在调查。",
        "Update: the fire on {road_en} is out; {counts_en}; estimated loss {loss_en}.",
    ),
    media=("{district}{road}一居民楼起火，浓烟滚滚，消防已到场扑救，{counts_zh}。",),
)

GAS_SUPPLY = Texts(
    caller=(
        "{road}{place}附近小区里燃气味很重，怀疑燃气管道泄漏。",
        "楼道里一股煤气味，邻居家敲门没人应，地址{address}。",
        "Strong smell of gas on {road_en} near {place_en}, we think a pipe is leaking.",
    ),
    official=(
        "燃气抢修队已到{road}现场，确认中压管道泄漏，已关阀并疏散周边居民，{counts_zh}。",
        "Gas utility crew at {road_en}: leaking pipe isolated, {counts_en}.",
    ),
    followup=("续报：{road}燃气泄漏已处置完毕，{counts_zh}，管道修复中。",),
)

LIFT = Texts(
    caller=(
        "{road}{place}旁边写字楼电梯困人，里面有老人，电梯卡在十几楼之间。",
        "小区电梯突然停了，我们三个人被困在里面，地址{address}。",
        "People trapped in a lift in an office tower on {road_en}, near {place_en}.",
    ),
    official=("{district}{road}一电梯困人，消防与维保人员已到场，{counts_zh}。",),
    followup=("续报：{road}电梯困人已解救，{counts_zh}。",),
)

WATER_MAIN = Texts(
    caller=(
        "{road}上水管爆了，马路上全是水，冒出来一米多高。",
        "Burst water main on {road_en} near {place_en}, the road is flooded.",
    ),
    official=("供水抢修：{road}DN300供水管爆管，已关阀，周边约{households}户临时停水。",),
    followup=("续报：{road}爆管已修复，恢复供水，{counts_zh}。",),
)

CONSTRUCTION = Texts(
    caller=(
        "{road}{place}附近的工地上有工人从脚手架上摔下来了，{counts_zh}。",
        "工地塔吊旁边一段围挡倒了，压到路边的车，地址{address}。",
        "A worker fell from scaffolding at a building site on {road_en}; {counts_en}.",
    ),
    official=("{district}{road}在建工地发生高处坠落事故，{counts_zh}，安监部门已介入。",),
    followup=("续报：{road}工地坠落事故{counts_zh}，工地已停工整改。",),
)

WATERLOGGING = Texts(
    caller=(
        "{road}{place}门口积水快到膝盖了，车子都熄火了，{counts_zh}。",
        "下立交被淹了，{road}这边积水有{depth}厘米深，有车被困在里面。",
        "小区地下车库进水了，{address}，水还在往里灌。",
        "Street flooding on {road_en} near {place_en}, water about {depth} cm deep, cars stalled.",
        "The underpass on {road_en} is flooded; a car is stuck with people inside.",
    ),
    official=(
        "{district}{road}积水约{depth}厘米，已调派排涝泵车，交通管制中，{counts_zh}。",
        "Drainage crews at {road_en} ({district_en}): water {depth} cm deep, pumps deployed, "
        "{counts_en}.",
    ),
    followup=(
        "续报：{road}积水点已转移被困群众，{counts_zh}，积水正在消退。",
        "Update on {road_en} flooding: {counts_en}; water receding.",
    ),
    media=("受强降雨影响，{district}{road}出现严重积水，部分车辆被困。",),
)

FALLEN_TREE = Texts(
    caller=(
        "{road}上一棵大树被风刮倒了，压在车上，{counts_zh}。",
        "{place}旁边行道树倒了，把电线也压断了，路堵死了。",
        "A big tree came down on {road_en} near {place_en}, blocking both lanes; {counts_en}.",
    ),
    official=("{district}{road}大风致行道树倒伏，压占机动车道，绿化抢险队已到场，{counts_zh}。",),
    followup=("续报：{road}倒伏树木已清理，道路恢复通行，{counts_zh}。",),
    media=("大风天气，{district}{road}一棵大树倒伏砸中停放车辆，{counts_zh}。",),
)

ROUTINE = {
    "road_traffic": ROAD_TRAFFIC,
    "fire": FIRE,
    "gas_supply": GAS_SUPPLY,
    "special_equipment": LIFT,
    "water_supply": WATER_MAIN,
    "construction": CONSTRUCTION,
}
"""Everyday incident types and their templates."""


def extra_slots(rng: random.Random) -> dict[str, str]:
    """Values of the templates' own slots (engines, water depth, households)."""
    return {
        "engines": str(rng.randint(2, 8)),
        "depth": str(rng.choice((20, 30, 40, 50, 60, 80))),
        "households": str(rng.randint(2, 20) * 100),
    }
