"""PriceStore: records what sources say, keeps every price, and derives events.

Recording is idempotent: the same quotes twice write nothing and derive nothing.
Each source is compared with its own past, so two feeds that disagree by a cent
never flap; "current" is the latest effective price from any source.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Engine, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.fx import Conversion, FxRate, convert
from storage.money import MAX_AMOUNT, Money
from storage.recording import Recorder, event_from, point_from
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
    FreeOffer,
    ModelPrices,
    PriceEvent,
    PriceKind,
    PricePoint,
    Quote,
    require_utc,
)

# A concurrent writer can insert the same new model first; one more read settles it.
_RECORD_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """A model the store knows, for look-ups and "did you mean"."""

    model_id: str
    vendor: str
    display_name: str
    context_window: int | None
    mode: str
    # The model this offer sells (`maker/model`); "" when the offer is its own model.
    canonical_id: str = ""


@dataclass(frozen=True, slots=True)
class FirstSeen:
    """When an offer's earliest known price starts, and where that date comes from."""

    at: datetime
    basis: DateBasis


@dataclass(frozen=True, slots=True)
class RecordPreview:
    """What `record` would do: the events it would derive (without ids), rows it would write."""

    events: list[PriceEvent]
    writes: int


@dataclass(frozen=True, slots=True)
class _Latest:
    """One source's latest price for an offer's kind and tier."""

    point: PricePoint
    id: int
    last_seen: datetime | None


_FOOTING = {DateBasis.EFFECTIVE: 0, DateBasis.INFERRED: 1, DateBasis.OBSERVED: 2}


def _dated(candidates: list[_Latest]) -> _Latest:
    """The price in force: the newest of the sources' latest prices. When other sources
    say the same amount, the best-founded date among them is the one shown: a stated date
    (the latest stated: the conservative "since") beats an inferred one, which beats a
    first sighting (the earliest: when pricebot first saw this amount)."""
    newest = max(candidates, key=lambda c: (c.point.effective_at, c.point.observed_at, c.id))
    agreeing = [c for c in candidates if c.point.amount.same_as(newest.point.amount)]
    footing = min(_FOOTING[c.point.date_basis] for c in agreeing)
    best = [c for c in agreeing if _FOOTING[c.point.date_basis] == footing]
    if footing == _FOOTING[DateBasis.OBSERVED]:
        return min(best, key=lambda c: (c.point.effective_at, c.id))
    return max(best, key=lambda c: (c.point.effective_at, c.id))


