"""A chat's language (issue 13): `/settings language zh` and the chat hears Chinese in
/start, /settings and the confirmations; other chats still hear English."""

from __future__ import annotations

import pytest

from bot.alerts.evaluate import AlertEvaluator
from bot.app import seed_if_empty
from bot.chat.commands import Commands, Services
from bot.chat.context import ChatType, Context
from bot.messages import ChatRef, Platform, Reply, ReplyKind
from storage import PriceStore, SubscriptionStore
from tests.helpers import utc

NOW = utc(2024, 5, 23, 12)


def ctx(
    chat_id: str = "100", *, admin: bool = True, group: bool = False, language: str | None = None
) -> Context:
    return Context(
        chat=ChatRef(Platform.TELEGRAM, chat_id, None),
        user_id="u1",
        is_admin=admin,
        now=NOW,
        chat_type=ChatType.GROUP if group else ChatType.PRIVATE,
        language=language,
    )


@pytest.fixture
def commands(store: PriceStore) -> Commands:
    seed_if_empty(store, now=utc(2024, 5, 1))
    return Commands(Services(store, SubscriptionStore(store.engine), AlertEvaluator(store)))


async def say(commands: Commands, text: str, context: Context | None = None) -> Reply:
    (reply,) = await commands.handle(text, context or ctx())
    return reply


def shown(reply: Reply) -> str:
    """Everything a reader sees: title, lines, footnotes and button labels."""
    return "\n".join(
        [reply.title, *reply.lines, *reply.footnotes, *(b.label for b in reply.buttons)]
    )


async def test_a_chinese_chat_hears_chinese_and_an_english_one_english(
    commands: Commands,
) -> None:
    changed = await say(commands, "/settings language zh")
    assert changed.title == "设置已更改"
    assert changed.lines[0] == "本聊天今后使用中文。"
    assert changed.lines[1] == (
        "设置：货币 人民币 (CNY) · 混合价 3:1 · 时区 UTC（用 /settings 更改）"
    )

    start = await say(commands, "/start")
    assert start.title == "pricebot 替你盯着大模型 API 的价格"
    assert "降价 10% 及以上" in start.lines[1]
    assert start.lines[-1] == "其他命令：/help"
    assert [b.label for b in start.buttons] == ["订阅全部", "现在最便宜的", "帮助"]
    assert [b.action for b in start.buttons] == ["/subscribe all", "/cheapest", "/help"]

    settings = await say(commands, "/settings")
    assert settings.title == "本聊天的设置"
    assert settings.lines[-1] == "语言：中文"
    labels = [b.label for b in settings.buttons]
    assert labels == ["价格以 USD 显示", "混合价 1:1", "免打扰 22:00–07:00", "English"]

    english = ctx("200")
    assert (await say(commands, "/start", english)).title == "pricebot watches what LLM APIs cost"
    plain = await say(commands, "/settings", english)
    assert plain.title == "This chat's settings"
    assert plain.lines[-1] == "Language: English"
    assert plain.buttons[-1].label == "中文"
    for reply in (start, settings):
        assert "Settings" not in shown(reply) and "Subscribe" not in shown(reply)


async def test_dates_and_changes_read_in_chinese(commands: Commands) -> None:
    await say(commands, "/settings 语言 中文")
    await say(commands, "/mute until 18:00")
    zone = await say(commands, "/settings timezone Asia/Shanghai")
    assert zone.lines[0] == "时间按 Asia/Shanghai 显示（当地现在是 20:00）。"
    # Babel's zh_Hans_CN date; the mute (18:00 UTC) ends at 02:00 the next day in Shanghai.
    assert "暂停提醒至 2024年5月24日 02:00 Asia/Shanghai" in zone.lines[1]
    quiet = await say(commands, "/settings quiet 22:00-07:00 silent")
    assert quiet.lines[0] == "免打扰 22:00–07:00：期间的提醒静音发送。"
    assert "免打扰 22:00–07:00（静音）" in quiet.lines[1]
    back = await say(commands, "/settings language English")
    assert (back.title, back.lines[0]) == ("Settings changed", "This chat now hears English.")
    assert "muted until 2024-05-24 02:00 Asia/Shanghai" in back.lines[1]


async def test_without_a_choice_the_askers_language_decides(commands: Commands) -> None:
    """Telegram's language_code / Slack's locale arrive as Context.language ('zh', 'en')."""
    zh_user, en_user = ctx("300", language="zh"), ctx("300", language="en")
    assert (await say(commands, "/start", zh_user)).title == "pricebot 替你盯着大模型 API 的价格"
    assert (await say(commands, "/start", en_user)).title == "pricebot watches what LLM APIs cost"
    assert (await say(commands, "/start", ctx("301"))).title.startswith("pricebot watches")
    # The chat's own choice wins over whoever asks.
    await say(commands, "/settings language en", zh_user)
    assert (await say(commands, "/settings", zh_user)).title == "This chat's settings"
    await say(commands, "/settings language zh", en_user)
    assert (await say(commands, "/settings", en_user)).title == "本聊天的设置"


@pytest.mark.parametrize("typed", ["zh", "ZH-Hans", "zh-cn", "chinese", "中文", "简体中文"])
async def test_the_ways_to_say_chinese(commands: Commands, typed: str) -> None:
    assert (await say(commands, f"/settings language {typed}")).title == "设置已更改"


async def test_an_unknown_language_is_refused_with_an_example(commands: Commands) -> None:
    refused = await say(commands, "/settings language klingon")
    assert refused.kind is ReplyKind.ERROR
    assert refused.title == "“klingon” is not a language I speak (en for English, zh for 中文)"
    assert refused.lines == ("Example: /settings language zh",)
    assert (await say(commands, "/settings")).lines[-1] == "Language: English"


async def test_in_groups_only_admins_change_the_language(commands: Commands) -> None:
    member = ctx("-5", admin=False, group=True)
    refused = await say(commands, "/settings language zh", member)
    assert refused.title == "Only this chat's admins can change its alerts"
    assert (await say(commands, "/settings", member)).title == "This chat's settings"
