"""A fake Notifier for dispatcher tests, registered the real way (it implements the port).

It plays a script of platform answers per chat — ok, retry-after, a 5xx, a hang
(a timeout), blocked, not found, migrated — and records only the messages a
platform would have received, so tests can count what a user saw.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.alerts.notifier import (
    ChatGone,
    ChatMoved,
    NotifierError,
    Outgoing,
    RetryAfter,
    Sent,
    TemporaryFailure,
)
from bot.messages import Platform

HANG = "hang"


@dataclass(frozen=True)
class Received:
    """A message the fake platform accepted."""

    chat_id: str
    title: str
    lines: tuple[str, ...]
    event_ids: tuple[int, ...]
    silent: bool
    at: float


class ScriptedNotifier:
    """Answers each send to a chat with the next step of that chat's script, then 'ok'."""

    def __init__(self, platform: Platform = Platform.TELEGRAM) -> None:
        self.platform = platform
        self.scripts: dict[str, list[object]] = defaultdict(list)
        self.received: list[Received] = []
        self.calls = 0

    def script(self, chat_id: str, *steps: object) -> None:
        self.scripts[chat_id].extend(steps)

    async def send(self, message: Outgoing) -> Sent:
        self.calls += 1
        steps = self.scripts.get(message.chat.chat_id)
        step = steps.pop(0) if steps else "ok"
        if step == HANG:
            await asyncio.sleep(30)
        if isinstance(step, NotifierError):
            raise step
        if isinstance(step, Exception):
            raise step
        reply = message.reply
        events = tuple(int(e["id"]) for e in reply.data.get("events", []))
        self.received.append(
            Received(
                message.chat.chat_id,
                reply.title,
                reply.lines,
                events,
                message.silent,
                asyncio.get_running_loop().time(),
            )
        )
        return Sent(message_id=str(len(self.received)))

    def per_chat_event(self) -> dict[tuple[str, int], int]:
        """(chat, event) → how many times the platform received it."""
        counts: dict[tuple[str, int], int] = defaultdict(int)
        for message in self.received:
            for event in message.event_ids:
                counts[(message.chat_id, event)] += 1
        return dict(counts)


def now() -> datetime:
    return datetime.now(UTC)


__all__ = [
    "HANG",
    "ChatGone",
    "ChatMoved",
    "Received",
    "RetryAfter",
    "ScriptedNotifier",
    "TemporaryFailure",
    "now",
    "timedelta",
]
