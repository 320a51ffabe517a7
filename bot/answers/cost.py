"""The cost calculator: what a mix of input and output tokens costs on one model.

    cost_of(model, mix, currency, snapshot, prompt_tokens=None) -> CostBreakdown

Prices are per 1M tokens; the cost is `price × tokens / 1M` for input and for output, in
the asked currency, converted with the snapshot's dated rate (named in the breakdown).
When the question names a prompt size, the context tier in force on the snapshot's date
that applies to it is used (a cliff: the whole prompt is billed at the tier's price);
otherwise the base tier. A tier priced like the base (a long-context surcharge that
ended) is not reported as a tier. An unknown price is never taken as zero: the breakdown
says which price is missing; with `zero_is_unknown` (a free offer no longer confirmed)
a zero price is unknown too.
Pure: no I/O, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bot.answers.query import Mix
from bot.answers.snapshot import PriceSnapshot
from storage import FreeOffer, FxRate, ModelPrices, Money, PriceKind, PricePoint

MILLION = Decimal(1_000_000)


@dataclass(frozen=True, slots=True)
class CostBreakdown:
    """One model's cost for one mix, part by part, with the rate that converted it."""

    model: ModelPrices
    mix: Mix
    currency: str
    # Per 1M tokens, in `currency`; None when unknown (or not needed and unknown).
    input_rate: Money | None
    output_rate: Money | None
    # The store's own figures, in their own currency.
    input_point: PricePoint | None
    output_point: PricePoint | None
    input_cost: Money | None
    output_cost: Money | None
    # The highest context tier used (0: base).
    tier: int
    # Kinds this mix needs whose price is unknown (or cannot be converted).
    missing: tuple[PriceKind, ...]
    # Exchange rates used, as published.
    rates: tuple[FxRate, ...]

    @property
    def total(self) -> Money | None:
        """The mix's cost, or None when a needed price is unknown."""
        if self.missing:
            return None
        amount = Decimal(0)
        for part in (self.input_cost, self.output_cost):
            if part is not None:
                amount += part.amount
        return Money(amount, self.currency)

    @property
    def free_offer(self) -> FreeOffer | None:
        offer = self.model.free_offer
        return offer if offer is not None and offer.active else None


def pick_point(model: ModelPrices, kind: PriceKind, prompt_tokens: int | None) -> PricePoint | None:
    """The price of `kind` that applies: the prompt's tier when a size is given, else base."""
    if prompt_tokens is None:
        return model.price(kind, 0)
    return model.price_for_prompt(kind, prompt_tokens)


def per_million(
    point: PricePoint | None, currency: str, snapshot: PriceSnapshot
) -> tuple[Money, FxRate | None] | None:
    """A price point in `currency` per 1M tokens, with the rate used; None if impossible."""
    if point is None:
        return None
    return snapshot.convert(point.amount, currency)


def cost_of(
    model: ModelPrices,
    mix: Mix,
    currency: str,
    snapshot: PriceSnapshot,
    *,
    prompt_tokens: int | None = None,
    zero_is_unknown: bool = False,
) -> CostBreakdown:
    """What `mix` costs on `model` in `currency` at the snapshot's prices."""
    missing: list[PriceKind] = []
    rates: list[FxRate] = []
    rates_per_million: dict[PriceKind, Money | None] = {}
    costs: dict[PriceKind, Money | None] = {}
    points: dict[PriceKind, PricePoint | None] = {}
    tier = 0
    for kind, tokens in (
        (PriceKind.INPUT, mix.input_tokens),
        (PriceKind.OUTPUT, mix.output_tokens),
    ):
        point = pick_point(model, kind, prompt_tokens)
        if zero_is_unknown and point is not None and point.amount.is_zero:
            point = None
        points[kind] = point
        converted = per_million(point, currency, snapshot)
        if converted is None:
            rates_per_million[kind] = None
            costs[kind] = None
            if tokens > 0:
                missing.append(kind)
            continue
        money, rate = converted
        if rate is not None:
            published = snapshot.stated_rate(rate)
            if published not in rates:
                rates.append(published)
        assert point is not None
        base = model.price(kind, 0)
        if point.tier and (base is None or base.amount != point.amount):
            tier = max(tier, point.tier)
        rates_per_million[kind] = money
        costs[kind] = Money(money.amount * tokens / MILLION, currency) if tokens else None
    return CostBreakdown(
        model=model,
        mix=mix,
        currency=currency,
        input_rate=rates_per_million[PriceKind.INPUT],
        output_rate=rates_per_million[PriceKind.OUTPUT],
        input_point=points[PriceKind.INPUT],
        output_point=points[PriceKind.OUTPUT],
        input_cost=costs[PriceKind.INPUT],
        output_cost=costs[PriceKind.OUTPUT],
        tier=tier,
        missing=tuple(missing),
        rates=tuple(rates),
    )
