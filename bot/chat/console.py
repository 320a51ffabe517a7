"""The console front-end: a chat in the terminal, for trying pricebot with no tokens.

It reads lines from standard input (typed at a terminal or piped in), passes each
to the command layer as the chat `console:local`, prints the replies, and prints
alerts as the dispatcher sends them. End of input stops pricebot cleanly.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TextIO

from aiohttp import web

from bot.alerts.notifier import Notifier, Outgoing, Sent
from bot.chat.context import ChatType, Context
from bot.chat.ports import CommandLayer
from bot.chat.render import render_text
from bot.i18n import chat_language, translator
from bot.messages import ChatRef, Platform, Reply

CONSOLE_CHAT = "local"


def console_text(reply: Reply) -> str:
    """Plain text, with each button shown as the command it runs (a terminal has no buttons)."""
    text = render_text(replace(reply, buttons=()))
    if reply.buttons:
        text += "\n" + "  ".join(f"[{b.label}: {b.action}]" for b in reply.buttons)
    return text


class ConsoleNotifier:
    """Prints alerts to the terminal; the dispatcher's Notifier for the console platform."""

    platform = Platform.CONSOLE

    def __init__(
        self, out: TextIO | None = None, render: Callable[[Reply], str] = console_text
    ) -> None:
        self.out = out or sys.stdout
        self.render = render
        self._ids = itertools.count(1)

    async def send(self, message: Outgoing) -> Sent:
        """Print one alert (chats other than the local one are named)."""
        _ = translator(message.reply.language).gettext
        who = "" if message.chat.chat_id == CONSOLE_CHAT else f" → console:{message.chat.chat_id}"
        quiet = _(" (silent)") if message.silent else ""
        alert = _("ALERT")
        self.out.write(f"🔔 {alert}{who}{quiet}: {self.render(message.reply)}\n")
        self.out.flush()
        return Sent(message_id=str(next(self._ids)))


class ConsoleFrontEnd:
    """The terminal chat: stdin lines in, replies and alerts out."""

    name = "console"

    def __init__(
        self,
        commands: CommandLayer,
        *,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        on_eof: Callable[[], None] | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        render: Callable[[Reply], str] = console_text,
        language: str | None = None,
    ) -> None:
        self.commands = commands
        # The person at the terminal's language ('en', 'zh'), as Telegram's language_code
        # is a Telegram user's: it applies until the chat chooses with /settings language.
        self.language = language
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.on_eof = on_eof
        self.clock = clock
        self.render = render
        self.notifier: Notifier = ConsoleNotifier(self.stdout, render)
        self._lines: asyncio.Queue[str | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def routes(self) -> list[web.RouteDef]:
        return []

    async def start(self) -> None:
        """Read stdin in a thread (works for terminals, pipes and files alike)."""
        loop = asyncio.get_running_loop()

        def read() -> None:
            for line in self.stdin:
                loop.call_soon_threadsafe(self._lines.put_nowait, line)
            loop.call_soon_threadsafe(self._lines.put_nowait, None)

        threading.Thread(target=read, name="console-stdin", daemon=True).start()
        self._task = asyncio.create_task(self._serve(), name="console")
        if self.stdin.isatty():
            _ = translator(chat_language(None, self.language)).gettext
            self._write(_("pricebot console: type /help, or a question. Ctrl-D or Ctrl-C stops."))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _serve(self) -> None:
        while True:
            line = await self._lines.get()
            if line is None or line.strip().lower() in ("/quit", "/exit"):
                if self.on_eof is not None:
                    self.on_eof()
                return
            if not line.strip():
                continue
            ctx = Context(
                chat=ChatRef(Platform.CONSOLE, CONSOLE_CHAT),
                user_id="console",
                is_admin=True,
                now=self.clock(),
                chat_type=ChatType.PRIVATE,
                language=self.language,
                user_name="you",
            )
            for reply in await self.commands.handle(line, ctx):
                self._write(self.render(reply))

    def _write(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()
