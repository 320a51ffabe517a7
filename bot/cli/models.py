"""`pricebot models resolve NAME`: which model and offers a name means, and why.

The same resolution answers use (`bot.answers.vocabulary`), read from the store, with
the identity layer's steps for each offer (`bot.sources.identity`): how a feed key
became the offer id and the model it sells. `prices show` resolves names here too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli.common import fail, open_store, print_json, print_table
from storage import PriceKind, format_money

if TYPE_CHECKING:
    from bot.answers.vocabulary import Vocabulary
    from storage import ModelInfo, ModelPrices, PriceStore
    from storage.source_listings import Listing

app = typer.Typer(help="Models and offers: which model a name means, who sells it.")


@dataclass(frozen=True)
class Offer:
    """One seller's offer of the resolved model, with what the store holds of it now."""

    info: ModelInfo
    prices: ModelPrices | None
    listings: list[Listing]
    steps: tuple[str, ...]

    @property
    def seller(self) -> str:
        return self.info.vendor


@dataclass(frozen=True)
class Resolution:
    """What a name means: a model (all its offers) or one offer, and why."""

    name: str
    model: str
    model_name: str
    maker: str
    # The offer the name picked (a full offer id), else None: the model as a whole.
    offer: str | None
    why: str
    offers: list[Offer] = field(default_factory=list)

    @property
    def maker_offer(self) -> Offer | None:
        return next((o for o in self.offers if o.seller == self.maker), None)

    @property
    def chosen(self) -> Offer | None:
        """The offer a bare name means: the named one, else the maker's, else the first."""
        if self.offer is not None:
            return next((o for o in self.offers if o.info.model_id == self.offer), None)
        return self.maker_offer or (self.offers[0] if self.offers else None)


def _why(phrase: str, target: str, vocabulary: Vocabulary, aliases: dict[str, str]) -> str:
    from bot.answers.vocabulary import squash

    key = squash(phrase)
    if target in vocabulary.offers and squash(target) == key and target not in vocabulary.models:
        return f"it is the offer id {target}"
    model = vocabulary.model_of(target)
    if squash(model) == key:
        return "it is the model's id"
    if squash(model.split("/", 1)[1]) == key:
        return f"it is the model's own name, {model.split('/', 1)[1]}"
    for alias, offer_id in aliases.items():
        if squash(alias) == key and offer_id in vocabulary.offers:
            return f"it is an alias of the offer {offer_id} (a feed's other spelling)"
    for offer in vocabulary.offers.values():
        if offer.model_key == target and squash(offer.display_name) == key:
            return f"it is the name {offer.display_name!r} of the offer {offer.model_id}"
    for offer in vocabulary.offers.values():
        if offer.model_key == target and squash(offer.model_id.split("/", 1)[1]) == key:
            return f"it is the bare name of the offer {offer.model_id}"
    return "its spelling matches (case, spaces, hyphens and dots between digits aside)"


def guess_model(store: PriceStore, name: str, *, now: datetime) -> tuple[str, str] | None:
    """For a name the store does not know: the closest model, as ('Qwen-Long
    (alibaba/qwen-long)', 'qwen-long') — its label and the short name to type."""
    from bot.answers import load_snapshot

    vocabulary = load_snapshot(store, now).vocabulary
    guesses = vocabulary.suggest_models(name)
    if not guesses:
        return None
    return vocabulary.label(guesses[0]), vocabulary.short(guesses[0])


def resolve(store: PriceStore, name: str, *, now: datetime, example: str) -> Resolution:
    """The model or offer `name` means; a user error naming candidates when it is not one."""
    from bot.answers.cache import load_snapshot
    from bot.sources.identity import identify
    from storage import SourceState

    snapshot = load_snapshot(store, now)
    vocabulary = snapshot.vocabulary
    target = vocabulary.model(name)
    if target is None:
        candidates = vocabulary.ambiguous(name)
        if candidates:
            listed = "; ".join(vocabulary.candidate(c) for c in candidates[:5])
            fail(f"{name!r} could mean several models: {listed}; say which", example)
        guesses = vocabulary.suggest_models(name)
        if guesses:
            fail(
                f"unknown model {name!r}; did you mean {vocabulary.label(guesses[0])}?",
                example.rsplit(" ", 1)[0] + " " + vocabulary.short(guesses[0]),
            )
        fail(f"unknown model {name!r}", example)
    aliases = store.aliases()
    model = vocabulary.model_of(target)
    state = SourceState(store.engine)
    offers = []
    for info in sorted(store.models(), key=lambda m: m.model_id):
        if (info.canonical_id or info.model_id) != model:
            continue
        seller_name = info.model_id.split("/", 1)[1]
        offers.append(
            Offer(
                info=info,
                prices=snapshot.model(info.model_id),
                listings=state.listings(info.model_id),
                steps=identify(info.vendor, seller_name).steps,
            )
        )
    return Resolution(
        name=name,
        model=model,
        model_name=vocabulary.name(model),
        maker=model.split("/", 1)[0],
        offer=target if vocabulary.is_offer(target) else None,
        why=_why(name, target, vocabulary, aliases),
        offers=offers,
    )


