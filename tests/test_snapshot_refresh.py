"""Refreshing the answers' snapshot by reading only what changed, on SQLite and PostgreSQL:
after cuts, new models, delistings, free offers starting and ending, and scheduled prices,
the patched snapshot equals a full read; questions asked during a refresh are answered from
the snapshot published before."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from bot.answers import SnapshotCache, ask, load_snapshot
from bot.answers.cache import patch
from bot.answers.snapshot import PriceSnapshot
from bot.sources import Guards, ingest
from bot.sources.openrouter import parse_openrouter
from storage import FreeOffer, FxRate, PriceStore, SourceState
from storage.source_listings import DelistRule
from tests import feeds
from tests.helpers import quote, utc

T0 = utc(2026, 11, 1, 9)
DAY = timedelta(days=1)
GUARDS = Guards(delist=DelistRule(snapshots=2, after=timedelta(days=1)))


def listed() -> feeds.Prices:
    """Ten offers on OpenRouter, one of them free (zero prices: free while it is listed)."""
    return feeds.ten_models() | {"m0": ("0", "0")}


def same(patched: PriceSnapshot, full: PriceSnapshot) -> None:
    """Everything a question reads is equal."""
    assert patched.as_of == full.as_of
    assert patched.version == full.version
    assert [m.model_id for m in patched.models] == [m.model_id for m in full.models]
    assert patched.models == full.models
    assert patched.rates == full.rates
    assert dict(patched.known) == dict(full.known)
    assert dict(patched.aliases) == dict(full.aliases)
    assert dict(patched.vendors) == dict(full.vendors)
    assert dict(patched.delisted) == dict(full.delisted)
    assert patched.vocabulary.offers == full.vocabulary.offers
    assert patched.vocabulary.models == full.vocabulary.models
    assert patched.vocabulary._names == full.vocabulary._names
    assert patched.vocabulary.vendors == full.vocabulary.vendors
    assert patched.vocabulary._entries == full.vocabulary._entries
    assert patched.vocabulary._vendor_keys == full.vocabulary._vendor_keys
    assert patched.vocabulary.max_words == full.vocabulary.max_words
    for pattern in ("cjk_model_pattern", "vendor_pattern"):
        mine, theirs = getattr(patched.vocabulary, pattern), getattr(full.vocabulary, pattern)
        assert (mine and mine.pattern) == (theirs and theirs.pattern), pattern


def step(store: PriceStore, old: PriceSnapshot, now: datetime) -> PriceSnapshot:
    """Refresh `old` to `now`, check it against a full read, and return it."""
    patched, partial = patch(store, old, now)
    assert partial, "a small change should be read in part"
    same(patched, load_snapshot(store, now))
    return patched


def openrouter_run(store: PriceStore, prices: feeds.Prices, now: datetime) -> None:
    snapshot = parse_openrouter(feeds.openrouter(prices), now, "test:openrouter")
    ingest(store, SourceState(store.engine), snapshot, name="openrouter", now=now, guards=GUARDS)


def test_a_patched_snapshot_equals_a_full_read(store: PriceStore) -> None:
    store.record_rates([FxRate("USD", "CNY", Decimal("7.2"), date(2026, 10, 1), "test")])
    store.record(
        [
            quote("acme/one", when=T0, input="1", output="2", aliases=("one",)),
            quote("acme/two", when=T0, input="3", output="4"),
            quote("beta/x", when=T0, input="5", output="5", currency="CNY"),
        ],
        source="feed",
        observed_at=T0,
    )
    openrouter_run(store, listed(), T0)
    now = T0 + timedelta(hours=1)
    snapshot = load_snapshot(store, now)

    # A cut.
    store.record(
        [quote("acme/one", when=now, input="0.5", output="2")], source="feed", observed_at=now
    )
    now += timedelta(minutes=1)
    snapshot = step(store, snapshot, now)
    assert snapshot.by_id["acme/one"].prices  # the cut is in

    # A new model from a new vendor, with an alias: the names are built anew.
    store.record(
        [quote("gamma/new", when=now, input="0.1", output="0.2", aliases=("newbie",))],
        source="feed",
        observed_at=now,
    )
    now += timedelta(minutes=1)
    names = snapshot.vocabulary
    snapshot = step(store, snapshot, now)
    assert snapshot.vocabulary is not names and snapshot.vocabulary.model("newbie")

    # A reseller's offer of a known model, and a model with a Chinese name and alias: the
    # names are extended, not built again, and equal a full read's.
    resold = replace(
        quote("resell/acme-one", when=now, input="0.9", output="2", name="Resell: one"),
        canonical_id="acme/one",
    )
    chinese = quote(
        "zhipu/glm-4", when=now, input="1", output="1", name="智谱 GLM-4", aliases=("智谱四",)
    )
    store.record([resold, chinese], source="feed", observed_at=now)
    now += timedelta(minutes=1)
    snapshot = step(store, snapshot, now)
    assert snapshot.vocabulary.model("智谱四") == "zhipu/glm-4"
    assert snapshot.vocabulary.model("resell/acme-one") == "resell/acme-one"

    # Nothing changed but the clock: the names are kept.
    now += timedelta(minutes=1)
    names = snapshot.vocabulary
    snapshot = step(store, snapshot, now)
    assert snapshot.vocabulary is names

    # Free: an offer until a date, and an unlimited one; then the first one ends.
    ends = now + timedelta(hours=2)
    store.record(
        [
            quote("acme/two", when=now, input="3", output="4", free_offer=FreeOffer(until=ends)),
            quote("beta/x", when=now, input="0", output="0", currency="CNY"),
        ],
        source="feed",
        observed_at=now,
    )
    now += timedelta(minutes=1)
    snapshot = step(store, snapshot, now)
    assert snapshot.by_id["acme/two"].free_offer is not None
    now = ends + timedelta(minutes=1)
    snapshot = step(store, snapshot, now)
    offer = snapshot.by_id["acme/two"].free_offer
    assert offer is not None and not offer.active

    # A price recorded ahead of time takes effect between two refreshes.
    later = now + timedelta(hours=1)
    store.record(
        [quote("acme/two", when=later, input="2", output="3")], source="feed", observed_at=now
    )
    now += timedelta(minutes=1)
    snapshot = step(store, snapshot, now)
    now = later + timedelta(minutes=1)
    snapshot = step(store, snapshot, now)
    assert snapshot.by_id["acme/two"].prices == load_snapshot(store, now).by_id["acme/two"].prices

    # An offer OpenRouter stops listing is delisted, then listed again.
    gone = "openrouter/acme/m5"
    assert gone in snapshot.by_id
    without = {k: v for k, v in listed().items() if k != "m5"}
    for _ in range(3):
        now += DAY
        openrouter_run(store, without, now)
    snapshot = step(store, snapshot, now + timedelta(minutes=1))
    assert gone not in snapshot.by_id
    now += DAY
    openrouter_run(store, listed(), now)
    snapshot = step(store, snapshot, now + timedelta(minutes=1))
    assert gone in snapshot.by_id
    # Each sighting confirms the free offer again (in place: no new row).
    confirmed = snapshot.by_id["openrouter/acme/m0"].free_confirmed_at
    assert confirmed is not None and confirmed > T0 + DAY

    # A new rate.
    store.record_rates([FxRate("EUR", "USD", Decimal("1.1"), date(2026, 11, 2), "test")])
    step(store, snapshot, now + timedelta(minutes=2))


class PausingStore(PriceStore):
    """The real store, with a pause in the middle of a refresh's read."""

    def __init__(self, store: PriceStore) -> None:
        super().__init__(store.engine)
        self.reading = threading.Event()
        self.go_on = threading.Event()

    def changed_offers(self, **marks: object) -> set[str]:  # type: ignore[override]
        self.reading.set()
        assert self.go_on.wait(30)
        return super().changed_offers(**marks)  # type: ignore[arg-type]


