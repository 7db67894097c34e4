"""Short human explanations of a classification, in Chinese and English."""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.classify.levels import LevelDecision, format_number, level_label
from pipeline.classify.rulebook_model import LevelRule, Rulebook


def _values_en(decision: LevelDecision, rulebook: Rulebook) -> str:
    parts = []
    for metric, value in decision.values.items():
        label = rulebook.metrics[metric]  # type: ignore[index]
        parts.append(f"{label.en} {value:,}")
    return ", ".join(parts)


def _values_zh(decision: LevelDecision, rulebook: Rulebook) -> str:
    parts = []
    for metric, value in decision.values.items():
        label = rulebook.metrics[metric]  # type: ignore[index]
        parts.append(f"{label.zh}{value}{label.unit_zh}")
    return "、".join(parts)


def explain(
    *,
    rulebook: Rulebook,
    type_key: str,
    type_source: str,
    decision: LevelDecision,
    rule: LevelRule,
    matched_terms: Sequence[str],
    extracted: Sequence[str],
) -> dict[str, str]:
    """One sentence per language: what it is, its level, why, and where the counts came from."""
    label = level_label(decision.level)
    if type_key in rulebook.types:
        type_rule = rulebook.types[type_key]
        category = rulebook.categories[type_rule.category]
        what_en = f"{type_rule.name.en.capitalize()} ({category.en})"
        what_zh = f"{type_rule.name.zh}（{category.zh}）"
    else:
        what_en, what_zh = "Unclassified report (type unknown)", "未能识别类型的报告"
    if decision.criterion == "floor":
        why_en = f"no higher threshold met ({_values_en(decision, rulebook) or 'no counts'})"
        why_zh = f"未达到更高等级标准（{_values_zh(decision, rulebook) or '无伤亡数据'}）"
    else:
        why_en = f"{decision.criterion} met ({_values_en(decision, rulebook)})"
        wanted = "且".join(
            f"{rulebook.metrics[m].zh}≥{format_number(v)}{rulebook.metrics[m].unit_zh}"  # type: ignore[index]
            for m, v in decision.minimums.items()
        )
        why_zh = f"{_values_zh(decision, rulebook)}，达到“{wanted}”标准"
    if type_source == "hint":
        basis_en, basis_zh = "type from the report's type hint", "类型取自报告的类型字段"
    elif matched_terms:
        terms = "、".join(matched_terms[:5])
        basis_en, basis_zh = (
            f"type from the terms {', '.join(matched_terms[:5])}",
            f"类型依据：{terms}",
        )
    else:
        basis_en, basis_zh = "no type term recognised", "未识别到类型关键词"
    counts_en = f"; counts from the text: {', '.join(extracted)}" if extracted else ""
    counts_zh = (
        "；文本提取：" + "、".join(rulebook.metrics[m].zh for m in extracted)  # type: ignore[index]
        if extracted
        else ""
    )
    configurable_en = " (configurable threshold)" if decision.source == "configurable" else ""
    configurable_zh = "（可配置阈值）" if decision.source == "configurable" else ""
    en = (
        f"{what_en}: level {label['roman']} ({label['en']}), {why_en}{configurable_en}, "
        f"rule {rule.id} ({rule.regulation}); {basis_en}{counts_en}."
    )
    zh = (
        f"{what_zh}：{label['roman']}级（{label['zh']}），{why_zh}{configurable_zh}，"
        f"依据规则{rule.id}（{rule.regulation}）；{basis_zh}{counts_zh}。"
    )
    return {"zh": zh, "en": en}
