"""Inspection findings: hazards found in communities, enterprises, schools and sites.

Each finding names its site (a facility of the registry, or a community, market or
building site on a real road), the hazard, its grade and a rectification deadline (days
for a general hazard, months for a major one). Some general hazards are put right on the
spot and the finding is sent again with ``rectified_at``; findings of earlier days are
closed during the run the same way.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from pipeline.names import TOPIC_INSPECTION_FINDINGS
from pipeline.simulate.events import KIND_FINDING, SHANGHAI, SimContext, SimEvent, encode

#: site kind -> (hazard, grade)
HAZARDS: dict[str, tuple[tuple[str, str], ...]] = {
    "community": (
        ("楼道内停放电动自行车并私拉电线充电", "general"),
        ("消防通道被杂物和私家车堵塞，消防车无法通行", "general"),
        ("高层住宅消防栓无水，消防水泵处于手动状态", "major"),
        ("Fire doors in the stairwell propped open and the smoke vents blocked", "general"),
    ),
    "enterprise": (
        ("危险化学品仓库未按禁忌物料分区存放，氧化剂与易燃液体混存", "major"),
        ("可燃气体报警装置未定期标定，其中两台失效", "major"),
        ("特种作业人员(电焊工)无证上岗", "general"),
        ("Storage tank bund drain valve left open; spill would reach the storm drain", "major"),
    ),
    "school": (
        ("学校食堂留样不足48小时，留样记录不全", "general"),
        ("教学楼安全出口上锁，疏散指示标志不亮", "general"),
        ("Kitchen gas pipework has no leak alarm or automatic shut-off valve", "general"),
    ),
    "hospital": (
        ("住院楼疏散楼梯堆放杂物，应急照明损坏", "general"),
        ("医用氧气汇流排间未设置防火分隔", "major"),
    ),
    "market": (
        ("商场地下一层安全出口被货物堵塞", "general"),
        ("餐饮区燃气管道老化，未安装燃气泄漏报警装置", "major"),
        ("Escalator inspection certificate expired two months ago", "general"),
    ),
    "construction_site": (
        ("深基坑周边未设置防护栏杆，基坑监测数据超预警值", "major"),
        ("脚手架连墙件缺失，部分立杆悬空", "major"),
        ("塔吊限位装置失灵，作业人员未系安全带", "general"),
        ("Temporary power cables run through standing water without protection", "general"),
    ),
    "other": (
        ("地铁站出入口防汛挡板缺失，沙袋储备不足", "general"),
        ("Flood barrier at the station entrance missing; sandbag stock below plan", "general"),
    ),
}
_FACILITY_SITES = {
    "school": "school",
    "hospital": "hospital",
    "hazchem_enterprise": "enterprise",
    "metro_station": "other",
}
_MADE_SITES = (
    ("community", "{road}{n}弄小区"),
    ("market", "{road}商业广场"),
    ("construction_site", "{road}在建项目工地"),
)


def finding_events(ctx: SimContext, rng: random.Random, t: float) -> list[SimEvent]:
    """One inspection at simulated time ``t``: the finding, and its rectification when the
    hazard is put right within the run."""
    data = _finding(ctx, rng, t)
    events = [_event(ctx, t, data)]
    if data["hazard_level"] == "general" and rng.random() < 0.3:
        fixed = t + rng.uniform(600.0, 3600.0)
        if ctx.in_run(fixed):
            events.append(_event(ctx, fixed, {**data, "rectified_at": ctx.stamp(fixed)}))
    return events


def closed_finding(ctx: SimContext, rng: random.Random, t: float) -> list[SimEvent]:
    """A finding of an earlier day (1-20 days back) rectified at simulated time ``t``."""
    day = ctx.at(t).astimezone(SHANGHAI) - timedelta(days=rng.randint(1, 20))
    inspected = day.replace(hour=rng.randint(9, 16), minute=rng.randint(0, 59), second=0)
    data = _finding(ctx, rng, (inspected - ctx.start).total_seconds())
    return [_event(ctx, t, {**data, "rectified_at": ctx.stamp(t)})]


def _finding(ctx: SimContext, rng: random.Random, t: float) -> dict[str, Any]:
    site = _site(ctx, rng)
    hazard, grade = rng.choice(HAZARDS[site["kind"]])
    inspected = ctx.at(t).astimezone(SHANGHAI).replace(microsecond=0)
    days = rng.choice((30, 60, 90)) if grade == "major" else rng.choice((1, 3, 7, 15))
    deadline = (inspected + timedelta(days=days)).replace(hour=17, minute=0, second=0)
    data: dict[str, Any] = {
        "finding_id": ctx.next_id("INSP"),
        "site": site,
        "inspected_at": inspected.isoformat(),
        "hazard": hazard,
        "hazard_level": grade,
        "deadline": deadline.isoformat(),
    }
    if rng.random() < 0.7:
        data["district_code"] = site.pop("_district")
    else:
        site.pop("_district")
    return data


def _site(ctx: SimContext, rng: random.Random) -> dict[str, Any]:
    district = ctx.places.pick_district(rng)
    spot = ctx.places.spot(rng, district.code, radius_m=800.0)
    if rng.random() < 0.4:
        facilities = [
            a
            for a in ctx.places.anchors
            if a.kind in _FACILITY_SITES and a.district == district.code
        ]
        if facilities:
            a = rng.choice(facilities)
            return {
                "name": a.name_zh,
                "kind": _FACILITY_SITES[a.kind],
                "location": {"lat": a.lat, "lon": a.lon},
                "site_id": a.id,
                "_district": a.district,
            }
    kind, name = rng.choice(_MADE_SITES)
    return {
        "name": name.format(road=spot.road_zh, n=rng.randint(10, 999)),
        "kind": kind,
        "location": {"lat": spot.lat, "lon": spot.lon},
        "_district": district.code,
    }


def _event(ctx: SimContext, t: float, data: dict[str, Any]) -> SimEvent:
    return SimEvent(
        ctx.offset(t),
        TOPIC_INSPECTION_FINDINGS,
        data["finding_id"].encode(),
        encode(data),
        KIND_FINDING,
    )
