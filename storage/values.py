"""The price store's value types: what a source says, what the store keeps, what changed.

All pure: no I/O, no clock. Amounts are Money per 1M tokens; times are UTC-aware.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

from storage.money import Money, format_money


class PriceKind(StrEnum):
    """Which tokens a price is for."""

    INPUT = "input"
    OUTPUT = "output"
    CACHED_INPUT = "cached_input"
    CACHE_WRITE = "cache_write"


class DateBasis(StrEnum):
    """Where a price point's date comes from.

    EFFECTIVE: the vendor or the feed stated it ("from 2025-06-10").
    OBSERVED: pricebot first saw the price then (a feed without dates); nothing is
    known about it before that moment.
    INFERRED: in force before a dated change whose feed gives no start for it; dated
    by the model's own dated snapshot name (o3-2025-04-16) or the day before the change.
    """

    EFFECTIVE = "effective"
    OBSERVED = "observed"
    INFERRED = "inferred"


class EventType(StrEnum):
    """What changed between two prices of the same model, kind and tier."""

    CUT = "cut"
    INCREASE = "increase"
    FREE = "free"
    PAID_AGAIN = "paid_again"
    NEW_MODEL = "new_model"
    FREE_ENDING = "free_ending"


def utc_now() -> datetime:
    """The real clock, in UTC: the default `clock` of whatever takes one."""
    return datetime.now(UTC)


def require_utc(moment: datetime, what: str = "time") -> datetime:
    """Refuse naive datetimes; return the moment in UTC."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} {moment!r} must be timezone-aware")
    return moment.astimezone(UTC)


# The prices a new model's alert names, in this order (cache writes are rarely asked).
_LAUNCH_KINDS = (
    (PriceKind.INPUT, "input"),
    (PriceKind.OUTPUT, "output"),
    (PriceKind.CACHED_INPUT, "cached input"),
)


def launch_prices(prices: Mapping[PriceKind, Money]) -> str:
    """'input ¥1.00, output ¥2.00 per 1M' (a zero price is 'free'); "" when none is known."""
    parts = [
        f"{label} {'free' if prices[kind].is_zero else format_money(prices[kind])}"
        for kind, label in _LAUNCH_KINDS
        if kind in prices
    ]
    return ", ".join(parts) + " per 1M" if parts else ""


def tier_label(tier: int) -> str:
    """'' for the base tier, 'prompts over 128K' for tier 128000."""
    if tier <= 0:
        return ""
    if tier % 1000 == 0:
        return f"prompts over {tier // 1000}K"
    return f"prompts over {tier:,} tokens"


@dataclass(frozen=True, slots=True)
class Price:
    """One line of a quote: a kind of token, its context tier, and the amount per 1M."""

    kind: PriceKind
    amount: Money
    # The prompt length above which this price applies; 0 is the base tier.
    tier: int = 0


@dataclass(frozen=True, slots=True)
class FreeOffer:
    """A source's word that a model can be used free, maybe until a date, maybe capped.

    `active=False` is a source saying the offer has ended; a quote with no
    FreeOffer at all says nothing about free use.
    """

    active: bool = True
    until: datetime | None = None
    cap_note: str | None = None

    def same_as(self, other: FreeOffer | None) -> bool:
        return other is not None and (self.active, self.until, self.cap_note) == (
            other.active,
            other.until,
            other.cap_note,
        )


@dataclass(frozen=True, slots=True)
class Quote:
    """What one source says one offer costs from a date on.

    `model_id` names the offer (`seller/the seller's name for it`);
    `canonical_id` names the model it sells (`maker/model`, see
    bot/sources/identity.py); None means the offer is its own model.
    """

    model_id: str
    vendor: str
    display_name: str
    effective_at: datetime
    prices: tuple[Price, ...] = ()
    free_offer: FreeOffer | None = None
    context_window: int | None = None
    vendor_name: str | None = None
    aliases: tuple[str, ...] = ()
    # chat, completion, embedding, image …: only chat and completion answer questions.
    mode: str = "chat"
    # A URL or a citation for the figures.
    source_ref: str | None = None
    canonical_id: str | None = None
    # Where `effective_at` comes from: stated, first seen (the fetch), or inferred.
    date_basis: DateBasis = DateBasis.EFFECTIVE

    def __post_init__(self) -> None:
        require_utc(self.effective_at, "effective_at")
        if self.model_id != self.model_id.lower() or "/" not in self.model_id:
            raise ValueError(f"model id {self.model_id!r} must be lower-case 'vendor/model'")


