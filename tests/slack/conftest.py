"""Fixtures for the Slack tests: the fake Slack Web API and signed requests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import Engine

from storage import SlackStore, make_engine, upgrade

from tests.fakes.slack_api import FakeSlack, Workspace
from tests.fakes.slack_requests import Signer

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
