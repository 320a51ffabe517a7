"""The question parser: every phrasing, English and Chinese, and its refusals."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.answers import (
    Defaults,
    MixSource,
    Query,
    QueryKind,
    Refusal,
    Vocabulary,
    end_of_day,
    examples,
    format_tokens,
    parse_question,
    parse_ratio,
    read_amount,
    read_chinese_numeral,
)
from bot.answers.vocabulary import KnownModel
from bot.sources import load_catalog


def catalog_vocabulary() -> Vocabulary:
    """The names of the bundled catalog's models and vendors (no store needed to parse)."""
    catalog = load_catalog()
    models = {
        q.model_id: KnownModel(q.model_id, q.display_name, q.vendor, q.mode, q.canonical_id or "")
        for q in catalog.quotes
    }
    aliases = {a.lower(): q.model_id for q in catalog.quotes for a in q.aliases}
    vendors = {q.vendor: q.vendor_name or q.vendor for q in catalog.quotes}
    return Vocabulary(models.values(), aliases, vendors)


VOCABULARY = catalog_vocabulary()
M = 1_000_000


def parse(text: str, **defaults: object) -> Query:
    query = parse_question(text, VOCABULARY, Defaults(**defaults))  # type: ignore[arg-type]
    assert isinstance(query, Query), f"{text!r} → {query}"
    return query


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("1M", M),
        ("1m", M),
        ("1,000,000", M),
        ("1,000,000 tokens", M),
        ("500k", 500_000),
        ("1.5 million", 1_500_000),
        ("2 mil", 2 * M),
        ("a million tokens", M),
        ("half a million", 500_000),
        ("100万", M),
        ("一百万", M),
        ("两百万", 2 * M),
        ("十万", 100_000),
        ("1亿", 100 * M),
        ("一亿五千万", 150 * M),
        ("1.5亿", 150 * M),
        ("1千万", 10 * M),
        ("100万tokens", M),
        ("一百万个token", M),
    ],
)
def test_amounts(text: str, tokens: int) -> None:
    assert read_amount(text) == tokens


def test_numbers_that_are_not_amounts() -> None:
    assert read_chinese_numeral("哪个") is None
    assert read_amount("gpt") is None
    assert [format_tokens(n) for n in (M, 750_000, 1_500_000, 1_234_567, 10**9)] == [
        "1M",
        "750K",
        "1.5M",
        "1,234,567",
        "1B",
    ]


