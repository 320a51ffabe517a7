"""What every CLI command shares: user errors, date parsing, opening the store."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, NoReturn

import typer

from storage.money import json_text

# Every command imports this module, `pricebot --help` too: only cheap imports at the
# top; the store (SQLAlchemy, the tables) loads when a command opens it.
if TYPE_CHECKING:
    from bot.settings import Settings
    from storage import PriceStore


class UserError(Exception):
    """Bad input from a person: one line saying what, and an example that works."""

    def __init__(self, message: str, example: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.example = example


def fail(message: str, example: str | None = None) -> NoReturn:
    raise UserError(message, example)


# Dates a person may type: prices are no older than this, and no further ahead than
# DATE_YEARS_AHEAD. Outside that a date is a typo (9999-12-31), and some would not even
# fit the arithmetic or the database.
EARLIEST_DATE = date(2000, 1, 1)
DATE_YEARS_AHEAD = 5


def latest_date(today: date | None = None) -> date:
    """The last date a person may type: DATE_YEARS_AHEAD years from today."""
    today = today or datetime.now(UTC).date()
    return today.replace(year=today.year + DATE_YEARS_AHEAD, day=min(today.day, 28))


def parse_date(
    text: str,
    option: str,
    command: str,
    *,
    earliest: date = EARLIEST_DATE,
    latest: date | None = None,
    example: date | None = None,
) -> date:
    """A calendar date written YYYY-MM-DD within [earliest, latest]; `command` makes the example."""
    shown = (example or date(2024, 5, 20)).isoformat()
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        fail(f"{option} {text!r} is not a date (YYYY-MM-DD)", f"{command} {option} {shown}")
    last = latest or latest_date()
    if not earliest <= day <= last:
        fail(
            f"{option} {day.isoformat()} is out of range: give a date from "
            f"{earliest.isoformat()} to {last.isoformat()}",
            f"{command} {option} {shown}",
        )
    return day


def in_range(value: int, option: str, low: int, high: int, example: str) -> int:
    """An integer option within [low, high], or one line and an example (exit 2)."""
    if not low <= value <= high:
        fail(f"{option} {value} is out of range: give {low:,} to {high:,}", example)
    return value


def start_of(day: date) -> datetime:
    """00:00 UTC of `day`: when a price dated that day takes effect."""
    return datetime.combine(day, time(0), tzinfo=UTC)


def end_of(day: date) -> datetime:
    """The last moment of `day` in UTC: "as of 2024-05-22" includes that day's changes."""
    return start_of(day) + timedelta(days=1) - timedelta(microseconds=1)


def open_store(settings: Settings | None = None) -> PriceStore:
    """The store at PRICEBOT_DATABASE_URL, migrated to the latest schema."""
    from bot.settings import load_settings
    from storage import PriceStore, make_engine, upgrade

    settings = settings or load_settings()
    engine = make_engine(settings.database_url)
    upgrade(engine)
    return PriceStore(engine)


def print_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2, default=json_text))


def print_table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """Left-aligned columns, for people; programs use --json."""
    rows = [list(r) for r in rows]
    widths = [
        max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(h)
        for i, h in enumerate(headers)
    ]
    typer.echo("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    typer.echo("  ".join("-" * w for w in widths))
    for row in rows:
        typer.echo("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
