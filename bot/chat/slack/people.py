"""Who is asking: the Context for a Slack user in a Slack conversation.

Whether the user may change a channel's subscriptions is the command layer's rule;
the adapter only finds out the facts it needs: is the user a workspace admin or
owner (users.info; `team_admin`), or the channel's creator (conversations.info);
either makes them `is_admin` of the channel. In a DM the user is the admin of
their own conversation with pricebot: a DM is what conversations.info says is one
(`is_im`, with that user), never an id that merely starts with `D`. Answers are
cached for a minute so a burst of commands does not spend Slack's rate limits.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat.context import ChatType, Context
from bot.messages import ChatRef, Platform

log = logging.getLogger(__name__)

_TTL_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Conversation:
    """What conversations.info says about a channel: is it a DM, with whom, who made it."""

    is_im: bool = False
    im_user: str | None = None
    creator: str | None = None

    def chat_type_for(self, user_id: str) -> ChatType:
        """PRIVATE only in the user's own DM with pricebot; else a channel (fails closed)."""
        if self.is_im and (self.im_user or self.creator) == user_id:
            return ChatType.PRIVATE
        return ChatType.GROUP


class People:
    """Builds Contexts; remembers users.info and conversations.info answers briefly."""

    def __init__(
        self, clock: Callable[[], datetime], monotonic: Callable[[], float] = time.monotonic
    ):
        self._clock = clock
        self._monotonic = monotonic
        self._users: dict[tuple[str, str], tuple[float, dict[str, object]]] = {}
        self._conversations: dict[tuple[str, str], tuple[float, Conversation]] = {}

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
        conversation = await self._conversation(client, team_id, channel_id)
        kind = conversation.chat_type_for(user_id)
        user = await self._user(client, team_id, user_id)
        team_admin = bool(
            user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner")
        )
        if kind is ChatType.PRIVATE:
            is_admin = True
        else:
            is_admin = team_admin or user_id == conversation.creator
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

    async def _conversation(
        self, client: AsyncWebClient, team_id: str, channel_id: str
    ) -> Conversation:
        key = (team_id, channel_id)
        cached = self._conversations.get(key)
        if cached is not None and cached[0] > self._monotonic():
            return cached[1]
        try:
            answer = await client.conversations_info(channel=channel_id)
            channel = answer["channel"]
        except SlackApiError as exc:
            # Fail closed: an unknown conversation is a channel, and nobody its creator.
            log.warning(
                "conversations.info for %s in %s failed: %s",
                channel_id,
                team_id,
                exc.response.get("error"),
            )
            return Conversation()
        conversation = Conversation(
            is_im=bool(channel.get("is_im")),
            im_user=str(channel["user"]) if channel.get("user") else None,
            creator=str(channel["creator"]) if channel.get("creator") else None,
        )
        self._conversations[key] = (self._monotonic() + _TTL_SECONDS, conversation)
        return conversation
