"""Telegram figures: /history chart drawing time, and Notifier sends per second to a local Bot API.

Run: `make bench` or `.venv/bin/python bench/telegram_bench.py`. The send rate is
pricebot's own overhead plus python-telegram-bot's against the fake Bot API on
loopback: an upper bound, since Telegram allows about 30 messages/s per bot.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pydantic import SecretStr

from bot.alerts.notifier import Outgoing
from bot.chat.charts import history_chart, history_series
from bot.chat.telegram import CallbackSigner, TelegramNotifier
from bot.chat.telegram.build import build_application
from bot.messages import Button, ChatRef, Platform, Reply, ReplyKind, Row
from bot.settings import Settings
from bot.sources import load_catalog
from storage import PriceStore, make_engine, upgrade
from tests.fakes.telegram_api import FakeTelegramAPI

NOW = datetime(2024, 6, 1, tzinfo=UTC)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def bench_charts(runs: int = 30) -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/bench.db")
        upgrade(engine)
        store = PriceStore(engine)
        catalog = load_catalog()
        store.record_rates(catalog.fx_rates)
        store.record(catalog.quotes, source="catalog", observed_at=NOW, history=True)
        model = "alibaba/qwen-long"
        series = history_series(
            model, "Qwen-Long", store.history(model), store.events_for(model), now=NOW
        )
        engine.dispose()
    history_chart(series)  # first call pays matplotlib's import
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        image = history_chart(series)
        times.append((time.perf_counter() - started) * 1000)
    print(
        f"/history chart (800x450 PNG, {len(image.png) // 1024} KB): "
        f"p50 {statistics.median(times):.0f} ms, p99 {percentile(times, 0.99):.0f} ms "
        f"over {runs} runs (in a worker thread, off the event loop)"
    )


async def bench_sends(count: int = 500, chats: int = 50) -> None:
    fake = FakeTelegramAPI()
    await fake.start()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_token=SecretStr(fake.token),
        telegram_api_url=fake.url,
    )
    app = build_application(settings, polling=False)
    reply = Reply(
        title="DeepSeek-V2: input cut 50%",
        kind=ReplyKind.ALERT,
        lines=("Input ¥2.00 → ¥1.00 per 1M tokens",),
        rows=(Row("Rank", "#2 of 31", "blended 3:1"),),
        buttons=(Button("Unsubscribe", "unsub:7"),),
    )
    async with app.bot:
        notifier = TelegramNotifier(app.bot, CallbackSigner(fake.token))
        messages = [
            Outgoing(ChatRef(Platform.TELEGRAM, str(1000 + i % chats)), reply) for i in range(count)
        ]
        started = time.perf_counter()
        await asyncio.gather(*(notifier.send(m) for m in messages))
        elapsed = time.perf_counter() - started
    await fake.stop()
    delivered = sum(len(fake.delivered(1000 + c)) for c in range(chats))
    print(
        f"Notifier: {delivered} alerts to {chats} chats in {elapsed:.2f} s = "
        f"{delivered / elapsed:.0f} sends/s against the local fake Bot API"
    )


if __name__ == "__main__":
    bench_charts()
    asyncio.run(bench_sends())
