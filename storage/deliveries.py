"""The outbox: claiming due deliveries, recording what happened, and looking at them.

Claims are one UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING: atomic on
SQLite, and on PostgreSQL the inner SELECT takes `FOR UPDATE SKIP LOCKED`, so
dispatchers in several processes never claim the same delivery. A claim is a
lease: a dispatcher that dies holding one leaves it to be claimed again when the
lease ends (the only way a message can go out twice).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Engine, Table, and_, bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from storage.alert_tables import AlertItemRow, ChatRow, DeliveryRow
from storage.alert_values import (
    AlertItem,
    ChatKey,
    ClaimedDelivery,
    DeliveryRecord,
    DeliveryStatus,
)
from storage.recording import event_from
from storage.subscriptions import _deactivate, chat_settings
from storage.tables import PriceEventRow, PricePointRow
from storage.values import PriceEvent, require_utc

_D = cast(Table, DeliveryRow.__table__)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one claimed delivery; the dispatcher records these in batches.

    status: sent | retry | hold | dead | gone | release | empty
    """

    delivery_id: int
    status: str
    chat_pk: int = 0
    at: datetime | None = None
    error: str | None = None
    message_id: str | None = None
    # A retry after a failed try counts toward giving up; a retry-after does not.
    counts: bool = True


