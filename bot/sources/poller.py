"""The poller: refreshes each enabled source on its own interval, and says how it went.

Jobs are plain `async def` functions that take `now`; the scheduler only
decides when they run. For `pricebot run` (the composition root) call

    poller = schedule_sources(scheduler, store, settings)

with an APScheduler 3 `AsyncIOScheduler` (default in-memory job store: the
jobs hold the store, which does not pickle). It adds one interval job per
enabled source (`PRICEBOT_<SOURCE>_INTERVAL_MINUTES`, jitter
`PRICEBOT_SOURCES_JITTER_SECONDS`; the first run is right after start), and
one job that re-polls sources with an alarming change awaiting confirmation
every `PRICEBOT_SOURCES_CONFIRM_AFTER_MINUTES`. Each run fetches with httpx
(timeouts, conditional requests with ETag / If-Modified-Since, retries with
exponential backoff), passes the snapshot through the ingest guards off the
event loop, and records the outcome in `source_status`. A source that fails
is logged (an error once it has failed PRICEBOT_SOURCES_FAILURES_TO_REPORT
times in a row) and shown by `pricebot sources status`; the others go on. On
PostgreSQL an advisory lock per source lets one process of many refresh it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bot.settings import Settings
from bot.sources import registry
from bot.sources.base import FeedError, NotModified, Source, Validators
from bot.sources.fetch import Fetcher
from bot.sources.ingest import Guards, IngestReport, ingest
from storage import PriceStore, SourceOutcome, SourceState, SourceStatus

log = logging.getLogger(__name__)


@dataclass
class Poller:
    """Everything a refresh needs: the store, the sources and how to fetch and guard them."""

    store: PriceStore
    state: SourceState
    sources: dict[str, Source]
    enabled: list[str]
    intervals: dict[str, timedelta]
    guards: Guards
    timeout: float = 30.0
    retries: int = 2
    backoff: float = 5.0
    confirm_after: timedelta = timedelta(minutes=15)
    failures_to_report: int = 3
    jitter_seconds: int = 300

    @classmethod
    def from_settings(cls, store: PriceStore, settings: Settings) -> Poller:
        return cls(
            store=store,
            state=SourceState(store.engine),
            sources=registry.build_sources(settings),
            enabled=settings.enabled_sources(),
            intervals=registry.intervals(settings),
            guards=registry.guards(settings),
            timeout=settings.sources_timeout_seconds,
            retries=settings.sources_retries,
            backoff=settings.sources_backoff_seconds,
            confirm_after=timedelta(minutes=settings.sources_confirm_after_minutes),
            failures_to_report=settings.sources_failures_to_report,
            jitter_seconds=settings.sources_jitter_seconds,
        )

    def source(self, name: str) -> Source:
        try:
            return self.sources[name]
        except KeyError:
            raise ValueError(f"unknown source {name!r}; known: {', '.join(self.sources)}") from None


def _validators(status: SourceStatus | None) -> Validators | None:
    # A change waiting for confirmation needs the body again, not a 304.
    if status is None or status.pending or not (status.etag or status.last_modified):
        return None
    return Validators(status.etag, status.last_modified)


async def _failed(poller: Poller, name: str, now: datetime, error: str, where: str) -> IngestReport:
    status = await asyncio.to_thread(poller.state.record_failure, name, now, error, location=where)
    streak = status.consecutive_failures
    message = f"{error}; the last good data stays current"
    if streak >= poller.failures_to_report:
        message += f" (failed {streak} times in a row)"
        log.error("source %s keeps failing (%d in a row): %s", name, streak, error)
    else:
        log.warning("source %s failed: %s", name, error)
    return IngestReport(name, SourceOutcome.FAILED, message)


async def refresh_source(
    poller: Poller,
    name: str,
    *,
    now: datetime,
    location: str | None = None,
    force: bool = False,
) -> IngestReport:
    """Fetch one source (from `location` instead of its own, for an import) and ingest it.

    Never raises for a bad feed: the report says what happened and the status
    table remembers it.
    """
    source = poller.source(name)
    if location is not None:
        source = source.at(location)
    with poller.state.exclusive(name) as mine:
        if not mine:
            message = "another pricebot process is refreshing it"
            await asyncio.to_thread(
                poller.state.record_outcome, name, now, SourceOutcome.BUSY, message
            )
            return IngestReport(name, SourceOutcome.BUSY, message)
        status = await asyncio.to_thread(poller.state.status, name)
        validators = None if location is not None or force else _validators(status)
        try:
            async with httpx.AsyncClient(
                timeout=httpx.Timeout(poller.timeout), follow_redirects=True
            ) as client:
                fetcher = Fetcher(client, retries=poller.retries, backoff=poller.backoff)
                got = await source.fetch(fetcher, now=now, validators=validators)
        except FeedError as exc:
            return await _failed(poller, name, now, str(exc), source.location)
        if isinstance(got, NotModified):
            message = "not modified since the last accepted fetch"
            await asyncio.to_thread(
                poller.state.record_outcome,
                name,
                now,
                SourceOutcome.NOT_MODIFIED,
                message,
                location=got.location,
            )
            return IngestReport(name, SourceOutcome.NOT_MODIFIED, message)
        try:
            return await asyncio.to_thread(
                ingest,
                poller.store,
                poller.state,
                got,
                name=name,
                now=now,
                guards=poller.guards,
                force=force,
            )
        except Exception as exc:  # a bug or the database: report it, keep the others going
            log.exception("source %s: could not record %s", name, got.location)
            return await _failed(poller, name, now, f"could not record: {exc}", got.location)


async def refresh_sources(
    poller: Poller,
    *,
    now: datetime,
    names: list[str] | None = None,
    force: bool = False,
) -> list[IngestReport]:
    """Refresh several sources (default: every enabled one), one after another."""
    reports = []
    for name in names if names is not None else poller.enabled:
        reports.append(await refresh_source(poller, name, now=now, force=force))
    return reports


def is_due(poller: Poller, name: str, status: SourceStatus | None, now: datetime) -> bool:
    """Never fetched, its interval has passed, or a confirmation is waiting long enough."""
    if status is None or status.last_attempt_at is None:
        return True
    since = now - status.last_attempt_at
    if since >= poller.intervals.get(name, timedelta(hours=1)):
        return True
    return status.pending > 0 and since >= poller.confirm_after


async def refresh_due(poller: Poller, *, now: datetime) -> list[IngestReport]:
    """Refresh the enabled sources that are due at `now`."""
    statuses = await asyncio.to_thread(poller.state.statuses)
    due = [n for n in poller.enabled if is_due(poller, n, statuses.get(n), now)]
    return await refresh_sources(poller, now=now, names=due)


async def confirm_pending(poller: Poller, *, now: datetime) -> list[IngestReport]:
    """Re-poll the enabled sources with an alarming change waiting long enough."""
    statuses = await asyncio.to_thread(poller.state.statuses)
    waiting = [
        n
        for n in poller.enabled
        if (s := statuses.get(n)) is not None
        and s.pending
        and (s.last_attempt_at is None or now - s.last_attempt_at >= poller.confirm_after)
    ]
    return await refresh_sources(poller, now=now, names=waiting)


async def _scheduled_refresh(poller: Poller, name: str) -> None:
    """One scheduled refresh of one source."""
    await refresh_source(poller, name, now=datetime.now(UTC))


async def _scheduled_confirmations(poller: Poller) -> None:
    """One scheduled pass over the sources waiting for a second poll."""
    await confirm_pending(poller, now=datetime.now(UTC))


def schedule_sources(
    scheduler: Any,
    store: PriceStore,
    settings: Settings,
    *,
    stagger: timedelta = timedelta(seconds=5),
) -> Poller:
    """Add the poller's jobs to an APScheduler 3 AsyncIOScheduler; return the poller.

    One interval job per enabled source (id `pricebot:source:<name>`), and one
    (`pricebot:source-confirmations`) for changes waiting for a second poll.
    The sources first run right after the scheduler starts, `stagger` apart.
    """
    from apscheduler.triggers.interval import IntervalTrigger

    poller = Poller.from_settings(store, settings)
    start = datetime.now(UTC)
    for index, name in enumerate(poller.enabled):
        every = poller.intervals[name]
        scheduler.add_job(
            _scheduled_refresh,
            trigger=IntervalTrigger(
                seconds=int(every.total_seconds()), jitter=poller.jitter_seconds or None
            ),
            args=(poller, name),
            id=f"pricebot:source:{name}",
            name=f"refresh source {name}",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            # A loop busy for a while should still run the refresh, late, once.
            misfire_grace_time=max(60, int(every.total_seconds() // 2)),
            # Right after start, a few seconds apart, so a fresh install has prices.
            next_run_time=start + stagger * index,
        )
    scheduler.add_job(
        _scheduled_confirmations,
        trigger=IntervalTrigger(seconds=int(poller.confirm_after.total_seconds())),
        args=(poller,),
        id="pricebot:source-confirmations",
        name="re-poll sources with changes awaiting confirmation",
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=60,
    )
    return poller
