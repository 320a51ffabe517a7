"""PriceSnapshot: every offer's prices in force at one moment, the rates, and the names.

Questions are answered from a snapshot, not from the database: build one from
`PriceStore.current(as_of)`, `rates()`, `models()`, `aliases()`, `vendors()` and, for a
past moment, `first_seen()` (see
`bot.answers.cache.load_snapshot`, which does exactly that, and `SnapshotCache`, which keeps
one until prices change). A snapshot is immutable; what it derives (prices converted to a
currency, orders by mix) is memoised inside it, so the second question costs little.

Public: `PriceSnapshot.build(...)`, `.model(offer_id)`, `.offers_of(model_id)`,
`.model_name(model_id)`, `.convert(money, to)`, `.rate(base, quote)`, `.vocabulary`,
`.first_seen`, `.free_until_next`. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from bot.answers.vocabulary import KnownModel, Vocabulary
from storage import FirstSeen, FxRate, ModelPrices, Money, NoRateError
from storage.fx import pick_rate
from storage.values import require_utc


class ModelLike(Protocol):
    """What a snapshot needs of a known model (storage.ModelInfo fits)."""

    @property
    def model_id(self) -> str: ...
    @property
    def vendor(self) -> str: ...
    @property
    def display_name(self) -> str: ...
    @property
    def mode(self) -> str: ...
    @property
    def canonical_id(self) -> str: ...


@dataclass(frozen=True, eq=False)
class PriceSnapshot:
    """Prices in force at `as_of`, with the rates and names to answer questions about them.

    `models` holds offers (one seller's prices for one model): `model(offer_id)` finds
    one, `offers_of(model_id)` every offer of a model.
    """

    as_of: datetime
    models: tuple[ModelPrices, ...]
    rates: tuple[FxRate, ...]
    vocabulary: Vocabulary
    # The store's data_version() when this was read: another one means prices moved.
    version: tuple[int, ...] = ()
    # Each offer's earliest known price (read for a past moment only; None for now): an
    # as-of answer says how many models it leaves out because nothing dates them earlier.
    first_seen: Mapping[str, FirstSeen] | None = field(default=None, repr=False)
    by_id: Mapping[str, ModelPrices] = field(default_factory=dict, repr=False)
    # What the names were built from (offer id → model, aliases, vendor names), and the
    # delistings seen at the read: a refresh compares them to read only what changed.
    known: Mapping[str, ModelLike] = field(default_factory=dict, repr=False)
    aliases: Mapping[str, str] = field(default_factory=dict, repr=False)
    vendors: Mapping[str, str] = field(default_factory=dict, repr=False)
    delisted: Mapping[tuple[str, str], datetime] = field(default_factory=dict, repr=False)
    # When each source last listed the free offers (what keeps them "confirmed").
    seen: Mapping[tuple[str, str], datetime | None] = field(default_factory=dict, repr=False)
    # Derived values (converted prices, orders by mix), filled on first use.
    memo: dict[Any, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def build(
        cls,
        *,
        as_of: datetime,
        models: Iterable[ModelPrices],
        known: Iterable[ModelLike],
        aliases: Mapping[str, str],
        vendors: Mapping[str, str],
        rates: Iterable[FxRate],
        version: tuple[int, ...] = (),
        first_seen: Mapping[str, FirstSeen] | None = None,
        delisted: Mapping[tuple[str, str], datetime] | None = None,
        vocabulary: Vocabulary | None = None,
        seen: Mapping[tuple[str, str], datetime | None] | None = None,
        names_from: PriceSnapshot | None = None,
    ) -> PriceSnapshot:
        """A snapshot from the store's values; `known` is every offer, priced or not.

        `vocabulary`: the names of an earlier snapshot built from the same `known`,
        `aliases` and `vendors` (building them again is most of a big store's cost).
        `names_from`: another snapshot whose names are used if it was built from the same
        `known`, `aliases` and `vendors` (names do not depend on the moment: a dated
        snapshot read beside the one for now has the same).
        """
        priced = tuple(models)
        by_offer = {m.model_id: m for m in known}
        if (
            vocabulary is None
            and names_from is not None
            and names_from.aliases == aliases
            and names_from.vendors == vendors
            and names_from.known == by_offer
        ):
            vocabulary = names_from.vocabulary
        if vocabulary is None:
            vocabulary = Vocabulary((_known_model(m) for m in by_offer.values()), aliases, vendors)
        return cls(
            as_of=require_utc(as_of, "as_of"),
            models=priced,
            rates=tuple(rates),
            vocabulary=vocabulary,
            version=version,
            first_seen=first_seen,
            by_id={m.model_id: m for m in priced},
            known=by_offer,
            aliases=dict(aliases),
            vendors=dict(vendors),
            delisted=dict(delisted or {}),
            seen=_free_only(seen or {}, priced),
        )

    def patched(
        self,
        *,
        as_of: datetime,
        changed: Iterable[str],
        models: Iterable[ModelPrices],
        known: Iterable[ModelLike] = (),
        aliases: Mapping[str, str] | None = None,
        vendors: Mapping[str, str] | None = None,
        rates: Iterable[FxRate],
        version: tuple[int, ...],
        delisted: Mapping[tuple[str, str], datetime],
        seen: Mapping[tuple[str, str], datetime | None] | None = None,
    ) -> PriceSnapshot:
        """A new snapshot at `as_of`: this one with the `changed` offers' prices replaced
        by `models` (an offer of `changed` missing from `models` has no prices any more),
        `known` offers added or described anew, and new aliases or vendor names.

        The names are built again only when they changed. This snapshot is untouched:
        questions keep reading it while the new one is made.
        """
        by_id = dict(self.by_id)
        for offer_id in changed:
            by_id.pop(offer_id, None)
        for offer in models:
            by_id[offer.model_id] = offer
        offers = dict(self.known)
        added: list[ModelLike] = []
        renamed = False
        for model in known:
            held = offers.get(model.model_id)
            if held != model:
                offers[model.model_id] = model
                if held is None:
                    added.append(model)
                else:
                    renamed = True
        aliases = self.aliases if aliases is None else aliases
        vendors = self.vendors if vendors is None else vendors
        vocabulary: Vocabulary | None = None
        if not renamed and not added and aliases == self.aliases and vendors == self.vendors:
            vocabulary = self.vocabulary
        elif not renamed:
            # New offers (a feed's new models): add their names to the old ones.
            vocabulary = self.vocabulary.extended(
                (_known_model(m) for m in added), aliases, vendors
            )
        return PriceSnapshot.build(
            as_of=as_of,
            # In offer id order, as the store reads them.
            models=(by_id[offer_id] for offer_id in sorted(by_id)),
            known=(offers[offer_id] for offer_id in sorted(offers)),
            aliases=aliases,
            vendors=vendors,
            rates=rates,
            version=version,
            delisted=delisted,
            vocabulary=vocabulary,
            seen={**self.seen, **(seen or {})},
        )

    def model(self, offer_id: str) -> ModelPrices | None:
        """The offer's prices in force at `as_of`, or None when it had none."""
        return self.by_id.get(offer_id)

    def offers_of(self, model_id: str) -> tuple[ModelPrices, ...]:
        """Every offer of a model priced at `as_of` (the maker's own first)."""
        grouped = self.memo.get("offers_of")
        if grouped is None:
            found: dict[str, list[ModelPrices]] = {}
            for offer in self.models:
                found.setdefault(offer.model_key, []).append(offer)
            grouped = {
                key: tuple(sorted(group, key=lambda o: (not o.is_maker_offer, o.model_id)))
                for key, group in found.items()
            }
            self.memo["offers_of"] = grouped
        offers: tuple[ModelPrices, ...] = grouped.get(model_id, ())
        return offers

    def model_name(self, model_id: str) -> str:
        """A model's name ('Claude Opus 4.6'), whichever offer is shown."""
        known = self.vocabulary.models.get(model_id)
        if known is not None:
            return known.display_name
        offers = self.offers_of(model_id)
        return offers[0].display_name if offers else model_id

    def rate(self, base: str, quote: str) -> FxRate | None:
        """The rate base→quote in force on the snapshot's day, or None.

        An inverse rate serves; failing both, a cross rate through one other currency
        (EUR→USD→CNY), whose source names both rates it multiplies.
        """
        key = ("rate", base, quote)
        if key not in self.memo:
            self.memo[key] = self._direct(base, quote) or self._cross(base, quote)
        found: FxRate | None = self.memo[key]
        return found

    def _direct(self, base: str, quote: str) -> FxRate | None:
        try:
            return pick_rate(self.rates, base, quote, self.as_of.date())
        except NoRateError:
            return None

    def _cross(self, base: str, quote: str) -> FxRate | None:
        pivots = sorted({r.base for r in self.rates} | {r.quote for r in self.rates})
        for pivot in pivots:
            if pivot in (base, quote):
                continue
            first, second = self._direct(base, pivot), self._direct(pivot, quote)
            if first is None or second is None:
                continue
            legs = "; ".join(_published(self.stated_rate(r)) for r in (first, second))
            return FxRate(
                base,
                quote,
                first.rate * second.rate,
                min(first.as_of, second.as_of),
                f"via {pivot}: {legs}",
            )
        return None

    def convert(self, money: Money, to: str) -> tuple[Money, FxRate | None] | None:
        """`money` in `to` with the dated rate used (None when none is needed or known)."""
        if money.currency == to:
            return money, None
        rate = self.rate(money.currency, to)
        if rate is None:
            return None
        return Money(money.amount * rate.rate, to), rate

    def stated_rate(self, rate: FxRate) -> FxRate:
        """The rate as it was published (7.2 CNY/USD, not 0.1389 USD/CNY), for replies."""
        for stored in self.rates:
            if (stored.base, stored.quote, stored.as_of, stored.source) == (
                rate.quote,
                rate.base,
                rate.as_of,
                rate.source,
            ):
                return stored
        return rate

    @property
    def free_until_next(self) -> datetime | None:
        """When the first active free offer ends after `as_of`: the snapshot is stale then."""
        if "free_until_next" not in self.memo:
            ends = [
                m.free_offer.until
                for m in self.models
                if m.free_offer is not None
                and m.free_offer.active
                and m.free_offer.until is not None
                and m.free_offer.until > self.as_of
            ]
            self.memo["free_until_next"] = min(ends, default=None)
        found: datetime | None = self.memo["free_until_next"]
        return found


def free_ids(models: Iterable[ModelPrices]) -> set[str]:
    """The offers whose answer depends on sightings: free offers and zero prices."""
    return {m.model_id for m in models if m.free_offer is not None or m.free_confirmed_at}


def _free_only(
    seen: Mapping[tuple[str, str], datetime | None], models: Iterable[ModelPrices]
) -> dict[tuple[str, str], datetime | None]:
    free = free_ids(models)
    return {key: at for key, at in seen.items() if key[1] in free}


def _known_model(m: ModelLike) -> KnownModel:
    return KnownModel(m.model_id, m.display_name, m.vendor, m.mode, m.canonical_id)


def _published(rate: FxRate) -> str:
    """'1 USD = 7.2 CNY, 2024-05-01, source'."""
    return f"1 {rate.base} = {rate.rate.normalize():f} {rate.quote}, {rate.as_of}, {rate.source}"
