"""The chat layer: neutral requests and replies, the command layer, renderers, adapters."""

from bot.chat.context import ChatRef, ChatType, Context, Platform
from bot.chat.reply import Button, Image, Reply, ReplyKind, Row

__all__ = [
    "Button",
    "ChatRef",
    "ChatType",
    "Context",
    "Image",
    "Platform",
    "Reply",
    "ReplyKind",
    "Row",
]
