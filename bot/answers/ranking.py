"""Ranking: which models are cheapest for a query's mix, and where one model stands.

    rank(query, snapshot, limit=None) -> Ranking
    standing(model_id, query, snapshot) -> Standing

Rules (the reply states each one that applied):
- Only models whose mode is chat or completion are ranked.
- A model's cost is its input price × input tokens + output price × output tokens, per
  1M, in the query's currency, converted with the rate in force on the snapshot's day.
- Free now (an active free offer, or input and output both priced at zero by a source)
  is listed apart, not ranked at ¥0. A free offer with a cap note (a capped preview,
  rate-limited free tier) whose model also has paid prices is listed as free AND ranked
  at its paid price: past the cap you pay that price, so it belongs in the comparison
  (Gemini 1.5 Pro's preview in the price-war catalog).
- A model whose needed price is unknown is left out and counted, never taken as free;
  so is one priced in a currency with no exchange rate to the asked one.
- With a prompt size, each model's context tier for that size is used (and models with a
  smaller context window drop out); without one, the base tier, and the reply notes the
  shown models whose longer prompts cost more.
- Sanity filter: with at least 5 ranked models, a non-zero cost below 1/1000 of the
  median cost for the same mix is set aside as implausible (a mislabelled image model, a
  per-1K price stored as per-1M) and named in a footnote instead of being crowned.
  Zero is not implausible: it is a price a source called free.

Pure: no I/O, no clock. Orders by (currency, prompt size, input:output ratio) are memoised
in the snapshot, so questions differing only in filters, amounts or top-N sort nothing.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from operator import itemgetter
from typing import Any

from bot.answers.cost import CostBreakdown, cost_of, pick_point
from bot.answers.query import Mix, Query
from bot.answers.snapshot import PriceSnapshot
from storage import FreeOffer, FxRate, ModelPrices, Money, PriceKind, PricePoint

ANSWERING_MODES = frozenset({"chat", "completion"})
SUSPECT_FACTOR = Decimal(1000)
SUSPECT_MIN_MODELS = 5
_MEMO_LIMIT = 128

_PASS, _FILTERED, _CONTEXT_UNKNOWN = 0, 1, 2


@dataclass(frozen=True, slots=True)
class _Line:
    """One model's base (or prompt-tier) prices per 1M, converted to one currency."""

    model: ModelPrices
    input: Decimal | None
    output: Decimal | None
    # The native currency when it could not be converted (no rate), else None.
    no_rate: str | None
    native: frozenset[str]
    # 'free' (free now, not ranked), 'capped' (free within a cap, also ranked) or None.
    free: str | None
    tiered: bool


@dataclass(frozen=True, slots=True)
class _Order:
    """Every rankable model for one (currency, prompt, ratio), cheapest first."""

    ranked: tuple[tuple[Decimal, _Line], ...]
    unknown: tuple[_Line, ...]
    cutoff: Decimal | None
    suspects: int
    currencies: frozenset[str]


@dataclass(frozen=True, slots=True)
class RankedModel:
    """A paid model's place in a ranking, with its cost for the mix."""

    position: int
    breakdown: CostBreakdown
    # A capped free offer the model also has (free within the cap, this price beyond it).
    free_offer: FreeOffer | None = None

    @property
    def model(self) -> ModelPrices:
        return self.breakdown.model

    @property
    def cost(self) -> Money:
        total = self.breakdown.total
        assert total is not None  # ranked models have every needed price
        return total


