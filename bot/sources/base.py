"""The Source contract: a feed fetched and read into Quotes (or FX rates), nothing more.

A source knows its feed's format and where the feed is; it knows nothing
about the database. Guards that compare a snapshot with the past live in
`bot.sources.ingest`, shared by every source.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Protocol, runtime_checkable

from pydantic import PlainValidator, ValidationError

# Fetching sits below the contract: `fetch` never imports this module.
from bot.sources.fetch import FeedError, Fetcher, NotModified, Validators
from storage import DateBasis, FreeOffer, FxRate, Quote
from storage.money import MAX_AMOUNT

PER_TOKEN = Decimal(1_000_000)
PER_MILLION = Decimal(1)


def read_json(body: bytes, where: str, expected: str) -> object:
    """Parse a feed's JSON body, or raise FeedError naming `where` and what was `expected`."""
    if not body.strip():
        raise FeedError(f"{where}: empty body, expected {expected}")
    try:
        return json.loads(body)
    except ValueError as exc:
        raise FeedError(f"{where}: not valid JSON: {exc}") from None


def body_key(body: bytes) -> str:
    """A feed body's content key: its SHA-256."""
    return "sha256:" + hashlib.sha256(body).hexdigest()


def first_error(exc: ValidationError) -> str:
    """The first pydantic error as 'field.path: message'."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else first["msg"]


@dataclass(frozen=True, slots=True)
class Rejected:
    """One entry of a feed that could not be read; the rest of the feed still counts."""

    entry: str
    reason: str


@dataclass(frozen=True)
class Snapshot:
    """What one fetch of a feed says, already validated and normalised to Quotes.

    `source` is the name its prices are recorded under. `entries` counts what
    the feed listed; `rejected` and `unknown_prices` say what could not be used
    (an unknown price is missing, not free); `skipped` names entries left out on
    purpose, with why (a pointer such as `~…-latest`, a router, a batch variant,
    a model not priced per token). `described_at` is the moment the feed
    describes: None for a live feed (what is in force at the fetch), a date for
    a catalog (what it was checked against); it is when a listed offer was last
    confirmed.
    """

    source: str
    location: str
    quotes: tuple[Quote, ...] = ()
    rates: tuple[FxRate, ...] = ()
    entries: int = 0
    rejected: tuple[Rejected, ...] = ()
    unknown_prices: int = 0
    skipped: tuple[Rejected, ...] = ()
    described_at: datetime | None = None
    body: bytes | None = field(default=None, repr=False)
    validators: Validators = field(default_factory=Validators)
    # What the snapshot says, as a key set by whoever read it: a digest of the fetched
    # body, or a bundled dataset's name and version. The same key as the last accepted
    # snapshot means the same feed; None (built in code) means "compare every price".
    content_key: str | None = None


@runtime_checkable
class Source(Protocol):
    """A price (or exchange-rate) feed: fetch it, get a Snapshot."""

    name: str
    description: str

    @property
    def location(self) -> str:
        """A URL, a file, or 'bundled:…' for data that ships with pricebot."""
        ...

    def at(self, location: str | None) -> Source:
        """The same feed read from another URL or file (`pricebot sources import`)."""
        ...

    async def fetch(
        self, fetcher: Fetcher, *, now: datetime, validators: Validators | None = None
    ) -> Snapshot | NotModified: ...


Parser = Callable[[bytes, datetime, str], Snapshot]


@dataclass
class FeedSource:
    """A Source read from a URL or a file by `parse`, or from data bundled with pricebot."""

    name: str
    description: str
    parse: Parser
    url: str | None = None
    bundled: Callable[[datetime], Snapshot] | None = None

    @property
    def location(self) -> str:
        if self.url:
            return self.url
        return f"bundled:{self.name}"

    def at(self, location: str | None) -> FeedSource:
        """The same feed read from another URL or file (`sources import`)."""
        return replace(self, url=location)

    async def fetch(
        self, fetcher: Fetcher, *, now: datetime, validators: Validators | None = None
    ) -> Snapshot | NotModified:
        if not self.url:
            if self.bundled is None:
                raise FeedError(f"{self.name}: no URL or file is configured")
            # Reading the bundled data is CPU work: keep it off the event loop.
            return await asyncio.to_thread(self.bundled, now)
        got = await fetcher.get(self.url, validators)
        if isinstance(got, NotModified):
            return got
        key = body_key(got.body)
        if validators is not None and validators.content_key == key:
            # The same bytes as the last accepted snapshot: nothing to parse or compare.
            return NotModified(got.location, why="the same content")
        snapshot = await asyncio.to_thread(self.parse, got.body, now, got.location)
        return replace(
            snapshot,
            body=got.body,
            validators=got.validators,
            content_key=key,
        )


def to_decimal(raw: object) -> Decimal | None:
    """A feed's number as an exact Decimal: floats through their shortest repr.

    `Decimal(str(x))`, never `Decimal(x)`: 9.499999999999999e-07 must stay that,
    not the binary expansion of the float. None when it is not a number.
    """
    if raw is None or isinstance(raw, bool):
        return None
    if isinstance(raw, Decimal):
        return raw
    if isinstance(raw, int | float):
        return Decimal(str(raw))
    if isinstance(raw, str):
        try:
            return Decimal(raw.strip())
        except InvalidOperation:
            return None
    return None


@dataclass
class AmountReader:
    """Reads a feed's prices into amounts per 1M tokens, counting the ones that are unknown.

    Missing, negative (OpenRouter's -1 "dynamic"), NaN, absurd, and, in feeds
    where zero means "not known", zero: all unknown, never free.
    """

    per: Decimal
    zero_is_free: bool
    unknown: int = 0

    def read(self, raw: object) -> Decimal | None:
        if raw is None:
            return None
        amount = to_decimal(raw)
        if amount is None or not amount.is_finite() or amount < 0:
            self.unknown += 1
            return None
        if amount == 0 and not self.zero_is_free:
            self.unknown += 1
            return None
        value = amount * self.per
        if value > MAX_AMOUNT:
            # A unit error (per 1K read as per token, …): unknown, not a price.
            self.unknown += 1
            return None
        return tidy(value)


def tidy(amount: Decimal) -> Decimal:
    """The amount without trailing zeros or exponent: 0.2800000 → 0.28, 1E+1 → 10."""
    if not amount:
        return Decimal(0)
    normal = amount.normalize()
    return normal.quantize(Decimal(1)) if normal.as_tuple().exponent > 0 else normal  # type: ignore[operator]


def feed_number(raw: object) -> Decimal | None:
    """A price field as read from a feed: None when absent, NaN when unreadable.

    Unreadable prices are not errors that sink the whole entry: `AmountReader`
    counts them as unknown.
    """
    if raw is None:
        return None
    amount = to_decimal(raw)
    return amount if amount is not None else Decimal("NaN")


FeedNumber = Annotated[Decimal | None, PlainValidator(feed_number)]


def apply_free_variants(
    quotes: dict[str, list[Quote]],
    free: dict[str, FreeOffer],
    *,
    template: dict[str, Quote],
    now: datetime,
) -> None:
    """Attach `:free` variants to their base model as free offers (OpenRouter's convention).

    `quotes` maps model ids to their quotes (one of which may be in force at
    `now`, the fetch); `free` maps base model ids to the offer their `:free`
    variant makes; `template` gives name and vendor for a base model the feed
    lists only as `:free`. The offer goes on the quote at `now`. A model listed
    without a `:free` sibling says the offer is over (recorded only if one was
    active: the store ignores an ended offer it never saw).
    """
    for model, listed in quotes.items():
        offer = free.get(model, FreeOffer(active=False))
        at_now = next((i for i, q in enumerate(listed) if q.effective_at == now), None)
        if at_now is not None:
            listed[at_now] = replace(listed[at_now], free_offer=offer)
        elif offer.active:
            # Seen at the fetch: the offer's date is when it was observed, not a stated one.
            listed.append(
                replace(
                    listed[-1],
                    effective_at=now,
                    prices=(),
                    free_offer=offer,
                    date_basis=DateBasis.OBSERVED,
                )
            )
    for model, offer in free.items():
        if model not in quotes and model in template:
            quotes[model] = [
                replace(
                    template[model],
                    effective_at=now,
                    prices=(),
                    free_offer=offer,
                    date_basis=DateBasis.OBSERVED,
                )
            ]
