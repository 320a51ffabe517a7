"""The Telegram adapter's parts: addressing, chat-bound buttons, the admin cache, HTML parts."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr
from telegram import Bot, Message

from bot.chat.context import ChatType
from bot.chat.telegram.admins import AdminCache
from bot.chat.telegram.buttons import MAX_ACTION_BYTES, CallbackSigner, keyboard
from bot.chat.telegram.render import html_parts
from bot.chat.telegram.updates import addressed
from bot.messages import Button, Reply, Row
from bot.settings import Settings
from tests.fakes.telegram_api import BOT_ID, BOT_USERNAME, FakeTelegramAPI, server_error
from tests.fakes.telegram_html import parse_html, utf16_len

FAKE = FakeTelegramAPI()


def message_for(update: dict) -> Message:
    return Message.de_json(update.get("message") or update["channel_post"], None)


def address(chat_id: int, user_id: int | None, text: str, **kw):
    return addressed(
        message_for(FAKE.message(chat_id, user_id, text, **kw)),
        bot_username=BOT_USERNAME,
        bot_id=BOT_ID,
    )


def test_commands_lose_our_bot_name_and_ignore_other_bots():
    assert address(-5, 1, f"/price@{BOT_USERNAME} qwen-long").text == "/price qwen-long"
    assert address(-5, 1, f"/PRICE@{BOT_USERNAME.upper()}").text == "/PRICE"
    assert address(-5, 1, "/price@other_bot qwen-long") is None
    assert address(7, 7, "/price@other_bot qwen-long") is None
    assert address(7, 7, "/price qwen-long").text == "/price qwen-long"


def test_free_text_in_groups_needs_a_mention_or_a_reply():
    assert address(7, 7, "cheapest?").text == "cheapest?"
    assert address(-5, 1, "cheapest?") is None
    assert address(-5, 1, f"hey @{BOT_USERNAME}  cheapest?").text == "hey cheapest?"
    assert address(-5, 1, f"@{BOT_USERNAME}").text == "/help"
    assert address(-5, 1, "@someone_else cheapest?") is None
    bots_answer = {"message_id": 1, "date": 0, "chat": {"id": -5, "type": "group"}}
    bots_answer["from"] = {"id": BOT_ID, "is_bot": True, "first_name": "pricebot"}
    humans = dict(bots_answer, **{"from": {"id": 3, "is_bot": False, "first_name": "B"}})
    assert address(-5, 1, "and in USD?", reply_to=bots_answer).text == "and in USD?"
    assert address(-5, 1, "and in USD?", reply_to=humans) is None


def test_who_is_an_admin_by_construction():
    assert address(7, 7, "/x").known_admin is True
    assert address(-5, 1, "/x").known_admin is None
    assert address(-5, None, "/x", anonymous_admin=True).known_admin is True
    post = address(-1009, None, "/subscribe deepseek", chat_type="channel")
    assert (post.chat_type, post.known_admin, post.user_id) == (ChatType.CHANNEL, True, -1009)
    assert address(-1009, None, "news of the day", chat_type="channel") is None


def test_signed_actions_belong_to_one_chat():
    signer = CallbackSigner("1:token")
    data = signer.data("-100200", "unsub:12")
    assert data is not None and len(data.encode()) <= 64
    assert signer.action("-100200", data) == "unsub:12"
    assert signer.action("-100201", data) is None
    assert signer.action("-100200", data.replace("unsub:12", "unsub:13")) is None
    assert CallbackSigner("2:other-token").action("-100200", data) is None
    assert signer.action("-100200", "unsub:12") is None


@given(st.text(min_size=1, max_size=MAX_ACTION_BYTES // 4), st.integers())
def test_any_short_action_round_trips(action: str, chat_id: int):
    signer = CallbackSigner("1:token")
    data = signer.data(str(chat_id), action)
    assert data is not None and len(data.encode()) <= 64
    assert signer.action(str(chat_id), data) == action


def test_a_too_long_action_drops_only_its_button(caplog):
    signer = CallbackSigner("1:token")
    buttons = (Button("ok", "more:2"), Button("too long", "x" * (MAX_ACTION_BYTES + 1)))
    markup = keyboard(buttons, "7", signer)
    assert [[b.text for b in row] for row in markup.inline_keyboard] == [["ok"]]
    assert "dropped" in caplog.text


@given(
    st.lists(
        st.tuples(st.text(max_size=300), st.text(max_size=300), st.none() | st.text(max_size=50)),
        max_size=80,
    ),
    st.lists(st.text(max_size=5000), max_size=3),
)
def test_parts_fit_parse_and_keep_every_character(rows, lines):
    reply = Reply(
        title="Prices <&>",
        lines=tuple(lines),
        rows=tuple(Row(label, value, note) for label, value, note in rows),
    )
    parts = html_parts(reply)  # the shared renderer's split, as the adapter sends it
    visible = [parse_html(part) for part in parts]  # balanced and escaped, as Telegram parses
    assert all(utf16_len(text) <= 4096 for text in visible)
    whole = "".join(visible)
    for label, value, _ in rows:
        assert label.strip() in whole and value.strip() in whole


async def test_admin_answers_expire(telegram_api: FakeTelegramAPI):
    now = [0.0]
    settings = Settings(_env_file=None, telegram_token=SecretStr(telegram_api.token))  # type: ignore[call-arg]
    assert settings.telegram_admin_cache_seconds == 60
    telegram_api.set_member(-5, 1, "administrator")
    async with Bot(telegram_api.token, base_url=telegram_api.base_url) as bot:
        cache = AdminCache(bot, ttl=settings.telegram_admin_cache_seconds, clock=lambda: now[0])
        assert await cache.is_admin(-5, 1)
        telegram_api.set_member(-5, 1, "member")  # demoted
        now[0] = 59
        assert await cache.is_admin(-5, 1)
        now[0] = 61
        assert not await cache.is_admin(-5, 1)
        telegram_api.fail(server_error(), method="getChatMember")
        assert not await cache.is_admin(-5, 2)
    assert len(telegram_api.calls_to("getChatMember")) == 3
