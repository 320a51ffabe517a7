"""/cheapest, /price, /cost, /compare, /free, and questions typed without a command.

The answers engine parses and answers; these handlers only pass the question on
with the chat's currency and mix, so every front-end gets the same answers.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.chat.commands.parsing import Invalid
from bot.chat.commands.parsing import later as _
from bot.chat.commands.services import Services, chat_key, db, platform_language
from bot.chat.context import Context
from bot.i18n import chat_language, known_language, translator
from bot.messages import Reply, ReplyKind


def question_parser(
    prefix: str, *, needs: str | None = None, example: str = ""
) -> Callable[[str], str | Invalid]:
    """A parser that turns '/price qwen-long' into the question 'price qwen-long'."""

    # What the command needs, asked in the chat's language when it is missing.
    which = {"model": _("which model?"), "models": _("which models?")}

    def parse(args: str) -> str | Invalid:
        text = " ".join(args.split())
        if needs and not text:
            return Invalid(which[needs], example)
        return f"{prefix} {text}".strip()

    parse.__doc__ = f"'/{prefix} …' → the question text '{prefix} …' (pure)."
    return parse


async def handle_question(text: str, ctx: Context, services: Services) -> list[Reply]:
    """Answer a price question in this chat's currency and mix."""
    chat = await db(
        services.subscriptions.touch_chat,
        chat_key(ctx),
        now=ctx.now,
        language=platform_language(ctx),
    )
    if services.questions is None:
        said = chat_language(chat.language, ctx.language)
        _ = translator(said).gettext
        return [
            Reply(
                title=_("Questions are not available in this build"),
                kind=ReplyKind.ERROR,
                lines=(_("Example: {example}").format(example="/subscriptions"),),
                language=said,
            )
        ]
    language = known_language(chat.language, ctx.language)
    reply = await db(services.questions.ask, text, chat=chat, now=ctx.now, language=language)
    return [reply]
