"""A big first import goes through the bulk path (COPY on PostgreSQL): every value comes
back exactly as recorded, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

from storage import (
    DateBasis,
    EventType,
    FreeOffer,
    PriceKind,
    PriceStore,
    SourceOutcome,
    SourceState,
)
from storage.bulk import COPY_AT_LEAST
from tests.helpers import quote, utc

WHEN = utc(2026, 11, 1, 9)
SEEN = utc(2026, 11, 2, 10)


def test_a_big_import_reads_back_exactly(store: PriceStore) -> None:
    count = COPY_AT_LEAST + 50
    quotes = [
        quote(
            f"acme/m{i}",
            when=WHEN,
            input=f"0.{i:04d}5",
            output=str(3 * i + 1),
            currency="CNY" if i % 2 else "USD",
            name=f"Model {i}",
            context=128_000 if i % 3 else None,
            aliases=(f"m{i}-alias",),
            free_offer=FreeOffer(True, utc(2027, 1, 1), "100 requests a day") if i == 7 else None,
        )
        for i in range(count)
    ]
    events = store.record(quotes, source="bulk-test", observed_at=SEEN, history=True)
    assert sum(e.type is EventType.NEW_MODEL for e in events) == count

    history = store.history("acme/m123")
    assert [(p.kind, p.amount.amount, p.amount.currency) for p in history] == [
        (PriceKind.INPUT, Decimal("0.01235"), "CNY"),
        (PriceKind.OUTPUT, Decimal("370"), "CNY"),
    ]
    point = history[0]
    assert (point.effective_at, point.observed_at, point.source) == (WHEN, SEEN, "bulk-test")
    assert point.date_basis is DateBasis.EFFECTIVE and point.source_ref is None
    assert store.resolve_model("m123-alias") == "acme/m123"
    models = {m.model_id: m for m in store.models()}
    assert len(models) == count
    assert (models["acme/m1"].display_name, models["acme/m1"].context_window) == (
        "Model 1",
        128_000,
    )
    assert models["acme/m3"].context_window is None
    [offer] = [m for m in store.current(SEEN) if m.model_id == "acme/m7"]
    assert offer.free_offer is not None and offer.free_offer.cap_note == "100 requests a day"

    # The listings of such a source go the same way.
    state = SourceState(store.engine)
    state.record_success(
        "bulk-test",
        SEEN,
        outcome=SourceOutcome.RECORDED,
        message="",
        members=[q.model_id for q in quotes],
    )
    assert len(state.members("bulk-test")) == count
    [listing] = state.listings("acme/m200")
    assert (listing.first_seen_at, listing.last_seen_at, listing.missed) == (SEEN, SEEN, 0)
