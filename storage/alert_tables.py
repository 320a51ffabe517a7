"""ORM tables of alerts: chats and their settings, subscriptions, the outbox, the cursor.

Schedules are rows: digests (`chats.next_digest_at`), mutes (`chats.muted_until`),
target cooldowns (`subscriptions.rearm_not_before`) and owed deliveries
(`deliveries.next_attempt_at`) live here, never in an in-memory timer.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables import Base
from storage.types import ExactDecimal, UTCDateTime


class ChatRow(Base):
    """One chat on one platform, with its settings. `team_id` is '' outside Slack."""

    __tablename__ = "chats"
    __table_args__ = (
        UniqueConstraint("platform", "team_id", "chat_id", name="uq_chats_platform_chat"),
        Index("ix_chats_team", "platform", "team_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(128))
    team_id: Mapped[str] = mapped_column(String(64), default="")
    chat_type: Mapped[str] = mapped_column(String(16), default="private")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    currency: Mapped[str] = mapped_column(String(3))
    mix_input: Mapped[int] = mapped_column(Integer, default=3)
    mix_output: Mapped[int] = mapped_column(Integer, default=1)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    quiet_start: Mapped[int | None] = mapped_column(Integer)
    quiet_end: Mapped[int | None] = mapped_column(Integer)
    quiet_mode: Mapped[str] = mapped_column(String(8), default="hold")
    muted_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    digest_minute: Mapped[int | None] = mapped_column(Integer)
    next_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    default_question: Mapped[str | None] = mapped_column(Text)
    # 'en' or 'zh' as chosen with /settings language; None: not chosen.
    language: Mapped[str | None] = mapped_column(String(8))
    # 'en' or 'zh': the platform's language of the first person with a known one who
    # spoke to the bot here; alerts use it when the chat chose none. Never overwritten.
    platform_language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SubscriptionRow(Base):
    """A chat's standing wish: price changes, a target price, or a saved question."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        Index("ix_subscriptions_chat", "chat_pk"),
        Index("ix_subscriptions_match", "kind", "scope_kind", "scope_value"),
        Index("ix_subscriptions_group", "group_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chat_pk: Mapped[int] = mapped_column(ForeignKey("chats.id"))
    kind: Mapped[str] = mapped_column(String(16))
    scope_kind: Mapped[str] = mapped_column(String(8))
    scope_value: Mapped[str] = mapped_column(String(200), default="")
    min_cut_percent: Mapped[Decimal] = mapped_column(ExactDecimal())
    on_free: Mapped[bool] = mapped_column(Boolean, default=True)
    on_increase: Mapped[bool] = mapped_column(Boolean, default=False)
    on_new_model: Mapped[bool] = mapped_column(Boolean, default=False)
    on_free_ending: Mapped[bool] = mapped_column(Boolean, default=False)
    mode: Mapped[str] = mapped_column(String(8), default="instant")
    target_amount: Mapped[Decimal | None] = mapped_column(ExactDecimal())
    target_currency: Mapped[str | None] = mapped_column(String(3))
    target_basis: Mapped[str] = mapped_column(String(8), default="blended")
    target_min_context: Mapped[int | None] = mapped_column(Integer)
    target_mix_input: Mapped[int] = mapped_column(Integer, default=3)
    target_mix_output: Mapped[int] = mapped_column(Integer, default=1)
    question: Mapped[str | None] = mapped_column(Text)
    # Targets and saved questions with one key are evaluated once for all.
    group_key: Mapped[str | None] = mapped_column(String(300))
    # Target re-arming: fires when armed, then disarms until the price is back above
    # the target and `rearm_not_before` (the cooldown) has passed.
    armed: Mapped[bool] = mapped_column(Boolean, default=True)
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rearm_not_before: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Saved question: the signature of the answer last told to the chat.
    last_signature: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str | None] = mapped_column(String(128))


class AlertItemRow(Base):
    """One event owed to one chat. A chat hears of an event once: (chat, event, note_sub)
    is unique, with note_sub 0 for every price-change subscription of the chat together
    and the subscription's id for a target or saved question (which add their own note).

    `seal` is NULL until the item is due (a digest waits for its hour); sealing gives
    every due item of a chat the same seal, and one delivery row per (seal, chat).
    """

    __tablename__ = "alert_items"
    __table_args__ = (
        UniqueConstraint("chat_pk", "event_id", "note_sub", name="uq_alert_items_once"),
        Index("ix_alert_items_seal", "seal", "chat_pk"),
        Index(
            "ix_alert_items_unsealed",
            "due_at",
            sqlite_where=text("seal IS NULL"),
            postgresql_where=text("seal IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # No foreign keys on the outbox tables: a cut can write 100,000 rows at once and
    # PostgreSQL checks a foreign key row by row. Chats and events are never deleted,
    # so these references cannot dangle.
    chat_pk: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[int] = mapped_column(Integer)
    note_sub: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str] = mapped_column(String(16))
    subscription_id: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    seal: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(Text)
    previous: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DeliveryRow(Base):
    """The outbox: one message owed to one chat, worked off by the dispatcher."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("seal", "chat_pk", name="uq_deliveries_seal_chat"),
        Index("ix_deliveries_due", "status", "next_attempt_at"),
        Index("ix_deliveries_chat", "chat_pk", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    chat_pk: Mapped[int] = mapped_column(Integer)  # no foreign key: see AlertItemRow
    seal: Mapped[str] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(8), default="alert")
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Held by quiet hours or a mute (not a failed try): released early when they end.
    held: Mapped[bool] = mapped_column(Boolean, default=False)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    message_id: Mapped[str | None] = mapped_column(String(128))
    last_error: Mapped[str | None] = mapped_column(Text)


class AlertCursorRow(Base):
    """How far the fan-out has read the event log."""

    __tablename__ = "alert_cursors"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    last_event_id: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
