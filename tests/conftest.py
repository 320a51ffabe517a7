"""Shared fixtures: a fresh store on SQLite and on PostgreSQL for every storage test.

PostgreSQL tests need PRICEBOT_TEST_POSTGRES_URL (`.ci/run` sets it). Without it
they skip with one line saying how to run them; with PRICEBOT_REQUIRE_POSTGRES=1
(set by CI) an unreachable server fails the run instead, and so does a run in which
no PostgreSQL test passed (counted from every xdist worker's reports).

Tests run in parallel (pytest-xdist, `-n auto` in pyproject's addopts): PostgreSQL
schemas are uniquely named per test or per worker, and SQLite files live in the test's
own tmp_path, so workers share nothing but the server.

Migrating takes a PostgreSQL schema ~0.15-0.7 s, a few hundred times a run; a `store`
(and the `database_url` beside it) therefore gets its worker's migrated schema, emptied
after each test instead of migrated again. A test that asks for `database_url` alone
still gets a new, empty schema: those tests migrate it themselves.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import MetaData, create_engine, text

from storage import PriceStore, make_engine, upgrade
from storage.db import newest_revision

# CI (CI=true) explores the same examples every run, so a submission is judged on
# what was verified; locally hypothesis keeps searching new ones.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI") == "true":
    hypothesis_settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent

# The tests start a few hundred `pricebot` processes. Where the environment asks Python
# not to write bytecode, each of them would compile every module of bot/ and storage/
# again: they share compiled files in one folder of their own instead.
if os.environ.pop("PYTHONDONTWRITEBYTECODE", None):
    os.environ.setdefault("PYTHONPYCACHEPREFIX", str(ROOT / ".pytest_cache" / "pycache"))

POSTGRES_ENV = "PRICEBOT_TEST_POSTGRES_URL"
# A test that used a PostgreSQL schema says so in its report (user_properties cross
# from xdist workers to the controller).
USED_POSTGRES = ("database", "postgresql")
HOW_TO_RUN_POSTGRES = (
    f"PostgreSQL tests skipped: set {POSTGRES_ENV}="
    "postgresql+psycopg://postgres@127.0.0.1:5432/test to run them (CI does)"
)


def postgres_base_url() -> str | None:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        if os.environ.get("PRICEBOT_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{POSTGRES_ENV} is not set but PRICEBOT_REQUIRE_POSTGRES=1")
        return None
    return url


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    """The server's URL, checked once per run."""
    url = postgres_base_url()
    if url is None:
        pytest.skip(HOW_TO_RUN_POSTGRES)
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        pytest.fail(f"PostgreSQL at {url} is not reachable: {exc}")
    finally:
        engine.dispose()
    return url


def _fresh_postgres_url(base: str) -> Iterator[str]:
    """A URL whose connections see only a new, empty schema; dropped afterwards."""
    schema = f"pb_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


