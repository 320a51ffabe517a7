"""The Telegram Notifier against the fake Bot API: what arrives, and each failure's meaning."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pytest
from PIL import Image as PILImage
from pydantic import SecretStr

from bot.alerts.notifier import (
    ChatGone,
    ChatMoved,
    NotifierError,
    Outgoing,
    RetryAfter,
    TemporaryFailure,
)
from bot.chat.telegram import CallbackSigner, TelegramNotifier
from bot.chat.telegram.build import api_base_urls, build_application
from bot.messages import Button, ChatRef, Image, Platform, Reply, ReplyKind, Row
from bot.settings import Settings
from tests.fakes import telegram_api as fake_api
from tests.fakes.telegram_api import FakeTelegramAPI


def settings_for(fake: FakeTelegramAPI) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_token=SecretStr(fake.token),
        telegram_api_url=fake.url,
    )


@pytest.fixture
async def notifier(telegram_api: FakeTelegramAPI) -> AsyncIterator[TelegramNotifier]:
    app = build_application(settings_for(telegram_api), polling=False, read_timeout=0.5)
    async with app.bot:
        yield TelegramNotifier(app.bot, CallbackSigner(telegram_api.token))


def to(chat_id: int | str, reply: Reply, *, silent: bool = False) -> Outgoing:
    return Outgoing(ChatRef(Platform.TELEGRAM, str(chat_id)), reply, silent=silent)


CUT = Reply(
    title="DeepSeek-V2: input cut 50% <deepseek/deepseek-chat>",
    kind=ReplyKind.ALERT,
    lines=("Input ¥2.00 → ¥1.00 per 1M tokens & output ¥4.00 → ¥2.00",),
    rows=(Row("Rank", "#2 of 31", "blended 3:1"),),
    footnotes=("Source: platform.deepseek.com",),
    buttons=(Button("Unsubscribe", "unsub:7"),),
)


async def test_alert_arrives_as_html(telegram_api: FakeTelegramAPI, notifier: TelegramNotifier):
    sent = await notifier.send(to(42, CUT, silent=True))
    [shown] = telegram_api.delivered(42)
    assert sent.message_id == str(shown["message_id"])
    assert shown["text"].splitlines() == [
        "DeepSeek-V2: input cut 50% <deepseek/deepseek-chat>",
        "Input ¥2.00 → ¥1.00 per 1M tokens & output ¥4.00 → ¥2.00",
        "Rank — #2 of 31 blended 3:1",
        "",
        "Source: platform.deepseek.com",
    ]
    [call] = telegram_api.calls_to("sendMessage")
    assert call.params["parse_mode"] == "HTML"
    assert call.params["disable_notification"] == "true"
    [[button]] = shown["reply_markup"]["inline_keyboard"]
    assert button["text"] == "Unsubscribe"
    signer = CallbackSigner(telegram_api.token)
    assert signer.action("42", button["callback_data"]) == "unsub:7"
    assert signer.action("43", button["callback_data"]) is None


async def test_long_reply_is_split_at_line_breaks(
    telegram_api: FakeTelegramAPI, notifier: TelegramNotifier
):
    rows = tuple(Row(f"<model {i:03}>", f"¥{i}.00", "tier & note") for i in range(300))
    await notifier.send(to(42, Reply(title="Every price", rows=rows, buttons=CUT.buttons)))
    shown = telegram_api.delivered(42)
    assert len(shown) > 1
    lines = [line for message in shown for line in message["text"].splitlines()]
    assert lines == ["Every price"] + [f"<model {i:03}> — ¥{i}.00 tier & note" for i in range(300)]
    assert all(len(message["text"]) <= 4096 for message in shown)
    assert [("reply_markup" in message) for message in shown] == [False] * (len(shown) - 1) + [True]


async def test_picture_with_caption(telegram_api: FakeTelegramAPI, notifier: TelegramNotifier):
    png = _png()
    await notifier.send(to(42, Reply(title="Qwen-Long", image=Image(png, "Input ¥20 → ¥0.50"))))
    [shown] = telegram_api.delivered(42)
    assert shown["caption"] == "Qwen-Long\nInput ¥20 → ¥0.50"
    assert telegram_api.calls_to("sendPhoto")[0].files["photo"] == png


async def test_picture_with_long_caption_sends_the_numbers_as_text(
    telegram_api: FakeTelegramAPI, notifier: TelegramNotifier
):
    numbers = "\n".join(f"2024-05-{day:02}: input ¥{day}.00" for day in range(1, 31)) * 3
    await notifier.send(to(42, Reply(title="Qwen-Long", image=Image(_png(), numbers))))
    photo, text = telegram_api.delivered(42)
    assert photo["caption"] == "Qwen-Long"
    assert text["text"] == "Qwen-Long\n" + numbers


@pytest.mark.parametrize(
    ("failure", "outcome"),
    [
        (fake_api.retry_after(7), RetryAfter),
        (fake_api.blocked(), ChatGone),
        (fake_api.kicked(), ChatGone),
        (fake_api.chat_not_found(), ChatGone),
        (fake_api.migrated(-1001234567890), ChatMoved),
        (fake_api.server_error(), TemporaryFailure),
        (fake_api.bad_gateway(), TemporaryFailure),
        (fake_api.hang(5), TemporaryFailure),
    ],
)
async def test_failures_become_dispatcher_outcomes(
    telegram_api: FakeTelegramAPI,
    notifier: TelegramNotifier,
    failure: fake_api.Failure,
    outcome: type[NotifierError],
):
    telegram_api.fail(failure, method="sendMessage", chat_id=42)
    with pytest.raises(outcome) as caught:
        await notifier.send(to(42, CUT))
    assert telegram_api.delivered(42) == []
    if isinstance(caught.value, RetryAfter):
        assert caught.value.seconds == 7
    if isinstance(caught.value, ChatMoved):
        assert caught.value.new_chat_id == "-1001234567890"
    # Nothing sticks: the next send goes through.
    await notifier.send(to(42, CUT))
    assert len(telegram_api.delivered(42)) == 1


async def test_a_message_telegram_refuses_is_a_temporary_failure(
    telegram_api: FakeTelegramAPI, notifier: TelegramNotifier
):
    telegram_api.fail(
        fake_api.Failure(400, "Bad Request: can't parse entities: x"), method="sendMessage"
    )
    with pytest.raises(TemporaryFailure, match="parse entities"):
        await notifier.send(to(42, CUT))


async def test_only_telegram_chats(notifier: TelegramNotifier):
    with pytest.raises(ValueError):
        await notifier.send(Outgoing(ChatRef(Platform.SLACK, "C1", "T1"), CUT))


def test_api_url_forms():
    assert api_base_urls(None) == (
        "https://api.telegram.org/bot",
        "https://api.telegram.org/file/bot",
    )
    for url in ("http://localhost:8081", "http://localhost:8081/", "http://localhost:8081/bot"):
        assert api_base_urls(url) == ("http://localhost:8081/bot", "http://localhost:8081/file/bot")


def _png() -> bytes:
    out = io.BytesIO()
    PILImage.new("RGB", (4, 3), "white").save(out, format="PNG")
    return out.getvalue()
