"""What a question asks, as plain values: Query, Mix, Defaults, Refusal.

Public:
- `QueryKind`: cheapest, price (one model), cost (models × a mix), compare, free;
- `SellerChoice`: which offers answer: the default (any seller for "cheapest", the
  maker's own offer for a named model), any seller, the maker's own only (direct), or
  the sellers named with "via";
- `Mix`: input and output tokens, and where the split came from (asked, the chat's setting,
  or the industry's blended 3:1 default);
- `Defaults`: what the caller knows before the question: the chat's currency and its own
  input:output ratio (`/settings`), a date (`--as-of`), how many rows;
- `Query`: a parsed question; `Refusal`: a short reason and three examples that work;
- `parse_ratio("3:1")`: read an input:output ratio setting, for the settings command.

Pure values; no I/O, no clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from math import gcd

# The industry's blended convention: 3 input tokens for every output token.
BLENDED_RATIO: tuple[int, int] = (3, 1)
DEFAULT_TOKENS = 1_000_000
DEFAULT_TOP = 5
MAX_TOP = 50
# A trillion tokens: beyond this a number is a typo, not a workload.
MAX_TOKENS = 10**12
# A free offer with no end date is "free now" while a source confirmed it this recently.
FREE_CONFIRM_DAYS = 30


class QueryKind(StrEnum):
    """Which question was asked."""

    CHEAPEST = "cheapest"  # rank every model for a mix
    PRICE = "price"  # one model's prices per 1M tokens
    COST = "cost"  # what a mix costs on one or more models
    COMPARE = "compare"  # two to five models side by side for a mix
    FREE = "free"  # what is free now


class SellerChoice(StrEnum):
    """Which offers of a model answer; the reply says so when it is not the default."""

    DEFAULT = "default"  # any seller for "cheapest"; the maker's own offer for a named model
    ANY = "any"  # "via any seller", 任意渠道: the cheapest offer
    DIRECT = "direct"  # "direct only", "official", 官方: the maker's own offer only
    VIA = "via"  # "via openrouter": offers sold by `Query.via`


class MixSource(StrEnum):
    """Where the input:output split came from; the reply says so."""

    ASKED = "asked"  # the question said it
    CHAT = "chat"  # the chat's own setting (Defaults.ratio)
    DEFAULT = "default"  # the industry's blended 3:1


@dataclass(frozen=True, slots=True)
class Mix:
    """How many input and output tokens a question is about."""

    input_tokens: int
    output_tokens: int
    source: MixSource = MixSource.DEFAULT

    @property
    def total(self) -> int:
        return self.input_tokens + self.output_tokens

    @property
    def ratio(self) -> tuple[int, int]:
        """The split reduced to lowest terms: (3, 1), (1, 0) for input only."""
        divisor = gcd(self.input_tokens, self.output_tokens) or 1
        return self.input_tokens // divisor, self.output_tokens // divisor

    @classmethod
    def split(cls, total: int, ratio: tuple[int, int], source: MixSource) -> Mix:
        """`total` tokens split input:output by `ratio` (rounded to whole tokens)."""
        parts = ratio[0] + ratio[1]
        input_tokens = total * ratio[0] // parts if parts else total
        return cls(input_tokens, total - input_tokens, source)


@dataclass(frozen=True, slots=True)
class Defaults:
    """What the caller knows before reading the question; the question's own words win."""

    # The chat's currency (e.g. `/settings currency CNY`); None: the question's language
    # decides (Chinese → CNY), else USD.
    currency: str | None = None
    # The chat's own input:output ratio (e.g. (1, 1)); None: the industry's blended 3:1.
    ratio: tuple[int, int] | None = None
    # A moment to answer for when the question names no date (the CLI's --as-of).
    as_of: datetime | None = None
    top: int = DEFAULT_TOP
    # A free offer without an end date stays "free now" this many days after a source
    # last confirmed it (PRICEBOT_FREE_CONFIRM_DAYS).
    free_confirm_days: int = FREE_CONFIRM_DAYS
    # The language to reply in ('en' or 'zh'): the chat's own setting, else the asker's
    # platform language (bot.i18n.chat_language). None: the question's own language.
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Query:
    """A question the answers engine can answer."""

    kind: QueryKind
    text: str
    mix: Mix
    currency: str
    # None: now (the caller's clock). A date in the question means the end of that day UTC.
    as_of: datetime | None = None
    # What price / cost / compare name: model ids (`maker/model`) or offer ids.
    models: tuple[str, ...] = ()
    top: int = DEFAULT_TOP
    # Only models whose context window is at least this many tokens.
    min_context: int | None = None
    # A prompt length: picks the context tier that applies (and implies a context window).
    prompt_tokens: int | None = None
    # Vendor ids to keep (empty: all) and to leave out: an offer matches when its seller
    # or its model's maker is one of them ("from alibaba": Alibaba's models, and what
    # Alibaba sells).
    vendors: frozenset[str] = frozenset()
    exclude_vendors: frozenset[str] = frozenset()
    # Which offers answer, and the sellers "via …" named.
    sellers: SellerChoice = SellerChoice.DEFAULT
    via: frozenset[str] = frozenset()
    # 'en' or 'zh': the question's language, for examples and hints.
    language: str = "en"
    # 'en' or 'zh': the language of the reply (Defaults.language, else `language`).
    reply_language: str = "en"
    # How the currency was chosen: 'asked', 'chat', 'language' or 'default'.
    currency_source: str = "default"
    # A human phrase for the vendor filter ("Chinese vendors"), when one was used.
    vendor_phrase: str | None = None
    free_confirm_days: int = FREE_CONFIRM_DAYS

    def with_as_of(self, as_of: datetime | None) -> Query:
        """The same question for another moment (None: now)."""
        return replace(self, as_of=as_of)


@dataclass(frozen=True, slots=True)
class Refusal:
    """A question we cannot answer: one short reason and three examples that work."""

    reason: str
    examples: tuple[str, ...]
    # "Did you mean …" candidates (display names), best first.
    suggestions: tuple[str, ...] = field(default=())
    # 'en' or 'zh': the language `reason` and `examples` are in.
    language: str = "en"


_RATIO = re.compile(r"^\s*(\d{1,4}(?:\.\d{1,3})?)\s*[:/]\s*(\d{1,4}(?:\.\d{1,3})?)\s*$")


def parse_ratio(text: str) -> tuple[int, int] | None:
    """An input:output ratio such as '3:1', '1:1', '1:0' (input only); None if unreadable."""
    match = _RATIO.match(text.replace("：", ":"))
    if match is None:
        return None
    return ratio_of(match[1], match[2])


def ratio_of(left: str, right: str) -> tuple[int, int] | None:
    """Two decimal strings as a whole-number ratio in lowest terms; None for 0:0."""
    try:
        a = int(Decimal(left) * 1000)
        b = int(Decimal(right) * 1000)
    except (InvalidOperation, ValueError):
        return None
    if a < 0 or b < 0 or a + b == 0:
        return None
    divisor = gcd(a, b)
    return a // divisor, b // divisor
