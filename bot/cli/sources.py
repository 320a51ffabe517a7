"""`pricebot sources …`: the price feeds, their health, and refreshing them by hand."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated

import typer

from bot.cli.common import fail, open_store, print_json, print_table
from bot.cli.prices import describe_event
from bot.settings import SOURCE_NAMES, load_settings
from bot.sources import registry
from bot.sources.ingest import IngestReport
from bot.sources.poller import Poller, refresh_source, refresh_sources
from storage import SourceOutcome, SourceStatus

app = typer.Typer(
    help="Price sources: list them, refresh them, see their status, import a feed file.",
    no_args_is_help=True,
)

# A refresh that ended like this makes the command exit 1 (for cron and CI).
_BAD = {SourceOutcome.FAILED, SourceOutcome.HELD_BACK}


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


def _name(name: str, command: str) -> str:
    wanted = name.strip().lower()
    if wanted not in SOURCE_NAMES:
        fail(f"unknown source {name!r}; known: {', '.join(SOURCE_NAMES)}", command)
    return wanted


def _poller() -> Poller:
    settings = load_settings()
    return Poller.from_settings(open_store(settings), settings)


def _print(reports: list[IngestReport]) -> None:
    for report in reports:
        typer.echo(report.line())
        for event in report.news[:20]:
            typer.echo(f"  {describe_event(event)}")
        if len(report.news) > 20:
            typer.echo(f"  … and {len(report.news) - 20} more (pricebot events)")
    if any(r.outcome in _BAD for r in reports):
        raise typer.Exit(1)


@app.command("list")
def sources_list(
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """The sources pricebot knows: which are enabled, where they read, how often."""
    settings = load_settings()
    built = registry.build_sources(settings)
    every = registry.intervals(settings)
    enabled = settings.enabled_sources()
    rows = [
        {
            "source": name,
            "enabled": name in enabled,
            "location": source.location,
            "interval_minutes": int(every[name].total_seconds() // 60),
            "description": source.description,
        }
        for name, source in built.items()
    ]
    if json_out:
        print_json(rows)
        return
    print_table(
        ["source", "enabled", "every", "reads", "what"],
        [
            [
                str(r["source"]),
                "yes" if r["enabled"] else "no",
                f"{r['interval_minutes']} min",
                str(r["location"]),
                str(r["description"]),
            ]
            for r in rows
        ],
    )
    typer.echo(
        "enable with PRICEBOT_SOURCES, e.g. PRICEBOT_SOURCES=catalog,genai-prices,openrouter"
    )


@app.command("refresh")
def sources_refresh(
    name: Annotated[
        str | None, typer.Argument(help="One source, e.g. openrouter; default: every enabled one.")
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Accept a snapshot even if many models vanished or changed at once "
            "(validation and confirmation of alarming changes still apply).",
        ),
    ] = False,
) -> None:
    """Fetch sources now, through the same guards as the scheduled poller."""
    names = [_name(name, "sources refresh genai-prices")] if name else None
    poller = _poller()
    now = datetime.now(UTC)
    _print(asyncio.run(refresh_sources(poller, now=now, names=names, force=force)))


@app.command("import")
def sources_import(
    name: Annotated[str, typer.Argument(help="Which feed the file holds, e.g. litellm.")],
    location: Annotated[
        str, typer.Argument(metavar="PATH_OR_URL", help="A file downloaded by hand, or a URL.")
    ],
    force: Annotated[
        bool, typer.Option("--force", help="Accept even if many models vanished or changed.")
    ] = False,
) -> None:
    """Import one feed file once (an air-gapped site, a file fetched by hand), with the guards."""
    source = _name(name, "sources import litellm ./model_prices_and_context_window.json")
    poller = _poller()
    now = datetime.now(UTC)
    _print([asyncio.run(refresh_source(poller, source, now=now, location=location, force=force))])


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _status_json(name: str, enabled: bool, status: SourceStatus | None) -> dict[str, object]:
    if status is None:
        return {"source": name, "enabled": enabled, "fetched": False}
    return {
        "source": name,
        "enabled": enabled,
        "fetched": True,
        "location": status.location,
        "last_attempt": _iso(status.last_attempt_at),
        "last_success": _iso(status.last_success_at),
        "last_error_at": _iso(status.last_error_at),
        "last_error": status.last_error,
        "consecutive_failures": status.consecutive_failures,
        "models": status.model_count,
        "held_back": status.held_back_count,
        "pending_confirmations": status.pending,
        "last_outcome": status.last_outcome.value if status.last_outcome else None,
        "last_message": status.last_message,
    }


@app.command("status")
def sources_status(
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Each source's last success, last error, models, held-back snapshots, pending changes."""
    poller = _poller()
    statuses = poller.state.statuses()
    names = [n for n in SOURCE_NAMES if n in poller.enabled or n in statuses]
    if json_out:
        print_json([_status_json(n, n in poller.enabled, statuses.get(n)) for n in names])
        return
    rows = []
    for name in names:
        status = statuses.get(name)
        label = name if name in poller.enabled else f"{name} (disabled)"
        if status is None:
            rows.append([label, "never", "—", "—", "—", "—", "not fetched yet"])
            continue
        rows.append(
            [
                label,
                _when(status.last_success_at),
                _when(status.last_error_at),
                str(status.model_count),
                str(status.held_back_count),
                str(status.pending),
                status.last_outcome.value if status.last_outcome else "—",
            ]
        )
    print_table(
        ["source", "last success", "last error", "models", "held back", "pending", "last"], rows
    )
    for name in names:
        status = statuses.get(name)
        if status is None:
            continue
        typer.echo(f"\n{name}: {status.last_message or ''}")
        if status.last_error and status.last_outcome is not SourceOutcome.FAILED:
            typer.echo(f"  last error ({_when(status.last_error_at)}): {status.last_error}")
        if status.consecutive_failures:
            typer.echo(f"  failing: {status.consecutive_failures} times in a row")
        for held in poller.state.held(name, limit=3):
            seen = f", seen {held.times_seen} times" if held.times_seen > 1 else ""
            typer.echo(f"  held back {_when(held.held_at)}{seen}: {held.reason}")
        for pending in poller.state.pending(name).values():
            typer.echo(
                f"  awaiting a second poll since {_when(pending.first_seen_at)}: "
                f"{pending.description}"
            )