# text → (kind, input tokens, output tokens, mix source)
MIXES = [
    ("cheapest for 1M tokens?", QueryKind.CHEAPEST, 750_000, 250_000, MixSource.DEFAULT),
    ("cheapest", QueryKind.CHEAPEST, 750_000, 250_000, MixSource.DEFAULT),
    ("what's the cheapest LLM right now?", QueryKind.CHEAPEST, 750_000, 250_000, MixSource.DEFAULT),
    ("cheapest for 1m tokens", QueryKind.CHEAPEST, 750_000, 250_000, MixSource.DEFAULT),
    ("cheapest for 1,000,000 tokens", QueryKind.CHEAPEST, 750_000, 250_000, MixSource.DEFAULT),
    ("cheapest for 500k tokens", QueryKind.CHEAPEST, 375_000, 125_000, MixSource.DEFAULT),
    ("cheapest for 1.5 million tokens", QueryKind.CHEAPEST, 1_125_000, 375_000, MixSource.DEFAULT),
    ("2 mil tokens, cheapest?", QueryKind.CHEAPEST, 1_500_000, 500_000, MixSource.DEFAULT),
    ("how much do 1M tokens cost?", QueryKind.CHEAPEST, 750_000, 250_000, MixSource.DEFAULT),
    ("1M tokens?", QueryKind.CHEAPEST, 750_000, 250_000, MixSource.DEFAULT),
    ("cheapest for 1M tokens input only", QueryKind.CHEAPEST, M, 0, MixSource.ASKED),
    ("cheapest for 1M input tokens", QueryKind.CHEAPEST, M, 0, MixSource.ASKED),
    ("cheapest output only", QueryKind.CHEAPEST, 0, M, MixSource.ASKED),
    ("cheapest for 2M output tokens", QueryKind.CHEAPEST, 0, 2 * M, MixSource.ASKED),
    ("cheapest 1M in 200k out", QueryKind.CHEAPEST, M, 200_000, MixSource.ASKED),
    (
        "cheapest for 800k input and 200k output",
        QueryKind.CHEAPEST,
        800_000,
        200_000,
        MixSource.ASKED,
    ),
    (
        "800k input tokens + 200k output tokens",
        QueryKind.CHEAPEST,
        800_000,
        200_000,
        MixSource.ASKED,
    ),
    ("cheapest at 3:1", QueryKind.CHEAPEST, 750_000, 250_000, MixSource.ASKED),
    ("cheapest for 2M tokens at 1:1", QueryKind.CHEAPEST, M, M, MixSource.ASKED),
    ("cheapest 1:0", QueryKind.CHEAPEST, M, 0, MixSource.ASKED),
    ("100万tokens最便宜的是哪个？", QueryKind.CHEAPEST, 750_000, 250_000, MixSource.DEFAULT),
    ("一百万tokens最便宜", QueryKind.CHEAPEST, 750_000, 250_000, MixSource.DEFAULT),
    ("1亿tokens哪个最便宜", QueryKind.CHEAPEST, 75 * M, 25 * M, MixSource.DEFAULT),
    ("１００万ｔｏｋｅｎｓ最便宜？", QueryKind.CHEAPEST, 750_000, 250_000, MixSource.DEFAULT),
    ("只算输入，100万tokens最便宜的", QueryKind.CHEAPEST, M, 0, MixSource.ASKED),
    ("100万输入最便宜", QueryKind.CHEAPEST, M, 0, MixSource.ASKED),
    ("输出最便宜的模型", QueryKind.CHEAPEST, 0, M, MixSource.ASKED),
    ("输入100万 输出20万 最便宜", QueryKind.CHEAPEST, M, 200_000, MixSource.ASKED),
    ("最便宜 3:1", QueryKind.CHEAPEST, 750_000, 250_000, MixSource.ASKED),
    ("比例 1：1 最便宜", QueryKind.CHEAPEST, 500_000, 500_000, MixSource.ASKED),
    ("cost deepseek-v2 2M in 500k out", QueryKind.COST, 2 * M, 500_000, MixSource.ASKED),
    (
        "how much would 1M tokens of qwen-long cost?",
        QueryKind.COST,
        750_000,
        250_000,
        MixSource.DEFAULT,
    ),
    ("deepseek-v2 输入200万 输出50万 费用", QueryKind.COST, 2 * M, 500_000, MixSource.ASKED),
]


@pytest.mark.parametrize(("text", "kind", "inp", "out", "source"), MIXES)
def test_kind_and_mix(text: str, kind: QueryKind, inp: int, out: int, source: MixSource) -> None:
    query = parse(text)
    assert (query.kind, query.mix.input_tokens, query.mix.output_tokens, query.mix.source) == (
        kind,
        inp,
        out,
        source,
    )


def test_the_chats_ratio_is_the_default_mix_and_the_question_wins() -> None:
    chat = parse("cheapest for 1M tokens", ratio=(1, 1))
    assert (chat.mix.input_tokens, chat.mix.output_tokens, chat.mix.source) == (
        500_000,
        500_000,
        MixSource.CHAT,
    )
    # Every chat starts at 3:1, the industry's blend: that is the default, not a setting.
    unset = parse("cheapest for 1M tokens", ratio=(3, 1))
    assert (unset.mix.input_tokens, unset.mix.source) == (750_000, MixSource.DEFAULT)
    asked = parse("cheapest for 1M tokens input only", ratio=(1, 1))
    assert (asked.mix.input_tokens, asked.mix.source) == (M, MixSource.ASKED)
    assert parse_ratio("3:1") == (3, 1)
    assert parse_ratio("1：1") == (1, 1)
    assert parse_ratio("2.5:1") == (5, 2)
    assert parse_ratio("0:0") is None
    assert parse_ratio("cheap") is None


@pytest.mark.parametrize(
    ("text", "currency", "source"),
    [
        ("cheapest in USD", "USD", "asked"),
        ("cheapest in cny", "CNY", "asked"),
        ("cheapest in rmb", "CNY", "asked"),
        ("cheapest, in yuan", "CNY", "asked"),
        ("cheapest in EUR", "EUR", "asked"),
        ("cheapest $", "USD", "asked"),
        ("cheapest ¥", "CNY", "asked"),
        ("100万tokens多少元", "CNY", "asked"),
        ("100万tokens最便宜 美元", "USD", "asked"),
        ("100万tokens最便宜 用人民币", "CNY", "asked"),
        ("100万tokens最便宜", "CNY", "language"),
        ("cheapest for 1M tokens", "USD", "default"),
    ],
)
def test_currency(text: str, currency: str, source: str) -> None:
    query = parse(text)
    assert (query.currency, query.currency_source) == (currency, source)


