"""What replies about named models share: the line under the title, the notes on mix,
currency, rates and dearer tiers, "no price as of …", and the maker's own price and the
cheapest other seller's. Used by `bot.answers.model_replies` (price) and
`bot.answers.cost_replies` (cost, compare); in the query's reply language; pure.
"""

from __future__ import annotations

from typing import Any

from bot.answers.cost import CostBreakdown
from bot.answers.picks import Pick
from bot.answers.query import Query
from bot.answers.snapshot import PriceSnapshot
from bot.answers.wording import (
    as_of_phrase,
    aside,
    currency_note,
    day,
    decimal_text,
    listing,
    mix_footnote,
    mix_phrase,
    money,
    per_million,
    prices_in,
    rate_note,
    seller_phrase,
    sentence,
    tier_note,
)
from bot.i18n import translator
from storage import DateBasis, FxRate


def head(query: Query, snapshot: PriceSnapshot) -> str:
    return f"{as_of_phrase(query, snapshot)} · {prices_in(query.currency, query.reply_language)}"


def rate_notes(rates: list[FxRate], currency: str, language: str) -> list[str]:
    seen: list[FxRate] = []
    for rate in rates:
        if rate not in seen:
            seen.append(rate)
    return [rate_note(r, currency, language) for r in seen]


def common_notes(
    query: Query, breakdowns: list[CostBreakdown], snapshot: PriceSnapshot, *, tiers: bool = True
) -> list[str]:
    language = query.reply_language
    _ = translator(language).gettext
    notes = []
    said = mix_footnote(query)
    if said:
        notes.append(said)
    why = currency_note(query)
    if why:
        notes.append(why)
    notes.extend(rate_notes([r for b in breakdowns for r in b.rates], query.currency, language))
    tiered = [
        b.model
        for b in breakdowns
        if tiers and query.prompt_tokens is None and tier_note(b.model, language)
    ]
    if tiered:
        listed = listing(
            (
                snapshot.model_name(m.model_key) + aside(tier_note(m, language), language)
                for m in tiered
            ),
            language,
        )
        notes.append(
            _("Longer prompts cost more on {models}; these are base-tier prices.").format(
                models=listed
            )
        )
    return notes


def missing_price(chosen: Pick, query: Query, snapshot: PriceSnapshot) -> str:
    """'Claude Opus 4.6 (anthropic/claude-opus-4-6): no price as of 2024-05-22.', with when
    pricebot first knew a price of it."""
    language = query.reply_language
    _ = translator(language).gettext
    label = snapshot.vocabulary.label(chosen.name)
    if query.as_of:
        said = _("{model}: no price as of {day}").format(
            model=label, day=day(query.as_of, language)
        )
    else:
        said = _("{model}: no price as of now").format(model=label)
    seen = snapshot.first_seen
    known = snapshot.vocabulary.models.get(chosen.key)
    if seen is not None and known is not None:
        firsts = [seen[o] for o in known.offers if o in seen]
        if firsts:
            first = min(firsts, key=lambda f: f.at)
            when = day(first.at, language)
            if first.basis is DateBasis.EFFECTIVE:
                said += aside(_("its first known price starts {day}").format(day=when), language)
            else:
                said += aside(
                    _("pricebot first saw its prices {day}; no earlier date is known").format(
                        day=when
                    ),
                    language,
                )
    return sentence(said, language)


def _brief(b: CostBreakdown, query: Query) -> str:
    """'Google Vertex AI $10.00 for 1M tokens (blended 3:1) ($5.00 in, $25.00 out per 1M),
    vertex/claude-opus-4-6'."""
    language = query.reply_language
    _ = translator(language).gettext
    converted = bool(b.rates)
    inp, out = (
        money(rate, converted=converted, language=language) if rate is not None else None
        for rate in (b.input_rate, b.output_rate)
    )
    prices = per_million(inp, out, language)
    cost = money(b.total, converted=converted, language=language)
    seller, mix = seller_phrase(b.model, language), mix_phrase(query.mix, language)
    if prices:
        return _("{seller} {cost} for {mix} ({prices}), {offer}").format(
            seller=seller, cost=cost, mix=mix, prices=prices, offer=b.model.model_id
        )
    return _("{seller} {cost} for {mix}, {offer}").format(
        seller=seller, cost=cost, mix=mix, offer=b.model.model_id
    )


def seller_lines(chosen: Pick, query: Query) -> list[str]:
    """The maker's own price when another offer answers, and the cheapest other seller."""
    _ = translator(query.reply_language).gettext
    said = []
    if chosen.maker is not None:
        said.append(_("The maker's own price: {offer}.").format(offer=_brief(chosen.maker, query)))
    if chosen.other is not None:
        count = chosen.sellers - (chosen.maker is not None)
        brief = _brief(chosen.other, query)
        said.append(
            _("Cheapest other seller ({count} other sellers): {offer}.").format(
                count=count, offer=brief
            )
            if count > 1
            else _("Cheapest other seller: {offer}.").format(offer=brief)
        )
    return said


def brief_json(b: CostBreakdown | None) -> dict[str, Any] | None:
    if b is None:
        return None
    return {
        "offer": b.model.model_id,
        "seller": b.model.vendor,
        "cost": decimal_text(b.total.amount) if b.total else None,
    }
