"""Socket Mode's link to Slack, patient when Slack cannot be reached.

slack-sdk's Socket Mode client asks `apps.connections.open` for a WebSocket URL
and, when that fails, logs a traceback and tries again every few seconds, for
ever. Here the one call it makes through its web client waits instead: back-off
doubling to a cap, one log line per failed try saying what to check. A token
Slack refuses is not waited on (it will not start working by itself).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

log = logging.getLogger(__name__)

FIRST_DELAY = 1.0
MAX_DELAY = 60.0


def one_line(exc: BaseException) -> str:
    """'ClientConnectorError: Cannot connect to host …' on one line, without a traceback."""
    text = " ".join(str(exc).split()) or "no detail"
    return f"{type(exc).__name__}: {text}"


class PatientWebClient(AsyncWebClient):
    """The web client Socket Mode uses: `apps.connections.open` waits out an unreachable
    Slack with back-off. Only Socket Mode uses it; other calls fail fast as usual."""

    def __init__(
        self, *, first_delay: float = FIRST_DELAY, max_delay: float = MAX_DELAY, **kwargs: Any
    ) -> None:
        # Its own back-off replaces slack-sdk's retry on connection errors (and its logs).
        super().__init__(retry_handlers=[], **kwargs)
        self.first_delay = first_delay
        self.max_delay = max_delay

    async def apps_connections_open(self, *, app_token: str, **kwargs: Any) -> AsyncSlackResponse:
        delay = self.first_delay
        while True:
            try:
                return await super().apps_connections_open(app_token=app_token, **kwargs)
            except (SlackClientError, aiohttp.ClientError, OSError, TimeoutError) as exc:
                # SlackApiError is a SlackClientError too: Slack answered, and said no.
                if getattr(exc, "response", None) is not None:
                    raise
                log.warning(
                    "Slack: Socket Mode cannot reach Slack at %s (%s); trying again in %s s. "
                    "Check the network, or PRICEBOT_SLACK_API_URL",
                    self.base_url,
                    one_line(exc),
                    f"{delay:g}",
                )
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.max_delay)


class _NoTraceback(logging.Filter):
    """slack-sdk logs a failed WebSocket connect with a traceback; the message says enough."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.getMessage().startswith("Failed to connect"):
            record.exc_info = None
            record.exc_text = None
        return True


_NO_TRACEBACK = _NoTraceback()


def socket_link(
    app: AsyncApp, *, app_token: str, web_client: PatientWebClient
) -> AsyncSocketModeHandler:
    """Bolt's Socket Mode handler, connecting through the patient web client."""
    handler = AsyncSocketModeHandler(app, app_token=app_token, web_client=web_client)
    handler.client.logger.addFilter(_NO_TRACEBACK)  # the same filter once, however often
    return handler
