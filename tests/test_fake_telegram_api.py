"""The fake Bot API answers python-telegram-bot the way Telegram does, errors included."""

from __future__ import annotations

import asyncio
import io
import re

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    NetworkError,
    RetryAfter,
    TimedOut,
)
from telegram.request import HTTPXRequest

from tests.fakes import telegram_api as fake_api
from tests.fakes.telegram_api import FakeTelegramAPI


def bot_for(fake: FakeTelegramAPI, *, read_timeout: float = 5.0) -> Bot:
    return Bot(
        fake.token,
        base_url=fake.base_url,
        request=HTTPXRequest(read_timeout=read_timeout),
        get_updates_request=HTTPXRequest(read_timeout=read_timeout),
    )


async def test_get_me_and_send_message(telegram_api: FakeTelegramAPI) -> None:
    async with bot_for(telegram_api) as bot:
        assert bot.username == "pricebot_test_bot"
        sent = await bot.send_message(
            42, "<b>Qwen-Long</b> ¥0.50 &lt; ¥1", parse_mode=ParseMode.HTML
        )
    assert sent.chat.id == 42 and sent.text == "Qwen-Long ¥0.50 < ¥1"
    assert telegram_api.texts(42) == ["Qwen-Long ¥0.50 < ¥1"]
    assert [c.method for c in telegram_api.calls] == ["getMe", "sendMessage"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("<b>unclosed", "Can't find end tag"),
        ("a < b", "Unsupported start tag"),
        ("<b><i>x</b></i>", "Unmatched end tag"),
        ("<br>", 'Unsupported start tag "br"'),
        ("x" * 4097, "message is too long"),
    ],
)
async def test_html_telegram_refuses(telegram_api: FakeTelegramAPI, text: str, words: str) -> None:
    async with bot_for(telegram_api) as bot:
        with pytest.raises(BadRequest, match=f"(?i){re.escape(words)}"):
            await bot.send_message(42, text, parse_mode=ParseMode.HTML)
    assert telegram_api.texts(42) == []


async def test_length_counts_visible_utf16(telegram_api: FakeTelegramAPI) -> None:
    async with bot_for(telegram_api) as bot:
        await bot.send_message(42, "<b>" + "价" * 4096 + "</b>", parse_mode=ParseMode.HTML)
        with pytest.raises(BadRequest, match=r"(?i)too long"):
            await bot.send_message(42, "😀" * 2049)  # 2 UTF-16 units each


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        (fake_api.retry_after(7), RetryAfter),
        (fake_api.server_error(), NetworkError),
        (fake_api.bad_gateway(), NetworkError),
        (fake_api.blocked(), Forbidden),
        (fake_api.kicked(), Forbidden),
        (fake_api.chat_not_found(), BadRequest),
        (fake_api.migrated(-1001234), ChatMigrated),
    ],
)
async def test_failures_reach_ptb_as_telegram_errors(
    telegram_api: FakeTelegramAPI, failure: fake_api.Failure, error: type[Exception]
) -> None:
    telegram_api.fail(failure, method="sendMessage", chat_id=7)
    async with bot_for(telegram_api) as bot:
        await bot.send_message(8, "other chats are unaffected")
        with pytest.raises(error) as caught:
            await bot.send_message(7, "hello")
        await bot.send_message(7, "the failure was for one call only")
    if isinstance(caught.value, ChatMigrated):
        assert caught.value.new_chat_id == -1001234
    assert telegram_api.texts(7) == ["the failure was for one call only"]
    assert [c.status for c in telegram_api.calls_to("sendMessage", chat_id=7)] == [
        failure.status,
        200,
    ]


async def test_hang_times_the_client_out(telegram_api: FakeTelegramAPI) -> None:
    telegram_api.fail(fake_api.hang(5), method="sendMessage", times=None)
    async with bot_for(telegram_api, read_timeout=0.2) as bot:
        with pytest.raises(TimedOut):
            await bot.send_message(7, "hello")
    assert telegram_api.texts(7) == []


