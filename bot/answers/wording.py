"""How answers word the things every reply states: the mix, the date, the rates, filters.

Every function takes the reply's language ('en' or 'zh'): the words come from the
catalog (`bot.i18n.translator`), numbers, money and dates from Babel's locale for the
language, vendors by the names their readers know (阿里云 in Chinese). Shared by
`bot.answers.replies`, `bot.answers.model_replies` and `bot.answers.picks`; pure.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal, get_currency_name

from bot.answers.numbers import format_tokens
from bot.answers.offers import dearer_tiers
from bot.answers.query import BLENDED_RATIO, Mix, MixSource, Query, SellerChoice
from bot.answers.snapshot import PriceSnapshot
from bot.answers.vocabulary import Vocabulary
from bot.i18n import ENGLISH, locale, translator, vendor_name
from storage import DateBasis, FreeOffer, FxRate, ModelPrices, Money, PricePoint, format_money
from storage.money import decimal_text as money_text
from storage.money import display_amount

NAMES_SHOWN = 8

# How a language separates the items of a list and the parts of a line: typography,
# not words, so a table rather than the catalog.
_LIST = {ENGLISH: ", ", "zh": "、"}
_PARTS = {ENGLISH: "; ", "zh": "；"}
_ASIDE = {ENGLISH: " ({})", "zh": "（{}）"}
_STOP = {ENGLISH: ".", "zh": "。"}


def listing(items: Iterable[str], language: str) -> str:
    """'Alibaba Cloud, Baidu' / '阿里云、百度智能云'."""
    return _LIST.get(language, _LIST[ENGLISH]).join(items)


def parts(items: Iterable[str], language: str) -> str:
    """Clauses of one line: 'a; b' / 'a；b'."""
    return _PARTS.get(language, _PARTS[ENGLISH]).join(items)


def aside(text: str, language: str) -> str:
    """' (prompts over 128K)' / '（提示超过 128K）': a remark in brackets after a name."""
    return _ASIDE.get(language, _ASIDE[ENGLISH]).format(text)


def sentence(text: str, language: str) -> str:
    """A clause ended as a sentence: 'No price.' / '没有价格。'."""
    return text + _STOP.get(language, _STOP[ENGLISH])


def per_million(inp: str | None, out: str | None, language: str) -> str:
    """'¥0.50 in, ¥2.00 out per 1M' / '每百万tokens 输入 ¥0.50，输出 ¥2.00' ('' for neither)."""
    _ = translator(language).gettext
    if inp and out:
        return _("{input} in, {output} out per 1M").format(input=inp, output=out)
    if inp:
        return _("{input} in per 1M").format(input=inp)
    if out:
        return _("{output} out per 1M").format(output=out)
    return ""


def money(value: Money | None, *, converted: bool = False, language: str = ENGLISH) -> str:
    """Money for people; a converted figure is rounded to the precision a rate deserves
    (cents from 1 up, four significant digits below), a native one shown exactly."""
    if value is None:
        _ = translator(language).gettext
        return _("unknown")
    amount = approximate(value.amount) if converted else value.amount
    return _formatted(amount, value.currency, language)


@lru_cache(maxsize=8192)
def _formatted(amount: Decimal, currency: str, language: str) -> str:
    # Babel takes ~50 µs a figure; answers repeat figures, so remember them.
    if language == ENGLISH:
        return format_money(Money(amount, currency))
    # The same digits as storage's (¥0.875 stays ¥0.875), in the language's conventions.
    return format_currency(
        display_amount(amount), currency, locale=locale(language), decimal_quantization=False
    )


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


def tokens(count: int, language: str) -> str:
    """An amount of tokens as its readers count: '1M', '750K' / '100万', '75万'."""
    return format_tokens(count, language)


def number(count: int, language: str) -> str:
    """A whole number with the language's grouping: 128,000."""
    return format_decimal(count, locale=locale(language))


def day(moment: date | datetime, language: str) -> str:
    """A date: '2024-05-22' in English, '2024年5月22日' in Chinese (Babel)."""
    if language == ENGLISH:
        return f"{moment:%Y-%m-%d}"
    return format_date(moment, "long", locale=locale(language))


def currency_word(code: str, language: str) -> str:
    """'USD' in English (what people there write), '美元' in Chinese (Babel's name)."""
    if language == ENGLISH:
        return code
    return get_currency_name(code, locale=locale(language))


