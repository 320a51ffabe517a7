"""LiteLLM's price map (`model_prices_and_context_window.json`), from a URL or a file.

An object of entries keyed by model; prices are USD **per token** as JSON
floats, converted exactly (`Decimal(str(x))` × 1,000,000). LiteLLM has no
history: every price is effective at the fetch. Traps handled here:

- zero means "unknown" or "local" (ollama), not free: zeros are unknown;
- the same model bare and prefixed (`deepseek-chat`, `deepseek/deepseek-chat`)
  is one model; the bare key becomes an alias (not for clouds and routers,
  whose bare names belong to the model's maker); when the two disagree on
  price, the model is skipped this time and reported;
- `sample_spec` documents the format and is not a model; `alias_of` entries
  ("…-latest" pointers that move) are not recorded;
- prices above a prompt length (`*_above_128k_tokens`, `tiered_pricing`)
  are context tiers; batch, flex and priority prices are left out;
- the mode is kept: only chat and completion models answer questions.
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
    read_json,
)
from bot.sources.identity import RESELLERS, model_id, vendor_id, vendor_name
from storage import Money, Price, PriceKind, Quote

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


def _strip_provider(key: str, provider: str, vendor: str) -> str:
    """The seller's own name: `deepseek/deepseek-chat` → `deepseek-chat`."""
    first, sep, rest = key.partition("/")
    if sep and rest and (first.lower() == provider.lower() or vendor_id(first) == vendor):
        return rest
    return key


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

    def quote(self, key: str, entry: LiteLLMEntry) -> Quote | None:
        provider = entry.litellm_provider or ""
        vendor = vendor_id(provider)
        name = _strip_provider(key, provider, vendor)
        mid = model_id(vendor, name)
        if mid is None:
            self.rejected.append(Rejected(key, "not a usable model id"))
            return None
        bare = "/" not in key and vendor not in RESELLERS and key.lower() != mid
        return Quote(
            model_id=mid,
            vendor=vendor,
            vendor_name=vendor_name(vendor, provider),
            display_name=name,
            effective_at=self.now,
            prices=self.prices(entry),
            context_window=entry.max_input_tokens,
            aliases=(key.lower(),) if bare else (),
            mode=(entry.mode or "unknown")[:32],
            source_ref=entry.source
            if entry.source and entry.source.startswith("http")
            else "LiteLLM model_prices_and_context_window.json",
        )

    def snapshot(self, data: dict[str, Any]) -> Snapshot:
        by_model: dict[str, Quote] = {}
        conflicting: set[str] = set()
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
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                self.rejected.append(Rejected(key, f"{where}: {first['msg']}"))
                continue
            if entry.alias_of:
                continue
            if not entry.litellm_provider:
                self.rejected.append(Rejected(key, "litellm_provider is missing"))
                continue
            quote = self.quote(key, entry)
            if quote is None:
                continue
            twin = by_model.get(quote.model_id)
            if twin is None:
                by_model[quote.model_id] = quote
                continue
            # The same model under two keys is one model. An entry without prices
            # gives way to one with them; two different sets of prices cannot both be
            # right, so the model is skipped this time and reported.
            if twin.prices and quote.prices and set(twin.prices) != set(quote.prices):
                conflicting.add(quote.model_id)
            chosen = quote if len(quote.prices) > len(twin.prices) else twin
            by_model[quote.model_id] = replace(
                chosen, aliases=tuple(dict.fromkeys(twin.aliases + quote.aliases))
            )
        for mid in sorted(conflicting):
            del by_model[mid]
            self.rejected.append(
                Rejected(mid, "listed twice with different prices; skipped this time")
            )
        return Snapshot(
            source=NAME,
            location=self.where,
            quotes=tuple(by_model.values()),
            entries=entries,
            rejected=tuple(self.rejected),
            unknown_prices=self.amounts.unknown,
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
