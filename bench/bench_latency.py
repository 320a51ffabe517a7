"""Latency: from a price event being recorded to the first alert sent, at default settings.

Runs the real composition root (`build_app`: scheduler, fan-out every
PRICEBOT_FANOUT_INTERVAL = 1 s, dispatcher) with one fake platform front-end and
one subscribed chat, records a cut, and times until the platform receives the alert.
Target: under 2 s.

    .venv/bin/python bench/bench_latency.py
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time

from aiohttp import web
from alerts_common import FakePlatform, database, kinds, record_cut

from bot.app import build_app
from bot.chat.context import Context
from bot.messages import ChatRef, Platform
from bot.settings import Settings

ROUNDS = 10


class FakeFrontEnd:
    """A platform with no chat input: only its Notifier, as the dispatcher sees it."""

    name = "fake"

    def __init__(self) -> None:
        self.notifier = FakePlatform()

    def routes(self) -> list[web.RouteDef]:
        return []

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


async def measure(url: str) -> list[float]:
    front_end = FakeFrontEnd()
    app = build_app(Settings(database_url=url), front_ends=[front_end])
    chat = Context(ChatRef(Platform.TELEGRAM, "42"), "u", True, app.clock())
    await app.commands.handle("/subscribe qwen-long 1%", chat)
    await app.start()
    latencies = []
    amount = 0.0005  # CNY per 1K: Qwen-Long input after the price war
    try:
        for _ in range(ROUNDS):
            # Land at a random moment of the fan-out's one-second cycle.
            await asyncio.sleep(random.uniform(0.5, 1.5))
            amount *= 0.9
            received = len(front_end.notifier.accepted)
            started = time.monotonic()
            await asyncio.to_thread(record_cut, app.store, f"{amount:.8f}")
            while len(front_end.notifier.accepted) == received:
                if time.monotonic() - started > 30:
                    raise RuntimeError("no alert within 30 s")
                await asyncio.sleep(0.005)
            latencies.append(front_end.notifier.accepted[-1] - started)
    finally:
        await app.stop()
    return latencies


async def main() -> None:
    for kind in kinds():
        with database(kind) as url:
            latencies = await measure(url)
        print(
            f"{kind:10} event recorded → alert sent, {ROUNDS} cuts at default settings: "
            f"median {statistics.median(latencies):.2f} s, max {max(latencies):.2f} s"
        )


if __name__ == "__main__":
    asyncio.run(main())
