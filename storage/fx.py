"""Exchange rates: dated, sourced, and always reported with the figure they made."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from storage.money import Money


class NoRateError(LookupError):
    """No rate is known between two currencies."""


@dataclass(frozen=True, slots=True)
class FxRate:
    """1 `base` = `rate` `quote`, as published on `as_of` by `source`."""

    base: str
    quote: str
    rate: Decimal
    as_of: date
    source: str


@dataclass(frozen=True, slots=True)
class Conversion:
    """A converted amount and the rate that made it (rate 1 for the same currency)."""

    money: Money
    original: Money
    rate: Decimal
    rate_date: date | None
    rate_source: str | None

    @property
    def converted(self) -> bool:
        return self.original.currency != self.money.currency

    def note(self) -> str:
        """'at 7.2 CNY/USD of 2024-05-01 (source)' or '' when nothing was converted."""
        if not self.converted:
            return ""
        quote, base = self.money.currency, self.original.currency
        return (
            f"at {self.rate.normalize():f} {quote}/{base} of {self.rate_date} ({self.rate_source})"
        )


def pick_rate(rates: Iterable[FxRate], base: str, quote: str, as_of: date) -> FxRate:
    """The rate for base→quote in force on `as_of`: the latest on or before it.

    An inverse rate serves when only quote→base is known. When every known rate
    is later than `as_of`, the earliest is used; its date is in the answer.
    """
    candidates: list[FxRate] = []
    for r in rates:
        if (r.base, r.quote) == (base, quote):
            candidates.append(r)
        elif (r.base, r.quote) == (quote, base):
            candidates.append(FxRate(base, quote, Decimal(1) / r.rate, r.as_of, r.source))
    if not candidates:
        raise NoRateError(f"no exchange rate between {base} and {quote}")
    before = [r for r in candidates if r.as_of <= as_of]
    if before:
        return max(before, key=lambda r: r.as_of)
    return min(candidates, key=lambda r: r.as_of)


def unreachable(rates: Iterable[FxRate], to: str, currencies: Iterable[str]) -> list[str]:
    """Which of `currencies` no stored rate converts into `to`: neither a rate between
    the two (either way) nor one through a third currency (EUR→USD→CNY), as answers
    convert. Sorted; empty when every price can be shown in `to`."""
    pairs: set[frozenset[str]] = {frozenset((r.base, r.quote)) for r in rates}

    def linked(a: str, b: str) -> bool:
        return frozenset((a, b)) in pairs

    known = {c for pair in pairs for c in pair}
    return sorted(
        c
        for c in set(currencies) - {to}
        if not linked(c, to) and not any(linked(c, p) and linked(p, to) for p in known)
    )


def convert(money: Money, to: str, rates: Iterable[FxRate], as_of: date) -> Conversion:
    """Convert `money` into `to` with the rate in force on `as_of`."""
    if money.currency == to:
        return Conversion(money, money, Decimal(1), None, None)
    rate = pick_rate(rates, money.currency, to, as_of)
    return Conversion(
        Money(money.amount * rate.rate, to), money, rate.rate, rate.as_of, rate.source
    )
