"""Builders the answer tests share: the bundled catalog in a real store, snapshots of it,
and offers of one model from several sellers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.answers import PriceSnapshot, end_of_day, load_snapshot
from bot.sources import load_catalog
from storage import DateBasis, PriceStore, Quote
from storage.source_tables import SourceModelRow
from tests.helpers import quote, utc


def listed(store: PriceStore, source: str, offers: Iterable[str], last_seen: datetime) -> None:
    """Say that `source` last described `offers` as listed at `last_seen`."""
    with Session(store.engine) as session, session.begin():
        for offer in offers:
            session.merge(
                SourceModelRow(
                    source=source,
                    model_id=offer,
                    first_seen_at=last_seen,
                    last_seen_at=last_seen,
                    missed=0,
                )
            )


def load_bundled(store: PriceStore) -> PriceStore:
    """Load the bundled price-war catalog: its prices, and its offers listed as of the
    catalog's own "checked" date (what keeps its free offers confirmed)."""
    catalog = load_catalog()
    assert catalog.checked is not None
    store.record_rates(catalog.fx_rates)
    store.record(catalog.quotes, source="catalog:test", observed_at=utc(2024, 6, 1), history=True)
    listed(store, "catalog:test", {q.model_id for q in catalog.quotes}, catalog.checked)
    return store


def snapshot_on(store: PriceStore, day: date) -> PriceSnapshot:
    """The store's prices as of the end of `day` (UTC)."""
    return load_snapshot(store, end_of_day(day), dated=True)


def offer(
    offer_id: str,
    model: str,
    *,
    when: datetime,
    input: str | None = None,
    output: str | None = None,
    seller_name: str | None = None,
    name: str | None = None,
    basis: DateBasis = DateBasis.EFFECTIVE,
    **more: object,
) -> Quote:
    """One seller's offer (`offer_id`, `seller/name`) of `model` (`maker/model`)."""
    made = quote(offer_id, when=when, input=input, output=output, name=name, **more)  # type: ignore[arg-type]
    return replace(
        made,
        canonical_id=model,
        vendor_name=seller_name or made.vendor_name,
        date_basis=basis,
    )