def test_the_chats_currency_is_the_default_and_the_question_wins() -> None:
    assert (
        parse("cheapest", currency="CNY").currency,
        parse("cheapest", currency="CNY").currency_source,
    ) == (
        "CNY",
        "chat",
    )
    assert parse("cheapest in USD", currency="CNY").currency == "USD"
    # A setting the answers cannot use is ignored, not obeyed into an error.
    assert parse("cheapest", currency="JPY").currency == "USD"
    assert parse("cheapest", ratio=(-1, 2)).mix.source is MixSource.DEFAULT
    assert parse("100万tokens最便宜", currency="USD").currency == "USD"


def test_hunyuan_is_a_model_not_a_currency() -> None:
    query = parse("混元-lite 价格")
    assert query.models == ("tencent/hunyuan-lite",)
    assert query.currency_source == "language"


@pytest.mark.parametrize(
    ("text", "context", "prompt"),
    [
        ("cheapest with 128k context", 128_000, None),
        ("cheapest with a 128k context window", 128_000, None),
        ("cheapest, context of at least 32k", 32_000, None),
        ("cheapest ≥32k", 32_000, None),
        ("cheapest >= 32k", 32_000, None),
        ("cheapest 1M context", M, None),
        ("支持128k上下文最便宜的", 128_000, None),
        ("上下文至少32k 最便宜", 32_000, None),
        ("cheapest for 200k prompts", None, 200_000),
        ("cheapest for a 200k-token prompt", None, 200_000),
        ("cheapest, prompts over 128k", None, 128_001),
        ("提示200k 最便宜", None, 200_000),
        ("cheapest for 1M tokens with 128k context for 100k prompts", 128_000, 100_000),
    ],
)
def test_context_and_prompt_size(text: str, context: int | None, prompt: int | None) -> None:
    query = parse(text)
    assert (query.min_context, query.prompt_tokens) == (context, prompt)
    assert query.mix.total == M


CHINESE = frozenset({"alibaba", "baidu", "bytedance", "deepseek", "tencent", "zhipu"})


@pytest.mark.parametrize(
    ("text", "vendors", "excluded"),
    [
        ("cheapest from alibaba", {"alibaba"}, set()),
        ("cheapest from Alibaba Cloud", {"alibaba"}, set()),
        ("cheapest by google or openai", {"google", "openai"}, set()),
        ("cheapest deepseek model", {"deepseek"}, set()),
        ("cheapest not openai", set(), {"openai"}),
        ("cheapest, except openai and google", set(), {"openai", "google"}),
        ("cheapest from alibaba, not openai", {"alibaba"}, {"openai"}),
        ("cheapest chinese vendors", CHINESE, set()),
        ("cheapest from chinese vendors", CHINESE, set()),
        ("cheapest non-chinese", set(), CHINESE),
        ("国产最便宜", CHINESE, set()),
        ("阿里云最便宜的", {"alibaba"}, set()),
        ("除了百度 最便宜", set(), {"baidu"}),
        ("free from baidu", {"baidu"}, set()),
    ],
)
def test_vendor_filters(text: str, vendors: set[str], excluded: set[str]) -> None:
    query = parse(text)
    assert (set(query.vendors), set(query.exclude_vendors)) == (vendors, excluded)


@pytest.mark.parametrize(
    ("text", "top"),
    [
        ("top 5 cheapest", 5),
        ("cheapest top 3", 3),
        ("top3", 3),
        ("top three cheapest", 3),
        ("first 10", 10),
        ("10 cheapest", 10),
        ("cheapest 7", 7),
        ("前5名最便宜", 5),
        ("前三 最便宜", 3),
        ("cheapest for 1M tokens", 5),
        ("top 500 cheapest", 50),
    ],
)
def test_how_many(text: str, top: int) -> None:
    assert parse(text).top == top


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("cheapest on 2024-05-20", date(2024, 5, 20)),
        ("cheapest as of 2024-05-20", date(2024, 5, 20)),
        ("cheapest as of May 20 2024", date(2024, 5, 20)),
        ("cheapest as of May 20, 2024", date(2024, 5, 20)),
        ("cheapest as of 20 May 2024", date(2024, 5, 20)),
        ("cheapest on Sept 3rd 2024", date(2024, 9, 3)),
        ("cheapest 2024/05/20", date(2024, 5, 20)),
        ("2024年5月12日最便宜的", date(2024, 5, 12)),
        ("截至2024年5月20日 100万tokens最便宜", date(2024, 5, 20)),
    ],
)
def test_dates_mean_the_end_of_that_day(text: str, day: date) -> None:
    query = parse(text)
    assert query.as_of == end_of_day(day)
    assert query.kind is QueryKind.CHEAPEST


