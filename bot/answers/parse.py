"""Read a question, English or Chinese, into a Query, or refuse it helpfully.

    parse_question(text, vocabulary, defaults=Defaults()) -> Query | Refusal

It understands "cheapest for 1M tokens?", "100万tokens最便宜的是哪个？", amounts (`500k`,
`1.5 million`, `一百万`, `1亿`, `1,000,000`), mixes (`input only`, `1M in 200k out`, `3:1`,
`输入`, `输出`), filters (`with 128k context`, `≥32k`, `from alibaba`, `not openai`,
`chinese vendors`, `top 5`, `in USD`, `元`, `on 2024-05-20`, `for 200k prompts`), sellers
(`via any seller` / `任意渠道`, `via openrouter`, `direct only` / `official` / `官方`) and the
other questions (`price MODEL`, `cost MODEL 2M in 500k out`, `compare A B [C …]`, `free`).
Model names with typos get "did you mean …"; anything unreadable gets a Refusal with a
short reason and three examples that work. It never raises. Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from bot.answers.mix_words import MixWords, take_mix
from bot.answers.names import (
    FILLER,
    UNKNOWN_VENDOR,
    take_models,
    take_sellers,
    take_vendors,
    unknown_phrases,
)
from bot.answers.phrases import (
    Problem,
    Work,
    clean,
    take_context,
    take_currency,
    take_date,
    take_prompt,
    take_top,
)
from bot.answers.query import (
    BLENDED_RATIO,
    DEFAULT_TOKENS,
    MAX_TOP,
    Defaults,
    Mix,
    MixSource,
    Query,
    QueryKind,
    Refusal,
    SellerChoice,
)
from bot.answers.vocabulary import Vocabulary, has_cjk
from bot.answers.wording import number, vendor_label
from bot.i18n import translator
from storage import CURRENCIES

MAX_RAW_LENGTH = 2000
MAX_LENGTH = 300
# How many models one comparison takes; /help's wording is built from these.
MIN_COMPARED = 2
MAX_COMPARED = 5
_COUNT_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
COMPARED_RANGE = f"{_COUNT_WORDS[MIN_COMPARED]} to {_COUNT_WORDS[MAX_COMPARED]}"

_KEYWORDS: dict[QueryKind, re.Pattern[str]] = {
    QueryKind.COMPARE: re.compile(
        r"(?<![a-z])(?:compare|comparison|vs\.?|versus)(?![a-z])|对比|比较|相比|比一比"
    ),
    QueryKind.CHEAPEST: re.compile(
        r"(?<![a-z])(?:cheapest|cheaper|cheap|lowest|least\s+expensive|best\s+price|best\s+deal"
        r"|most\s+affordable|rank(?:ing)?)(?![a-z])|最便宜|便宜|最低|最省|最划算|性价比|排名|排行"
    ),
    QueryKind.COST: re.compile(
        r"(?<![a-z])(?:cost|costs|costing|how\s+much\s+(?:would|will|does|do))(?![a-z])"
        r"|花费|费用|成本|要花|花多少"
    ),
    QueryKind.PRICE: re.compile(
        r"(?<![a-z])(?:price|prices|pricing|how\s+much\s+is|how\s+much)(?![a-z])"
        r"|价格|价钱|定价|多少钱|收费|单价"
    ),
    QueryKind.FREE: re.compile(r"(?<![a-z])(?:free|gratis|no\s+cost)(?![a-z])|免费|不要钱"),
}
# A leading command word ("/price@pricebot qwen-long"); "/cheapest" keeps its word, which
# other phrases read ("cheapest 5").
_COMMAND = re.compile(
    r"^/?(?P<word>ask|price|prices|cost|compare|free)(?:@[a-z0-9_]+)?(?![a-z])"
    r"|^/(?=cheapest)|(?<=^/cheapest)@[a-z0-9_]+"
)
_COMMAND_KINDS = {
    "cheapest": QueryKind.CHEAPEST,
    "price": QueryKind.PRICE,
    "prices": QueryKind.PRICE,
    "cost": QueryKind.COST,
    "compare": QueryKind.COMPARE,
    "free": QueryKind.FREE,
}
_MODEL_KINDS = (QueryKind.PRICE, QueryKind.COST, QueryKind.COMPARE)


def end_of_day(day: date) -> datetime:
    """The last moment of `day` in UTC: "as of 2024-05-22" includes that day's changes."""
    return datetime.combine(day, time(0), tzinfo=UTC) + timedelta(days=1, microseconds=-1)


def examples(vocabulary: Vocabulary, language: str = "en") -> tuple[str, str, str]:
    """Three questions that work with this vocabulary, in the asker's language."""
    names = vocabulary.example_models()
    if language == "zh":
        if len(names) >= 2:
            return (
                "100万tokens最便宜的是哪个？",
                f"{names[0]} 价格",
                f"对比 {names[0]} 和 {names[1]}",
            )
        return ("100万tokens最便宜的是哪个？", "只算输入，100万tokens最便宜的", "现在哪些免费？")
    if len(names) >= 2:
        return ("cheapest for 1M tokens?", f"price {names[0]}", f"compare {names[0]} {names[1]}")
    return ("cheapest for 1M tokens?", "cheapest for 1M input tokens", "free")


