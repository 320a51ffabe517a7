"""Offer-level rules: free now or not, placeholder prices, dearer tiers, true dates.

A model has offers (one seller's prices each). Answers rank models at their cheapest
offer; these rules decide what an offer's prices may be used for:

- **Free now.** A free offer with an end date is free until then. One without an end
  date is free now only while a source confirmed it within the window
  (`Query.free_confirm_days`, default 30, `PRICEBOT_FREE_CONFIRM_DAYS`); after that it
  is "was free, last confirmed DATE": not free, ranked at its paid prices if it has any,
  else its price is unknown. Input and output both priced at zero by a source are free,
  on the same terms: while a source confirmed them within the window.
- **Placeholder prices** are set aside, never crowned: an offer whose known input and
  output prices are all at or under $0.001 per 1M (compared in USD, with the
  snapshot's rate) — feeds use that for "no real price" (an image model filed as chat).
  Two more rules depend on the question's mix and live in `bot.answers.orders`.
- **Dearer tiers.** The store records the end of a long-context surcharge as the tier
  priced at the base price: only a tier priced above the base makes long prompts dearer.
- **Dates.** A price's date says where it comes from: "since" (stated), "first seen"
  (nothing known before), "by … (start not stated)" (inferred); worded by
  `bot.answers.wording.date_note`.

Pure: no I/O, no clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from bot.answers.snapshot import PriceSnapshot
from storage import FreeOffer, ModelPrices, PriceKind, PricePoint

# At or under this per 1M (USD), input and output both: a placeholder, not a price.
PLACEHOLDER_USD = Decimal("0.001")
FREE = "free"  # free now, listed apart, not ranked
CAPPED = "capped"  # free within a cap, and ranked at its paid price (which applies beyond)
STALE = "stale"  # was free; not confirmed within the window


def free_kind(offer: ModelPrices, as_of: datetime, window: timedelta) -> str | None:
    """FREE, CAPPED, STALE or None (not free) for an offer at `as_of`."""
    promise = offer.free_offer
    if promise is not None and promise.active:
        if promise.until is None:
            confirmed = offer.free_confirmed_at
            if confirmed is None or as_of - confirmed > window:
                return STALE
        paid = any(not p.amount.is_zero for p in offer.prices.values())
        return CAPPED if promise.cap_note and paid else FREE
    inp, out = offer.price(PriceKind.INPUT), offer.price(PriceKind.OUTPUT)
    if inp is not None and out is not None and inp.amount.is_zero and out.amount.is_zero:
        # Zero prices go stale like a free offer without an end date (a 2024 catalog's
        # "free" is not a 2026 fact); an offer built by hand without the store's
        # confirmation counts from its prices' own dates.
        confirmed = offer.free_confirmed_at or max(inp.effective_at, out.effective_at)
        return STALE if as_of - confirmed > window else FREE
    return None


def active_offer(offer: ModelPrices) -> FreeOffer | None:
    promise = offer.free_offer
    return promise if promise is not None and promise.active else None


def is_placeholder(offer: ModelPrices, snapshot: PriceSnapshot) -> bool:
    """Known input and output prices all at or under $0.001 per 1M (and not all zero)."""
    amounts: list[Decimal] = []
    for kind in (PriceKind.INPUT, PriceKind.OUTPUT):
        point = offer.price(kind)
        if point is None:
            continue
        money = point.amount
        if money.currency != "USD":
            rate = snapshot.rate(money.currency, "USD")
            if rate is None:
                return False  # cannot judge without a rate
            amounts.append(money.amount * rate.rate)
        else:
            amounts.append(money.amount)
    return bool(amounts) and any(amounts) and all(a <= PLACEHOLDER_USD for a in amounts)


def dearer_tiers(offer: ModelPrices) -> list[int]:
    """Context tiers priced above the base tier for input or output, lowest first."""
    found = set()
    for (kind, tier), point in offer.prices.items():
        if not tier:
            continue
        base = offer.prices.get((kind, 0))
        if base is None or (
            base.amount.currency == point.amount.currency
            and point.amount.amount > base.amount.amount
        ):
            found.add(tier)
    return sorted(found)


def same_as_base(offer: ModelPrices, point: PricePoint) -> bool:
    """A tier priced like the base tier (a surcharge that ended)."""
    base = offer.prices.get((point.kind, 0))
    return point.tier > 0 and base is not None and base.amount == point.amount
