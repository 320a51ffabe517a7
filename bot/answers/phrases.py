"""The phrases a question is made of, English and Chinese: dates, currencies, "top 5",
context and prompt sizes, amounts of tokens (the input:output mix: `bot.answers.mix_words`).

Each `take_*` function finds its phrase in a `Work` text, blanks it out (so later steps do
not read it twice) and returns what it meant, or a `Problem` the parser turns into a
refusal (in the reply's language, `Work.language`). Used by `bot.answers.parse`; pure,
no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from bot.answers.numbers import AMOUNT_PATTERN, ZH_NUMERAL_CHARS, read_amount, read_chinese_numeral
from bot.answers.query import MAX_TOKENS
from bot.i18n import translator

BLANK = " | "


@dataclass(frozen=True, slots=True)
class Problem:
    """Something in the question we read but cannot accept, said in one line."""

    reason: str


class Work:
    """The question's text while phrases are taken out of it, and the language a Problem
    is said in (the reply's)."""

    def __init__(self, text: str, language: str = "en") -> None:
        self.text = text
        self.language = language

    def take(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        """The first match of `pattern`, blanked out of the text."""
        match = pattern.search(self.text)
        if match is not None:
            self.blank(match.start(), match.end())
        return match

    def blank(self, start: int, end: int) -> None:
        self.text = self.text[:start] + BLANK + self.text[end:]


# ---- cleaning ----------------------------------------------------------------

_TAG = re.compile(r"<[^<>]{0,60}>")
_MENTION = re.compile(r"(?<![\w.])@[a-z0-9_]{2,64}")
_SPACES = re.compile(r"\s+")


def clean(text: str) -> str:
    """NFKC (full-width → ASCII), control characters and markup tags out, lower-case."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text)
    text = _TAG.sub(" ", text).lower()
    text = _MENTION.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


# ---- amounts -------------------------------------------------------------------

# Amount boundaries: not glued to a word, an id or a decimal ("doubao-pro-32k" is a name).
_BEFORE = r"(?<![a-z0-9.\-/:_])"
_AFTER = r"(?![a-z0-9_])(?!-(?!tok))"


def amount(name: str) -> str:
    """The amount pattern with its group renamed, bounded so names are left alone."""
    return _BEFORE + AMOUNT_PATTERN.replace("(?P<amount>", f"(?P<{name}>") + _AFTER


def tokens_of(text: str, language: str) -> int | Problem | None:
    """The tokens an amount means; a Problem when out of range; None when it is no amount."""
    _ = translator(language).gettext
    tokens = read_amount(text)
    if tokens is None:
        return None
    if tokens <= 0:
        return Problem(
            _("{amount} is no tokens at all; ask about 1M tokens, for example").format(
                amount=text.strip()
            )
        )
    if tokens > MAX_TOKENS:
        return Problem(
            _("{amount} is more tokens than I can price (at most 1,000B)").format(
                amount=text.strip()
            )
        )
    return tokens


def counts_as_tokens(text: str) -> bool:
    """Whether a found amount really is an amount of tokens, not a stray number.

    A bare number counts when it has a unit, says tokens, is grouped with commas or is at
    least 1000; a Chinese numeral counts when it has 万 or 亿 or says tokens ("哪一个" is
    not one token).
    """
    stripped = text.strip()
    if re.search(r"tokens?|toks?|词元", stripped):
        return True
    if stripped and stripped[0] in ZH_NUMERAL_CHARS:
        return "万" in stripped or "亿" in stripped
    if re.fullmatch(r"\d+", stripped):
        return int(stripped) >= 1000
    # A bare decimal ("1.5") is a version number more often than an amount.
    return re.fullmatch(r"\d+\.\d+", stripped) is None


# ---- dates ---------------------------------------------------------------------

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH = (
    r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE_PREFIX = r"(?:(?:as\s+of|as\s+at|on|at|for|by|in|until|截至|截止到?|在)\s*)?"
_DATES = [
    re.compile(_DATE_PREFIX + r"(?<!\d)(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})(?!\d)"),
    re.compile(
        _DATE_PREFIX + r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]?"
    ),
    re.compile(_DATE_PREFIX + _MONTH + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})(?!\d)"),
    re.compile(
        _DATE_PREFIX + r"(?<!\d)(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r",?\s+(?P<y>\d{4})"
    ),
]


# Dates a question may name: LLM APIs were not priced before 2020, and a date beyond
# the century is a typo, not a plan.
EARLIEST_DATE = date(2020, 1, 1)
LATEST_DATE = date(2099, 12, 31)


def take_date(work: Work) -> date | Problem | None:
    """'on 2024-05-20', 'as of May 20 2024', '2024年5月20日' → a date."""
    for pattern in _DATES:
        match = work.take(pattern)
        if match is None:
            continue
        groups = match.groupdict()
        if groups.get("m"):
            month = int(groups["m"])
        else:
            name = groups["month"].rstrip(".")
            month = _MONTHS.get(name[:4], _MONTHS.get(name[:3], 0))
        shown = match.group(0).strip()
        _ = translator(work.language).gettext
        try:
            found = date(int(match["y"]), month, int(match["d"]))
        except ValueError:
            return Problem(_("'{date}' is not a date; write it like 2024-05-20").format(date=shown))
        if not EARLIEST_DATE <= found <= LATEST_DATE:
            # No clock here: fixed bounds that no price record reaches past.
            return Problem(
                _(
                    "'{date}' is out of range: ask about a date from {earliest} to {latest}, "
                    "like 2024-05-20"
                ).format(date=shown, earliest=EARLIEST_DATE, latest=LATEST_DATE)
            )
        return found
    return None


# ---- currency ------------------------------------------------------------------

_CURRENCY_WORDS = {
    "usd": "USD",
    "us$": "USD",
    "$": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "美元": "USD",
    "美金": "USD",
    "cny": "CNY",
    "rmb": "CNY",
    "yuan": "CNY",
    "renminbi": "CNY",
    "¥": "CNY",
    "人民币": "CNY",
    "元": "CNY",
    "块钱": "CNY",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "€": "EUR",
    "欧元": "EUR",
}
_CURRENCY = re.compile(
    r"(?:(?:in|as|into|用|以)\s*)?(?:"
    r"(?<![a-z])(?P<word>usd|cny|rmb|yuan|renminbi|dollars?|eur|euros?)(?![a-z])"
    r"|(?P<sign>us\$|\$|¥|€)"
    # 元 is also the last character of 混元 (Hunyuan): not a currency there.
    r"|(?P<zh>人民币|美元|美金|欧元|块钱|(?<!混)元(?!宝))"
    r")"
)


def take_currency(work: Work) -> str | None:
    """'in USD', 'cny', '元', '$' → an ISO code; the first one mentioned wins."""
    found: str | None = None
    while (match := work.take(_CURRENCY)) is not None:
        word = match["word"] or match["sign"] or match["zh"]
        found = found or _CURRENCY_WORDS[word]
    return found


# ---- how many ------------------------------------------------------------------

_NUMBER_WORDS = {
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
    "twenty": 20,
}
_COUNT = r"(?P<n>\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten|twenty)"
_TOPS = [
    re.compile(
        r"(?<![a-z])(?:top|first|best)\s*-?\s*"
        + _COUNT
        + r"(?![a-z0-9.,:])(?!\s*(?:k|m|万|亿|tokens?|million|thousand)(?![a-z]))"
    ),
    re.compile(r"(?<![a-z0-9])" + _COUNT + r"\s+(?:cheapest|cheaper|lowest)"),
    re.compile(
        r"(?<![a-z])cheapest\s+"
        + _COUNT
        + r"(?![a-z0-9.,:])(?!\s*(?:k|m|万|亿|tokens?|million|thousand|b)(?![a-z]))"
    ),
    re.compile(r"前\s*(?P<n>\d{1,3}|[一二两三四五六七八九十]{1,3})\s*(?:名|个|位)?"),
]
_ALL = re.compile(r"(?<![a-z])(?:all|every|全部|所有)(?![a-z])")


def take_top(work: Work) -> int | Problem | None:
    """'top 5', 'first 3', '5 cheapest', '前5名' → how many rows; 'all' → many."""
    for pattern in _TOPS:
        match = work.take(pattern)
        if match is None:
            continue
        raw = match["n"]
        n = int(raw) if raw.isdigit() else _NUMBER_WORDS.get(raw) or read_chinese_numeral(raw) or 0
        if n <= 0:
            _ = translator(work.language).gettext
            return Problem(
                _("'{phrase}' asks for no rows; try top 5").format(phrase=match.group(0).strip())
            )
        return n
    if work.take(_ALL) is not None:
        return 10**6
    return None


# ---- context window and prompt size -------------------------------------------

_AT_LEAST = r"(?:>=|≥|>|at\s+least|min(?:imum)?|over|above|of|=|:|至少|最少|不少于|大于|超过)"
_CONTEXTS = [
    re.compile(
        r"(?:(?:with|having|supporting|supports?|that\s+supports?|and)\s+)?(?:a\s+)?(?:"
        + _AT_LEAST
        + r"\s*)?"
        + amount("c")
        + r"\s*\+?\s*(?:tokens?\s+)?(?:of\s+)?(?:context|ctx)(?:\s*(?:window|length|size))?"
    ),
    re.compile(
        r"(?:context|ctx)(?:\s*(?:window|length|size))?\s*(?:"
        + _AT_LEAST
        + r"\s*)*"
        + amount("c")
        + r"\s*\+?"
    ),
    re.compile(
        r"(?:支持|至少|最少|大于|不少于|≥|>=)?\s*"
        + amount("c")
        + r"\s*(?:以上)?\s*(?:的)?\s*(?:上下文|上下文窗口|上下文长度)"
    ),
    re.compile(
        r"上下文(?:窗口|长度)?\s*(?:" + _AT_LEAST + r")?\s*" + amount("c") + r"\s*(?:以上)?"
    ),
    re.compile(r"(?:>=|≥|>)\s*" + amount("c")),
]
_PROMPTS = [
    re.compile(
        r"(?:(?:for|with|on)\s+)?(?:a\s+|an\s+)?"
        + amount("p")
        + r"[\s-]*(?:tokens?[\s-]*)?(?:long\s+)?prompts?(?![a-z])"
    ),
    re.compile(
        r"(?<![a-z])prompts?\s*(?:length\s*)?(?:(?P<over>over|above|>)|of|=|:|at|up\s+to)?\s*"
        + amount("p")
    ),
    re.compile(
        r"(?:提示词?|prompt)\s*(?:长度)?\s*(?:为|是|有|(?P<over>超过|大于))?\s*" + amount("p")
    ),
    re.compile(amount("p") + r"\s*(?:的)?\s*(?:长)?\s*(?:提示词?|prompt)"),
]


def take_context(work: Work) -> int | Problem | None:
    """'with 128k context', '≥32k', '支持128k上下文' → a minimum context window in tokens."""
    for pattern in _CONTEXTS:
        match = work.take(pattern)
        if match is not None:
            tokens = tokens_of(match["c"], work.language)
            if tokens is None:
                _ = translator(work.language).gettext
                return Problem(
                    _("I cannot read the context size in '{phrase}'").format(
                        phrase=match.group(0).strip()
                    )
                )
            return tokens
    return None


def take_prompt(work: Work) -> int | Problem | None:
    """'for 200k prompts', 'prompts over 128k', '提示200k' → a prompt length in tokens."""
    for pattern in _PROMPTS:
        match = work.take(pattern)
        if match is not None:
            tokens = tokens_of(match["p"], work.language)
            if tokens is None:
                _ = translator(work.language).gettext
                return Problem(
                    _("I cannot read the prompt size in '{phrase}'").format(
                        phrase=match.group(0).strip()
                    )
                )
            if isinstance(tokens, int) and match.groupdict().get("over"):
                tokens += 1
            return tokens
    return None
