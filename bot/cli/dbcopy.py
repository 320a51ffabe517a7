"""`pricebot db copy --to URL`: move a store (usually the embedded SQLite) to PostgreSQL."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from bot.cli.common import fail, print_table
from bot.settings import load_settings

EXAMPLE = "db copy --to postgresql+psycopg://pricebot@127.0.0.1:5432/pricebot"


def db_copy(
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="The target database URL: a new, empty PostgreSQL database "
            "(e.g. postgresql+psycopg://pricebot@db:5432/pricebot).",
            show_default=False,
        ),
    ],
    source: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="The source database URL; default: PRICEBOT_DATABASE_URL.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Copy every table (prices, history, subscriptions, deliveries, …) into an empty database.

    Stop pricebot first. Both databases are migrated to the same revision; the
    copy keeps ids, is verified by row counts per table, and lands whole or not
    at all. A target that already holds data is refused.
    """
    from storage import make_engine
    from storage.copy import CopyError, copy_store

    if not to.strip():
        fail("--to needs a database URL", EXAMPLE)
    source_url = source or load_settings().database_url
    source_engine = make_engine(source_url)
    target_engine = make_engine(to)
    where = target_engine.url.render_as_string(hide_password=True)
    started = time.monotonic()
    try:
        counts = copy_store(source_engine, target_engine)
    except CopyError as exc:
        fail(str(exc), EXAMPLE)
    finally:
        source_engine.dispose()
        target_engine.dispose()
    print_table(
        ["table", "source rows", "target rows"],
        [(c.table, str(c.source_rows), str(c.target_rows)) for c in counts],
    )
    total = sum(c.target_rows for c in counts)
    typer.echo(
        f"copied {total} rows in {len(counts)} tables to {where} "
        f"in {time.monotonic() - started:.1f}s; every count matches"
    )
    typer.echo("next: point PRICEBOT_DATABASE_URL at the target and start pricebot there")
