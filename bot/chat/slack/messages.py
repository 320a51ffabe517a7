"""Replies as Slack messages: Block Kit blocks plus a plain mrkdwn fallback text.

Buttons carry the Reply's opaque action in `value`, under action ids that start
with ACTION_PREFIX, which is how the adapter recognises pricebot's own buttons.

This is the Slack front-end's one place that knows Block Kit's shape; when the
shared renderer (`bot/chat/render/slack.py`) is present, it is used instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.chat.reply import Reply, ReplyKind

ACTION_PREFIX = "pricebot"

# Block Kit limits (Slack's reference): what Slack refuses with invalid_blocks.
_MAX_BLOCKS = 50
_HEADER_CHARS = 150
_SECTION_CHARS = 3000
_BUTTON_CHARS = 75
_FIELDS = 10
_BUTTONS = 25

_ICONS = {ReplyKind.ALERT: ":chart_with_downwards_trend: ", ReplyKind.ERROR: ":warning: "}


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """What chat.postMessage / respond() take: fallback text and blocks."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def fallback_text(reply: Reply) -> str:
    """The plain text Slack shows in notifications and where blocks cannot be shown."""
    parts = [f"*{escape(reply.title)}*"]
    parts += [escape(line) for line in reply.lines]
    for row in reply.rows:
        note = f" ({escape(row.note)})" if row.note else ""
        parts.append(f"• {escape(row.label)}: {escape(row.value)}{note}")
    parts += [f"_{escape(note)}_" for note in reply.footnotes]
    if reply.image is not None:
        parts.append(escape(reply.image.caption))
    return "\n".join(parts)


def render_blocks(
    reply: Reply,
    *,
    action_prefix: str = ACTION_PREFIX,
    button_value: Callable[[str], str] | None = None,
) -> list[dict[str, Any]]:
    """The Block Kit blocks for one Reply; `button_value` may wrap each button's action."""
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": _clip(_ICONS.get(reply.kind, "") + reply.title, _HEADER_CHARS),
                "emoji": True,
            },
        }
    ]
    if reply.lines:
        text = "\n".join(escape(line) for line in reply.lines)
        blocks.append(_section(text))
    rows = list(reply.rows)
    while rows:
        chunk, rows = rows[:_FIELDS], rows[_FIELDS:]
        fields = []
        for row in chunk:
            note = f"\n_{escape(row.note)}_" if row.note else ""
            text = f"*{escape(row.label)}*\n{escape(row.value)}{note}"
            fields.append({"type": "mrkdwn", "text": _clip(text, 2000)})
        blocks.append({"type": "section", "fields": fields})
    if reply.image is not None:
        blocks.append(_section(escape(reply.image.caption)))
    if reply.footnotes:
        elements = [{"type": "mrkdwn", "text": _clip(escape(n), 2000)} for n in reply.footnotes]
        blocks.append({"type": "context", "elements": elements[:10]})
    if reply.buttons:
        buttons = []
        for index, button in enumerate(reply.buttons[:_BUTTONS]):
            buttons.append(
                {
                    "type": "button",
                    "action_id": f"{action_prefix}:{index}",
                    "text": {
                        "type": "plain_text",
                        "text": _clip(button.label, _BUTTON_CHARS),
                        "emoji": True,
                    },
                    "value": button_value(button.action) if button_value else button.action,
                }
            )
        blocks.append({"type": "actions", "elements": buttons})
    return blocks


def render(reply: Reply) -> SlackMessage:
    """One Reply as one Slack message."""
    return SlackMessage(text=fallback_text(reply), blocks=render_blocks(reply)[:_MAX_BLOCKS])


def render_all(replies: list[Reply]) -> SlackMessage:
    """Several Replies as one message (an answer with its follow-ups, several alerts)."""
    if len(replies) == 1:
        return render(replies[0])
    blocks: list[dict[str, Any]] = []
    for index, reply in enumerate(replies):
        if index:
            blocks.append({"type": "divider"})
        blocks += render_blocks(reply, action_prefix=f"{ACTION_PREFIX}:{index}")
    text = "\n\n".join(fallback_text(reply) for reply in replies)
    return SlackMessage(text=_clip(text, 39000), blocks=blocks[:_MAX_BLOCKS])


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text, _SECTION_CHARS)}}
