"""`pricebot ask "cheapest for 1M tokens?"`: answer a question from the store."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from bot.cli.common import end_of, fail, open_store, parse_date
from bot.settings import load_settings
from storage import CURRENCIES, MoneyError
from storage.money import parse_currency

if TYPE_CHECKING:
    from bot.answers import Defaults, PriceSnapshot, SnapshotCache
    from bot.settings import Settings
    from storage.lean_read import LeanReader


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
    from bot.answers import Defaults, SnapshotCache

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
    with _reader(settings) as reader:
        # One question: computing the orders other questions would use (warming) is waste.
        cache = SnapshotCache(reader, warm=False)
        current = cache.now(now)
        if not any(current.version[:_PRICED]):
            _no_prices(settings.database_url)
        _answer(
            question,
            cache,
            current,
            now=now,
            defaults=Defaults(
                currency=currency,
                as_of=when,
                free_confirm_days=settings.free_confirm_days,
                language=language,
            ),
            json_out=json_out,
        )


# data_version()'s first two numbers: price points and free offers ever recorded.
_PRICED = 2


def _reader(settings: Settings) -> LeanReader:
    """The store's lean reading side: sqlite3 alone for a SQLite file at the newest schema
    (no SQLAlchemy to import); else the store opened (created, migrated) the usual way."""
    from storage.lean_read import LeanReader, open_sqlite

    reader = open_sqlite(settings.database_url)
    if reader is not None:
        return reader
    return LeanReader.over(open_store(settings).engine)


def _no_prices(database_url: str) -> NoReturn:
    """A store with no price at all: say so and how to fill it, rather than "no model
    matches" (which would be an answer about prices that are simply not there)."""
    from bot.cli import EXIT_UNAVAILABLE

    typer.echo(
        f"error: the price store ({_shown(database_url)}) has no prices yet, "
        "so there is nothing to answer from",
        err=True,
    )
    typer.echo(
        "hint: load the bundled May 2024 price-war catalog with `pricebot catalog load`, "
        "fetch the price sources with `pricebot sources refresh`, or start the bot with "
        "`pricebot run` (`make run`), which loads the catalog into a new store",
        err=True,
    )
    raise typer.Exit(EXIT_UNAVAILABLE)


def _shown(database_url: str) -> str:
    """The URL without its password."""
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", database_url)


def _answer(
    question: str,
    cache: SnapshotCache,
    current: PriceSnapshot,
    *,
    now: datetime,
    defaults: Defaults,
    json_out: bool,
) -> None:
    from bot.answers import Query, answer, parse_question
    from bot.chat.render import render_text, to_json

    parsed = parse_question(question, current.vocabulary, defaults)
    if not isinstance(parsed, Query):
        typer.echo(f"error: {parsed.reason}", err=True)
        for example in parsed.examples:
            typer.echo(f'example: pricebot ask "{example}"', err=True)
        raise typer.Exit(2)
    snapshot = cache.for_query(parsed, now=now)
    reply = answer(parsed, snapshot, latest=current if parsed.as_of is not None else None)
    typer.echo(to_json(reply) if json_out else render_text(reply))
