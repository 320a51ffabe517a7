"""Which offers each source lists, and when one stops: the bookkeeping of `source_models`.

`plan_listings` (pure) takes a source's listings and the members of an accepted
snapshot and says what changes; `SourceState.record_success` writes it with
`apply_plan`. An offer
that leaves a feed is not a price change: it is *missing* for a while (a feed
that drops an entry for one fetch is not believed at once), then *delisted*
once absent from the last `DelistRule.snapshots` accepted snapshots and for at
least `DelistRule.after`; its delisting is dated from when it went missing.
Delisted, the source's prices for it are no longer current; listed again when
it comes back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from storage.bulk import insert_rows
from storage.source_tables import SourceModelRow
from storage.values import require_utc


@dataclass(frozen=True, slots=True)
class Listing:
    """One source's word on one offer: listed since when, last seen when, missing or delisted.

    `last_seen_at` is the moment the source last described the offer as listed
    (a live feed: the fetch; a catalog: the date it describes).
    """

    source: str
    model_id: str
    first_seen_at: datetime
    last_seen_at: datetime | None
    missing_since: datetime | None = None
    missed: int = 0
    delisted_at: datetime | None = None

    @property
    def delisted(self) -> bool:
        return self.delisted_at is not None

    @property
    def in_last_snapshot(self) -> bool:
        """In the source's last accepted snapshot (neither missing nor delisted)."""
        return self.delisted_at is None and self.missed == 0


@dataclass(frozen=True, slots=True)
class DelistRule:
    """When an offer missing from its source counts as delisted: both must hold."""

    # Absent from at least this many accepted snapshots in a row …
    snapshots: int = 3
    # … and for at least this long since the first one without it.
    after: timedelta = timedelta(days=2)

    def describe(self) -> str:
        days = self.after / timedelta(days=1)
        span = f"{days:g} days" if days >= 1 else f"{self.after.total_seconds():g} s"
        return f"delisted once absent from {self.snapshots} snapshots and for {span}"


@dataclass(frozen=True, slots=True)
class ListingPlan:
    """What one accepted snapshot changes in one source's listings."""

    source: str
    seen_at: datetime
    # Every member of the snapshot: last seen now, no longer missing or delisted.
    listed: frozenset[str]
    # Members the source never listed before.
    added: tuple[str, ...] = ()
    # Members that had been delisted, with the date they were delisted.
    relisted: Mapping[str, datetime] = field(default_factory=dict)
    # Absent and not (yet) delisted, after this snapshot: model → (missed, missing since).
    missing: Mapping[str, tuple[int, datetime]] = field(default_factory=dict)
    # Delisted by this snapshot: model → delisted_at (when it went missing).
    delisted: Mapping[str, datetime] = field(default_factory=dict)


def plan_listings(
    current: Mapping[str, Listing],
    members: Iterable[str],
    *,
    source: str,
    seen_at: datetime,
    now: datetime,
    rule: DelistRule,
) -> ListingPlan:
    """What an accepted snapshot listing `members` does to the source's `current` listings.

    `seen_at` is the moment the snapshot describes (`now` for a live feed);
    the time rule is measured to `now`, so a catalog dated long ago is delisted
    by its snapshot count alone.
    """
    seen_at = require_utc(seen_at, "seen_at")
    now = require_utc(now, "now")
    listed = frozenset(members)
    relisted = {
        m: listing.delisted_at
        for m in sorted(listed)
        if (listing := current.get(m)) is not None and listing.delisted_at is not None
    }
    missing: dict[str, tuple[int, datetime]] = {}
    delisted: dict[str, datetime] = {}
    for model_id in sorted(set(current) - listed):
        listing = current[model_id]
        if listing.delisted_at is not None:
            continue
        missed = listing.missed + 1
        since = listing.missing_since or seen_at
        if missed >= rule.snapshots and now - since >= rule.after:
            delisted[model_id] = since
        missing[model_id] = (missed, since)
    return ListingPlan(
        source=source,
        seen_at=seen_at,
        listed=listed,
        added=tuple(sorted(listed - set(current))),
        relisted=relisted,
        missing=missing,
        delisted=delisted,
    )


def listing_from(row: SourceModelRow) -> Listing:
    return Listing(
        source=row.source,
        model_id=row.model_id,
        first_seen_at=row.first_seen_at,
        last_seen_at=row.last_seen_at,
        missing_since=row.missing_since,
        missed=row.missed or 0,
        delisted_at=row.delisted_at,
    )


def apply_plan(session: Session, plan: ListingPlan) -> None:
    """Write a listing plan: a few bulk statements, whatever the size of the feed."""
    rows = SourceModelRow
    listed = sorted(plan.listed)
    for start in range(0, len(listed), 500):
        session.execute(
            update(rows)
            .where(rows.source == plan.source, rows.model_id.in_(listed[start : start + 500]))
            .values(last_seen_at=plan.seen_at, missed=0, missing_since=None, delisted_at=None)
            .execution_options(synchronize_session=False)
        )
    if plan.added:
        insert_rows(
            session,
            rows,
            [
                {
                    "source": plan.source,
                    "model_id": model_id,
                    "first_seen_at": plan.seen_at,
                    "last_seen_at": plan.seen_at,
                    "missed": 0,
                }
                for model_id in plan.added
            ],
        )
    for model_id, (missed, since) in plan.missing.items():
        session.execute(
            update(rows)
            .where(rows.source == plan.source, rows.model_id == model_id)
            .values(missed=missed, missing_since=since, delisted_at=plan.delisted.get(model_id))
            .execution_options(synchronize_session=False)
        )
