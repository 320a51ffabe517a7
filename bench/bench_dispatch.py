"""Dispatch throughput: owed deliveries sent through a fake platform.

1. A platform with no limit, dispatcher without rate limits: messages per second
   (target: over 1,000/s).
2. A platform that enforces Telegram's 30 messages/s (a bucket of 30, refilled at
   30/s, answering 429 with retry-after beyond it), dispatcher with its Telegram
   limits: the rate sustained (target: at least 95% of 30/s) and the 429s (target: 0).

    .venv/bin/python bench/bench_dispatch.py
    PRICEBOT_BENCH_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/bench_dispatch.py
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from alerts_common import FakePlatform, add_subscribers, database, kinds, open_store, record_cut

from bot.alerts.answering import AnswersEngine
from bot.alerts.dispatcher import Dispatcher
from bot.alerts.fanout import Fanout
from bot.alerts.limits import RateLimits
from storage import AlertMatcher, DeliveryStore, SubscriptionStore

UNLIMITED_MESSAGES = 20_000
TELEGRAM_MESSAGES = 600


async def dispatch(url: str, messages: int, platform: FakePlatform, limits: RateLimits) -> float:
    store = open_store(url)
    matcher = AlertMatcher(store.engine)
    matcher.start_cursor(now=datetime.now(UTC))
    add_subscribers(store, messages)
    record_cut(store)
    Fanout(matcher).catch_up(datetime.now(UTC))
    outbox = DeliveryStore(store.engine)
    dispatcher = Dispatcher(
        store=store,
        deliveries=outbox,
        subscriptions=SubscriptionStore(store.engine),
        notifiers=[platform],
        limits=limits,
        # As `pricebot run` wires it: alerts say where the model now ranks.
        ranker=AnswersEngine(store),
    )
    started = time.perf_counter()
    while outbox.owed():
        await dispatcher.drain()
        if outbox.owed():
            await asyncio.sleep(0.05)  # retries after a 429 wait their turn
    elapsed = time.perf_counter() - started
    store.engine.dispose()
    return elapsed


async def main() -> None:
    for kind in kinds():
        with database(kind) as url:
            free = FakePlatform()
            elapsed = await dispatch(url, UNLIMITED_MESSAGES, free, RateLimits({}))
            rate = len(free.accepted) / elapsed
            print(
                f"{kind:10} no limit: {len(free.accepted):,} messages in {elapsed:.2f} s "
                f"= {rate:,.0f} messages/s"
            )
        with database(kind) as url:
            strict = FakePlatform(rate=30.0, burst=30)
            elapsed = await dispatch(url, TELEGRAM_MESSAGES, strict, RateLimits())
            stamps = strict.accepted
            sustained = (len(stamps) - 1) / (stamps[-1] - stamps[0])
            print(
                f"{kind:10} Telegram 30/s: {len(stamps):,} messages in {elapsed:.1f} s, "
                f"sustained {sustained:.2f}/s ({sustained / 30:.1%} of the limit), "
                f"{strict.refused} answered 429"
            )


if __name__ == "__main__":
    asyncio.run(main())
