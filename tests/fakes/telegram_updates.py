"""Updates as the Bot API delivers them: messages, channel posts, button presses.

The builders return plain dicts shaped like Telegram's JSON, with the
`bot_command` and `mention` entities Telegram's servers add, so
python-telegram-bot reads them exactly as it reads real ones.
"""

from __future__ import annotations

import re
from typing import Any

from tests.fakes.telegram_html import utf16_len

_COMMAND = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_MENTION = re.compile(r"(?<![\w@])@[A-Za-z0-9_]{5,32}")

# Telegram's user for anonymous group admins: messages carry sender_chat = the group.
GROUP_ANONYMOUS_BOT_ID = 1087968824


def entities(text: str) -> list[dict[str, Any]]:
    """The entities Telegram adds to incoming text: bot commands and @mentions."""
    found: list[tuple[int, int, str]] = []
    taken: list[range] = []
    for match in _COMMAND.finditer(text):
        found.append((match.start(), match.end(), "bot_command"))
        taken.append(range(match.start(), match.end()))
    for match in _MENTION.finditer(text):
        if not any(match.start() in span for span in taken):
            found.append((match.start(), match.end(), "mention"))
    return [
        {
            "type": kind,
            "offset": utf16_len(text[:start]),
            "length": utf16_len(text[start:end]),
        }
        for start, end, kind in sorted(found)
    ]


def user(user_id: int, *, first_name: str = "Ada", language: str | None = "en") -> dict[str, Any]:
    """A human Telegram user."""
    data: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if language:
        data["language_code"] = language
    return data


def chat(chat_id: int, chat_type: str, *, title: str | None = None) -> dict[str, Any]:
    """A chat: private (the user's id), group, supergroup or channel."""
    data: dict[str, Any] = {"id": chat_id, "type": chat_type}
    if chat_type == "private":
        data["first_name"] = "Ada"
    else:
        data["title"] = title or f"Chat {chat_id}"
    return data


def chat_type_for(chat_id: int) -> str:
    """The type a chat id implies when a test did not say: -100… supergroup, -… group."""
    if chat_id > 0:
        return "private"
    return "supergroup" if str(chat_id).startswith("-100") else "group"