def parse_question(
    text: str, vocabulary: Vocabulary, defaults: Defaults | None = None
) -> Query | Refusal:
    """A question → a Query, or a Refusal with a reason and three examples. Never raises."""
    return _parse(text, vocabulary, defaults or Defaults(), corrected=False)


def _parse(
    text: str, vocabulary: Vocabulary, defaults: Defaults, *, corrected: bool
) -> Query | Refusal:
    raw = text if isinstance(text, str) else ""
    language = "zh" if has_cjk(raw[:MAX_RAW_LENGTH]) else "en"
    # The chat's language wins over the question's (issue 13's order).
    reply_language = defaults.language if defaults.language in ("en", "zh") else language
    shown = examples(vocabulary, reply_language)
    _ = translator(reply_language).gettext

    def refuse(reason: str, suggestions: tuple[str, ...] = (), first: str | None = None) -> Refusal:
        # The question with its typo fixed leads the examples, when it reads as a question.
        works = (
            first is not None
            and not corrected
            and isinstance(_parse(first, vocabulary, defaults, corrected=True), Query)
        )
        picked = (first, *[e for e in shown if e != first][:2]) if works and first else shown
        return Refusal(reason, tuple(picked), suggestions, reply_language)

    too_long = _("That is too long for a question ({count} characters); ask in one line.")
    if len(raw) > MAX_RAW_LENGTH:
        return refuse(too_long.format(count=number(len(raw), reply_language)))
    cleaned = clean(raw)
    if len(cleaned) > MAX_LENGTH:
        return refuse(too_long.format(count=number(len(cleaned), reply_language)))
    if not re.search(r"[a-z0-9\u3400-\u9fff]", cleaned):
        return refuse(_("Ask me about LLM prices, for example:"))

    work = Work(cleaned, reply_language)
    command = work.take(_COMMAND)
    kind: QueryKind | None = (
        _COMMAND_KINDS.get(command["word"]) if command and command["word"] else None
    )
    said = {k for k, pattern in _KEYWORDS.items() if pattern.search(work.text)}
    if kind is None:
        for candidate in (QueryKind.COMPARE, QueryKind.CHEAPEST, QueryKind.COST, QueryKind.PRICE):
            if candidate in said:
                kind = candidate
                break
        else:
            kind = QueryKind.FREE if QueryKind.FREE in said else None

    via: set[str] = set()
    sellers = take_sellers(work, vocabulary, via, named=False)
    models: list[str] = []
    if kind is None or kind in _MODEL_KINDS:
        found = take_models(work, vocabulary)
        if isinstance(found, Refusal):
            phrase, pick = found.examples
            return refuse(found.reason, found.suggestions, cleaned.replace(phrase, pick, 1))
        models = found
    if models and not via:
        # "price claude-opus-4-6 from openrouter": with a named model, 'from' picks a seller.
        take_sellers(work, vocabulary, via, named=True)

    when = take_date(work)
    if isinstance(when, Problem):
        return refuse(when.reason)
    currency = take_currency(work)
    prompt = take_prompt(work)
    if isinstance(prompt, Problem):
        return refuse(prompt.reason)
    context = take_context(work)
    if isinstance(context, Problem):
        return refuse(context.reason)
    top = take_top(work)
    if isinstance(top, Problem):
        return refuse(top.reason)
    mix_words = take_mix(work)
    if isinstance(mix_words, Problem):
        return refuse(mix_words.reason)

    vendors: set[str] = set()
    excluded: set[str] = set()
    vendor_phrase: str | None = None
    if not models:
        vendor_phrase = take_vendors(work, vocabulary, vendors, excluded)
        unknown = UNKNOWN_VENDOR.search(work.text)
        if unknown and unknown["name"] not in FILLER:
            near = vocabulary.suggest_vendors(unknown["name"])
            if near:
                names = tuple(f"{vendor_label(vocabulary, v, reply_language)} ({v})" for v in near)
                fixed = cleaned.replace(unknown["name"], near[0], 1)
                return refuse(
                    _("I don't know a vendor called '{name}'. Did you mean {options}?").format(
                        name=unknown["name"], options=_either(names, reply_language)
                    ),
                    names,
                    fixed,
                )

    leftovers = unknown_phrases(work.text)
    # A stray word in "cheapest …" is no typo of a model name: look only when one is asked.
    typos = leftovers if (models or kind in _MODEL_KINDS or kind is None) else []
    for phrase in typos:
        near = vocabulary.suggest_models(phrase)
        if not near:
            near = tuple(
                dict.fromkeys(m for word in phrase.split() for m in vocabulary.suggest_models(word))
            )[:3]
        if near:
            labels = tuple(vocabulary.label(m) for m in near)
            fixed = cleaned.replace(phrase, vocabulary.short(near[0]), 1)
            return refuse(
                _("I don't know a model called '{name}'. Did you mean {options}?").format(
                    name=phrase, options=_either(labels, reply_language)
                ),
                labels,
                fixed,
            )

    low, high = _count_word(MIN_COMPARED, reply_language), _count_word(MAX_COMPARED, reply_language)
    if kind in _MODEL_KINDS and not models:
        if kind is QueryKind.COMPARE:
            return refuse(
                _("Name {low} to {high} models to compare, for example:").format(low=low, high=high)
            )
        if leftovers:
            return refuse(_("I don't know a model called '{name}'.").format(name=leftovers[0]))
        kind = QueryKind.CHEAPEST  # "how much do 1M tokens cost?" asks for the ranking
    if kind is None:
        if models:
            kind = QueryKind.PRICE
        elif (
            mix_words.said_anything
            or context is not None
            or prompt is not None
            or top is not None
            or vendors
            or excluded
            or currency is not None
            or when is not None
        ):
            kind = QueryKind.CHEAPEST
        else:
            return refuse(_("I can't read that as a price question. Try one of these:"))
    if kind is QueryKind.PRICE and mix_words.said_anything:
        kind = QueryKind.COST
    elif kind is QueryKind.PRICE and len(models) > 1:
        kind = QueryKind.COMPARE
    if kind is QueryKind.COMPARE and not MIN_COMPARED <= len(models) <= MAX_COMPARED:
        return refuse(
            _("Name {low} to {high} models to compare (I read {count}).").format(
                low=low, high=high, count=len(models)
            )
        )
    if len(models) > MAX_COMPARED:
        return refuse(
            _("Name at most {high} models at once (I read {count}).").format(
                high=high, count=len(models)
            )
        )

    mix = _mix(mix_words, defaults)
    if currency:
        currency_source = "asked"
    elif defaults.currency and defaults.currency.upper() in CURRENCIES:
        currency, currency_source = defaults.currency.upper(), "chat"
    elif language == "zh":
        currency, currency_source = "CNY", "language"
    else:
        currency, currency_source = "USD", "default"
    as_of = end_of_day(when) if isinstance(when, date) else defaults.as_of
    if via:
        sellers = SellerChoice.VIA
    return Query(
        kind=kind,
        text=raw.strip()[:MAX_LENGTH],
        mix=mix,
        currency=currency,
        as_of=as_of,
        models=tuple(models),
        top=max(1, min(top if isinstance(top, int) else defaults.top, MAX_TOP)),
        min_context=context if isinstance(context, int) else None,
        prompt_tokens=prompt if isinstance(prompt, int) else None,
        vendors=frozenset(vendors),
        exclude_vendors=frozenset(excluded),
        language=language,
        reply_language=reply_language,
        currency_source=currency_source,
        vendor_phrase=vendor_phrase,
        sellers=sellers,
        via=frozenset(via),
        free_confirm_days=max(0, defaults.free_confirm_days),
    )


