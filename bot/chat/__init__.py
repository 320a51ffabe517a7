"""The chat layer: neutral requests and replies, the command layer, renderers, adapters."""

from bot.chat.context import ChatType, Context
from bot.messages import Button, ChatRef, Image, Platform, Reply, ReplyKind, Row

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