class MigratedSchema:
    """One worker's migrated PostgreSQL schema, lent to one `store` test at a time.

    Giving it back empties it (rows deleted children first, sequences restarted): what
    the next test finds is what migrating a new schema would have made. A test that
    left it in any other state (a revision, a table more or less, a lock it cannot get)
    has it dropped; the next test gets a newly migrated one.
    """

    def __init__(self, base: str) -> None:
        self.base = base
        self.admin = create_engine(base.replace("postgresql://", "postgresql+psycopg://", 1))
        self.schema: str | None = None
        self.emptying = ""
        self.tables = 0

    def take(self) -> str:
        if self.schema is None:
            self.schema = f"pb_{uuid.uuid4().hex[:12]}"
            with self.admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))
            engine = make_engine(self.url())
            upgrade(engine)
            engine.dispose()
            self.emptying = self._emptying()
        return self.url()

    def url(self) -> str:
        # Its connections name the schema: giving it back closes those the test left open.
        assert self.schema is not None
        sep = "&" if "?" in self.base else "?"
        options = quote(f"-csearch_path={self.schema}")
        return f"{self.base}{sep}options={options}&application_name={self.schema}"

    def _emptying(self) -> str:
        """The statements that empty the schema: DELETE is ~50x faster than TRUNCATE here."""
        meta = MetaData()
        with self.admin.connect() as conn:
            meta.reflect(conn, schema=self.schema)
            sequences = conn.execute(
                text("SELECT sequencename FROM pg_sequences WHERE schemaname = :s"),
                {"s": self.schema},
            ).scalars()
            restarts = [f'ALTER SEQUENCE "{self.schema}"."{name}" RESTART' for name in sequences]
        self.tables = len(meta.sorted_tables)
        deletes = [
            f'DELETE FROM "{self.schema}"."{table.name}"'
            for table in reversed(meta.sorted_tables)
            if table.name != "alembic_version"
        ]
        return "; ".join(deletes + restarts)

    def give_back(self) -> None:
        schema = self.schema
        assert schema is not None
        try:
            with self.admin.begin() as conn:
                conn.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name = :s AND pid <> pg_backend_pid()"
                    ),
                    {"s": schema},
                )
            with self.admin.begin() as conn:
                conn.execute(text("SET LOCAL lock_timeout = '5s'"))
                tables = conn.execute(
                    text("SELECT count(*) FROM pg_tables WHERE schemaname = :s"), {"s": schema}
                ).scalar_one()
                stored = conn.execute(
                    text(f'SELECT version_num FROM "{schema}".alembic_version')
                ).scalars()
                if list(stored) != [newest_revision()] or tables != self.tables:
                    raise RuntimeError("the test changed the schema: make a new one")
                conn.exec_driver_sql(self.emptying)
        except Exception:
            self.schema = None
            with self.admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))

    def close(self) -> None:
        if self.schema is not None:
            with self.admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def migrated_schema(postgres_admin_url: str) -> Iterator[MigratedSchema]:
    made = MigratedSchema(postgres_admin_url)
    yield made
    made.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """A fresh database: a SQLite file, or a PostgreSQL schema of its own.

    Empty, unless the test also asks for `store`: then it is the store's, migrated."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'pricebot.db'}"
        return
    request.node.user_properties.append(USED_POSTGRES)
    if "store" in request.fixturenames:
        lent: MigratedSchema = request.getfixturevalue("migrated_schema")
        yield lent.take()
        lent.give_back()
    else:
        yield from _fresh_postgres_url(request.getfixturevalue("postgres_admin_url"))


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite store migrated once per run (per xdist worker): stores are copies.

    Running the migrations takes ~0.3 s; copying the file a millisecond, for hundreds of
    tests. The migrations themselves are tested on fresh files (`database_url`)."""
    path = tmp_path_factory.mktemp("migrated") / "pricebot.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection closing folds the WAL into the file
    return path


def _migrated(url: str, migrated_sqlite: Path) -> PriceStore:
    if url.startswith("sqlite:///"):
        shutil.copyfile(migrated_sqlite, url.removeprefix("sqlite:///"))
    engine = make_engine(url)
    upgrade(engine)  # on a copy: one query finds it current
    return PriceStore(engine)


@pytest.fixture
def store(database_url: str, migrated_sqlite: Path) -> Iterator[PriceStore]:
    """A migrated, empty price store on each database."""
    made = _migrated(database_url, migrated_sqlite)
    yield made
    made.engine.dispose()


@pytest.fixture
def sqlite_store(tmp_path: Path, migrated_sqlite: Path) -> Iterator[PriceStore]:
    """A migrated, empty store on SQLite only, for tests about answers rather than storage."""
    made = _migrated(f"sqlite:///{tmp_path / 'pricebot.db'}", migrated_sqlite)
    yield made
    made.engine.dispose()


