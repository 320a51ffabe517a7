"""The command layer as a chat sees it: replies to commands, refusals, who may change what."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.alerts.answering import AnswersEngine
from bot.alerts.evaluate import AlertEvaluator
from bot.app import seed_if_empty
from bot.chat.commands import Commands, Invalid, Services, default_registry
from bot.chat.commands.parsing import split_command
from bot.chat.context import ChatType, Context
from bot.chat.telegram.menu import CHINESE
from bot.messages import ChatRef, Platform, Reply, ReplyKind
from storage import (
    ChatKey,
    FxRate,
    Mode,
    PriceStore,
    QuietMode,
    SubscriptionKind,
    SubscriptionStore,
)
from tests.helpers import quote, utc

NOW = utc(2024, 5, 23, 12)


def ctx(
    chat_id: str = "100",
    *,
    chat_type: ChatType = ChatType.PRIVATE,
    admin: bool = True,
    platform: Platform = Platform.TELEGRAM,
    team: str | None = None,
) -> Context:
    return Context(
        chat=ChatRef(platform, chat_id, team),
        user_id="u1",
        is_admin=admin,
        now=NOW,
        chat_type=chat_type,
    )


@pytest.fixture
def commands(store: PriceStore) -> Commands:
    seed_if_empty(store, now=utc(2024, 5, 1))
    return Commands(Services(store, SubscriptionStore(store.engine), AlertEvaluator(store)))


async def say(commands: Commands, text: str, context: Context | None = None) -> Reply:
    (reply,) = await commands.handle(text, context or ctx())
    return reply


async def test_subscribe_list_and_unsubscribe(commands: Commands) -> None:
    first = await say(commands, "/subscribe deepseek")
    assert first.title == "Subscribed"
    assert first.lines[0].endswith("DeepSeek (every model): cuts ≥10%, made free · instant")
    second = await say(commands, "/subscribe qwen-long 20% increases daily")
    assert "Qwen-Long: cuts ≥20%, made free, increases · daily digest" in second.lines[0]
    assert "daily digest at 09:00 UTC" in second.lines[1]
    again = await say(commands, "/subscribe deepseek")
    assert again.title == "You already have this subscription"
    listed = await say(commands, "/subscriptions")
    assert listed.title == "This chat's subscriptions (2)"
    ids = listed.data["subscriptions"]
    assert [b.action for b in listed.buttons] == [f"/unsubscribe {i}" for i in ids]
    removed = await commands.press(f"/unsubscribe {ids[0]}", ctx())
    assert removed[0].title == "Removed 1 subscription"
    assert (await say(commands, "/subscriptions")).title == "This chat's subscriptions (1)"
    gone = await say(commands, "/unsubscribe all")
    assert gone.title == "Removed 1 subscription"


async def test_a_chat_cannot_touch_another_chats_subscriptions(commands: Commands) -> None:
    mine = await say(commands, "/subscribe all", ctx("100"))
    sub_id = mine.data["subscription"]
    refused = await say(commands, f"/unsubscribe {sub_id}", ctx("200"))
    assert refused.kind is ReplyKind.ERROR
    assert "no subscription with that number" in refused.title
    pressed = await commands.press(f"/unsubscribe {sub_id}", ctx("200"))
    assert pressed[0].kind is ReplyKind.ERROR
    assert (await say(commands, "/subscriptions", ctx("100"))).data["subscriptions"] == [sub_id]
    assert (
        await say(commands, "/subscriptions", ctx("200"))
    ).title == "This chat has no subscriptions"


async def test_in_groups_only_admins_change_subscriptions(commands: Commands) -> None:
    member = ctx("-5", chat_type=ChatType.GROUP, admin=False)
    admin = ctx("-5", chat_type=ChatType.GROUP, admin=True)
    for text in (
        "/subscribe all",
        "/unsubscribe all",
        "/mute 2h",
        "/digest daily",
        "/settings currency USD",
    ):
        refused = await say(commands, text, member)
        assert refused.title == "Only this chat's admins can change its alerts", text
    assert (await say(commands, "/subscribe all", admin)).title == "Subscribed"
    # Reading is for everyone.
    assert (await say(commands, "/subscriptions", member)).title.startswith(
        "This chat's subscriptions"
    )
    assert (await say(commands, "/settings", member)).title == "This chat's settings"
    assert (await say(commands, "/help", member)).title == "pricebot commands"


async def test_slack_channels_are_told_apart_by_workspace(commands: Commands) -> None:
    one = ctx("C1", platform=Platform.SLACK, team="T1")
    other = ctx("C1", platform=Platform.SLACK, team="T2")
    await say(commands, "/subscribe all", one)
    assert (await say(commands, "/subscriptions", other)).title == "This chat has no subscriptions"


@pytest.mark.parametrize(
    ("text", "reason", "example"),
    [
        (
            "/subscribe nosuchvendor",
            "I don't know a vendor or model called “nosuchvendor”",
            "/subscribe deepseek",
        ),
        (
            "/subscribe deepseek 150%",
            "A cut cannot be more than 100% (150%)",
            "/subscribe deepseek 20%",
        ),
        (
            "/subscribe under",
            "After “under” I need a price per 1M tokens",
            "/subscribe under ¥1 with 128k context",
        ),
        (
            "/subscribe deepseek --fast",
            "Unknown option “--fast”",
            "/subscribe deepseek 20% increases daily",
        ),
        (
            "/subscribe deepseek input",
            "Only a target price takes input, output, blended or a context size",
            "/subscribe under ¥1 input with 128k context",
        ),
        (
            "/unsubscribe 3 deepseek",
            "Give subscription numbers, or one vendor or model",
            "/unsubscribe 3",
        ),
        ("/mute", "Say for how long", "/mute 2h"),
        ("/mute soon", "“soon” is not a length of time (m, h, d or w)", "/mute 2h"),
        ("/mute until noonish", "Give the time as HH:MM", "/mute until 18:00"),
        ("/digest daily 25:00", "“daily 25:00” is not a time of day (HH:MM)", "/digest daily 9:00"),
        (
            "/settings currency GBP",
            "“GBP” is not a currency I know (CNY, USD, EUR)",
            "/settings currency CNY",
        ),
        ("/settings mix 3-1", "“3-1” is not an input:output mix", "/settings mix 3:1"),
        (
            "/settings timezone Mars/Olympus",
            "“Mars/Olympus” is not a time zone",
            "/settings timezone Asia/Shanghai",
        ),
        (
            "/settings quiet tonight",
            "Give quiet hours as HH:MM-HH:MM",
            "/settings quiet 22:00-07:00 hold",
        ),
        ("/settings colour blue", "Unknown setting “colour”", "/settings currency CNY"),
        ("/subscribez all", "There is no /subscribez command. Did you mean /subscribe?", "/help"),
        ("/price", "Which model?", "/price qwen-long"),
    ],
)
async def test_malformed_commands_get_a_reason_and_an_example(
    commands: Commands, text: str, reason: str, example: str
) -> None:
    reply = await say(commands, text)
    assert reply.kind is ReplyKind.ERROR
    assert reply.title.startswith(reason), reply.title
    assert "\n" not in reply.title
    assert reply.lines == (f"Example: {example}",)
    # The example itself reads as a command.
    command = split_command(example)
    assert command is not None
    entry = commands.registry.get(command.name)
    assert entry is not None and not isinstance(entry.parse(command.args), Invalid), example


async def test_settings_change_what_the_chat_gets(commands: Commands) -> None:
    store = commands.services.subscriptions
    key = ChatKey("telegram", "100")
    await say(commands, "/settings currency usd")
    await say(commands, "/settings mix 1:1")
    await say(commands, "/settings timezone UTC+8")
    reply = await say(commands, "/settings quiet 22:00-07:30 silent")
    assert reply.lines[0] == "Quiet hours 22:00–07:30: alerts are sent without a sound."
    chat = store.get_chat(key)
    assert chat is not None
    assert (chat.currency, chat.mix_input, chat.mix_output, chat.timezone) == (
        "USD",
        1,
        1,
        "UTC+8",
    )
    assert (chat.quiet_start, chat.quiet_end, chat.quiet_mode) == (1320, 450, QuietMode.SILENT)
    await say(commands, "/settings quiet off")
    assert store.get_chat(key).quiet_start is None  # type: ignore[union-attr]


async def test_mute_and_digest(commands: Commands) -> None:
    store = commands.services.subscriptions
    key = ChatKey("telegram", "100")
    muted = await say(commands, "/mute 2h")
    assert muted.title == "Muted until 2024-05-23 14:00 UTC"
    assert store.get_chat(key).muted_until == NOW + timedelta(hours=2)  # type: ignore[union-attr]
    await say(commands, "/unmute")
    assert store.get_chat(key).muted_until is None  # type: ignore[union-attr]
    await say(commands, "/subscribe all")
    await say(commands, "/settings timezone Asia/Shanghai")
    digest = await say(commands, "/digest daily 9:00")
    assert digest.title == "Daily digest at 09:00 (Asia/Shanghai)"
    chat = store.get_chat(key)
    assert chat is not None and chat.next_digest_at == utc(2024, 5, 24, 1)  # 09:00 in Shanghai
    assert [s.spec.mode for s in store.list_for(key)] == [Mode.DIGEST]
    await say(commands, "/digest off")
    assert [s.spec.mode for s in store.list_for(key)] == [Mode.INSTANT]


async def test_a_target_that_is_already_met_says_so(commands: Commands) -> None:
    met = await say(commands, "/subscribe zhipu under ¥2 input")
    assert met.title == "Target already met by GLM-3 Turbo"
    assert (
        met.lines[1] == "Right now: GLM-3 Turbo (Zhipu AI) at ¥1.00 per 1M (input, vendor zhipu)."
    )
    waiting = await say(commands, "/subscribe zhipu under ¥0.1 output")
    assert waiting.title == "Target set"
    assert (
        waiting.lines[1]
        == "Cheapest now: GLM-3 Turbo (Zhipu AI) at ¥1.00 per 1M (output, vendor zhipu)."
    )
    subs = commands.services.subscriptions.list_for(ChatKey("telegram", "100"))
    assert [(s.spec.kind, s.armed) for s in subs] == [
        (SubscriptionKind.TARGET, False),
        (SubscriptionKind.TARGET, True),
    ]


async def test_a_target_met_by_a_free_model_names_it_and_says_what_follows(
    commands: Commands,
) -> None:
    """Issue 17, item 9: "already met" alone hid that a free model keeps the target met."""
    under_one = await say(commands, "/subscribe under ¥1")
    assert under_one.title == "Target already met: ERNIE Lite is free"
    assert under_one.lines[1:3] == (
        "Met now by ERNIE Lite (Baidu), which is free. A target follows the cheapest match, "
        "so it will not fire again while ERNIE Lite stays free.",
        "Paid and at or under ¥1.00 too: Qwen-Long (Alibaba Cloud) at ¥0.875 per 1M (blended 3:1).",
    )
    low = await say(commands, "/subscribe under ¥0.1 output")
    assert low.lines[2:4] == (
        "Cheapest paid match: GLM-3 Turbo (Zhipu AI) at ¥1.00 per 1M (output).",
        "To hear when a paid price reaches ¥0.10, set the target on a vendor without a free "
        "model: /subscribe zhipu under ¥0.10 output. Models made free: /subscribe all.",
    )
    # The suggested command does what it says: a target that waits for a paid price.
    suggested = low.lines[3].split(": ", 1)[1].split(". ")[0]
    assert (await say(commands, suggested)).title == "Target set"


async def test_a_target_is_not_met_by_a_free_status_no_source_confirmed_lately(
    commands: Commands,
) -> None:
    """In December 2026 the catalog's "ERNIE Lite is free" (last confirmed 2024-05-25) is
    unknown, as `free` answers ("was free, not confirmed within 30 days"): a target must
    not call it met by ERNIE Lite; the paid Qwen-Long at ¥0.875 meets it."""
    later = replace(ctx(), now=utc(2026, 12, 1, 12))
    under_one = await say(commands, "/subscribe under ¥1", later)
    assert under_one.title == "Target already met by Qwen-Long"
    shown = " ".join(under_one.lines)
    assert "ERNIE" not in shown and "¥0.875" in shown


async def test_digest_without_arguments_shows_the_setting_and_changes_nothing(
    commands: Commands,
) -> None:
    """Issue 17, item 6: a bare /digest used to turn the digest on."""
    store = commands.services.subscriptions
    key = ChatKey("telegram", "100")
    await say(commands, "/subscribe all")
    shown = await say(commands, "/digest")
    assert shown.title == "Daily digest off"
    assert shown.lines == ("Alerts arrive as soon as they happen.",)
    assert shown.footnotes == (
        "One message a day instead: /digest daily 9:00 (09:00 UTC) · /digest daily 18:30",
    )
    assert [s.spec.mode for s in store.list_for(key)] == [Mode.INSTANT]
    assert store.get_chat(key).digest_minute is None  # type: ignore[union-attr]
    # Members of a group may look; only admins change it.
    member = ctx("-5", chat_type=ChatType.GROUP, admin=False)
    assert (await say(commands, "/digest", member)).title == "Daily digest off"
    await say(commands, "/settings timezone UTC+8")
    await say(commands, "/digest daily 18:30")
    shown = await say(commands, "/digest")
    assert shown.title == "Daily digest at 18:30 (UTC+8)"
    assert shown.lines == (
        "Alerts collect into one message a day at 18:30 UTC+8.",
        "The next is 2024-05-24 18:30 UTC+8.",
    )
    assert "/digest off" in shown.footnotes[0]
    assert [s.spec.mode for s in store.list_for(key)] == [Mode.DIGEST]


@pytest.mark.parametrize(
    ("typed", "said", "now_there"),
    [
        ("UTC+8", "UTC+8", "20:00"),
        ("utc+8", "UTC+8", "20:00"),
        ("UTC+05:30", "UTC+5:30", "17:30"),
        ("GMT-3", "GMT-3", "09:00"),
        ("+0545", "UTC+5:45", "17:45"),
        ("Asia/Shanghai", "Asia/Shanghai", "20:00"),
        ("asia/kolkata", "Asia/Kolkata", "17:30"),
        ("Etc/GMT-8", "UTC+8", "20:00"),
        ("UTC+0", "UTC", "12:00"),
    ],
)
async def test_time_zones_are_answered_in_the_chats_words(
    commands: Commands, typed: str, said: str, now_there: str
) -> None:
    """Issue 17, item 7: '/settings timezone UTC+8' answered "Etc/GMT-8"."""
    reply = await say(commands, f"/settings timezone {typed}")
    assert reply.title == "Settings changed"
    assert reply.lines[0] == f"Times are in {said} (it is {now_there} there now)."
    assert f"time zone {said} " in reply.lines[1]


@pytest.mark.parametrize("typed", ["UTC+15", "UTC-13", "UTC+5:75", "UTC+", "GMT 8"])
async def test_offsets_no_place_uses_are_refused(commands: Commands, typed: str) -> None:
    reply = await say(commands, f"/settings timezone {typed}")
    assert reply.kind is ReplyKind.ERROR
    assert reply.title == f"“{typed}” is not a time zone"


async def test_mute_until_is_read_and_answered_on_the_chats_clock(commands: Commands) -> None:
    """Issue 17, item 7: '/mute until 18:00' answered in UTC."""
    store = commands.services.subscriptions
    key = ChatKey("telegram", "100")
    await say(commands, "/settings timezone UTC+5:30")
    muted = await say(commands, "/mute until 18:00")  # 17:30 there now
    assert muted.title == "Muted until 2024-05-23 18:00 UTC+5:30"
    assert store.get_chat(key).muted_until == NOW + timedelta(minutes=30)  # type: ignore[union-attr]
    assert "muted until 2024-05-23 18:00 UTC+5:30" in (await say(commands, "/settings")).lines[0]
    await say(commands, "/settings timezone Asia/Shanghai")
    muted = await say(commands, "/mute until 18:00")  # 20:00 there now: tomorrow
    assert muted.title == "Muted until 2024-05-24 18:00 Asia/Shanghai"
    assert store.get_chat(key).muted_until == utc(2024, 5, 24, 10)  # type: ignore[union-attr]


async def test_help_states_the_compare_limits_the_parser_keeps(store: PriceStore) -> None:
    """Issue 17, item 8: /help said two or three; the parser takes two to five."""
    seed_if_empty(store, now=utc(2024, 5, 1))
    answers = AnswersEngine(store)
    services = Services(store, SubscriptionStore(store.engine), AlertEvaluator(store), answers)
    commands = Commands(services)
    helped = await say(commands, "/help compare")
    numbers = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
    low_word, high_word = re.match(r"(\w+) to (\w+) models", helped.lines[0]).groups()  # type: ignore[union-attr]
    low, high = numbers[low_word], numbers[high_word]
    assert f"(at most {high})" in helped.lines[1]
    models = ["gpt-4o", "deepseek-v2", "qwen-long", "glm-3-turbo", "ernie-lite", "hunyuan-lite"]
    assert len(models) > high

    async def compare(count: int) -> Reply:
        return await say(commands, "/compare " + " ".join(models[:count]))

    assert (await compare(high)).kind is not ReplyKind.ERROR
    assert (await compare(low)).kind is not ReplyKind.ERROR
    too_many = f"Name {low_word} to {high_word} models to compare (I read {high + 1})."
    assert (await compare(high + 1)).title == too_many
    assert (await compare(low - 1)).kind is ReplyKind.ERROR
    # Telegram's Chinese menu says the same range.
    chinese_numbers = "零一二三四五六七"
    assert (
        f"{'两' if low == 2 else chinese_numbers[low]}到{chinese_numbers[high]}"
        in (CHINESE["compare"])
    )


async def test_subscribe_without_arguments_offers_vendors(commands: Commands) -> None:
    menu = await say(commands, "/subscribe")
    actions = [b.action for b in menu.buttons]
    assert actions[0] == "/subscribe all" and "/subscribe deepseek" in actions
    chosen = await commands.press("/subscribe deepseek", ctx())
    assert chosen[0].title == "Subscribed"


async def test_buttons_that_are_not_commands_are_refused(commands: Commands) -> None:
    for action in ("drop table", "/nosuch 1", ""):
        (reply,) = await commands.press(action, ctx())
        assert reply.kind is ReplyKind.ERROR and reply.title == "That button is no longer valid"


async def test_every_command_has_help_and_is_reachable(commands: Commands) -> None:
    """One test guards the surface: each command has help, examples, and answers."""
    for entry in default_registry().entries():
        assert entry.summary and entry.usage and entry.examples, entry.name
        helped = await say(commands, f"/help {entry.name}")
        assert helped.title == f"/{entry.name}" and entry.summary in helped.lines
        replies = await commands.handle(entry.examples[0], ctx())
        assert replies, entry.name


@settings(
    max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(st.text(max_size=200))
def test_parsers_never_raise(text: str) -> None:
    for entry in default_registry().entries():
        result = entry.parse(text)
        if isinstance(result, Invalid):
            assert result.reason and result.example.startswith("/")


async def test_a_currency_with_no_rate_is_refused_and_one_with_a_rate_accepted(
    store: PriceStore,
) -> None:
    # Prices in CNY and USD, and a rate between them only: nothing converts into EUR.
    store.record_rates([FxRate("USD", "CNY", Decimal("7.2"), date(2024, 5, 1), "bundled")])
    store.record(
        [
            quote("deepseek/v2", when=utc(2024, 5, 1), input="1", output="2", currency="CNY"),
            quote("openai/gpt", when=utc(2024, 5, 1), input="5", output="15"),
        ],
        source="feed",
        observed_at=utc(2024, 5, 1),
    )
    commands = Commands(Services(store, SubscriptionStore(store.engine), AlertEvaluator(store)))
    refused = await say(commands, "/settings currency EUR")
    assert refused.kind is ReplyKind.ERROR
    assert refused.title == (
        "No exchange rate to EUR yet for prices in CNY, USD, so they could not be shown in EUR"
    )
    assert refused.lines == ("Example: /settings currency CNY",)
    chat = commands.services.subscriptions.get_chat(ChatKey("telegram", "100"))
    assert chat is None or chat.currency != "EUR"

    # The ECB's rates arrive: EUR→USD directly, EUR→CNY through USD.
    store.record_rates([FxRate("EUR", "USD", Decimal("1.08"), date(2024, 5, 2), "ecb")])
    accepted = await say(commands, "/settings currency EUR")
    assert accepted.kind is not ReplyKind.ERROR
    chat = commands.services.subscriptions.get_chat(ChatKey("telegram", "100"))
    assert chat is not None and chat.currency == "EUR"
