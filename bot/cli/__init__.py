"""The `pricebot` command line (Typer). Each command group lives in its own module."""

from __future__ import annotations

import sys

import typer
from pydantic import ValidationError

from bot.cli import ask, db, dbcopy, health, mcp, models, prices, run, show, sources
from bot.cli.common import UserError
from bot.logs import setup_logging
from bot.messages import StartError
from bot.settings import Settings, load_settings
from storage import MoneyError

# sysexits.h's EX_UNAVAILABLE: a service pricebot needs could not be reached.
EXIT_UNAVAILABLE = 69

app = typer.Typer(
    name="pricebot",
    help="LLM price alerts: a price store, price-cut alerts, and 'cheapest for 1M tokens?'.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db.app.command("copy")(dbcopy.db_copy)
app.add_typer(db.app, name="db")
app.add_typer(prices.catalog_app, name="catalog")
app.add_typer(prices.prices_app, name="prices")
app.add_typer(models.app, name="models")
_ = show  # registers `prices show` on prices_app
app.command("events")(prices.events)
app.command("ask")(ask.ask)
app.add_typer(sources.app, name="sources")
app.command("run")(run.run)
app.command("demo")(run.demo)
app.add_typer(run.deliveries_app, name="deliveries")
app.command("health")(health.health)
app.command("mcp")(mcp.mcp)


def _setup_logging() -> None:
    """Structured, redacted logs for every command; broken settings are reported later."""
    try:
        settings = load_settings()
    except ValidationError:
        # The command itself reads the settings again and says what is wrong.
        settings = Settings.model_construct()
    setup_logging(settings)


class _NeverRaised(Exception):
    """Stands for an error class whose module no command loaded: nothing raises it."""


def _loaded(module: str, name: str) -> type[Exception]:
    """An error class from `module` if the command imported it. Catching CatalogError or
    StoreUnavailable must not import the catalog or the store (SQLAlchemy) for every
    command; an `except` clause is evaluated only when an error reaches it."""
    found = sys.modules.get(module)
    return getattr(found, name) if found is not None else _NeverRaised


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; user errors exit 2 with one line and an example, never a traceback."""
    _setup_logging()
    try:
        app(args=argv)
    except UserError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        if exc.example:
            typer.echo(f"example: pricebot {exc.example}", err=True)
        sys.exit(2)
    except StartError as exc:
        # One line: what failed and what to check. A platform that cannot be reached
        # (EX_UNAVAILABLE) may work on a restart; a refused setting (2) will not.
        typer.echo(f"error: pricebot cannot start: {exc}", err=True)
        sys.exit(EXIT_UNAVAILABLE if exc.unavailable else 2)
    except (MoneyError, _loaded("bot.sources.catalog", "CatalogError")) as exc:
        typer.echo(f"error: {exc}", err=True)
        example = getattr(exc, "example", None)
        if example:
            # A catalog entry that loads: TOML, several lines, indented under the label.
            indented = "\n".join(f"  {line}" for line in example.splitlines())
            typer.echo(f"example:\n{indented}", err=True)
        sys.exit(2)
    except ValidationError as exc:
        # Settings from the environment that do not validate: name the variable.
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        typer.echo(f"error: setting PRICEBOT_{field.upper()}: {first['msg']}", err=True)
        sys.exit(2)
    except _loaded("storage.db", "StoreUnavailable") as exc:
        typer.echo(f"error: {exc}", err=True)
        typer.echo("hint: set PRICEBOT_DATABASE_URL, e.g. sqlite:///pricebot.db", err=True)
        sys.exit(1)
