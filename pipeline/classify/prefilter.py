"""Characters a regular expression cannot match without, to rule patterns out cheaply.

:func:`required_sets` reads a compiled pattern and returns character sets such that every
match contains at least one character of each set (``造成3人死亡`` needs one of the digits
or Chinese numerals, one of ``名人位个例`` and one of the death keywords' characters). A text
missing every character of one set cannot match, so the pattern need not run on it.
Anything the analysis does not understand (classes such as ``\\d``, wide ranges, optional
parts, flags) simply adds no requirement: the filter may let a pattern through needlessly,
never keep a matching one out.

:class:`PatternGate` checks many patterns at once: one pass over the distinct characters of
the text sets one bit per requirement, and a pattern runs only when all its bits are set.
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
Requirement = frozenset[str]


def required_sets(pattern: re.Pattern[str]) -> list[Requirement]:
    """Character sets each of which every match of ``pattern`` must use at least once."""
    if _p is None or not isinstance(pattern.pattern, str):
        return []
    if pattern.flags & (re.IGNORECASE | re.VERBOSE):
        return []
    try:
        parsed = _p.parse(pattern.pattern, pattern.flags)
    except Exception:  # noqa: BLE001 - no analysis, no filtering
        return []
    return _dedupe(_sequence(list(parsed)))


def _dedupe(sets: list[Requirement]) -> list[Requirement]:
    return list(dict.fromkeys(s for s in sets if s))


def _sequence(items: Sequence[tuple[Any, Any]]) -> list[Requirement]:
    out: list[Requirement] = []
    for op, av in items:
        out.extend(_node(op, av))
    return out


def _node(op: Any, av: Any) -> list[Requirement]:
    if op is _c.LITERAL:
        return [frozenset(chr(av))]
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
        picks = [_narrowest(_sequence(list(alt))) for alt in alternatives]
        if not picks or any(pick is None for pick in picks):
            return []
        return [frozenset().union(*picks)]
    return []


def _narrowest(sets: list[Requirement]) -> Requirement | None:
    sets = [s for s in sets if s]
    return min(sets, key=len) if sets else None


def _charset(items: Sequence[tuple[Any, Any]]) -> Requirement | None:
    chars: set[str] = set()
    for op, av in items:
        if op is _c.LITERAL:
            chars.add(chr(av))
        elif op is _c.RANGE and av[1] - av[0] < MAX_RANGE:
            chars.update(chr(code) for code in range(av[0], av[1] + 1))
        else:
            return None
    return frozenset(chars)


class PatternGate:
    """Decides, for many patterns at once, which could match a text."""

    def __init__(self, requirements: Sequence[Sequence[Requirement]]) -> None:
        bits: dict[Requirement, int] = {}
        self._needs: list[int] = []
        for sets in requirements:
            need = 0
            for chars in sets:
                need |= bits.setdefault(chars, 1 << len(bits))
            self._needs.append(need)
        char_bits: dict[str, int] = {}
        for chars, bit in bits.items():
            for ch in chars:
                char_bits[ch] = char_bits.get(ch, 0) | bit
        self._char_bits = char_bits

    @classmethod
    def for_patterns(cls, patterns: Sequence[re.Pattern[str]]) -> PatternGate:
        """The gate of ``patterns``, analysed with :func:`required_sets`."""
        return cls([required_sets(p) for p in patterns])

    def open(self, text: str) -> list[bool]:
        """Per pattern: whether ``text`` has every character set the pattern needs."""
        have = reduce(or_, map(self._char_bits.get, set(text), repeat(0)), 0)
        return [need & have == need for need in self._needs]
