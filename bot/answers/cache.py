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
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from bot.answers.parse import parse_question
from bot.answers.query import Defaults, Query, QueryKind, Refusal
from bot.answers.ranking import warm
from bot.answers.replies import answer, refusal_reply
from bot.answers.snapshot import PriceSnapshot, free_ids
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


@runtime_checkable
class _ChangeReader(Protocol):
    """What an incremental refresh reads besides (storage.PriceStore fits)."""

    def current(
        self, as_of: datetime | None = None, *, offers: Collection[str] | None = None
    ) -> list[ModelPrices]: ...
    def models(self, ids: Collection[str] | None = None) -> list[ModelInfo]: ...
    def changed_offers(
        self, *, points_after: int, offers_after: int, since: datetime, upto: datetime
    ) -> set[str]: ...
    def delistings(self) -> dict[tuple[str, str], datetime]: ...
    def model_ids(self) -> set[str]: ...
    def sightings(
        self, offers: Collection[str] | None = None
    ) -> dict[tuple[str, str], datetime | None]: ...


def load_snapshot(
    store: PriceSource,
    as_of: datetime,
    *,
    dated: bool = False,
    names_from: PriceSnapshot | None = None,
) -> PriceSnapshot:
    """Read everything a question needs at `as_of`, once.

    `dated`: a question about a past moment; the snapshot then also knows when each
    offer's earliest price starts (`first_seen`), so the answer can say how many models
    it leaves out because pricebot first saw them later (one more query: not for now).
    `names_from`: a snapshot whose names serve if the store's offers, aliases and
    vendors are still the ones it was built from (see `PriceSnapshot.build`).
    """
    # The version first: a change recorded while we read makes the next check reload.
    version = store.data_version()
    delisted = _delistings(store)
    # Before the prices: a sighting written meanwhile shows as a change next time.
    reader = getattr(store, "sightings", None)
    seen = reader() if reader is not None else {}
    return PriceSnapshot.build(
        as_of=as_of,
        seen=seen,
        models=store.current(as_of),
        known=store.models(),
        aliases=store.aliases(),
        vendors=store.vendors(),
        rates=store.rates(),
        version=version,
        first_seen=store.first_seen() if dated else None,
        delisted=delisted,
        names_from=names_from,
    )


def _delistings(store: PriceSource) -> dict[tuple[str, str], datetime]:
    reader = getattr(store, "delistings", None)
    return reader() if reader is not None else {}


# Past this share of a snapshot's offers changed, one full read is cheaper than patching.
_PATCH_SHARE = 0.25
# data_version()'s numbers: price points, free offers, events, rates, models, aliases.
_POINTS, _OFFERS, _MODELS, _ALIASES = 0, 1, 4, 5


def refresh_snapshot(store: PriceSource, old: PriceSnapshot, as_of: datetime) -> PriceSnapshot:
    """The snapshot at `as_of`, reading only what changed since `old` (see `patch`)."""
    return patch(store, old, as_of)[0]


def patch(store: PriceSource, old: PriceSnapshot, as_of: datetime) -> tuple[PriceSnapshot, bool]:
    """The snapshot at `as_of`, reading only what changed since `old` was read.

    Offers whose prices may differ are those with a price point or free offer added
    since `old`'s high-water marks (its `version`), or taking effect or ending between
    the two moments, those delisted or listed again since, and free ones whose sighting
    by a source moved (it keeps them confirmed, and moves in place). The result equals a full
    `load_snapshot` (tests/test_snapshot_refresh.py checks it on SQLite and PostgreSQL);
    it is one when reading a part cannot be trusted (an older moment, a smaller store, a
    store without change queries) or would not be cheaper (a big import). The flag says
    whether only a part was read.
    """
    as_of = require_utc(as_of, "as_of")
    if (
        not isinstance(store, _ChangeReader)
        or old.first_seen is not None
        or as_of < old.as_of
        or len(old.version) <= _ALIASES
    ):
        return load_snapshot(store, as_of), False
    version = store.data_version()
    if len(version) != len(old.version) or any(
        new < was for new, was in zip(version, old.version, strict=True)
    ):
        return load_snapshot(store, as_of), False  # rows went away: a restored store
    delisted = store.delistings()
    changed = store.changed_offers(
        points_after=old.version[_POINTS],
        offers_after=old.version[_OFFERS],
        since=old.as_of,
        upto=as_of,
    )
    for key in old.delisted.keys() | delisted.keys():
        was, now_ = old.delisted.get(key), delisted.get(key)
        if was != now_ or (now_ is not None and old.as_of < now_ <= as_of):
            changed.add(key[1])
    if len(changed) > max(200, int(len(old.models) * _PATCH_SHARE)):
        return load_snapshot(store, as_of), False
    # A free offer is "free now" while a source lists it: a new sighting (in place, no new
    # row), or one after the old moment, moves its confirmation. Read for the offers that
    # changed too: one of them may be free now.
    free = free_ids(old.models)
    seen = store.sightings(free | changed)
    for key in old.seen.keys() | {k for k in seen if k[1] in free}:
        was, now_ = old.seen.get(key), seen.get(key)
        if was != now_ or (now_ is not None and now_ > old.as_of):
            changed.add(key[1])
    described = set(changed)
    if version[_MODELS] != old.version[_MODELS]:
        described |= store.model_ids() - old.known.keys()
    snapshot = old.patched(
        as_of=as_of,
        changed=changed,
        models=store.current(as_of, offers=changed) if changed else (),
        known=store.models(described) if described else (),
        aliases=store.aliases() if version[_ALIASES] != old.version[_ALIASES] else None,
        vendors=store.vendors(),
        rates=store.rates(),
        version=version,
        delisted=delisted,
        seen=seen,
    )
    return snapshot, True


