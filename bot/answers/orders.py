"""The memoised orders ranking reads: offers by cost for one mix, placeholders apart.

    columns(snapshot, days, currency, prompt) -> Columns   # every answering offer's prices
    order(snapshot, query) -> Order                         # cheapest first, set-asides apart

An order is computed once per (currency, prompt size, input:output ratio, free window)
and kept in the snapshot, so questions differing only in filters, amounts or top-N sort
nothing (`bot.answers.walks` applies the filters and groups offers into models). Costs
are compared as exact whole numbers (prices × 10^n), never floats: fast enough to sort
thousands of offers for a new mix, and exactly what the Decimal figures say.

Placeholder rules, in order:
1. an offer's known input and output prices all at or under $0.001 per 1M (USD);
2. an offer's cost under 1/100 of the next-cheapest offer of the same model;
3. with at least 5 offers left, a cost under 1/1000 of their median.

Zero is never a placeholder: it is a price a source called free. Pure: no I/O, no clock.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import OrderedDict, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from itertools import filterfalse, repeat
from operator import add, mul
from typing import Any

from bot.answers.cost import pick_point
from bot.answers.modes import ANSWERING_MODES
from bot.answers.offers import FREE, STALE, dearer_tiers, free_kind, is_placeholder
from bot.answers.query import Query
from bot.answers.snapshot import PriceSnapshot
from storage import ModelPrices, PriceKind, PricePoint

SELLERS_FACTOR = 100
SUSPECT_FACTOR = 1000
SUSPECT_MIN_MODELS = 5
_MEMO_LIMIT = 400

PLACEHOLDER = "placeholder"  # rule 1
BELOW_SELLERS = "below its other sellers"  # rule 2
BELOW_MEDIAN = "below the median"  # rule 3

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


@dataclass(frozen=True, slots=True)
class Columns:
    """The lines of one (currency, prompt size), with their prices as exact whole numbers.

    Sorting thousands of Decimal costs for each new mix is slow; the same prices scaled
    by 10^`scale` compare and multiply fast, and exactly.
    """

    lines: tuple[Line, ...]
    keys: tuple[str, ...]
    scale: int
    # Input and output per 1M × 10^scale (0 when unknown).
    whole_in: tuple[int, ...]
    whole_out: tuple[int, ...]
    # Indices of the lines (not free now) with both prices, with input, with output.
    both: tuple[int, ...]
    ins: tuple[int, ...]
    outs: tuple[int, ...]
    # The lines (not free now) missing a price, for each of the three.
    missing: tuple[tuple[Line, ...], tuple[Line, ...], tuple[Line, ...]]
    # Derived per filter or per kind of mix (see bot.answers.walks), filled on first use.
    memo: dict[object, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class Order:
    """Every paid offer with the prices a mix needs, cheapest first, and those set aside."""

    cols: Columns
    # The lines this mix can rank (indices) and their positions cheapest first: the line
    # at rank r is picked[positions[r]]. Set-asides are in `aside` and `dropped`.
    picked: tuple[int, ...]
    positions: list[int]
    # Set aside, cheapest first: (line index, rule).
    aside: tuple[tuple[int, str], ...]
    unknown: tuple[Line, ...]
    dropped: frozenset[int] = frozenset()
    memo: dict[object, Any] = field(default_factory=dict, compare=False)

    def indices(self) -> Iterator[int]:
        """The lines cheapest first, set-asides left out."""
        ordered = map(self.picked.__getitem__, self.positions)
        return filterfalse(self.dropped.__contains__, ordered) if self.dropped else ordered


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
    """Each answering offer's input and output price for a prompt size, in its currency,
    and whether it has tiers (only those price a long prompt differently)."""
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
                any(t for (_, t) in offer.prices),
            )
            for offer, free in answering(snapshot, days)
        )
    else:
        result = tuple(
            (
                offer,
                free,
                _usable(pick_point(offer, PriceKind.INPUT, prompt), free),
                _usable(pick_point(offer, PriceKind.OUTPUT, prompt), free),
                True,
            )
            if has_tiers
            else (offer, free, in_point, out_point, False)
            for offer, free, in_point, out_point, has_tiers in _points(snapshot, days, None)
        )
    remember(snapshot, key, result)
    return result


def columns(snapshot: PriceSnapshot, days: int, currency: str, prompt: int | None) -> Columns:
    key = ("lines", days, currency, prompt)
    cached = recall(snapshot, key)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    factors: dict[str, Decimal | None] = {currency: None}
    placeholders = _placeholders(snapshot)
    # For a prompt size, only offers with tiers change: the others keep their base line.
    base_cols = columns(snapshot, days, currency, None) if prompt is not None else None
    base = base_cols.lines if base_cols is not None else None
    found = []
    for index, (offer, free, in_point, out_point, has_tiers) in enumerate(
        _points(snapshot, days, prompt)
    ):
        if base is not None and not has_tiers:
            found.append(base[index])
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
                prompt is None and has_tiers and bool(dearer_tiers(offer)),
                offer.model_id in placeholders,
            )
        )
    paid = [i for i, line in enumerate(found) if line.free != FREE]
    both = tuple(i for i in paid if found[i].input is not None and found[i].output is not None)
    ins = tuple(i for i in paid if found[i].input is not None)
    outs = tuple(i for i in paid if found[i].output is not None)
    changed = [line for i, line in enumerate(found) if base is None or line is not base[i]]
    amounts = [v for line in changed for v in (line.input, line.output) if v is not None]
    scale = max((-int(v.as_tuple().exponent) for v in amounts), default=0)
    if base_cols is not None and scale <= base_cols.scale:
        # The base tier's whole numbers serve the lines a prompt size leaves alone.
        scale = base_cols.scale
        ins_ = [
            base_cols.whole_in[i] if line is base[i] else _whole(line.input, scale)  # type: ignore[index]
            for i, line in enumerate(found)
        ]
        outs_ = [
            base_cols.whole_out[i] if line is base[i] else _whole(line.output, scale)  # type: ignore[index]
            for i, line in enumerate(found)
        ]
    else:
        if base is not None:
            every = [v for line in found for v in (line.input, line.output) if v is not None]
            scale = max((-int(v.as_tuple().exponent) for v in every), default=0)
        ins_ = [_whole(line.input, scale) for line in found]
        outs_ = [_whole(line.output, scale) for line in found]
    result = Columns(
        tuple(found),
        tuple(line.key for line in found),
        scale,
        tuple(ins_),
        tuple(outs_),
        both,
        ins,
        outs,
        (_missing(found, paid, both), _missing(found, paid, ins), _missing(found, paid, outs)),
    )
    remember(snapshot, key, result)
    return result


def _whole(amount: Decimal | None, scale: int) -> int:
    """`amount` × 10^scale, exactly (every amount has at most `scale` decimal places)."""
    return 0 if amount is None else int(amount.scaleb(scale))


def _missing(found: list[Line], paid: list[int], kept: tuple[int, ...]) -> tuple[Line, ...]:
    have = set(kept)
    return tuple(found[i] for i in paid if i not in have)


def shared_groups(snapshot: PriceSnapshot, days: int) -> dict[str, Any]:
    """Groupings of the answering lines that every (currency, prompt size) shares, since
    their lines are listed in the same order: each model's lines (models with several),
    the lines of each (seller, maker) and of each context window, and the offers that
    are free (or were)."""
    key = ("groups", days)
    cached = recall(snapshot, key)
    if cached is None:
        by_model: defaultdict[str, list[int]] = defaultdict(list)
        by_seller: defaultdict[tuple[str, str], list[int]] = defaultdict(list)
        by_context: defaultdict[int | None, list[int]] = defaultdict(list)
        offers = answering(snapshot, days)
        for i, (offer, _) in enumerate(offers):
            model_key = offer.model_key
            by_model[model_key].append(i)
            by_seller[(offer.vendor, model_key.split("/", 1)[0])].append(i)
            by_context[offer.context_window].append(i)
        cached = {
            "models": tuple(tuple(g) for g in by_model.values() if len(g) > 1),
            "sellers": {k: tuple(v) for k, v in by_seller.items()},
            "contexts": {k: tuple(v) for k, v in by_context.items()},
            "free": tuple(pair for pair in offers if pair[1] is not None),
        }
        remember(snapshot, key, cached)
    return cached  # type: ignore[no-any-return]


def _candidates(
    snapshot: PriceSnapshot, days: int, cols: Columns, which: int
) -> tuple[tuple[int, ...], ...]:
    """Rule 2 can only set aside an offer of a model with another offer priced over 100
    times higher on a side the mix uses: those models' lines (rule-1 placeholders left
    out). Usually none or a few; the rest never need checking."""
    key = ("candidates", which)
    found: tuple[tuple[int, ...], ...] | None = cols.memo.get(key)
    if found is None:
        lines = cols.lines
        usable = {i for i in (cols.both, cols.ins, cols.outs)[which] if not lines[i].placeholder}
        sides = ((cols.whole_in, cols.whole_out), (cols.whole_in,), (cols.whole_out,))[which]
        kept = []
        for group in shared_groups(snapshot, days)["models"]:
            members = [i for i in group if i in usable]
            if len(members) < 2:
                continue
            for side in sides:
                values = [side[i] for i in members]
                if min(values) * SELLERS_FACTOR < max(values):
                    kept.append(tuple(members))
                    break
        found = cols.memo[key] = tuple(kept)
    return found


def _sides(
    cols: Columns, which: int
) -> tuple[tuple[int, ...], list[int], list[int], tuple[tuple[int, int], ...]]:
    """For one kind of mix (both sides, input only, output only): the lines with the
    prices it needs, their whole input and output prices in that order, and the rule-1
    placeholders among them (line index, position)."""
    key = ("sides", which)
    found = cols.memo.get(key)
    if found is None:
        picked = (cols.both, cols.ins, cols.outs)[which]
        lines = cols.lines
        found = cols.memo[key] = (
            picked,
            list(map(cols.whole_in.__getitem__, picked)),
            list(map(cols.whole_out.__getitem__, picked)),
            tuple((i, p) for p, i in enumerate(picked) if lines[i].placeholder),
        )
    return found  # type: ignore[no-any-return]


def order(snapshot: PriceSnapshot, query: Query) -> Order:
    """Every paid offer for the query's currency, prompt size and mix, cheapest first
    (equal costs in the lines' by-name order), and the placeholders set aside."""
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
    cols = columns(snapshot, days, currency, prompt)
    a, b = ratio
    which = 0 if a and b else 1 if a else 2
    picked, side_in, side_out, placeholders = _sides(cols, which)
    # C-level maps: this runs over every offer for each new mix.
    if not b:
        every = side_in if a == 1 else list(map(mul, side_in, repeat(a)))
    elif not a:
        every = side_out if b == 1 else list(map(mul, side_out, repeat(b)))
    else:
        every = list(map(add, map(mul, side_in, repeat(a)), map(mul, side_out, repeat(b))))
    # Stable: equal costs keep the by-name order of `answering`.
    positions = sorted(range(len(picked)), key=every.__getitem__)
    whole_in, whole_out = cols.whole_in, cols.whole_out
    # (cost, position in `picked`) orders set-asides like the order itself.
    aside: dict[int, tuple[int, int, str]] = {
        i: (every[p], p, PLACEHOLDER) for i, p in placeholders
    }
    for members in _candidates(snapshot, days, cols, which):
        cheapest = sorted(whole_in[i] * a + whole_out[i] * b for i in members)
        low, high = cheapest[0], cheapest[1]
        if low > 0 and low * SELLERS_FACTOR < high:
            at = next(i for i in members if whole_in[i] * a + whole_out[i] * b == low)
            aside[at] = (low, picked.index(at), BELOW_SELLERS)
    count = len(picked) - len(aside)
    if count >= SUSPECT_MIN_MODELS:
        ranked_costs = list(map(every.__getitem__, positions))
        for cost, _, _ in aside.values():
            del ranked_costs[bisect_left(ranked_costs, cost)]
        cutoff = ranked_costs[count // 2]
        for p in positions:
            cost = every[p]
            if cost * SUSPECT_FACTOR >= cutoff:
                break
            if cost > 0 and picked[p] not in aside:
                aside[picked[p]] = (cost, p, BELOW_MEDIAN)
    ordered = sorted(aside.items(), key=lambda item: item[1][:2])
    result = Order(
        cols,
        picked,
        positions,
        tuple((i, why) for i, (_, _, why) in ordered),
        cols.missing[which],
        frozenset(aside),
    )
    remember(snapshot, key, result)
    return result
