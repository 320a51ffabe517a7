"""The composition root: one asyncio process, one scheduler, the dispatcher, the front-ends.

`build_app(settings)` wires the store, the command layer, fan-out, dispatcher and
front-ends; `App.start()` and `App.stop()` bring them up and down in a known order:

    start: leader election → scheduler (fan-out, dispatch tick, digests, free
           offers ending, sources) → dispatcher → HTTP server (health, metrics,
           front-end routes) → front-ends
    stop:  front-ends (no new input) → scheduler (running jobs finish their
           transaction) → dispatcher (messages in flight finish, the rest go back
           to the outbox) → HTTP server → leader lock (another replica takes over
           at once) → database

Scale-out (docs/scaling.md): every replica dispatches; only the one holding the
leader lock runs the jobs marked `leader_only`, the price sources among them. A
replica that becomes the leader runs its leader-only jobs at once: the sources
that are due (by their last attempt, in the database) do not wait for a timer.

Nothing owns the event loop but `asyncio.run` in `pricebot run`: no
`run_polling()`, no `AsyncApp.start()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, TextIO

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import Engine

from bot.alerts.answering import AnswersEngine
from bot.alerts.dispatcher import Dispatcher, DispatchOptions
from bot.alerts.evaluate import AlertEvaluator
from bot.alerts.fanout import Fanout
from bot.alerts.limits import DEFAULTS as DEFAULT_LIMITS
from bot.alerts.limits import TELEGRAM, RateLimits
from bot.alerts.message import Ranker
from bot.chat.charts import ChartPool
from bot.chat.commands import Commands, Services
from bot.chat.commands.flood import FloodGuard, FloodLimits
from bot.chat.console import ConsoleFrontEnd
from bot.chat.ports import FrontEnd
from bot.i18n import terminal_language
from bot.leader import Leader, leader_for
from bot.messages import Platform, StartError
from bot.metrics import Metrics
from bot.settings import Settings, slack_enabled
from bot.sources.poller import Poller, SourceJobs
from bot.web import MAX_BODY, SMALL_BODY, WebServer, database_ready
from storage import (
    AlertMatcher,
    ChatKey,
    DeliveryStore,
    PriceStore,
    SourceState,
    SubscriptionStore,
    WorkspaceStore,
    make_engine,
    upgrade,
)
from storage.db import exclusive_start
from storage.values import utc_now

if TYPE_CHECKING:
    from bot.chat.slack import SlackFrontEnd

log = logging.getLogger(__name__)

# The leader-only job that starts the price sources' refreshes (bot.sources.poller).
SOURCES_JOB = "sources"


@dataclass(frozen=True, slots=True)
class ScheduledJob:
    """A plain `async def job(now)` run every `every` seconds; state lives in the database."""

    name: str
    run: Callable[[datetime], Awaitable[None]]
    every: float
    # Run only on the replica holding the leader lock (docs/scaling.md).
    leader_only: bool = False


@dataclass
class App:
    """Everything `pricebot run` runs, with an explicit lifecycle."""

    engine: Engine
    store: PriceStore
    subscriptions: SubscriptionStore
    deliveries: DeliveryStore
    commands: Commands
    fanout: Fanout
    dispatcher: Dispatcher
    front_ends: list[FrontEnd]
    jobs: list[ScheduledJob] = field(default_factory=list)
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    clock: Callable[[], datetime] = utc_now
    metrics: Metrics = field(default_factory=Metrics)
    # Seconds between leader-lock checks: a dead leader is replaced within about this.
    leader_interval: float = 2.0
    # The price sources' refreshes (their tick is one of `jobs`); None: not polled.
    sources: SourceJobs | None = None
    # The HTTP server's limits on slow clients (bot.web).
    http_header_timeout: float = 10.0
    http_body_timeout: float = 10.0
    http_max_connections: int = 256

    def __post_init__(self) -> None:
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self._stop_requested = asyncio.Event()
        self._running: set[asyncio.Task[None]] = set()
        self._busy: set[str] = set()
        self._started: list[FrontEnd] = []
        self.metrics.watch_scheduler(self.scheduler)
        self.metrics.watch_store(self.engine)
        self.leader: Leader = leader_for(
            self.engine,
            interval=self.leader_interval,
            on_change=self._leadership_changed,
            on_replicas=self._replicas_changed,
        )
        self.web = WebServer(
            host=self.http_host,
            port=self.http_port,
            metrics=self.metrics,
            ready=[database_ready(self.engine)],
            header_timeout=self.http_header_timeout,
            body_timeout=self.http_body_timeout,
            max_connections=self.http_max_connections,
        )

    def add_job(self, job: ScheduledJob) -> None:
        """Add a scheduled job (before `start`). Other areas add theirs the same way."""
        self.jobs.append(job)

    def request_stop(self) -> None:
        """Ask `run` to stop (Ctrl-C, SIGTERM, end of console input)."""
        self._stop_requested.set()

    async def run(self) -> None:
        """Start, wait until asked to stop, stop. A failed start stops what it had
        started (scheduler, web server, leader lock) before the error goes on."""
        try:
            await self.start()
            await self._stop_requested.wait()
        finally:
            await self.stop()

    async def start(self) -> None:
        await self.leader.start()
        if self.sources is not None and self.leader.is_leader:
            # Every source runs once right after start (docs/sources.md, "The poller").
            self.sources.plan_start(self.clock())
        for job in self.jobs:
            self.scheduler.add_job(
                self._run_job,
                "interval",
                args=(job,),
                seconds=job.every,
                id=job.name,
                next_run_time=datetime.now(UTC),
                coalesce=True,
                # Overlaps are skipped quietly in _run_job, so APScheduler need not warn.
                max_instances=3,
                misfire_grace_time=max(1, int(job.every)),
            )
        self.scheduler.start()
        self._leadership_changed(self.leader.is_leader)
        self.dispatcher.start()
        routes = []
        for fe in self.front_ends:
            # Each front-end says how large a body its routes take (bot.web.MAX_BODY at most).
            self.web.add_routes(fe.routes(), max_body=getattr(fe, "max_body", MAX_BODY))
            routes.extend(fe.routes())
        try:
            await self.web.start()
        except OSError as exc:
            if routes:  # webhooks cannot be received: refuse to run half-deaf
                raise StartError(exc.strerror or str(exc), unavailable=True) from None
            # Only health and metrics would be served: a busy port on a laptop is no reason
            # to refuse the console.
            log.warning("health and metrics are not served: %s", exc.strerror or exc)
        for front_end in self.front_ends:
            await front_end.start()
            self._started.append(front_end)
        log.info(
            "pricebot running: %s; %s scheduled jobs",
            ", ".join(fe.name for fe in self.front_ends) or "no front-ends",
            len(self.jobs),
        )

    async def stop(self) -> None:
        for front_end in reversed(self._started):
            with contextlib.suppress(Exception):
                await front_end.stop()
        self._started.clear()
        if self.scheduler.running:
            # Pause first: shutting down cancels running jobs' tasks, while their database
            # work goes on in worker threads past engine.dispose(). Let them finish.
            self.scheduler.pause()
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)
        if self.sources is not None:
            await self.sources.stop()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await self.dispatcher.stop()
        await self.web.stop()
        await self.leader.stop()
        self.engine.dispose()
        log.info("pricebot stopped")

    def _replicas_changed(self, count: int) -> None:
        """`count` replicas send for the same bots: each keeps its share of their limits."""
        self.metrics.set_replicas(count)
        self.dispatcher.limits.share(count)

    def _leadership_changed(self, leader: bool) -> None:
        """A new leader runs its leader-only jobs now, not an interval later.

        Followers skip those jobs in `_run_job`; nothing is paused or resumed (resuming
        an APScheduler job moves its next run a whole interval away).
        """
        self.metrics.set_leader(leader)
        if not leader or not self.scheduler.running:
            return
        now = datetime.now(UTC)
        for job in self.jobs:
            if job.leader_only and self.scheduler.get_job(job.name) is not None:
                self.scheduler.modify_job(job.name, next_run_time=now)

    async def _run_job(self, job: ScheduledJob) -> None:
        if job.name in self._busy or (job.leader_only and not self.leader.is_leader):
            return
        task = asyncio.current_task()
        assert task is not None
        self._busy.add(job.name)
        self._running.add(task)
        try:
            await job.run(self.clock())
        except Exception:
            self.metrics.job_failed(job.name)
            log.exception("scheduled job %s failed; it runs again at its next time", job.name)
        finally:
            self._busy.discard(job.name)
            self._running.discard(task)


def seed_if_empty(store: PriceStore, *, now: datetime) -> int:
    """A fresh store gets the bundled price-war catalog, as history (no alerts)."""
    if store.models():
        return 0
    from bot.sources import load_catalog
    from bot.sources.catalog import CATALOG_SOURCE, catalog_snapshot
    from bot.sources.ingest import record_catalog

    catalog = load_catalog()
    report = record_catalog(
        store,
        SourceState(store.engine),
        catalog_snapshot(catalog),
        name=CATALOG_SOURCE,
        now=now,
    )
    log.info("fresh store: loaded %s (%s events, as history)", catalog.name, len(report.events))
    return len(report.events)


def mount_agents(app: App, store: PriceStore, answers: AnswersEngine, settings: Settings) -> None:
    """MCP for agents at /mcp, answering from the chat's own snapshot (docs/mcp.md)."""
    from bot.mcp.http import mount_mcp
    from bot.mcp.tools import PriceTools

    assert settings.mcp_token is not None
    tools = PriceTools(
        store, answers.chat_cache, clock=app.clock, free_confirm_days=settings.free_confirm_days
    )
    token = settings.mcp_token.get_secret_value()
    app.web.mount(lambda web_app: mount_mcp(web_app, tools, token=token))
    log.info("MCP for agents at /mcp (bearer token required)")


