"""The poller: refreshes each enabled source on its own interval, and says how it went.

Jobs are plain `async def` functions that take `now`; what is due is read from
the database (`source_status.last_attempt_at`), so a restart or a new leader
picks up where the last one stopped. For `pricebot run` (the composition root):

    jobs = SourceJobs(Poller.from_settings(store, settings))
    jobs.plan_start(now)  # on the leader at start: every source runs once, soon
    await jobs.tick(now)  # every PRICEBOT_SOURCES_TICK_SECONDS, on the leader only
    await jobs.stop()  # at shutdown

A source runs right after start (spread by `stagger` and a random delay of up
to PRICEBOT_SOURCES_JITTER_SECONDS), then whenever its interval
(`PRICEBOT_<SOURCE>_INTERVAL_MINUTES`) has passed since its last attempt, or
PRICEBOT_SOURCES_CONFIRM_AFTER_MINUTES after it when a suspect change awaits
confirmation. Each due source runs as a task of its own, so a slow or failing
feed never holds up the others. Each run fetches with httpx (timeouts,
conditional requests with ETag / If-Modified-Since, retries with exponential
backoff), passes the snapshot through the ingest guards off the event loop, and
records the outcome in `source_status`. A source that fails is logged (an error
once it has failed PRICEBOT_SOURCES_FAILURES_TO_REPORT times in a row) and shown
by `pricebot sources status`. On PostgreSQL an advisory lock per source lets
one process of many refresh it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

import httpx

from bot.settings import Settings
from bot.sources import registry
from bot.sources.base import FeedError, NotModified, Source, Validators
from bot.sources.fetch import Fetcher
from bot.sources.ingest import Guards, IngestReport, ingest, listing_notes
from storage import PriceStore, SourceOutcome, SourceState, SourceStatus

log = logging.getLogger(__name__)


T = TypeVar("T")


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
    failures_to_report: int = 3
    # The first runs after start are spread over up to this many seconds …
    jitter_seconds: float = 30.0
    # … and at least this far apart, in the order the sources are enabled.
    stagger: timedelta = timedelta(seconds=2)

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
            failures_to_report=settings.sources_failures_to_report,
            jitter_seconds=settings.sources_jitter_seconds,
        )

    @property
    def confirm_after(self) -> timedelta:
        return self.guards.confirm_after

    def source(self, name: str) -> Source:
        try:
            return self.sources[name]
        except KeyError:
            raise ValueError(f"unknown source {name!r}; known: {', '.join(self.sources)}") from None

    def next_run(self, name: str, status: SourceStatus | None) -> datetime | None:
        """When `name` is due next, by its last attempt; None: never tried, due at once.

        Its interval after the last attempt; sooner, the confirmation delay, while a
        suspect change awaits confirmation (the next fetch decides it).
        """
        if status is None or status.last_attempt_at is None:
            return None
        every = self.intervals.get(name, timedelta(hours=1))
        if status.pending:
            every = min(every, self.confirm_after)
        return status.last_attempt_at + every

    def is_due(self, name: str, status: SourceStatus | None, now: datetime) -> bool:
        due = self.next_run(name, status)
        return due is None or due <= now


def _validators(status: SourceStatus | None) -> Validators | None:
    # A change waiting for confirmation needs the body again, not a 304.
    if status is None or status.pending:
        return None
    if not (status.etag or status.last_modified or status.content_key):
        return None
    return Validators(status.etag, status.last_modified, status.content_key)


async def _db(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Blocking database work in a thread; a cancelled refresh still lets it finish.

    Shutting down cancels a refresh in flight: its fetch stops at once, but a
    transaction already running completes before the engine is disposed.
    """
    work = asyncio.ensure_future(asyncio.to_thread(func, *args, **kwargs))
    try:
        return await asyncio.shield(work)
    except asyncio.CancelledError:
        with contextlib.suppress(Exception):
            await work
        raise


