"""Replies as Telegram HTML parts, on top of the shared renderer (`bot/chat/render/telegram.py`).

The shared renderer escapes and splits; this module adds what only the
adapter needs: a picture's caption, within Telegram's 1024-character limit.
"""

from __future__ import annotations

from bot.chat.render.telegram import (
    CAPTION_LIMIT,
    MESSAGE_LIMIT,
    escape,
    split_html,
    to_html,
    utf16_length,
)
from bot.messages import Reply


def html_parts(reply: Reply, *, limit: int = MESSAGE_LIMIT) -> list[str]:
    """The reply's text as HTML messages, each within `limit`, split at line breaks."""
    return split_html(to_html(reply), limit)


def has_text(reply: Reply) -> bool:
    """Whether the reply says more than its title (lines, rows or footnotes)."""
    return bool(reply.lines or reply.rows or reply.footnotes)


def caption_html(reply: Reply, *, with_image_caption: bool = True) -> str | None:
    """A picture's caption: the bold title and the image's caption; None if over the limit."""
    lines = [f"<b>{escape(reply.title)}</b>"] if reply.title else []
    if with_image_caption and reply.image is not None and reply.image.caption:
        lines.append(escape(reply.image.caption))
    html = "\n".join(lines)
    # Measured on the HTML, which is never shorter than what Telegram counts.
    return html if utf16_length(html) <= CAPTION_LIMIT else None
