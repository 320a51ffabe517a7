"""/start and /help."""

from __future__ import annotations

from bot.chat.commands.language import reply_language
from bot.chat.commands.parsing import Invalid
from bot.chat.commands.parsing import later as _
from bot.chat.commands.services import Services, chat_key, db, platform_language
from bot.chat.context import ChatType, Context
from bot.i18n import chat_language, translator
from bot.messages import Button, Reply


def parse_help(args: str) -> str | Invalid:
    """'/help' or '/help subscribe' (with or without the slash)."""
    return args.strip().lstrip("/").split(" ", 1)[0].lower()


async def handle_start(request: None, ctx: Context, services: Services) -> list[Reply]:
    """Say what pricebot does and how to begin, in the chat's language."""
    chat = await db(
        services.subscriptions.touch_chat,
        chat_key(ctx),
        now=ctx.now,
        chat_type=str(ctx.chat_type),
        language=platform_language(ctx),
    )
    language = chat_language(chat.language, ctx.language)
    _ = translator(language).gettext
    return [
        Reply(
            title=_("pricebot watches what LLM APIs cost"),
            lines=(
                _(
                    "I tell this chat when a vendor cuts a price or makes a model free, and I "
                    "answer “cheapest for 1M tokens?”."
                ),
                # The share is a field so the message holds no bare '%', which gettext
                # tools would take for a %-placeholder.
                _(
                    "Start with /subscribe all (cuts of {share} or more, and models made free), "
                    "or /subscribe deepseek for one vendor."
                ).format(share="10%"),
                _("Ask: /cheapest · /price qwen-long · /free · or just type a question."),
                _("Everything else: /help"),
            ),
            buttons=(
                Button(_("Subscribe to everything"), "/subscribe all"),
                Button(_("Cheapest now"), "/cheapest"),
                Button(_("Help"), "/help"),
            ),
            language=language,
        )
    ]


async def handle_help(topic: str, ctx: Context, services: Services) -> list[Reply]:
    """List the commands, or explain one with examples, in the chat's language."""
    registry = services.registry
    language = await reply_language(ctx, services)
    _ = translator(language).gettext
    if topic:
        entry = registry.get(topic)
        if entry is None:
            return [
                Reply(
                    title=_("There is no /{name} command").format(name=topic),
                    lines=(_("Example: {example}").format(example="/help subscribe"),),
                    language=language,
                )
            ]
        # The registry holds English message ids; the catalog has them in every language.
        lines = [
            _(entry.summary),
            _("Usage: {usage}").format(usage=_(entry.usage)),
            *(_(detail) for detail in entry.details),
            _("Examples: {examples}").format(examples=" · ".join(entry.examples)),
        ]
        if entry.changes_chat:
            lines.append(
                _("In groups and channels only the chat's admins can change things with it.")
            )
            if _admin_in_group(ctx):
                lines.append(_(ADMIN_CACHE_NOTE))
        return [Reply(title=f"/{entry.name}", lines=tuple(lines), language=language)]
    footnotes = [
        _(
            "Type a question without a command too: “{question}”. /help subscribe explains "
            "one command."
        ).format(question=_("cheapest for 1M tokens with 128k context?")),
    ]
    if _admin_in_group(ctx):
        footnotes.append(_(ADMIN_CACHE_NOTE))
    return [
        Reply(
            title=_("pricebot commands"),
            lines=tuple(f"/{e.name} — {_(e.summary)}" for e in registry.entries()),
            footnotes=tuple(footnotes),
            language=language,
        )
    ]


# Who is an admin is asked of Telegram or Slack and remembered for a minute (their rate
# limits); admins should know a change of rights takes that long to count.
ADMIN_CACHE_NOTE = _(
    "For admins: who is an admin is checked with the platform and remembered for up to "
    "a minute, so someone made or removed as admin can (or still can) change this chat's "
    "alerts for up to a minute after."
)


def _admin_in_group(ctx: Context) -> bool:
    return ctx.is_admin and ctx.chat_type is not ChatType.PRIVATE
