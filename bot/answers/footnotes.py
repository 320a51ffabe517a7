"""What a "cheapest" reply says under its rows: the mix it assumed, the rates it converted
with, what it set aside and left out, and — for a dated question — whether the answer
has changed since.

    footnotes(ranking, snapshot) -> list[str]
    since(ranking, latest) -> str | None

In the query's reply language (the catalog's words, Babel's dates); pure.
"""

from __future__ import annotations

from bot.answers.orders import BELOW_MEDIAN, BELOW_SELLERS, PLACEHOLDER
from bot.answers.query import SellerChoice
from bot.answers.ranking import Ranking, rank
from bot.answers.snapshot import PriceSnapshot
from bot.answers.wording import (
    aside,
    currency_note,
    currency_word,
    day,
    listing,
    mix_footnote,
    money,
    names,
    number,
    parts,
    rate_note,
    seller_phrase,
    tier_note,
)
from bot.i18n import translator


def set_aside_why(reason: str, language: str) -> str:
    """Why an offer's price was taken for a placeholder."""
    _ = translator(language).gettext
    why = {
        PLACEHOLDER: _("$0.001 or less per 1M"),
        BELOW_SELLERS: _("under 1/100 of its other sellers"),
        BELOW_MEDIAN: _("under 1/1000 of the median"),
    }
    return why.get(reason, reason)


def footnotes(ranking: Ranking, snapshot: PriceSnapshot) -> list[str]:
    """What a ranking assumed, converted, set aside and left out."""
    query = ranking.query
    language = query.reply_language
    _ = translator(language).gettext
    ngettext = translator(language).ngettext
    said: list[str] = []
    mix = mix_footnote(query)
    if mix:
        said.append(mix)
    note = currency_note(query)
    if note:
        said.append(note)
    said.extend(rate_note(rate, ranking.currency, language) for rate in ranking.rates)
    if any(r.others for r in ranking.top) and query.sellers is SellerChoice.DEFAULT:
        said.append(
            _(
                'Each model at its cheapest offer from any seller; ask "direct only" for '
                'makers\' own prices, or "via SELLER" for one seller.'
            )
        )
    for ranked in ranking.top:
        if ranked.free_offer is not None:
            said.append(
                _(
                    "{name} is free within its caps and ranked at its paid price, which "
                    "applies beyond them."
                ).format(name=ranked.name)
            )
    if ranking.tiered:
        tiers = listing(
            (
                snapshot.model_name(m.model_key) + aside(tier_note(m, language), language)
                for m in ranking.tiered
            ),
            language,
        )
        said.append(
            _(
                "Longer prompts cost more on {models}; these are base-tier prices. "
                'Ask "… for 200k prompts" to price a long prompt.'
            ).format(models=tiers)
        )
    if query.prompt_tokens:
        said.append(
            _(
                "Priced for prompts of {count} tokens: the context tier for that length "
                "applies, and models with a smaller context window are left out."
            ).format(count=number(query.prompt_tokens, language))
        )
    if ranking.suspect:
        listed = parts(
            (
                _("{name} ({seller}, {cost}: {why})").format(
                    name=s.model.display_name,
                    seller=seller_phrase(s.model, language),
                    cost=money(s.cost, converted=s.converted, language=language),
                    why=set_aside_why(s.reason, language),
                )
                for s in ranking.suspect
            ),
            language,
        )
        more = ranking.suspect_total - len(ranking.suspect)
        if more > 0:
            listed = _("{names} and {count} more").format(names=listed, count=more)
        said.append(
            _("Set aside as placeholder prices, never ranked: {offers}.").format(offers=listed)
        )
    if ranking.unknown:
        said.append(
            _(
                "{count} left out because a price this mix needs is unknown (never counted "
                "as free): {names}."
            ).format(count=len(ranking.unknown), names=names(ranking.unknown, language, 3))
        )
    if ranking.no_rate:
        currencies = sorted({p.amount.currency for m in ranking.no_rate for p in m.prices.values()})
        said.append(
            _(
                "{count} left out: priced in {currencies} with no rate to {currency}: {names}."
            ).format(
                count=len(ranking.no_rate),
                currencies=listing((currency_word(c, language) for c in currencies), language),
                currency=currency_word(ranking.currency, language),
                names=names(ranking.no_rate, language, 3),
            )
        )
    if ranking.context_unknown:
        said.append(
            _("{count} left out: context window unknown.").format(count=ranking.context_unknown)
        )
    if ranking.non_text:
        count = len(ranking.non_text)
        modes = ranking.non_text_modes
        kinds = listing(modes[:3], language) + (" …" if len(modes) > 3 else "")
        said.append(
            ngettext(
                "{count} non-text model left out ({kinds}; priced per image, song, second or "
                "request, or not for text): {names}.",
                "{count} non-text models left out ({kinds}; priced per image, song, second or "
                "request, or not for text): {names}.",
                count,
            ).format(count=count, kinds=kinds, names=names(ranking.non_text, language, 3))
        )
    if ranking.unseen and query.as_of is not None:
        said.append(
            ngettext(
                "{count} model left out: pricebot first saw their prices after {day}; no "
                "earlier date is known.",
                "{count} models left out: pricebot first saw their prices after {day}; no "
                "earlier date is known.",
                ranking.unseen,
            ).format(count=ranking.unseen, day=day(query.as_of, language))
        )
    return said


def since(ranking: Ranking, latest: PriceSnapshot | None) -> str | None:
    """For a dated question: has the answer changed since? (None when not asked or same.)"""
    query = ranking.query
    if query.as_of is None or latest is None or latest.as_of <= ranking.as_of:
        return None
    language = query.reply_language
    _ = translator(language).gettext
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
        return _("Still the cheapest as of {day}.").format(day=day(latest.as_of, language))
    return _(
        "Prices have changed since {then}: as of {day} the cheapest is {name} at {cost}."
    ).format(
        then=day(query.as_of, language),
        day=day(latest.as_of, language),
        name=after.name,
        cost=money(after.breakdown.total, converted=bool(after.breakdown.rates), language=language),
    )
