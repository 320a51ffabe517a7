"""Telegram: a Reply as HTML messages (parse_mode HTML) with an inline keyboard.

    render_telegram(reply) -> list[TelegramMessage]   # one or more, each under 4096
    escape(text) -> str                                # <, >, & for Telegram HTML
    split_html(html, limit=4096) -> list[str]          # at line breaks, tags balanced
    inline_keyboard(buttons) -> dict                   # reply_markup for the buttons

Every dynamic part (title, lines, rows, footnotes, button labels) is escaped; the only
markup is the renderer's own <b> and <i>. Long replies are split at line breaks; a tag
open at a split is closed at the end of one part and reopened at the start of the next.
The buttons go with the last part. Button actions become callback_data, which Telegram
limits to 64 bytes: the command layer keeps its actions that short.
A reply's image, if any, is passed through for the front-end to send with sendPhoto.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bot.messages import Button, Image, Reply, ReplyKind

MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024


@dataclass(frozen=True, slots=True)
class TelegramMessage:
    """One sendMessage call's worth: HTML text, and the keyboard on the last part."""

    text: str
    reply_markup: dict[str, Any] | None = None
    parse_mode: str = "HTML"
    # Sent first (sendPhoto) when the reply carries a chart; its caption is escaped HTML.
    image: Image | None = None


def escape(text: str) -> str:
    """Escape what Telegram's HTML parse mode reads as markup: &, < and >."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def utf16_length(text: str) -> int:
    """Telegram counts message length in UTF-16 code units (an emoji is two)."""
    return len(text.encode("utf-16-le")) // 2


def inline_keyboard(buttons: tuple[Button, ...]) -> dict[str, Any]:
    """Buttons as an inline keyboard, three to a row."""
    rows = [
        [{"text": b.label, "callback_data": b.action} for b in buttons[i : i + 3]]
        for i in range(0, len(buttons), 3)
    ]
    return {"inline_keyboard": rows}


def to_html(reply: Reply) -> str:
    """The whole reply as one Telegram HTML text (maybe longer than one message)."""
    title = escape(reply.title)
    out = [f"⚠️ <b>{title}</b>" if reply.kind is ReplyKind.ERROR else f"<b>{title}</b>"]
    out.extend(escape(line) for line in reply.lines)
    for row in reply.rows:
        line = f"{escape(row.label)} — <b>{escape(row.value)}</b>"
        if row.note:
            line += f" <i>{escape(row.note)}</i>"
        out.append(line)
    if reply.footnotes:
        out.append("")
        out.extend(f"<i>{escape(note)}</i>" for note in reply.footnotes)
    return "\n".join(out)


def render_telegram(reply: Reply, *, limit: int = MESSAGE_LIMIT) -> list[TelegramMessage]:
    """The reply as Telegram messages, each within `limit`, keyboard on the last."""
    parts = split_html(to_html(reply), limit)
    keyboard = inline_keyboard(reply.buttons) if reply.buttons else None
    image = None
    if reply.image is not None:
        caption = escape(reply.image.caption)
        image = Image(reply.image.png, split_html(caption, CAPTION_LIMIT)[0])
    return [
        TelegramMessage(
            text=part,
            reply_markup=keyboard if i == len(parts) - 1 else None,
            image=image if i == 0 else None,
        )
        for i, part in enumerate(parts)
    ]


_ATOM = re.compile(r"<[^<>]*>|&[#a-zA-Z0-9]{1,32};|\n|[^<&\n]+|[<&]")
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z][a-zA-Z0-9-]*)")


def split_html(html: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """Split Telegram HTML into parts within `limit` UTF-16 units, at line breaks where
    possible (else at spaces, else anywhere outside a tag or entity), tags balanced."""
    if utf16_length(html) <= limit:
        return [html]
    return _Splitter(limit).run(html)


class _Splitter:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.parts: list[str] = []
        self.current: list[str] = []
        self.length = 0
        # Open tags: (name, the opening tag as written) to close and reopen at a split.
        self.stack: list[tuple[str, str]] = []

    def closing(self) -> str:
        return "".join(f"</{name}>" for name, _ in reversed(self.stack))

    def room(self) -> int:
        return self.limit - self.length - utf16_length(self.closing())

    def run(self, html: str) -> list[str]:
        lines = html.split("\n")
        for index, line in enumerate(lines):
            atoms = _ATOM.findall(line) + (["\n"] if index < len(lines) - 1 else [])
            need = sum(utf16_length(a) for a in atoms) + self._closing_after(atoms)
            if need > self.room() and self._has_content():
                self.flush()
            if need <= self.room():
                for atom in atoms:
                    self.add(atom)
            else:
                self.add_long(atoms)
        self.flush()
        return [p for p in self.parts if p.strip()]

    def _closing_after(self, atoms: list[str]) -> int:
        """Extra closing-tag length if `atoms` leave tags open (beyond the current ones)."""
        stack = list(self.stack)
        for atom in atoms:
            self._track(atom, stack)
        return max(0, sum(len(n) + 3 for n, _ in stack) - utf16_length(self.closing()))

    def _has_content(self) -> bool:
        return any(not a.startswith("<") and a.strip() for a in self.current)

    @staticmethod
    def _track(atom: str, stack: list[tuple[str, str]]) -> None:
        if not atom.startswith("<") or len(atom) < 3:
            return
        match = _TAG_NAME.match(atom)
        if match is None:
            return
        name = match.group(1).lower()
        if atom.startswith("</"):
            for i in range(len(stack) - 1, -1, -1):
                if stack[i][0] == name:
                    del stack[i]
                    break
        elif not atom.endswith("/>"):
            stack.append((name, atom))

    def add(self, atom: str) -> None:
        if atom == "\n" and not self._has_content():
            return  # no part starts with a blank line
        self.current.append(atom)
        self.length += utf16_length(atom)
        self._track(atom, self.stack)

    def add_long(self, atoms: list[str]) -> None:
        """A line longer than a whole part: split its text at spaces, else anywhere."""
        for atom in atoms:
            if utf16_length(atom) <= self.room():
                self.add(atom)
                continue
            if atom.startswith(("<", "&")):
                self.flush()
                self.add(atom)
                continue
            rest = atom
            while rest:
                room = self.room()
                if utf16_length(rest) <= room:
                    self.add(rest)
                    break
                cut = self._cut(rest, room)
                if cut == 0 and self._has_content():
                    self.flush()
                    continue
                # Not even one character fits beside the open tags: overflow by one
                # rather than loop forever (only absurdly deep nesting gets here).
                cut = max(cut, 1)
                self.add(rest[:cut])
                self.flush()
                rest = rest[cut:].lstrip(" ")

    @staticmethod
    def _cut(text: str, room: int) -> int:
        """How many characters of `text` fit in `room` units, preferring a space."""
        fit = 0
        used = 0
        for char in text:
            used += utf16_length(char)
            if used > room:
                break
            fit += 1
        space = text.rfind(" ", 0, fit)
        return space if space > fit // 2 else fit

    def flush(self) -> None:
        while self.current and self.current[-1] == "\n":
            self.current.pop()
        if self._has_content():
            self.parts.append("".join(self.current) + self.closing())
        self.current = [tag for _, tag in self.stack]
        self.length = sum(utf16_length(t) for t in self.current)
