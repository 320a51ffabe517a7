"""Slack payloads → the command layer → Slack messages. Translation only, no business rule.

- `/pricebot …` is acknowledged at once (Slack allows 3 s); the answer follows
  through `response_url`. Questions are ephemeral unless the asker adds `share`;
  changes to subscriptions and settings are announced in the channel; refusals
  and mistakes are shown only to the person who made them.
- `@pricebot …` in a channel is a question answered the same way
  (chat.postEphemeral, or the channel with `share`); any message in a DM is a question.
- Buttons (Mute 1 day, Unsubscribe, …) go to `press()`; in the App Home they act
  on the conversation the button was drawn for.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat.context import ChatType, Context
from bot.chat.ports import CommandLayer
from bot.chat.slack.commands import SlackRequest, for_slack, parse_request, strip_mentions
from bot.chat.slack.home import HOME_ACTION_PREFIX, Home, home_dm, split_home_action
from bot.chat.slack.messages import ACTION_PREFIX, SlackMessage, render_all
from bot.chat.slack.people import People
from bot.i18n import chat_language, translator
from bot.messages import Reply, ReplyKind

log = logging.getLogger(__name__)


def sorry(asker: str | None) -> Reply:
    """The apology when the command layer failed, in the asker's language (Slack locale)."""
    language = chat_language(None, asker)
    _ = translator(language).gettext
    return Reply(
        title=_("Sorry, that failed on our side"),
        kind=ReplyKind.ERROR,
        lines=(_("Please try again in a minute. Try: {example}").format(example="/pricebot help"),),
        language=language,
    )


def visibility(request: SlackRequest, replies: Sequence[Reply], *, in_dm: bool) -> str:
    """`in_channel` or `ephemeral` for Slack's response_type."""
    if in_dm:
        return "in_channel"  # a DM is private already; keep the answer in its history
    if any(reply.kind is ReplyKind.ERROR for reply in replies):
        return "ephemeral"
    if request.changes and not any(reply.private for reply in replies):
        return "in_channel"
    return "in_channel" if request.share else "ephemeral"


