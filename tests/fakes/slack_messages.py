"""Reading what reached the fake Slack: every text of a message, as a person would see it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def iter_texts(message: dict[str, Any]) -> Iterator[str]:
    """Every piece of text in a message: the fallback and each block's text, for assertions."""
    if message.get("text"):
        yield str(message["text"])
    stack: list[Any] = list(message.get("blocks") or [])
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key == "text" and isinstance(value, str):
                    yield value
                else:
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)


def mrkdwn_texts(message: dict[str, Any]) -> list[str]:
    """The texts Slack parses as mrkdwn (where `<!channel>` or `<@U1>` would ping people)."""
    found = [str(message["text"])] if message.get("text") else []
    stack: list[Any] = list(message.get("blocks") or [])
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.get("type") == "mrkdwn" and isinstance(item.get("text"), str):
                found.append(item["text"])
            stack.extend(value for value in item.values() if isinstance(value, dict | list))
        elif isinstance(item, list):
            stack.extend(item)
    return found


def all_text(message: dict[str, Any]) -> str:
    """A message's text and block texts as one string."""
    return "\n".join(iter_texts(message))
