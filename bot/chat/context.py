"""Context: who is asking, where, and when; what every handler receives.

Platform and ChatRef live in `bot.messages` because alerts and answers, which must not
import the chat layer, address chats too; they are re-exported here for handlers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.messages import ChatRef, Platform

__all__ = ["ChatRef", "ChatType", "Context", "Platform"]


class ChatType(StrEnum):
    PRIVATE = "private"  # a DM or a private chat with the bot
    GROUP = "group"  # a group, supergroup or Slack channel
    CHANNEL = "channel"  # a broadcast channel (Telegram) where the bot posts


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
    # The app asked on the user's behalf (the Slack App Home runs several commands to
    # draw one view): not counted against the user's command limit.
    on_behalf: bool = False
