"""The command menu Telegram shows, in English and Chinese (set with setMyCommands on start).

The commands and their summaries come from the command layer's registry; the summaries
are English message ids, so the Chinese menu reads them through the gettext catalog,
the same words `/help` shows in a Chinese chat.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from telegram import BotCommand

from bot.i18n import CHINESE as CHINESE_LANGUAGE
from bot.i18n import translator

# Telegram allows 1-256 characters of description.
_DESCRIPTION_LIMIT = 256

# Commands that mean nothing on Telegram; they stay out of its menu (typed, they still answer).
NOT_ON_TELEGRAM = frozenset({"workspace"})


def commands(entries: Sequence[tuple[str, str]], language: str) -> list[BotCommand]:
    """The menu for (command, English summary) pairs in `language` ('en' or 'zh')."""
    _ = translator(language).gettext
    return [
        BotCommand(name, _(summary)[:_DESCRIPTION_LIMIT])
        for name, summary in entries
        if name not in NOT_ON_TELEGRAM
    ]


@cache
def summaries(language: str) -> dict[str, str]:
    """Every registered command's summary in `language`, by command name."""
    # Read when first asked, not on import: the Telegram front-end knows the command layer
    # only through its port.
    from bot.chat.commands import default_registry

    entries = [(entry.name, entry.summary) for entry in default_registry().entries()]
    return {command.command: command.description for command in commands(entries, language)}


def __getattr__(name: str) -> dict[str, str]:
    """`CHINESE`: the Chinese summaries by command name, built on first use."""
    if name == "CHINESE":
        return summaries(CHINESE_LANGUAGE)
    raise AttributeError(name)
