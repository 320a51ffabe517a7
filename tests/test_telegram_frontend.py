"""The Telegram front-end with the real python-telegram-bot, long polling the fake Bot API."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import SecretStr

from bot.chat.commands import default_registry
from bot.chat.context import ChatType, Context
from bot.chat.telegram.frontend import REFUSED_PRESS, TelegramFrontEnd, TelegramStartError
from bot.chat.telegram.menu import NOT_ON_TELEGRAM
from bot.messages import Button, Platform, Reply, ReplyKind, Row
from bot.settings import Settings
from tests.fakes import telegram_api as fake_api
from tests.fakes.command_layer import RecordingCommands
from tests.fakes.telegram_api import BOT_USERNAME, FakeTelegramAPI
from tests.fakes.waiting import eventually

GROUP = -100200300
CHANNEL = -100900900
ADMIN, MEMBER, ALICE = 11, 12, 13


def settings_for(fake: FakeTelegramAPI, **extra: Any) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_token=SecretStr(fake.token),
        telegram_api_url=fake.url,
        **extra,
    )


@pytest.fixture
def commands() -> RecordingCommands:
    return RecordingCommands()


@pytest.fixture
async def frontend(
    telegram_api: FakeTelegramAPI, commands: RecordingCommands
) -> AsyncIterator[TelegramFrontEnd]:
    telegram_api.add_chat(GROUP, "supergroup", title="LLM price watchers")
    telegram_api.add_chat(CHANNEL, "channel", title="Price war news")
    telegram_api.set_member(GROUP, ADMIN, "administrator")
    menu = [(entry.name, entry.summary) for entry in default_registry().entries()]
    front = TelegramFrontEnd(settings_for(telegram_api), commands, menu=menu)
    await front.start()
    try:
        yield front
    finally:
        await front.stop()


async def ask(fake: FakeTelegramAPI, commands: RecordingCommands, update: dict) -> Context:
    """Queue an update and wait until the command layer has been asked about it."""
    before = len(commands.asked)
    fake.queue(update)
    await eventually(lambda: len(commands.asked) > before, what="the command layer")
    return commands.asked[-1][1]


async def test_start_connects_publishes_menu_and_polls(
    telegram_api: FakeTelegramAPI, frontend: TelegramFrontEnd
):
    methods = [call.method for call in telegram_api.calls]
    assert methods[:2] == ["getMe", "setMyCommands"]
    assert "deleteWebhook" in methods
    await eventually(lambda: telegram_api.calls_to("getUpdates"), what="getUpdates")
    english = {c["command"]: c["description"] for c in telegram_api.commands[("default", "")]}
    chinese = {c["command"]: c["description"] for c in telegram_api.commands[("default", "zh")]}
    names = [e.name for e in default_registry().entries() if e.name not in NOT_ON_TELEGRAM]
    assert list(english) == list(chinese) == names and "workspace" not in names
    assert english["history"].startswith("a chart of a model's input and output price")
    # Every command has its own Chinese wording, not the English one.
    assert all(chinese[name] != english[name] for name in names)
    assert chinese["cheapest"].startswith("100万tokens最便宜的模型")


async def test_private_chat_text_reaches_the_command_layer(
    telegram_api: FakeTelegramAPI, frontend: TelegramFrontEnd, commands: RecordingCommands
):
    ctx = await ask(
        telegram_api, commands, telegram_api.message(ALICE, ALICE, "cheapest for 1M tokens?")
    )
    assert commands.asked[-1][0] == "cheapest for 1M tokens?"
    assert ctx.chat.platform is Platform.TELEGRAM and ctx.chat.chat_id == str(ALICE)
    assert (ctx.user_id, ctx.is_admin, ctx.chat_type, ctx.language) == (
        str(ALICE),
        True,
        ChatType.PRIVATE,
        "en",
    )
    await eventually(lambda: telegram_api.texts(ALICE), what="the answer")
    assert telegram_api.texts(ALICE) == ["you said: cheapest for 1M tokens?"]
    assert telegram_api.calls_to("getChatMember") == []


async def test_chinese_users_are_marked_zh(
    telegram_api: FakeTelegramAPI, frontend: TelegramFrontEnd, commands: RecordingCommands
):
    update = telegram_api.message(ALICE, ALICE, "100万tokens最便宜的是哪个？", language="zh-hans")
    ctx = await ask(telegram_api, commands, update)
    assert ctx.language == "zh"


async def test_group_admin_is_asked_once_and_remembered(
    telegram_api: FakeTelegramAPI, frontend: TelegramFrontEnd, commands: RecordingCommands
):
    command = f"/subscribe@{BOT_USERNAME} deepseek"
    admin = await ask(telegram_api, commands, telegram_api.message(GROUP, ADMIN, command))
    member = await ask(telegram_api, commands, telegram_api.message(GROUP, MEMBER, command))
    again = await ask(telegram_api, commands, telegram_api.message(GROUP, ADMIN, "/subscriptions"))
    assert [text for text, _ in commands.asked] == [
        "/subscribe deepseek",
        "/subscribe deepseek",
        "/subscriptions",
    ]
    assert (admin.is_admin, member.is_admin, again.is_admin) == (True, False, True)
    assert admin.chat_type is ChatType.GROUP and admin.chat.chat_id == str(GROUP)
    asked = [
        (c.params["chat_id"], c.params["user_id"]) for c in telegram_api.calls_to("getChatMember")
    ]
    assert asked == [(str(GROUP), str(ADMIN)), (str(GROUP), str(MEMBER))]


async def test_group_messages_not_for_the_bot_are_ignored(
    telegram_api: FakeTelegramAPI, frontend: TelegramFrontEnd, commands: RecordingCommands
):
    for text in ("/subscribe@some_other_bot deepseek", "what is everyone paying for gpt-4o?"):
        telegram_api.queue(telegram_api.message(GROUP, MEMBER, text))
    # A message for the bot, sent last: once it is answered, the others were looked at.
    await ask(telegram_api, commands, telegram_api.message(GROUP, MEMBER, "/help"))
    assert [text for text, _ in commands.asked] == ["/help"]


async def test_group_questions_by_mention_or_reply(
    telegram_api: FakeTelegramAPI, frontend: TelegramFrontEnd, commands: RecordingCommands
):
    mention = telegram_api.message(GROUP, MEMBER, f"@{BOT_USERNAME} cheapest with 128k context?")
    await ask(telegram_api, commands, mention)
    assert commands.asked[-1][0] == "cheapest with 128k context?"
    answer = (await eventually(lambda: telegram_api.delivered(GROUP)))[-1]
    # Answers in groups are replies to the question.
    [call] = telegram_api.calls_to("sendMessage", chat_id=GROUP)
    assert call.params["reply_parameters"]["message_id"] == mention["message"]["message_id"]
    follow_up = telegram_api.message(GROUP, MEMBER, "and in USD?", reply_to=answer)
    await ask(telegram_api, commands, follow_up)
    assert commands.asked[-1][0] == "and in USD?"


async def test_channel_posts_and_anonymous_admins_are_admins(
    telegram_api: FakeTelegramAPI, frontend: TelegramFrontEnd, commands: RecordingCommands
):
    post = await ask(
        telegram_api, commands, telegram_api.message(CHANNEL, None, "/subscribe deepseek")
    )
    assert (post.chat_type, post.is_admin, post.chat.chat_id) == (
        ChatType.CHANNEL,
        True,
        str(CHANNEL),
    )
    anonymous = telegram_api.message(GROUP, None, "/unsubscribe all", anonymous_admin=True)
    ctx = await ask(telegram_api, commands, anonymous)
    assert ctx.is_admin is True
    assert telegram_api.calls_to("getChatMember") == []


async def test_buttons_press_in_the_same_chat(
    telegram_api: FakeTelegramAPI, frontend: TelegramFrontEnd, commands: RecordingCommands
):
    buttons = (Button("DeepSeek", "sub:vendor:deepseek"), Button("Alibaba", "sub:vendor:alibaba"))
    commands.on_text = lambda text, ctx: [
        Reply(title="Subscribe to which vendor?", buttons=buttons)
    ]
    commands.on_press = lambda action, ctx: [Reply(title=f"done: {action}")]
    await ask(telegram_api, commands, telegram_api.message(ALICE, ALICE, "/subscribe"))
    [shown] = await eventually(lambda: telegram_api.delivered(ALICE))
    telegram_api.queue(telegram_api.press(shown, "DeepSeek", user_id=ALICE))
    await eventually(lambda: commands.pressed, what="the press")
    action, ctx = commands.pressed[0]
    assert action == "sub:vendor:deepseek" and ctx.chat.chat_id == str(ALICE) and ctx.is_admin
    await eventually(lambda: len(telegram_api.delivered(ALICE)) == 2, what="the answer")
    assert telegram_api.texts(ALICE)[-1] == "done: sub:vendor:deepseek"
    assert len(telegram_api.callback_answers) == 1
    # The pressed button is gone; the other stays.
    labels = [
        b["text"]
        for row in telegram_api.delivered(ALICE)[0]["reply_markup"]["inline_keyboard"]
        for b in row
    ]
    assert labels == ["Alibaba"]


async def test_a_press_from_another_chat_is_refused(
    telegram_api: FakeTelegramAPI, frontend: TelegramFrontEnd, commands: RecordingCommands
):
    telegram_api.set_member(GROUP, MEMBER, "administrator")
    commands.on_text = lambda text, ctx: [
        Reply(title="deepseek, instant", buttons=(Button("Unsubscribe", "unsub:1"),))
    ]
    await ask(telegram_api, commands, telegram_api.message(GROUP, ADMIN, "/subscriptions"))
    [shown] = await eventually(lambda: telegram_api.delivered(GROUP))
    # Someone forwards the list to their own chat and presses there.
    telegram_api.queue(telegram_api.press(shown, "Unsubscribe", user_id=ALICE, in_chat=ALICE))
    [answer] = await eventually(lambda: telegram_api.callback_answers, what="an answer")
    assert (answer.text, answer.show_alert) == (REFUSED_PRESS, True)
    assert commands.pressed == []
    assert telegram_api.delivered(ALICE) == []


async def test_an_error_reply_keeps_the_button(
    telegram_api: FakeTelegramAPI, frontend: TelegramFrontEnd, commands: RecordingCommands
):
    commands.on_text = lambda text, ctx: [
        Reply(title="deepseek", buttons=(Button("Unsubscribe", "unsub:1"),))
    ]
    commands.on_press = lambda action, ctx: [
        Reply(title="Only this group's admins can change its alerts", kind=ReplyKind.ERROR)
    ]
    await ask(telegram_api, commands, telegram_api.message(GROUP, ADMIN, "/subscriptions"))
    [shown] = await eventually(lambda: telegram_api.delivered(GROUP))
    telegram_api.queue(telegram_api.press(shown, "Unsubscribe", user_id=MEMBER))
    await eventually(lambda: len(telegram_api.delivered(GROUP)) == 2, what="the refusal")
    ctx = commands.pressed[0][1]
    assert ctx.is_admin is False
    assert telegram_api.calls_to("editMessageReplyMarkup") == []
    assert "reply_markup" in telegram_api.delivered(GROUP)[0]


async def test_a_failing_command_layer_gets_an_apology(
    telegram_api: FakeTelegramAPI, frontend: TelegramFrontEnd, commands: RecordingCommands
):
    def broken(text: str, ctx: Context) -> list[Reply]:
        raise RuntimeError("bug")

    commands.on_text = broken
    await ask(telegram_api, commands, telegram_api.message(ALICE, ALICE, "/price x"))
    [text] = await eventually(lambda: telegram_api.texts(ALICE))
    assert text.startswith("⚠️ Something went wrong on our side")


async def test_a_blocked_user_does_not_stop_the_bot(
    telegram_api: FakeTelegramAPI, frontend: TelegramFrontEnd, commands: RecordingCommands
):
    telegram_api.fail(fake_api.blocked(), method="sendMessage", chat_id=ALICE, times=None)
    await ask(telegram_api, commands, telegram_api.message(ALICE, ALICE, "/help"))
    await ask(telegram_api, commands, telegram_api.message(MEMBER, MEMBER, "/help"))
    await eventually(lambda: telegram_api.texts(MEMBER))
    assert telegram_api.texts(ALICE) == []


async def test_an_answer_waits_out_flood_control(
    telegram_api: FakeTelegramAPI, frontend: TelegramFrontEnd, commands: RecordingCommands
):
    telegram_api.fail(fake_api.retry_after(1), method="sendMessage", chat_id=ALICE)
    await ask(telegram_api, commands, telegram_api.message(ALICE, ALICE, "/free"))
    assert await eventually(lambda: telegram_api.texts(ALICE)) == ["you said: /free"]
    assert [c.status for c in telegram_api.calls_to("sendMessage", chat_id=ALICE)] == [429, 200]


async def test_a_rejected_token_is_named_but_not_printed(telegram_api: FakeTelegramAPI):
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_token=SecretStr("999:not-the-right-token"),
        telegram_api_url=telegram_api.url,
    )
    front = TelegramFrontEnd(settings, RecordingCommands())
    with pytest.raises(TelegramStartError) as caught:
        await front.start()
    await front.stop()
    assert "PRICEBOT_TELEGRAM_TOKEN" in str(caught.value)
    assert "not-the-right-token" not in str(caught.value)


async def test_an_unreachable_api_is_named():
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_token=SecretStr("999:token"),
        telegram_api_url="http://127.0.0.1:9",
    )
    front = TelegramFrontEnd(settings, RecordingCommands())
    with pytest.raises(TelegramStartError, match=re.escape("http://127.0.0.1:9")):
        await front.start()
    await front.stop()


async def test_long_answers_page_with_more(
    telegram_api: FakeTelegramAPI, frontend: TelegramFrontEnd, commands: RecordingCommands
):
    rows = tuple(Row(f"Model {n}", f"¥{n}.00") for n in range(1, 26))
    commands.on_text = lambda text, ctx: [
        Reply(
            title="Cheapest for 1M tokens",
            kind=ReplyKind.ANSWER,
            lines=("as of today",),
            rows=rows,
            footnotes=("blended 3:1",),
            buttons=(Button("Subscribe", "/subscribe cheapest top 25"),),
        )
    ]
    question = telegram_api.message(ALICE, ALICE, "cheapest top 25")
    await ask(telegram_api, commands, question)
    [first] = await eventually(lambda: telegram_api.delivered(ALICE))
    assert first["text"].splitlines() == [
        "Cheapest for 1M tokens",
        "as of today",
        *(f"Model {n} — ¥{n}.00" for n in range(1, 11)),
    ]
    assert first["reply_to_message"]["message_id"] == question["message"]["message_id"]
    telegram_api.queue(telegram_api.press(first, "More (11–20 of 25)", user_id=ALICE))
    second = (await eventually(lambda: telegram_api.delivered(ALICE)[1:]))[0]
    assert second["text"].splitlines() == [
        "Cheapest for 1M tokens (2/3)",
        *(f"Model {n} — ¥{n}.00" for n in range(11, 21)),
    ]
    telegram_api.queue(telegram_api.press(second, "More (21–25 of 25)", user_id=ALICE))
    third = (await eventually(lambda: telegram_api.delivered(ALICE)[2:]))[0]
    assert third["text"].splitlines() == [
        "Cheapest for 1M tokens (3/3)",
        *(f"Model {n} — ¥{n}.00" for n in range(21, 26)),
        "",
        "blended 3:1",
    ]
    assert [b["text"] for row in third["reply_markup"]["inline_keyboard"] for b in row] == [
        "Subscribe"
    ]
    # Each page re-asked the question; the pressed "More" buttons are gone.
    assert [text for text, _ in commands.asked] == ["cheapest top 25"] * 3
    assert commands.pressed == []
    assert "reply_markup" not in telegram_api.delivered(ALICE)[0]


# ---- what the front-end says itself, in the person's language_code (issue 13) ----------


async def test_a_chinese_press_from_another_chat_is_refused_in_chinese(
    telegram_api: FakeTelegramAPI, frontend: TelegramFrontEnd, commands: RecordingCommands
) -> None:
    telegram_api.set_member(GROUP, ADMIN, "administrator")
    commands.on_text = lambda text, ctx: [
        Reply(title="deepseek, instant", buttons=(Button("Unsubscribe", "unsub:1"),))
    ]
    await ask(telegram_api, commands, telegram_api.message(GROUP, ADMIN, "/subscriptions"))
    [shown] = await eventually(lambda: telegram_api.delivered(GROUP))
    press = telegram_api.press(
        shown, "Unsubscribe", user_id=ALICE, in_chat=ALICE, language="zh-hans"
    )
    telegram_api.queue(press)
    [answer] = await eventually(lambda: telegram_api.callback_answers, what="an answer")
    assert answer.text == "这个按钮属于另一个聊天。请在这里直接发送命令。"


async def test_a_failure_is_told_in_the_askers_language(
    telegram_api: FakeTelegramAPI, frontend: TelegramFrontEnd, commands: RecordingCommands
) -> None:
    def broken(text: str, ctx: Context) -> list[Reply]:
        raise RuntimeError("the command layer broke")

    commands.on_text = broken
    telegram_api.queue(telegram_api.message(ALICE, ALICE, "/help", language="zh-hans"))
    [said] = await eventually(lambda: telegram_api.texts(ALICE), what="the apology")
    assert said.startswith("⚠️ 我们这边出了点问题")
    assert "请一分钟后再试。/help 列出了可用的命令。" in said
