"""A pricebot cluster on one PostgreSQL, for the scale-out test and benchmark.

Several `pricebot run` processes (tests/replicas.py) share a database; they send
to the fake Telegram Bot API and the fake Slack Web API, which run in a thread of
their own here so the test's blocking calls never stall them. Chats and their
subscriptions are inserted in bulk (set-up only); the cut that alerts them is
recorded through the real PriceStore, and everything after that is pricebot's.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import Counter
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import func, insert, select

from storage import (
    ChatKey,
    Money,
    Price,
    PriceKind,
    PriceStore,
    Quote,
    ScopeKind,
    SubscriptionSpec,
    SubscriptionStore,
    Unit,
    make_engine,
    upgrade,
)
from storage.alert_tables import ChatRow, SubscriptionRow
from tests.fakes.slack_api import FakeSlack
from tests.fakes.telegram_api import TOKEN as TELEGRAM_TOKEN
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.replicas import Replica, wait_for

T = TypeVar("T")

SLACK_TEAM = "T0SCALE"
WEBHOOK_SECRET = "scale-out-webhook-secret"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
# The chat that proves fan-out still runs after the leader died: it alone watches DeepSeek.
CANARY = ChatKey("telegram", "42")


class FakePlatforms:
    """The fake Telegram and Slack servers, on a loop of their own in a daemon thread."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self.telegram: FakeTelegramAPI = self._run(self._make_telegram())
        self.slack: FakeSlack = self._run(self._make_slack())
        self.slack_token = self.slack.add_workspace(SLACK_TEAM, "Scale").bot_token
        self.slack.add_user(SLACK_TEAM, "UOWNER", "owner", is_admin=True)

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(30)

    @staticmethod
    async def _make_telegram() -> FakeTelegramAPI:
        fake = FakeTelegramAPI()
        await fake.start()
        return fake

    @staticmethod
    async def _make_slack() -> FakeSlack:
        fake = FakeSlack()
        await fake.start()
        return fake

    def add_slack_channels(self, channel_ids: Iterable[str]) -> None:
        for channel_id in channel_ids:
            self.slack.add_channel(SLACK_TEAM, channel_id, creator="UOWNER")

    def received(self) -> Counter[tuple[str, str]]:
        """(platform, chat id) → messages the platform accepted, so far."""
        counts: Counter[tuple[str, str]] = Counter()
        for call in list(self.telegram.calls):
            if call.method.lower() == "sendmessage" and call.status == 200 and call.chat_id:
                counts["telegram", call.chat_id] += 1
        for message in self.slack.posted():
            counts["slack", str(message.get("channel"))] += 1
        return counts

    def close(self) -> None:
        self._run(self.telegram.stop())
        self._run(self.slack.close())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def env(self) -> dict[str, str]:
        """What each replica needs to reach the fakes: Telegram webhook mode, Slack HTTP mode."""
        return {
            "PRICEBOT_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
            "PRICEBOT_TELEGRAM_API_URL": self.telegram.base_url,
            "PRICEBOT_TELEGRAM_WEBHOOK_URL": "http://127.0.0.1:{port}/telegram/webhook",
            "PRICEBOT_TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "PRICEBOT_SLACK_BOT_TOKEN": self.slack_token,
            "PRICEBOT_SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "PRICEBOT_SLACK_API_URL": self.slack.base_url,
        }


def chat_ids(count: int, *, slack_share: float) -> list[ChatKey]:
    """`count` chats, about `slack_share` of them Slack channels, the rest Telegram chats."""
    slack = round(count * slack_share)
    return [ChatKey("slack", f"C{n:07d}", SLACK_TEAM) for n in range(slack)] + [
        ChatKey("telegram", str(1_000_000 + n)) for n in range(count - slack)
    ]


