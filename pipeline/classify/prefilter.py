"""What a regular expression cannot match without, to rule patterns out cheaply.

:func:`required_sets` reads a compiled pattern and returns needle sets such that every match
contains at least one needle of each set. A needle is a character, a literal run of
characters, or :data:`DIGIT` (any character ``\\d`` matches). ``造成3人死亡`` needs a digit
or a Chinese numeral, one of ``名人位个例`` and one of the death keywords; ``3 people
injured`` needs a digit or a number word and one of the injury words. A text lacking every
needle of one set cannot match, so the pattern need not run on it. Whatever the analysis
does not understand (classes such as ``\\s``, wide ranges, optional parts, flags) adds no
requirement: the filter may let a pattern through needlessly, never keep a match out.

:class:`PatternGate` checks many patterns at once. The distinct characters of the text and
one scan for every literal run (a trie-shaped expression, restarted after each position where
a run starts) set one bit per requirement met; a pattern runs when all its bits are set.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import reduce
from operator import or_
from typing import Any

try:
    from re import _constants as _c  # type: ignore[attr-defined]
    from re import _parser as _p  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - the analysis is an optimisation only
    _c = _p = None

#: the widest character range expanded into a requirement
MAX_RANGE = 256
#: stands in a requirement for every character ``\d`` matches (Unicode category Nd)
DIGIT = "\\d"
_DIGIT = re.compile(r"\d")
#: distinct character profiles whose plans are kept
PLAN_CACHE_SIZE = 4096
Requirement = frozenset[str]


def required_sets(pattern: re.Pattern[str]) -> list[Requirement]:
    """Needle sets each of which every match of ``pattern`` contains a needle of."""
    if _p is None or not isinstance(pattern.pattern, str):
        return []
    if pattern.flags & (re.IGNORECASE | re.VERBOSE):
        return []
    try:
        parsed = _p.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 - no analysis, no filtering
        return []
    return list(dict.fromkeys(s for s in _sequence(list(parsed)) if s))


def _sequence(items: Sequence[tuple[Any, Any]]) -> list[Requirement]:
    out: list[Requirement] = []
    run = ""
    for op, av in items:
        if op is _c.LITERAL:
            run += chr(av)
            continue
        if run:
            out.append(frozenset((run,)))
            run = ""
        out.extend(_node(op, av))
    if run:
        out.append(frozenset((run,)))
    return out


def _node(op: Any, av: Any) -> list[Requirement]:
    if op is _c.IN:
        chars = _charset(av)
        return [chars] if chars else []
    if op is _c.SUBPATTERN:
        _group, add_flags, _del_flags, body = av
        return [] if add_flags & (re.IGNORECASE | re.VERBOSE) else _sequence(list(body))
    if op in (_c.MAX_REPEAT, _c.MIN_REPEAT, getattr(_c, "POSSESSIVE_REPEAT", None)):
        low, _high, body = av
        return _sequence(list(body)) if low >= 1 else []
    if op is getattr(_c, "ATOMIC_GROUP", None):
        return _sequence(list(av))
    if op is _c.BRANCH:
        _unused, alternatives = av
        picks = [_most_selective(_sequence(list(alt))) for alt in alternatives]
        if not picks or any(pick is None for pick in picks):
            return []
        return [frozenset().union(*picks)]
    return []


def _most_selective(sets: list[Requirement]) -> Requirement | None:
    sets = [s for s in sets if s]
    if not sets:
        return None
    return max(sets, key=lambda s: (min(len(n) if n != DIGIT else 1 for n in s), -len(s)))


def _charset(items: Sequence[tuple[Any, Any]]) -> Requirement | None:
    chars: set[str] = set()
    for op, av in items:
        if op is _c.LITERAL:
            chars.add(chr(av))
        elif op is _c.RANGE and av[1] - av[0] < MAX_RANGE:
            chars.update(chr(code) for code in range(av[0], av[1] + 1))
        elif op is _c.CATEGORY and av is _c.CATEGORY_DIGIT:
            chars.add(DIGIT)
        else:
            return None
    return frozenset(chars)


def _is_literal_run(needle: str) -> bool:
    return len(needle) > 1 and needle != DIGIT


def trie_pattern(words: Sequence[str]) -> str:
    """A regular expression matching, at a position, the longest of ``words`` starting there.

    The words share their prefixes (``dead|deaths|died`` becomes ``d(?:ea(?:d(?:s)?...``), so
    a scan tries one branch per character instead of every word.
    """
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = "|".join(branches)
        if "" in node:
            return f"(?:{body})?"
        return body if len(branches) == 1 else f"(?:{body})"

    return emit(trie)


class PatternGate:
    """Decides, for many patterns at once, which could match a text."""

    def __init__(self, requirements: Sequence[Sequence[Requirement]]) -> None:
        bits: dict[Requirement, int] = {}
        self._needs = []
        for sets in requirements:
            need = 0
            for needles in sets:
                need |= bits.setdefault(needles, 1 << len(bits))
            self._needs.append(need)
        self._char_bits: dict[str, int] = {}
        self._digit_bits = 0
        run_bits: dict[str, int] = {}
        for needles, bit in bits.items():
            for needle in needles:
                if needle == DIGIT:
                    self._digit_bits |= bit
                elif _is_literal_run(needle):
                    run_bits[needle] = run_bits.get(needle, 0) | bit
                else:
                    self._char_bits[needle] = self._char_bits.get(needle, 0) | bit
        #: a run found at a position means every run that is a prefix of it is there too
        self._run_bits = {
            run: reduce(or_, (b for other, b in run_bits.items() if run.startswith(other)), 0)
            for run in run_bits
        }
        self._runs = re.compile(trie_pattern(sorted(run_bits))) if run_bits else None
        chars = "".join(sorted(self._char_bits))
        self._chars = re.compile(f"[{re.escape(chars)}]") if chars else None
        self._plans: dict[int, tuple[int, ...]] = {}

    @classmethod
    def for_patterns(cls, patterns: Sequence[re.Pattern[str]]) -> PatternGate:
        """The gate of ``patterns``, analysed with :func:`required_sets`."""
        return cls([required_sets(p) for p in patterns])

    def satisfied(self, text: str) -> int:
        """One bit per requirement that ``text`` meets."""
        met = 0
        if self._chars is not None:
            met = reduce(or_, map(self._char_bits.__getitem__, set(self._chars.findall(text))), 0)
        if self._digit_bits and _DIGIT.search(text):
            met |= self._digit_bits
        if self._runs is not None:
            search, run_bits, pos = self._runs.search, self._run_bits, 0
            while (found := search(text, pos)) is not None:
                met |= run_bits[found.group()]
                pos = found.start() + 1
        return met

    def candidates(self, text: str) -> tuple[int, ...]:
        """The indices of the patterns that could match ``text``, in order."""
        met = self.satisfied(text)
        plan = self._plans.get(met)
        if plan is None:
            plan = tuple(i for i, need in enumerate(self._needs) if need & met == need)
            if len(self._plans) >= PLAN_CACHE_SIZE:
                self._plans.clear()
            self._plans[met] = plan
        return plan

    def open(self, text: str) -> list[bool]:
        """Per pattern: whether it could match ``text``."""
        flags = [False] * len(self._needs)
        for i in self.candidates(text):
            flags[i] = True
        return flags
