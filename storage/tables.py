"""ORM tables of the price store. Price points, free offers and events are append-only.

Other areas keep their tables in their own modules on the same `Base`
(so one Alembic history covers them all).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import ExactDecimal, UTCDateTime


class Base(DeclarativeBase):
    """The one metadata every pricebot table hangs off."""


class VendorRow(Base):
    __tablename__ = "vendors"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_zh: Mapped[str | None] = mapped_column(String(200))


class ModelRow(Base):
    """One offer: a seller's name for a model (`seller/name`), historically called a model.

    `canonical_id` is the model it sells (`maker/model`); NULL means the offer is
    its own model (rows written before offers were told apart, until a source
    lists them again).
    """

    __tablename__ = "models"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    vendor_id: Mapped[str] = mapped_column(ForeignKey("vendors.id"), index=True)
    display_name: Mapped[str] = mapped_column(String(200))
    context_window: Mapped[int | None] = mapped_column(Integer)
    mode: Mapped[str] = mapped_column(String(32), default="chat")
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    canonical_id: Mapped[str | None] = mapped_column(String(200), index=True)


class ModelAliasRow(Base):
    __tablename__ = "model_aliases"

    alias: Mapped[str] = mapped_column(String(200), primary_key=True)
    model_id: Mapped[str] = mapped_column(ForeignKey("models.id"), index=True)


class PricePointRow(Base):
    __tablename__ = "price_points"
    __table_args__ = (
        # "current price of every model as of a date": latest effective per key.
        Index("ix_price_points_key_effective", "model_id", "kind", "tier", "effective_at"),
        Index("ix_price_points_source", "source", "model_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model_id: Mapped[str] = mapped_column(ForeignKey("models.id"))
    kind: Mapped[str] = mapped_column(String(32))
    tier: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[Decimal] = mapped_column(ExactDecimal())
    currency: Mapped[str] = mapped_column(String(3))
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime())
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(64))
    source_ref: Mapped[str | None] = mapped_column(Text)
    # effective (stated), observed (first seen) or inferred: see storage.values.DateBasis.
    date_basis: Mapped[str] = mapped_column(String(16), default="effective")


class FreeOfferRow(Base):
    __tablename__ = "free_offers"
    __table_args__ = (Index("ix_free_offers_model_effective", "model_id", "effective_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model_id: Mapped[str] = mapped_column(ForeignKey("models.id"))
    active: Mapped[bool] = mapped_column(Boolean)
    free_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cap_note: Mapped[str | None] = mapped_column(Text)
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime())
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(64))


class PriceEventRow(Base):
    """The event log the bot polls: ids only grow, rows are never updated."""

    __tablename__ = "price_events"
    __table_args__ = (Index("ix_price_events_model", "model_id", "effective_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    type: Mapped[str] = mapped_column(String(32))
    model_id: Mapped[str] = mapped_column(ForeignKey("models.id"))
    kind: Mapped[str | None] = mapped_column(String(32))
    tier: Mapped[int] = mapped_column(Integer, default=0)
    old_amount: Mapped[Decimal | None] = mapped_column(ExactDecimal())
    old_currency: Mapped[str | None] = mapped_column(String(3))
    new_amount: Mapped[Decimal | None] = mapped_column(ExactDecimal())
    new_currency: Mapped[str | None] = mapped_column(String(3))
    percent: Mapped[Decimal | None] = mapped_column(ExactDecimal())
    free_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cap_note: Mapped[str | None] = mapped_column(Text)
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(64))
    history: Mapped[bool] = mapped_column(Boolean, default=False)
    date_basis: Mapped[str] = mapped_column(String(16), default="effective")
    # For an observed change: the last sighting of the old price (it changed after this).
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime())


class FxRateRow(Base):
    __tablename__ = "fx_rates"
    __table_args__ = (UniqueConstraint("base", "quote", "as_of", "source", name="uq_fx_rates"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    base: Mapped[str] = mapped_column(String(3))
    quote: Mapped[str] = mapped_column(String(3))
    rate: Mapped[Decimal] = mapped_column(ExactDecimal())
    as_of: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(200))