class SlackAdapter:
    """The Bolt listeners of pricebot's Slack app."""

    def __init__(
        self,
        *,
        commands: CommandLayer,
        people: People,
        home: Home,
        on_uninstalled: Callable[[str], Awaitable[None]],
        command_names: Callable[[], Iterable[str]] | None = None,
    ) -> None:
        self._commands = commands
        self._command_names = command_names
        self._people = people
        self._home = home
        self._on_uninstalled = on_uninstalled

    def register(self, app: AsyncApp) -> None:
        """Attach every listener to the Bolt app."""
        # Any slash command pointed here is pricebot's (/pricebot, or a renamed one).
        app.command(re.compile(r"^/"))(self.on_command)
        app.event("app_mention")(self.on_mention)
        app.event("message")(self.on_message)
        app.event("app_home_opened")(self.on_home_opened)
        app.event("app_uninstalled")(self.on_app_uninstalled)
        app.event("tokens_revoked")(self.on_tokens_revoked)
        app.action({"type": "block_actions", "action_id": _starts_with(HOME_ACTION_PREFIX)})(
            self.on_home_button
        )
        app.action({"type": "block_actions", "action_id": _starts_with(ACTION_PREFIX)})(
            self.on_button
        )

    # ------------------------------------------------------------------ slash command

    async def on_command(
        self, ack: Any, command: dict[str, Any], respond: AsyncRespond, client: AsyncWebClient
    ) -> None:
        """Answer `/pricebot …`: acknowledge now, answer through response_url."""
        await ack()
        request = self._parse(command.get("text", ""))
        channel_id = command["channel_id"]
        replies, ctx = await self._ask(
            request,
            client,
            team_id=command["team_id"],
            channel_id=channel_id,
            user_id=command["user_id"],
            user_name=command.get("user_name"),
        )
        if not replies:
            return
        in_dm = ctx.chat_type is ChatType.PRIVATE
        await _respond(respond, render_all(replies), visibility(request, replies, in_dm=in_dm))

    # ------------------------------------------------------------------ mentions and DMs

    async def on_mention(
        self, event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """Answer `@pricebot cheapest for 1M tokens?` in a channel."""
        request = self._parse(strip_mentions(event.get("text", "")))
        channel_id, user_id = event["channel"], event["user"]
        replies, _ = await self._ask(
            request,
            client,
            team_id=_team(body, event),
            channel_id=channel_id,
            user_id=user_id,
        )
        if not replies:
            return
        message = render_all(replies)
        thread_ts = event.get("thread_ts")
        if visibility(request, replies, in_dm=False) == "ephemeral":
            await client.chat_postEphemeral(
                channel=channel_id,
                user=user_id,
                text=message.text,
                blocks=message.blocks,
                thread_ts=thread_ts,
            )
        else:
            await client.chat_postMessage(
                channel=channel_id, text=message.text, blocks=message.blocks, thread_ts=thread_ts
            )

    async def on_message(
        self, event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """Answer any message in a DM with pricebot; ignore channel chatter and edits."""
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        request = self._parse(event.get("text", ""))
        replies, _ = await self._ask(
            request,
            client,
            team_id=_team(body, event),
            channel_id=event["channel"],
            user_id=event["user"],
        )
        if not replies:
            return
        message = render_all(replies)
        await client.chat_postMessage(
            channel=event["channel"], text=message.text, blocks=message.blocks
        )

    # ------------------------------------------------------------------ buttons

    async def on_button(
        self,
        ack: Any,
        body: dict[str, Any],
        action: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
    ) -> None:
        """A button under a pricebot message (Mute 1 day, Unsubscribe, …)."""
        await ack()
        channel_id = (body.get("channel") or {}).get("id") or body["container"].get("channel_id")
        ctx = await self._people.context(
            client,
            team_id=_team(body, {}),
            channel_id=channel_id,
            user_id=body["user"]["id"],
            user_name=body["user"].get("username"),
        )
        replies = await self._guarded(self._commands.press(str(action.get("value", "")), ctx), ctx)
        if not replies:
            return
        request = SlackRequest(text="", changes=True)
        in_dm = ctx.chat_type is ChatType.PRIVATE
        await _respond(respond, render_all(replies), visibility(request, replies, in_dm=in_dm))

    async def on_home_button(
        self, ack: Any, body: dict[str, Any], action: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """A button in the App Home: act on its conversation, then redraw the Home."""
        await ack()
        user_id, team_id = body["user"]["id"], _team(body, {})
        channel_id, pressed = split_home_action(str(action.get("value", "")))
        ctx = await self._people.context(
            client, team_id=team_id, channel_id=channel_id, user_id=user_id
        )
        replies = await self._guarded(self._commands.press(pressed, ctx), ctx)
        await self._home.publish(
            client, team_id=team_id, user_id=user_id, dm_id=home_dm(body), notice=replies
        )

    # ------------------------------------------------------------------ App Home

    async def on_home_opened(
        self, event: dict[str, Any], body: dict[str, Any], client: AsyncWebClient
    ) -> None:
        """Publish the Home tab: the user's and their channels' subscriptions and settings."""
        if event.get("tab") not in (None, "home"):
            return
        await self._home.publish(
            client, team_id=_team(body, event), user_id=event["user"], dm_id=event.get("channel")
        )

    # ------------------------------------------------------------------ uninstall

    async def on_app_uninstalled(self, context: AsyncBoltContext) -> None:
        """The workspace removed pricebot: forget its tokens, stop its subscriptions."""
        if context.team_id:
            await self._on_uninstalled(context.team_id)

    async def on_tokens_revoked(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        """Revoked bot tokens mean pricebot can no longer post there: like an uninstall.
        (pricebot asks for no user tokens, so revoked user tokens change nothing.)"""
        if context.team_id and event.get("tokens", {}).get("bot"):
            await self._on_uninstalled(context.team_id)

    # ------------------------------------------------------------------ helpers

    def _names(self) -> frozenset[str]:
        return frozenset(self._command_names()) if self._command_names else frozenset()

    def _parse(self, text: str) -> SlackRequest:
        return parse_request(text, known=self._names())

    async def _ask(
        self,
        request: SlackRequest,
        client: AsyncWebClient,
        *,
        team_id: str,
        channel_id: str,
        user_id: str,
        user_name: str | None = None,
    ) -> tuple[list[Reply], Context]:
        ctx = await self._people.context(
            client, team_id=team_id, channel_id=channel_id, user_id=user_id, user_name=user_name
        )
        return await self._guarded(self._commands.handle(request.text, ctx), ctx), ctx

    async def _guarded(self, work: Awaitable[list[Reply]], ctx: Context) -> list[Reply]:
        """The command layer's Replies (as Slack users type commands), or a short apology."""
        try:
            replies = await work
        except Exception:
            log.exception("the command layer failed on a Slack request")
            return [sorry(ctx.language)]
        names = self._names()
        return [for_slack(reply, names=names) for reply in replies]


async def _respond(respond: AsyncRespond, message: SlackMessage, response_type: str) -> None:
    await respond(
        text=message.text,
        blocks=message.blocks,
        response_type=response_type,
        replace_original=False,
    )


def _team(body: dict[str, Any], event: dict[str, Any]) -> str:
    """The workspace a payload came from (events, slash commands and actions differ)."""
    team = body.get("team_id") or (body.get("team") or {}).get("id")
    team = team or event.get("team") or (body.get("user") or {}).get("team_id")
    return str(team)


def _starts_with(prefix: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(prefix)}(:|$)")
