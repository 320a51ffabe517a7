"""Builders the answer tests share: the bundled catalog in a real store, snapshots of it."""

from __future__ import annotations

from datetime import date

from bot.answers import PriceSnapshot, end_of_day, load_snapshot
from bot.sources import load_catalog
from storage import PriceStore
from tests.helpers import utc


def load_bundled(store: PriceStore) -> PriceStore:
    """Load the bundled price-war catalog the way `pricebot catalog load` does."""
    catalog = load_catalog()
    store.record_rates(catalog.fx_rates)
    store.record(catalog.quotes, source="catalog:test", observed_at=utc(2024, 6, 1), history=True)
    return store


def snapshot_on(store: PriceStore, day: date) -> PriceSnapshot:
    """The store's prices as of the end of `day` (UTC)."""
    return load_snapshot(store, end_of_day(day))
