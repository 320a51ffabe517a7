"""Replies about named models: `price MODEL`, `cost MODEL 2M in 500k out`, `compare A B [C]`.

A bare model name answers with the maker's own offer (or says the maker does not sell
it and answers with the cheapest offer); each reply also names the maker's price and
the cheapest other seller. Used by `bot.answers.replies.answer`; pure.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bot.answers.cost import CostBreakdown
from bot.answers.modes import ANSWERING_MODES
from bot.answers.offers import STALE, active_offer, date_note, free_kind, same_as_base
from bot.answers.picks import Pick, breakdown, pick
from bot.answers.query import Query, SellerChoice
from bot.answers.ranking import standing
from bot.answers.snapshot import PriceSnapshot
from bot.answers.wording import (
    as_of_phrase,
    currency_note,
    decimal_text,
    iso,
    mix_footnote,
    mix_phrase,
    money,
    offer_phrase,
    rate_note,
    seller_phrase,
    tier_note,
)
from bot.messages import Reply, ReplyKind, Row
from storage import DateBasis, FxRate, ModelPrices, PriceKind, tier_label

_KIND_ORDER = (PriceKind.INPUT, PriceKind.CACHED_INPUT, PriceKind.CACHE_WRITE, PriceKind.OUTPUT)
_KIND_LABEL = {
    PriceKind.INPUT: "Input",
    PriceKind.CACHED_INPUT: "Cached input",
    PriceKind.CACHE_WRITE: "Cache write",
    PriceKind.OUTPUT: "Output",
}


def _head(query: Query, snapshot: PriceSnapshot) -> str:
    return f"{as_of_phrase(query, snapshot)} · prices in {query.currency}"


def _rate_notes(rates: list[FxRate], currency: str) -> list[str]:
    seen: list[FxRate] = []
    for rate in rates:
        if rate not in seen:
            seen.append(rate)
    return [rate_note(r, currency) for r in seen]


def _common_notes(
    query: Query, breakdowns: list[CostBreakdown], snapshot: PriceSnapshot, *, tiers: bool = True
) -> list[str]:
    notes = []
    said = mix_footnote(query)
    if said:
        notes.append(said)
    why = currency_note(query)
    if why:
        notes.append(why)
    notes.extend(_rate_notes([r for b in breakdowns for r in b.rates], query.currency))
    tiered = [
        b.model for b in breakdowns if tiers and query.prompt_tokens is None and tier_note(b.model)
    ]
    if tiered:
        listed = ", ".join(f"{snapshot.model_name(m.model_key)} ({tier_note(m)})" for m in tiered)
        notes.append(f"Longer prompts cost more on {listed}; these are base-tier prices.")
    return notes


def _missing(chosen: Pick, query: Query, snapshot: PriceSnapshot) -> str:
    """'Claude Opus 4.6 (anthropic/claude-opus-4-6): no price as of 2024-05-22', with when
    pricebot first knew a price of it."""
    when = f"{query.as_of:%Y-%m-%d}" if query.as_of else "now"
    said = f"{snapshot.vocabulary.label(chosen.name)}: no price as of {when}"
    seen = snapshot.first_seen
    known = snapshot.vocabulary.models.get(chosen.key)
    if seen is not None and known is not None:
        firsts = [seen[o] for o in known.offers if o in seen]
        if firsts:
            first = min(firsts, key=lambda f: f.at)
            if first.basis is DateBasis.EFFECTIVE:
                said += f" (its first known price starts {first.at:%Y-%m-%d})"
            else:
                said += (
                    f" (pricebot first saw its prices {first.at:%Y-%m-%d}; "
                    "no earlier date is known)"
                )
    return said


def _brief(b: CostBreakdown, query: Query) -> str:
    """'Google Vertex AI $10.00 for 1M tokens (blended 3:1): $5.00 in, $25.00 out per 1M'."""
    converted = bool(b.rates)
    rates = [
        f"{money(rate, converted=converted)} {name}"
        for name, rate in (("in", b.input_rate), ("out", b.output_rate))
        if rate is not None
    ]
    cost = money(b.total, converted=converted) if b.total is not None else "unknown"
    return (
        f"{seller_phrase(b.model)} {cost} for {mix_phrase(query.mix)}"
        + (f" ({', '.join(rates)} per 1M)" if rates else "")
        + f", {b.model.model_id}"
    )


def _seller_lines(chosen: Pick, query: Query) -> list[str]:
    """The maker's own price when another offer answers, and the cheapest other seller."""
    said = []
    if chosen.maker is not None:
        said.append(f"The maker's own price: {_brief(chosen.maker, query)}.")
    if chosen.other is not None:
        count = chosen.sellers - (chosen.maker is not None)
        more = f" ({count} other sellers)" if count > 1 else ""
        said.append(f"Cheapest other seller{more}: {_brief(chosen.other, query)}.")
    return said


