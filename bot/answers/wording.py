"""How answers word the things every reply states: the mix, the date, the rates, filters.

Shared by `bot.answers.replies` and `bot.answers.model_replies`; pure.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from bot.answers.numbers import format_tokens
from bot.answers.offers import tier_note
from bot.answers.query import BLENDED_RATIO, Mix, MixSource, Query, SellerChoice
from bot.answers.snapshot import PriceSnapshot
from storage import FreeOffer, FxRate, ModelPrices, Money, format_money
from storage.money import decimal_text as money_text

NAMES_SHOWN = 8


def money(value: Money | None, *, converted: bool = False) -> str:
    """Money for people; a converted figure is rounded to the precision a rate deserves
    (cents from 1 up, four significant digits below), a native one shown exactly."""
    if value is None:
        return "unknown"
    amount = approximate(value.amount) if converted else value.amount
    return _formatted(amount, value.currency)


@lru_cache(maxsize=8192)
def _formatted(amount: Decimal, currency: str) -> str:
    # Babel takes ~50 µs a figure; answers repeat figures, so remember them.
    return format_money(Money(amount, currency))


def decimal_text(amount: Decimal) -> str:
    """An amount as canonical text for JSON: 0.8750 → '0.875', 1.00 → '1'; a converted
    amount (a quotient with 28 digits) to 6 significant digits (storage.money)."""
    return money_text(amount)


def approximate(amount: Decimal) -> Decimal:
    """1.2345 → 1.23; 0.121527 → 0.1215; 0 → 0."""
    if amount == 0:
        return amount
    if abs(amount) >= 1:
        return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return amount.quantize(Decimal(1).scaleb(amount.adjusted() - 3), rounding=ROUND_HALF_UP)


def mix_phrase(mix: Mix) -> str:
    """'1M tokens (blended 3:1)', '1M input tokens', '2M input + 500K output tokens'."""
    inp, out = mix.input_tokens, mix.output_tokens
    if out == 0:
        return f"{format_tokens(inp)} input tokens"
    if inp == 0:
        return f"{format_tokens(out)} output tokens"
    if mix.source is MixSource.DEFAULT:
        return f"{format_tokens(mix.total)} tokens (blended {BLENDED_RATIO[0]}:{BLENDED_RATIO[1]})"
    if mix.source is MixSource.CHAT:
        ratio = mix.ratio
        return f"{format_tokens(mix.total)} tokens ({ratio[0]}:{ratio[1]}, this chat's mix)"
    return f"{format_tokens(inp)} input + {format_tokens(out)} output tokens"


def mix_footnote(query: Query) -> str | None:
    """Say the assumed mix and how to ask for another; None when the question gave one."""
    mix = query.mix
    split = f"{format_tokens(mix.input_tokens)} input + {format_tokens(mix.output_tokens)} output"
    other = 'For another mix ask "input only", "output only", "1M in 200k out" or "1:1"'
    if query.language == "zh":
        other += " (or 输入 / 输出)"
    if mix.source is MixSource.DEFAULT:
        a, b = BLENDED_RATIO
        return (
            f"Blended {a}:{b} = {split} tokens: the industry's usual convention of {a} input "
            f"tokens per output token. {other}."
        )
    if mix.source is MixSource.CHAT:
        a, b = mix.ratio
        return f"Mix {a}:{b} ({split} tokens) is this chat's setting. {other}."
    return None


def as_of_phrase(query: Query, snapshot: PriceSnapshot) -> str:
    """'As of 2024-05-22 (end of day UTC)' for a dated question, else the snapshot's time."""
    if query.as_of is not None:
        return f"As of {query.as_of:%Y-%m-%d} (end of day UTC)"
    return f"As of {snapshot.as_of:%Y-%m-%d %H:%M} UTC"


def filter_phrases(query: Query, snapshot: PriceSnapshot) -> list[str]:
    """The filters a question applied, for the line under the title."""
    vocabulary = snapshot.vocabulary
    said = []
    if query.min_context:
        said.append(f"context ≥ {format_tokens(query.min_context)}")
    if query.prompt_tokens:
        said.append(f"prompts of {format_tokens(query.prompt_tokens)} tokens")
    if query.sellers is SellerChoice.DIRECT:
        said.append("makers' own offers only")
    elif query.via:
        said.append("via " + ", ".join(sorted(vocabulary.vendor_name(v) for v in query.via)))
    if query.vendor_phrase:
        said.append(query.vendor_phrase)
    else:
        if query.vendors:
            said.append(
                "from " + ", ".join(sorted(vocabulary.vendor_name(v) for v in query.vendors))
            )
        if query.exclude_vendors:
            said.append(
                "not " + ", ".join(sorted(vocabulary.vendor_name(v) for v in query.exclude_vendors))
            )
    return said


def currency_note(query: Query) -> str | None:
    """Why this currency, when the asker did not say."""
    if query.currency_source == "language":
        return 'Prices in CNY because you asked in Chinese; add "in USD" for dollars.'
    return None


def rate_note(rate: FxRate, into: str) -> str:
    """'USD prices converted at 1 USD = 7.2 CNY (2024-05-01, source).'"""
    converted = rate.base if rate.quote == into else rate.quote
    return (
        f"{converted} prices converted at 1 {rate.base} = {rate.rate.normalize():f} {rate.quote} "
        f"({rate.as_of}, {rate.source})."
    )


def offer_phrase(offer: FreeOffer | None) -> str:
    """'free public preview … until 2024-12-31' or 'priced at zero'."""
    if offer is None:
        return "priced at zero by its vendor"
    parts = [offer.cap_note or "free offer"]
    if offer.until is not None:
        parts.append(f"until {offer.until:%Y-%m-%d}")
    return ", ".join(parts)


def names(models: list[ModelPrices] | tuple[ModelPrices, ...], limit: int = NAMES_SHOWN) -> str:
    shown = [m.display_name for m in models[:limit]]
    more = len(models) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def seller_phrase(offer: ModelPrices) -> str:
    """'Anthropic' for the maker's own offer; 'Google Vertex AI' for a reseller's."""
    return offer.vendor_name or offer.vendor


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


__all__ = [
    "NAMES_SHOWN",
    "approximate",
    "as_of_phrase",
    "currency_note",
    "decimal_text",
    "filter_phrases",
    "iso",
    "mix_footnote",
    "mix_phrase",
    "money",
    "names",
    "offer_phrase",
    "rate_note",
    "seller_phrase",
    "tier_note",
]
