"""Walks: an order with a question's filters applied, one row per model.

    walk(snapshot, query) -> Walk       # each model once, at its cheapest offer
    free_sets(snapshot, query) -> Free  # models free now (and was free) under the filters
    verdict(offer, query)               # whether an offer passes the filters

Filters: `from X` keeps offers whose seller or maker is X; `not X` drops them; `via X`
keeps offers sold by X; `direct only` keeps the makers' own offers; a context size or a
prompt size keeps offers with a large enough (known) context window. A walk is kept per
(order, filters), so repeated questions only slice it. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from operator import itemgetter
from typing import Any

from bot.answers.offers import STALE, active_offer
from bot.answers.orders import Line, Order, answering, order, recall, remember, shared_groups
from bot.answers.query import Query, SellerChoice
from bot.answers.snapshot import PriceSnapshot
from storage import FreeOffer, ModelPrices

PASS, FILTERED, CONTEXT_UNKNOWN = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Free:
    """Under one query's filters: models free now, their free offers, what was free."""

    # One offer per model free now (FREE first, CAPPED last).
    models: tuple[tuple[ModelPrices, FreeOffer | None], ...]
    keys: frozenset[str]
    capped: dict[str, FreeOffer]
    # Offers whose free offer was not confirmed within the window (one per model).
    stale: tuple[ModelPrices, ...]
    # Values derived from these for every question that shares them.
    memo: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class Walk:
    """An order with a query's filters applied: each model once, at its cheapest offer.

    The rows are found lazily: `top(n)` reads the order only until it has n models; the
    whole list (`models`, `position`) is built on first use. `total` and `keys` come from
    sets kept per filter, so a new mix costs one sort and not a pass per model.
    """

    order: Order
    # Lines passing the filters (None: no filter).
    allowed: frozenset[int] | None
    # The models ranked: at least one offer past the filters, not set aside, not free now.
    keys: frozenset[str]
    aside: tuple[tuple[Line, str], ...]
    # Models whose needed price is unknown at every offer (one line each).
    unknown: tuple[Line, ...]
    # Models left out of a context filter because no offer's context window is known.
    context_unknown: int
    free: Free
    positions: dict[str, int] = field(default_factory=dict, compare=False)
    # Values derived from this walk for every question that shares it (see left_out).
    memo: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def total(self) -> int:
        return len(self.keys)

    def _rows(self) -> Iterator[Line]:
        lines, keys = self.order.cols.lines, self.order.cols.keys
        sequence: Iterable[int] = self.order.indices()
        if self.allowed is not None:
            sequence = filter(self.allowed.__contains__, sequence)
        seen = set(self.free.keys)
        for i in sequence:
            key = keys[i]
            if key not in seen:
                seen.add(key)
                yield lines[i]

    def top(self, limit: int) -> tuple[Line, ...]:
        """The first `limit` models, each at its cheapest offer."""
        held: tuple[Line, ...] | None = self.memo.get("models")
        if held is not None:
            return held[:limit]
        return tuple(islice(self._rows(), limit))

    @property
    def models(self) -> tuple[Line, ...]:
        """Every model, cheapest first, each at its cheapest offer."""
        held: tuple[Line, ...] | None = self.memo.get("models")
        if held is None:
            held = self.memo["models"] = tuple(self._rows())
        return held

    def position(self, key: str) -> int | None:
        """A model's place (1-based) in this walk, or None."""
        if key not in self.keys:
            return None
        if not self.positions:
            self.positions.update({line.key: i for i, line in enumerate(self.models, 1)})
        return self.positions.get(key)


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
    if not _seller_passes(offer.vendor, offer.maker, query):
        return FILTERED
    need = max(query.min_context or 0, query.prompt_tokens or 0)
    if need:
        if offer.context_window is None:
            return CONTEXT_UNKNOWN
        if offer.context_window < need:
            return FILTERED
    return PASS


def shape_of(query: Query) -> tuple[object, ...]:
    """What a question's order and walk depend on: equal shapes share them."""
    key: tuple[object, ...] = (
        query.free_confirm_days,
        query.currency,
        query.prompt_tokens,
        query.mix.ratio,
    )
    return key + _filter_key(query) if filtered(query) else key


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
    for offer, free in shared_groups(snapshot, query.free_confirm_days)["free"]:
        if check and verdict(offer, query) != PASS:
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


