"""Ranking: which models are cheapest for a query's mix, and where one model stands.

    rank(query, snapshot, limit=None) -> Ranking
    standing(model_or_offer_id, query, snapshot) -> Standing

Rules (the reply states each one that applied):
- Models are ranked, not offers: each model once, at its cheapest offer for the mix
  (any seller unless the question says "direct only" or "via X"), naming the seller and
  how many other sellers offer it.
- Only models in an answering mode (chat, completion, responses) rank; models priced per
  image, song, second or request that would otherwise have ranked are counted.
- A model's cost is its offer's input price × input tokens + output price × output
  tokens, per 1M, in the query's currency, converted with the rate in force that day.
- Free now (an active free offer confirmed recently, or input and output both priced at
  zero by a source) is listed apart, not ranked at ¥0. A model free within a cap that
  also has paid prices is listed as free AND ranked at its paid price (past the cap you
  pay it). A free offer not confirmed within the window is not free (see
  bot.answers.offers).
- A model whose needed price is unknown at every offer is left out and counted, never
  taken as free; so is one priced in a currency with no exchange rate.
- With a prompt size, each offer's context tier for that size is used (and offers with a
  smaller context window drop out); without one, the base tier, and the reply notes the
  shown models whose longer prompts really cost more.
- Placeholder prices are set aside and named, never crowned (bot.answers.orders).
- For a past moment, models pricebot first saw only later are counted.

Pure: no I/O, no clock. Orders by (currency, prompt size, input:output ratio) are memoised
in the snapshot, so questions differing only in filters, amounts or top-N sort nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from bot.answers.cost import MILLION, CostBreakdown, cost_of
from bot.answers.left_out import non_text, non_text_modes, unseen
from bot.answers.modes import ANSWERING_MODES
from bot.answers.offers import STALE
from bot.answers.orders import Line, answering, order
from bot.answers.query import Mix, Query, QueryKind
from bot.answers.snapshot import PriceSnapshot
from bot.answers.walks import PASS, filtered, free_sets, verdict, walk
from bot.answers.wording import money
from storage import FreeOffer, FxRate, ModelPrices, Money


@dataclass(frozen=True, slots=True)
class RankedModel:
    """A paid model's place in a ranking, at its cheapest offer, with its cost for the mix."""

    position: int
    breakdown: CostBreakdown
    # A capped free offer the model also has (free within the cap, this price beyond it).
    free_offer: FreeOffer | None = None
    # The model's name ('Claude Opus 4.6'), whichever seller's offer is shown.
    name: str = ""
    # How many other sellers offer the model (past the question's filters).
    others: int = 0

    @property
    def model(self) -> ModelPrices:
        """The offer the model is ranked at."""
        return self.breakdown.model

    @property
    def model_key(self) -> str:
        return self.breakdown.model.model_key

    @property
    def cost(self) -> Money:
        total = self.breakdown.total
        assert total is not None  # ranked models have every needed price
        return total


@dataclass(frozen=True, slots=True)
class FreeModel:
    """A model free now at `model` (an offer); `offer` is None when both prices are zero."""

    model: ModelPrices
    offer: FreeOffer | None
    name: str = ""


@dataclass(frozen=True, slots=True)
class SetAside:
    """An offer whose price was set aside as a placeholder, and why."""

    model: ModelPrices
    cost: Money
    reason: str
    converted: bool = False