class PriceStore:
    """The price store over one SQLAlchemy engine (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # ---- writing -------------------------------------------------------------

    def record(
        self,
        quotes: Iterable[Quote],
        *,
        source: str,
        observed_at: datetime,
        history: bool = False,
        across_sources: bool = False,
        history_before: datetime | None = None,
    ) -> list[PriceEvent]:
        """Record what `source` says, in one transaction; return the events derived.

        `history=True` marks the events as back-filled (a first import, a feed's
        past): they stay in the log but no subscriber is alerted.
        `history_before` marks only the changes that took effect before that
        moment as history (a feed's dated past), the rest, and new models, as news.
        `across_sources=True` compares with the latest price from any source
        instead of this source's own past: for an admin's word, which overrides.
        """
        quotes = list(quotes)
        for attempt in range(_RECORD_ATTEMPTS):
            try:
                with Session(self.engine) as session, session.begin():
                    recorder = self._recorder(
                        session,
                        quotes,
                        source,
                        observed_at,
                        history,
                        across_sources,
                        history_before,
                    )
                    recorder.write()
                    return recorder.result()
            except IntegrityError:
                # Another writer (a second source job, another process) added the same
                # new vendor, model or alias between our read and our write. Nothing of
                # ours was written; read again and the model is known, not new.
                if attempt == _RECORD_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def preview(
        self,
        quotes: Iterable[Quote],
        *,
        source: str,
        observed_at: datetime,
        history: bool = False,
        across_sources: bool = False,
        history_before: datetime | None = None,
    ) -> RecordPreview:
        """What `record` with the same arguments would do, without writing anything.

        The events have no ids. Sources use it to hold back a suspect snapshot
        before any of it reaches the event log.
        """
        with Session(self.engine) as session:
            recorder = self._recorder(
                session, quotes, source, observed_at, history, across_sources, history_before
            )
            preview = RecordPreview(recorder.result(), recorder.writes)
            session.rollback()
            return preview

    def _recorder(
        self,
        session: Session,
        quotes: Iterable[Quote],
        source: str,
        observed_at: datetime,
        history: bool,
        across_sources: bool,
        history_before: datetime | None,
    ) -> Recorder:
        observed_at = require_utc(observed_at, "observed_at")
        if history_before is not None:
            history_before = require_utc(history_before, "history_before")
        ordered = sorted(quotes, key=lambda q: q.effective_at)
        for quote in ordered:
            for price in quote.prices:
                if price.amount.amount > MAX_AMOUNT:
                    raise ValueError(
                        f"{quote.model_id} {price.kind}: {price.amount.amount} per 1M is beyond "
                        f"{MAX_AMOUNT}; check the unit"
                    )
        recorder = Recorder(session, source, observed_at, history, across_sources, history_before)
        recorder.run(ordered)
        return recorder

    def record_rates(self, rates: Iterable[FxRate]) -> int:
        """Store exchange rates not yet stored; return how many were new."""
        added = 0
        with Session(self.engine) as session, session.begin():
            existing = {
                (r.base, r.quote, r.as_of, r.source) for r in session.scalars(select(FxRateRow))
            }
            for rate in rates:
                key = (rate.base, rate.quote, rate.as_of, rate.source)
                if key in existing:
                    continue
                existing.add(key)
                session.add(
                    FxRateRow(
                        base=rate.base,
                        quote=rate.quote,
                        rate=rate.rate,
                        as_of=rate.as_of,
                        source=rate.source,
                    )
                )
                added += 1
        return added

    # ---- reading -------------------------------------------------------------

    def current(self, as_of: datetime | None = None) -> list[ModelPrices]:
        """Every offer with its prices in force at `as_of` (default: now).

        A source's prices for an offer it has since delisted (stopped listing) are
        not current from the delisting on; an offer no source lists is left out.
        An active free offer carries when a source last vouched for it.
        """
        moment = require_utc(as_of, "as_of") if as_of else datetime.now(UTC)
        listed_points = and_(
            SourceModelRow.source == PricePointRow.source,
            SourceModelRow.model_id == PricePointRow.model_id,
        )
        delisted = SourceModelRow.delisted_at
        still_listed = or_(delisted.is_(None), delisted > moment)
        latest = (
            select(
                PricePointRow,
                SourceModelRow.last_seen_at.label("last_seen_at"),
                func.row_number()
                .over(
                    # Each source's own latest: the newest wins, and sources that agree
                    # with it can give its date a better footing (see `_dated`).
                    partition_by=(
                        PricePointRow.model_id,
                        PricePointRow.kind,
                        PricePointRow.tier,
                        PricePointRow.source,
                    ),
                    order_by=(
                        PricePointRow.effective_at.desc(),
                        PricePointRow.observed_at.desc(),
                        PricePointRow.id.desc(),
                    ),
                )
                .label("rank"),
            )
            .outerjoin(SourceModelRow, listed_points)
            .where(PricePointRow.effective_at <= moment, still_listed)
            .subquery()
        )
        listed_offers = and_(
            SourceModelRow.source == FreeOfferRow.source,
            SourceModelRow.model_id == FreeOfferRow.model_id,
        )
        offers = (
            select(
                FreeOfferRow,
                SourceModelRow.last_seen_at.label("last_seen_at"),
                func.row_number()
                .over(
                    partition_by=FreeOfferRow.model_id,
                    order_by=(
                        FreeOfferRow.effective_at.desc(),
                        FreeOfferRow.observed_at.desc(),
                        FreeOfferRow.id.desc(),
                    ),
                )
                .label("rank"),
            )
            .outerjoin(SourceModelRow, listed_offers)
            .where(FreeOfferRow.effective_at <= moment, still_listed)
            .subquery()
        )
        with Session(self.engine) as session:
            infos = {
                m.id: (m, v)
                for m, v in session.execute(
                    select(ModelRow, VendorRow).join(VendorRow, ModelRow.vendor_id == VendorRow.id)
                )
            }
            prices: defaultdict[str, dict[tuple[PriceKind, int], PricePoint]] = defaultdict(dict)
            # When each zero price was last vouched for: free by zero prices is "free now"
            # only while a source confirms it, like a free offer without an end date.
            zero_seen: defaultdict[str, list[datetime]] = defaultdict(list)
            by_source: defaultdict[tuple[str, PriceKind, int], list[_Latest]] = defaultdict(list)
            for row in session.execute(select(latest).where(latest.c.rank == 1)).mappings():
                point = point_from(row)
                by_source[(point.model_id, point.kind, point.tier)].append(
                    _Latest(point, row["id"], row["last_seen_at"])
                )
            for (model_id, kind, tier), candidates in by_source.items():
                chosen = _dated(candidates)
                point = chosen.point
                prices[model_id][(kind, tier)] = point
                if tier == 0 and point.amount.is_zero:
                    seen = chosen.last_seen
                    start = point.effective_at
                    zero_seen[model_id].append(max(start, min(seen, moment)) if seen else start)
            free: dict[str, FreeOffer] = {}
            confirmed: dict[str, datetime] = {}
            for row in session.execute(select(offers).where(offers.c.rank == 1)).mappings():
                offer = FreeOffer(row["active"], row["free_until"], row["cap_note"])
                if offer.active and offer.until is not None and offer.until <= moment:
                    offer = FreeOffer(False, offer.until, offer.cap_note)
                free[row["model_id"]] = offer
                if offer.active:
                    # Vouched for at its start, and at every later snapshot still listing
                    # it (up to the moment asked about).
                    seen = row["last_seen_at"]
                    start = row["effective_at"]
                    confirmed[row["model_id"]] = max(start, min(seen, moment)) if seen else start
        for model_id, sightings in zero_seen.items():
            kinds = prices[model_id]
            both_zero = all(
                (kind, 0) in kinds and kinds[(kind, 0)].amount.is_zero
                for kind in (PriceKind.INPUT, PriceKind.OUTPUT)
            )
            if both_zero and model_id not in confirmed:
                confirmed[model_id] = min(sightings)
        result = []
        for model_id in sorted(set(prices) | set(free)):
            model, vendor = infos[model_id]
            result.append(
                ModelPrices(
                    model_id=model_id,
                    vendor=vendor.id,
                    vendor_name=vendor.name,
                    display_name=model.display_name,
                    context_window=model.context_window,
                    mode=model.mode,
                    prices=prices.get(model_id, {}),
                    free_offer=free.get(model_id),
                    canonical_id=model.canonical_id or "",
                    free_confirmed_at=confirmed.get(model_id),
                )
            )
        return result

    def first_seen(self) -> dict[str, FirstSeen]:
        """Each offer's earliest known price: when it starts and where that date comes from.

        An as-of answer leaves out offers whose prices start later; those first seen
        (not dated by their source) may have existed before: the answer says how many.
        """
        earliest = select(
            PricePointRow.model_id,
            PricePointRow.effective_at,
            PricePointRow.date_basis,
            func.row_number()
            .over(
                partition_by=PricePointRow.model_id,
                order_by=(PricePointRow.effective_at, PricePointRow.id),
            )
            .label("rank"),
        ).subquery()
        with Session(self.engine) as session:
            return {
                model_id: FirstSeen(at, DateBasis(basis or DateBasis.EFFECTIVE.value))
                for model_id, at, basis, _ in session.execute(
                    select(earliest).where(earliest.c.rank == 1)
                )
            }

    def history(self, model_id: str) -> list[PricePoint]:
        """Every price ever recorded for a model, oldest effective first."""
        with Session(self.engine) as session:
            rows = session.scalars(
                select(PricePointRow)
                .where(PricePointRow.model_id == model_id)
                .order_by(PricePointRow.effective_at, PricePointRow.id)
            )
            return [point_from(row) for row in rows]

    def events_after(self, cursor: int, limit: int = 100) -> list[PriceEvent]:
        """Events with id greater than `cursor`, in id order: what the bot polls."""
        with Session(self.engine) as session:
            rows = session.scalars(
                select(PriceEventRow)
                .where(PriceEventRow.id > cursor)
                .order_by(PriceEventRow.id)
                .limit(limit)
            )
            return [event_from(row) for row in rows]

    def events_since(
        self,
        *,
        after_id: int = 0,
        since: datetime | None = None,
        vendors: Iterable[str] = (),
        types: Iterable[str] = (),
        models: Iterable[str] = (),
        limit: int = 50,
    ) -> list[PriceEvent]:
        """Recent events, newest effective first: those with id > `after_id`, in force from
        `since`, of models made or sold by one of `vendors`, of one of `types`, of one of
        `models` (a model's id also matches the offers that sell it); empty means all.
        """
        query = select(PriceEventRow).where(PriceEventRow.id > after_id)
        if since is not None:
            query = query.where(PriceEventRow.effective_at >= require_utc(since, "since"))
        wanted_types = sorted(set(types))
        if wanted_types:
            query = query.where(PriceEventRow.type.in_(wanted_types))
        wanted_vendors = sorted(set(vendors))
        if wanted_vendors:
            # A vendor matches as the offer's seller or as its model's maker.
            query = query.join(ModelRow, ModelRow.id == PriceEventRow.model_id).where(
                or_(
                    ModelRow.vendor_id.in_(wanted_vendors),
                    *(ModelRow.canonical_id.startswith(v + "/") for v in wanted_vendors),
                )
            )
        wanted_models = sorted(set(models))
        if wanted_models:
            offers = select(ModelRow.id).where(
                or_(ModelRow.id.in_(wanted_models), ModelRow.canonical_id.in_(wanted_models))
            )
            query = query.where(PriceEventRow.model_id.in_(offers))
        query = query.order_by(PriceEventRow.effective_at.desc(), PriceEventRow.id.desc())
        with Session(self.engine) as session:
            return [event_from(row) for row in session.scalars(query.limit(max(0, limit)))]

    def events_for(self, model_id: str) -> list[PriceEvent]:
        """Every event of one model, in the order they took effect."""
        with Session(self.engine) as session:
            rows = session.scalars(
                select(PriceEventRow)
                .where(PriceEventRow.model_id == model_id)
                .order_by(PriceEventRow.effective_at, PriceEventRow.id)
            )
            return [event_from(row) for row in rows]

    def last_event_id(self) -> int:
        """The newest event's id, 0 when the log is empty."""
        with Session(self.engine) as session:
            return session.scalar(select(func.max(PriceEventRow.id))) or 0

    def data_version(self) -> tuple[int, ...]:
        """A marker that moves whenever something a price answer reads is added: a price
        point, a free offer, an event, a rate, a model or an alias (one round trip).

        Caches compare it to know when to read again; `last_event_id` alone misses a new
        source's first price (no event) and new exchange rates. Metadata edits in place
        (a display name, a context window) do not move it.
        """
        marks = select(
            select(func.max(PricePointRow.id)).scalar_subquery(),
            select(func.max(FreeOfferRow.id)).scalar_subquery(),
            select(func.max(PriceEventRow.id)).scalar_subquery(),
            select(func.max(FxRateRow.id)).scalar_subquery(),
            select(func.count()).select_from(ModelRow).scalar_subquery(),
            select(func.count()).select_from(ModelAliasRow).scalar_subquery(),
        )
        with Session(self.engine) as session:
            row = session.execute(marks).one()
            return tuple(int(value or 0) for value in row)

    def models(self) -> list[ModelInfo]:
        """Every model the store knows."""
        with Session(self.engine) as session:
            return [
                ModelInfo(
                    m.id,
                    m.vendor_id,
                    m.display_name,
                    m.context_window,
                    m.mode,
                    m.canonical_id or "",
                )
                for m in session.scalars(select(ModelRow).order_by(ModelRow.id))
            ]

    def vendors(self) -> dict[str, str]:
        """Vendor id → display name."""
        with Session(self.engine) as session:
            return {v.id: v.name for v in session.scalars(select(VendorRow).order_by(VendorRow.id))}

    def aliases(self) -> dict[str, str]:
        """Alias (lower-case) → model id."""
        with Session(self.engine) as session:
            return {a.alias: a.model_id for a in session.scalars(select(ModelAliasRow))}

    def resolve_model(self, name: str) -> str | None:
        """A model id for an id, an alias, a display name or a unique bare name."""
        wanted = name.strip().lower()
        models = self.models()
        by_id = {m.model_id: m for m in models}
        if wanted in by_id:
            return wanted
        alias = self.aliases().get(wanted)
        if alias:
            return alias
        named = [m.model_id for m in models if m.display_name.lower() == wanted]
        bare = [m.model_id for m in models if m.model_id.split("/", 1)[1] == wanted]
        for found in (named, bare):
            if len(found) == 1:
                return found[0]
        return None

    def rates(self) -> list[FxRate]:
        """Every stored exchange rate."""
        with Session(self.engine) as session:
            return [
                FxRate(r.base, r.quote, r.rate, r.as_of, r.source)
                for r in session.scalars(select(FxRateRow).order_by(FxRateRow.as_of))
            ]

    def convert(self, money: Money, to: str, as_of: date | datetime | None = None) -> Conversion:
        """Convert with the stored rate in force on `as_of`; the result names the rate."""
        day = as_of.date() if isinstance(as_of, datetime) else as_of
        return convert(money, to, self.rates(), day or datetime.now(UTC).date())
