"""How the Bot API reads HTML parse mode: what the fake accepts, refuses, and counts.

Telegram refuses a message whose HTML it cannot parse ("can't parse entities")
and counts a message's length after the markup is removed, in UTF-16 code units.
"""

from __future__ import annotations

import html
import re

# The tags the Bot API's HTML parse mode knows (https://core.telegram.org/bots/api#html-style).
SUPPORTED_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "a",
        "tg-emoji",
        "code",
        "pre",
        "blockquote",
    }
)
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)(\s[^<>]*)?>")
_ENTITY = re.compile(r"&(#[0-9]+|#x[0-9a-fA-F]+|lt|gt|amp|quot);")


class EntityParseError(ValueError):
    """The text is not HTML that Telegram accepts; the message is Telegram's wording."""


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def parse_html(text: str) -> str:
    """The visible text of an HTML-mode message, or EntityParseError as Telegram words it."""
    out: list[str] = []
    open_tags: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "<":
            match = _TAG.match(text, i)
            if match is None:
                raise EntityParseError(
                    "Bad Request: can't parse entities: Unsupported start tag at byte offset "
                    f"{_byte_offset(text, i)}"
                )
            closing, name = match.group(1), match.group(2).lower()
            if name not in SUPPORTED_TAGS:
                raise EntityParseError(
                    f'Bad Request: can\'t parse entities: Unsupported start tag "{name}" at byte '
                    f"offset {_byte_offset(text, i)}"
                )
            if closing:
                if not open_tags or open_tags[-1] != name:
                    expected = f'"</{open_tags[-1]}>"' if open_tags else "nothing"
                    raise EntityParseError(
                        "Bad Request: can't parse entities: Unmatched end tag at byte offset "
                        f'{_byte_offset(text, i)}, expected {expected}, found "</{name}>"'
                    )
                open_tags.pop()
            else:
                open_tags.append(name)
            i = match.end()
        elif char == "&":
            match = _ENTITY.match(text, i)
            if match is None:
                out.append("&")  # a bare ampersand is taken literally
                i += 1
            else:
                out.append(html.unescape(match.group(0)))
                i = match.end()
        else:
            out.append(char)
            i += 1
    if open_tags:
        raise EntityParseError(
            "Bad Request: can't parse entities: Can't find end tag corresponding to start tag "
            f'"{open_tags[-1]}"'
        )
    return "".join(out)
