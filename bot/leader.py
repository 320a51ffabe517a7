"""Leader election: exactly one process runs the poller and the fan-out at a time.

On PostgreSQL, the leader is the process holding a session-level advisory lock
on a connection of its own. The lock lives as long as that connection: when the
process dies, PostgreSQL ends its session and releases the lock, and another
process, retrying every `interval` seconds, takes over. TCP keepalives on the
connection make a vanished host (no FIN) count as dead within about 15 s.

The lock key is derived from the schema the connection uses, so deployments that
share a database in separate schemas elect their leaders independently.

Each process also counts the replicas sharing the database (holders of a shared
advisory lock), so that a platform's bot-wide rate limit (Telegram's 30
messages/s per bot) can be divided between them instead of multiplied.

On SQLite there is one process by design: it is always the leader.

Leadership is a hint for what to run, not a guarantee: a leader cut off from the
database keeps believing it leads until its next check notices. The work it
guards (fan-out) is idempotent, so a short overlap repeats nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, text
from sqlalchemy.pool import NullPool

from storage import make_engine

log = logging.getLogger(__name__)

LOCK_NAME = "pricebot.leader"

# Server-side keepalives: PostgreSQL drops a silent client's session (and its lock)
# after idle + interval * count seconds. Client-side: we notice a dead server as fast.
_KEEPALIVE_SERVER = (
    "SET tcp_keepalives_idle = 5; SET tcp_keepalives_interval = 2; SET tcp_keepalives_count = 3"
)
# A lock's 64-bit key: its name and the schema in use, hashed by PostgreSQL.
_KEY = "hashtextextended(CAST(:name AS text) || current_schema(), 0)"
# Sessions holding the shared member lock. pg_locks shows a bigint key as two 32-bit oids.
_COUNT_MEMBERS = f"""
    WITH k AS (SELECT {_KEY} AS key)
    SELECT count(*) FROM pg_locks, k
    WHERE locktype = 'advisory' AND granted AND mode = 'ShareLock'
      AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND classid = ((k.key >> 32) & 4294967295)::oid
      AND objid = (k.key & 4294967295)::oid
      AND objsubid = 1
"""
_KEEPALIVE_CLIENT = {
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 2,
    "keepalives_count": 3,
    "connect_timeout": 5,
}


class Leader(Protocol):
    """Whether this process should run the work only one process may run."""

    @property
    def is_leader(self) -> bool: ...

    @property
    def replicas(self) -> int:
        """How many pricebot processes share the database now (this one included)."""
        ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


OnChange = Callable[[bool], Any]
OnReplicas = Callable[[int], Any]


class SoleLeader:
    """SQLite: one process, always the leader."""

    is_leader = True
    replicas = 1

    def __init__(
        self, on_change: OnChange | None = None, on_replicas: OnReplicas | None = None
    ) -> None:
        self._on_change = on_change
        self._on_replicas = on_replicas

    async def start(self) -> None:
        if self._on_replicas:
            self._on_replicas(1)
        if self._on_change:
            self._on_change(True)

    async def stop(self) -> None:
        if self._on_change:
            self._on_change(False)


class AdvisoryLockLeader:
    """PostgreSQL: the holder of `pg_try_advisory_lock(key)` on a dedicated connection.

    Every process also holds a *shared* advisory lock on a second key for as long as
    its connection lives; counting the holders tells each process how many replicas
    there are (for dividing a platform's rate limit between them).
    """

    def __init__(
        self,
        url: str,
        *,
        name: str = LOCK_NAME,
        interval: float = 2.0,
        on_change: OnChange | None = None,
        on_replicas: OnReplicas | None = None,
    ) -> None:
        self.name = name
        self.interval = interval
        self._on_change = on_change
        self._on_replicas = on_replicas
        # NullPool: the connection is ours alone; nothing else may borrow it (or its lock).
        self._engine = make_engine(url, poolclass=NullPool, connect_args=_KEEPALIVE_CLIENT)
        self._conn: Connection | None = None
        self._leader = False
        self._replicas = 1
        self._task: asyncio.Task[None] | None = None

    @property
    def is_leader(self) -> bool:
        return self._leader

    @property
    def replicas(self) -> int:
        return self._replicas

    def check(self) -> tuple[bool, int]:
        """One round (blocking): keep the lock if held, else try to take it; count replicas."""
        try:
            if self._conn is None:
                conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
                self._conn = conn
                conn.exec_driver_sql(_KEEPALIVE_SERVER)
                conn.execute(text(f"SELECT pg_advisory_lock_shared({_KEY})"), self._member)
            # When the session died (database restart), so did its locks: a new
            # connection starts as a follower.
            leader = self._leader or bool(
                self._conn.execute(
                    text(f"SELECT pg_try_advisory_lock({_KEY})"), self._lock
                ).scalar()
            )
            replicas = self._conn.execute(text(_COUNT_MEMBERS), self._member).scalar()
            return leader, max(int(replicas or 0), 1)
        except Exception as exc:
            log.warning("leader: lost the database connection: %s", _first_line(exc))
            self._drop_connection()
            return False, self._replicas

    @property
    def _lock(self) -> dict[str, str]:
        return {"name": self.name + ":"}

    @property
    def _member(self) -> dict[str, str]:
        return {"name": self.name + ".member:"}

    def release(self) -> None:
        """Give the locks up now (blocking), so another process need not wait."""
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.execute(text("SELECT pg_advisory_unlock_all()"))
        self._drop_connection()
        self._set(False, self._replicas)

    async def start(self) -> None:
        """Try once now, then keep checking every `interval` seconds in the background."""
        self._set(*await asyncio.to_thread(self.check))
        self._task = asyncio.create_task(self._loop(), name="leader-election")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await asyncio.to_thread(self.release)
        self._engine.dispose()

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            self._set(*await asyncio.to_thread(self.check))

    def _set(self, leader: bool, replicas: int) -> None:
        if replicas != self._replicas:
            self._replicas = replicas
            log.info("leader: %d pricebot processes share the database", replicas)
            if self._on_replicas:
                self._on_replicas(replicas)
        if leader == self._leader:
            return
        self._leader = leader
        log.info(
            "leader: %s",
            "this process now runs the poller and fan-out" if leader else "stepped down",
        )
        if self._on_change:
            self._on_change(leader)

    def _drop_connection(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None


def leader_for(
    engine: Engine,
    *,
    interval: float = 2.0,
    on_change: OnChange | None = None,
    on_replicas: OnReplicas | None = None,
) -> Leader:
    """The election that fits the database: an advisory lock on PostgreSQL, else sole leader."""
    if engine.dialect.name == "postgresql":
        url = engine.url.render_as_string(hide_password=False)
        return AdvisoryLockLeader(
            url, interval=interval, on_change=on_change, on_replicas=on_replicas
        )
    return SoleLeader(on_change=on_change, on_replicas=on_replicas)


def _first_line(exc: BaseException) -> str:
    text_ = str(exc).strip()
    return text_.splitlines()[0] if text_ else type(exc).__name__
