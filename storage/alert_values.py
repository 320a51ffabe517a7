"""Value types of subscriptions, chats and deliveries. Pure: no I/O, no clock.

`storage` never imports `bot`, so a chat is named here by plain strings
(platform, chat id, team id) rather than by the chat layer's ChatRef.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class ScopeKind(StrEnum):
    """What a subscription watches: every model, one vendor's models, or one model."""

    ALL = "all"
    VENDOR = "vendor"
    MODEL = "model"


class SubscriptionKind(StrEnum):
    """Price changes (cuts, free, …), a target price, or a saved question."""

    CHANGES = "changes"
    TARGET = "target"
    QUESTION = "question"


class Mode(StrEnum):
    """Send at once, or collect into the chat's daily digest."""

    INSTANT = "instant"
    DIGEST = "digest"


class QuietMode(StrEnum):
    """What happens to alerts due in quiet hours: held to their end, or sent silently."""

    HOLD = "hold"
    SILENT = "silent"


class Basis(StrEnum):
    """Which price a target compares: the chat's input:output blend, input, or output."""

    BLENDED = "blended"
    INPUT = "input"
    OUTPUT = "output"


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # owed; due at next_attempt_at
    SENDING = "sending"  # claimed by a dispatcher until lease_until
    SENT = "sent"
    DEAD = "dead"  # gave up after the set number of tries: the dead letter
    GONE = "gone"  # the chat blocked the bot or no longer exists
    MERGED = "merged"  # its events went out in another delivery to the same chat
    EMPTY = "empty"  # nothing left to say (its events went in another message)


@dataclass(frozen=True, slots=True)
class ChatKey:
    """One chat on one platform; `team_id` is the Slack workspace, '' elsewhere."""

    platform: str
    chat_id: str
    team_id: str = ""


@dataclass(frozen=True, slots=True)
class ChatSettings:
    """A chat and its settings, as stored."""

    pk: int
    key: ChatKey
    chat_type: str
    active: bool
    currency: str
    mix_input: int
    mix_output: int
    timezone: str
    # Minutes after local midnight; both None when the chat has no quiet hours.
    quiet_start: int | None
    quiet_end: int | None
    quiet_mode: QuietMode
    muted_until: datetime | None
    # Local minutes after midnight of the daily digest; None means the default hour.
    digest_minute: int | None
    next_digest_at: datetime | None
    default_question: str | None = None
    # 'en' or 'zh' as the chat chose (/settings language); None when it never chose.
    language: str | None = None
    # 'en' or 'zh' as the platform reported it for the person who set the chat up (the
    # first with a known language); None when unknown. `language` wins over it.
    platform_language: str | None = None


@dataclass(frozen=True, slots=True)
class SubscriptionSpec:
    """What a chat asks to be told about; the store gives it an id."""

    kind: SubscriptionKind = SubscriptionKind.CHANGES
    scope: ScopeKind = ScopeKind.ALL
    # Vendor id or model id; '' for everything.
    scope_value: str = ""
    min_cut_percent: Decimal = Decimal(10)
    on_free: bool = True
    on_increase: bool = False
    on_new_model: bool = False
    on_free_ending: bool = False
    mode: Mode = Mode.INSTANT
    # Target price: fire when the cheapest match is at or below this amount per 1M.
    target_amount: Decimal | None = None
    target_currency: str | None = None
    target_basis: Basis = Basis.BLENDED
    target_min_context: int | None = None
    target_mix_input: int = 3
    target_mix_output: int = 1
    # Saved question: fire when its answer changes.
    question: str | None = None

    def group_key(self) -> str | None:
        """Subscriptions with one key are evaluated together (targets and questions)."""
        if self.kind is SubscriptionKind.TARGET:
            return (
                f"target|{self.scope}|{self.scope_value}|{self.target_min_context or 0}|"
                f"{self.target_basis}|{self.target_currency}|"
                f"{self.target_mix_input}:{self.target_mix_output}"
            )
        if self.kind is SubscriptionKind.QUESTION:
            text = " ".join((self.question or "").lower().split())
            return (
                f"question|{self.target_currency}|{self.target_mix_input}:"
                f"{self.target_mix_output}|{text}"
            )[:300]
        return None


@dataclass(frozen=True, slots=True)
class Subscription:
    """A stored subscription of one chat."""

    id: int
    chat_pk: int
    spec: SubscriptionSpec
    active: bool
    created_at: datetime
    armed: bool = True
    fired_at: datetime | None = None
    last_signature: str | None = None


@dataclass(frozen=True, slots=True)
class TargetOutcome:
    """One evaluation of a target group: the cheapest model in scope and its price."""

    group_key: str
    # None when no model in scope has the needed price.
    best_amount: Decimal | None
    model_id: str | None
    # The event this evaluation answers (links the alert to the change that caused it).
    event_id: int
    detail: str = ""


@dataclass(frozen=True, slots=True)
class QuestionOutcome:
    """One evaluation of a saved question: its answer's signature and a summary."""

    group_key: str
    signature: str
    event_id: int
    detail: str = ""


@dataclass(frozen=True, slots=True)
class FanoutResult:
    """What one fan-out step did."""

    events: int
    items: int
    deliveries: int
    cursor: int


@dataclass(frozen=True, slots=True)
class AlertItem:
    """One event owed to one chat inside a delivery, and why."""

    event_id: int
    reason: str  # change | target | question
    subscription_id: int
    detail: str | None = None
    previous: str | None = None


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    """A delivery a dispatcher holds: where to send it and what it is about."""

    id: int
    chat: ChatSettings
    kind: str
    attempts: int
    items: tuple[AlertItem, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """A delivery as `pricebot deliveries` shows it."""

    id: int
    chat: ChatKey
    status: str
    kind: str
    attempts: int
    events: int
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None
    last_error: str | None
