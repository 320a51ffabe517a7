"""A snapshot's quotes made ready for the store: canonical ids, one quote per model and
moment, no priceless models, no duplicates that disagree; and which changes "now" only
restate a change the feed dates earlier. Pure functions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from storage import EventType, Price, PriceEvent, Quote

CHANGES = frozenset({EventType.CUT, EventType.INCREASE, EventType.FREE, EventType.PAID_AGAIN})


@dataclass
class Usable:
    quotes: list[Quote]
    members: set[str]
    conflicting: list[str]
    unpriced: int


def _merge(group: list[Quote]) -> Quote | None:
    """Quotes of one model at one moment as one quote; None when they disagree.

    A catalog may give a model's tiers in separate entries; a feed may list a
    model twice. Different amounts for the same price, or different free
    offers, cannot both be right.
    """
    prices: dict[tuple[str, int], Price] = {}
    offers = {q.free_offer for q in group if q.free_offer is not None}
    if len(offers) > 1:
        return None
    for quote in group:
        for price in quote.prices:
            seen = prices.setdefault((price.kind.value, price.tier), price)
            if not seen.amount.same_as(price.amount):
                return None
    return replace(
        group[0],
        prices=tuple(prices.values()),
        free_offer=next(iter(offers), None),
        aliases=tuple(dict.fromkeys(a for q in group for a in q.aliases)),
    )


def usable_quotes(quotes: Iterable[Quote], aliases: dict[str, str]) -> Usable:
    """Quotes under their canonical ids, without priceless models or conflicting duplicates."""
    groups: defaultdict[tuple[str, datetime], list[Quote]] = defaultdict(list)
    unpriced: set[str] = set()
    for quote in quotes:
        target = aliases.get(quote.model_id)
        if target and target != quote.model_id:
            quote = replace(quote, model_id=target)
        offer = quote.free_offer
        if not quote.prices and (offer is None or not offer.active):
            unpriced.add(quote.model_id)
            continue
        groups[(quote.model_id, quote.effective_at)].append(quote)
    merged = {key: _merge(group) if len(group) > 1 else group[0] for key, group in groups.items()}
    conflicting = sorted({mid for (mid, _), quote in merged.items() if quote is None})
    kept = [q for (mid, _), q in merged.items() if q is not None and mid not in conflicting]
    members = {q.model_id for q in kept}
    return Usable(kept, members, conflicting, len(unpriced - members - set(conflicting)))


def restated(events: list[PriceEvent], now: datetime) -> set[str]:
    """Models whose change "now" only repeats a change the same feed dates earlier.

    A feed with history (genai-prices) may add a back-dated change after we
    recorded the older price as in force now; the price now then changes too.
    The dated change is the event (history or news by its date); the change
    now is a correction of what is current and must not alert a second time.
    """
    back_dated = {
        (e.model_id, e.kind, e.tier, e.new.amount if e.new else None)
        for e in events
        if e.effective_at < now and e.type in CHANGES
    }
    return {
        e.model_id
        for e in events
        if not e.history
        and e.effective_at == now
        and (e.model_id, e.kind, e.tier, e.new.amount if e.new else None) in back_dated
    }
