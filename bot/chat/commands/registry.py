"""The command registry: each entry is (name, help, parse, handle).

`parse` is pure and total: it turns the text after the command into a value or
an Invalid (never raises). `handle` is async and returns Replies. Other areas
add their commands with `Registry.add` (e.g. Telegram's /history).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.chat.commands.parsing import Invalid
from bot.chat.commands.parsing import later as _
from bot.chat.context import Context
from bot.i18n import ENGLISH, translator
from bot.messages import Reply, ReplyKind

if TYPE_CHECKING:
    from bot.chat.commands.services import Services

Parse = Callable[[str], Any]
Handle = Callable[[Any, Context, "Services"], Awaitable[list[Reply]]]


def error(reason: str, example: str, language: str = ENGLISH) -> list[Reply]:
    """Bad input: one line saying what was wrong (already in `language`), and an example
    that works (a command: it reads the same in every language)."""
    _ = translator(language).gettext
    title = reason[:1].upper() + reason[1:]
    lines = (_("Example: {example}").format(example=example),)
    return [Reply(title=title, kind=ReplyKind.ERROR, lines=lines, language=language)]


def refuse(invalid: Invalid, language: str) -> list[Reply]:
    """A command a parser could not read, told in the chat's language."""
    return error(invalid.text(language), invalid.example, language)


@dataclass(frozen=True, slots=True)
class CommandEntry:
    """One chat command."""

    name: str
    summary: str
    usage: str
    examples: tuple[str, ...]
    parse: Parse
    handle: Handle
    # In groups and channels only the chat's admins may run it (unless it only reads).
    changes_chat: bool = False
    aliases: tuple[str, ...] = ()
    # Longer help: what each part of the usage means.
    details: tuple[str, ...] = field(default_factory=tuple)

    def read(self, args: str) -> Any:
        """Parse, guarding the promise that parsing never raises."""
        try:
            return self.parse(args)
        except Exception:  # a parser bug must still give the user a usable answer
            return Invalid(
                _("I could not read that /{name} command"), self.examples[0], {"name": self.name}
            )


class Registry:
    """Commands by name and alias."""

    def __init__(self, entries: Iterable[CommandEntry] = ()) -> None:
        self._entries: dict[str, CommandEntry] = {}
        self._names: dict[str, str] = {}
        for entry in entries:
            self.add(entry)

    def add(self, entry: CommandEntry) -> None:
        """Register a command; a name already taken is an error (two handlers would race)."""
        for name in (entry.name, *entry.aliases):
            if name in self._names:
                raise ValueError(f"command /{name} is already registered")
        self._entries[entry.name] = entry
        for name in (entry.name, *entry.aliases):
            self._names[name] = entry.name

    def get(self, name: str) -> CommandEntry | None:
        key = self._names.get(name.lower())
        return self._entries[key] if key else None

    def names(self) -> list[str]:
        """Every name and alias, for "did you mean"."""
        return sorted(self._names)

    def entries(self) -> list[CommandEntry]:
        return list(self._entries.values())
