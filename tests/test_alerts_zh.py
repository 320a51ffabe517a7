"""Alerts and digests in the chat's language (issue 13): every kind of alert in English
and Chinese as a reader sees it, the language a delivery is in (the chat's choice, else
the platform language of whoever set it up), and Chinese alerts within the platforms'
limits."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from bot.alerts.answering import AnswersEngine
from bot.alerts.facts import EventFacts, ModelName, RankNote
from bot.alerts.message import AlertFacts, compose
from bot.chat.context import Context
from bot.chat.render import render_slack, render_telegram
from bot.chat.render.slack import BLOCK_LIMIT, SECTION_LIMIT
from bot.chat.render.telegram import MESSAGE_LIMIT, utf16_length
from bot.messages import ChatRef, Platform, Reply
from storage import (
    ChatKey,
    ChatSettings,
    ClaimedDelivery,
    DateBasis,
    DeliveryStore,
    EventType,
    Money,
    PriceEvent,
    PriceKind,
    PriceStore,
    QuietMode,
    SubscriptionStore,
)
from storage.alert_values import AlertItem
from tests.helpers import quote, utc
from tests.test_alert_flow import Bot, at

NOW = utc(2024, 5, 23, 12)


def chat(language: str | None = None, platform_language: str | None = None) -> ChatSettings:
    return ChatSettings(
        pk=1,
        key=ChatKey("telegram", "100", ""),
        chat_type="private",
        active=True,
        currency="CNY",
        mix_input=3,
        mix_output=1,
        timezone="UTC",
        quiet_start=None,
        quiet_end=None,
        quiet_mode=QuietMode.HOLD,
        muted_until=None,
        digest_minute=None,
        next_digest_at=None,
        language=language,
        platform_language=platform_language,
    )


def shown(reply: Reply) -> str:
    """Everything a reader sees: title, lines, footnotes and button labels."""
    return "\n".join(
        [reply.title, *reply.lines, *reply.footnotes, *(b.label for b in reply.buttons)]
    )


# Words that may stay Latin in Chinese text: model names, units, currency codes, 'tokens'.
_ALLOWED_LATIN = {"tokens", "K", "M", "UTC", "CNY", "USD"}


def english_words(text: str, names: set[str]) -> list[str]:
    """Latin words in `text` once the names a Chinese reader also sees in Latin (models,
    data such as a source's own name) are taken out."""
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, " ")
    return [w for w in re.findall(r"[A-Za-z]+", text) if w not in _ALLOWED_LATIN]


def cny(amount: str) -> Money:
    return Money(Decimal(amount), "CNY")


QWEN = ModelName("alibaba/qwen-long", "Qwen-Long", "Alibaba Cloud", "alibaba")
ERNIE = ModelName("baidu/ernie-speed", "ERNIE Speed", "Baidu", "baidu")
CODER = ModelName("deepseek/deepseek-coder-v2", "DeepSeek-Coder-V2", "DeepSeek", "deepseek")
MODEL_NAMES = {"Qwen-Long", "ERNIE Speed", "DeepSeek-Coder-V2"}


def event(type_: EventType, model: ModelName, **fields: object) -> PriceEvent:
    values: dict[str, object] = {
        "effective_at": utc(2024, 5, 21),
        "source": "admin",
        "kind": PriceKind.INPUT,
        "id": 1,
    }
    values.update(fields)
    return PriceEvent(type_, model.model_id, **values)  # type: ignore[arg-type]


def alert(
    facts: list[EventFacts],
    language: str | None,
    *,
    kind: str = "instant",
    platform_language: str | None = None,
) -> Reply:
    """What a chat in `language` reads for these events."""
    numbered = [replace(f, event=replace(f.event, id=i + 1)) for i, f in enumerate(facts)]
    items = tuple(AlertItem(f.event.id or 0, "change", 1) for f in numbered)
    delivery = ClaimedDelivery(1, chat(language, platform_language), kind, 0, items)
    return compose(delivery, {f.event.id or 0: f for f in numbered})


RANK = RankNote(2, 11, None, "¥1.00", "3:1")