def mix_phrase(mix: Mix, language: str) -> str:
    """'1M tokens (blended 3:1)', '1M input tokens', '2M input + 500K output tokens'."""
    _ = translator(language).gettext
    inp, out = mix.input_tokens, mix.output_tokens
    if out == 0:
        return _("{tokens} input tokens").format(tokens=tokens(inp, language))
    if inp == 0:
        return _("{tokens} output tokens").format(tokens=tokens(out, language))
    if mix.source is MixSource.DEFAULT:
        return _("{tokens} tokens (blended {a}:{b})").format(
            tokens=tokens(mix.total, language), a=BLENDED_RATIO[0], b=BLENDED_RATIO[1]
        )
    if mix.source is MixSource.CHAT:
        a, b = mix.ratio
        return _("{tokens} tokens ({a}:{b}, this chat's mix)").format(
            tokens=tokens(mix.total, language), a=a, b=b
        )
    return _("{input} input + {output} output tokens").format(
        input=tokens(inp, language), output=tokens(out, language)
    )


def mix_footnote(query: Query) -> str | None:
    """Say the assumed mix and how to ask for another; None when the question gave one."""
    language = query.reply_language
    _ = translator(language).gettext
    mix = query.mix
    split = _("{input} input + {output} output").format(
        input=tokens(mix.input_tokens, language), output=tokens(mix.output_tokens, language)
    )
    # Someone who asked in Chinese and hears English may type the Chinese words too.
    hint = " (or 输入 / 输出)" if query.language == "zh" and language == ENGLISH else ""
    other = _(
        'For another mix ask "input only", "output only", "1M in 200k out" or "1:1"{hint}.'
    ).format(hint=hint)
    if mix.source is MixSource.DEFAULT:
        a, b = BLENDED_RATIO
        return _(
            "Blended {a}:{b} = {split} tokens: the industry's usual convention of {a} input "
            "tokens per output token. {other}"
        ).format(a=a, b=b, split=split, other=other)
    if mix.source is MixSource.CHAT:
        a, b = mix.ratio
        return _("Mix {a}:{b} ({split} tokens) is this chat's setting. {other}").format(
            a=a, b=b, split=split, other=other
        )
    return None


def as_of_phrase(query: Query, snapshot: PriceSnapshot) -> str:
    """'As of 2024-05-22 (end of day UTC)' for a dated question, else the snapshot's time."""
    language = query.reply_language
    _ = translator(language).gettext
    if query.as_of is not None:
        return _("As of {day} (end of day UTC)").format(day=day(query.as_of, language))
    moment = snapshot.as_of
    return _("As of {day} {time} UTC").format(day=day(moment, language), time=f"{moment:%H:%M}")


def prices_in(currency: str, language: str) -> str:
    """'prices in CNY' / '价格以人民币显示', for the line under a title."""
    _ = translator(language).gettext
    return _("prices in {currency}").format(currency=currency_word(currency, language))


def vendor_label(vocabulary: Vocabulary, vendor_id: str, language: str) -> str:
    """A seller or maker by the name its readers know: 'Alibaba Cloud' / '阿里云'."""
    return vendor_name(vendor_id, vocabulary.vendor_name(vendor_id), language)


def vendor_list(vocabulary: Vocabulary, vendor_ids: Iterable[str], language: str) -> str:
    return listing(sorted(vendor_label(vocabulary, v, language) for v in vendor_ids), language)


def filter_phrases(query: Query, snapshot: PriceSnapshot) -> list[str]:
    """The filters a question applied, for the line under the title."""
    language = query.reply_language
    _ = translator(language).gettext
    vocabulary = snapshot.vocabulary
    said = []
    if query.min_context:
        said.append(_("context ≥ {size}").format(size=format_tokens(query.min_context)))
    if query.prompt_tokens:
        said.append(_("prompts of {size} tokens").format(size=format_tokens(query.prompt_tokens)))
    if query.sellers is SellerChoice.DIRECT:
        said.append(_("makers' own offers only"))
    elif query.via:
        said.append(_("via {sellers}").format(sellers=vendor_list(vocabulary, query.via, language)))
    if query.vendor_phrase:
        # The parser keeps the phrase in English (a Query is language-neutral).
        phrases = {
            "Chinese vendors": _("Chinese vendors"),
            "vendors outside China": _("vendors outside China"),
        }
        said.append(phrases.get(query.vendor_phrase, query.vendor_phrase))
    else:
        if query.vendors:
            said.append(
                _("from {vendors}").format(vendors=vendor_list(vocabulary, query.vendors, language))
            )
        if query.exclude_vendors:
            said.append(
                _("not {vendors}").format(
                    vendors=vendor_list(vocabulary, query.exclude_vendors, language)
                )
            )
    return said


