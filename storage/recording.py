"""Recording one batch of quotes for PriceStore.record and .preview.

Each quote is compared with its source's past (or every source's, for an
admin); changes are collected, then written in a few bulk statements.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from storage.bulk import insert_rows
from storage.fx import FxRate, NoRateError, convert
from storage.money import Money
from storage.rules import free_offer_change, price_change
from storage.source_tables import SourceModelRow
from storage.tables import (
    FreeOfferRow,
    FxRateRow,
    ModelAliasRow,
    ModelRow,
    PriceEventRow,
    PricePointRow,
    VendorRow,
)
from storage.values import (
    DateBasis,
    EventType,
    FreeOffer,
    Price,
    PriceEvent,
    PriceKind,
    PricePoint,
    Quote,
)

_CHUNK = 500


def chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


@dataclass(slots=True)
class _Offer:
    """What the recorder compares of an offer already stored (its metadata)."""

    display_name: str
    context_window: int | None
    canonical_id: str | None


class _Timeline:
    """One source's dated values for one key, kept sorted by effective time."""

    __slots__ = ("times", "values")

    def __init__(self) -> None:
        self.times: list[datetime] = []
        self.values: list[Any] = []

    def at(self, moment: datetime) -> Any | None:
        i = bisect.bisect_right(self.times, moment)
        return self.values[i - 1] if i else None

    def add(self, moment: datetime, value: Any) -> None:
        if not self.times or moment >= self.times[-1]:
            # Rows are read oldest first: appending is the common case.
            self.times.append(moment)
            self.values.append(value)
            return
        i = bisect.bisect_right(self.times, moment)
        self.times.insert(i, moment)
        self.values.insert(i, value)


def _timelines() -> defaultdict[Any, _Timeline]:
    return defaultdict(_Timeline)


