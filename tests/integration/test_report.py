"""Situation reports from a small set of documents indexed into uuid-prefixed indices.

The Markdown must carry the counts the set was built with (and that Elasticsearch's own
count gives), the comparison with the previous period, the serious incidents and the
active warning; the HTML embeds the charts and the chart PNG files exist.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from elasticsearch import helpers

from consumers.report import generate_report, parse_since
from pipeline.bootstrap import install_templates
from pipeline.names import INDEX_KINDS
from schemas import Warning
from schemas.documents import warning_document
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


@pytest.fixture(scope="module")
def scope(es, settings):
    prefix = f"cwreport-{uuid.uuid4().hex[:12]}"
    scope = settings.model_copy(update={"index_prefix": prefix})
    install_templates(es, scope)
    actions = [
        {"_index": f"{prefix}-{kind}", "_id": d["event"]["id"], "_source": d}
        for kind, docs in (("incidents", _incidents()), ("warnings", _warnings()))
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
