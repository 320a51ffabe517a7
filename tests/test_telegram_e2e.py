"""pricebot on Telegram end to end: `build_app` as `pricebot run` builds it, the real
python-telegram-bot long polling (or behind the webhook) a fake Bot API on loopback,
the real command layer, fan-out and dispatcher, on SQLite and PostgreSQL.

Nothing of ours is replaced: the test plays the users (updates queued at the fake)
and a price source (quotes recorded through PriceStore), and reads what Telegram
would have shown.
"""

from __future__ import annotations

import asyncio
import io
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from PIL import Image as PILImage
from pydantic import SecretStr

from bot.app import App, build_app
from bot.settings import Settings
from storage import ChatKey, PriceStore, SubscriptionStore, make_engine
from tests.fakes import telegram_api as fake_api
from tests.fakes.telegram_api import BOT_USERNAME, FakeTelegramAPI
from tests.fakes.waiting import eventually
from tests.helpers import quote

ALICE, BOB = 5001, 5002
GROUP, ADMIN, MEMBER = -100777, 61, 62
ONLY_ADMINS = "Only this chat's admins can change its alerts"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Pricebot:
    """A running pricebot, its fake Telegram, and a price source writing to its store."""

    def __init__(self, app: App, fake: FakeTelegramAPI, database_url: str) -> None:
        self.app = app
        self.fake = fake
        self.engine = make_engine(database_url)
        self.store = PriceStore(self.engine)
        self.subscriptions = SubscriptionStore(self.engine)

    async def say(self, chat_id: int, user_id: int | None, text: str, **kw: Any) -> dict:
        """Send a message as a user; wait for pricebot's (first) answer to it."""
        before = len(self.fake.delivered(chat_id))
        self.fake.queue(self.fake.message(chat_id, user_id, text, **kw))
        answers = await eventually(
            lambda: self.fake.delivered(chat_id)[before:], what=f"an answer to {text!r}"
        )
        return answers[0]

    async def press(self, shown: dict, label: str, *, user_id: int, **kw: Any) -> None:
        """Press a button under a message; wait until Telegram has the press answered."""
        answered = len(self.fake.callback_answers)
        self.fake.queue(self.fake.press(shown, label, user_id=user_id, **kw))
        await eventually(lambda: len(self.fake.callback_answers) > answered, what="the answer")

    async def cut_qwen_long(self, input_cny: str = "0.4") -> None:
        """A source reports a Qwen-Long input price cut, effective now."""
        now = datetime.now(UTC)
        cut = quote(
            "alibaba/qwen-long",
            when=now,
            input=input_cny,
            output="2",
            currency="CNY",
            name="Qwen-Long",
        )
        await asyncio.to_thread(
            self.store.record, [cut], source="admin", observed_at=now, across_sources=True
        )

    def chat(self, chat_id: int) -> Any:
        return self.subscriptions.get_chat(ChatKey("telegram", str(chat_id)))

    def subscribed(self, chat_id: int) -> list[Any]:
        return self.subscriptions.list_for(ChatKey("telegram", str(chat_id)))


def settings_for(fake: FakeTelegramAPI, database_url: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "telegram_token": SecretStr(fake.token),
        "telegram_api_url": fake.url,
        "fanout_interval": 0.1,
        "dispatch_interval": 0.1,
        "delivery_backoff": 0.2,
        "console": "off",
        # The test is the price source: what it records is all that changes.
        "poll_sources": False,
        "http_host": "127.0.0.1",
        "http_port": free_port(),
    }
    return Settings(_env_file=None, **{**values, **extra})  # type: ignore[call-arg]


async def running(
    fake: FakeTelegramAPI, database_url: str, **extra: Any
) -> AsyncIterator[Pricebot]:
    fake.add_chat(GROUP, "supergroup", title="Price watchers")
    fake.set_member(GROUP, ADMIN, "administrator")
    app = await asyncio.to_thread(build_app, settings_for(fake, database_url, **extra))
    await app.start()
    bot = Pricebot(app, fake, database_url)
    try:
        yield bot
    finally:
        await app.stop()
        bot.engine.dispose()