class Recorder:
    """One `record` call: compares each quote with its source's past and collects changes.

    Rows are collected first and written in a few bulk statements (vendors, then
    models, then the rows that refer to them), so a feed of thousands of models
    is a handful of round trips, and a preview is the same work without the writes.
    """

    def __init__(
        self,
        session: Session,
        source: str,
        observed_at: datetime,
        history: bool,
        across: bool,
        history_before: datetime | None,
    ) -> None:
        self.session = session
        self.source = source
        self.across = across
        self.observed_at = observed_at
        self.history = history
        self.history_before = history_before
        self.events: list[PriceEventRow] = []
        self.created: set[str] = set()
        self.new_vendors: list[dict[str, Any]] = []
        self.new_models: dict[str, dict[str, Any]] = {}
        self.new_aliases: list[dict[str, Any]] = []
        self.new_points: list[dict[str, Any]] = []
        self.new_offers: list[dict[str, Any]] = []
        self.updated_models: dict[str, dict[str, Any]] = {}

    @property
    def writes(self) -> int:
        """How many rows this call writes or changes."""
        return (
            len(self.new_vendors)
            + len(self.new_models)
            + len(self.new_aliases)
            + len(self.new_points)
            + len(self.new_offers)
            + len(self.events)
            + len(self.updated_models)
        )

    def run(self, quotes: list[Quote]) -> None:
        s = self.session
        # Plain column tuples, not ORM objects, here and below: a feed of thousands of
        # offers read back as ORM instances cost most of a re-import that writes nothing.
        aliases = {
            alias: model_id
            for alias, model_id in s.execute(select(ModelAliasRow.alias, ModelAliasRow.model_id))
        }
        quotes = [_canonical(q, aliases) for q in quotes]
        ids = sorted({q.model_id for q in quotes})
        self.models: dict[str, _Offer] = {
            model_id: _Offer(name, window, canonical)
            for chunk in chunks(ids)
            for model_id, name, window, canonical in s.execute(
                select(
                    ModelRow.id,
                    ModelRow.display_name,
                    ModelRow.context_window,
                    ModelRow.canonical_id,
                ).where(ModelRow.id.in_(chunk))
            )
        }
        self.vendors = set(s.scalars(select(VendorRow.id)))
        self.aliases = aliases
        self.rates = [
            FxRate(r.base, r.quote, r.rate, r.as_of, r.source) for r in s.scalars(select(FxRateRow))
        ]
        self.points = _timelines()
        self.offers = _timelines()
        own_points = [] if self.across else [PricePointRow.source == self.source]
        own_offers = [] if self.across else [FreeOfferRow.source == self.source]
        point_columns = (
            PricePointRow.model_id,
            PricePointRow.kind,
            PricePointRow.tier,
            PricePointRow.effective_at,
            PricePointRow.amount,
            PricePointRow.currency,
        )
        offer_columns = (
            FreeOfferRow.model_id,
            FreeOfferRow.effective_at,
            FreeOfferRow.active,
            FreeOfferRow.free_until,
            FreeOfferRow.cap_note,
        )
        # Plain column tuples, not ORM objects: reading back a big feed's past is the
        # bulk of a re-import, and nothing here is modified. A source is compared with
        # its own past: read all of it at once (one query, no IN lists of thousands of
        # ids); an admin's word is compared with every source, for its few offers only.
        wanted = set(ids)
        point_order = (PricePointRow.effective_at, PricePointRow.observed_at, PricePointRow.id)
        offer_order = (FreeOfferRow.effective_at, FreeOfferRow.observed_at, FreeOfferRow.id)
        if self.across:
            point_queries = [
                select(*point_columns).where(PricePointRow.model_id.in_(c)).order_by(*point_order)
                for c in chunks(ids)
            ]
            offer_queries = [
                select(*offer_columns).where(FreeOfferRow.model_id.in_(c)).order_by(*offer_order)
                for c in chunks(ids)
            ]
        else:
            point_queries = [select(*point_columns).where(*own_points).order_by(*point_order)]
            offer_queries = [select(*offer_columns).where(*own_offers).order_by(*offer_order)]
        for query in point_queries:
            for model_id, kind, tier, effective_at, amount, currency in s.execute(query):
                if model_id in wanted:
                    self.points[(model_id, kind, tier)].add(effective_at, Money(amount, currency))
        for offer_query in offer_queries:
            for model_id, effective_at, active, free_until, cap_note in s.execute(offer_query):
                if model_id in wanted:
                    self.offers[model_id].add(effective_at, FreeOffer(active, free_until, cap_note))
        # When this source last listed each offer: an undated change happened after it.
        self.last_seen: dict[str, datetime] = {
            model_id: seen
            for model_id, seen in s.execute(
                select(SourceModelRow.model_id, SourceModelRow.last_seen_at).where(
                    SourceModelRow.source == self.source
                )
            )
            if seen is not None and model_id in wanted
        }
        # Tiers each offer has from this source, and what each batch entry quotes (a
        # catalog may give one moment's base and tier prices in separate quotes).
        self.tiers: defaultdict[str, set[tuple[str, int]]] = defaultdict(set)
        for model_id, kind, tier in self.points:
            if tier:
                self.tiers[model_id].add((kind, tier))
        self.quoted: defaultdict[tuple[str, datetime], set[tuple[PriceKind, int]]] = defaultdict(
            set
        )
        # Only offers with tiers (on record, or in this batch) can have one end.
        tiered = set(self.tiers) | {q.model_id for q in quotes if any(p.tier for p in q.prices)}
        for quote in quotes:
            if quote.model_id in tiered:
                self.quoted[(quote.model_id, quote.effective_at)].update(
                    (p.kind, p.tier) for p in quote.prices
                )
        for quote in quotes:
            self._model(quote)
            for price in self._with_ended_tiers(quote):
                self._price(quote, price.kind, price.tier, price.amount)
            if quote.free_offer is not None:
                self._free_offer(quote, quote.free_offer)

    def _with_ended_tiers(self, quote: Quote) -> list[Price]:
        """The quote's prices, plus a tier the source had and no longer quotes, at base price.

        A feed that drops a long-context surcharge (flat pricing over the whole
        window, as Anthropic did for claude-opus-4-6 on 2026-03-13) simply stops
        giving the tier: prompts over it now cost the base price. That is a cut
        for long prompts, recorded with its date. Not for an admin's word, which
        may give one price without the rest.
        """
        prices = list(quote.prices)
        if self.across or not self.tiers.get(quote.model_id):
            return prices
        quoted = self.quoted[(quote.model_id, quote.effective_at)]
        base = {p.kind: p.amount for p in prices if p.tier == 0}
        for kind, tier in sorted(self.tiers[quote.model_id]):
            price_kind = PriceKind(kind)
            if price_kind not in base or (price_kind, tier) in quoted:
                continue
            if self.points[(quote.model_id, kind, tier)].at(quote.effective_at) is not None:
                prices.append(Price(price_kind, base[price_kind], tier))
        return prices

    def write(self) -> None:
        """Insert what `run` collected, parents before the rows that refer to them."""
        s = self.session
        for entity, rows in (
            (VendorRow, self.new_vendors),
            (ModelRow, list(self.new_models.values())),
            (ModelAliasRow, self.new_aliases),
            (PricePointRow, self.new_points),
            (FreeOfferRow, self.new_offers),
        ):
            if rows:
                insert_rows(s, entity, rows)
        if self.updated_models:
            s.execute(update(ModelRow), [{"id": k, **v} for k, v in self.updated_models.items()])
        if self.events:
            # One bulk INSERT … RETURNING, ids in the order the events were derived (the
            # unit of work's flush of thousands of new_model events took seconds).
            columns = [c.key for c in PriceEventRow.__table__.columns if c.key != "id"]
            ids = s.scalars(
                insert(PriceEventRow).returning(PriceEventRow.id, sort_by_parameter_order=True),
                [{c: getattr(event, c) for c in columns} for event in self.events],
            ).all()
            for event, event_id in zip(self.events, ids, strict=True):
                event.id = event_id
        s.flush()

    def result(self) -> list[PriceEvent]:
        return [event_from(row) for row in self.events]

    def _model(self, quote: Quote) -> None:
        if quote.vendor not in self.vendors:
            self.new_vendors.append({"id": quote.vendor, "name": quote.vendor_name or quote.vendor})
            self.vendors.add(quote.vendor)
        model = self.models.get(quote.model_id)
        new = self.new_models.get(quote.model_id)
        if model is None and new is None:
            self.new_models[quote.model_id] = {
                "id": quote.model_id,
                "vendor_id": quote.vendor,
                "display_name": quote.display_name,
                "context_window": quote.context_window,
                "mode": quote.mode,
                "first_seen_at": self.observed_at,
                "canonical_id": quote.canonical_id,
            }
            self.created.add(quote.model_id)
            base_input = next(
                (p.amount for p in quote.prices if p.kind is PriceKind.INPUT and p.tier == 0), None
            )
            offer = quote.free_offer
            self._event(
                quote,
                EventType.NEW_MODEL,
                new=base_input,
                free_until=offer.until if offer else None,
                cap_note=offer.cap_note if offer else None,
            )
        elif new is not None:
            # Names and context windows are metadata, not history: the latest word wins.
            if _better_name(quote.display_name, new["display_name"]):
                new["display_name"] = quote.display_name
            if quote.context_window:
                new["context_window"] = quote.context_window
            if quote.canonical_id:
                new["canonical_id"] = quote.canonical_id
        elif model is not None:
            changed = self.updated_models.setdefault(quote.model_id, {})
            if _better_name(quote.display_name, model.display_name):
                model.display_name = changed["display_name"] = quote.display_name
            if quote.context_window and model.context_window != quote.context_window:
                model.context_window = changed["context_window"] = quote.context_window
            # Which model an offer sells is the identity layer's word: the latest wins,
            # so rows written before offers were told apart get theirs on the next poll.
            if quote.canonical_id and model.canonical_id != quote.canonical_id:
                model.canonical_id = changed["canonical_id"] = quote.canonical_id
            if not changed:
                del self.updated_models[quote.model_id]
        for alias in quote.aliases:
            key = alias.strip().lower()
            if key and key != quote.model_id and key not in self.aliases:
                self.new_aliases.append({"alias": key, "model_id": quote.model_id})
                self.aliases[key] = quote.model_id

    def _price(self, quote: Quote, kind: PriceKind, tier: int, amount: Money) -> None:
        timeline = self.points[(quote.model_id, kind.value, tier)]
        previous: Money | None = timeline.at(quote.effective_at)
        if amount.same_as(previous):
            return
        self.new_points.append(
            {
                "model_id": quote.model_id,
                "kind": kind.value,
                "tier": tier,
                "amount": amount.amount,
                "currency": amount.currency,
                "effective_at": quote.effective_at,
                "observed_at": self.observed_at,
                "source": self.source,
                "source_ref": quote.source_ref,
                "date_basis": quote.date_basis.value,
            }
        )
        timeline.add(quote.effective_at, amount)
        if tier:
            self.tiers[quote.model_id].add((kind.value, tier))
        if previous is None:
            return
        if previous.currency != amount.currency:
            try:
                previous = convert(
                    previous, amount.currency, self.rates, quote.effective_at.date()
                ).money
            except NoRateError:
                return
        change = price_change(previous, amount)
        if change is None:
            return
        event_type, percent = change
        offer = quote.free_offer
        self._event(
            quote,
            event_type,
            kind=kind,
            tier=tier,
            old=previous,
            new=amount,
            percent=percent,
            free_until=offer.until if offer and event_type is EventType.FREE else None,
            cap_note=offer.cap_note if offer and event_type is EventType.FREE else None,
        )

    def _free_offer(self, quote: Quote, offer: FreeOffer) -> None:
        timeline = self.offers[quote.model_id]
        previous: FreeOffer | None = timeline.at(quote.effective_at)
        if offer.same_as(previous) or (previous is None and not offer.active):
            return
        self.new_offers.append(
            {
                "model_id": quote.model_id,
                "active": offer.active,
                "free_until": offer.until,
                "cap_note": offer.cap_note,
                "effective_at": quote.effective_at,
                "observed_at": self.observed_at,
                "source": self.source,
            }
        )
        timeline.add(quote.effective_at, offer)
        change = free_offer_change(previous, offer)
        if change is not None and not (quote.model_id in self.created and previous is None):
            self._event(quote, change, free_until=offer.until, cap_note=offer.cap_note)

    def _event(self, quote: Quote, event_type: EventType, **fields: Any) -> None:
        kind: PriceKind | None = fields.get("kind")
        old: Money | None = fields.get("old")
        new: Money | None = fields.get("new")
        # A model new to the store is news when first seen, whatever past its feed gives it.
        history = self.history or (
            self.history_before is not None
            and event_type is not EventType.NEW_MODEL
            and quote.effective_at < self.history_before
        )
        observed = quote.date_basis is DateBasis.OBSERVED
        # An undated change happened after the source last listed the old price.
        not_before = self.last_seen.get(quote.model_id) if observed else None
        if not_before is not None and not_before >= quote.effective_at:
            not_before = None
        self.events.append(
            PriceEventRow(
                type=event_type.value,
                model_id=quote.model_id,
                kind=kind.value if kind else None,
                tier=fields.get("tier", 0),
                old_amount=old.amount if old else None,
                old_currency=old.currency if old else None,
                new_amount=new.amount if new else None,
                new_currency=new.currency if new else None,
                percent=fields.get("percent"),
                free_until=fields.get("free_until"),
                cap_note=fields.get("cap_note"),
                effective_at=quote.effective_at,
                recorded_at=self.observed_at,
                source=self.source,
                history=history,
                date_basis=quote.date_basis.value,
                not_before=not_before,
            )
        )


