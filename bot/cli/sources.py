"""`pricebot sources …`: the price feeds, their health, and refreshing them by hand."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.common import fail, open_store, print_json, print_table
from bot.cli.prices import describe_event
from bot.settings import SOURCE_NAMES, load_settings
from storage import EventType, LeftOut, PendingConfirmation, SourceOutcome, SourceStatus

if TYPE_CHECKING:
    from bot.sources.ingest import IngestReport
    from bot.sources.poller import Poller
    from storage import PriceStore
    from storage.source_listings import Listing

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
    from bot.sources.poller import Poller

    settings = load_settings()
    return Poller.from_settings(open_store(settings), settings)


def _print(reports: list[IngestReport], store: PriceStore) -> None:
    for report in reports:
        typer.echo(report.line())
        for event in report.news[:20]:
            # A new model is told with every price it came with, as `pricebot events` does.
            launch = (
                store.prices_at(event.model_id, event.effective_at)
                if event.type is EventType.NEW_MODEL
                else None
            )
            typer.echo(f"  {describe_event(event, launch)}")
        if len(report.news) > 20:
            typer.echo(f"  … and {len(report.news) - 20} more (pricebot events)")
    if any(r.outcome in _BAD for r in reports):
        raise typer.Exit(1)


@app.command("list")
def sources_list(
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """The sources pricebot knows: which are enabled, where they read, how often."""
    from bot.sources import registry

    settings = load_settings()
    built = registry.build_sources(settings)
    every = registry.intervals(settings)
    enabled = settings.enabled_sources()
    rows = [
        {
            "source": name,
            "enabled": name in enabled,
            "location": source.location,
            "interval_minutes": every[name] / timedelta(minutes=1),
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
                f"{r['interval_minutes']:g} min",
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
            help="Vouch for the feed: accept it even if many models vanished or changed at "
            "once, and confirm its suspect changes now (their price points say so).",
        ),
    ] = False,
) -> None:
    """Fetch sources now, through the same guards as the scheduled poller."""
    from bot.sources.poller import refresh_sources

    names = [_name(name, "sources refresh genai-prices")] if name else None
    poller = _poller()
    now = datetime.now(UTC)
    _print(asyncio.run(refresh_sources(poller, now=now, names=names, force=force)), poller.store)


@app.command("import")
def sources_import(
    name: Annotated[str, typer.Argument(help="Which feed the file holds, e.g. litellm.")],
    location: Annotated[
        str, typer.Argument(metavar="PATH_OR_URL", help="A file downloaded by hand, or a URL.")
    ],
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Vouch for the file: accept it even if many models vanished or changed, and "
            "confirm its suspect changes now (their price points say so).",
        ),
    ] = False,
) -> None:
    """Import one feed file once (an air-gapped site, a file fetched by hand), with the guards.

    A suspect change it brings (going free, a deep cut, a placeholder-priced new
    model) waits like a polled one: a second import confirms it only after the
    confirmation delay, unless another source already agrees or --force is given.
    """
    from bot.sources.poller import refresh_source

    source = _name(name, "sources import litellm ./model_prices_and_context_window.json")
    poller = _poller()
    now = datetime.now(UTC)
    refreshed = asyncio.run(refresh_source(poller, source, now=now, location=location, force=force))
    _print([refreshed], poller.store)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


@dataclass(frozen=True)
class _Shown:
    """What `sources status` says about one source, gathered once for text and JSON."""

    name: str
    enabled: bool
    status: SourceStatus | None
    # None: due at once; a string: why it is not polled.
    next_run: datetime | str | None
    pending: list[tuple[PendingConfirmation, datetime | str]]
    left_out: LeftOut
    missing: list[Listing]
    delisted: list[Listing]


def _gather(poller: Poller, polled: bool, name: str, status: SourceStatus | None) -> _Shown:
    enabled = name in poller.enabled
    if not enabled:
        next_run: datetime | str | None = "not polled: not in PRICEBOT_SOURCES"
    elif not polled:
        next_run = "not polled: PRICEBOT_POLL_SOURCES is off"
    else:
        next_run = poller.next_run(name, status)
    pending = []
    for item in poller.state.pending(name).values():
        earliest = item.first_seen_at + poller.confirm_after
        decided: datetime | str
        if isinstance(next_run, str):
            decided = f"by the first import after {_when(earliest)}"
        else:
            decided = earliest if next_run is None else max(next_run, earliest)
        pending.append((item, decided))
    listings = [
        listing
        for recorded in poller.state.recorded_sources(name)
        for listing in poller.state.listings_of(recorded).values()
    ]
    return _Shown(
        name,
        enabled,
        status,
        next_run,
        pending,
        poller.state.left_out(name),
        sorted((x for x in listings if x.missed and not x.delisted), key=lambda x: x.model_id),
        sorted((x for x in listings if x.delisted), key=lambda x: x.model_id),
    )


def _next(next_run: datetime | str | None, now: datetime) -> str:
    if next_run is None:
        return "due now"
    if isinstance(next_run, str):
        return "not polled"
    return "due now" if next_run <= now else _when(next_run)


def _status_json(shown: _Shown, now: datetime) -> dict[str, object]:
    status = shown.status
    row: dict[str, object] = {"source": shown.name, "enabled": shown.enabled}
    if isinstance(shown.next_run, str):
        row["next_run"], row["not_polled"] = None, shown.next_run
    else:
        row["next_run"] = _iso(shown.next_run or now)
    if status is None:
        return {**row, "fetched": False}
    return {
        **row,
        "fetched": True,
        "location": status.location,
        "last_run": _iso(status.last_attempt_at),
        "last_attempt": _iso(status.last_attempt_at),
        "last_success": _iso(status.last_success_at),
        "last_error_at": _iso(status.last_error_at),
        "last_error": status.last_error,
        "consecutive_failures": status.consecutive_failures,
        "models": status.model_count,
        "held_back": status.held_back_count,
        "not_modified": status.not_modified_count,
        "pending_confirmations": status.pending,
        "pending": [
            {
                "model": item.model_id,
                "what": item.description,
                "first_seen": _iso(item.first_seen_at),
                "decided": decided if isinstance(decided, str) else _iso(decided),
            }
            for item, decided in shown.pending
        ],
        "skipped_count": status.skipped_count,
        "skipped": [{"entry": e, "reason": r} for e, r in shown.left_out.skipped],
        "rejected_count": status.rejected_count,
        "rejected": [{"entry": e, "reason": r} for e, r in shown.left_out.rejected],
        "missing": [
            {"model": x.model_id, "since": _iso(x.missing_since), "missed": x.missed}
            for x in shown.missing
        ],
        "delisted": [{"model": x.model_id, "since": _iso(x.delisted_at)} for x in shown.delisted],
        "last_outcome": status.last_outcome.value if status.last_outcome else None,
        "last_message": status.last_message,
    }


def _entries(entries: tuple[tuple[str, str], ...], count: int, limit: int = 5) -> str:
    shown = "; ".join(f"{entry}: {reason}" for entry, reason in entries[:limit])
    more = count - min(limit, len(entries))
    return shown + (f"; and {more} more (--json names them all)" if more > 0 else "")


def _details(shown: _Shown, poller: Poller, now: datetime) -> None:
    status = shown.status
    assert status is not None
    typer.echo(f"\n{shown.name}: {status.last_message or ''}")
    if status.last_error and status.last_outcome is not SourceOutcome.FAILED:
        typer.echo(f"  last error ({_when(status.last_error_at)}): {status.last_error}")
    if status.consecutive_failures:
        typer.echo(f"  failing: {status.consecutive_failures} times in a row")
    if status.not_modified_count:
        typer.echo(f"  not modified (HTTP 304, nothing written): {status.not_modified_count} times")
    if status.skipped_count:
        typer.echo(
            f"  left out on purpose: {status.skipped_count} "
            f"({_entries(shown.left_out.skipped, status.skipped_count)})"
        )
    if status.rejected_count:
        typer.echo(
            f"  refused (could not be read): {status.rejected_count} "
            f"({_entries(shown.left_out.rejected, status.rejected_count)})"
        )
    for held in poller.state.held(shown.name, limit=3):
        seen = f", seen {held.times_seen} times" if held.times_seen > 1 else ""
        typer.echo(f"  held back {_when(held.held_at)}{seen}: {held.reason}")
    for item, decided in shown.pending:
        when = decided if isinstance(decided, str) else f"at the poll due {_next(decided, now)}"
        typer.echo(
            f"  awaiting confirmation since {_when(item.first_seen_at)}, decided {when}: "
            f"{item.description}"
        )
    if shown.missing:
        listed = ", ".join(
            f"{x.model_id} (since {_when(x.missing_since)})" for x in shown.missing[:5]
        )
        more = f" and {len(shown.missing) - 5} more" if len(shown.missing) > 5 else ""
        typer.echo(
            f"  missing from the feed, still current: {len(shown.missing)} ({listed}{more}; "
            f"{poller.guards.delist.describe()})"
        )
    if shown.delisted:
        listed = ", ".join(
            f"{x.model_id} (since {_when(x.delisted_at)})" for x in shown.delisted[:5]
        )
        more = f" and {len(shown.delisted) - 5} more" if len(shown.delisted) > 5 else ""
        typer.echo(f"  no longer listed: {len(shown.delisted)} ({listed}{more})")


def _now() -> datetime:
    return datetime.now(UTC)


@app.command("status")
def sources_status(
    json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Each source's last and next run, last success, models, held-back and pending changes."""
    from bot.sources.poller import Poller

    settings = load_settings()
    poller = Poller.from_settings(open_store(settings), settings)
    now = _now()
    statuses = poller.state.statuses()
    names = [n for n in SOURCE_NAMES if n in poller.enabled or n in statuses]
    shown = [_gather(poller, settings.poll_sources, n, statuses.get(n)) for n in names]
    if json_out:
        print_json([_status_json(s, now) for s in shown])
        return
    rows = []
    for item in shown:
        status = item.status
        label = item.name if item.enabled else f"{item.name} (disabled)"
        if status is None:
            rows.append(
                [
                    label,
                    "never",
                    _next(item.next_run, now),
                    "never",
                    "—",
                    "—",
                    "—",
                    "not fetched yet",
                ]
            )
            continue
        rows.append(
            [
                label,
                _when(status.last_attempt_at),
                _next(item.next_run, now),
                _when(status.last_success_at),
                str(status.model_count),
                str(status.held_back_count),
                str(status.pending),
                status.last_outcome.value if status.last_outcome else "—",
            ]
        )
    print_table(
        [
            "source",
            "last run",
            "next run",
            "last success",
            "models",
            "held back",
            "pending",
            "last",
        ],
        rows,
    )
    for item in shown:
        if item.status is not None:
            _details(item, poller, now)
