"""Deterministic synthetic incident reports, with poison pills, for tests and the benchmark.

Not a scenario simulator: plain, varied reports at random points of Shanghai, and a chosen
share of bad messages of every kind the pipeline must dead-letter.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

SOURCES = (
    "hotline_110",
    "hotline_119",
    "hotline_120",
    "hotline_12345",
    "citizen_app",
    "field_team",
)

TEMPLATES = (
    ("fire", "{place}一居民楼起火，浓烟较大，暂无人员伤亡。"),
    ("fire", "Fire reported at a warehouse near {place}, no injuries so far."),
    ("road_traffic", "{place}路口两车相撞，造成2人受伤。"),
    ("road_traffic", "Multi-vehicle collision near {place}; 3 people injured."),
    ("waterlogging", "{place}地下通道积水约40厘米，车辆无法通行。"),
    ("fallen_tree", "{place}行道树倒伏压住电线，需要处置。"),
    ("gas_supply", "{place}小区闻到燃气味，疑似燃气泄漏。"),
    ("hazardous_chemicals", "{place}化工企业储罐泄漏，已疏散周边人员。"),
    ("food_poisoning", "{place}一所学校多名学生就餐后出现呕吐腹泻症状。"),
    ("crowd_crush", "Crowd density very high at {place}, people pushing."),
    (None, "{place}附近有人报告异常情况，请核实。"),
)
PLACES = (
    "外滩",
    "陆家嘴",
    "人民广场",
    "虹桥火车站",
    "徐家汇",
    "五角场",
    "七宝",
    "松江大学城",
    "金山石化",
    "崇明城桥镇",
)

#: (latitude, longitude) box around the built-up city
CITY_BOX = (30.90, 31.45, 121.10, 121.75)

POISON_KINDS = (
    "invalid_utf8",
    "invalid_json",
    "missing_field",
    "unknown_field",
    "out_of_range",
    "invalid_timestamp",
)


@dataclass(frozen=True)
class SyntheticEvent:
    value: bytes
    key: bytes | None
    event_id: str | None
    """The document id the pipeline gives a good event; None for a poison pill."""
    poison: str | None = None
    """The kind of poison pill, or None for a good event."""


def _report(rng: random.Random, n: int, run_id: str, now: datetime) -> dict:
    itype, text = rng.choice(TEMPLATES)
    lat = round(rng.uniform(CITY_BOX[0], CITY_BOX[1]), 6)
    lon = round(rng.uniform(CITY_BOX[2], CITY_BOX[3]), 6)
    report = {
        "report_id": f"{run_id}-{n:07d}",
        "source": rng.choice(SOURCES),
        "reported_at": (now - timedelta(seconds=rng.randint(0, 3600))).isoformat(),
        "location": {"lat": lat, "lon": lon},
        "description": text.format(place=rng.choice(PLACES)),
    }
    if itype and rng.random() < 0.6:
        report["type"] = itype
    return report


def _poison(kind: str, report: dict) -> bytes:
    if kind == "invalid_utf8":
        return b'{"report_id": "\xff\xfe", "description": "\xc3\x28"}'
    if kind == "invalid_json":
        return json.dumps(report, ensure_ascii=False)[:-7].encode()
    if kind == "missing_field":
        report.pop("description")
    elif kind == "unknown_field":
        report["priority"] = "urgent"
    elif kind == "out_of_range":
        report["location"]["lat"] = 91.0
    elif kind == "invalid_timestamp":
        report["reported_at"] = "10000-01-01T00:00:00+08:00"
    return json.dumps(report, ensure_ascii=False).encode()


def synthetic_reports(
    count: int,
    *,
    seed: int = 7,
    poison_ratio: float = 0.0,
    run_id: str = "syn",
    now: datetime | None = None,
) -> Iterator[SyntheticEvent]:
    """``count`` incident reports; about ``poison_ratio`` of them are poison pills."""
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    for n in range(count):
        report = _report(rng, n, run_id, now)
        key = report["report_id"].encode()
        if rng.random() < poison_ratio:
            kind = POISON_KINDS[n % len(POISON_KINDS)]
            yield SyntheticEvent(_poison(kind, report), key, None, kind)
        else:
            event_id = f"{report['source']}:{report['report_id']}"
            value = json.dumps(report, ensure_ascii=False).encode()
            yield SyntheticEvent(value, key, event_id)