@pytest.fixture
async def pricebot(telegram_api: FakeTelegramAPI, database_url: str) -> AsyncIterator[Pricebot]:
    async for bot in running(telegram_api, database_url):
        yield bot


def buttons(message: dict) -> list[str]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [button["text"] for row in rows for button in row]


async def test_a_user_subscribes_a_price_is_cut_the_alert_arrives(pricebot: Pricebot):
    answer = await pricebot.say(ALICE, ALICE, "/subscribe alibaba")
    assert answer["text"].startswith("Subscribed")
    await pricebot.cut_qwen_long("0.4")
    alert = (await eventually(lambda: pricebot.fake.delivered(ALICE)[1:], what="the alert"))[0]
    lines = alert["text"].splitlines()
    assert lines[0].startswith("Price cut: Qwen-Long")
    assert "input: ¥0.50 → ¥0.40 per 1M (−20%)" in lines
    assert buttons(alert) == ["Mute 1 day", "Subscriptions"]
    [call] = [c for c in pricebot.fake.calls_to("sendMessage", chat_id=ALICE) if c.ok][1:]
    assert call.params["parse_mode"] == "HTML"
    # The alert's buttons work in this chat.
    await pricebot.press(alert, "Subscriptions", user_id=ALICE)
    listing = (await eventually(lambda: pricebot.fake.delivered(ALICE)[2:]))[0]
    assert "Unsubscribe #1" in buttons(listing)


async def test_a_group_member_who_is_not_admin_cannot_unsubscribe_the_group(pricebot: Pricebot):
    fake = pricebot.fake
    subscribed = await pricebot.say(GROUP, ADMIN, f"/subscribe@{BOT_USERNAME} deepseek")
    assert subscribed["text"].startswith("Subscribed")
    typed = await pricebot.say(GROUP, MEMBER, "/unsubscribe all")
    assert typed["text"].startswith(f"⚠️ {ONLY_ADMINS}")
    listing = await pricebot.say(GROUP, MEMBER, "/subscriptions")
    await pricebot.press(listing, "Unsubscribe #1", user_id=MEMBER)
    refusal = (await eventually(lambda: fake.delivered(GROUP)[3:]))[0]
    assert refusal["text"].startswith(f"⚠️ {ONLY_ADMINS}")
    assert len(pricebot.subscribed(GROUP)) == 1
    # The button stays for an admin, whose press works.
    assert "Unsubscribe #1" in buttons(fake.delivered(GROUP)[2])
    await pricebot.press(listing, "Unsubscribe #1", user_id=ADMIN)
    await eventually(lambda: pricebot.subscribed(GROUP) == [], what="the admin's unsubscribe")


async def test_a_button_press_from_another_chat_is_refused(pricebot: Pricebot):
    await pricebot.say(ALICE, ALICE, "/subscribe all")
    listing = await pricebot.say(ALICE, ALICE, "/subscriptions")
    # Bob gets the list forwarded and presses Alice's button in his own chat.
    await pricebot.press(listing, "Unsubscribe #1", user_id=BOB, in_chat=BOB)
    answer = pricebot.fake.callback_answers[-1]
    assert answer.show_alert and "another chat" in (answer.text or "")
    assert len(pricebot.subscribed(ALICE)) == 1
    assert pricebot.fake.delivered(BOB) == []