@dataclass(frozen=True, slots=True)
class Ranking:
    """The answer to 'cheapest for …' before it is worded."""

    query: Query
    as_of: datetime
    currency: str
    mix: Mix
    top: tuple[RankedModel, ...]
    # Paid models ranked after filters (top is the first `limit` of them).
    total: int
    free: tuple[FreeModel, ...]
    # Left out: a needed price unknown at every offer, or no rate to convert it.
    unknown: tuple[ModelPrices, ...]
    no_rate: tuple[ModelPrices, ...]
    # Left out of a context filter because no offer's context window is known.
    context_unknown: int
    # Offers set aside as placeholder prices (the first few, cheapest first), and how many.
    suspect: tuple[SetAside, ...]
    # Rates used (as published) for the ranked models' native currencies.
    rates: tuple[FxRate, ...]
    # Shown models with dearer tiers for longer prompts (only when no prompt size was asked).
    tiered: tuple[ModelPrices, ...]
    suspect_total: int = 0
    # Models in other modes (images, audio …) that the mix would have ranked, and their
    # modes, most common first.
    non_text: tuple[ModelPrices, ...] = ()
    non_text_modes: tuple[str, ...] = ()
    # For a past moment: models left out because pricebot first saw their prices later.
    unseen: int = 0
    # Offers whose free offer was not confirmed within the window ("was free").
    stale: tuple[ModelPrices, ...] = ()

    @property
    def cheapest(self) -> RankedModel | None:
        return self.top[0] if self.top else None

    def signature(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """What a saved question compares to notice that its answer changed: the shown
        models' offers in order with their costs, and the free offers."""
        return (
            tuple(f"{r.model.model_id}={r.cost.amount.normalize():f}" for r in self.top),
            tuple(sorted(f.model.model_id for f in self.free)),
        )


@dataclass(frozen=True, slots=True)
class Standing:
    """Where one model stands for a query: its position among paid models, or why not."""

    model_id: str
    position: int | None
    of: int
    cost: Money | None
    free: bool
    # Why it has no position: 'free', 'unknown price', 'no rate', 'filtered out',
    # 'set aside', 'not a chat model', 'no price'; None when it has one.
    reason: str | None = None
    # The offer it ranks at (its cheapest seller's) and that offer's seller.
    offer: str | None = None
    seller: str | None = None


def warm(
    snapshot: PriceSnapshot,
    currencies: tuple[str, ...] | None = None,
    *,
    recent: tuple[Query, ...] = (),
) -> None:
    """Compute the orders most questions need (blended 3:1, 1:1, input only, output only,
    in each currency the snapshot prices or converts) and those of `recent` questions, so
    no question waits for them."""
    if currencies is None:
        priced = {p.amount.currency for m in snapshot.models for p in m.prices.values()}
        priced |= {r.base for r in snapshot.rates} | {r.quote for r in snapshot.rates}
        currencies = tuple(sorted(priced))
    for currency in currencies:
        for inp, out in ((750_000, 250_000), (500_000, 500_000), (1_000_000, 0), (0, 1_000_000)):
            found = walk(snapshot, Query(QueryKind.CHEAPEST, "", Mix(inp, out), currency))
            if inp == 750_000:
                _ = found.models  # where a model stands: `price` and alerts ask
        money(Money(Decimal(1), currency))  # Babel reads a currency's data on first use
    for query in recent:
        walk(snapshot, query.with_as_of(None))
    snapshot.offers_of("")  # groups offers by model
    snapshot.vocabulary.prepare()  # "did you mean"
    _ = snapshot.free_until_next


def free_now(snapshot: PriceSnapshot, query: Query) -> tuple[FreeModel, ...]:
    """Models free now that pass the query's filters: unlimited first, capped last."""
    found = free_sets(snapshot, query)
    cached: tuple[FreeModel, ...] | None = found.memo.get("free_now")
    if cached is None:
        cached = tuple(
            FreeModel(offer, promise, snapshot.model_name(offer.model_key))
            for offer, promise in found.models
        )
        found.memo["free_now"] = cached
    return cached


def others(line: Line, query: Query, snapshot: PriceSnapshot) -> int:
    """How many other sellers offer the line's model, past the query's filters."""
    sellers = {
        o.vendor
        for o in snapshot.offers_of(line.key)
        if o.mode in ANSWERING_MODES and (not filtered(query) or verdict(o, query) == PASS)
    }
    return len(sellers - {line.seller})


def _ranked(position: int, line: Line, query: Query, snapshot: PriceSnapshot) -> RankedModel:
    breakdown = cost_of(
        line.offer,
        query.mix,
        query.currency,
        snapshot,
        prompt_tokens=query.prompt_tokens,
        zero_is_unknown=line.free == STALE,
    )
    capped = free_sets(snapshot, query).capped.get(line.key)
    return RankedModel(
        position, breakdown, capped, snapshot.model_name(line.key), others(line, query, snapshot)
    )


def rank(query: Query, snapshot: PriceSnapshot, *, limit: int | None = None) -> Ranking:
    """The paid models cheapest first for the query's mix, the free ones apart, and notes."""
    limit = query.top if limit is None else limit
    found = walk(snapshot, query)
    picked = found.top(limit)
    top = tuple(_ranked(i + 1, line, query, snapshot) for i, line in enumerate(picked))
    rates = []
    currencies = {c for line in picked for c in line.native}
    for native in sorted(currencies - {query.currency}):
        rate = snapshot.rate(native, query.currency)
        if rate is not None:
            rates.append(snapshot.stated_rate(rate))
    suspects = []
    for line, reason in found.aside[:5]:
        amount = Decimal(0)
        for price, tokens in (
            (line.input, query.mix.input_tokens),
            (line.output, query.mix.output_tokens),
        ):
            if price is not None and tokens:
                amount += price * tokens / MILLION
        converted = bool(line.native - {query.currency})
        suspects.append(SetAside(line.offer, Money(amount, query.currency), reason, converted))
    return Ranking(
        query=query,
        as_of=snapshot.as_of,
        currency=query.currency,
        mix=query.mix,
        top=top,
        total=found.total,
        free=free_now(snapshot, query),
        unknown=tuple(u.offer for u in found.unknown if u.no_rate is None),
        no_rate=tuple(u.offer for u in found.unknown if u.no_rate is not None),
        context_unknown=found.context_unknown,
        suspect=tuple(suspects),
        rates=tuple(rates),
        tiered=tuple(line.offer for line in picked if line.tiered)
        if query.prompt_tokens is None
        else (),
        suspect_total=len(found.aside),
        non_text=(others_modes := non_text(snapshot, query, found)),
        non_text_modes=non_text_modes(found, others_modes),
        unseen=unseen(snapshot, query),
        stale=found.free.stale,
    )


def standing(model_id: str, query: Query, snapshot: PriceSnapshot) -> Standing:
    """Where a model — or the model of an offer — ranks among models for `query` ("#3 of
    11"), or why it has no rank."""
    offer = snapshot.model(model_id)
    key = offer.model_key if offer is not None else snapshot.vocabulary.model_of(model_id)
    offers = snapshot.offers_of(key)
    if not offers:
        return Standing(model_id, None, 0, None, False, "no price")
    found = walk(snapshot, query)
    free = key in found.free.keys or key in found.free.capped
    of = found.total
    if not any(o.mode in ANSWERING_MODES for o in offers):
        return Standing(model_id, None, 0, None, free, "not a chat model")
    position = found.position(key)
    if position is not None:
        line = found.models[position - 1]
        cost = cost_of(
            line.offer,
            query.mix,
            query.currency,
            snapshot,
            prompt_tokens=query.prompt_tokens,
            zero_is_unknown=line.free == STALE,
        )
        return Standing(
            model_id, position, of, cost.total, free, offer=line.offer.model_id, seller=line.seller
        )
    if key in found.free.keys:
        return Standing(model_id, None, of, None, True, "free")
    if filtered(query) and not any(verdict(o, query) == PASS for o in offers):
        return Standing(model_id, None, of, None, free, "filtered out")
    if any(line.key == key for line, _ in found.aside):
        return Standing(model_id, None, of, None, free, "set aside")
    left_out = next((u for u in found.unknown if u.key == key), None)
    reason = "no rate" if left_out is not None and left_out.no_rate else "unknown price"
    return Standing(model_id, None, of, None, free, reason)


__all__ = [
    "FreeModel",
    "RankedModel",
    "Ranking",
    "SetAside",
    "Standing",
    "answering",
    "free_now",
    "order",
    "rank",
    "standing",
    "warm",
]