def seed(database_url: str, chats: list[ChatKey], *, vendor: str = "alibaba") -> None:
    """Migrate, then add `chats`, each subscribed to `vendor`'s cuts of 10% or more."""
    engine = make_engine(database_url)
    upgrade(engine)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        before = conn.execute(select(func.coalesce(func.max(ChatRow.id), 0))).scalar_one()
        conn.execute(
            insert(ChatRow),
            [
                {
                    "platform": chat.platform,
                    "chat_id": chat.chat_id,
                    "team_id": chat.team_id,
                    "chat_type": "private" if chat.platform == "telegram" else "channel",
                    "active": True,
                    "currency": "CNY",
                    "mix_input": 3,
                    "mix_output": 1,
                    "timezone": "UTC",
                    "quiet_mode": "hold",
                    "created_at": now,
                    "updated_at": now,
                }
                for chat in chats
            ],
        )
        conn.execute(
            insert(SubscriptionRow),
            [
                {
                    "chat_pk": before + 1 + n,
                    "kind": "changes",
                    "scope_kind": ScopeKind.VENDOR.value,
                    "scope_value": vendor,
                    "min_cut_percent": Decimal(10),
                    "on_free": True,
                    "on_increase": False,
                    "on_new_model": False,
                    "on_free_ending": False,
                    "mode": "instant",
                    "target_basis": "blended",
                    "target_mix_input": 3,
                    "target_mix_output": 1,
                    "armed": True,
                    "active": True,
                    "created_at": now,
                }
                for n in range(len(chats))
            ],
        )
    # The canary subscribes the ordinary way.
    SubscriptionStore(engine).add(
        CANARY, SubscriptionSpec(scope=ScopeKind.VENDOR, scope_value="deepseek"), now=now
    )
    engine.dispose()


def record_cut(database_url: str, model: str, amount: str, unit: Unit = Unit.PER_1M) -> int:
    """An admin's new price for `model` (CNY), as `pricebot prices set` records it."""
    engine = make_engine(database_url)
    store = PriceStore(engine)
    now = datetime.now(UTC)
    vendor = model.split("/", 1)[0]
    events = store.record(
        [
            Quote(
                model_id=model,
                vendor=vendor,
                display_name=model.split("/", 1)[1],
                effective_at=now,
                prices=(Price(PriceKind.INPUT, Money.of(amount, "CNY", unit=unit)),),
            )
        ],
        source="admin",
        observed_at=now,
        across_sources=True,
    )
    engine.dispose()
    assert events, f"recording {model} at {amount} changed nothing"
    return len(events)


@dataclass
class Cluster:
    """Replicas of `pricebot run` on one database, all talking to the same fakes."""

    database_url: str
    log_dir: Path
    platforms: FakePlatforms
    env: dict[str, str] = field(default_factory=dict)
    replicas: list[Replica] = field(default_factory=list)

    def start(self, count: int) -> list[Replica]:
        started = [
            Replica(self.database_url, self.log_dir, **self.platforms.env(), **self.env)
            for _ in range(count)
        ]
        self.replicas.extend(started)
        for replica in started:
            replica.wait_ready(timeout=60)
        return started

    def alive(self) -> list[Replica]:
        return [r for r in self.replicas if r.alive()]

    def leader(self, timeout: float = 15.0) -> Replica:
        """The one live replica that holds the leader lock."""
        found: list[Replica] = []

        def one_leader() -> bool:
            found[:] = [r for r in self.alive() if r.is_leader()]
            return len(found) == 1

        wait_for(one_leader, timeout, "exactly one leader")
        return found[0]

    def stop(self) -> None:
        for replica in self.replicas:
            replica.stop()


@dataclass
class Progress:
    """When each chat was first reached, sampled while the cluster sends."""

    expected: set[tuple[str, str]]
    started: float = field(default_factory=time.monotonic)
    first_at: float | None = None
    done_at: float | None = None
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)

    def sample(self, platforms: FakePlatforms) -> int:
        """Refresh the counts; return how many expected chats have their alert."""
        self.counts = platforms.received()
        reached = sum(1 for chat in self.expected if self.counts[chat])
        now = time.monotonic()
        if reached and self.first_at is None:
            self.first_at = now
        if reached == len(self.expected) and self.done_at is None:
            self.done_at = now
        return reached

    def duplicates(self) -> int:
        """Messages beyond the first to the same chat."""
        return sum(n - 1 for chat, n in self.counts.items() if chat in self.expected and n > 1)

    def rate(self) -> float:
        """Messages per second from the first message to the last chat reached."""
        assert self.first_at is not None and self.done_at is not None
        return len(self.expected) / max(self.done_at - self.first_at, 1e-6)


def wait_for_everyone(progress: Progress, platforms: FakePlatforms, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while progress.sample(platforms) < len(progress.expected):
        if time.monotonic() > deadline:
            missing = len(progress.expected) - progress.sample(platforms)
            raise AssertionError(f"{missing} chats still without their alert after {timeout}s")
        time.sleep(0.05)


def expected(chats: Iterable[ChatKey]) -> set[tuple[str, str]]:
    return {(chat.platform, chat.chat_id) for chat in chats}
