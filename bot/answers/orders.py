"""The memoised orders ranking walks: offers by cost for one mix, grouped into models.

    order(snapshot, query) -> Order     # every offer, cheapest first, placeholders apart
    walk(snapshot, query) -> Walk       # the query's filters applied, one row per model
    free_sets(snapshot, query) -> Free  # models free now (and was free) under the filters

An order is computed once per (currency, prompt size, input:output ratio, free window)
and kept in the snapshot, so questions differing only in filters, amounts or top-N sort
nothing; a walk is kept per filter too. Placeholder rules, in order:

1. an offer's known input and output prices all at or under $0.001 per 1M (USD);
2. an offer's cost under 1/100 of the next-cheapest offer of the same model;
3. with at least 5 offers left, a cost under 1/1000 of their median.

Zero is never a placeholder: it is a price a source called free. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from operator import itemgetter
from typing import Any

from bot.answers.cost import pick_point
from bot.answers.modes import ANSWERING_MODES
from bot.answers.offers import FREE, STALE, active_offer, dearer_tiers, free_kind, is_placeholder
from bot.answers.query import Query, SellerChoice
from bot.answers.snapshot import PriceSnapshot
from storage import FreeOffer, ModelPrices, PriceKind, PricePoint

SELLERS_FACTOR = Decimal(100)
SUSPECT_FACTOR = Decimal(1000)
SUSPECT_MIN_MODELS = 5
_MEMO_LIMIT = 128

PLACEHOLDER = "placeholder"  # rule 1
BELOW_SELLERS = "below its other sellers"  # rule 2
BELOW_MEDIAN = "below the median"  # rule 3

PASS, FILTERED, CONTEXT_UNKNOWN = 0, 1, 2
_Points = tuple[ModelPrices, str | None, PricePoint | None, PricePoint | None, bool]


@dataclass(frozen=True, slots=True)
class Line:
    """One offer's input and output price per 1M for a prompt size, in one currency."""

    offer: ModelPrices
    key: str
    seller: str
    maker: str
    input: Decimal | None
    output: Decimal | None
    # The native currency when it could not be converted (no rate), else None.
    no_rate: str | None
    native: frozenset[str]
    # FREE, CAPPED, STALE or None (see bot.answers.offers.free_kind).
    free: str | None
    # A dearer tier for longer prompts (base-tier lines only).
    tiered: bool
    placeholder: bool


Cost = tuple[Decimal, Line]


@dataclass(frozen=True, slots=True)
class Order:
    """Every paid offer with the prices a mix needs, cheapest first, and those set aside."""

    ranked: tuple[Cost, ...]
    aside: tuple[tuple[Decimal, Line, str], ...]
    unknown: tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class Free:
    """Under one query's filters: models free now, their free offers, what was free."""

    # One offer per model free now (FREE first, CAPPED last).
    models: tuple[tuple[ModelPrices, FreeOffer | None], ...]
    keys: frozenset[str]
    capped: dict[str, FreeOffer]
    # Offers whose free offer was not confirmed within the window (one per model).
    stale: tuple[ModelPrices, ...]


@dataclass(frozen=True, slots=True)
class Walk:
    """An order with a query's filters applied: one row per model, at its cheapest offer."""

    models: tuple[Cost, ...]
    aside: tuple[tuple[Decimal, Line, str], ...]
    # Models whose needed price is unknown at every offer (one line each).
    unknown: tuple[Line, ...]
    # Models left out of a context filter because no offer's context window is known.
    context_unknown: int
    currencies: frozenset[str]
    free: Free
    positions: dict[str, int] = field(default_factory=dict, compare=False)

    def position(self, key: str) -> int | None:
        """A model's place (1-based) in this walk, or None."""
        if not self.positions and self.models:
            self.positions.update({line.key: i for i, (_, line) in enumerate(self.models, 1)})
        return self.positions.get(key)


def _memo(snapshot: PriceSnapshot) -> OrderedDict[tuple[object, ...], Any]:
    """Ranking's own derived values in the snapshot, least recently used dropped first."""
    memo = snapshot.memo.get("ranking")
    if memo is None:
        memo = snapshot.memo["ranking"] = OrderedDict()
    return memo  # type: ignore[no-any-return]


def recall(snapshot: PriceSnapshot, key: tuple[object, ...]) -> Any:
    memo = _memo(snapshot)
    value = memo.get(key)
    if value is not None:
        memo.move_to_end(key)
    return value


def remember(snapshot: PriceSnapshot, key: tuple[object, ...], value: object) -> None:
    memo = _memo(snapshot)
    memo[key] = value
    while len(memo) > _MEMO_LIMIT:
        memo.popitem(last=False)