async def _failed(poller: Poller, name: str, now: datetime, error: str, where: str) -> IngestReport:
    status = await _db(poller.state.record_failure, name, now, error, location=where)
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
    table remembers it. `force` is an operator vouching for the feed (see `ingest`).
    """
    source = poller.source(name)
    if location is not None:
        source = source.at(location)
    command = "import" if location is not None else "refresh"
    with poller.state.exclusive(name) as mine:
        if not mine:
            message = "another pricebot process is refreshing it"
            await _db(poller.state.record_outcome, name, now, SourceOutcome.BUSY, message)
            return IngestReport(name, SourceOutcome.BUSY, message)
        status = await _db(poller.state.status, name)
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
            count = (status.not_modified_count if status else 0) + 1
            message = f"not modified since the last accepted fetch ({got.why}; {count} in all)"
            plan = await _db(poller.state.unchanged_listings, name, now, poller.guards.delist)
            message = "; ".join([message, *listing_notes(plan, poller.guards)])
            await _db(
                poller.state.record_not_modified,
                name,
                now,
                message,
                listings=plan,
                location=got.location,
            )
            log.info("source %s: %s", name, message)
            return IngestReport(name, SourceOutcome.NOT_MODIFIED, message)
        try:
            return await _db(
                ingest,
                poller.store,
                poller.state,
                got,
                name=name,
                now=now,
                guards=poller.guards,
                force=force,
                forced_by=f"pricebot sources {command} --force",
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


async def refresh_due(poller: Poller, *, now: datetime) -> list[IngestReport]:
    """Refresh the enabled sources that are due at `now`, one after another."""
    statuses = await _db(poller.state.statuses)
    due = [n for n in poller.enabled if poller.is_due(n, statuses.get(n), now)]
    return await refresh_sources(poller, now=now, names=due)


@dataclass
class SourceJobs:
    """The poller inside `pricebot run`: each due source refreshed as a task of its own.

    `tick` runs on the leader only (the composition root makes it a leader-only
    job, and runs it at once when this process becomes the leader): what is due
    comes from the database, so a new leader runs at once whatever the last one
    left due, and never waits a whole interval.
    """

    poller: Poller
    # Called with the source's name when a refresh raised (a bug, the database down).
    on_failure: Callable[[str], None] | None = None
    random: Callable[[], float] = random.random
    _first: dict[str, datetime] = field(default_factory=dict)
    _tasks: dict[str, asyncio.Task[None]] = field(default_factory=dict)

    def plan_start(self, now: datetime) -> dict[str, datetime]:
        """Every enabled source runs once right after start, whenever it last ran.

        A start is when settings change (a new URL, a source just enabled), and a
        conditional request makes the extra fetch of an unchanged feed cheap.
        """
        jitter = self.poller.jitter_seconds
        self._first = {
            name: now + self.poller.stagger * index + timedelta(seconds=self.random() * jitter)
            for index, name in enumerate(self.poller.enabled)
        }
        return dict(self._first)

    def due(self, statuses: dict[str, SourceStatus], now: datetime) -> list[str]:
        """The enabled sources to start now (not already running)."""
        found = []
        for name in self.poller.enabled:
            if name in self._tasks:
                continue
            first = self._first.get(name)
            if first is not None:
                if first <= now:
                    found.append(name)
            elif self.poller.is_due(name, statuses.get(name), now):
                found.append(name)
        return found

    async def tick(self, now: datetime) -> None:
        """Start a refresh of every source that is due; return without waiting for them."""
        statuses = await _db(self.poller.state.statuses)
        for name in self.due(statuses, now):
            self._first.pop(name, None)
            self._tasks[name] = asyncio.create_task(self._run(name, now), name=f"source:{name}")

    @property
    def running(self) -> list[str]:
        return sorted(self._tasks)

    async def _run(self, name: str, now: datetime) -> None:
        try:
            await refresh_source(self.poller, name, now=now)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("source %s: the refresh failed; it runs again when due", name)
            if self.on_failure is not None:
                self.on_failure(name)
        finally:
            self._tasks.pop(name, None)

    async def stop(self) -> None:
        """Stop refreshes in flight: fetches end at once, database work finishes first."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
