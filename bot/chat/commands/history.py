"""/history MODEL: a step chart of a model's input and output price over time.

The chart is a Reply image; every front-end shows it its own way (Telegram
sends a photo, the console prints its caption). Drawing runs in a worker
thread (`bot.chat.charts.history_image`), never on the event loop.
"""

from __future__ import annotations

import difflib

from bot.chat.charts import ChartsBusy, history_image
from bot.chat.commands.language import reply_language
from bot.chat.commands.parsing import Invalid
from bot.chat.commands.parsing import later as _
from bot.chat.commands.registry import error
from bot.chat.commands.services import Services, db
from bot.chat.context import Context
from bot.i18n import translator
from bot.messages import Reply, ReplyKind

EXAMPLE = "/history qwen-long"


def parse_history(args: str) -> str | Invalid:
    """'/history qwen long' → the model name 'qwen long' (pure)."""
    name = " ".join(args.split())
    if not name:
        return Invalid(_("which model?"), EXAMPLE)
    return name


async def handle_history(name: str, ctx: Context, services: Services) -> list[Reply]:
    """The model's price chart, its caption repeating the numbers."""
    language = await reply_language(ctx, services)
    _ = translator(language).gettext
    model_id = await db(services.store.resolve_model, name)
    if model_id is None:
        known = await db(_model_names, services)
        close = difflib.get_close_matches(name.lower(), known, n=3, cutoff=0.6)
        if close:
            reason = _("I don't know a model called “{name}”. Did you mean {names}?")
        else:
            reason = _("I don't know a model called “{name}”.")
        return error(reason.format(name=name, names=_(", ").join(close)), EXAMPLE, language)
    try:
        image = await history_image(
            services.store, model_id, now=ctx.now, charts=services.charts, language=language
        )
    except ChartsBusy:
        return [
            Reply(
                title=_("Many charts are being drawn right now"),
                kind=ReplyKind.ERROR,
                lines=(_("Please try again in a minute: {example}").format(example=EXAMPLE),),
                language=language,
            )
        ]
    if image is None:
        return [
            Reply(
                title=_("No prices recorded for {model} yet").format(model=model_id),
                lines=(_("Try {example}").format(example=EXAMPLE),),
                language=language,
            )
        ]
    models = (await db(services.names))[1]
    title = _("{model}: price history").format(model=models.get(model_id, model_id))
    return [Reply(title=title, kind=ReplyKind.ANSWER, image=image, language=language)]


def _model_names(services: Services) -> list[str]:
    models = services.store.models()
    return [m.model_id for m in models] + list(services.store.aliases())