# (event facts, English title and lines, Chinese title and lines) for every kind of alert.
KINDS = [
    pytest.param(
        EventFacts(
            event(EventType.CUT, QWEN, old=cny("20"), new=cny("0.5"), percent=Decimal("97.5")),
            QWEN,
            all_time_low=True,
            rank=RANK,
        ),
        (
            "Price cut: Qwen-Long (Alibaba Cloud)",
            "input: ¥20.00 → ¥0.50 per 1M (−97.5%)",
            "effective 2024-05-21",
            "all-time low: input",
            "now #2 of 11 for “cheapest for 1M tokens” (¥1.00 at 3:1)",
            "source: admin",
        ),
        (
            "降价：Qwen-Long（阿里云）",
            "输入降价 97.5%：¥20.00 → ¥0.50 每百万tokens",
            "2024年5月21日生效",
            "历史最低价：输入",
            "“100万tokens最便宜”现排第 2 名（共 11 个，混合价 3:1 为 ¥1.00）",
            "来源：admin",
        ),
        id="cut",
    ),
    pytest.param(
        EventFacts(
            event(
                EventType.INCREASE,
                QWEN,
                kind=PriceKind.OUTPUT,
                tier=128_000,
                old=cny("2"),
                new=cny("3"),
                percent=Decimal("50"),
            ),
            QWEN,
        ),
        (
            "Price increase: Qwen-Long (Alibaba Cloud)",
            "output (prompts over 128K): ¥2.00 → ¥3.00 per 1M (+50%)",
            "effective 2024-05-21",
            "source: admin",
        ),
        (
            "涨价：Qwen-Long（阿里云）",
            "输出（提示超过 128K）涨价 50%：¥2.00 → ¥3.00 每百万tokens",
            "2024年5月21日生效",
            "来源：admin",
        ),
        id="increase",
    ),
    pytest.param(
        EventFacts(
            event(
                EventType.FREE,
                ERNIE,
                old=cny("4"),
                new=cny("0"),
                free_until=utc(2024, 6, 30),
            ),
            ERNIE,
        ),
        (
            "Now free: ERNIE Speed (Baidu)",
            "input: ¥4.00 → free",
            "effective 2024-05-21",
            "free until 2024-06-30",
            "source: admin",
        ),
        (
            "现已免费：ERNIE Speed（百度智能云）",
            "输入：¥4.00 → 免费",
            "2024年5月21日生效",
            "限时免费至2024年6月30日",
            "来源：admin",
        ),
        id="free",
    ),
    pytest.param(
        EventFacts(event(EventType.PAID_AGAIN, ERNIE, old=cny("0"), new=cny("0.8")), ERNIE),
        (
            "No longer free: ERNIE Speed (Baidu)",
            "input: free → ¥0.80 per 1M",
            "effective 2024-05-21",
            "source: admin",
        ),
        (
            "恢复收费：ERNIE Speed（百度智能云）",
            "输入：免费 → ¥0.80 每百万tokens",
            "2024年5月21日生效",
            "来源：admin",
        ),
        id="paid-again",
    ),
    pytest.param(
        EventFacts(
            event(EventType.NEW_MODEL, CODER, kind=None, new=cny("1")),
            CODER,
            launch=(
                (PriceKind.INPUT, cny("1"), None),
                (PriceKind.OUTPUT, cny("2"), None),
            ),
        ),
        (
            "New model: DeepSeek-Coder-V2 (DeepSeek)",
            "new model, input ¥1.00, output ¥2.00 per 1M",
            "effective 2024-05-21",
            "source: admin",
        ),
        (
            "新模型：DeepSeek-Coder-V2（深度求索）",
            "新模型，输入 ¥1.00、输出 ¥2.00 每百万tokens",
            "2024年5月21日生效",
            "来源：admin",
        ),
        id="new-model",
    ),
    pytest.param(
        EventFacts(
            event(
                EventType.FREE_ENDING,
                ERNIE,
                kind=None,
                free_until=utc(2024, 6, 30),
                date_basis=DateBasis.OBSERVED,
                not_before=utc(2024, 5, 20),
            ),
            ERNIE,
        ),
        (
            "Free offer ending: ERNIE Speed (Baidu)",
            "free offer ends 2024-06-30",
            "changed between 2024-05-20 and 2024-05-21 (the feed gives no date)",
            "free until 2024-06-30",
            "source: admin",
        ),
        (
            "限时免费即将结束：ERNIE Speed（百度智能云）",
            "限时免费将于2024年6月30日结束",
            "于2024年5月20日至2024年5月21日之间变动（数据源未注明日期）",
            "限时免费至2024年6月30日",
            "来源：admin",
        ),
        id="free-ending",
    ),
]


