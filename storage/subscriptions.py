"""SubscriptionStore: chats, their settings and their subscriptions.

A chat sees and changes only its own subscriptions: every method that reads or
removes subscriptions takes the chat's key and filters by it in SQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.alert_tables import AlertItemRow, ChatRow, DeliveryRow, SubscriptionRow
from storage.alert_values import (
    Basis,
    ChatKey,
    ChatSettings,
    DeliveryStatus,
    Mode,
    QuietMode,
    ScopeKind,
    Subscription,
    SubscriptionKind,
    SubscriptionSpec,
)
from storage.values import require_utc

# Chat settings a caller may change; anything else is refused.
CHAT_FIELDS = frozenset(
    {
        "chat_type",
        "currency",
        "mix_input",
        "mix_output",
        "timezone",
        "quiet_start",
        "quiet_end",
        "quiet_mode",
        "muted_until",
        "digest_minute",
        "next_digest_at",
        "default_question",
        "language",
    }
)
# Changing these may end a hold early, so held deliveries are looked at again.
_RELEASES_HOLDS = frozenset({"timezone", "quiet_start", "quiet_end", "quiet_mode", "muted_until"})
# What `touch_chat` records as a chat's platform language.
PLATFORM_LANGUAGES = frozenset({"en", "zh"})
_OPEN = (DeliveryStatus.PENDING.value, DeliveryStatus.SENDING.value)


def chat_settings(row: ChatRow) -> ChatSettings:
    return ChatSettings(
        pk=row.id,
        key=ChatKey(row.platform, row.chat_id, row.team_id),
        chat_type=row.chat_type,
        active=row.active,
        currency=row.currency,
        mix_input=row.mix_input,
        mix_output=row.mix_output,
        timezone=row.timezone,
        quiet_start=row.quiet_start,
        quiet_end=row.quiet_end,
        quiet_mode=QuietMode(row.quiet_mode),
        muted_until=row.muted_until,
        digest_minute=row.digest_minute,
        next_digest_at=row.next_digest_at,
        default_question=row.default_question,
        language=row.language,
        platform_language=row.platform_language,
    )


def _subscription(row: SubscriptionRow) -> Subscription:
    spec = SubscriptionSpec(
        kind=SubscriptionKind(row.kind),
        scope=ScopeKind(row.scope_kind),
        scope_value=row.scope_value,
        min_cut_percent=row.min_cut_percent,
        on_free=row.on_free,
        on_increase=row.on_increase,
        on_new_model=row.on_new_model,
        on_free_ending=row.on_free_ending,
        mode=Mode(row.mode),
        target_amount=row.target_amount,
        target_currency=row.target_currency,
        target_basis=Basis(row.target_basis),
        target_min_context=row.target_min_context,
        target_mix_input=row.target_mix_input,
        target_mix_output=row.target_mix_output,
        question=row.question,
    )
    return Subscription(
        id=row.id,
        chat_pk=row.chat_pk,
        spec=spec,
        active=row.active,
        created_at=row.created_at,
        armed=row.armed,
        fired_at=row.fired_at,
        last_signature=row.last_signature,
    )


def _spec_columns(spec: SubscriptionSpec) -> dict[str, Any]:
    return {
        "kind": spec.kind.value,
        "scope_kind": spec.scope.value,
        "scope_value": spec.scope_value,
        "min_cut_percent": spec.min_cut_percent,
        "on_free": spec.on_free,
        "on_increase": spec.on_increase,
        "on_new_model": spec.on_new_model,
        "on_free_ending": spec.on_free_ending,
        "mode": spec.mode.value,
        "target_amount": spec.target_amount,
        "target_currency": spec.target_currency,
        "target_basis": spec.target_basis.value,
        "target_min_context": spec.target_min_context,
        "target_mix_input": spec.target_mix_input,
        "target_mix_output": spec.target_mix_output,
        "question": spec.question,
        "group_key": spec.group_key(),
    }


class SubscriptionStore:
    """Chats and subscriptions over one engine (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine, *, default_currency: str = "CNY") -> None:
        self.engine = engine
        self.default_currency = default_currency

    # ---- chats ---------------------------------------------------------------

    def _row(self, session: Session, key: ChatKey) -> ChatRow | None:
        return session.scalar(
            select(ChatRow).where(
                ChatRow.platform == key.platform,
                ChatRow.team_id == key.team_id,
                ChatRow.chat_id == key.chat_id,
            )
        )

    def get_chat(self, key: ChatKey) -> ChatSettings | None:
        """The chat's settings, or None when it never spoke to the bot."""
        with Session(self.engine) as session:
            row = self._row(session, key)
            return chat_settings(row) if row else None

    def touch_chat(
        self,
        key: ChatKey,
        *,
        now: datetime,
        chat_type: str | None = None,
        language: str | None = None,
    ) -> ChatSettings:
        """The chat, created with default settings on first contact; a chat that speaks
        to the bot is reachable again, so an inactive one becomes active.

        `language` ('en'/'zh'): the platform's language of the person speaking, kept as
        the chat's `platform_language` when it has none yet (the first one known wins).
        """
        if language is not None and language not in PLATFORM_LANGUAGES:
            raise ValueError(f"not a language: {language!r} (expected 'en' or 'zh')")
        now = require_utc(now)
        for _ in range(2):  # a concurrent first contact may win the insert; read it then
            try:
                with Session(self.engine) as session, session.begin():
                    row = self._row(session, key)
                    if row is None:
                        row = ChatRow(
                            platform=key.platform,
                            chat_id=key.chat_id,
                            team_id=key.team_id,
                            chat_type=chat_type or "private",
                            active=True,
                            currency=self.default_currency,
                            mix_input=3,
                            mix_output=1,
                            timezone="UTC",
                            quiet_mode=QuietMode.HOLD.value,
                            platform_language=language,
                            created_at=now,
                            updated_at=now,
                        )
                        session.add(row)
                        session.flush()
                    else:
                        if not row.active:
                            row.active = True
                            row.updated_at = now
                        if chat_type and row.chat_type != chat_type:
                            row.chat_type = chat_type
                        if language and row.platform_language is None:
                            # Only where still unset: a concurrent first contact in the
                            # other language may have been recorded meanwhile.
                            session.execute(
                                update(ChatRow)
                                .where(ChatRow.id == row.id, ChatRow.platform_language.is_(None))
                                .values(platform_language=language)
                                .execution_options(synchronize_session=False)
                            )
                            session.refresh(row, ["platform_language"])
                    return chat_settings(row)
            except IntegrityError:
                continue
        raise RuntimeError(f"could not create chat {key}")

    def update_chat(self, key: ChatKey, *, now: datetime, **changes: Any) -> ChatSettings:
        """Change a chat's settings (creating the chat if needed); returns the new settings."""
        unknown = set(changes) - CHAT_FIELDS
        if unknown:
            raise ValueError(f"not chat settings: {', '.join(sorted(unknown))}")
        self.touch_chat(key, now=now)
        with Session(self.engine) as session, session.begin():
            row = self._row(session, key)
            assert row is not None
            for name, value in changes.items():
                setattr(row, name, value.value if hasattr(value, "value") else value)
            row.updated_at = require_utc(now)
            if _RELEASES_HOLDS & set(changes):
                # A held delivery is looked at again now; if still held it is held again.
                session.execute(
                    update(DeliveryRow)
                    .where(
                        DeliveryRow.chat_pk == row.id,
                        DeliveryRow.status == DeliveryStatus.PENDING.value,
                        DeliveryRow.held.is_(True),
                    )
                    .values(next_attempt_at=require_utc(now), held=False)
                )
            session.flush()
            return chat_settings(row)

    def deactivate_chat(self, key: ChatKey) -> bool:
        """Mark a chat unreachable (blocked the bot, deleted): no more alerts, none owed."""
        with Session(self.engine) as session, session.begin():
            row = self._row(session, key)
            if row is None:
                return False
            _deactivate(session, [row.id])
            return True

    def deactivate_team(self, platform: str, team_id: str) -> int:
        """A workspace uninstalled the app: its chats and subscriptions stop; returns how
        many subscriptions were deactivated."""
        with Session(self.engine) as session, session.begin():
            chat_pks = list(
                session.scalars(
                    select(ChatRow.id).where(
                        ChatRow.platform == platform, ChatRow.team_id == team_id
                    )
                )
            )
            if not chat_pks:
                return 0
            result = session.execute(
                update(SubscriptionRow)
                .where(SubscriptionRow.chat_pk.in_(chat_pks), SubscriptionRow.active.is_(True))
                .values(active=False)
            )
            _deactivate(session, chat_pks)
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def move_chat(self, key: ChatKey, new_chat_id: str, *, now: datetime) -> ChatSettings | None:
        """The chat has a new id (a Telegram group became a supergroup): its
        subscriptions and owed deliveries follow it. Returns the chat under its new id."""
        now = require_utc(now)
        new_key = ChatKey(key.platform, new_chat_id, key.team_id)
        with Session(self.engine) as session, session.begin():
            old = self._row(session, key)
            if old is None:
                return None
            target = self._row(session, new_key)
            if target is None:
                old.chat_id = new_chat_id
                old.updated_at = now
                session.flush()
                return chat_settings(old)
            _merge_chat(session, old.id, target.id)
            old.active = False
            target.active = True
            target.updated_at = now
            session.flush()
            return chat_settings(target)

    # ---- subscriptions -------------------------------------------------------

    def add(
        self,
        key: ChatKey,
        spec: SubscriptionSpec,
        *,
        now: datetime,
        created_by: str | None = None,
        armed: bool = True,
        last_signature: str | None = None,
    ) -> tuple[Subscription, bool]:
        """Add a subscription; an identical active one is returned instead (False)."""
        chat = self.touch_chat(key, now=now)
        columns = _spec_columns(spec)
        with Session(self.engine) as session, session.begin():
            same = [getattr(SubscriptionRow, k) == v for k, v in columns.items() if v is not None]
            nulls = [getattr(SubscriptionRow, k).is_(None) for k, v in columns.items() if v is None]
            existing = session.scalar(
                select(SubscriptionRow).where(
                    SubscriptionRow.chat_pk == chat.pk,
                    SubscriptionRow.active.is_(True),
                    and_(*same, *nulls),
                )
            )
            if existing is not None:
                return _subscription(existing), False
            row = SubscriptionRow(
                chat_pk=chat.pk,
                **columns,
                armed=armed,
                fired_at=None if armed else require_utc(now),
                last_signature=last_signature,
                active=True,
                created_at=require_utc(now),
                created_by=created_by,
            )
            session.add(row)
            session.flush()
            return _subscription(row), True

    def list_for(self, key: ChatKey) -> list[Subscription]:
        """The chat's active subscriptions, oldest first."""
        with Session(self.engine) as session:
            rows = session.scalars(
                select(SubscriptionRow)
                .join(ChatRow, ChatRow.id == SubscriptionRow.chat_pk)
                .where(
                    ChatRow.platform == key.platform,
                    ChatRow.team_id == key.team_id,
                    ChatRow.chat_id == key.chat_id,
                    SubscriptionRow.active.is_(True),
                )
                .order_by(SubscriptionRow.id)
            )
            return [_subscription(r) for r in rows]

    def remove(
        self,
        key: ChatKey,
        *,
        ids: Iterable[int] | None = None,
        scope: tuple[ScopeKind, str] | None = None,
    ) -> list[Subscription]:
        """Remove this chat's subscriptions by id, by scope, or all (neither given).
        Ids of other chats' subscriptions are ignored. Returns what was removed."""
        with Session(self.engine) as session, session.begin():
            chat = self._row(session, key)
            if chat is None:
                return []
            where = [SubscriptionRow.chat_pk == chat.id, SubscriptionRow.active.is_(True)]
            if ids is not None:
                where.append(SubscriptionRow.id.in_(list(ids)))
            if scope is not None:
                where += [
                    SubscriptionRow.scope_kind == scope[0].value,
                    SubscriptionRow.scope_value == scope[1],
                ]
            rows = list(session.scalars(select(SubscriptionRow).where(*where)))
            for row in rows:
                row.active = False
            return [_subscription(r) for r in rows]

    def set_mode(self, key: ChatKey, mode: Mode) -> int:
        """Switch every price-change subscription of the chat to instant or digest."""
        with Session(self.engine) as session, session.begin():
            chat = self._row(session, key)
            if chat is None:
                return 0
            result = session.execute(
                update(SubscriptionRow)
                .where(SubscriptionRow.chat_pk == chat.id, SubscriptionRow.active.is_(True))
                .values(mode=mode.value)
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def release_waiting(self, key: ChatKey, *, now: datetime) -> int:
        """Items waiting for this chat's digest become due now (the digest was turned off)."""
        with Session(self.engine) as session, session.begin():
            chat = self._row(session, key)
            if chat is None:
                return 0
            result = session.execute(
                update(AlertItemRow)
                .where(AlertItemRow.chat_pk == chat.id, AlertItemRow.seal.is_(None))
                .values(due_at=require_utc(now))
                .execution_options(synchronize_session=False)
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def chats_with_subscriptions(
        self, platform: str, team_id: str, chat_ids: Iterable[str]
    ) -> set[str]:
        """Which of `chat_ids` (in one workspace) have active subscriptions (the Slack Home)."""
        wanted = list(dict.fromkeys(chat_ids))
        found: set[str] = set()
        with Session(self.engine) as session:
            for start in range(0, len(wanted), 500):
                found.update(
                    session.scalars(
                        select(ChatRow.chat_id)
                        .join(SubscriptionRow, SubscriptionRow.chat_pk == ChatRow.id)
                        .where(
                            ChatRow.platform == platform,
                            ChatRow.team_id == team_id,
                            ChatRow.chat_id.in_(wanted[start : start + 500]),
                            ChatRow.active.is_(True),
                            SubscriptionRow.active.is_(True),
                        )
                        .distinct()
                    )
                )
        return found

    def count(self) -> int:
        """Active subscriptions of active chats, across all chats."""
        from sqlalchemy import func

        with Session(self.engine) as session:
            return int(
                session.scalar(
                    select(func.count())
                    .select_from(SubscriptionRow)
                    .join(ChatRow, ChatRow.id == SubscriptionRow.chat_pk)
                    .where(SubscriptionRow.active.is_(True), ChatRow.active.is_(True))
                )
                or 0
            )


def _deactivate(session: Session, chat_pks: list[int]) -> None:
    """Chats stop: owed deliveries to them will never go, and say so."""
    session.execute(update(ChatRow).where(ChatRow.id.in_(chat_pks)).values(active=False))
    session.execute(
        update(DeliveryRow)
        .where(DeliveryRow.chat_pk.in_(chat_pks), DeliveryRow.status.in_(_OPEN))
        .values(status=DeliveryStatus.GONE.value, last_error="chat is no longer reachable")
    )


def _merge_chat(session: Session, old_pk: int, target_pk: int) -> None:
    """Move subscriptions, owed items and deliveries of `old_pk` onto `target_pk`."""
    session.execute(
        update(SubscriptionRow).where(SubscriptionRow.chat_pk == old_pk).values(chat_pk=target_pk)
    )
    # An event both chats are owed is owed once: drop the old chat's copy.
    target_items = select(AlertItemRow.event_id).where(AlertItemRow.chat_pk == target_pk)
    old_items = list(
        session.scalars(
            select(AlertItemRow).where(
                AlertItemRow.chat_pk == old_pk, AlertItemRow.event_id.in_(target_items)
            )
        )
    )
    for item in old_items:
        session.delete(item)
    session.flush()
    session.execute(
        update(AlertItemRow).where(AlertItemRow.chat_pk == old_pk).values(chat_pk=target_pk)
    )
    # Deliveries are (seal, chat) unique: one the target already has for a seal absorbs ours.
    target_seals = select(DeliveryRow.seal).where(DeliveryRow.chat_pk == target_pk)
    session.execute(
        update(DeliveryRow)
        .where(DeliveryRow.chat_pk == old_pk, DeliveryRow.seal.in_(target_seals))
        .values(status=DeliveryStatus.MERGED.value)
    )
    session.execute(
        update(DeliveryRow)
        .where(DeliveryRow.chat_pk == old_pk, DeliveryRow.status != DeliveryStatus.MERGED.value)
        .values(chat_pk=target_pk)
    )