def _price_rows(
    model: ModelPrices, query: Query, snapshot: PriceSnapshot
) -> tuple[list[Row], list[FxRate], list[dict[str, Any]]]:
    rows: list[Row] = []
    rates: list[FxRate] = []
    prices_json: list[dict[str, Any]] = []
    for kind in _KIND_ORDER:
        for tier in model.tiers(kind):
            point = model.price(kind, tier)
            if point is None or same_as_base(model, point):
                continue  # a long-context surcharge that ended: the base price applies
            converted = snapshot.convert(point.amount, query.currency)
            label = _KIND_LABEL[kind] + (f", {tier_label(tier)}" if tier else "")
            note = date_note(point)
            if converted is None:
                value = f"{money(point.amount)} per 1M"
                note += f" · no rate to {query.currency}"
            else:
                value = f"{money(converted[0], converted=converted[1] is not None)} per 1M"
                if converted[1] is not None:
                    rates.append(snapshot.stated_rate(converted[1]))
                    note = f"{money(point.amount)} · " + note
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
    kind = free_kind(model, snapshot.as_of, timedelta(days=query.free_confirm_days))
    if kind == STALE:
        promise = active_offer(model)
        when = model.free_confirmed_at
        confirmed = f", last confirmed {when:%Y-%m-%d}" if when else ""
        return [
            f"Was free ({offer_phrase(promise)}{confirmed}); no source confirmed it within "
            f"{query.free_confirm_days} days, so it is not counted as free."
        ]
    if kind is not None:
        return [f"Free now: {offer_phrase(active_offer(model))}."]
    return []


def price_reply(query: Query, snapshot: PriceSnapshot) -> Reply:
    """One model's prices per 1M tokens (the maker's own offer unless asked otherwise), its
    free offer, its cost for the mix, its rank, and the other sellers."""
    chosen = pick(query.models[0], query, snapshot)
    model = chosen.offer
    title_name = snapshot.model_name(chosen.key)
    lines = [_head(query, snapshot)]
    if chosen.note:
        lines.append(chosen.note)
    if model is None:
        if not chosen.note:
            lines.append(_missing(chosen, query, snapshot) + ".")
        lines.extend(_seller_lines(chosen, query))
        return Reply(
            title=f"{title_name} prices",
            kind=ReplyKind.ANSWER,
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
    maker_note = " (the maker)" if model.is_maker_offer and chosen.sellers else ""
    facts = [model.model_id, seller_phrase(model) + maker_note]
    if model.context_window:
        facts.append(f"context {model.context_window:,} tokens")
    lines.insert(1, " · ".join(facts))
    lines.extend(_free_lines(model, query, snapshot))
    cost = breakdown(model, query, snapshot)
    free_now = free_kind(model, snapshot.as_of, timedelta(days=query.free_confirm_days))
    if cost.total is not None and not (free_now is not None and active_offer(model) is None):
        rows.append(
            Row(f"For {mix_phrase(query.mix)}", money(cost.total, converted=bool(cost.rates)))
        )
    if model.mode in ANSWERING_MODES:
        everyone = replace(query, sellers=SellerChoice.DEFAULT, via=frozenset())
        place = standing(chosen.key, everyone, snapshot)
        if place.position is not None:
            lines.append(
                f"Ranks #{place.position} of {place.of} paid models for {mix_phrase(query.mix)}"
                + (
                    f" at its cheapest offer ({snapshot.vocabulary.vendor_name(place.seller)})."
                    if place.offer and place.offer != model.model_id and place.seller
                    else "."
                )
            )
        elif place.reason == "free":
            lines.append("Free now, so not ranked among paid models.")
    if not rows:
        lines.append("No prices known.")
    lines.extend(_seller_lines(chosen, query))
    footnotes = _common_notes(query, [cost], snapshot, tiers=False)
    footnotes.extend(_rate_notes(rates, query.currency))
    sources = list(dict.fromkeys(p.source_ref for p in model.prices.values() if p.source_ref))
    footnotes.extend(f"Source: {ref}" for ref in sources[:3])
    offer = active_offer(model)
    return Reply(
        title=f"{title_name} prices",
        kind=ReplyKind.ANSWER,
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
            "free_now": offer_phrase(offer) if free_now not in (None, STALE) else None,
            "prices": prices_json,
            "currency": query.currency,
            "mix_cost": decimal_text(cost.total.amount) if cost.total else None,
            "makers_price": _brief_json(chosen.maker),
            "cheapest_other": _brief_json(chosen.other),
        },
    )