@pytest.mark.parametrize(("facts", "english", "chinese"), KINDS)
def test_every_kind_of_alert_in_both_languages(
    facts: EventFacts, english: tuple[str, ...], chinese: tuple[str, ...]
) -> None:
    en = alert([facts], "en")
    assert (en.title, *en.lines) == english
    assert [b.label for b in en.buttons] == ["Mute 1 day", "Subscriptions"]
    zh = alert([facts], "zh")
    assert (zh.title, *zh.lines) == chinese
    assert [b.label for b in zh.buttons] == ["暂停提醒 1 天", "订阅"]
    assert [b.action for b in zh.buttons] == [b.action for b in en.buttons]
    assert english_words(shown(zh), MODEL_NAMES | {"admin"}) == []


def test_a_digest_and_a_many_model_alert_in_both_languages() -> None:
    facts = [KINDS[0].values[0], KINDS[2].values[0]]
    en = alert(facts, "en", kind="digest")  # type: ignore[arg-type]
    zh = alert(facts, "zh", kind="digest")  # type: ignore[arg-type]
    assert en.title == "Daily digest: 2 models changed"
    assert zh.title == "每日汇总：2 项变动"
    assert [line for line in zh.lines if line.startswith("• ")] == [
        "• Qwen-Long（阿里云）",
        "• ERNIE Speed（百度智能云）",
    ]
    assert "  输入降价 97.5%：¥20.00 → ¥0.50 每百万tokens" in zh.lines
    assert alert(facts[:1], "zh", kind="digest").title == "每日汇总：1 项变动"  # type: ignore[list-item]
    assert alert(facts[:1], "en", kind="digest").title == "Daily digest: 1 model changed"  # type: ignore[list-item]
    assert alert(facts, "zh").title == "价格提醒：2 个模型"  # type: ignore[arg-type]
    assert english_words(shown(zh), MODEL_NAMES | {"admin"}) == []


def test_the_delivery_language_the_chats_choice_then_its_platform_language() -> None:
    facts = [KINDS[0].values[0]]
    assert alert(facts, None).title.startswith("Price cut")  # type: ignore[arg-type]
    assert alert(facts, None, platform_language="zh").title.startswith("降价")  # type: ignore[arg-type]
    assert alert(facts, "en", platform_language="zh").title.startswith("Price cut")  # type: ignore[arg-type]
    assert alert(facts, "zh", platform_language="en").title.startswith("降价")  # type: ignore[arg-type]


def test_qwen_longs_cut_from_the_bundled_catalog(store: PriceStore) -> None:
    """The May 2024 cut as the store recorded it, read the way the dispatcher reads it,
    for a Chinese chat and for an English one priced in USD."""
    from bot.app import seed_if_empty

    seed_if_empty(store, now=utc(2024, 5, 1))
    cuts = [e for e in store.events_for("alibaba/qwen-long") if e.type is EventType.CUT]
    items = tuple(AlertItem(e.id or 0, "change", 1) for e in cuts)
    reader = AlertFacts(store, DeliveryStore(store.engine), AnswersEngine(store))
    chinese = ClaimedDelivery(1, chat("zh"), "instant", 0, items)
    usd = ClaimedDelivery(2, _usd(chat("zh")), "instant", 0, items)
    english = ClaimedDelivery(3, chat("en"), "instant", 0, items)
    facts = reader.load([chinese, usd, english], now=NOW)
    zh = compose(chinese, facts[1])
    assert zh.title == "降价：Qwen-Long（阿里云）"
    assert zh.lines[:3] == (
        "输入降价 97.5%：¥20.00 → ¥0.50 每百万tokens",
        "输出降价 90%：¥20.00 → ¥2.00 每百万tokens",
        "2024年5月21日生效",
    )
    assert "历史最低价：输入、输出" in zh.lines
    assert any(line.startswith("“100万tokens最便宜”现排第 1 名") for line in zh.lines)
    # The citation is the catalog's own (English) note: everything else is Chinese.
    said = "\n".join(line for line in shown(zh).splitlines() if not line.startswith("来源："))
    assert english_words(said, {"Qwen-Long"}) == []
    in_usd = compose(usd, facts[2])
    assert in_usd.lines[0].startswith("输入降价 97.5%：¥20.00 → ¥0.50 每百万tokens · $")
    assert in_usd.footnotes and all(n.startswith("按2024年5月") for n in in_usd.footnotes)
    en = compose(english, facts[3])
    assert en.title == "Price cut: Qwen-Long (Alibaba Cloud)"
    assert en.lines[0] == "input: ¥20.00 → ¥0.50 per 1M (−97.5%)"


