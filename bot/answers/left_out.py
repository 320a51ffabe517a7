"""What an answer leaves out and counts in a footnote: models in other modes (images,
audio, video …) the mix would have ranked, and — for a past moment — models whose
earliest price pricebot first saw (or inferred) only later.

Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from bot.answers.modes import ANSWERING_MODES, QUIET_MODES
from bot.answers.orders import recall, remember
from bot.answers.query import Query
from bot.answers.snapshot import PriceSnapshot
from bot.answers.walks import PASS, Walk, filtered, verdict
from storage import DateBasis, ModelPrices, PriceKind


def non_text_modes(found: Walk, models: tuple[ModelPrices, ...]) -> tuple[str, ...]:
    """The modes of `non_text`'s models, most common first (kept with the walk)."""
    cached: tuple[str, ...] | None = found.memo.get("non_text_modes")
    if cached is None:
        cached = found.memo["non_text_modes"] = tuple(
            mode for mode, _ in Counter(m.mode for m in models).most_common()
        )
    return cached


def non_text(snapshot: PriceSnapshot, query: Query, found: Walk) -> tuple[ModelPrices, ...]:
    """Models in other modes (images, audio, video …) that the mix would have ranked:
    priced for what it needs, past the filters, and not ranked or free otherwise. One
    offer each; kept with the walk, which every question of the same kind shares."""
    cached: tuple[ModelPrices, ...] | None = found.memo.get("non_text")
    if cached is not None:
        return cached
    need_in, need_out = bool(query.mix.input_tokens), bool(query.mix.output_tokens)
    key = ("non_text", need_in, need_out)
    others: tuple[tuple[str, ModelPrices], ...] | None = recall(snapshot, key)
    if others is None:
        others = tuple(
            (m.model_key, m)
            for m in snapshot.models
            if m.mode not in ANSWERING_MODES
            and m.mode not in QUIET_MODES
            and not (need_in and m.price(PriceKind.INPUT) is None)
            and not (need_out and m.price(PriceKind.OUTPUT) is None)
        )
        remember(snapshot, key, others)
    ranked = found.keys | found.free.keys
    check = filtered(query)
    kept: dict[str, ModelPrices] = {}
    for model_key, offer in others:
        if model_key in ranked or model_key in kept:
            continue
        if not check or verdict(offer, query) == PASS:
            kept[model_key] = offer
    result = tuple(kept.values())
    found.memo["non_text"] = result
    return result


def unseen(snapshot: PriceSnapshot, query: Query) -> int:
    """For a past moment: answering models left out because their earliest price was
    first seen (or inferred) after it; nothing dates them earlier."""
    seen = snapshot.first_seen
    if seen is None:
        return 0
    later = recall(snapshot, ("unseen",))
    if later is None:
        earliest: dict[str, tuple[datetime, DateBasis]] = {}
        vocabulary = snapshot.vocabulary
        for offer_id, first in seen.items():
            known = vocabulary.offers.get(offer_id)
            if known is None or known.mode not in ANSWERING_MODES:
                continue
            held = earliest.get(known.model_key)
            if held is None or first.at < held[0]:
                earliest[known.model_key] = (first.at, first.basis)
        dated = (DateBasis.OBSERVED, DateBasis.INFERRED)
        later = tuple(
            key for key, (at, basis) in earliest.items() if basis in dated and at > snapshot.as_of
        )
        remember(snapshot, ("unseen",), later)
    if not filtered(query):
        return len(later)
    count = 0
    for key in later:
        offers = snapshot.vocabulary.models[key].offers
        for offer_id in offers:
            known = snapshot.vocabulary.offers[offer_id]
            seller, maker = known.vendor, known.maker
            if query.vendors and seller not in query.vendors and maker not in query.vendors:
                continue
            if seller in query.exclude_vendors or maker in query.exclude_vendors:
                continue
            if query.via and seller not in query.via:
                continue
            count += 1
            break
    return count
