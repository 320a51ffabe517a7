"""PriceStore.data_version(): the marker answer caches watch, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from bot.answers import SnapshotCache, ask
from storage import FxRate, PriceStore
from tests.helpers import quote, utc


def test_data_version_moves_with_every_addition_and_only_then(store: PriceStore) -> None:
    empty = store.data_version()
    assert empty == (0, 0, 0, 0, 0, 0)
    first = [quote("acme/one", when=utc(2024, 5, 1), input="1", output="2", aliases=("one",))]
    store.record(first, source="feed", observed_at=utc(2024, 5, 1))
    after_first = store.data_version()
    assert after_first != empty
    store.record(first, source="feed", observed_at=utc(2024, 5, 2))
    assert store.data_version() == after_first  # the same quotes again write nothing

    # A second source's first price writes a price point but derives no event.
    events = store.last_event_id()
    store.record(
        [quote("acme/one", when=utc(2024, 5, 3), input="0.9", output="2")],
        source="other",
        observed_at=utc(2024, 5, 3),
    )
    assert store.last_event_id() == events
    after_second = store.data_version()
    assert after_second != after_first

    store.record_rates([FxRate("USD", "CNY", Decimal("7.2"), date(2024, 5, 1), "test")])
    assert store.data_version() != after_second


def test_the_cache_rereads_when_a_new_source_changes_a_price(store: PriceStore) -> None:
    store.record(
        [quote("acme/one", when=utc(2024, 5, 1), input="1", output="1")],
        source="feed",
        observed_at=utc(2024, 5, 1),
    )
    now = utc(2024, 6, 1)
    cache = SnapshotCache(store, check_every=timedelta(0))
    assert ask(cache, "cheapest", now=now).rows[0].value == "$1.00"
    assert ask(cache, "price acme/one", now=now).rows[0].value == "$1.00 per 1M"
    assert cache.loads == 1
    store.record(
        [quote("acme/one", when=utc(2024, 5, 20), input="0.5", output="0.5")],
        source="admin",
        observed_at=utc(2024, 5, 20),
    )
    assert ask(cache, "cheapest", now=now + timedelta(seconds=1)).rows[0].value == "$0.50"
    assert cache.loads == 2
