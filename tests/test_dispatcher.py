"""The dispatcher against a scripted platform: every failure ends with nothing lost and
nothing sent twice. Real fan-out, real outbox, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta

import pytest

from bot.alerts.dispatcher import Dispatcher, DispatchOptions
from bot.alerts.fanout import Fanout
from bot.alerts.limits import PlatformLimits, RateLimits
from storage import (
    AlertMatcher,
    ChatKey,
    DeliveryStore,
    PriceStore,
    QuietMode,
    ScopeKind,
    SubscriptionSpec,
    SubscriptionStore,
)
from tests.alert_fakes import (
    HANG,
    ChatGone,
    ChatMoved,
    RetryAfter,
    ScriptedNotifier,
    TemporaryFailure,
    now,
)
from tests.helpers import quote, utc

FAST = DispatchOptions(
    backoff_base=0.02, backoff_cap=0.1, send_timeout=0.3, max_attempts=4, flush_interval=0.02
)
NO_LIMITS = RateLimits({})
NAMES = {"alibaba/qwen-long": "Qwen-Long", "zhipu/glm-3-turbo": "GLM-3 Turbo"}


class World:
    """A store with the price-war baseline, some chats, and the alert machinery."""

    def __init__(
        self, store: PriceStore, options: DispatchOptions = FAST, limits: RateLimits = NO_LIMITS
    ) -> None:
        self.store = store
        store.record(
            [
                quote(
                    "alibaba/qwen-long",
                    when=utc(2024, 5, 1),
                    input="20",
                    output="20",
                    currency="CNY",
                ),
                quote(
                    "zhipu/glm-3-turbo", when=utc(2024, 5, 1), input="5", output="5", currency="CNY"
                ),
            ],
            source="test",
            observed_at=utc(2024, 5, 1),
            history=True,
        )
        self.subs = SubscriptionStore(store.engine)
        self.outbox = DeliveryStore(store.engine)
        self.matcher = AlertMatcher(store.engine)
        self.matcher.start_cursor(now=now())
        self.fanout = Fanout(self.matcher)
        self.notifier = ScriptedNotifier()
        self.dispatcher = Dispatcher(
            store=store,
            deliveries=self.outbox,
            subscriptions=self.subs,
            notifiers=[self.notifier],
            limits=limits,
            options=options,
        )

    def subscribe(self, *chat_ids: str, **spec: object) -> None:
        for chat_id in chat_ids:
            self.subs.add(ChatKey("telegram", chat_id), SubscriptionSpec(**spec), now=now())  # type: ignore[arg-type]

    def cut(self, model: str = "alibaba/qwen-long", input: str = "0.5", day: int = 21) -> list[int]:
        events = self.store.record(
            [quote(model, when=utc(2024, 5, day), input=input, currency="CNY", name=NAMES[model])],
            source="test",
            observed_at=now(),
        )
        self.fanout.catch_up(now())
        return [e.id or 0 for e in events]

    async def settle(self, timeout: float = 5.0) -> None:
        """Dispatch until nothing is owed (retries included)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            await self.dispatcher.drain()
            if await asyncio.to_thread(self.outbox.owed) == 0:
                return
            await asyncio.sleep(0.02)
        raise AssertionError(f"still owed after {timeout}s: {self.outbox.counts()}")


@pytest.fixture
def world(store: PriceStore) -> World:
    return World(store)


async def test_an_alert_says_what_changed(world: World) -> None:
    world.subscribe("100")
    (event,) = world.cut()
    await world.settle()
    (message,) = world.notifier.received
    assert message.title == "Price cut: Qwen-Long (Alibaba)"
    assert message.lines[0] == "input: ¥20.00 → ¥0.50 per 1M (−97.5%)"
    assert "effective 2024-05-21" in message.lines
    assert "all-time low: input" in message.lines
    assert message.event_ids == (event,)
    assert world.outbox.counts() == {("telegram", "sent"): 1}


async def test_retry_after_waits_and_sends_once(world: World) -> None:
    world.subscribe("100", "200")
    world.notifier.script("100", RetryAfter(0.2))
    (event,) = world.cut()
    started = asyncio.get_running_loop().time()
    await world.settle()
    assert world.notifier.per_chat_event() == {("100", event): 1, ("200", event): 1}
    late = next(m for m in world.notifier.received if m.chat_id == "100")
    assert late.at - started >= 0.2  # it waited as told
    assert world.outbox.counts() == {("telegram", "sent"): 2}


