"""Fan-out in SQL: events × subscriptions → alert items → deliveries, set-based.

One `apply` call is one transaction: it matches a batch of events against every
subscription with INSERT … SELECT (no Python loop over subscriptions), applies the
target and saved-question evaluations the caller made, seals what is due into
deliveries (one per chat), and moves the cursor. A crash anywhere rolls it all
back, so the batch is simply done again: nothing lost, nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Engine,
    Numeric,
    and_,
    bindparam,
    case,
    cast,
    false,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement, Select

from storage.alert_tables import (
    AlertCursorRow,
    AlertItemRow,
    ChatRow,
    DeliveryRow,
    SubscriptionRow,
)
from storage.alert_values import (
    ChatSettings,
    DeliveryStatus,
    FanoutResult,
    Mode,
    QuestionOutcome,
    SubscriptionKind,
    TargetOutcome,
)
from storage.recording import event_from
from storage.subscriptions import chat_settings
from storage.tables import ModelRow, PriceEventRow
from storage.types import UTCDateTime
from storage.values import PriceEvent, require_utc

FANOUT_CURSOR = "fanout"


def _number(expr: Any) -> ColumnElement[Any]:
    """Compare amounts as numbers: SQLite keeps them as exact text, PostgreSQL as NUMERIC."""
    return cast(expr, Numeric())


def _insert(session: Session, table: Any) -> Any:
    """INSERT with ON CONFLICT support on either database."""
    core = table.__table__
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(core)
    return sqlite.insert(core)


def _count(session: Session, statement: Any) -> int:
    """Run an INSERT … SELECT and say how many rows it wrote (kept on every driver)."""
    result = session.connection().execute(statement.execution_options(preserve_rowcount=True))
    return int(result.rowcount or 0)


class AlertMatcher:
    """The fan-out's database side: its cursor, matching, sealing, digests."""

    def __init__(self, engine: Engine, *, target_cooldown: timedelta = timedelta(hours=24)) -> None:
        self.engine = engine
        self.target_cooldown = target_cooldown

    # ---- the cursor ------------------------------------------------------------

    def cursor(self) -> int | None:
        """The last event id the fan-out has handled; None before its first run."""
        with Session(self.engine) as session:
            row = session.get(AlertCursorRow, FANOUT_CURSOR)
            return row.last_event_id if row else None

    def start_cursor(self, *, now: datetime, at: int | None = None) -> int:
        """Create the cursor at the end of the log (or `at`), so a first start never alerts
        on what happened before it; an existing cursor is left alone."""
        with Session(self.engine) as session, session.begin():
            row = session.get(AlertCursorRow, FANOUT_CURSOR)
            if row is not None:
                return row.last_event_id
            last = at if at is not None else session.scalar(select(func.max(PriceEventRow.id)))
            session.add(
                AlertCursorRow(
                    name=FANOUT_CURSOR, last_event_id=last or 0, updated_at=require_utc(now)
                )
            )
            return last or 0

    def pending(self, *, limit: int = 500) -> tuple[int, list[PriceEvent]]:
        """The cursor and the events after it (history included: the cursor passes them)."""
        with Session(self.engine) as session:
            row = session.get(AlertCursorRow, FANOUT_CURSOR)
            after = row.last_event_id if row else 0
            rows = session.scalars(
                select(PriceEventRow)
                .where(PriceEventRow.id > after)
                .order_by(PriceEventRow.id)
                .limit(limit)
            )
            return after, [event_from(r) for r in rows]

    # ---- one fan-out step ------------------------------------------------------

    def apply(
        self,
        *,
        after: int,
        events: Sequence[PriceEvent],
        now: datetime,
        seal: str,
        targets: Sequence[TargetOutcome] = (),
        questions: Sequence[QuestionOutcome] = (),
    ) -> FanoutResult | None:
        """Match `events` (the ones after cursor `after`), apply the evaluations, seal
        due items into deliveries, move the cursor. None when another fan-out moved the
        cursor first (nothing is written then)."""
        now = require_utc(now)
        if not events:
            return FanoutResult(0, 0, 0, after)
        upto = max(e.id or 0 for e in events)
        with Session(self.engine) as session, session.begin():
            cursor = session.scalar(
                select(AlertCursorRow).where(AlertCursorRow.name == FANOUT_CURSOR).with_for_update()
            )
            if cursor is None:
                cursor = AlertCursorRow(name=FANOUT_CURSOR, last_event_id=0, updated_at=now)
                session.add(cursor)
                session.flush()
            if cursor.last_event_id != after:
                return None
            items = self._match_changes(session, after, upto, now, seal)
            for target in targets:
                items += self._apply_target(session, target, now, seal)
            for question in questions:
                items += self._apply_question(session, question, now, seal)
            deliveries = _seal_deliveries(session, seal, now, kind="alert")
            cursor.last_event_id = upto
            cursor.updated_at = now
        return FanoutResult(len(events), items, deliveries, upto)

    def _match_changes(
        self, session: Session, after: int, upto: int, now: datetime, seal: str
    ) -> int:
        e, m, s, c = PriceEventRow, ModelRow, SubscriptionRow, ChatRow
        now_param = bindparam("now", now, type_=UTCDateTime())
        due = _due(now_param)
        wanted = or_(
            and_(e.type == "cut", _number(e.percent) >= _number(s.min_cut_percent)),
            and_(e.type == "free", s.on_free.is_(True)),
            and_(e.type == "increase", s.on_increase.is_(True)),
            and_(e.type == "paid_again", or_(s.on_increase.is_(True), s.on_free_ending.is_(True))),
            and_(e.type == "free_ending", s.on_free_ending.is_(True)),
            and_(e.type == "new_model", s.on_new_model.is_(True)),
        )
        common = [
            e.id > after,
            e.id <= upto,
            e.history.is_(False),
            s.kind == SubscriptionKind.CHANGES.value,
            s.active.is_(True),
            c.active.is_(True),
            wanted,
        ]

        def matches(scope: ColumnElement[bool]) -> Select[Any]:
            return (
                select(
                    s.chat_pk.label("chat_pk"),
                    e.id.label("event_id"),
                    s.id.label("sub_id"),
                    due.label("due"),
                )
                .select_from(e)
                .join(m, m.id == e.model_id)
                .join(s, scope)
                .join(c, c.id == s.chat_pk)
                .where(*common)
            )

        # Three joins the indexes can serve, rather than one join on an OR.
        every = union_all(
            matches(s.scope_kind == "all"),
            matches(and_(s.scope_kind == "vendor", s.scope_value == m.vendor_id)),
            matches(and_(s.scope_kind == "model", s.scope_value == e.model_id)),
        ).subquery()
        first_due = func.min(every.c.due)
        grouped = select(
            every.c.chat_pk,
            every.c.event_id,
            literal(0),
            literal("change"),
            func.min(every.c.sub_id),
            first_due,
            case((first_due <= now_param, literal(seal)), else_=None),
            now_param,
        ).group_by(every.c.chat_pk, every.c.event_id)
        insert = (
            _insert(session, AlertItemRow)
            .from_select(
                [
                    "chat_pk",
                    "event_id",
                    "note_sub",
                    "reason",
                    "subscription_id",
                    "due_at",
                    "seal",
                    "created_at",
                ],
                grouped,
            )
            .on_conflict_do_nothing()
        )
        return _count(session, insert)

    def _noted_items(
        self,
        session: Session,
        reason: str,
        where: list[ColumnElement[bool]],
        event_id: int,
        detail: str,
        now: datetime,
        seal: str,
    ) -> int:
        """Items for target or saved-question subscriptions: one per subscription."""
        s, c = SubscriptionRow, ChatRow
        now_param = bindparam("now", now, type_=UTCDateTime())
        due = _due(now_param)
        chosen = (
            select(
                s.chat_pk,
                literal(event_id),
                s.id,
                literal(reason),
                s.id,
                due,
                case((due <= now_param, literal(seal)), else_=None),
                literal(detail),
                s.last_signature,
                now_param,
            )
            .select_from(s)
            .join(c, c.id == s.chat_pk)
            .where(s.active.is_(True), c.active.is_(True), *where)
        )
        insert = (
            _insert(session, AlertItemRow)
            .from_select(
                [
                    "chat_pk",
                    "event_id",
                    "note_sub",
                    "reason",
                    "subscription_id",
                    "due_at",
                    "seal",
                    "detail",
                    "previous",
                    "created_at",
                ],
                chosen,
            )
            .on_conflict_do_nothing()
        )
        return _count(session, insert)

    def _apply_target(
        self, session: Session, target: TargetOutcome, now: datetime, seal: str
    ) -> int:
        s = SubscriptionRow
        group = [s.kind == SubscriptionKind.TARGET.value, s.group_key == target.group_key]
        if target.best_amount is None:
            # Nothing in scope has a price: nothing is met, so every target may re-arm.
            session.execute(update(s).where(*group, s.armed.is_(False)).values(armed=True))
            return 0
        best = _number(literal(format(target.best_amount, "f")))
        met = _number(s.target_amount) >= best
        ready = [
            *group,
            s.active.is_(True),
            s.armed.is_(True),
            met,
            or_(s.rearm_not_before.is_(None), s.rearm_not_before <= now),
        ]
        count = self._noted_items(
            session, "target", ready, target.event_id, target.detail, now, seal
        )
        session.execute(
            update(s)
            .where(*ready)
            .values(armed=False, fired_at=now, rearm_not_before=now + self.target_cooldown)
            .execution_options(synchronize_session=False)
        )
        # Back above the target: armed again (the cooldown still has to pass to fire).
        session.execute(
            update(s)
            .where(*group, s.armed.is_(False), _number(s.target_amount) < best)
            .values(armed=True)
            .execution_options(synchronize_session=False)
        )
        return count

    def _apply_question(
        self, session: Session, question: QuestionOutcome, now: datetime, seal: str
    ) -> int:
        s = SubscriptionRow
        group = [s.kind == SubscriptionKind.QUESTION.value, s.group_key == question.group_key]
        changed = [
            *group,
            s.last_signature.is_not(None),
            s.last_signature != question.signature,
        ]
        count = self._noted_items(
            session, "question", changed, question.event_id, question.detail, now, seal
        )
        session.execute(
            update(s)
            .where(
                *group,
                or_(s.last_signature.is_(None), s.last_signature != question.signature),
            )
            .values(last_signature=question.signature)
            .execution_options(synchronize_session=False)
        )
        return count

    # ---- digests ---------------------------------------------------------------

    def seal_due(self, *, now: datetime, seal: str) -> int:
        """Items whose time has come (a digest's hour) become one delivery per chat."""
        now = require_utc(now)
        with Session(self.engine) as session, session.begin():
            session.execute(
                update(AlertItemRow)
                .where(AlertItemRow.seal.is_(None), AlertItemRow.due_at <= now)
                .values(seal=seal)
                .execution_options(synchronize_session=False)
            )
            return _seal_deliveries(session, seal, now, kind="digest")

    def digests_due(self, *, now: datetime) -> list[ChatSettings]:
        """Chats whose next digest time has passed (it must move to the next day)."""
        with Session(self.engine) as session:
            rows = session.scalars(
                select(ChatRow).where(
                    ChatRow.next_digest_at.is_not(None), ChatRow.next_digest_at <= require_utc(now)
                )
            )
            return [chat_settings(r) for r in rows]

    def set_next_digest(self, moments: dict[int, datetime]) -> None:
        """Move chats' next digest times (chat pk → next time)."""
        if not moments:
            return
        with Session(self.engine) as session, session.begin():
            for pk, moment in moments.items():
                session.execute(
                    update(ChatRow)
                    .where(ChatRow.id == pk)
                    .values(next_digest_at=require_utc(moment))
                )

    def target_groups(self) -> list[dict[str, Any]]:
        """The distinct target criteria of active targets (evaluated once each)."""
        s = SubscriptionRow
        with Session(self.engine) as session:
            rows = session.execute(
                select(
                    s.group_key,
                    s.scope_kind,
                    s.scope_value,
                    s.target_basis,
                    s.target_currency,
                    s.target_min_context,
                    s.target_mix_input,
                    s.target_mix_output,
                )
                .where(s.kind == SubscriptionKind.TARGET.value, s.active.is_(True))
                .distinct()
            ).mappings()
            return [dict(r) for r in rows]

    def question_groups(self) -> list[dict[str, Any]]:
        """The distinct saved questions of active subscriptions (evaluated once each)."""
        s = SubscriptionRow
        with Session(self.engine) as session:
            rows = session.execute(
                select(
                    s.group_key,
                    s.question,
                    s.target_currency,
                    s.target_mix_input,
                    s.target_mix_output,
                )
                .where(s.kind == SubscriptionKind.QUESTION.value, s.active.is_(True))
                .distinct()
            ).mappings()
            # Questions that differ only in spacing or case share a key: keep one each.
            seen: dict[str, dict[str, Any]] = {}
            for row in rows:
                seen.setdefault(row["group_key"], dict(row))
            return list(seen.values())


