"""The platform-neutral command layer: one parser and one handler per command.

    commands = Commands(services)
    replies = await commands.handle("/subscribe deepseek 20%", ctx)

`Commands` implements `bot.chat.ports.CommandLayer`. Front-ends may add commands
of their own to `commands.registry` (an entry is name, help, parse, handle).
"""

from bot.chat.commands.catalog import default_registry
from bot.chat.commands.layer import Commands
from bot.chat.commands.parsing import Invalid
from bot.chat.commands.registry import CommandEntry, Registry
from bot.chat.commands.services import Questions, Services, chat_key

__all__ = [
    "CommandEntry",
    "Commands",
    "Invalid",
    "Questions",
    "Registry",
    "Services",
    "chat_key",
    "default_registry",
]
