"""Engines and migrations: SQLite by default, PostgreSQL to scale out."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from storage.revisions import MIGRATIONS, newest_revision

if TYPE_CHECKING:
    from alembic.config import Config


class StoreUnavailable(RuntimeError):
    """The database URL is malformed or the database cannot be reached."""


# The databases pricebot's migrations and queries are written and tested for.
SUPPORTED_BACKENDS = ("sqlite", "postgresql")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite files get their folder, WAL and foreign keys."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreUnavailable(
            f"database URL {url!r} is not a URL; example: sqlite:///pricebot.db "
            "or postgresql+psycopg://user@127.0.0.1:5432/pricebot"
        ) from None
    if parsed.get_backend_name() not in SUPPORTED_BACKENDS:
        raise StoreUnavailable(
            f"database URL {parsed.render_as_string(hide_password=True)!r} is for "
            f"{parsed.get_backend_name()}, which pricebot does not support; it stores in "
            "SQLite (sqlite:///pricebot.db) or PostgreSQL "
            "(postgresql+psycopg://user@127.0.0.1:5432/pricebot)"
        )
    if parsed.drivername == "postgresql":
        # psycopg 3 is the driver we ship; a bare postgresql:// would ask for psycopg2.
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(parsed, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    try:
        return create_engine(parsed, **kwargs)
    except (ArgumentError, ModuleNotFoundError) as exc:
        shown = parsed.render_as_string(hide_password=True)
        raise StoreUnavailable(f"database URL {shown!r} cannot be used: {exc}") from None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def check_connection(engine: Engine) -> None:
    """Raise StoreUnavailable with a readable reason when the database is not there."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        where = engine.url.render_as_string(hide_password=True)
        raise StoreUnavailable(f"cannot reach the database at {where}: {reason}") from None


def _alembic_config() -> Config:
    # Alembic (~70 ms of imports) is loaded only when a schema may need work.
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def schema_is_current(engine: Engine) -> bool:
    """Whether the database is at the newest revision: one query, no Alembic.

    Every CLI command opens the store; asking Alembic costs more than the command.
    False also when the database has no schema yet (or cannot say), so `upgrade` runs.
    """
    try:
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT version_num FROM alembic_version")).scalars()
            return list(stored) == [newest_revision()]
    except DBAPIError:
        return False


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Apply every migration not yet applied (safe to run on every start)."""
    check_connection(engine)
    if revision == "heads" and schema_is_current(engine):
        return
    from alembic import command

    config = _alembic_config()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Replicas starting together: one migrates, the others wait here and then find
            # nothing to do. The lock is the transaction's, so a crash cannot leave it held.
            conn.execute(
                text(
                    "SELECT pg_advisory_xact_lock("
                    "hashtextextended(CAST(:name AS text) || current_schema(), 0))"
                ),
                {"name": "pricebot.migrate:"},
            )
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


@contextmanager
def exclusive_start(engine: Engine) -> Iterator[None]:
    """Run the block in one process at a time (on PostgreSQL): first-start work such as
    loading the bundled catalog, which replicas starting together must not do twice."""
    if engine.dialect.name != "postgresql":
        yield
        return
    key = "hashtextextended(CAST(:name AS text) || current_schema(), 0)"
    name = {"name": "pricebot.start:"}
    with engine.connect() as conn:
        conn.execute(text(f"SELECT pg_advisory_lock({key})"), name)
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text(f"SELECT pg_advisory_unlock({key})"), name)
            conn.commit()


def refresh_statistics(engine: Engine, tables: list[str]) -> None:
    """Let PostgreSQL's planner see a table that just grew by thousands of rows.

    Autovacuum analyzes a table only on its own schedule (a minute or more); until then
    the planner thinks the outbox is nearly empty and the dispatchers' claim query
    takes ~0.7 s instead of ~15 ms (measured with 6,000 owed deliveries).
    """
    if engine.dialect.name != "postgresql":
        return
    with engine.connect() as conn:
        for table in tables:
            conn.execute(text(f"ANALYZE {conn.dialect.identifier_preparer.quote(table)}"))
        conn.commit()


def pending_migrations(engine: Engine) -> list[str]:
    """Revisions the database still lacks; empty when it is up to date."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    check_connection(engine)
    script = ScriptDirectory.from_config(_alembic_config())
    with engine.connect() as conn:
        applied = set(MigrationContext.configure(conn).get_current_heads())
    if set(script.get_heads()) <= applied:
        return []
    lower = tuple(applied) if applied else "base"
    return [rev.revision for rev in script.iterate_revisions("heads", lower)]
