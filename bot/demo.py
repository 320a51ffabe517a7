"""`pricebot demo`: the May 2024 price war replayed day by day against example chats.

Everything real runs: the command layer creates the subscriptions, the price store
records each day's prices, fan-out matches them, and the dispatcher sends every
alert to a notifier that prints it. Only the clock is the replay's: each day's
prices land at 12:00 UTC, digests go out at 09:00 UTC. The store is a throwaway
SQLite file, so the demo never touches your data.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TextIO

from bot.alerts.answering import AnswersEngine
from bot.alerts.dispatcher import Dispatcher
from bot.alerts.evaluate import AlertEvaluator
from bot.alerts.fanout import Fanout
from bot.alerts.limits import RateLimits
from bot.alerts.notifier import Outgoing, Sent
from bot.chat.commands import Commands, Services
from bot.chat.context import Context
from bot.chat.render import render_text
from bot.messages import ChatRef, Platform, Reply
from bot.sources import load_catalog
from storage import (
    AlertMatcher,
    DeliveryStore,
    PriceStore,
    Quote,
    SubscriptionStore,
    make_engine,
    upgrade,
)

# The example chats and what each asks for.
EXAMPLES: tuple[tuple[str, str], ...] = (
    ("team-alpha", "/subscribe all"),
    ("tencent-watchers", "/subscribe tencent 50%"),
    ("long-context", "/subscribe under ¥1.5 with 128k context"),
    ("cheapest-watch", "/subscribe cheapest for 1M tokens"),
    ("morning-digest", "/subscribe all new increases daily"),
)
CHEAPEST = "cheapest for 1M tokens"


class _Clock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment


class PrintingNotifier:
    """Prints each alert with the replay's date and the chat it went to."""

    platform = Platform.CONSOLE

    def __init__(
        self, out: TextIO, clock: Callable[[], datetime], render: Callable[[Reply], str]
    ) -> None:
        self.out = out
        self.clock = clock
        self.render = render
        self.sent = 0

    async def send(self, message: Outgoing) -> Sent:
        self.sent += 1
        when = self.clock().strftime("%Y-%m-%d %H:%M")
        self.out.write(f"\n🔔 {when} UTC → {message.chat.chat_id}\n{self.render(message.reply)}\n")
        return Sent(str(self.sent))


async def run_demo(out: TextIO, *, render: Callable[[Reply], str] = render_text) -> int:
    """Replay the price war; returns how many alerts went out."""
    catalog = load_catalog()
    days = sorted({q.effective_at.date() for q in catalog.quotes})
    baseline = [d for d in days if d <= datetime(2024, 5, 1).date()]
    war = [d for d in days if d not in baseline]
    start = datetime.combine(baseline[-1], time(12), tzinfo=UTC)
    clock = _Clock(start)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'demo.db'}")
        upgrade(engine)
        try:
            store = PriceStore(engine)
            source = f"catalog:{catalog.name}"[:64]
            store.record_rates(catalog.fx_rates)
            store.record(
                [q for q in catalog.quotes if q.effective_at.date() in baseline],
                source=source,
                observed_at=start,
                history=True,
            )
            subs = SubscriptionStore(engine)
            matcher = AlertMatcher(engine)
            matcher.start_cursor(now=start)
            answers = AnswersEngine(store)
            evaluator = AlertEvaluator(store, answers)
            services = Services(store, subs, evaluator, answers, answers)
            commands = Commands(services)
            notifier = PrintingNotifier(out, clock, render)
            dispatcher = Dispatcher(
                store=store,
                deliveries=DeliveryStore(engine),
                subscriptions=subs,
                notifiers=[notifier],
                limits=RateLimits({}),
                ranker=answers,
                clock=clock,
            )
            fanout = Fanout(matcher, evaluator=evaluator)
            out.write(f"pricebot demo: {catalog.name}, replayed day by day\n")
            out.write(f"Prices in force on {baseline[-1]} are the starting point (history).\n")
            await _ask(commands, out, clock, "Before the price war")
            out.write("\nExample chats subscribe:\n")
            for chat, text in EXAMPLES:
                ctx = _context(chat, clock())
                for reply in await commands.handle(text, ctx):
                    first = reply.lines[0] if reply.lines else ""
                    out.write(f"  {chat}: {text}\n    → {reply.title}: {first}\n")
            day = war[0]
            while day <= war[-1] + timedelta(days=1):
                # 09:00: the daily digests of what happened since the day before.
                clock.moment = datetime.combine(day, time(9), tzinfo=UTC)
                fanout.digests(clock.moment)
                await dispatcher.drain()
                quotes = [q for q in catalog.quotes if q.effective_at.date() == day]
                if quotes:
                    # 12:00: the day's prices arrive; alerts follow.
                    clock.moment = datetime.combine(day, time(12), tzinfo=UTC)
                    out.write(f"\n══ {day}: {_headline(quotes)} ══\n")
                    store.record(quotes, source=source, observed_at=clock.moment)
                    fanout.catch_up(clock.moment)
                    await dispatcher.drain()
                day += timedelta(days=1)
            await _ask(commands, out, clock, "After the price war")
            out.write(f"\n{notifier.sent} alerts went out to {len(EXAMPLES)} example chats.\n")
            return notifier.sent
        finally:
            engine.dispose()


def _context(chat: str, now: datetime) -> Context:
    return Context(chat=ChatRef(Platform.CONSOLE, chat), user_id="demo", is_admin=True, now=now)


async def _ask(commands: Commands, out: TextIO, clock: _Clock, heading: str) -> None:
    out.write(f"\n{heading} — “{CHEAPEST}?” (as of {clock().date()}):\n")
    for reply in await commands.handle(CHEAPEST + "?", _context("demo", clock())):
        out.write(render_text(reply) + "\n")


def _headline(quotes: list[Quote]) -> str:
    names = sorted({q.display_name for q in quotes})
    return ", ".join(names)
