"""The report's resource section (已调派资源), rendered from given query results, and the
query against a stand-in Elasticsearch client."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from consumers.report.queries import (
    COMMITTED_LIMIT,
    Figures,
    ResourceFigures,
    resource_figures,
)
from consumers.report.render import hours_since, resource_section, sections, to_markdown

AT = datetime(2025, 7, 10, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


def committed(**overrides: Any) -> dict[str, Any]:
    body = {
        "id": "fs-1",
        "kind": "fire_station",
        "name": "陆家嘴消防救援站",
        "name_en": "Lujiazui Fire Station",
        "district": "310115",
        "status": "committed",
        "incident_id": "inc-1",
        "last_incident_id": "inc-1",
        "by": "duty-officer",
        "at": "2025-07-09T22:30:00+00:00",  # 06:30 in Shanghai, 5.5 h before AT
        "reason": "dispatch",
    }
    body.update(overrides)
    return body


def figures(**overrides: Any) -> ResourceFigures:
    data: dict[str, Any] = {
        "at": AT,
        "available": True,
        "committed": [
            committed(),
            committed(
                id="mt-1",
                kind="medical_team",
                name="浦东医疗救援队",
                name_en=None,
                incident_id="inc-2",
                by="dispatcher",
                at="2025-07-10T03:00:00Z",
            ),
        ],
        "committed_total": 2,
        "committed_by_kind": {"fire_station": 1, "medical_team": 1},
    }
    data.update(overrides)
    return ResourceFigures(**data)


def test_hours_since():
    assert hours_since("2025-07-09T22:30:00+00:00", AT) == "5.5"
    assert hours_since(AT + timedelta(hours=1), AT) == "0.0"


def test_committed_table_in_chinese():
    section = resource_section(figures(), "zh")
    assert section.title == "已调派资源"
    assert section.bullets == ["已调派资源: **2** (消防救援站 1, 医疗救援队 1)"]
    assert section.header == ["资源类型", "名称", "事件编号", "调派人", "调派时间", "已调派小时数"]
    assert section.rows == [
        ["消防救援站", "陆家嘴消防救援站", "inc-1", "duty-officer", "2025-07-10 06:30", "5.5"],
        ["医疗救援队", "浦东医疗救援队", "inc-2", "dispatcher", "2025-07-10 11:00", "1.0"],
    ]


def test_committed_table_in_english_with_a_cut_list():
    data = figures(committed_total=COMMITTED_LIMIT + 3, committed_by_kind={"hazmat_team": 3})
    section = resource_section(data, "en")
    assert section.title == "Resources committed"
    assert section.bullets == [
        f"Resources committed: **{COMMITTED_LIMIT + 3}** (hazardous-materials team 3)",
        "listing the longest committed 2",
    ]
    assert section.header[-3:] == ["Committed by", "Committed at", "Hours committed"]
    assert section.rows[0][:2] == ["fire and rescue station", "Lujiazui Fire Station"]
    assert section.rows[1][:2] == ["medical team", "浦东医疗救援队"]  # no English name


@pytest.mark.parametrize(("lang", "no_data"), [("zh", "无数据"), ("en", "No data")])
def test_missing_index_says_no_data(lang, no_data):
    section = resource_section(ResourceFigures(AT), lang)
    assert section.bullets == [no_data] and section.rows == []


@pytest.mark.parametrize(
    ("lang", "bullets"),
    [("zh", ["已调派资源: **0**", "无"]), ("en", ["Resources committed: **0**", "None"])],
)
def test_existing_but_empty_index_says_zero_and_none(lang, bullets):
    section = resource_section(ResourceFigures(AT, available=True), lang)
    assert section.bullets == bullets and section.rows == []


def test_report_sections_and_markdown_include_the_resources(tmp_path: Path):
    empty = Figures(AT - timedelta(days=1), AT)
    before = Figures(AT - timedelta(days=2), AT - timedelta(days=1))
    without = sections(empty, before, [], "zh", [])
    assert "已调派资源" not in [s.title for s in without]
    parts = sections(empty, before, [], "zh", [], None, figures())
    assert parts[-1].title == "已调派资源"
    assert "已调派资源: **2**" in parts[0].bullets
    md = to_markdown("报告", [], parts, tmp_path)
    assert "## 已调派资源" in md
    assert "| 消防救援站 | 陆家嘴消防救援站 | inc-1 | duty-officer | 2025-07-10 06:30 | 5.5 |" in md
    missing = sections(empty, before, [], "en", [], None, ResourceFigures(AT))
    assert not any("Resources committed" in b for b in missing[0].bullets)
    md = to_markdown("Report", [], missing, tmp_path)
    assert md.split("## Resources committed")[1].split("## ")[0].strip() == "- No data"


# --- the query, against a stand-in client ------------------------------------------------------


class _Resp(dict):
    def __init__(self, body: dict[str, Any], status: int) -> None:
        super().__init__(body)
        self.meta = SimpleNamespace(status=status)


class FakeES:
    """Answers ``search`` per index from canned documents; an unknown index is a 404."""

    def __init__(self, sources: dict[str, list[dict[str, Any]]]) -> None:
        self.sources = sources
        self.calls: list[dict[str, Any]] = []

    def options(self, **_: Any) -> FakeES:
        return self

    def search(self, *, index: str, **body: Any) -> Any:
        self.calls.append({"index": index, **body})
        if index not in self.sources:
            return _Resp({"error": {"type": "index_not_found_exception"}, "status": 404}, 404)
        docs = self.sources[index]
        kinds: dict[str, int] = {}
        for d in docs:
            kinds[d["resource"]["kind"]] = kinds.get(d["resource"]["kind"], 0) + 1
        buckets = [{"key": k, "doc_count": n} for k, n in sorted(kinds.items())]
        return _Resp(
            {
                "hits": {"total": {"value": len(docs)}, "hits": [{"_source": d} for d in docs]},
                "aggregations": {"kind": {"buckets": buckets}},
            },
            200,
        )


def test_query_treats_a_missing_index_as_no_data():
    es = FakeES({})
    result = resource_figures(es, "cw", AT)
    assert not result.available and result.committed == []
    assert [c["index"] for c in es.calls] == ["cw-resources"]


def test_query_selects_committed_resources_oldest_first():
    es = FakeES({"cw-resources": [{"resource": committed()}]})
    result = resource_figures(es, "cw", AT)
    assert result.available and result.committed == [committed()]
    assert result.committed_total == 1 and result.committed_by_kind == {"fire_station": 1}
    call = es.calls[0]
    assert {"term": {"resource.status": "committed"}} in call["query"]["bool"]["filter"]
    assert call["size"] == COMMITTED_LIMIT
    assert call["sort"][0] == {"resource.at": {"order": "asc", "missing": "_last"}}
