"""Which bot token speaks for which workspace, and where installations are kept.

One workspace: `PRICEBOT_SLACK_BOT_TOKEN` is the token for every request.
Many workspaces: slack-sdk's SQLAlchemy installation and OAuth state stores, on
pricebot's own database (tables from migration 0004). We use slack-sdk's
synchronous stores on pricebot's synchronous engine and run them in a worker
thread, so SQLite needs no async driver and PostgreSQL uses the same psycopg.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine

log = logging.getLogger(__name__)

# How long an OAuth `state` stays valid between /slack/install and the redirect.
STATE_EXPIRATION_SECONDS = 600


class TokenSource(Protocol):
    """Finds the bot token for a workspace; None when pricebot is not installed there."""

    async def bot_token(self, team_id: str | None) -> str | None: ...


class FixedToken:
    """One workspace, one token (`PRICEBOT_SLACK_BOT_TOKEN`)."""

    def __init__(self, token: str) -> None:
        self._token = token

    async def bot_token(self, team_id: str | None) -> str | None:
        return self._token


class InstalledTokens:
    """Many workspaces: the latest bot token saved by the OAuth flow for each."""

    def __init__(self, store: AsyncInstallationStore) -> None:
        self._store = store

    async def bot_token(self, team_id: str | None) -> str | None:
        if team_id is None:
            return None
        bot = await self._store.async_find_bot(enterprise_id=None, team_id=team_id)
        return bot.bot_token if bot is not None else None


class ThreadedInstallationStore(AsyncInstallationStore):
    """slack-sdk's SQLAlchemyInstallationStore, made awaitable with asyncio.to_thread."""

    def __init__(self, engine: Engine, client_id: str) -> None:
        self.sync = SQLAlchemyInstallationStore(client_id=client_id, engine=engine, logger=log)

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        await asyncio.to_thread(self.sync.save, installation)

    async def async_save_bot(self, bot: Bot) -> None:
        await asyncio.to_thread(self.sync.save_bot, bot)

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        return await asyncio.to_thread(
            self.sync.find_bot,
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        return await asyncio.to_thread(
            self.sync.find_installation,
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await asyncio.to_thread(self.sync.delete_bot, enterprise_id=enterprise_id, team_id=team_id)

    async def async_delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        await asyncio.to_thread(
            self.sync.delete_installation,
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
        )


class ThreadedStateStore(AsyncOAuthStateStore):
    """slack-sdk's SQLAlchemyOAuthStateStore, made awaitable with asyncio.to_thread."""

    def __init__(self, engine: Engine, expiration_seconds: int = STATE_EXPIRATION_SECONDS) -> None:
        self.sync = SQLAlchemyOAuthStateStore(
            expiration_seconds=expiration_seconds, engine=engine, logger=log
        )

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        return await asyncio.to_thread(self.sync.issue)

    async def async_consume(self, state: str) -> bool:
        return await asyncio.to_thread(self.sync.consume, state)
