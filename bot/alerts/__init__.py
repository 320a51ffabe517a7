"""Alerts: fan-out from the event log, the outbox, the dispatcher, and the Notifier port."""

from bot.alerts.notifier import (
    ChatGone,
    ChatMoved,
    Notifier,
    NotifierError,
    Outgoing,
    RetryAfter,
    Sent,
    TemporaryFailure,
)

__all__ = [
    "ChatGone",
    "ChatMoved",
    "Notifier",
    "NotifierError",
    "Outgoing",
    "RetryAfter",
    "Sent",
    "TemporaryFailure",
]