def test_a_question_during_a_refresh_is_answered_from_the_old_snapshot(
    store: PriceStore,
) -> None:
    store.record([quote("acme/one", when=T0, input="1", output="1")], source="feed", observed_at=T0)
    pausing = PausingStore(store)
    cache = SnapshotCache(pausing, check_every=timedelta(0))
    now = T0 + timedelta(hours=1)
    assert ask(cache, "cheapest", now=now).rows[0].value == "$1.00"
    store.record(
        [quote("acme/one", when=now, input="0.5", output="0.5")], source="feed", observed_at=now
    )
    refresh = threading.Thread(target=cache.refresh, args=(now + timedelta(seconds=1),))
    refresh.start()
    assert pausing.reading.wait(30)
    # The refresh is stuck reading: a question does not wait for it.
    answered = ask(cache, "cheapest", now=now + timedelta(seconds=2))
    assert answered.rows[0].value == "$1.00"
    pausing.go_on.set()
    refresh.join(30)
    assert ask(cache, "cheapest", now=now + timedelta(seconds=3)).rows[0].value == "$0.50"
    assert (cache.loads, cache.patches) == (2, 1)


def test_in_the_background_the_question_that_notices_a_change_does_not_wait(
    store: PriceStore,
) -> None:
    store.record([quote("acme/one", when=T0, input="1", output="1")], source="feed", observed_at=T0)
    pausing = PausingStore(store)
    pausing.go_on.set()
    cache = SnapshotCache(pausing, check_every=timedelta(0), background=True)
    now = T0 + timedelta(hours=1)
    assert ask(cache, "cheapest", now=now).rows[0].value == "$1.00"  # the first read waits
    pausing.go_on.clear()
    store.record(
        [quote("acme/one", when=now, input="0.5", output="0.5")], source="feed", observed_at=now
    )
    assert ask(cache, "cheapest", now=now + timedelta(seconds=1)).rows[0].value == "$1.00"
    assert pausing.reading.wait(30)
    pausing.go_on.set()
    cache.settle(30)
    assert ask(cache, "cheapest", now=now + timedelta(seconds=2)).rows[0].value == "$0.50"
