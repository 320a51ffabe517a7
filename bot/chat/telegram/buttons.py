"""Inline keyboards: Reply buttons as Telegram buttons whose data is bound to one chat.

Callback data is the Button's action plus a short tag: an HMAC of the chat id
and the action under a key derived from the bot token. It carries no secret
(the action is visible to anyone who sees the data), but a press is honoured
only in the chat the button was made for: a forwarded message's buttons, or
data crafted by a modified client, are refused. It is stateless, so it works
across restarts and across several processes sharing one bot token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.messages import Button

log = logging.getLogger(__name__)

# Telegram allows 64 bytes of callback data; the tag takes 9 of them.
CALLBACK_DATA_LIMIT = 64
_TAG_CHARS = 8
_SEPARATOR = "~"
MAX_ACTION_BYTES = CALLBACK_DATA_LIMIT - _TAG_CHARS - len(_SEPARATOR)
# Buttons share a row while their labels fit this many characters, up to 3 a row.
_ROW_WIDTH = 30
_ROW_BUTTONS = 3


class CallbackSigner:
    """Binds button actions to chats and checks presses against them."""

    def __init__(self, token: str) -> None:
        self._key = hashlib.sha256(b"pricebot telegram buttons\0" + token.encode()).digest()

    def _tag(self, chat_id: str, action: str) -> str:
        digest = hmac.new(self._key, f"{chat_id}\0{action}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode()[:_TAG_CHARS]

    def data(self, chat_id: str, action: str) -> str | None:
        """Callback data for `action` in `chat_id`, or None when the action is too long."""
        if len(action.encode()) > MAX_ACTION_BYTES:
            return None
        return f"{action}{_SEPARATOR}{self._tag(chat_id, action)}"

    def action(self, chat_id: str, data: str) -> str | None:
        """The action a press in `chat_id` asks for, or None when it was not made for this chat."""
        action, separator, tag = data.rpartition(_SEPARATOR)
        if not separator or not action:
            return None
        if not hmac.compare_digest(tag, self._tag(chat_id, action)):
            return None
        return action


def keyboard(
    buttons: Sequence[Button], chat_id: str, signer: CallbackSigner
) -> InlineKeyboardMarkup | None:
    """An inline keyboard for `buttons` in `chat_id`; None when there are none."""
    rows: list[list[InlineKeyboardButton]] = []
    width = 0
    for button in buttons:
        data = signer.data(chat_id, button.action)
        if data is None:
            # A command layer bug, not the user's: keep the message, lose only this button.
            log.error(
                "button %r dropped: action %r is over %d bytes",
                button.label,
                button.action,
                MAX_ACTION_BYTES,
            )
            continue
        item = InlineKeyboardButton(button.label, callback_data=data)
        if rows and len(rows[-1]) < _ROW_BUTTONS and width + len(button.label) <= _ROW_WIDTH:
            rows[-1].append(item)
            width += len(button.label)
        else:
            rows.append([item])
            width = len(button.label)
    return InlineKeyboardMarkup(rows) if rows else None


def without_button(markup: InlineKeyboardMarkup | None, data: str) -> InlineKeyboardMarkup | None:
    """The same keyboard minus the button carrying `data` (None when nothing is left)."""
    if markup is None:
        return None
    rows = [
        [button for button in row if button.callback_data != data] for row in markup.inline_keyboard
    ]
    kept = [row for row in rows if row]
    return InlineKeyboardMarkup(kept) if kept else None