async def test_429_storms_blocked_users_and_migrated_groups_lose_nothing(pricebot: Pricebot):
    fake = pricebot.fake
    users = [ALICE + n for n in range(6)]
    blocked = users[-1]
    for user in users:
        await pricebot.say(user, user, "/subscribe alibaba")
    old_group = -4242
    fake.add_chat(old_group, "group")
    fake.set_member(old_group, ADMIN, "administrator")
    await pricebot.say(old_group, ADMIN, "/subscribe alibaba")
    new_group = -1004242
    fake.add_chat(new_group, "supergroup")
    fake.set_member(new_group, ADMIN, "administrator")
    fake.fail(fake_api.blocked(), method="sendMessage", chat_id=blocked, times=None)
    fake.fail(fake_api.migrated(new_group), method="sendMessage", chat_id=old_group, times=None)
    fake.fail(fake_api.retry_after(1), method="sendMessage", times=3)
    fake.fail(fake_api.server_error(), method="sendMessage", chat_id=users[0], times=1)
    await pricebot.cut_qwen_long("0.4")

    def alerted(chat_id: int) -> list[str]:
        return [t for t in fake.texts(chat_id) if t.startswith("Price cut: Qwen-Long")]

    receivers = [*users[:-1], new_group]
    await eventually(lambda: all(alerted(c) for c in receivers), timeout=9, what="every alert")
    assert [len(alerted(c)) for c in receivers] == [1] * len(receivers)
    statuses = [c.status for c in fake.calls_to("sendMessage")]
    assert statuses.count(429) == 3 and 500 in statuses and 403 in statuses
    # The blocked chat is inactive; the group's subscriptions followed it to its new id.
    await eventually(lambda: pricebot.chat(blocked).active is False, what="blocked → inactive")
    assert alerted(blocked) == [] and alerted(old_group) == []
    assert len(pricebot.subscribed(new_group)) == 1 and pricebot.subscribed(old_group) == []


async def test_history_sends_a_png_that_decodes(pricebot: Pricebot):
    await pricebot.say(ALICE, ALICE, "/history qwen-long")
    [call] = pricebot.fake.calls_to("sendPhoto", chat_id=ALICE)
    picture = PILImage.open(io.BytesIO(call.files["photo"]))
    picture.load()
    assert picture.format == "PNG" and picture.size == (800, 450)
    [shown] = pricebot.fake.delivered(ALICE)
    assert shown["caption"].splitlines() == [
        "Qwen-Long: price history",
        "Qwen-Long (alibaba/qwen-long), CNY per 1M tokens:",
        "Input: ¥20.00 from 2024-05-01 → ¥0.50 from 2024-05-21 (cut 97.5%)",
        "Output: ¥20.00 from 2024-05-01 → ¥2.00 from 2024-05-21 (cut 90%)",
        "Now: input ¥0.50, output ¥2.00.",
    ]
    wrong = await pricebot.say(ALICE, ALICE, "/history qwen-lnog")
    assert wrong["text"].startswith("⚠️ I don't know a model called “qwen-lnog”. Did you mean")


async def test_the_webhook_rejects_a_request_without_the_secret(
    telegram_api: FakeTelegramAPI, database_url: str
):
    fake = telegram_api
    port = free_port()
    async for bot in running(
        fake,
        database_url,
        telegram_webhook_url=f"http://127.0.0.1:{port}/telegram",
        telegram_webhook_secret=SecretStr("s3cret-for-tests"),
        http_port=port,
    ):
        assert fake.webhook == {
            "url": f"http://127.0.0.1:{port}/telegram",
            "secret_token": "s3cret-for-tests",
        }
        forged = fake.message(ALICE, ALICE, "/subscribe all")
        assert (await fake.push(forged, secret=None))[0] == 403
        assert (await fake.push(forged, secret="guess"))[0] == 403
        assert (await fake.push(fake.message(ALICE, ALICE, "/subscribe deepseek")))[0] == 200
        [answer] = await eventually(lambda: fake.delivered(ALICE), what="the genuine answer")
        assert answer["text"].startswith("Subscribed")
        # Only the genuine request did anything.
        [subscription] = bot.subscribed(ALICE)
        assert "deepseek" in str(subscription).lower()
        assert fake.calls_to("getUpdates") == []