def platform_limits(settings: Settings) -> RateLimits:
    """Each platform's limits; Telegram's bot-wide rate comes from the settings."""
    telegram = replace(TELEGRAM, per_bot=settings.telegram_messages_per_second)
    return RateLimits({**DEFAULT_LIMITS, "telegram": telegram})


def dispatch_options(settings: Settings) -> DispatchOptions:
    return DispatchOptions(
        batch=settings.delivery_batch,
        lease=timedelta(seconds=settings.delivery_lease),
        max_attempts=settings.delivery_max_attempts,
        backoff_base=settings.delivery_backoff,
        send_timeout=settings.send_timeout,
    )


def platform_front_ends(
    settings: Settings, commands: Commands, subs: SubscriptionStore
) -> list[FrontEnd]:
    """Front-ends of the chat platforms that have credentials.

    The Telegram and Slack front-ends plug in here, each when its settings are present
    (PRICEBOT_TELEGRAM_TOKEN; PRICEBOT_SLACK_BOT_TOKEN or the OAuth client settings).
    """
    front_ends: list[FrontEnd] = []
    if settings.telegram_token is not None:
        # Imported here: python-telegram-bot loads only when Telegram is configured.
        from bot.chat.telegram import TelegramFrontEnd

        menu = [(entry.name, entry.summary) for entry in commands.registry.entries()]

        async def chat_gone(chat_id: str) -> None:
            """Removed from a group or blocked: stop now, not at the next failed send."""
            key = ChatKey(Platform.TELEGRAM.value, chat_id)
            await asyncio.to_thread(subs.deactivate_chat, key)

        front_ends.append(TelegramFrontEnd(settings, commands, menu=menu, on_chat_gone=chat_gone))
    if slack_enabled(settings):
        front_ends.append(slack_front_end(settings, commands, subs))
    return front_ends


