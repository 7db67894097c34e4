"""Simulated incident reports: duplicates from several sources, follow-ups, counts in text."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import pytest

from pipeline.classify.counts import extract_counts
from pipeline.geo.crs import convert
from pipeline.simulate import SCENARIOS, SimEvent, generate_events
from pipeline.simulate.stories import counts_en, counts_zh

NOW = datetime(2025, 7, 1, 9, 0, tzinfo=UTC)
NAMES = sorted(SCENARIOS)
STORYLINE_TYPES = {
    "typhoon": {"waterlogging", "fallen_tree", "gale", "storm_surge"},
    "chemical_leak": {"hazardous_chemicals"},
    "new_year_bund": {"crowd_crush", "mass_incident"},
    "metro_power_failure": {"metro", "power_supply"},
    "food_poisoning_schools": {"food_poisoning"},
    "routine_day": {"fire", "road_traffic", "gas_supply"},
}


@lru_cache(maxsize=32)
def reports(name: str, seed: int = 0) -> tuple[tuple[SimEvent, dict[str, Any]], ...]:
    start = NOW - timedelta(seconds=60 * SCENARIOS[name].default_time_scale)
    return tuple(
        (e, json.loads(e.value))
        for e in generate_events(name, seed=seed, start=start)
        if e.kind == "report" and not e.defect
    )


def by_incident(name: str, seed: int = 0) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event, report in reports(name, seed):
        assert event.incident is not None
        groups[event.incident].append(report)
    return groups


def wgs84(location: dict[str, Any]) -> tuple[float, float]:
    return convert(location["lat"], location["lon"], location.get("crs", "wgs84"), "wgs84")


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    dlat = (a[0] - b[0]) * 111_320.0
    dlon = (a[1] - b[1]) * 111_320.0 * math.cos(math.radians(a[0]))
    return math.hypot(dlat, dlon)


def when(report: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(report["reported_at"])


@pytest.mark.parametrize("name", NAMES)
def test_the_same_incident_is_reported_by_several_sources(name: str) -> None:
    groups = by_incident(name)
    multi = [g for g in groups.values() if len({r["source"] for r in g}) >= 3]
    assert len(multi) >= 2
    assert any(len({r["source"] for r in g}) >= 4 for g in groups.values())


@pytest.mark.parametrize("seed", [0, 5])
@pytest.mark.parametrize("name", NAMES)
def test_duplicate_reports_are_close_in_place_and_time(name: str, seed: int) -> None:
    for group in by_incident(name, seed).values():
        originals = [r for r in group if "updates_report_id" not in r]
        if len(originals) < 2:
            continue
        first = min(originals, key=when)
        for report in originals:
            assert metres(wgs84(first["location"]), wgs84(report["location"])) <= 1000.0
            limit = timedelta(minutes=35 if report["source"] == "media" else 15)
            assert when(report) - when(first) <= limit, (first, report)


@pytest.mark.parametrize("name", NAMES)
def test_follow_ups_update_an_earlier_report_of_the_same_source(name: str) -> None:
    seen: dict[tuple[str, str], tuple[str, datetime]] = {}
    follow_ups = 0
    for event, report in reports(name):
        target = report.get("updates_report_id")
        if target is not None:
            follow_ups += 1
            assert (report["source"], target) in seen
            incident, made = seen[(report["source"], target)]
            assert incident == event.incident
            assert made < when(report)
        seen[(report["source"], report["report_id"])] = (event.incident or "", when(report))
    assert follow_ups >= 3


@pytest.mark.parametrize("name", NAMES)
def test_counts_rise_in_follow_ups(name: str) -> None:
    rising = 0
    for group in by_incident(name).values():
        updates = sorted((r for r in group if "casualties" in r), key=when)
        for earlier, later in zip(updates, updates[1:], strict=False):
            for key, value in later["casualties"].items():
                if key in earlier["casualties"] and "updates_report_id" in later:
                    assert value >= earlier["casualties"][key], (earlier, later)
                    rising += value > earlier["casualties"][key]
    assert rising >= 1


@pytest.mark.parametrize("name", NAMES)
def test_follow_ups_state_the_counts_in_their_text(name: str) -> None:
    follow_ups = [r for _, r in reports(name) if "updates_report_id" in r]
    counted = 0
    for report in follow_ups:
        text = report["description"]
        found, _ = extract_counts(text)
        counted += bool(found) or "暂无人员伤亡" in text or "no casualties" in text
        for key, value in report.get("casualties", {}).items():
            if key in found:
                assert found[key] == value, report["description"]
    assert counted >= 0.6 * len(follow_ups)


@pytest.mark.parametrize("name", NAMES)
def test_the_storyline_incidents_are_there(name: str) -> None:
    hinted = {r.get("type") for _, r in reports(name)}
    assert STORYLINE_TYPES[name] & hinted


@pytest.mark.parametrize("name", NAMES)
def test_texts_mix_chinese_and_english(name: str) -> None:
    texts = [r["description"] for _, r in reports(name)]
    chinese = sum(any("\u4e00" <= ch <= "\u9fff" for ch in t) for t in texts)
    assert chinese >= 0.5 * len(texts)
    assert len(texts) - chinese >= 1
    assert len(set(texts)) >= 0.6 * len(texts)


def test_sources_cover_hotlines_apps_field_teams_and_media() -> None:
    sources = {r["source"] for name in NAMES for _, r in reports(name)}
    assert sources >= {
        "hotline_110",
        "hotline_119",
        "hotline_120",
        "hotline_12345",
        "citizen_app",
        "field_team",
        "media",
    }


def test_some_app_reports_use_gcj02() -> None:
    crs = {r["location"].get("crs", "wgs84") for _, r in reports("typhoon")}
    assert crs == {"wgs84", "gcj02"}


@pytest.mark.parametrize(
    "counts",
    [
        {"deaths": 3, "injuries": 19, "serious_injuries": 5, "evacuated": 4600},
        {"injuries": 2},
        {"deaths": 1, "missing": 2, "affected": 300},
    ],
)
def test_count_phrases_read_back_as_the_same_counts(counts: dict[str, int]) -> None:
    for text in (counts_zh(counts), counts_en(counts)):
        assert (
            extract_counts("续报：" + text + "，伤者已送医。")[0] == counts
            or extract_counts(text)[0] == counts
        )
