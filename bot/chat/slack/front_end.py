"""The Slack front-end: a slack-bolt AsyncApp in Socket Mode or HTTP mode, one or many workspaces.

- Socket Mode when `PRICEBOT_SLACK_APP_TOKEN` is set: pricebot dials out to Slack,
  no public URL needed. HTTP mode otherwise: Slack POSTs to `/slack/events` on
  the shared HTTP server, and every request's signature is checked (a bad or
  stale one gets 401 and does nothing).
- One workspace with `PRICEBOT_SLACK_BOT_TOKEN`; any number with the OAuth client
  settings: `/slack/install` and `/slack/oauth_redirect` keep installations in
  pricebot's database. Uninstalling stops that workspace's subscriptions.
- Slack retries events it thinks failed; each event_id is handled once, whichever
  process receives it (remembered in the database).

We never call AsyncApp.start() or web.run_app(): they own the event loop, which
Telegram, the scheduler and the dispatcher share.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine

from bot.alerts.notifier import Notifier
from bot.chat.ports import CommandLayer
from bot.chat.slack.adapter import SlackAdapter
from bot.chat.slack.home import Home, SubscribedChannels
from bot.chat.slack.installations import (
    FixedToken,
    InstalledTokens,
    ThreadedInstallationStore,
    ThreadedStateStore,
    TokenSource,
)
from bot.chat.slack.notifier import SlackNotifier, web_client
from bot.chat.slack.people import People
from bot.chat.slack.socket_link import (
    FIRST_DELAY,
    MAX_DELAY,
    PatientWebClient,
    one_line,
    socket_link,
)
from bot.messages import StartError
from bot.settings import Settings, slack_enabled
from storage.slack import SlackStore

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# Slack retries an event within minutes; remember ids for an hour.
SEEN_EVENTS_KEPT = timedelta(hours=1)
_PRUNE_EVERY = timedelta(minutes=10)

WorkspaceGoneHook = Callable[[str], Awaitable[None]]


class SlackConfigError(StartError, ValueError):
    """Slack settings that cannot work together; the message says what to set."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


