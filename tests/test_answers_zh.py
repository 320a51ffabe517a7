"""Every kind of answer in both languages, as a user reads it: the bundled price-war
catalog in a real store, asked through `ask` with the reply language a chat would pass
(`Defaults.language`), or none (the question's own language)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta

import pytest

from bot.answers import Defaults, SnapshotCache, ask, end_of_day
from bot.chat.render import render_slack, render_telegram, render_text
from bot.messages import Reply
from storage import PriceStore
from tests.answer_helpers import load_bundled
from tests.helpers import quote, utc

MAY_22 = date(2024, 5, 22)
NOW = end_of_day(MAY_22)

# Words of the English replies that must never reach a Chinese one.
ENGLISH_WORDS = (
    "tokens (blended",
    "As of",
    "Try one of these",
    "per 1M",
    "input",
    "output",
    "Cheapest",
    "cheapest",
    "Free now",
    "prices in",
    "left out",
    "Did you mean",
    "for example",
    "Alibaba Cloud",
    "Baidu",
    "Tencent Cloud",
    "ByteDance",
    "Zhipu AI",
)
# Three or more English words in a row: a sentence, not a name.
_ENGLISH_RUN = re.compile(r"[A-Za-z]{2,}(?:[ ,'][A-Za-z]{2,}){2,}")


@pytest.fixture
def cache(sqlite_store: PriceStore) -> SnapshotCache:
    return SnapshotCache(load_bundled(sqlite_store))


def reply_to(cache: SnapshotCache, text: str, language: str | None, **defaults: object) -> Reply:
    return ask(cache, text, now=NOW, defaults=Defaults(language=language, **defaults))  # type: ignore[arg-type]


def english_left(reply: Reply, *, asked: str = "") -> list[str]:
    """English a Chinese reader would meet, leaving out what sources wrote themselves (a
    free offer's cap note, an exchange rate's source, a price's source reference) and the
    asker's own words (an English question, corrected, among a refusal's examples)."""
    text = render_text(reply)
    quoted = [
        *(e for e in reply.data.get("examples", [])[:1] if asked.isascii()),
        *(f["cap"] for f in reply.data.get("free_now") or [] if isinstance(f, dict) and f["cap"]),
        *(r["source"] for r in reply.data.get("rates") or []),
        "pricebot bundled rate: about 7.2 CNY per USD in May 2024",
    ]
    for said in quoted:
        text = text.replace(said, "")
    text = "\n".join(line for line in text.splitlines() if "来源：" not in line)
    found = [word for word in ENGLISH_WORDS if word in text]
    return found + _ENGLISH_RUN.findall(text)


# (question, currency, what an English reply says, what a Chinese one says)
ANSWERS = [
    pytest.param(
        "cheapest for 1M tokens",
        "CNY",
        [
            "Cheapest for 1M tokens (blended 3:1)",
            "As of 2024-05-22 23:59 UTC · prices in CNY",
            "Free now: ERNIE Lite (Baidu); ERNIE Speed (Baidu); Hunyuan-lite (Tencent Cloud)",
            "Paid, cheapest first (5 of 11):",
            "  1. Qwen-Long         ¥0.875  Alibaba Cloud · ¥0.50 in, ¥2.00 out per 1M",
            "  3. Doubao-pro-32k    ¥1.10   ByteDance · ¥0.80 in, ¥2.00 out per 1M",
            "* Blended 3:1 = 750K input + 250K output tokens",
            "* USD prices converted at 1 USD = 7.2 CNY (2024-05-01, ",
            "(prompts over 128K); these are base-tier prices.",
        ],
        [
            "最便宜的模型：100万tokens（混合价 3:1）",
            "截至 2024年5月22日 23:59 UTC · 以人民币计价",
            "现在免费：ERNIE Lite（百度智能云）；ERNIE Speed（百度智能云）；Hunyuan-lite（腾讯云）",
            "付费模型，从便宜到贵（共 11 个，显示前 5 个）：",
            "  1. Qwen-Long         ¥0.875  阿里云 · 每百万tokens 输入 ¥0.50，输出 ¥2.00",
            "  3. Doubao-pro-32k    ¥1.10   火山引擎 · 每百万tokens 输入 ¥0.80，输出 ¥2.00",
            "  4. DeepSeek-V2       ¥1.25   深度求索 · 每百万tokens 输入 ¥1.00，输出 ¥2.00",
            "* 混合价 3:1 = 输入75万 + 输出25万 tokens，这是业内通行的约定",
            "“只算输入”“只算输出”“输入100万 输出20万”或“比例 1:1”",
            "* 美元价格按 1 USD = 7.2 CNY 换算（2024年5月1日，",
            "Gemini 1.5 Flash（提示超过 128K）的长提示价格更高；这里列的是基础档价格。",
        ],
        id="cheapest",
    ),
    pytest.param(
        "free",
        None,
        [
            "Free now",
            "  ERNIE Speed     free  Baidu · priced at zero by its vendor",
            "Gemini 1.5 Pro  free  Google · free public preview",
            "* Free means a source says so",
        ],
        [
            "现在免费",
            "  ERNIE Speed     免费  百度智能云 · 厂商标价为零",
            "Gemini 1.5 Pro  免费  Google · free public preview",
            "* “免费”指有来源明确这么说（免费优惠，或价格为零）；"
            "缺少的价格只算未知，从不算作免费。",
        ],
        id="free",
    ),
    pytest.param(
        "price qwen-long",
        "CNY",
        [
            "Qwen-Long prices",
            "alibaba/qwen-long · Alibaba Cloud · context 10,000,000 tokens",
            "Ranks #1 of 11 paid models for 1M tokens (blended 3:1).",
            "  Input                        ¥0.50 per 1M  since 2024-05-21",
            "¥0.875",
        ],
        [
            "Qwen-Long 价格",
            "alibaba/qwen-long · 阿里云 · 上下文 10,000,000 tokens",
            "在100万tokens（混合价 3:1）的 11 个付费模型中排第 1 名。",
            "  输入                           每百万tokens ¥0.50  自2024年5月21日起",
            "  按100万tokens（混合价 3:1）计  ¥0.875",
        ],
        id="price",
    ),
    pytest.param(
        "cost deepseek-v2 2M in 500k out",
        "CNY",
        [
            "Cost of 2M input + 500K output tokens",
            "  DeepSeek-V2  ¥3.00  DeepSeek · input ¥2.00 + output ¥1.00 · at ¥1.00 in, ¥2.00 out "
            "per 1M",
        ],
        [
            "费用：输入200万 + 输出50万 tokens",
            "  DeepSeek-V2  ¥3.00  深度求索 · 输入 ¥2.00 + 输出 ¥1.00 · 单价：每百万tokens 输入 "
            "¥1.00，输出 ¥2.00",
        ],
        id="cost",
    ),
    pytest.param(
        "compare qwen-long deepseek-v2",
        "CNY",
        [
            "Compare for 1M tokens (blended 3:1)",
            "Qwen-Long is cheapest: 30% less than DeepSeek-V2.",
            "  1. Qwen-Long    ¥0.875  Alibaba Cloud · input ¥0.375 + output ¥0.50",
        ],
        [
            "对比：100万tokens（混合价 3:1）",
            "Qwen-Long 最便宜：比 DeepSeek-V2 便宜 30%。",
            "  1. Qwen-Long    ¥0.875  阿里云 · 输入 ¥0.375 + 输出 ¥0.50",
        ],
        id="compare",
    ),
    pytest.param(
        "cheapest for 1M tokens as of 2024-05-12",
        "CNY",
        [
            "As of 2024-05-12 (end of day UTC) · prices in CNY",
            "  1. DeepSeek-V2   ¥1.25",
            "* Prices have changed since 2024-05-12: as of 2024-05-22 the cheapest is Qwen-Long "
            "at ¥0.875.",
        ],
        [
            "截至 2024年5月12日（UTC 当日结束） · 以人民币计价",
            "  1. DeepSeek-V2   ¥1.25",
            "* 2024年5月12日以来价格有变化：截至 2024年5月22日，最便宜的是 Qwen-Long，¥0.875。",
        ],
        id="changed-since",
    ),
]


@pytest.mark.parametrize(("question", "currency", "english", "chinese"), ANSWERS)
def test_every_answer_in_both_languages(
    cache: SnapshotCache,
    question: str,
    currency: str | None,
    english: list[str],
    chinese: list[str],
) -> None:
    said_en = render_text(reply_to(cache, question, "en", currency=currency))
    for expected in english:
        assert expected in said_en, f"{expected!r} not in\n{said_en}"
    zh = reply_to(cache, question, "zh", currency=currency)
    said_zh = render_text(zh)
    for expected in chinese:
        assert expected in said_zh, f"{expected!r} not in\n{said_zh}"
    assert english_left(zh) == [], said_zh


@pytest.mark.parametrize(("question", "currency", "english", "chinese"), ANSWERS)
def test_the_data_is_the_same_in_both_languages(
    cache: SnapshotCache,
    question: str,
    currency: str | None,
    english: list[str],
    chinese: list[str],
) -> None:
    en = reply_to(cache, question, "en", currency=currency)
    zh = reply_to(cache, question, "zh", currency=currency)
    assert en.title != zh.title
    assert zh.data == en.data


def test_a_chinese_question_is_answered_in_chinese_unless_the_chat_says_english(
    cache: SnapshotCache,
) -> None:
    question = "100万tokens最便宜的是哪个？"
    own = reply_to(cache, question, None)
    assert own.title == "最便宜的模型：100万tokens（混合价 3:1）"
    assert own.rows[0].label == "1. Qwen-Long" and own.rows[0].value == "¥0.875"
    # CNY because it was asked in Chinese, and the reply says why, in Chinese.
    assert "你用中文提问，所以价格以人民币显示；想看美元请加上“美元”。" in own.footnotes
    english = reply_to(cache, question, "en")
    assert english.title == "Cheapest for 1M tokens (blended 3:1)"
    assert english.rows[0].note == "Alibaba Cloud · ¥0.50 in, ¥2.00 out per 1M"
    assert english.data == own.data


def test_vendor_filters_and_token_amounts_in_chinese(cache: SnapshotCache) -> None:
    reply = reply_to(cache, "最便宜 只算输入 来自阿里云", None)
    assert reply.title == "最便宜的模型：输入100万tokens"
    assert reply.lines[0].endswith("· 以人民币计价 · 来自 阿里云")
    chinese_vendors = reply_to(cache, "国产 最便宜 前3名", None)
    assert chinese_vendors.lines[0].endswith("· 国产厂商")
    assert [r.label for r in chinese_vendors.rows] == [
        "1. Qwen-Long",
        "2. GLM-3 Turbo",
        "3. Doubao-pro-32k",
    ]


# (question, what an English refusal says, what a Chinese one says)
REFUSALS = [
    pytest.param(
        "", "Ask me about LLM prices, for example:", "问我大模型 API 的价格，例如：", id="empty"
    ),
    pytest.param(
        "x" * 400,
        "That is too long for a question (400 characters); ask in one line.",
        "这个问题太长了（400 个字符）；请用一行问。",
        id="too-long",
    ),
    pytest.param(
        "price qwen-lng",
        "I don't know a model called 'qwen-lng'. Did you mean Qwen-Long (alibaba/qwen-long)?",
        "我不认识叫“qwen-lng”的模型。你是说 Qwen-Long (alibaba/qwen-long) 吗？",
        id="unknown-model",
    ),
    pytest.param(
        "compare qwen-long deepseek-v2 gpt-4o glm-3-turbo doubao-pro-32k ernie-speed",
        "Name two to five models to compare (I read 6).",
        "请说出两到五个要对比的模型（我读到 6 个）。",
        id="too-many-to-compare",
    ),
    pytest.param(
        "cheapest on 2024-02-30",
        "'on 2024-02-30' is not a date; write it like 2024-05-20",
        "“on 2024-02-30”不是有效日期；请写成 2024-05-20 或 2024年5月20日",
        id="not-a-date",
    ),
    pytest.param(
        "cheapest from alibab",
        "I don't know a vendor called 'alibab'. Did you mean Alibaba Cloud (alibaba)?",
        "我不认识叫“alibab”的厂商。你是说 阿里云 (alibaba) 吗？",
        id="unknown-vendor",
    ),
]


@pytest.mark.parametrize(("question", "english", "chinese"), REFUSALS)
def test_every_refusal_in_both_languages(
    cache: SnapshotCache, question: str, english: str, chinese: str
) -> None:
    en = reply_to(cache, question, "en")
    assert en.kind.value == "error"
    assert en.title == english
    assert en.lines[0] == "Try one of these:"
    assert "cheapest for 1M tokens?" in en.lines or en.lines[1].isascii()
    zh = reply_to(cache, question, "zh")
    assert zh.title == chinese
    assert zh.lines[0] == "试试这样问："
    assert len(zh.lines) == 4
    assert "100万tokens最便宜的是哪个？" in zh.lines
    assert english_left(zh, asked=question) == [], render_text(zh)
    assert zh.data.keys() == en.data.keys()


def test_the_corrected_question_leads_the_chinese_examples(cache: SnapshotCache) -> None:
    reply = reply_to(cache, "qwen-lng 价格", None)
    assert reply.title == "我不认识叫“qwen-lng”的模型。你是说 Qwen-Long (alibaba/qwen-long) 吗？"
    assert reply.lines[1] == "qwen-long 价格"


def test_a_name_of_several_models_in_both_languages(sqlite_store: PriceStore) -> None:
    since = utc(2026, 2, 5)
    sqlite_store.record(
        [
            quote(offer_id, when=since, input="1.25", output="10", name="gemini-2.5-pro")
            for offer_id in ("gemini/gemini-2.5-pro", "vertex_ai/gemini-2.5-pro")
        ],
        source="feed",
        observed_at=since,
    )
    reply = ask(
        SnapshotCache(sqlite_store),
        "gemini-2.5-pro 价格",
        now=since + timedelta(days=1),
    )
    assert reply.title == (
        "“gemini-2.5-pro”可能指 2 个模型：gemini-2.5-pro（Gemini，gemini/gemini-2.5-pro）；"
        "gemini-2.5-pro（Vertex_Ai，vertex_ai/gemini-2.5-pro）。请说明是哪一个，例如"
        "“gemini/gemini-2.5-pro”。"
    )
    assert reply.lines[1] == "gemini/gemini-2.5-pro 价格"
    english = ask(
        SnapshotCache(sqlite_store),
        "gemini-2.5-pro 价格",
        now=since + timedelta(days=1),
        defaults=Defaults(language="en"),
    )
    assert english.title == (
        "'gemini-2.5-pro' could mean 2 models: gemini-2.5-pro by Gemini (gemini/gemini-2.5-pro); "
        "gemini-2.5-pro by Vertex_Ai (vertex_ai/gemini-2.5-pro). Say which, e.g. "
        "'gemini/gemini-2.5-pro'."
    )
    assert english.lines[0] == "Try one of these:"


def test_a_long_chinese_reply_stays_within_the_platforms_limits(sqlite_store: PriceStore) -> None:
    since = utc(2024, 5, 1)
    sqlite_store.record(
        [
            quote(
                f"alibaba/qwen-test-{i:02d}",
                when=since,
                input=f"0.{i + 10}",
                output=f"1.{i + 10}",
                currency="CNY",
                name=f"通义千问测试模型第{i:02d}号（长上下文版，带一个很长的中文名字）",
                context=128_000,
            )
            for i in range(60)
        ],
        source="feed",
        observed_at=since,
    )
    reply = ask(
        SnapshotCache(sqlite_store),
        "100万tokens最便宜的前50名，支持128k上下文",
        now=utc(2024, 5, 2),
    )
    assert len(reply.rows) == 50
    assert reply.title == "最便宜的模型：100万tokens（混合价 3:1）"
    messages = render_telegram(reply)
    assert len(messages) > 1 and all(len(m.text) <= 4096 for m in messages)
    assert "通义千问测试模型第49号" in "".join(m.text for m in messages)
    slack = render_slack(reply)
    assert len(slack.blocks) <= 50
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in slack.blocks)


def test_what_a_chinese_answer_leaves_out_it_says_in_chinese(sqlite_store: PriceStore) -> None:
    since = utc(2024, 5, 1)
    sqlite_store.record(
        [
            quote("alibaba/qwen-max", when=since, input="2", output="6", currency="CNY",
                  name="Qwen-Max", context=32_000),
            quote("baidu/ernie-4", when=since, input="4", currency="CNY", name="ERNIE 4.0",
                  context=128_000),
            quote("tencent/hunyuan-pro", when=since, input="3", output="9", currency="CNY",
                  name="Hunyuan-pro"),
            replace(quote("openai/dall-e-3", when=since, input="1", output="1", name="DALL-E 3"),
                    mode="image_generation"),
        ],
        source="feed",
        observed_at=since,
    )  # fmt: skip
    cache = SnapshotCache(sqlite_store)
    now = utc(2024, 5, 2)
    reply = ask(cache, "100万tokens最便宜的", now=now)
    notes = "\n".join(reply.footnotes)
    assert "1 个模型因价格未知未计入（从不算作免费）：ERNIE 4.0。" in notes
    assert (
        "1 个非文本模型未计入（image_generation；按图片、歌曲、秒数或请求计价，或不用于文本）："
        "DALL-E 3。"
    ) in notes
    wide = ask(cache, "支持32k上下文 100万tokens最便宜的", now=now)
    assert wide.lines[0].endswith("· 以人民币计价 · 上下文 ≥ 32K")
    assert "1 个模型未计入：上下文窗口未知。" in wide.footnotes
    assert english_left(reply) == [] and english_left(wide) == []


@pytest.mark.parametrize(
    ("text", "language", "said"),
    [
        ("cheapest for 1M tokens as of 2024-05-22", "en", "Free on 2024-05-22: ERNIE Lite (Baidu)"),
        (
            "cheapest for 1M tokens as of 2024-05-22",
            "zh",
            "2024年5月22日免费：ERNIE Lite（百度智能云）",
        ),
        ("free as of 2024-05-22", "en", "Free on 2024-05-22"),
        ("free as of 2024-05-22", "zh", "2024年5月22日免费的模型"),
    ],
)
def test_a_dated_question_says_what_was_free_then_not_now(
    sqlite_store: PriceStore, text: str, language: str, said: str
) -> None:
    """Asked later (now = December 2026), a question about 2024-05-22 must not call the
    models free on that day "free now": the Baidu ones are not free any more."""
    cache = SnapshotCache(load_bundled(sqlite_store))
    reply = ask(cache, text, now=utc(2026, 12, 1, 12), defaults=Defaults(language=language))
    shown = render_text(reply)
    assert said in shown
    assert "Free now" not in shown and "现在免费" not in shown


def test_the_bundled_rate_is_named_in_chinese(cache: SnapshotCache) -> None:
    shown = render_text(reply_to(cache, "100万tokens最便宜的是哪个？", None))
    assert "美元价格按 1 USD = 7.2 CNY 换算（2024年5月22日" not in shown  # the rate's own date
    assert "美元价格按 1 USD = 7.2 CNY 换算（2024年5月1日，pricebot 内置汇率" in shown
    assert "bundled rate" not in shown