@dataclass(frozen=True, slots=True)
class PricePoint:
    """One stored price of one model: the store's unit of history."""

    model_id: str
    kind: PriceKind
    tier: int
    amount: Money
    effective_at: datetime
    source: str
    observed_at: datetime
    # A URL or a citation for the figures.
    source_ref: str | None = None
    date_basis: DateBasis = DateBasis.EFFECTIVE


@dataclass(frozen=True, slots=True)
class PriceEvent:
    """A change the store derived: a cut, an increase, free, paid again, a new model."""

    type: EventType
    model_id: str
    effective_at: datetime
    source: str
    kind: PriceKind | None = None
    tier: int = 0
    old: Money | None = None
    new: Money | None = None
    # Size of the change in percent of the old price, always >= 0; None where it has none.
    percent: Decimal | None = None
    free_until: datetime | None = None
    cap_note: str | None = None
    # Back-filled from a feed's past or a first import: kept in the log, never alerted on.
    history: bool = False
    recorded_at: datetime | None = None
    id: int | None = None
    # OBSERVED: the feed gives no date; the change happened after `not_before` (the
    # last sighting of the old price) and by `effective_at` (the first of the new).
    date_basis: DateBasis = DateBasis.EFFECTIVE
    not_before: datetime | None = None


@dataclass(frozen=True, slots=True)
class ModelPrices:
    """One offer with its prices in force at one moment: the input to ranking.

    `model_id` is the offer (`seller/name`), `vendor` its seller; `canonical_id`
    the model it sells (`maker/model`). Ranking groups offers by `canonical_id`.
    """

    model_id: str
    vendor: str
    vendor_name: str
    display_name: str
    context_window: int | None
    mode: str
    prices: dict[tuple[PriceKind, int], PricePoint] = field(default_factory=dict)
    free_offer: FreeOffer | None = None
    # The model this offer sells; "" means the offer is its own model.
    canonical_id: str = ""
    # The latest moment a source vouched for the active free offer, or for input and
    # output priced at zero (its start, or a later snapshot still listing it); None
    # when the offer is not free.
    free_confirmed_at: datetime | None = None

    @property
    def model_key(self) -> str:
        """The model this offer sells: `canonical_id`, or the offer itself."""
        return self.canonical_id or self.model_id

    @property
    def maker(self) -> str:
        """Who made the model (the first part of its id)."""
        return self.model_key.split("/", 1)[0]

    @property
    def seller(self) -> str:
        return self.vendor

    @property
    def is_maker_offer(self) -> bool:
        """Sold by the model's maker (a bare model name means this offer)."""
        return self.vendor == self.maker

    def price(self, kind: PriceKind, tier: int = 0) -> PricePoint | None:
        """The price of `kind` in `tier`, or None when unknown."""
        return self.prices.get((kind, tier))

    def tiers(self, kind: PriceKind) -> list[int]:
        return sorted(t for (k, t) in self.prices if k == kind)

    def price_for_prompt(self, kind: PriceKind, prompt_tokens: int) -> PricePoint | None:
        """The tier that applies to a prompt of `prompt_tokens` (a cliff, not marginal)."""
        applicable = [t for t in self.tiers(kind) if t == 0 or prompt_tokens > t]
        return self.prices.get((kind, max(applicable))) if applicable else None

    @property
    def is_free(self) -> bool:
        """Free now: an active free offer, or input and output both priced at zero."""
        if self.free_offer is not None and self.free_offer.active:
            return True
        inp, out = self.price(PriceKind.INPUT), self.price(PriceKind.OUTPUT)
        return inp is not None and out is not None and inp.amount.is_zero and out.amount.is_zero


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """A model the store knows, for look-ups and "did you mean"."""

    model_id: str
    vendor: str
    display_name: str
    context_window: int | None
    mode: str
    # The model this offer sells (`maker/model`); "" when the offer is its own model.
    canonical_id: str = ""


@dataclass(frozen=True, slots=True)
class FirstSeen:
    """When an offer's earliest known price starts, and where that date comes from."""

    at: datetime
    basis: DateBasis
