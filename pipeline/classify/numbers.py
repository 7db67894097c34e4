"""Numbers written in incident reports: Arabic digits, Chinese numerals and English words.

``parse_zh_number`` reads ``3``, ``1,200``, ``1.2亿``, ``1200万``, ``三``, ``两``, ``十二``,
``二十三``, ``一百零五``, ``三千五百万``; ``parse_en_number`` reads ``12``, ``1,200``,
``two``, ``twenty-three``, ``two hundred``, ``15 million``, ``1.2 billion``. Both return
``None`` for text that is not a number. The ``*_NUMBER`` patterns find candidates in text.
"""

from __future__ import annotations

import re
from functools import lru_cache

ZH_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
ZH_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
ZH_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
ZH_UNITS = {**ZH_SMALL_UNITS, **ZH_BIG_UNITS}

_ZH_NUMERALS = "零〇一二两三四五六七八九十百千万亿"
_ARABIC = r"(?:\d{1,3}(?:,\d{3}){1,4}|\d{1,12})(?:\.\d{1,6})?"
#: a number in Chinese text: digits with optional Chinese multipliers, or a run of Chinese
#: numerals (never starting inside a longer number)
ZH_NUMBER = (
    rf"(?:(?<![\d.])(?<!\d,){_ARABIC}\s*[十百千万亿]{{0,3}}"
    rf"|(?<![{_ZH_NUMERALS}])[{_ZH_NUMERALS}]{{1,12}})"
)

EN_ONES = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
EN_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
EN_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_EN_WORD = "|".join(sorted([*EN_ONES, *EN_TENS, "hundred", "thousand"], key=len, reverse=True))
_EN_WORDS = rf"(?:{_EN_WORD})(?:(?:\s+and\s+|[\s-]+)(?:{_EN_WORD})){{0,6}}"
#: a number in English text: digits or number words, optionally followed by a scale word
EN_NUMBER = rf"(?:{_ARABIC}|{_EN_WORDS})(?:\s+(?:hundred|thousand|million|billion))?"


def _as_int_if_whole(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _parse_zh_numerals(text: str) -> int | None:
    """Pure Chinese numerals (``二十三``, ``一亿二千万``); ``None`` if not a numeral."""
    if not text or any(ch not in ZH_DIGITS and ch not in ZH_UNITS for ch in text):
        return None
    total = section = digit = 0
    seen_digit = False
    for ch in text:
        if ch in ZH_DIGITS:
            digit = ZH_DIGITS[ch]
            seen_digit = True
        elif ch in ZH_SMALL_UNITS:
            section += (digit if seen_digit else 1) * ZH_SMALL_UNITS[ch]
            digit, seen_digit = 0, False
        elif ch == "万":
            section = (section + digit) * 10_000
            digit, seen_digit = 0, False
        else:  # 亿
            total = (total + section + digit) * 100_000_000
            section = digit = 0
            seen_digit = False
    return total + section + digit


@lru_cache(maxsize=4096)
def parse_zh_number(text: str) -> int | float | None:
    """A number as written in Chinese text, e.g. ``1.2亿`` -> 120000000, ``十二`` -> 12."""
    s = re.sub(r"\s+", "", text).replace(",", "")
    mixed = re.fullmatch(r"(\d+(?:\.\d+)?)([十百千万亿]*)", s)
    if mixed:
        value = float(mixed.group(1))
        for ch in mixed.group(2):
            value *= ZH_UNITS[ch]
        return _as_int_if_whole(round(value, 6))
    return _parse_zh_numerals(s)


def _parse_en_words(words: list[str]) -> int | None:
    total = current = 0
    for word in words:
        if word == "and":
            continue
        if word in EN_ONES:
            current += EN_ONES[word]
        elif word in EN_TENS:
            current += EN_TENS[word]
        elif word == "hundred":
            current = (current or 1) * 100
        elif word in EN_SCALES:
            total += (current or 1) * EN_SCALES[word]
            current = 0
        else:
            return None
    return total + current


@lru_cache(maxsize=4096)
def parse_en_number(text: str) -> int | float | None:
    """A number as written in English text, e.g. ``twenty-three`` -> 23, ``15 million``."""
    s = text.strip().lower()
    scale = 1
    scaled = re.fullmatch(r"(.+?)\s+(hundred|thousand|million|billion)", s)
    if scaled and re.fullmatch(_ARABIC, scaled.group(1)):
        s, scale = scaled.group(1), EN_SCALES[scaled.group(2)]
    if re.fullmatch(_ARABIC, s):
        return _as_int_if_whole(round(float(s.replace(",", "")) * scale, 6))
    words = [w for w in re.split(r"[\s-]+", s) if w]
    return _parse_en_words(words) if words else None
