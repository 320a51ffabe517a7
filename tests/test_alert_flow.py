"""The whole path in one process: a chat subscribes through the command layer, prices
change, fan-out matches (targets and saved questions included), the dispatcher sends.
Real store (SQLite and PostgreSQL), real answers engine; a scripted platform."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot.alerts.answering import AnswersEngine
from bot.alerts.dispatcher import Dispatcher, DispatchOptions
from bot.alerts.evaluate import AlertEvaluator
from bot.alerts.fanout import Fanout
from bot.alerts.limits import RateLimits
from bot.app import seed_if_empty
from bot.chat.commands import Commands, Services
from bot.chat.context import Context
from bot.messages import ChatRef, Platform, Reply, ReplyKind
from storage import AlertMatcher, DeliveryStore, PriceStore, SubscriptionStore
from tests.alert_fakes import ScriptedNotifier
from tests.helpers import quote, utc

START = utc(2024, 5, 23, 12)


class Bot:
    """pricebot's parts wired as `build_app` wires them, on a test clock."""

    def __init__(self, store: PriceStore) -> None:
        seed_if_empty(store, now=utc(2024, 5, 1))
        self.store = store
        self.now = START
        self.answers = AnswersEngine(store)
        evaluator = AlertEvaluator(store, self.answers)
        self.subs = SubscriptionStore(store.engine)
        self.matcher = AlertMatcher(store.engine, target_cooldown=timedelta(hours=1))
        self.matcher.start_cursor(now=self.now)
        self.commands = Commands(Services(store, self.subs, evaluator, self.answers, self.answers))
        self.fanout = Fanout(self.matcher, evaluator=evaluator)
        self.platform = ScriptedNotifier()
        self.dispatcher = Dispatcher(
            store=store,
            deliveries=DeliveryStore(store.engine),
            subscriptions=self.subs,
            notifiers=[self.platform],
            limits=RateLimits({}),
            ranker=self.answers,
            options=DispatchOptions(flush_interval=0.01),
            clock=lambda: self.now,
        )

    async def say(self, text: str, chat: str = "100") -> Reply:
        ctx = Context(ChatRef(Platform.TELEGRAM, chat), "u1", True, self.now)
        (reply,) = await self.commands.handle(text, ctx)
        return reply

    async def prices(self, *quotes_: object, hours: int = 1) -> None:
        """A source reports prices an hour later; fan-out and dispatch follow."""
        self.now += timedelta(hours=hours)
        # Compared with the price in force from any source, as an admin's word is.
        self.store.record(quotes_, source="admin", observed_at=self.now, across_sources=True)  # type: ignore[arg-type]
        self.fanout.catch_up(self.now)
        await self.dispatcher.drain()


def at(bot: Bot) -> datetime:
    return bot.now + timedelta(minutes=30)


@pytest.fixture
def bot(store: PriceStore) -> Bot:
    return Bot(store)


async def test_questions_answer_in_the_chats_currency(bot: Bot) -> None:
    await bot.say("/settings currency USD")
    reply = await bot.say("/cheapest")
    assert reply.kind is ReplyKind.ANSWER
    assert "prices in USD" in reply.lines[0]
    free_text = await bot.say("cheapest for 1M tokens?")
    assert free_text.rows == reply.rows
    chinese = await bot.say("100万tokens最便宜的是哪个？")
    assert chinese.kind is ReplyKind.ANSWER
    chatter = await bot.say("good morning")
    assert chatter.title == "I read commands and price questions"


async def test_an_alert_says_where_the_model_now_ranks(bot: Bot) -> None:
    await bot.say("/subscribe deepseek")
    await bot.prices(
        quote(
            "deepseek/deepseek-v2",
            when=at(bot),
            input="0.5",
            output="1",
            currency="CNY",
            name="DeepSeek-V2",
        )
    )
    (message,) = bot.platform.received
    assert message.title == "Price cut: DeepSeek-V2 (DeepSeek)"
    assert "input: ¥1.00 → ¥0.50 per 1M (−50%)" in message.lines
    rank = next(line for line in message.lines if line.startswith("now #"))
    assert rank.startswith("now #1 of ") and "“cheapest for 1M tokens” (¥0.625 at 3:1)" in rank


async def test_a_saved_question_alerts_when_its_answer_changes(bot: Bot) -> None:
    refused = await bot.say("/subscribe question: price qwen-long")
    assert refused.kind is ReplyKind.ERROR and "I can't watch" in refused.title
    saved = await bot.say("/subscribe cheapest for 1M tokens with 128k context")
    assert saved.title == "Question saved"
    assert saved.lines[1].startswith("Now: 1. Qwen-Long ¥0.875; 2. GLM-3 Turbo ¥1.00")
    # A change that leaves the answer as it was says nothing.
    await bot.prices(quote("openai/gpt-4o", when=at(bot), input="4.5", output="15", name="GPT-4o"))
    assert bot.platform.received == []
    # GLM-3 Turbo (128K) at ¥0.5 overtakes Qwen-Long: the answer changed.
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
    (message,) = bot.platform.received
    assert message.title == "Answer changed"
    assert message.lines[0].startswith(
        "❓ The answer to “cheapest for 1M tokens with 128k context” changed: 1. GLM-3 Turbo ¥0.50"
    )


