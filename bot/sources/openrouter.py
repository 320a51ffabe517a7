"""OpenRouter's models API (`GET /api/v1/models`), from a URL or a file.

`{"data": [model]}`; each model's `pricing` holds decimal strings in USD per
token. OpenRouter resells other makers' models, so its offers are models of
the vendor `openrouter`: `deepseek/deepseek-chat` there is
`openrouter/deepseek/deepseek-chat` here. Traps handled here:

- `"0"` is free; `"-1"` is a dynamic price (routers, `~latest` aliases): unknown;
- a `:free` variant is a free offer of its base model (ending on its
  `expiration_date` when it has one), not a model of its own; when it leaves
  the feed while the base model stays, the free offer has ended;
- `:batch` variants are not the standard price and are left out;
- a model listed twice with different prices is skipped this time (and
  reported): neither figure can be trusted.

No history: every price is effective at the fetch.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from bot.sources.base import (
    PER_TOKEN,
    AmountReader,
    FeedError,
    FeedNumber,
    FeedSource,
    Rejected,
    Snapshot,
    apply_free_variants,
    first_error,
    read_json,
)
from bot.sources.identity import FREE_VARIANT_CAP, model_id, split_variant, vendor_name
from storage import FreeOffer, Money, Price, PriceKind, Quote

NAME = "openrouter"
VENDOR = "openrouter"
DEFAULT_URL = "https://openrouter.ai/api/v1/models"

_FIELDS = {
    "prompt": PriceKind.INPUT,
    "completion": PriceKind.OUTPUT,
    "input_cache_read": PriceKind.CACHED_INPUT,
    "input_cache_write": PriceKind.CACHE_WRITE,
}


def _lenient_date(raw: object) -> object:
    """An expiration date, or None when it is not one (it is advisory)."""
    if raw is None or isinstance(raw, date):
        return raw
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw[:10])
        except ValueError:
            return None
    return None


class OpenRouterPricing(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    prompt: FeedNumber = None
    completion: FeedNumber = None
    input_cache_read: FeedNumber = None
    input_cache_write: FeedNumber = None


class OpenRouterArchitecture(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    output_modalities: list[str] | None = None


class OpenRouterModel(BaseModel):
    """One model of the API's `data` list."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: str
    name: str | None = None
    canonical_slug: str | None = None
    context_length: int | None = None
    pricing: OpenRouterPricing
    architecture: OpenRouterArchitecture | None = None
    expiration_date: Annotated[date | None, BeforeValidator(_lenient_date)] = None


class OpenRouterFeed(BaseModel):
    """The response; models are validated one by one so one bad entry spoils nothing else."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    data: list[dict[str, Any]]


def _mode(model: OpenRouterModel) -> str:
    outputs = model.architecture.output_modalities if model.architecture else None
    if not outputs or "text" in outputs:
        return "chat"
    return outputs[0][:32]


def parse_openrouter(body: bytes, now: datetime, where: str) -> Snapshot:
    """Read the models API response into a Snapshot; every price is effective `now`."""
    raw = read_json(body, where, "OpenRouter's models JSON")
    try:
        feed = OpenRouterFeed.model_validate(raw)
    except ValidationError as exc:
        raise FeedError(
            f"{where}: not OpenRouter's models list ({{'data': [...]}}): {first_error(exc)}"
        ) from None
    amounts = AmountReader(PER_TOKEN, zero_is_free=True)
    rejected: list[Rejected] = []
    listed: dict[str, tuple[OpenRouterModel, Quote]] = {}
    conflicting: set[str] = set()
    free: dict[str, FreeOffer] = {}
    templates: dict[str, Quote] = {}
    seller = vendor_name(VENDOR)
    for item in feed.data:
        try:
            model = OpenRouterModel.model_validate(item)
        except ValidationError as exc:
            rejected.append(Rejected(str(item.get("id", "?")), first_error(exc)))
            continue
        base, variant = split_variant(model.id)
        if variant == "batch":
            continue
        mid = model_id(VENDOR, base if variant == "free" else model.id)
        if mid is None:
            rejected.append(Rejected(model.id, "not a usable model id"))
            continue
        aliases = []
        if model.canonical_slug and model.canonical_slug != model.id:
            alias = model_id(VENDOR, model.canonical_slug)
            if alias and alias != mid:
                aliases.append(alias)
        prices = tuple(
            Price(kind, Money(amount, "USD"))
            for field, kind in _FIELDS.items()
            if (amount := amounts.read(getattr(model.pricing, field))) is not None
        )
        quote = Quote(
            model_id=mid,
            vendor=VENDOR,
            vendor_name=seller,
            display_name=(model.name or base).removesuffix(" (free)"),
            effective_at=now,
            prices=prices,
            context_window=model.context_length if model.context_length else None,
            aliases=tuple(aliases),
            mode=_mode(model),
            source_ref=f"https://openrouter.ai/{base}",
        )
        if variant == "free":
            until = (
                datetime.combine(model.expiration_date, time(0), tzinfo=UTC)
                if model.expiration_date
                else None
            )
            free[mid] = FreeOffer(active=True, until=until, cap_note=FREE_VARIANT_CAP)
            templates.setdefault(mid, quote)
            continue
        seen = listed.get(mid)
        if seen is not None and seen[1].prices != quote.prices:
            conflicting.add(mid)
        listed.setdefault(mid, (model, quote))
    for mid in sorted(conflicting):
        del listed[mid]
        rejected.append(Rejected(mid, "listed twice with different prices; skipped this time"))
    quotes = {mid: [quote] for mid, (_, quote) in listed.items()}
    apply_free_variants(
        quotes,
        {m: o for m, o in free.items() if m not in conflicting},
        template=templates,
        now=now,
    )
    return Snapshot(
        source=NAME,
        location=where,
        quotes=tuple(q for qs in quotes.values() for q in qs),
        entries=len(feed.data),
        rejected=tuple(rejected),
        unknown_prices=amounts.unknown,
    )


def source(url: str) -> FeedSource:
    """OpenRouter's models API at `url` (or a saved response in a file)."""
    return FeedSource(
        name=NAME,
        description="OpenRouter models API: resold models, USD per token, :free offers",
        parse=parse_openrouter,
        url=url,
    )