def listing_note(listings: list[Listing]) -> str:
    """'listed by genai-prices, litellm' or 'no longer listed by openrouter since 2026-11-20'."""
    listed = [x.source for x in listings if not x.delisted]
    gone = [x for x in listings if x.delisted and x.delisted_at is not None]
    parts = []
    if listed:
        parts.append("listed by " + ", ".join(listed))
    parts += [f"no longer listed by {x.source} since {x.delisted_at:%Y-%m-%d}" for x in gone]
    return "; ".join(parts) or "not listed by any source"


def _price(offer: Offer, kind: PriceKind) -> str:
    point = offer.prices.price(kind) if offer.prices else None
    return format_money(point.amount) if point else "—"


def _offer_json(offer: Offer, maker: str) -> dict[str, Any]:
    prices = offer.prices
    return {
        "offer": offer.info.model_id,
        "seller": offer.seller,
        "maker_offer": offer.seller == maker,
        "name": offer.info.display_name,
        "mode": offer.info.mode,
        "prices": [
            {
                "kind": p.kind.value,
                "tier": p.tier,
                "amount": str(p.amount.amount),
                "currency": p.amount.currency,
                "per": "1M tokens",
                "effective": p.effective_at.isoformat(),
                "date_basis": p.date_basis.value,
                "source": p.source,
            }
            for p in (prices.prices.values() if prices else ())
        ],
        "listings": [
            {
                "source": x.source,
                "first_seen": x.first_seen_at.isoformat(),
                "last_seen": x.last_seen_at.isoformat() if x.last_seen_at else None,
                "delisted": x.delisted_at.isoformat() if x.delisted_at else None,
            }
            for x in offer.listings
        ],
        "identity": list(offer.steps),
    }


@app.command("resolve")
def models_resolve(
    name: Annotated[str, typer.Argument(help="A model or offer name, e.g. claude-opus-4.6.")],
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Which model and offers a name means, and why (the identity layer's steps)."""
    store = open_store()
    found = resolve(
        store, name, now=datetime.now(UTC), example="models resolve anthropic/claude-opus-4-6"
    )
    if json_out:
        print_json(
            {
                "name": found.name,
                "model": found.model,
                "model_name": found.model_name,
                "maker": found.maker,
                "offer": found.offer,
                "why": found.why,
                "offers": [_offer_json(o, found.maker) for o in found.offers],
            }
        )
        return
    picked = f"the offer {found.offer} of" if found.offer else "the model"
    typer.echo(f"{name!r} means {picked} {found.model_name} ({found.model}): {found.why}.")
    maker = found.maker_offer
    if maker is None:
        typer.echo(f"Made by {found.maker}, which does not sell it here; a bare name means its")
        typer.echo("cheapest offer.")
    else:
        typer.echo(
            f"Made by {found.maker}; a bare name means its own offer, {maker.info.model_id}."
        )
    typer.echo(f"\n{len(found.offers)} offer{'s' if len(found.offers) != 1 else ''}:")
    print_table(
        ["offer", "seller", "input", "output", "sources"],
        [
            [
                o.info.model_id + (" (maker)" if o.seller == found.maker else ""),
                o.seller,
                _price(o, PriceKind.INPUT),
                _price(o, PriceKind.OUTPUT),
                listing_note(o.listings),
            ]
            for o in found.offers
        ],
    )
    typer.echo("\nwhy each offer sells this model:")
    for offer in found.offers:
        typer.echo(f"  {offer.info.model_id}: " + "; ".join(offer.steps))