async def test_server_errors_are_retried_then_sent_once(world: World) -> None:
    world.subscribe("100")
    world.notifier.script("100", TemporaryFailure("HTTP 500"), TemporaryFailure("HTTP 502"))
    (event,) = world.cut()
    await world.settle()
    assert world.notifier.per_chat_event() == {("100", event): 1}
    (record,) = world.outbox.records()
    assert (record.status, record.attempts) == ("sent", 3)


async def test_a_timeout_is_retried_and_sent_once(world: World) -> None:
    world.subscribe("100")
    world.notifier.script("100", HANG)
    (event,) = world.cut()
    await world.settle()
    assert world.notifier.per_chat_event() == {("100", event): 1}
    assert world.notifier.calls == 2


@pytest.mark.parametrize(
    "reason", ["Forbidden: bot was blocked by the user", "Bad Request: chat not found"]
)
async def test_a_chat_that_is_gone_is_marked_inactive(world: World, reason: str) -> None:
    world.subscribe("100", "200")
    world.notifier.script("100", ChatGone(reason))
    (event,) = world.cut()
    await world.settle()
    assert world.notifier.per_chat_event() == {("200", event): 1}
    assert world.subs.get_chat(ChatKey("telegram", "100")).active is False  # type: ignore[union-attr]
    # Later cuts do not even try the chat that is gone.
    calls = world.notifier.calls
    (later,) = world.cut("zhipu/glm-3-turbo", "1")
    await world.settle()
    assert world.notifier.calls == calls + 1
    assert world.notifier.per_chat_event()[("200", later)] == 1
    counts = world.outbox.counts()
    assert counts[("telegram", "gone")] == 1 and counts[("telegram", "sent")] == 2


async def test_a_migrated_chat_is_followed(world: World) -> None:
    world.subscribe("-100")
    world.notifier.script("-100", ChatMoved("-100777"))
    (event,) = world.cut()
    await world.settle()
    assert world.notifier.per_chat_event() == {("-100777", event): 1}
    assert len(world.subs.list_for(ChatKey("telegram", "-100777"))) == 1
    assert world.subs.list_for(ChatKey("telegram", "-100")) == []
    (later,) = world.cut("zhipu/glm-3-turbo", "1")
    await world.settle()
    assert world.notifier.per_chat_event()[("-100777", later)] == 1


async def test_giving_up_leaves_a_dead_letter(world: World) -> None:
    world.subscribe("100")
    world.notifier.script("100", *[TemporaryFailure("HTTP 500")] * 10)
    world.cut()
    await world.settle()
    assert world.notifier.received == []
    (record,) = world.outbox.records()
    assert (record.status, record.attempts) == ("dead", FAST.max_attempts)
    assert "HTTP 500" in (record.last_error or "")
    # An operator puts it back once the platform is well; it is sent once.
    world.notifier.scripts["100"].clear()
    assert world.outbox.retry_dead(now=now()) == 1
    await world.settle()
    assert len(world.notifier.received) == 1


async def test_a_notifier_bug_is_a_temporary_failure(world: World) -> None:
    world.subscribe("100")
    world.notifier.script("100", ValueError("unexpected payload"))
    (event,) = world.cut()
    await world.settle()
    assert world.notifier.per_chat_event() == {("100", event): 1}


async def test_events_due_together_go_out_as_one_message(world: World) -> None:
    world.subscribe("100")
    world.subscribe("100", scope=ScopeKind.VENDOR, scope_value="alibaba")  # overlapping
    first = world.cut()
    second = world.cut("zhipu/glm-3-turbo", "1")
    # Two fan-outs, two deliveries; dispatched together they merge into one message.
    await world.settle()
    (message,) = world.notifier.received
    assert message.title == "Price alerts: 2 models"
    assert sorted(message.event_ids) == sorted(first + second)
    counts = world.outbox.counts()
    assert counts == {("telegram", "sent"): 1, ("telegram", "merged"): 1}