def answering(snapshot: PriceSnapshot, days: int) -> tuple[tuple[ModelPrices, str | None], ...]:
    """Offers in an answering mode with their free kind, by name: the base order of ties."""
    key = ("answering", days)
    cached = recall(snapshot, key)
    if cached is None:
        window = timedelta(days=days)
        offers = sorted(
            (m for m in snapshot.models if m.mode in ANSWERING_MODES),
            # Ties: by model name, the maker's own offer before a reseller's.
            key=lambda m: (
                snapshot.model_name(m.model_key).lower(),
                m.model_key,
                not m.is_maker_offer,
                m.model_id,
            ),
        )
        cached = tuple((m, free_kind(m, snapshot.as_of, window)) for m in offers)
        remember(snapshot, key, cached)
    return cached


def _placeholders(snapshot: PriceSnapshot) -> frozenset[str]:
    cached = recall(snapshot, ("placeholders",))
    if cached is None:
        cached = frozenset(m.model_id for m in snapshot.models if is_placeholder(m, snapshot))
        remember(snapshot, ("placeholders",), cached)
    return cached  # type: ignore[no-any-return]


def _usable(point: PricePoint | None, free: str | None) -> PricePoint | None:
    """A stale free offer's zero prices are no prices: what it costs now is unknown."""
    if free == STALE and point is not None and point.amount.is_zero:
        return None
    return point


def _points(snapshot: PriceSnapshot, days: int, prompt: int | None) -> tuple[_Points, ...]:
    """Each answering offer's input and output price for a prompt size, in its currency."""
    key = ("points", days, prompt)
    cached = recall(snapshot, key)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    if prompt is None:
        result: tuple[_Points, ...] = tuple(
            (
                offer,
                free,
                _usable(offer.price(PriceKind.INPUT, 0), free),
                _usable(offer.price(PriceKind.OUTPUT, 0), free),
                bool(dearer_tiers(offer)) if any(t for (_, t) in offer.prices) else False,
            )
            for offer, free in answering(snapshot, days)
        )
    else:
        # Only offers with tiers price a long prompt differently: reuse the rest.
        result = tuple(
            (
                offer,
                free,
                _usable(pick_point(offer, PriceKind.INPUT, prompt), free),
                _usable(pick_point(offer, PriceKind.OUTPUT, prompt), free),
                False,
            )
            if any(t for (_, t) in offer.prices)
            else (offer, free, in_point, out_point, False)
            for offer, free, in_point, out_point, _ in _points(snapshot, days, None)
        )
    remember(snapshot, key, result)
    return result


def lines(
    snapshot: PriceSnapshot, days: int, currency: str, prompt: int | None
) -> tuple[Line, ...]:
    key = ("lines", days, currency, prompt)
    cached = recall(snapshot, key)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    factors: dict[str, Decimal | None] = {currency: None}
    placeholders = _placeholders(snapshot)
    found = []
    for offer, free, in_point, out_point, tiered in _points(snapshot, days, prompt):
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
        model_key = offer.model_key
        found.append(
            Line(
                offer,
                model_key,
                offer.vendor,
                model_key.split("/", 1)[0],
                values[0],
                values[1],
                no_rate,
                frozenset(native),
                free,
                tiered,
                offer.model_id in placeholders,
            )
        )
    result = tuple(found)
    remember(snapshot, key, result)
    return result


