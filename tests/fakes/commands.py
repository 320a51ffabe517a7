"""A CommandLayer for front-end tests: records what a front-end asked and answers plainly.

Front-end tests use it to check the translation (which text, which Context) and
the rendering of the answer; the scenario tests use the real command layer.
"""

from __future__ import annotations

import asyncio

from bot.chat.context import Context
from bot.messages import Button, Reply, ReplyKind


class RecordingCommands:
    """Answers `/subscribe …` with a confirmation, `/oops` with a refusal, the rest as answers."""

    def __init__(self) -> None:
        self.handled: list[tuple[str, Context]] = []
        self.pressed: list[tuple[str, Context]] = []
        # Set to make handle() wait (to show that Slack was acknowledged before the work).
        self.hold: asyncio.Event | None = None

    async def handle(self, text: str, ctx: Context) -> list[Reply]:
        self.handled.append((text, ctx))
        if self.hold is not None:
            await self.hold.wait()
        if text.startswith(("/subscribe", "/unsubscribe")):
            return [Reply(f"Subscribed: {text.split(' ', 1)[-1]}", kind=ReplyKind.INFO)]
        if text.startswith("/oops"):
            return [Reply("No such command", kind=ReplyKind.ERROR, lines=("Try: /help",))]
        if text == "/subscriptions":
            return [
                Reply(
                    f"Subscriptions of {ctx.chat.chat_id}",
                    rows=(),
                    buttons=(Button("Unsubscribe deepseek", "unsub:1"),),
                )
            ]
        if text == "/settings":
            return [Reply("Settings", lines=("currency CNY, mix 3:1, quiet hours none",))]
        return [Reply(f"Answer to {text}", kind=ReplyKind.ANSWER, private=True)]

    async def press(self, action: str, ctx: Context) -> list[Reply]:
        self.pressed.append((action, ctx))
        return [Reply(f"Pressed {action}", kind=ReplyKind.INFO)]
