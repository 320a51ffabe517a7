"""Which language to answer a chat in, when a reply has no chat settings at hand.

Refusals (an unknown command, a command that cannot be read, a member who is not an
admin) are built before any handler reads the chat; they read its language here without
creating the chat, so a mistyped command leaves no row behind.
"""

from __future__ import annotations

from bot.chat.commands.services import Services, chat_key, db
from bot.chat.context import Context
from bot.i18n import chat_language


async def reply_language(ctx: Context, services: Services) -> str:
    """'en' or 'zh': the chat's own choice, else the asker's, else English."""
    chat = await db(services.subscriptions.get_chat, chat_key(ctx))
    return chat_language(chat.language if chat is not None else None, ctx.language)
