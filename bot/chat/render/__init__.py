"""Renderers: one platform-neutral Reply, four ways. Any Reply (answers, alerts, help).

- `render_text(reply) -> str`: plain text for the console and the CLI;
- `render_telegram(reply) -> list[TelegramMessage]`: Telegram HTML, escaped, each part
  under 4096 characters (`split_html`), buttons as an inline keyboard;
- `render_slack(reply) -> SlackMessage`: Block Kit blocks and a mrkdwn fallback, dynamic
  parts escaped (`escape`), buttons as an actions block, private → ephemeral;
- `render_json(reply) -> dict` / `to_json(reply) -> str`: for programs.
"""

from bot.chat.render.json import render_json, to_json
from bot.chat.render.slack import SlackMessage, render_slack
from bot.chat.render.telegram import TelegramMessage, inline_keyboard, render_telegram, split_html
from bot.chat.render.text import render_text

__all__ = [
    "SlackMessage",
    "TelegramMessage",
    "inline_keyboard",
    "render_json",
    "render_slack",
    "render_telegram",
    "render_text",
    "split_html",
    "to_json",
]
