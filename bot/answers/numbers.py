"""Token amounts as people write them: `1M`, `500k`, `1.5 million`, `100万`, `一百万`, `1亿`.

Public:
- `AMOUNT_PATTERN`: a regular expression source matching one amount (with its unit);
- `read_amount(text) -> int | None`: the number of tokens an amount stands for;
- `read_chinese_numeral(text) -> int | None`: `一百万` → 1000000;
- `format_tokens(n, language) -> str`: 1000000 → '1M', 750000 → '750K', 1234 → '1,234';
  in Chinese '100万', '75万'.

Pure: no I/O. Amounts are exact (Decimal), then rounded to whole tokens.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# Multipliers by unit word; the regex below tries longer spellings first.
_UNITS: dict[str, int] = {
    "k": 10**3,
    "thousand": 10**3,
    "m": 10**6,
    "mn": 10**6,
    "mm": 10**6,
    "mil": 10**6,
    "mio": 10**6,
    "mln": 10**6,
    "million": 10**6,
    "millions": 10**6,
    "b": 10**9,
    "bn": 10**9,
    "billion": 10**9,
    "千": 10**3,
    "万": 10**4,
    "十万": 10**5,
    "百万": 10**6,
    "千万": 10**7,
    "亿": 10**8,
}

_WORD_NUMBERS: dict[str, int] = {
    "a": 1,
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
    "half a": 0,  # read specially: half a million
}

_ZH_DIGITS = {
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
_ZH_SMALL = {"十": 10, "百": 100, "千": 1000}
_ZH_BIG = {"万": 10**4, "亿": 10**8}
ZH_NUMERAL_CHARS = "".join([*_ZH_DIGITS, *_ZH_SMALL, *_ZH_BIG])

_ascii_units = sorted((u for u in _UNITS if u.isascii()), key=len, reverse=True)
_zh_units = sorted((u for u in _UNITS if not u.isascii()), key=len, reverse=True)
_word_numbers = sorted(_WORD_NUMBERS, key=len, reverse=True)

# A number: 1,000,000 · 1.5 · 100 — digits grouped by commas only in threes.
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
# Ascii units must end at a word boundary ("1m" yes, "1mb" no); Chinese units need none.
_UNIT = (
    r"(?:\s*(?:" + "|".join(_ascii_units) + r")(?![a-z0-9]))|(?:\s*(?:" + "|".join(_zh_units) + "))"
)
_TOKENS = r"(?:\s*(?:个)?\s*(?:tokens?|toks?|词元|个词元)(?![a-z]))"

# Either a number with an optional unit and an optional "tokens", a number word with a
# unit ("a million"), or a Chinese numeral (一百万). Callers decide whether a bare
# number without unit or "tokens" counts (see `is_plain_number`).
AMOUNT_PATTERN = (
    r"(?P<amount>"
    r"(?:(?:" + _NUMBER + r")(?:" + _UNIT + r")?" + _TOKENS + r"?)"
    r"|(?:(?:" + "|".join(re.escape(w) for w in _word_numbers) + r")\s+"
    r"(?:thousand|million|billion)" + _TOKENS + r"?)"
    r"|(?:[" + ZH_NUMERAL_CHARS + r"]+" + _TOKENS + r"?)"
    r")"
)

_SPLIT = re.compile(
    r"^(?P<num>" + _NUMBER + r")\s*(?P<unit>" + "|".join(_ascii_units + _zh_units) + r")?$"
)
_TOKENS_SUFFIX = re.compile(r"\s*(?:个)?\s*(?:tokens?|toks?|词元|个词元)$")


def read_chinese_numeral(text: str) -> int | None:
    """`一百万` → 1000000, `一亿五千万` → 150000000, `十万` → 100000; None if not a numeral."""
    if not text or any(c not in ZH_NUMERAL_CHARS for c in text):
        return None
    total = 0
    section = 0
    digit: int | None = None
    for char in text:
        if char in _ZH_DIGITS:
            if digit is not None and digit != 0:
                return None  # two digits in a row ("一二") is not a numeral we read
            digit = _ZH_DIGITS[char]
        elif char in _ZH_SMALL:
            section += (1 if digit is None else digit) * _ZH_SMALL[char]
            digit = None
        else:
            section += digit or 0
            if section == 0 and total == 0:
                section = 1  # "万" alone: ten thousand
            if char == "亿":
                total = (total + section) * _ZH_BIG[char]
            else:
                total += section * _ZH_BIG[char]
            section = 0
            digit = None
    return total + section + (digit or 0)


def has_unit_or_tokens(text: str) -> bool:
    """Whether an amount says what it counts (a unit or the word tokens)."""
    stripped = _TOKENS_SUFFIX.sub("", text.strip())
    return stripped != text.strip() or not re.fullmatch(_NUMBER, stripped)


def read_amount(text: str) -> int | None:
    """The tokens an amount stands for: '1.5 million' → 1500000; None when unreadable.

    Zero is read as 0 (the caller refuses it); half a token rounds to a whole one.
    """
    cleaned = _TOKENS_SUFFIX.sub("", text.strip().lower()).strip()
    if not cleaned:
        return None
    value: Decimal
    words = cleaned.split()
    head = " ".join(words[:-1])
    if len(words) >= 2 and words[-1] in ("thousand", "million", "billion"):
        unit = _UNITS[words[-1]]
        if head == "half a":
            return unit // 2
        if head in _WORD_NUMBERS:
            return _WORD_NUMBERS[head] * unit
    numeral = read_chinese_numeral(cleaned)
    if numeral is not None:
        return numeral
    match = _SPLIT.match(cleaned)
    if match is None:
        return None
    try:
        value = Decimal(match["num"].replace(",", ""))
    except InvalidOperation:
        return None
    unit_text = match["unit"]
    if unit_text:
        value *= _UNITS[unit_text]
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


def format_tokens(tokens: int, language: str = "en") -> str:
    """1000000 → '1M', 750000 → '750K', 1500000 → '1.5M', 1234567 → '1,234,567'; in
    Chinese by 万 and 亿, as Chinese price pages count: '100万', '75万', '1.5亿'."""
    sizes = _ZH_SIZES if language == "zh" else _EN_SIZES
    for size, suffix in sizes:
        # At most two decimals at this size, else try the next smaller one.
        if tokens >= size and tokens % (size // 100) == 0:
            value = (Decimal(tokens) / size).normalize()
            return f"{value:f}{suffix}"
    return f"{tokens:,}"


_EN_SIZES = ((10**9, "B"), (10**6, "M"), (10**3, "K"))
_ZH_SIZES = ((10**8, "亿"), (10**4, "万"))
