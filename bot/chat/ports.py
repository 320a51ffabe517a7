"""What the chat front-ends (Telegram, Slack, console) plug into.

A front-end translates platform payloads into a Context and text (or a button
action), calls the CommandLayer, and renders the Replies it gets back. The
composition root (`bot/app.py`) starts and stops front-ends in a known order.
"""

from __future__ import annotations

from typing import Protocol

from aiohttp import web

from bot.alerts.notifier import Notifier
from bot.chat.context import Context
from bot.messages import Reply


class CommandLayer(Protocol):
    """The platform-neutral command layer (bot/chat/commands)."""

    async def handle(self, text: str, ctx: Context) -> list[Reply]:
        """Answer a command or a free-text question, e.g. '/subscribe deepseek'."""
        ...

    async def press(self, action: str, ctx: Context) -> list[Reply]:
        """Answer a button press whose callback data is `action`."""
        ...


class FrontEnd(Protocol):
    """One chat platform's connection, with its Notifier for the dispatcher."""

    name: str
    notifier: Notifier

    def routes(self) -> list[web.RouteDef]:
        """HTTP routes this front-end serves on the shared server (webhooks); may be empty."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...
