"""Short human explanations of a classification, in Chinese and English."""

from __future__ import annotations

from collections.abc import Sequence

from pipeline.classify.levels import LEVEL_LABELS, LevelDecision, format_number
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
    args = (rulebook, type_key, type_source, decision, rule, matched_terms, extracted)
    return {"zh": explain_zh(*args), "en": explain_en(*args)}


def explain_zh(
    rulebook: Rulebook,
    type_key: str,
    type_source: str,
    decision: LevelDecision,
    rule: LevelRule,
    matched_terms: Sequence[str],
    extracted: Sequence[str],
) -> str:
    """The Chinese sentence of :func:`explain`."""
    label = LEVEL_LABELS[decision.level]
    if type_key in rulebook.types:
        type_rule = rulebook.types[type_key]
        what_zh = f"{type_rule.name.zh}（{rulebook.categories[type_rule.category].zh}）"
    else:
        what_zh = "未能识别类型的报告"
    if decision.criterion == "floor":
        why_zh = f"未达到更高等级标准（{_values_zh(decision, rulebook) or '无伤亡数据'}）"
    else:
        wanted = "且".join(
            f"{rulebook.metrics[m].zh}≥{format_number(v)}{rulebook.metrics[m].unit_zh}"  # type: ignore[index]
            for m, v in decision.minimums.items()
        )
        why_zh = f"{_values_zh(decision, rulebook)}，达到“{wanted}”标准"
    if type_source == "hint":
        basis_zh = "类型取自报告的类型字段"
    elif matched_terms:
        basis_zh = f"类型依据：{'、'.join(matched_terms[:5])}"
    else:
        basis_zh = "未识别到类型关键词"
    counts_zh = (
        "；文本提取：" + "、".join(rulebook.metrics[m].zh for m in extracted)  # type: ignore[index]
        if extracted
        else ""
    )
    configurable_zh = "（可配置阈值）" if decision.source == "configurable" else ""
    return (
        f"{what_zh}：{label['roman']}级（{label['zh']}），{why_zh}{configurable_zh}，"
        f"依据规则{rule.id}（{rule.regulation}）；{basis_zh}{counts_zh}。"
    )


def explain_en(
    rulebook: Rulebook,
    type_key: str,
    type_source: str,
    decision: LevelDecision,
    rule: LevelRule,
    matched_terms: Sequence[str],
    extracted: Sequence[str],
) -> str:
    """The English sentence of :func:`explain`."""
    label = LEVEL_LABELS[decision.level]
    if type_key in rulebook.types:
        type_rule = rulebook.types[type_key]
        category = rulebook.categories[type_rule.category]
        what_en = f"{type_rule.name.en.capitalize()} ({category.en})"
    else:
        what_en = "Unclassified report (type unknown)"
    if decision.criterion == "floor":
        why_en = f"no higher threshold met ({_values_en(decision, rulebook) or 'no counts'})"
    else:
        why_en = f"{decision.criterion} met ({_values_en(decision, rulebook)})"
    if type_source == "hint":
        basis_en = "type from the report's type hint"
    elif matched_terms:
        basis_en = f"type from the terms {', '.join(matched_terms[:5])}"
    else:
        basis_en = "no type term recognised"
    counts_en = f"; counts from the text: {', '.join(extracted)}" if extracted else ""
    configurable_en = " (configurable threshold)" if decision.source == "configurable" else ""
    return (
        f"{what_en}: level {label['roman']} ({label['en']}), {why_en}{configurable_en}, "
        f"rule {rule.id} ({rule.regulation}); {basis_en}{counts_en}."
    )