class DeliveryStore:
    """The outbox over one engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def claim(
        self,
        *,
        worker: str,
        now: datetime,
        platforms: Iterable[str],
        limit: int = 200,
        lease: timedelta = timedelta(minutes=5),
    ) -> list[ClaimedDelivery]:
        """Take up to `limit` due deliveries for `platforms`; several due for one chat
        are merged into one (events due together go out as one message)."""
        now = require_utc(now)
        platforms = list(platforms)
        if not platforms:
            return []
        with Session(self.engine) as session, session.begin():
            due = (
                select(DeliveryRow.id)
                .join(ChatRow, ChatRow.id == DeliveryRow.chat_pk)
                .where(
                    or_(
                        and_(
                            DeliveryRow.status == DeliveryStatus.PENDING.value,
                            DeliveryRow.next_attempt_at <= now,
                        ),
                        and_(
                            DeliveryRow.status == DeliveryStatus.SENDING.value,
                            DeliveryRow.lease_until <= now,
                        ),
                    ),
                    ChatRow.platform.in_(platforms),
                )
                .order_by(DeliveryRow.next_attempt_at, DeliveryRow.id)
                .limit(limit)
            )
            if session.get_bind().dialect.name == "postgresql":
                due = due.with_for_update(skip_locked=True, of=DeliveryRow)
            claimed = session.execute(
                update(DeliveryRow)
                .where(DeliveryRow.id.in_(due.scalar_subquery()))
                .values(
                    status=DeliveryStatus.SENDING.value,
                    claimed_by=worker,
                    lease_until=now + lease,
                )
                .returning(
                    DeliveryRow.id,
                    DeliveryRow.chat_pk,
                    DeliveryRow.seal,
                    DeliveryRow.kind,
                    DeliveryRow.attempts,
                )
                .execution_options(synchronize_session=False)
            ).all()
            if not claimed:
                return []
            by_chat: defaultdict[int, list[Any]] = defaultdict(list)
            for row in sorted(claimed, key=lambda r: r.id):
                by_chat[row.chat_pk].append(row)
            keep = []
            for chat_pk, rows in by_chat.items():
                first, rest = rows[0], rows[1:]
                if rest:
                    session.execute(
                        update(AlertItemRow)
                        .where(
                            AlertItemRow.chat_pk == chat_pk,
                            AlertItemRow.seal.in_([r.seal for r in rest]),
                        )
                        .values(seal=first.seal)
                        .execution_options(synchronize_session=False)
                    )
                    session.execute(
                        update(DeliveryRow)
                        .where(DeliveryRow.id.in_([r.id for r in rest]))
                        .values(status=DeliveryStatus.MERGED.value, lease_until=None)
                        .execution_options(synchronize_session=False)
                    )
                kinds = {r.kind for r in rows}
                keep.append((first, "digest" if kinds == {"digest"} else "alert"))
            chats = {
                row.id: chat_settings(row)
                for row in session.scalars(select(ChatRow).where(ChatRow.id.in_(list(by_chat))))
            }
            items: defaultdict[tuple[int, str], list[AlertItem]] = defaultdict(list)
            seals = [first.seal for first, _ in keep]
            for item in session.scalars(
                select(AlertItemRow)
                .where(AlertItemRow.seal.in_(seals), AlertItemRow.chat_pk.in_(list(by_chat)))
                .order_by(AlertItemRow.event_id, AlertItemRow.id)
            ):
                assert item.seal is not None
                items[(item.chat_pk, item.seal)].append(
                    AlertItem(
                        event_id=item.event_id,
                        reason=item.reason,
                        subscription_id=item.subscription_id,
                        detail=item.detail,
                        previous=item.previous,
                    )
                )
            return [
                ClaimedDelivery(
                    id=first.id,
                    chat=chats[first.chat_pk],
                    kind=kind,
                    attempts=first.attempts,
                    items=tuple(items[(first.chat_pk, first.seal)]),
                )
                for first, kind in keep
            ]

    def renew(self, *, worker: str, now: datetime, lease: timedelta) -> int:
        """Extend the lease on everything `worker` still holds (a long, rate-limited batch)."""
        with Session(self.engine) as session, session.begin():
            result = session.execute(
                update(DeliveryRow)
                .where(
                    DeliveryRow.claimed_by == worker,
                    DeliveryRow.status == DeliveryStatus.SENDING.value,
                )
                .values(lease_until=require_utc(now) + lease)
                .execution_options(synchronize_session=False)
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def holders(self) -> list[str]:
        """Workers holding claims right now."""
        with Session(self.engine) as session:
            return sorted(
                w
                for w in session.scalars(
                    select(DeliveryRow.claimed_by)
                    .where(DeliveryRow.status == DeliveryStatus.SENDING.value)
                    .distinct()
                )
                if w
            )

    def release(self, workers: Iterable[str]) -> int:
        """Give back what dead workers held, so it is sent now rather than when leases end."""
        workers = list(workers)
        if not workers:
            return 0
        with Session(self.engine) as session, session.begin():
            result = session.execute(
                update(DeliveryRow)
                .where(
                    DeliveryRow.claimed_by.in_(workers),
                    DeliveryRow.status == DeliveryStatus.SENDING.value,
                )
                .values(status=DeliveryStatus.PENDING.value, claimed_by=None, lease_until=None)
                .execution_options(synchronize_session=False)
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def finish(self, outcomes: Sequence[Outcome], *, worker: str, now: datetime) -> None:
        """Record outcomes of claimed deliveries, in one transaction."""
        if not outcomes:
            return
        now = require_utc(now)
        mine = [_D.c.id == bindparam("b_id"), _D.c.claimed_by == worker]
        sending = _D.c.status == DeliveryStatus.SENDING.value
        groups: defaultdict[str, list[Outcome]] = defaultdict(list)
        for outcome in outcomes:
            groups[outcome.status].append(outcome)
        with Session(self.engine) as session, session.begin():
            conn = session.connection()
            if groups["sent"]:
                conn.execute(
                    update(_D)
                    .where(*mine, sending)
                    .values(
                        status=DeliveryStatus.SENT.value,
                        attempts=_D.c.attempts + 1,
                        sent_at=now,
                        lease_until=None,
                        held=False,
                        message_id=bindparam("b_message"),
                    ),
                    [{"b_id": o.delivery_id, "b_message": o.message_id} for o in groups["sent"]],
                )
            for status in ("dead", "empty"):
                if groups[status]:
                    conn.execute(
                        update(_D)
                        .where(*mine, sending)
                        .values(
                            status=status,
                            attempts=_D.c.attempts + (1 if status == "dead" else 0),
                            lease_until=None,
                            last_error=bindparam("b_error"),
                        ),
                        [{"b_id": o.delivery_id, "b_error": o.error} for o in groups[status]],
                    )
            for status in ("retry", "hold", "release"):
                if groups[status]:
                    conn.execute(
                        update(_D)
                        .where(*mine, sending)
                        .values(
                            status=DeliveryStatus.PENDING.value,
                            attempts=_D.c.attempts + bindparam("b_count"),
                            next_attempt_at=bindparam("b_at"),
                            held=status == "hold",
                            lease_until=None,
                            claimed_by=None,
                            last_error=bindparam("b_error"),
                        ),
                        [
                            {
                                "b_id": o.delivery_id,
                                "b_count": 1 if (status == "retry" and o.counts) else 0,
                                "b_at": require_utc(o.at or now),
                                "b_error": o.error,
                            }
                            for o in groups[status]
                        ],
                    )
            if groups["gone"]:
                conn.execute(
                    update(_D)
                    .where(*mine, sending)
                    .values(
                        status=DeliveryStatus.GONE.value,
                        attempts=_D.c.attempts + 1,
                        lease_until=None,
                        last_error=bindparam("b_error"),
                    ),
                    [{"b_id": o.delivery_id, "b_error": o.error} for o in groups["gone"]],
                )
                _deactivate(session, sorted({o.chat_pk for o in groups["gone"]}))

    # ---- what the dispatcher needs to write a message ------------------------------

    def events(self, ids: Iterable[int]) -> dict[int, PriceEvent]:
        """Events by id."""
        wanted = sorted(set(ids))
        result: dict[int, PriceEvent] = {}
        with Session(self.engine) as session:
            for start in range(0, len(wanted), 500):
                chunk = wanted[start : start + 500]
                for row in session.scalars(
                    select(PriceEventRow).where(PriceEventRow.id.in_(chunk))
                ):
                    result[row.id] = event_from(row)
        return result

    def citations(self, events: Iterable[PriceEvent]) -> dict[int, str]:
        """The citation or URL of the price point behind each event, where there is one."""
        result: dict[int, str] = {}
        with Session(self.engine) as session:
            for event in events:
                if event.id is None:
                    continue
                where = [
                    PricePointRow.model_id == event.model_id,
                    PricePointRow.effective_at == event.effective_at,
                    PricePointRow.source == event.source,
                ]
                if event.kind is not None:
                    where += [
                        PricePointRow.kind == event.kind.value,
                        PricePointRow.tier == event.tier,
                    ]
                ref = session.scalar(
                    select(PricePointRow.source_ref)
                    .where(*where, PricePointRow.source_ref.is_not(None))
                    # An event without a kind (a new model) cites its base-tier price.
                    .order_by(PricePointRow.tier, PricePointRow.id.desc())
                    .limit(1)
                )
                if ref:
                    result[event.id] = ref
        return result

    # ---- looking at the outbox ---------------------------------------------------

    def counts(self) -> dict[tuple[str, str], int]:
        """(platform, status) → number of deliveries."""
        with Session(self.engine) as session:
            rows = session.execute(
                select(ChatRow.platform, DeliveryRow.status, func.count())
                .join(ChatRow, ChatRow.id == DeliveryRow.chat_pk)
                .group_by(ChatRow.platform, DeliveryRow.status)
            )
            return {(platform, status): int(n) for platform, status, n in rows}

    def records(
        self, *, statuses: Iterable[str] | None = None, limit: int = 50
    ) -> list[DeliveryRecord]:
        """Deliveries, newest first, optionally of some statuses only."""
        events = (
            select(AlertItemRow.chat_pk, AlertItemRow.seal, func.count().label("n"))
            .group_by(AlertItemRow.chat_pk, AlertItemRow.seal)
            .subquery()
        )
        query = (
            select(DeliveryRow, ChatRow, events.c.n)
            .join(ChatRow, ChatRow.id == DeliveryRow.chat_pk)
            .outerjoin(
                events,
                and_(events.c.chat_pk == DeliveryRow.chat_pk, events.c.seal == DeliveryRow.seal),
            )
            .order_by(DeliveryRow.id.desc())
            .limit(limit)
        )
        if statuses is not None:
            query = query.where(DeliveryRow.status.in_(list(statuses)))
        with Session(self.engine) as session:
            return [
                DeliveryRecord(
                    id=d.id,
                    chat=ChatKey(c.platform, c.chat_id, c.team_id),
                    status=d.status,
                    kind=d.kind,
                    attempts=d.attempts,
                    events=int(n or 0),
                    created_at=d.created_at,
                    next_attempt_at=d.next_attempt_at,
                    sent_at=d.sent_at,
                    last_error=d.last_error,
                )
                for d, c, n in session.execute(query)
            ]

    def statuses(self, ids: Iterable[int]) -> dict[int, str]:
        """The status of each delivery among `ids` that exists (absent ids are missing)."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        with Session(self.engine) as session:
            rows = session.execute(
                select(DeliveryRow.id, DeliveryRow.status).where(DeliveryRow.id.in_(wanted))
            )
            return {int(i): str(status) for i, status in rows}

    def retry_dead(self, *, now: datetime, ids: Iterable[int] | None = None) -> int:
        """Put dead letters back in the queue with a fresh count of tries."""
        where = [DeliveryRow.status == DeliveryStatus.DEAD.value]
        if ids is not None:
            where.append(DeliveryRow.id.in_(list(ids)))
        with Session(self.engine) as session, session.begin():
            result = session.execute(
                update(DeliveryRow)
                .where(*where)
                .values(
                    status=DeliveryStatus.PENDING.value,
                    attempts=0,
                    next_attempt_at=require_utc(now),
                    claimed_by=None,
                    lease_until=None,
                )
                .execution_options(synchronize_session=False)
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def owed(self) -> int:
        """Deliveries still to send (pending or being sent) to active chats."""
        with Session(self.engine) as session:
            return int(
                session.scalar(
                    select(func.count())
                    .select_from(DeliveryRow)
                    .join(ChatRow, ChatRow.id == DeliveryRow.chat_pk)
                    .where(
                        DeliveryRow.status.in_(
                            [DeliveryStatus.PENDING.value, DeliveryStatus.SENDING.value]
                        ),
                        ChatRow.active.is_(True),
                    )
                )
                or 0
            )

    def next_due(self, *, platforms: Iterable[str]) -> datetime | None:
        """When the earliest pending delivery for `platforms` is due, if any."""
        with Session(self.engine) as session:
            return session.scalar(
                select(func.min(DeliveryRow.next_attempt_at))
                .join(ChatRow, ChatRow.id == DeliveryRow.chat_pk)
                .where(
                    DeliveryRow.status == DeliveryStatus.PENDING.value,
                    ChatRow.platform.in_(list(platforms)),
                )
            )
