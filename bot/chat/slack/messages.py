"""Replies as Slack messages, through the shared Slack renderer (`bot/chat/render/slack.py`).

The renderer turns one Reply into Block Kit blocks and a mrkdwn fallback, escaped,
with buttons under action ids `pricebot:<n>`, which is how the adapter recognises
pricebot's own buttons. Here: several Replies as one message, and buttons redrawn
for the App Home (where each one must say which conversation it acts on).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bot.chat.render.slack import BLOCK_LIMIT, SlackMessage, escape, render_slack
from bot.messages import Reply

__all__ = ["ACTION_PREFIX", "SlackMessage", "escape", "render", "render_all", "rewrite_buttons"]

ACTION_PREFIX = "pricebot"
# Slack keeps a message's notification text short; the blocks carry the rest.
_FALLBACK_LIMIT = 3000


def render(reply: Reply) -> SlackMessage:
    """One Reply as one Slack message."""
    return render_slack(reply)


def render_all(replies: Sequence[Reply]) -> SlackMessage:
    """Several Replies as one message (an answer with its follow-ups, a refusal and its help)."""
    if len(replies) == 1:
        return render_slack(replies[0])
    messages = [render_slack(reply) for reply in replies]
    blocks: list[dict[str, Any]] = []
    for index, message in enumerate(messages):
        if index:
            blocks.append({"type": "divider"})
        blocks += message.blocks
    text = "\n\n".join(message.text for message in messages)
    if len(text) > _FALLBACK_LIMIT:
        text = text[: _FALLBACK_LIMIT - 2] + "\n…"
    return SlackMessage(
        text=text,
        blocks=blocks[:BLOCK_LIMIT],
        response_type=(
            "ephemeral" if any(m.response_type == "ephemeral" for m in messages) else "in_channel"
        ),
    )


def rewrite_buttons(
    blocks: list[dict[str, Any]], *, action_prefix: str, value: Callable[[str], str]
) -> list[dict[str, Any]]:
    """The same blocks with each button's action id re-prefixed and its value wrapped."""
    rewritten: list[dict[str, Any]] = []
    for block in blocks:
        if block.get("type") != "actions":
            rewritten.append(block)
            continue
        elements = []
        for element in block.get("elements", []):
            suffix = str(element.get("action_id", "")).partition(":")[2]
            elements.append(
                {
                    **element,
                    "action_id": f"{action_prefix}:{suffix}",
                    "value": value(str(element.get("value", ""))),
                }
            )
        rewritten.append({**block, "elements": elements})
    return rewritten
