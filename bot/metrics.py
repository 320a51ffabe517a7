"""Prometheus metrics: one registry per app, counted where things happen or read from the store.

What happens inside one process (a message sent, a retry, a failed job) is
counted by the code that does it through a `Metrics` object the composition
root creates and passes on. What the database already knows (events recorded,
deliveries owed, each source's status) is read from it when Prometheus scrapes,
so every replica reports the same true figure and nothing has to be kept in
step: see `StoreCollector`.

The README ("Health and metrics") lists every metric name.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Connection, Engine, func, select

from storage.alert_matching import FANOUT_CURSOR
from storage.alert_tables import AlertCursorRow, ChatRow, DeliveryRow
from storage.source_tables import PendingConfirmationRow, SourceModelRow, SourceStatusRow
from storage.tables import PriceEventRow

log = logging.getLogger(__name__)

# Dispatch latency: from the event being recorded to the platform accepting the message.
# Alerts should take seconds; a backlog behind rate limits can take many minutes.
LATENCY_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)

# A reader turns one open connection into metric families; see StoreCollector.
StoreReader = Callable[[Connection], Iterable[Metric]]


class Metrics:
    """Every metric pricebot exposes, on a registry of its own (never the global one)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        # The usual process_* (CPU, memory, open files) and python_* (GC, version) metrics.
        ProcessCollector(registry=r)
        PlatformCollector(registry=r)
        GCCollector(registry=r)
        self.deliveries_sent = Counter(
            "pricebot_deliveries_sent",
            "Messages the platform accepted, by platform.",
            ["platform"],
            registry=r,
        )
        self.deliveries_retried = Counter(
            "pricebot_deliveries_retried",
            "Sends that failed for now and were put back to try again, by platform and reason.",
            ["platform", "reason"],
            registry=r,
        )
        self.deliveries_dead = Counter(
            "pricebot_deliveries_dead",
            "Deliveries given up on (dead letters) or dropped because the chat is gone.",
            ["platform", "reason"],
            registry=r,
        )
        self.dispatch_latency = Histogram(
            "pricebot_dispatch_latency_seconds",
            "Seconds from an event being recorded to the platform accepting its message.",
            ["platform"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.job_failures = Counter(
            "pricebot_scheduler_job_failures",
            "Scheduled job runs that raised or were missed, by job and outcome.",
            ["job", "outcome"],
            registry=r,
        )
        self.leader = Gauge(
            "pricebot_leader",
            "1 while this process holds the leader lock (runs the poller and fan-out).",
            registry=r,
        )
        self.replicas = Gauge(
            "pricebot_replicas",
            "pricebot processes sharing the database, as this one last counted them.",
            registry=r,
        )

    # Small verbs, so callers need not know label names.

    def delivery_sent(self, platform: str, latency_seconds: float | None = None) -> None:
        """Count one message sent; `latency_seconds` is from event recorded to sent."""
        self.deliveries_sent.labels(platform).inc()
        if latency_seconds is not None:
            self.dispatch_latency.labels(platform).observe(max(latency_seconds, 0.0))

    def delivery_retried(self, platform: str, reason: str) -> None:
        """Count one send put back for later (reason: retry_after, temporary, …)."""
        self.deliveries_retried.labels(platform, reason).inc()

    def delivery_dead(self, platform: str, reason: str) -> None:
        """Count one delivery given up on (reason: max_tries, chat_gone, …)."""
        self.deliveries_dead.labels(platform, reason).inc()

    def job_failed(self, job: str, outcome: str = "error") -> None:
        """Count one failed (or missed) scheduled job run."""
        self.job_failures.labels(job, outcome).inc()

    def set_leader(self, is_leader: bool) -> None:
        self.leader.set(1 if is_leader else 0)

    def set_replicas(self, count: int) -> None:
        self.replicas.set(count)

    def watch_scheduler(self, scheduler: Any) -> None:
        """Count failed and missed runs of every job of an APScheduler 3 scheduler."""
        from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent

        def listener(event: JobExecutionEvent) -> None:
            outcome = "missed" if event.code == EVENT_JOB_MISSED else "error"
            self.job_failed(str(event.job_id), outcome)

        scheduler.add_listener(listener, EVENT_JOB_ERROR | EVENT_JOB_MISSED)

    def watch_store(self, engine: Engine, *readers: StoreReader) -> StoreCollector:
        """Read figures the database keeps at scrape time (see StoreCollector)."""
        collector = StoreCollector(engine, readers or DEFAULT_READERS)
        self.registry.register(collector)
        return collector

    def exposition(self) -> bytes:
        """The text format Prometheus scrapes (may query the database: call off the loop)."""
        return generate_latest(self.registry)


class StoreCollector(Collector):
    """Reads figures from the database when Prometheus scrapes.

    Every replica answers the same, so dashboards should take `max`, not `sum`,
    of these. When the database cannot be read the scrape still succeeds, with
    `pricebot_store_up 0` and without the store's figures.
    """

    def __init__(self, engine: Engine, readers: Iterable[StoreReader]) -> None:
        self.engine = engine
        self.readers = list(readers)

    def add(self, reader: StoreReader) -> None:
        """Add a reader (front-ends and sources add theirs as they are wired in)."""
        self.readers.append(reader)

    def collect(self) -> Iterator[Metric]:
        families: list[Metric] = []
        up = 1.0
        try:
            with self.engine.connect() as conn:
                for reader in self.readers:
                    families.extend(reader(conn))
        except Exception as exc:  # a scrape must never take the process down
            log.warning("metrics: cannot read the store: %s", _first_line(exc))
            families, up = [], 0.0
        yield from families
        yield GaugeMetricFamily(
            "pricebot_store_up", "1 if the last scrape could read the database.", value=up
        )

    def describe(self) -> Iterator[Metric]:
        # Describing would query the database at registration time; returning nothing
        # tells the registry not to check names against other collectors'.
        return iter(())


def read_events(conn: Connection) -> Iterable[Metric]:
    """Events recorded in the store, by type; history marks back-filled ones (never alerted)."""
    family = CounterMetricFamily(
        "pricebot_events_recorded",
        "Price events recorded in the store, by type; history=true ones are back-filled.",
        labels=["type", "history"],
    )
    rows = conn.execute(
        select(PriceEventRow.type, PriceEventRow.history, func.count()).group_by(
            PriceEventRow.type, PriceEventRow.history
        )
    )
    for type_, history, count in rows:
        family.add_metric([type_, "true" if history else "false"], count)
    last = conn.execute(select(func.max(PriceEventRow.id))).scalar()
    yield family
    yield GaugeMetricFamily(
        "pricebot_last_event_id", "Id of the newest event in the store.", value=last or 0
    )


def read_sources(conn: Connection) -> Iterable[Metric]:
    """Each price source's status as the poller (on whichever replica) left it."""
    last = GaugeMetricFamily(
        "pricebot_source_last_success_timestamp_seconds",
        "Unix time of each source's last successful refresh.",
        labels=["source"],
    )
    attempt = GaugeMetricFamily(
        "pricebot_source_last_attempt_timestamp_seconds",
        "Unix time of each source's last refresh, whatever its outcome.",
        labels=["source"],
    )
    held = CounterMetricFamily(
        "pricebot_source_held_back_snapshots",
        "Snapshots held back as suspect instead of recorded, by source.",
        labels=["source"],
    )
    not_modified = CounterMetricFamily(
        "pricebot_source_not_modified",
        "Fetches the server answered 304 Not Modified (nothing written), by source.",
        labels=["source"],
    )
    failing = GaugeMetricFamily(
        "pricebot_source_consecutive_failures",
        "Failed refreshes in a row, by source (0 when the last one worked).",
        labels=["source"],
    )
    models = GaugeMetricFamily(
        "pricebot_source_models", "Models in each source's last good snapshot.", labels=["source"]
    )
    left_out = GaugeMetricFamily(
        "pricebot_source_entries_left_out",
        "Entries of each source's last good snapshot not recorded: skipped on purpose "
        "(pointers, routers, not priced per token) or rejected (could not be read).",
        labels=["source", "why"],
    )
    pending = GaugeMetricFamily(
        "pricebot_source_pending_confirmations",
        "Suspect changes awaiting confirmation, by source.",
        labels=["source"],
    )
    delisted = GaugeMetricFamily(
        "pricebot_source_delisted_models",
        "Offers a source no longer lists (their prices from it are not current), by source.",
        labels=["source"],
    )
    status = SourceStatusRow.__table__.c
    rows = conn.execute(
        select(
            status.name,
            status.last_success_at,
            status.last_attempt_at,
            status.held_back_count,
            status.not_modified_count,
            status.consecutive_failures,
            status.model_count,
            status.skipped_count,
            status.rejected_count,
        )
    )
    for name, success, attempted, held_back, unchanged, failures, count, skipped, rejected in rows:
        if success is not None:
            last.add_metric([name], success.timestamp())
        if attempted is not None:
            attempt.add_metric([name], attempted.timestamp())
        held.add_metric([name], held_back or 0)
        not_modified.add_metric([name], unchanged or 0)
        failing.add_metric([name], failures or 0)
        models.add_metric([name], count or 0)
        left_out.add_metric([name, "skipped"], skipped or 0)
        left_out.add_metric([name, "rejected"], rejected or 0)
    waiting = PendingConfirmationRow.__table__.c
    for name, count in conn.execute(select(waiting.source, func.count()).group_by(waiting.source)):
        pending.add_metric([name], count)
    listed = SourceModelRow.__table__.c
    for name, count in conn.execute(
        select(listed.source, func.count())
        .where(listed.delisted_at.is_not(None))
        .group_by(listed.source)
    ):
        delisted.add_metric([name], count)
    yield from (last, attempt, held, not_modified, failing, models, left_out, pending, delisted)


_OWED = ("pending", "sending")
# Sent and gone rows pile up for ever; counting them on every scrape would grow with the
# outbox. These are few (owed, dead letters) and found through the status index.
_SCRAPED_STATUSES = (*_OWED, "dead")


def read_deliveries(conn: Connection) -> Iterable[Metric]:
    """The outbox by platform and status, the owed ones, and how far fan-out lags the log."""
    by_status = GaugeMetricFamily(
        "pricebot_deliveries",
        "Deliveries owed (pending, sending) or given up on (dead), by platform and status.",
        labels=["platform", "status"],
    )
    owed = GaugeMetricFamily(
        "pricebot_deliveries_owed",
        "Deliveries not yet sent (pending or being sent), by platform.",
        labels=["platform"],
    )
    delivery, chat = DeliveryRow.__table__.c, ChatRow.__table__.c
    rows = conn.execute(
        select(chat.platform, delivery.status, func.count())
        .select_from(DeliveryRow.__table__.join(ChatRow.__table__, chat.id == delivery.chat_pk))
        .where(delivery.status.in_(_SCRAPED_STATUSES))
        .group_by(chat.platform, delivery.status)
    )
    owed_by: dict[str, int] = {}
    for platform, status, count in rows:
        by_status.add_metric([platform, status], count)
        owed_by[platform] = owed_by.get(platform, 0) + (count if status in _OWED else 0)
    for platform, count in sorted(owed_by.items()):
        owed.add_metric([platform], count)
    cursor = conn.execute(
        select(AlertCursorRow.__table__.c.last_event_id).where(
            AlertCursorRow.__table__.c.name == FANOUT_CURSOR
        )
    ).scalar()
    events = PriceEventRow.__table__.c
    behind = conn.execute(
        select(func.count()).where(events.id > (cursor or 0), events.history.is_(False))
    ).scalar()
    yield from (by_status, owed)
    yield GaugeMetricFamily(
        "pricebot_fanout_lag_events",
        "News events recorded but not yet matched to subscriptions by the fan-out.",
        value=(behind or 0) if cursor is not None else 0,
    )


DEFAULT_READERS: tuple[StoreReader, ...] = (read_events, read_sources, read_deliveries)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
