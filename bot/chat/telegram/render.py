"""Replies as Telegram HTML, in parts that fit one message each.

Interim: issue 3 builds the shared renderer in `bot/chat/render/telegram.py`;
once it lands, `html_parts` and `caption_html` delegate to it and this module
keeps only the Telegram-specific limits.
"""

from __future__ import annotations

from html import escape

from bot.chat.reply import Reply, ReplyKind

# Telegram's limits, counted on the visible text in UTF-16 code units.
MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024

_KIND_MARK = {ReplyKind.ERROR: "⚠️ ", ReplyKind.ALERT: "📉 "}


def utf16_len(text: str) -> int:
    """Length as Telegram counts it."""
    return len(text.encode("utf-16-le")) // 2


def _line(plain: str, *, tag: str | None = None) -> tuple[str, str]:
    """One line: (visible text, HTML). Every line's tags open and close on it."""
    html = escape(plain, quote=False)
    return plain, f"<{tag}>{html}</{tag}>" if tag else html


def _lines(reply: Reply, *, with_title: bool = True) -> list[tuple[str, str]]:
    lines: list[tuple[str, str]] = []
    if with_title and reply.title:
        lines.append(_line(_KIND_MARK.get(reply.kind, "") + reply.title, tag="b"))
    lines.extend(_line(text) for text in reply.lines)
    for row in reply.rows:
        plain = f"{row.label}: {row.value}" + (f" ({row.note})" if row.note else "")
        html = f"{escape(row.label, quote=False)}: <b>{escape(row.value, quote=False)}</b>"
        if row.note:
            html += f" <i>({escape(row.note, quote=False)})</i>"
        lines.append((plain, html))
    if reply.footnotes:
        lines.append(("", ""))
        lines.extend(_line(note, tag="i") for note in reply.footnotes)
    return lines


def _pack(lines: list[tuple[str, str]], limit: int) -> list[str]:
    """Join lines into parts of at most `limit` visible units, breaking only between lines."""
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for plain, html in lines:
        length = utf16_len(plain)
        if length > limit:
            # A single line longer than a message: cut its text, formatting dropped.
            if current:
                parts.append("\n".join(current))
                current, size = [], 0
            parts.extend(escape(chunk, quote=False) for chunk in _cut(plain, limit))
            continue
        extra = length + (1 if current else 0)
        if current and size + extra > limit:
            parts.append("\n".join(current))
            current, size, extra = [], 0, length
        current.append(html)
        size += extra
    if current:
        parts.append("\n".join(current))
    return [part for part in parts if part.strip()]


def _cut(plain: str, limit: int) -> list[str]:
    chunks: list[str] = []
    current = ""
    for char in plain:
        if utf16_len(current) + utf16_len(char) > limit:
            chunks.append(current)
            current = ""
        current += char
    if current:
        chunks.append(current)
    return chunks


def html_parts(reply: Reply, *, limit: int = MESSAGE_LIMIT, with_title: bool = True) -> list[str]:
    """The reply's text as HTML messages, each within `limit`, split at line breaks."""
    return _pack(_lines(reply, with_title=with_title), limit)


def caption_html(reply: Reply) -> str | None:
    """A picture's caption: the title and the image's own caption, or None if too long."""
    if reply.image is None:
        return None
    lines = [_line(reply.title, tag="b")] if reply.title else []
    if reply.image.caption:
        lines.append(_line(reply.image.caption))
    visible = "\n".join(plain for plain, _ in lines)
    if utf16_len(visible) > CAPTION_LIMIT:
        return None
    return "\n".join(html for _, html in lines)
