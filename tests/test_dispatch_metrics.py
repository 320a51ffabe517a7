"""What the dispatcher does shows in the metrics, and replicas share a bot's rate limit."""

from __future__ import annotations

import asyncio

from bot.alerts.dispatcher import Dispatcher
from bot.alerts.limits import PlatformLimits, RateLimits
from bot.metrics import Metrics
from storage import PriceStore
from tests.alert_fakes import ChatGone, RetryAfter, TemporaryFailure
from tests.test_dispatcher import FAST, NO_LIMITS, World


def value(metrics: Metrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


async def test_sent_retried_and_dead_are_counted_by_platform(store: PriceStore) -> None:
    world = World(store)
    metrics = Metrics()
    metrics.watch_store(store.engine)
    world.dispatcher = Dispatcher(
        store=store,
        deliveries=world.outbox,
        subscriptions=world.subs,
        notifiers=[world.notifier],
        limits=NO_LIMITS,
        options=FAST,
        metrics=metrics,
    )
    world.subscribe("100", "200", "300", "400")
    world.notifier.script("200", RetryAfter(0.05))
    world.notifier.script("300", ChatGone("Forbidden: bot was blocked by the user"))
    world.notifier.script("400", *[TemporaryFailure("HTTP 502")] * FAST.max_attempts)
    world.cut()
    assert value(metrics, "pricebot_deliveries_owed", platform="telegram") == 4
    assert value(metrics, "pricebot_fanout_lag_events") == 0
    await world.settle()

    assert value(metrics, "pricebot_deliveries_sent_total", platform="telegram") == 2
    retried = "pricebot_deliveries_retried_total"
    assert value(metrics, retried, platform="telegram", reason="retry_after") == 1
    assert value(metrics, retried, platform="telegram", reason="temporary") == FAST.max_attempts - 1
    dead = "pricebot_deliveries_dead_total"
    assert value(metrics, dead, platform="telegram", reason="chat_gone") == 1
    assert value(metrics, dead, platform="telegram", reason="max_attempts") == 1
    latency = "pricebot_dispatch_latency_seconds_count"
    assert value(metrics, latency, platform="telegram") == 2
    # The outbox as the database has it, whichever replica sent: the dead letter is there;
    # sent and gone rows (which pile up for ever) are not counted on every scrape.
    outbox = "pricebot_deliveries"
    assert value(metrics, outbox, platform="telegram", status="dead") == 1
    assert value(metrics, outbox, platform="telegram", status="sent") is None
    assert value(metrics, "pricebot_deliveries_owed", platform="telegram") == 0


async def test_replicas_divide_the_bot_wide_limit() -> None:
    """Telegram's 30/s is per bot: two replicas each keep half of it.

    Measured over 20 sends per phase rather than per gap: on a loaded machine one task
    resumes late and the next on time, so a single gap says little; the span of 20 does
    (a stall delays it, it cannot make sends come faster than the limiter lets them).
    """
    sends = 21
    limits = RateLimits({"telegram": PlatformLimits(per_bot=40.0)})
    loop = asyncio.get_running_loop()
    stamps: list[float] = []

    async def span(first: int) -> float:
        async def send(chat: str) -> None:
            await limits.acquire("telegram", chat, group=False)
            stamps.append(loop.time())

        stamps.clear()
        await asyncio.gather(*(send(str(n)) for n in range(first, first + sends)))
        return max(stamps) - min(stamps)

    limits.share(2)
    halved = await span(0)
    # 20/s: 20 gaps of 1/20 s; a late first stamp may shorten the span by a little.
    assert halved >= (sends - 1) / 20 * 0.9, halved

    limits.share(1)
    whole = await span(sends)
    # Back to the whole 40/s: 0.5 s, where the halved rate takes 1 s; a stall of up to
    # 0.3 s is tolerated.
    assert whole >= (sends - 1) / 40 * 0.9, whole
    assert whole < (sends - 1) / 20 * 0.8, whole
