"""Casualty, case and loss counts read from a report's description.

``extract_counts`` finds phrases such as ``造成3人死亡``, ``三人受伤``, ``致2人重伤``,
``死亡人数升至12人``, ``3死5伤``, ``疏散周边居民300余人``, ``直接经济损失约1200万元``,
``12 people injured``, ``two dead``, ``killing three``, ``the death toll rose to 5``,
``economic loss of CNY 15 million``. A phrase in a negated clause (``无一人死亡``,
``none of the 30 passengers was injured``) is ignored. When a metric is mentioned more than
once the largest figure is kept. ``300余人`` and ``more than 300`` count as 300.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import NamedTuple

from pipeline.classify.numbers import EN_NUMBER, ZH_NUMBER, parse_en_number, parse_zh_number
from pipeline.classify.prefilter import PatternGate

_ZH_NUMERAL_CHARS = "零〇一二两三四五六七八九十百千万亿"
_ZN = rf"(?<![第\d.])(?P<n>{ZH_NUMBER})\s*(?:余|多|几)?\s*"
_ZH_PEOPLE = _ZN + r"(?:名|人|位|个|例)"
#: up to eight Chinese characters between the count and its keyword, never a numeral nor
#: a casualty character (so one count cannot borrow the keyword of the next one)
_ZH_GAP = rf"(?:(?![{_ZH_NUMERAL_CHARS}死伤亡])[\u4e00-\u9fff]){{0,8}}?"
_ZH_LEAD = rf"[^\d,;。{_ZH_NUMERAL_CHARS}]{{0,6}}?"
_ZH_UNIT = r"(?P<u>千万|百万|万|亿)?"
#: marks a keyword-before-number pattern; a number already claimed by a number-before-keyword
#: phrase is not read again by these (``两人死亡三人受伤``: 三 is injured, not dead)
_REVERSE = "(?#reverse)"


def _zh_forward(keywords: str) -> str:
    return _ZH_PEOPLE + _ZH_GAP + f"(?:{keywords})"


def _zh_reverse(keywords: str) -> str:
    return _REVERSE + f"(?:{keywords})" + _ZH_LEAD + _ZH_PEOPLE


_ZH_PATTERNS: dict[str, list[str]] = {
    "deaths": [
        _zh_forward("死亡|遇难|身亡|罹难|丧生|殒命"),
        _zh_reverse("死亡|遇难|身亡|罹难"),
        _ZN + r"死(?=[\d零一二两三四五六七八九十]|[,、;。\s]|$)",
    ],
    "serious_injuries": [
        _zh_forward("重伤|危重|伤势严重|伤势危重|伤情危重|病危"),
        _zh_reverse("重伤|危重"),
    ],
    "injuries": [
        _zh_forward("受伤|轻伤|受轻伤|负伤|轻微伤|擦伤|烧伤|烫伤"),
        _zh_reverse("受伤|轻伤"),
        _ZN + r"伤(?=[,、;。\s]|$)",
    ],
    "missing": [_zh_forward("失踪|失联|下落不明"), _zh_reverse("失踪|失联")],
    "evacuated": [
        _zh_forward("被疏散|被转移|被撤离|转移安置|紧急转移|疏散|撤离"),
        _REVERSE + r"(?:疏散|转移安置|转移|撤离|安置)了?" + _ZH_GAP + _ZH_PEOPLE,
    ],
    "affected": [
        _zh_forward("受灾|受影响"),
        _REVERSE
        + r"(?:受灾人口|受灾群众|受影响人口|影响人口|受灾)"
        + _ZH_LEAD
        + _ZN
        + r"(?:名|人)?",
    ],
    "cases": [
        _zh_forward("中毒|腹泻|呕吐|发热|发烧|身体不适|不适|症状|发病|感染|确诊"),
        _ZN + r"例",
        _REVERSE + r"(?:病例|确诊|感染者|患者|中毒人数)" + _ZH_LEAD + _ZH_PEOPLE,
    ],
}
_ZH_LOSS = [
    r"损失" + _ZH_LEAD + _ZN + _ZH_UNIT + r"\s*(?:元|人民币)",
    _ZN + _ZH_UNIT + r"\s*元(?:人民币)?的?(?:直接)?(?:经济|财产)?损失",
]

_EN_STOP = (
    r"(?:hours?|minutes?|days?|weeks?|months?|years?|floors?|storeys?|stories|km|kilometres?|"
    r"kilometers?|metres?|meters?|times|am|pm|mm|percent|per|seriously|critically|severely|"
    r"badly|gravely|dead|killed|died|injured|hurt|wounded|missing|evacuated|and|or|"
    r"zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|"
    r"forty|fifty|hundred|thousand)\b"
)
_EN_UNITS = r"(?:hours?|minutes?|days?|weeks?|months?|years?|times|km|metres?|meters?)\b"
_EN_GAP = rf"(?:(?!{_EN_STOP})[a-z'-]+\s+){{0,3}}?"
_EN_Q = r"(?:more than |over |at least |about |around |nearly |almost |some |approximately )?"
_EN_N = rf"\b(?P<n>{EN_NUMBER})\b\s+"
_BE = (
    r"(?:(?:were|was|are|is|have been|had been|has been|reportedly|later|still|remain|"
    r"remained|reported|confirmed|been)\s+)*"
)
_PERSON = (
    r"(?:man|woman|worker|person|pedestrian|driver|passenger|resident|child|boy|girl|student|"
    r"rider|cyclist|motorcyclist|firefighter|employee|tourist|visitor|elderly man|"
    r"elderly woman|courier|labourer|laborer)"
)


def _en_forward(keywords: str) -> str:
    return _EN_N + _EN_GAP + _BE + rf"(?:{keywords})\b"


def _en_reverse(keywords: str) -> str:
    return _REVERSE + rf"\b(?:{keywords})\s+{_EN_Q}(?P<n>{EN_NUMBER})\b(?!\s+{_EN_UNITS})"


_EN_PATTERNS: dict[str, list[str]] = {
    "deaths": [
        _en_forward("killed|dead|died|perished|lost their lives|fatalities|deaths"),
        _en_reverse("killing|killed|kills|claimed the lives of|leaving"),
        rf"\b(?:death toll|number of dead|number of deaths)\s+(?:[a-z]+\s+){{0,3}}?"
        rf"(?P<n>{EN_NUMBER})\b",
        rf"\b(?P<n>an?)\s+(?:[a-z]+\s+)?{_PERSON}\s+{_BE}(?:killed|died|dead)\b",
    ],
    "serious_injuries": [
        _en_forward(
            r"(?:seriously|critically|severely|badly|gravely)\s+"
            r"(?:injured|hurt|wounded|burned|burnt)"
        ),
        _en_forward(
            r"(?:serious|critical|severe)\s+injur(?:y|ies)|in\s+(?:critical|serious)\s+"
            r"condition"
        ),
        _en_reverse(r"(?:seriously|critically|severely)\s+(?:injuring|wounding)"),
    ],
    "injuries": [
        _en_forward(r"(?:slightly\s+|lightly\s+)?(?:injured|hurt|wounded)|injuries"),
        _en_reverse("injuring|injured|wounding|wounded|hurting|stabbed|stabbing"),
    ],
    "missing": [_en_forward(r"missing|unaccounted for")],
    "evacuated": [
        _en_forward(r"evacuated|relocated|displaced|moved to safety"),
        _en_reverse(r"evacuated|relocated|evacuating|relocating|evacuation of|relocation of"),
    ],
    "affected": [_en_forward("affected"), _en_reverse("affecting")],
    "cases": [
        _en_forward(
            r"fell ill|fallen ill|became ill|got sick|sickened|showed symptoms|"
            r"developed symptoms|reported symptoms|hospitali[sz]ed|poisoned|infected|"
            r"cases|infections"
        ),
        rf"\b(?:cases|infections)\s+(?:[a-z]+\s+){{0,2}}?to\s+(?P<n>{EN_NUMBER})\b",
    ],
}
_EN_MONEY = r"(?:cny|rmb|¥|yuan)"
_EN_LOSS = [
    rf"\b(?:loss|losses|damage|damages)\b[^.;]{{0,30}}?{_EN_MONEY}\s*(?P<n>{EN_NUMBER})\b",
    rf"\b(?:loss|losses|damage|damages)\b[^.;]{{0,30}}?(?P<n>{EN_NUMBER})\s*{_EN_MONEY}",
    rf"{_EN_MONEY}\s*(?P<n>{EN_NUMBER})\s+(?:in|of|worth of)\s+(?:[a-z]+\s+){{0,2}}?"
    r"(?:losses|loss|damage)\b",
    rf"(?<![\w.])(?P<n>{EN_NUMBER})\s*{_EN_MONEY}\s+(?:in|of|worth of)\s+(?:[a-z]+\s+){{0,2}}?"
    r"(?:losses|loss|damage)\b",
]

_ZH_UNIT_VALUE = {"千万": 10_000_000, "百万": 1_000_000, "万": 10_000, "亿": 100_000_000}


class CountEvidence(NamedTuple):
    """One figure found in the text: the metric, its value and the phrase it came from."""

    metric: str
    value: int
    phrase: str
    start: int


Parser = Callable[[str], int | float | None]


def _compile(
    table: dict[str, list[str]], parse: Parser
) -> list[tuple[str, re.Pattern[str], Parser]]:
    return [(metric, re.compile(p), parse) for metric, patterns in table.items() for p in patterns]


_COMPILED = sorted(
    [
        *_compile(_ZH_PATTERNS, parse_zh_number),
        *_compile(_EN_PATTERNS, parse_en_number),
        *_compile({"economic_loss_cny": _ZH_LOSS}, parse_zh_number),
        *_compile({"economic_loss_cny": _EN_LOSS}, parse_en_number),
    ],
    key=lambda entry: entry[1].pattern.startswith(_REVERSE),
)
_PATTERNS = [
    (metric, pattern, parse, pattern.pattern.startswith(_REVERSE))
    for metric, pattern, parse in _COMPILED
]
#: rules out, per text, the patterns whose characters it lacks
_GATE = PatternGate.for_patterns([pattern for _, pattern, _ in _COMPILED])


def _value(match: re.Match[str], parse: Parser) -> int | None:
    raw = match.group("n")
    number = 1 if raw in ("a", "an") else parse(raw)
    if number is None:
        return None
    unit = match.group("u") if "u" in match.re.groupindex else None
    if unit:
        number *= _ZH_UNIT_VALUE[unit]
    return int(round(number))


def find_counts(
    text: str, is_negated: Callable[[str, int, int], bool] | None = None
) -> list[CountEvidence]:
    """Every count phrase in normalised ``text`` that is not negated."""
    found: list[CountEvidence] = []
    claimed: set[tuple[int, int]] = set()
    for index in _GATE.candidates(text):
        metric, pattern, parse, reverse = _PATTERNS[index]
        for match in pattern.finditer(text):
            value = _value(match, parse)
            if value is None or (reverse and match.span("n") in claimed):
                continue
            claimed.add(match.span("n"))
            if is_negated is not None and is_negated(text, match.start("n"), match.end()):
                continue
            found.append(CountEvidence(metric, value, match.group(0).strip(), match.start()))
    if len(found) > 1:
        found.sort(key=_evidence_order)
    return found


def _evidence_order(evidence: CountEvidence) -> tuple[int, str]:
    return evidence.start, evidence.metric


def extract_counts(
    text: str, is_negated: Callable[[str, int, int], bool] | None = None
) -> tuple[dict[str, int], dict[str, str]]:
    """The largest figure per metric, and the phrase it came from."""
    values: dict[str, int] = {}
    phrases: dict[str, str] = {}
    for evidence in find_counts(text, is_negated):
        if evidence.value > values.get(evidence.metric, -1):
            values[evidence.metric] = evidence.value
            phrases[evidence.metric] = evidence.phrase
    return values, phrases