def currency_note(query: Query) -> str | None:
    """Why this currency, when the asker did not say."""
    if query.currency_source == "language":
        _ = translator(query.reply_language).gettext
        return _('Prices in CNY because you asked in Chinese; add "in USD" for dollars.')
    return None


def rate_note(rate: FxRate, into: str, language: str) -> str:
    """'USD prices converted at 1 USD = 7.2 CNY (2024-05-01, source).'"""
    _ = translator(language).gettext
    converted = rate.base if rate.quote == into else rate.quote
    return _("{currency} prices converted at 1 {base} = {rate} {quote} ({day}, {source}).").format(
        currency=currency_word(converted, language),
        base=rate.base,
        rate=f"{rate.rate.normalize():f}",
        quote=rate.quote,
        day=day(rate.as_of, language),
        source=rate_source(rate.source, language),
    )


def rate_source(source: str, language: str) -> str:
    """A rate's source in the reader's language when it is one pricebot itself names (the
    bundled rates, the ECB source's labels); any other source is quoted as written."""
    _ = translator(language).gettext
    ours = {
        "pricebot bundled rate: about 7.2 CNY per USD in May 2024": _(
            "pricebot bundled rate: about 7.2 CNY per USD in May 2024"
        ),
        "ECB euro reference rate, bundled": _("ECB euro reference rate, bundled"),
        "ECB euro reference rate": _("ECB euro reference rate"),
        "ECB euro reference rates, USD/CNY cross": _("ECB euro reference rates, USD/CNY cross"),
    }
    return ours.get(source, source)


def offer_phrase(offer: FreeOffer | None, language: str) -> str:
    """'free public preview … until 2024-12-31' or 'priced at zero'."""
    _ = translator(language).gettext
    if offer is None:
        return _("priced at zero by its vendor")
    if offer.until is None:
        return offer.cap_note or _("free offer")
    until = day(offer.until, language)
    if offer.cap_note:
        return _("{cap}, until {day}").format(cap=offer.cap_note, day=until)
    return _("free offer, until {day}").format(day=until)


def names(
    models: list[ModelPrices] | tuple[ModelPrices, ...], language: str, limit: int = NAMES_SHOWN
) -> str:
    shown = listing((m.display_name for m in models[:limit]), language)
    more = len(models) - min(len(models), limit)
    if more > 0:
        _ = translator(language).gettext
        return _("{names} and {count} more").format(names=shown, count=more)
    return shown


def seller_phrase(offer: ModelPrices, language: str) -> str:
    """'Anthropic' for the maker's own offer; 'Google Vertex AI' for a reseller's; '阿里云'."""
    return vendor_name(offer.vendor, offer.vendor_name or offer.vendor, language)


def tier_text(tier: int, language: str) -> str:
    """'' for the base tier, 'prompts over 128K' for tier 128000 (storage.tier_label's
    words, in the reply's language)."""
    _ = translator(language).gettext
    if tier <= 0:
        return ""
    if tier % 1000 == 0:
        return _("prompts over {size}").format(size=f"{tier // 1000}K")
    return _("prompts over {count} tokens").format(count=number(tier, language))


def tier_note(offer: ModelPrices, language: str) -> str:
    """'prompts over 128K' for the lowest dearer tier; '' when long prompts cost the same."""
    tiers = dearer_tiers(offer)
    return tier_text(tiers[0], language) if tiers else ""


def date_note(point: PricePoint, language: str) -> str:
    """Where a price's date comes from: 'since 2025-06-10', 'first seen 2026-12-01',
    'by 2025-04-16 (start not stated)'."""
    _ = translator(language).gettext
    if point.effective_at.year < 2000:  # an unmigrated placeholder date: no start is known
        return _("start not stated")
    when = day(point.effective_at, language)
    if point.date_basis is DateBasis.OBSERVED:
        return _("first seen {day}").format(day=when)
    if point.date_basis is DateBasis.INFERRED:
        return _("by {day} (start not stated)").format(day=when)
    return _("since {day}").format(day=when)


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


__all__ = [
    "NAMES_SHOWN",
    "approximate",
    "as_of_phrase",
    "aside",
    "currency_note",
    "currency_word",
    "date_note",
    "day",
    "decimal_text",
    "filter_phrases",
    "iso",
    "listing",
    "mix_footnote",
    "mix_phrase",
    "money",
    "names",
    "number",
    "offer_phrase",
    "parts",
    "per_million",
    "prices_in",
    "rate_note",
    "seller_phrase",
    "sentence",
    "tier_note",
    "tier_text",
    "tokens",
    "vendor_label",
    "vendor_list",
]