async def test_get_updates_long_polls_until_an_update_arrives(
    telegram_api: FakeTelegramAPI,
) -> None:
    async with bot_for(telegram_api) as bot:
        empty = await bot.get_updates(timeout=0)
        assert empty == ()
        loop = asyncio.get_running_loop()
        loop.call_later(0.2, telegram_api.queue, telegram_api.message(5, 5, "/start"))
        started = loop.time()
        updates = await bot.get_updates(timeout=5)
        assert loop.time() - started < 2
        assert updates[0].message.text == "/start"
        assert updates[0].message.entities[0].type == "bot_command"
        # Confirming with the next offset removes it.
        assert await bot.get_updates(offset=updates[0].update_id + 1, timeout=0) == ()


async def test_get_updates_answers_within_its_timeout(telegram_api: FakeTelegramAPI) -> None:
    async with bot_for(telegram_api) as bot:
        loop = asyncio.get_running_loop()
        started = loop.time()
        assert await bot.get_updates(timeout=1) == ()
        assert 0.9 < loop.time() - started < 3


async def test_webhook_conflicts_with_get_updates(telegram_api: FakeTelegramAPI) -> None:
    async with bot_for(telegram_api) as bot:
        await bot.set_webhook("http://127.0.0.1:1/telegram", secret_token="s3cret")
        assert telegram_api.webhook == {
            "url": "http://127.0.0.1:1/telegram",
            "secret_token": "s3cret",
        }
        with pytest.raises(Conflict):
            await bot.get_updates(timeout=0)
        await bot.delete_webhook()
        assert await bot.get_updates(timeout=0) == ()


async def test_send_photo_multipart(telegram_api: FakeTelegramAPI) -> None:
    png = _tiny_png()
    async with bot_for(telegram_api) as bot:
        sent = await bot.send_photo(42, io.BytesIO(png), caption="<b>prices</b>", parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"(?i)IMAGE_PROCESS_FAILED"):
            await bot.send_photo(42, b"not a picture")
        with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
            await bot.send_photo(42, png, caption="x" * 1025)
    assert sent.photo[0].width == 1 and sent.caption == "prices"
    assert telegram_api.calls_to("sendPhoto")[0].files["photo"] == png


async def test_buttons_presses_and_edits(telegram_api: FakeTelegramAPI) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("More", callback_data="more:2")]])
    async with bot_for(telegram_api) as bot:
        await bot.send_message(42, "page 1", reply_markup=markup)
        with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
            too_long = InlineKeyboardButton("x", callback_data="x" * 65)
            await bot.send_message(42, "no", reply_markup=InlineKeyboardMarkup([[too_long]]))
        shown = telegram_api.delivered(42)[0]
        update = Update.de_json(telegram_api.press(shown, "More", user_id=42), bot)
        assert update.callback_query.data == "more:2"
        assert await update.callback_query.answer("ok")
        with pytest.raises(BadRequest, match=r"(?i)query is too old"):
            await update.callback_query.answer("twice")
        await bot.edit_message_text("page 2", chat_id=42, message_id=shown["message_id"])
        with pytest.raises(BadRequest, match=r"(?i)not modified"):
            await bot.edit_message_text("page 2", chat_id=42, message_id=shown["message_id"])
        forwarded = Update.de_json(telegram_api.press(shown, "More", user_id=9, in_chat=-5), bot)
    assert telegram_api.texts(42) == ["page 2"]
    assert forwarded.callback_query.message.chat.id == -5
    assert forwarded.callback_query.data == "more:2"


async def test_commands_and_members(telegram_api: FakeTelegramAPI) -> None:
    telegram_api.set_member(-5, 1, "administrator")
    telegram_api.set_member(-5, 2, "creator")
    async with bot_for(telegram_api) as bot:
        await bot.set_my_commands([("help", "What I can do")])
        await bot.set_my_commands([("help", "我能做什么")], language_code="zh")
        with pytest.raises(BadRequest, match=r"(?i)BOT_COMMAND_INVALID"):
            await bot.set_my_commands([("Bad-Name", "x")])
        statuses = [(await bot.get_chat_member(-5, uid)).status for uid in (1, 2, 3)]
    assert statuses == ["administrator", "creator", "member"]
    assert telegram_api.commands[("default", "zh")] == [
        {"command": "help", "description": "我能做什么"}
    ]


async def test_wrong_token_is_unauthorized(telegram_api: FakeTelegramAPI) -> None:
    from telegram.error import InvalidToken

    bot = Bot("1:wrong", base_url=telegram_api.base_url)
    with pytest.raises(InvalidToken):
        await bot.initialize()


def _tiny_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (1, 1)).save(out, format="PNG")
    return out.getvalue()