def _allowed(snapshot: PriceSnapshot, query: Query) -> tuple[frozenset[int], frozenset[int]]:
    """The answering lines (by index) that pass the query's filters, and those left out
    only because their context window is unknown. Seller filters are judged once per
    (seller, maker), context filters once per context window."""
    key = ("allowed", query.free_confirm_days, _filter_key(query))
    found: tuple[frozenset[int], frozenset[int]] | None = recall(snapshot, key)
    if found is None:
        groups = shared_groups(snapshot, query.free_confirm_days)
        sellers: set[int] = set()
        if (
            query.vendors
            or query.exclude_vendors
            or query.via
            or query.sellers is SellerChoice.DIRECT
        ):
            for (seller, maker), members in groups["sellers"].items():
                if _seller_passes(seller, maker, query):
                    sellers.update(members)
        else:
            sellers.update(range(len(answering(snapshot, query.free_confirm_days))))
        need = max(query.min_context or 0, query.prompt_tokens or 0)
        if need:
            wide: set[int] = set()
            for window, members in groups["contexts"].items():
                if window is not None and window >= need:
                    wide.update(members)
            unknown = sellers.intersection(groups["contexts"].get(None, ()))
            sellers &= wide
        else:
            unknown = set()
        found = (frozenset(sellers), frozenset(unknown))
        remember(snapshot, key, found)
    return found


def _seller_passes(seller: str, maker: str, query: Query) -> bool:
    vendors, excluded = query.vendors, query.exclude_vendors
    if vendors and seller not in vendors and maker not in vendors:
        return False
    if excluded and (seller in excluded or maker in excluded):
        return False
    if query.via and seller not in query.via:
        return False
    return not (query.sellers is SellerChoice.DIRECT and seller != maker)


def _keys(
    snapshot: PriceSnapshot, query: Query, found: Order, allowed: frozenset[int] | None
) -> tuple[frozenset[str], dict[str, int]]:
    """The models with a line this kind of mix can rank (past the filters), and how many
    such lines each has: kept per (currency, prompt size, kind of mix, filters), so a new
    ratio only subtracts the models whose every line was set aside."""
    which = 0 if query.mix.ratio[0] and query.mix.ratio[1] else 1 if query.mix.ratio[0] else 2
    key = ("keys", which, _filter_key(query) if allowed is not None else ())
    cols = found.cols
    held: tuple[frozenset[str], dict[str, int]] | None = cols.memo.get(key)
    if held is None:
        picked: Iterable[int] = (cols.both, cols.ins, cols.outs)[which]
        if allowed is not None:
            picked = filter(allowed.__contains__, picked)
        counts = Counter(map(cols.keys.__getitem__, picked))
        held = cols.memo[key] = (frozenset(counts), counts)
    return held


def walk(snapshot: PriceSnapshot, query: Query) -> Walk:
    """The order with the query's filters applied: each model once, at its cheapest offer."""
    key = ("walk", *shape_of(query))
    cached = recall(snapshot, key)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    found: Order = order(snapshot, query)
    cols = found.cols
    lines, keys = cols.lines, cols.keys
    free = free_sets(snapshot, query)
    aside = found.aside
    missing = found.unknown
    allowed: frozenset[int] | None = None
    unknown_context: frozenset[int] = frozenset()
    if filtered(query):
        allowed, unknown_context = _allowed(snapshot, query)
        aside = tuple(a for a in aside if a[0] in allowed)
        missing = tuple(line for line in missing if verdict(line.offer, query) == PASS)
    listed, counts = _keys(snapshot, query, found, allowed)
    # A model whose every line was set aside is not ranked; a model free now (without a
    # cap) is listed apart, never ranked.
    aside_counts = Counter(keys[i] for i, _ in aside)
    gone = {k for k, n in aside_counts.items() if n >= counts.get(k, 0)}
    ranked = listed - gone - free.keys
    context_unknown = 0
    if unknown_context:
        _, all_counts = _keys(snapshot, query, found, None)
        left = {keys[i] for i in unknown_context} & all_counts.keys()
        context_unknown = len(left - ranked - free.keys)
    seen = ranked | free.keys
    aside_keys = set(aside_counts)
    unknown: dict[str, Line] = {}
    for line in missing:
        if line.key not in seen and line.key not in aside_keys:
            unknown.setdefault(line.key, line)
    result = Walk(
        found,
        allowed,
        frozenset(ranked),
        tuple((lines[i], why) for i, why in aside),
        tuple(unknown.values()),
        context_unknown,
        free,
    )
    remember(snapshot, key, result)
    return result
