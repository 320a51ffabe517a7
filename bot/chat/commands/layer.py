"""The command layer: text (or a button's action) and a Context in, Replies out.

It implements `bot.chat.ports.CommandLayer`; every front-end (Telegram, Slack,
the console) calls it the same way, so a command behaves the same everywhere.
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
import re

from bot.chat.commands.catalog import default_registry
from bot.chat.commands.flood import FloodGuard, flood_notice
from bot.chat.commands.language import reply_language
from bot.chat.commands.parsing import Invalid, split_command
from bot.chat.commands.parsing import later as _
from bot.chat.commands.questions import handle_question
from bot.chat.commands.registry import Registry, error, refuse
from bot.chat.commands.services import Services, db
from bot.chat.commands.workspace import everyone_changes_alerts
from bot.chat.context import ChatType, Context
from bot.i18n import chat_language, translator
from bot.messages import Reply, ReplyKind

log = logging.getLogger(__name__)

# A question as people ask it; a Chinese chat is shown the Chinese way to ask it.
EXAMPLE_QUESTION = _("cheapest for 1M tokens?")
# NUL and the other C0 controls but tab and newline: PostgreSQL refuses NUL in text, and
# none of them means anything in a command. Taken out before anything reads the text.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Longer messages are cut: no command or question needs more, and every parser stays cheap.
MAX_TEXT = 4096


def clean_text(text: str) -> str:
    """Text as a user typed it, without control characters, at most MAX_TEXT long."""
    return _CONTROLS.sub("", text[: MAX_TEXT * 2])[:MAX_TEXT]


def clean_context(ctx: Context) -> Context:
    """The Context with control characters taken out of what a platform let users write."""
    name = ctx.user_name
    if name is not None and _CONTROLS.search(name):
        return dataclasses.replace(ctx, user_name=clean_text(name))
    return ctx


class Commands:
    """pricebot's CommandLayer."""

    def __init__(
        self,
        services: Services,
        registry: Registry | None = None,
        *,
        flood: FloodGuard | None = None,
    ) -> None:
        self.services = services
        self.registry = registry or default_registry()
        services.registry = self.registry
        # One user's (or one chat's) flood of commands must not slow everyone else down;
        # the composition root always gives one (None: no limit, for tests of one command).
        self.flood = flood

    async def handle(self, text: str, ctx: Context) -> list[Reply]:
        """Answer a command or a free-text question, e.g. '/subscribe deepseek'."""
        text, ctx = clean_text(text), clean_context(ctx)
        if self.flood is not None and not ctx.on_behalf:
            flooded = await self.flood.check(ctx)
            if flooded is not None:
                # Told at most once a minute, so reading the chat's language costs little.
                return flood_notice(flooded, await self._language(ctx)) if flooded.tell else []
        try:
            return await self._handle(text, ctx)
        except Exception:
            # A bug must not leave a user without an answer (or show them a stack trace).
            log.exception("command %r failed", text[:200])
            language = await self._language(ctx)
            _ = translator(language).gettext
            return error(_("Something went wrong on my side; please try again"), "/help", language)

    async def press(self, action: str, ctx: Context) -> list[Reply]:
        """Answer a button press. Actions are commands; they act on the pressing chat only."""
        action = clean_text(action)
        command = split_command(action)
        if command is None or self.registry.get(command.name) is None:
            language = await self._language(ctx)
            _ = translator(language).gettext
            return error(_("that button is no longer valid"), "/subscriptions", language)
        return await self.handle(action, ctx)

    async def _language(self, ctx: Context) -> str:
        """The chat's language for a refusal; the asker's when the store cannot say."""
        try:
            return await reply_language(ctx, self.services)
        except Exception:
            log.exception("could not read the language of chat %s", ctx.chat.chat_id)
            return chat_language(None, ctx.language)

    async def _handle(self, text: str, ctx: Context) -> list[Reply]:
        command = split_command(text)
        if command is None:
            return await self._free_text(text, ctx)
        entry = self.registry.get(command.name)
        if entry is None:
            language = await self._language(ctx)
            _ = translator(language).gettext
            close = difflib.get_close_matches(command.name, self.registry.names(), n=1)
            if close:
                reason = _("there is no /{name} command. Did you mean /{close}?")
            else:
                reason = _("there is no /{name} command.")
            return error(
                reason.format(name=command.name, close=close[0] if close else ""), "/help", language
            )
        parsed = entry.read(command.args)
        if isinstance(parsed, Invalid):
            return refuse(parsed, await self._language(ctx))
        if (
            entry.changes_chat
            and not getattr(parsed, "read_only", False)
            and ctx.chat_type in (ChatType.GROUP, ChatType.CHANNEL)
            and not ctx.is_admin
            and not await everyone_changes_alerts(ctx, self.services)
        ):
            language = await self._language(ctx)
            _ = translator(language).gettext
            return [
                Reply(
                    title=_("Only this chat's admins can change its alerts"),
                    kind=ReplyKind.ERROR,
                    lines=(_("Anyone can ask questions, e.g. /cheapest or /subscriptions"),),
                    language=language,
                )
            ]
        return await entry.handle(parsed, ctx, self.services)

    async def _free_text(self, text: str, ctx: Context) -> list[Reply]:
        cleaned = " ".join(text.split())
        if not cleaned:
            language = await self._language(ctx)
            _ = translator(language).gettext
            return error(
                _("say something: a command or a price question"), _(EXAMPLE_QUESTION), language
            )
        questions = self.services.questions
        if questions is not None and await db(questions.is_question, cleaned, now=ctx.now):
            return await handle_question(cleaned, ctx, self.services)
        language = await self._language(ctx)
        _ = translator(language).gettext
        return [
            Reply(
                title=_("I read commands and price questions"),
                kind=ReplyKind.ERROR,
                lines=(
                    _("Try: {examples}").format(
                        examples=f"/help · /subscribe deepseek · {_(EXAMPLE_QUESTION)}"
                    ),
                ),
                language=language,
            )
        ]