def _due(now_param: Any) -> ColumnElement[Any]:
    """When an item for subscription `s` of chat `c` is due: now, or the chat's digest."""
    s, c = SubscriptionRow, ChatRow
    return case(
        (
            and_(
                s.mode == Mode.DIGEST.value,
                c.next_digest_at.is_not(None),
                c.next_digest_at > now_param,
            ),
            c.next_digest_at,
        ),
        else_=now_param,
    )


def _seal_deliveries(session: Session, seal: str, now: datetime, *, kind: str) -> int:
    """One pending delivery per chat for every item stamped with `seal`."""
    now_param = bindparam("now", now, type_=UTCDateTime())
    chats = (
        select(
            AlertItemRow.chat_pk,
            literal(seal),
            literal(kind),
            literal(DeliveryStatus.PENDING.value),
            literal(0),
            now_param,
            false(),
            now_param,
        )
        .where(AlertItemRow.seal == seal, true())
        .distinct()
    )
    # A seal is new to every fan-out and digest run, so (seal, chat) cannot clash:
    # a plain INSERT, without ON CONFLICT's per-row speculative insertion.
    insert = _insert(session, DeliveryRow).from_select(
        [
            "chat_pk",
            "seal",
            "kind",
            "status",
            "attempts",
            "next_attempt_at",
            "held",
            "created_at",
        ],
        chats,
    )
    return _count(session, insert)


__all__ = ["FANOUT_CURSOR", "AlertMatcher"]