def _either(options: tuple[str, ...], language: str) -> str:
    """'A or B or C' / 'A 还是 B 还是 C'."""
    _ = translator(language).gettext
    said = options[0]
    for option in options[1:]:
        said = _("{first} or {second}").format(first=said, second=option)
    return said


def _count_word(count: int, language: str) -> str:
    """A small count as a word: 'two', 'five' / '两', '五'."""
    _ = translator(language).gettext
    words = (
        _("zero"),
        _("one"),
        _("two"),
        _("three"),
        _("four"),
        _("five"),
        _("six"),
        _("seven"),
        _("eight"),
        _("nine"),
    )
    return words[count] if 0 <= count < len(words) else str(count)


def _mix(words: MixWords, defaults: Defaults) -> Mix:
    """The question's mix, else the chat's ratio, else blended 3:1; over 1M unless told."""
    if words.input_tokens is not None and words.output_tokens is not None:
        return Mix(words.input_tokens, words.output_tokens, MixSource.ASKED)
    total = words.total or DEFAULT_TOKENS
    if words.only == "input":
        return Mix(total, 0, MixSource.ASKED)
    if words.only == "output":
        return Mix(0, total, MixSource.ASKED)
    if words.ratio is not None:
        return Mix.split(total, words.ratio, MixSource.ASKED)
    ratio = defaults.ratio
    # A chat's ratio that is the industry's own (every chat starts at 3:1) is said as the
    # default, not as "this chat's mix" that nobody set.
    same = ratio is not None and ratio[0] * BLENDED_RATIO[1] == ratio[1] * BLENDED_RATIO[0]
    if ratio is not None and min(ratio) >= 0 and sum(ratio) > 0 and not same:
        return Mix.split(total, ratio, MixSource.CHAT)
    return Mix.split(total, BLENDED_RATIO, MixSource.DEFAULT)


__all__ = ["end_of_day", "examples", "parse_question"]
