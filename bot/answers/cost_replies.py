"""Replies that cost a mix on named models: `cost MODEL 2M in 500k out` and
`compare A B [C]`, each model at the offer `bot.answers.picks` chooses, part by part.

Used by `bot.answers.replies.answer`; in the query's reply language; pure.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from babel.numbers import format_percent

from bot.answers.cost import CostBreakdown
from bot.answers.model_notes import brief_json, common_notes, head, missing_price
from bot.answers.picks import Pick, breakdown, pick
from bot.answers.query import Query
from bot.answers.snapshot import PriceSnapshot
from bot.answers.wording import (
    aside,
    decimal_text,
    iso,
    mix_phrase,
    money,
    offer_phrase,
    per_million,
    seller_phrase,
    tier_text,
)
from bot.i18n import locale, translator
from bot.messages import Reply, ReplyKind, Row
from storage import ModelPrices, Money, PriceKind


def _picks(
    query: Query, snapshot: PriceSnapshot
) -> tuple[list[tuple[Pick, CostBreakdown]], list[Pick]]:
    found, missing = [], []
    for name in query.models:
        chosen = pick(name, query, snapshot)
        if chosen.offer is None:
            missing.append(chosen)
            continue
        found.append((chosen, breakdown(chosen.offer, query, snapshot)))
    return found, missing


def _no_price(missing: tuple[PriceKind, ...], language: str) -> str:
    """'no input price', 'no output price', 'no input and output price'."""
    _ = translator(language).gettext
    if PriceKind.INPUT in missing and PriceKind.OUTPUT in missing:
        return _("no input and output price")
    if PriceKind.OUTPUT in missing:
        return _("no output price")
    return _("no input price")


def _cost_row(chosen: Pick, b: CostBreakdown, label: str, query: Query) -> Row:
    language = query.reply_language
    _ = translator(language).gettext
    model: ModelPrices = b.model
    offer = b.free_offer
    seller = seller_phrase(model, language)
    if b.total is None:
        return Row(
            label, money(None, language=language), f"{seller} · {_no_price(b.missing, language)}"
        )
    converted = bool(b.rates)

    def shown(value: Money | None) -> str | None:
        return money(value, converted=converted, language=language) if value is not None else None

    costs = []
    if b.input_cost is not None:
        costs.append(_("input {cost}").format(cost=shown(b.input_cost)))
    if b.output_cost is not None:
        costs.append(_("output {cost}").format(cost=shown(b.output_cost)))
    at = _("at {prices}").format(
        prices=per_million(shown(b.input_rate), shown(b.output_rate), language)
    )
    note = f"{seller} · " + " + ".join(costs) + " · " + at
    if b.tier:
        note += aside(tier_text(b.tier, language), language)
    if offer is not None or model.is_free:
        note += " · " + _("free now: {offer}").format(offer=offer_phrase(offer, language))
    others = (
        (_("maker's own: {seller} {cost}"), chosen.maker),
        (_("cheapest other seller: {seller} {cost}"), chosen.other),
    )
    for said, other in others:
        if other is not None and other.total is not None:
            note += " · " + said.format(
                seller=seller_phrase(other.model, language),
                cost=money(other.total, converted=bool(other.rates), language=language),
            )
    return Row(label, money(b.total, converted=converted, language=language), note)


def _cost_json(chosen: Pick, b: CostBreakdown) -> dict[str, Any]:
    return {
        "model": chosen.key,
        "name": b.model.display_name,
        "offer": b.model.model_id,
        "seller": b.model.vendor,
        "cost": decimal_text(b.total.amount) if b.total else None,
        "currency": b.currency,
        "input_cost": decimal_text(b.input_cost.amount) if b.input_cost else None,
        "output_cost": decimal_text(b.output_cost.amount) if b.output_cost else None,
        "missing": [k.value for k in b.missing],
        "tier": b.tier,
        "free_now": b.free_offer is not None or b.model.is_free,
        "makers_price": brief_json(chosen.maker),
        "cheapest_other": brief_json(chosen.other),
    }


def _model_lines(
    query: Query,
    snapshot: PriceSnapshot,
    found: list[tuple[Pick, CostBreakdown]],
    missing: list[Pick],
) -> list[str]:
    lines = [chosen.note for chosen, _ in found if chosen.note]
    for chosen in missing:
        lines.append(chosen.note or missing_price(chosen, query, snapshot))
    return lines


def cost_reply(query: Query, snapshot: PriceSnapshot) -> Reply:
    """What the asked mix costs on each named model, part by part."""
    _ = translator(query.reply_language).gettext
    found, missing = _picks(query, snapshot)
    lines = [head(query, snapshot), *_model_lines(query, snapshot, found, missing)]
    return Reply(
        title=_("Cost of {mix}").format(mix=mix_phrase(query.mix, query.reply_language)),
        kind=ReplyKind.ANSWER,
        language=query.reply_language,
        lines=tuple(lines),
        rows=tuple(_cost_row(p, b, snapshot.model_name(p.key), query) for p, b in found),
        footnotes=tuple(common_notes(query, [b for _, b in found], snapshot)),
        data={
            "question": query.text,
            "kind": query.kind.value,
            "as_of": iso(snapshot.as_of),
            "currency": query.currency,
            "mix": {
                "input_tokens": query.mix.input_tokens,
                "output_tokens": query.mix.output_tokens,
            },
            "costs": [_cost_json(p, b) for p, b in found],
            "no_price": [p.name for p in missing],
        },
    )


def compare_reply(query: Query, snapshot: PriceSnapshot) -> Reply:
    """Two to five models side by side for the mix, cheapest first, with how much cheaper."""
    found, missing = _picks(query, snapshot)
    known = sorted((f for f in found if f[1].total is not None), key=lambda f: f[1].total.amount)  # type: ignore[union-attr]
    unknown = [f for f in found if f[1].total is None]
    language = query.reply_language
    _ = translator(language).gettext
    lines = [head(query, snapshot)]
    name = snapshot.model_name
    if len(known) >= 2:
        (first_pick, first), (second_pick, second) = known[0], known[1]
        a, b = first.total.amount, second.total.amount  # type: ignore[union-attr]
        if b > 0 and a < b:
            # Whole percent, rounded half up: 12.5% less reads "13%".
            saved = ((b - a) / b).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
            lines.append(
                _("{cheaper} is cheapest: {percent} less than {dearer}.").format(
                    cheaper=name(first_pick.key),
                    percent=format_percent(saved, locale=locale(language)),
                    dearer=name(second_pick.key),
                )
            )
        elif a == b:
            lines.append(
                _("{first} and {second} cost the same.").format(
                    first=name(first_pick.key), second=name(second_pick.key)
                )
            )
    lines.extend(_model_lines(query, snapshot, found, missing))
    ordered = known + unknown
    rows = tuple(
        _cost_row(p, b, f"{i}. {name(p.key)}", query) for i, (p, b) in enumerate(ordered, 1)
    )
    return Reply(
        title=_("Compare for {mix}").format(mix=mix_phrase(query.mix, language)),
        kind=ReplyKind.ANSWER,
        language=query.reply_language,
        lines=tuple(lines),
        rows=rows,
        footnotes=tuple(common_notes(query, [b for _, b in found], snapshot)),
        data={
            "question": query.text,
            "kind": query.kind.value,
            "as_of": iso(snapshot.as_of),
            "currency": query.currency,
            "mix": {
                "input_tokens": query.mix.input_tokens,
                "output_tokens": query.mix.output_tokens,
            },
            "costs": [_cost_json(p, b) for p, b in ordered],
            "no_price": [p.name for p in missing],
        },
    )
