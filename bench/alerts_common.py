"""Shared set-up for the alert benchmarks: databases, subscribers in bulk, a fake platform."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, insert, text

from bot.alerts.notifier import Outgoing, RetryAfter, Sent
from bot.app import seed_if_empty
from bot.messages import Platform
from storage import Money, Price, PriceKind, PriceStore, Quote, make_engine, upgrade
from storage.alert_tables import ChatRow, SubscriptionRow


def postgres_url() -> str | None:
    return os.environ.get("PRICEBOT_BENCH_POSTGRES_URL") or os.environ.get(
        "PRICEBOT_TEST_POSTGRES_URL"
    )


@contextmanager
def database(kind: str) -> Iterator[str]:
    """A fresh database URL: a SQLite file, or a PostgreSQL schema dropped afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.db'}"
        return
    base = postgres_url()
    assert base is not None
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{base}{'&' if '?' in base else '?'}options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def kinds() -> list[str]:
    """SQLite always; PostgreSQL when PRICEBOT_BENCH_POSTGRES_URL (or the test URL) is set."""
    return ["sqlite", "postgresql"] if postgres_url() else ["sqlite"]


def open_store(url: str) -> PriceStore:
    engine = make_engine(url)
    upgrade(engine)
    store = PriceStore(engine)
    seed_if_empty(store, now=datetime(2024, 5, 1, tzinfo=UTC))
    return store


def add_subscribers(store: PriceStore, count: int, *, platform: str = "telegram") -> None:
    """`count` private chats, each subscribed to every model (bulk insert: set-up only)."""
    now = datetime.now(UTC)
    with store.engine.begin() as conn:
        conn.execute(
            insert(ChatRow),
            [
                {
                    "platform": platform,
                    "chat_id": str(1000 + n),
                    "team_id": "",
                    "chat_type": "private",
                    "active": True,
                    "currency": "CNY",
                    "mix_input": 3,
                    "mix_output": 1,
                    "timezone": "UTC",
                    "quiet_mode": "hold",
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(count)
            ],
        )
        first = conn.execute(
            text("SELECT min(id) FROM chats WHERE platform = :p"), {"p": platform}
        ).scalar_one()
        from decimal import Decimal

        conn.execute(
            insert(SubscriptionRow),
            [
                {
                    "chat_pk": first + n,
                    "kind": "changes",
                    "scope_kind": "all",
                    "scope_value": "",
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
                for n in range(count)
            ],
        )


def record_cut(store: PriceStore, amount: str = "0.0004") -> None:
    """Qwen-Long's input price cut (per 1K, CNY), as an admin would enter it."""
    quote_ = Quote(
        model_id="alibaba/qwen-long",
        vendor="alibaba",
        display_name="Qwen-Long",
        effective_at=datetime.now(UTC),
        prices=(Price(PriceKind.INPUT, Money.of(amount, "CNY", unit=_per_1k())),),
    )
    store.record([quote_], source="admin", observed_at=datetime.now(UTC), across_sources=True)


def _per_1k():  # type: ignore[no-untyped-def]
    from storage import Unit

    return Unit.PER_1K


class FakePlatform:
    """A Notifier that accepts messages in-process, optionally enforcing a rate like a
    platform does (a bucket of `burst` refilled at `rate`/s; beyond it: 429 retry-after)."""

    def __init__(
        self, *, rate: float | None = None, burst: int = 30, platform: Platform = Platform.TELEGRAM
    ) -> None:
        self.platform = platform
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.stamp = time.monotonic()
        self.accepted: list[float] = []
        self.refused = 0
        self.first_at: float | None = None
        self.event = asyncio.Event()

    async def send(self, message: Outgoing) -> Sent:
        now = time.monotonic()
        if self.rate is not None:
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens < 1:
                self.refused += 1
                raise RetryAfter(1.0)
            self.tokens -= 1
        self.accepted.append(now)
        if self.first_at is None:
            self.first_at = now
        self.event.set()
        return Sent(str(len(self.accepted)))
