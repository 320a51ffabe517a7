"""OpenRouter's models API (`GET /api/v1/models`), from a URL or a file.

`{"data": [model]}`; each model's `pricing` holds decimal strings in USD per
token. OpenRouter resells other makers' models, so its offers belong to the
seller `openrouter`: `anthropic/claude-opus-4.6` there is the offer
`openrouter/anthropic/claude-opus-4.6` of the model `anthropic/claude-opus-4-6`
(`bot.sources.identity`). No history: every price is OBSERVED at the fetch.
Traps handled here:

- `"0"` is free; `"-1"` is a dynamic price: unknown;
- `~…` pointers (`~anthropic/claude-opus-latest`) and routers (`openrouter/auto`)
  are not models: left out and named in `Snapshot.skipped`;
- a model whose output is not only text (Google's `lyria-3-pro-preview` makes
  songs) has the mode of what it makes (`audio`, `image`), and its zero token
  prices are not free (unknown): it is billed per song or image. A model with
  only per-request or per-image prices is not priced per token either; such
  entries with no token price left are skipped;
- a `:free` variant with zero prices is a free offer of its base model (ending
  on its `expiration_date` when it has one), not a model of its own; when it
  leaves the feed while the base model stays, the free offer has ended;
- `:batch` variants are not the standard price and are left out;
- a model listed twice with different prices is skipped this time (and
  reported): neither figure can be trusted.
"""

from __future__ import annotations

from dataclasses import replace
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
from bot.sources.identity import (
    FREE_VARIANT_CAP,
    identify,
    model_id,
    split_variant,
    vendor_name,
)
from storage import DateBasis, FreeOffer, Money, Price, PriceKind, Quote

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
    # Prices in other units: per request, per image.
    request: FeedNumber = None
    image: FeedNumber = None


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
    """`chat` for a text model; else what it makes beyond text (`audio`, `image`)."""
    outputs = model.architecture.output_modalities if model.architecture else None
    made = [m.lower() for m in outputs or [] if m.lower() != "text"]
    if not made:
        return "chat"
    return ("audio" if "audio" in made else "image" if "image" in made else made[0])[:32]


def _other_units(pricing: OpenRouterPricing) -> list[str]:
    return [
        field
        for field in ("request", "image")
        if (value := getattr(pricing, field)) is not None and value.is_finite() and value > 0
    ]


def parse_openrouter(body: bytes, now: datetime, where: str) -> Snapshot:
    """Read the models API response into a Snapshot; every price is effective `now`."""
    raw = read_json(body, where, "OpenRouter's models JSON")
    try:
        feed = OpenRouterFeed.model_validate(raw)
    except ValidationError as exc:
        raise FeedError(
            f"{where}: not OpenRouter's models list ({{'data': [...]}}): {first_error(exc)}"
        ) from None
    token_amounts = AmountReader(PER_TOKEN, zero_is_free=True)
    # Token prices of a model billed in other units: a zero there is not free.
    other_amounts = AmountReader(PER_TOKEN, zero_is_free=False)
    rejected: list[Rejected] = []
    skipped: list[Rejected] = []
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
            skipped.append(Rejected(model.id, "batch variant: not the standard price"))
            continue
        who = identify(
            VENDOR,
            base if variant == "free" else model.id,
            display_name=model.name,
            slug=model.canonical_slug,
        )
        if who.pointer:
            skipped.append(Rejected(model.id, who.steps[-1]))
            continue
        if who.refused:
            rejected.append(Rejected(model.id, f"not a usable model id: {who.refused}"))
            continue
        mid = who.offer_id
        mode = _mode(model)
        other = _other_units(model.pricing)
        # Zero is free only for a text model priced per token; a song or an image
        # billed otherwise at "0" per token is not free, its token price is unknown.
        token_priced = mode == "chat" and not other
        amounts = token_amounts if token_priced else other_amounts
        prices = tuple(
            Price(kind, Money(amount, "USD"))
            for field, kind in _FIELDS.items()
            if (amount := amounts.read(getattr(model.pricing, field))) is not None
        )
        if not token_priced and not prices:
            why = f"priced per {' and per '.join(other)}" if other else f"makes {mode}"
            skipped.append(Rejected(model.id, f"{why}: not priced per token"))
            continue
        aliases = []
        # A variant shares its base model's slug: that slug names the base offer, not this.
        if model.canonical_slug and model.canonical_slug != model.id and variant is None:
            alias = model_id(VENDOR, model.canonical_slug)
            if alias and alias != mid:
                aliases.append(alias)
        quote = Quote(
            model_id=mid,
            vendor=VENDOR,
            vendor_name=seller,
            display_name=(model.name or base).removesuffix(" (free)"),
            effective_at=now,
            prices=prices,
            context_window=model.context_length if model.context_length else None,
            aliases=tuple(aliases),
            mode=mode,
            source_ref=f"https://openrouter.ai/{base}",
            canonical_id=who.canonical_id,
            date_basis=DateBasis.OBSERVED,
        )
        if variant == "free":
            if not prices or not all(p.amount.is_zero for p in prices):
                skipped.append(Rejected(model.id, "':free' variant that is not priced at zero"))
                continue
            until = (
                datetime.combine(model.expiration_date, time(0), tzinfo=UTC)
                if model.expiration_date
                else None
            )
            free[mid] = FreeOffer(active=True, until=until, cap_note=FREE_VARIANT_CAP)
            templates.setdefault(mid, replace(quote, prices=()))
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
        unknown_prices=token_amounts.unknown + other_amounts.unknown,
        skipped=tuple(skipped),
    )


def source(url: str) -> FeedSource:
    """OpenRouter's models API at `url` (or a saved response in a file)."""
    return FeedSource(
        name=NAME,
        description="OpenRouter models API: resold models, USD per token, :free offers",
        parse=parse_openrouter,
        url=url,
    )
