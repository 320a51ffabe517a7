"""Telegram in the language of whoever set the chat up (issue 13): the real
python-telegram-bot against the fake Bot API, as `pricebot run` builds it. A `zh-hans`
user's /start, /subscribe, a question and a price-cut alert come in Chinese; an `en`
user's in English."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.waiting import eventually
from tests.test_telegram_e2e import Pricebot, buttons, running

ALICE, BO = 5101, 5102  # Alice's Telegram speaks English, Bo's Simplified Chinese


@pytest.fixture
async def pricebot(telegram_api: FakeTelegramAPI, database_url: str) -> AsyncIterator[Pricebot]:
    async for bot in running(telegram_api, database_url):
        yield bot


async def test_a_zh_hans_users_alert_comes_in_chinese_an_en_users_in_english(
    pricebot: Pricebot,
) -> None:
    fake = pricebot.fake
    fake.queue(fake.message(BO, BO, "/subscribe alibaba", language="zh-hans"))
    fake.queue(fake.message(ALICE, ALICE, "/subscribe alibaba", language="en"))
    await eventually(lambda: fake.delivered(BO) and fake.delivered(ALICE), what="both answers")
    assert pricebot.chat(BO).platform_language == "zh"
    assert pricebot.chat(ALICE).platform_language == "en"
    await pricebot.cut_qwen_long("0.4")
    chinese = (await eventually(lambda: fake.delivered(BO)[1:], what="Bo's alert"))[0]
    english = (await eventually(lambda: fake.delivered(ALICE)[1:], what="Alice's alert"))[0]
    lines = chinese["text"].splitlines()
    assert lines[0] == "降价：Qwen-Long（阿里云）"
    assert "输入降价 20%：¥0.50 → ¥0.40 每百万tokens" in lines
    assert buttons(chinese) == ["暂停提醒 1 天", "订阅"]
    assert english["text"].splitlines()[0] == "Price cut: Qwen-Long (Alibaba Cloud)"
    assert buttons(english) == ["Mute 1 day", "Subscriptions"]


async def test_a_zh_hans_user_hears_chinese_from_start_to_alert(pricebot: Pricebot) -> None:
    say = pricebot.say
    started = await say(BO, BO, "/start", language="zh-hans")
    assert started["text"].startswith("pricebot 替你盯着大模型 API 的价格")
    subscribed = await say(BO, BO, "/subscribe alibaba", language="zh-hans")
    assert subscribed["text"].startswith("已订阅")
    # A question typed in English by a Chinese-speaking user: the reply is in Chinese.
    answered = await say(BO, BO, "cheapest for 1M tokens", language="zh-hans")
    text = answered["text"]
    assert text.startswith("最便宜的模型：100万tokens（混合价 3:1）")
    assert "Qwen-Long" in text and "阿里云" in text and "Cheapest" not in text
    english = await say(ALICE, ALICE, "cheapest for 1M tokens", language="en")
    assert english["text"].startswith("Cheapest for 1M tokens (blended 3:1)")
    # A question Telegram's own words cannot read: refused in Chinese with examples.
    refused = await say(BO, BO, "price qwen-lnog", language="zh-hans")
    assert "你是说 Qwen-Long" in refused["text"] and "Try one of these" not in refused["text"]
    await pricebot.cut_qwen_long("0.4")
    alert = (await eventually(lambda: pricebot.fake.delivered(BO)[4:], what="Bo's alert"))[0]
    assert alert["text"].splitlines()[0] == "降价：Qwen-Long（阿里云）"
