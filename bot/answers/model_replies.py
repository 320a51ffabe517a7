"""Replies about named models: `price MODEL`, `cost MODEL 2M in 500k out`, `compare A B [C]`.

Used by `bot.answers.replies.answer`; pure.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from bot.answers.cost import CostBreakdown, cost_of
from bot.answers.query import Query
from bot.answers.ranking import ANSWERING_MODES, standing
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
    tier_note,
)
from bot.chat.reply import Reply, ReplyKind, Row
from storage import FxRate, ModelPrices, PriceKind, tier_label

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
    query: Query, breakdowns: list[CostBreakdown], *, tiers: bool = True
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
        listed = ", ".join(f"{m.display_name} ({tier_note(m)})" for m in tiered)
        notes.append(f"Longer prompts cost more on {listed}; these are base-tier prices.")
    return notes


def _missing(model_id: str, query: Query, snapshot: PriceSnapshot) -> str:
    when = f"{query.as_of:%Y-%m-%d}" if query.as_of else "now"
    return f"{snapshot.vocabulary.label(model_id)}: no price as of {when}"


def price_reply(query: Query, snapshot: PriceSnapshot) -> Reply:
    """One model's prices per 1M tokens, its free offer, its cost for the mix and its rank."""
    model_id = query.models[0]
    model = snapshot.model(model_id)
    vocabulary = snapshot.vocabulary
    known = vocabulary.models.get(model_id)
    title_name = known.display_name if known else model_id
    if model is None:
        return Reply(
            title=title_name,
            kind=ReplyKind.ANSWER,
            lines=(_head(query, snapshot), _missing(model_id, query, snapshot) + "."),
            data={
                "question": query.text,
                "kind": query.kind.value,
                "model": model_id,
                "prices": [],
            },
        )
    rows: list[Row] = []
    rates: list[FxRate] = []
    prices_json: list[dict[str, Any]] = []
    for kind in _KIND_ORDER:
        for tier in model.tiers(kind):
            point = model.price(kind, tier)
            if point is None:
                continue
            converted = snapshot.convert(point.amount, query.currency)
            label = _KIND_LABEL[kind] + (f", {tier_label(tier)}" if tier else "")
            note = f"since {point.effective_at:%Y-%m-%d}"
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
                    "source": point.source,
                }
            )
    lines = [_head(query, snapshot)]
    facts = [model_id, model.vendor_name]
    if model.context_window:
        facts.append(f"context {model.context_window:,} tokens")
    lines.append(" · ".join(facts))
    offer = model.free_offer if model.free_offer and model.free_offer.active else None
    if offer is not None or model.is_free:
        lines.append(f"Free now: {offer_phrase(offer)}.")
    breakdown = cost_of(
        model, query.mix, query.currency, snapshot, prompt_tokens=query.prompt_tokens
    )
    if breakdown.total is not None and not (model.is_free and offer is None):
        rows.append(
            Row(
                f"For {mix_phrase(query.mix)}",
                money(breakdown.total, converted=bool(breakdown.rates)),
            )
        )
    if model.mode in ANSWERING_MODES:
        place = standing(model_id, query, snapshot)
        if place.position is not None:
            lines.append(
                f"Ranks #{place.position} of {place.of} paid models for {mix_phrase(query.mix)}."
            )
        elif place.reason == "free":
            lines.append("Free now, so not ranked among paid models.")
    if not rows:
        lines.append("No prices known.")
    footnotes = _common_notes(query, [breakdown], tiers=False)
    footnotes.extend(_rate_notes(rates, query.currency))
    sources = list(dict.fromkeys(p.source_ref for p in model.prices.values() if p.source_ref))
    footnotes.extend(f"Source: {ref}" for ref in sources[:3])
    return Reply(
        title=f"{model.display_name} prices",
        kind=ReplyKind.ANSWER,
        lines=tuple(lines),
        rows=tuple(rows),
        footnotes=tuple(dict.fromkeys(footnotes)),
        data={
            "question": query.text,
            "kind": query.kind.value,
            "as_of": iso(snapshot.as_of),
            "model": model_id,
            "name": model.display_name,
            "vendor": model.vendor,
            "context_window": model.context_window,
            "free_now": offer_phrase(offer) if (offer or model.is_free) else None,
            "prices": prices_json,
            "currency": query.currency,
            "mix_cost": decimal_text(breakdown.total.amount) if breakdown.total else None,
        },
    )


