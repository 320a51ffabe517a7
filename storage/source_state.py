"""What pricebot remembers about each price source between polls.

Status (last success, last error, validators for conditional requests, what
was left out), every offer each source has listed (and whether it still does),
held-back snapshots and alarming changes waiting for confirmation all live in
the database, so a restart forgets nothing and several processes sharing
PostgreSQL agree.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Engine, func, or_, select, text
from sqlalchemy.orm import Session, undefer

from storage.source_listings import (
    DelistRule,
    Listing,
    ListingPlan,
    apply_plan,
    listing_from,
    plan_listings,
)
from storage.source_tables import (
    HeldSnapshotRow,
    PendingConfirmationRow,
    SourceModelRow,
    SourceStatusRow,
)
from storage.source_values import (
    HeldSnapshot,
    LeftOut,
    LeftOutEntry,
    PendingConfirmation,
    SourceOutcome,
    SourceStatus,
)
from storage.values import require_utc

# Names kept per kind of left-out entry: enough to read, bounded for a huge feed.
LEFT_OUT_NAMES = 2000


def _status_from(
    row: SourceStatusRow, pending: int, pending_since: datetime | None = None
) -> SourceStatus:
    return SourceStatus(
        name=row.name,
        location=row.location,
        first_success_at=row.first_success_at,
        last_attempt_at=row.last_attempt_at,
        last_success_at=row.last_success_at,
        last_error_at=row.last_error_at,
        last_error=row.last_error,
        consecutive_failures=row.consecutive_failures,
        model_count=row.model_count,
        etag=row.etag,
        last_modified=row.last_modified,
        last_outcome=SourceOutcome(row.last_outcome) if row.last_outcome else None,
        last_message=row.last_message,
        held_back_count=row.held_back_count,
        pending=pending,
        pending_since=pending_since,
        not_modified_count=row.not_modified_count or 0,
        skipped_count=row.skipped_count or 0,
        rejected_count=row.rejected_count or 0,
        content_key=row.content_key,
    )


def _lock_key(name: str) -> int:
    """A stable signed 64-bit key for PostgreSQL's advisory locks."""
    digest = hashlib.sha256(f"pricebot:source:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class SourceState:
    """Reads and writes the sources' state over one engine (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # ---- reading -------------------------------------------------------------

    def status(self, name: str) -> SourceStatus | None:
        """One source's status, or None when it was never fetched."""
        with Session(self.engine) as session:
            row = session.get(SourceStatusRow, name)
            if row is None:
                return None
            pending, since = session.execute(
                select(func.count(), func.min(PendingConfirmationRow.first_seen_at)).where(
                    PendingConfirmationRow.source == name
                )
            ).one()
            return _status_from(row, pending or 0, since)

    def statuses(self) -> dict[str, SourceStatus]:
        """Every source that was ever fetched, by name."""
        with Session(self.engine) as session:
            pending = {
                source: (count, since)
                for source, count, since in session.execute(
                    select(
                        PendingConfirmationRow.source,
                        func.count(),
                        func.min(PendingConfirmationRow.first_seen_at),
                    ).group_by(PendingConfirmationRow.source)
                )
            }
            return {
                row.name: _status_from(row, *pending.get(row.name, (0, None)))
                for row in session.scalars(select(SourceStatusRow).order_by(SourceStatusRow.name))
            }

    def left_out(self, name: str) -> LeftOut:
        """The entries the source's last accepted snapshot left out or refused, named."""
        with Session(self.engine) as session:
            row = session.get(SourceStatusRow, name, options=[undefer(SourceStatusRow.left_out)])
            if row is None:
                return LeftOut()
            named = json.loads(row.left_out) if row.left_out else {}
            return LeftOut(
                skipped=tuple((str(e), str(r)) for e, r in named.get("skipped", ())),
                rejected=tuple((str(e), str(r)) for e, r in named.get("rejected", ())),
                skipped_count=row.skipped_count or 0,
                rejected_count=row.rejected_count or 0,
            )

    def members(self, name: str) -> set[str]:
        """The offers of the source's last accepted snapshot (listed, none missing).

        What the "vanished at once" guard compares a new snapshot with.
        """
        with Session(self.engine) as session:
            return set(
                session.scalars(
                    select(SourceModelRow.model_id).where(
                        SourceModelRow.source == name,
                        SourceModelRow.delisted_at.is_(None),
                        SourceModelRow.missed == 0,
                    )
                )
            )

    def listings_of(self, source: str) -> dict[str, Listing]:
        """Every offer the recorded source ever listed (delisted ones too), by offer id."""
        # Column tuples, not ORM objects: a big feed's listings are read on every poll.
        columns = (
            SourceModelRow.model_id,
            SourceModelRow.first_seen_at,
            SourceModelRow.last_seen_at,
            SourceModelRow.missing_since,
            SourceModelRow.missed,
            SourceModelRow.delisted_at,
        )
        with Session(self.engine) as session:
            return {
                model_id: Listing(source, model_id, first, last, missing, missed or 0, delisted)
                for model_id, first, last, missing, missed, delisted in session.execute(
                    select(*columns).where(SourceModelRow.source == source)
                )
            }

    def listings(self, model_id: str) -> list[Listing]:
        """Which sources list (or listed) an offer, and since when; for `prices show`."""
        with Session(self.engine) as session:
            return [
                listing_from(row)
                for row in session.scalars(
                    select(SourceModelRow)
                    .where(SourceModelRow.model_id == model_id)
                    .order_by(SourceModelRow.source)
                )
            ]

    def recorded_sources(self, name: str) -> list[str]:
        """The sources a refresh of `name` records under: itself, or `name:<catalog>`."""
        with Session(self.engine) as session:
            return list(
                session.scalars(
                    select(SourceModelRow.source)
                    .where(
                        or_(
                            SourceModelRow.source == name,
                            SourceModelRow.source.startswith(f"{name}:", autoescape=True),
                        )
                    )
                    .distinct()
                    .order_by(SourceModelRow.source)
                )
            )

    def pending(self, name: str) -> dict[str, PendingConfirmation]:
        """Alarming changes of this source waiting for a second poll, by model."""
        with Session(self.engine) as session:
            return {
                row.model_id: PendingConfirmation(
                    row.model_id,
                    row.fingerprint,
                    row.description,
                    row.first_seen_at,
                    row.last_seen_at,
                )
                for row in session.scalars(
                    select(PendingConfirmationRow)
                    .where(PendingConfirmationRow.source == name)
                    .order_by(PendingConfirmationRow.model_id)
                )
            }

    def held(self, name: str | None = None, limit: int = 20) -> list[HeldSnapshot]:
        """Held-back snapshots, newest first."""
        query = select(HeldSnapshotRow).order_by(
            HeldSnapshotRow.last_seen_at.desc(), HeldSnapshotRow.id.desc()
        )
        if name is not None:
            query = query.where(HeldSnapshotRow.source == name)
        with Session(self.engine) as session:
            return [
                HeldSnapshot(
                    r.id,
                    r.source,
                    r.held_at,
                    r.last_seen_at,
                    r.times_seen,
                    r.reason,
                    r.model_count,
                    r.digest,
                    r.location,
                )
                for r in session.scalars(query.limit(limit))
            ]

    def held_body(self, held_id: int) -> bytes | None:
        with Session(self.engine) as session:
            row = session.get(HeldSnapshotRow, held_id)
            if row is None or row.body_gzip is None:
                return None
            return gzip.decompress(row.body_gzip)

    # ---- writing -------------------------------------------------------------

    def _row(self, session: Session, name: str) -> SourceStatusRow:
        row = session.get(SourceStatusRow, name)
        if row is None:
            row = SourceStatusRow(
                name=name, consecutive_failures=0, model_count=0, held_back_count=0
            )
            session.add(row)
        return row

    def record_failure(
        self, name: str, now: datetime, error: str, *, location: str | None = None
    ) -> SourceStatus:
        """A fetch or parse failed: count it; the last good data stays as it was."""
        now = require_utc(now, "now")
        with Session(self.engine) as session, session.begin():
            row = self._row(session, name)
            row.location = location or row.location
            row.last_attempt_at = now
            row.last_error_at = now
            row.last_error = error
            row.consecutive_failures = (row.consecutive_failures or 0) + 1
            row.last_outcome = SourceOutcome.FAILED.value
            row.last_message = error
            session.flush()
            return _status_from(row, 0)

    def record_outcome(
        self,
        name: str,
        now: datetime,
        outcome: SourceOutcome,
        message: str,
        *,
        location: str | None = None,
    ) -> None:
        """A refresh that ended without data to accept (busy elsewhere): say so."""
        now = require_utc(now, "now")
        with Session(self.engine) as session, session.begin():
            row = self._row(session, name)
            row.location = location or row.location
            row.last_attempt_at = now
            row.last_outcome = outcome.value
            row.last_message = message

    def unchanged_listings(self, name: str, now: datetime, rule: DelistRule) -> ListingPlan:
        """What the last accepted snapshot, said again (a 304), does to the listings.

        The server vouched for what we accepted last: its offers were seen now, the
        ones missing from it are missed once more (and may now be delisted).
        """
        listings = self.listings_of(name)
        return plan_listings(
            listings,
            [m for m, listing in listings.items() if listing.in_last_snapshot],
            source=name,
            seen_at=now,
            now=now,
            rule=rule,
        )

    def record_not_modified(
        self,
        name: str,
        now: datetime,
        message: str,
        *,
        listings: ListingPlan | None = None,
        location: str | None = None,
    ) -> None:
        """The server answered 304: nothing is written to the price store.

        It counts as a success (and is counted); `listings` is from
        `unchanged_listings`.
        """
        now = require_utc(now, "now")
        with Session(self.engine) as session, session.begin():
            row = self._row(session, name)
            row.location = location or row.location
            row.last_attempt_at = now
            row.last_success_at = now
            row.consecutive_failures = 0
            row.not_modified_count = (row.not_modified_count or 0) + 1
            row.last_outcome = SourceOutcome.NOT_MODIFIED.value
            row.last_message = message
            if listings is not None:
                apply_plan(session, listings)

    def record_held(
        self,
        name: str,
        now: datetime,
        *,
        reason: str,
        model_count: int,
        body: bytes | None,
        location: str | None = None,
        message: str | None = None,
    ) -> None:
        """Quarantine a suspect snapshot: keep it (once per distinct body) and count it.

        `message` is the status line (default: the reason).
        """
        now = require_utc(now, "now")
        digest = hashlib.sha256(body if body is not None else reason.encode()).hexdigest()
        with Session(self.engine) as session, session.begin():
            row = self._row(session, name)
            row.location = location or row.location
            row.last_attempt_at = now
            row.held_back_count = (row.held_back_count or 0) + 1
            row.last_outcome = SourceOutcome.HELD_BACK.value
            row.last_message = message or reason
            held = session.scalar(
                select(HeldSnapshotRow).where(
                    HeldSnapshotRow.source == name, HeldSnapshotRow.digest == digest
                )
            )
            if held is None:
                session.add(
                    HeldSnapshotRow(
                        source=name,
                        held_at=now,
                        last_seen_at=now,
                        times_seen=1,
                        reason=reason,
                        model_count=model_count,
                        digest=digest,
                        location=location,
                        body_gzip=gzip.compress(body) if body is not None else None,
                    )
                )
            else:
                held.last_seen_at = now
                held.times_seen += 1
                held.reason = reason

    def record_success(
        self,
        name: str,
        now: datetime,
        *,
        outcome: SourceOutcome,
        message: str,
        listings: ListingPlan | None = None,
        members: Iterable[str] | None = None,
        members_of: str | None = None,
        model_count: int | None = None,
        pending: Mapping[str, tuple[str, str]] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        location: str | None = None,
        skipped: Iterable[LeftOutEntry] = (),
        rejected: Iterable[LeftOutEntry] = (),
        content_key: str | None = None,
    ) -> None:
        """An accepted snapshot: status, its listings, and what still awaits confirmation.

        `listings` (from `plan_listings`) is applied to the source it names (a
        catalog records under `catalog:<its name>`); or give the snapshot's
        `members`, kept under `members_of` (default `name`) with the default
        delisting rule. `model_count` defaults to the number listed. `pending` maps each offer
        whose alarming change still waits to (fingerprint, description); every
        other pending row of the source is dropped (confirmed and recorded, or
        gone from the feed). `skipped` and `rejected` name what the snapshot left
        out, kept until the next accepted snapshot.
        """
        now = require_utc(now, "now")
        skipped, rejected = list(skipped), list(rejected)
        if listings is None and members is not None:
            source = members_of or name
            listings = plan_listings(
                self.listings_of(source),
                members,
                source=source,
                seen_at=now,
                now=now,
                rule=DelistRule(),
            )
        with Session(self.engine) as session, session.begin():
            row = self._row(session, name)
            row.location = location or row.location
            row.first_success_at = row.first_success_at or now
            row.last_attempt_at = now
            row.last_success_at = now
            row.consecutive_failures = 0
            if model_count is None:
                model_count = len(listings.listed) if listings is not None else 0
            row.model_count = model_count
            row.etag = etag
            row.last_modified = last_modified
            row.content_key = content_key
            row.last_outcome = outcome.value
            row.last_message = message
            row.skipped_count = len(skipped)
            row.rejected_count = len(rejected)
            row.left_out = (
                json.dumps(
                    {
                        "skipped": skipped[:LEFT_OUT_NAMES],
                        "rejected": rejected[:LEFT_OUT_NAMES],
                    },
                    ensure_ascii=False,
                )
                if skipped or rejected
                else None
            )
            if listings is not None:
                apply_plan(session, listings)
            self._set_pending(session, name, now, pending or {})

    def _set_pending(
        self, session: Session, name: str, now: datetime, pending: Mapping[str, tuple[str, str]]
    ) -> None:
        rows = {
            r.model_id: r
            for r in session.scalars(
                select(PendingConfirmationRow).where(PendingConfirmationRow.source == name)
            )
        }
        for model_id, stale in rows.items():
            if model_id not in pending:
                session.delete(stale)
        for model_id, (fingerprint, description) in pending.items():
            row = rows.get(model_id)
            if row is None:
                session.add(
                    PendingConfirmationRow(
                        source=name,
                        model_id=model_id,
                        fingerprint=fingerprint,
                        description=description,
                        first_seen_at=now,
                        last_seen_at=now,
                    )
                )
            elif row.fingerprint != fingerprint:
                # A different alarming change: the clock starts again.
                row.fingerprint, row.description = fingerprint, description
                row.first_seen_at = row.last_seen_at = now
            else:
                row.last_seen_at = now

    @contextmanager
    def exclusive(self, name: str) -> Iterator[bool]:
        """Whether this process may refresh `name` now.

        On PostgreSQL an advisory lock makes one process of many refresh a
        source at a time; SQLite serves one process and always says yes.
        """
        if self.engine.dialect.name != "postgresql":
            yield True
            return
        with self.engine.connect() as conn:
            # Advisory locks are database-wide; mixing in the schema keeps two
            # deployments (or test runs) in separate schemas of one database apart.
            schema = conn.execute(text("SELECT current_schema()")).scalar() or ""
            key = _lock_key(f"{schema}:{name}")
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
            conn.commit()
            try:
                yield got
            finally:
                if got:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()
