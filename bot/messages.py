"""Messages: what a command or an alert says (Reply), and to which chat (ChatRef).

The neutral types every layer shares; answers and alerts build them, the chat layer
renders and sends them. This module imports nothing from `bot`, so the arrows point
one way: chat -> answers/alerts -> messages.


Handlers return Replies; renderers (plain text, Telegram HTML, Slack Block Kit,
JSON) turn them into what each front-end sends. Nothing here knows a platform.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class ReplyKind(StrEnum):
    """What sort of message this is; renderers may style each differently."""

    ANSWER = "answer"  # an answer to a question
    ALERT = "alert"  # a price alert or digest
    INFO = "info"  # confirmations, help, lists
    ERROR = "error"  # bad input: a reason and examples that work


@dataclass(frozen=True, slots=True)
class Row:
    """One line of a table-like answer: a label, its value, an optional note."""

    label: str
    value: str
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Button:
    """A button under a message. `action` is opaque callback data, never a secret,
    and is checked against the chat that pressed it."""

    label: str
    action: str


@dataclass(frozen=True, slots=True)
class Image:
    """A picture (PNG) with a caption that repeats its numbers for people who cannot see it."""

    png: bytes
    caption: str


@dataclass(frozen=True, slots=True)
class Reply:
    """A platform-neutral message: title, body lines, rows, footnotes, buttons."""

    title: str
    kind: ReplyKind = ReplyKind.INFO
    lines: tuple[str, ...] = ()
    rows: tuple[Row, ...] = ()
    footnotes: tuple[str, ...] = ()
    buttons: tuple[Button, ...] = ()
    image: Image | None = None
    # Answers to questions may be shown only to the asker where a platform can (Slack).
    private: bool = False
    # Machine-readable content for the JSON renderer; plain values only.
    data: dict[str, Any] = field(default_factory=dict)
    # The language its words are in ('en', 'zh'), so renderers add their own few words
    # ("error:", "cut short") in the same one.
    language: str = "en"


class Platform(StrEnum):
    TELEGRAM = "telegram"
    SLACK = "slack"
    CONSOLE = "console"


@dataclass(frozen=True, slots=True)
class ChatRef:
    """One chat on one platform; `team_id` is the Slack workspace, None elsewhere."""

    platform: Platform
    chat_id: str
    team_id: str | None = None


class StartError(Exception):
    """A front-end cannot start. The message is one line: what failed and what to check.

    `unavailable`: a service could not be reached (it may work on a later try), as
    opposed to a setting that is wrong (it will not work until changed). `pricebot run`
    exits with a different code for each, so a supervisor can tell them apart.
    """

    def __init__(self, message: str, *, unavailable: bool = False) -> None:
        super().__init__(message)
        self.unavailable = unavailable