def order(snapshot: PriceSnapshot, query: Query) -> Order:
    """Every paid offer for the query's currency, prompt size and mix, cheapest first."""
    days, currency, prompt, ratio = (
        query.free_confirm_days,
        query.currency,
        query.prompt_tokens,
        query.mix.ratio,
    )
    key = ("order", days, currency, prompt, ratio)
    cached = recall(snapshot, key)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    weight_in, weight_out = Decimal(ratio[0]), Decimal(ratio[1])
    need_in, need_out = bool(ratio[0]), bool(ratio[1])
    ranked: list[Cost] = []
    unknown: list[Line] = []
    zero = Decimal(0)
    # This loop runs over every offer for each new (currency, prompt, ratio): kept lean.
    for line in lines(snapshot, days, currency, prompt):
        if line.free == FREE:
            continue
        inp, out = line.input, line.output
        if (need_in and inp is None) or (need_out and out is None):
            unknown.append(line)
            continue
        unit = (inp * weight_in if need_in else zero) + (out * weight_out if need_out else zero)  # type: ignore[operator]
        ranked.append((unit, line))
    # Stable: equal costs keep the by-name order of `answering`.
    ranked.sort(key=itemgetter(0))
    aside: dict[int, str] = {
        i: PLACEHOLDER for i, (_, line) in enumerate(ranked) if line.placeholder
    }
    cheapest: dict[str, int] = {}
    compared: set[str] = set()
    for i, (unit, line) in enumerate(ranked):
        if i in aside or line.key in compared:
            continue
        first = cheapest.setdefault(line.key, i)
        if first != i:
            compared.add(line.key)
            low = ranked[first][0]
            if low > 0 and low * SELLERS_FACTOR < unit:
                aside[first] = BELOW_SELLERS
    left = [unit for i, (unit, _) in enumerate(ranked) if i not in aside]
    if len(left) >= SUSPECT_MIN_MODELS and left[len(left) // 2] > 0:
        cutoff = left[len(left) // 2] / SUSPECT_FACTOR
        for i, (unit, _) in enumerate(ranked):
            if unit >= cutoff:
                break
            if unit > 0 and i not in aside:
                aside[i] = BELOW_MEDIAN
    result = Order(
        tuple(pair for i, pair in enumerate(ranked) if i not in aside),
        tuple((ranked[i][0], ranked[i][1], why) for i, why in sorted(aside.items())),
        tuple(unknown),
    )
    remember(snapshot, key, result)
    return result


def filtered(query: Query) -> bool:
    return bool(
        query.vendors
        or query.exclude_vendors
        or query.via
        or query.sellers is SellerChoice.DIRECT
        or query.min_context
        or query.prompt_tokens
    )


def verdict(offer: ModelPrices, query: Query) -> int:
    """Whether an offer passes the query's filters (PASS, FILTERED, CONTEXT_UNKNOWN)."""
    seller, maker = offer.vendor, offer.maker
    vendors, excluded = query.vendors, query.exclude_vendors
    if vendors and seller not in vendors and maker not in vendors:
        return FILTERED
    if excluded and (seller in excluded or maker in excluded):
        return FILTERED
    if query.via and seller not in query.via:
        return FILTERED
    if query.sellers is SellerChoice.DIRECT and seller != maker:
        return FILTERED
    need = max(query.min_context or 0, query.prompt_tokens or 0)
    if need:
        if offer.context_window is None:
            return CONTEXT_UNKNOWN
        if offer.context_window < need:
            return FILTERED
    return PASS


def _filter_key(query: Query) -> tuple[object, ...]:
    need = max(query.min_context or 0, query.prompt_tokens or 0)
    direct = query.sellers is SellerChoice.DIRECT
    return (query.vendors, query.exclude_vendors, query.via, direct, need)


def free_sets(snapshot: PriceSnapshot, query: Query) -> Free:
    """Models free now under the query's filters (one offer each) and those that were."""
    key = ("free", query.free_confirm_days, *(_filter_key(query) if filtered(query) else ()))
    cached = recall(snapshot, key)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    check = filtered(query)
    best: dict[str, tuple[int, ModelPrices, FreeOffer | None]] = {}
    capped: dict[str, FreeOffer] = {}
    stale: dict[str, ModelPrices] = {}
    for offer, free in answering(snapshot, query.free_confirm_days):
        if free is None or (check and verdict(offer, query) != PASS):
            continue
        model_key = offer.model_key
        if free == STALE:
            stale.setdefault(model_key, offer)
            continue
        promise = active_offer(offer)
        if promise is not None and promise.cap_note:
            capped.setdefault(model_key, promise)
        # Free without limits first, then free until a date, then free within caps; the
        # maker's own offer before a reseller's.
        rank = 0 if promise is None else 2 if promise.cap_note else 1 if promise.until else 0
        rank = rank * 2 + (not offer.is_maker_offer)
        held = best.get(model_key)
        if held is None or rank < held[0]:
            best[model_key] = (rank, offer, promise)
    chosen = sorted(best.values(), key=itemgetter(0))
    result = Free(
        tuple((offer, promise) for _, offer, promise in chosen),
        frozenset(k for k, (_, _, p) in best.items() if p is None or not p.cap_note),
        capped,
        tuple(o for k, o in stale.items() if k not in best),
    )
    remember(snapshot, key, result)
    return result


def walk(snapshot: PriceSnapshot, query: Query) -> Walk:
    """The order with the query's filters applied: each model once, at its cheapest offer."""
    check = filtered(query)
    key: tuple[object, ...] = (
        "walk",
        query.free_confirm_days,
        query.currency,
        query.prompt_tokens,
        query.mix.ratio,
    )
    if check:
        key += _filter_key(query)
    cached = recall(snapshot, key)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    found = order(snapshot, query)
    free = free_sets(snapshot, query)
    # A model free now (without a cap) is listed apart, never ranked.
    seen: set[str] = set(free.keys)
    models: list[Cost] = []
    currencies: set[str] = set()
    context_keys: set[str] = set()
    # The filters inlined: this loop runs over every ranked offer.
    for pair in found.ranked:
        line = pair[1]
        model_key = line.key
        if model_key in seen:
            continue
        if check:
            passed = verdict(line.offer, query)
            if passed != PASS:
                if passed == CONTEXT_UNKNOWN:
                    context_keys.add(model_key)
                continue
        seen.add(model_key)
        models.append(pair)
        currencies |= line.native
    aside = tuple(a for a in found.aside if not check or verdict(a[1].offer, query) == PASS)
    unknown: dict[str, Line] = {}
    for line in found.unknown:
        if line.key in seen or line.key in unknown:
            continue
        if check and verdict(line.offer, query) != PASS:
            continue
        unknown[line.key] = line
    aside_keys = {a[1].key for a in aside}
    result = Walk(
        tuple(models),
        aside,
        tuple(v for k, v in unknown.items() if k not in aside_keys),
        len(context_keys - seen),
        frozenset(currencies),
        free,
    )
    remember(snapshot, key, result)
    return result
