"""The rules that turn two prices into an event. Pure functions."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from storage.money import Money
from storage.values import EventType, FreeOffer

HUNDRED = Decimal(100)
_HUNDREDTH = Decimal("0.01")


def tidy_percent(percent: Decimal) -> Decimal:
    """Round to 0.01 and drop trailing zeros: 97.500 → 97.5, 80.0 → 80.

    A change smaller than 0.005% keeps two significant digits instead, so a real
    change never reads "0%" (2.0001 → 2 is a cut of 0.005%).
    """
    rounded = percent.quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)
    if rounded == 0 and percent != 0:
        digits = percent.adjusted() - 1  # exponent of the second significant digit
        rounded = percent.quantize(Decimal(1).scaleb(digits), rounding=ROUND_HALF_UP)
    return Decimal(format(rounded.normalize(), "f"))


def price_change(old: Money | None, new: Money) -> tuple[EventType, Decimal] | None:
    """The event type and percent for old → new, or None when nothing changed.

    Both prices must be in one currency (convert first). An unknown old price
    gives no event: a price appearing is not a change anyone can measure.
    """
    if old is None:
        return None
    if old.currency != new.currency:
        raise ValueError(f"compare prices in one currency, not {old.currency} and {new.currency}")
    if old.amount == new.amount:
        return None
    if new.amount == 0:
        return EventType.FREE, HUNDRED
    if old.amount == 0:
        return EventType.PAID_AGAIN, HUNDRED
    percent = tidy_percent(abs(new.amount - old.amount) / old.amount * HUNDRED)
    if new.amount < old.amount:
        return EventType.CUT, percent
    return EventType.INCREASE, percent


def free_offer_change(old: FreeOffer | None, new: FreeOffer) -> EventType | None:
    """FREE when an offer starts, PAID_AGAIN when an active one ends, else None."""
    was_active = old is not None and old.active
    if new.active and not was_active:
        return EventType.FREE
    if was_active and not new.active:
        return EventType.PAID_AGAIN
    return None
