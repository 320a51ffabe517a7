"""Webhook mode: Telegram pushes updates to our HTTP route, which checks the secret token."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from pydantic import SecretStr

from bot.chat.telegram.frontend import TelegramFrontEnd
from bot.settings import Settings
from tests.fakes.command_layer import RecordingCommands
from tests.fakes.telegram_api import SECRET_HEADER, FakeTelegramAPI
from tests.fakes.waiting import eventually

ALICE = 13


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def serve(routes: list[web.RouteDef], port: int) -> web.AppRunner:
    app = web.Application()
    app.router.add_routes(routes)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


@pytest.fixture
def commands() -> RecordingCommands:
    return RecordingCommands()


async def webhook_frontend(
    fake: FakeTelegramAPI, commands: RecordingCommands, **extra: Any
) -> AsyncIterator[tuple[TelegramFrontEnd, str]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}/hooks/telegram"
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_token=SecretStr(fake.token),
        telegram_api_url=fake.url,
        telegram_webhook_url=url,
        **extra,
    )
    front = TelegramFrontEnd(settings, commands)
    runner = await serve(front.routes(), port)
    await front.start()
    try:
        yield front, url
    finally:
        await front.stop()
        await runner.cleanup()


@pytest.fixture
async def webhook(
    telegram_api: FakeTelegramAPI, commands: RecordingCommands
) -> AsyncIterator[tuple[TelegramFrontEnd, str]]:
    async for pair in webhook_frontend(
        telegram_api, commands, telegram_webhook_secret=SecretStr("k3y_for-pricebot")
    ):
        yield pair


async def test_start_sets_the_webhook_and_never_polls(
    telegram_api: FakeTelegramAPI, webhook: tuple[TelegramFrontEnd, str]
):
    _, url = webhook
    assert telegram_api.webhook == {"url": url, "secret_token": "k3y_for-pricebot"}
    [call] = telegram_api.calls_to("setWebhook")
    assert call.params["allowed_updates"] == [
        "message",
        "channel_post",
        "callback_query",
        "my_chat_member",
    ]
    assert telegram_api.calls_to("getUpdates") == []


async def test_an_update_with_the_secret_is_handled(
    telegram_api: FakeTelegramAPI,
    webhook: tuple[TelegramFrontEnd, str],
    commands: RecordingCommands,
):
    status, _ = await telegram_api.push(telegram_api.message(ALICE, ALICE, "/free"))
    assert status == 200
    await eventually(lambda: telegram_api.texts(ALICE), what="the answer")
    assert [text for text, _ in commands.asked] == ["/free"]


@pytest.mark.parametrize("secret", [None, "wrong", "k3y_for-pricebot-and-more"])
async def test_a_request_without_the_secret_is_refused_and_does_nothing(
    telegram_api: FakeTelegramAPI,
    webhook: tuple[TelegramFrontEnd, str],
    commands: RecordingCommands,
    secret: str | None,
):
    status, _ = await telegram_api.push(
        telegram_api.message(ALICE, ALICE, "/subscribe deepseek"), secret=secret
    )
    assert status == 403
    # The next genuine update is answered; the refused one never reached the command layer.
    await telegram_api.push(telegram_api.message(ALICE, ALICE, "/help"))
    await eventually(lambda: telegram_api.texts(ALICE), what="the genuine update's answer")
    assert [text for text, _ in commands.asked] == ["/help"]
    assert telegram_api.texts(ALICE) == ["you said: /help"]


async def test_garbage_with_the_secret_is_a_bad_request(
    telegram_api: FakeTelegramAPI, webhook: tuple[TelegramFrontEnd, str]
):
    _, url = webhook
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=b"{not json", headers={SECRET_HEADER: "k3y_for-pricebot"}) as resp,
    ):
        assert resp.status == 400


async def test_without_a_configured_secret_one_is_derived(
    telegram_api: FakeTelegramAPI, commands: RecordingCommands
):
    async for _ in webhook_frontend(telegram_api, commands):
        secret = telegram_api.webhook["secret_token"]
        assert secret and len(secret) >= 32 and telegram_api.token not in secret
        assert (await telegram_api.push(telegram_api.message(ALICE, ALICE, "/x"), secret=None))[
            0
        ] == 403
        assert (await telegram_api.push(telegram_api.message(ALICE, ALICE, "/help")))[0] == 200
        await eventually(lambda: commands.asked)


def test_a_secret_telegram_would_refuse_is_refused_at_start(
    telegram_api: FakeTelegramAPI, commands: RecordingCommands
):
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_token=SecretStr(telegram_api.token),
        telegram_webhook_url="https://bot.example.com/telegram",
        telegram_webhook_secret=SecretStr("has spaces!"),
    )
    with pytest.raises(ValueError, match="PRICEBOT_TELEGRAM_WEBHOOK_SECRET"):
        TelegramFrontEnd(settings, commands)
