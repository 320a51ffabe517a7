"""The dispatcher: the only code that sends alerts.

It claims due deliveries from the outbox (a lease; `FOR UPDATE SKIP LOCKED` on
PostgreSQL), composes one message per delivery, waits for the platform's and the
chat's rate limits, and sends through that platform's Notifier. What happened is
recorded in small batches; a message can go out twice only if the process dies
between sending it and recording that (the in-flight window).

Notifier errors decide what comes next:
- RetryAfter: that chat waits as long as it said (capped), its deliveries with it; other
  chats go on. Only a bot-wide one pauses the whole platform, for a bounded time.
- ChatGone: the chat is marked inactive; nothing more is owed to it.
- ChatMoved: the chat's subscriptions move to the new id and the message goes there.
- TemporaryFailure, a timeout, anything else: retried with backoff, then a dead letter.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.alerts.limits import RateLimits
from bot.alerts.message import AlertFacts, EventFacts, Ranker, compose, thread_key
from bot.alerts.notifier import (
    ChatGone,
    ChatMoved,
    Notifier,
    Outgoing,
    RetryAfter,
    TemporaryFailure,
)
from bot.alerts.rules import backoff, hold_for
from bot.messages import ChatRef, Platform
from bot.metrics import Metrics
from storage import (
    ChatKey,
    ClaimedDelivery,
    DeliveryStore,
    Outcome,
    PriceStore,
    SubscriptionStore,
)
from storage.values import utc_now

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DispatchOptions:
    """How the dispatcher works; the defaults suit one process on a small machine."""

    batch: int = 200
    # A claim lasts this long unless renewed; a dispatcher renews its claims while it
    # sends, so only a dead one's claims run out (and are then claimed again).
    lease: timedelta = timedelta(seconds=60)
    max_attempts: int = 8
    backoff_base: float = 5.0
    backoff_cap: float = 3600.0
    send_timeout: float = 20.0
    concurrency: int = 64
    # Outcomes are recorded at least this often while a batch is being sent.
    flush_interval: float = 0.2
    # A chat that moved more than this many times in one send is given up on for now.
    max_moves: int = 3


class Dispatcher:
    """Sends owed deliveries through the Notifiers it was given, one per platform."""

    def __init__(
        self,
        *,
        store: PriceStore,
        deliveries: DeliveryStore,
        subscriptions: SubscriptionStore,
        notifiers: Iterable[Notifier],
        limits: RateLimits | None = None,
        ranker: Ranker | None = None,
        options: DispatchOptions | None = None,
        clock: Callable[[], datetime] = utc_now,
        worker: str | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.deliveries = deliveries
        self.subscriptions = subscriptions
        self.notifiers: dict[str, Notifier] = {str(n.platform): n for n in notifiers}
        self.limits = limits or RateLimits()
        self.options = options or DispatchOptions()
        self.clock = clock
        self.worker = worker or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"[:64]
        self.facts = AlertFacts(store, deliveries, ranker)
        self._wake = asyncio.Event()
        self._stopping = False
        self._outcomes: list[Outcome] = []
        self._sem = asyncio.Semaphore(self.options.concurrency)
        self._task: asyncio.Task[None] | None = None
        self.metrics = metrics
        # Claimed delivery id → (platform, when its oldest event was recorded), for metrics.
        self._claimed: dict[int, tuple[str, datetime | None]] = {}

    @property
    def platforms(self) -> list[str]:
        return sorted(self.notifiers)

    def wake(self) -> None:
        """Look for due deliveries now (the scheduler ticks this; fan-out calls it too)."""
        self._wake.set()

    # ---- lifecycle ---------------------------------------------------------------

    def start(self) -> None:
        """Run the dispatch loop in the background until `stop`."""
        if self._task is None:
            self._recover()
            self._stopping = False
            self._task = asyncio.create_task(self.run(), name="dispatcher")

    def _recover(self) -> None:
        """Claims of a dead pricebot on this machine (kill -9, a crash) go back to the
        outbox at once; claims of other machines wait for their leases to run out."""
        host = socket.gethostname()
        dead = []
        for worker in self.deliveries.holders():
            parts = worker.split(":")
            if len(parts) < 3 or parts[0] != host or not parts[1].isdecimal():
                continue
            pid = int(parts[1])
            if worker != self.worker and (pid == os.getpid() or not _alive(pid)):
                dead.append(worker)
        released = self.deliveries.release(dead)
        if released:
            log.info("%s deliveries held by a stopped pricebot are owed again", released)

    async def stop(self) -> None:
        """Finish the messages being sent, give the rest back, record everything."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None
        await self._flush()

    async def run(self) -> None:
        """Dispatch until stopped: work while there is work, then wait to be woken."""
        while not self._stopping:
            try:
                claimed = await self.dispatch_once()
            except Exception:  # the database may be away for a while: keep the loop alive
                log.exception("dispatch failed; trying again shortly")
                claimed = 0
                await asyncio.sleep(1.0)
            if claimed == 0 and not self._stopping:
                await self._wake.wait()
                self._wake.clear()

    async def drain(self, *, max_batches: int = 10_000) -> int:
        """Send everything due now, then return how many deliveries were handled."""
        total = 0
        for _ in range(max_batches):
            claimed = await self.dispatch_once()
            if claimed == 0:
                break
            total += claimed
        return total

    # ---- one batch -----------------------------------------------------------------

    async def dispatch_once(self) -> int:
        """Claim one batch of due deliveries and send it; returns how many were claimed."""
        await self._flush()  # outcomes a failed flush kept back are recorded first
        if not self.notifiers or self._stopping:
            return 0
        now = self.clock()
        claimed = await asyncio.to_thread(
            self.deliveries.claim,
            worker=self.worker,
            now=now,
            platforms=self.platforms,
            limit=self.options.batch,
            lease=self.options.lease,
        )
        if not claimed:
            return 0
        facts = await asyncio.to_thread(self.facts.load, claimed, now=now)
        for d in claimed:
            recorded = [f.event.recorded_at for f in facts.get(d.id, {}).values()]
            self._claimed[d.id] = (d.chat.key.platform, min(filter(None, recorded), default=None))
        done = asyncio.Event()
        flusher = asyncio.create_task(self._flush_often(done))
        try:
            await asyncio.gather(*(self._deliver(d, facts.get(d.id, {})) for d in claimed))
        finally:
            # Told to stop, not cancelled: a cancelled flush would leave its thread writing
            # beside the next one, its outcomes neither waited for nor retried on failure
            # (a delivery then stayed claimed until its lease ran out).
            done.set()
            await asyncio.gather(flusher, return_exceptions=True)
            await self._flush()
        return len(claimed)

    async def _deliver(self, delivery: ClaimedDelivery, facts: dict[int, EventFacts]) -> None:
        """Send one delivery, or say why not; every path records exactly one outcome."""
        chat = delivery.chat
        now = self.clock()
        if self._stopping:
            return self._record(Outcome(delivery.id, "release"))
        if not chat.active:
            return self._record(Outcome(delivery.id, "gone", chat.pk, error="chat inactive"))
        if not delivery.items or not facts:
            return self._record(Outcome(delivery.id, "empty", error="nothing to say"))
        hold = hold_for(chat, now)
        if hold.until is not None:
            return self._record(Outcome(delivery.id, "hold", at=hold.until, error=hold.reason))
        notifier = self.notifiers[chat.key.platform]
        wait = self.limits.chat_wait(chat.key.platform, chat.key.chat_id)
        if wait > 0:
            # The chat was told "retry after" moments ago: its delivery waits, no one else.
            at = now + timedelta(seconds=wait)
            return self._record(
                Outcome(delivery.id, "retry", at=at, error="chat waits (retry after)", counts=False)
            )
        reply = compose(delivery, facts)
        key = chat.key
        for _ in range(self.options.max_moves):
            ref = ChatRef(Platform(key.platform), key.chat_id, key.team_id or None)
            message = Outgoing(
                ref, reply, silent=hold.silent, thread_key=thread_key(delivery, facts)
            )
            async with self._sem:
                await self.limits.acquire(
                    key.platform, key.chat_id, group=chat.chat_type != "private"
                )
                if self._stopping:
                    return self._record(Outcome(delivery.id, "release"))
                try:
                    sent = await asyncio.wait_for(notifier.send(message), self.options.send_timeout)
                except RetryAfter as exc:
                    wait = self.limits.retry_after(
                        key.platform, key.chat_id, exc.seconds, bot_wide=exc.bot_wide
                    )
                    at = self.clock() + timedelta(seconds=wait)
                    return self._record(
                        Outcome(delivery.id, "retry", at=at, error=str(exc), counts=False)
                    )
                except ChatGone as exc:
                    log.info("chat %s is gone: %s", _name(key), exc)
                    return self._record(Outcome(delivery.id, "gone", chat.pk, error=str(exc)))
                except ChatMoved as exc:
                    log.info("chat %s moved to %s", _name(key), exc.new_chat_id)
                    await asyncio.to_thread(
                        self.subscriptions.move_chat, key, exc.new_chat_id, now=self.clock()
                    )
                    key = ChatKey(key.platform, exc.new_chat_id, key.team_id)
                    continue
                except (TemporaryFailure, TimeoutError, Exception) as exc:
                    return self._record(self._failed(delivery, exc))
            return self._record(Outcome(delivery.id, "sent", message_id=sent.message_id))
        return self._record(self._failed(delivery, TemporaryFailure("chat kept moving")))

    def _failed(self, delivery: ClaimedDelivery, exc: BaseException) -> Outcome:
        """Retry later with backoff, or give up after the set number of tries."""
        reason = f"{type(exc).__name__}: {exc}"[:500] if str(exc) else type(exc).__name__
        attempts = delivery.attempts + 1
        if attempts >= self.options.max_attempts:
            log.warning("delivery %s dead after %s tries: %s", delivery.id, attempts, reason)
            return Outcome(delivery.id, "dead", error=reason)
        wait = backoff(attempts, base=self.options.backoff_base, cap=self.options.backoff_cap)
        return Outcome(delivery.id, "retry", at=self.clock() + wait, error=reason)

    # ---- recording outcomes ----------------------------------------------------------

    def _record(self, outcome: Outcome) -> None:
        self._outcomes.append(outcome)
        platform, recorded_at = self._claimed.pop(outcome.delivery_id, ("", None))
        if self.metrics is None or not platform:
            return
        if outcome.status == "sent":
            latency = (self.clock() - recorded_at).total_seconds() if recorded_at else None
            self.metrics.delivery_sent(platform, latency)
        elif outcome.status == "retry":
            reason = "temporary" if outcome.counts else "retry_after"
            self.metrics.delivery_retried(platform, reason)
        elif outcome.status in ("dead", "gone"):
            self.metrics.delivery_dead(
                platform, "max_attempts" if outcome.status == "dead" else "chat_gone"
            )

    async def _flush(self) -> None:
        outcomes, self._outcomes = self._outcomes, []
        if not outcomes:
            return
        try:
            await asyncio.to_thread(
                self.deliveries.finish, outcomes, worker=self.worker, now=self.clock()
            )
        except Exception:
            # Kept for the next flush: what was sent must be recorded as sent.
            self._outcomes = outcomes + self._outcomes
            raise

    async def _flush_often(self, done: asyncio.Event) -> None:
        """Record outcomes often, and renew the lease on claims still being sent, until done."""
        renewed = asyncio.get_running_loop().time()
        while not done.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), self.options.flush_interval)
            if done.is_set():
                return
            try:
                await self._flush()
                now = asyncio.get_running_loop().time()
                if now - renewed > self.options.lease.total_seconds() / 3:
                    renewed = now
                    await asyncio.to_thread(
                        self.deliveries.renew,
                        worker=self.worker,
                        now=self.clock(),
                        lease=self.options.lease,
                    )
            except Exception:
                log.exception("recording delivery outcomes failed; will retry")


def _alive(pid: int) -> bool:
    """Is a process with this id running on this machine?"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    return True


def _name(key: ChatKey) -> str:
    return f"{key.platform}:{key.team_id + '/' if key.team_id else ''}{key.chat_id}"