class SlackFrontEnd:
    """pricebot's Slack app: listeners, its HTTP routes or Socket Mode link, and its Notifier."""

    name = "slack"
    # Slack's largest payloads (a button press carries the whole message and view state)
    # are tens of KB.
    max_body = 1024 * 1024

    def __init__(
        self,
        settings: Settings,
        *,
        commands: CommandLayer,
        engine: Engine,
        on_workspace_gone: WorkspaceGoneHook | None = None,
        subscribed_channels: SubscribedChannels | None = None,
        command_names: Callable[[], Iterable[str]] | None = None,
        clock: Callable[[], datetime] = _utcnow,
        socket_retry: tuple[float, float] = (FIRST_DELAY, MAX_DELAY),
    ) -> None:
        if not slack_enabled(settings):
            raise SlackConfigError(
                "Slack needs PRICEBOT_SLACK_BOT_TOKEN (one workspace) or "
                "PRICEBOT_SLACK_CLIENT_ID and PRICEBOT_SLACK_CLIENT_SECRET (many)"
            )
        app_token = (
            settings.slack_app_token.get_secret_value() if settings.slack_app_token else None
        )
        secret = (
            settings.slack_signing_secret.get_secret_value()
            if settings.slack_signing_secret
            else ""
        )
        if not app_token and not secret:
            raise SlackConfigError(
                "Slack in HTTP mode needs PRICEBOT_SLACK_SIGNING_SECRET (Basic Information → "
                "App Credentials), or set PRICEBOT_SLACK_APP_TOKEN (xapp-…) for Socket Mode"
            )
        self.socket_mode = bool(app_token)
        # Socket Mode has no signing secret (and no HTTP route that would need one).
        self._verifier = SignatureVerifier(secret) if secret else None
        self._app_token = app_token
        self._clock = clock
        self._store = SlackStore(engine)
        self._on_workspace_gone = on_workspace_gone
        self._last_prune: datetime | None = None
        self._socket: AsyncSocketModeHandler | None = None
        self._connecting: asyncio.Task[None] | None = None
        # Socket Mode's back-off while Slack cannot be reached: first wait, longest wait (s).
        self._socket_retry = socket_retry

        client = web_client(settings.slack_api_url)
        self.oauth = bool(settings.slack_client_id and settings.slack_client_secret)
        self.installations: ThreadedInstallationStore | None = None
        tokens: TokenSource
        app_kwargs: dict[str, Any]
        if self.oauth:
            assert settings.slack_client_id and settings.slack_client_secret
            if settings.slack_bot_token:
                log.warning("Slack: OAuth settings given, so PRICEBOT_SLACK_BOT_TOKEN is not used")
            self.installations = ThreadedInstallationStore(engine, settings.slack_client_id)
            tokens = InstalledTokens(self.installations)
            app_kwargs = {
                # auth.test once per token, not once per request: Slack's 3 s start with it.
                "authorize": AsyncInstallationStoreAuthorize(
                    logger=log,
                    installation_store=self.installations,
                    client_id=settings.slack_client_id,
                    client_secret=settings.slack_client_secret.get_secret_value(),
                    cache_enabled=True,
                ),
                "installation_store": self.installations,
                "oauth_settings": AsyncOAuthSettings(
                    client_id=settings.slack_client_id,
                    client_secret=settings.slack_client_secret.get_secret_value(),
                    scopes=settings.slack_scopes,
                    redirect_uri=settings.slack_redirect_uri,
                    install_path=INSTALL_PATH,
                    redirect_uri_path=REDIRECT_PATH,
                    installation_store=self.installations,
                    state_store=ThreadedStateStore(engine),
                ),
            }
        else:
            assert settings.slack_bot_token is not None
            token = settings.slack_bot_token.get_secret_value()
            tokens = FixedToken(token)
            client = web_client(settings.slack_api_url, token=token)
            app_kwargs = {}
        self._client = client

        self.app = AsyncApp(
            name="pricebot",
            client=client,
            signing_secret=secret,
            request_verification_enabled=not self.socket_mode,
            before_authorize=self._dedupe,
            **app_kwargs,
        )
        people = People(clock)
        SlackAdapter(
            commands=commands,
            people=people,
            home=Home(
                commands=commands,
                people=people,
                subscribed_channels=subscribed_channels,
                command_names=command_names,
            ),
            on_uninstalled=self._uninstalled,
            command_names=command_names,
        ).register(self.app)
        self.notifier: Notifier = SlackNotifier(
            tokens=tokens,
            store=self._store,
            client=web_client(settings.slack_api_url),
            on_workspace_gone=self._workspace_gone,
            thread_window=timedelta(days=settings.slack_thread_days),
            clock=clock,
        )

    # ------------------------------------------------------------------ FrontEnd

    def routes(self) -> list[web.RouteDef]:
        """`/slack/events` in HTTP mode; the OAuth install pages when serving many workspaces."""
        routes: list[web.RouteDef] = []
        if not self.socket_mode:
            routes.append(web.post(EVENTS_PATH, self.handle_events))
        if self.oauth:
            routes.append(web.get(INSTALL_PATH, self.handle_install))
            routes.append(web.get(REDIRECT_PATH, self.handle_oauth_redirect))
        return routes

    async def start(self) -> None:
        """Check the tokens; open the Socket Mode link in the background (Socket Mode).

        A token Slack refuses stops the start with a SlackConfigError; Slack being
        unreachable does not: the link keeps trying (slack-sdk retries), so pricebot
        comes up and Slack joins when it can.
        """
        if not self.oauth:
            try:
                who = await self._client.auth_test()
                log.info("Slack: workspace %s, as %s", who.get("team"), who.get("user"))
            except SlackApiError as exc:
                raise SlackConfigError(
                    f"Slack refused PRICEBOT_SLACK_BOT_TOKEN: {exc.response.get('error')} "
                    "(it is the Bot User OAuth Token, xoxb-…, from OAuth & Permissions)"
                ) from None
            except (SlackClientError, OSError) as exc:
                log.error(
                    "Slack: cannot reach Slack to check the bot token yet (%s); check the "
                    "network, or PRICEBOT_SLACK_API_URL",
                    one_line(exc),
                )
        if self.socket_mode:
            await self._check_app_token()
            assert self._app_token is not None
            self._socket = socket_link(
                self.app,
                app_token=self._app_token,
                web_client=PatientWebClient(
                    base_url=self._client.base_url,
                    timeout=15,
                    first_delay=self._socket_retry[0],
                    max_delay=self._socket_retry[1],
                ),
            )
            self._connecting = asyncio.create_task(
                self._socket.connect_async(), name="slack-socket-mode"
            )

    async def stop(self) -> None:
        """Close the Socket Mode link; HTTP mode has nothing of its own to stop."""
        if self._connecting is not None and not self._connecting.done():
            self._connecting.cancel()
            await asyncio.gather(self._connecting, return_exceptions=True)
        self._connecting = None
        if self._socket is not None:
            await self._socket.close_async()
            self._socket = None

    async def _check_app_token(self) -> None:
        try:
            await self._client.apps_connections_open(app_token=self._app_token or "")
        except SlackApiError as exc:
            raise SlackConfigError(
                f"Slack refused PRICEBOT_SLACK_APP_TOKEN: {exc.response.get('error')} "
                "(it is an app-level token, xapp-…, with the connections:write scope)"
            ) from None
        except (SlackClientError, OSError) as exc:
            log.error(
                "Slack: cannot reach Slack for Socket Mode yet (%s); it keeps trying",
                one_line(exc),
            )

    # ------------------------------------------------------------------ HTTP handlers

    async def handle_events(self, request: web.Request) -> web.Response:
        """Slash commands, events and button presses, checked and dispatched by Bolt."""
        try:
            bolt_request = await to_bolt_request(request)
        except (ValueError, RecursionError):
            # Bolt parses the body before it checks the signature: say which is wrong.
            if not self._signed(await request.read(), request.headers):
                return web.Response(status=401, text="invalid request")
            log.warning("Slack: a signed request whose body does not parse was refused")
            return web.Response(status=400, text="the body does not parse")
        response = await self.app.async_dispatch(bolt_request)
        return await to_aiohttp_response(response)

    def _signed(self, body: bytes, headers: Mapping[str, str]) -> bool:
        """Does the request carry a valid, fresh Slack signature?"""
        timestamp = headers.get("X-Slack-Request-Timestamp", "")
        if self._verifier is None or not timestamp.isascii() or not timestamp.isdecimal():
            return False
        return self._verifier.is_valid(
            body=body, timestamp=timestamp, signature=headers.get("X-Slack-Signature", "")
        )

    async def handle_install(self, request: web.Request) -> web.Response:
        """The 'Add to Slack' page; sets the OAuth state cookie."""
        flow = self.app.oauth_flow
        assert flow is not None
        return await to_aiohttp_response(
            await flow.handle_installation(await to_bolt_request(request))
        )

    async def handle_oauth_redirect(self, request: web.Request) -> web.Response:
        """Slack sends the installer back here with a code; the installation is saved."""
        flow = self.app.oauth_flow
        assert flow is not None
        return await to_aiohttp_response(await flow.handle_callback(await to_bolt_request(request)))

    # ------------------------------------------------------------------ internals

    async def _dedupe(self, body: dict[str, Any], next: Callable[[], Awaitable[None]]) -> Any:
        """Handle each Events API event_id once, even when Slack retries it; and each slash
        command or button press (its trigger_id) once, even when someone replays the signed
        request within the 5 minutes its signature is good for."""
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if not event_id and body.get("trigger_id"):
            event_id = f"trigger:{body['trigger_id']}"[:64]
        if event_id:
            now = self._clock()
            first = await asyncio.to_thread(self._store.first_sight, str(event_id), now=now)
            if not first:
                log.info("Slack: event %s already handled; retry ignored", event_id)
                return BoltResponse(status=200, body="")
            if self._last_prune is None or now - self._last_prune > _PRUNE_EVERY:
                self._last_prune = now
                await asyncio.to_thread(self._store.forget_events_before, now - SEEN_EVENTS_KEPT)
        return await next()

    async def _uninstalled(self, team_id: str) -> None:
        """Forget the workspace's tokens and stop its subscriptions."""
        log.info("Slack: workspace %s uninstalled pricebot", team_id)
        if self.installations is not None:
            await self.installations.async_delete_all(enterprise_id=None, team_id=team_id)
        await self._workspace_gone(team_id)

    async def _workspace_gone(self, team_id: str) -> None:
        if self._on_workspace_gone is not None:
            await self._on_workspace_gone(team_id)
