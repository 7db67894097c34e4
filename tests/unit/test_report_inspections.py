"""The report's inspection sections (逾期未整改隐患 and the counts per district), rendered
from given query results, and the queries against a stand-in Elasticsearch client."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from consumers.report.queries import (
    OVERDUE_LIMIT,
    Figures,
    InspectionFigures,
    inspection_figures,
)
from consumers.report.render import (
    days_overdue,
    inspection_sections,
    local,
    sections,
    to_markdown,
)
from pipeline.inspection_tracking import InspectionTracker, tracked_message
from pipeline.names import TopicNames
from pipeline.processing import Origin
from schemas.inputs import InspectionFinding
from tests.factories import finding_factory

AT = datetime(2025, 7, 10, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
PUDONG = {"code": "310115", "name": "浦东新区"}
HUANGPU = {"code": "310101", "name": "黄浦区"}


def overdue_finding(**overrides: Any) -> dict[str, Any]:
    body = {
        "finding_id": "f-1",
        "site": {"id": "s-1", "key": "s-1", "name": "陆家嘴某小区", "kind": "community"},
        "district": {"code": "310115", "name": "浦东新区", "name_en": "Pudong New Area"},
        "hazard": "消防通道被杂物堵塞",
        "hazard_level": "major",
        "inspected_at": "2025-06-30T02:00:00+00:00",
        "deadline": "2025-07-07T16:00:00+00:00",  # 2025-07-08 00:00 in Shanghai
        "status": "overdue",
        "escalations": 3,
        "last_escalated_at": "2025-07-10T00:00:00+00:00",
    }
    body.update(overrides)
    return body


def district_counts(district: dict[str, str], **values: int) -> dict[str, Any]:
    row = {"total": 0, "open": 0, "overdue": 0, "rectified": 0, "major_open": 0} | values
    return {"district": district, **row, "by_site_kind": []}


def figures(**overrides: Any) -> InspectionFigures:
    data: dict[str, Any] = {
        "at": AT,
        "available": True,
        "overdue": [
            overdue_finding(),
            overdue_finding(
                finding_id="f-2",
                site={"name": "某小学", "kind": "school"},
                district={"code": "310101", "name": "黄浦区"},
                hazard_level="general",
                deadline="2025-07-09T16:00:00Z",
                status="open",
                escalations=0,
            ),
        ],
        "overdue_total": 2,
        "overdue_by_level": {"major": 1, "general": 1},
        "counts_available": True,
        "by_district": [
            district_counts(HUANGPU, total=3, open=1, overdue=1, rectified=2),
            district_counts(PUDONG, total=5, open=4, overdue=1, rectified=1, major_open=2),
        ],
    }
    data.update(overrides)
    return InspectionFigures(**data)


def test_days_overdue():
    assert days_overdue("2025-07-07T16:00:00+00:00", AT) == "2.5"
    assert days_overdue("2025-07-09T16:00:00Z", AT) == "0.5"
    assert days_overdue(AT + timedelta(hours=1), AT) == "0.0"


def test_overdue_table_and_district_totals_in_chinese():
    overdue, by_district = inspection_sections(figures(), "zh")
    assert overdue.title == "逾期未整改隐患"
    assert overdue.bullets == ["逾期未整改隐患: **2** (其中重大隐患 1)"]
    assert overdue.header == [
        "区",
        "场所",
        "场所类型",
        "隐患等级",
        "整改期限",
        "逾期天数",
        "督办次数",
    ]
    assert overdue.rows == [
        ["浦东新区", "陆家嘴某小区", "社区", "重大隐患", "2025-07-08 00:00", "2.5", "3"],
        ["黄浦区", "某小学", "学校", "一般隐患", "2025-07-10 00:00", "0.5", "0"],
    ]
    assert by_district.title == "各区隐患整改情况"
    assert by_district.header == ["区", "隐患总数", "未整改", "逾期", "重大隐患未整改", "已整改"]
    assert by_district.rows == [
        ["浦东新区", "5", "4", "1", "2", "1"],  # as many overdue, more open: first
        ["黄浦区", "3", "1", "1", "0", "2"],
        ["合计", "8", "5", "2", "2", "3"],
    ]


def test_overdue_table_in_english_with_outside_and_a_cut_list():
    data = figures(
        overdue=[overdue_finding(district=None)],
        overdue_total=OVERDUE_LIMIT + 5,
        by_district=[district_counts({"code": "outside"}, total=1, open=1, overdue=1)],
    )
    data.overdue[0].pop("district")
    overdue, by_district = inspection_sections(data, "en")
    assert overdue.title == "Inspections overdue"
    assert overdue.bullets == [
        f"Findings overdue: **{OVERDUE_LIMIT + 5}** (of which major hazards 1)",
        "listing the most overdue 1",
    ]
    assert overdue.header[-3:] == ["Deadline", "Days overdue", "Escalations"]
    assert overdue.rows == [
        [
            "Outside the city",
            "陆家嘴某小区",
            "community",
            "major hazard",
            "2025-07-08 00:00",
            "2.5",
            "3",
        ]
    ]
    assert by_district.title == "Inspection findings by district"
    assert by_district.rows == [["Outside the city", "1", "1", "1", "0", "0"]]  # no total row


@pytest.mark.parametrize(("lang", "no_data"), [("zh", "无数据"), ("en", "No data")])
def test_missing_indices_say_no_data(lang, no_data):
    missing = InspectionFigures(AT)
    overdue, by_district = inspection_sections(missing, lang)
    assert overdue.bullets == [no_data] and overdue.rows == []
    assert by_district.bullets == [no_data] and by_district.rows == []


def test_existing_but_empty_indices_say_zero_and_none():
    empty = InspectionFigures(AT, available=True, counts_available=True)
    overdue, by_district = inspection_sections(empty, "en")
    assert overdue.bullets == ["Findings overdue: **0**"] and overdue.rows == []
    assert by_district.bullets == ["None"]


def test_report_sections_and_markdown_include_the_inspections(tmp_path: Path):
    empty = Figures(AT - timedelta(days=1), AT)
    before = Figures(AT - timedelta(days=2), AT - timedelta(days=1))
    without = sections(empty, before, [], "zh", [])
    assert "逾期未整改隐患" not in [s.title for s in without]
    parts = sections(empty, before, [], "zh", [], figures())
    titles = [s.title for s in parts]
    assert titles[-2:] == ["逾期未整改隐患", "各区隐患整改情况"]
    assert "逾期未整改隐患: **2** (其中重大隐患 1)" in parts[0].bullets
    md = to_markdown("报告", [], parts, tmp_path)
    assert "## 逾期未整改隐患" in md
    assert "| 浦东新区 | 陆家嘴某小区 | 社区 | 重大隐患 | 2025-07-08 00:00 | 2.5 | 3 |" in md
    assert "| 合计 | 8 | 5 | 2 | 2 | 3 |" in md
    missing = sections(empty, before, [], "en", [], InspectionFigures(AT))
    assert not any("Findings overdue" in b for b in missing[0].bullets)
    md = to_markdown("Report", [], missing, tmp_path)
    assert md.split("## Inspections overdue")[1].split("## ")[0].strip() == "- No data"


# --- the queries, against a stand-in client ----------------------------------------------------


class FakeES:
    """Answers ``search`` per index from canned hits; an unknown index is a 404."""

    def __init__(self, sources: dict[str, list[dict[str, Any]]]) -> None:
        self.sources = sources
        self.calls: list[dict[str, Any]] = []

    def options(self, **_: Any) -> FakeES:
        return self

    def search(self, *, index: str, **body: Any) -> Any:
        self.calls.append({"index": index, **body})
        if index not in self.sources:
            resp = {"error": {"type": "index_not_found_exception"}, "status": 404}
            return _Resp(resp, 404)
        docs = self.sources[index]
        levels: dict[str, int] = {}
        for d in docs:
            if "inspection" in d:
                level = d["inspection"]["hazard_level"]
                levels[level] = levels.get(level, 0) + 1
        buckets = [{"key": k, "doc_count": n} for k, n in sorted(levels.items())]
        return _Resp(
            {
                "hits": {"total": {"value": len(docs)}, "hits": [{"_source": d} for d in docs]},
                "aggregations": {"level": {"buckets": buckets}},
            },
            200,
        )


class _Resp(dict):
    def __init__(self, body: dict[str, Any], status: int) -> None:
        super().__init__(body)
        self.meta = SimpleNamespace(status=status)


def test_queries_treat_missing_indices_as_no_data():
    es = FakeES({})
    result = inspection_figures(es, "cw", AT)
    assert (result.available, result.counts_available) == (False, False)
    assert result.overdue == [] and result.by_district == []
    assert [c["index"] for c in es.calls] == ["cw-inspections", "cw-inspection-counts"]


def test_queries_select_unrectified_findings_past_their_deadline():
    es = FakeES(
        {
            "cw-inspections": [{"inspection": overdue_finding()}],
            "cw-inspection-counts": [{"counts": district_counts(PUDONG, total=1, open=1)}],
        }
    )
    result = inspection_figures(es, "cw", AT)
    assert result.available and result.counts_available
    assert result.overdue == [overdue_finding()] and result.overdue_total == 1
    assert result.overdue_by_level == {"major": 1}
    assert result.by_district[0]["district"] == PUDONG
    query = es.calls[0]["query"]["bool"]["filter"]
    assert {"terms": {"inspection.status": ["open", "overdue"]}} in query
    assert {"range": {"inspection.deadline": {"lt": AT.isoformat()}}} in query
    assert es.calls[0]["sort"][0] == {"inspection.deadline": "asc"}


def test_tracker_documents_render_in_the_report():
    """The documents the tracker writes are what the section reads."""
    topics = TopicNames()
    tracker = InspectionTracker(topics, {})
    origin = Origin(topics.tracked, 0, 0)
    t0 = AT - timedelta(days=5)
    data = finding_factory(
        inspected_at=t0.isoformat(), deadline=(t0 + timedelta(days=2)).isoformat()
    )
    finding = InspectionFinding.model_validate(
        data, context={"window_bounds": (float("-inf"), float("inf"))}
    )
    message = tracked_message(topics, finding, PUDONG, (31.2397, 121.4998))
    out = tracker.handle(origin, message.value, now=t0)
    out += tracker.tick("310115", AT - timedelta(hours=12))
    status = [json.loads(m.value) for m in out if m.topic == topics.inspections][-1]
    counts = [json.loads(m.value) for m in out if m.topic == topics.inspection_counts][-1]
    es = FakeES({"cw-inspections": [status], "cw-inspection-counts": [counts]})
    overdue, by_district = inspection_sections(inspection_figures(es, "cw", AT), "en")
    assert overdue.rows == [
        [
            "Pudong New Area",
            "陆家嘴某小区",
            "community",
            "general hazard",
            local(t0 + timedelta(days=2)),
            "3.0",
            "1",
        ]
    ]
    assert by_district.rows == [["Pudong New Area", "1", "1", "1", "0", "0"]]
