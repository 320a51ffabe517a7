"""ORM tables of the price sources: their status, the models of their last good snapshot,
held-back snapshots, and alarming changes waiting for a second poll.

Nothing here refers to `models`: a feed may list a model the store has not
recorded yet (a change waiting for confirmation, a duplicate that was skipped).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.tables import Base
from storage.types import UTCDateTime


class SourceStatusRow(Base):
    """One row per source: what happened the last time it was fetched."""

    __tablename__ = "source_status"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    location: Mapped[str | None] = mapped_column(Text)
    first_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    model_count: Mapped[int] = mapped_column(Integer, default=0)
    # Validators of the last accepted response, for conditional requests.
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    last_outcome: Mapped[str | None] = mapped_column(String(32))
    last_message: Mapped[str | None] = mapped_column(Text)
    held_back_count: Mapped[int] = mapped_column(Integer, default=0)
    # Fetches answered 304 Not Modified (they write nothing else).
    not_modified_count: Mapped[int] = mapped_column(Integer, default=0)
    # Entries of the last accepted snapshot left out on purpose / refused, and their
    # names with the reasons (JSON: {"skipped": [[entry, reason], …], "rejected": …}).
    skipped_count: Mapped[int] = mapped_column(Integer, default=0)
    rejected_count: Mapped[int] = mapped_column(Integer, default=0)
    left_out: Mapped[str | None] = mapped_column(Text, deferred=True)
    # The last accepted snapshot's content key (`Snapshot.content_key`).
    content_key: Mapped[str | None] = mapped_column(String(200))


class SourceModelRow(Base):
    """Every model (offer) a source has listed, and whether it still does.

    A row with `delisted_at` NULL is listed: in the source's last accepted
    snapshot, or missing from fewer than the set number of snapshots
    (`missed`, `missing_since`). `last_seen_at` is the moment the source last
    described it as listed (a feed: the fetch; a catalog: its own date): it
    is what keeps a free offer "confirmed". Once delisted, the source's prices
    for it are no longer current (`PriceStore.current`); it is listed again
    when it comes back.
    """

    __tablename__ = "source_models"

    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    model_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    missing_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    missed: Mapped[int] = mapped_column(Integer, default=0)
    delisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class HeldSnapshotRow(Base):
    """A snapshot held back as suspect: kept (compressed) for a person to read, never recorded."""

    __tablename__ = "source_held_snapshots"
    __table_args__ = (UniqueConstraint("source", "digest", name="uq_source_held_digest"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(64), index=True)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    times_seen: Mapped[int] = mapped_column(Integer, default=1)
    reason: Mapped[str] = mapped_column(Text)
    model_count: Mapped[int] = mapped_column(Integer, default=0)
    # sha256 of the body, so the same bad body fetched every hour is kept once.
    digest: Mapped[str] = mapped_column(String(64))
    location: Mapped[str | None] = mapped_column(Text)
    body_gzip: Mapped[bytes | None] = mapped_column(LargeBinary)


class PendingConfirmationRow(Base):
    """An alarming change (free, a cut past the threshold) seen once, awaiting a second poll."""

    __tablename__ = "source_pending"

    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    model_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    # What exactly changed (type, kind, tier, new amount): a second poll must say the same.
    fingerprint: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
