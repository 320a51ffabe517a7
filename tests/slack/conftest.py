"""Fixtures for the Slack tests: the fake Slack Web API and signed requests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import Engine

from bot.chat.slack import SlackFrontEnd
from bot.settings import Settings
from storage import SlackStore, make_engine, upgrade
from tests.fakes.commands import RecordingCommands
from tests.fakes.slack_api import FakeSlack, Workspace
from tests.fakes.slack_requests import SignedRequest, Signer

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TEAM = "T0ACME"


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    """A fake Slack Web API on 127.0.0.1, closed after the test."""
    fake = FakeSlack()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
def workspace(fake_slack: FakeSlack) -> Workspace:
    """One workspace with pricebot installed, an admin, a member, and #general and #prices."""
    ws = fake_slack.add_workspace(TEAM, "Acme")
    fake_slack.add_user(TEAM, "UADMIN", "ada", is_admin=True)
    fake_slack.add_user(TEAM, "UMEMBER", "max")
    fake_slack.add_user(TEAM, "UCREATOR", "cora")
    fake_slack.add_channel(
        TEAM, "CGENERAL", "general", creator="UADMIN", members=("UMEMBER", "UCREATOR")
    )
    fake_slack.add_channel(TEAM, "CPRICES", "prices", creator="UCREATOR", members=("UMEMBER",))
    fake_slack.add_dm(TEAM, "DMEMBER", user="UMEMBER")
    return ws


@pytest.fixture
def signer() -> Signer:
    """Builds requests signed with SIGNING_SECRET for workspace TEAM."""
    return Signer(SIGNING_SECRET, team_id=TEAM)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated database (SQLite and PostgreSQL), for tests that keep Slack state."""
    db = make_engine(database_url)
    upgrade(db)
    yield db
    db.dispose()


@pytest.fixture
def slack_store(engine: Engine) -> SlackStore:
    return SlackStore(engine)


class Served:
    """A Slack front-end served over real HTTP on 127.0.0.1, and a way to POST to it."""

    def __init__(self, front: SlackFrontEnd, runner: web.AppRunner, url: str) -> None:
        self.front = front
        self.runner = runner
        self.url = url

    async def post(self, request: SignedRequest, path: str = "/slack/events") -> tuple[int, str]:
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.url + path, data=request.body, headers=request.headers) as answer,
        ):
            return answer.status, await answer.text()


async def serve(front: SlackFrontEnd) -> Served:
    """Start `front` and serve its routes as the shared HTTP server would."""
    app = web.Application()
    app.add_routes(front.routes())
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    await front.start()
    return Served(front, runner, f"http://127.0.0.1:{port}")


async def close(served: Served) -> None:
    await served.front.stop()
    await served.runner.cleanup()


def slack_settings(fake: FakeSlack, database_url: str, **overrides: object) -> Settings:
    """Settings for a front-end that talks to `fake`."""
    values: dict[str, object] = {
        "database_url": database_url,
        "slack_signing_secret": SIGNING_SECRET,
        "slack_api_url": fake.base_url,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'pricebot.db'}"


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    """A migrated SQLite database, for front-end tests that are not about storage."""
    db = make_engine(sqlite_url)
    upgrade(db)
    yield db
    db.dispose()


@pytest.fixture
def commands() -> RecordingCommands:
    return RecordingCommands()


@pytest.fixture
async def served(
    fake_slack: FakeSlack,
    workspace: Workspace,
    sqlite_url: str,
    sqlite_engine: Engine,
    commands: RecordingCommands,
) -> AsyncIterator[Served]:
    """One workspace, HTTP mode, the recording command layer."""
    settings = slack_settings(fake_slack, sqlite_url, slack_bot_token=workspace.bot_token)
    front = SlackFrontEnd(settings, commands=commands, engine=sqlite_engine)
    running = await serve(front)
    yield running
    await close(running)