async def test_a_mute_holds_alerts_until_it_ends(world: World) -> None:
    world.subscribe("100")
    key = ChatKey("telegram", "100")
    world.subs.update_chat(key, now=now(), muted_until=now() + timedelta(hours=1))
    (event,) = world.cut()
    await world.dispatcher.drain()
    assert world.notifier.received == []
    (record,) = world.outbox.records()
    assert record.status == "pending" and record.attempts == 0
    world.subs.update_chat(key, now=now(), muted_until=None)  # /unmute
    await world.settle()
    assert world.notifier.per_chat_event() == {("100", event): 1}


async def test_quiet_hours_hold_or_send_silently(world: World) -> None:
    world.subscribe("100", "200")
    local = now()
    start = (local.hour * 60 + local.minute - 30) % 1440
    end = (start + 120) % 1440  # we are 30 minutes into a two-hour window
    world.subs.update_chat(ChatKey("telegram", "100"), now=now(), quiet_start=start, quiet_end=end)
    world.subs.update_chat(
        ChatKey("telegram", "200"),
        now=now(),
        quiet_start=start,
        quiet_end=end,
        quiet_mode=QuietMode.SILENT,
    )
    world.cut()
    await world.dispatcher.drain()
    (silent,) = world.notifier.received
    assert silent.chat_id == "200" and silent.silent
    held = next(r for r in world.outbox.records() if r.chat.chat_id == "100")
    assert held.status == "pending" and held.next_attempt_at > now() + timedelta(minutes=80)


async def test_stop_gives_unsent_deliveries_back(store: PriceStore) -> None:
    slow = World(store, options=FAST, limits=RateLimits({"telegram": PlatformLimits(per_bot=20.0)}))
    chats = [str(n) for n in range(40)]
    slow.subscribe(*chats)
    (event,) = slow.cut()
    slow.dispatcher.start()
    slow.dispatcher.wake()
    await asyncio.sleep(0.5)
    await slow.dispatcher.stop()
    sent_before = len(slow.notifier.received)
    assert 0 < sent_before < 40
    counts = slow.outbox.counts()
    assert counts[("telegram", "sent")] == sent_before
    owed = sum(n for (_, status), n in counts.items() if status != "sent")
    assert owed == 40 - sent_before  # nothing lost
    # Released, not stuck "sending" (not even a batch whose outcomes were being written
    # when the sending ended: the flush under way finishes before the next).
    assert counts[("telegram", "pending")] == 40 - sent_before
    # A new dispatcher (a restart) sends the rest, and nothing twice.
    again = Dispatcher(
        store=store,
        deliveries=slow.outbox,
        subscriptions=slow.subs,
        notifiers=[slow.notifier],
        limits=NO_LIMITS,
        options=FAST,
    )
    await again.drain()
    assert slow.notifier.per_chat_event() == {(chat, event): 1 for chat in chats}


async def test_rate_limits_space_messages() -> None:
    limits = RateLimits(
        {"telegram": PlatformLimits(per_bot=40.0, per_chat=10.0, group_interval=0.25)}
    )
    loop = asyncio.get_running_loop()
    times: dict[str, list[float]] = {"a": [], "b": [], "g": []}

    async def send(chat: str, group: bool) -> None:
        await limits.acquire("telegram", chat, group=group)
        times[chat].append(loop.time())

    await asyncio.gather(
        *(send("a", False) for _ in range(5)),
        *(send("b", False) for _ in range(5)),
        *(send("g", True) for _ in range(3)),
    )
    for chat, gap in (("a", 0.1), ("b", 0.1), ("g", 0.25)):
        stamps = sorted(times[chat])
        assert min(b - a for a, b in itertools.pairwise(stamps)) >= gap * 0.95
    every = sorted(t for ts in times.values() for t in ts)
    assert min(b - a for a, b in itertools.pairwise(every)) >= (1 / 40) * 0.95


async def test_a_platform_pause_holds_every_send() -> None:
    limits = RateLimits({})
    loop = asyncio.get_running_loop()
    limits.pause("telegram", 0.2)
    started = loop.time()
    await limits.acquire("telegram", "x", group=False)
    assert loop.time() - started >= 0.19
    started = loop.time()
    await limits.acquire("slack", "x", group=False)
    assert loop.time() - started < 0.1
