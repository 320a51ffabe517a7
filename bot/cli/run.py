"""`pricebot run` and `pricebot deliveries …`: the bot itself, and its outbox."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from datetime import UTC, datetime
from typing import Annotated

import typer

from bot.cli.common import fail, open_store, print_json, print_table
from bot.settings import load_settings
from storage import DeliveryStatus

deliveries_app = typer.Typer(
    help="The outbox: alerts owed, sent, and given up on (dead letters).",
    invoke_without_command=True,
)


def run() -> None:
    """Run pricebot: scheduler, fan-out, dispatcher, and every front-end with credentials
    (the console when there are none). Ctrl-C stops it cleanly."""
    from bot.app import build_app

    # Logging (format, level, redaction) is set up once for every command: bot/logs.py.
    settings = load_settings()

    async def main() -> None:
        app = build_app(settings)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, app.request_stop)
        await app.run()

    # A front-end that cannot start raises StartError: bot.cli.main says it in one line.
    asyncio.run(main())


def demo() -> None:
    """Replay the May 2024 price war day by day against example chats: every alert that
    would have gone out, and the "cheapest" answer before and after. Uses a throwaway
    database; yours is not touched."""
    from bot.demo import run_demo

    logging.getLogger().setLevel(logging.WARNING)
    asyncio.run(run_demo(sys.stdout))


_OPEN = (DeliveryStatus.PENDING.value, DeliveryStatus.SENDING.value)


@deliveries_app.callback()
def deliveries(
    ctx: typer.Context,
    status: Annotated[
        str | None,
        typer.Option(help="only these: owed, pending, sending, sent, dead, gone, merged, empty"),
    ] = None,
    limit: Annotated[int, typer.Option(help="how many to list, newest first")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable output")] = False,
) -> None:
    """Counts of deliveries by platform and status, then the latest ones."""
    if ctx.invoked_subcommand is not None:
        return
    wanted: list[str] | None = None
    if status is not None:
        known = {s.value for s in DeliveryStatus}
        wanted = list(_OPEN) if status == "owed" else [status]
        if not set(wanted) <= known:
            fail(f"--status {status!r} is not a delivery status", "deliveries --status dead")
    if not 0 <= limit <= 1_000_000:
        fail("--limit must be from 0 to 1,000,000", "deliveries --limit 20")
    from storage import DeliveryStore

    outbox = DeliveryStore(open_store().engine)
    counts = outbox.counts()
    records = outbox.records(statuses=wanted, limit=limit)
    if as_json:
        print_json(
            {
                "counts": [
                    {"platform": p, "status": s, "count": n} for (p, s), n in sorted(counts.items())
                ],
                "deliveries": [
                    {
                        "id": r.id,
                        "platform": r.chat.platform,
                        "chat": r.chat.chat_id,
                        "team": r.chat.team_id or None,
                        "status": r.status,
                        "kind": r.kind,
                        "attempts": r.attempts,
                        "events": r.events,
                        "created_at": r.created_at.isoformat(),
                        "next_attempt_at": r.next_attempt_at.isoformat(),
                        "sent_at": r.sent_at.isoformat() if r.sent_at else None,
                        "last_error": r.last_error,
                    }
                    for r in records
                ],
            }
        )
        return
    owed = sum(n for (_, s), n in counts.items() if s in _OPEN)
    sent = sum(n for (_, s), n in counts.items() if s == DeliveryStatus.SENT.value)
    dead = sum(n for (_, s), n in counts.items() if s == DeliveryStatus.DEAD.value)
    typer.echo(f"owed {owed} · sent {sent} · dead {dead}")
    if counts:
        print_table(
            ["platform", "status", "count"],
            [(p, s, str(n)) for (p, s), n in sorted(counts.items())],
        )
    if records:
        typer.echo("")
        print_table(
            ["id", "chat", "status", "kind", "tries", "events", "next try / sent", "last error"],
            [
                (
                    str(r.id),
                    f"{r.chat.platform}:{r.chat.team_id + '/' if r.chat.team_id else ''}"
                    f"{r.chat.chat_id}",
                    r.status,
                    r.kind,
                    str(r.attempts),
                    str(r.events),
                    f"{(r.sent_at or r.next_attempt_at):%Y-%m-%d %H:%M:%S}",
                    (r.last_error or "")[:60],
                )
                for r in records
            ],
        )


@deliveries_app.command("retry")
def deliveries_retry(
    ids: Annotated[
        list[int] | None, typer.Argument(help="delivery ids; default: every dead one")
    ] = None,
) -> None:
    """Put dead letters back in the queue (after fixing what made them fail)."""
    from storage import DeliveryStore

    outbox = DeliveryStore(open_store().engine)
    if ids:
        found = outbox.statuses(ids)
        missing = [i for i in dict.fromkeys(ids) if i not in found]
        if missing:
            fail(
                f"no delivery {', '.join(map(str, missing))}; `pricebot deliveries --status "
                "dead` lists the dead letters and their ids",
                "deliveries retry 12",
            )
        alive = {i: s for i, s in found.items() if s != DeliveryStatus.DEAD.value}
        if len(alive) == len(found):
            said = ", ".join(f"{i} is {s}" for i, s in sorted(alive.items()))
            fail(f"only dead letters are retried: delivery {said}", "deliveries retry 12")
        for i, status in sorted(alive.items()):
            typer.echo(f"delivery {i} is {status}, not dead: left as it is")
    count = outbox.retry_dead(now=datetime.now(UTC), ids=ids or None)
    typer.echo(f"{count} dead deliver{'y' if count == 1 else 'ies'} queued again")