def _usd(settings: ChatSettings) -> ChatSettings:
    return replace(settings, currency="USD")


def test_chinese_alerts_fit_telegram_and_slack() -> None:
    """A digest of 150 models in Chinese: every Telegram part within 4,096 characters,
    Slack within 50 blocks of at most 3,000 characters each."""
    base = KINDS[0].values[0]
    many = [
        EventFacts(
            event(
                EventType.CUT,
                ModelName(f"alibaba/qwen-{n}", f"Qwen-{n}", "Alibaba Cloud", "alibaba"),
                old=cny("20"),
                new=cny("0.5"),
                percent=Decimal("97.5"),
            ),
            ModelName(f"alibaba/qwen-{n}", f"Qwen-{n}", "Alibaba Cloud", "alibaba"),
            all_time_low=True,
            rank=base.rank,  # type: ignore[union-attr]
        )
        for n in range(150)
    ]
    reply = alert(many, "zh", kind="digest")
    assert reply.title == "每日汇总：150 项变动"
    parts = render_telegram(reply)
    assert len(parts) > 1
    assert all(utf16_length(p.text) <= MESSAGE_LIMIT for p in parts)
    assert "每日汇总：150 项变动" in parts[0].text
    slack = render_slack(reply)
    assert len(slack.blocks) <= BLOCK_LIMIT
    for block in slack.blocks:
        texts = [block.get("text", {}).get("text", "")]
        texts += [e.get("text", "") for e in block.get("elements", []) if "text" in e]
        assert all(len(t) <= SECTION_LIMIT for t in texts if isinstance(t, str))


# ---- the whole path: chats set up by Chinese and English speakers -----------------------


class SpeakingBot(Bot):
    """The alert flow's bot, where each message comes with its sender's platform language."""

    async def say_as(self, text: str, language: str | None, chat: str = "100") -> Reply:
        ctx = Context(ChatRef(Platform.TELEGRAM, chat), "u1", True, self.now, language=language)
        (reply,) = await self.commands.handle(text, ctx)
        return reply

    def chat_settings(self, chat: str) -> ChatSettings:
        found = SubscriptionStore(self.store.engine).get_chat(ChatKey("telegram", chat, ""))
        assert found is not None
        return found


@pytest.fixture
def bot(store: PriceStore) -> SpeakingBot:
    return SpeakingBot(store)


def deepseek_cut(bot: Bot, price: str) -> object:
    return quote(
        "deepseek/deepseek-v2", when=at(bot), input=price, currency="CNY", name="DeepSeek-V2"
    )


