"""What the Telegram front-end says itself, in the asker's language: a press refused, a
paged answer gone or changed, a failure. (Everything else comes from the command layer.)

The front-end knows the command layer only through its port, so it speaks the language
Telegram reports for the person (`language_code`); the command layer's replies follow
the chat's own choice.
"""

from __future__ import annotations

from bot.i18n import chat_language, translator
from bot.messages import Reply, ReplyKind


def refused_press(asker: str | None) -> str:
    """The alert a button pressed in the wrong chat shows."""
    _ = translator(chat_language(None, asker)).gettext
    return _("This button belongs to another chat. Send the command here instead.")


def question_gone(asker: str | None) -> Reply:
    language = chat_language(None, asker)
    _ = translator(language).gettext
    return Reply(
        title=_("The question this answers is gone"),
        kind=ReplyKind.ERROR,
        lines=(_("Ask it again to see the whole answer."),),
        language=language,
    )


def answer_changed(asker: str | None) -> Reply:
    language = chat_language(None, asker)
    _ = translator(language).gettext
    return Reply(
        title=_("The answer has changed since"),
        kind=ReplyKind.ERROR,
        lines=(_("Ask again to see the whole new answer."),),
        language=language,
    )


def failed(asker: str | None) -> Reply:
    language = chat_language(None, asker)
    _ = translator(language).gettext
    return Reply(
        title=_("Something went wrong on our side"),
        kind=ReplyKind.ERROR,
        lines=(_("Please try again in a minute. /help lists what works."),),
        language=language,
    )