@pytest.mark.parametrize("text", ["cheapest as of 9999-12-31", "cheapest on 0001-01-01"])
def test_a_date_no_price_record_reaches_is_refused_with_the_range(text: str) -> None:
    refusal = parse_question(text, VOCABULARY)
    assert isinstance(refusal, Refusal)
    assert "is out of range: ask about a date from 2020-01-01 to 2099-12-31" in refusal.reason
    assert refusal.examples


def test_a_date_in_the_question_beats_the_callers() -> None:
    default = end_of_day(date(2024, 5, 1))
    assert parse("cheapest", as_of=default).as_of == default
    assert parse("cheapest on 2024-05-20", as_of=default).as_of == end_of_day(date(2024, 5, 20))


@pytest.mark.parametrize(
    ("text", "kind", "models"),
    [
        ("price qwen-long", QueryKind.PRICE, ("alibaba/qwen-long",)),
        ("/price qwen-long", QueryKind.PRICE, ("alibaba/qwen-long",)),
        ("/price@pricebot qwen-long", QueryKind.PRICE, ("alibaba/qwen-long",)),
        ("price Qwen Long", QueryKind.PRICE, ("alibaba/qwen-long",)),
        ("price of alibaba/qwen-long?", QueryKind.PRICE, ("alibaba/qwen-long",)),
        ("what does gemini 1.5 pro cost", QueryKind.COST, ("google/gemini-1-5-pro",)),
        ("how much is GPT-4o?", QueryKind.PRICE, ("openai/gpt-4o",)),
        ("gpt-4o", QueryKind.PRICE, ("openai/gpt-4o",)),
        ("qwen-long 价格", QueryKind.PRICE, ("alibaba/qwen-long",)),
        ("豆包多少钱", QueryKind.PRICE, ("bytedance/doubao-pro-32k",)),
        ("通义千问的价格", QueryKind.PRICE, ("alibaba/qwen-long",)),
        ("doubao-pro-32k 2M tokens", QueryKind.COST, ("bytedance/doubao-pro-32k",)),
        ("cost 通义千问 1M", QueryKind.COST, ("alibaba/qwen-long",)),
        (
            "compare deepseek-v2 glm-3-turbo gpt-4o",
            QueryKind.COMPARE,
            ("deepseek/deepseek-v2", "zhipu/glm-3-turbo", "openai/gpt-4o"),
        ),
        (
            "compare gemini 1.5 pro and gpt-4o",
            QueryKind.COMPARE,
            ("google/gemini-1-5-pro", "openai/gpt-4o"),
        ),
        ("gpt-4o vs deepseek-v2", QueryKind.COMPARE, ("openai/gpt-4o", "deepseek/deepseek-v2")),
        ("price gpt-4o, deepseek-v2", QueryKind.COMPARE, ("openai/gpt-4o", "deepseek/deepseek-v2")),
        (
            "对比 deepseek-v2 和 豆包",
            QueryKind.COMPARE,
            ("deepseek/deepseek-v2", "bytedance/doubao-pro-32k"),
        ),
        ("free", QueryKind.FREE, ()),
        ("/free", QueryKind.FREE, ()),
        ("what is free now?", QueryKind.FREE, ()),
        ("免费的有哪些", QueryKind.FREE, ()),
    ],
)
def test_model_questions(text: str, kind: QueryKind, models: tuple[str, ...]) -> None:
    query = parse(text)
    assert (query.kind, query.models) == (kind, models)


