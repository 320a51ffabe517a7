"""`pricebot db copy --to URL`: move a store (usually the embedded SQLite) to PostgreSQL."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.common import fail, print_table
from bot.settings import load_settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

EXAMPLE = "db copy --to postgresql+psycopg://pricebot@127.0.0.1:5432/pricebot"


def _engine(url: str, option: str) -> Engine:
    """An engine for a URL given on the command line; a URL for another database is bad
    input (exit 2, with an example), not a broken setting."""
    from storage import StoreUnavailable, make_engine
    from storage.db import SUPPORTED_BACKENDS

    try:
        return make_engine(url)
    except StoreUnavailable as exc:
        backend = url.split(":", 1)[0].split("+", 1)[0].lower()
        if backend in SUPPORTED_BACKENDS:
            fail(f"{option}: {exc}", EXAMPLE)
        fail(
            f"{option} must be a SQLite or PostgreSQL database URL, not {backend or url!r} "
            "(sqlite:///FILE or postgresql+psycopg://USER@HOST:5432/DB)",
            EXAMPLE,
        )


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
    target_engine = _engine(to, "--to")
    source_engine = _engine(source_url, "--from") if source else make_engine(source_url)
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
