"""Metrics: each app has its own registry; scheduler failures are counted by themselves."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.metrics import Metrics
from storage import PriceStore
from storage.source_state import SourceOutcome, SourceState


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
    page = one.exposition().decode()  # the usual process and Python metrics are there too
    assert "python_info{" in page and "process_resident_memory_bytes " in page
    one.delivery_sent("telegram", latency_seconds=1)
    assert value(one, "pricebot_deliveries_sent_total", platform="telegram") == 1
    assert value(two, "pricebot_deliveries_sent_total", platform="telegram") is None


def test_leader_gauge() -> None:
    metrics = Metrics()
    metrics.set_leader(True)
    assert value(metrics, "pricebot_leader") == 1
    metrics.set_leader(False)
    assert value(metrics, "pricebot_leader") == 0


def test_source_status_is_read_from_the_store(store: PriceStore) -> None:
    """Whichever replica polled, every replica reports the sources' state from the database."""
    metrics = Metrics()
    metrics.watch_store(store.engine)
    state = SourceState(store.engine)
    ok_at = datetime(2024, 5, 21, 8, tzinfo=UTC)
    state.record_success(
        "openrouter",
        ok_at,
        outcome=SourceOutcome.RECORDED,
        message="recorded 2 models",
        members=["openrouter/a", "openrouter/b"],
    )
    state.record_held("litellm", ok_at, reason="40% of models vanished", model_count=3, body=b"{}")
    state.record_held("litellm", ok_at, reason="40% of models vanished", model_count=3, body=b"{}")
    state.record_failure("litellm", ok_at + timedelta(hours=1), "HTTP 503")

    last = "pricebot_source_last_success_timestamp_seconds"
    assert value(metrics, last, source="openrouter") == ok_at.timestamp()
    assert value(metrics, last, source="litellm") is None  # never succeeded
    held = "pricebot_source_held_back_snapshots_total"
    assert value(metrics, held, source="litellm") == 2
    assert value(metrics, held, source="openrouter") == 0
    assert value(metrics, "pricebot_source_consecutive_failures", source="litellm") == 1
    assert value(metrics, "pricebot_source_models", source="openrouter") == 2