@pytest.mark.parametrize(
    ("text", "reason", "suggestion", "fixed"),
    [
        (
            "price qwen-lng",
            "I don't know a model called 'qwen-lng'",
            "Qwen-Long",
            "price qwen-long",
        ),
        (
            "price gemni 1.5 pro",
            "I don't know a model called 'gemni 1.5 pro'",
            "Gemini 1.5 Pro",
            None,
        ),
        (
            "compare qwen-long deepsek-v2",
            "'deepsek-v2'",
            "DeepSeek-V2",
            "compare qwen-long deepseek-v2",
        ),
        (
            "cheapest from alibab",
            "I don't know a vendor called 'alibab'",
            "Alibaba Cloud",
            "cheapest from alibaba",
        ),
    ],
)
def test_did_you_mean(text: str, reason: str, suggestion: str, fixed: str | None) -> None:
    refusal = parse_question(text, VOCABULARY)
    assert isinstance(refusal, Refusal)
    assert reason in refusal.reason
    assert suggestion in refusal.reason and suggestion in refusal.suggestions[0]
    if fixed:
        assert refusal.examples[0] == fixed
    for example in refusal.examples:
        assert isinstance(parse_question(example, VOCABULARY), Query), example


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "Ask me about LLM prices"),
        ("   ", "Ask me about LLM prices"),
        ("hello there", "I can't read that as a price question"),
        ("price foobar", "I don't know a model called 'foobar'"),
        ("compare gpt-4o", "Name two to five models to compare"),
        ("compare", "Name two to five models"),
        ("cheapest for 0 tokens", "no tokens at all"),
        ("cheapest for 5000000B tokens", "more tokens than I can price"),
        ("top 0", "asks for no rows"),
        ("cheapest on 2024-02-30", "is not a date"),
        ("x" * 400, "too long"),
    ],
)
def test_refusals_say_why_and_show_three_examples_that_work(text: str, reason: str) -> None:
    refusal = parse_question(text, VOCABULARY)
    assert isinstance(refusal, Refusal), refusal
    assert reason in refusal.reason
    assert len(refusal.examples) == 3
    for example in refusal.examples:
        assert isinstance(parse_question(example, VOCABULARY), Query), example


def test_chinese_refusals_give_chinese_examples() -> None:
    refusal = parse_question("你好", VOCABULARY)
    assert isinstance(refusal, Refusal)
    assert refusal.examples == examples(VOCABULARY, "zh")
    assert refusal.examples[0] == "100万tokens最便宜的是哪个？"


def test_names_inside_model_ids_are_not_amounts() -> None:
    query = parse("price doubao-pro-32k")
    assert query.models == ("bytedance/doubao-pro-32k",) and query.min_context is None
    assert parse("hunyuan-standard-256k price").models == ("tencent/hunyuan-standard-256k",)
    assert parse("cheapest from deepseek").vendors == {"deepseek"}


TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]),
    max_size=400,
)
PIECES = st.lists(
    st.sampled_from(
        [
            "cheapest",
            "price",
            "cost",
            "compare",
            "free",
            "top",
            "5",
            "1M",
            "100万",
            "一百万",
            "in",
            "out",
            "input",
            "output",
            "only",
            "3:1",
            "with",
            "128k",
            "context",
            "≥32k",
            "from",
            "not",
            "alibaba",
            "openai",
            "chinese",
            "vendors",
            "in USD",
            "元",
            "$",
            "on",
            "2024-05-20",
            "as of May 20 2024",
            "qwen-long",
            "deepseek-v2",
            "gemini",
            "1.5",
            "pro",
            "qwen-lng",
            "输入",
            "输出",
            "最便宜",
            "对比",
            "和",
            "价格",
            "<b>",
            "&amp;",
            "*",
            "_",
            "\x00",
            "\u202e",
            "🦄",
            "prompts",
            "200k",
            "前5名",
            "0",
            "9" * 30,
            ",",
            "?",
            "：",
            "/price",
            "@pricebot",
            "亿",
            "1,000,000",
            "-",
            "+",
        ]
    ),
    max_size=14,
).map(" ".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(TEXT, PIECES, st.text(max_size=5000)))
def test_the_parser_never_raises_and_refusals_carry_examples(text: str) -> None:
    result = parse_question(text, VOCABULARY)
    assert isinstance(result, Query | Refusal)
    if isinstance(result, Refusal):
        assert result.reason
        assert len(result.examples) == 3
        assert all(isinstance(parse_question(e, VOCABULARY), Query) for e in result.examples)
    else:
        assert result.mix.total > 0 and 1 <= result.top <= 50
        assert all(m in VOCABULARY.models for m in result.models)
