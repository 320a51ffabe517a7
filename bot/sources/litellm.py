"""LiteLLM's price map (`model_prices_and_context_window.json`), from a URL or a file.

An object of entries keyed by model; prices are USD **per token** as JSON
floats, converted exactly (`Decimal(str(x))` × 1,000,000). LiteLLM has no
dates: every price is OBSERVED at the fetch. Every key goes through
`bot.sources.identity` (offer and model). Traps handled here:

- zero means "unknown" or "local" (ollama), not free: zeros are unknown;
- the same offer under several keys (`deepseek-chat`, `deepseek/deepseek-chat`)
  is one offer; the bare key becomes an alias (not for clouds and routers,
  whose bare names belong to the model's maker); figures that agree are merged,
  figures that differ are skipped this time and reported;
- `sample_spec` documents the format and is not a model; `alias_of` entries
  (pointers that move), routers (`openrouter/openrouter/auto`) and entries
  priced per image, second or query rather than per token are left out and
  named in `Snapshot.skipped`;
- prices above a prompt length (`*_above_128k_tokens`, `tiered_pricing`)
  are context tiers; batch, flex and priority prices are left out;
- the mode is kept (only chat and completion models answer questions), except
  that a model whose name says it makes images (flux, stable-diffusion, dall-e,
  …) is `image_generation` whatever LiteLLM files it as (Fireworks'
  `flux-1-dev-controlnet-union` is filed as chat at $0.001 per 1M).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, PlainValidator, ValidationError

from bot.sources.base import (
    PER_TOKEN,
    AmountReader,
    FeedError,
    FeedNumber,
    FeedSource,
    Rejected,
    Snapshot,
    feed_number,
    first_error,
    read_json,
)
from bot.sources.identity import Identity, identify, is_reseller, vendor_name
from bot.sources.makers import makes_images
from storage import DateBasis, Money, Price, PriceKind, Quote

NAME = "litellm"
DEFAULT_URL = (
    "https://raw.githubusercontent.com/BerriAI/litellm/main/model_prices_and_context_window.json"
)

_FIELDS = {
    "input_cost_per_token": PriceKind.INPUT,
    "output_cost_per_token": PriceKind.OUTPUT,
    "cache_read_input_token_cost": PriceKind.CACHED_INPUT,
    "cache_creation_input_token_cost": PriceKind.CACHE_WRITE,
}
# A price in another unit (per image, per second, per query, …): not per token.
_OTHER_UNIT = re.compile(r"_cost_per_(?!token)|_cost$|cost_per_(?!token)")
_ABOVE = re.compile(
    r"^(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost"
    r"|cache_creation_input_token_cost)_above_(\d+)k_tokens$"
)


def _count(raw: object) -> int | None:
    """A token count, or None when the feed's value is not one (some are prose)."""
    number = feed_number(raw)
    if number is None or not number.is_finite() or number <= 0:
        return None
    return int(number)


TokenCount = Annotated[int | None, PlainValidator(_count)]


