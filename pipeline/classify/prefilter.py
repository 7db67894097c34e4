"""What a regular expression cannot match without, to rule patterns out cheaply.

:func:`required_sets` reads a compiled pattern and returns needle sets such that every match
contains at least one needle of each set. A needle is a character, a literal run of
characters, or :data:`DIGIT` (any character ``\\d`` matches). ``造成3人死亡`` needs a digit
or a Chinese numeral, one of ``名人位个例`` and one of the death keywords; ``3 people
injured`` needs a digit or a number word and one of the injury words. A text lacking every
needle of one set cannot match, so the pattern need not run on it. Whatever the analysis
does not understand (classes such as ``\\s``, wide ranges, optional parts, flags) adds no
requirement: the filter may let a pattern through needlessly, never keep a match out.

:class:`PatternGate` checks many patterns at once. One pass over the distinct characters of
the text sets one bit per character requirement (a literal run stands in by its first
character); the patterns whose bits are all set are then checked for their literal runs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import reduce
from itertools import repeat
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


Plan = list[tuple[int, list[int], list[tuple[int, tuple[int, ...]]]]]
"""Groups of (first literal-run check or -1, patterns needing no other run check,
[(pattern, its further run checks)])."""


class PatternGate:
    """Decides, for many patterns at once, which could match a text."""

    def __init__(self, requirements: Sequence[Sequence[Requirement]]) -> None:
        bits: dict[Requirement, int] = {}
        searches: dict[Requirement, int] = {}
        self._needs: list[int] = []
        runs_of: list[list[int]] = []
        for sets in requirements:
            need, runs = 0, []
            for needles in sets:
                shadow = frozenset(n[0] if _is_literal_run(n) else n for n in needles)
                need |= bits.setdefault(shadow, 1 << len(bits))
                if any(_is_literal_run(n) for n in needles):
                    runs.append(searches.setdefault(needles, len(searches)))
            self._needs.append(need)
            runs_of.append(runs)
        shared = [sum(r in runs for runs in runs_of) for r in range(len(searches))]
        self._runs = [tuple(sorted(runs, key=lambda r: (-shared[r], r))) for runs in runs_of]
        self._searches = [
            (
                DIGIT in needles,
                re.compile("|".join(re.escape(n) for n in sorted(needles - {DIGIT}))),
            )
            for needles in searches
        ]
        char_bits: dict[str, int] = {}
        for chars, bit in bits.items():
            for ch in chars:
                char_bits[ch] = char_bits.get(ch, 0) | bit
        self._digit_bits = char_bits.pop(DIGIT, 0)
        self._char_bits = char_bits
        self._plans: dict[int, Plan] = {}

    @classmethod
    def for_patterns(cls, patterns: Sequence[re.Pattern[str]]) -> PatternGate:
        """The gate of ``patterns``, analysed with :func:`required_sets`."""
        return cls([required_sets(p) for p in patterns])

    def _plan(self, have: int) -> Plan:
        plan = self._plans.get(have)
        if plan is None:
            groups: dict[int, tuple[list[int], list[tuple[int, tuple[int, ...]]]]] = {}
            for i, (need, runs) in enumerate(zip(self._needs, self._runs, strict=True)):
                if need & have == need:
                    plain, checked = groups.setdefault(runs[0] if runs else -1, ([], []))
                    if len(runs) > 1:
                        checked.append((i, runs[1:]))
                    else:
                        plain.append(i)
            plan = [(first, plain, checked) for first, (plain, checked) in groups.items()]
            if len(self._plans) >= PLAN_CACHE_SIZE:
                self._plans.clear()
            self._plans[have] = plan
        return plan

    def candidates(self, text: str) -> list[int]:
        """The indices of the patterns that could match ``text``, in order."""
        have = reduce(or_, map(self._char_bits.get, set(text), repeat(0)), 0)
        digits = _DIGIT.search(text) is not None
        if digits:
            have |= self._digit_bits
        out: list[int] = []
        found: dict[int, bool] = {}
        for first, plain, checked in self._plan(have):
            if first >= 0 and not self._found(first, text, digits, found):
                continue
            out += plain
            for i, runs in checked:
                if all(self._found(r, text, digits, found) for r in runs):
                    out.append(i)
        out.sort()
        return out

    def _found(self, run: int, text: str, digits: bool, found: dict[int, bool]) -> bool:
        hit = found.get(run)
        if hit is None:
            with_digit, search = self._searches[run]
            hit = found[run] = (with_digit and digits) or search.search(text) is not None
        return hit

    def open(self, text: str) -> list[bool]:
        """Per pattern: whether it could match ``text``."""
        flags = [False] * len(self._needs)
        for i in self.candidates(text):
            flags[i] = True
        return flags
