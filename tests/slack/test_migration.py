"""Migration 0004 creates the tables slack-sdk's stores use, and pricebot's Slack tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, MetaData, inspect

from bot.chat.slack.installations import ThreadedInstallationStore, ThreadedStateStore
from storage import SlackStore


def test_tables_match_what_slack_sdk_writes(engine: Engine) -> None:
    expected = MetaData()
    SQLAlchemyInstallationStore.build_installations_table(expected, "slack_installations")
    SQLAlchemyInstallationStore.build_bots_table(expected, "slack_bots")
    SQLAlchemyOAuthStateStore.build_oauth_states_table(expected, "slack_oauth_states")
    inspector = inspect(engine)
    for table in expected.tables.values():
        migrated = {c["name"]: c["nullable"] for c in inspector.get_columns(table.name)}
        wanted = {c.name: c.nullable for c in table.columns}
        assert migrated == wanted, table.name


async def test_installations_and_states_round_trip(engine: Engine) -> None:
    store = ThreadedInstallationStore(engine, client_id="111.222")
    await store.async_save(
        Installation(
            app_id="A1",
            team_id="T1",
            team_name="One",
            bot_token="xoxb-1",
            bot_id="B1",
            bot_user_id="UB1",
            bot_scopes="commands,chat:write",
            user_id="UINSTALLER",
        )
    )
    bot = await store.async_find_bot(enterprise_id=None, team_id="T1")
    installation = await store.async_find_installation(enterprise_id=None, team_id="T1")
    assert bot is not None and bot.bot_token == "xoxb-1"
    assert installation is not None and installation.team_name == "One"
    await store.async_delete_all(enterprise_id=None, team_id="T1")
    assert await store.async_find_bot(enterprise_id=None, team_id="T1") is None
    assert await store.async_find_installation(enterprise_id=None, team_id="T1") is None

    states = ThreadedStateStore(engine)
    state = await states.async_issue()
    assert await states.async_consume(state) is True
    assert await states.async_consume(state) is False


def test_seen_events_are_seen_once_and_forgotten_later(engine: Engine) -> None:
    store = SlackStore(engine)
    now = datetime(2024, 5, 15, tzinfo=UTC)
    assert store.first_sight("Ev1", now=now) is True
    assert store.first_sight("Ev1", now=now) is False
    assert store.first_sight("Ev2", now=now + timedelta(hours=2)) is True
    assert store.forget_events_before(now + timedelta(hours=1)) == 1
    assert store.seen_count() == 1
