"""The worker's classification shortcuts give what the plain definitions give."""

from __future__ import annotations

import json
import random
import re
from typing import Any

import pytest

from pipeline.classification import classify_for_incident, rulebook_classifier, shape
from pipeline.classify import classify_report, load_rulebook
from pipeline.classify.classifier import classify_record
from pipeline.classify.counts import _COMPILED, _GATE
from pipeline.classify.prefilter import trie_pattern
from pipeline.classify.text import _EN_WORD, normalise
from pipeline.synthetic import synthetic_reports

BITS_ZH = [
    "造成3人死亡",
    "三人受伤",
    "致2人重伤",
    "死亡人数升至12人",
    "3死5伤",
    "疏散周边居民300余人",
    "直接经济损失约1200万元",
    "两人死亡三人受伤",
    "无一人死亡",
    "1,200人受灾",
    "十二人失踪",
    "5例",
]
BITS_EN = [
    "12 people injured",
    "two dead",
    "killing three",
    "the death toll rose to 5",
    "economic loss of CNY 15 million",
    "none of the 30 passengers was injured",
    "a man was killed",
    "more than 300 evacuated",
    "cases rose to 40",
    "no fire",
    "fire was ruled out",
    "fire brigade",
    "uninjured",
    "firefighters",
]
GLUE = ["，", "。", "; ", ", ", " ", "但", " but ", "未", "没有", "no ", "not ", "-"]  # fmt: skip


@pytest.fixture(scope="module")
def book() -> Any:
    return load_rulebook()


def _texts(book: Any, n: int = 1500) -> list[str]:
    rng = random.Random(9)
    zh = [t for rule in book.types.values() for g in rule.terms for t in g.zh]
    en = [t for rule in book.types.values() for g in rule.terms for t in g.en]
    cues = book.negation.zh.cues + book.negation.en.cues + book.negation.en.after_cues
    pools = [zh, en, BITS_ZH, BITS_EN, cues, book.mask.zh + book.mask.en]
    out = []
    for _ in range(n):
        parts = [rng.choice(rng.choice(pools)) + rng.choice(GLUE) for _ in range(rng.randint(1, 6))]
        text = "".join(parts)
        out.append(text.upper() if rng.random() < 0.1 else text)
    return out


def _reports(book: Any) -> list[dict[str, Any]]:
    rng = random.Random(2)
    reports = [json.loads(e.value) for e in synthetic_reports(200, seed=5)]
    for i, text in enumerate(_texts(book, 600)):
        report: dict[str, Any] = {"report_id": f"r-{i}", "description": text}
        hint = rng.choice([None, None, "fire", "火灾", "flood", "bogus", "unclassified"])
        if hint:
            report["type"] = hint
        if rng.random() < 0.2:
            report["casualties"] = {"deaths": rng.randint(0, 40), "injuries": rng.randint(0, 9)}
        if rng.random() < 0.1:
            report["economic_loss_cny"] = rng.choice([0, 1200.0, 5e6, 1.5e8])
        reports.append(report)
    return reports


def test_the_record_is_the_models_dump(book):
    for report in _reports(book)[:300]:
        record = classify_record(report, book)
        dumped = classify_report(report, book).to_dict()
        assert record == dumped
        assert list(record) == list(dumped)


def test_the_incident_fields_are_the_shaped_record_with_or_without_memory(book):
    memo: dict = {}
    for report in _reports(book) * 2:
        expected = shape(classify_record(report, book))
        assert classify_for_incident(report, book) == expected
        assert classify_for_incident(report, book, memo) == expected
    assert memo, "alike reports are remembered"


def test_a_remembered_classification_is_the_callers_own():
    classify = rulebook_classifier()
    report = {"report_id": "r", "description": "居民楼起火，造成2人受伤", "type": "fire"}
    first = classify(report)
    expected = json.loads(json.dumps(first))
    first["explanation"]["matched_terms"].append("x")
    first["rule"]["id"] = "changed"
    first["casualties"]["injuries"] = 99
    first["counts_extracted"]["deaths"] = True
    assert classify(report) == expected


def test_the_count_gate_never_keeps_a_matching_pattern_out(book):
    for text in map(normalise, _texts(book)):
        candidates = set(_GATE.candidates(text))
        for index, (_metric, pattern, _parse) in enumerate(_COMPILED):
            if pattern.search(text):
                assert index in candidates, (pattern.pattern[:60], text)


def test_a_trie_matches_the_longest_word_at_each_position():
    rng = random.Random(3)
    for _ in range(200):
        words = {"".join(rng.choice("abc") for _ in range(rng.randint(1, 4))) for _ in range(8)}
        rx = re.compile(trie_pattern(sorted(words)))
        text = "".join(rng.choice("abcx") for _ in range(30))
        for pos in range(len(text)):
            found = rx.match(text, pos)
            starting = [w for w in words if text.startswith(w, pos)]
            assert (found.group() if found else None) == max(starting, key=len, default=None)


def _reference_zh(matcher: Any, text: str) -> list[tuple[str, int, int]]:
    out, i = [], 0
    while i < len(text):
        for term in matcher._zh.get(text[i], ()):
            if text.startswith(term, i):
                out.append((term, i, i + len(term)))
                i += len(term)
                break
        else:
            i += 1
    return out


def _reference_en(matcher: Any, text: str) -> list[tuple[str, int, int]]:
    out, free = [], 0
    for word in _EN_WORD.finditer(text):
        if word.start() < free:
            continue
        token = word.group(0)
        candidates = [
            *matcher._en.get(token, ()),
            *matcher._en.get(token[:-1], ()),
            *matcher._en.get(token[:-2], ()),
        ]
        best = None
        for term, pattern in candidates:
            match = pattern.match(text, word.start())
            if match and (best is None or match.end() > best[1]):
                best = (term, match.end())
        if best is not None:
            out.append((best[0], word.start(), best[1]))
            free = best[1]
    return out


def test_the_term_scans_find_what_a_scan_position_by_position_finds(book):
    matcher = book.matcher
    for text in map(normalise, _texts(book)):
        masked = matcher.mask(text)
        hits = matcher.find(text)
        for lang, reference in (("zh", _reference_zh), ("en", _reference_en)):
            spans = dict.fromkeys((h.term, h.start, h.end) for h in hits if h.lang == lang)
            assert list(spans) == reference(matcher, masked), text
