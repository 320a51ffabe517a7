"""A stand-in command layer for adapter tests: it records what it is asked and answers as told.

It implements the real `bot.chat.ports.CommandLayer` port and is handed to the
front-end the way the composition root hands over the real one; end-to-end
tests use the real command layer instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bot.chat.context import Context
from bot.messages import Reply

Answer = Callable[[str, Context], list[Reply]]


def _echo(text: str, ctx: Context) -> list[Reply]:
    return [Reply(title=f"you said: {text}")]


@dataclass
class RecordingCommands:
    """Answers `handle` with `on_text` and `press` with `on_press`; remembers every request."""

    on_text: Answer = _echo
    on_press: Answer = _echo
    asked: list[tuple[str, Context]] = field(default_factory=list)
    pressed: list[tuple[str, Context]] = field(default_factory=list)

    async def handle(self, text: str, ctx: Context) -> list[Reply]:
        self.asked.append((text, ctx))
        return self.on_text(text, ctx)

    async def press(self, action: str, ctx: Context) -> list[Reply]:
        self.pressed.append((action, ctx))
        return self.on_press(action, ctx)
