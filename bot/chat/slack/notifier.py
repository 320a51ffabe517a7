"""The Slack Notifier: the dispatcher's way to post an alert to a Slack channel.

chat.postMessage through slack-sdk's AsyncWebClient with the bot token of the
channel's workspace. Slack's answers become the outcomes the dispatcher acts on:
429 → RetryAfter; a channel that is gone → ChatGone; a workspace that is gone
(uninstalled, deactivated) → WorkspaceGone, after telling the front-end so that
all of that workspace's subscriptions stop; anything else → TemporaryFailure.
It never retries or sleeps itself.

Follow-ups about the same model go into the thread of the first message about it
(`Outgoing.thread_key`); the thread's ts is kept in the database, so this holds
across restarts and processes. Threads older than `thread_window` are not reused:
news a week later deserves a message of its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.alerts.notifier import (
    ChatGone,
    NotifierError,
    Outgoing,
    RetryAfter,
    Sent,
    TemporaryFailure,
)
from bot.chat.slack.installations import TokenSource
from bot.chat.slack.messages import render
from bot.messages import ChatRef, Platform
from storage.slack import SlackStore

log = logging.getLogger(__name__)

# The channel will never take this bot's messages again.
CHANNEL_GONE = frozenset({"channel_not_found", "is_archived", "not_in_channel"})
# The whole workspace is gone for this bot.
WORKSPACE_GONE = frozenset({"account_inactive", "token_revoked"})
# The thread parent was deleted: post a new message instead.
THREAD_GONE = frozenset({"thread_not_found", "message_not_found"})

WorkspaceGoneHook = Callable[[str], Awaitable[None]]
Clock = Callable[[], datetime]


class WorkspaceGone(ChatGone):
    """The workspace uninstalled pricebot or was deactivated (a ChatGone for the dispatcher)."""

    def __init__(self, team_id: str | None, error: str) -> None:
        super().__init__(f"Slack workspace {team_id} is gone: {error}")
        self.team_id = team_id


def _utcnow() -> datetime:
    return datetime.now(UTC)


def web_client(base_url: str | None, *, token: str | None = None) -> AsyncWebClient:
    """An AsyncWebClient aimed at Slack, or at `base_url` (a proxy, or the tests' fake)."""
    if base_url:
        base = base_url if base_url.endswith("/") else base_url + "/"
        return AsyncWebClient(token=token, base_url=base, timeout=15)
    return AsyncWebClient(token=token, timeout=15)


class SlackNotifier:
    """Posts Replies to Slack channels; one instance serves every workspace."""

    platform = Platform.SLACK

    def __init__(
        self,
        *,
        tokens: TokenSource,
        store: SlackStore,
        client: AsyncWebClient,
        on_workspace_gone: WorkspaceGoneHook | None = None,
        thread_window: timedelta = timedelta(days=7),
        clock: Clock = _utcnow,
    ) -> None:
        self._tokens = tokens
        self._store = store
        self._client = client
        self._on_workspace_gone = on_workspace_gone
        self._thread_window = thread_window
        self._clock = clock

    async def send(self, message: Outgoing) -> Sent:
        """Post one message (in its model's thread when there is one) or raise a NotifierError."""
        chat = message.chat
        token = await self._tokens.bot_token(chat.team_id)
        if token is None:
            # No installation: uninstalled while the alert was owed.
            raise WorkspaceGone(chat.team_id, "not installed")
        now = self._clock()
        thread_ts = None
        if message.thread_key is not None:
            thread_ts = await asyncio.to_thread(
                self._store.thread,
                chat.team_id or "",
                chat.chat_id,
                message.thread_key,
                since=now - self._thread_window,
            )
        try:
            ts = await self._post(token, message, thread_ts)
        except _ThreadGone:
            ts = await self._post(token, message, None)
            thread_ts = None
        if message.thread_key is not None and thread_ts is None:
            await asyncio.to_thread(
                self._store.remember_thread,
                chat.team_id or "",
                chat.chat_id,
                message.thread_key,
                ts,
                now=now,
            )
        return Sent(message_id=ts)

    async def _post(self, token: str, message: Outgoing, thread_ts: str | None) -> str:
        rendered = render(message.reply)
        try:
            answer = await self._client.chat_postMessage(
                token=token,
                channel=message.chat.chat_id,
                text=rendered.text,
                blocks=rendered.blocks,
                thread_ts=thread_ts,
                unfurl_links=False,
                unfurl_media=False,
            )
        except SlackApiError as exc:
            raise await self._translate(exc, message.chat, thread_ts) from exc
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as exc:
            raise TemporaryFailure(f"Slack unreachable: {exc!r}") from exc
        return str(answer["ts"])

    async def _translate(
        self, exc: SlackApiError, chat: ChatRef, thread_ts: str | None
    ) -> NotifierError | _ThreadGone:
        response = exc.response
        if response.status_code == 429:
            return RetryAfter(_retry_after(response.headers))
        error = str(response.get("error", "")) if isinstance(response.data, dict) else ""
        if error in THREAD_GONE and thread_ts is not None:
            return _ThreadGone()
        if error in CHANNEL_GONE:
            return ChatGone(f"Slack channel {chat.chat_id} in {chat.team_id}: {error}")
        if error in WORKSPACE_GONE:
            log.warning(
                "Slack workspace %s is gone (%s): stopping its subscriptions", chat.team_id, error
            )
            if self._on_workspace_gone is not None and chat.team_id is not None:
                await self._on_workspace_gone(chat.team_id)
            return WorkspaceGone(chat.team_id, error)
        status = response.status_code
        return TemporaryFailure(f"Slack answered {status} {error or 'without an error code'}")


class _ThreadGone(Exception):
    """The remembered thread's parent message no longer exists."""


def _retry_after(headers: Any) -> float:
    """Seconds from a Retry-After header; 1 when it is missing or unreadable."""
    value = None
    # aiohttp hands over a case-insensitive multidict; tests and proxies may give a dict.
    for key, header in getattr(headers, "items", lambda: [])():
        if str(key).lower() == "retry-after":
            value = header
    try:
        return max(float(value), 0.0) if value is not None else 1.0
    except (TypeError, ValueError):
        return 1.0
