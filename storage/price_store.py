"""PriceStore: records what sources say, keeps every price, and derives events.

Recording is idempotent: the same quotes twice write nothing and derive nothing.
Each source is compared with its own past, so two feeds that disagree by a cent
never flap; "current" is the latest effective price from any source.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Engine, and_, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.fx import Conversion, FxRate, convert
from storage.in_force import FreeRow, Latest, OfferInfo, prices_in_force
from storage.money import MAX_AMOUNT, Money
from storage.recording import Recorder, chunks, event_from, point_from
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
    FirstSeen,
    ModelInfo,
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
class RecordPreview:
    """What `record` would do: the events it would derive (without ids), rows it would write."""

    events: list[PriceEvent]
    writes: int


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

    def current(
        self, as_of: datetime | None = None, *, offers: Collection[str] | None = None
    ) -> list[ModelPrices]:
        """Every offer with its prices in force at `as_of` (default: now).

        A source's prices for an offer it has since delisted (stopped listing) are
        not current from the delisting on; an offer no source lists is left out.
        An active free offer carries when a source last vouched for it.
        `offers`: only these offers (what changed since a snapshot; see `changed_offers`).
        """
        moment = require_utc(as_of, "as_of") if as_of else datetime.now(UTC)
        if offers is not None:
            wanted = sorted(set(offers))
            # Chunks keep the IN lists short (a few hundred ids at a time).
            found: list[ModelPrices] = []
            for chunk in chunks(wanted):
                found += self._current(moment, list(chunk))
            return found
        return self._current(moment, None)

    def _current(self, moment: datetime, only: list[str] | None) -> list[ModelPrices]:
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
                    # with it can give its date a better footing (see `storage.in_force.dated`).
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
            .where(PricePointRow.model_id.in_(only) if only is not None else true())
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
            .where(FreeOfferRow.model_id.in_(only) if only is not None else true())
            .subquery()
        )
        with Session(self.engine) as session:
            described = select(ModelRow, VendorRow).join(
                VendorRow, ModelRow.vendor_id == VendorRow.id
            )
            if only is not None:
                described = described.where(ModelRow.id.in_(only))
            infos = {
                m.id: OfferInfo(
                    v.id, v.name, m.display_name, m.context_window, m.mode, m.canonical_id or ""
                )
                for m, v in session.execute(described)
            }
            candidates = [
                Latest(point_from(row), row["id"], row["last_seen_at"])
                for row in session.execute(select(latest).where(latest.c.rank == 1)).mappings()
            ]
            free_rows = [
                FreeRow(
                    row["model_id"],
                    row["active"],
                    row["free_until"],
                    row["cap_note"],
                    row["effective_at"],
                    row["last_seen_at"],
                )
                for row in session.execute(select(offers).where(offers.c.rank == 1)).mappings()
            ]
        return prices_in_force(moment, infos, candidates, free_rows)

    def changed_offers(
        self, *, points_after: int, offers_after: int, since: datetime, upto: datetime
    ) -> set[str]:
        """Offers whose prices in force may differ between a read at `since` and one at
        `upto`: a price point or free offer added after the high-water marks
        (`data_version()`'s first two numbers when that read was made), or one that takes
        effect, or a free offer that ends, in between. Delistings: see `delistings`."""
        since = require_utc(since, "since")
        upto = require_utc(upto, "upto")
        points = select(PricePointRow.model_id).where(
            or_(
                PricePointRow.id > points_after,
                and_(PricePointRow.effective_at > since, PricePointRow.effective_at <= upto),
            )
        )
        offers = select(FreeOfferRow.model_id).where(
            or_(
                FreeOfferRow.id > offers_after,
                and_(FreeOfferRow.effective_at > since, FreeOfferRow.effective_at <= upto),
                and_(FreeOfferRow.free_until > since, FreeOfferRow.free_until <= upto),
            )
        )
        with Session(self.engine) as session:
            return set(session.scalars(points.union(offers)))

    def delistings(self) -> dict[tuple[str, str], datetime]:
        """(source, offer) → since when the source no longer lists it: few rows, read whole
        to notice a delisting or a relisting (they change rows in place)."""
        rows = select(
            SourceModelRow.source, SourceModelRow.model_id, SourceModelRow.delisted_at
        ).where(SourceModelRow.delisted_at.is_not(None))
        with Session(self.engine) as session:
            return {
                (source, model_id): at
                for source, model_id, at in session.execute(rows)
                if at is not None
            }

    def sightings(
        self, offers: Collection[str] | None = None
    ) -> dict[tuple[str, str], datetime | None]:
        """(source, offer) → when the source last listed it (`last_seen_at`, which moves in
        place with each snapshot and keeps a free offer "confirmed"); every listing, or
        those of `offers` only."""
        columns = select(
            SourceModelRow.source, SourceModelRow.model_id, SourceModelRow.last_seen_at
        )
        with Session(self.engine) as session:
            if offers is None:
                rows = list(session.execute(columns))
            else:
                wanted = sorted(set(offers))
                rows = []
                for chunk in chunks(wanted):
                    rows += session.execute(columns.where(SourceModelRow.model_id.in_(chunk)))
            return {(source, model_id): seen for source, model_id, seen in rows}

    def model_ids(self) -> set[str]:
        """Every offer id the store knows (one narrow query: to find new ones)."""
        with Session(self.engine) as session:
            return set(session.scalars(select(ModelRow.id)))

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

    def prices_at(self, model_id: str, at: datetime) -> dict[PriceKind, Money]:
        """An offer's base prices in force at `at` (any source, the newest): what a new
        model came with, for its alert ("input ¥1.00, output ¥2.00 per 1M")."""
        found: dict[PriceKind, PricePoint] = {}
        for point in self.history(model_id):
            if point.tier == 0 and point.effective_at <= at:
                held = found.get(point.kind)
                if held is None or point.effective_at >= held.effective_at:
                    found[point.kind] = point
        return {kind: point.amount for kind, point in found.items()}

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

    def models(self, ids: Collection[str] | None = None) -> list[ModelInfo]:
        """Every model the store knows (or those of `ids` only), by id."""
        columns = select(
            ModelRow.id,
            ModelRow.vendor_id,
            ModelRow.display_name,
            ModelRow.context_window,
            ModelRow.mode,
            ModelRow.canonical_id,
        )
        with Session(self.engine) as session:
            if ids is None:
                rows = list(session.execute(columns))
            else:
                wanted = sorted(set(ids))
                rows = []
                for chunk in chunks(wanted):
                    rows += session.execute(columns.where(ModelRow.id.in_(chunk)))
            # Tuples, not ORM objects: a big store has thousands (a third of the time).
            return [
                ModelInfo(m_id, vendor, name, window, mode, canonical or "")
                for m_id, vendor, name, window, mode, canonical in sorted(rows)
            ]

    def vendors(self) -> dict[str, str]:
        """Vendor id → display name."""
        with Session(self.engine) as session:
            return {v.id: v.name for v in session.scalars(select(VendorRow).order_by(VendorRow.id))}

    def aliases(self) -> dict[str, str]:
        """Alias (lower-case) → model id."""
        with Session(self.engine) as session:
            rows = session.execute(select(ModelAliasRow.alias, ModelAliasRow.model_id))
            return {alias: model_id for alias, model_id in rows}

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

    def price_currencies(self) -> set[str]:
        """The currencies prices are recorded in."""
        with Session(self.engine) as session:
            return set(session.scalars(select(PricePointRow.currency).distinct()))

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