def slack_front_end(
    settings: Settings, commands: Commands, subs: SubscriptionStore
) -> SlackFrontEnd:
    """Slack: an uninstalled (or deactivated) workspace's subscriptions stop."""
    # Imported here: slack-bolt loads only when Slack is configured.
    from bot.chat.slack import SlackFrontEnd

    async def workspace_gone(team_id: str) -> None:
        stopped = await asyncio.to_thread(subs.deactivate_team, Platform.SLACK.value, team_id)
        log.info("Slack workspace %s is gone: %s subscriptions stopped", team_id, stopped)

    async def subscribed_channels(team_id: str, chat_ids: Sequence[str]) -> set[str]:
        return await asyncio.to_thread(
            subs.chats_with_subscriptions, Platform.SLACK.value, team_id, chat_ids
        )

    return SlackFrontEnd(
        settings,
        commands=commands,
        engine=subs.engine,
        on_workspace_gone=workspace_gone,
        subscribed_channels=subscribed_channels,
        command_names=commands.registry.names,
    )


def build_app(
    settings: Settings,
    *,
    front_ends: Sequence[FrontEnd] | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    ranker: Ranker | None = None,
    limits: RateLimits | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> App:
    """Wire pricebot from settings. `front_ends` replaces the platforms' (tests, benchmarks)."""
    engine = make_engine(settings.database_url)
    now = clock()
    store = PriceStore(engine)
    matcher = AlertMatcher(engine, target_cooldown=timedelta(hours=settings.target_cooldown_hours))
    # Replicas starting together on PostgreSQL take turns here: one seeds, the rest see it.
    with exclusive_start(engine):
        upgrade(engine)
        seed_if_empty(store, now=now)
        # A first start begins at the end of the log: what happened before it is not news.
        matcher.start_cursor(now=now)
    subscriptions = SubscriptionStore(engine, default_currency=settings.default_currency)
    deliveries = DeliveryStore(engine)
    metrics = Metrics()
    answers = AnswersEngine(store, free_confirm_days=settings.free_confirm_days, background=True)
    evaluator = AlertEvaluator(store, answers, free_confirm_days=settings.free_confirm_days)
    services = Services(
        store=store,
        subscriptions=subscriptions,
        evaluator=evaluator,
        questions=answers,
        saved_questions=answers,
        workspaces=WorkspaceStore(engine),
        charts=ChartPool(workers=settings.chart_workers, queue=settings.chart_queue),
    )
    commands = Commands(
        services,
        flood=FloodGuard(
            FloodLimits(
                per_user=settings.commands_per_user_per_minute,
                per_chat=settings.commands_per_chat_per_minute,
            )
        ),
    )
    app_front_ends: list[FrontEnd]
    holder: list[App] = []
    if front_ends is not None:
        app_front_ends = list(front_ends)
    else:
        app_front_ends = platform_front_ends(settings, commands, subscriptions)
        if settings.console == "on" or (settings.console == "auto" and not app_front_ends):
            console = ConsoleFrontEnd(
                commands,
                stdin=stdin,
                stdout=stdout,
                # The terminal's locale (LANG=zh_CN.UTF-8) is the console user's language,
                # as language_code is a Telegram user's; /settings language overrides it.
                language=terminal_language(os.environ),
                on_eof=lambda: holder[0].request_stop(),
                clock=clock,
            )
            app_front_ends.append(console)
    dispatcher = Dispatcher(
        store=store,
        deliveries=deliveries,
        subscriptions=subscriptions,
        notifiers=[fe.notifier for fe in app_front_ends],
        limits=limits or platform_limits(settings),
        ranker=ranker or answers,
        options=dispatch_options(settings),
        clock=clock,
        metrics=metrics,
    )
    fanout = Fanout(
        matcher,
        evaluator=evaluator,
        on_deliveries=dispatcher.wake,
        free_ending_within=timedelta(days=settings.free_ending_days),
    )

    async def tick(now: datetime) -> None:
        """Deliveries become due as time passes (retries, holds): look again."""
        dispatcher.wake()

    async def warm_answers(now: datetime) -> None:
        """Read what changed in the store as soon as prices change, before a chat asks
        (questions meanwhile are answered from the snapshot before; README, Questions:
        speed)."""
        await asyncio.to_thread(answers.chat_cache.refresh, now)

    app = App(
        engine=engine,
        store=store,
        subscriptions=subscriptions,
        deliveries=deliveries,
        commands=commands,
        fanout=fanout,
        dispatcher=dispatcher,
        front_ends=app_front_ends,
        jobs=[
            ScheduledJob("fanout", fanout.job, settings.fanout_interval, leader_only=True),
            ScheduledJob("dispatch", tick, settings.dispatch_interval),
            ScheduledJob("digests", fanout.digest_job, settings.digest_interval, leader_only=True),
            ScheduledJob("free-offers-ending", fanout.free_ending_job, 3600.0, leader_only=True),
            ScheduledJob("answers-warm", warm_answers, 10.0),
        ],
        http_host=settings.http_host,
        http_port=settings.http_port,
        http_header_timeout=settings.http_header_timeout,
        http_body_timeout=settings.http_body_timeout,
        http_max_connections=settings.http_max_connections,
        clock=clock,
        metrics=metrics,
        leader_interval=settings.leader_interval,
    )
    holder.append(app)
    if settings.board:
        from bot.board.site import Board

        board = Board(
            store, answers.chat_cache, clock=clock, free_confirm_days=settings.free_confirm_days
        )
        # Pages and a feed: nothing the board serves takes a body.
        app.web.add_routes(board.routes(), max_body=SMALL_BODY)
    if settings.mcp_token is not None:
        mount_agents(app, store, answers, settings)
    if settings.poll_sources:
        # The price sources refresh on their own intervals (docs/sources.md).
        app.sources = SourceJobs(
            Poller.from_settings(store, settings),
            on_failure=lambda name: metrics.job_failed(f"{SOURCES_JOB}:{name}"),
        )
        app.add_job(
            ScheduledJob(
                SOURCES_JOB, app.sources.tick, settings.sources_tick_seconds, leader_only=True
            )
        )
    return app
