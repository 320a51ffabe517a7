"""`pricebot db …`: the schema."""

from __future__ import annotations

import typer

from bot.settings import load_settings

app = typer.Typer(help="The database: migrations.", no_args_is_help=True)


@app.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration the database lacks (also done on every start)."""
    from storage import make_engine, upgrade

    settings = load_settings()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    where = engine.url.render_as_string(hide_password=True)
    typer.echo(f"database at {where} is up to date")


@app.command("status")
def db_status() -> None:
    """Say which migrations are still to apply."""
    from storage import make_engine, pending_migrations

    engine = make_engine(load_settings().database_url)
    pending = pending_migrations(engine)
    typer.echo("up to date" if not pending else "pending: " + ", ".join(pending))
