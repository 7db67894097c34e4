"""The words of a situation report in Chinese (``zh``) and English (``en``).

Enumeration labels come from :mod:`schemas.enums`; district names from the district
registry; the fixed phrases are in :data:`PHRASES`.
"""

from __future__ import annotations

from schemas.enums import (
    Category,
    FacilityKind,
    Hazard,
    HazardLevel,
    IncidentType,
    Level,
    SiteKind,
    WarningAction,
    WarningColour,
)

LANGS = ("zh", "en")

PHRASES: dict[str, dict[str, str]] = {
    "title": {"zh": "上海市突发事件态势报告", "en": "Shanghai situation report"},
    "period": {"zh": "报告期", "en": "Period"},
    "compared": {
        "zh": "对比上一同长时段",
        "en": "compared with the previous period of the same length",
    },
    "generated": {"zh": "生成时间", "en": "Generated"},
    "summary": {"zh": "概况", "en": "Summary"},
    "incidents": {"zh": "突发事件", "en": "Incidents"},
    "serious": {"zh": "重大及以上(Ⅰ/Ⅱ级)", "en": "Serious or worse (level I/II)"},
    "active_warnings": {"zh": "生效中的预警", "en": "Active warnings"},
    "warning_changes": {"zh": "预警变更", "en": "Warning changes"},
    "previous": {"zh": "上一时段", "en": "Previous period"},
    "this_period": {"zh": "本时段", "en": "This period"},
    "change": {"zh": "变化", "en": "Change"},
    "how_serious": {"zh": "事件等级", "en": "How serious"},
    "level": {"zh": "等级", "en": "Level"},
    "what": {"zh": "事件类别", "en": "What happened"},
    "category": {"zh": "类别", "en": "Category"},
    "types": {"zh": "主要事件类型", "en": "Main incident types"},
    "type": {"zh": "类型", "en": "Type"},
    "where": {"zh": "区域分布", "en": "Where"},
    "district": {"zh": "区", "en": "District"},
    "count": {"zh": "数量", "en": "Count"},
    "serious_list": {"zh": "重大及以上事件", "en": "Serious incidents"},
    "time": {"zh": "时间", "en": "Time"},
    "description": {"zh": "描述", "en": "Description"},
    "hazard": {"zh": "灾种", "en": "Hazard"},
    "colour": {"zh": "预警级别", "en": "Warning level"},
    "since": {"zh": "发布时间", "en": "Issued"},
    "valid_until": {"zh": "有效期至", "en": "Valid until"},
    "response": {"zh": "建议响应", "en": "Suggested response"},
    "none": {"zh": "无", "en": "None"},
    "charts": {"zh": "图表", "en": "Charts"},
    "chart_hourly": {"zh": "每小时事件数", "en": "Incidents per hour"},
    "chart_districts": {"zh": "各区事件数(按等级)", "en": "Incidents by district and level"},
    "chart_categories": {"zh": "事件类别对比", "en": "Incidents by category"},
    "outside": {"zh": "市外", "en": "Outside the city"},
    "hours_ago": {"zh": "小时前", "en": "hours before the end"},
    "warnings_by_hazard": {"zh": "本时段预警变更(按灾种)", "en": "Warning changes by hazard"},
    "action": {"zh": "动作", "en": "Action"},
    "no_data": {"zh": "无数据", "en": "No data"},
    "inspections_overdue": {"zh": "逾期未整改隐患", "en": "Inspections overdue"},
    "inspections_by_district": {
        "zh": "各区隐患整改情况",
        "en": "Inspection findings by district",
    },
    "overdue_findings": {"zh": "逾期未整改隐患", "en": "Findings overdue"},
    "of_which_major": {"zh": "其中重大隐患", "en": "of which major hazards"},
    "most_overdue": {"zh": "列出逾期最久的", "en": "listing the most overdue"},
    "site": {"zh": "场所", "en": "Site"},
    "site_kind": {"zh": "场所类型", "en": "Kind"},
    "hazard_level": {"zh": "隐患等级", "en": "Hazard level"},
    "deadline": {"zh": "整改期限", "en": "Deadline"},
    "days_overdue": {"zh": "逾期天数", "en": "Days overdue"},
    "escalations": {"zh": "督办次数", "en": "Escalations"},
    "findings_total": {"zh": "隐患总数", "en": "Findings"},
    "open": {"zh": "未整改", "en": "Open"},
    "overdue": {"zh": "逾期", "en": "Overdue"},
    "major_open": {"zh": "重大隐患未整改", "en": "Major open"},
    "rectified": {"zh": "已整改", "en": "Rectified"},
    "total": {"zh": "合计", "en": "Total"},
    "resources_committed": {"zh": "已调派资源", "en": "Resources committed"},
    "committed_resources": {"zh": "已调派资源", "en": "Resources committed"},
    "longest_committed": {"zh": "列出调派最久的", "en": "listing the longest committed"},
    "resource_kind": {"zh": "资源类型", "en": "Kind"},
    "resource_name": {"zh": "名称", "en": "Name"},
    "incident_id": {"zh": "事件编号", "en": "Incident"},
    "committed_by": {"zh": "调派人", "en": "Committed by"},
    "committed_at": {"zh": "调派时间", "en": "Committed at"},
    "hours_committed": {"zh": "已调派小时数", "en": "Hours committed"},
}


def phrase(key: str, lang: str) -> str:
    return PHRASES[key][lang]


def _label(enum_cls: type, value: object, lang: str) -> str:
    try:
        member = enum_cls(value)
    except ValueError:
        return str(value)
    return member.label_zh if lang == "zh" else member.label_en


def level_label(level: int, lang: str) -> str:
    """``Ⅱ 重大`` or ``II serious``."""
    member = Level(level)
    roman = {1: "I", 2: "II", 3: "III", 4: "IV"}[level]
    return f"{member.roman} {member.label_zh}" if lang == "zh" else f"{roman} {member.label_en}"


def response_label(level: int, lang: str) -> str:
    """``Ⅲ级响应`` or ``level III response``: a suggested emergency response level."""
    roman = {1: "I", 2: "II", 3: "III", 4: "IV"}[level]
    return f"{Level(level).roman}级响应" if lang == "zh" else f"level {roman} response"


def category_label(value: str, lang: str) -> str:
    if value == "unclassified":
        return "未分类" if lang == "zh" else "unclassified"
    return _label(Category, value, lang)


def type_label(value: str, lang: str) -> str:
    return _label(IncidentType, value, lang)


def hazard_label(value: str, lang: str) -> str:
    return _label(Hazard, value, lang)


def colour_label(value: str, lang: str) -> str:
    return _label(WarningColour, value, lang)


def action_label(value: str, lang: str) -> str:
    return _label(WarningAction, value, lang)


def site_kind_label(value: str, lang: str) -> str:
    return _label(SiteKind, value, lang)


def hazard_level_label(value: str, lang: str) -> str:
    return _label(HazardLevel, value, lang)


def resource_kind_label(value: str, lang: str) -> str:
    return _label(FacilityKind, value, lang)


def district_label(code: str, name: str, lang: str) -> str:
    """The district's name in ``lang`` (the registry's English name for ``en``)."""
    if code == "outside":
        return phrase("outside", lang)
    if lang == "en":
        from pipeline.geo.districts import get_district

        try:
            return get_district(code).name_en
        except (KeyError, ValueError):
            return name or code
    return name or code
