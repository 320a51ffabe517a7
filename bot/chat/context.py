"""Context: who is asking, where, and when; what every handler receives."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Platform(StrEnum):
    TELEGRAM = "telegram"
    SLACK = "slack"
    CONSOLE = "console"


class ChatType(StrEnum):
    PRIVATE = "private"  # a DM or a private chat with the bot
    GROUP = "group"  # a group, supergroup or Slack channel
    CHANNEL = "channel"  # a broadcast channel (Telegram) where the bot posts


@dataclass(frozen=True, slots=True)
class ChatRef:
    """One chat on one platform; `team_id` is the Slack workspace, None elsewhere."""

    platform: Platform
    chat_id: str
    team_id: str | None = None


@dataclass(frozen=True, slots=True)
class Context:
    """The neutral request an adapter builds from a platform payload."""

    chat: ChatRef
    user_id: str
    # Is this user an admin of this chat (always True in a private chat)?
    is_admin: bool
    now: datetime
    chat_type: ChatType = ChatType.PRIVATE
    language: str | None = None
    user_name: str | None = None
    # Is this user an admin or owner of the whole workspace (Slack)? Then they may
    # change workspace-wide settings; False where a platform has no workspaces.
    team_admin: bool = False
