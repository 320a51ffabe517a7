"""The Telegram Notifier: how the dispatcher's alerts reach Telegram chats.

It sends and translates; it never retries or sleeps (the dispatcher does).
"""

from __future__ import annotations

import datetime as dt
import logging
import warnings

from telegram import Bot
from telegram import error as tg

from bot.alerts.notifier import (
    ChatGone,
    ChatMoved,
    NotifierError,
    Outgoing,
    RetryAfter,
    Sent,
    TemporaryFailure,
)
from bot.chat.telegram.buttons import CallbackSigner
from bot.chat.telegram.sending import send_reply
from bot.messages import Platform

log = logging.getLogger(__name__)

# Bad Requests that mean the chat will not take messages from us, not that this message was bad.
_CHAT_GONE_WORDS = (
    "chat not found",
    "peer_id_invalid",
    "user not found",
    "group chat was deactivated",
    "have no rights to send",
    "not enough rights to send",
    "chat_write_forbidden",
    "need administrator rights in the channel chat",
)


class TelegramNotifier:
    """Sends Replies to Telegram chats with one Bot (the front-end's)."""

    platform = Platform.TELEGRAM

    def __init__(self, bot: Bot, signer: CallbackSigner) -> None:
        self._bot = bot
        self._signer = signer

    async def send(self, message: Outgoing) -> Sent:
        """Send one message, or raise what the dispatcher should do about it.

        A reply too long for one message goes as several; if a later part fails,
        a retry sends the earlier parts again (at least once, never lost).
        """
        if message.chat.platform is not Platform.TELEGRAM:
            raise ValueError(f"not a Telegram chat: {message.chat}")
        try:
            sent = await send_reply(
                self._bot,
                message.chat.chat_id,
                message.reply,
                signer=self._signer,
                silent=message.silent,
            )
        except tg.TelegramError as exc:
            raise translate(exc, chat_id=message.chat.chat_id) from exc
        return Sent(str(sent[0].message_id) if sent else None)


def translate(exc: tg.TelegramError, *, chat_id: str = "?") -> NotifierError:
    """The dispatcher's outcome for one of python-telegram-bot's errors."""
    if isinstance(exc, tg.RetryAfter):
        return RetryAfter(retry_seconds(exc))
    if isinstance(exc, tg.ChatMigrated):
        return ChatMoved(str(exc.new_chat_id))
    if isinstance(exc, tg.Forbidden):
        return ChatGone(exc.message)
    if isinstance(exc, tg.BadRequest):
        words = exc.message.lower()
        if any(gone in words for gone in _CHAT_GONE_WORDS):
            return ChatGone(exc.message)
        # Telegram refused this message itself (markup, length): a bug of ours, logged loudly.
        log.error("Telegram refused a message to chat %s: %s", chat_id, exc.message)
        return TemporaryFailure(f"bad request: {exc.message}")
    if isinstance(exc, tg.InvalidToken):
        log.error("Telegram says the bot token is invalid: check PRICEBOT_TELEGRAM_TOKEN")
        return TemporaryFailure(f"invalid token: {exc.message}")
    # TimedOut, NetworkError (5xx, connection), Conflict and anything new: may work later.
    return TemporaryFailure(f"{type(exc).__name__}: {exc.message}")


def retry_seconds(exc: tg.RetryAfter) -> float:
    """How long Telegram asked us to wait, in seconds, whichever type PTB hands back."""
    with warnings.catch_warnings():
        # PTB 22 warns that `retry_after` becomes a timedelta; both types are handled here.
        warnings.simplefilter("ignore")
        value = exc.retry_after
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value)
