"""Metrics: each app has its own registry; scheduler failures are counted by themselves."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.metrics import Metrics


def value(metrics: Metrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


async def test_failed_scheduler_jobs_are_counted() -> None:
    metrics = Metrics()
    scheduler = AsyncIOScheduler(timezone=UTC)
    metrics.watch_scheduler(scheduler)
    ran = asyncio.Event()

    async def broken() -> None:
        ran.set()
        raise RuntimeError("the feed answered 500")

    async def fine() -> None:
        pass

    soon = datetime.now(UTC) + timedelta(milliseconds=50)
    scheduler.add_job(broken, "date", run_date=soon, id="refresh_sources")
    scheduler.add_job(fine, "date", run_date=soon, id="fan_out")
    scheduler.start()
    try:
        await asyncio.wait_for(ran.wait(), 5)
        await asyncio.sleep(0.05)  # the listener runs right after the job returns
    finally:
        scheduler.shutdown(wait=False)
    failures = "pricebot_scheduler_job_failures_total"
    assert value(metrics, failures, job="refresh_sources", outcome="error") == 1
    assert value(metrics, failures, job="fan_out", outcome="error") is None


def test_two_apps_do_not_share_counts() -> None:
    one, two = Metrics(), Metrics()
    one.delivery_sent("telegram", latency_seconds=1)
    assert value(one, "pricebot_deliveries_sent_total", platform="telegram") == 1
    assert value(two, "pricebot_deliveries_sent_total", platform="telegram") is None


def test_leader_and_source_gauges() -> None:
    metrics = Metrics()
    metrics.set_leader(True)
    metrics.source_refreshed("openrouter", 1_716_000_000.0)
    metrics.snapshot_held_back("litellm")
    assert value(metrics, "pricebot_leader") == 1
    last = "pricebot_source_last_success_timestamp_seconds"
    assert value(metrics, last, source="openrouter") == 1_716_000_000.0
    assert value(metrics, "pricebot_source_held_back_snapshots_total", source="litellm") == 1
    metrics.set_leader(False)
    assert value(metrics, "pricebot_leader") == 0