async def test_a_chat_set_up_in_chinese_hears_chinese_until_it_chooses(
    bot: SpeakingBot,
) -> None:
    await bot.say_as("/subscribe deepseek", "zh-hans", chat="zh")
    await bot.say_as("/subscribe deepseek", "en", chat="en")
    await bot.say_as("/subscribe deepseek", None, chat="unknown")
    # A later English speaker does not change what the chat was set up in.
    await bot.say_as("/subscribe all", "en-US", chat="zh")
    assert bot.chat_settings("zh").platform_language == "zh"
    assert bot.chat_settings("en").platform_language == "en"
    assert bot.chat_settings("unknown").platform_language is None
    await bot.prices(deepseek_cut(bot, "0.5"))
    titles = {m.chat_id: m.title for m in bot.platform.received}
    assert titles == {
        "zh": "降价：DeepSeek-V2（深度求索）",
        "en": "Price cut: DeepSeek-V2 (DeepSeek)",
        "unknown": "Price cut: DeepSeek-V2 (DeepSeek)",
    }
    (zh,) = [m for m in bot.platform.received if m.chat_id == "zh"]
    assert zh.lines[0] == "输入降价 50%：¥1.00 → ¥0.50 每百万tokens"
    # /settings language en wins over the platform's language, and the reverse.
    await bot.say_as("/settings language en", "zh-hans", chat="zh")
    await bot.say_as("/settings language zh", "en", chat="en")
    bot.platform.received.clear()
    await bot.prices(deepseek_cut(bot, "0.25"))
    titles = {m.chat_id: m.title for m in bot.platform.received}
    assert titles["zh"] == "Price cut: DeepSeek-V2 (DeepSeek)"
    assert titles["en"] == "降价：DeepSeek-V2（深度求索）"
    assert bot.chat_settings("zh").platform_language == "zh"


async def test_a_target_and_a_saved_question_in_chinese(bot: SpeakingBot) -> None:
    await bot.say_as("/settings language zh", None)
    await bot.say_as("/subscribe zhipu under ¥0.8", None)
    await bot.say_as("/subscribe cheapest for 1M tokens with 128k context", None)
    await bot.prices(
        quote(
            "zhipu/glm-3-turbo",
            when=at(bot),
            input="0.5",
            output="0.5",
            currency="CNY",
            name="GLM-3 Turbo",
        )
    )
    lines = [line for m in bot.platform.received for line in m.lines]
    assert (
        "🎯 已达到你的目标价：GLM-3 Turbo（智谱AI）每百万tokens ¥0.50（混合价 3:1、厂商 智谱AI）"
        in lines
    )
    changed = next(line for line in lines if line.startswith("❓"))
    assert changed.startswith(
        "❓ “cheapest for 1M tokens with 128k context”的答案有变化：1. GLM-3 Turbo ¥0.50；"
        "2. Qwen-Long ¥0.875"
    )


async def test_a_chinese_daily_digest(bot: SpeakingBot) -> None:
    await bot.say_as("/settings timezone Asia/Shanghai", "zh-cn")
    await bot.say_as("/digest daily 9:00", "zh-cn")
    await bot.say_as("/subscribe all", "zh-cn")
    await bot.prices(deepseek_cut(bot, "0.5"))
    await bot.prices(
        quote("zhipu/glm-3-turbo", when=at(bot), input="0.5", currency="CNY", name="GLM-3 Turbo")
    )
    bot.now = utc(2024, 5, 24, 1)  # 09:00 in Shanghai
    bot.fanout.digests(bot.now)
    await bot.dispatcher.drain()
    (digest,) = bot.platform.received
    assert digest.title == "每日汇总：2 项变动"
    assert "• DeepSeek-V2（深度求索）" in digest.lines and "• GLM-3 Turbo（智谱AI）" in digest.lines
    assert "  输入降价 50%：¥1.00 → ¥0.50 每百万tokens" in digest.lines


def test_touch_chat_keeps_the_first_known_platform_language(store: PriceStore) -> None:
    chats = SubscriptionStore(store.engine)
    key = ChatKey("telegram", "42", "")
    at_ = utc(2024, 5, 23)
    assert chats.touch_chat(key, now=at_).platform_language is None
    assert chats.touch_chat(key, now=at_, language="zh").platform_language == "zh"
    assert chats.touch_chat(key, now=at_, language="en").platform_language == "zh"
    assert chats.update_chat(key, now=at_, language="en").platform_language == "zh"
    other = ChatKey("slack", "C1", "T1")
    created = chats.touch_chat(other, now=at_ + timedelta(minutes=1), language="en")
    assert created.platform_language == "en" and created.language is None
    with pytest.raises(ValueError):
        chats.touch_chat(other, now=at_, language="zh-hans")
