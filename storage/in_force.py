"""Which prices are in force at a moment, from rows already read: pure, no I/O.

Both readers of the store use it: `PriceStore.current` (SQLAlchemy, for the bot) and
`storage.lean_read` (a one-off question's lean read); the rows they pass differ only in
how they were fetched, so both give the same `ModelPrices`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from storage.values import DateBasis, FreeOffer, ModelPrices, PriceKind, PricePoint


@dataclass(frozen=True, slots=True)
class Latest:
    """One source's latest price for an offer's kind and tier."""

    point: PricePoint
    id: int
    last_seen: datetime | None


@dataclass(frozen=True, slots=True)
class FreeRow:
    """An offer's latest free offer (from any source) in force at the moment."""

    model_id: str
    active: bool
    until: datetime | None
    cap_note: str | None
    effective_at: datetime
    last_seen: datetime | None


@dataclass(frozen=True, slots=True)
class OfferInfo:
    """What `ModelPrices` says of an offer besides its prices: names, seller, context."""

    vendor: str
    vendor_name: str
    display_name: str
    context_window: int | None
    mode: str
    canonical_id: str


_FOOTING = {DateBasis.EFFECTIVE: 0, DateBasis.INFERRED: 1, DateBasis.OBSERVED: 2}


def dated(candidates: list[Latest]) -> Latest:
    """The price in force: the newest of the sources' latest prices. When other sources
    say the same amount, the best-founded date among them is the one shown: a stated date
    (the latest stated: the conservative "since") beats an inferred one, which beats a
    first sighting (the earliest: when pricebot first saw this amount)."""
    if len(candidates) == 1:  # most offers have one source
        return candidates[0]
    newest = max(candidates, key=lambda c: (c.point.effective_at, c.point.observed_at, c.id))
    agreeing = [c for c in candidates if c.point.amount.same_as(newest.point.amount)]
    footing = min(_FOOTING[c.point.date_basis] for c in agreeing)
    best = [c for c in agreeing if _FOOTING[c.point.date_basis] == footing]
    if footing == _FOOTING[DateBasis.OBSERVED]:
        return min(best, key=lambda c: (c.point.effective_at, c.id))
    return max(best, key=lambda c: (c.point.effective_at, c.id))


def prices_in_force(
    moment: datetime,
    infos: Mapping[str, OfferInfo],
    latest: Iterable[Latest],
    free_rows: Iterable[FreeRow],
) -> list[ModelPrices]:
    """Every offer with prices or a free offer at `moment`, by offer id.

    `latest`: each source's latest price point per offer, kind and tier in force at
    `moment` (from sources that still list the offer then); `free_rows`: each offer's
    latest free offer in force. Zero prices and active free offers carry when a source
    last vouched for them (up to `moment`): "free now" holds only while one does.
    """
    prices: defaultdict[str, dict[tuple[PriceKind, int], PricePoint]] = defaultdict(dict)
    # When each zero price was last vouched for: free by zero prices is "free now"
    # only while a source confirms it, like a free offer without an end date.
    zero_seen: defaultdict[str, list[datetime]] = defaultdict(list)
    by_source: defaultdict[tuple[str, PriceKind, int], list[Latest]] = defaultdict(list)
    for candidate in latest:
        point = candidate.point
        by_source[(point.model_id, point.kind, point.tier)].append(candidate)
    for (model_id, kind, tier), candidates in by_source.items():
        chosen = dated(candidates)
        point = chosen.point
        prices[model_id][(kind, tier)] = point
        if tier == 0 and point.amount.is_zero:
            seen = chosen.last_seen
            start = point.effective_at
            zero_seen[model_id].append(max(start, min(seen, moment)) if seen else start)
    free: dict[str, FreeOffer] = {}
    confirmed: dict[str, datetime] = {}
    for row in free_rows:
        offer = FreeOffer(row.active, row.until, row.cap_note)
        if offer.active and offer.until is not None and offer.until <= moment:
            offer = FreeOffer(False, offer.until, offer.cap_note)
        free[row.model_id] = offer
        if offer.active:
            # Vouched for at its start, and at every later snapshot still listing it
            # (up to the moment asked about).
            seen = row.last_seen
            start = row.effective_at
            confirmed[row.model_id] = max(start, min(seen, moment)) if seen else start
    for model_id, sightings in zero_seen.items():
        kinds = prices[model_id]
        both_zero = all(
            (kind, 0) in kinds and kinds[(kind, 0)].amount.is_zero
            for kind in (PriceKind.INPUT, PriceKind.OUTPUT)
        )
        if both_zero and model_id not in confirmed:
            confirmed[model_id] = min(sightings)
    result = []
    for model_id in sorted(set(prices) | set(free)):
        info = infos[model_id]
        result.append(
            ModelPrices(
                model_id=model_id,
                vendor=info.vendor,
                vendor_name=info.vendor_name,
                display_name=info.display_name,
                context_window=info.context_window,
                mode=info.mode,
                prices=prices.get(model_id, {}),
                free_offer=free.get(model_id),
                canonical_id=info.canonical_id,
                free_confirmed_at=confirmed.get(model_id),
            )
        )
    return result