@dataclass(frozen=True, slots=True)
class FreeModel:
    """A model free now; `offer` is None when it is free because both prices are zero."""

    model: ModelPrices
    offer: FreeOffer | None


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
    # Left out: a needed price unknown, or no rate to convert it.
    unknown: tuple[ModelPrices, ...]
    no_rate: tuple[ModelPrices, ...]
    # Left out of a context filter because the store does not know their context window.
    context_unknown: int
    # Set aside by the sanity filter.
    suspect: tuple[RankedModel, ...]
    # Rates used (as published) for the ranked models' native currencies.
    rates: tuple[FxRate, ...]
    # Shown models with dearer tiers for longer prompts (only when no prompt size was asked).
    tiered: tuple[ModelPrices, ...]

    @property
    def cheapest(self) -> RankedModel | None:
        return self.top[0] if self.top else None

    def signature(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """What a saved question compares to notice that its answer changed: the shown
        models in order with their costs, and the free models."""
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


def _memo(snapshot: PriceSnapshot) -> OrderedDict[tuple[object, ...], Any]:
    """Ranking's own derived values in the snapshot, least recently used dropped first."""
    memo = snapshot.memo.get("ranking")
    if memo is None:
        memo = snapshot.memo["ranking"] = OrderedDict()
    return memo  # type: ignore[no-any-return]


def _recall(snapshot: PriceSnapshot, key: tuple[object, ...]) -> Any:
    memo = _memo(snapshot)
    value = memo.get(key)
    if value is not None:
        memo.move_to_end(key)
    return value


def _remember(snapshot: PriceSnapshot, key: tuple[object, ...], value: object) -> None:
    memo = _memo(snapshot)
    memo[key] = value
    while len(memo) > _MEMO_LIMIT:
        memo.popitem(last=False)


def _free_kind(model: ModelPrices) -> str | None:
    offer = model.free_offer
    if offer is not None and offer.active:
        paid = any(not p.amount.is_zero for p in model.prices.values())
        return "capped" if offer.cap_note and paid else "free"
    return "free" if model.is_free else None


def _answering(snapshot: PriceSnapshot) -> tuple[tuple[ModelPrices, str | None], ...]:
    """Chat and completion models with their free kind, by name: the base order of ties."""
    key = ("answering",)
    cached = _recall(snapshot, key)
    if cached is None:
        models = sorted(
            (m for m in snapshot.models if m.mode in ANSWERING_MODES),
            key=lambda m: (m.display_name.lower(), m.model_id),
        )
        cached = tuple((m, _free_kind(m)) for m in models)
        _remember(snapshot, key, cached)
    return cached


def _points(
    snapshot: PriceSnapshot, prompt: int | None
) -> tuple[tuple[ModelPrices, str | None, PricePoint | None, PricePoint | None, bool], ...]:
    """Each answering model's input and output price for a prompt size, in its currency."""
    key = ("points", prompt)
    cached = _recall(snapshot, key)
    if cached is not None:
        return cached
    if prompt is None:
        cached = tuple(
            (
                model,
                free,
                model.price(PriceKind.INPUT, 0),
                model.price(PriceKind.OUTPUT, 0),
                any(tier for (_, tier) in model.prices),
            )
            for model, free in _answering(snapshot)
        )
    else:
        # Only models with tiers price a long prompt differently: reuse the rest.
        cached = tuple(
            (
                model,
                free,
                pick_point(model, PriceKind.INPUT, prompt),
                pick_point(model, PriceKind.OUTPUT, prompt),
                False,
            )
            if tiered
            else (model, free, in_point, out_point, False)
            for model, free, in_point, out_point, tiered in _points(snapshot, None)
        )
    _remember(snapshot, key, cached)
    return cached


def _lines(snapshot: PriceSnapshot, currency: str, prompt: int | None) -> tuple[_Line, ...]:
    key = ("lines", currency, prompt)
    cached = _recall(snapshot, key)
    if cached is not None:
        return cached
    factors: dict[str, Decimal | None] = {currency: None}
    lines = []
    # For a prompt size, only models with tiers change: the others keep their base line.
    base = _lines(snapshot, currency, None) if prompt is not None else None
    for index, (model, free, in_point, out_point, tiered) in enumerate(_points(snapshot, prompt)):
        if base is not None and not base[index].tiered:
            lines.append(base[index])
            continue
        values: list[Decimal | None] = [None, None]
        native: set[str] = set()
        no_rate: str | None = None
        for side, point in enumerate((in_point, out_point)):
            if point is None:
                continue
            own = point.amount.currency
            if own not in factors:
                rate = snapshot.rate(own, currency)
                factors[own] = rate.rate if rate is not None else Decimal(-1)
            factor = factors[own]
            if factor is None:
                values[side] = point.amount.amount
            elif factor < 0:
                no_rate = own
                continue
            else:
                values[side] = point.amount.amount * factor
            native.add(own)
        lines.append(_Line(model, values[0], values[1], no_rate, frozenset(native), free, tiered))
    result = tuple(lines)
    _remember(snapshot, key, result)
    return result


def warm(snapshot: PriceSnapshot, currencies: tuple[str, ...] | None = None) -> None:
    """Compute the orders most questions need (blended 3:1, input only, output only, in
    each currency the snapshot prices or converts) so no question waits for them."""
    if currencies is None:
        found = {p.amount.currency for m in snapshot.models for p in m.prices.values()}
        found |= {r.base for r in snapshot.rates} | {r.quote for r in snapshot.rates}
        currencies = tuple(sorted(found))
    for currency in currencies:
        for ratio in ((3, 1), (1, 0), (0, 1)):
            _order(snapshot, currency, None, ratio)
    _all_free(snapshot)
    _ = snapshot.free_until_next


def _order(
    snapshot: PriceSnapshot, currency: str, prompt: int | None, ratio: tuple[int, int]
) -> _Order:
    key = ("order", currency, prompt, ratio)
    cached = _recall(snapshot, key)
    if cached is not None:
        return cached
    weight_in, weight_out = Decimal(ratio[0]), Decimal(ratio[1])
    need_in, need_out = bool(ratio[0]), bool(ratio[1])
    ranked: list[tuple[Decimal, _Line]] = []
    unknown: list[_Line] = []
    currencies: set[str] = set()
    zero = Decimal(0)
    # This loop runs over every model for each new (currency, prompt, ratio): kept lean.
    for line in _lines(snapshot, currency, prompt):
        if line.free == "free":
            continue
        inp, out = line.input, line.output
        if (need_in and inp is None) or (need_out and out is None):
            unknown.append(line)
            continue
        unit = (inp * weight_in if need_in else zero) + (out * weight_out if need_out else zero)  # type: ignore[operator]
        ranked.append((unit, line))
        currencies |= line.native
    # Stable: equal costs keep the by-name order of `_answering`.
    ranked.sort(key=itemgetter(0))
    cutoff: Decimal | None = None
    suspects = 0
    if len(ranked) >= SUSPECT_MIN_MODELS:
        median = ranked[len(ranked) // 2][0]
        if median > 0:
            cutoff = median / SUSPECT_FACTOR
            suspects = sum(1 for unit, _ in ranked if 0 < unit < cutoff)
    order = _Order(tuple(ranked), tuple(unknown), cutoff, suspects, frozenset(currencies))
    _remember(snapshot, key, order)
    return order


def _verdict(model: ModelPrices, query: Query) -> int:
    if query.vendors and model.vendor not in query.vendors:
        return _FILTERED
    if model.vendor in query.exclude_vendors:
        return _FILTERED
    need = max(query.min_context or 0, query.prompt_tokens or 0)
    if need:
        if model.context_window is None:
            return _CONTEXT_UNKNOWN
        if model.context_window < need:
            return _FILTERED
    return _PASS


def _filters(query: Query) -> bool:
    return bool(query.vendors or query.exclude_vendors or query.min_context or query.prompt_tokens)


def _all_free(snapshot: PriceSnapshot) -> tuple[FreeModel, ...]:
    key = ("free",)
    cached = _recall(snapshot, key)
    if cached is not None:
        return cached
    found = []
    for model, free in _answering(snapshot):
        if free is None:
            continue
        offer = model.free_offer if model.free_offer and model.free_offer.active else None
        found.append(FreeModel(model, offer))

    def order(free: FreeModel) -> int:
        # Free without limits first, then free until a date, then free within caps.
        offer = free.offer
        return 0 if offer is None else 2 if offer.cap_note else 1 if offer.until else 0

    result = tuple(sorted(found, key=order))
    _remember(snapshot, key, result)
    return result


def free_now(snapshot: PriceSnapshot, query: Query) -> tuple[FreeModel, ...]:
    """Models free now that pass the query's filters: unlimited first, capped last."""
    every = _all_free(snapshot)
    if not _filters(query):
        return every
    return tuple(f for f in every if _verdict(f.model, query) == _PASS)


@dataclass(frozen=True, slots=True)
class _Walk:
    """An order with a query's filters applied (memoised: filters repeat too)."""

    ranked: tuple[tuple[Decimal, _Line], ...]
    unknown: tuple[_Line, ...]
    context_unknown: int
    # How many of `ranked` the sanity filter sets aside (they sit together near the top).
    suspects: int
    currencies: frozenset[str]


def _walk(snapshot: PriceSnapshot, query: Query) -> _Walk:
    order = _order(snapshot, query.currency, query.prompt_tokens, query.mix.ratio)
    if not _filters(query):
        return _Walk(order.ranked, order.unknown, 0, order.suspects, order.currencies)
    vendors, excluded = query.vendors, query.exclude_vendors
    need = max(query.min_context or 0, query.prompt_tokens or 0)
    key = ("walk", query.currency, query.prompt_tokens, query.mix.ratio, vendors, excluded, need)
    cached = _recall(snapshot, key)
    if cached is not None:
        return cached
    kept: list[tuple[Decimal, _Line]] = []
    context_unknown = 0
    currencies: set[str] = set()
    # The filters inlined: this loop runs over every ranked model.
    for pair in order.ranked:
        model = pair[1].model
        vendor = model.vendor
        if (vendors and vendor not in vendors) or vendor in excluded:
            continue
        if need:
            window = model.context_window
            if window is None:
                context_unknown += 1
                continue
            if window < need:
                continue
        kept.append(pair)
        currencies |= pair[1].native
    cutoff = order.cutoff
    suspects = sum(1 for unit, _ in kept if cutoff is not None and 0 < unit < cutoff)
    unknown = tuple(u for u in order.unknown if _verdict(u.model, query) == _PASS)
    walk = _Walk(tuple(kept), unknown, context_unknown, suspects, frozenset(currencies))
    _remember(snapshot, key, walk)
    return walk


def rank(query: Query, snapshot: PriceSnapshot, *, limit: int | None = None) -> Ranking:
    """The paid models cheapest first for the query's mix, the free ones apart, and notes."""
    limit = query.top if limit is None else limit
    order = _order(snapshot, query.currency, query.prompt_tokens, query.mix.ratio)
    walk = _walk(snapshot, query)
    cutoff = order.cutoff
    picked: list[_Line] = []
    suspects: list[_Line] = []
    for unit, line in walk.ranked:
        if cutoff is not None and 0 < unit < cutoff:
            suspects.append(line)
            continue
        if len(picked) >= limit and len(suspects) >= walk.suspects:
            break
        if len(picked) < limit:
            picked.append(line)
    top = tuple(_ranked(i + 1, line, query, snapshot) for i, line in enumerate(picked))
    rates = []
    for native in sorted(walk.currencies - {query.currency}):
        rate = snapshot.rate(native, query.currency)
        if rate is not None:
            rates.append(snapshot.stated_rate(rate))
    return Ranking(
        query=query,
        as_of=snapshot.as_of,
        currency=query.currency,
        mix=query.mix,
        top=top,
        total=len(walk.ranked) - walk.suspects,
        free=free_now(snapshot, query),
        unknown=tuple(u.model for u in walk.unknown if u.no_rate is None),
        no_rate=tuple(u.model for u in walk.unknown if u.no_rate is not None),
        context_unknown=walk.context_unknown,
        suspect=tuple(_ranked(0, line, query, snapshot) for line in suspects[:5]),
        rates=tuple(rates),
        tiered=tuple(line.model for line in picked if line.tiered),
    )


def _ranked(position: int, line: _Line, query: Query, snapshot: PriceSnapshot) -> RankedModel:
    breakdown = cost_of(
        line.model, query.mix, query.currency, snapshot, prompt_tokens=query.prompt_tokens
    )
    offer = line.model.free_offer if line.free == "capped" else None
    return RankedModel(position, breakdown, offer)


def standing(model_id: str, query: Query, snapshot: PriceSnapshot) -> Standing:
    """Where `model_id` ranks for `query` ("#3 of 11"), or why it has no rank."""
    model = snapshot.model(model_id)
    if model is None:
        return Standing(model_id, None, 0, None, False, "no price")
    free = _free_kind(model) is not None
    if model.mode not in ANSWERING_MODES:
        return Standing(model_id, None, 0, None, free, "not a chat model")
    order = _order(snapshot, query.currency, query.prompt_tokens, query.mix.ratio)
    walk = _walk(snapshot, query)
    of = len(walk.ranked) - walk.suspects
    cutoff = order.cutoff
    position = 0
    for unit, line in walk.ranked:
        suspect = cutoff is not None and 0 < unit < cutoff
        position += not suspect
        if line.model is model:
            if suspect:
                return Standing(model_id, None, of, None, free, "set aside")
            cost = cost_of(
                model, query.mix, query.currency, snapshot, prompt_tokens=query.prompt_tokens
            )
            return Standing(model_id, position, of, cost.total, free)
    if _verdict(model, query) != _PASS:
        return Standing(model_id, None, of, None, free, "filtered out")
    if _free_kind(model) == "free":
        return Standing(model_id, None, of, None, True, "free")
    left_out = next((u for u in walk.unknown if u.model is model), None)
    reason = "no rate" if left_out is not None and left_out.no_rate else "unknown price"
    return Standing(model_id, None, of, None, free, reason)
