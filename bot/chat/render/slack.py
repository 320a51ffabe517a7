"""Slack: a Reply as Block Kit blocks with a mrkdwn fallback text.

    render_slack(reply) -> SlackMessage     # .text (fallback), .blocks, .response_type
    escape(text) -> str                     # a dynamic part made safe for mrkdwn

Every dynamic part goes through `escape`: &, < and > become &amp; &lt; &gt; (so a model
name cannot open a link or a mention), and the formatting characters *, _, ~ and ` are
replaced by look-alikes (∗ ˍ ∼ ˋ). Slack's mrkdwn has no escape for them, so a name
like `my_*model*` would otherwise turn bold or italic; the look-alikes show the same
text without formatting it. The only real formatting is the renderer's own.

Blocks: the title (bold section), the lines, the rows (one section per 3,000
characters), the footnotes (a context block of up to 10 elements), the buttons (an
actions block, `action_id` "pricebot:<n>" and the action as `value`). Slack allows 50
blocks; a longer reply is cut there with a note. `response_type` is "ephemeral" for a
private reply (only the asker sees it), else "in_channel". An image, if any, is passed
through: the front-end uploads it (Block Kit images need a URL).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.i18n import translator
from bot.messages import Image, Reply, ReplyKind

SECTION_LIMIT = 3000
BLOCK_LIMIT = 50
CONTEXT_ELEMENTS = 10
BUTTONS_PER_BLOCK = 25
BUTTON_TEXT_LIMIT = 75
FALLBACK_LIMIT = 3000

_LOOKALIKES = str.maketrans({"*": "∗", "_": "ˍ", "~": "∼", "`": "ˋ"})


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """What chat.postMessage / respond() take: fallback text and blocks."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    response_type: str = "in_channel"
    image: Image | None = None


def escape(text: str) -> str:
    """A dynamic part made safe for mrkdwn: &, <, > escaped; *, _, ~, ` neutralised."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return escaped.translate(_LOOKALIKES)


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _chunks(lines: list[str], limit: int = SECTION_LIMIT) -> list[str]:
    """Join lines into texts of at most `limit` characters (a longer line is cut)."""
    chunks: list[str] = []
    current = ""
    for line in lines:
        line = line[:limit]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks


def _row(label: str, value: str, note: str | None) -> str:
    text = f"{escape(label)}  *{escape(value)}*"
    return text + (f"  _{escape(note)}_" if note else "")


def render_slack(reply: Reply) -> SlackMessage:
    """The reply as Block Kit blocks and a mrkdwn fallback."""
    title = escape(reply.title)
    heading = f":warning: *{title}*" if reply.kind is ReplyKind.ERROR else f"*{title}*"
    blocks: list[dict[str, Any]] = [_section(heading[:SECTION_LIMIT])]
    lines = [escape(line) for line in reply.lines]
    blocks.extend(_section(chunk) for chunk in _chunks(lines))
    rows = [_row(r.label, r.value, r.note) for r in reply.rows]
    blocks.extend(_section(chunk) for chunk in _chunks(rows))
    if reply.image is not None:
        blocks.append(_section(escape(reply.image.caption)[:SECTION_LIMIT]))
    notes = [escape(n) for n in reply.footnotes]
    if notes:
        # Up to 10 elements: the tenth takes whatever is left.
        head, tail = notes[: CONTEXT_ELEMENTS - 1], notes[CONTEXT_ELEMENTS - 1 :]
        elements = head + (["\n".join(tail)] if tail else [])
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": e[:SECTION_LIMIT]} for e in elements],
            }
        )
    actions: list[dict[str, Any]] = []
    for start in range(0, len(reply.buttons), BUTTONS_PER_BLOCK):
        actions.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": b.label[:BUTTON_TEXT_LIMIT]},
                        "action_id": f"pricebot:{start + i}",
                        "value": b.action,
                    }
                    for i, b in enumerate(reply.buttons[start : start + BUTTONS_PER_BLOCK])
                ],
            }
        )
    room = BLOCK_LIMIT - len(actions)
    if len(blocks) > room:
        blocks = blocks[: room - 1]
        _ = translator(reply.language).gettext
        cut = _("…cut short: the full answer is longer than Slack allows.")
        blocks.append(_section(f"_{cut}_"))
    blocks.extend(actions)
    fallback = heading
    for line in [*lines, *rows, *(f"_{n}_" for n in notes)]:
        if len(fallback) + len(line) + 2 > FALLBACK_LIMIT:
            fallback += "\n…"
            break
        fallback += "\n" + line
    return SlackMessage(
        text=fallback,
        blocks=blocks,
        response_type="ephemeral" if reply.private else "in_channel",
        image=reply.image,
    )
