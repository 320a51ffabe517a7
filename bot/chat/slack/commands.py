"""Slack text → the command layer's text. Pure: no I/O, no clock.

`/pricebot subscribe deepseek` arrives as the text `subscribe deepseek` and becomes
`/subscribe deepseek`; `/pricebot list` becomes `/subscriptions`; anything that
does not start with a known subcommand (`/pricebot 100万tokens最便宜的是哪个？`)
is passed on as a free-text question. The word `share` at either end asks for
an answer the whole channel sees.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, replace

from bot.messages import Reply

# Subcommand (what people type after /pricebot) → the command layer's command.
SUBCOMMANDS: dict[str, str] = {
    "subscribe": "/subscribe",
    "sub": "/subscribe",
    "unsubscribe": "/unsubscribe",
    "unsub": "/unsubscribe",
    "list": "/subscriptions",
    "subscriptions": "/subscriptions",
    "cheapest": "/cheapest",
    "price": "/price",
    "cost": "/cost",
    "compare": "/compare",
    "free": "/free",
    "mute": "/mute",
    "unmute": "/unmute",
    "digest": "/digest",
    "settings": "/settings",
    "help": "/help",
    "start": "/start",
}

# Commands that change the chat's subscriptions or settings: announced in the channel.
CHANGES = frozenset(
    {"/subscribe", "/unsubscribe", "/mute", "/unmute", "/digest", "/settings", "/workspace"}
)
# These only show something when given no arguments (`/pricebot settings`).
_SHOW_WITHOUT_ARGS = frozenset({"/settings", "/digest"})

SHARE_WORDS = frozenset({"share", "shared", "分享"})

_MENTION = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")
# Slack's link markup: <https://x|label>, <#C123|general>, <mailto:a@b|a@b>.
_LINK = re.compile(r"<([^<>|]+)(?:\|([^<>]*))?>")


@dataclass(frozen=True, slots=True)
class SlackRequest:
    """What a slash command, mention or DM asks of the command layer."""

    text: str
    # The asker wants everyone in the channel to see the answer.
    share: bool = False
    # It changes the chat's subscriptions or settings (announced in the channel).
    changes: bool = False


def unescape(text: str) -> str:
    """Undo Slack's escaping and link markup so the command layer sees what was typed."""
    text = _LINK.sub(lambda m: m.group(2) or m.group(1).lstrip("#@"), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def strip_mentions(text: str) -> str:
    """Remove `<@U…>` mentions (of the bot, in `@pricebot cheapest…`)."""
    return " ".join(_MENTION.sub(" ", text).split())


def parse_request(text: str, *, known: Collection[str] = ()) -> SlackRequest:
    """Translate what followed `/pricebot` (or a mention, or a DM) into a request.

    `known` are the command layer's command names and aliases: each is a subcommand too
    (`/pricebot unmute` → `/unmute`), so commands added later need no change here.
    """
    words = unescape(text).split()
    share = False
    while words and words[-1].lower().strip(".!?") in SHARE_WORDS:
        share = True
        words.pop()
        # "cheapest for 1M tokens, share" keeps no dangling comma.
        if words and words[-1].rstrip(",;"):
            words[-1] = words[-1].rstrip(",;")
        elif words:
            words.pop()
    while words and words[0].lower() in SHARE_WORDS:
        share = True
        words.pop(0)
    if not words:
        return SlackRequest("/help", share=share)
    first = words[0].lower().lstrip("/")
    command = SUBCOMMANDS.get(first) or (f"/{first}" if first in known else None)
    if command is None:
        return SlackRequest(" ".join(words), share=share)
    args = words[1:]
    changes = command in CHANGES and not (command in _SHOW_WITHOUT_ARGS and not args)
    return SlackRequest(" ".join([command, *args]), share=share and not changes, changes=changes)


def _command_mention(names: Collection[str]) -> re.Pattern[str]:
    alternatives = "|".join(sorted((re.escape(n) for n in names), key=len, reverse=True))
    # "/mute 2h" but not "https://x/free" or "1M/free": a slash that starts a word. Only
    # ASCII counts as a word here, so Chinese text around a command ("发送/help查看") does
    # not hide it.
    return re.compile(rf"(?<![A-Za-z0-9_/.:])/({alternatives})(?![A-Za-z0-9_-])")


def for_slack(reply: Reply, *, names: Collection[str] = ()) -> Reply:
    """The reply as Slack users must type its commands: `/mute 2h` → `/pricebot mute 2h`.

    Only the text people read changes; button actions stay the command layer's own.
    """
    pattern = _command_mention({*SUBCOMMANDS, *names})

    def fix(text: str) -> str:
        return pattern.sub(r"/pricebot \1", text)

    return replace(
        reply,
        title=fix(reply.title),
        lines=tuple(fix(line) for line in reply.lines),
        rows=tuple(
            replace(
                row,
                label=fix(row.label),
                value=fix(row.value),
                note=fix(row.note) if row.note else row.note,
            )
            for row in reply.rows
        ),
        footnotes=tuple(fix(note) for note in reply.footnotes),
        buttons=tuple(replace(button, label=fix(button.label)) for button in reply.buttons),
    )
