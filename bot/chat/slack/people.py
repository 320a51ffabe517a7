"""Who is asking: the Context for a Slack user in a Slack conversation.

Whether the user may change a channel's subscriptions is the command layer's rule;
the adapter only finds out the facts it needs: is the user a workspace admin or
owner (users.info; `team_admin`), or the channel's creator (conversations.info);
either makes them `is_admin` of the channel. In a DM the user is the admin of
their own conversation with pricebot. Answers are cached for
a minute so a burst of commands does not spend Slack's rate limits.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat.context import ChatType, Context
from bot.messages import ChatRef, Platform

log = logging.getLogger(__name__)

_TTL_SECONDS = 60.0


def chat_type(channel_id: str) -> ChatType:
    """D… is a DM with the bot; everything else (C…, G…) is a channel."""
    return ChatType.PRIVATE if channel_id.startswith("D") else ChatType.GROUP


class People:
    """Builds Contexts; remembers users.info and conversations.info answers briefly."""

    def __init__(
        self, clock: Callable[[], datetime], monotonic: Callable[[], float] = time.monotonic
    ):
        self._clock = clock
        self._monotonic = monotonic
        self._users: dict[tuple[str, str], tuple[float, dict[str, object]]] = {}
        self._creators: dict[tuple[str, str], tuple[float, str | None]] = {}

    async def context(
        self,
        client: AsyncWebClient,
        *,
        team_id: str,
        channel_id: str,
        user_id: str,
        user_name: str | None = None,
    ) -> Context:
        """The neutral request for `user_id` in `channel_id` of workspace `team_id`."""
        kind = chat_type(channel_id)
        user = await self._user(client, team_id, user_id)
        team_admin = bool(
            user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")
        )
        if kind is ChatType.PRIVATE:
            is_admin = True
        else:
            is_admin = team_admin or user_id == await self._creator(client, team_id, channel_id)
        locale = str(user.get("locale") or "")
        return Context(
            chat=ChatRef(Platform.SLACK, channel_id, team_id),
            user_id=user_id,
            is_admin=is_admin,
            now=self._clock(),
            chat_type=kind,
            language=locale.split("-")[0].lower() or None,
            user_name=str(user.get("name") or user_name or user_id),
            team_admin=team_admin,
        )

    async def _user(self, client: AsyncWebClient, team_id: str, user_id: str) -> dict[str, object]:
        key = (team_id, user_id)
        cached = self._users.get(key)
        if cached is not None and cached[0] > self._monotonic():
            return cached[1]
        try:
            answer = await client.users_info(user=user_id, include_locale=True)
            user = dict(answer["user"])
        except SlackApiError as exc:
            # Fail closed: a user we cannot look up is not an admin.
            log.warning(
                "users.info for %s in %s failed: %s", user_id, team_id, exc.response.get("error")
            )
            return {}
        self._users[key] = (self._monotonic() + _TTL_SECONDS, user)
        return user

    async def _creator(self, client: AsyncWebClient, team_id: str, channel_id: str) -> str | None:
        key = (team_id, channel_id)
        cached = self._creators.get(key)
        if cached is not None and cached[0] > self._monotonic():
            return cached[1]
        try:
            answer = await client.conversations_info(channel=channel_id)
            creator = answer["channel"].get("creator")
        except SlackApiError as exc:
            log.warning(
                "conversations.info for %s in %s failed: %s",
                channel_id,
                team_id,
                exc.response.get("error"),
            )
            return None
        self._creators[key] = (self._monotonic() + _TTL_SECONDS, creator)
        return str(creator) if creator else None