class LiteLLMTier(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    range: list[FeedNumber] = []
    input_cost_per_token: FeedNumber = None
    output_cost_per_token: FeedNumber = None
    cache_read_input_token_cost: FeedNumber = None


class LiteLLMEntry(BaseModel):
    """One entry of the price map; unknown fields are kept for the `_above_Nk` tiers."""

    model_config = ConfigDict(extra="allow", frozen=True)

    litellm_provider: str | None = None
    mode: str | None = None
    max_input_tokens: TokenCount = None
    input_cost_per_token: FeedNumber = None
    output_cost_per_token: FeedNumber = None
    cache_read_input_token_cost: FeedNumber = None
    cache_creation_input_token_cost: FeedNumber = None
    tiered_pricing: list[LiteLLMTier] | None = None
    alias_of: str | None = None
    source: str | None = None


class _Reader:
    def __init__(self, now: datetime, where: str) -> None:
        self.now = now
        self.where = where
        self.amounts = AmountReader(PER_TOKEN, zero_is_free=False)
        self.rejected: list[Rejected] = []

    def prices(self, entry: LiteLLMEntry) -> tuple[Price, ...]:
        levels: dict[tuple[PriceKind, int], Decimal | None] = {}
        for band in entry.tiered_pricing or []:
            start = band.range[0] if band.range else None
            if start is None or not start.is_finite() or start < 0:
                continue
            for field in ("input_cost_per_token", "output_cost_per_token"):
                levels[(_FIELDS[field], int(start))] = getattr(band, field)
            levels[(PriceKind.CACHED_INPUT, int(start))] = band.cache_read_input_token_cost
        for field, kind in _FIELDS.items():
            value = getattr(entry, field)
            if value is not None:
                levels[(kind, 0)] = value
        for field, value in (entry.model_extra or {}).items():
            match = _ABOVE.match(field)
            if match:
                levels[(_FIELDS[match.group(1)], int(match.group(2)) * 1000)] = feed_number(value)
        found = []
        for (kind, tier), raw in sorted(levels.items(), key=lambda item: (item[0][1], item[0][0])):
            amount = self.amounts.read(raw)
            if amount is not None:
                found.append(Price(kind, Money(amount, "USD"), tier))
        return tuple(found)

    def quote(self, key: str, entry: LiteLLMEntry, who: Identity) -> Quote:
        provider = entry.litellm_provider or ""
        name = who.offer_id.split("/", 1)[1]
        bare = "/" not in key and not is_reseller(who.seller) and key.lower() != who.offer_id
        mode = (entry.mode or "unknown")[:32]
        if makes_images(name) and not mode.startswith("image"):
            mode = "image_generation"  # LiteLLM files some image models as chat
        return Quote(
            model_id=who.offer_id,
            vendor=who.seller,
            vendor_name=vendor_name(who.seller, provider),
            display_name=name,
            effective_at=self.now,
            prices=self.prices(entry),
            context_window=entry.max_input_tokens,
            aliases=(key.lower(),) if bare else (),
            mode=mode,
            source_ref=entry.source
            if entry.source and entry.source.startswith("http")
            else "LiteLLM model_prices_and_context_window.json",
            canonical_id=who.canonical_id,
            date_basis=DateBasis.OBSERVED,
        )

    def snapshot(self, data: dict[str, Any]) -> Snapshot:
        by_offer: dict[str, Quote] = {}
        conflicting: set[str] = set()
        skipped: list[Rejected] = []
        entries = 0
        for key, raw in data.items():
            if key == "sample_spec":
                continue
            entries += 1
            if not isinstance(raw, dict):
                self.rejected.append(Rejected(key, "entry is not an object"))
                continue
            try:
                entry = LiteLLMEntry.model_validate(raw)
            except ValidationError as exc:
                self.rejected.append(Rejected(key, first_error(exc)))
                continue
            if entry.alias_of:
                skipped.append(Rejected(key, f"alias of {entry.alias_of}: a pointer, not a model"))
                continue
            if not entry.litellm_provider:
                self.rejected.append(Rejected(key, "litellm_provider is missing"))
                continue
            who = identify(entry.litellm_provider, key)
            if who.pointer:
                skipped.append(Rejected(key, who.steps[-1]))
                continue
            if who.refused:
                self.rejected.append(Rejected(key, f"not a usable model id: {who.refused}"))
                continue
            other = _other_units(entry)
            if other:
                skipped.append(Rejected(key, f"not priced per token ({', '.join(other)})"))
                continue
            quote = self.quote(key, entry, who)
            twin = by_offer.get(quote.model_id)
            if twin is None:
                by_offer[quote.model_id] = quote
                continue
            # The same offer under two keys is one offer: figures that agree are merged
            # (an entry without prices gives way to one with them); figures that differ
            # cannot both be right, so the offer is skipped this time and reported.
            merged = _merged(twin, quote)
            if merged is None:
                conflicting.add(quote.model_id)
            else:
                by_offer[quote.model_id] = merged
        for mid in sorted(conflicting):
            del by_offer[mid]
            self.rejected.append(
                Rejected(mid, "listed twice with different prices; skipped this time")
            )
        return Snapshot(
            source=NAME,
            location=self.where,
            quotes=tuple(by_offer.values()),
            entries=entries,
            rejected=tuple(self.rejected),
            unknown_prices=self.amounts.unknown,
            skipped=tuple(skipped),
        )


def _other_units(entry: LiteLLMEntry) -> list[str]:
    """The price fields in other units of an entry with no nonzero token price."""
    for amount in (entry.input_cost_per_token, entry.output_cost_per_token):
        if amount is not None and amount.is_finite() and amount > 0:
            return []
    if entry.tiered_pricing:
        return []
    return sorted(
        field
        for field, value in (entry.model_extra or {}).items()
        if _OTHER_UNIT.search(field) and isinstance(value, int | float) and value > 0
    )


def _merged(first: Quote, second: Quote) -> Quote | None:
    """Two keys' quotes for one offer as one, or None when their figures disagree."""
    prices = {(p.kind, p.tier): p for p in first.prices}
    for price in second.prices:
        if prices.setdefault((price.kind, price.tier), price) != price:
            return None
    richer = second if len(second.prices) > len(first.prices) else first
    return replace(
        richer,
        prices=tuple(sorted(prices.values(), key=lambda p: (p.tier, p.kind))),
        aliases=tuple(dict.fromkeys(first.aliases + second.aliases)),
    )


def parse_litellm(body: bytes, now: datetime, where: str) -> Snapshot:
    """Read LiteLLM's price map into a Snapshot; every price is effective `now`."""
    data = read_json(body, where, "LiteLLM's price map (JSON)")
    if not isinstance(data, dict):
        raise FeedError(
            f"{where}: not LiteLLM's price map: expected an object of models, "
            f"got {type(data).__name__}"
        )
    return _Reader(now, where).snapshot(data)


def source(url: str) -> FeedSource:
    """LiteLLM's price map at `url` (or a file)."""
    return FeedSource(
        name=NAME,
        description="LiteLLM price map: ~4,900 entries, USD per token, no history",
        parse=parse_litellm,
        url=url,
    )
