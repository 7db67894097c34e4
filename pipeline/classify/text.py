"""Text handling for classification: normalisation, term matching and negation.

Chinese terms match as substrings, English terms as whole words (a trailing ``s``/``es``
plural is accepted; a space in a term also matches a hyphen, a hyphen an optional space).
At one position the longest term wins, so ``森林火灾`` is one forest-fire hit, not also a
``火灾`` fire hit. Mask phrases (``fire brigade``, ``fire engine``) are blanked before
matching. A hit is negated when a cue of its language precedes it closely in the same clause
(``未发现明火``, ``no fire``) or an after-cue follows it (``fire was ruled out``); the cues
are data in the rulebook.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

from pipeline.classify.prefilter import trie_pattern

if TYPE_CHECKING:
    from pipeline.classify.rulebook_model import NegationDef, Rulebook

_CLAUSE_END = re.compile(r"[。!?;\n]|(?<!\d)[.,]|[.,](?!\d)")
_EN_WORD = re.compile(r"[a-z0-9']+")
#: characters looked at around a term for its negation (bounds the work per hit)
NEGATION_REACH = 120


def normalise(text: str) -> str:
    """NFKC (full-width digits and punctuation to ASCII), lower case, straight apostrophes.

    ASCII text is its own NFKC form and has no curly apostrophe: it is only lower-cased."""
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFKC", text).replace("\u2019", "'").lower()


class TermHit(NamedTuple):
    """One occurrence of a rulebook term in a description."""

    type: str
    term: str
    weight: float
    lang: str
    start: int
    end: int
    negated: bool


def clause_bounds(text: str, start: int, end: int, reach: int = NEGATION_REACH) -> tuple[int, int]:
    """The clause around ``text[start:end]``, looking at most ``reach`` characters each way."""
    left = max(0, start - reach)
    for match in _CLAUSE_END.finditer(text, left, start):
        left = match.end()
    right_match = _CLAUSE_END.search(text, end, min(len(text), end + reach))
    return left, right_match.start() if right_match else min(len(text), end + reach)


def _alternation(terms: Iterable[str]) -> str:
    return "|".join(re.escape(t) for t in sorted(set(terms), key=len, reverse=True))


def _en_term_pattern(term: str) -> str:
    words = [re.escape(w) for w in re.split(r"[\s]+", term.strip()) if w]
    return r"[\s-]+".join(words).replace(r"\-", r"[\s-]?")


class Negator:
    """Decides whether a span is negated, for one language."""

    def __init__(self, spec: NegationDef, lang: str) -> None:
        self.lang = lang
        self.window = spec.window
        bound = (r"\b", r"\b") if lang == "en" else ("", "")
        self._cues = re.compile(bound[0] + f"(?:{_alternation(spec.cues)})" + bound[1])
        #: word boundaries look past the searched stretch unless it is cut out first
        self._bounded = lang == "en"
        self._not_cues = re.compile(f"(?:{_alternation(spec.not_cues)})") if spec.not_cues else None
        self._after = (
            re.compile(f"(?:{_alternation(spec.after_cues)})") if spec.after_cues else None
        )
        self._breakers = (
            re.compile(bound[0] + f"(?:{_alternation(spec.breakers)})" + bound[1])
            if spec.breakers
            else None
        )

    def _cue_near(self, text: str, start: int, end: int) -> bool:
        """Whether a cue lies in reach before the span or an after-cue in reach after it.

        The clause lies within that reach, so without either the span is not negated; where
        cues are bounded by word boundaries the text before is searched as a string of its
        own, as the clause is."""
        left = start - NEGATION_REACH if start > NEGATION_REACH else 0
        if self._bounded:
            if self._cues.search(text[left:start]):
                return True
        elif self._cues.search(text, left, start):
            return True
        stop = min(len(text), end + NEGATION_REACH)
        return bool(self._after and self._after.search(text, end, stop))

    def _gap(self, between: str) -> int:
        if self.lang == "en":
            return len(_EN_WORD.findall(between))
        return len(between.strip())

    def is_negated(self, text: str, start: int, end: int) -> bool:
        """True when ``text[start:end]`` is negated within its clause."""
        if not self._cue_near(text, start, end):
            return False
        left, right = clause_bounds(text, start, end)
        clause = text[left:right]
        voids: list[tuple[int, int]] | None = None
        rel_start, rel_end = start - left, end - left
        for cue in self._cues.finditer(clause, 0, rel_start):
            if voids is None:
                voids = (
                    [m.span() for m in self._not_cues.finditer(clause)] if self._not_cues else []
                )
            if any(a <= cue.start() and cue.end() <= b for a, b in voids):
                continue
            between = clause[cue.end() : rel_start]
            if self._gap(between) > self.window:
                continue
            if self._breakers and self._breakers.search(between):
                continue
            return True
        if self._after:
            after = self._after.search(clause, rel_end)
            if after and self._gap(clause[rel_end : after.start()]) <= self.window:
                return True
        return False


class TermMatcher:
    """The rulebook's type terms, indexed by first character (Chinese) or first word (English).

    Scanning is leftmost-longest and never overlapping, in time linear in the text.
    """

    def __init__(self, rulebook: Rulebook) -> None:
        self.index: dict[tuple[str, str], list[tuple[str, float]]] = {}
        for type_key, rule in rulebook.types.items():
            for group in rule.terms:
                for lang, terms in (("zh", group.zh), ("en", group.en)):
                    for term in terms:
                        self.index.setdefault((lang, term), []).append((type_key, group.weight))
        self._zh: dict[str, list[str]] = {}
        self._en: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
        zh_terms: list[str] = []
        for lang, term in sorted(self.index, key=lambda key: -len(key[1])):
            if lang == "zh":
                self._zh.setdefault(term[0], []).append(term)
                zh_terms.append(term)
            else:
                first = re.split(r"[\s-]", term, maxsplit=1)[0]
                pattern = re.compile(_en_term_pattern(term) + r"(?:e?s)?\b")
                self._en.setdefault(first, []).append((term, pattern))
        #: the longest term at each position, as ``_zh`` tries them
        self._zh_scan = re.compile(trie_pattern(zh_terms)) if zh_terms else None
        #: the words that are a first word of a term, or one with up to two more letters
        firsts = [word for word in self._en if _EN_WORD.fullmatch(word)]
        self._en_words = (
            re.compile(rf"(?<![a-z0-9'])(?:{trie_pattern(firsts)})[a-z0-9']{{0,2}}(?![a-z0-9'])")
            if firsts
            else None
        )
        mask_en = [_en_term_pattern(t.lower()) for t in rulebook.mask.en]
        self._mask_en = re.compile(r"\b(?:" + "|".join(mask_en) + r")\b") if mask_en else None
        self._mask_zh = (
            re.compile(f"(?:{_alternation(rulebook.mask.zh)})") if rulebook.mask.zh else None
        )
        self.negators = {
            "zh": Negator(rulebook.negation.zh, "zh"),
            "en": Negator(rulebook.negation.en, "en"),
        }

    def mask(self, text: str) -> str:
        """``text`` with mask phrases replaced by spaces (positions are kept)."""
        for pattern in (self._mask_en, self._mask_zh):
            if pattern is not None:
                text = pattern.sub(_blank, text)
        return text

    def is_negated(self, text: str, start: int, end: int) -> bool:
        """True when either language's cues negate ``text[start:end]``."""
        for negator in self.negators.values():
            if negator.is_negated(text, start, end):
                return True
        return False

    def _find_en(self, text: str) -> Iterable[tuple[str, int, int]]:
        if self._en_words is None:
            return
        free = 0
        get = self._en.get
        for word in self._en_words.finditer(text):
            start = word.start()
            if start < free:
                continue
            token = word.group(0)
            whole, less_one, less_two = get(token), get(token[:-1]), get(token[:-2])
            if not (whole or less_one or less_two):
                continue
            best: tuple[str, int] | None = None
            for term, pattern in (*(whole or ()), *(less_one or ()), *(less_two or ())):
                match = pattern.match(text, start)
                if match and (best is None or match.end() > best[1]):
                    best = (term, match.end())
            if best is not None:
                yield best[0], start, best[1]
                free = best[1]

    def find(self, text: str) -> list[TermHit]:
        """Every term occurrence in normalised ``text``, negated ones flagged."""
        masked = self.mask(text)
        hits: list[TermHit] = []
        index = self.index
        if self._zh_scan is not None:
            is_negated = self.negators["zh"].is_negated
            for match in self._zh_scan.finditer(masked):
                term, (start, end) = match.group(), match.span()
                negated = is_negated(masked, start, end)
                for type_key, weight in index[("zh", term)]:
                    hits.append(TermHit(type_key, term, weight, "zh", start, end, negated))
        is_negated = self.negators["en"].is_negated
        for term, start, end in self._find_en(masked):
            negated = is_negated(masked, start, end)
            for type_key, weight in index[("en", term)]:
                hits.append(TermHit(type_key, term, weight, "en", start, end, negated))
        if len(hits) > 1:
            hits.sort(key=_hit_order)
        return hits


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group(0))


def _hit_order(hit: TermHit) -> tuple[int, str]:
    return hit.start, hit.type


def score_types(hits: Iterable[TermHit]) -> dict[str, float]:
    """Sum of weights of distinct, non-negated terms per type."""
    seen: set[tuple[str, str]] = set()
    scores: dict[str, float] = {}
    for hit in hits:
        if hit.negated or (hit.type, hit.term) in seen:
            continue
        seen.add((hit.type, hit.term))
        scores[hit.type] = scores.get(hit.type, 0.0) + hit.weight
    return scores
