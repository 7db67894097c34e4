"""Situation reports from a small set of documents indexed into uuid-prefixed indices.

The Markdown must carry the counts the set was built with (and that Elasticsearch's own
count gives), the comparison with the previous period, the serious incidents and the
active warning; the HTML embeds the charts and the chart PNG files exist.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from elasticsearch import helpers

from consumers.report import generate_report, parse_since
from pipeline.bootstrap import install_templates
from pipeline.correlation import resource_document
from pipeline.names import INDEX_KINDS
from schemas import Warning
from schemas.documents import warning_document
from schemas.inspection_documents import inspection_counts_document, inspection_document
from tests.alerts_support import incident_doc
from tests.factories import warning_factory

pytestmark = pytest.mark.integration
KEEP = os.environ.get("CITYWATCH_TEST_KEEP_REPORTS")
"""A directory to keep the generated reports in, to look at them; unset: a temporary one."""

NOW = datetime.now(UTC).replace(minute=30, second=0, microsecond=0)
# hours before NOW, district code and name, type, category, level
CURRENT = [
    (1, "310101", "黄浦区", "fire", "accident", 4),
    (2, "310101", "黄浦区", "fire", "accident", 2),
    (3, "310115", "浦东新区", "metro", "accident", 3),
    (5, "310115", "浦东新区", "waterlogging", "natural_disaster", 4),
    (8, "310151", "崇明区", "crowd_crush", "social_safety", 1),
    (20, "310115", "浦东新区", "food_poisoning", "public_health", 4),
]
PREVIOUS = [
    (26, "310101", "黄浦区", "fire", "accident", 4),
    (30, "310101", "黄浦区", "road_traffic", "accident", 3),
    (40, "310112", "闵行区", "fire", "accident", 4),
]


def _incidents():
    docs = []
    for n, (hours, code, name, kind, category, level) in enumerate(CURRENT + PREVIOUS):
        docs.append(
            incident_doc(
                f"r-rep-{n}",
                [level],
                at=NOW - timedelta(hours=hours),
                district={"code": code, "name": name},
                type=kind,
                category=category,
                description=f"测试事件 {n}",
            )
        )
    return docs


def _warnings():
    issued = NOW - timedelta(hours=2)
    rows = [
        ("w-rep-rain", 1, "310101", "黄浦区", "rainstorm", "blue", "issue", None, None, issued),
        (
            "w-rep-rain",
            2,
            "310101",
            "黄浦区",
            "rainstorm",
            "yellow",
            "escalate",
            "blue",
            None,
            issued + timedelta(minutes=40),
        ),
        ("w-rep-gale", 1, "310115", "浦东新区", "gale", "blue", "issue", None, None, issued),
        (
            "w-rep-gale",
            2,
            "310115",
            "浦东新区",
            "gale",
            "blue",
            "end",
            "blue",
            "cancelled",
            issued + timedelta(hours=1),
        ),
    ]
    docs = []
    for wid, seq, code, name, hazard, colour, action, prev, reason, at in rows:
        data = warning_factory(
            warning_id=wid,
            sequence=seq,
            hazard=hazard,
            level=colour,
            previous_level=prev,
            action=action,
            end_reason=reason,
            district={"code": code, "name": name},
            at=at.isoformat(),
            issued_at=issued.isoformat(),
            valid_until=(issued + timedelta(hours=6)).isoformat(),
            suggested_response_level=3 if colour == "yellow" else 4,
        )
        docs.append(warning_document(Warning.model_validate(data)))
    return docs


def _facility(kind: str, name: str, name_en: str) -> SimpleNamespace:
    return SimpleNamespace(
        kind=kind, name_zh=name, name_en=name_en, district="310101", lat=31.24, lon=121.49
    )


def _resources():
    """Two resources committed 3 h and 1 h before NOW, one released again."""
    rows = [
        ("fs-r1", "committed", 3, _facility("fire_station", "外滩消防站", "Bund Fire Station")),
        ("mt-r2", "committed", 1, _facility("medical_team", "黄浦医疗队", "Huangpu Medical Team")),
        ("fs-r3", "available", 2, _facility("fire_station", "南京路消防站", "Nanjing Rd Station")),
    ]
    return [
        resource_document(
            rid,
            status,
            incident_id="hotline_119:r-rep-1" if status == "committed" else None,
            last_incident_id="hotline_119:r-rep-1",
            by="王值班",
            at=NOW - timedelta(hours=hours),
            reason=None,
            facility=facility,
            event_id=f"{rid}:c{n}:{status}",
        )
        for n, (rid, status, hours, facility) in enumerate(rows)
    ]


def _inspections():
    """A major finding 2 days past its deadline, one not yet due, one rectified; the
    district's counts."""
    district = {"code": "310101", "name": "黄浦区", "name_en": "Huangpu"}

    def finding(fid: str, deadline_days: int, rectified: bool) -> dict:
        inspected = NOW - timedelta(days=10)
        deadline = NOW + timedelta(days=deadline_days)
        data = {
            "finding_id": fid,
            "site": {
                "name": f"某小区 {fid}",
                "kind": "community",
                "location": {"lat": 31.23, "lon": 121.48, "crs": "wgs84"},
            },
            "site_key": f"site-{fid}",
            "district_code": "310101",
            "hazard": "消防通道堵塞",
            "hazard_level": "major" if deadline_days < 0 else "general",
            "inspected_at": inspected.isoformat(),
            "deadline": deadline.isoformat(),
            "rectified_at": (NOW - timedelta(days=1)).isoformat() if rectified else None,
            "escalations": 2 if deadline_days < 0 else 0,
            "updated_at": NOW.isoformat(),
        }
        status = "rectified" if rectified else ("overdue" if deadline_days < 0 else "open")
        return inspection_document(data, status=status, district=district)

    docs = [finding("f-1", -2, False), finding("f-2", 3, False), finding("f-3", -5, True)]
    totals = {"total": 3, "open": 2, "overdue": 1, "rectified": 1, "major_open": 1}
    counts = inspection_counts_document(
        "310101", totals, {"community": totals}, NOW, district=district
    )
    return docs, counts


