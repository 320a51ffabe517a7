"""Which offer answers for a model named in `price`, `cost` or `compare`.

    pick(name, query, snapshot) -> Pick

A bare model name means the maker's own offer; when the maker does not sell it, the
cheapest offer answers and the reply says so. "via any seller" picks the cheapest offer,
"direct only" the maker's own or none, "via openrouter" the cheapest of that seller's
offers. A full offer id (`vertex/claude-opus-4-6`) means that offer. "Cheapest" is for
the question's mix, and never a placeholder price while the model has another offer.
Each pick also carries the maker's own offer and the cheapest other seller's, which
`price` and `compare` show. Its notes are in the query's reply language. Pure: no I/O,
no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from bot.answers.cost import CostBreakdown, cost_of
from bot.answers.offers import STALE, free_kind, is_placeholder
from bot.answers.query import Query, SellerChoice
from bot.answers.snapshot import PriceSnapshot
from bot.answers.wording import seller_phrase, vendor_label, vendor_list
from bot.i18n import translator
from storage import ModelPrices


@dataclass(frozen=True, slots=True)
class Pick:
    """The offer that answers for a named model or offer, and what else the model has."""

    name: str
    key: str
    offer: ModelPrices | None
    # Why the offer is not the maker's own (or why there is none); None when it is.
    note: str | None
    # The maker's own offer for the mix, when another offer answers.
    maker: CostBreakdown | None
    # The cheapest other seller's offer (not `offer`, not the maker's).
    other: CostBreakdown | None
    # How many sellers other than `offer`'s sell the model.
    sellers: int

    @property
    def title(self) -> str:
        return self.offer.display_name if self.offer is not None else self.key


def breakdown(offer: ModelPrices, query: Query, snapshot: PriceSnapshot) -> CostBreakdown:
    """The mix's cost on one offer; a free offer no longer confirmed is not free."""
    window = timedelta(days=query.free_confirm_days)
    return cost_of(
        offer,
        query.mix,
        query.currency,
        snapshot,
        prompt_tokens=query.prompt_tokens,
        zero_is_unknown=free_kind(offer, snapshot.as_of, window) == STALE,
    )


def cheapest(
    offers: tuple[ModelPrices, ...] | list[ModelPrices], query: Query, snapshot: PriceSnapshot
) -> CostBreakdown | None:
    """The offer costing least for the mix (a known cost first; a placeholder last)."""
    found = [breakdown(o, query, snapshot) for o in offers]
    if not found:
        return None

    def order(b: CostBreakdown) -> tuple[bool, bool, Decimal, str]:
        total = b.total
        amount = total.amount if total is not None else Decimal(0)
        return (total is None, is_placeholder(b.model, snapshot), amount, b.model.model_id)

    return min(found, key=order)


def pick(name: str, query: Query, snapshot: PriceSnapshot) -> Pick:
    """The offer answering for `name` (a model id or an offer id) under the query's seller
    choice, with the maker's own offer and the cheapest other one."""
    vocabulary = snapshot.vocabulary
    named = snapshot.model(name) if vocabulary.is_offer(name) else None
    key = named.model_key if named is not None else vocabulary.model_of(name)
    offers = snapshot.offers_of(key)
    maker_id = key.split("/", 1)[0]
    makers_own = [o for o in offers if o.is_maker_offer]
    model_name = snapshot.model_name(key)
    language = query.reply_language
    _ = translator(language).gettext
    maker_name = vendor_label(vocabulary, maker_id, language)
    note: str | None = None
    chosen: ModelPrices | None
    if vocabulary.is_offer(name):
        chosen = named
    elif query.sellers is SellerChoice.ANY:
        best = cheapest(offers, query, snapshot)
        chosen = best.model if best else None
    elif query.sellers is SellerChoice.VIA:
        best = cheapest([o for o in offers if o.vendor in query.via], query, snapshot)
        chosen = best.model if best else None
        if chosen is None and offers:
            note = _("{model} is not sold via {sellers} here.").format(
                model=model_name, sellers=vendor_list(vocabulary, query.via, language)
            )
    else:
        best = cheapest(makers_own, query, snapshot)
        chosen = best.model if best else None
        if chosen is None and offers:
            if query.sellers is SellerChoice.DIRECT:
                note = _(
                    "The maker ({maker}) does not sell {model} directly here; "
                    'ask "… via any seller" for its resellers.'
                ).format(maker=maker_name, model=model_name)
            else:
                best = cheapest(offers, query, snapshot)
                chosen = best.model if best else None
                if chosen is not None:
                    note = _(
                        "The maker ({maker}) does not sell {model} directly here: "
                        "this is the cheapest offer, from {seller}."
                    ).format(
                        maker=maker_name, model=model_name, seller=seller_phrase(chosen, language)
                    )
    maker = None
    if makers_own and (chosen is None or not chosen.is_maker_offer):
        maker = cheapest(makers_own, query, snapshot)
    rest = [
        o
        for o in offers
        if (chosen is None or o.model_id != chosen.model_id)
        and not o.is_maker_offer
        and (chosen is None or o.vendor != chosen.vendor)
    ]
    other = cheapest(rest, query, snapshot)
    others = {o.vendor for o in offers} - ({chosen.vendor} if chosen is not None else set())
    return Pick(name, key, chosen, note, maker, other, len(others))