@pytest.fixture
def fresh_schema(
    postgres_admin_url: str, request: pytest.FixtureRequest
) -> Iterator[Callable[[], str]]:
    """Makes URLs of new, empty PostgreSQL schemas; drops them afterwards."""
    request.node.user_properties.append(USED_POSTGRES)
    made: list[Iterator[str]] = []

    def make() -> str:
        made.append(_fresh_postgres_url(postgres_admin_url))
        return next(made[-1])

    yield make
    for schema in made:
        next(schema, None)


@pytest.fixture
def pg_url(fresh_schema: Callable[[], str]) -> str:
    """A new, empty PostgreSQL schema (skipped without PRICEBOT_TEST_POSTGRES_URL)."""
    return fresh_schema()


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: one worker more than the cores.

    A third of the suite's time is spent waiting (for `pricebot` processes to start, for
    poll intervals, for loopback servers): a worker more keeps the cores busy meanwhile."""
    return len(os.sched_getaffinity(0)) + 1


# Files whose tests take several seconds each (real `pricebot` processes, poll
# intervals, an install), longest first: started first, so that the run ends on short
# tests with every worker busy, not on one worker finishing a long one. The multi-process
# group goes before them all (xdist starts its biggest group first).
STARTED_FIRST = (
    "test_source_e2e.py",
    "test_source_cli.py",
    "test_cli_lists.py",
    "test_cli_ask.py",
    "test_run.py",
    "test_deploy.py",
    "test_cli.py",
)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return STARTED_FIRST.index(name) if name in STARTED_FIRST else len(STARTED_FIRST)

    items.sort(key=rank)  # stable: the order within a file is kept
    if getattr(config.option, "loadgroup", False):  # an xdist worker, --dist loadgroup
        _name_groups(items)


def _name_groups(items: list[pytest.Item]) -> None:
    """Give each test of an `xdist_group` the "@group" suffix xdist schedules by.

    pytest-xdist 3.8 writes the suffix to `item._nodeid`, which pytest 9 no longer reads
    (the id is `item._id`): its groups were silently spread over all workers. Older
    pytest versions read `_nodeid`, and xdist's own suffix is there already.
    """
    try:
        from _pytest.nodeid import NodeId
    except ImportError:  # pytest 8: xdist's suffix works
        return
    for item in items:
        groups = {
            str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
            for mark in item.iter_markers("xdist_group")
        }
        if groups and "@" not in item.nodeid:
            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(sorted(groups))}")


_postgres_passed: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count PostgreSQL tests that passed; on the xdist controller this sees every worker's."""
    if report.when == "call" and report.passed and USED_POSTGRES in report.user_properties:
        _postgres_passed.append(report.nodeid)


def _require_postgres_failed(session: pytest.Session) -> bool:
    """With PRICEBOT_REQUIRE_POSTGRES=1, a run that ran tests but no PostgreSQL one."""
    if os.environ.get("PRICEBOT_REQUIRE_POSTGRES") != "1" or hasattr(session.config, "workerinput"):
        return False  # workers report; the controller (or a run without xdist) decides
    return session.testscollected > 0 and not _postgres_passed and not session.shouldfail


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _require_postgres_failed(session) and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:  # type: ignore[no-untyped-def]
    """Say once, not once per test, why PostgreSQL tests were skipped."""
    skipped = terminalreporter.stats.get("skipped", [])
    count = sum(1 for report in skipped if HOW_TO_RUN_POSTGRES in str(report.longrepr))
    if count:
        terminalreporter.write_line(f"{count} {HOW_TO_RUN_POSTGRES}")
    if os.environ.get("PRICEBOT_REQUIRE_POSTGRES") == "1" and not hasattr(config, "workerinput"):
        terminalreporter.write_line(
            f"PostgreSQL tests passed: {len(_postgres_passed)}"
            + ("" if _postgres_passed else " (PRICEBOT_REQUIRE_POSTGRES=1: the run fails)")
        )


# Fake platform servers, available to every test as fixtures.
from tests.fakes.telegram_api import telegram_api  # noqa: E402, F401
