"""The reply to `price MODEL`: one model's prices per 1M tokens, part by part and tier by
tier, its free offer, its cost for the mix and its rank.

A bare model name answers with the maker's own offer (or says the maker does not sell
it and answers with the cheapest offer); the reply also names the maker's price and
the cheapest other seller. Used by `bot.answers.replies.answer`; in the query's reply
language (its data the same in every language); pure.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from bot.answers.model_notes import (
    brief_json,
    common_notes,
    head,
    missing_price,
    rate_notes,
    seller_lines,
)
from bot.answers.modes import ANSWERING_MODES
from bot.answers.offers import STALE, active_offer, free_kind, same_as_base
from bot.answers.picks import breakdown, pick
from bot.answers.query import Query, SellerChoice
from bot.answers.ranking import standing
from bot.answers.snapshot import PriceSnapshot
from bot.answers.wording import (
    aside,
    currency_word,
    date_note,
    day,
    decimal_text,
    iso,
    mix_phrase,
    money,
    number,
    offer_phrase,
    seller_phrase,
    tier_text,
    vendor_label,
)
from bot.i18n import translator
from bot.messages import Reply, ReplyKind, Row
from storage import FxRate, ModelPrices, PriceKind

_KIND_ORDER = (PriceKind.INPUT, PriceKind.CACHED_INPUT, PriceKind.CACHE_WRITE, PriceKind.OUTPUT)


def _kind_label(kind: PriceKind, language: str) -> str:
    _ = translator(language).gettext
    labels = {
        PriceKind.INPUT: _("Input"),
        PriceKind.CACHED_INPUT: _("Cached input"),
        PriceKind.CACHE_WRITE: _("Cache write"),
        PriceKind.OUTPUT: _("Output"),
    }
    return labels[kind]


def _price_rows(
    model: ModelPrices, query: Query, snapshot: PriceSnapshot
) -> tuple[list[Row], list[FxRate], list[dict[str, Any]]]:
    rows: list[Row] = []
    rates: list[FxRate] = []
    prices_json: list[dict[str, Any]] = []
    language = query.reply_language
    _ = translator(language).gettext
    for kind in _KIND_ORDER:
        for tier in model.tiers(kind):
            point = model.price(kind, tier)
            if point is None or same_as_base(model, point):
                continue  # a long-context surcharge that ended: the base price applies
            converted = snapshot.convert(point.amount, query.currency)
            label = _kind_label(kind, language)
            if tier:
                label = _("{kind}, {tier}").format(kind=label, tier=tier_text(tier, language))
            note = date_note(point, language)
            native = money(point.amount, language=language)
            if converted is None:
                value = _("{price} per 1M").format(price=native)
                note += " · " + _("no rate to {currency}").format(
                    currency=currency_word(query.currency, language)
                )
            else:
                shown = money(converted[0], converted=converted[1] is not None, language=language)
                value = _("{price} per 1M").format(price=shown)
                if converted[1] is not None:
                    rates.append(snapshot.stated_rate(converted[1]))
                    note = f"{native} · " + note
            rows.append(Row(label, value, note))
            prices_json.append(
                {
                    "kind": kind.value,
                    "tier": tier,
                    "amount": decimal_text(point.amount.amount),
                    "currency": point.amount.currency,
                    "per": "1M tokens",
                    "effective": point.effective_at.isoformat(),
                    "date_basis": point.date_basis.value,
                    "source": point.source,
                }
            )
    return rows, rates, prices_json


def _free_lines(model: ModelPrices, query: Query, snapshot: PriceSnapshot) -> list[str]:
    language = query.reply_language
    _ = translator(language).gettext
    kind = free_kind(model, snapshot.as_of, timedelta(days=query.free_confirm_days))
    if kind == STALE:
        offer, days = offer_phrase(active_offer(model), language), query.free_confirm_days
        when = model.free_confirmed_at
        if when:
            return [
                _(
                    "Was free ({offer}, last confirmed {day}); no source confirmed it within "
                    "{days} days, so it is not counted as free."
                ).format(offer=offer, day=day(when, language), days=days)
            ]
        return [
            _(
                "Was free ({offer}); no source confirmed it within {days} days, so it is not "
                "counted as free."
            ).format(offer=offer, days=days)
        ]
    if kind is not None:
        return [_("Free now: {offer}.").format(offer=offer_phrase(active_offer(model), language))]
    return []


def price_reply(query: Query, snapshot: PriceSnapshot) -> Reply:
    """One model's prices per 1M tokens (the maker's own offer unless asked otherwise), its
    free offer, its cost for the mix, its rank, and the other sellers."""
    language = query.reply_language
    _ = translator(language).gettext
    chosen = pick(query.models[0], query, snapshot)
    model = chosen.offer
    title_name = snapshot.model_name(chosen.key)
    title = _("{model} prices").format(model=title_name)
    lines = [head(query, snapshot)]
    if chosen.note:
        lines.append(chosen.note)
    if model is None:
        if not chosen.note:
            lines.append(missing_price(chosen, query, snapshot))
        lines.extend(seller_lines(chosen, query))
        return Reply(
            title=title,
            kind=ReplyKind.ANSWER,
            language=query.reply_language,
            lines=tuple(lines),
            data={
                "question": query.text,
                "kind": query.kind.value,
                "model": chosen.key,
                "offer": None,
                "prices": [],
            },
        )
    rows, rates, prices_json = _price_rows(model, query, snapshot)
    maker_note = aside(_("the maker"), language) if model.is_maker_offer and chosen.sellers else ""
    facts = [model.model_id, seller_phrase(model, language) + maker_note]
    if model.context_window:
        facts.append(
            _("context {count} tokens").format(count=number(model.context_window, language))
        )
    lines.insert(1, " · ".join(facts))
    lines.extend(_free_lines(model, query, snapshot))
    cost = breakdown(model, query, snapshot)
    free_now = free_kind(model, snapshot.as_of, timedelta(days=query.free_confirm_days))
    if cost.total is not None and not (free_now is not None and active_offer(model) is None):
        rows.append(
            Row(
                _("For {mix}").format(mix=mix_phrase(query.mix, language)),
                money(cost.total, converted=bool(cost.rates), language=language),
            )
        )
    if model.mode in ANSWERING_MODES:
        everyone = replace(query, sellers=SellerChoice.DEFAULT, via=frozenset())
        place = standing(chosen.key, everyone, snapshot)
        if place.position is not None:
            mix = mix_phrase(query.mix, language)
            lines.append(
                _(
                    "Ranks #{position} of {count} paid models for {mix} at its cheapest offer "
                    "({seller})."
                ).format(
                    position=place.position,
                    count=place.of,
                    mix=mix,
                    seller=vendor_label(snapshot.vocabulary, place.seller, language),
                )
                if place.offer and place.offer != model.model_id and place.seller
                else _("Ranks #{position} of {count} paid models for {mix}.").format(
                    position=place.position, count=place.of, mix=mix
                )
            )
        elif place.reason == "free":
            lines.append(_("Free now, so not ranked among paid models."))
    if not rows:
        lines.append(_("No prices known."))
    lines.extend(seller_lines(chosen, query))
    footnotes = common_notes(query, [cost], snapshot, tiers=False)
    footnotes.extend(rate_notes(rates, query.currency, language))
    sources = list(dict.fromkeys(p.source_ref for p in model.prices.values() if p.source_ref))
    footnotes.extend(_("Source: {ref}").format(ref=ref) for ref in sources[:3])
    offer = active_offer(model)
    return Reply(
        title=title,
        kind=ReplyKind.ANSWER,
        language=query.reply_language,
        lines=tuple(lines),
        rows=tuple(rows),
        footnotes=tuple(dict.fromkeys(footnotes)),
        data={
            "question": query.text,
            "kind": query.kind.value,
            "as_of": iso(snapshot.as_of),
            "model": chosen.key,
            "offer": model.model_id,
            "name": title_name,
            "seller": model.vendor,
            "vendor": model.vendor,
            "maker_offer": model.is_maker_offer,
            "context_window": model.context_window,
            # Data is the same in every language: the offer's phrase in English.
            "free_now": offer_phrase(offer, "en") if free_now not in (None, STALE) else None,
            "prices": prices_json,
            "currency": query.currency,
            "mix_cost": decimal_text(cost.total.amount) if cost.total else None,
            "makers_price": brief_json(chosen.maker),
            "cheapest_other": brief_json(chosen.other),
        },
    )