@pytest.fixture(scope="module")
def scope(es, settings):
    prefix = f"cwreport-{uuid.uuid4().hex[:12]}"
    scope = settings.model_copy(update={"index_prefix": prefix})
    install_templates(es, scope)
    findings, counts = _inspections()
    actions = [
        {"_index": f"{prefix}-{kind}", "_id": d["event"]["id"], "_source": d}
        for kind, docs in (
            ("incidents", _incidents()),
            ("warnings", _warnings()),
            ("resources", _resources()),
            ("inspections", findings),
            ("inspection-counts", [counts]),
        )
        for d in docs
    ]
    helpers.bulk(es, actions, refresh="wait_for")
    try:
        yield scope
    finally:
        es.options(ignore_status=404).indices.delete(index=f"{prefix}-*", expand_wildcards="all")
        for kind in INDEX_KINDS:
            es.options(ignore_status=404).indices.delete_index_template(name=f"{prefix}-{kind}")


def test_since_parsing():
    assert parse_since("24h") == timedelta(hours=24)
    assert parse_since("7d") == timedelta(days=7)
    with pytest.raises(ValueError, match="--since"):
        parse_since("yesterday")


def test_english_report_counts_and_charts(scope, es, tmp_path):
    out = tmp_path if not KEEP else KEEP
    files = generate_report(scope, since="24h", lang="en", out_dir=out, now=NOW, es=es)
    md = files.markdown.read_text(encoding="utf-8")
    count = es.count(
        index=f"{scope.index_prefix}-incidents",
        query={
            "range": {
                "@timestamp": {
                    "gte": (NOW - timedelta(hours=24)).isoformat(),
                    "lt": NOW.isoformat(),
                }
            }
        },
    )["count"]
    assert count == len(CURRENT)
    assert f"- Incidents: **{count}** (Previous period {len(PREVIOUS)}, +3)" in md
    assert "- Serious or worse (level I/II): **2** (Previous period 0, +2)" in md
    assert "- Active warnings: **1**" in md
    assert "| I particularly serious | 1 | 0 | +1 |" in md
    assert "| IV general | 3 | 2 | +1 |" in md
    assert "| accident | 3 | 3 | 0 |" in md
    assert "| Pudong New Area | 3 | 0 | 0 | 1 | 2 | 0 |" in md
    assert "| Huangpu | yellow (level 3) |" not in md  # hazard column comes first
    assert "| Huangpu | rainstorm | yellow (level 3) |" in md
    active_section = md.split("## Active warnings")[1].split("## ")[0]
    assert "gale" not in active_section and "rainstorm" in active_section
    assert md.count("crowd crush") >= 1 and "particularly serious" in md
    assert len(files.charts) == 3
    for png in files.charts:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
        assert f"charts/{png.name}" in md
    page = files.html.read_text(encoding="utf-8")
    assert page.count("data:image/png;base64,") == 3 and "<table>" in page


def test_inspection_and_resource_sections_match_elasticsearch(scope, es, tmp_path):
    files = generate_report(scope, since="24h", lang="en", out_dir=tmp_path, now=NOW, es=es)
    md = files.markdown.read_text(encoding="utf-8")
    prefix = scope.index_prefix
    overdue = es.count(
        index=f"{prefix}-inspections",
        query={
            "bool": {
                "filter": [
                    {"terms": {"inspection.status": ["open", "overdue"]}},
                    {"range": {"inspection.deadline": {"lt": NOW.isoformat()}}},
                ]
            }
        },
    )["count"]
    committed = es.count(
        index=f"{prefix}-resources", query={"term": {"resource.status": "committed"}}
    )["count"]
    assert (overdue, committed) == (1, 2)
    assert f"- Findings overdue: **{overdue}** (of which major hazards 1)" in md
    assert "| Huangpu | 某小区 f-1 | community | major hazard |" in md
    assert "| 2.0 | 2 |" in md  # two days overdue, escalated twice
    assert "| Huangpu | 3 | 2 | 1 | 1 | 1 |" in md  # the district's counts
    assert (
        f"- Resources committed: **{committed}** (fire and rescue station 1, medical team 1)" in md
    )
    assert "| fire and rescue station | Bund Fire Station | hotline_119:r-rep-1 | 王值班 |" in md
    assert "| 3.0 |" in md and "Nanjing Rd Station" not in md


def test_chinese_report(scope, es, tmp_path):
    out = tmp_path if not KEEP else KEEP
    files = generate_report(scope, since="24h", lang="zh", out_dir=out, now=NOW, es=es)
    md = files.markdown.read_text(encoding="utf-8")
    assert "# 上海市突发事件态势报告" in md
    assert f"- 突发事件: **{len(CURRENT)}** (上一时段 {len(PREVIOUS)}, +3)" in md
    assert "| Ⅰ 特别重大 | 1 | 0 | +1 |" in md
    assert "| 黄浦区 | 暴雨 | 黄色预警(三级) |" in md
    assert "崇明区" in md and "拥挤踩踏" in md
    assert all(p.exists() for p in files.charts)
