"""Fan-out: read the event log after the cursor, match subscriptions, fill the outbox.

The matching is set-based SQL (storage.alert_matching); this module drives it:
one batch of events at a time, each batch one transaction with the cursor, so
a crash repeats a batch rather than losing or doubling it. Events back-filled
from history pass the cursor and never alert. Target prices and saved questions
are evaluated once per distinct criteria (not per subscription) by an Evaluator.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.alerts.rules import next_digest
from storage import AlertMatcher, FanoutResult, PriceEvent, QuestionOutcome, TargetOutcome
from storage.free_ending import note_free_offers_ending

log = logging.getLogger(__name__)


class Evaluator(Protocol):
    """Evaluates target prices and saved questions for a batch of live events."""

    def evaluate(
        self,
        events: Sequence[PriceEvent],
        *,
        targets: Sequence[dict[str, Any]],
        questions: Sequence[dict[str, Any]],
        now: datetime,
    ) -> tuple[list[TargetOutcome], list[QuestionOutcome]]: ...


@dataclass
class FanoutStats:
    """What a fan-out run did, summed over its batches."""

    events: int = 0
    items: int = 0
    deliveries: int = 0
    cursor: int = 0


class Fanout:
    """Turns new events into owed deliveries."""

    def __init__(
        self,
        matcher: AlertMatcher,
        *,
        evaluator: Evaluator | None = None,
        batch: int = 500,
        on_deliveries: Callable[[], None] | None = None,
        free_ending_within: timedelta = timedelta(days=7),
    ) -> None:
        self.matcher = matcher
        self.evaluator = evaluator
        self.batch = batch
        self.on_deliveries = on_deliveries
        self.free_ending_within = free_ending_within

    def step(self, now: datetime) -> FanoutResult | None:
        """One batch of events after the cursor; None when the log has nothing new."""
        self.advance_digests(now)
        after, events = self.matcher.pending(limit=self.batch)
        if not events:
            return None
        live = [e for e in events if not e.history]
        targets: list[TargetOutcome] = []
        questions: list[QuestionOutcome] = []
        if live and self.evaluator is not None:
            target_groups = self.matcher.target_groups()
            question_groups = self.matcher.question_groups()
            if target_groups or question_groups:
                targets, questions = self.evaluator.evaluate(
                    live, targets=target_groups, questions=question_groups, now=now
                )
        result = self.matcher.apply(
            after=after,
            events=events,
            now=now,
            seal=uuid.uuid4().hex,
            targets=targets,
            questions=questions,
        )
        if result is None:
            log.info("another fan-out moved the cursor past %s; reading again", after)
            return FanoutResult(0, 0, 0, after)
        return result

    def catch_up(self, now: datetime, *, max_batches: int = 100) -> FanoutStats:
        """Batches until the log is read (or `max_batches`, to yield to other jobs)."""
        stats = FanoutStats(cursor=self.matcher.cursor() or 0)
        for _ in range(max_batches):
            result = self.step(now)
            if result is None:
                break
            stats.events += result.events
            stats.items += result.items
            stats.deliveries += result.deliveries
            stats.cursor = result.cursor
        return stats

    def advance_digests(self, now: datetime) -> None:
        """Chats whose digest hour passed get their next one (their items keep their time)."""
        due = self.matcher.digests_due(now=now)
        if due:
            self.matcher.set_next_digest({chat.pk: next_digest(now, chat) for chat in due})

    def digests(self, now: datetime) -> int:
        """Seal items whose time has come (digests, mostly); returns deliveries written."""
        self.advance_digests(now)
        return self.matcher.seal_due(now=now, seal=uuid.uuid4().hex)

    def free_offers_ending(self, now: datetime) -> int:
        """Note free offers that end within the window, as events for the next fan-out."""
        return len(
            note_free_offers_ending(self.matcher.engine, now=now, within=self.free_ending_within)
        )

    # ---- scheduled jobs: `async def job(now)` -------------------------------------------

    async def job(self, now: datetime) -> None:
        """The fan-out job: catch up with the log, then wake the dispatcher."""
        stats = await asyncio.to_thread(self.catch_up, now)
        if stats.events:
            log.info(
                "fan-out: %s events, %s alert items, %s deliveries (cursor %s)",
                stats.events,
                stats.items,
                stats.deliveries,
                stats.cursor,
            )
        if stats.deliveries and self.on_deliveries is not None:
            self.on_deliveries()

    async def digest_job(self, now: datetime) -> None:
        """The digest job: seal what is due, then wake the dispatcher."""
        sealed = await asyncio.to_thread(self.digests, now)
        if sealed and self.on_deliveries is not None:
            self.on_deliveries()

    async def free_ending_job(self, now: datetime) -> None:
        """The free-offer-ending job: events that the next fan-out picks up."""
        noted = await asyncio.to_thread(self.free_offers_ending, now)
        if noted:
            log.info("%s free offers end within %s", noted, self.free_ending_within)
