"""The sources' state as values: outcomes, status, what was left out, what waits, what was held.

Pure data; `storage.source_state.SourceState` reads and writes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class _HeldBodies(Protocol):
    def held_body(self, held_id: int) -> bytes | None: ...


class SourceOutcome(StrEnum):
    """How one refresh of a source ended."""

    RECORDED = "recorded"
    UNCHANGED = "unchanged"
    NOT_MODIFIED = "not_modified"
    HELD_BACK = "held_back"
    FAILED = "failed"
    BUSY = "busy"


@dataclass(frozen=True, slots=True)
class SourceStatus:
    """A source's state as `pricebot sources status` shows it."""

    name: str
    location: str | None
    first_success_at: datetime | None
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str | None
    consecutive_failures: int
    model_count: int
    etag: str | None
    last_modified: str | None
    last_outcome: SourceOutcome | None
    last_message: str | None
    held_back_count: int
    pending: int = 0
    # When the oldest change still awaiting confirmation was first seen.
    pending_since: datetime | None = None
    # Fetches answered 304 Not Modified, in all.
    not_modified_count: int = 0
    # Entries of the last accepted snapshot left out on purpose, and refused.
    skipped_count: int = 0
    rejected_count: int = 0
    # What the last accepted snapshot said, as a key (a digest of its body, or a bundled
    # dataset's version): the same key again means the feed has not changed.
    content_key: str | None = None


# An entry of a feed left out or refused, and why: (entry, reason).
LeftOutEntry = tuple[str, str]


@dataclass(frozen=True, slots=True)
class LeftOut:
    """What the last accepted snapshot of a source did not record, named."""

    skipped: tuple[LeftOutEntry, ...] = ()
    rejected: tuple[LeftOutEntry, ...] = ()
    # Names are kept up to this many of each; the counts are always whole.
    skipped_count: int = 0
    rejected_count: int = 0


@dataclass(frozen=True, slots=True)
class PendingConfirmation:
    """An alarming change seen once; recorded only when a later poll says the same."""

    model_id: str
    fingerprint: str
    description: str
    first_seen_at: datetime
    last_seen_at: datetime


@dataclass(frozen=True, slots=True)
class HeldSnapshot:
    """A snapshot that was held back, and why."""

    id: int
    source: str
    held_at: datetime
    last_seen_at: datetime
    times_seen: int
    reason: str
    model_count: int
    digest: str
    location: str | None

    def body(self, state: _HeldBodies) -> bytes | None:
        """The held body as fetched, when one was kept."""
        return state.held_body(self.id)
