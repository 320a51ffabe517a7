"""Snapshots from the store, kept until prices change: the one place answers read the store.

    load_snapshot(store, as_of, dated=False) -> PriceSnapshot   # reads the store once
    cache = SnapshotCache(store)
    cache.now(now) / cache.at(as_of, now=now) / cache.for_query(query, now=now)
    cache.invalidate()                                # e.g. after recording exchange rates
    ask(cache, text, now=now, defaults=Defaults(...)) -> Reply   # parse + answer

A snapshot is reused until the store's `data_version()` moves (a new price point, free
offer, event, rate, model or alias; checked at most every `check_every` of the caller's
clock, so a burst of questions costs one cheap query), an active free offer in it ends,
or it is `max_age` old (scheduled prices take effect without anything being written).
Reading a snapshot also computes the orders the last few kinds of question used, so
a price change does not make the next questions wait.
`invalidate()` forgets everything at once, e.g. after editing a model's metadata.

Everything else in `bot.answers` is pure; this module does I/O through the store's public
methods only, and reads no clock: the caller passes `now`. A read blocks (a few seconds
for 8,000 offers on a small machine, with the warm-up): async callers run `ask` in a
thread (`asyncio.to_thread`); the cache is thread-safe.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Protocol

from bot.answers.parse import parse_question
from bot.answers.query import Defaults, Query, QueryKind, Refusal
from bot.answers.ranking import warm
from bot.answers.replies import answer, refusal_reply
from bot.answers.snapshot import PriceSnapshot
from bot.answers.walks import shape_of
from bot.messages import Reply
from storage import FirstSeen, FxRate, ModelInfo, ModelPrices
from storage.values import require_utc


class PriceSource(Protocol):
    """The store's reading side that snapshots need (storage.PriceStore fits)."""

    def current(self, as_of: datetime | None = None) -> list[ModelPrices]: ...
    def rates(self) -> list[FxRate]: ...
    def models(self) -> list[ModelInfo]: ...
    def aliases(self) -> dict[str, str]: ...
    def vendors(self) -> dict[str, str]: ...
    def data_version(self) -> tuple[int, ...]: ...
    def first_seen(self) -> dict[str, FirstSeen]: ...


def load_snapshot(store: PriceSource, as_of: datetime, *, dated: bool = False) -> PriceSnapshot:
    """Read everything a question needs at `as_of`, once.

    `dated`: a question about a past moment; the snapshot then also knows when each
    offer's earliest price starts (`first_seen`), so the answer can say how many models
    it leaves out because pricebot first saw them later (one more query: not for now).
    """
    # The version first: a change recorded while we read makes the next check reload.
    version = store.data_version()
    return PriceSnapshot.build(
        as_of=as_of,
        models=store.current(as_of),
        known=store.models(),
        aliases=store.aliases(),
        vendors=store.vendors(),
        rates=store.rates(),
        version=version,
        first_seen=store.first_seen() if dated else None,
    )


# How many kinds of question (currency, mix, prompt size, filters) a new snapshot warms.
RECENT_SHAPES = 48


class SnapshotCache:
    """Keeps the snapshot for now and a few dated ones until prices change."""

    def __init__(
        self,
        store: PriceSource,
        *,
        check_every: timedelta = timedelta(seconds=2),
        max_age: timedelta = timedelta(minutes=10),
        keep: int = 8,
        warm: bool = True,
    ) -> None:
        self.store = store
        self.check_every = check_every
        self.max_age = max_age
        self.keep = keep
        # Compute the common orders when a snapshot is read, not on the first question,
        # and the orders recent questions used (a price change should not make the next
        # questions wait: the reading pays, once per change).
        self.warm = warm
        self._recent: OrderedDict[tuple[object, ...], Query] = OrderedDict()
        # How many times the store was read for a snapshot (benchmarks and tests count them).
        self.loads = 0
        self._lock = threading.Lock()
        self._version: tuple[int, ...] | None = None
        self._checked_at: datetime | None = None
        self._current: PriceSnapshot | None = None
        self._dated: OrderedDict[datetime, PriceSnapshot] = OrderedDict()

    def invalidate(self) -> None:
        """Forget every snapshot; the next question reads the store again."""
        with self._lock:
            self._current = None
            self._dated.clear()
            self._checked_at = None

    def now(self, now: datetime) -> PriceSnapshot:
        """The snapshot for the caller's `now`."""
        now = require_utc(now, "now")
        with self._lock:
            self._check(now)
            snapshot = self._current
            if snapshot is None or self._stale(snapshot, now):
                snapshot = self._load(now)
                self._current = snapshot
            return snapshot

    def at(self, as_of: datetime, *, now: datetime) -> PriceSnapshot:
        """The snapshot for a past (or future) moment `as_of`."""
        as_of = require_utc(as_of, "as_of")
        now = require_utc(now, "now")
        with self._lock:
            self._check(now)
            snapshot = self._dated.get(as_of)
            if snapshot is None:
                snapshot = self._load(as_of, dated=True)
                self._dated[as_of] = snapshot
                while len(self._dated) > self.keep:
                    self._dated.popitem(last=False)
            else:
                self._dated.move_to_end(as_of)
            return snapshot

    def for_query(self, query: Query, *, now: datetime) -> PriceSnapshot:
        """The snapshot a query is answered from: its date's, or now's."""
        return self.now(now) if query.as_of is None else self.at(query.as_of, now=now)

    def _stale(self, snapshot: PriceSnapshot, now: datetime) -> bool:
        if now - snapshot.as_of >= self.max_age:
            return True
        ends = snapshot.free_until_next
        return ends is not None and now >= ends

    def _check(self, now: datetime) -> None:
        """Ask the store whether prices moved, at most every `check_every`."""
        if (
            self._checked_at is not None
            and timedelta(0) <= now - self._checked_at < self.check_every
        ):
            return
        self._checked_at = now
        version = self.store.data_version()
        if version != self._version:
            self._version = version
            self._current = None
            self._dated.clear()

    def _load(self, as_of: datetime, *, dated: bool = False) -> PriceSnapshot:
        self.loads += 1
        snapshot = load_snapshot(self.store, as_of, dated=dated)
        if self.warm:
            # A dated snapshot serves the odd question about the past: the usual orders do.
            recent = () if dated else tuple(self._recent.values())
            warm(snapshot, recent=recent)
        self._version = snapshot.version
        return snapshot

    def used(self, query: Query) -> None:
        """Remember a question's kind of order, to compute it with the next snapshot."""
        if query.kind not in (QueryKind.CHEAPEST, QueryKind.FREE):
            return
        shape = shape_of(query)
        with self._lock:
            self._recent[shape] = query
            self._recent.move_to_end(shape)
            while len(self._recent) > RECENT_SHAPES:
                self._recent.popitem(last=False)


def ask(
    cache: SnapshotCache, text: str, *, now: datetime, defaults: Defaults | None = None
) -> Reply:
    """Parse a question and answer it from the cache: the whole path a chat message takes."""
    current = cache.now(now)
    parsed = parse_question(text, current.vocabulary, defaults)
    if isinstance(parsed, Refusal):
        return refusal_reply(parsed)
    snapshot = cache.for_query(parsed, now=now)
    latest = current if parsed.as_of is not None else None
    reply = answer(parsed, snapshot, latest=latest)
    cache.used(parsed)
    return reply
