"""The App Home tab: one's own and one's channels' subscriptions and settings, with buttons.

What each conversation shows is what the command layer answers to `/subscriptions`
and `/settings` there, so the Home never says anything the commands would not.
Its buttons carry `<conversation id>|<action>`, so a press acts on the conversation
it was drawn for, with the presser's rights there (checked by the command layer).
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat.context import Context
from bot.chat.ports import CommandLayer
from bot.chat.slack.commands import for_slack
from bot.chat.slack.messages import escape, render, rewrite_buttons
from bot.chat.slack.people import People
from bot.i18n import ENGLISH, translator
from bot.messages import Reply, ReplyKind

log = logging.getLogger(__name__)

HOME_ACTION_PREFIX = "pricebot-home"
# Slack allows 100 blocks in a Home view; keep room for the header and help.
_MAX_BLOCKS = 95
# Channels shown per user (each costs a look-up of the user's rights there).
MAX_CHANNELS = 8
# What the Home asks the command layer for each conversation (and, once, /workspace).
HOME_COMMANDS = ("/subscriptions", "/settings")

# (team_id, user_id, channel ids the user is in) → those that have pricebot subscriptions.
SubscribedChannels = Callable[[str, Sequence[str]], Awaitable[set[str]]]


def home_action(chat_id: str, action: str) -> str:
    return f"{chat_id}|{action}"


def split_home_action(value: str) -> tuple[str, str]:
    """`C123|mute:1d` → ("C123", "mute:1d")."""
    chat_id, _, action = value.partition("|")
    return chat_id, action


class Home:
    """Builds and publishes a user's Home tab (views.publish)."""

    def __init__(
        self,
        *,
        commands: CommandLayer,
        people: People,
        subscribed_channels: SubscribedChannels | None = None,
        command_names: Callable[[], Iterable[str]] | None = None,
    ) -> None:
        self._commands = commands
        self._command_names = command_names
        self._people = people
        self._subscribed = subscribed_channels

    async def publish(
        self,
        client: AsyncWebClient,
        *,
        team_id: str,
        user_id: str,
        dm_id: str | None = None,
        notice: Sequence[Reply] = (),
    ) -> None:
        """Draw the Home for `user_id`; `notice` (a button's result) goes on top.

        The Home speaks the user's language: their DM's, as its replies say (the DM's own
        choice, else the user's Slack locale); without a DM, that of the first
        conversation shown."""
        conversations: list[tuple[str, str, Sequence[str]]] = []
        if dm_id:
            conversations.append(("dm", dm_id, HOME_COMMANDS))
            conversations.append(("workspace", dm_id, ("/workspace",)))
        for channel_id, name in await self._channels(client, team_id, user_id):
            conversations.append((f"#{name}", channel_id, HOME_COMMANDS))
        drawn = [
            (title, chat_id, await self._ask_in(client, team_id, user_id, chat_id, commands))
            for title, chat_id, commands in conversations
        ]
        language = next((r.language for *_where, replies in drawn for r in replies), ENGLISH)
        _ = translator(language).gettext
        blocks: list[dict[str, Any]] = [
            {"type": "header", "text": {"type": "plain_text", "text": "pricebot"}},
            _context(_("LLM API prices: price cuts and free models, and what is cheapest.")),
        ]
        for reply in notice:
            icon = ":warning:" if reply.kind is ReplyKind.ERROR else ":white_check_mark:"
            lines = " ".join(escape(line) for line in reply.lines[:2])
            blocks.append(_section(f"{icon} *{escape(reply.title)}* {lines}".strip()))
        # A channel's section is headed by its name; the Home's own two by these.
        titles = {"dm": _("Your DM with pricebot"), "workspace": _("This workspace")}
        for key, chat_id, replies in drawn:
            blocks += self._conversation(titles.get(key, key), chat_id, replies)
        blocks = blocks[:_MAX_BLOCKS]
        blocks.append({"type": "divider"})
        blocks.append(
            _context(
                _("Type `/pricebot help` anywhere, or message pricebot here, to ask or subscribe.")
            )
        )
        view = {
            "type": "home",
            "blocks": blocks,
            "private_metadata": json.dumps({"dm": dm_id} if dm_id else {}),
        }
        await client.views_publish(user_id=user_id, view=view)

    async def _ask_in(
        self,
        client: AsyncWebClient,
        team_id: str,
        user_id: str,
        chat_id: str,
        commands: Sequence[str],
    ) -> list[Reply]:
        ctx = await self._people.context(
            client, team_id=team_id, channel_id=chat_id, user_id=user_id
        )
        return await self._ask(ctx, commands)

    def _conversation(
        self, title: str, chat_id: str, replies: Sequence[Reply]
    ) -> list[dict[str, Any]]:
        blocks: list[dict[str, Any]] = [
            {"type": "divider"},
            {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
        ]
        for reply in replies:
            blocks += rewrite_buttons(
                render(reply).blocks,
                action_prefix=HOME_ACTION_PREFIX,
                value=lambda action: home_action(chat_id, action),
            )
        return blocks

    async def _ask(self, ctx: Context, commands: Sequence[str]) -> list[Reply]:
        # One view, several commands: none counts against the user's command limit.
        ctx = dataclasses.replace(ctx, on_behalf=True)
        replies: list[Reply] = []
        for command in commands:
            try:
                replies += await self._commands.handle(command, ctx)
            except Exception:
                log.exception("the command layer failed on %s for the App Home", command)
        # Refusals ("no such command") have no place on the Home.
        names = tuple(self._command_names()) if self._command_names else ()
        return [for_slack(r, names=names) for r in replies if r.kind is not ReplyKind.ERROR]

    async def _channels(
        self, client: AsyncWebClient, team_id: str, user_id: str
    ) -> list[tuple[str, str]]:
        """The user's channels that have pricebot subscriptions: (id, name)."""
        if self._subscribed is None:
            return []
        try:
            answer = await client.users_conversations(
                user=user_id,
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=200,
            )
        except SlackApiError as exc:
            log.warning("users.conversations for %s failed: %s", user_id, exc.response.get("error"))
            return []
        channels: list[dict[str, Any]] = answer.get("channels") or []
        names = {str(c["id"]): str(c.get("name") or c["id"]) for c in channels}
        subscribed = await self._subscribed(team_id, sorted(names))
        return [(cid, names[cid]) for cid in sorted(subscribed & names.keys())][:MAX_CHANNELS]


def home_dm(body: dict[str, Any]) -> str | None:
    """The DM id the Home was drawn with (kept in the view's private_metadata)."""
    try:
        metadata = json.loads((body.get("view") or {}).get("private_metadata") or "{}")
    except ValueError:
        return None
    dm = metadata.get("dm") if isinstance(metadata, dict) else None
    return str(dm) if dm else None


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}
