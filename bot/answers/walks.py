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

from dataclasses import dataclass, field
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
    """An order with a query's filters applied: one row per model, at its cheapest offer."""

    models: tuple[Line, ...]
    aside: tuple[tuple[Line, str], ...]
    # Models whose needed price is unknown at every offer (one line each).
    unknown: tuple[Line, ...]
    # Models left out of a context filter because no offer's context window is known.
    context_unknown: int
    free: Free
    positions: dict[str, int] = field(default_factory=dict, compare=False)
    # Values derived from this walk for every question that shares it (see left_out).
    memo: dict[str, Any] = field(default_factory=dict, compare=False)

    def position(self, key: str) -> int | None:
        """A model's place (1-based) in this walk, or None."""
        if not self.positions and self.models:
            self.positions.update({line.key: i for i, line in enumerate(self.models, 1)})
        return self.positions.get(key)

    @property
    def currencies(self) -> frozenset[str]:
        """The native currencies of the models' offers."""
        found: frozenset[str] | None = self.memo.get("currencies")
        if found is None:
            found = self.memo["currencies"] = frozenset(
                c for line in self.models for c in line.native
            )
        return found


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


def _allowed(snapshot: PriceSnapshot, query: Query) -> tuple[frozenset[int], frozenset[int]]:
    """The answering lines (by index) that pass the query's filters, and those left out
    only because their context window is unknown. Lines sharing a seller, maker and
    context window pass or fail together: each such group is judged once."""
    key = ("allowed", query.free_confirm_days, _filter_key(query))
    found: tuple[frozenset[int], frozenset[int]] | None = recall(snapshot, key)
    if found is None:
        allowed: set[int] = set()
        unknown: set[int] = set()
        lines = answering(snapshot, query.free_confirm_days)
        for members in shared_groups(snapshot, query.free_confirm_days)["sellers"].values():
            passed = verdict(lines[members[0]][0], query)
            if passed == PASS:
                allowed.update(members)
            elif passed == CONTEXT_UNKNOWN:
                unknown.update(members)
        found = (frozenset(allowed), frozenset(unknown))
        remember(snapshot, key, found)
    return found


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
    sequence: tuple[int, ...] | list[int] = found.indices
    aside = found.aside
    missing = found.unknown
    context_unknown = 0
    if filtered(query):
        allowed, unknown_context = _allowed(snapshot, query)
        sequence = [i for i in sequence if i in allowed]
        aside = tuple(a for a in aside if a[0] in allowed)
        missing = tuple(line for line in missing if verdict(line.offer, query) == PASS)
        if unknown_context:
            listed = found.memo.get("listed")
            if listed is None:
                listed = found.memo["listed"] = frozenset(found.indices)
            left = {keys[i] for i in unknown_context if i in listed}
            context_unknown = len(left - {keys[i] for i in sequence} - free.keys)
    # Each model at its first (cheapest) line; a model free now (without a cap) is listed
    # apart, never ranked.
    cheapest = {keys[i]: i for i in reversed(sequence)}
    ordered = dict.fromkeys([keys[i] for i in sequence])
    free_keys = free.keys
    models = tuple([lines[cheapest[k]] for k in ordered if k not in free_keys])
    seen = ordered.keys() | free_keys
    aside_keys = {keys[i] for i, _ in aside}
    unknown: dict[str, Line] = {}
    for line in missing:
        if line.key not in seen and line.key not in aside_keys:
            unknown.setdefault(line.key, line)
    result = Walk(
        models,
        tuple((lines[i], why) for i, why in aside),
        tuple(unknown.values()),
        context_unknown,
        free,
    )
    remember(snapshot, key, result)
    return result