def _breakdowns(query: Query, snapshot: PriceSnapshot) -> tuple[list[CostBreakdown], list[str]]:
    found, missing = [], []
    for model_id in query.models:
        model = snapshot.model(model_id)
        if model is None:
            missing.append(model_id)
            continue
        found.append(
            cost_of(model, query.mix, query.currency, snapshot, prompt_tokens=query.prompt_tokens)
        )
    return found, missing


def _cost_row(b: CostBreakdown, label: str) -> Row:
    model: ModelPrices = b.model
    offer = b.free_offer
    if b.total is None:
        kinds = " and ".join(k.value for k in b.missing)
        return Row(label, "unknown", f"{model.vendor_name} · no {kinds} price")
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
    note = f"{model.vendor_name} · " + " + ".join(parts) + " · at " + ", ".join(rates) + " per 1M"
    if b.tier:
        note += f" ({tier_label(b.tier)})"
    if offer is not None or model.is_free:
        note += f" · free now: {offer_phrase(offer)}"
    return Row(label, money(b.total, converted=converted), note)


def _cost_json(b: CostBreakdown) -> dict[str, Any]:
    return {
        "model": b.model.model_id,
        "name": b.model.display_name,
        "cost": decimal_text(b.total.amount) if b.total else None,
        "currency": b.currency,
        "input_cost": decimal_text(b.input_cost.amount) if b.input_cost else None,
        "output_cost": decimal_text(b.output_cost.amount) if b.output_cost else None,
        "missing": [k.value for k in b.missing],
        "tier": b.tier,
        "free_now": b.free_offer is not None or b.model.is_free,
    }


def cost_reply(query: Query, snapshot: PriceSnapshot) -> Reply:
    """What the asked mix costs on each named model, part by part."""
    found, missing = _breakdowns(query, snapshot)
    lines = [_head(query, snapshot)]
    lines.extend(_missing(m, query, snapshot) + "." for m in missing)
    return Reply(
        title=f"Cost of {mix_phrase(query.mix)}",
        kind=ReplyKind.ANSWER,
        lines=tuple(lines),
        rows=tuple(_cost_row(b, b.model.display_name) for b in found),
        footnotes=tuple(_common_notes(query, found)),
        data={
            "question": query.text,
            "kind": query.kind.value,
            "as_of": iso(snapshot.as_of),
            "currency": query.currency,
            "mix": {
                "input_tokens": query.mix.input_tokens,
                "output_tokens": query.mix.output_tokens,
            },
            "costs": [_cost_json(b) for b in found],
            "no_price": missing,
        },
    )


def compare_reply(query: Query, snapshot: PriceSnapshot) -> Reply:
    """Two to five models side by side for the mix, cheapest first, with how much cheaper."""
    found, missing = _breakdowns(query, snapshot)
    known = sorted((b for b in found if b.total is not None), key=lambda b: b.total.amount)  # type: ignore[union-attr]
    unknown = [b for b in found if b.total is None]
    lines = [_head(query, snapshot)]
    if len(known) >= 2:
        first, second = known[0], known[1]
        a, b = first.total.amount, second.total.amount  # type: ignore[union-attr]
        if b > 0 and a < b:
            saved = ((b - a) / b * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
            lines.append(
                f"{first.model.display_name} is cheapest: {saved}% less than "
                f"{second.model.display_name}."
            )
        elif a == b:
            lines.append(
                f"{first.model.display_name} and {second.model.display_name} cost the same."
            )
    lines.extend(_missing(m, query, snapshot) + "." for m in missing)
    ordered = known + unknown
    rows = tuple(_cost_row(b, f"{i}. {b.model.display_name}") for i, b in enumerate(ordered, 1))
    return Reply(
        title=f"Compare for {mix_phrase(query.mix)}",
        kind=ReplyKind.ANSWER,
        lines=tuple(lines),
        rows=rows,
        footnotes=tuple(_common_notes(query, found)),
        data={
            "question": query.text,
            "kind": query.kind.value,
            "as_of": iso(snapshot.as_of),
            "currency": query.currency,
            "mix": {
                "input_tokens": query.mix.input_tokens,
                "output_tokens": query.mix.output_tokens,
            },
            "costs": [_cost_json(b) for b in ordered],
            "no_price": missing,
        },
    )
