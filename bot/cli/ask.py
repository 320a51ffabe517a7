"""`pricebot ask "cheapest for 1M tokens?"`: answer a question from the store."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer

from bot.cli.common import end_of, fail, open_store, parse_date
from bot.settings import load_settings
from storage import CURRENCIES, MoneyError
from storage.money import parse_currency


def ask(
    question: Annotated[str, typer.Argument(help='A question, e.g. "cheapest for 1M tokens?"')],
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Answer with the prices in force on this date (YYYY-MM-DD)."),
    ] = None,
    currency: Annotated[
        str | None, typer.Option(help="Answer in CNY, USD or EUR unless the question says.")
    ] = None,
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang", help="Reply in en (English) or zh (中文); default: the question's language."
        ),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Answer a price question in English or Chinese: cheapest, price, cost, compare, free."""
    from bot.answers import Defaults, Query, SnapshotCache, answer, parse_question
    from bot.chat.render import render_text, to_json

    if currency is not None:
        try:
            currency = parse_currency(currency)
        except MoneyError:
            fail(
                f"--currency {currency!r} is not one of {', '.join(sorted(CURRENCIES))}",
                'ask "cheapest for 1M tokens?" --currency CNY',
            )
    language = None
    if lang is not None:
        from bot.i18n import parse_language

        language = parse_language(lang)
        if language is None:
            fail(
                f"--lang {lang!r} is not a language I speak (en for English, zh for 中文)",
                'ask "cheapest for 1M tokens?" --lang zh',
            )
    when = end_of(parse_date(as_of, "--as-of", 'ask "cheapest for 1M tokens?"')) if as_of else None
    now = datetime.now(UTC)
    settings = load_settings()
    # One question: computing the orders other questions would use (warming) is waste.
    cache = SnapshotCache(open_store(settings), warm=False)
    current = cache.now(now)
    defaults = Defaults(
        currency=currency,
        as_of=when,
        free_confirm_days=settings.free_confirm_days,
        language=language,
    )
    parsed = parse_question(question, current.vocabulary, defaults)
    if not isinstance(parsed, Query):
        typer.echo(f"error: {parsed.reason}", err=True)
        for example in parsed.examples:
            typer.echo(f'example: pricebot ask "{example}"', err=True)
        raise typer.Exit(2)
    snapshot = cache.for_query(parsed, now=now)
    reply = answer(parsed, snapshot, latest=current if parsed.as_of is not None else None)
    typer.echo(to_json(reply) if json_out else render_text(reply))
