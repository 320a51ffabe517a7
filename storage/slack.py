"""What the Slack front-end keeps in the database besides slack-sdk's installations.

- `slack_threads`: the first alert about a model in a channel, so follow-ups about
  the same model go into its thread (across restarts and across processes).
- `slack_seen_events`: Events API ids already handled, so Slack's retries of an
  event (`X-Slack-Retry-Num`) are done once, whichever process they reach.

slack-sdk's own tables (`slack_installations`, `slack_bots`, `slack_oauth_states`)
are created by migration 0004 and used through slack-sdk's SQLAlchemy stores.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, String, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.tables import Base
from storage.types import UTCDateTime
from storage.values import require_utc


class SlackThreadRow(Base):
    """The message that opened a thread about `thread_key` (e.g. a model) in one channel."""

    __tablename__ = "slack_threads"

    team_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    thread_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    ts: Mapped[str] = mapped_column(String(32))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SlackSeenEventRow(Base):
    """An Events API event_id that has been handled."""

    __tablename__ = "slack_seen_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class SlackStore:
    """Threads and seen events; synchronous (async callers use asyncio.to_thread)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def thread(
        self, team_id: str, channel_id: str, thread_key: str, *, since: datetime
    ) -> str | None:
        """The ts of the thread about `thread_key` opened at or after `since`, if any."""
        require_utc(since)
        with Session(self.engine) as session:
            row = session.get(SlackThreadRow, (team_id, channel_id, thread_key))
            if row is None or row.posted_at < since:
                return None
            return row.ts

    def remember_thread(
        self, team_id: str, channel_id: str, thread_key: str, ts: str, *, now: datetime
    ) -> None:
        """Make `ts` the thread for `thread_key` in this channel from `now` on."""
        require_utc(now)
        with Session(self.engine) as session, session.begin():
            session.merge(
                SlackThreadRow(
                    team_id=team_id,
                    channel_id=channel_id,
                    thread_key=thread_key,
                    ts=ts,
                    posted_at=now,
                )
            )

    def first_sight(self, event_id: str, *, now: datetime) -> bool:
        """Record `event_id`; True the first time it is seen, False for a retry."""
        require_utc(now)
        try:
            with Session(self.engine) as session, session.begin():
                session.add(SlackSeenEventRow(event_id=event_id, seen_at=now))
        except IntegrityError:
            return False
        return True

    def forget_events_before(self, cutoff: datetime) -> int:
        """Drop seen event ids older than `cutoff` (Slack retries within minutes)."""
        require_utc(cutoff)
        with Session(self.engine) as session, session.begin():
            result = session.execute(
                delete(SlackSeenEventRow).where(SlackSeenEventRow.seen_at < cutoff)
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def seen_count(self) -> int:
        """How many event ids are remembered (for tests and metrics)."""
        with Session(self.engine) as session:
            return len(session.scalars(select(SlackSeenEventRow.event_id)).all())