def _better_name(offered: str, held: str) -> bool:
    """Whether a source's display name should replace the one held (the latest word wins),
    except that an id-like spelling ("gpt 4o", "gemini 1.5 Pro") never replaces a name
    written for people ("GPT-4o", "Gemini 1.5 Pro"): feeds without names make one up."""
    if not offered or offered == held:
        return False
    return _written(offered) or not _written(held)


def _written(name: str) -> bool:
    """A name written for people starts with a capital ("GPT-4o", "Qwen-Long")."""
    first = next((c for c in name if c.isalpha()), "")
    return first.isupper()


def _canonical(quote: Quote, aliases: dict[str, str]) -> Quote:
    """A quote filed under an alias of a known model is about that model."""
    target = aliases.get(quote.model_id)
    if target is None or target == quote.model_id:
        return quote
    from dataclasses import replace

    return replace(quote, model_id=target)


def point_from(row: Any) -> PricePoint:
    get = (
        row.__getitem__
        if isinstance(row, dict) or hasattr(row, "keys")
        else lambda k: getattr(row, k)
    )
    return PricePoint(
        model_id=get("model_id"),
        kind=PriceKind(get("kind")),
        tier=get("tier"),
        amount=Money(get("amount"), get("currency")),
        effective_at=get("effective_at"),
        source=get("source"),
        observed_at=get("observed_at"),
        source_ref=get("source_ref"),
        date_basis=DateBasis(get("date_basis") or DateBasis.EFFECTIVE.value),
    )


def event_from(row: PriceEventRow) -> PriceEvent:
    return PriceEvent(
        id=row.id,
        type=EventType(row.type),
        model_id=row.model_id,
        kind=PriceKind(row.kind) if row.kind else None,
        tier=row.tier,
        old=Money(row.old_amount, row.old_currency)
        if row.old_amount is not None and row.old_currency
        else None,
        new=Money(row.new_amount, row.new_currency)
        if row.new_amount is not None and row.new_currency
        else None,
        percent=row.percent,
        free_until=row.free_until,
        cap_note=row.cap_note,
        effective_at=row.effective_at,
        recorded_at=row.recorded_at,
        source=row.source,
        history=row.history,
        date_basis=DateBasis(row.date_basis or DateBasis.EFFECTIVE.value),
        not_before=row.not_before,
    )