async def test_a_move_below_what_the_alert_shows_is_not_a_changed_answer(bot: Bot) -> None:
    saved = await bot.say("/subscribe cheapest for 1M tokens")
    assert saved.lines[1].startswith(
        "Now: 1. Qwen-Long ¥0.875; 2. GLM-3 Turbo ¥1.00; 3. Doubao-pro-32k ¥1.10"
    )
    # Gemini 1.5 Flash, fifth, gets cheaper and stays fifth: the top 3 read the same.
    await bot.prices(
        quote("google/gemini-1.5-flash", when=at(bot), input="0.3", output="1", name="Flash")
    )
    assert bot.platform.received == []
    # DeepSeek-V2 goes first: the top 3 the alert shows change.
    await bot.prices(
        quote("deepseek/deepseek-v2", when=at(bot), input="0.5", output="0.5", currency="CNY")
    )
    (message,) = bot.platform.received
    assert message.title == "Answer changed"
    assert "changed: 1. DeepSeek-V2 ¥0.50; 2. Qwen-Long ¥0.875" in message.lines[0]


async def test_a_target_fires_on_crossing_and_rearms(bot: Bot) -> None:
    waiting = await bot.say("/subscribe zhipu under ¥0.8")
    assert waiting.title == "Target set"
    glm = "zhipu/glm-3-turbo"
    await bot.prices(
        quote(glm, when=at(bot), input="0.7", output="0.7", currency="CNY", name="GLM-3 Turbo")
    )
    (fired,) = [m for m in bot.platform.received if m.title == "Target price met"]
    assert fired.lines == (
        "🎯 Your target price is met: GLM-3 Turbo (Zhipu AI) at ¥0.70 per 1M "
        "(blended 3:1, vendor zhipu)",
    )
    # Back above, then under again within the cooldown (1 h here): quiet.
    await bot.prices(
        quote(glm, when=at(bot), input="0.9", output="0.9", currency="CNY", name="GLM-3 Turbo"),
        hours=0,
    )
    await bot.prices(
        quote(
            glm,
            when=at(bot) + timedelta(minutes=1),
            input="0.6",
            output="0.6",
            currency="CNY",
            name="GLM-3 Turbo",
        ),
        hours=0,
    )
    assert len([m for m in bot.platform.received if m.title == "Target price met"]) == 1
    # Back above, and under again after the cooldown: fires again.
    await bot.prices(
        quote(glm, when=at(bot), input="0.9", output="0.9", currency="CNY", name="GLM-3 Turbo"),
        hours=2,
    )
    await bot.prices(
        quote(glm, when=at(bot), input="0.5", output="0.5", currency="CNY", name="GLM-3 Turbo")
    )
    assert len([m for m in bot.platform.received if m.title == "Target price met"]) == 2


async def test_a_daily_digest_collects_a_days_alerts(bot: Bot) -> None:
    await bot.say("/settings timezone Asia/Shanghai")
    await bot.say("/digest daily 9:00")
    await bot.say("/subscribe all")
    await bot.prices(
        quote("deepseek/deepseek-v2", when=at(bot), input="0.5", currency="CNY", name="DeepSeek-V2")
    )
    await bot.prices(
        quote("zhipu/glm-3-turbo", when=at(bot), input="0.5", currency="CNY", name="GLM-3 Turbo")
    )
    assert bot.platform.received == []
    bot.now = utc(2024, 5, 24, 1)  # 09:00 in Shanghai
    bot.fanout.digests(bot.now)
    await bot.dispatcher.drain()
    (digest,) = bot.platform.received
    # The title counts what the reader sees: one bullet per model.
    assert digest.title == "Daily digest: 2 models changed"
    assert sum(line.startswith("• ") for line in digest.lines) == 2
    assert "• DeepSeek-V2 (DeepSeek)" in digest.lines and "• GLM-3 Turbo (Zhipu AI)" in digest.lines


async def test_a_new_model_alert_gives_all_its_prices(bot: Bot) -> None:
    await bot.say("/subscribe all new")
    await bot.say("/settings currency USD")
    await bot.prices(
        quote(
            "deepseek/deepseek-coder-v2",
            when=at(bot),
            input="1",
            output="2",
            currency="CNY",
            name="DeepSeek-Coder-V2",
        )
    )
    (message,) = bot.platform.received
    assert message.title.startswith("New model: DeepSeek-Coder-V2")
    line = next(x for x in message.lines if x.startswith("new model"))
    # Both prices, in the vendor's currency and in the chat's (7.2 CNY per USD), the
    # converted ones to the precision a rate deserves (as answers show them).
    assert line == "new model, input ¥1.00, output ¥2.00 per 1M · $0.1389, $0.2778", line


async def test_a_cut_in_another_currency_shows_converted_figures_to_a_sensible_precision(
    bot: Bot,
) -> None:
    """¥0.50 → ¥0.40 in a USD chat: '$0.06944 → $0.05556' (four significant digits below
    one, as answers show a converted figure), not a quotient's '$0.069444'."""
    await bot.say("/subscribe alibaba")
    await bot.say("/settings currency USD")
    await bot.prices(
        quote(
            "alibaba/qwen-long",
            when=at(bot),
            input="0.4",
            output="2",
            currency="CNY",
            name="Qwen-Long",
        )
    )
    (message,) = bot.platform.received
    line = next(x for x in message.lines if x.startswith("input:"))
    assert line == "input: ¥0.50 → ¥0.40 per 1M (−20%) · $0.06944 → $0.05556", line
