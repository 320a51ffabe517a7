"""Word answers as platform-neutral Replies: `answer(query, snapshot)` and `refusal_reply`.

    answer(query, snapshot, *, latest=None) -> Reply

`snapshot` must hold the prices in force at the query's moment (its `as_of`, or now).
For a dated question, pass `latest` (the snapshot for now) and the reply says whether
the answer has changed since. Every reply states its date, its currency, the mix it
assumed and how to ask for another, the rates it converted with, and what it left out.
Pure: no I/O, no clock.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from bot.answers.model_replies import compare_reply, cost_reply, price_reply
from bot.answers.orders import BELOW_MEDIAN, BELOW_SELLERS, PLACEHOLDER
from bot.answers.query import Query, QueryKind, Refusal, SellerChoice
from bot.answers.ranking import FreeModel, RankedModel, Ranking, rank
from bot.answers.snapshot import PriceSnapshot
from bot.answers.wording import (
    NAMES_SHOWN,
    as_of_phrase,
    currency_note,
    decimal_text,
    filter_phrases,
    iso,
    mix_footnote,
    mix_phrase,
    money,
    names,
    offer_phrase,
    rate_note,
    seller_phrase,
    tier_note,
)
from bot.messages import Reply, ReplyKind, Row
from storage import ModelPrices, tier_label


def answer(query: Query, snapshot: PriceSnapshot, *, latest: PriceSnapshot | None = None) -> Reply:
    """The reply to a parsed question, from the prices in `snapshot`."""
    if query.kind is QueryKind.CHEAPEST:
        return cheapest_reply(rank(query, snapshot), snapshot, latest=latest)
    if query.kind is QueryKind.FREE:
        return free_reply(query, snapshot)
    if query.kind is QueryKind.PRICE:
        return price_reply(query, snapshot)
    if query.kind is QueryKind.COST:
        return cost_reply(query, snapshot)
    return compare_reply(query, snapshot)


def refusal_reply(refusal: Refusal) -> Reply:
    """A refusal as a reply: the reason, any "did you mean", three examples that work."""
    lines: list[str] = []
    lines.append("Try one of these:")
    lines.extend(refusal.examples)
    return Reply(
        title=refusal.reason,
        kind=ReplyKind.ERROR,
        lines=tuple(lines),
        private=True,
        data={
            "refusal": refusal.reason,
            "suggestions": list(refusal.suggestions),
            "examples": list(refusal.examples),
        },
    )


def _free_line(free: tuple[FreeModel, ...]) -> str:
    """'Free now: ERNIE Lite (Baidu); …; Gemini 1.5 Pro (Google) within caps: …'."""
    line: str = _shared("line", free, lambda: _word_free(free))
    return line


def _word_free(free: tuple[FreeModel, ...]) -> str:
    plain = [f for f in free if f.offer is None or not f.offer.cap_note]
    capped = [f for f in free if f.offer is not None and f.offer.cap_note]
    parts = []
    for f in plain[:NAMES_SHOWN]:
        until = f" until {f.offer.until:%Y-%m-%d}" if f.offer and f.offer.until else ""
        parts.append(f"{f.name or f.model.display_name} ({seller_phrase(f.model)}{until})")
    if len(plain) > NAMES_SHOWN:
        parts.append(f'and {len(plain) - NAMES_SHOWN} more (ask "free")')
    for f in capped[:NAMES_SHOWN]:
        parts.append(
            f"{f.name or f.model.display_name} ({seller_phrase(f.model)}) within caps: "
            f"{offer_phrase(f.offer)}"
        )
    if len(capped) > NAMES_SHOWN:
        parts.append(f"and {len(capped) - NAMES_SHOWN} more with caps")
    return "Free now: " + "; ".join(parts)


def _others(count: int) -> str:
    return f"+{count} other seller" + ("s" if count > 1 else "")


def _row(ranked: RankedModel) -> Row:
    b = ranked.breakdown
    prices = []
    for label, point in (("in", b.input_point), ("out", b.output_point)):
        if point is not None:
            prices.append(f"{money(point.amount)} {label}")
    note = f"{seller_phrase(ranked.model)} · " + ", ".join(prices) + " per 1M"
    if b.tier:
        note += f" ({tier_label(b.tier)})"
    if ranked.others:
        note += f" · {_others(ranked.others)}"
    if ranked.free_offer is not None:
        note += " · also free within caps"
    return Row(
        f"{ranked.position}. {ranked.name or ranked.model.display_name}",
        money(b.total, converted=bool(b.rates)),
        note,
    )


def _ranked_json(ranked: RankedModel) -> dict[str, Any]:
    b = ranked.breakdown
    point = b.input_point or b.output_point
    return {
        "rank": ranked.position,
        "model": ranked.model_key,
        "name": ranked.name or ranked.model.display_name,
        "offer": ranked.model.model_id,
        "seller": ranked.model.vendor,
        "vendor": ranked.model.vendor,
        "other_sellers": ranked.others,
        "cost": decimal_text(ranked.cost.amount),
        "currency": ranked.cost.currency,
        "input_per_1m": decimal_text(b.input_rate.amount) if b.input_rate else None,
        "output_per_1m": decimal_text(b.output_rate.amount) if b.output_rate else None,
        "native_input_per_1m": decimal_text(b.input_point.amount.amount) if b.input_point else None,
        "native_output_per_1m": decimal_text(b.output_point.amount.amount)
        if b.output_point
        else None,
        "native_currency": point.amount.currency if point else None,
        "tier": b.tier,
        "free_within_caps": ranked.free_offer is not None,
    }


# The same free list (one tuple per snapshot and filter) serves many questions: its line
# and its JSON are built once, keyed by the tuple's identity (the tuple is kept with
# them, so the id stays valid).
_SHARED: OrderedDict[tuple[str, int], tuple[tuple[FreeModel, ...], Any]] = OrderedDict()
_SHARED_LOCK = threading.Lock()


def _shared(kind: str, free: tuple[FreeModel, ...], build: Callable[[], Any]) -> Any:
    with _SHARED_LOCK:
        held = _SHARED.get((kind, id(free)))
    if held is None or held[0] is not free:
        held = (free, build())
        with _SHARED_LOCK:
            _SHARED[(kind, id(free))] = held
            while len(_SHARED) > 64:
                _SHARED.popitem(last=False)
    return held[1]


def _free_json(free: tuple[FreeModel, ...]) -> list[dict[str, Any]]:
    entries: tuple[dict[str, Any], ...] = _shared(
        "json",
        free,
        lambda: tuple(
            {
                "model": f.model.model_key,
                "name": f.name or f.model.display_name,
                "offer": f.model.model_id,
                "seller": f.model.vendor,
                "vendor": f.model.vendor,
                "cap": f.offer.cap_note if f.offer else None,
                "until": iso(f.offer.until) if f.offer else None,
            }
            for f in free
        ),
    )
    return list(entries)


def _stale_phrase(offers: tuple[ModelPrices, ...], snapshot: PriceSnapshot, limit: int) -> str:
    """'Gemini 1.5 Pro (Google, last confirmed 2024-05-31)' for free offers gone quiet."""
    shown = []
    for offer in offers[:limit]:
        when = offer.free_confirmed_at
        confirmed = f", last confirmed {when:%Y-%m-%d}" if when else ""
        shown.append(f"{snapshot.model_name(offer.model_key)} ({seller_phrase(offer)}{confirmed})")
    more = len(offers) - len(shown)
    return "; ".join(shown) + (f" and {more} more" if more > 0 else "")


_ASIDE_WHY = {
    PLACEHOLDER: "$0.001 or less per 1M",
    BELOW_SELLERS: "under 1/100 of its other sellers",
    BELOW_MEDIAN: "under 1/1000 of the median",
}


def _footnotes(ranking: Ranking, snapshot: PriceSnapshot) -> list[str]:
    """What a ranking assumed, converted, set aside and left out."""
    query = ranking.query
    footnotes: list[str] = []
    said = mix_footnote(query)
    if said:
        footnotes.append(said)
    note = currency_note(query)
    if note:
        footnotes.append(note)
    footnotes.extend(rate_note(rate, ranking.currency) for rate in ranking.rates)
    if any(r.others for r in ranking.top) and query.sellers is SellerChoice.DEFAULT:
        footnotes.append(
            'Each model at its cheapest offer from any seller; ask "direct only" for makers\' '
            'own prices, or "via SELLER" for one seller.'
        )
    for ranked in ranking.top:
        if ranked.free_offer is not None:
            footnotes.append(
                f"{ranked.name} is free within its caps and ranked at its paid "
                "price, which applies beyond them."
            )
    if ranking.tiered:
        tiers = ", ".join(
            f"{snapshot.model_name(m.model_key)} ({tier_note(m)})" for m in ranking.tiered
        )
        footnotes.append(
            f"Longer prompts cost more on {tiers}; these are base-tier prices. "
            'Ask "… for 200k prompts" to price a long prompt.'
        )
    if query.prompt_tokens:
        footnotes.append(
            f"Priced for prompts of {query.prompt_tokens:,} tokens: the context tier for that "
            "length applies, and models with a smaller context window are left out."
        )
    if ranking.suspect:
        listed = "; ".join(
            f"{s.model.display_name} ({seller_phrase(s.model)}, "
            f"{money(s.cost, converted=s.converted)}: {_ASIDE_WHY.get(s.reason, s.reason)})"
            for s in ranking.suspect
        )
        more = ranking.suspect_total - len(ranking.suspect)
        footnotes.append(
            f"Set aside as placeholder prices, never ranked: {listed}"
            + (f" and {more} more" if more > 0 else "")
            + "."
        )
    if ranking.unknown:
        footnotes.append(
            f"{len(ranking.unknown)} left out because a price this mix needs is unknown "
            f"(never counted as free): {names(ranking.unknown, 3)}."
        )
    if ranking.no_rate:
        currencies = sorted({p.amount.currency for m in ranking.no_rate for p in m.prices.values()})
        footnotes.append(
            f"{len(ranking.no_rate)} left out: priced in {', '.join(currencies)} with no rate "
            f"to {ranking.currency}: {names(ranking.no_rate, 3)}."
        )
    if ranking.context_unknown:
        footnotes.append(f"{ranking.context_unknown} left out: context window unknown.")
    if ranking.non_text:
        count = len(ranking.non_text)
        modes = ranking.non_text_modes
        kinds = ", ".join(modes[:3]) + (" …" if len(modes) > 3 else "")
        footnotes.append(
            f"{count} non-text model{'s' if count > 1 else ''} left out ({kinds}; priced per "
            f"image, song, second or request, or not for text): {names(ranking.non_text, 3)}."
        )
    if ranking.unseen and query.as_of is not None:
        models = "1 model" if ranking.unseen == 1 else f"{ranking.unseen} models"
        footnotes.append(
            f"{models} left out: pricebot first saw their prices after "
            f"{query.as_of:%Y-%m-%d}; no earlier date is known."
        )
    return footnotes


def cheapest_reply(
    ranking: Ranking, snapshot: PriceSnapshot, *, latest: PriceSnapshot | None = None
) -> Reply:
    """'Cheapest for 1M tokens (blended 3:1)': free now apart, paid cheapest first, notes."""
    query = ranking.query
    head = [as_of_phrase(query, snapshot), f"prices in {ranking.currency}"]
    head.extend(filter_phrases(query, snapshot))
    lines = [" · ".join(head)]
    if ranking.free:
        lines.append(_free_line(ranking.free))
    if ranking.top:
        shown = len(ranking.top)
        lines.append(
            f"Paid, cheapest first ({shown} of {ranking.total}):"
            if ranking.total > shown
            else "Paid, cheapest first:"
        )
    else:
        lines.append("No paid model with a known price matches.")
    footnotes = _footnotes(ranking, snapshot)
    changed = _since(ranking, latest)
    if changed:
        footnotes.append(changed)
    return Reply(
        title=f"Cheapest for {mix_phrase(ranking.mix)}",
        kind=ReplyKind.ANSWER,
        lines=tuple(lines),
        rows=tuple(_row(r) for r in ranking.top),
        footnotes=tuple(footnotes),
        data={
            "question": query.text,
            "kind": query.kind.value,
            "as_of": iso(snapshot.as_of),
            "currency": ranking.currency,
            "mix": {
                "input_tokens": ranking.mix.input_tokens,
                "output_tokens": ranking.mix.output_tokens,
                "source": ranking.mix.source.value,
            },
            "ranked": [_ranked_json(r) for r in ranking.top],
            "ranked_total": ranking.total,
            "free_now": _free_json(ranking.free),
            "left_out_unknown_price": [m.model_id for m in ranking.unknown],
            "left_out_no_rate": [m.model_id for m in ranking.no_rate],
            "left_out_not_text": [m.model_id for m in ranking.non_text],
            "left_out_first_seen_later": ranking.unseen,
            "set_aside": [{"offer": s.model.model_id, "reason": s.reason} for s in ranking.suspect],
            "set_aside_total": ranking.suspect_total,
            "rates": [
                {
                    "base": r.base,
                    "quote": r.quote,
                    "rate": decimal_text(r.rate),
                    "as_of": r.as_of.isoformat(),
                    "source": r.source,
                }
                for r in ranking.rates
            ],
        },
    )


def _since(ranking: Ranking, latest: PriceSnapshot | None) -> str | None:
    """For a dated question: has the answer changed since? (None when not asked or same.)"""
    query = ranking.query
    if query.as_of is None or latest is None or latest.as_of <= ranking.as_of:
        return None
    now = rank(query.with_as_of(None), latest, limit=1)
    before = ranking.cheapest
    after = now.cheapest
    if after is None:
        return None
    if (
        before is not None
        and before.model.model_id == after.model.model_id
        and before.cost.amount == after.cost.amount
    ):
        return f"Still the cheapest as of {latest.as_of:%Y-%m-%d}."
    return (
        f"Prices have changed since {query.as_of:%Y-%m-%d}: as of {latest.as_of:%Y-%m-%d} the "
        f"cheapest is {after.name} at "
        f"{money(after.breakdown.total, converted=bool(after.breakdown.rates))}."
    )


def free_reply(query: Query, snapshot: PriceSnapshot) -> Reply:
    """'Free now': every model free at the snapshot's moment, with caps and end dates; and,
    briefly, the free offers no source confirmed lately."""
    ranking = rank(query, snapshot, limit=0)
    free = ranking.free
    head = [as_of_phrase(query, snapshot), *filter_phrases(query, snapshot)]
    rows = tuple(
        Row(
            f.name or f.model.display_name,
            "free",
            f"{seller_phrase(f.model)} · {offer_phrase(f.offer)}",
        )
        for f in free[: max(query.top, 20)]
    )
    lines = [" · ".join(head)]
    if not free:
        lines.append("Nothing is free now.")
    elif len(free) > len(rows):
        lines.append(f"{len(rows)} of {len(free)} shown.")
    if ranking.stale:
        lines.append(
            f"Was free, not confirmed within {query.free_confirm_days} days: "
            f"{_stale_phrase(ranking.stale, snapshot, 5)}."
        )
    return Reply(
        title="Free now",
        kind=ReplyKind.ANSWER,
        lines=tuple(lines),
        rows=rows,
        footnotes=(
            "Free means a source says so (a free offer, or prices of zero); a missing price is "
            "unknown, never free. A free offer without an end date counts while a source "
            f"confirmed it within {query.free_confirm_days} days.",
        ),
        data={
            "question": query.text,
            "kind": query.kind.value,
            "as_of": iso(snapshot.as_of),
            "free_now": _free_json(free),
            "was_free": [
                {
                    "model": o.model_key,
                    "offer": o.model_id,
                    "last_confirmed": iso(o.free_confirmed_at),
                }
                for o in ranking.stale
            ],
        },
    )
