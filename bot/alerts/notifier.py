"""The Notifier port: how the dispatcher sends a Reply to a chat on one platform.

Each platform adapter provides one. It translates errors into the few outcomes
the dispatcher acts on; it never retries or sleeps itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.messages import ChatRef, Platform, Reply


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message owed to one chat."""

    chat: ChatRef
    reply: Reply
    # Send without a notification sound (quiet hours set to "silent").
    silent: bool = False
    # Slack: follow-ups about the same model go into this message's thread.
    thread_key: str | None = None


@dataclass(frozen=True, slots=True)
class Sent:
    """What the platform answered: its id for the message, when it gives one."""

    message_id: str | None = None


class NotifierError(Exception):
    """A send that did not succeed; subclasses say what the dispatcher should do."""


class RetryAfter(NotifierError):
    """The platform asks us to wait `seconds` (Telegram RetryAfter, Slack 429).

    About the one chat sent to, unless `bot_wide` (the platform said the limit is the
    bot's or the workspace's): then every send to the platform waits.
    """

    def __init__(self, seconds: float, *, bot_wide: bool = False) -> None:
        super().__init__(f"retry after {seconds}s" + (" (bot-wide)" if bot_wide else ""))
        self.seconds = seconds
        self.bot_wide = bot_wide


class ChatGone(NotifierError):
    """The chat will never accept messages: blocked, kicked, not found, archived, revoked."""


class ChatMoved(NotifierError):
    """The chat has a new id (a Telegram group became a supergroup)."""

    def __init__(self, new_chat_id: str) -> None:
        super().__init__(f"chat moved to {new_chat_id}")
        self.new_chat_id = new_chat_id


class TemporaryFailure(NotifierError):
    """Anything else that may work later: 5xx, timeouts, network errors."""


class Notifier(Protocol):
    """Sends Replies to chats of one platform."""

    platform: Platform

    async def send(self, message: Outgoing) -> Sent:
        """Send one message, or raise a NotifierError subclass."""
        ...