# How many kinds of question (currency, mix, prompt size, filters) a new snapshot warms.
RECENT_SHAPES = 48


class SnapshotCache:
    """Keeps the snapshot for now and a few dated ones until prices change.

    The snapshot for now is immutable and swapped whole: a question reads whichever one
    is published, never waiting for a refresh that another question or the bot's
    `answers-warm` job is making. With `background=True` the question that notices a
    change is answered from the old snapshot too, while a thread makes the new one.
    """

    def __init__(
        self,
        store: PriceSource,
        *,
        check_every: timedelta = timedelta(seconds=2),
        max_age: timedelta = timedelta(minutes=10),
        keep: int = 8,
        warm: bool = True,
        background: bool = False,
    ) -> None:
        self.store = store
        self.check_every = check_every
        self.max_age = max_age
        self.keep = keep
        # Compute the common orders when a snapshot is read, not on the first question,
        # and the orders recent questions used (a price change should not make the next
        # questions wait: the reading pays, once per change).
        self.warm = warm
        self.background = background
        self._recent: OrderedDict[tuple[object, ...], Query] = OrderedDict()
        # How many times the store was read for a snapshot, whole or in part (benchmarks
        # and tests count them), and how many of those reads were partial.
        self.loads = 0
        self.patches = 0
        # Guards the fields below; never held while the store is read.
        self._lock = threading.Lock()
        # One refresh of the snapshot for now at a time.
        self._building = threading.Lock()
        self._version: tuple[int, ...] | None = None
        self._checked_at: datetime | None = None
        self._current: PriceSnapshot | None = None
        # Set when the published snapshot may be out of date (prices moved, invalidated).
        self._outdated = False
        self._dated: OrderedDict[datetime, PriceSnapshot] = OrderedDict()
        self._worker: threading.Thread | None = None

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
            if snapshot is not None and not self._outdated and not self._stale(snapshot, now):
                return snapshot
            if snapshot is not None and (self.background or self._building.locked()):
                # Someone is making the next one (or will): answer from this one.
                if self.background:
                    self._start_worker(now)
                return snapshot
        return self.refresh(now)

    def refresh(self, now: datetime) -> PriceSnapshot:
        """Bring the snapshot for now up to date, reading only what changed since the
        last one (see `refresh_snapshot`), and publish it; questions asked meanwhile are
        answered from the one published before."""
        now = require_utc(now, "now")
        with self._building:
            with self._lock:
                self._check(now, force=True)
                old = self._current
                if old is not None and not self._outdated and not self._stale(old, now):
                    return old
                # A question during this refresh reads `old` (or waits, when there is none).
                self._outdated = False
            self.loads += 1
            if old is None:
                snapshot = load_snapshot(self.store, now)
            else:
                snapshot, partial = patch(self.store, old, now)
                self.patches += partial
            if self.warm:
                warm(snapshot, recent=tuple(self._recent.values()))
            with self._lock:
                if self._current is old:  # not invalidated meanwhile
                    self._current = snapshot
                    # A check during the read may have seen the store move past the
                    # snapshot's own mark (read first): then the next question refreshes.
                    seen = self._version or snapshot.version
                    self._outdated = any(
                        mark > own for mark, own in zip(seen, snapshot.version, strict=False)
                    )
                    if not self._outdated:
                        self._version = snapshot.version
            return snapshot

    def _start_worker(self, now: datetime) -> None:
        """Refresh in a thread (the lock is held by the caller)."""
        if self._worker is not None and self._worker.is_alive():
            return
        self._worker = threading.Thread(
            target=self.refresh, args=(now,), name="snapshot-refresh", daemon=True
        )
        self._worker.start()

    def settle(self, timeout: float | None = None) -> None:
        """Wait for a background refresh to finish (tests, shutdown)."""
        worker = self._worker
        if worker is not None:
            worker.join(timeout)

    def at(self, as_of: datetime, *, now: datetime) -> PriceSnapshot:
        """The snapshot for a past (or future) moment `as_of`."""
        as_of = require_utc(as_of, "as_of")
        now = require_utc(now, "now")
        with self._lock:
            self._check(now)
            snapshot = self._dated.get(as_of)
            if snapshot is not None:
                self._dated.move_to_end(as_of)
                return snapshot
            current = self._current
        # Read outside the lock: questions about now go on meanwhile.
        self.loads += 1
        snapshot = load_snapshot(self.store, as_of, dated=True, names_from=current)
        if self.warm:
            # A dated snapshot serves the odd question about the past: the usual orders do.
            warm(snapshot)
        with self._lock:
            if snapshot.version == self._version:
                self._dated[as_of] = snapshot
                while len(self._dated) > self.keep:
                    self._dated.popitem(last=False)
        return snapshot

    def for_query(self, query: Query, *, now: datetime) -> PriceSnapshot:
        """The snapshot a query is answered from: its date's, or now's."""
        return self.now(now) if query.as_of is None else self.at(query.as_of, now=now)

    def _stale(self, snapshot: PriceSnapshot, now: datetime) -> bool:
        if now - snapshot.as_of >= self.max_age:
            return True
        ends = snapshot.free_until_next
        return ends is not None and now >= ends

    def _check(self, now: datetime, *, force: bool = False) -> None:
        """Ask the store whether prices moved, at most every `check_every`."""
        if (
            not force
            and self._checked_at is not None
            and timedelta(0) <= now - self._checked_at < self.check_every
        ):
            return
        self._checked_at = now
        version = self.store.data_version()
        if version != self._version:
            self._version = version
            self._dated.clear()
            if self._current is not None and self._current.version != version:
                self._outdated = True

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