def _brief_json(b: CostBreakdown | None) -> dict[str, Any] | None:
    if b is None:
        return None
    return {
        "offer": b.model.model_id,
        "seller": b.model.vendor,
        "cost": decimal_text(b.total.amount) if b.total else None,
    }


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


def _cost_row(chosen: Pick, b: CostBreakdown, label: str, query: Query) -> Row:
    model: ModelPrices = b.model
    offer = b.free_offer
    seller = seller_phrase(model)
    if b.total is None:
        kinds = " and ".join(k.value for k in b.missing)
        return Row(label, "unknown", f"{seller} · no {kinds} price")
    converted = bool(b.rates)
    parts = []
    if b.input_cost is not None:
        parts.append(f"input {money(b.input_cost, converted=converted)}")
    if b.output_cost is not None:
        parts.append(f"output {money(b.output_cost, converted=converted)}")
    rates = []
    for name, rate in (("in", b.input_rate), ("out", b.output_rate)):
        if rate is not None:
            rates.append(f"{money(rate, converted=converted)} {name}")
    note = f"{seller} · " + " + ".join(parts) + " · at " + ", ".join(rates) + " per 1M"
    if b.tier:
        note += f" ({tier_label(b.tier)})"
    if offer is not None or model.is_free:
        note += f" · free now: {offer_phrase(offer)}"
    for what, other in (("maker's own", chosen.maker), ("cheapest other seller", chosen.other)):
        if other is not None and other.total is not None:
            note += (
                f" · {what}: {seller_phrase(other.model)} "
                f"{money(other.total, converted=bool(other.rates))}"
            )
    return Row(label, money(b.total, converted=converted), note)


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
        "makers_price": _brief_json(chosen.maker),
        "cheapest_other": _brief_json(chosen.other),
    }


def _model_lines(
    query: Query,
    snapshot: PriceSnapshot,
    found: list[tuple[Pick, CostBreakdown]],
    missing: list[Pick],
) -> list[str]:
    lines = [chosen.note for chosen, _ in found if chosen.note]
    for chosen in missing:
        lines.append(chosen.note or _missing(chosen, query, snapshot) + ".")
    return lines


def cost_reply(query: Query, snapshot: PriceSnapshot) -> Reply:
    """What the asked mix costs on each named model, part by part."""
    found, missing = _picks(query, snapshot)
    lines = [_head(query, snapshot), *_model_lines(query, snapshot, found, missing)]
    return Reply(
        title=f"Cost of {mix_phrase(query.mix)}",
        kind=ReplyKind.ANSWER,
        lines=tuple(lines),
        rows=tuple(_cost_row(p, b, snapshot.model_name(p.key), query) for p, b in found),
        footnotes=tuple(_common_notes(query, [b for _, b in found], snapshot)),
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
    lines = [_head(query, snapshot)]
    name = snapshot.model_name
    if len(known) >= 2:
        (first_pick, first), (second_pick, second) = known[0], known[1]
        a, b = first.total.amount, second.total.amount  # type: ignore[union-attr]
        if b > 0 and a < b:
            saved = ((b - a) / b * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            lines.append(
                f"{name(first_pick.key)} is cheapest: {saved}% less than {name(second_pick.key)}."
            )
        elif a == b:
            lines.append(f"{name(first_pick.key)} and {name(second_pick.key)} cost the same.")
    lines.extend(_model_lines(query, snapshot, found, missing))
    ordered = known + unknown
    rows = tuple(
        _cost_row(p, b, f"{i}. {name(p.key)}", query) for i, (p, b) in enumerate(ordered, 1)
    )
    return Reply(
        title=f"Compare for {mix_phrase(query.mix)}",
        kind=ReplyKind.ANSWER,
        lines=tuple(lines),
        rows=rows,
        footnotes=tuple(_common_notes(query, [b for _, b in found], snapshot)),
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
